"""IR helpers the nn lowerings (convolution, pooling, resampling) share:
attribute access, static padding, reshapes, affine maps and the
window-reduction `linalg.generic`.  They build at the current insertion point.
"""
from __future__ import annotations

import functools
from typing import Callable, Sequence

import numpy as np
from mlir import ir
from mlir.dialects import arith, func, linalg, tensor

from ..dialects.opdef import REGISTRY, build
from . import builders as b
from . import constant_data
from .ir_walk import indexing_maps, is_identity_map, owner_op


def attrs(op: ir.Operation) -> dict:
    return REGISTRY[op.name].attr_values(op)


#: The refusal of a dynamic channel or spatial dim; the JIT answers it by
#: compiling per size (tsmlir.runtime.specialize).
STATIC_SPATIAL = "only the batch dim may be dynamic"


def static_spatial(v: ir.Value) -> list[int]:
    """C and the spatial sizes of an (N, C, ...) value; only N may be dynamic."""
    t = b.rtt(v)
    if any(t.is_dynamic_dim(i) for i in range(1, t.rank)):
        b.refuse(f"{STATIC_SPATIAL}, got {t}")
    return list(t.shape[1:])


def out_sizes(op: ir.Operation, result: int = 0) -> list[b.IntOrValue]:
    """Result sizes: static ones from the result type, N from the input."""
    out = b.rtt(op.results[result])
    return [b.dim(op.operands[0], 0) if out.is_dynamic_dim(0) else out.shape[0],
            *out.shape[1:]]


def affine(rank: int, *dims: int | ir.AffineExpr) -> ir.AffineMap:
    return ir.AffineMap.get(rank, 0, [ir.AffineDimExpr.get(d) if isinstance(d, int) else d
                                      for d in dims])


def dim_expr(d: int) -> ir.AffineExpr:
    return ir.AffineDimExpr.get(d)


def pad(x: ir.Value, low: list[int], high: list[int], value: ir.Value) -> ir.Value:
    """tensor.pad by static amounts (returns x when there is nothing to pad)."""
    if not any(low) and not any(high):
        return x
    t = b.rtt(x)
    if 0 in t.shape:
        # All padding; and tensor.pad of an empty tensor bufferizes to an
        # out-of-bounds subview.
        sizes = [arith.addi(b.dim(x, i), b.index(lo + hi)) if t.is_dynamic_dim(i)
                 else t.shape[i] + lo + hi for i, (lo, hi) in enumerate(zip(low, high))]
        return linalg.fill(value, outs=[b.empty(sizes, t.element_type)])
    shape = [ir.ShapedType.get_dynamic_size() if t.is_dynamic_dim(i) else t.shape[i] + lo + hi
             for i, (lo, hi) in enumerate(zip(low, high))]
    op = tensor.PadOp(ir.RankedTensorType.get(shape, t.element_type), x, [], [], low, high)
    block = op.regions[0].blocks.append(*[ir.IndexType.get()] * t.rank)
    with ir.InsertionPoint(block):
        tensor.YieldOp(value)
    return op.result


def lowest(elem: ir.Type) -> ir.Value:
    """The identity of max: -inf, or the smallest integer (0 for uint8)."""
    if b.is_float(elem):
        return b.constant(float("-inf"), elem)
    if b.is_unsigned(elem):
        return b.constant(0, elem)
    return b.constant(-(1 << (ir.IntegerType(elem).width - 1)), elem)


def maximum(lhs: ir.Value, rhs: ir.Value) -> ir.Value:
    """max that propagates NaN, as PyTorch's max pooling does; uint8 (ui8)
    compares unsigned on its signless bits."""
    if b.is_float(lhs.type):
        return arith.maximumf(lhs, rhs)
    if b.is_unsigned(lhs.type):
        bits = ir.IntegerType.get_signless(lhs.type.width)
        return b.retag(arith.maxui(b.retag(lhs, bits), b.retag(rhs, bits)), lhs.type)
    return arith.maxsi(lhs, rhs)


