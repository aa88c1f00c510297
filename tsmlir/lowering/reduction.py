"""tsm reduction ops -> linalg.generic with reduction iterators.

In: tsm.sum/mean/prod/amax/amin/any/all/var/std/logsumexp/vector_norm
{dims, keepdim}, tsm.max/min/argmax/argmin {dim, keepdim},
tsm.softmax/log_softmax {dim} on ranked tensors, static or dynamic dims
(the scans tsm.cumsum/cumprod/logcumsumexp/cummax/cummin are scans.py's
patterns, run by this pass too).
Out: each reduction is a linalg.generic over the input's iteration space
whose output (a linalg.fill'ed init) drops the reduced dims; `keepdim`
re-inserts them with tensor.expand_shape.  Accumulation happens in the
result type, except that f16/bf16 accumulate in f32 (as PyTorch does),
integer/bool sums and products in i64, any/all fold i1, and uint8 (ui8
tensors) folds and compares as zero-extended i32 (arith takes signless
integers).  The simple folds share `lower_fold` with a per-op init value and
combiner (NaN propagates through max/min).  max/min/argmax/argmin are one
generic with a values and an int64 index output, picking the first
occurrence (a NaN wins).  var/std take the mean first, then the squared
deviations.  mean divides by the element count, computed from tensor.dim
for dynamic dims.  softmax is max-subtracted: max, sum of exp, per row 1/sum
(log_softmax: max + log(sum)) as named ops that elementwise fusion leaves per
row, then one elementwise generic; logsumexp is max + log(sum(exp(x - max))).
vector_norm is one fold of |x|^ord (sum, max or min) and a finishing root.
"""
from __future__ import annotations

import math
from functools import partial
from typing import Callable, Sequence

import numpy as np
from mlir import ir
from mlir.dialects import arith, linalg, tensor
from mlir.dialects import math as mmath

from ..dialects.ops.reduction import reduced_dims
from . import builders as b
from .builders import sizes_of
from .nn_support import dense
from .passes import pattern_pass


def acc_type(elem: ir.Type) -> ir.Type:
    """Half-precision floats accumulate in f32, uint8 in i32 (arith computes
    on signless integers)."""
    if isinstance(elem, (ir.F16Type, ir.BF16Type)):
        return ir.F32Type.get()
    if b.is_unsigned(elem):
        return ir.IntegerType.get_signless(32)
    return elem


def widen_unsigned(x: ir.Value) -> ir.Value:
    """uint8 as zero-extended i32, so that signed compares order it (arith
    takes signless integers); other tensors unchanged."""
    if not b.is_unsigned(b.rtt(x).element_type):
        return x
    return map_reduced([x], ir.IntegerType.get_signless(32), lambda v: v)


def narrow_to(v: ir.Value, elem: ir.Type) -> ir.Value:
    """`v` converted back to `elem` (undoes widen_unsigned)."""
    return v if b.rtt(v).element_type == elem else map_reduced([v], elem, lambda e: e)


def kept_map(rank: int, dims: Sequence[int]) -> ir.AffineMap:
    """(d0..dn) -> the dims that are not reduced."""
    exprs = [ir.AffineDimExpr.get(i) for i in range(rank) if i not in dims]
    return ir.AffineMap.get(rank, 0, exprs)


def _reduce(inputs: Sequence[ir.Value], sizes: Sequence[b.IntOrValue], dims: Sequence[int],
            acc: ir.Type, init: float, body: Callable[..., ir.Value]) -> ir.Value:
    """Reduce `dims` of the first input's iteration space into a tensor of the
    kept dims filled with `init`; further inputs are already reduced tensors
    read along the kept dims (e.g. the row max).  `body(*scalars, acc)`."""
    rank = len(sizes)
    kept = kept_map(rank, dims)
    out = b.filled([s for i, s in enumerate(sizes) if i not in dims], acc, init)
    maps = [b.identity_map(rank)] + [kept] * (len(inputs) - 1) + [kept]
    iterators = ["reduction" if i in dims else "parallel" for i in range(rank)]
    return b.generic(list(inputs), out, maps, iterators, body)


