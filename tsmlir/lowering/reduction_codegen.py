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
their sum: vector stores, masked in the tail; such a stored output may be
float16/bfloat16: half attention's rounded exps); the body holds only
arith/math ops, without integer division (masked lanes must not trap).
Float sums are reassociated (lane-wise partial sums), as eager PyTorch's
vectorized kernels do.  With `tsm.num_threads` > 1 and enough static work
(the thresholds of `parallel`), the outermost row loop of at least as many
rows as threads is an scf.forall that the threads share; with sizes known
only at run time, a parallel and a serial version, chosen then
(`size_versions`).
"""
from __future__ import annotations

import math
from typing import Sequence

from mlir import ir
from mlir.dialects import arith, memref, scf, vector

from . import size_versions
from .ir_walk import collect, indexing_maps
from .parallel import MIN_PARALLEL_ELEMENTS, num_threads
from .passes import register
from .reduction_body import (COMBINERS, HALF_TYPES, broadcasts, clone_body, combine, combiners,
                             contiguous_along, dim_sizes, index, indices, lanes, loop_nest,
                             num_outputs, reads_along, splat, vectorizable, vector_operand)

#: Accumulator lanes: two AVX-512 registers, so that two independent add
#: chains hide the FMA unit's latency.
_LANES_BITS = 1024


def _reads_last(m: ir.AffineMap) -> bool:
    """Whether the map reads along the innermost (reduced) dim."""
    return reads_along(m, [m.n_dims - 1])


def _is_row_reduction(op: ir.Operation) -> bool:
    if not vectorizable(op, half_outputs=True):
        return False
    iterators = [str(it) for it in ir.ArrayAttr(op.attributes["iterator_types"])]
    if not iterators or "reduction" not in iterators[-1] \
            or any("parallel" not in it for it in iterators[:-1]):
        return False
    last, n_out = len(iterators) - 1, num_outputs(op)
    maps = indexing_maps(op)
    n_in = len(maps) - n_out
    if not all(contiguous_along(m, v.type, last) for m, v in zip(maps[:n_in], op.operands)):
        return False
    if not all(m.is_projected_permutation for m in maps[n_in:]):
        return False
    if not all(contiguous_along(m, v.type, last)
               for m, v in zip(maps[n_in:], op.operands[n_in:]) if _reads_last(m)):
        return False
    folds = combiners(op, _reads_last, maps)
    # a half output only as a store (half attention's rounded exps), never a fold
    return folds is not None and all(
        fold is None for fold, v in zip(folds, op.operands[n_in:])
        if str(ir.MemRefType(v.type).element_type) in HALF_TYPES)


def _full_input(op: ir.Operation) -> ir.Value | None:
    """The first input read along every dim (a broadcast mask may come
    first), or None."""
    maps = indexing_maps(op)
    n_dims = maps[0].n_dims
    return next((v for m, v in zip(maps, op.operands)
                 if m == ir.AffineMap.get_identity(n_dims)), None)


def _split_rows(op: ir.Operation, threads: int, at_run_time: bool = False) -> int | None:
    """The kept dim whose loop the threads share, or None: with enough
    static work in the full input, the outermost kept dim of at least
    `threads` rows (attention's (1, heads, L, S) scores: the heads, not the
    batch of 1).  `at_run_time`: an input of run-time size instead, whose
    work is known only then (`size_versions`): the outermost kept dim that
    is dynamic or has `threads` rows."""
    full = _full_input(op)
    if threads <= 1 or full is None or ir.MemRefType(full.type).rank < 2:
        return None
    t = ir.MemRefType(full.type)
    if t.has_static_shape == at_run_time:
        return None
    if not at_run_time and math.prod(t.shape) < MIN_PARALLEL_ELEMENTS:
        return None
    return next((d for d in range(t.rank - 1)
                 if at_run_time and t.is_dynamic_dim(d) or t.shape[d] >= threads), None)


def _vectorize(op: ir.Operation, parallel: int | None, threads: int) -> None:
    """Replace the row reduction `op` by vector loops (see module doc);
    `parallel`: the kept dim whose loop is an scf.forall that `threads`
    share, if any."""
    block = op.regions[0].blocks[0]
    operands = list(op.operands)
    maps = indexing_maps(op)
    last = maps[0].n_dims - 1
    folds_of = combiners(op, _reads_last, maps)
    elem_of = [ir.MemRefType(v.type).element_type for v in operands]
    n = min(lanes(t, _LANES_BITS) for t in elem_of)  # two registers of the widest type
    with op.location, ir.InsertionPoint(op):
        sizes = dim_sizes(maps, operands)
        outside = broadcasts(block, n)
        loop_nest(sizes[:last], False if parallel is None else parallel,
                  lambda ivs: _row(block, maps, operands, elem_of, folds_of,
                                   sizes[last], ivs, n, outside), threads=threads)
    op.erase()


def _row(block, maps, operands, elem_of, folds_of, size, ivs, n, outside) -> None:
    """One row: the vector loop, the masked tail, the horizontal reduce."""
    n_in = len(operands) - len(folds_of)
    last = len(ivs)
    vt = lambda t: ir.VectorType.get([n], t)  # noqa: E731
    idents = []
    folds = [(k, c[0], c[1]) for k, c in enumerate(folds_of) if c is not None]
    stores = [k for k, c in enumerate(folds_of) if c is None]
    yielded = list(block.operations)[-1].operands
    for k, comb, _ in folds:
        t = elem_of[n_in + k]
        ident = COMBINERS[comb.name][1]
        idents.append(splat(t, ident(ir.IntegerType(t).width if isinstance(t, ir.IntegerType)
                                     else 0), n))
    # per-row inputs (not read along the reduced dim): one broadcast per row
    row_values = {}
    for k in range(n_in):
        if not reads_along(maps[k], [last]):
            scalar = memref.load(operands[k], indices(maps[k], ivs + [None]))
            row_values[k] = vector.broadcast(vt(elem_of[k]), scalar)
    full = arith.muli(arith.divui(size, index(n)), index(n))

    def step(j: ir.Value, accs: Sequence[ir.Value], mask: ir.Value | None) -> list[ir.Value]:
        mapping = {}
        for k in range(n_in):
            arg = block.arguments[k]
            if k in row_values:
                mapping[arg] = row_values[k]
                continue
            idx = indices(maps[k], ivs + [j])
            if mask is None:
                mapping[arg] = vector.load(vt(elem_of[k]), operands[k], idx)
            else:
                pad = splat(elem_of[k], 0, n)
                mapping[arg] = vector.maskedload(vt(elem_of[k]), operands[k], idx, mask, pad)
        clone_body(block, mapping, outside, n, [c for _, c, _ in folds])
        for k in stores:
            value = vector_operand(yielded[k], mapping, outside)
            idx = indices(maps[n_in + k], ivs + [j])
            if mask is None:
                vector.store(value, operands[n_in + k], idx)
            else:
                vector.maskedstore(operands[n_in + k], idx, mask, value)
        new_accs = []
        for (_, comb, other), acc, ident in zip(folds, accs, idents):
            v = vector_operand(comb.operands[other], mapping, outside)
            if mask is not None:
                v = arith.select(mask, v, ident)
            new_accs.append(combine(comb, other, v, acc))
        return new_accs

    main = scf.ForOp(index(0), full, index(n), idents)
    with ir.InsertionPoint(main.body):
        scf.yield_(step(main.induction_variable, list(main.inner_iter_args), None))
    mask = vector.create_mask(ir.VectorType.get([n], ir.IntegerType.get_signless(1)),
                              [arith.subi(size, full)])
    accs = step(full, list(main.results), mask)
    for (k, comb, _), acc in zip(folds, accs):
        out = operands[n_in + k]
        idx = indices(maps[n_in + k], ivs)
        init = memref.load(out, idx)
        kind = COMBINERS[comb.name][0]
        fm = ir.Attribute.parse("#arith.fastmath<reassoc>") \
            if not isinstance(elem_of[n_in + k], ir.IntegerType) else None
        red = vector.reduction(elem_of[n_in + k], ir.Attribute.parse(f"#vector.kind<{kind}>"),
                               acc, acc=init, fastmath=fm)
        memref.store(red, out, idx)


@register("tsm-vectorize-reductions",
          "Vectorize linalg reductions over the innermost dim (vector accumulator, masked tail)")
def vectorize_reductions(module_op: ir.Operation) -> None:
    threads = num_threads(module_op)
    for op in collect(module_op, _is_row_reduction):
        dim = _split_rows(op, threads, at_run_time=True)
        if dim is not None:  # run-time sizes: a parallel and a serial version
            _vectorize(size_versions.split_by_size(op, _full_input(op)), dim, threads)
        _vectorize(op, _split_rows(op, threads), threads)
