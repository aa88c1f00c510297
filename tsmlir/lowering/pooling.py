"""tsm pooling ops -> linalg (part of tsm-lower-nn).

In: tsm.max_pool2d/max_pool3d/avg_pool2d/avg_pool3d/adaptive_avg_pool2d/
adaptive_avg_pool3d/adaptive_max_pool2d on (N, C, ...) tensors whose batch
dim N may be dynamic; C and the spatial dims must be static (refused otherwise).
Out:
- max_pool2d: `tensor.pad` (-inf, plus the extra bottom/right rows a ceil_mode
  window needs) + `linalg.pooling_nchw_max` into a -inf filled init;
  max_pool3d (and uint8 max_pool2d, compared unsigned): the same padding + a
  window-reduction `linalg.generic`.
- avg pools, adaptive avg pools on float16/bfloat16: the float32 op between
  conversions (PyTorch accumulates in float).
- avg_pool2d/3d: zero `tensor.pad` + `linalg.pooling_nchw_sum` (2-D) or a
  window-reduction `linalg.generic` (3-D), then a division by a constant
  table of PyTorch's per-window divisors.
- adaptive_avg_pool2d/3d: an output of ones (global average pooling) is a
  mean over the last dim of the (N, C, prod(spatial)) view; other
  divisible sizes are fixed-window sums then a
  division; other sizes sum each dim with a constant window-membership mask
  (one reduction per dim), then divide by the per-output window volume.
- adaptive_max_pool2d: windows that tile the input (its sizes multiples of
  the output's) with the indices unused: `linalg.pooling_nchw_max` of
  window = stride = input / output; otherwise one `linalg.generic` with two
  results (max, flat index) over the largest window, starts from `floordiv`
  maps, positions past a window's end masked out (the input is zero-padded
  so they stay in bounds).
"""
from __future__ import annotations

import functools

import numpy as np
from mlir import ir
from mlir.dialects import arith, linalg

from . import builders as b
from .nn_support import (affine, attrs, ceil_extra, collapse, dense, dim_expr, expand,
                         half_in_f32, linalg_index, lowest, maximum, out_sizes, pad,
                         static_spatial, window_reduce)
from .reduction import sum_dims


def _max_pool_input(op: ir.Operation) -> tuple[ir.Value, dict, list]:
    """The input padded with -inf (ceil_mode windows included) and the attrs."""
    x = op.operands[0]
    a = attrs(op)
    spatial = static_spatial(x)[1:]
    sizes = out_sizes(op)
    pads = a["padding"]
    extra = ceil_extra(spatial, sizes[2:], a["kernel_size"], a["stride"], pads, a["dilation"])
    xp = pad(x, [0, 0, *pads], [0, 0, *[p + e for p, e in zip(pads, extra)]],
             lowest(b.rtt(x).element_type))
    return xp, a, sizes


def lower_max_pool2d(op: ir.Operation) -> ir.Value:
    xp, a, sizes = _max_pool_input(op)
    return _max_pool(xp, sizes, a["kernel_size"], a["stride"], a["dilation"])


def _max_pool(xp: ir.Value, sizes: list, kernel: list[int], stride: list[int],
              dilation: list[int]) -> ir.Value:
    """2-D max pool of an input already padded with -inf into an output of
    `sizes`: linalg.pooling_nchw_max, or a window reduction for unsigned
    integers (the named op's max would be signed)."""
    elem = b.rtt(xp).element_type
    init = linalg.fill(lowest(elem), outs=[b.empty(sizes, elem)])
    if b.is_unsigned(elem):
        return window_reduce(xp, init, kernel, stride, dilation, maximum)
    return linalg.pooling_nchw_max(xp, b.empty(kernel, elem), outs=[init], strides=stride,
                                   dilations=dilation)