def restore_dims(v: ir.Value, result_type: ir.RankedTensorType, sizes: Sequence[b.IntOrValue],
             dims: Sequence[int]) -> ir.Value:
    """Re-insert the reduced dims as size 1 (the reduction drops them)."""
    out_sizes = [1 if i in dims else s for i, s in enumerate(sizes)]
    dynamic = [s for s in out_sizes if not isinstance(s, int)]
    static = [s if isinstance(s, int) else ir.ShapedType.get_dynamic_size() for s in out_sizes]
    return tensor.expand_shape(result_type, v,
                               b.reassociation(b.unit_dim_groups(len(sizes), dims)),
                               dynamic, static)


def _attrs(op: ir.Operation) -> tuple[tuple[int, ...], bool]:
    rank = b.rtt(op.operands[0]).rank
    dims = reduced_dims(list(ir.DenseI64ArrayAttr(op.attributes["dims"])), rank)
    keepdim = "keepdim" in op.attributes and bool(ir.IntegerAttr(op.attributes["keepdim"]).value)
    return dims, keepdim


def map_reduced(inputs: Sequence[ir.Value], elem: ir.Type, fn: Callable[..., ir.Value]) -> ir.Value:
    """Elementwise generic over same-shaped reduced tensors into `elem`."""
    first = inputs[0]
    rank = b.rtt(first).rank
    init = b.empty([b.dim(first, i) for i in range(rank)], elem)
    return b.generic(list(inputs), init, [b.identity_map(rank)] * (len(inputs) + 1),
                     ["parallel"] * rank, lambda *v: b.convert(fn(*v[:-1]), elem))


def _finish(op: ir.Operation, reduced: ir.Value, sizes, dims, keepdim,
            body: Callable[[ir.Value], ir.Value] | None = None) -> ir.Value:
    """Convert the accumulator to the result type (applying `body` to each
    element first), then restore kept dims."""
    out_t = b.rtt(op.result)
    if body is not None or b.rtt(reduced).element_type != out_t.element_type:
        reduced = map_reduced([reduced], out_t.element_type, body or (lambda v: v))
    return restore_dims(reduced, out_t, sizes, dims) if keepdim and dims else reduced


# Per-op folds: (accumulator type from the result's element type, init value
# from the accumulator type, combiner(element converted to acc, acc)).
def lowest(t: ir.Type) -> float | int:
    if b.is_float(t):
        return float("-inf")
    w = ir.IntegerType(t).width
    return 0 if w == 1 else -(2 ** (w - 1))


def highest(t: ir.Type) -> float | int:
    if b.is_float(t):
        return float("inf")
    w = ir.IntegerType(t).width
    return 1 if w == 1 else 2 ** (w - 1) - 1


def _by_kind(on_float, on_int, on_bool):
    """Pick the arith op for the accumulator's element kind."""
    def combine(v: ir.Value, a: ir.Value) -> ir.Value:
        if b.is_float(v.type):
            return on_float(v, a)
        return (on_bool if ir.IntegerType(v.type).width == 1 else on_int)(v, a)
    return combine


def _bool(_: ir.Type) -> ir.Type:
    return ir.IntegerType.get_signless(1)


def lower_fold(op: ir.Operation, *, init: Callable[[ir.Type], float | int],
               combine: Callable[[ir.Value, ir.Value], ir.Value],
               acc_type: Callable[[ir.Type], ir.Type] = acc_type) -> ir.Value:
    """One reduction over `dims`: fill with `init`, fold with `combine`."""
    x = op.operands[0]
    dims, keepdim = _attrs(op)
    sizes = sizes_of(x)
    acc = acc_type(b.rtt(op.result).element_type)
    return _finish(op, _fold(x, sizes, dims, acc, init(acc), combine), sizes, dims, keepdim)