def expand(v: ir.Value, groups: list[list[int]], shape: list[b.IntOrValue]) -> ir.Value:
    """tensor.expand_shape to `shape` (ints, or index values for dynamic dims)."""
    dyn = ir.ShapedType.get_dynamic_size()
    static = [s if isinstance(s, int) else dyn for s in shape]
    result = ir.RankedTensorType.get(static, b.rtt(v).element_type)
    return tensor.expand_shape(result, v, b.reassociation(groups),
                               [s for s in shape if not isinstance(s, int)], static)


def expand_fresh(v: ir.Value, groups: list[list[int]], shape: list[b.IntOrValue]) -> ir.Value:
    """`expand`, for a v that is a fresh row-major buffer (an op's result):
    where a group has several dynamic sizes (expand-strided-metadata takes
    one a group at most), a tensor.reshape by a shape tensor instead."""
    if all(sum(not isinstance(shape[i], int) for i in g) <= 1 for g in groups):
        return expand(v, groups, shape)
    shape_t = ir.RankedTensorType.get([len(shape)], ir.IndexType.get())
    dyn = ir.ShapedType.get_dynamic_size()
    result_t = ir.RankedTensorType.get([s if isinstance(s, int) else dyn for s in shape],
                                       b.rtt(v).element_type)
    return tensor.reshape(result_t, v,
                          tensor.from_elements(shape_t, [b.as_index(s) for s in shape]))


def collapse(v: ir.Value, groups: list[list[int]]) -> ir.Value:
    t = b.rtt(v)
    dyn = ir.ShapedType.get_dynamic_size()
    shape = [dyn if any(t.is_dynamic_dim(i) for i in g) else int(np.prod([t.shape[i] for i in g]))
             for g in groups]
    return tensor.collapse_shape(ir.RankedTensorType.get(shape, t.element_type), v,
                                 b.reassociation(groups))


def slice_of(x: ir.Value, offsets: Sequence[int], sizes: Sequence[b.IntOrValue],
             strides: Sequence[int] | None = None) -> ir.Value:
    """tensor.extract_slice with static offsets/strides, static or dynamic sizes."""
    dyn = ir.ShapedType.get_dynamic_size()
    static = [s if isinstance(s, int) else dyn for s in sizes]
    result = ir.RankedTensorType.get(static, b.rtt(x).element_type)
    return tensor.extract_slice(result, x, [], [s for s in sizes if not isinstance(s, int)], [],
                                list(offsets), static, list(strides or [1] * len(sizes)))


def insert_into(src: ir.Value, dest: ir.Value, offsets: Sequence[int],
                strides: Sequence[int]) -> ir.Value:
    """tensor.insert_slice of all of src at static offsets/strides."""
    sizes = [b.dim(src, i) for i in range(b.rtt(src).rank)]
    dyn = ir.ShapedType.get_dynamic_size()
    static = [s if isinstance(s, int) else dyn for s in sizes]
    return tensor.insert_slice(src, dest, [], [s for s in sizes if not isinstance(s, int)], [],
                               list(offsets), static, list(strides))


def dense(values: np.ndarray, elem: ir.Type) -> ir.Value:
    """An arith.constant tensor of `values` (floats or integers) as `elem`."""
    t = ir.RankedTensorType.get(list(values.shape), elem)
    if b.is_float(elem):
        attrs_ = [ir.FloatAttr.get(elem, float(v)) for v in values.flatten()]
    else:
        attrs_ = [ir.IntegerAttr.get(elem, int(v)) for v in values.flatten()]
    return arith.constant(t, ir.DenseElementsAttr.get(attrs_, type=t))


def accumulator(bias: ir.Value | None, sizes: list[b.IntOrValue], elem: ir.Type,
                bias_map: ir.AffineMap) -> ir.Value:
    """A convolution's initial value: the bias broadcast over the output, or zeros."""
    if bias is None:
        return b.filled(sizes, elem, 0)
    rank = len(sizes)
    return b.generic([bias], b.empty(sizes, elem), [bias_map, b.identity_map(rank)],
                     ["parallel"] * rank, lambda v, _out: v)


