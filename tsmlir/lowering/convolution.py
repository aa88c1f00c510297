"""tsm convolutions -> linalg (part of tsm-lower-nn).

In: tsm.conv2d/conv3d/conv_transpose2d/conv_transpose3d on (N, C, ...) float
tensors whose batch dim N may be dynamic; C, the spatial dims and the weight
must be static (refused otherwise).
Out: float16/bfloat16 ops become the float32 op between conversions (PyTorch
accumulates in float).  Zero padding is a `tensor.pad`; the broadcast bias (a
`linalg.generic`) is the accumulator's initial value (zeros without bias).
- conv2d: an im2col `tensor.insert_slice` chain and one `linalg.matmul`
  (groups 1: runs on the tiled matmul kernel; a batch > 1 or dynamic batch
  by an `scf.for` over the images; batch 1 with constant filters: one
  matmul per kernel row (conv_rows), or, for few output positions, the
  transposed product (conv_transposed); f32 of row and column stride 1 on
  outputs wide enough: the direct form of conv_direct, which
  tsm-lower-direct-conv gives convolutions of static shapes before
  elementwise fusion, and this pass the images of a dynamic batch), or
  `linalg.depthwise_conv_2d_nchw_chw`
  (groups == C == F), or `linalg.conv_2d_ngchw_gfchw` between
  `tensor.expand_shape`/`collapse_shape` (other groups).
- conv3d: the same im2col + matmul (groups 1, per image), or a grouped
  `linalg.generic` over (N, G, F/G, OD, OH, OW) x (C/G, KD, KH, KW).
- conv_transpose2d: batch 1 (float, groups 1): one `linalg.matmul` of the
  transposed filters by the input, then a col2im of strided-slice adds;
  otherwise (and conv_transpose3d) the equivalent stride-1 conv2d/conv3d
  (same lowerings as above)
  of the input spread `stride` apart and padded by dilation * (k - 1) - padding
  (a `tensor.insert_slice` into zeros, cropping where that is negative) with
  the filters flipped and in/out channels swapped per group (a `linalg.generic`).
"""
from __future__ import annotations

import math

from mlir import ir
from mlir.dialects import arith, linalg, scf, tensor

from . import builders as b
from . import constant_data
from .conv_direct import conv_direct, direct_pays
from .conv_rows import conv_by_kernel_rows, kernel_rows_pay
from .conv_transposed import conv_transposed, transposed_pays
from .im2col import im2col
from .nn_support import (accumulator, affine, attrs, collapse, dim_expr, expand, half_in_f32,
                         insert_into, out_sizes, pad, slice_of, static_spatial)


def _operands(op: ir.Operation) -> tuple[ir.Value, ir.Value, ir.Value | None]:
    x, w = op.operands[0], op.operands[1]
    bias = op.operands[2] if len(op.operands) > 2 else None
    static_spatial(x)
    if not b.rtt(w).has_static_shape:
        b.refuse(f"the weight must have a static shape, got {w.type}")
    return x, w, bias


def lower_conv2d(op: ir.Operation) -> ir.Value:
    x, w, bias = _operands(op)
    a = attrs(op)
    top, left, bottom, right = a["padding"]
    if a["groups"] == 1:  # the im2col reads x itself: no padded copy
        return _conv_per_image(x, w, bias, out_sizes(op), a["stride"], a["dilation"],
                               [top, left], [bottom, right])
    xp = pad(x, [0, 0, top, left], [0, 0, bottom, right], b.zero(b.rtt(x).element_type))
    return conv2d_padded(xp, w, bias, out_sizes(op), a["stride"], a["dilation"], a["groups"])


def conv2d_padded(xp: ir.Value, w: ir.Value, bias: ir.Value | None, sizes: list,
                  stride: list[int], dilation: list[int], groups: int) -> ir.Value:
    """Grouped conv2d of an already padded input into an output of `sizes`."""
    c = b.rtt(xp).shape[1]
    f, cg, kh, kw = b.rtt(w).shape
    elem = b.rtt(xp).element_type
    conv_attrs = dict(strides=stride, dilations=dilation)
    if groups == 1:
        return _conv_per_image(xp, w, bias, sizes, stride, dilation, [0, 0], [0, 0])
    if groups == c == f:
        init = accumulator(bias, sizes, elem, affine(4, 1))
        wd = collapse(w, [[0, 1], [2], [3]])  # (C, 1, KH, KW) -> (C, KH, KW)
        return linalg.depthwise_conv_2d_nchw_chw(xp, wd, outs=[init], **conv_attrs)
    fg = f // groups
    n, (hp, wp) = sizes[0], b.rtt(xp).shape[2:]
    xg = expand(xp, [[0], [1, 2], [3], [4]], [n, groups, cg, hp, wp])
    wg = expand(w, [[0, 1], [2], [3], [4]], [groups, fg, cg, kh, kw])
    # Output (N, G, F/G, OH, OW): filter f = g * F/G + f'.
    bias_map = affine(5, dim_expr(1) * fg + dim_expr(2))
    init = accumulator(bias, [n, groups, fg, *sizes[2:]], elem, bias_map)
    out = linalg.conv_2d_ngchw_gfchw(xg, wg, outs=[init], **conv_attrs)
    return collapse(out, [[0], [1, 2], [3], [4]])


