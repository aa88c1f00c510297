"""tsm-outline-repeated-loops: identical runs of loop nests become one shared function.

A model with repeated layers (a transformer's encoder layers, a ResNet's
blocks) emits each layer's elementwise, softmax, norm, gather and copy loop
nests again in its function; LLVM then optimizes and generates code for the
same loops once per layer (~0.5 s a BERT-base layer).  The matmul kernels are
already shared functions: this pass shares the loops around them.

In: functions on memrefs with structured loops (the end of
`tsm-linalg-to-loops`: scf/affine loops, vector ops, calls of the shared
kernels; one block per function).
Out: each class of structurally identical *runs* (>= 2 members) in a
function's block is one private `noinline` function
`@<function>_outlined_<n>`, and each member a `func.call` of it.

First, private functions that differ only in the globals they read (the
per-weight matmul drivers `@..._w0`, `@..._w1`: each its packed copy of the
weight and its ready flag) become one, `@<first>_any`, taking those globals
as trailing arguments; each call site reads its own with `memref.get_global`.

A run is a maximal sequence of consecutive ops of a public function's block
that holds at least one loop (an op with regions), cut at the ops that
cannot move into another function (below).  Two runs are identical when
their printed IR is, with SSA names renamed in order of first appearance:
same ops, attributes and types, the same use-def structure inside, and the
same values from outside (captures) in the same positions (equal captures
stay equal, distinct ones distinct).  Captured constants are part of the
structure (their value must match; they are cloned into the function so
that LLVM still sees constant trip counts); other captures (memrefs, index
values, scalars, globals) become arguments.  Values a run defines and later
ops use are returned.  A run like no other is then split into its nests
(each with the ops before it since the previous nest), and identical nests
are shared the same way.

Allocations and deallocations inside a run's span do not cut it: a
`memref.alloc` whose sizes come from before the run moves above the call, a
`memref.dealloc` below it (a temporary lives until the end of the run, at
most until the next cut).

Left inline (cuts a run):
- `cf.assert` at any depth, and calls of functions that hold one: after
  tsm-asserts-to-errors a failed check returns early from the function that
  holds it, and the caller would go on (tsm-free-on-error also only frees
  the buffers of the function that fails);
- calls of a function called from one place only (a run holding one would
  match no other) and of public functions;
- `memref.alloca` (its memory would die with the outlined function), an
  alloc sized by a value the run computes, terminators.
`scf.parallel` loops move into the outlined function as they are;
tsm-scf-to-openmp lowers them there (it walks every function).  Runs with
dynamic sizes are outlined like static ones: the sizes are captured index
values.
"""
from __future__ import annotations

import io
import re

from mlir import ir
from mlir.dialects import func, memref

from .ir_walk import as_op
from .passes import register

#: An SSA name (`%alloc_3`, `%arg2`, `%12`), with its result number (`%7#1`)
#: where the op has several: the whole is the value's name, the name before
#: `#` is renamed (so renaming keeps which results come from one op).
_SSA = re.compile(r"%[\w$.\-]+(?:#\d+)?")
_CALL = re.compile(r"call @([\w$.\-]+)")
_GLOBAL = re.compile(r"memref\.get_global @([\w$.\-]+)")
_PASSTHROUGH = '["noinline"]'
#: Ops without operands that stay in the caller, above the call; those of
#: `_CLONED` are cloned into an outlined function that uses them.
_CLONED = ("arith.constant", "ub.poison")
_HOISTABLE = (*_CLONED, "memref.get_global")


@register("tsm-outline-repeated-loops",
          "Share structurally identical runs of loop nests in one private function each")
