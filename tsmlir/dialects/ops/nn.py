"""NN ops: convolution (1-3 spatial dims through 2-D/3-D ops, transposed),
pooling, padding, upsampling, grid sampling and inference batch normalization
(NC...).

Spatial attributes are given per dimension ((depth,) height, width); padding
is explicit and may be asymmetric: `[top, left, bottom, right]` (2-D) or
`[front, top, left, back, bottom, right]` (3-D), which is what
`padding='same'` with an even kernel and `ceil_mode` pooling need.  The
importer resolves every PyTorch default and string form (and maps 1-D ops
onto the 2-D ones with a unit height), so these ops carry no implicit values.
A dynamic dim gives a dynamic result dim.
"""
from __future__ import annotations

from functools import partial

import torch

from ..opdef import Attr, OpDef, define
from ..types import DYN, TensorT

_LAYOUTS = {2: "(N, C, H, W)", 3: "(N, C, D, H, W)"}
_AXES = {2: "HW", 3: "DHW"}


def window_output_size(size: int, kernel: int, stride: int, pad_low: int, pad_high: int,
                       dilation: int) -> int:
    """Number of windows of a strided, dilated kernel over a padded dim
    (floor); 0 when the kernel does not fit (never negative: -1 is DYN)."""
    if size == DYN:
        return DYN
    return max(0, (size + pad_low + pad_high - dilation * (kernel - 1) - 1) // stride + 1)


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
    return max(0, out)  # never negative: -1 is DYN


def transposed_output_size(size: int, kernel: int, stride: int, pad: int, output_padding: int,
                           dilation: int) -> int:
    """Output size of a transposed convolution (the input size of the
    convolution it is the gradient of, plus output_padding)."""
    if size == DYN:
        return DYN
    return (size - 1) * stride - 2 * pad + dilation * (kernel - 1) + output_padding + 1


def _check_pairs(nd: int = 2, **lists) -> None:
    """Per-dim attributes: `nd` values (`2 * nd` for padding), each >= 1
    (>= 0 for padding and output_padding)."""
    for name, values in lists.items():
        n = 2 * nd if name == "padding" else nd
        if len(values) != n:
            raise ValueError(f"{name} must have {n} values, got {list(values)}")
        low = 0 if name in ("padding", "output_padding") else 1
        if any(v < low for v in values):
            raise ValueError(f"{name} must be >= {low}, got {list(values)}")


def _check_batched(x: TensorT, what: str = "input", nd: int = 2) -> None:
    if x.rank != nd + 2:
        raise ValueError(f"expects a {nd + 2}-D {_LAYOUTS[nd]} {what}, got {x}")
    if not x.is_float():
        raise TypeError(f"expects a floating-point {what}, got {x}")


def _known(*dims: int) -> bool:
    return all(d != DYN for d in dims)


def _spatial(x: TensorT, sizes: list[int]) -> tuple[int, ...]:
    for axis, s in zip(_AXES[len(sizes)], sizes):
        if s != DYN and s < 1:
            raise ValueError(f"output {axis} would be {s} for input {x}: the input is too small")
    return tuple(sizes)


def _check_weights(x: TensorT, w: TensorT, bias: TensorT | None, filters: int) -> None:
    if w.dtype != x.dtype or (bias is not None and bias.dtype != x.dtype):
        raise TypeError(f"input, weight and bias must have one dtype, got {x}, {w}"
                        + (f", {bias}" if bias else ""))
    if bias is not None and (bias.rank != 1 or (_known(bias.shape[0], filters)
                                                and bias.shape[0] != filters)):
        raise ValueError(f"bias must be 1-D with {filters} elements, got {bias}")
    if not _known(*w.shape[2:]):
        raise ValueError(f"the kernel size must be static, got {w}")


def _conv(x: TensorT, w: TensorT, bias: TensorT | None, *, stride, padding, dilation,
          groups, nd: int) -> list[TensorT]:
    _check_batched(x, nd=nd)
    _check_batched(w, "weight", nd)
    _check_pairs(nd, stride=stride, padding=padding, dilation=dilation)
    f, cg, kernel = w.shape[0], w.shape[1], w.shape[2:]
    if groups < 1 or (f != DYN and f % groups):
        raise ValueError(f"groups={groups} must be >= 1 and divide the {f} filters of {w}")
    if _known(x.shape[1], cg) and x.shape[1] != cg * groups:
        raise ValueError(f"input has {x.shape[1]} channels but weight {w} with groups={groups} "
                         f"expects {cg * groups}")
    _check_weights(x, w, bias, f)
    sizes = [window_output_size(x.shape[2 + i], kernel[i], stride[i], padding[i],
                                padding[nd + i], dilation[i]) for i in range(nd)]
    return [TensorT((x.shape[0], f, *_spatial(x, sizes)), x.dtype)]


def _conv_transpose(x: TensorT, w: TensorT, bias: TensorT | None, *, stride, padding,
                    output_padding, dilation, groups, nd: int) -> list[TensorT]:
    _check_batched(x, nd=nd)
    _check_batched(w, "weight", nd)
    _check_pairs(nd, stride=stride, dilation=dilation, output_padding=output_padding)
    if len(padding) != nd or any(p < 0 for p in padding):
        raise ValueError(f"padding must be {nd} values >= 0, got {list(padding)}")
    if any(o >= max(s, d) for o, s, d in zip(output_padding, stride, dilation)):
        raise ValueError(f"output_padding {list(output_padding)} must be smaller than either "
                         f"stride {list(stride)} or dilation {list(dilation)}")
    c, fg, kernel = w.shape[0], w.shape[1], w.shape[2:]
    if groups < 1 or (c != DYN and c % groups):
        raise ValueError(f"groups={groups} must be >= 1 and divide the {c} input channels "
                         f"of weight {w}")
    if _known(x.shape[1], c) and x.shape[1] != c:
        raise ValueError(f"input has {x.shape[1]} channels but weight {w} expects {c}")
    f = DYN if fg == DYN else fg * groups
    _check_weights(x, w, bias, f)
    sizes = [transposed_output_size(x.shape[2 + i], kernel[i], stride[i], padding[i],
                                    output_padding[i], dilation[i]) for i in range(nd)]
    return [TensorT((x.shape[0], f, *_spatial(x, sizes)), x.dtype)]


def _check_pool_input(x: TensorT, nd: int, float_only: bool = False,
                      also: tuple[torch.dtype, ...] = ()) -> None:
    """Rank nd + 2; floats (and `also`) when float_only, else any number."""
    if x.rank != nd + 2:
        raise ValueError(f"expects a {nd + 2}-D {_LAYOUTS[nd]} input, got {x}")
    if float_only and not x.is_float() and x.dtype not in also:
        allowed = "".join(f" or {str(d).removeprefix('torch.')}" for d in also)
        raise TypeError(f"expects a floating-point{allowed} input, got {x}")
    if x.dtype == torch.bool:
        raise TypeError(f"expects a numeric input, got {x}")


def _check_pool_padding(padding, kernel_size, nd: int) -> None:
    if len(padding) != nd or any(p < 0 or 2 * p > k for p, k in zip(padding, kernel_size)):
        raise ValueError(f"padding {list(padding)} must have {nd} values, each at most half "
                         f"the kernel size {list(kernel_size)}")


def _max_pool(x: TensorT, *, kernel_size, stride, padding, dilation, ceil_mode,
              nd: int) -> list[TensorT]:
    _check_pool_input(x, nd)
    _check_pairs(nd, kernel_size=kernel_size, stride=stride, dilation=dilation)
    _check_pool_padding(padding, kernel_size, nd)
    sizes = [pool_output_size(x.shape[2 + i], kernel_size[i], stride[i], padding[i],
                              dilation[i], ceil_mode) for i in range(nd)]
    return [TensorT((*x.shape[:2], *_spatial(x, sizes)), x.dtype)]


def _avg_pool(x: TensorT, *, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override, nd: int) -> list[TensorT]:
    _check_pool_input(x, nd, float_only=True, also=(torch.int64,))  # as PyTorch's CPU kernel
    _check_pairs(nd, kernel_size=kernel_size, stride=stride)
    _check_pool_padding(padding, kernel_size, nd)
    if divisor_override is not None and divisor_override == 0:
        raise ValueError("divisor_override must be non-zero")
    sizes = [pool_output_size(x.shape[2 + i], kernel_size[i], stride[i], padding[i], 1,
                              ceil_mode) for i in range(nd)]
    return [TensorT((*x.shape[:2], *_spatial(x, sizes)), x.dtype)]


def _adaptive_output(x: TensorT, output_size, nd: int = 2) -> tuple[int, ...]:
    if len(output_size) != nd or any(s < 1 for s in output_size):
        raise ValueError(f"output_size must be {nd} positive sizes, got {list(output_size)}")
    return (*x.shape[:2], *output_size)


def _adaptive_avg_pool(x: TensorT, *, output_size, nd: int) -> list[TensorT]:
    _check_batched(x, nd=nd)
    return [TensorT(_adaptive_output(x, output_size, nd), x.dtype)]


def _adaptive_max_pool2d(x: TensorT, *, output_size) -> list[TensorT]:
    _check_batched(x)
    shape = _adaptive_output(x, output_size)
    return [TensorT(shape, x.dtype), TensorT(shape, torch.int64)]


_PAD_MODES = ("constant", "reflect", "replicate", "circular")


def _pad(x: TensorT, *, low, high, mode, value) -> list[TensorT]:
    if mode not in _PAD_MODES:
        raise ValueError(f"mode must be one of {', '.join(_PAD_MODES)}, got '{mode}'")
    if len(low) != x.rank or len(high) != x.rank:
        raise ValueError(f"low and high must have {x.rank} values (one per dim of {x}), "
                         f"got {list(low)} and {list(high)}")
    shape = []
    for i, (size, lo, hi) in enumerate(zip(x.shape, low, high)):
        if mode != "constant" and (lo < 0 or hi < 0):
            raise ValueError(f"{mode} padding must be >= 0, got {lo}, {hi} on dim {i}")
        if mode == "reflect" and (lo or hi) and size != DYN and max(lo, hi) >= size:
            raise ValueError(f"reflect padding ({lo}, {hi}) must be smaller than the size "
                             f"{size} of dim {i} of {x}")
        if mode == "circular" and size != DYN and max(lo, hi) > size:
            raise ValueError(f"circular padding ({lo}, {hi}) of dim {i} of {x} wraps around "
                             f"more than once (at most the size {size})")
        if mode in ("replicate", "circular") and (lo or hi) and size == 0:
            raise ValueError(f"replicate padding of the empty dim {i} of {x}")
        if size != DYN and size + lo + hi < 0:
            raise ValueError(f"padding ({lo}, {hi}) makes dim {i} of {x} negative: "
                             f"{size + lo + hi}")
        shape.append(DYN if size == DYN else size + lo + hi)
    return [TensorT(tuple(shape), x.dtype)]


_UPSAMPLE_MODES = ("nearest", "nearest-exact", "bilinear")


def _upsample2d(x: TensorT, *, size, mode, align_corners, scale_h, scale_w) -> list[TensorT]:
    # PyTorch resizes floats, and uint8 by nearest sampling.
    _check_pool_input(x, 2, float_only=True, also=() if mode == "bilinear" else (torch.uint8,))
    if mode not in _UPSAMPLE_MODES:
        raise ValueError(f"mode must be one of {', '.join(_UPSAMPLE_MODES)}, got '{mode}'")
    if align_corners and mode != "bilinear":
        raise ValueError("align_corners is only meaningful for bilinear mode")
    if len(size) != 2 or any(s < 1 for s in size):
        raise ValueError(f"size must be 2 positive sizes, got {list(size)}")
    return [TensorT((*x.shape[:2], *size), x.dtype)]


_GRID_MODES, _GRID_PADDINGS = ("bilinear", "nearest"), ("zeros", "border", "reflection")


def _grid_sample(x: TensorT, grid: TensorT, *, mode, padding, align_corners) -> list[TensorT]:
    _check_batched(x)
    if grid.rank != 4 or grid.shape[3] != 2 or grid.dtype != x.dtype:
        raise ValueError(f"expects an (N, H_out, W_out, 2) grid of the input's dtype, got {grid}")
    if _known(x.shape[0], grid.shape[0]) and x.shape[0] != grid.shape[0]:
        raise ValueError(f"input and grid have batch sizes {x.shape[0]} and {grid.shape[0]}")
    if mode not in _GRID_MODES:
        raise ValueError(f"mode must be one of {', '.join(_GRID_MODES)}, got '{mode}'")
    if padding not in _GRID_PADDINGS:
        raise ValueError(f"padding must be one of {', '.join(_GRID_PADDINGS)}, got '{padding}'")
    n = x.shape[0] if x.shape[0] != DYN else grid.shape[0]
    return [TensorT((n, x.shape[1], *grid.shape[1:3]), x.dtype)]


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
_CONV_TRANSPOSE_ATTRS = (Attr("stride", "ints"), Attr("padding", "ints"),
                         Attr("output_padding", "ints"), Attr("dilation", "ints"),
                         Attr("groups", "int", 1))
_AVG_ATTRS = (Attr("kernel_size", "ints"), Attr("stride", "ints"), Attr("padding", "ints"),
              Attr("ceil_mode", "bool", False), Attr("count_include_pad", "bool", True),
              Attr("divisor_override", "int", optional=True))
_POOL_ATTRS = (Attr("kernel_size", "ints"), Attr("stride", "ints"), Attr("padding", "ints"),
               Attr("dilation", "ints"), Attr("ceil_mode", "bool", False))

OPS = define("nn", [
    OpDef("conv2d", ("input", "weight", "bias?"), partial(_conv, nd=2), attrs=_CONV_ATTRS,
          aten=("aten::conv2d(Tensor input, Tensor weight, Tensor? bias=None, SymInt[2] stride=1, "
                "SymInt[2] padding=0, SymInt[2] dilation=1, SymInt groups=1) -> Tensor",
                "aten::conv2d.padding(..., str padding='valid', ...) -> Tensor",
                "aten::conv1d(Tensor input, Tensor weight, Tensor? bias=None, "
                "SymInt[1] stride=1, SymInt[1] padding=0, SymInt[1] dilation=1, "
                "SymInt groups=1) -> Tensor (height 1)",
                "aten::conv1d.padding(..., str padding='valid', ...) -> Tensor (height 1)",
                "aten::_convolution(...) -> Tensor (1-D and 2-D, not transposed)",
                "aten::convolution(...) -> Tensor (1-D and 2-D, not transposed)"),
          doc="Grouped 2-D cross-correlation NCHW x FCHW -> NFHW; padding is "
              "[top, left, bottom, right] zeros; optional per-filter bias."),
    OpDef("conv3d", ("input", "weight", "bias?"), partial(_conv, nd=3), attrs=_CONV_ATTRS,
          aten=("aten::conv3d(Tensor input, Tensor weight, Tensor? bias=None, SymInt[3] stride=1, "
                "SymInt[3] padding=0, SymInt[3] dilation=1, SymInt groups=1) -> Tensor",
                "aten::conv3d.padding(..., str padding='valid', ...) -> Tensor",
                "aten::_convolution(...) -> Tensor (3-D, not transposed)"),
          doc="Grouped 3-D cross-correlation NCDHW x FCDHW -> NFDHW; padding is "
              "[front, top, left, back, bottom, right] zeros; optional per-filter bias."),
    OpDef("conv_transpose2d", ("input", "weight", "bias?"), partial(_conv_transpose, nd=2),
          attrs=_CONV_TRANSPOSE_ATTRS,
          aten=("aten::conv_transpose2d.input(Tensor input, Tensor weight, Tensor? bias=None, "
                "SymInt[2] stride=1, SymInt[2] padding=0, SymInt[2] output_padding=0, "
                "SymInt groups=1, SymInt[2] dilation=1) -> Tensor",
                "aten::conv_transpose1d(...) -> Tensor (height 1)",
                "aten::_convolution(...) -> Tensor (1-D and 2-D, transposed)"),
          doc="Grouped 2-D transposed convolution NCHW x CFHW -> NFHW (the gradient of "
              "conv2d): padding [ph, pw] is removed from both sides of the full output, "
              "output_padding adds rows/columns at the bottom/right."),
    OpDef("conv_transpose3d", ("input", "weight", "bias?"), partial(_conv_transpose, nd=3),
          attrs=_CONV_TRANSPOSE_ATTRS,
          aten=("aten::conv_transpose3d.input(Tensor input, Tensor weight, Tensor? bias=None, "
                "SymInt[3] stride=1, SymInt[3] padding=0, SymInt[3] output_padding=0, "
                "SymInt groups=1, SymInt[3] dilation=1) -> Tensor",
                "aten::_convolution(...) -> Tensor (3-D, transposed)"),
          doc="Grouped 3-D transposed convolution NCDHW x CFDHW -> NFDHW, as conv_transpose2d."),
    OpDef("max_pool2d", ("input",), partial(_max_pool, nd=2), attrs=_POOL_ATTRS,
          aten=("aten::max_pool2d(Tensor self, int[2] kernel_size, int[2] stride=[], "
                "int[2] padding=0, int[2] dilation=1, bool ceil_mode=False) -> Tensor",
                "aten::max_pool1d(Tensor self, int[1] kernel_size, int[1] stride=[], "
                "int[1] padding=0, int[1] dilation=1, bool ceil_mode=False) -> Tensor "
                "(height 1)"),
          doc="2-D max pooling over NCHW; padding (symmetric, per dim) never wins the max."),
    OpDef("max_pool3d", ("input",), partial(_max_pool, nd=3), attrs=_POOL_ATTRS,
          aten=("aten::max_pool3d(Tensor self, int[3] kernel_size, int[3] stride=[], "
                "int[3] padding=0, int[3] dilation=1, bool ceil_mode=False) -> Tensor",),
          doc="3-D max pooling over NCDHW; padding (symmetric, per dim) never wins the max."),
    OpDef("avg_pool2d", ("input",), partial(_avg_pool, nd=2), attrs=_AVG_ATTRS,
          aten=("aten::avg_pool2d(Tensor self, int[2] kernel_size, int[2] stride=[], "
                "int[2] padding=0, bool ceil_mode=False, bool count_include_pad=True, "
                "int? divisor_override=None) -> Tensor",
                "aten::avg_pool1d(Tensor self, int[1] kernel_size, int[1] stride=[], "
                "int[1] padding=0, bool ceil_mode=False, bool count_include_pad=True) -> Tensor "
                "(height 1)"),
          doc="2-D average pooling over NCHW: each window's sum divided by divisor_override, "
              "or by its size clipped to the padded input (count_include_pad) or to the input "
              "(int64: the quotient truncated toward zero)."),
    OpDef("avg_pool3d", ("input",), partial(_avg_pool, nd=3), attrs=_AVG_ATTRS,
          aten=("aten::avg_pool3d(Tensor self, int[3] kernel_size, int[3] stride=[], "
                "int[3] padding=0, bool ceil_mode=False, bool count_include_pad=True, "
                "int? divisor_override=None) -> Tensor",),
          doc="3-D average pooling over NCDHW, divisors as avg_pool2d."),
    OpDef("adaptive_avg_pool2d", ("input",), partial(_adaptive_avg_pool, nd=2),
          attrs=(Attr("output_size", "ints"),),
          aten=("aten::adaptive_avg_pool2d(Tensor self, SymInt[2] output_size) -> Tensor",
                "aten::adaptive_avg_pool1d(Tensor self, int[1] output_size) -> Tensor "
                "(height 1)"),
          doc="2-D average pooling onto a fixed output size; window i of a dim of size "
              "n covers [floor(i*n/out), ceil((i+1)*n/out))."),
    OpDef("adaptive_avg_pool3d", ("input",), partial(_adaptive_avg_pool, nd=3),
          attrs=(Attr("output_size", "ints"),),
          aten=("aten::adaptive_avg_pool3d(Tensor self, SymInt[3] output_size) -> Tensor",),
          doc="3-D average pooling onto a fixed output size (windows as adaptive_avg_pool2d)."),
    OpDef("adaptive_max_pool2d", ("input",), _adaptive_max_pool2d,
          attrs=(Attr("output_size", "ints"),), results=("values", "indices"),
          aten=("aten::adaptive_max_pool2d(Tensor self, int[2] output_size) -> "
                "(Tensor, Tensor)",
                "aten::adaptive_max_pool1d(Tensor self, int[1] output_size) -> "
                "(Tensor, Tensor) (height 1)"),
          doc="2-D max pooling onto a fixed output size (windows as adaptive_avg_pool2d); "
              "indices are the flat h * W + w positions of the first maximum, or of the "
              "last NaN (a NaN always replaces the max)."),
    OpDef("pad", ("input",), _pad,
          attrs=(Attr("low", "ints"), Attr("high", "ints"), Attr("mode", "str", "constant"),
                 Attr("value", "float", 0.0)),
          aten=("aten::pad(Tensor self, SymInt[] pad, str mode='constant', "
                "float? value=None) -> Tensor",
                "aten::constant_pad_nd(Tensor self, SymInt[] pad, Scalar value=0) -> Tensor",
                "aten::reflection_pad1d(Tensor self, SymInt[2] padding) -> Tensor",
                "aten::reflection_pad2d(Tensor self, SymInt[4] padding) -> Tensor",
                "aten::reflection_pad3d(Tensor self, SymInt[6] padding) -> Tensor",
                "aten::replication_pad1d(Tensor self, SymInt[2] padding) -> Tensor",
                "aten::replication_pad2d(Tensor self, SymInt[4] padding) -> Tensor",
                "aten::replication_pad3d(Tensor self, SymInt[6] padding) -> Tensor"),
          doc="Pads dim i by low[i] before and high[i] after: with `value` (constant; a "
              "negative amount crops), the mirror image without the edge (reflect), "
              "copies of the edge (replicate) or the other end (circular)."),
    OpDef("upsample2d", ("input",), _upsample2d,
          attrs=(Attr("size", "ints"), Attr("mode", "str"),
                 Attr("align_corners", "bool", False),
                 Attr("scale_h", "float", optional=True), Attr("scale_w", "float", optional=True)),
          aten=("aten::upsample_nearest2d.vec(Tensor input, SymInt[]? output_size, "
                "float[]? scale_factors) -> Tensor",
                "aten::upsample_nearest2d(Tensor self, SymInt[2] output_size, "
                "float? scales_h=None, float? scales_w=None) -> Tensor",
                "aten::_upsample_nearest_exact2d(.vec)(...) -> Tensor",
                "aten::upsample_nearest1d(.vec)(...) -> Tensor (height 1)",
                "aten::_upsample_nearest_exact1d(.vec)(...) -> Tensor (height 1)",
                "aten::upsample_linear1d(.vec)(...) -> Tensor (height 1)",
                "aten::upsample_bilinear2d.vec(Tensor input, SymInt[]? output_size, "
                "bool align_corners, float[]? scale_factors) -> Tensor",
                "aten::upsample_bilinear2d(Tensor self, SymInt[2] output_size, "
                "bool align_corners, float? scales_h=None, float? scales_w=None) -> Tensor"),
          doc="Resize NCHW to `size` (OH, OW) by nearest or bilinear sampling; scale_h/w, "
              "when given, are the user's scale factors (PyTorch then maps output index "
              "i to input i / scale rather than i * in / out)."),
    OpDef("grid_sample", ("input", "grid"), _grid_sample,
          attrs=(Attr("mode", "str"), Attr("padding", "str"), Attr("align_corners", "bool")),
          aten=("aten::grid_sampler(Tensor input, Tensor grid, int interpolation_mode, "
                "int padding_mode, bool align_corners) -> Tensor (2-D)",
                "aten::grid_sampler_2d(...) -> Tensor"),
          doc="Samples NCHW input at the points of grid (N, H_out, W_out, 2): (x, y) in "
              "[-1, 1] from the left/top edge to the right/bottom one (pixel centres with "
              "align_corners), bilinear (the 4 pixels around the point, weighted by the "
              "opposite areas) or nearest (rounded half to even); pixels outside read 0 "
              "(zeros), or points are clamped to the input (border) or mirrored into it at "
              "its edges (reflection; at the corner pixels' centres with align_corners)."),
    OpDef("batch_norm", ("input", "weight", "bias", "running_mean", "running_var"), _batch_norm,
          attrs=(Attr("eps", "float"),),
          aten=("aten::batch_norm(Tensor input, Tensor? weight, Tensor? bias, "
                "Tensor? running_mean, Tensor? running_var, bool training, float momentum, "
                "float eps, bool cudnn_enabled) -> Tensor (training=False)",),
          doc="Inference batch normalization over dim 1: "
              "(x - mean) / sqrt(var + eps) * weight + bias."),
])
