"""What a vectorized reduction's linalg.generic may hold, and its body as
vector code: shared by tsm-vectorize-reductions (folds of the innermost dim,
`reduction_codegen`) and tsm-vectorize-column-reductions (folds of outer
dims, `column_reduction`).

In: a `linalg.generic` on memrefs.  The checks say whether its operands'
element types and body ops can become vector code (arith/math only, no
integer division: masked-off lanes must not trap) and find each output's
combiner: the yielded op (add, mul, max, min, and, or, xor) that folds the
output's block argument with one other value, the argument used by it alone.
The builders clone the body with vector types and fold with the combiner;
constants and values from above the body become vectors once, before the
loops.  No IR is changed by the checks.
"""
from __future__ import annotations

import math
from typing import Callable, Sequence

from mlir import ir
from mlir.dialects import arith, memref, scf, vector

from .ir_walk import has_unit_inner_stride

TYPES = ("f32", "f64", "i32", "i64")
#: Inputs may be i1 too: vector<N x i1> loads, which tsm-widen-bool-memrefs
#: turns into byte loads and a truncation once booleans are stored as bytes.
#: And f16/bf16: the norms' and reductions' half inputs, widened to f32 in
#: the body (their accumulators are f32).
HALF_TYPES = ("f16", "bf16")
INPUT_TYPES = TYPES + ("i1",) + HALF_TYPES
TRAPPING = ("arith.divsi", "arith.divui", "arith.remsi", "arith.remui",
            "arith.ceildivsi", "arith.ceildivui", "arith.floordivsi")

#: combiner op -> (vector.reduction kind, identity for floats / ints of `bits`)
COMBINERS = {
    "arith.addf": ("add", lambda bits: -0.0),
    "arith.mulf": ("mul", lambda bits: 1.0),
    "arith.maximumf": ("maximumf", lambda bits: -math.inf),
    "arith.minimumf": ("minimumf", lambda bits: math.inf),
    "arith.maxnumf": ("maxnumf", lambda bits: -math.inf),
    "arith.minnumf": ("minnumf", lambda bits: math.inf),
    "arith.addi": ("add", lambda bits: 0),
    "arith.muli": ("mul", lambda bits: 1),
    "arith.maxsi": ("maxsi", lambda bits: -(1 << (bits - 1))),
    "arith.minsi": ("minsi", lambda bits: (1 << (bits - 1)) - 1),
    "arith.maxui": ("maxui", lambda bits: 0),
    "arith.minui": ("minui", lambda bits: -1),
    "arith.andi": ("and", lambda bits: -1),
    "arith.ori": ("or", lambda bits: 0),
    "arith.xori": ("xor", lambda bits: 0),
}

#: A combiner: the yielded op and the index of its operand that is not the
#: accumulator.
Combiner = tuple[ir.Operation, int]


def lanes(elem: ir.Type, bits: int) -> int:
    """Lanes of `elem` in a vector of `bits`."""
    return bits // (64 if str(elem) in ("f64", "i64") else 32)


def num_outputs(op: ir.Operation) -> int:
    return ir.DenseI32ArrayAttr(op.attributes["operandSegmentSizes"])[1]


def vectorizable(op: ir.Operation, half_outputs: bool = False) -> bool:
    """A linalg.generic on memrefs of TYPES (inputs may also be booleans:
    masks, and halves; `half_outputs`: outputs too, which the caller must
    only store, never fold) whose body holds only arith/math ops with one
    result each and no integer division."""
    if op.name != "linalg.generic" or op.results:
        return False
    n_in = len(op.operands) - num_outputs(op)
    outputs = TYPES + HALF_TYPES if half_outputs else TYPES
    if not all(isinstance(v.type, ir.MemRefType)
               and str(ir.MemRefType(v.type).element_type) in (INPUT_TYPES if k < n_in
                                                               else outputs)
               for k, v in enumerate(op.operands)):
        return False
    for body_op in list(op.regions[0].blocks[0].operations)[:-1]:
        name = body_op.operation.name
        if name.split(".")[0] not in ("arith", "math") or name in TRAPPING \
                or len(body_op.operation.regions) or len(body_op.operation.results) != 1:
            return False
    return True