def outline_repeated_loops(module_op: ir.Operation) -> None:
    body = module_op.regions[0].blocks[0]
    funcs = [as_op(op) for op in body.operations
             if op.operation.name == "func.func" and len(op.regions[0].blocks) == 1]
    funcs = _merge_global_variants(funcs)
    calls: dict[str, int] = {}
    callees: dict[str, set[str]] = {}
    unsafe: set[str] = set()
    for fn in funcs:
        name = _sym(fn)
        callees[name] = set()

        def visit(op, name=name):
            if op.name == "func.call":
                callee = ir.FlatSymbolRefAttr(op.attributes["callee"]).value
                calls[callee] = calls.get(callee, 0) + 1
                callees[name].add(callee)
            elif op.name == "cf.assert":
                unsafe.add(name)
            return ir.WalkResult.ADVANCE
        fn.walk(visit)
    while True:  # a function that calls one with a check holds one too
        more = {n for n, cs in callees.items() if n not in unsafe and cs & unsafe}
        if not more:
            break
        unsafe |= more
    public = {_sym(fn) for fn in funcs if "sym_visibility" not in fn.attributes}
    stay = unsafe | public | {name for name, n in calls.items() if n < 2}
    # the models' functions: the private ones are kernels and helpers
    taken = {_sym(as_op(op)) for op in body.operations if "sym_name" in op.attributes}
    for fn in funcs:
        if _sym(fn) in public:
            _outline_function(fn, stay, taken)


def _merge_global_variants(funcs: list[ir.Operation]) -> list[ir.Operation]:
    """Private functions alike but for the globals they read (a matmul
    driver per weight: its packed copy and ready flag) become one taking
    them as arguments; each call site reads its globals.  Returns the
    functions left."""
    groups: dict[str, list[tuple[ir.Operation, list[str]]]] = {}
    names = [_sym(fn) for fn in funcs]
    for fn in funcs:
        if "sym_visibility" not in fn.attributes:
            continue
        text = fn.get_asm(use_local_scope=True, assume_verified=True)
        symbols = list(dict.fromkeys(_GLOBAL.findall(text)))
        if not symbols:
            continue
        index = {g: i for i, g in enumerate(symbols)}
        key = _GLOBAL.sub(lambda m: f"memref.get_global @{index[m.group(1)]}",
                          text.replace(f"@{_sym(fn)}(", "@(", 1))
        groups.setdefault(key, []).append((fn, symbols))
    variants, erased = {}, set()
    for members in groups.values():
        if len(members) < 2:
            continue
        first = members[0][0]
        for fn, symbols in members:
            variants[_sym(fn)] = (_sym(first) + "_any", symbols)
        _take_globals(first, members[0][1])
        for fn, _ in members[1:]:
            erased.add(_sym(fn))
            fn.erase()
    if not variants:
        return funcs
    funcs = [fn for fn, name in zip(funcs, names) if name not in erased]
    sites = []
    for fn in funcs:
        if _sym(fn) not in variants:
            fn.walk(lambda op: (sites.append(as_op(op)) if op.name == "func.call" and ir.FlatSymbolRefAttr(
                op.attributes["callee"]).value in variants else None) or ir.WalkResult.ADVANCE)
    for call in sites:
        name, symbols = variants[ir.FlatSymbolRefAttr(call.attributes["callee"]).value]
        with ir.InsertionPoint(call), call.location:
            extra = [memref.get_global(_global_type(call, g), g) for g in symbols]
            new = func.CallOp([r.type for r in call.results], ir.FlatSymbolRefAttr.get(name),
                              [*call.operands, *extra])
        for old, r in zip(call.results, new.results):
            old.replace_all_uses_with(r)
        call.erase()
    return funcs


def _take_globals(fn: ir.Operation, symbols: list[str]) -> None:
    """`fn` under the name `<fn>_any`, its globals (in `symbols`' order)
    trailing arguments."""
    entry = fn.regions[0].blocks[0]
    reads = []
    fn.walk(lambda op: (reads.append(as_op(op)) if op.name == "memref.get_global" else None)
            or ir.WalkResult.ADVANCE)
    args = {}
    for g in symbols:
        read = next(r for r in reads if ir.FlatSymbolRefAttr(r.attributes["name"]).value == g)
        args[g] = entry.add_argument(read.results[0].type, read.location)
    for read in reads:
        read.results[0].replace_all_uses_with(args[ir.FlatSymbolRefAttr(read.attributes["name"]).value])
        read.erase()
    ftype = ir.FunctionType(ir.TypeAttr(fn.attributes["function_type"]).value)
    fn.attributes["function_type"] = ir.TypeAttr.get(ir.FunctionType.get(
        [a.type for a in entry.arguments], ftype.results))
    fn.attributes["sym_name"] = ir.StringAttr.get(_sym(fn) + "_any")


def _global_type(at: ir.Operation, name: str) -> ir.Type:
    module = at
    while module.name != "builtin.module":
        module = module.parent
    return ir.TypeAttr(ir.SymbolTable(module)[name].attributes["type"]).value