def _conv_per_image(x: ir.Value, w: ir.Value, bias: ir.Value | None, sizes: list,
                    stride: list[int], dilation: list[int], low: list[int],
                    high: list[int]) -> ir.Value:
    """A float convolution (groups 1) of x padded by `low` / `high` (zeros)
    as im2col + matmul, image by image: batch 1 directly, a larger or
    dynamic batch by an scf.for over the images whose body is the batch-1
    convolution of x[n] inserted into the output at n (one im2col chain in
    the code, whatever the batch; the generic linalg.conv ran ~40x slower
    than eager at batch 4)."""
    if sizes[0] == 1:
        return _conv_as_matmul(x, w, bias, sizes, stride, dilation, low, high,
                               transposable=True)
    t = b.rtt(x)
    dyn, rank = ir.ShapedType.get_dynamic_size(), t.rank
    image = ir.RankedTensorType.get([1, *t.shape[1:]], t.element_type)
    one = [1, *sizes[1:]]
    loop = scf.ForOp(b.index(0), b.as_index(sizes[0]), b.index(1),
                     [b.empty(sizes, t.element_type)])
    with ir.InsertionPoint(loop.body):
        n = loop.induction_variable
        x_n = tensor.extract_slice(image, x, [n], [], [], [dyn] + [0] * (rank - 1),
                                   image.shape, [1] * rank)
        y_n = _conv_as_matmul(x_n, w, bias, one, stride, dilation, low, high)
        out = tensor.insert_slice(y_n, loop.inner_iter_args[0], [n], [], [],
                                  [dyn] + [0] * (rank - 1), one, [1] * rank)
        scf.YieldOp([out])
    return loop.results[0]


def _conv_as_matmul(x: ir.Value, w: ir.Value, bias: ir.Value | None, sizes: list[int],
                    stride: list[int], dilation: list[int], low: list[int], high: list[int],
                    transposable: bool = False) -> ir.Value:
    """Batch-1 convolution (2-D or 3-D) of x padded by `low` / `high` as
    im2col + one matmul, so that it runs on the register-tiled matmul
    kernel: col[c, k..., o...] = xp[0, c, o*s + k*d ...] viewed as
    (C*prod(K), prod(O)), read from x itself (see im2col); W viewed as (F,
    C*prod(K)); out (F, prod(O)) = W @ col, starting from the bias.
    `transposable` (a true batch of 1): constant filters and few output
    positions take the transposed product (conv_transposed)."""
    f, c, *kernel = b.rtt(w).shape
    outs, nd = list(sizes[2:]), len(kernel)
    elem = b.rtt(x).element_type
    w_data = constant_data.array_of(w) if transposable and \
        transposed_pays(math.prod(outs), f, elem) else None
    if w_data is not None:
        xp = pad(x, [0, 0, *low], [0, 0, *high], b.zero(elem))
        return conv_transposed(xp, w_data, bias, outs, stride, dilation)
    filters = constant_data.array_of(w)
    if direct_pays(c, f, kernel, outs, stride, dilation, elem, filters is not None):
        return conv_direct(x, w, filters, bias, outs, low, dilation)
    image = collapse(x, [[0, 1], *[[2 + i] for i in range(nd)]])
    if nd == 2 and stride[0] == 1 and kernel_rows_pay(c, f, *kernel):
        w_rows = constant_data.array_of(w)
        if w_rows is not None or str(elem) == "f32":
            # constant filters as new constants, run-time f32 ones as one
            # permuted copy of w (the packed kernel takes the rows' matmuls)
            return conv_by_kernel_rows(image, w if w_rows is None else w_rows, bias, sizes,
                                       stride, dilation, low)
    col = im2col(image, low, kernel, outs, stride, dilation)
    col2 = collapse(col, [list(range(nd + 1)), list(range(nd + 1, 2 * nd + 1))])
    w2 = collapse(w, [[0], list(range(1, nd + 2))])
    init = accumulator(bias, [f, math.prod(outs)], elem, affine(2, 0))
    out = linalg.matmul(w2, col2, outs=[init])
    return expand(out, [[0, 1], list(range(2, nd + 2))], [1, f, *outs])


