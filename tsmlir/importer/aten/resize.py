"""Resizing modes without a tsm op of their own: bicubic (2-D), trilinear
and nearest / nearest-exact (3-D), and antialiased bilinear / bicubic (2-D).

In: `aten::upsample_bicubic2d`, `upsample_trilinear3d`, `upsample_nearest3d`,
`_upsample_nearest_exact3d`, `_upsample_bilinear2d_aa`, `_upsample_bicubic2d_aa`
(and their `.vec` forms) on (N, C, *spatial) or (C, *spatial) inputs with
static spatial dims.
Out: the resize done one dim at a time, the last first (the order PyTorch's
kernels combine the taps in): along a dim, `tsm.index` gathers of the taps'
source rows (constant index tables) weighted by constant tables and summed
(4 taps bicubic, 2 linear, 1 nearest).  The tables are PyTorch's index
math (`lowering.resampling`'s *_taps, shared with tsm.upsample2d), in its
accumulate type (float32 for float32, float64 for float64).
Antialiased modes (F.interpolate(..., antialias=True), torchvision's resize)
take ATen's filter taps (`aa_taps`): when downscaling by s, the filter is
widened by s, so each output reads 2 * ceil(s) + 1 (bilinear) or
4 * ceil(s) + 1 (bicubic, A = -0.5) inputs, weights normalized to sum 1; a dim
whose size does not change is left as it is (as ATen skips it).
Half-precision inputs are resized in float32 and rounded once, as PyTorch.
A dynamic spatial dim is StaticSizeRequired (the JIT then compiles per size).
"""
from __future__ import annotations

import numpy as np
import torch

from ...dialects.types import DYN
from ...errors import StaticSizeRequired
from ...lowering.resampling import area_scale, cubic_taps, linear_taps, nearest_taps
from ..context import NodeContext
from .elementwise import cast
from .nn import _ints, _upsample_size


def _aa_bilinear(x):
    x = abs(x)
    return 1 - x if x < 1 else 0 * x


def _aa_bicubic(x, a=-0.5):
    x = abs(x)
    if x < 1:
        return ((a + 2) * x - (a + 3)) * x * x + 1
    if x < 2:
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return 0 * x


def aa_taps(size: int, out: int, scale, align_corners: bool, interp_size: int,
            dt) -> tuple[list, list]:
    """ATen's antialiased taps along one dim (_compute_weights_aa): per
    output i, the inputs [xmin, xmin + xsize) around center = s (i + 0.5)
    weighted by the filter at (j - center + 0.5) / max(s, 1), normalized.
    Padded to the widest window with weight 0 (index clamped).  Computed in
    dt (ATen's opmath type), with its double-precision intermediate steps."""
    f = dt
    s = area_scale(size, out, scale, align_corners, f)
    support = f(interp_size * 0.5 * float(s)) if s >= 1 else f(interp_size * 0.5)
    width = int(np.ceil(support)) * 2 + 1
    invscale = f(1.0 / float(s)) if s >= 1 else f(1.0)
    filt = _aa_bilinear if interp_size == 2 else _aa_bicubic
    index = np.zeros((width, out), np.int64)
    weight = np.zeros((width, out), dt)
    for i in range(out):
        center = f(float(s) * (i + 0.5))
        xmin = max(int(float(center - support) + 0.5), 0)
        xsize = min(int(float(center + support) + 0.5), size) - xmin
        xsize = min(max(xsize, 0), width)
        w = [filt(f((float(f(j + xmin) - center) + 0.5) * float(invscale)))
             for j in range(xsize)]
        total = f(0)
        for v in w:
            total = f(total + v)
        for j, v in enumerate(w):
            weight[j, i] = f(v / total) if total != 0 else v
        index[:, i] = np.minimum(xmin + np.arange(width), size - 1)
    return list(index), list(weight)


