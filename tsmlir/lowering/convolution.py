"""tsm convolutions -> linalg (part of tsm-lower-nn).

In: tsm.conv2d/conv3d/conv_transpose2d/conv_transpose3d on (N, C, ...) float
tensors whose batch dim N may be dynamic; C, the spatial dims and the weight
must be static (refused otherwise).
Out: float16/bfloat16 ops become the float32 op between conversions (PyTorch
accumulates in float).  Zero padding is a `tensor.pad`; the broadcast bias (a
`linalg.generic`) is the accumulator's initial value (zeros without bias).
- conv2d: an im2col `tensor.insert_slice` chain and one `linalg.matmul`
  (an im2col of MIN_CHUNKED_BYTES or more: one per chunk of output rows,
  conv_row_chunks) (groups 1: runs on the tiled matmul kernel; a batch > 1 or dynamic batch
  by an `scf.for` over the images; batch 1 with constant filters: one
  matmul per kernel row (conv_rows), or, for few output positions, the
  transposed product (conv_transposed); f32 of row and column stride 1 on
  outputs wide enough: the direct form of conv_direct, which
  tsm-lower-direct-conv gives convolutions of static shapes before
  elementwise fusion, and this pass the images of a dynamic batch), or
  `linalg.depthwise_conv_2d_nchw_chw` (groups == C == F).
- conv3d: the same im2col + matmul (per image).
- Other groups (not depthwise conv2d): an scf.for over the groups (with
  threads, an scf.forall over chunks of them) whose body is the groups-1
  convolution of the group's channel slice, inserted into the output.
- conv_transpose2d: float32 of static shapes whose stride (>= 2) divides
  the kernel: one direct convolution of the output phases' stacked filters
  (conv_transpose_phases), where conv_direct takes it; else batch 1 (float,
  groups 1): one `linalg.matmul` of the
  transposed filters by the input, then a col2im of strided-slice adds;
  otherwise (and conv_transpose3d) the equivalent stride-1 conv2d/conv3d
  (same lowerings as above)
  of the input spread `stride` apart and padded by dilation * (k - 1) - padding
  (a `tensor.insert_slice` into zeros, cropping where that is negative) with
  the filters flipped and in/out channels swapped per group (a `linalg.generic`).
"""
from __future__ import annotations

import math
from typing import Callable

from mlir import ir
from mlir.dialects import arith, linalg, scf, tensor

from . import builders as b
from . import constant_data, conv_amx, conv_transpose_phases
from .chunk_loops import forall_chunks, module_threads
from .conv_direct import conv_direct, direct_pays
from .conv_row_chunks import chunk_rows, conv_in_row_chunks
from .conv_rows import conv_by_kernel_rows, kernel_rows_pay
from .conv_transposed import conv_transposed, transposed_pays
from .im2col import im2col
from .nn_support import (accumulator, affine, attrs, collapse, dim_expr, expand, half_in_f32,
                         insert_into, out_sizes, pad, slice_of, static_spatial)
from .parallel import MIN_PARALLEL_ELEMENTS


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
    groups, c, f = a["groups"], b.rtt(x).shape[1], b.rtt(w).shape[0]
    if groups == 1 or not groups == c == f:  # the im2col reads x itself: no padded copy
        return _conv_by_groups(x, w, bias, out_sizes(op), a["stride"], a["dilation"],
                               [top, left], [bottom, right], groups)
    xp = pad(x, [0, 0, top, left], [0, 0, bottom, right], b.zero(b.rtt(x).element_type))
    return conv2d_padded(xp, w, bias, out_sizes(op), a["stride"], a["dilation"], groups)


def conv2d_padded(xp: ir.Value, w: ir.Value, bias: ir.Value | None, sizes: list,
                  stride: list[int], dilation: list[int], groups: int) -> ir.Value:
    """Grouped conv2d of an already padded input into an output of `sizes`."""
    if groups == b.rtt(xp).shape[1] == b.rtt(w).shape[0]:
        init = accumulator(bias, sizes, b.rtt(xp).element_type, affine(4, 1))
        wd = collapse(w, [[0, 1], [2], [3]])  # (C, 1, KH, KW) -> (C, KH, KW)
        return linalg.depthwise_conv_2d_nchw_chw(xp, wd, outs=[init], strides=stride,
                                                 dilations=dilation)
    return _conv_by_groups(xp, w, bias, sizes, stride, dilation, [0, 0], [0, 0], groups)