def lower_conv3d(op: ir.Operation) -> ir.Value:
    x, w, bias = _operands(op)
    a = attrs(op)
    pads = a["padding"]
    if a["groups"] == 1:
        return _conv_per_image(x, w, bias, out_sizes(op), a["stride"], a["dilation"],
                               pads[:3], pads[3:])
    xp = pad(x, [0, 0, *pads[:3]], [0, 0, *pads[3:]], b.zero(b.rtt(x).element_type))
    return conv3d_padded(xp, w, bias, out_sizes(op), a["stride"], a["dilation"], a["groups"])


def conv3d_padded(xp: ir.Value, w: ir.Value, bias: ir.Value | None, sizes: list,
                  stride: list[int], dilation: list[int], groups: int) -> ir.Value:
    """Grouped conv3d of an already padded input into an output of `sizes`."""
    if groups == 1:
        return _conv_per_image(xp, w, bias, sizes, stride, dilation, [0] * 3, [0] * 3)
    return _grouped_conv3d(xp, w, bias, sizes, stride, dilation, groups)


def _grouped_conv3d(xp: ir.Value, w: ir.Value, bias: ir.Value | None, sizes: list,
                    stride: list[int], dilation: list[int], groups: int) -> ir.Value:
    """Iteration (n, g, f, od, oh, ow, c, kd, kh, kw) over the input viewed as
    (N, G, C/G, D, H, W) and the filters as (G, F/G, C/G, KD, KH, KW)."""
    f, cg, *kernel = b.rtt(w).shape
    fg, n = f // groups, sizes[0]
    elem = b.rtt(xp).element_type
    xg = expand(xp, [[0], [1, 2], [3], [4], [5]], [n, groups, cg, *b.rtt(xp).shape[2:]])
    wg = expand(w, [[0, 1], [2], [3], [4], [5]], [groups, fg, cg, *kernel])
    x_map = affine(10, 0, 1, 6, *[dim_expr(3 + i) * stride[i] + dim_expr(7 + i) * dilation[i]
                                  for i in range(3)])
    maps = [x_map, affine(10, 1, 2, 6, 7, 8, 9), affine(10, *range(6))]
    init = accumulator(bias, [n, groups, fg, *sizes[2:]], elem,
                       affine(6, dim_expr(1) * fg + dim_expr(2)))
    out = b.generic([xg, wg], init, maps, ["parallel"] * 6 + ["reduction"] * 4,
                    lambda v, k, acc: arith.addf(acc, arith.mulf(v, k)))
    return collapse(out, [[0], [1, 2], [3], [4], [5]])


def lower_conv_transpose(op: ir.Operation) -> ir.Value:
    """conv_transpose2d / conv_transpose3d."""
    x, w, bias = _operands(op)
    a = attrs(op)
    groups = a["groups"]
    sizes = out_sizes(op)
    nd = len(sizes) - 2
    if nd == 2 and groups == 1 and sizes[0] == 1 and b.is_float(b.rtt(x).element_type):
        return _conv_transpose_as_matmul(x, w, bias, sizes, a)
    xs = _spread(x, sizes[0], b.rtt(w).shape[2:], a)
    wt = _flipped_filters(w, groups)
    conv = conv2d_padded if nd == 2 else conv3d_padded
    return conv(xs, wt, bias, sizes, [1] * nd, a["dilation"], groups)


