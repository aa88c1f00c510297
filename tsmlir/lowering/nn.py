"""tsm nn ops -> linalg named convolution/pooling ops and linalg.generic.

In: tsm.conv2d/max_pool2d/adaptive_avg_pool2d/batch_norm on NCHW tensors
whose batch dim N may be dynamic; C, H and W must be static (refused otherwise).
Out:
- conv2d: `tensor.pad` (zeros) + an im2col `linalg.generic` and one
  `linalg.matmul` (batch 1, float: runs on the tiled matmul kernel), or
  `linalg.conv_2d_nchw_fchw`, or
  `linalg.depthwise_conv_2d_nchw_chw` (groups == C == F), or
  `linalg.conv_2d_ngchw_gfchw` between `tensor.expand_shape`/`collapse_shape`
  (other groups).  The bias, broadcast by a `linalg.generic`, is the
  accumulator's initial value (zeros without bias).
- max_pool2d: `tensor.pad` (-inf, plus the extra bottom/right rows a ceil_mode
  window needs) + `linalg.pooling_nchw_max` into a -inf filled init.
- adaptive_avg_pool2d: divisible sizes are a fixed-window
  `linalg.pooling_nchw_sum` then a division; other sizes sum each dim with a
  constant window-membership mask (two reductions), then divide by the
  per-output window area.
- batch_norm: a per-channel `linalg.generic` computes weight / sqrt(var + eps),
  a second one (x - mean) * scale + bias over the input.
"""
from __future__ import annotations

import numpy as np
from mlir import ir
from mlir.dialects import arith, linalg, tensor
from mlir.dialects import math as mmath

from ..dialects.opdef import REGISTRY
from . import builders as b
from .passes import pattern_pass


def _attrs(op: ir.Operation) -> dict:
    return REGISTRY[op.name].attr_values(op)


def _static_chw(v: ir.Value) -> tuple[int, int, int]:
    """C, H, W of an NCHW value; only the batch dim may be dynamic."""
    t = b.rtt(v)
    if any(t.is_dynamic_dim(i) for i in range(1, 4)):
        b.refuse(f"only the batch dim may be dynamic, got {t}")
    return t.shape[1], t.shape[2], t.shape[3]


def _out_sizes(op: ir.Operation) -> list[b.IntOrValue]:
    """Result sizes: static ones from the result type, N from the input."""
    out = b.rtt(op.result)
    return [b.dim(op.operands[0], 0) if out.is_dynamic_dim(0) else out.shape[0],
            *out.shape[1:]]


def _affine(rank: int, *dims: int | ir.AffineExpr) -> ir.AffineMap:
    return ir.AffineMap.get(rank, 0, [ir.AffineDimExpr.get(d) if isinstance(d, int) else d
                                      for d in dims])


def _pad(x: ir.Value, low: list[int], high: list[int], value: ir.Value) -> ir.Value:
    """tensor.pad by static amounts (returns x when there is nothing to pad)."""
    if not any(low) and not any(high):
        return x
    t = b.rtt(x)
    shape = [ir.ShapedType.get_dynamic_size() if t.is_dynamic_dim(i) else t.shape[i] + lo + hi
             for i, (lo, hi) in enumerate(zip(low, high))]
    pad = tensor.PadOp(ir.RankedTensorType.get(shape, t.element_type), x, [], [], low, high)
    block = pad.regions[0].blocks.append(*[ir.IndexType.get()] * t.rank)
    with ir.InsertionPoint(block):
        tensor.YieldOp(value)
    return pad.result


def _lowest(elem: ir.Type) -> ir.Value:
    """The identity of max: -inf, or the smallest integer."""
    if b.is_float(elem):
        return b.constant(float("-inf"), elem)
    return b.constant(-(1 << (ir.IntegerType(elem).width - 1)), elem)


def _expand(v: ir.Value, groups: list[list[int]], shape: list[b.IntOrValue]) -> ir.Value:
    """tensor.expand_shape to `shape` (ints, or index values for dynamic dims)."""
    dyn = ir.ShapedType.get_dynamic_size()
    static = [s if isinstance(s, int) else dyn for s in shape]
    result = ir.RankedTensorType.get(static, b.rtt(v).element_type)
    return tensor.expand_shape(result, v, _reassociation(groups),
                               [s for s in shape if not isinstance(s, int)], static)


def _collapse(v: ir.Value, groups: list[list[int]]) -> ir.Value:
    t = b.rtt(v)
    dyn = ir.ShapedType.get_dynamic_size()
    shape = [dyn if any(t.is_dynamic_dim(i) for i in g) else int(np.prod([t.shape[i] for i in g]))
             for g in groups]
    return tensor.collapse_shape(ir.RankedTensorType.get(shape, t.element_type), v,
                                 _reassociation(groups))


def _reassociation(groups: list[list[int]]) -> ir.ArrayAttr:
    i64 = ir.IntegerType.get_signless(64)
    return ir.ArrayAttr.get([ir.ArrayAttr.get([ir.IntegerAttr.get(i64, i) for i in g])
                             for g in groups])


