"""tsm-asserts-to-errors: run-time checks report to Python instead of aborting.

In: functions whose control flow is already in `cf` (after convert-scf-to-cf),
containing `cf.assert %cond, "message"` (checks of the lowering, and the
`raise`/`assert` of the program, tagged `tsmlir.raise = "<Class>"`).
Out: each assert becomes `cf.cond_br %cond, ^continue, ^fail`; the fail block
calls `@tsmlir_runtime_error(i64 id)` and returns poison results.  Indexed by
id, the module stores the array attributes `tsmlir.runtime_errors` (the
messages), `tsmlir.runtime_error_locations` (`file:line:col` of the user's
code, "" if unknown) and `tsmlir.runtime_error_classes` (the raised
exception class, "" for a check of the compiled code).  The runtime
registers the callback, raises a Python exception after the call and
ignores the poisoned results.

tsm-free-on-error (on the LLVM dialect, see `free_on_error`) then makes the
fail blocks free the buffers the function still holds, so a failing call
leaks nothing.
"""
from __future__ import annotations

from mlir import ir
from mlir.dialects import arith, cf, func, llvm, ub

from ..diagnostics import source_loc
from .passes import register

CALLBACK = "tsmlir_runtime_error"
MESSAGES_ATTR = "tsmlir.runtime_errors"
LOCATIONS_ATTR = "tsmlir.runtime_error_locations"
CLASSES_ATTR = "tsmlir.runtime_error_classes"
RAISE_ATTR = "tsmlir.raise"


@register("tsm-asserts-to-errors",
          "Turn cf.assert into a call to the tsmlir runtime error callback and an early return")
def asserts_to_errors(module_op: ir.Operation) -> None:
    attrs = module_op.attributes
    messages, locations, classes = (
        [ir.StringAttr(a).value for a in attrs[name]] if name in attrs else []
        for name in (MESSAGES_ATTR, LOCATIONS_ATTR, CLASSES_ATTR))
    # Records written before locations existed: keep the arrays parallel.
    locations += [""] * (len(messages) - len(locations))
    classes += [""] * (len(messages) - len(classes))
    asserts = []

    def visit(op):
        if op.name == "cf.assert":
            asserts.append(op.operation)
        return ir.WalkResult.ADVANCE

    module_op.walk(visit, ir.WalkOrder.POST_ORDER)
    if not asserts:
        return
    body = module_op.regions[0].blocks[0]
    declared = any(o.operation.name == "func.func" and ir.StringAttr(o.attributes["sym_name"]).value == CALLBACK
                   for o in body.operations)
    if not declared:
        with ir.InsertionPoint.at_block_begin(body), ir.Location.unknown():
            func.FuncOp(CALLBACK, ir.FunctionType.get([ir.IntegerType.get_signless(64)], []),
                        visibility="private")
    for op in asserts:
        message = ir.StringAttr(op.attributes["msg"]).value
        loc = str(source_loc(op.location) or "")
        if loc and message.startswith(loc + ": "):  # builders.assert_true's prefix: once is enough
            message = message[len(loc) + 2:]
        messages.append(message)
        locations.append(loc)
        classes.append(ir.StringAttr(op.attributes[RAISE_ATTR]).value
                       if RAISE_ATTR in op.attributes else "")
        _split_at(op, len(messages) - 1)
    for name, values in ((MESSAGES_ATTR, messages), (LOCATIONS_ATTR, locations),
                         (CLASSES_ATTR, classes)):
        attrs[name] = ir.ArrayAttr.get([ir.StringAttr.get(v) for v in values])


def _enclosing_func(op: ir.Operation) -> ir.Operation:
    parent = op.parent
    while parent.name != "func.func":
        parent = parent.parent
    return parent


def _split_at(assert_op: ir.Operation, message_id: int) -> None:
    block = assert_op.block
    fn = _enclosing_func(assert_op)
    result_types = ir.FunctionType(ir.TypeAttr(fn.attributes["function_type"]).value).results
    loc = assert_op.location
    # ^continue takes every op after the assert.
    cont = block.create_after()
    fail = cont.create_after()
    ops = [o.operation for o in block.operations]
    following = ops[ops.index(assert_op) + 1:]
    with ir.InsertionPoint(cont), loc:
        anchor = arith.constant(ir.IndexType.get(), 0)
    for o in following:
        o.move_before(anchor.owner)
    anchor.owner.erase()
    with ir.InsertionPoint(fail), loc:
        func.call([], CALLBACK, [arith.constant(ir.IntegerType.get_signless(64), message_id)])
        func.ReturnOp([ub.poison(t) for t in result_types])
    with ir.InsertionPoint(assert_op), loc:
        cf.cond_br(assert_op.operands[0], [], [], cont, fail)
    assert_op.erase()