def _fold(x: ir.Value, sizes, dims, acc: ir.Type, init: float | int,
          combine: Callable[[ir.Value, ir.Value], ir.Value]) -> ir.Value:
    """x folded over `dims` by `combine` (elements converted to `acc`).  When
    the reduced dims that end x are not all of them (a mean over (0, 2)),
    those go first, a vectorized row reduction of at least a vector's
    worth (static), and the partial results are folded over the others: one
    generic over reduced dims with a kept one between them is a scalar loop
    nest.  (0.66 -> ~0.4 ms for (64, 256, 64) over (0, 2), eager 0.43.)"""
    def body(v, a):
        return combine(b.convert(v, acc), a)
    trailing = []
    for i in reversed(range(len(sizes))):
        if i not in dims:
            break
        trailing.insert(0, i)
    rest = [d for d in dims if d not in trailing]
    if trailing and rest and all(isinstance(sizes[i], int) for i in trailing) \
            and math.prod(sizes[i] for i in trailing) >= 16:
        partial = _reduce([x], sizes, trailing, acc, init, body)
        kept = [s for i, s in enumerate(sizes) if i not in trailing]
        return _reduce([partial], kept, rest, acc, init, body)  # rest: the same dims
    return _reduce([x], sizes, dims, acc, init, body)


def _count(sizes, dims, elem: ir.Type) -> ir.Value:
    """Number of reduced elements as a float scalar of type `elem`."""
    static, dynamic = 1, None
    for i in dims:
        if isinstance(sizes[i], int):
            static *= sizes[i]
        else:
            dynamic = sizes[i] if dynamic is None else arith.muli(dynamic, sizes[i])
    if dynamic is None:
        return b.constant(float(static), elem)
    if static != 1:
        dynamic = arith.muli(dynamic, b.index(static))
    return arith.uitofp(elem, arith.index_cast(ir.IntegerType.get_signless(64), dynamic))


def sum_dims(x: ir.Value, sizes, dims, acc: ir.Type) -> ir.Value:
    """The sum of x over `dims` (sizes: x's), accumulated in `acc`, the kept dims left."""
    return _fold(x, sizes, dims, acc, 0, ADD)


def lower_mean(op: ir.Operation) -> ir.Value:
    x = op.operands[0]
    dims, keepdim = _attrs(op)
    sizes = sizes_of(x)
    acc = acc_type(b.rtt(op.result).element_type)
    count = _count(sizes, dims, acc)
    return _finish(op, sum_dims(x, sizes, dims, acc), sizes, dims, keepdim,
                   lambda s: arith.divf(s, count))


def lower_var(op: ir.Operation, root: bool) -> ir.Value:
    """Two passes, as PyTorch: the mean, then the sum of squared deviations
    divided by max(N - correction, 0); std takes the square root."""
    x = op.operands[0]
    dims, keepdim = _attrs(op)
    sizes = sizes_of(x)
    acc = acc_type(b.rtt(op.result).element_type)
    count = _count(sizes, dims, acc)
    mean = map_reduced([sum_dims(x, sizes, dims, acc)], acc, lambda s: arith.divf(s, count))

    def squared_deviation(v, m, s):
        d = arith.subf(b.convert(v, acc), m)
        return arith.addf(arith.mulf(d, d), s)

    squares = _reduce([x, mean], sizes, dims, acc, 0, squared_deviation)
    correction = ir.FloatAttr(op.attributes["correction"]).value \
        if "correction" in op.attributes else 1.0
    dof = arith.maximumf(arith.subf(count, b.constant(correction, acc)), b.constant(0, acc))

    def finish(s):
        v = arith.divf(s, dof)
        return mmath.sqrt(v) if root else v
    return _finish(op, squares, sizes, dims, keepdim, finish)


def finite_or_zero(m: ir.Value) -> ir.Value:
    """The shift for exp: an infinite max would make x - max NaN."""
    inf = arith.cmpf(arith.CmpFPredicate.OEQ, mmath.absf(m), b.constant(float("inf"), m.type))
    return arith.select(inf, b.constant(0, m.type), m)


def lower_logsumexp(op: ir.Operation) -> ir.Value:
    x = op.operands[0]
    dims, keepdim = _attrs(op)
    sizes = sizes_of(x)
    acc = acc_type(b.rtt(op.result).element_type)
    row_max = _reduce([x], sizes, dims, acc, float("-inf"),
                      lambda v, m: arith.maximumf(b.convert(v, acc), m))
    exp_sum = _reduce([x, row_max], sizes, dims, acc, 0, lambda v, m, s: arith.addf(
        mmath.exp(arith.subf(b.convert(v, acc), finite_or_zero(m))), s))
    out_t = b.rtt(op.result)
    result = map_reduced([exp_sum, row_max], out_t.element_type,
                  lambda s, m: arith.addf(mmath.log(s), finite_or_zero(m)))
    return restore_dims(result, out_t, sizes, dims) if keepdim and dims else result