def _accumulator(bias: ir.Value | None, sizes: list[b.IntOrValue], elem: ir.Type,
                 bias_map: ir.AffineMap) -> ir.Value:
    """The convolution's initial value: the bias broadcast over the output, or zeros."""
    if bias is None:
        return b.filled(sizes, elem, 0)
    rank = len(sizes)
    return b.generic([bias], b.empty(sizes, elem), [bias_map, b.identity_map(rank)],
                     ["parallel"] * rank, lambda v, _out: v)


def lower_conv2d(op: ir.Operation) -> ir.Value:
    x, w = op.operands[0], op.operands[1]
    bias = op.operands[2] if len(op.operands) > 2 else None
    a = _attrs(op)
    c, _, _ = _static_chw(x)
    if not b.rtt(w).has_static_shape:
        b.refuse(f"the weight must have a static shape, got {w.type}")
    f, cg, kh, kw = b.rtt(w).shape
    groups, elem = a["groups"], b.rtt(x).element_type
    top, left, bottom, right = a["padding"]
    xp = _pad(x, [0, 0, top, left], [0, 0, bottom, right], b.zero(elem))
    sizes = _out_sizes(op)
    conv_attrs = dict(strides=a["stride"], dilations=a["dilation"])
    if groups == 1 and sizes[0] == 1 and b.is_float(elem):
        return _conv_as_matmul(xp, w, bias, sizes, a)
    if groups == 1:
        init = _accumulator(bias, sizes, elem, _affine(4, 1))
        return linalg.conv_2d_nchw_fchw(xp, w, outs=[init], **conv_attrs)
    if groups == c == f:
        init = _accumulator(bias, sizes, elem, _affine(4, 1))
        wd = _collapse(w, [[0, 1], [2], [3]])  # (C, 1, KH, KW) -> (C, KH, KW)
        return linalg.depthwise_conv_2d_nchw_chw(xp, wd, outs=[init], **conv_attrs)
    fg = f // groups
    n, (hp, wp) = sizes[0], b.rtt(xp).shape[2:]
    xg = _expand(xp, [[0], [1, 2], [3], [4]], [n, groups, cg, hp, wp])
    wg = _expand(w, [[0, 1], [2], [3], [4]], [groups, fg, cg, kh, kw])
    # Output (N, G, F/G, OH, OW): filter f = g * F/G + f'.
    bias_map = _affine(5, ir.AffineDimExpr.get(1) * fg + ir.AffineDimExpr.get(2))
    init = _accumulator(bias, [n, groups, fg, *sizes[2:]], elem, bias_map)
    out = linalg.conv_2d_ngchw_gfchw(xg, wg, outs=[init], **conv_attrs)
    return _collapse(out, [[0], [1, 2], [3], [4]])


def _conv_as_matmul(xp: ir.Value, w: ir.Value, bias: ir.Value | None,
                    sizes: list[int], a: dict) -> ir.Value:
    """Batch-1 convolution as im2col + one matmul, so that it runs on the
    register-tiled matmul kernel: col[c, kh, kw, oh, ow] = xp[0, c, oh*s + kh*d,
    ow*s + kw*d] viewed as (C*KH*KW, OH*OW); W viewed as (F, C*KH*KW);
    out (F, OH*OW) = W @ col, starting from the bias.  col is built from one
    strided slice per kernel position (slices, not a linalg.generic, so that
    elementwise fusion does not fold it back into a convolution)."""
    f, c, kh, kw = b.rtt(w).shape
    _, _, oh, ow = sizes
    (sh, sw), (dh, dw) = a["stride"], a["dilation"]
    elem = b.rtt(xp).element_type
    col = b.empty([c, kh, kw, oh, ow], elem)
    window = ir.RankedTensorType.get([c, oh, ow], elem)
    for i in range(kh):
        for j in range(kw):
            patch = tensor.extract_slice(window, xp, [], [], [], [0, 0, i * dh, j * dw],
                                         [1, c, oh, ow], [1, 1, sh, sw])
            col = tensor.insert_slice(patch, col, [], [], [], [0, i, j, 0, 0],
                                      [c, 1, 1, oh, ow], [1, 1, 1, 1, 1])
    col2 = _collapse(col, [[0, 1, 2], [3, 4]])
    w2 = _collapse(w, [[0], [1, 2, 3]])
    init = _accumulator(bias, [f, oh * ow], elem, _affine(2, 0))
    out = linalg.matmul(w2, col2, outs=[init])
    return _expand(out, [[0, 1], [2, 3]], [1, f, oh, ow])


def lower_max_pool2d(op: ir.Operation) -> ir.Value:
    x = op.operands[0]
    a = _attrs(op)
    _, h, w = _static_chw(x)
    elem = b.rtt(x).element_type
    sizes = _out_sizes(op)
    pads, extra = a["padding"], []
    for size, out, k, s, p, d in zip((h, w), sizes[2:], a["kernel_size"], a["stride"],
                                     pads, a["dilation"]):
        # ceil_mode: the last window may run past the padded input.
        extra.append(max(0, (out - 1) * s + d * (k - 1) + 1 - (size + 2 * p)))
    lowest = _lowest(elem)
    xp = _pad(x, [0, 0, *pads], [0, 0, pads[0] + extra[0], pads[1] + extra[1]], lowest)
    init = linalg.fill(lowest, outs=[b.empty(sizes, elem)])
    window = b.empty(a["kernel_size"], elem)
    return linalg.pooling_nchw_max(xp, window, outs=[init], strides=a["stride"],
                                   dilations=a["dilation"])