def window_reduce(x: ir.Value, init: ir.Value, kernel: list[int], stride: list[int],
                  dilation: list[int], combine: Callable[[ir.Value, ir.Value], ir.Value]
                  ) -> ir.Value:
    """out[n, c, o...] = combine over k... of x[n, c, o*s + k*d ...] into init:
    the rank-generic form of linalg.pooling_nchw_* (the kernel enters as an
    unused window operand, which gives the reduction loops their bounds)."""
    nd = len(kernel)
    rank = 2 + 2 * nd
    window = [2 + nd + i for i in range(nd)]
    x_map = affine(rank, 0, 1, *[dim_expr(2 + i) * stride[i] + dim_expr(window[i]) * dilation[i]
                                 for i in range(nd)])
    maps = [x_map, affine(rank, *window), affine(rank, *range(2 + nd))]
    elem = b.rtt(x).element_type
    return b.generic([x, b.empty(kernel, elem)], init, maps,
                     ["parallel"] * (2 + nd) + ["reduction"] * nd,
                     lambda v, _w, acc: combine(acc, v))


def ceil_extra(sizes: list[int], outs: list[int], kernel, stride, pads, dilation) -> list[int]:
    """Rows past the padded input that a ceil_mode last window reaches."""
    return [max(0, (o - 1) * s + d * (k - 1) + 1 - (n + 2 * p))
            for n, o, k, s, p, d in zip(sizes, outs, kernel, stride, pads, dilation)]


def linalg_index(d: int) -> ir.Value:
    return linalg.IndexOp(d).result


def _is_half(t: ir.Type) -> bool:
    return isinstance(t, (ir.F16Type, ir.BF16Type))


def _converted(v: ir.Value, to: ir.Type) -> ir.Value:
    """v with its elements converted to `to` (a parallel linalg.generic); a
    float16/bfloat16 constant widened to float32 is a new float32 constant
    (a half model's weights are not converted again on every call)."""
    wide = _widened(v) if str(to) == "f32" else None
    if wide is not None:
        return constant_data.arith_constant(wide, to, "half_as_f32")
    rank = b.rtt(v).rank
    return b.generic([v], b.empty([b.dim(v, i) for i in range(rank)], to),
                     [b.identity_map(rank)] * 2, ["parallel"] * rank,
                     lambda x, _out: b.convert(x, to))


def half_source_type(v: ir.Value) -> ir.Type | None:
    """The half type (float16/bfloat16) whose values the float32 tensor `v`
    holds exactly, where `narrowed` can give them: `v` made by a parallel
    linalg.generic that yields an arith.extf from that type (a tsm.cast to
    float32, maybe fused with what it widens: half attention's rounded
    weights), or a linalg.transpose of such a tensor (k^T); else None."""
    op = owner_op(v)
    if op is not None and op.name == "linalg.transpose":
        return half_source_type(op.operands[0])
    found = _widening(v)
    return None if found is None else found[1].operands[0].type


def _widening(v: ir.Value) -> tuple[ir.Operation, ir.Operation] | None:
    """(the generic, its extf) of `half_source_type`."""
    op = owner_op(v)
    if op is None or op.name != "linalg.generic" or len(op.results) != 1 \
            or str(b.rtt(v).element_type) != "f32":
        return None
    body = op.regions[0].blocks[0]
    ext = owner_op(list(body.operations)[-1].operands[0])
    if ext is None or ext.name != "arith.extf" or not _is_half(ext.operands[0].type) \
            or any(str(it) != "#linalg.iterator_type<parallel>"
                   for it in op.opview.iterator_types) \
            or list(body.arguments[-1].uses):
        return None
    return op, ext


def widened_row_scale(v: ir.Value) -> ir.Value | None:
    """The per-row scale s where the widening generic of `v` (see
    `half_source_type`) rounds x * s[row]: softmax's normalization of its
    exps by 1 / sum (half attention's weights).  A product can scale its
    rows instead (`narrowed(v, unscaled=True)`), as PyTorch's flash kernel
    rounds the exps before it normalizes.  For a user's own
    `softmax(s).to(torch.bfloat16).float() @ v` the same: round(x) * s has
    the relative error of round(x * s), though not its bits.  None for
    another `v`."""
    found = _widening(v)
    if found is None:
        return None
    op = found[0]
    maps, inputs = indexing_maps(op), list(op.opview.inputs)
    if len(inputs) != 2 or str(b.rtt(inputs[1]).element_type) != "f32":
        return None
    rank = maps[0].n_dims
    row = ir.AffineMap.get(rank, 0, [ir.AffineDimExpr.get(j) for j in range(rank - 1)])
    body = op.regions[0].blocks[0]
    first = list(body.operations)[0]
    if maps != [b.identity_map(rank), row, b.identity_map(rank)] \
            or first.name != "arith.mulf" \
            or list(first.operands) not in ([body.arguments[0], body.arguments[1]],
                                            [body.arguments[1], body.arguments[0]]):
        return None
    return inputs[1]