def _norm_fold(order: float):
    """(init, combine(|v|, acc), finish(acc)) of the `order`-norm."""
    if order == float("inf"):
        return 0, arith.maximumf, None
    if order == float("-inf"):
        return float("inf"), arith.minimumf, None
    if order == 0:
        return 0, lambda v, a: arith.addf(
            b.convert(b.convert(v, ir.IntegerType.get_signless(1)), a.type), a), None
    if order == 1:
        return 0, arith.addf, None
    if order == 2:
        return 0, lambda v, a: arith.addf(arith.mulf(v, v), a), mmath.sqrt
    return 0, lambda v, a: arith.addf(mmath.powf(v, b.constant(order, v.type)), a), \
        lambda s: mmath.powf(s, b.constant(1 / order, s.type))


def lower_vector_norm(op: ir.Operation) -> ir.Value:
    x = op.operands[0]
    dims, keepdim = _attrs(op)
    order = ir.FloatAttr(op.attributes["ord"]).value if "ord" in op.attributes else 2.0
    sizes = sizes_of(x)
    if order < 0 or order == float("inf"):
        count = b.index(1)
        for d in dims:
            count = arith.muli(count, b.as_index(sizes[d]))
        b.assert_true(arith.cmpi(arith.CmpIPredicate.ne, count, b.index(0)),
                      f"{op.name}: the {order} norm of an empty tensor is undefined")
    acc = acc_type(b.rtt(op.result).element_type)
    init, combine, finish = _norm_fold(order)
    reduced = _reduce([x], sizes, dims, acc, init,
                      lambda v, a: combine(mmath.absf(b.convert(v, acc)), a))
    return _finish(op, reduced, sizes, dims, keepdim, finish)


def slice_at(v: ir.Value, d: int, k: ir.Value, sizes: Sequence[b.IntOrValue]):
    """Offsets, sizes and strides of the rank-reduced slice `k` of dim `d`."""
    dyn = ir.ShapedType.get_dynamic_size()
    static_sizes = [1 if i == d else (s if isinstance(s, int) else dyn)
                    for i, s in enumerate(sizes)]
    dyn_sizes = [s for i, s in enumerate(sizes) if i != d and not isinstance(s, int)]
    static_offsets = [dyn if i == d else 0 for i in range(len(sizes))]
    return [k], dyn_sizes, [], static_offsets, static_sizes, [1] * len(sizes)


def as_1d(x: ir.Value) -> ir.Value:
    """A 0-d tensor as one element along dim 0."""
    return tensor.expand_shape(ir.RankedTensorType.get([1], b.rtt(x).element_type), x,
                               ir.ArrayAttr.get([]), [], [1])


def as_0d(v: ir.Value) -> ir.Value:
    return tensor.collapse_shape(ir.RankedTensorType.get([], b.rtt(v).element_type), v,
                                 ir.ArrayAttr.get([]))


def multi_generic(inputs: Sequence[ir.Value], inits: Sequence[ir.Value],
                  maps: Sequence[ir.AffineMap], iterators: Sequence[str],
                  body: Callable[..., list[ir.Value]]) -> list[ir.Value]:
    """linalg.generic with several outputs; `body(*scalars)` returns one value per output."""
    op = linalg.GenericOp(
        result_tensors=[v.type for v in inits], inputs=list(inputs), outputs=list(inits),
        indexing_maps=ir.ArrayAttr.get([ir.AffineMapAttr.get(m) for m in maps]),
        iterator_types=ir.ArrayAttr.get([
            ir.Attribute.parse(f"#linalg.iterator_type<{it}>") for it in iterators]))
    block = op.regions[0].blocks.append(
        *[b.rtt(v).element_type for v in [*inputs, *inits]])
    with ir.InsertionPoint(block):
        linalg.YieldOp(body(*block.arguments))
    return list(op.results)


