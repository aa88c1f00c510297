"""Batch-1 2-D convolutions whose im2col would not stay in the cache,
computed in chunks of output rows (part of tsm-lower-nn: used by
convolution._conv_as_matmul).

In: x (C, H, W), its low padding, (F, C*KH*KW) filters, a bias, output
sizes (OH, OW), stride and dilation, for which `chunk_rows` gives a chunk.
Out: xp, x zero-padded (once, a copy of the input); an `scf.for` over
chunks of R output rows whose body takes the chunk's input rows of xp (a
static-size slice at a run-time offset), makes their im2col (C*KH*KW,
R*OW), fills the chunk's columns of the (F, OH*OW) output with the bias and
multiplies into them (the packed matmul kernel, B packed from the chunk's
im2col).

Why: the whole im2col of a ResNet stem (7x7 filters, stride 2, 3 channels,
224 x 224) is 147 x 12544 floats, 7.4 MB: written by the im2col copies,
then read back by the matmul kernel's packing of B, both from beyond the
L2 cache.  A chunk's im2col (about CHUNK_BYTES) is still in L2 when the
kernel packs it.
"""
from __future__ import annotations

import math

from mlir import ir
from mlir.dialects import arith, linalg, scf

from . import builders as b
from .chunk_loops import forall_chunks, module_threads
from .im2col import im2col
from .nn_support import affine, collapse, pad

#: The im2col of one chunk, at most (bytes): a quarter of the AVX2 Zen core's
#: 512 KB L2, room for the packed B block and A beside it.
CHUNK_BYTES = 128 << 10
#: Whole im2cols up to this size (bytes) are made in one piece (a ResNet's
#: strided 3x3 convolutions: 0.5-1.8 MB, whose matmuls already run at 80+
#: GFLOP/s on the AVX2 host).
MIN_CHUNKED_BYTES = 4 << 20
#: Positions a chunk has at least (a few panels of the packed kernel's B):
#: a 1.8 MB im2col of 576 x 784 floats (ResNet-18 224's first conv of layer
#: 2) in chunks of one row of 28 positions ran 1.43 -> 1.64 ms, 1 thread.
MIN_CHUNK_COLUMNS = 64


def chunk_rows(c: int, kernel: list[int], outs: list[int], elem: ir.Type) -> int | None:
    """Output rows per chunk (a divisor of OH, the largest whose im2col
    fits CHUNK_BYTES), or None: an im2col under MIN_CHUNKED_BYTES, or
    chunks narrower than MIN_CHUNK_COLUMNS positions."""
    if len(kernel) != 2:
        return None
    row_bytes = c * math.prod(kernel) * outs[1] * b.bitwidth(elem) // 8
    if row_bytes * outs[0] < MIN_CHUNKED_BYTES:
        return None
    rows = max(r for r in range(1, outs[0] + 1)
               if outs[0] % r == 0 and (r == 1 or r * row_bytes <= CHUNK_BYTES))
    return rows if rows * outs[1] >= MIN_CHUNK_COLUMNS else None


def conv_in_row_chunks(x: ir.Value, w2: ir.Value, bias: ir.Value | None, kernel: list[int],
                       outs: list[int], stride: list[int], dilation: list[int], low: list[int],
                       rows: int) -> ir.Value:
    """out (F, OH*OW) = w2 @ im2col(x), `rows` output rows at a time (see
    the module docstring)."""
    c, h, w = b.rtt(x).shape
    f, elem = b.rtt(w2).shape[0], b.rtt(x).element_type
    oh, ow = outs
    used = [(o - 1) * s + (k - 1) * d + 1 for o, s, k, d in zip(outs, stride, kernel, dilation)]
    high = [max(0, u - lo - n) for u, lo, n in zip(used, low, (h, w))]
    xp = pad(x, [0, *low], [0, *high], b.zero(elem))
    in_rows = (rows - 1) * stride[0] + (kernel[0] - 1) * dilation[0] + 1
    width = b.rtt(xp).shape[2]
    cols = rows * ow

    def chunk(first_col: ir.Value, dest: ir.Value) -> ir.Value:
        """dest, the output's columns from first_col (a multiple of cols), computed."""
        first_row = arith.muli(arith.divui(first_col, b.index(cols)), b.index(rows * stride[0]))
        x_rows = b.extract_slice(xp, [0, first_row, 0], [c, in_rows, width], [1, 1, 1])
        col = im2col(x_rows, [0, 0], kernel, [rows, ow], stride, dilation)
        init = linalg.fill(b.zero(elem), outs=[dest]) if bias is None else \
            b.generic([bias], dest, [affine(2, 0), b.identity_map(2)], ["parallel"] * 2,
                      lambda v, _out: v)
        return linalg.matmul(w2, collapse(col, [[0, 1, 2], [3, 4]]), outs=[init])

    out = b.empty([f, oh * ow], elem)
    if module_threads() > 1:
        return forall_chunks(oh * ow, cols, 1, [out],
                             lambda lo, _length, dests: [chunk(lo, dests[0])])[0]
    loop = scf.ForOp(b.index(0), b.index(oh * ow), b.index(cols), [out])
    with ir.InsertionPoint(loop.body):
        first_col = loop.induction_variable
        dest = b.extract_slice(loop.inner_iter_args[0], [0, first_col], [f, cols], [1, 1])
        done = chunk(first_col, dest)
        scf.YieldOp([b.insert_slice(done, loop.inner_iter_args[0], [0, first_col], [f, cols])])
    return loop.results[0]
