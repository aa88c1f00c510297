"""tsm.pad and tsm.upsample2d -> linalg (part of tsm-lower-nn).

In: tsm.pad on a tensor of any rank (dynamic dims allowed: their run-time
sizes are checked against reflect/replicate/circular's requirements);
tsm.upsample2d on (N, C, H, W) with static C, H, W.
Out:
- pad, constant: `tensor.extract_slice` for negative amounts (cropping),
  then `tensor.pad` with the value converted to the element type.
- pad, reflect/replicate/circular, static padded dims: the input inserted in
  the middle of the result (`tensor.insert_slice`) and each border region
  (left/middle/right per padded dim, corners included) a `linalg.generic`
  reading the input through a reversed (reflect), constant (replicate) or
  shifted (circular) affine index into its slice of the result: one pass
  writing each element once.  A dynamic padded dim: one
  `linalg.generic` whose body computes each source coordinate from
  `linalg.index` (reflect: min(|j|, 2(n-1) - |j|); replicate: clamp(j, 0,
  n-1); circular: (j + n) mod n; j = i - low) and reads it with `tensor.extract`.
- upsample2d: a `linalg.generic` reading the input through constant per-row and
  per-column source-index tables (and, for bilinear, weight tables) computed
  here with PyTorch's formulas in its arithmetic precision (float16/bfloat16
  inputs are resized in float32, as PyTorch does).
"""
from __future__ import annotations

import itertools

import numpy as np
from mlir import ir
from mlir.dialects import arith, tensor

from . import builders as b
from .nn_support import affine, attrs, dense, dim_expr, half_in_f32, insert_into, linalg_index, \
    out_sizes, pad, slice_of, static_spatial


def lower_pad(op: ir.Operation) -> ir.Value:
    x = op.operands[0]
    a = attrs(op)
    if a["mode"] == "constant":
        t = b.rtt(x)
        if any(not t.is_dynamic_dim(i) and t.shape[i] + min(lo, 0) + min(hi, 0) <= 0
               for i, (lo, hi) in enumerate(zip(a["low"], a["high"]))):
            # Nothing of x survives: a fill (tensor.pad/extract_slice of
            # empty tensors bufferize to out-of-bounds subviews).
            return _filled_like(op.result, x, a)
        return _constant_pad(x, a["low"], a["high"], a["value"])
    return _edge_pad(x, a["low"], a["high"], a["mode"], b.rtt(op.result))


def _filled_like(result: ir.Value, x: ir.Value, a: dict) -> ir.Value:
    t = b.rtt(result)
    sizes = [arith.addi(b.dim(x, i), b.index(lo + hi)) if t.is_dynamic_dim(i) else t.shape[i]
             for i, (lo, hi) in enumerate(zip(a["low"], a["high"]))]
    return b.filled(sizes, t.element_type, a["value"])


def _constant_pad(x: ir.Value, low: list[int], high: list[int], value: float) -> ir.Value:
    t = b.rtt(x)
    crop_lo, crop_hi = [max(0, -p) for p in low], [max(0, -p) for p in high]
    if any(crop_lo) or any(crop_hi):
        sizes = []
        for i, (lo, hi) in enumerate(zip(crop_lo, crop_hi)):
            if not t.is_dynamic_dim(i):
                sizes.append(t.shape[i] - lo - hi)
                continue
            kept = arith.subi(b.dim(x, i), b.index(lo + hi))
            if lo + hi:
                b.assert_true(arith.cmpi(arith.CmpIPredicate.sge, kept, b.index(0)),
                              f"pad: negative padding {-lo}, {-hi} removes more than the "
                              f"size of dim {i}")
            sizes.append(kept)
        x = slice_of(x, crop_lo, sizes)
    fill = b.constant(value, t.element_type)
    return pad(x, [max(0, p) for p in low], [max(0, p) for p in high], fill)


def _edge_pad(x: ir.Value, low: list[int], high: list[int], mode: str,
              result: ir.RankedTensorType) -> ir.Value:
    t = b.rtt(x)
    if all(not t.is_dynamic_dim(i) for i, (lo, hi) in enumerate(zip(low, high)) if lo or hi):
        return _edge_pad_regions(x, low, high, mode)
    return _edge_pad_gather(x, low, high, mode, result)