def reads_along(m: ir.AffineMap, dims: Sequence[int]) -> bool:
    """Whether the map reads along any of `dims`."""
    return any(isinstance(e, ir.AffineDimExpr) and e.position in dims for e in m.results)


def contiguous_along(m: ir.AffineMap, t: ir.Type, dim: int) -> bool:
    """Read along loop dim `dim` as the unit-stride innermost index, or not
    along it; other indices are dims or constants."""
    exprs = list(m.results)
    if not all(isinstance(e, (ir.AffineDimExpr, ir.AffineConstantExpr)) for e in exprs):
        return False
    dims = [e.position for e in exprs if isinstance(e, ir.AffineDimExpr)]
    if dim not in dims:
        return True
    return isinstance(exprs[-1], ir.AffineDimExpr) and exprs[-1].position == dim \
        and dims.count(dim) == 1 and has_unit_inner_stride(ir.MemRefType(t))


def combiners(op: ir.Operation, written: Callable[[ir.AffineMap], bool],
              maps: Sequence[ir.AffineMap]) -> list[Combiner | None] | None:
    """Per output: its combiner, or None for an output that `written` says
    is written along the reduced dims (e.g. softmax's exps beside their sum),
    whose block argument is unused; None when the body does not fold that
    way."""
    block = op.regions[0].blocks[0]
    n_in = len(op.operands) - num_outputs(op)
    yielded = list(block.operations)[-1].operands
    found = []
    for k, (value, m) in enumerate(zip(yielded, maps[n_in:])):
        acc_arg = block.arguments[n_in + k]
        if written(m):
            if list(acc_arg.uses):
                return None
            found.append(None)
            continue
        owner = value.owner
        if not isinstance(owner, (ir.OpView, ir.Operation)):
            return None
        owner = owner.operation
        if owner.name not in COMBINERS or len(owner.operands) != 2:
            return None
        uses = list(acc_arg.uses)
        if len(uses) != 1 or uses[0].owner.operation != owner:
            return None
        other = 1 - uses[0].operand_number
        if owner.operands[other] == acc_arg or len(list(owner.result.uses)) != 1:
            return None
        found.append((owner, other))
    return found


def index(i: int) -> ir.Value:
    return arith.constant(ir.IndexType.get(), i)


def indices(m: ir.AffineMap, ivs: Sequence[ir.Value]) -> list[ir.Value]:
    """The map's results for loop values `ivs` (constants as constants)."""
    return [ivs[e.position] if isinstance(e, ir.AffineDimExpr)
            else index(e.value) for e in m.results]


def splat(elem: ir.Type, value: float | int, n: int) -> ir.Value:
    vt = ir.VectorType.get([n], elem)
    if isinstance(elem, ir.IntegerType):
        attr = ir.IntegerAttr.get(elem, value)
    else:
        attr = ir.FloatAttr.get(elem, value)
    return arith.constant(vt, ir.DenseElementsAttr.get_splat(vt, attr))


def attributes(op: ir.Operation) -> dict[str, ir.Attribute]:
    return {name: op.attributes[name] for name in op.attributes}


def broadcasts(block: ir.Block, n: int) -> dict:
    """Vectors of the values the body uses from above it and of its
    constants, built before the loops (they dominate every step)."""
    inside = {r for o in block.operations for r in o.results} | set(block.arguments)
    found = {}
    for body_op in block.operations:
        body_op = body_op.operation
        if body_op.name == "arith.constant":
            scalar = body_op.clone().result
            found[body_op.result] = vector.broadcast(ir.VectorType.get([n], scalar.type), scalar)
            continue
        for v in body_op.operands:
            if v not in inside and v not in found:
                found[v] = vector.broadcast(ir.VectorType.get([n], v.type), v)
    return found


def vector_operand(v: ir.Value, mapping: dict, outside: dict) -> ir.Value:
    """The vector for a body operand: a cloned body value or an operand
    from above the body."""
    return mapping[v] if v in mapping else outside[v]