def _divide_by_area(sums: ir.Value, area: np.ndarray) -> ir.Value:
    """sums (N, C, OH, OW) / area[OH, OW], the number of inputs in each window."""
    t = b.rtt(sums)
    area_t = ir.RankedTensorType.get(list(area.shape), t.element_type)
    area_v = arith.constant(area_t, ir.DenseElementsAttr.get(
        [ir.FloatAttr.get(t.element_type, float(v)) for v in area.flatten()], type=area_t))
    sizes = [b.dim(sums, i) for i in range(4)]
    return b.generic([sums, area_v], b.empty(sizes, t.element_type),
                     [b.identity_map(4), _affine(4, 2, 3), b.identity_map(4)],
                     ["parallel"] * 4, lambda v, d, _out: arith.divf(v, d))


def _windows(size: int, out: int) -> np.ndarray:
    """mask[i, j]: input j lies in adaptive window i (PyTorch's start/end rule)."""
    i = np.arange(out)[:, None]
    j = np.arange(size)[None, :]
    return (j >= (i * size) // out) & (j < -(-((i + 1) * size) // out))


def _masked_sum(x: ir.Value, mask: np.ndarray, dim: int, elem: ir.Type) -> ir.Value:
    """Reduce NCHW dim `dim` (2 or 3) of x through mask (out, size): the result
    has `out` entries on that dim, each the sum of the inputs its row selects."""
    sizes = [b.dim(x, i) for i in range(4)]
    sizes[dim] = mask.shape[0]
    mask_v = arith.constant(
        ir.RankedTensorType.get(list(mask.shape), ir.IntegerType.get_signless(1)),
        ir.DenseElementsAttr.get(mask))
    # Iteration space (n, c, h/i, w/j, r): r walks the reduced input dim.
    x_dims = [0, 1, 2, 3]
    x_dims[dim] = 4
    maps = [_affine(5, *x_dims), _affine(5, dim, 4), _affine(5, 0, 1, 2, 3)]
    zero = b.zero(elem)

    def body(v, keep, acc):
        return arith.addf(acc, arith.select(keep, v, zero))

    return b.generic([x, mask_v], b.filled(sizes, elem, 0), maps,
                     ["parallel"] * 4 + ["reduction"], body)


def lower_adaptive_avg_pool2d(op: ir.Operation) -> ir.Value:
    x = op.operands[0]
    _, h, w = _static_chw(x)
    oh, ow = _attrs(op)["output_size"]
    elem = b.rtt(x).element_type
    sizes = _out_sizes(op)
    if h % oh == 0 and w % ow == 0:
        kh, kw = h // oh, w // ow
        sums = linalg.pooling_nchw_sum(x, b.empty([kh, kw], elem),
                                       outs=[b.filled(sizes, elem, 0)], strides=[kh, kw],
                                       dilations=[1, 1])
        return _divide_by_area(sums, np.full((oh, ow), kh * kw))
    rows, cols = _windows(h, oh), _windows(w, ow)
    sums = _masked_sum(_masked_sum(x, cols, 3, elem), rows, 2, elem)
    return _divide_by_area(sums, np.outer(rows.sum(1), cols.sum(1)))


def lower_batch_norm(op: ir.Operation) -> ir.Value:
    x, weight, bias, mean, var = op.operands
    eps = _attrs(op)["eps"]
    t = b.rtt(x)
    elem = t.element_type
    if t.is_dynamic_dim(1):
        b.refuse(f"the channel dim must be static, got {t}")
    channels = t.shape[1]
    eps_v = b.constant(eps, elem)

    def scale_body(w, v, _out):
        return arith.divf(w, mmath.sqrt(arith.addf(v, eps_v)))

    scale = b.generic([weight, var], b.empty([channels], elem), [b.identity_map(1)] * 3,
                      ["parallel"], scale_body)
    rank = t.rank
    sizes = [b.dim(x, i) for i in range(rank)]
    per_channel = _affine(rank, 1)

    def body(v, m, s, bv, _out):
        return arith.addf(arith.mulf(arith.subf(v, m), s), bv)

    return b.generic([x, mean, scale, bias], b.empty(sizes, elem),
                     [b.identity_map(rank), per_channel, per_channel, per_channel,
                      b.identity_map(rank)], ["parallel"] * rank, body)


LOWERINGS = {
    "tsm.conv2d": lower_conv2d,
    "tsm.max_pool2d": lower_max_pool2d,
    "tsm.adaptive_avg_pool2d": lower_adaptive_avg_pool2d,
    "tsm.batch_norm": lower_batch_norm,
}

lower_nn_pass = pattern_pass(
    "tsm-lower-nn", "Lower tsm conv/pool/batch-norm ops to linalg", LOWERINGS)