def _takes(v: ir.Value, a: ir.Value, earlier: ir.Value, greater: bool) -> ir.Value:
    """Whether element `v` replaces the best-so-far `a`: it is better, or equal
    and earlier; a NaN beats any number and an earlier NaN.  Independent of
    the visiting order, so the result is the first occurrence."""
    if b.is_float(v.type):
        p = arith.CmpFPredicate
        better = arith.cmpf(p.OGT if greater else p.OLT, v, a)
        tie = arith.andi(arith.cmpf(p.OEQ, v, a), earlier)
        a_num = arith.cmpf(p.ORD, a, a)
        v_nan = arith.cmpf(p.UNO, v, v)
        return arith.ori(arith.andi(a_num, arith.ori(better, tie)),
                         arith.andi(v_nan, arith.ori(a_num, earlier)))
    p = arith.CmpIPredicate
    if ir.IntegerType(v.type).width == 1:
        pred = p.ugt if greater else p.ult
    else:
        pred = p.sgt if greater else p.slt
    return arith.ori(arith.cmpi(pred, v, a), arith.andi(arith.cmpi(p.eq, v, a), earlier))


#: Body ops cheap enough to compute again in each pass over a row instead
#: of storing their result (a scale, a shift, a mask select, a cast).
_CHEAP = ("arith.addf", "arith.subf", "arith.mulf", "arith.divf", "arith.negf",
          "arith.select", "arith.extf", "arith.truncf", "arith.maximumf", "arith.minimumf",
          "arith.cmpf", "arith.constant", "linalg.yield")


def _cheap_pointwise(v: ir.Value) -> ir.Operation | None:
    """v's producer when it is a pointwise linalg.generic with v as its only
    use and a body of cheap ops."""
    owner = v.owner
    if isinstance(owner, ir.Block) or len(list(v.uses)) != 1:
        return None
    owner = owner.operation
    if owner.name != "linalg.generic" or len(owner.results) != 1:
        return None
    if any("parallel" not in str(it) for it in ir.ArrayAttr(owner.attributes["iterator_types"])):
        return None
    maps = [ir.AffineMapAttr(m).value for m in ir.ArrayAttr(owner.attributes["indexing_maps"])]
    if maps[-1] != b.identity_map(maps[-1].n_dims):
        return None
    if any(o.operation.name not in _CHEAP for o in owner.regions[0].blocks[0].operations):
        return None
    return owner


_COPY_ATTR = "tsm.pass_copy"


def per_pass_copies(x: ir.Value, passes: int) -> list[ir.Value]:
    """x for each of `passes` reads of it.  When x is a cheap pointwise
    generic's (softmax(q @ k^T / c)'s scale), each read gets its own copy of
    that generic, which linalg-fuse-elementwise-ops (single-use producers
    only) then folds into the reading loop: the rows are scaled on the fly
    instead of being written out and read back."""
    producer = _cheap_pointwise(x)
    if producer is None:
        return [x] * passes
    copies = [x]
    for i in range(1, passes):
        copy = producer.clone()
        # distinct, so that cse does not merge the copies back before fusion
        copy.attributes[_COPY_ATTR] = ir.IntegerAttr.get(ir.IntegerType.get_signless(64), i)
        copies.append(copy.results[0])
    return copies


def lower_index_reduction(op: ir.Operation, *, greater: bool) -> list[ir.Value]:
    """max/min (values, indices) and argmax/argmin (indices only): one
    generic with two outputs; the index is row-major over the reduced dims
    (all of them for argmax without dim, i.e. into the flattened tensor)."""
    x = widen_unsigned(op.operands[0])
    t = b.rtt(x)
    keepdim = "keepdim" in op.attributes and bool(ir.IntegerAttr(op.attributes["keepdim"]).value)
    if "dim" in op.attributes:
        dims = reduced_dims([ir.IntegerAttr(op.attributes["dim"]).value], t.rank)
    else:
        dims = tuple(range(t.rank))
    sizes = sizes_of(x)
    kept_sizes = [s for i, s in enumerate(sizes) if i not in dims]
    elem = t.element_type
    if dims == (t.rank - 1,) and str(elem) == "f32" and isinstance(sizes[-1], int) \
            and 0 < sizes[-1] < 2 ** 31 and "dim" in op.attributes:
        results = _first_extreme_in_rows(x, sizes, greater)[-len(op.results):]
    else:
        results = _index_fold(x, sizes, dims, kept_sizes, greater)[-len(op.results):]
    if len(results) == 2:
        results[0] = narrow_to(results[0], b.rtt(op.operands[0]).element_type)
    if keepdim and dims:
        results = [restore_dims(r, b.rtt(res), sizes, dims) for r, res in zip(results, op.results)]
    return results


