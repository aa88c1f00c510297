"""tsm-vectorize-reductions: row reductions over the innermost dim as vector loops.

In: bufferized IR (linalg ops on memrefs), before `convert-linalg-to-loops`.
Out: each `linalg.generic` that folds its innermost (contiguous) dim is
replaced by scf.for loops over the kept dims and, per row, an scf.for over
the reduced dim in steps of `lanes(type)` carrying a vector accumulator,
one masked tail step (masked-off lanes hold the combiner's identity), then
one `vector.reduction` into the output element.  The generic's body is
cloned with vector types, so `exp(x - max)`-style bodies stay vector code
(tsm-expand-math later turns vector exp/log into polynomials).  Other
generics are left for `convert-linalg-to-loops`.

A generic qualifies when: its iterators are parallel except the last
(reduction); every operand is a 32/64-bit int or float memref; each input
is read either along the reduced dim as its innermost, unit-stride index or
not along it at all (a per-row value, e.g. the row max); each output is
either a fold, its block argument used once, by the yielded combiner (add,
mul, max, min, and, or, xor), whose identity fills the accumulator, or is
written along the reduced dim like an input is read (softmax's exps beside
their sum: vector stores, masked in the tail); the body holds only
arith/math ops, without integer division (masked lanes must not trap).
Float sums are reassociated (lane-wise partial sums), as eager PyTorch's
vectorized kernels do.  With `tsm.num_threads` > 1 and enough static work
(the thresholds of `parallel`), the outermost row loop is an scf.forall that
the threads share.
"""
from __future__ import annotations

import math
from typing import Sequence

from mlir import ir
from mlir.dialects import arith, memref, scf, vector

from .ir_walk import has_unit_inner_stride, indexing_maps
from .parallel import MIN_PARALLEL_ELEMENTS, num_threads
from .passes import register

#: Accumulator lanes: two AVX-512 registers, so that two independent add
#: chains hide the FMA unit's latency.
_LANES_BITS = 1024
_TYPES = ("f32", "f64", "i32", "i64")
_TRAPPING = ("arith.divsi", "arith.divui", "arith.remsi", "arith.remui",
             "arith.ceildivsi", "arith.ceildivui", "arith.floordivsi")

