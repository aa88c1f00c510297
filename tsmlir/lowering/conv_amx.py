"""bfloat16 convolutions on AMX tiles (part of tsm-lower-nn).

In: a tsm.conv2d on bfloat16 tensors, groups 1, static sizes, on a target
with AMX-BF16 whose product the tile kernel takes (`matmul_amx.takes`: a
depth C * KH * KW in whole steps of 32).
Out, per image (convolution._conv_per_image): the im2col of the bf16 image
(read from x itself, as for float32), (C*KH*KW, OH*OW), and one bf16 x
bf16 -> f32 linalg.matmul of the filters (F, C*KH*KW) by it into zeros,
which tsm-amx-matmul computes on AMX tiles (the filters read in place as A,
the im2col packed as B); the bias is added as the product is rounded to
bfloat16 (`nn_support.rounded_sum`).

Why: the path without AMX converts the image to float32 and runs the
float32 convolution (`half_in_f32`): a 3x3 64 -> 64 convolution on 56 x 56
ran at 2.9x eager, whose oneDNN convolutions use AMX.
"""
from __future__ import annotations

import math

from mlir import ir
from mlir.dialects import linalg

from . import builders as b
from .im2col import im2col
from .matmul_amx import takes
from .nn_support import affine, attrs, collapse, expand, out_sizes, rounded_sum
from .target import target_has_amx_bf16


def applies(op: ir.Operation) -> bool:
    x, w = op.operands[0], op.operands[1]
    if str(b.rtt(x).element_type) != "bf16" or not all(
            b.rtt(v).has_static_shape for v in op.operands) or attrs(op)["groups"] != 1:
        return False
    f, c, *kernel = b.rtt(w).shape
    if len(kernel) != 2 or not takes(f, math.prod(out_sizes(op)[2:]), c * math.prod(kernel)):
        return False
    module = op
    while module.parent is not None:
        module = module.parent
    return target_has_amx_bf16(module)


def conv_image(x: ir.Value, w: ir.Value, bias: ir.Value | None, sizes: list[int],
               stride: list[int], dilation: list[int], low: list[int], high: list[int]
               ) -> ir.Value:
    """The batch-1 bf16 convolution of x padded by `low` (and `high`, which
    the output sizes imply) as im2col and one bf16 product into f32."""
    f, c, *kernel = b.rtt(w).shape
    outs = list(sizes[2:])
    image = collapse(x, [[0, 1], [2], [3]])
    col = collapse(im2col(image, low, kernel, outs, stride, dilation), [[0, 1, 2], [3, 4]])
    filters = collapse(w, [[0], [1, 2, 3]])
    f32 = ir.F32Type.get()
    product = linalg.matmul(filters, col, outs=[b.filled([f, math.prod(outs)], f32, 0.0)])
    out = rounded_sum(product, bias, affine(2, 0), b.rtt(x).element_type)
    return expand(out, [[0, 1], [2, 3]], [1, f, *outs])
