"""aten convolution, pooling, padding, upsampling and batch-norm ops -> tsm.conv2d/
conv3d/conv_transpose2d/conv_transpose3d/max_pool2d/max_pool3d/avg_pool2d/avg_pool3d/
adaptive_avg_pool2d/adaptive_avg_pool3d/adaptive_max_pool2d/pad/upsample2d/batch_norm.

Every PyTorch default and string form is resolved here (an int for a pair,
`stride=[]` meaning the kernel size, `padding='same'`, absent affine weights,
F.pad's reversed per-dim pairs, interpolate's scale factors), so the tsm ops
carry explicit values.  1-D ops become the 2-D op on a unit height, and
unbatched inputs get a unit batch dim, both removed again from the result
(`tsm.reshape`).  Negative circular padding, other interpolation modes and
training-mode batch norm fail at the user's line.
"""
from __future__ import annotations

import math

import torch

from ... import dialects
from ...dialects.types import DYN
from ...errors import StaticSizeRequired
from ..context import NodeContext


def _ints(cx: NodeContext, value, name: str, n: int = 2) -> list[int]:
    """`int[n]` arguments: TorchScript passes an int or a list of one or n."""
    if isinstance(value, int) and not isinstance(value, bool):
        return [value] * n
    if isinstance(value, (list, tuple)) and len(value) in (1, n) \
            and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        return list(value) * (n // len(value))
    cx.fail(f"{name} must be an int or a list of {n} compile-time ints, got {value!r}")


def _insert_unit(cx: NodeContext, x, at: int):
    """x with a size-1 dim inserted before dim `at` (dynamic dims carried over)."""
    shape = list(cx.type(x).shape)
    from_dims = [i if d == DYN else DYN for i, d in enumerate(shape)]
    shape.insert(at, 1)
    from_dims.insert(at, DYN)
    return cx.build("reshape", x, shape=shape, from_dims=from_dims)


def _drop_unit(cx: NodeContext, x, at: int):
    shape = list(cx.type(x).shape)
    from_dims = [i if d == DYN else DYN for i, d in enumerate(shape)]
    del shape[at], from_dims[at]
    return cx.build("reshape", x, shape=shape, from_dims=from_dims)


def _batched(cx: NodeContext, x, nd: int, nd_op: int, what: str, unbatched: bool = True):
    """(N, C, *spatial) or (if `unbatched`) (C, *spatial) with `nd` spatial
    dims -> (N, C, 1, ..., *spatial) with `nd_op`; returns it and the dims
    inserted."""
    t = cx.type(x)
    if not unbatched and t.rank != nd + 2:
        cx.fail(f"expected a {nd + 2}-D (N, C, ...) input to {what}, got {t}")
    if t.rank not in (nd + 1, nd + 2):
        cx.fail(f"expected a {nd + 1}-D (unbatched) or {nd + 2}-D (batched) input to {what}, "
                f"got {t}")
    inserted = []
    if t.rank == nd + 1:
        x = _insert_unit(cx, x, 0)
        inserted.append(0)
    for _ in range(nd_op - nd):
        x = _insert_unit(cx, x, 2)
        inserted.append(2)
    return x, inserted


def _unbatched(cx: NodeContext, y, inserted: list[int]):
    for at in reversed(inserted):
        y = _drop_unit(cx, y, at)
    return y


def _lift(values: list[int], fill: int, nd: int, nd_op: int) -> list[int]:
    """Per-dim values of an nd op extended to an nd_op one (unit leading dims)."""
    return [fill] * (nd_op - nd) + values


# -- convolution --------------------------------------------------------------

def _conv_padding(cx: NodeContext, padding, kernel: list[int], stride: list[int],
                  dilation: list[int]) -> list[int]:
    """[low..., high...] zero padding from ints, 'same' or 'valid'."""
    nd = len(kernel)
    if padding == "valid":
        return [0] * (2 * nd)
    if padding == "same":
        if any(s != 1 for s in stride):
            cx.fail("padding='same' is not supported for strided convolutions")
        total = [d * (k - 1) for d, k in zip(dilation, kernel)]
        # PyTorch puts the odd extra row/column at the bottom/right.
        return [t // 2 for t in total] + [t - t // 2 for t in total]
    if isinstance(padding, str):
        cx.fail(f"padding must be 'same', 'valid' or ints, got '{padding}'")
    return _ints(cx, padding, "padding", nd) * 2


def _weight_rank(cx: NodeContext, weight) -> int:
    """Spatial dims of a convolution from its weight (F, C, *kernel)."""
    nd = cx.type(weight).rank - 2
    if nd not in (1, 2, 3):
        cx.fail(f"the weight must be 3-D, 4-D or 5-D (1-3 spatial dims), got {cx.type(weight)}")
    return nd


def _conv(cx: NodeContext, x, weight, bias, stride, padding, dilation, groups):
    """conv1d/2d/3d; padding: ints (symmetric) or 'same' / 'valid'."""
    nd = _weight_rank(cx, weight)
    stride, dilation = _ints(cx, stride, "stride", nd), _ints(cx, dilation, "dilation", nd)
    kernel = list(cx.type(weight).shape[2:])
    pads = _conv_padding(cx, padding, kernel, stride, dilation)
    nd_op = max(nd, 2)
    xb, inserted = _batched(cx, x, nd, nd_op, f"conv{nd}d")
    if nd == 1:
        weight = _insert_unit(cx, weight, 2)
        pads = [0, pads[0], 0, pads[1]]
    y = cx.build(f"conv{nd_op}d", xb, weight, bias, stride=_lift(stride, 1, nd, nd_op),
                 padding=pads, dilation=_lift(dilation, 1, nd, nd_op), groups=groups)
    return _unbatched(cx, y, inserted)


def _conv_transpose(cx: NodeContext, x, weight, bias, stride, padding, output_padding,
                    groups, dilation):
    nd = _weight_rank(cx, weight)
    nd_op = max(nd, 2)
    ints = {name: _ints(cx, v, name, nd) for name, v in
            (("stride", stride), ("padding", padding), ("output_padding", output_padding),
             ("dilation", dilation))}
    xb, inserted = _batched(cx, x, nd, nd_op, f"conv_transpose{nd}d")
    if nd == 1:
        weight = _insert_unit(cx, weight, 2)
    y = cx.build(f"conv_transpose{nd_op}d", xb, weight, bias, groups=groups,
                 stride=_lift(ints["stride"], 1, nd, nd_op),
                 padding=_lift(ints["padding"], 0, nd, nd_op),
                 output_padding=_lift(ints["output_padding"], 0, nd, nd_op),
                 dilation=_lift(ints["dilation"], 1, nd, nd_op))
    return _unbatched(cx, y, inserted)


def _convolution(cx: NodeContext, x, weight, bias, stride, padding, dilation, transposed,
                 output_padding, groups, *_backend_flags):
    """aten::_convolution / aten::convolution: what torch.jit.trace records."""
    if transposed:
        return _conv_transpose(cx, x, weight, bias, stride, padding, output_padding, groups,
                               dilation)
    return _conv(cx, x, weight, bias, stride, padding, dilation, groups)


# -- pooling ------------------------------------------------------------------

def _pool_ints(cx: NodeContext, nd: int, kernel_size, stride, padding, dilation=1):
    """kernel, stride (`[]` means the kernel), padding, dilation, each of nd values."""
    kernel = _ints(cx, kernel_size, "kernel_size", nd)
    stride = _ints(cx, stride, "stride", nd) if stride else kernel
    return kernel, stride, _ints(cx, padding, "padding", nd), _ints(cx, dilation, "dilation", nd)


def _max_pool(nd: int):
    def handler(cx: NodeContext, x, kernel_size, stride=(), padding=0, dilation=1,
                ceil_mode=False):
        kernel, stride, padding, dilation = _pool_ints(cx, nd, kernel_size, stride, padding,
                                                       dilation)
        if nd == 1 and not cx.type(x).is_float():  # PyTorch's max_pool1d is float-only
            cx.fail(f"max_pool1d expects a floating-point input, got {cx.type(x)}")
        nd_op = max(nd, 2)
        xb, inserted = _batched(cx, x, nd, nd_op, f"max_pool{nd}d")
        y = cx.build(f"max_pool{nd_op}d", xb, kernel_size=_lift(kernel, 1, nd, nd_op),
                     stride=_lift(stride, 1, nd, nd_op), padding=_lift(padding, 0, nd, nd_op),
                     dilation=_lift(dilation, 1, nd, nd_op), ceil_mode=ceil_mode)
        return _unbatched(cx, y, inserted)
    return handler


def _avg_pool(nd: int):
    def handler(cx: NodeContext, x, kernel_size, stride=(), padding=0, ceil_mode=False,
                count_include_pad=True, divisor_override=None):
        kernel, stride, padding, _ = _pool_ints(cx, nd, kernel_size, stride, padding)
        nd_op = max(nd, 2)
        xb, inserted = _batched(cx, x, nd, nd_op, f"avg_pool{nd}d")
        y = cx.build(f"avg_pool{nd_op}d", xb, kernel_size=_lift(kernel, 1, nd, nd_op),
                     stride=_lift(stride, 1, nd, nd_op), padding=_lift(padding, 0, nd, nd_op),
                     ceil_mode=ceil_mode, count_include_pad=count_include_pad,
                     divisor_override=divisor_override)
        return _unbatched(cx, y, inserted)
    return handler


def _adaptive_avg_pool(nd: int):
    def handler(cx: NodeContext, x, output_size):
        size = _ints(cx, output_size, "output_size", nd)
        nd_op = max(nd, 2)
        xb, inserted = _batched(cx, x, nd, nd_op, f"adaptive_avg_pool{nd}d")
        y = cx.build(f"adaptive_avg_pool{nd_op}d", xb, output_size=_lift(size, 1, nd, nd_op))
        return _unbatched(cx, y, inserted)
    return handler


def _adaptive_max_pool(nd: int):
    """(values, indices); with a unit height the flat index h * W + w is w."""
    def handler(cx: NodeContext, x, output_size):
        size = _ints(cx, output_size, "output_size", nd)
        xb, inserted = _batched(cx, x, nd, 2, f"adaptive_max_pool{nd}d")
        try:
            values, indices = dialects.build("adaptive_max_pool2d", [xb],
                                             output_size=_lift(size, 1, nd, 2))
        except (ValueError, TypeError) as e:
            cx.fail(str(e))
        return _unbatched(cx, values, inserted), _unbatched(cx, indices, inserted)
    return handler


# -- padding ------------------------------------------------------------------

def _pad_amounts(cx: NodeContext, x, pad) -> tuple[list[int], list[int]]:
    """F.pad's flat [last_lo, last_hi, prev_lo, prev_hi, ...] -> per-dim low, high."""
    rank = cx.type(x).rank
    if not isinstance(pad, (list, tuple)) or len(pad) % 2 \
            or not all(isinstance(p, int) and not isinstance(p, bool) for p in pad):
        cx.fail(f"pad must be a list of an even number of compile-time ints, got {pad!r}")
    if len(pad) > 2 * rank:
        cx.fail(f"padding length {len(pad)} is too large for a {rank}-D input "
                f"(at most {2 * rank})")
    low, high = [0] * rank, [0] * rank
    for i in range(len(pad) // 2):
        low[rank - 1 - i], high[rank - 1 - i] = pad[2 * i], pad[2 * i + 1]
    return low, high


def _pad(cx: NodeContext, x, pad, mode="constant", value=None):
    if mode == "constant":
        return _constant_pad(cx, x, pad, 0.0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        cx.fail(f"padding mode '{mode}' is not supported "
                "(constant, reflect, replicate, circular are)")
    if value is not None:
        cx.fail(f"padding mode '{mode}' doesn't take a value argument")
    return _edge_pad(mode, 0)(cx, x, pad)


def _constant_pad(cx: NodeContext, x, pad, value=0):
    low, high = _pad_amounts(cx, x, pad)
    if not isinstance(value, (int, float)):
        cx.fail(f"the padding value must be a compile-time number, got {value!r}")
    return cx.build("pad", x, low=low, high=high, mode="constant", value=float(value))


def _edge_pad(mode: str, dims: int):
    """reflect/replicate/circular: pads the last len(pad) / 2 dims (of `dims`
    for the fixed-size aten ops) of a batched or unbatched input."""
    def handler(cx: NodeContext, x, pad):
        n = dims or (len(pad) // 2 if isinstance(pad, (list, tuple)) else 0)
        if dims and (not isinstance(pad, (list, tuple)) or len(pad) != 2 * dims):
            cx.fail(f"padding must be a list of {2 * dims} ints, got {pad!r}")
        rank = cx.type(x).rank
        if n not in (1, 2, 3) or rank not in (n + 1, n + 2):
            cx.fail(f"{mode} padding of {n} dims needs a {n + 1}-D or {n + 2}-D input, "
                    f"got {cx.type(x)}")
        low, high = _pad_amounts(cx, x, pad)
        return cx.build("pad", x, low=low, high=high, mode=mode)
    return handler


# -- upsampling ---------------------------------------------------------------

def _upsample_size(cx: NodeContext, x, nd: int, output_size, scales) -> tuple[list, list]:
    """Output size and the scale factors PyTorch's index math uses (None when
    the size was given)."""
    spatial = cx.type(x).shape[-nd:]
    if (output_size is None) == (scales is None):
        cx.fail("exactly one of output_size and scale_factors must be given")
    if output_size is not None:
        return _ints(cx, output_size, "output_size", nd), [None] * nd
    if not isinstance(scales, (list, tuple)) or len(scales) != nd \
            or not all(isinstance(s, (int, float)) for s in scales):
        cx.fail(f"scale_factors must be {nd} compile-time numbers, got {scales!r}")
    if DYN in spatial:  # (the JIT compiles per size)
        raise StaticSizeRequired(f"{cx.node.kind()}: upsampling by a scale factor needs static "
                                 f"spatial dims, got {cx.type(x)}", cx.loc)
    return [math.floor(n * float(s)) for n, s in zip(spatial, scales)], [float(s) for s in scales]


def _upsample(mode: str, nd: int, vec: bool):
    """upsample_{nearest,linear}{1,2}d(.vec): the .vec forms take
    (output_size, [align_corners,] scale_factors), the others
    (output_size, [align_corners,] scales_h, scales_w)."""
    linear = mode == "bilinear"

    def handler(cx: NodeContext, x, output_size, *rest):
        align_corners, rest = (rest[0], rest[1:]) if linear else (False, rest)
        if vec:
            size, scales = _upsample_size(cx, x, nd, output_size, rest[0])
        else:  # the per-dim scales are optional trailing arguments
            size = _ints(cx, output_size, "output_size", nd)
            scales = list(rest[:nd]) + [None] * (nd - len(rest[:nd]))
        xb, inserted = _batched(cx, x, nd, 2, f"upsample_{mode}{nd}d", unbatched=False)
        scales = [None] * (2 - nd) + scales
        y = cx.build("upsample2d", xb, size=_lift(size, 1, nd, 2), mode=mode,
                     align_corners=align_corners, scale_h=scales[0], scale_w=scales[1])
        return _unbatched(cx, y, inserted)
    return handler


# -- batch norm ---------------------------------------------------------------

def _batch_norm(cx: NodeContext, x, weight, bias, running_mean, running_var, training,
                momentum, eps, cudnn_enabled):
    # Without running statistics nn.BatchNorm passes training=True even in eval().
    if running_mean is None or running_var is None:
        cx.fail("batch_norm without running statistics (track_running_stats=False) "
                "is not supported")
    if training:
        cx.fail("batch_norm in training mode is not supported: call model.eval() "
                "before compiling")
    t = cx.type(x)
    if t.rank < 2 or t.shape[1] < 0:
        cx.fail(f"batch_norm needs an input with a static channel dim 1, got {t}")
    if weight is None:
        weight = cx.constant(torch.ones(t.shape[1], dtype=t.dtype))
    if bias is None:
        bias = cx.constant(torch.zeros(t.shape[1], dtype=t.dtype))
    return cx.build("batch_norm", x, weight, bias, running_mean, running_var, eps=eps)


HANDLERS = {
    "aten::conv1d": _conv,
    "aten::conv1d.padding": _conv,
    "aten::conv2d": _conv,
    "aten::conv2d.padding": _conv,
    "aten::conv3d": _conv,
    "aten::conv3d.padding": _conv,
    "aten::conv_transpose1d": _conv_transpose,
    "aten::conv_transpose2d.input": _conv_transpose,
    "aten::conv_transpose3d.input": _conv_transpose,
    "aten::_convolution": _convolution,
    "aten::_convolution.deprecated": _convolution,
    "aten::convolution": _convolution,
    "aten::max_pool1d": _max_pool(1),
    "aten::max_pool2d": _max_pool(2),
    "aten::max_pool3d": _max_pool(3),
    "aten::avg_pool1d": _avg_pool(1),
    "aten::avg_pool2d": _avg_pool(2),
    "aten::avg_pool3d": _avg_pool(3),
    "aten::adaptive_avg_pool1d": _adaptive_avg_pool(1),
    "aten::adaptive_avg_pool2d": _adaptive_avg_pool(2),
    "aten::adaptive_avg_pool3d": _adaptive_avg_pool(3),
    "aten::adaptive_max_pool1d": _adaptive_max_pool(1),
    "aten::adaptive_max_pool2d": _adaptive_max_pool(2),
    "aten::pad": _pad,
    "aten::constant_pad_nd": _constant_pad,
    "aten::reflection_pad1d": _edge_pad("reflect", 1),
    "aten::reflection_pad2d": _edge_pad("reflect", 2),
    "aten::reflection_pad3d": _edge_pad("reflect", 3),
    "aten::replication_pad1d": _edge_pad("replicate", 1),
    "aten::replication_pad2d": _edge_pad("replicate", 2),
    "aten::replication_pad3d": _edge_pad("replicate", 3),
    "aten::upsample_nearest1d.vec": _upsample("nearest", 1, vec=True),
    "aten::upsample_nearest1d": _upsample("nearest", 1, vec=False),
    "aten::upsample_nearest2d.vec": _upsample("nearest", 2, vec=True),
    "aten::upsample_nearest2d": _upsample("nearest", 2, vec=False),
    "aten::_upsample_nearest_exact1d.vec": _upsample("nearest-exact", 1, vec=True),
    "aten::_upsample_nearest_exact2d.vec": _upsample("nearest-exact", 2, vec=True),
    "aten::_upsample_nearest_exact1d": _upsample("nearest-exact", 1, vec=False),
    "aten::_upsample_nearest_exact2d": _upsample("nearest-exact", 2, vec=False),
    "aten::upsample_linear1d.vec": _upsample("bilinear", 1, vec=True),
    "aten::upsample_linear1d": _upsample("bilinear", 1, vec=False),
    "aten::upsample_bilinear2d.vec": _upsample("bilinear", 2, vec=True),
    "aten::upsample_bilinear2d": _upsample("bilinear", 2, vec=False),
    "aten::batch_norm": _batch_norm,
}
