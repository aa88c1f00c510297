"""Batch-1 float32 convolutions with constant filters and few output
positions as the transposed product (part of tsm-lower-nn).

In: the im2col view col (C*prod(K), N) of a batch-1 convolution (see
convolution._conv_as_matmul), its constant (F, C, K...) filters (their data:
see constant_data), its bias, and shapes for which `transposed_pays`.
Out: out^T (N, F) = col^T (N, C*prod(K)) @ Wt (C*prod(K), F), starting from
the bias broadcast along the columns, where col^T is a transposing
`linalg.generic` of col and Wt a NEW constant holding the transposed filter
data; the result is transposed back to (1, F, O...) by a second
`linalg.generic` (that elementwise fusion merges with a following ReLU or
residual add).

Why: the packed matmul kernel (matmul_codegen) runs over 16-lane panels of
B's columns.  The direct form W (F, CK) @ col (CK, N) pads N columns to a
multiple of 16: ResNet's layer4 (N = 7 * 7 = 49) computes 64 columns, a
quarter of them waste, and packs col's panels on every call.  Transposed,
the panels run along F (a multiple of 16: no waste) over a constant B that
the kernel packs once (its prepack), and only the N rows of col^T, which the
kernel does not pad, vary per call.  The two transposes are small (C*K*N and
F*N floats).
"""
from __future__ import annotations

import itertools
import math

import numpy as np
from mlir import ir
from mlir.dialects import linalg, tensor

from . import builders as b
from . import constant_data
from .nn_support import accumulator, affine, collapse, expand

#: The kernel's panel width (lanes of B's columns).
LANES = 16
#: Fewer positions run on the narrow matmul kernel (matmul_narrow), which
#: does not pad them.
MIN_POSITIONS = 13
#: The padded / real column ratio from which the transposed form pays.
MIN_WASTE = 1.2


def _waste(n: int) -> float:
    return math.ceil(n / LANES) * LANES / n


def transposed_pays(positions: int, filters: int, elem: ir.Type) -> bool:
    """Whether the direct form's panels waste enough columns (N = output
    positions) and the transposed one's (F = filters) none."""
    return isinstance(elem, ir.F32Type) and positions >= MIN_POSITIONS \
        and _waste(positions) >= MIN_WASTE and filters % LANES == 0


def _channels_last(xp: ir.Value) -> ir.Value:
    """xp (1, C, S...) as (S..., C): a copying linalg.generic (the padded
    input: 1/prod(K) of the im2col's size)."""
    _, c, *spatial = b.rtt(xp).shape
    nd = len(spatial)
    return b.generic([xp], b.empty([*spatial, c], b.rtt(xp).element_type),
                     [affine(nd + 1, ir.AffineConstantExpr.get(0), nd, *range(nd)),
                      b.identity_map(nd + 1)], ["parallel"] * (nd + 1), lambda v, _out: v)


def _im2col_t(xp: ir.Value, kernel: list[int], outs: list[int], stride: list[int],
              dilation: list[int]) -> ir.Value:
    """col^T (N, prod(K)*C): col^T[(o...), (k..., c)] = xp[0, c, o*s + k*d
    ...], from the channels-last input by one strided slice per kernel
    position, each a copy of OW-long runs of C contiguous floats."""
    xl = _channels_last(xp)
    c, nd = b.rtt(xp).shape[1], len(kernel)
    elem = b.rtt(xp).element_type
    col = b.empty([*outs, *kernel, c], elem)
    for pos in itertools.product(*map(range, kernel)):
        start = [k * d for k, d in zip(pos, dilation)]
        patch = b.extract_slice(xl, [*start, 0], [*outs, c], [*stride, 1])
        # Full rank (unit kernel dims made explicit): a rank-reducing insert
        # would be ambiguous where an output size is 1 too.
        patch = expand(patch, _unit_groups(nd), [*outs, *[1] * nd, c])
        col = tensor.insert_slice(patch, col, [], [], [], [*[0] * nd, *pos, 0],
                                  [*outs, *[1] * nd, c], [1] * (2 * nd + 1))
    return collapse(col, [list(range(nd)), list(range(nd, 2 * nd + 1))])


def _unit_groups(nd: int) -> list[list[int]]:
    """Reassociation (O..., C) -> (O..., 1 x nd, C)."""
    return [*[[i] for i in range(nd - 1)], [nd - 1, *range(nd, 2 * nd)], [2 * nd]]


def conv_transposed(xp: ir.Value, w: np.ndarray, bias: ir.Value | None, outs: list[int],
                    stride: list[int], dilation: list[int]) -> ir.Value:
    """(1, F, O...) = the batch-1 convolution of the padded input xp by the
    constant filters `w` (F, C, K...), as out^T = col^T @ Wt with Wt[(k...,
    c), f] = w[f, c, k...]."""
    f, c, *kernel = w.shape
    nd = len(kernel)
    elem = b.rtt(xp).element_type
    w_t = np.transpose(w, (*range(2, nd + 2), 1, 0)).reshape(-1, f)
    wt = constant_data.arith_constant(np.ascontiguousarray(w_t), elem, "conv_filters_t")
    n = math.prod(outs)
    init = accumulator(bias, [n, f], elem, affine(2, 1))
    out_t = linalg.matmul(_im2col_t(xp, kernel, outs, stride, dilation), wt, outs=[init])
    out = b.generic([out_t], b.empty([f, n], elem), [affine(2, 1, 0), b.identity_map(2)],
                    ["parallel"] * 2, lambda v, _out: v)
    return expand(out, [[0, 1], list(range(2, nd + 2))], [1, f, *outs])