def _sym(fn: ir.Operation) -> str:
    return ir.StringAttr(fn.attributes["sym_name"]).value


class _Run:
    """Consecutive ops of a block (`ops`), with the allocs, deallocs and
    constants between them (`floating`)."""

    def __init__(self, floating: list[ir.Operation] | None = None):
        self.ops: list[ir.Operation] = []
        self.floating: list[ir.Operation] = [] if floating is None else floating
        self.defined: set = set()  # results of `ops`
        self.loops = 0

    def add(self, op: ir.Operation) -> None:
        self.ops.append(op)
        self.defined.update(op.results)
        self.loops += len(op.regions) > 0


def _text(op: ir.Operation, state: ir.AsmState) -> str:
    out = io.StringIO()
    op.print(state, file=out)
    return out.getvalue()


def _runs(block: ir.Block, state: ir.AsmState, stay: set[str]) -> list[_Run]:
    runs, run = [], _Run()

    def cut():
        nonlocal run
        _trim(run)
        if run.loops:
            runs.append(run)
        run = _Run()

    for op in block.operations:
        op = as_op(op)
        name = op.name
        if name == "memref.dealloc" or name in _HOISTABLE:
            run.floating.append(op)
            continue
        if name == "memref.alloc" and not any(v in run.defined for v in op.operands):
            run.floating.append(op)
            continue
        text = _text(op, state)
        if (name in ("memref.alloca", "memref.alloc", "func.return")
                or "cf.assert" in text or any(c in stay for c in _CALL.findall(text))):
            cut()
            continue
        run.add(op)
    cut()
    return runs


def _trim(run: _Run) -> None:
    """Drop the ops after the run's last loop (views for the op that cut
    it): left in the caller, they need not be returned."""
    while run.ops and not run.ops[-1].regions:
        op = run.ops.pop()
        run.defined.difference_update(op.results)


def _outline_function(fn: ir.Operation, stay: set[str], taken: set[str]) -> None:
    # Whole runs first; a run like no other (the first and last layers: their
    # runs hold the embedding or the head; every layer, where no per-weight
    # call parts them) then nest by nest.  Sharing repeated sequences of
    # nests (whole layers) as well compiled slower: the first and last
    # layers' nests were then compiled twice, in the layer function and
    # alone (BERT-base 12 layers: JIT 3.3-3.5 s of CPU, nests only 2.0-2.7).
    block = fn.regions[0].blocks[0]
    left = _outline_classes(fn, _runs(block, ir.AsmState(fn), stay), taken)
    _outline_classes(fn, [p for run in left for p in _split(run)], taken)


def _names(fn: ir.Operation) -> tuple[dict[str, ir.Value], ir.AsmState]:
    """The function's values by name, numbered anew (outlining erases values)."""
    state = ir.AsmState(fn)
    block = fn.regions[0].blocks[0]
    names = {v.get_name(state): v for v in block.arguments}
    for op in block.operations:
        for v in op.results:
            names[v.get_name(state)] = v
    return names, state


def _outline_classes(fn: ir.Operation, runs: list[_Run], taken: set[str]) -> list[_Run]:
    """Outline each class of identical runs; returns the runs like no other."""
    if not runs:
        return []
    names, state = _names(fn)
    classes: dict[tuple, list[tuple[_Run, list[ir.Value], list[ir.Value]]]] = {}
    for run in runs:
        key, captures, escapes = _signature(run, names, state)
        classes.setdefault(key, []).append((run, captures, escapes))
    # A value that a member returns now comes from its call: later members
    # (of this class or others) capture the call's result.
    replaced: dict = {}
    left = []
    for key, members in classes.items():
        if len(members) < 2:
            left.append(members[0][0])
            continue
        count = 0
        while f"{_sym(fn)}_outlined_{count}" in taken:
            count += 1
        callee = f"{_sym(fn)}_outlined_{count}"
        taken.add(callee)
        _outline(fn, callee, key[1], members, replaced)
    return left


def _split(run: _Run) -> list[_Run]:
    """The run's nests as runs of their own, each with the ops before it."""
    parts, part = [], _Run(run.floating)
    for op in run.ops:
        part.add(op)
        if op.regions:
            parts.append(part)
            part = _Run(run.floating)
    return parts


