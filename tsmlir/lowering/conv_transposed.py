"""Batch-1 float32 convolutions with constant filters and few output
positions as the transposed product (part of tsm-lower-nn).

In: a batch-1 convolution (see convolution._conv_as_matmul): its padded
(1, C, S...) input, its constant (F, C, K...) filters (their data: see
constant_data), its bias, and shapes for which `transposed_pays`.
Out: out^T (N, F) = col^T (N, prod(K)*C) @ Wt (prod(K)*C, F), N = prod(O)
output positions, starting from the bias broadcast along out^T's columns
(built right before the matmul, so that the packed kernel starts from it:
matmul_bias), where
- col^T[(o...), (k..., c)] = xp[0, c, o*s + k*d ...] comes from the input
  transposed channels-last (a `linalg.generic` on its (C, prod(S)) view)
  by one strided slice per kernel position (runs of C contiguous floats);
- Wt[(k..., c), f] = w[f, c, k...] is a NEW constant (a resource the JIT
  binds like any weight);
then one `linalg.generic` transposes out^T into the (1, F, O...) result.

Why: the packed matmul kernel (matmul_codegen) runs over 16-lane panels of
B's columns.  The direct form W (F, CK) @ col (CK, N) pads N to a multiple
of 16 (ResNet's layer4, N = 7 * 7 = 49, computes 64 columns) and packs
col's panels on every call.  Transposed, the panels run along F (a
multiple of 16: no waste) over a constant B that the kernel packs once (its
prepack), and only col^T's N rows, which the kernel does not pad, change
per call.  The transposes are small: the padded input (about 1/prod(K) of
the im2col) and F*N floats.  ResNet-18 224's layer4 3x3 conv: 3.38 ->
2.73 ms on 1 thread (the product alone, 2.55 ms, runs at ~91 GFLOP/s).
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


def _transpose(v: ir.Value) -> ir.Value:
    """The transpose of a 2-D tensor (a copying linalg.generic)."""
    rows, cols = b.rtt(v).shape
    return b.generic([v], b.empty([cols, rows], b.rtt(v).element_type),
                     [affine(2, 1, 0), b.identity_map(2)], ["parallel"] * 2, lambda x, _out: x)


def _channels_last(xp: ir.Value) -> ir.Value:
    """xp (1, C, S...) as (S..., C): the transpose of its (C, prod(S)) view
    (the padded input: about 1/prod(K) of the im2col's size)."""
    _, c, *spatial = b.rtt(xp).shape
    nd = len(spatial)
    flat = _transpose(collapse(xp, [[0, 1], list(range(2, nd + 2))]))
    return expand(flat, [list(range(nd)), [nd]], [*spatial, c])


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
    # one copy, aligned (a reshape of the transposed view would copy it first)
    w_t = constant_data.aligned(np.transpose(w, (*range(2, nd + 2), 1, 0))).reshape(-1, f)
    wt = constant_data.arith_constant(w_t, elem, "conv_filters_t")
    n = math.prod(outs)
    col_t = _im2col_t(xp, kernel, outs, stride, dilation)
    # The bias right before the matmul (no copy between): the packed kernel
    # then starts from it (matmul_bias) instead of a pass filling it.
    init = accumulator(bias, [n, f], elem, affine(2, 1))
    out_t = linalg.matmul(col_t, wt, outs=[init])
    # Straight into the (1, F, O...) result: a following ReLU or residual
    # add fuses into this copy (an expand_shape between them would not).
    rank = nd + 2
    out_t = expand(out_t, [list(range(nd)), [nd]], [*outs, f])
    return b.generic([out_t], b.empty([1, f, *outs], elem),
                     [affine(rank, *range(2, rank), 1), b.identity_map(rank)],
                     ["parallel"] * rank, lambda v, _out: v)
