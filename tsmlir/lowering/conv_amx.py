"""bfloat16 convolutions on AMX tiles (part of tsm-lower-nn).

In: a tsm.conv2d on bfloat16 tensors, groups 1, static sizes, on a target
with AMX-BF16 whose product the tile kernel takes (`matmul_amx.takes`: a
depth C * KH * KW in whole steps of 32).
Out, per image (convolution._conv_per_image), a bf16 x bf16 -> f32 product
into zeros that tsm-amx-matmul computes on AMX tiles, the bias added as the
product is rounded to bfloat16:
- stride 1, dilation 1, a kernel of several positions, C in whole steps of
  32 (`_conv_shifted`): the filters by position (F, KH*KW*C) times windows
  of the zero-padded image flattened, (C, rows * Wp): kernel position (kh,
  kw) reads it shifted by kh * Wp + kw, so the kernel packs the image once
  (in pairs of channels) and each position's tiles are windows of it; the
  output comes on rows of Wp positions, of which the first OW are kept
  (the form of tsm-lower-direct-conv's f32 convolutions);
- otherwise the im2col of the image (read from x itself, as for float32),
  (C*KH*KW, OH*OW), and one product of the filters (F, C*KH*KW) by it.

Why: the path without AMX converts the image to float32 and runs the
float32 convolution (`half_in_f32`): a 3x3 64 -> 64 convolution on 56 x 56
ran at 2.9x eager, whose oneDNN convolutions use AMX; with the im2col it
materialized 9 copies of the image and packed them again (2.0x eager).
"""
from __future__ import annotations

import math

from mlir import ir
from mlir.dialects import arith, linalg

from . import builders as b
from . import constant_data
from .im2col import im2col
from .matmul_amx import CONV_ATTR, DEPTH, takes
from .nn_support import affine, attrs, collapse, dim_expr, expand, out_sizes, pad, rounded_sum
from .target import target_has_amx_bf16


def applies(op: ir.Operation) -> bool:
    x, w = op.operands[0], op.operands[1]
    if str(b.rtt(x).element_type) != "bf16" or not all(
            b.rtt(v).has_static_shape for v in op.operands) or attrs(op)["groups"] != 1:
        return False
    f, c, *kernel = b.rtt(w).shape
    if len(kernel) != 2 or not takes(f, math.prod(out_sizes(op)[2:]), c * math.prod(kernel)):
        return False
    return target_has_amx_bf16(b.current_module())


def _shifted_pays(c: int, kernel: list[int], stride: list[int], dilation: list[int]) -> bool:
    """A stride-1 convolution with a kernel of more than one position whose
    channels fill whole steps: windows of the packed image instead of an
    im2col (a 1x1 convolution's im2col is the image itself)."""
    return stride == [1, 1] and dilation == [1, 1] and math.prod(kernel) > 1 \
        and c % DEPTH == 0


def _filters_by_position(w: ir.Value) -> ir.Value:
    """(F, C, KH, KW) filters as (F, KH * KW * C): k runs over the kernel
    positions, each position's channels together (constant filters
    rearranged at compile time)."""
    f, c, kh, kw = b.rtt(w).shape
    data = constant_data.array_of(w)
    if data is not None:
        flat = data.transpose(0, 2, 3, 1).reshape(f, kh * kw * c)
        return constant_data.arith_constant(flat, b.rtt(w).element_type, "amx_conv_filters")
    return collapse(b.permuted(w, [0, 2, 3, 1]), [[0], [1, 2, 3]])


def _conv_shifted(x: ir.Value, w: ir.Value, bias: ir.Value | None, outs: list[int],
                  low: list[int], high: list[int]) -> ir.Value:
    """out[f, j] = sum over positions (kh, kw) and channels c of W[f, kh,
    kw, c] * xp[c, j + kh * Wp + kw] on the zero-padded image xp flattened
    (one more row of padding: the last windows run past its end), j over
    OH rows of Wp positions (the last Wp - OW of each row unused); marked
    CONV_ATTR for tsm-amx-matmul, which packs xp once and reads each
    position's tiles as windows of it."""
    f, c, kh, kw = b.rtt(w).shape
    xp = pad(x, [0, 0, *low], [0, 0, high[0] + 1, high[1]], b.zero(b.rtt(x).element_type))
    wp = b.rtt(xp).shape[3]
    image = collapse(xp, [[0, 1], [2, 3]])
    oh, ow = outs
    d = [dim_expr(i) for i in range(5)]  # f, j, kh, kw, c
    maps = [ir.AffineMap.get(5, 0, [d[0], d[2] * (kw * c) + d[3] * c + d[4]]),
            ir.AffineMap.get(5, 0, [d[4], d[1] + d[2] * wp + d[3]]),
            ir.AffineMap.get(5, 0, [d[2], d[3]]),  # the kernel's extent (an unused operand)
            ir.AffineMap.get(5, 0, [d[0], d[1]])]
    f32, elem = ir.F32Type.get(), b.rtt(x).element_type
    window = b.empty([kh, kw], elem)
    product = b.generic([_filters_by_position(w), image, window],
                        b.filled([f, oh * wp], f32, 0.0), maps,
                        ["parallel"] * 2 + ["reduction"] * 3,
                        lambda a, v, _k, acc: arith.addf(acc, arith.mulf(b.convert(a, f32),
                                                                         b.convert(v, f32))))
    product.owner.attributes[CONV_ATTR] = ir.DenseI64ArrayAttr.get([c, kw, wp])
    positions = ir.AffineMap.get(3, 0, [d[0], d[1] * wp + d[2]])  # (f, oh, ow) -> (f, j)
    out = rounded_sum(product, bias, affine(3, 0), elem, product_map=positions,
                      sizes=[f, oh, ow])
    return expand(out, [[0, 1], [2], [3]], [1, f, oh, ow])


def conv_image(x: ir.Value, w: ir.Value, bias: ir.Value | None, sizes: list[int],
               stride: list[int], dilation: list[int], low: list[int], high: list[int]
               ) -> ir.Value:
    """The batch-1 bf16 convolution of x padded by `low` (and `high`, which
    the output sizes imply): windows of the packed image (`_conv_shifted`)
    where they pay, else im2col and one bf16 product into f32."""
    f, c, *kernel = b.rtt(w).shape
    outs = list(sizes[2:])
    if _shifted_pays(c, kernel, stride, dilation):
        return _conv_shifted(x, w, bias, outs, low, high)
    image = collapse(x, [[0, 1], [2], [3]])
    col = collapse(im2col(image, low, kernel, outs, stride, dilation), [[0, 1, 2], [3, 4]])
    filters = collapse(w, [[0], [1, 2, 3]])
    f32 = ir.F32Type.get()
    product = linalg.matmul(filters, col, outs=[b.filled([f, math.prod(outs)], f32, 0.0)])
    out = rounded_sum(product, bias, affine(2, 0), b.rtt(x).element_type)
    return expand(out, [[0, 1], [2, 3]], [1, f, *outs])