def _signature(run: _Run, names: dict[str, ir.Value], state: ir.AsmState):
    """The run's structure key, its captures (first use first) and the
    values it defines that ops after it use."""
    own = {v.get_name(state) for op in run.ops for v in op.results}
    order: dict[str, str] = {}
    captures: list[ir.Value] = []
    captured: set[str] = set()

    def rename(m):
        token = m.group(0)
        base, sep, number = token.partition("#")
        if token in names and token not in own and token not in captured:
            captured.add(token)
            captures.append(names[token])
        if base not in order:
            order[base] = f"%{len(order)}"
        return order[base] + sep + number

    text = _SSA.sub(rename, "\n".join(_text(op, state) for op in run.ops))
    consts = tuple((i, c) for i, c in enumerate(map(_constant, captures)) if c is not None)
    inside = set(run.ops)
    escapes, where = [], []
    for i, op in enumerate(run.ops):
        for j, v in enumerate(op.results):
            if any(_top(as_op(u.owner), run.ops[0].parent) not in inside for u in v.uses):
                escapes.append(v)
                where.append((i, j))
    return (text, consts, tuple(where)), captures, escapes


def _constant(v: ir.Value) -> str | None:
    """What a captured constant is (None: not a constant)."""
    owner = v.owner
    if isinstance(owner, ir.Block) or owner.name not in _CLONED:
        return None
    attrs = owner.attributes
    return f"{owner.name} {attrs['value'] if 'value' in attrs else ''} : {v.type}"


def _top(op: ir.Operation, fn: ir.Operation) -> ir.Operation:
    while op.parent != fn:
        op = op.parent
    return op


def _outline(fn, callee, consts, members, replaced: dict) -> None:
    first, captures, escapes = members[0]
    captures = [replaced.get(v, v) for v in captures]
    constant = {i for i, _ in consts}
    arg_types = [v.type for i, v in enumerate(captures) if i not in constant]
    result_types = [v.type for v in escapes]
    with ir.InsertionPoint.after(fn), fn.location:
        new = func.FuncOp(callee, ir.FunctionType.get(arg_types, result_types))
    new.sym_visibility = ir.StringAttr.get("private")
    new.attributes["passthrough"] = ir.Attribute.parse(_PASSTHROUGH)
    entry = new.add_entry_block()
    mapping, args = {}, iter(entry.arguments)
    with ir.InsertionPoint(entry):
        for i, v in enumerate(captures):
            if i in constant:
                clone = v.owner.clone()
                mapping[v] = clone.results[0]
            else:
                mapping[v] = next(args)
    for k, (run, caps, outs) in enumerate(members):
        call = _call_site(run, callee, [replaced.get(v, v) for i, v in enumerate(caps)
                                        if i not in constant], result_types)
        inside = set(run.ops)
        for v, r in zip(outs, call.results):
            replaced[v] = r
            for use in list(v.uses):
                owner = as_op(use.owner)
                if _top(owner, fn) not in inside:
                    owner.operands[use.operand_number] = r
        if k == 0:
            with ir.InsertionPoint(entry), fn.location:
                ret = as_op(func.ReturnOp(outs))
            for op in run.ops:
                op.move_before(ret)
        else:
            for op in reversed(run.ops):
                op.erase()
    _remap(new, mapping)


def _call_site(run: _Run, callee: str, args: list[ir.Value], result_types) -> ir.Operation:
    """The call replacing `run`: allocs of the span above it, deallocs below."""
    start, end = run.ops[0], run.ops[-1]
    for op in run.floating:
        if (op.name != "memref.dealloc" and start.is_before_in_block(op)
                and op.is_before_in_block(end)):
            op.move_before(start)
    with ir.InsertionPoint(start), start.location:
        call = func.CallOp(result_types, ir.FlatSymbolRefAttr.get(callee), args)
    after = end
    for op in run.floating:
        if op.name == "memref.dealloc" and op.is_before_in_block(end):
            if start.is_before_in_block(op):
                op.move_after(after)
                after = op
    return as_op(call)


def _remap(new: ir.Operation, mapping: dict) -> None:
    """Point the moved ops at the function's arguments and constants."""
    def visit(op):
        op = as_op(op)
        for i, v in enumerate(op.operands):
            if v in mapping:
                op.operands[i] = mapping[v]
        return ir.WalkResult.ADVANCE
    new.walk(visit)