def narrowed(v: ir.Value, unscaled: bool = False) -> ir.Value:
    """The half tensor of a `v` that has a `half_source_type`: the generic's
    input itself where the extf reads one as it lies; else a copy of the
    generic, built at the insertion point, that yields the half value
    (`unscaled`: without its `widened_row_scale`); of a transpose, the same
    transpose of the half tensor."""
    op = owner_op(v)
    if op.name == "linalg.transpose":
        perm = list(ir.DenseI64ArrayAttr(op.attributes["permutation"]))
        return b.permuted(narrowed(op.operands[0]), perm)
    op, ext = _widening(v)
    src, inputs, maps = ext.operands[0], list(op.opview.inputs), indexing_maps(op)
    if unscaled:
        exps = _rounded_exps(op, src.type)
        if exps is not None:
            return exps
    half_type = ir.RankedTensorType.get(b.rtt(v).shape, src.type)
    body = op.regions[0].blocks[0]
    if isinstance(src, ir.BlockArgument) and src.owner == body and src.arg_number < len(inputs) \
            and all(is_identity_map(m) for m in (maps[src.arg_number], maps[-1])) \
            and inputs[src.arg_number].type == half_type:
        return inputs[src.arg_number]
    copy, copy_yield = _retyped_copy(op, 0, src.type, b.sizes_of(v))
    copy_ext = owner_op(copy_yield.operands[0])
    copy_yield.operands[0] = copy_ext.operands[0]
    copy_ext.erase()
    if unscaled:  # x * s -> x (the scale input is left unread: canonicalize drops it)
        copy_body = copy.regions[0].blocks[0]
        scale = list(copy_body.operations)[0]
        scale.results[0].replace_all_uses_with(copy_body.arguments[0])
        scale.erase()
    return copy.results[0]


def _retyped_copy(op: ir.Operation, result: int, elem: ir.Type,
                  sizes: list[b.IntOrValue]) -> tuple[ir.Operation, ir.Operation]:
    """A copy of the linalg.generic `op`, built at the insertion point,
    whose result `result` has elements of type `elem` (a new init of
    `sizes`, its block argument retyped; the body is the caller's to fix),
    and the copy's yield."""
    init = b.empty(sizes, elem)
    copy = op.clone()
    out = len(op.opview.inputs) + result
    copy.operands[out] = init
    copy.results[result].set_type(ir.RankedTensorType.get(b.rtt(op.results[result]).shape, elem))
    body = copy.regions[0].blocks[0]
    body.arguments[out].set_type(elem)
    return copy, list(body.operations)[-1]


def _rounded_exps(widening: ir.Operation, half: ir.Type) -> ir.Value | None:
    """Softmax's exps rounded to bfloat16 by the pass that computes them:
    where `widening` only rounds x * s[row] to `half` and widens it again
    (see `widened_row_scale`) and x is the exps output of softmax's
    exps-and-sums generic (tsm-lower-reduction), used only there, a copy of
    that generic whose first result is the rounded exps (its sums the same:
    they replace the old ones).  One pass over the scores writes 2 bytes an
    element instead of two passes (4 written, then 4 read and 2 written)."""
    x = widening.operands[0]
    producer = owner_op(x)
    body = widening.regions[0].blocks[0]
    names = sorted(op.name for op in body.operations if op.name != "arith.constant")
    if str(half) != "bf16" or producer is None or producer.name != "linalg.generic" \
            or len(producer.results) != 2 or x != producer.results[0] \
            or len(list(x.uses)) != 1 or names != _scale_round_widen_names():
        return None
    inputs = len(producer.opview.inputs)
    exps_out = producer.regions[0].blocks[0].arguments[inputs]
    if list(exps_out.uses):
        return None
    with ir.InsertionPoint(producer):  # where the old sums are used, the new ones exist
        copy, copy_yield = _retyped_copy(producer, 0, half,
                                         b.sizes_of(producer.operands[inputs]))
    with ir.InsertionPoint(copy_yield):
        copy_yield.operands[0] = b.convert(copy_yield.operands[0], half)
    producer.results[1].replace_all_uses_with(copy.results[1])
    return copy.results[0]