def lower_max_pool3d(op: ir.Operation) -> ir.Value:
    xp, a, sizes = _max_pool_input(op)
    elem = b.rtt(xp).element_type
    init = linalg.fill(lowest(elem), outs=[b.empty(sizes, elem)])
    return window_reduce(xp, init, a["kernel_size"], a["stride"], a["dilation"], maximum)


def _divide_by_area(sums: ir.Value, area: np.ndarray) -> ir.Value:
    """sums (N, C, O...) / area[O...], the divisor of each window
    (integers: truncated toward zero, as C++ division)."""
    t = b.rtt(sums)
    rank = t.rank
    area_v = dense(area, t.element_type)
    sizes = [b.dim(sums, i) for i in range(rank)]

    def divide(v, d, _out):
        if b.is_float(t.element_type):
            return arith.divf(v, d)
        # No divisor is 0, but vectorized code may divide padding lanes too.
        zero = arith.cmpi(arith.CmpIPredicate.eq, d, b.zero(d.type))
        return arith.divsi(v, arith.select(zero, b.constant(1, d.type), d))

    return b.generic([sums, area_v], b.empty(sizes, t.element_type),
                     [b.identity_map(rank), affine(rank, *range(2, rank)), b.identity_map(rank)],
                     ["parallel"] * rank, divide)


def _add(acc: ir.Value, v: ir.Value) -> ir.Value:
    return arith.addf(acc, v) if b.is_float(v.type) else arith.addi(acc, v)


def _window_sums(x: ir.Value, sizes: list, kernel: list[int], stride: list[int]) -> ir.Value:
    """Window sums: linalg.pooling_nchw_sum (2-D) or a window reduction (3-D)."""
    elem = b.rtt(x).element_type
    init = b.filled(sizes, elem, 0)
    if len(kernel) == 2:
        return linalg.pooling_nchw_sum(x, b.empty(kernel, elem), outs=[init], strides=stride,
                                       dilations=[1, 1])
    return window_reduce(x, init, kernel, stride, [1] * len(kernel), _add)


def _avg_divisors(size: int, out: int, k: int, s: int, p: int,
                  count_include_pad: bool) -> np.ndarray:
    """PyTorch's avg_pool divisor factor along one dim: the window clipped to
    the padded input, or (count_include_pad=False) to the input itself."""
    start = np.arange(out) * s - p
    end = np.minimum(start + k, size + p)
    if count_include_pad:
        return end - start
    return np.minimum(end, size) - np.maximum(start, 0)


def _outer(vectors: list[np.ndarray]) -> np.ndarray:
    return functools.reduce(np.multiply.outer, vectors)


def lower_avg_pool(op: ir.Operation) -> ir.Value:
    """avg_pool2d / avg_pool3d."""
    x = op.operands[0]
    a = attrs(op)
    spatial = static_spatial(x)[1:]
    nd = len(spatial)
    elem = b.rtt(x).element_type
    sizes = out_sizes(op)
    kernel, stride, pads = a["kernel_size"], a["stride"], a["padding"]
    extra = ceil_extra(spatial, sizes[2:], kernel, stride, pads, [1] * nd)
    xp = pad(x, [0, 0, *pads], [0, 0, *[p + e for p, e in zip(pads, extra)]], b.zero(elem))
    sums = _window_sums(xp, sizes, kernel, stride)
    if a["divisor_override"] is not None:
        area = np.full(sizes[2:], a["divisor_override"])
    else:
        area = _outer([_avg_divisors(n, o, k, s, p, a["count_include_pad"])
                       for n, o, k, s, p in zip(spatial, sizes[2:], kernel, stride, pads)])
    return _divide_by_area(sums, area)


