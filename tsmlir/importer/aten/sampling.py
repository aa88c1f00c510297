"""Spatial transformers: `F.affine_grid` and `F.grid_sample` (2-D).

In: `aten::affine_grid_generator(theta (N, 2, 3), size [N, C, H, W],
align_corners)` and `aten::grid_sampler(input (N, C, H, W), grid (N, Ho, Wo,
2), interpolation, padding, align_corners)` (what F.grid_sample calls).
Out, in tsm ops:
- affine_grid: the base grid [x, y, 1] over the output pixels, a constant
  (PyTorch's linspace from -1 to 1, scaled by (n-1)/n without align_corners),
  times theta^T: one batched matmul, (H*W, 3) @ (N, 3, 2).
- grid_sample: the grid unnormalized to pixel coordinates (border padding
  clamps them), then per corner (bilinear: the 4 around the point, weighted
  by the opposite areas; nearest: the rounded one, ties to even) a
  `tsm.gather` of the input flattened to (N, C, H*W) at y*W + x, with the
  corners outside the input (zeros padding) masked to 0 and their index
  clamped in range.  PyTorch's formulas, in the input's dtype.
Refused: bicubic interpolation, reflection padding, 5-D (volumetric) grids.
"""
from __future__ import annotations

import torch

from ...dialects.types import DYN
from ..context import NodeContext
from ..values import is_tensor
from .data_movement import expand_to
from .elementwise import _clamp, cast
from .shape import _sizes_of, reshape_to

_MODES = {0: "bilinear", 1: "nearest", 2: "bicubic"}
_PADDINGS = {0: "zeros", 1: "border", 2: "reflection"}


def _base_line(steps: int, align_corners: bool) -> torch.Tensor:
    """PyTorch's linspace_from_neg_one."""
    if steps <= 1:
        return torch.zeros(1)
    line = torch.linspace(-1, 1, steps)
    return line if align_corners else line * (steps - 1) / steps


def _affine_grid(cx: NodeContext, theta, size, align_corners):
    if not is_tensor(theta) or not isinstance(size, (list, tuple)) \
            or not all(isinstance(s, int) for s in size):
        cx.fail("affine_grid expects theta and a compile-time size list")
    if len(size) != 4:
        cx.fail(f"affine_grid supports 4-D sizes (N, C, H, W), got {list(size)}")
    t = cx.type(theta)
    if t.rank != 3 or t.shape[1:] != (2, 3) or not t.dtype.is_floating_point:
        cx.fail(f"affine_grid expects a floating-point theta of shape (N, 2, 3), got {t}")
    n, _, h, w = size
    xs, ys = _base_line(w, bool(align_corners)), _base_line(h, bool(align_corners))
    base = torch.stack([xs.expand(h, w), ys[:, None].expand(h, w), torch.ones(h, w)], -1)
    base = cx.constant(base.reshape(h * w, 3).to(t.dtype))
    grid = cx.build("matmul", base, cx.build("permute", theta, perm=[0, 2, 1]))
    return reshape_to(cx, grid, [_sizes_of(theta, t.shape)[0], h, w, 2])


def _unnormalize(cx: NodeContext, coord, size: int, align_corners: bool):
    """[-1, 1] -> pixel coordinates along a dim of `size` pixels."""
    if align_corners:
        return cx.build("mul", cx.build("add", coord, cx.scalar(1.0, coord)),
                        cx.scalar((size - 1) / 2, coord))
    scaled = cx.build("mul", cx.build("add", coord, cx.scalar(1.0, coord)), cx.scalar(size, coord))
    return cx.build("div", cx.build("sub", scaled, cx.scalar(1.0, coord)), cx.scalar(2.0, coord))


