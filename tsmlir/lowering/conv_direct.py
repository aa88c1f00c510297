"""Stride-1 float32 2-D convolutions computed directly on the padded
input's flat rows: tsm-lower-direct-conv (tsm.conv2d of static shapes, run
before elementwise fusion so that what follows the convolution fuses into
its final copy) and tsm-lower-nn's loop over the images of a dynamic batch
(convolution._conv_as_matmul).  The kernel is conv_direct_codegen's.

In: a convolution of static batch N: its (N, C, H, W) input, its low/high
zero padding, its (F, C, KH, KW) filters (constant or run-time), its bias,
and shapes for which `direct_pays`.
Out:
- xp (N, C, L): the input padded to Wp = W + left + right columns and rows
  enough for every read below (a `tensor.pad` to (N, C, Hq, Wp),
  collapsed): output position (oh, ow) of padded width is flat position p
  = oh * Wp + ow, and its kernel tap (i, j) reads xp[n, c, p + i * Wp + j]
  (p + i * DH * Wp + j * DW with dilations), the same offset for every
  position: a run of positions reads a
  contiguous run of xp, so no im2col and no packing of B;
- wp (S, C, KH, KW, R): the filters in strips of R = the kernel's register
  rows, the R filters of a strip adjacent per tap (zero filters pad F up to
  S * R); a new constant for constant filters, a transpose otherwise;
- out (N, S * R, NP) = one `linalg.generic` (tagged DIRECT_ATTR) over (n,
  f, p, c, i, j) with out[n, f, p] += wp[f floordiv R, c, i, j, f mod R] *
  xp[n, c, p + i * Wp + j], from zero, NP = OH * Wp rounded up to
  PAD_POSITIONS (OW for outputs of one row, 1-D convolutions: no dropped
  positions);
- the result: out's first F rows and OH * Wp positions viewed as (N, F,
  OH, Wp) (the first OW for one row), its first OW columns plus the bias
  (a pointwise `linalg.generic`, which the ReLU or residual add after it
  fuses into).
The ow >= OW positions of each row (Wp - OW of them) are computed and
dropped: 4% of the work at 56 x 56 with 3x3 filters, 14% at 14 x 14.

Why: the kernel-row matmuls (conv_rows) copy the input KW times into an
im2col and the packed matmul kernel copies each block of it once more (its
B packing) before the FMAs; here the kernel's vector loads read xp in
place.  One 3x3 conv + ReLU on Sapphire Rapids, best calls, kernel rows ->
direct (eager): 1 thread, 64 x 56 x 56 2.04 -> 1.65 ms (1.66), 128 x 28 x
28 1.76 -> 1.58 (1.56), 256 x 14 x 14 1.82 -> 1.60 (1.71); 2 threads 1.02
-> 0.84 (0.89), 1.00 -> 0.84 (0.80), 1.08 -> 0.83 (0.89).
"""
from __future__ import annotations

import math

import numpy as np
from mlir import ir
from mlir.dialects import arith

from . import builders as b
from . import constant_data
from .cpu_codegen import matmul_tiles
from .nn_support import affine, attrs, collapse, dim_expr, expand, pad, slice_of
from .passes import pattern_pass

#: Marks the convolution's linalg.generic for tsm-vectorize-direct-conv;
#: its value is [Wp, DH, DW]: the padded row length and the dilations.
DIRECT_ATTR = "tsm.direct_conv"
#: Flat positions are computed in whole register tiles (32 floats with
#: AVX-512, 16 with AVX2): NP is a multiple of both.
PAD_POSITIONS = 32
#: Most computed / real positions taken (7 x 7 outputs: 64 / 49 = 1.31 go
#: to conv_transposed instead).
MAX_WASTE = 1.25
#: Least reduction depth C * KH * KW (the 1-channel stems of small models
#: stay with the im2col).
MIN_DEPTH = 32
#: Least filters (fewer: most of a strip of 8 would be zero filters).
MIN_FILTERS = 8
#: 1x1 convolutions with fewer filters than this take the direct form: the
#: matmul path packs all of the (C, H * W) input on every call (its B), and
#: with F / 8 row strips to use each packed float that copy costs about
#: 19 / F of the products.  Measured, 1 thread, tsmlir / eager, matmul ->
#: direct: 96 -> 40 at 28 x 28 2.52 -> 1.40, 144 -> 24 at 56 x 56 1.86 ->
#: 1.12, 240 -> 80 at 14 x 14 2.21 -> 1.15, 256 -> 64 at 56 x 56 1.47 ->
#: 1.08; from 128 filters the packing pays (64 -> 256 at 56 x 56 1.05 ->
#: 1.20, 512 -> 128 at 28 x 28 1.51 -> 1.64).
MAX_POINTWISE_FILTERS = 128
#: Least output positions for run-time filters, which are repacked on
#: every call (a cost of F * C * KH * KW moves against that many FMAs per
#: position).
MIN_POSITIONS_RUNTIME = 28 * 28


