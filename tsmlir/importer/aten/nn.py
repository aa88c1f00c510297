"""aten convolution, pooling and batch-norm ops -> tsm.conv2d/max_pool2d/
adaptive_avg_pool2d/batch_norm.

Every PyTorch default and string form is resolved here (an int for a pair,
`stride=[]` meaning the kernel size, `padding='same'`, absent affine weights),
so the tsm ops carry explicit values.  Only 2-D, non-transposed convolution
and inference-mode batch norm are supported; the rest fails at the user's line.
"""
from __future__ import annotations

import torch

from ..context import NodeContext


def _pair(cx: NodeContext, value, name: str) -> list[int]:
    """`int[2]` arguments: TorchScript passes an int or a list of one or two."""
    if isinstance(value, int):
        return [value, value]
    if isinstance(value, (list, tuple)) and len(value) in (1, 2) \
            and all(isinstance(v, int) for v in value):
        return list(value) * (2 // len(value))
    cx.fail(f"{name} must be an int or a list of 2 compile-time ints, got {value!r}")


def _conv(cx: NodeContext, x, weight, bias, stride, padding, dilation, groups):
    """padding: [ph, pw] (symmetric) or 'same' / 'valid'."""
    stride, dilation = _pair(cx, stride, "stride"), _pair(cx, dilation, "dilation")
    if padding == "valid":
        padding = [0, 0, 0, 0]
    elif padding == "same":
        if stride != [1, 1]:
            cx.fail("padding='same' is not supported for strided convolutions")
        kernel = cx.type(weight).shape[2:]
        total = [d * (k - 1) for d, k in zip(dilation, kernel)]
        # PyTorch puts the odd extra row/column at the bottom/right.
        padding = [t // 2 for t in total] + [t - t // 2 for t in total]
    elif isinstance(padding, str):
        cx.fail(f"padding must be 'same', 'valid' or ints, got '{padding}'")
    else:
        padding = _pair(cx, padding, "padding") * 2
    if cx.type(x).rank != 4:
        cx.fail(f"only batched 4-D (N, C, H, W) input is supported, got {cx.type(x)}")
    return cx.build("conv2d", x, weight, bias, stride=stride, padding=padding,
                    dilation=dilation, groups=groups)


def _convolution(cx: NodeContext, x, weight, bias, stride, padding, dilation, transposed,
                 output_padding, groups, *_backend_flags):
    """aten::_convolution / aten::convolution: what torch.jit.trace records."""
    if transposed:
        cx.fail("transposed convolution is not supported")
    if cx.type(weight).rank != 4:
        cx.fail(f"only 2-D convolution is supported, got a weight of rank "
                f"{cx.type(weight).rank}")
    return _conv(cx, x, weight, bias, stride, padding, dilation, groups)


def _max_pool2d(cx: NodeContext, x, kernel_size, stride, padding, dilation, ceil_mode):
    kernel = _pair(cx, kernel_size, "kernel_size")
    return cx.build("max_pool2d", x, kernel_size=kernel,
                    stride=_pair(cx, stride, "stride") if stride else kernel,
                    padding=_pair(cx, padding, "padding"),
                    dilation=_pair(cx, dilation, "dilation"), ceil_mode=ceil_mode)


def _adaptive_avg_pool2d(cx: NodeContext, x, output_size):
    return cx.build("adaptive_avg_pool2d", x,
                    output_size=_pair(cx, output_size, "output_size"))


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
    "aten::conv2d": _conv,
    "aten::conv2d.padding": _conv,
    "aten::_convolution": _convolution,
    "aten::_convolution.deprecated": _convolution,
    "aten::convolution": _convolution,
    "aten::max_pool2d": _max_pool2d,
    "aten::adaptive_avg_pool2d": _adaptive_avg_pool2d,
    "aten::batch_norm": _batch_norm,
}
