"""Strided float32 transposed 2-D convolutions as one direct convolution of
their output phases (part of tsm-lower-nn).

In: a conv_transpose2d of static shapes, groups 1, no dilation, float32
input (N, C, H, W) and filters (C, F, KH, KW), constant or not, whose
stride s (per dim) is at least 2 and divides the kernel size (T = K / s).
Out: output row y = s * a + p - pad is in phase p (y + pad mod s); it sums
the taps i = p + s * t (t < T) of input rows a - t, so phase p is a
stride-1 convolution with T taps, flipped, of the input.  Every phase
(p, q) has T_h x T_w taps, so their filters stack along F:
G[(p * s_w + q) * F + f, c, t', u'] = w[c, f, p + s_h (T_h - 1 - t'),
q + s_w (T_w - 1 - u')] (a new constant, or a `linalg.generic` over
run-time filters), and one direct convolution (conv_direct_view: the
direct kernel reading the input's rows in place) of s_h s_w F filters
computes all phases over the union of their positions a (x cropped or
zero-padded to the rows and columns that reads).  Each phase's block of
it, plus the bias, is one `linalg.generic` inserted into the output at
rows r0 + s * a, columns c0 + s * b (a `tensor.insert_slice` with strides
s): the phases tile the output, each element written once, no zero fill.
`lower` returns None (and builds nothing) outside the above or when
`direct_pays` declines the stacked convolution (too shallow: C T_h T_w
below 32, or 1x1 taps).

Why: the batch-1 form (convolution._conv_transpose_as_matmul) multiplies
the (F * KH * KW, C) filters by the (C, H * W) input, a product of depth C
only (64 for a decoder's 4x4 stride-2 layer), then adds KH * KW slabs of
its result into the output's phases and copies them to their strided
places: ConvTranspose2d(64, 32, 4, 2, 1) on 28 x 28 ran at 1.2-1.8x eager
on 1 thread, about half of it the col2im.  Here the multiply-adds run in
the direct kernel at depth C T_h T_w (256) for 4 F filters at once, and
nothing is written twice: 0.74-0.86x eager (docs/cpu-performance.md).
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from mlir import ir

from . import builders as b
from . import constant_data
from .conv_direct import conv_direct_view, direct_pays, with_bias
from .nn_support import affine, collapse, dim_expr, insert_into, slice_of


class _Dim(NamedTuple):
    """One spatial dim: the taps per phase T = K / s; the phase indices a
    computed, [first, first + count) (the union of every phase's); per
    phase p, the first index it keeps, how many, and the output index of
    the first (s * a + p - pad)."""
    taps: int
    first: int
    count: int
    phases: list[tuple[int, int, int]]


def _dim(size: int, out: int, k: int, s: int, pad: int) -> _Dim | None:
    """None unless s >= 2 divides k and every phase has outputs."""
    if s < 2 or k % s:
        return None
    kept = []
    for p in range(s):
        a_min, a_max = math.ceil((pad - p) / s), (pad + out - 1 - p) // s
        if a_max < a_min:
            return None
        kept.append((a_min, a_max - a_min + 1, s * a_min + p - pad))
    first = min(a for a, _, _ in kept)
    last = max(a + n - 1 for a, n, _ in kept)
    return _Dim(k // s, first, last - first + 1,
                [(a - first, n, r0) for a, n, r0 in kept])


def _input_window(x: ir.Value, rows: _Dim, cols: _Dim) -> tuple[ir.Value, list[int]]:
    """x cropped to the rows and columns the phases read (output a reads
    input a - t, t < T; those in the input), and the zero rows and columns
    to add above and to the left."""
    n, c, h, w = b.rtt(x).shape
    starts, sizes, low = [], [], []
    for d, size in ((rows, h), (cols, w)):
        first = d.first - (d.taps - 1)  # the first index read, the last is d.first + count - 1
        lo, hi = max(first, 0), min(d.first + d.count - 1, size - 1)
        starts.append(lo)
        sizes.append(hi - lo + 1)
        low.append(lo - first)
    if starts == [0, 0] and sizes == [h, w]:
        return x, low
    return slice_of(x, [0, 0, *starts], [n, c, *sizes]), low


def _stacked_filters(w: ir.Value, w_data: np.ndarray | None,
                     s: tuple[int, int]) -> tuple[ir.Value, np.ndarray | None]:
    """G[(p * s_w + q) * F + f, c, t', u'] = w[c, f, p + s_h (T_h - 1 - t'),
    q + s_w (T_w - 1 - u')]: each phase's taps, flipped, channels swapped."""
    c, f, kh, kw = b.rtt(w).shape
    (sh, sw), elem = s, b.rtt(w).element_type
    th, tw = kh // sh, kw // sw
    if w_data is not None:
        # w[c, f, p + s t, q + s u] = w6[c, f, t, p, u, q]
        w6 = w_data.reshape(c, f, th, sh, tw, sw)[:, :, ::-1, :, ::-1, :]
        g = constant_data.aligned(w6.transpose(3, 5, 1, 0, 2, 4)).reshape(sh * sw * f, c, th, tw)
        return constant_data.arith_constant(g, elem, "conv_transpose_phases"), g
    # over (p, q, f, c, t', u'), then the phases and filters merged
    d = dim_expr
    source = affine(6, 3, 2, d(0) + d(4) * -sh + sh * (th - 1), d(1) + d(5) * -sw + sw * (tw - 1))
    g = b.generic([w], b.empty([sh, sw, f, c, th, tw], elem), [source, b.identity_map(6)],
                  ["parallel"] * 6, lambda v, _out: v)
    return collapse(g, [[0, 1, 2], [3], [4], [5]]), None


def lower(x: ir.Value, w: ir.Value, bias: ir.Value | None, sizes: list[int],
          a: dict) -> ir.Value | None:
    """The conv_transpose2d of x by w into `sizes` (N, F, OH, OW) by phases,
    or None (nothing built) when it does not apply."""
    xt, wt = b.rtt(x), b.rtt(w)
    if not isinstance(xt.element_type, ir.F32Type) or not xt.has_static_shape \
            or a["groups"] != 1 or list(a["dilation"]) != [1, 1]:
        return None
    n, c, h, width = xt.shape
    _, f, kh, kw = wt.shape
    (sh, sw), (ph, pw) = a["stride"], a["padding"]
    rows, cols = _dim(h, sizes[2], kh, sh, ph), _dim(width, sizes[3], kw, sw, pw)
    w_data = constant_data.array_of(w)
    if rows is None or cols is None or not direct_pays(
            c, sh * sw * f, [rows.taps, cols.taps], [rows.count, cols.count], [1, 1], [1, 1],
            xt.element_type, w_data is not None, n):
        return None
    g, g_data = _stacked_filters(w, w_data, (sh, sw))
    window, low = _input_window(x, rows, cols)
    y = conv_direct_view(window, g, g_data, [rows.count, cols.count], low, [1, 1])
    out = b.empty(sizes, xt.element_type)
    for p, (a0, na, r0) in enumerate(rows.phases):
        for q, (b0, nb, c0) in enumerate(cols.phases):
            phase = slice_of(y, [0, (p * sw + q) * f, a0, b0], [n, f, na, nb])
            out = insert_into(with_bias(phase, bias), out, [0, 0, r0, c0], [1, 1, sh, sw])
    return out