# -- tsm-free-on-error ------------------------------------------------------------
# The buffers a function has malloc'ed and not yet freed, in a registry on its
# stack: {ptr data, i64 len, i64 cap}, data an array of pointers.
_REGISTRY = "!llvm.struct<(ptr, i64, i64)>"
_INIT, _ADD, _REMOVE, _FREE_ALL, _FORGET = (
    "tsmlir_live_init", "tsmlir_live_add", "tsmlir_live_remove", "tsmlir_live_free_all",
    "tsmlir_live_forget")
_FIELDS = f"""
  %d = llvm.getelementptr %reg[0, 0] : (!llvm.ptr) -> !llvm.ptr, {_REGISTRY}
  %l = llvm.getelementptr %reg[0, 1] : (!llvm.ptr) -> !llvm.ptr, {_REGISTRY}
  %c = llvm.getelementptr %reg[0, 2] : (!llvm.ptr) -> !llvm.ptr, {_REGISTRY}
  %data = llvm.load %d : !llvm.ptr -> !llvm.ptr
  %len = llvm.load %l : !llvm.ptr -> i64
  %cap = llvm.load %c : !llvm.ptr -> i64
  %c0 = llvm.mlir.constant(0 : i64) : i64
  %c1 = llvm.mlir.constant(1 : i64) : i64
  %null = llvm.mlir.zero : !llvm.ptr"""
_HELPERS = f"""
llvm.func internal @{_INIT}(%reg: !llvm.ptr) {{
  %d = llvm.getelementptr %reg[0, 0] : (!llvm.ptr) -> !llvm.ptr, {_REGISTRY}
  %l = llvm.getelementptr %reg[0, 1] : (!llvm.ptr) -> !llvm.ptr, {_REGISTRY}
  %c = llvm.getelementptr %reg[0, 2] : (!llvm.ptr) -> !llvm.ptr, {_REGISTRY}
  %c0 = llvm.mlir.constant(0 : i64) : i64
  %null = llvm.mlir.zero : !llvm.ptr
  llvm.store %null, %d : !llvm.ptr, !llvm.ptr
  llvm.store %c0, %l : i64, !llvm.ptr
  llvm.store %c0, %c : i64, !llvm.ptr
  llvm.return
}}
llvm.func internal @{_ADD}(%reg: !llvm.ptr, %p: !llvm.ptr) {{{_FIELDS}
  %full = llvm.icmp "eq" %len, %cap : i64
  llvm.cond_br %full, ^grow, ^put(%data : !llvm.ptr)
^grow:
  %c16 = llvm.mlir.constant(16 : i64) : i64
  %c8 = llvm.mlir.constant(8 : i64) : i64
  %twice = llvm.add %cap, %cap : i64
  %small = llvm.icmp "slt" %twice, %c16 : i64
  %ncap = llvm.select %small, %c16, %twice : i1, i64
  %bytes = llvm.mul %ncap, %c8 : i64
  %new = llvm.call @realloc(%data, %bytes) : (!llvm.ptr, i64) -> !llvm.ptr
  %failed = llvm.icmp "eq" %new, %null : !llvm.ptr
  llvm.cond_br %failed, ^done, ^grown
^grown:
  llvm.store %new, %d : !llvm.ptr, !llvm.ptr
  llvm.store %ncap, %c : i64, !llvm.ptr
  llvm.br ^put(%new : !llvm.ptr)
^put(%buf: !llvm.ptr):
  %slot = llvm.getelementptr %buf[%len] : (!llvm.ptr, i64) -> !llvm.ptr, !llvm.ptr
  llvm.store %p, %slot : !llvm.ptr, !llvm.ptr
  %next = llvm.add %len, %c1 : i64
  llvm.store %next, %l : i64, !llvm.ptr
  llvm.br ^done
^done:
  llvm.return
}}
llvm.func internal @{_REMOVE}(%reg: !llvm.ptr, %p: !llvm.ptr) {{{_FIELDS}
  %last = llvm.sub %len, %c1 : i64
  llvm.br ^loop(%last : i64)
^loop(%i: i64):
  %end = llvm.icmp "slt" %i, %c0 : i64
  llvm.cond_br %end, ^done, ^test
^test:
  %slot = llvm.getelementptr %data[%i] : (!llvm.ptr, i64) -> !llvm.ptr, !llvm.ptr
  %q = llvm.load %slot : !llvm.ptr -> !llvm.ptr
  %hit = llvm.icmp "eq" %q, %p : !llvm.ptr
  %prev = llvm.sub %i, %c1 : i64
  llvm.cond_br %hit, ^found, ^loop(%prev : i64)
^found:
  %tail = llvm.getelementptr %data[%last] : (!llvm.ptr, i64) -> !llvm.ptr, !llvm.ptr
  %moved = llvm.load %tail : !llvm.ptr -> !llvm.ptr
  llvm.store %moved, %slot : !llvm.ptr, !llvm.ptr
  llvm.store %last, %l : i64, !llvm.ptr
  llvm.br ^done
^done:
  llvm.return
}}
llvm.func internal @{_FREE_ALL}(%reg: !llvm.ptr) {{{_FIELDS}
  llvm.br ^loop(%c0 : i64)
^loop(%i: i64):
  %more = llvm.icmp "slt" %i, %len : i64
  llvm.cond_br %more, ^body, ^done
^body:
  %slot = llvm.getelementptr %data[%i] : (!llvm.ptr, i64) -> !llvm.ptr, !llvm.ptr
  %q = llvm.load %slot : !llvm.ptr -> !llvm.ptr
  llvm.call @free(%q) : (!llvm.ptr) -> ()
  %next = llvm.add %i, %c1 : i64
  llvm.br ^loop(%next : i64)
^done:
  llvm.call @free(%data) : (!llvm.ptr) -> ()
  llvm.return
}}
llvm.func internal @{_FORGET}(%reg: !llvm.ptr) {{
  %d = llvm.getelementptr %reg[0, 0] : (!llvm.ptr) -> !llvm.ptr, {_REGISTRY}
  %data = llvm.load %d : !llvm.ptr -> !llvm.ptr
  llvm.call @free(%data) : (!llvm.ptr) -> ()
  llvm.return
}}
"""
_ALLOCS = ("malloc", "aligned_alloc")
_LIBC = {"free": "llvm.func @free(!llvm.ptr)\n",
         "realloc": "llvm.func @realloc(!llvm.ptr, i64) -> !llvm.ptr\n"}


