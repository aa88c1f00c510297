"""tsm norm ops -> linalg on tensors.

In: tsm.layer_norm {ndim, eps} on a float tensor (any rank, static or
dynamic dims).
Out: per row (the leading dims; the trailing `ndim` dims collapsed into one
row when at most one of them is dynamic, so that the reductions run along a
contiguous innermost dim):
  1. the sum of the row (linalg.generic reduction),
  2. the sum of squared deviations from sum * (1 / n) (a second reduction:
     PyTorch's biased variance, two passes),
  3. rstd = rsqrt(var * (1 / n) + eps) as the named linalg.rsqrt, so that
     linalg-fuse-elementwise-ops (which fuses generics only) cannot pull
     the square root and division into the per-element loop,
then one parallel generic (x - mean) * rstd whose per-row operands are read
through (d0, .., dk) -> (d0, .., dk-1) maps (vectorizable projections), into
which the importer's weight/bias mul/add fuse.  f16/bf16 compute in f32 and
round once.
f32 rows of 1 KB to 128 KB in a tensor over 512 KB (or of dynamic size; a
group_norm's rows): 1. and 2. run row by row instead, an scf.forall over
the rows (the threads share them) whose body reduces one row twice, so that
the second pass reads the row from the cache, not memory (8 x 64 x 28 x 28,
8 groups, 1 thread: 0.103-0.116 -> 0.096-0.108 ms, eager 0.13).  A
transformer's layer_norm has rows of 1-4 KB: (8, 128, 768), 1 thread,
Sapphire Rapids, 587 -> 517 us (eager 456); (4, 512, 1024) 1429 -> 1155
(eager 939); (64, 197, 384) 3477 -> 2744 (eager 3062).
"""
from __future__ import annotations

import math

from mlir import ir
from mlir.dialects import arith, linalg, scf, tensor

from . import builders as b
from .nn_support import collapse, expand
from .passes import pattern_pass
from .reduction import acc_type, kept_map, sizes_of

DYN = ir.ShapedType.get_dynamic_stride_or_offset()
#: Row sizes (bytes) for which the statistics go row by row, and the
#: tensor size from which that pays (below it both passes read the L2).
MIN_ROW_BYTES, MAX_ROW_BYTES = 1 << 10, 128 << 10
MIN_TENSOR_BYTES = 512 << 10


def _rows(x: ir.Value, ndim: int) -> tuple[ir.Value, list[list[int]] | None]:
    """x with its trailing `ndim` dims as one (the reassociation to undo it),
    or x itself when that needs no collapse or would have several dynamic
    sizes in one group."""
    t = b.rtt(x)
    lead = t.rank - ndim
    if ndim == 1 or sum(t.is_dynamic_dim(i) for i in range(lead, t.rank)) > 1:
        return x, None
    groups = [[i] for i in range(lead)] + [list(range(lead, t.rank))]
    return collapse(x, groups), groups


def _count(x: ir.Value, dims: list[int], acc: ir.Type) -> ir.Value:
    """The number of elements per row, as an `acc` float."""
    n = b.index(1)
    for d in dims:
        n = arith.muli(n, b.as_index(b.dim(x, d)))
    i64 = ir.IntegerType.get_signless(64)
    return arith.sitofp(acc, arith.index_cast(i64, n))


def _row_by_row(x: ir.Value) -> bool:
    """Rows (the last dim) that the L2 holds, in a tensor it does not (or
    of unknown size): see _stats_by_row."""
    t = b.rtt(x)
    n = t.shape[-1]
    if t.rank < 2 or t.is_dynamic_dim(t.rank - 1) or not isinstance(t.element_type, ir.F32Type):
        return False
    count = None if not t.has_static_shape else math.prod(t.shape)
    return MIN_ROW_BYTES <= 4 * n <= MAX_ROW_BYTES and \
        (count is None or 4 * count > MIN_TENSOR_BYTES)