def _conv_transpose_as_matmul(x: ir.Value, w: ir.Value, bias: ir.Value | None,
                              sizes: list[int], a: dict) -> ir.Value:
    """Batch-1 transposed convolution as one matmul and a col2im: cols[f, i, j,
    h, w] = sum_c w[c, f, i, j] * x[0, c, h, w] (the (F*KH*KW, C) filter view
    times the (C, H*W) input, on the matmul kernel: no multiplications by
    inserted zeros), then each kernel position (i, j) adds its (F, H, W) slab
    into the full output at rows i*d + h*s, columns j*d + w*s (strided
    slices); the result is the full output less `padding` on each side."""
    c, f, kh, kw = b.rtt(w).shape
    _, _, h, wd = b.rtt(x).shape
    elem = b.rtt(x).element_type
    (sh, sw), (dh, dw), (ph, pw) = a["stride"], a["dilation"], a["padding"]
    wt = b.generic([w], b.empty([f, kh, kw, c], elem), [affine(4, 3, 0, 1, 2), b.identity_map(4)],
                   ["parallel"] * 4, lambda v, _out: v)
    cols = linalg.matmul(collapse(wt, [[0, 1, 2], [3]]), collapse(x, [[0, 1], [2, 3]]),
                         outs=[b.filled([f * kh * kw, h * wd], elem, 0)])
    cols = expand(cols, [[0, 1, 2], [3, 4]], [f, kh, kw, h, wd])
    full_size = [(n - 1) * s + d * (k - 1) + 1 + extra for n, s, d, k, extra in
                 zip((h, wd), (sh, sw), (dh, dw), (kh, kw), a["output_padding"])]
    full = accumulator(bias, [f, *full_size], elem, affine(3, 0))
    slab_t = ir.RankedTensorType.get([f, h, wd], elem)
    for i in range(kh):
        for j in range(kw):
            slab = tensor.extract_slice(slab_t, cols, [], [], [], [0, i, j, 0, 0],
                                        [f, 1, 1, h, wd], [1] * 5)
            region = tensor.extract_slice(slab_t, full, [], [], [], [0, i * dh, j * dw],
                                          [f, h, wd], [1, sh, sw])
            # The region is the output operand: bufferizes in place, no copy.
            summed = b.generic([slab], region, [b.identity_map(3)] * 2, ["parallel"] * 3,
                               lambda v, r: arith.addf(r, v))
            full = tensor.insert_slice(summed, full, [], [], [], [0, i * dh, j * dw],
                                       [f, h, wd], [1, sh, sw])
    out = tensor.extract_slice(ir.RankedTensorType.get(sizes[1:], elem), full, [], [], [],
                               [0, ph, pw], sizes[1:], [1, 1, 1])
    return expand(out, [[0, 1], [2], [3]], sizes)


def _spread(x: ir.Value, n_dim: b.IntOrValue, kernel: list[int], a: dict) -> ir.Value:
    """The input of the equivalent direct convolution: x[i] lands at
    lo + i * stride in zeros of length (n - 1) * stride + 1 + lo + hi, with
    lo = dilation * (k - 1) - padding and hi = lo + output_padding; where lo
    or hi is negative the inputs that would land outside are dropped."""
    t = b.rtt(x)
    starts, counts, offsets, lengths = [], [], [], []
    for n, k, s, p, extra, d in zip(t.shape[2:], kernel, a["stride"], a["padding"],
                                    a["output_padding"], a["dilation"]):
        lo = d * (k - 1) - p
        length = (n - 1) * s + 1 + 2 * lo + extra
        first = max(0, -(lo // s))  # ceil(-lo / s): the first input inside
        last = min(n - 1, (length - 1 - lo) // s)
        starts.append(first)
        counts.append(last - first + 1)
        offsets.append(lo + first * s)
        lengths.append(length)
    zeros = b.filled([n_dim, t.shape[1], *lengths], t.element_type, 0)
    if any(c <= 0 for c in counts):
        return zeros
    if any(starts) or counts != list(t.shape[2:]):
        x = slice_of(x, [0, 0, *starts], [n_dim, t.shape[1], *counts])
    return insert_into(x, zeros, [0, 0, *offsets], [1, 1, *a["stride"]])


def _flipped_filters(w: ir.Value, groups: int) -> ir.Value:
    """(C, F/G, K...) transposed-conv filters -> (F, C/G, K...) conv filters:
    out[g * F/G + f, c, k...] = w[g * C/G + c, f, K-1-k ...]."""
    c, fg, *kernel = b.rtt(w).shape
    cg, nd = c // groups, len(kernel)
    rank = 3 + nd
    wg = expand(w, [[0, 1], *[[i] for i in range(2, rank)]], [groups, cg, fg, *kernel])
    flip = [ir.AffineConstantExpr.get(k - 1) - dim_expr(3 + i) for i, k in enumerate(kernel)]
    out = b.generic([wg], b.empty([groups, fg, cg, *kernel], b.rtt(w).element_type),
                    [affine(rank, 0, 2, 1, *flip), b.identity_map(rank)], ["parallel"] * rank,
                    lambda v, _out: v)
    return collapse(out, [[0, 1], *[[i] for i in range(2, rank)]])


LOWERINGS = {
    "tsm.conv2d": half_in_f32(lower_conv2d),
    "tsm.conv3d": half_in_f32(lower_conv3d),
    "tsm.conv_transpose2d": half_in_f32(lower_conv_transpose),
    "tsm.conv_transpose3d": half_in_f32(lower_conv_transpose),
}