class _Corners:
    """Reads input (N, C, H, W) at integer pixel coordinates (N, Ho, Wo) given
    as floats: out-of-range ones read 0."""

    def __init__(self, cx: NodeContext, x):
        self.cx, self.t = cx, cx.type(x)
        n, c, self.h, self.w = _sizes_of(x, self.t.shape)
        self.flat = reshape_to(cx, x, [n, c, self.h * self.w])
        self.n, self.c = n, c

    def read(self, ix, iy):
        cx = self.cx
        inside = cx.build("logical_and",
                          cx.build("logical_and", cx.build("ge", ix, cx.scalar(0.0, ix)),
                                   cx.build("le", ix, cx.scalar(self.w - 1.0, ix))),
                          cx.build("logical_and", cx.build("ge", iy, cx.scalar(0.0, iy)),
                                   cx.build("le", iy, cx.scalar(self.h - 1.0, iy))))
        col = cast(cx, _clamp(cx, ix, 0.0, self.w - 1.0), torch.int64)
        row = cast(cx, _clamp(cx, iy, 0.0, self.h - 1.0), torch.int64)
        at = cx.build("add", cx.build("mul", row, cx.scalar(self.w, row)), col)  # (N, Ho, Wo)
        go = cx.type(at).shape
        at = reshape_to(cx, at, [self.n, 1, go[1] * go[2]])
        values = cx.build("gather", self.flat, expand_to(cx, at, [self.n, self.c, go[1] * go[2]]),
                          dim=2)
        values = reshape_to(cx, values, [self.n, self.c, go[1], go[2]])
        mask = reshape_to(cx, inside, [self.n, 1, go[1], go[2]])
        return cx.build("where", mask, values, cx.scalar(0.0, values))


def _grid_sampler(cx: NodeContext, x, grid, interpolation_mode, padding_mode, align_corners):
    if not is_tensor(x) or not is_tensor(grid):
        cx.fail("grid_sample expects tensor input and grid")
    t, g = cx.type(x), cx.type(grid)
    if t.rank != 4 or g.rank != 4 or g.shape[3] != 2:
        cx.fail(f"grid_sample supports 4-D input with an (N, H, W, 2) grid, got {t} and {g}")
    if DYN in t.shape[1:] or DYN in g.shape[1:]:
        cx.fail(f"grid_sample needs static sizes but the batch, got {t} and {g}")
    if not t.dtype.is_floating_point or g.dtype != t.dtype:
        cx.fail(f"grid_sample expects input and grid of one floating-point dtype, got {t}, {g}")
    mode, padding = _MODES.get(interpolation_mode), _PADDINGS.get(padding_mode)
    if mode not in ("bilinear", "nearest"):
        cx.fail(f"grid_sample: mode '{mode}' is not supported (bilinear and nearest are)")
    if padding not in ("zeros", "border"):
        cx.fail(f"grid_sample: padding_mode '{padding}' is not supported (zeros and border are)")
    _, _, h, w = t.shape
    gx, gy = (reshape_to(cx, cx.build("slice", grid, dim=3, start=k, end=k + 1, step=1),
                         _sizes_of(grid, g.shape)[:3]) for k in (0, 1))
    ix, iy = _unnormalize(cx, gx, w, bool(align_corners)), _unnormalize(cx, gy, h, bool(align_corners))
    if padding == "border":
        ix, iy = _clamp(cx, ix, 0.0, w - 1.0), _clamp(cx, iy, 0.0, h - 1.0)
    corners = _Corners(cx, x)
    if mode == "nearest":
        return corners.read(cx.build("round", ix), cx.build("round", iy))
    x0, y0 = cx.build("floor", ix), cx.build("floor", iy)
    x1, y1 = cx.build("add", x0, cx.scalar(1.0, x0)), cx.build("add", y0, cx.scalar(1.0, y0))
    out = None
    for cx_, cy_, wx, wy in ((x0, y0, cx.build("sub", x1, ix), cx.build("sub", y1, iy)),
                             (x1, y0, cx.build("sub", ix, x0), cx.build("sub", y1, iy)),
                             (x0, y1, cx.build("sub", x1, ix), cx.build("sub", iy, y0)),
                             (x1, y1, cx.build("sub", ix, x0), cx.build("sub", iy, y0))):
        weight = reshape_to(cx, cx.build("mul", wx, wy), [corners.n, 1, *cx.type(wx).shape[1:]])
        term = cx.build("mul", corners.read(cx_, cy_), weight)
        out = term if out is None else cx.build("add", out, term)
    return out


HANDLERS = {
    "aten::affine_grid_generator": _affine_grid,
    "aten::grid_sampler": _grid_sampler,
    "aten::grid_sampler_2d": lambda cx, x, grid, mode, padding, ac:
        _grid_sampler(cx, x, grid, mode, padding, ac),
}