def _taps(mode: str, size: int, out: int, scale, align_corners: bool, dt) -> tuple[list, list]:
    """(index tables, weight tables or []) for one dim."""
    if mode.startswith("aa-"):
        return aa_taps(size, out, scale, align_corners, 2 if mode == "aa-linear" else 4, dt)
    if mode == "cubic":
        t = cubic_taps(size, out, scale, align_corners, dt)
        return list(t[:4]), list(t[4:])
    if mode == "linear":
        t = linear_taps(size, out, scale, align_corners, dt)
        return list(t[:2]), list(t[2:])
    return [nearest_taps(size, out, scale, mode == "nearest-exact")], []


def _along(cx: NodeContext, x, dim: int, indices: list, weights: list, dtype):
    """sum_k weights[k][:, None...] * x gathered at indices[k] along dim."""
    rank = cx.type(x).rank
    out = None
    for k, index in enumerate(indices):
        coords = cx.constant(torch.from_numpy(np.ascontiguousarray(index)).reshape(-1, 1))
        tap = cx.build("index", x, coords, dim=dim)
        if weights:
            w = torch.from_numpy(np.ascontiguousarray(weights[k])).to(dtype)
            tap = cx.build("mul", tap, cx.constant(w.reshape([-1] + [1] * (rank - 1 - dim))))
        out = tap if out is None else cx.build("add", out, tap)
    return out


def _resize(mode: str, nd: int, vec: bool):
    """The handler of one aten resize op: `.vec` forms take (output_size,
    [align_corners,] scale_factors), the others (output_size,
    [align_corners,] one scale per dim)."""
    def handler(cx: NodeContext, x, output_size, *rest):
        align_corners = False
        if mode != "nearest" and mode != "nearest-exact":
            align_corners, rest = bool(rest[0]), rest[1:]
        t = cx.type(x)
        if t.rank not in (nd + 1, nd + 2):
            cx.fail(f"expected a {nd + 1}-D or {nd + 2}-D input, got {t}")
        spatial = list(t.shape[-nd:])
        if DYN in spatial:
            raise StaticSizeRequired(f"{cx.node.kind()}: resizing needs static spatial dims, "
                                     f"got {t}", cx.loc)
        if vec:
            size, scales = _upsample_size(cx, x, nd, output_size, rest[0] if rest else None)
        else:
            size = _ints(cx, output_size, "output_size", nd)
            scales = list(rest[:nd]) + [None] * (nd - len(rest[:nd]))
        half = t.dtype in (torch.float16, torch.bfloat16)
        work = torch.float32 if half else t.dtype
        if not work.is_floating_point and not mode.startswith("nearest"):
            cx.fail(f"{mode} resizing expects a floating-point input, got {t}")
        dt = np.float64 if work == torch.float64 else np.float32
        y = cast(cx, x, work)
        for d in reversed(range(nd)):  # the last dim first, as PyTorch combines the taps
            if mode.startswith("aa-") and size[d] == spatial[d]:
                continue
            index, weights = _taps(mode, spatial[d], size[d], scales[d], align_corners, dt)
            y = _along(cx, y, t.rank - nd + d, index, weights, work)
        return cast(cx, y, t.dtype)
    return handler


HANDLERS = {
    "aten::upsample_bicubic2d.vec": _resize("cubic", 2, vec=True),
    "aten::upsample_bicubic2d": _resize("cubic", 2, vec=False),
    "aten::_upsample_bilinear2d_aa.vec": _resize("aa-linear", 2, vec=True),
    "aten::_upsample_bilinear2d_aa": _resize("aa-linear", 2, vec=False),
    "aten::_upsample_bicubic2d_aa.vec": _resize("aa-cubic", 2, vec=True),
    "aten::_upsample_bicubic2d_aa": _resize("aa-cubic", 2, vec=False),
    "aten::upsample_trilinear3d.vec": _resize("linear", 3, vec=True),
    "aten::upsample_trilinear3d": _resize("linear", 3, vec=False),
    "aten::upsample_nearest3d.vec": _resize("nearest", 3, vec=True),
    "aten::upsample_nearest3d": _resize("nearest", 3, vec=False),
    "aten::_upsample_nearest_exact3d.vec": _resize("nearest-exact", 3, vec=True),
    "aten::_upsample_nearest_exact3d": _resize("nearest-exact", 3, vec=False),
}