def clone_body(block: ir.Block, mapping: dict, outside: dict, n: int,
               folds: Sequence[ir.Operation]) -> None:
    """Clone the body's ops but its constants and the `folds` combiners as
    `n`-lane vector ops; `mapping` holds the block arguments' vectors and
    gets each cloned result."""
    for body_op in list(block.operations)[:-1]:
        body_op = body_op.operation
        if body_op.name == "arith.constant" or any(body_op == c for c in folds):
            continue
        operands = [vector_operand(v, mapping, outside) for v in body_op.operands]
        mapping[body_op.results[0]] = ir.Operation.create(
            body_op.name, results=[ir.VectorType.get([n], body_op.results[0].type)],
            operands=operands, attributes=attributes(body_op)).result


def combine(comb: ir.Operation, other: int, value: ir.Value, acc: ir.Value) -> ir.Value:
    """The combiner applied to a step's `value` and the accumulator `acc`,
    operands in the body's order."""
    operands = [acc, acc]
    operands[other] = value
    return ir.Operation.create(comb.name, results=[acc.type], operands=operands,
                               attributes=attributes(comb)).result


def dim_sizes(maps: Sequence[ir.AffineMap], operands: Sequence[ir.Value]) -> list[ir.Value]:
    """Each loop dim's size, read (memref.dim) from an operand indexed by it."""
    sizes = []
    for d in range(maps[0].n_dims):
        for m, v in zip(maps, operands):
            pos = [i for i, e in enumerate(m.results)
                   if isinstance(e, ir.AffineDimExpr) and e.position == d]
            if pos:
                sizes.append(memref.dim(v, index(pos[0])))
                break
    return sizes


#: Blocks per thread of a loop the threads share (`loop_nest`).
#: 2 threads, tsmlir / eager, medians alternated in one process, one row an
#: iteration -> blocks: x.sum(-1) on (65536, 64) 2.50 -> 0.90, amax on
#: (16384, 196) 1.57 -> 1.11, sum on (4096, 1024) 0.95 -> 0.93.
PIECES_PER_THREAD = 4


def loop_nest(sizes: Sequence[ir.Value], parallel: bool | int,
              body: Callable[[list[ir.Value]], None], ivs: Sequence[ir.Value] = (),
              threads: int = 1) -> None:
    """scf.for nests over `sizes` (the first an scf.forall if `parallel` is
    True; the loop of that dim if it is an int); `body(ivs)` builds the
    innermost body.  The scf.forall takes PIECES_PER_THREAD blocks of its
    dim a thread (an scf.for over each block inside), not one index an
    iteration: OpenMP's dynamic schedule hands out iterations one at a time,
    and a row of 64 floats per iteration made a sum on 2 threads slower than
    on 1."""
    ivs = list(ivs)
    if not sizes:
        body(ivs)
        return
    at = 0 if parallel is True else None if parallel is False else parallel
    if at == 0:
        _blocked_forall(sizes, body, ivs, threads * PIECES_PER_THREAD)
        return
    loop = scf.ForOp(index(0), sizes[0], index(1))
    with ir.InsertionPoint(loop.body):
        loop_nest(sizes[1:], False if at is None else at - 1, body,
                  ivs + [loop.induction_variable], threads)
        scf.yield_([])


def _blocked_forall(sizes: Sequence[ir.Value], body: Callable[[list[ir.Value]], None],
                    ivs: list[ir.Value], pieces: int) -> None:
    """loop_nest's scf.forall over ceil(sizes[0] / pieces)-index blocks (at
    least 1: an empty dim must not make the step 0)."""
    block = arith.maxui(arith.ceildivui(sizes[0], index(pieces)), index(1))
    forall = scf.ForallOp([0], [sizes[0]], [block])
    with ir.InsertionPoint(forall.body):
        first = forall.body.arguments[0]
        end = arith.minui(arith.addi(first, block), sizes[0])
        loop = scf.ForOp(first, end, index(1))
        with ir.InsertionPoint(loop.body):
            loop_nest(sizes[1:], False, body, ivs + [loop.induction_variable])
            scf.yield_([])
        scf.InParallelOp()
