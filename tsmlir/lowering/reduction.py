"""tsm reduction ops -> linalg.generic with reduction iterators.

In: tsm.sum/mean {dims, keepdim} and tsm.softmax/log_softmax {dim} on ranked
tensors, static or dynamic dims.
Out: each reduction is a linalg.generic over the input's iteration space
whose output (a linalg.fill'ed init) drops the reduced dims; `keepdim`
re-inserts them with tensor.expand_shape.  Accumulation happens in the
result type, except that f16/bf16 accumulate in f32 (as PyTorch does) and
integer/bool sums in i64.  mean divides by the element count, computed from
tensor.dim for dynamic dims.  softmax is max-subtracted: max, sum of exp,
then one elementwise generic.
"""
from __future__ import annotations

from typing import Callable, Sequence

from mlir import ir
from mlir.dialects import arith, tensor
from mlir.dialects import math as mmath

from ..dialects.ops.reduction import reduced_dims
from . import builders as b
from .passes import pattern_pass


def _acc_type(elem: ir.Type) -> ir.Type:
    """Half-precision floats accumulate in f32."""
    if isinstance(elem, (ir.F16Type, ir.BF16Type)):
        return ir.F32Type.get()
    return elem


def _kept_map(rank: int, dims: Sequence[int]) -> ir.AffineMap:
    """(d0..dn) -> the dims that are not reduced."""
    exprs = [ir.AffineDimExpr.get(i) for i in range(rank) if i not in dims]
    return ir.AffineMap.get(rank, 0, exprs)


def _reduce(inputs: Sequence[ir.Value], sizes: Sequence[b.IntOrValue], dims: Sequence[int],
            acc: ir.Type, init: float, body: Callable[..., ir.Value]) -> ir.Value:
    """Reduce `dims` of the first input's iteration space into a tensor of the
    kept dims filled with `init`; further inputs are already reduced tensors
    read along the kept dims (e.g. the row max).  `body(*scalars, acc)`."""
    rank = len(sizes)
    kept = _kept_map(rank, dims)
    out = b.filled([s for i, s in enumerate(sizes) if i not in dims], acc, init)
    maps = [b.identity_map(rank)] + [kept] * (len(inputs) - 1) + [kept]
    iterators = ["reduction" if i in dims else "parallel" for i in range(rank)]
    return b.generic(list(inputs), out, maps, iterators, body)


def _keepdim(v: ir.Value, result_type: ir.RankedTensorType, sizes: Sequence[b.IntOrValue],
             dims: Sequence[int]) -> ir.Value:
    """Re-insert the reduced dims as size 1 (the reduction drops them)."""
    groups: list[list[int]] = []
    pending: list[int] = []
    for i in range(len(sizes)):
        pending.append(i)
        if i not in dims:
            groups.append(pending)
            pending = []
    if pending and groups:
        groups[-1].extend(pending)
    out_sizes = [1 if i in dims else s for i, s in enumerate(sizes)]
    dynamic = [s for s in out_sizes if not isinstance(s, int)]
    static = [s if isinstance(s, int) else ir.ShapedType.get_dynamic_size() for s in out_sizes]
    reassociation = ir.ArrayAttr.get([
        ir.ArrayAttr.get([ir.IntegerAttr.get(ir.IntegerType.get_signless(64), d) for d in g])
        for g in groups])
    return tensor.expand_shape(result_type, v, reassociation, dynamic, static)


def _sizes(x: ir.Value) -> list[b.IntOrValue]:
    return [b.dim(x, i) for i in range(b.rtt(x).rank)]


def _attrs(op: ir.Operation) -> tuple[tuple[int, ...], bool]:
    rank = b.rtt(op.operands[0]).rank
    dims = reduced_dims(list(ir.DenseI64ArrayAttr(op.attributes["dims"])), rank)
    keepdim = "keepdim" in op.attributes and bool(ir.IntegerAttr(op.attributes["keepdim"]).value)
    return dims, keepdim


def _finish(op: ir.Operation, reduced: ir.Value, sizes, dims, keepdim,
            body: Callable[[ir.Value], ir.Value] | None = None) -> ir.Value:
    """Convert the accumulator to the result type (applying `body` to each
    element first), then restore kept dims."""
    out_t = b.rtt(op.result)
    elem = out_t.element_type
    if body is not None or b.rtt(reduced).element_type != elem:
        rank = b.rtt(reduced).rank
        init = b.empty([s for i, s in enumerate(sizes) if i not in dims], elem)
        fn = body or (lambda v: v)
        reduced = b.generic([reduced], init, [b.identity_map(rank)] * 2, ["parallel"] * rank,
                            lambda v, _: b.convert(fn(v), elem))
    return _keepdim(reduced, out_t, sizes, dims) if keepdim and dims else reduced


def _sum(x: ir.Value, sizes, dims, acc: ir.Type) -> ir.Value:
    add = arith.addf if b.is_float(acc) else arith.addi
    return _reduce([x], sizes, dims, acc, 0, lambda v, a: add(b.convert(v, acc), a))


def lower_sum(op: ir.Operation) -> ir.Value:
    x = op.operands[0]
    dims, keepdim = _attrs(op)
    sizes = _sizes(x)
    acc = _acc_type(b.rtt(op.result).element_type)
    return _finish(op, _sum(x, sizes, dims, acc), sizes, dims, keepdim)


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


def lower_mean(op: ir.Operation) -> ir.Value:
    x = op.operands[0]
    dims, keepdim = _attrs(op)
    sizes = _sizes(x)
    acc = _acc_type(b.rtt(op.result).element_type)
    count = _count(sizes, dims, acc)
    return _finish(op, _sum(x, sizes, dims, acc), sizes, dims, keepdim,
                   lambda s: arith.divf(s, count))


def lower_softmax(op: ir.Operation, log: bool) -> ir.Value:
    x = op.operands[0]
    t = b.rtt(x)
    elem, acc = t.element_type, _acc_type(t.element_type)
    dims = reduced_dims([ir.IntegerAttr(op.attributes["dim"]).value], t.rank)
    sizes = _sizes(x)
    row_max = _reduce([x], sizes, dims, acc, float("-inf"),
                      lambda v, m: arith.maximumf(b.convert(v, acc), m))

    def shifted(v, m):
        return arith.subf(b.convert(v, acc), m)

    exp_sum = _reduce([x, row_max], sizes, dims, acc, 0,
                      lambda v, m, s: arith.addf(mmath.exp(shifted(v, m)), s))

    def normalize(v, m, s, _):
        if log:
            return b.convert(arith.subf(shifted(v, m), mmath.log(s)), elem)
        return b.convert(arith.divf(mmath.exp(shifted(v, m)), s), elem)

    kept = _kept_map(t.rank, dims)
    maps = [b.identity_map(t.rank), kept, kept, b.identity_map(t.rank)]
    return b.generic([x, row_max, exp_sum], b.empty(sizes, elem), maps,
                     ["parallel"] * t.rank, normalize)


LOWERINGS = {
    "tsm.sum": lower_sum,
    "tsm.mean": lower_mean,
    "tsm.softmax": lambda op: lower_softmax(op, log=False),
    "tsm.log_softmax": lambda op: lower_softmax(op, log=True),
}

lower_reduction_pass = pattern_pass(
    "tsm-lower-reduction", "Lower tsm reduction ops to linalg.generic reductions", LOWERINGS)