#: combiner op -> (vector.reduction kind, identity for floats / ints of `bits`)
_COMBINERS = {
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


def lanes(elem: ir.Type) -> int:
    return _LANES_BITS // (64 if str(elem) in ("f64", "i64") else 32)


def _input_ok(m: ir.AffineMap, t: ir.Type, last: int) -> bool:
    """Read along the reduced dim as its unit-stride innermost index, or not
    along it; other indices are dims or constants."""
    exprs = list(m.results)
    dims = [e.position for e in exprs if isinstance(e, ir.AffineDimExpr)]
    if not all(isinstance(e, ir.AffineDimExpr) or isinstance(e, ir.AffineConstantExpr)
               for e in exprs):
        return False
    if last not in dims:
        return True
    return isinstance(exprs[-1], ir.AffineDimExpr) \
        and exprs[-1].position == last and dims.count(last) == 1 \
        and has_unit_inner_stride(ir.MemRefType(t))


def _reads_last(m: ir.AffineMap) -> bool:
    """Whether the map reads along the innermost (reduced) dim."""
    return any(isinstance(e, ir.AffineDimExpr) and e.position == m.n_dims - 1 for e in m.results)


def _combiners(op: ir.Operation) -> list[tuple[ir.Operation, int] | None] | None:
    """Per output: the yielded combiner op and the index of its operand that
    is not the accumulator, or None for an output written along the reduced
    dim (e.g. the exps beside their sum), whose block argument is unused;
    None when the body does not fold that way."""
    block = op.regions[0].blocks[0]
    n_in = len(op.operands) - _num_outputs(op)
    ops = list(block.operations)
    yielded = ops[-1].operands
    found = []
    for k, (value, m) in enumerate(zip(yielded, indexing_maps(op)[n_in:])):
        acc_arg = block.arguments[n_in + k]
        if _reads_last(m):
            if list(acc_arg.uses):
                return None
            found.append(None)
            continue
        owner = value.owner
        if not isinstance(owner, ir.OpView) and not isinstance(owner, ir.Operation):
            return None
        owner = owner.operation
        if owner.name not in _COMBINERS or len(owner.operands) != 2:
            return None
        uses = [u for u in acc_arg.uses]
        if len(uses) != 1 or uses[0].owner.operation != owner:
            return None
        other = 1 - uses[0].operand_number
        if owner.operands[other] == acc_arg or len(list(owner.result.uses)) != 1:
            return None
        found.append((owner, other))
    return found


def _num_outputs(op: ir.Operation) -> int:
    return ir.DenseI32ArrayAttr(op.attributes["operandSegmentSizes"])[1]


def _is_row_reduction(op: ir.Operation) -> bool:
    if op.name != "linalg.generic" or op.results:
        return False
    iterators = [str(it) for it in ir.ArrayAttr(op.attributes["iterator_types"])]
    if not iterators or "reduction" not in iterators[-1] \
            or any("parallel" not in it for it in iterators[:-1]):
        return False
    if not all(isinstance(v.type, ir.MemRefType)
               and str(ir.MemRefType(v.type).element_type) in _TYPES for v in op.operands):
        return False
    last, n_out = len(iterators) - 1, _num_outputs(op)
    maps = indexing_maps(op)
    n_in = len(maps) - n_out
    if not all(_input_ok(m, v.type, last) for m, v in zip(maps[:n_in], op.operands)):
        return False
    if not all(m.is_projected_permutation for m in maps[n_in:]):
        return False
    if not all(_input_ok(m, v.type, last) for m, v in zip(maps[n_in:], op.operands[n_in:])
               if _reads_last(m)):
        return False
    for body_op in list(op.regions[0].blocks[0].operations)[:-1]:
        name = body_op.operation.name
        if name.split(".")[0] not in ("arith", "math") or name in _TRAPPING \
                or len(body_op.operation.regions) or len(body_op.operation.results) != 1:
            return False
    return _combiners(op) is not None


def _index(i: int) -> ir.Value:
    return arith.constant(ir.IndexType.get(), i)


def _indices(m: ir.AffineMap, ivs: Sequence[ir.Value]) -> list[ir.Value]:
    return [ivs[e.position] if isinstance(e, ir.AffineDimExpr)
            else _index(e.value) for e in m.results]


def _splat(elem: ir.Type, value: float | int, n: int) -> ir.Value:
    vt = ir.VectorType.get([n], elem)
    if isinstance(elem, ir.IntegerType):
        attr = ir.IntegerAttr.get(elem, value)
    else:
        attr = ir.FloatAttr.get(elem, value)
    return arith.constant(vt, ir.DenseElementsAttr.get_splat(vt, attr))


def _split_rows(op: ir.Operation, threads: int) -> bool:
    """Whether threads share the outermost kept dim: enough static work."""
    t = ir.MemRefType(op.operands[0].type)
    maps = indexing_maps(op)
    if threads <= 1 or maps[0].n_dims < 2 or not t.has_static_shape \
            or maps[0] != ir.AffineMap.get_identity(maps[0].n_dims):
        return False
    return math.prod(t.shape) >= MIN_PARALLEL_ELEMENTS and t.shape[0] >= threads


def _vectorize(op: ir.Operation, parallel: bool) -> None:
    """Replace the row reduction `op` by vector loops (see module doc);
    `parallel`: the outermost row loop is an scf.forall."""
    block = op.regions[0].blocks[0]
    operands = list(op.operands)
    maps = indexing_maps(op)
    rank = maps[0].n_dims
    last = rank - 1
    combiners = _combiners(op)
    elem_of = [ir.MemRefType(v.type).element_type for v in operands]
    n = min(lanes(t) for t in elem_of)  # two registers of the widest type
    with op.location, ir.InsertionPoint(op):
        # loop bounds: each dim's size read from an operand indexed by it
        sizes = []
        for d in range(rank):
            for m, v in zip(maps, operands):
                pos = [i for i, e in enumerate(m.results)
                       if isinstance(e, ir.AffineDimExpr) and e.position == d]
                if pos:
                    sizes.append(memref.dim(v, _index(pos[0])))
                    break
        outside = _broadcasts(block, n)
        _row_loops(sizes[:last], [], parallel,
                   lambda ivs: _row(op, block, maps, operands, elem_of, combiners,
                                    sizes[last], ivs, n, outside))
    op.erase()


def _row_loops(sizes: Sequence[ir.Value], ivs: list[ir.Value], parallel: bool, body) -> None:
    """scf.for nests over `sizes` (the first an scf.forall if `parallel`);
    `body(ivs)` builds the innermost body."""
    if not sizes:
        body(ivs)
        return
    if parallel:
        forall = scf.ForallOp([0], [sizes[0]], [1])
        with ir.InsertionPoint(forall.body):
            _row_loops(sizes[1:], ivs + [forall.body.arguments[0]], False, body)
            scf.InParallelOp()
        return
    loop = scf.ForOp(_index(0), sizes[0], _index(1))
    with ir.InsertionPoint(loop.body):
        _row_loops(sizes[1:], ivs + [loop.induction_variable], False, body)
        scf.yield_([])


def _row(op, block, maps, operands, elem_of, combiners, size, ivs, n, outside) -> None:
    """One row: the vector loop, the masked tail, the horizontal reduce."""
    n_in = len(operands) - len(combiners)
    last = len(ivs)
    vt = lambda t: ir.VectorType.get([n], t)  # noqa: E731
    idents = []
    folds = [(k, c[0], c[1]) for k, c in enumerate(combiners) if c is not None]
    stores = [k for k, c in enumerate(combiners) if c is None]
    yielded = list(block.operations)[-1].operands
    for k, comb, _ in folds:
        t = elem_of[n_in + k]
        ident = _COMBINERS[comb.name][1]
        idents.append(_splat(t, ident(ir.IntegerType(t).width if isinstance(t, ir.IntegerType)
                                      else 0), n))
    # per-row inputs (not read along the reduced dim): one broadcast per row
    row_values = {}
    for k in range(n_in):
        m = maps[k]
        if last not in [e.position for e in m.results
                        if isinstance(e, ir.AffineDimExpr)]:
            scalar = memref.load(operands[k], _indices(m, ivs + [None]))
            row_values[k] = vector.broadcast(vt(elem_of[k]), scalar)
    full = arith.muli(arith.divui(size, _index(n)), _index(n))

    def step(j: ir.Value, accs: Sequence[ir.Value], mask: ir.Value | None) -> list[ir.Value]:
        mapping = {}
        for k in range(n_in):
            arg = block.arguments[k]
            if k in row_values:
                mapping[arg] = row_values[k]
                continue
            idx = _indices(maps[k], ivs + [j])
            if mask is None:
                mapping[arg] = vector.load(vt(elem_of[k]), operands[k], idx)
            else:
                pad = _splat(elem_of[k], 0, n)
                mapping[arg] = vector.maskedload(vt(elem_of[k]), operands[k], idx, mask, pad)
        for body_op in list(block.operations)[:-1]:
            body_op = body_op.operation
            if body_op.name == "arith.constant" or any(body_op == c for _, c, _ in folds):
                continue
            new_operands = [_vector_operand(v, mapping, outside) for v in body_op.operands]
            result = ir.Operation.create(
                body_op.name, results=[vt(body_op.results[0].type)], operands=new_operands,
                attributes=_attributes(body_op)).result
            mapping[body_op.results[0]] = result
        for k in stores:
            value = _vector_operand(yielded[k], mapping, outside)
            idx = _indices(maps[n_in + k], ivs + [j])
            if mask is None:
                vector.store(value, operands[n_in + k], idx)
            else:
                vector.maskedstore(operands[n_in + k], idx, mask, value)
        new_accs = []
        for (_, comb, other), acc, ident in zip(folds, accs, idents):
            v = _vector_operand(comb.operands[other], mapping, outside)
            if mask is not None:
                v = arith.select(mask, v, ident)
            new_accs.append(ir.Operation.create(
                comb.name, results=[acc.type], operands=[v, acc],
                attributes=_attributes(comb)).result)
        return new_accs

    main = scf.ForOp(_index(0), full, _index(n), idents)
    with ir.InsertionPoint(main.body):
        scf.yield_(step(main.induction_variable, list(main.inner_iter_args), None))
    mask = vector.create_mask(ir.VectorType.get([n], ir.IntegerType.get_signless(1)),
                              [arith.subi(size, full)])
    accs = step(full, list(main.results), mask)
    for (k, comb, _), acc in zip(folds, accs):
        out = operands[n_in + k]
        idx = _indices(maps[n_in + k], ivs)
        init = memref.load(out, idx)
        kind = _COMBINERS[comb.name][0]
        fm = ir.Attribute.parse("#arith.fastmath<reassoc>") \
            if not isinstance(elem_of[n_in + k], ir.IntegerType) else None
        red = vector.reduction(elem_of[n_in + k], ir.Attribute.parse(f"#vector.kind<{kind}>"),
                               acc, acc=init, fastmath=fm)
        memref.store(red, out, idx)


def _attributes(op: ir.Operation) -> dict[str, ir.Attribute]:
    return {name: op.attributes[name] for name in op.attributes}


def _broadcasts(block: ir.Block, n: int) -> dict:
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


def _vector_operand(v: ir.Value, mapping: dict, outside: dict) -> ir.Value:
    """The vector for a body operand: a cloned body value or an operand
    from above the body."""
    return mapping[v] if v in mapping else outside[v]


@register("tsm-vectorize-reductions",
          "Vectorize linalg reductions over the innermost dim (vector accumulator, masked tail)")
def vectorize_reductions(module_op: ir.Operation) -> None:
    found = []

    def visit(op):
        if _is_row_reduction(op.operation):
            found.append(op.operation)
        return ir.WalkResult.ADVANCE

    module_op.walk(visit)
    threads = num_threads(module_op)
    for op in found:
        _vectorize(op, _split_rows(op, threads))