@register("tsm-free-on-error",
          "Free the buffers a function still holds when a run-time error makes it return early")
def free_on_error(module_op: ir.Operation) -> None:
    """In: the LLVM dialect, where tsm-asserts-to-errors' fail blocks call
    @tsmlir_runtime_error and return, and buffers are `llvm.call @malloc` /
    `@free`.  Out: in each function with such a block, every malloc'ed pointer
    that can be live when a fail block runs is recorded in a registry on the
    stack (removed when freed); a fail block frees what is left before
    returning, the other returns only drop the registry (what is left there is
    returned to the caller).  Temporaries freed before any fail block can run
    are not recorded: their pointers do not escape, so LLVM still removes
    them (recording them all cost the seed RNN ~50%).  A function that frees
    inside a nested region (OpenMP) or reallocates is left as it is."""
    body = module_op.regions[0].blocks[0]
    if not any(op.operation.name == "llvm.func"
               and ir.StringAttr(op.attributes["sym_name"]).value == CALLBACK
               for op in body.operations):
        return  # no fail block anywhere (no walk: ResNet-18's took 0.07 s)
    plans = [p for p in (_plan(op) for op in body.operations
                         if op.operation.name == "llvm.func" and len(op.regions[0].blocks))
             if p is not None]
    if not plans:
        return
    _add_helpers(body)
    for fn, mallocs, frees, errors in plans:
        _instrument(fn, mallocs, frees, errors)


def _callee(op) -> str | None:
    if op.name != "llvm.call" or "callee" not in op.attributes:
        return None
    return ir.FlatSymbolRefAttr(op.attributes["callee"]).value