def _stats_by_row(x: ir.Value, acc: ir.Type, square_sum) -> tuple[ir.Value, ir.Value]:
    """Each row's sum and sum of squared deviations, both passes over a row
    before the next (an scf.forall over the rows, the threads sharing
    them): the second pass reads the row from the L2, not memory."""
    t = b.rtt(x)
    lead = sizes_of(x)[:-1]
    n = t.shape[-1]
    flat = x if t.rank == 2 else collapse(x, [list(range(t.rank - 1)), [t.rank - 1]])
    rows = b.dim(flat, 0)
    loop = scf.ForallOp([0], [rows], [1], [b.filled([rows], acc, 0), b.filled([rows], acc, 0)])
    r = loop.induction_variables[0]
    ident, per_row = b.identity_map(2), kept_map(2, [1])
    with ir.InsertionPoint(loop.body):
        row = b.extract_slice(flat, [r, 0], [1, n], [1, 1])
        sums = [b.extract_slice(out, [r], [1], [1]) for out in loop.inner_iter_args]
        total = b.generic([row], sums[0], [ident, per_row], ["parallel", "reduction"],
                          lambda v, s: arith.addf(b.convert(v, acc), s))
        squares = b.generic([row, total], sums[1], [ident, per_row, per_row],
                            ["parallel", "reduction"], square_sum)
        with ir.InsertionPoint(loop.terminator().block):
            for part, out in zip((total, squares), loop.inner_iter_args):
                tensor.parallel_insert_slice(part, out, [r], [], [], [DYN], [1], [1])
    results = list(loop.results)
    if t.rank == 2:
        return results[0], results[1]
    return tuple(expand(v, [list(range(t.rank - 1))], lead) for v in results)


def lower_layer_norm(op: ir.Operation) -> ir.Value:
    x0 = op.operands[0]
    ndim = ir.IntegerAttr(op.attributes["ndim"]).value
    eps = ir.FloatAttr(op.attributes["eps"]).value
    elem = b.rtt(x0).element_type
    acc = acc_type(elem)
    x, groups = _rows(x0, ndim)
    rank = b.rtt(x).rank
    dims = list(range(rank - (1 if groups else ndim), rank))
    sizes = sizes_of(x)
    row_sizes = [s for i, s in enumerate(sizes) if i not in dims]
    ident, per_row = b.identity_map(rank), kept_map(rank, dims)
    iterators = ["reduction" if i in dims else "parallel" for i in range(rank)]
    inv_n = arith.divf(b.constant(1.0, acc), _count(x, dims, acc))


    def centered(v, total_):
        return arith.subf(b.convert(v, acc), arith.mulf(total_, inv_n))

    def square_sum(v, total_, s):
        c = centered(v, total_)
        return arith.addf(arith.mulf(c, c), s)

    if len(dims) == 1 and _row_by_row(x):
        total, squares = _stats_by_row(x, acc, square_sum)
    else:
        total = b.generic([x], b.filled(row_sizes, acc, 0), [ident, per_row], iterators,
                          lambda v, s: arith.addf(b.convert(v, acc), s))
        squares = b.generic([x, total], b.filled(row_sizes, acc, 0),
                            [ident, per_row, per_row], iterators, square_sum)
    var_eps = b.generic([squares], b.empty(row_sizes, acc),
                        [b.identity_map(len(row_sizes))] * 2, ["parallel"] * len(row_sizes),
                        lambda s, _: arith.addf(arith.mulf(s, inv_n), b.constant(eps, acc)))
    rstd = linalg.rsqrt(var_eps, outs=[b.empty(row_sizes, acc)])
    y = b.generic([x, total, rstd], b.empty(sizes, elem), [ident, per_row, per_row, ident],
                  ["parallel"] * rank,
                  lambda v, t, r, _: b.convert(arith.mulf(centered(v, t), r), elem))
    return expand(y, groups, sizes_of(x0)) if groups else y


LOWERINGS = {"tsm.layer_norm": lower_layer_norm}

lower_norm_pass = pattern_pass(
    "tsm-lower-norm", "Lower tsm.layer_norm to row reductions and one elementwise generic",
    LOWERINGS)