def _first_extreme_in_rows(x: ir.Value, sizes, greater: bool) -> list[ir.Value]:
    """(values, int64 indices) of the max/min of each row of f32 x (the
    innermost dim, of static size): the extreme by one fold (NaN wins), then
    the first position holding it by a min-fold over an i32 iota.  Both are
    plain row folds, which tsm-vectorize-reductions vectorizes; the one-pass
    fold carries the index through a compare-and-select chain per element
    and stays scalar (argmax over 1000 classes ~2.8x eager)."""
    rank, n = len(sizes), sizes[-1]
    f32, i32 = b.rtt(x).element_type, ir.IntegerType.get_signless(32)
    extreme = _reduce([x], sizes, [rank - 1], f32, lowest(f32) if greater else highest(f32),
                      lambda v, a: (MAX if greater else MIN)(v, a))
    iota = dense(np.arange(n, dtype=np.int64), i32)
    p = arith.CmpFPredicate
    never = b.constant(2 ** 31 - 1, i32)

    def first(v, m, i, acc):
        both_nan = arith.andi(arith.cmpf(p.UNO, v, v), arith.cmpf(p.UNO, m, m))
        hit = arith.ori(arith.cmpf(p.OEQ, v, m), both_nan)
        return arith.minsi(arith.select(hit, i, never), acc)

    kept = kept_map(rank, [rank - 1])
    out = b.filled(sizes[:-1], i32, 2 ** 31 - 1)
    position = b.generic([x, extreme, iota], out,
                         [b.identity_map(rank), kept, ir.AffineMap.get(rank, 0, [
                             ir.AffineDimExpr.get(rank - 1)]), kept],
                         ["parallel"] * (rank - 1) + ["reduction"], first)
    return [extreme, map_reduced([position], ir.IntegerType.get_signless(64), lambda v: v)]


def _index_fold(x: ir.Value, sizes, dims, kept_sizes, greater: bool) -> list[ir.Value]:
    """(values, int64 indices) by one generic with two outputs."""
    t = b.rtt(x)
    i64 = ir.IntegerType.get_signless(64)
    elem = t.element_type
    values = b.filled(kept_sizes, elem, lowest(elem) if greater else highest(elem))
    indices = b.filled(kept_sizes, i64, 0)
    strides, stride = {}, b.index(1)
    for d in reversed(dims):
        strides[d] = stride
        stride = arith.muli(stride, b.as_index(sizes[d]))

    def body(v, a, ai):
        linear = b.index(0)
        for d in dims:
            linear = arith.addi(linear, arith.muli(linalg.IndexOp(d).result, strides[d]))
        i = arith.index_cast(i64, linear)
        take = _takes(v, a, arith.cmpi(arith.CmpIPredicate.slt, i, ai), greater)
        return [arith.select(take, v, a), arith.select(take, i, ai)]

    kept = kept_map(t.rank, dims)
    iterators = ["reduction" if i in dims else "parallel" for i in range(t.rank)]
    return multi_generic([x], [values, indices], [b.identity_map(t.rank), kept, kept],
                         iterators, body)