def _windows(size: int, out: int) -> np.ndarray:
    """mask[i, j]: input j lies in adaptive window i (PyTorch's start/end rule)."""
    i = np.arange(out)[:, None]
    j = np.arange(size)[None, :]
    return (j >= (i * size) // out) & (j < -(-((i + 1) * size) // out))


def _masked_sum(x: ir.Value, mask: np.ndarray, dim: int, elem: ir.Type) -> ir.Value:
    """Reduce dim `dim` of x through mask (out, size): the result has `out`
    entries on that dim, each the sum of the inputs its row selects."""
    rank = b.rtt(x).rank
    sizes = [b.dim(x, i) for i in range(rank)]
    sizes[dim] = mask.shape[0]
    mask_v = arith.constant(
        ir.RankedTensorType.get(list(mask.shape), ir.IntegerType.get_signless(1)),
        ir.DenseElementsAttr.get(mask))
    # Iteration space (dims of the result..., r): r walks the reduced input dim.
    x_dims = list(range(rank))
    x_dims[dim] = rank
    maps = [affine(rank + 1, *x_dims), affine(rank + 1, dim, rank),
            affine(rank + 1, *range(rank))]
    zero = b.zero(elem)

    def body(v, keep, acc):
        return arith.addf(acc, arith.select(keep, v, zero))

    return b.generic([x, mask_v], b.filled(sizes, elem, 0), maps,
                     ["parallel"] * rank + ["reduction"], body)


def lower_adaptive_avg_pool(op: ir.Operation) -> ir.Value:
    """adaptive_avg_pool2d / adaptive_avg_pool3d."""
    x = op.operands[0]
    spatial = static_spatial(x)[1:]
    outs = attrs(op)["output_size"]
    elem = b.rtt(x).element_type
    if all(o == 1 for o in outs) and b.is_float(elem):
        return _global_mean(op, x, int(np.prod(spatial)))
    if all(n % o == 0 for n, o in zip(spatial, outs)):
        kernel = [n // o for n, o in zip(spatial, outs)]
        sums = _window_sums(x, out_sizes(op), kernel, kernel)
        return _divide_by_area(sums, np.full(outs, int(np.prod(kernel))))
    masks = [_windows(n, o) for n, o in zip(spatial, outs)]
    sums = x
    for d in reversed(range(len(masks))):
        sums = _masked_sum(sums, masks[d], 2 + d, elem)
    return _divide_by_area(sums, _outer([m.sum(1) for m in masks]))


def _global_mean(op: ir.Operation, x: ir.Value, count: int) -> ir.Value:
    """One window over the whole input (global average pooling): the mean
    of each row of the (N, C, prod(spatial)) view, a last-dim reduction
    that tsm-vectorize-reductions vectorizes (the window form was a scalar
    loop nest per (n, c))."""
    rank = b.rtt(x).rank
    groups = [[0], [1], list(range(2, rank))]
    flat = collapse(x, groups)
    sums = sum_dims(flat, [b.dim(flat, i) for i in range(3)], [2], b.rtt(x).element_type)
    divisor = b.constant(float(count), b.rtt(x).element_type)
    mean = b.generic([sums], b.empty([b.dim(sums, 0), b.dim(sums, 1)], b.rtt(x).element_type),
                     [b.identity_map(2)] * 2, ["parallel"] * 2,
                     lambda v, _out: arith.divf(v, divisor))
    return expand(mean, [[0], list(range(1, rank))], out_sizes(op))


def _adaptive_bounds(size: int, out: int) -> tuple[int, int]:
    """The largest adaptive window along a dim and how far the last one reads
    past the input when every window is walked to that length."""
    start = np.arange(out) * size // out
    end = -(-(np.arange(1, out + 1) * size) // out)
    k = int((end - start).max())
    return k, max(0, int(start[-1]) + k - size)


def lower_adaptive_max_pool2d(op: ir.Operation) -> list[ir.Value]:
    x = op.operands[0]
    _, h, w = static_spatial(x)
    oh, ow = attrs(op)["output_size"]
    elem = b.rtt(x).element_type
    sizes = out_sizes(op)
    i64 = ir.IntegerType.get_signless(64)
    if h % oh == 0 and w % ow == 0 and not list(op.results[1].uses):
        # windows that tile the input, and no indices wanted: a max pool
        kernel = [h // oh, w // ow]
        pooled = _max_pool(x, sizes, kernel, kernel, [1, 1])
        return [pooled, b.empty(sizes, i64)]  # the unused indices: never read
    (kh, over_h), (kw, over_w) = _adaptive_bounds(h, oh), _adaptive_bounds(w, ow)
    xp = pad(x, [0, 0, 0, 0], [0, 0, over_h, over_w], b.zero(elem))
    inits = [linalg.fill(lowest(elem), outs=[b.empty(sizes, elem)]),
             linalg.fill(b.constant(-1, i64), outs=[b.empty(sizes, i64)])]
    # Iteration (n, c, i, j, r, s): input row floor(i * H / OH) + r, column likewise.
    start = [ir.AffineFloorDivExpr.get(dim_expr(2 + d) * n, ir.AffineConstantExpr.get(o))
             for d, (n, o) in enumerate(((h, oh), (w, ow)))]
    maps = [affine(6, 0, 1, start[0] + dim_expr(4), start[1] + dim_expr(5)), affine(6, 4, 5),
            affine(6, 0, 1, 2, 3), affine(6, 0, 1, 2, 3)]
    gen = linalg.GenericOp(
        result_tensors=[v.type for v in inits], inputs=[xp, b.empty([kh, kw], elem)],
        outputs=inits, indexing_maps=ir.ArrayAttr.get([ir.AffineMapAttr.get(m) for m in maps]),
        iterator_types=ir.ArrayAttr.get([ir.Attribute.parse(f"#linalg.iterator_type<{it}>")
                                         for it in ["parallel"] * 4 + ["reduction"] * 2]))
    block = gen.regions[0].blocks.append(elem, elem, elem, i64)
    with ir.InsertionPoint(block):
        v, _, best, where = block.arguments
        rows = _window_position(2, 4, h, oh)
        cols = _window_position(3, 5, w, ow)
        inside = arith.andi(rows[1], cols[1])
        flat = arith.addi(arith.muli(rows[0], b.index(w)), cols[0])
        first = arith.cmpi(arith.CmpIPredicate.slt, where, b.constant(0, i64))
        better = arith.ori(first, _beats(v, best))
        take = arith.andi(inside, better)
        linalg.YieldOp([arith.select(take, v, best),
                        arith.select(take, arith.index_cast(i64, flat), where)])
    return list(gen.results)


def _window_position(out_dim: int, k_dim: int, size: int, out: int) -> tuple[ir.Value, ir.Value]:
    """Input position start(i) + r along one dim and whether it is inside
    window i, whose end is ceil((i + 1) * size / out)."""
    i, r = linalg_index(out_dim), linalg_index(k_dim)
    n, o = b.index(size), b.index(out)
    start = arith.divui(arith.muli(i, n), o)
    end = arith.ceildivui(arith.muli(arith.addi(i, b.index(1)), n), o)
    pos = arith.addi(start, r)
    return pos, arith.cmpi(arith.CmpIPredicate.ult, pos, end)


def _beats(v: ir.Value, best: ir.Value) -> ir.Value:
    """PyTorch's adaptive max update: a larger value or any NaN replaces the max."""
    return arith.ori(arith.cmpf(arith.CmpFPredicate.OGT, v, best),
                     arith.cmpf(arith.CmpFPredicate.UNO, v, v))


LOWERINGS = {
    "tsm.max_pool2d": lower_max_pool2d,
    "tsm.max_pool3d": lower_max_pool3d,
    "tsm.avg_pool2d": half_in_f32(lower_avg_pool),
    "tsm.avg_pool3d": half_in_f32(lower_avg_pool),
    "tsm.adaptive_avg_pool2d": half_in_f32(lower_adaptive_avg_pool),
    "tsm.adaptive_avg_pool3d": half_in_f32(lower_adaptive_avg_pool),
    "tsm.adaptive_max_pool2d": lower_adaptive_max_pool2d,
}