def _conv_by_groups(x: ir.Value, w: ir.Value, bias: ir.Value | None, sizes: list,
                    stride: list[int], dilation: list[int], low: list[int], high: list[int],
                    groups: int) -> ir.Value:
    """A float convolution (2-D or 3-D, not depthwise) of x padded by `low` /
    `high`: groups 1 directly, else a loop over the groups whose body is
    the groups-1 convolution of the group's channels of x by its filters
    (views: tensor.extract_slice at the group's offsets), inserted at its
    filters in the output.  With threads (static sizes, at least a group
    each), each takes a chunk of the groups (an scf.forall): a group's
    convolution is too small to share.  The generic grouped convolution (a
    loop nest per output element) ran 5-25x slower than eager."""
    if groups == 1:
        return _conv_per_image(x, w, bias, sizes, stride, dilation, low, high)
    fg = b.rtt(w).shape[0] // groups
    out = b.empty(sizes, b.rtt(x).element_type)

    def run(first: ir.Value, count: b.IntOrValue, into: ir.Value) -> ir.Value:
        loop = scf.ForOp(b.index(0), b.as_index(count), b.index(1), [into])
        with ir.InsertionPoint(loop.body):
            j = loop.induction_variable
            g = arith.addi(first, j)
            y_g = _conv_per_image(_group_slice(x, g, b.rtt(x).shape[1] // groups),
                                  _group_slice(w, g, fg, dim=0),
                                  None if bias is None else _group_slice(bias, g, fg, dim=0),
                                  [sizes[0], fg, *sizes[2:]], stride, dilation, low, high)
            scf.YieldOp([_insert_group(y_g, loop.inner_iter_args[0], arith.muli(j, b.index(fg)))])
        return loop.results[0]

    threads = module_threads()
    if threads > 1 and groups >= threads and all(isinstance(s, int) for s in sizes):
        per = -(-groups // threads)
        return forall_chunks(sizes[1], per * fg, 1, [out], lambda lo, length, chunks: [
            run(arith.divui(lo, b.index(fg)), _over(length, fg), chunks[0])])[0]
    return run(b.index(0), groups, out)


def _over(length: b.IntOrValue, fg: int) -> b.IntOrValue:
    return length // fg if isinstance(length, int) else arith.divui(length, b.index(fg))


def _insert_group(y: ir.Value, into: ir.Value, at: ir.Value) -> ir.Value:
    """y inserted into `into` at filter offset `at` (dim 1)."""
    rank = b.rtt(y).rank
    return b.insert_slice(y, into, [0, at] + [0] * (rank - 2), b.sizes_of(y))


def _group_slice(v: ir.Value, g: ir.Value, size: int, dim: int = 1) -> ir.Value:
    """v's `size` channels (dim 1; filters and biases: dim 0) of group g."""
    rank = b.rtt(v).rank
    sizes = [size if i == dim else s for i, s in enumerate(b.sizes_of(v))]
    offsets = [arith.muli(g, b.index(size)) if i == dim else 0 for i in range(rank)]
    return b.extract_slice(v, offsets, sizes, [1] * rank)


def _conv_per_image(x: ir.Value, w: ir.Value, bias: ir.Value | None, sizes: list,
                    stride: list[int], dilation: list[int], low: list[int],
                    high: list[int], image_conv: Callable | None = None) -> ir.Value:
    """A float convolution (groups 1) of x padded by `low` / `high` (zeros)
    as im2col + matmul, image by image: batch 1 directly, a larger or
    dynamic batch by an scf.for over the images whose body is the batch-1
    convolution of x[n] inserted into the output at n (one im2col chain in
    the code, whatever the batch; the generic linalg.conv ran ~40x slower
    than eager at batch 4).  `image_conv`: the batch-1 convolution
    (conv_amx's for bfloat16 on AMX), else _conv_as_matmul."""
    if sizes[0] == 1:
        if image_conv is not None:
            return image_conv(x, w, bias, sizes, stride, dilation, low, high)
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
        y_n = (image_conv or _conv_as_matmul)(x_n, w, bias, one, stride, dilation, low, high)
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
    if (rows := chunk_rows(c, kernel, outs, elem)) is not None:
        out = conv_in_row_chunks(image, collapse(w, [[0], [1, 2, 3]]), bias, kernel, outs,
                                 stride, dilation, low, rows)
        return expand(out, [[0, 1], [2, 3]], [1, f, *outs])
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
    return _conv_by_groups(x, w, bias, out_sizes(op), a["stride"], a["dilation"], pads[:3],
                           pads[3:], a["groups"])


def conv3d_padded(xp: ir.Value, w: ir.Value, bias: ir.Value | None, sizes: list,
                  stride: list[int], dilation: list[int], groups: int) -> ir.Value:
    """Grouped conv3d of an already padded input into an output of `sizes`."""
    return _conv_by_groups(xp, w, bias, sizes, stride, dilation, [0] * 3, [0] * 3, groups)


def lower_conv_transpose(op: ir.Operation) -> ir.Value:
    """conv_transpose2d / conv_transpose3d."""
    x, w, bias = _operands(op)
    a = attrs(op)
    groups = a["groups"]
    sizes = out_sizes(op)
    nd = len(sizes) - 2
    if nd == 2 and (phases := conv_transpose_phases.lower(x, w, bias, sizes, a)) is not None:
        return phases
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
    inserted zeros), then `_col2im`; the result is the full output less
    `padding` on each side.  With threads, the col2im runs in an scf.forall
    over chunks of filters (`_filter_chunk`)."""
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

    def col2im(f0: b.IntOrValue, n: int, into: ir.Value) -> ir.Value:
        chunk_bias = bias if bias is None or n == f else b.extract_slice(bias, [f0], [n], [1])
        return _col2im(cols, chunk_bias, f0, n, into, full_size, a)

    chunk = _filter_chunk(f, full_size, module_threads())
    if chunk:
        (full,) = forall_chunks(f, chunk, 0, [full], lambda f0, n, outs: [col2im(f0, n, outs[0])])
    else:
        full = col2im(0, f, full)
    out = tensor.extract_slice(ir.RankedTensorType.get(sizes[1:], elem), full, [], [], [],
                               [0, ph, pw], sizes[1:], [1, 1, 1])
    return expand(out, [[0, 1], [2], [3]], sizes)


def _filter_chunk(f: int, full_size: list[int], threads: int) -> int | None:
    """Filters per iteration of the threads' col2im loop: F / threads where
    that divides, none below MIN_PARALLEL_ELEMENTS of output.  64 -> 32, 4x4
    stride 2 on 28 x 28, 2 threads: the col2im's 16 tap adds and 4 phase
    copies were serial after the threaded product."""
    if threads <= 1 or f % threads or f * math.prod(full_size) < MIN_PARALLEL_ELEMENTS:
        return None
    return f // threads


def _col2im(cols: ir.Value, bias: ir.Value | None, f0: b.IntOrValue, n: int, full: ir.Value,
            full_size: list[int], a: dict) -> ir.Value:
    """Filters [f0, f0 + n) of the col2im into `full` (n, *full_size; the
    bias in place): each kernel position (i, j) adds its (n, H, W) slab at
    rows i*d + h*s, columns j*d + w*s, per output phase (rows and columns
    mod the stride) into a contiguous block of the phase's grid, which is
    then copied to its strided place."""
    _, kh, kw, h, wd = b.rtt(cols).shape
    elem = b.rtt(cols).element_type
    (sh, sw), (dh, dw) = a["stride"], a["dilation"]
    # Output rows r = i * d + h * s fall into s phases r mod s; in a phase's
    # own grid (every s-th row) a tap's slab is a contiguous, shifted block:
    # its adds vectorize, and the phase reaches the output in one strided copy.
    for pr in range(sh):
        for pc in range(sw):
            taps = [(i, j) for i in range(kh) for j in range(kw)
                    if (i * dh) % sh == pr and (j * dw) % sw == pc]
            grid = [len(range(pr, full_size[0], sh)), len(range(pc, full_size[1], sw))]
            if not taps or 0 in grid:
                continue  # the bias alone
            phase = accumulator(bias, [n, *grid], elem, affine(3, 0))
            for i, j in taps:
                at = [0, (i * dh - pr) // sh, (j * dw - pc) // sw]
                slab = b.extract_slice(cols, [f0, i, j, 0, 0], [n, 1, 1, h, wd], [1] * 5,
                                       drop=[1, 2])
                region = b.extract_slice(phase, at, [n, h, wd], [1] * 3)
                # The region is the output operand: bufferizes in place, no copy.
                summed = b.generic([slab], region, [b.identity_map(3)] * 2, ["parallel"] * 3,
                                   lambda v, r: arith.addf(r, v))
                phase = tensor.insert_slice(summed, phase, [], [], [], at, [n, h, wd], [1] * 3)
            if (sh, sw) == (1, 1):
                full = phase
            else:
                full = tensor.insert_slice(phase, full, [], [], [], [0, pr, pc], [n, *grid],
                                           [1, sh, sw])
    return full


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


def _amx_conv2d(op: ir.Operation) -> ir.Value | None:
    """The bfloat16 convolutions conv_amx takes, image by image; else None."""
    if not conv_amx.applies(op):
        return None
    x, w, bias = _operands(op)
    top, left, bottom, right = attrs(op)["padding"]
    return _conv_per_image(x, w, bias, out_sizes(op), attrs(op)["stride"],
                           attrs(op)["dilation"], [top, left], [bottom, right],
                           image_conv=conv_amx.conv_image)


LOWERINGS = {
    "tsm.conv2d": half_in_f32(lower_conv2d, native=_amx_conv2d),
    "tsm.conv3d": half_in_f32(lower_conv3d),
    "tsm.conv_transpose2d": half_in_f32(lower_conv_transpose),
    "tsm.conv_transpose3d": half_in_f32(lower_conv_transpose),
}
