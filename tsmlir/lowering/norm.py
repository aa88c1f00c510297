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
In a big tensor, tsm-fuse-row-consumers (row_fusion) then runs 1., 2., 3.
and the final generic row by row: x is read from memory once.
"""
from __future__ import annotations

from mlir import ir
from mlir.dialects import arith, linalg

from . import builders as b
from .nn_support import collapse, expand
from .passes import pattern_pass
from .reduction import acc_type, kept_map, sizes_of


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
