"""NN ops: 2-D convolution, pooling and inference batch normalization (NCHW).

Spatial attributes are given per dimension (height, width); padding is
explicit and may be asymmetric: `[top, left, bottom, right]`, which is what
`padding='same'` with an even kernel and `ceil_mode` pooling need.  The
importer resolves every PyTorch default and string form, so these ops carry
no implicit values.  A dynamic dim gives a dynamic result dim.
"""
from __future__ import annotations

import torch

from ..opdef import Attr, OpDef, define
from ..types import DYN, TensorT


def window_output_size(size: int, kernel: int, stride: int, pad_low: int, pad_high: int,
                       dilation: int) -> int:
    """Number of windows of a strided, dilated kernel over a padded dim (floor)."""
    if size == DYN:
        return DYN
    return (size + pad_low + pad_high - dilation * (kernel - 1) - 1) // stride + 1


def pool_output_size(size: int, kernel: int, stride: int, pad: int, dilation: int,
                     ceil_mode: bool) -> int:
    """PyTorch's pooling_output_shape: with ceil_mode a last, partial window
    counts only if it starts inside the input or its left padding."""
    if size == DYN:
        return DYN
    span = size + 2 * pad - dilation * (kernel - 1) - 1
    out = -(-span // stride) + 1 if ceil_mode else span // stride + 1
    if ceil_mode and (out - 1) * stride >= size + pad:
        out -= 1
    return out


def _check_pairs(**lists) -> None:
    for name, values in lists.items():
        n = 4 if name == "padding" else 2
        if len(values) != n:
            raise ValueError(f"{name} must have {n} values, got {list(values)}")
        low = 0 if name == "padding" else 1
        if any(v < low for v in values):
            raise ValueError(f"{name} must be >= {low}, got {list(values)}")


def _check_nchw(x: TensorT, what: str = "input") -> None:
    if x.rank != 4:
        raise ValueError(f"expects a 4-D (N, C, H, W) {what}, got {x}")
    if not x.is_float():
        raise TypeError(f"expects a floating-point {what}, got {x}")


def _known(*dims: int) -> bool:
    return all(d != DYN for d in dims)


def _spatial(x: TensorT, sizes: list[int]) -> tuple[int, ...]:
    for axis, s in zip("HW", sizes):
        if s != DYN and s < 1:
            raise ValueError(f"output {axis} would be {s} for input {x}: the input is too small")
    return tuple(sizes)


def _conv2d(x: TensorT, w: TensorT, bias: TensorT | None, *, stride, padding, dilation,
            groups) -> list[TensorT]:
    _check_nchw(x)
    _check_nchw(w, "weight")
    _check_pairs(stride=stride, padding=padding, dilation=dilation)
    if w.dtype != x.dtype or (bias is not None and bias.dtype != x.dtype):
        raise TypeError(f"input, weight and bias must have one dtype, got {x}, {w}"
                        + (f", {bias}" if bias else ""))
    f, cg, kh, kw = w.shape
    if groups < 1 or (f != DYN and f % groups):
        raise ValueError(f"groups={groups} must be >= 1 and divide the {f} filters of {w}")
    if _known(x.shape[1], cg) and x.shape[1] != cg * groups:
        raise ValueError(f"input has {x.shape[1]} channels but weight {w} with groups={groups} "
                         f"expects {cg * groups}")
    if bias is not None and (bias.rank != 1 or (_known(bias.shape[0], f) and bias.shape[0] != f)):
        raise ValueError(f"bias must be 1-D with {f} elements, got {bias}")
    if not _known(kh, kw):
        raise ValueError(f"the kernel size must be static, got {w}")
    sizes = [window_output_size(x.shape[2 + i], (kh, kw)[i], stride[i], padding[i],
                                padding[2 + i], dilation[i]) for i in range(2)]
    return [TensorT((x.shape[0], f, *_spatial(x, sizes)), x.dtype)]


def _max_pool2d(x: TensorT, *, kernel_size, stride, padding, dilation,
                ceil_mode) -> list[TensorT]:
    if x.rank != 4:
        raise ValueError(f"expects a 4-D (N, C, H, W) input, got {x}")
    if x.dtype == torch.bool:
        raise TypeError(f"expects a numeric input, got {x}")
    _check_pairs(kernel_size=kernel_size, stride=stride, dilation=dilation)
    if len(padding) != 2 or any(p < 0 or 2 * p > k for p, k in zip(padding, kernel_size)):
        raise ValueError(f"padding {list(padding)} must have 2 values, each at most half "
                         f"the kernel size {list(kernel_size)}")
    sizes = [pool_output_size(x.shape[2 + i], kernel_size[i], stride[i], padding[i],
                              dilation[i], ceil_mode) for i in range(2)]
    return [TensorT((*x.shape[:2], *_spatial(x, sizes)), x.dtype)]


def _adaptive_avg_pool2d(x: TensorT, *, output_size) -> list[TensorT]:
    _check_nchw(x)
    if len(output_size) != 2 or any(s < 1 for s in output_size):
        raise ValueError(f"output_size must be 2 positive sizes, got {list(output_size)}")
    return [TensorT((*x.shape[:2], *output_size), x.dtype)]


def _batch_norm(x: TensorT, weight: TensorT, bias: TensorT, mean: TensorT, var: TensorT, *,
                eps) -> list[TensorT]:
    if x.rank < 2 or not x.is_float():
        raise ValueError(f"expects a floating-point input of rank >= 2 (N, C, ...), got {x}")
    c = x.shape[1]
    for name, t in (("weight", weight), ("bias", bias), ("running_mean", mean),
                    ("running_var", var)):
        if t.rank != 1 or (_known(c, t.shape[0]) and t.shape[0] != c) or t.dtype != x.dtype:
            raise ValueError(f"{name} must be a 1-D {x.dtype} tensor of {c} channels, got {t}")
    if eps <= 0:
        raise ValueError(f"eps must be positive, got {eps}")
    return [x]


_CONV_ATTRS = (Attr("stride", "ints"), Attr("padding", "ints"), Attr("dilation", "ints"),
               Attr("groups", "int", 1))

OPS = define("nn", [
    OpDef("conv2d", ("input", "weight", "bias?"), _conv2d, attrs=_CONV_ATTRS,
          aten=("aten::conv2d(Tensor input, Tensor weight, Tensor? bias=None, SymInt[2] stride=1, "
                "SymInt[2] padding=0, SymInt[2] dilation=1, SymInt groups=1) -> Tensor",
                "aten::conv2d.padding(..., str padding='valid', ...) -> Tensor",
                "aten::_convolution(...) -> Tensor (2-D, not transposed)",
                "aten::convolution(...) -> Tensor (2-D, not transposed)"),
          doc="Grouped 2-D cross-correlation NCHW x FCHW -> NFHW; padding is "
              "[top, left, bottom, right] zeros; optional per-filter bias."),
    OpDef("max_pool2d", ("input",), _max_pool2d,
          attrs=(Attr("kernel_size", "ints"), Attr("stride", "ints"), Attr("padding", "ints"),
                 Attr("dilation", "ints"), Attr("ceil_mode", "bool", False)),
          aten=("aten::max_pool2d(Tensor self, int[2] kernel_size, int[2] stride=[], "
                "int[2] padding=0, int[2] dilation=1, bool ceil_mode=False) -> Tensor",),
          doc="2-D max pooling over NCHW; padding (symmetric, per dim) never wins the max."),
    OpDef("adaptive_avg_pool2d", ("input",), _adaptive_avg_pool2d,
          attrs=(Attr("output_size", "ints"),),
          aten=("aten::adaptive_avg_pool2d(Tensor self, SymInt[2] output_size) -> Tensor",),
          doc="2-D average pooling onto a fixed output size; window i of a dim of size "
              "n covers [floor(i*n/out), ceil((i+1)*n/out))."),
    OpDef("batch_norm", ("input", "weight", "bias", "running_mean", "running_var"), _batch_norm,
          attrs=(Attr("eps", "float"),),
          aten=("aten::batch_norm(Tensor input, Tensor? weight, Tensor? bias, "
                "Tensor? running_mean, Tensor? running_var, bool training, float momentum, "
                "float eps, bool cudnn_enabled) -> Tensor (training=False)",),
          doc="Inference batch normalization over dim 1: "
              "(x - mean) / sqrt(var + eps) * weight + bias."),
])