def _edge_pad_regions(x: ir.Value, low: list[int], high: list[int], mode: str) -> ir.Value:
    """All padded dims static: x inserted in the middle of the result, then
    each border region (per padded dim left, middle or right, less the all-
    middle one: 3^k - 1 regions for k padded dims, corners included) one
    `linalg.generic` reading x through an affine index and writing its slice
    of the result in place.  Every element of the result is written once,
    from x: no copy of a partly padded tensor per dim, no gathers."""
    t = b.rtt(x)
    rank = t.rank
    sizes = [b.dim(x, i) for i in range(rank)]
    out = b.empty([s + lo + hi if lo or hi else s for s, lo, hi in zip(sizes, low, high)],
                  t.element_type)
    out = insert_into(x, out, low, [1] * rank)
    parts = [_edge_parts(d, s, lo, hi, mode) for d, (s, lo, hi) in
             enumerate(zip(sizes, low, high))]
    for region in itertools.product(*parts):
        if all(part is dim_parts[0] for part, dim_parts in zip(region, parts)):
            continue  # the middle: x itself, inserted above
        offsets = [part[0] for part in region]
        region_sizes = [part[1] for part in region]
        source = x
        if any(part[2] is not None for part in region):  # circular: the slice it repeats
            source = slice_of(x, [part[2] or 0 for part in region],
                              [part[1] if part[2] is not None else s
                               for part, s in zip(region, sizes)])
        x_map = affine(rank, *[part[3] for part in region])
        if x_map == b.identity_map(rank):
            border = source  # (circular) the slice as it is: a plain copy
        else:
            border = b.generic([source], slice_of(out, offsets, region_sizes),
                               [x_map, b.identity_map(rank)], ["parallel"] * rank,
                               lambda v, _out: v)
        out = insert_into(border, out, offsets, [1] * rank)
    return out


def _edge_parts(d: int, n: b.IntOrValue, lo: int, hi: int, mode: str) -> list[tuple]:
    """Dim d's middle, then its borders, each as (offset in the result, size,
    start of the slice of x it copies (circular; else None: all of x along
    d), x's index along d as an affine expr of the region's index j)."""
    j = dim_expr(d)
    parts = [(lo, n, None, j)]
    if not (lo or hi):
        return parts  # (n may be dynamic)
    c = ir.AffineConstantExpr.get
    if mode == "circular":
        # a plain copy of the other end (a slice of x: its size is the region's)
        left, right = (n - lo, j), (0, j)
    else:
        left = (None, c(lo) - j if mode == "reflect" else c(0))
        right = (None, c(n - 2) - j if mode == "reflect" else c(n - 1))
    if lo:
        parts.append((0, lo, *left))
    if hi:
        parts.append((lo + n, hi, *right))
    return parts


def _edge_pad_gather(x: ir.Value, low: list[int], high: list[int], mode: str,
                     result: ir.RankedTensorType) -> ir.Value:
    """Any padded dim dynamic: one generic computing each source coordinate."""
    t = b.rtt(x)
    sizes = [b.dim(x, i) for i in range(t.rank)]
    out = [arith.addi(s, b.index(lo + hi)) if result.is_dynamic_dim(i) else result.shape[i]
           for i, (s, lo, hi) in enumerate(zip(sizes, low, high))]
    for i, (s, lo, hi) in enumerate(zip(sizes, low, high)):
        if isinstance(s, int) or not (lo or hi):
            continue
        # Reflect needs every pad < n, circular every pad <= n (and n > 0),
        # replicate a non-empty dim.
        bound = {"reflect": max(lo, hi), "circular": max(lo, hi, 1) - 1, "replicate": 0}[mode]
        b.assert_true(arith.cmpi(arith.CmpIPredicate.sgt, s, b.index(bound)),
                      f"pad: {mode} padding ({lo}, {hi}) of dim {i} needs a size larger "
                      f"than {bound}")

    def body(_out):
        coords = []
        for d, (s, lo, hi) in enumerate(zip(sizes, low, high)):
            i = linalg_index(d)
            if lo or hi:
                i = _source(arith.subi(i, b.index(lo)), b.as_index(s), mode)
            coords.append(i)
        return tensor.extract(x, coords)

    return b.generic([], b.empty(out, t.element_type), [b.identity_map(t.rank)],
                     ["parallel"] * t.rank, body)


def _source(j: ir.Value, n: ir.Value, mode: str) -> ir.Value:
    """Input coordinate of padded coordinate j (relative to the input start)."""
    if mode == "circular":  # j + n >= 0 since the padding is at most n
        return arith.remsi(arith.addi(j, n), n)
    last = arith.subi(n, b.index(1))
    if mode == "replicate":
        return arith.minsi(arith.maxsi(j, b.index(0)), last)
    mirrored = arith.maxsi(j, arith.subi(b.index(0), j))
    return arith.minsi(mirrored, arith.subi(arith.addi(last, last), mirrored))