def _plan(fn):
    calls: list[ir.Operation] = []

    def visit(op):
        if op.name == "llvm.call":
            calls.append(op.operation)
        return ir.WalkResult.ADVANCE

    fn.operation.walk(visit)
    by_name: dict[str, list[ir.Operation]] = {}
    for c in calls:
        by_name.setdefault(_callee(c), []).append(c)
    errors = by_name.get(CALLBACK, [])
    mallocs = [c for name in _ALLOCS for c in by_name.get(name, [])]
    frees = by_name.get("free", [])
    if not errors or not mallocs or "realloc" in by_name:
        return None
    top = fn.operation

    def at_top(op):
        return op.parent == top

    if not all(at_top(c) for c in frees + errors):
        return None
    # Only buffers that can be live when an error returns are recorded: the
    # others (temporaries freed before any check) stay unescaped, so LLVM can
    # still remove or shrink them.
    origins = [_origin(f.operands[0]) for f in frees]
    failing = {e.block for e in errors}
    tracked = [m for m in mallocs if at_top(m) and _live_at_error(
        m, [f for f, o in zip(frees, origins) if o is not None and o == m], failing)]
    if not tracked:
        return None
    untracked = [m for m in mallocs if not any(m == t for t in tracked)]
    # A free of an untracked buffer needs no update of the registry.
    frees = [f for f, o in zip(frees, origins) if o is None or not any(o == u for u in untracked)]
    return fn.operation, tracked, frees, errors


def _origin(v: ir.Value) -> ir.Operation | None:
    """The malloc call whose pointer `v` is (through the memref descriptor's
    insertvalue/extractvalue), or None if not known."""
    while True:
        op = _defining_op(v)
        if op is None:
            return None
        if _callee(op) in _ALLOCS:
            return op
        if op.name != "llvm.extractvalue":
            return None
        position = list(ir.DenseI64ArrayAttr(op.attributes["position"]))
        v = op.operands[0]
        while True:  # back through the descriptor to what was inserted there
            insert = _defining_op(v)
            if insert is None or insert.name != "llvm.insertvalue":
                return None
            if list(ir.DenseI64ArrayAttr(insert.attributes["position"])) == position:
                v = insert.operands[1]
                break
            v = insert.operands[0]


def _defining_op(v: ir.Value) -> ir.Operation | None:
    owner = v.owner
    return None if isinstance(owner, ir.Block) else owner.operation


def _live_at_error(malloc: ir.Operation, frees: list[ir.Operation], failing: set) -> bool:
    """Whether a fail block can run after `malloc` before one of `frees` (its frees)."""
    block = malloc.block
    ops = [o.operation for o in block.operations]
    here = ops.index(malloc)
    if any(f.block == block and ops.index(f) > here for f in frees):
        return False
    freeing = {f.block for f in frees}
    seen, stack = set(), list(block.successors)
    while stack:
        b = stack.pop()
        if b in seen:
            continue
        seen.add(b)
        if b in failing:
            return True
        if b not in freeing:
            stack.extend(b.successors)
    return False


def _add_helpers(body: ir.Block) -> None:
    names = {ir.StringAttr(op.attributes["sym_name"]).value
             for op in body.operations if "sym_name" in op.attributes}
    parsed = ir.Module.parse("".join(_LIBC.values()) + _HELPERS)
    first = body.operations[0]
    for op in list(parsed.body.operations):
        if ir.StringAttr(op.attributes["sym_name"]).value not in names:
            op.operation.move_before(first)


def _call(name: str, args: list[ir.Value]) -> None:
    llvm.CallOp(None, args, [], [], callee=ir.FlatSymbolRefAttr.get(name))


def _instrument(fn: ir.Operation, mallocs, frees, errors) -> None:
    entry = fn.regions[0].blocks[0]
    with ir.InsertionPoint.at_block_begin(entry), fn.location:
        one = llvm.ConstantOp(ir.IntegerType.get_signless(64),
                              ir.IntegerAttr.get(ir.IntegerType.get_signless(64), 1)).result
        reg = llvm.AllocaOp(ir.Type.parse("!llvm.ptr"), one, ir.Type.parse(_REGISTRY)).result
        _call(_INIT, [reg])
    for m in mallocs:
        with ir.InsertionPoint.after(m), m.location:
            _call(_ADD, [reg, m.results[0]])
    for f in frees:
        with ir.InsertionPoint(f), f.location:
            _call(_REMOVE, [reg, f.operands[0]])
    failing = []
    for e in errors:
        with ir.InsertionPoint.after(e), e.location:
            _call(_FREE_ALL, [reg])
        failing.append(e.block)
    for block in fn.regions[0].blocks:
        last = block.operations[len(block.operations) - 1]
        if last.operation.name == "llvm.return" and not any(block == b for b in failing):
            with ir.InsertionPoint(last), last.location:
                _call(_FORGET, [reg])