@functools.cache
def _scale_round_widen_names() -> list[str]:
    """The (sorted) op names of a generic body that multiplies, rounds to
    bfloat16 (builders.convert) and widens again, constants aside: built
    once in a scratch function."""
    f32 = ir.F32Type.get()
    with ir.Location.unknown():
        module = ir.Module.create()
        with ir.InsertionPoint(module.body):
            scratch = func.FuncOp("scratch", ([f32, f32], [f32]))
            entry = scratch.add_entry_block()
            with ir.InsertionPoint(entry):
                product = arith.mulf(*entry.arguments)
                func.ReturnOp([arith.extf(f32, b.convert(product, ir.BF16Type.get()))])
        return sorted("linalg.yield" if op.name == "func.return" else op.name
                      for op in entry.operations if op.name != "arith.constant")


def rounded_sum(product: ir.Value, addend: ir.Value | None, addend_map: ir.AffineMap | None,
                to: ir.Type, product_map: ir.AffineMap | None = None,
                sizes: list[b.IntOrValue] | None = None) -> ir.Value:
    """A float32 product (plus `addend`, read through `addend_map`, widened
    to float32: a constant one at compile time) rounded to `to` in one pass.
    `product_map` / `sizes`: the product read through that map into a
    result of those sizes (conv_amx's rows of padded positions), else as it
    lies."""
    if addend is None and product_map is None:
        return _converted(product, to)
    if sizes is None:
        sizes = [b.dim(product, i) for i in range(b.rtt(product).rank)]
    rank = len(sizes)
    inputs, maps = [product], [product_map or b.identity_map(rank)]
    if addend is not None:
        inputs.append(_converted(addend, ir.F32Type.get()))
        maps.append(addend_map)

    def body(p, *rest):  # rest: the addend (if any), then the result's element
        return b.convert(arith.addf(p, rest[0]) if addend is not None else p, to)
    return b.generic(inputs, b.empty(sizes, to), maps + [b.identity_map(rank)],
                     ["parallel"] * rank, body)


def _widened(v: ir.Value) -> np.ndarray | None:
    """A float16 or bfloat16 constant's value as float32 (exact); None for
    anything else or data not at hand (bfloat16 data is its int16 bits; an
    inline bfloat16 value, which numpy cannot hold, is not at hand)."""
    elem = b.rtt(v).element_type
    data = constant_data.array_of(v)
    if data is None:
        return None
    if isinstance(elem, ir.F16Type) and data.dtype == np.float16:
        return data.astype(np.float32)
    if isinstance(elem, ir.BF16Type) and data.dtype in (np.int16, np.uint16):
        return (data.astype(np.uint16).astype(np.uint32) << 16).view(np.float32)
    return None


def half_in_f32(lower: Callable[[ir.Operation], ir.Value],
                native: Callable[[ir.Operation], ir.Value | None] | None = None) -> Callable:
    """Wrap a lowering so that an op on float16/bfloat16 tensors becomes the
    same tsm op on float32 between conversions: PyTorch's CPU kernels
    accumulate sums and interpolations in float (their opmath type) and round
    once.  The float32 op is lowered by the same pass.  `native`: a lowering
    of half ops on the half types themselves (AMX products and
    convolutions), tried first; it returns None (building nothing) for the
    ops it does not take."""
    @functools.wraps(lower)
    def wrapper(op: ir.Operation):
        if not _is_half(b.rtt(op.operands[0]).element_type):
            return lower(op)
        result = native(op) if native is not None else None
        if result is not None:
            return result
        f32 = ir.F32Type.get()
        operands = [_converted(v, f32) if _is_half(b.rtt(v).element_type) else v
                    for v in op.operands]
        d = REGISTRY[op.name]
        absent = [None] * (len(d.operands) - len(operands))  # a trailing optional (bias)
        results = build(d.name, operands + absent, **d.attr_values(op))
        return [_converted(r, b.rtt(old).element_type) for r, old in zip(results, op.results)]
    return wrapper