def lower_softmax(op: ir.Operation, log: bool) -> ir.Value:
    x = op.operands[0]
    t = b.rtt(x)
    elem, acc = t.element_type, acc_type(t.element_type)
    dims = reduced_dims([ir.IntegerAttr(op.attributes["dim"]).value], t.rank)
    sizes = sizes_of(x)
    # log_softmax reads x three times (max, sum of exps, result), softmax twice
    x_max, x, *x_log = per_pass_copies(x, 3 if log else 2)
    # The shift only keeps exp in range: maxnumf (a NaN skipped) gives the
    # same results as maximumf, since a NaN still makes its row's sum, so
    # every result of the row, NaN; and the sign of a zero max cannot change
    # x - max.  Its horizontal reduce costs less than maximumf's NaN and
    # signed-zero fix-ups (x86 has no maximumf instruction).
    row_max = _reduce([x_max], sizes, dims, acc, float("-inf"),
                      lambda v, m: arith.maxnumf(b.convert(v, acc), m))

    def shifted(v, m):
        return arith.subf(b.convert(v, acc), m)

    kept = kept_map(t.rank, dims)
    ident = b.identity_map(t.rank)
    row_sizes = [s for i, s in enumerate(sizes) if i not in dims]
    if not log:
        # softmax keeps the exps beside their sum: one exp per element
        def exp_and_sum(v, m, _, s):
            e = mmath.exp(shifted(v, m))
            return [e, arith.addf(e, s)]

        exps, exp_sum = multi_generic(
            [x, row_max], [b.empty(sizes, acc), b.filled(row_sizes, acc, 0)],
            [ident, kept, ident, kept],
            ["reduction" if i in dims else "parallel" for i in range(t.rank)], exp_and_sum)
        inverse = linalg.reciprocal(exp_sum, outs=[b.empty(row_sizes, acc)])
        return b.generic([exps, inverse], b.empty(sizes, elem), [ident, kept, ident],
                         ["parallel"] * t.rank,
                         lambda e, r, _: b.convert(arith.mulf(e, r), elem))
    exp_sum = _reduce([x, row_max], sizes, dims, acc, 0,
                      lambda v, m, s: arith.addf(mmath.exp(shifted(v, m)), s))
    x = x_log[0]

    # Per row, not per element: the shift max + log(sum), as named ops that
    # linalg-fuse-elementwise-ops does not fold back into the per-element
    # generic (softmax's 1/sum above likewise).
    logs = linalg.log(exp_sum, outs=[b.empty(row_sizes, acc)])
    shift = linalg.add(row_max, logs, outs=[b.empty(row_sizes, acc)])
    return b.generic([x, shift], b.empty(sizes, elem), [ident, kept, ident],
                     ["parallel"] * t.rank,
                     lambda v, r, _: b.convert(arith.subf(b.convert(v, acc), r), elem))


ADD = _by_kind(arith.addf, arith.addi, arith.ori)
MUL = _by_kind(arith.mulf, arith.muli, arith.andi)
MAX = _by_kind(arith.maximumf, arith.maxsi, arith.ori)  # maximumf propagates NaN
MIN = _by_kind(arith.minimumf, arith.minsi, arith.andi)

LOWERINGS = {
    "tsm.sum": partial(lower_fold, init=lambda _: 0, combine=ADD),
    "tsm.prod": partial(lower_fold, init=lambda _: 1, combine=MUL),
    "tsm.amax": partial(lower_fold, init=lowest, combine=MAX),
    "tsm.amin": partial(lower_fold, init=highest, combine=MIN),
    "tsm.any": partial(lower_fold, init=lambda _: 0, combine=arith.ori, acc_type=_bool),
    "tsm.all": partial(lower_fold, init=lambda _: 1, combine=arith.andi, acc_type=_bool),
    "tsm.max": partial(lower_index_reduction, greater=True),
    "tsm.min": partial(lower_index_reduction, greater=False),
    "tsm.argmax": partial(lower_index_reduction, greater=True),
    "tsm.argmin": partial(lower_index_reduction, greater=False),
    "tsm.var": partial(lower_var, root=False),
    "tsm.std": partial(lower_var, root=True),
    "tsm.logsumexp": lower_logsumexp,
    "tsm.mean": lower_mean,
    "tsm.vector_norm": lower_vector_norm,
    "tsm.softmax": partial(lower_softmax, log=False),
    "tsm.log_softmax": partial(lower_softmax, log=True),
}

# The scans (scans.py) build on the helpers above and run in this pass too.
from .scans import LOWERINGS as SCANS  # noqa: E402

lower_reduction_pass = pattern_pass(
    "tsm-lower-reduction", "Lower tsm reduction ops to linalg.generic reductions",
    {**LOWERINGS, **SCANS})