def register_rows() -> int:
    """R: the rows of the kernel's register tile (matmul_tiles' rows: 8
    with AVX-512, 6 with AVX2) for the target of the module being built."""
    return matmul_tiles(b.current_module()).registers[0]


def _positions(oh: int, ow: int, wp: int) -> int:
    """NP: the flat positions computed, whole tiles; one output row (a 1-D
    convolution's) needs no padded row length, only its OW positions."""
    return math.ceil((ow if oh == 1 else oh * wp) / PAD_POSITIONS) * PAD_POSITIONS


def direct_pays(c: int, f: int, kernel: list[int], outs: list[int], stride: list[int],
                dilation: list[int], elem: ir.Type, constant_filters: bool,
                images: int = 1) -> bool:
    """Whether the direct form applies (f32, 2-D, stride 1, a kernel wider
    than 1 x 1 or fewer than MAX_POINTWISE_FILTERS filters, enough depth and
    filters; run-time filters, packed on every call, for `images` x the
    outputs of one of at least MIN_POSITIONS_RUNTIME) and wastes little:
    dropped positions times zero filters (F padded to whole strips) at most
    MAX_WASTE."""
    if len(kernel) != 2 or not isinstance(elem, ir.F32Type) or list(stride) != [1, 1]:
        return False
    if math.prod(kernel) == 1 and f >= MAX_POINTWISE_FILTERS:
        return False
    if c * math.prod(kernel) < MIN_DEPTH or f < MIN_FILTERS:
        return False
    oh, ow = outs
    if not constant_filters and images * oh * ow < MIN_POSITIONS_RUNTIME:
        return False
    rows = register_rows()
    wp = ow + (kernel[1] - 1) * dilation[1]
    waste = _positions(oh, ow, wp) / (oh * ow) * (math.ceil(f / rows) * rows / f)
    return waste <= MAX_WASTE


def conv_direct(x: ir.Value, w: ir.Value, w_data: np.ndarray | None, bias: ir.Value | None,
                outs: list[int], low: list[int], dilation: list[int]) -> ir.Value:
    """The (N, F, OH, OW) convolution of x (N, C, H, W) padded by `low`
    (top, left; bottom and right follow from the output size) (see the
    module docstring), N static, taps `dilation` apart; `w_data`: the
    filters' values when constant."""
    return with_bias(conv_direct_view(x, w, w_data, outs, low, dilation), bias)


def with_bias(view: ir.Value, bias: ir.Value | None) -> ir.Value:
    """A (N, F, OH, OW) view of the convolution's rows, plus the bias (F), as
    a new tensor: the pointwise `linalg.generic` that what follows fuses into
    (or that is written in place into a slice of a bigger result)."""
    t = b.rtt(view)
    init = b.empty(list(t.shape), t.element_type)
    if bias is None:
        return b.generic([view], init, [b.identity_map(4)] * 2, ["parallel"] * 4,
                         lambda v, _out: v)
    return b.generic([view, bias], init, [b.identity_map(4), affine(4, 1), b.identity_map(4)],
                     ["parallel"] * 4, lambda v, bv, _out: arith.addf(v, bv))


