"""tsm-split-math-chains: a vector loop with several expanded math ops becomes
one short loop per op over an L1-sized strip.

In: vectorized elementwise loops (tsm-cpu-vectorize's output, before
tsm-expand-math): an `scf.for` with a constant step whose single-block body
holds two or more f32 or f64 vector ops that tsm-expand-math expands (tanh, erf,
exp, ...), reads, pure arith/math/vector/affine ops and stores.
Out: the loop is outlined into a private function `tsm_math_chain_<i>` (its
call replaces it) that walks the same range in strips of `STRIP_ELEMENTS`:
for each strip, one loop per stage over the strip's vectors.  Stage k
computes the k-th expanded op and what depends only on it and earlier
stages; a value that a later stage reads goes through a stack buffer of one
strip (`memref.alloca` in the function's entry: each OpenMP thread has its
own).  Reads, masks and arithmetic on the loop's inputs only are computed
again by each stage that needs them; the stores stay in the last stage.
Masked tails and dynamic bounds stay as they were: every stage clones the
original body's index and mask computations.

Why: expanded math ops are long chains of dependent FMAs and a division
(tanh: ~40 cycles of latency, erf ~50).  A body with three of them in a row
(the elementwise bench: gelu -> tanh, times sigmoid) has more in flight per
iteration than the out-of-order window and AVX2's 16 ymm registers hold: at
64 lanes it spilled and ran ~26 cycles per 8 elements where its multiplies
and divisions need ~20.  A stage loop's body is one op's chains (four at 32
lanes), without spills; the buffers are read back from L1.  Measured on the
bench (4M f32, Zen3, 1 thread, best of runs): 4.39 ms unsplit at 64 lanes,
4.15 ms split at 32 lanes (4.0 with 256-element strips and the fma fold of
tsm-expand-math); most of the gain shows on data streamed from memory (in
L2 the unsplit loop is within 1-2%).  On 2 threads, 2.48 -> 2.08 ms.
"""
from __future__ import annotations

from mlir import ir
from mlir.dialects import arith, func, memref, scf, vector

from .ir_walk import as_op, collect, constant_index, owner_op
from .math_approx import EXPANDED_MATH_WIDTH, expanded_math_count, expansion_of
from .math_trig import SHARED_REDUCTION
from .passes import register

#: Elements per strip: one buffer of 256 f32 is 1 KB, so a few buffers and
#: the strip's inputs and output stay in the 32 KB L1.  Measured on the
#: elementwise bench (4M f32, 1 thread): 256 about 1.5% faster than 512,
#: 1024 slower again.
STRIP_ELEMENTS = 256
#: More expanded ops than this share stages (consecutive ones together), so
#: a long chain does not become as many loops and buffers.
MAX_STAGES = 4
FUNC_PREFIX = "tsm_math_chain"


def loop_width(op: ir.Operation, default: int) -> int:
    """The vector width tsm-cpu-vectorize gives the elementwise (linalg) op
    `op`: `default` without expanded math, math_approx.EXPANDED_MATH_WIDTH
    with it (split or not)."""
    return EXPANDED_MATH_WIDTH if expanded_math_count(op) else default


#: Ops a stage may compute again (no side effects).
_PURE_PREFIXES = ("arith.", "math.", "index.", "ub.")
_PURE_OPS = ("vector.load", "vector.maskedload", "vector.transfer_read", "vector.create_mask",
             "vector.constant_mask", "vector.extract", "vector.insert", "vector.broadcast",
             "vector.shape_cast", "vector.splat", "vector.fma", "vector.bitcast",
             "memref.subview", "memref.dim", "memref.load", "affine.min", "affine.max",
             "affine.apply", "affine.load")
_STORES = ("vector.store", "vector.maskedstore", "vector.transfer_write", "memref.store")


def _is_expanded(op: ir.Operation) -> bool:
    return expansion_of(op) is not None and isinstance(op.results[0].type, ir.VectorType)


def _constant_step(loop: ir.Operation) -> int | None:
    return constant_index(loop.operands[2])


def _body(loop: ir.Operation) -> list[ir.Operation]:
    """The loop body's ops without the terminator."""
    return [as_op(op) for op in loop.regions[0].blocks[0].operations][:-1]


