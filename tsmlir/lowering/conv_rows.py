"""Batch-1 2-D convolutions of row stride 1 with constant filters as one
matmul per kernel row (part of tsm-lower-nn), and tsm-conv-rows-erase-offsets.

conv_by_kernel_rows.  In: a (C, H, W) input and its low padding, constant
(F, C, KH, KW) filters (their data: see constant_data), row stride 1, and shapes for
which `kernel_rows_pay`.
Out: an im2col over the kernel columns only, col[c, j, r, o] = xp[c, r,
o*sw + j*dw] (xp: the padded input, never built) for every input row r that some output reads, viewed as (C*KW,
rows*OW); kernel row i of every output position reads the contiguous column
range [i*dh*OW, i*dh*OW + OH*OW) of that view, so each kernel row is one
`linalg.matmul` (tagged ROWS_ATTR) of new (F, C*KW) filters W_i[f, (c, j)] =
w[f, c, i, j] by a strided view (no copy), accumulating into the bias (then
the previous row's product).  The im2col writes KW/(KH*KW) of what a full
one writes (a third, for 3x3): ResNet-18 224 copies ~40 MB less per call,
and the matmuls' packing reads as much less.

tsm-conv-rows-erase-offsets.  In: bufferized IR with tagged matmuls, before
the matmul kernels are chosen.  Out: their B views cast to a dynamic offset
(and the tag gone), so that the kernel rows of one convolution, whose views
differ only in their static offset, share the matmul kernel functions
(generated per operand type): less code for LLVM to compile.
"""
from __future__ import annotations

import math

import numpy as np
from mlir import ir
from mlir.dialects import linalg, memref

from . import builders as b
from . import constant_data
from .im2col import im2col
from .ir_walk import collect
from .nn_support import accumulator, affine, collapse, expand
from .passes import register

#: Marks the kernel-row matmuls for tsm-conv-rows-erase-offsets.
ROWS_ATTR = "tsm.conv_rows"
#: The k block of the packed matmul kernel (matmul_codegen): each block
#: reads and writes the whole C tile once more.
K_BLOCK = 256


def kernel_rows_pay(c: int, f: int, kh: int, kw: int) -> bool:
    """Whether KH matmuls of depth C*KW beat one of depth C*KH*KW: per
    output position, the smaller im2col saves C*KW*(KH-1) floats (written,
    then read by the packing), the extra k blocks cost F each (C read and
    written again): ResNet's 3x3 convs of 64+ channels gain, a 7x7 stem
    on 3 channels (7 blocks of depth 21 instead of one) would lose."""
    extra_blocks = kh * math.ceil(c * kw / K_BLOCK) - math.ceil(c * kh * kw / K_BLOCK)
    return kh > 1 and c * kw * (kh - 1) > extra_blocks * f


def conv_by_kernel_rows(x: ir.Value, w: np.ndarray | ir.Value, bias: ir.Value | None,
                        sizes: list[int], stride: list[int], dilation: list[int],
                        low: list[int]) -> ir.Value:
    """Batch-1 2-D convolution of row stride 1 of x (C, H, W) padded by
    `low` (top, left; zeros), as one matmul per kernel row on a 3x smaller
    im2col: col[c, j, r, o] = xp[c, r, o*sw + j*dw] for every padded input
    row r the output reads (R = OH + (KH-1) * dh rows), viewed as (C*KW,
    R*OW), read from x itself (see im2col: a kernel of height 1 over R
    rows); kernel row i reads the output positions' inputs at rows o_h +
    i*dh, which is the contiguous column range [i*dh*OW, i*dh*OW + OH*OW) of
    that view (a strided view, no copy).  out (F, OH*OW) = sum_i W_i @
    col[:, i*dh*OW:][:, :OH*OW], starting from the bias, with W_i[f, (c, j)]
    = w[f, c, i, j] (a new constant; for run-time filters, row i of one
    (KH, F, C*KW) copy of w permuted)."""
    f, c, kh, kw = w.shape if isinstance(w, np.ndarray) else b.rtt(w).shape
    oh, ow = sizes[2:]
    (_, sw), (dh, dw) = stride, dilation
    elem = b.rtt(x).element_type
    rows = oh + (kh - 1) * dh
    col = im2col(x, low, [1, kw], [rows, ow], [1, sw], [1, dw])  # (C, 1, KW, R, OW)
    col2 = collapse(col, [[0, 1, 2], [3, 4]])
    out = accumulator(bias, [f, oh * ow], elem, affine(2, 0))
    for i, w_i in enumerate(_kernel_rows(w, elem)):
        taps = b.extract_slice(col2, [0, i * dh * ow], [c * kw, oh * ow], [1, 1])
        out = linalg.matmul(w_i, taps, outs=[out])
        out.owner.attributes[ROWS_ATTR] = ir.UnitAttr.get()
    return expand(out, [[0, 1], [2, 3]], [1, f, oh, ow])


def _kernel_rows(w: np.ndarray | ir.Value, elem: ir.Type) -> list[ir.Value]:
    """W_i (F, C*KW) for each kernel row i: W_i[f, (c, j)] = w[f, c, i, j];
    new constants for constant filters, else slices of one copy of w
    permuted to (KH, F, C, KW) (F*C*KH*KW floats per call: 37K, ~30 us,
    for 64 -> 64 channels, next to the convolution's ~3 ms)."""
    if isinstance(w, np.ndarray):
        f, c, kh, kw = w.shape
        # one copy, aligned (each row then too where F * C * KW floats are 64 bytes' multiple)
        per_row = constant_data.aligned(np.transpose(w, (2, 0, 1, 3))).reshape(kh, f, c * kw)
        return [constant_data.arith_constant(row, elem, "conv_kernel_row") for row in per_row]
    f, c, kh, kw = b.rtt(w).shape
    rows = collapse(b.permuted(w, [2, 0, 1, 3]), [[0], [1], [2, 3]])
    return [b.extract_slice(rows, [i, 0, 0], [1, f, c * kw], [1, 1, 1], drop=[0])
            for i in range(kh)]


def _dynamic_offset(t: ir.MemRefType) -> ir.MemRefType:
    strides, _ = t.get_strides_and_offset()
    layout = ir.StridedLayoutAttr.get(ir.ShapedType.get_dynamic_stride_or_offset(), strides)
    return ir.MemRefType.get(t.shape, t.element_type, layout, t.memory_space)


@register("tsm-conv-rows-erase-offsets",
          "Kernel-row matmuls of a convolution read their B view at a dynamic offset")
def erase_offsets(module_op: ir.Operation) -> None:
    for op in collect(module_op, lambda o: o.name == "linalg.matmul" and ROWS_ATTR in o.attributes):
        del op.attributes[ROWS_ATTR]
        view = op.operands[1]
        if op.results or not isinstance(view.type, ir.MemRefType):
            continue
        t = ir.MemRefType(view.type)
        if not isinstance(t.layout, ir.StridedLayoutAttr):
            continue  # an identity layout: no offset to erase
        with ir.InsertionPoint(op), op.location:
            op.operands[1] = memref.cast(_dynamic_offset(t), view)