def conv_direct_view(x: ir.Value, w: ir.Value, w_data: np.ndarray | None, outs: list[int],
                     low: list[int], dilation: list[int]) -> ir.Value:
    """conv_direct without the bias and the final copy: a (N, F, OH, OW)
    view of the convolution generic's result (its rows are Wp apart)."""
    f, c, kh, kw = b.rtt(w).shape
    n, _, h, width = b.rtt(x).shape
    oh, ow = outs
    elem = b.rtt(x).element_type
    rows = register_rows()
    strips = math.ceil(f / rows)
    dh, dw = dilation
    wp = ow + (kw - 1) * dw
    positions = _positions(oh, ow, wp)
    reach = positions + (kh - 1) * dh * wp + (kw - 1) * dw  # one past the last element read
    hq = math.ceil(reach / wp)
    xp = collapse(pad(x, [0, 0, low[0], low[1]], [0, 0, hq - h - low[0], wp - width - low[1]],
                      b.zero(elem)), [[0], [1], [2, 3]])
    packed = _packed_filters(w, w_data, rows, strips, elem)
    init = b.filled([n, strips * rows, positions], elem, 0)
    out = b.generic([packed, xp], init, direct_maps(rows, wp, dh, dw),
                    ["parallel"] * 3 + ["reduction"] * 3,
                    lambda a, v, acc: arith.addf(acc, arith.mulf(a, v)))
    out.owner.attributes[DIRECT_ATTR] = ir.DenseI64ArrayAttr.get([wp, dh, dw])
    if oh == 1:
        return expand(slice_of(out, [0, 0, 0], [n, f, ow]), [[0], [1], [2, 3]], [n, f, 1, ow])
    rows_view = expand(slice_of(out, [0, 0, 0], [n, f, oh * wp]), [[0], [1], [2, 3]],
                       [n, f, oh, wp])
    return slice_of(rows_view, [0, 0, 0, 0], [n, f, oh, ow])


def _packed_filters(w: ir.Value, w_data: np.ndarray | None, rows: int, strips: int,
                    elem: ir.Type) -> ir.Value:
    """(S, C, KH, KW, R): filter s * R + r at [s, :, :, :, r], zeros past F."""
    f, c, kh, kw = b.rtt(w).shape
    if w_data is not None:
        padded = np.zeros((strips * rows, c, kh, kw), np.float32)
        padded[:f] = w_data
        packed = padded.reshape(strips, rows, c, kh, kw).transpose(0, 2, 3, 4, 1)
        return constant_data.arith_constant(packed, elem, "conv_direct_filters")
    wpad = pad(w, [0, 0, 0, 0], [strips * rows - f, 0, 0, 0], b.zero(elem))
    # a linalg.transpose, not a generic: elementwise fusion would merge a
    # generic into the convolution's (which would then read w unpacked)
    return b.permuted(expand(wpad, [[0, 1], [2], [3], [4]], [strips, rows, c, kh, kw]),
                      [0, 2, 3, 4, 1])


def direct_maps(rows: int, wp: int, dh: int, dw: int) -> list[ir.AffineMap]:
    """The convolution generic's indexing maps over (n, f, p, c, i, j)."""
    d, r = dim_expr, ir.AffineConstantExpr.get(rows)
    return [affine(6, ir.AffineFloorDivExpr.get(d(1), r), 3, 4, 5, ir.AffineModExpr.get(d(1), r)),
            affine(6, 0, 3, d(2) + d(4) * (dh * wp) + d(5) * dw),
            affine(6, 0, 1, 2)]


def lower_conv2d_direct(op: ir.Operation) -> ir.Value | None:
    """A tsm.conv2d of static shapes (groups 1) for which `direct_pays`,
    else None (tsm-lower-nn lowers it; it takes this form too inside its
    loop over the images of a dynamic batch)."""
    x, w = op.operands[0], op.operands[1]
    bias = op.operands[2] if len(op.operands) > 2 else None
    a, t, wt = attrs(op), b.rtt(x), b.rtt(w)
    # nothing is built before deciding: a pattern that declines leaves the IR as it was
    if a["groups"] != 1 or not t.has_static_shape or not wt.has_static_shape:
        return None
    top, left = a["padding"][:2]
    filters = constant_data.array_of(w)
    f, c, kh, kw = wt.shape
    outs = b.rtt(op.results[0]).shape[2:]
    if not direct_pays(c, f, [kh, kw], outs, a["stride"], a["dilation"], t.element_type,
                       filters is not None, t.shape[0]):
        return None
    return conv_direct(x, w, filters, bias, outs, [top, left], a["dilation"])


pattern_pass("tsm-lower-direct-conv",
             "Stride-1 f32 conv2d of static shapes computed on the padded input's flat rows "
             "(before elementwise fusion: the bias, ReLU and residual fuse into its final copy)",
             {"tsm.conv2d": lower_conv2d_direct})