def _plan(loop: ir.Operation) -> dict[ir.Operation, int] | None:
    """The stage (0: computed again where needed, 1..n) of each body op, or
    None when the loop is not split."""
    if loop.results or len(loop.regions[0].blocks) != 1 or not _constant_step(loop):
        return None
    body = _body(loop)
    heavy = [op for op in body if _is_expanded(op)]
    # sin, cos and tan of one value share a stage: in one loop body LLVM
    # computes their reduction and polynomials once.
    keys = [op.operands[0] if op.name in SHARED_REDUCTION else op for op in heavy]
    group = {key: i for i, key in enumerate(dict.fromkeys(keys))}
    if len(group) < 2:
        return None
    stages = min(len(group), MAX_STAGES)
    rank = {op: -(-(group[key] + 1) * stages // len(group)) for op, key in zip(heavy, keys)}
    stage: dict[ir.Operation, int] = {}
    for op in body:
        if op.regions and any(r.blocks for r in op.regions):
            return None
        if op.name in _STORES:
            stage[op] = stages
            continue
        if op not in rank and op.name not in _PURE_OPS and not op.name.startswith(_PURE_PREFIXES):
            return None
        inputs = [stage.get(owner_op(v), 0) for v in op.operands]
        stage[op] = max([rank.get(op, 0), *inputs])
    return stage


def _cut_values(stage: dict[ir.Operation, int]) -> list[ir.Value] | None:
    """The values a later stage reads (each gets a buffer); None if one of
    them cannot have one (not a 1-D vector of 32- or 64-bit elements)."""
    cuts = []
    for op, s in stage.items():
        if s == 0:
            continue
        for v in op.results:
            if not any(stage.get(as_op(u.owner), 0) > s for u in v.uses):
                continue
            t = v.type
            if not isinstance(t, ir.VectorType) or ir.VectorType(t).rank != 1 or \
                    str(ir.VectorType(t).element_type) not in ("f32", "i32", "f64", "i64"):
                return None
            cuts.append(v)
    return cuts


def _needed(stage: dict[ir.Operation, int], roots: list[ir.Operation], s: int,
            cuts: set[ir.Value]) -> set[ir.Operation]:
    """The ops stage `s` computes for `roots`: back through operands, up to
    the buffered values of earlier stages."""
    seen: set[ir.Operation] = set()
    work = list(roots)
    while work:
        op = work.pop()
        if op in seen:
            continue
        seen.add(op)
        for v in op.operands:
            producer = owner_op(v)
            if producer in stage and not (v in cuts and stage[producer] < s):
                work.append(producer)
    return seen


def _captured(loop: ir.Operation, body: list[ir.Operation]) -> list[ir.Value]:
    """Values from outside the loop that it reads, bounds and step first."""
    inside = {v for op in body for v in op.results}
    inside.add(loop.regions[0].blocks[0].arguments[0])
    found: list[ir.Value] = []
    for v in [*loop.operands, *(v for op in body for v in op.operands)]:
        if v not in inside and v not in found:
            found.append(v)
    return found


def _is_clonable_constant(v: ir.Value) -> bool:
    op = owner_op(v)
    return op is not None and op.name in ("arith.constant", "ub.poison") and not op.operands


def _clone(op: ir.Operation, mapping: dict[ir.Value, ir.Value]) -> ir.Operation:
    new = op.clone()
    for i, v in enumerate(op.operands):
        if v in mapping:
            new.operands[i] = mapping[v]
    for old, res in zip(op.results, new.results):
        mapping[old] = res
    return new


def _emit_stage(plan: dict[ir.Operation, int], s: int, last: bool, cuts: list[ir.Value],
                buffers: dict[ir.Value, ir.Value], mapping: dict[ir.Value, ir.Value],
                strip: ir.Value, end: ir.Value, step: ir.Value, iv: ir.Value,
                step_size: int) -> None:
    """One stage loop over the strip [strip, end).  Iteration i of the strip
    keeps each buffered vector of n lanes at [i * n, (i + 1) * n): where the
    loop steps by its vectors' lanes (a flattened loop) that is iv - strip;
    where it steps by 1 (an outer dim, one vector per row) it is not."""
    cut_set = set(cuts)
    mine = [v for v in cuts if plan[owner_op(v)] == s]
    roots = [owner_op(v) for v in mine]
    if last:
        roots += [op for op, k in plan.items() if op.name in _STORES]
    needed = _needed(plan, roots, s, cut_set)
    loop = scf.ForOp(strip, end, step)
    with ir.InsertionPoint(loop.body):
        local = dict(mapping)
        local[iv] = loop.induction_variable
        delta = arith.subi(loop.induction_variable, strip)
        offsets = {v: _offset(delta, step_size, ir.VectorType(v.type).shape[0]) for v in cuts}
        for v in cuts:  # earlier stages' values this stage reads
            if plan[owner_op(v)] < s and any(as_op(u.owner) in needed for u in v.uses):
                local[v] = vector.load(v.type, buffers[v], [offsets[v]])
        for op in plan:  # body order
            if op in needed:
                _clone(op, local)
        for v in mine:
            vector.store(local[v], buffers[v], [offsets[v]])
        scf.YieldOp([])


def _offset(delta: ir.Value, step: int, lanes: int) -> ir.Value:
    """The buffer index of the iteration `delta` (iv - strip) past the strip's start."""
    if step == lanes:
        return delta
    index = ir.IndexType.get()
    iteration = arith.divui(delta, arith.constant(index, step)) if step != 1 else delta
    return arith.muli(iteration, arith.constant(index, lanes))


def _outline(loop: ir.Operation, plan: dict[ir.Operation, int], cuts: list[ir.Value],
             name: str, module_op: ir.Operation) -> None:
    """Replace `loop` by a call of a new function `name` that holds the
    strips and their stage loops; values from outside the loop are its
    arguments, but for constants, which are cloned in (the expansions fold
    constant scales)."""
    body = _body(loop)
    captured = _captured(loop, body)
    args = [v for v in captured if not _is_clonable_constant(v)]
    with ir.InsertionPoint(module_op.regions[0].blocks[0]):
        fn = func.FuncOp(name, ir.FunctionType.get([v.type for v in args], []))
        fn.attributes["sym_visibility"] = ir.StringAttr.get("private")
        entry = fn.add_entry_block()
    with ir.InsertionPoint(entry):
        mapping = dict(zip(args, entry.arguments))
        for v in captured:
            if v not in mapping:
                mapping[v] = _clone(owner_op(v), {}).results[0]
        step = _constant_step(loop)
        # a strip is STRIP_ELEMENTS worth of vectors, whatever the loop steps by
        iterations = max(1, STRIP_ELEMENTS // max(ir.VectorType(v.type).shape[0] for v in cuts))
        strip_len = iterations * step
        buffers = {}
        for v in cuts:
            t = ir.VectorType(v.type)
            mt = ir.MemRefType.get([iterations * t.shape[0]], t.element_type)
            buffers[v] = memref.alloca(mt, [], [], alignment=64)
        lb, ub, st = (mapping[v] for v in loop.operands[:3])
        strip_step = arith.constant(ir.IndexType.get(), strip_len)
        outer = scf.ForOp(lb, ub, strip_step)
        with ir.InsertionPoint(outer.body):
            strip = outer.induction_variable
            end = arith.minsi(arith.addi(strip, strip_step), ub)
            stages = max(plan.values())
            iv = loop.regions[0].blocks[0].arguments[0]
            for s in range(1, stages + 1):
                _emit_stage(plan, s, s == stages, cuts, buffers, mapping, strip, end, st, iv,
                            step)
            scf.YieldOp([])
        func.ReturnOp([])
    with ir.InsertionPoint(loop), loop.location:
        func.CallOp([], ir.FlatSymbolRefAttr.get(name), args)
    loop.erase()


@register("tsm-split-math-chains",
          "Loops with several expanded math ops: one loop per op over an L1-sized strip")
def split_math_chains(module_op: ir.Operation) -> None:
    table = ir.SymbolTable(module_op)
    count = 0
    for loop in collect(module_op, lambda op: op.name == "scf.for"):
        plan = _plan(loop)
        cuts = _cut_values(plan) if plan else None
        if not cuts:
            continue
        while f"{FUNC_PREFIX}_{count}" in table:
            count += 1
        name = f"{FUNC_PREFIX}_{count}"
        count += 1
        with loop.location:
            _outline(loop, plan, cuts, name, module_op)