def lower_upsample2d(op: ir.Operation) -> ir.Value:
    x = op.operands[0]
    a = attrs(op)
    _, h, w = static_spatial(x)
    sizes = out_sizes(op)
    elem = b.rtt(x).element_type
    i64 = ir.IntegerType.get_signless(64)
    dims = list(zip((h, w), a["size"], (a["scale_h"], a["scale_w"])))
    if a["mode"] == "bilinear":
        dt = np.float64 if isinstance(elem, ir.F64Type) else np.float32
        tables = [linear_taps(n, o, s, a["align_corners"], dt) for n, o, s in dims]
        kinds = [i64, i64, elem, elem]
    else:
        exact = a["mode"] == "nearest-exact"
        tables = [(nearest_taps(n, o, s, exact),) for n, o, s in dims]
        kinds = [i64]
    inputs, maps = [], []
    for d, table in enumerate(tables):
        for values, kind in zip(table, kinds):
            inputs.append(dense(values, kind))
            maps.append(affine(4, 2 + d))
    n_in = len(kinds)

    def body(*args):
        rows, cols = args[:n_in], args[n_in:2 * n_in]
        n, c = linalg_index(0), linalg_index(1)

        def at(r, col):
            return tensor.extract(x, [n, c, arith.index_cast(ir.IndexType.get(), r),
                                      arith.index_cast(ir.IndexType.get(), col)])
        if n_in == 1:
            return at(rows[0], cols[0])
        (r0, r1, rl0, rl1), (c0, c1, cl0, cl1) = rows, cols

        def row(r):
            return arith.addf(arith.mulf(cl0, at(r, c0)), arith.mulf(cl1, at(r, c1)))
        return arith.addf(arith.mulf(rl0, row(r0)), arith.mulf(rl1, row(r1)))

    return b.generic(inputs, b.empty(sizes, elem), maps + [b.identity_map(4)],
                     ["parallel"] * 4, body)


def nearest_taps(size: int, out: int, scale: float | None, exact: bool) -> np.ndarray:
    """PyTorch's nearest_idx / nearest_exact_idx (float arithmetic)."""
    o = np.arange(out)
    if not exact and out == size:
        return o
    if not exact and out == 2 * size:
        return o >> 1
    s = np.float32(1.0 / scale) if scale else np.float32(size) / np.float32(out)
    if exact:
        src = np.floor(((o + 0.5) * np.float64(s)).astype(np.float32))
    else:
        src = np.floor(o.astype(np.float32) * s)
    return np.minimum(src.astype(np.int64), size - 1)


def area_scale(size: int, out: int, scale: float | None, align_corners: bool, dt):
    """ATen's area_pixel_compute_scale in type dt: input pixels per output pixel."""
    if align_corners:
        return dt(size - 1) / dt(out - 1) if out > 1 else dt(0)
    return dt(1.0 / scale) if scale and scale > 0 else dt(size) / dt(out)


def linear_taps(size: int, out: int, scale: float | None, align_corners: bool, dt) -> tuple:
    """PyTorch's linear source indices and weights along one dim, in its
    accumulate type: (i0, i1, lambda0, lambda1)."""
    o = np.arange(out).astype(dt)
    s = area_scale(size, out, scale, align_corners, dt)
    src = s * o if align_corners else np.maximum(s * (o + dt(0.5)) - dt(0.5), dt(0))
    i0 = np.minimum(np.floor(src).astype(np.int64), size - 1)
    l1 = np.clip(src - i0.astype(dt), dt(0), dt(1)).astype(dt)
    i1 = i0 + (i0 < size - 1)
    return i0, i1, (dt(1) - l1).astype(dt), l1


def cubic_taps(size: int, out: int, scale: float | None, align_corners: bool, dt) -> tuple:
    """PyTorch's bicubic source indices (4 per output, clamped to the input)
    and weights (the cubic convolution with A = -0.75) along one dim, in its
    accumulate type: (i0, i1, i2, i3, w0, w1, w2, w3).  Unlike linear, the
    source coordinate is not clamped at 0."""
    o = np.arange(out).astype(dt)
    s = area_scale(size, out, scale, align_corners, dt)
    src = s * o if align_corners else s * (o + dt(0.5)) - dt(0.5)
    base = np.floor(src)
    t = (src - base).astype(dt)
    a = dt(-0.75)

    def near(x):  # |x| <= 1
        return ((a + dt(2)) * x - (a + dt(3))) * x * x + dt(1)

    def far(x):  # 1 < |x| < 2
        return ((a * x - dt(5) * a) * x + dt(8) * a) * x - dt(4) * a
    weights = [far(t + dt(1)), near(t), near(dt(1) - t), far(dt(2) - t)]
    index = [np.clip(base.astype(np.int64) + k, 0, size - 1) for k in (-1, 0, 1, 2)]
    return (*index, *(w.astype(dt) for w in weights))


LOWERINGS = {
    "tsm.pad": lower_pad,
    "tsm.upsample2d": half_in_f32(lower_upsample2d),
}
