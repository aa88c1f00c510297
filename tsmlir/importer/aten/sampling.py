"""Spatial transformers: `F.affine_grid` and `F.grid_sample` (2-D).

In: `aten::affine_grid_generator(theta (N, 2, 3), size [N, C, H, W],
align_corners)` and `aten::grid_sampler(input (N, C, H, W), grid (N, Ho, Wo,
2), interpolation, padding, align_corners)` (what F.grid_sample calls).
Out, in tsm ops:
- affine_grid: the base grid [x, y, 1] over the output pixels, a constant
  (PyTorch's linspace from -1 to 1, scaled by (n-1)/n without align_corners),
  times theta^T: one batched matmul, (H*W, 3) @ (N, 3, 2).
- grid_sample: `tsm.grid_sample` (lowering.grid_sample computes each output
  point's corners once, then reads them for every channel).
Refused: bicubic interpolation, 5-D (volumetric) grids.
"""
from __future__ import annotations

import torch

from ...dialects.types import DYN
from ..context import NodeContext
from ..values import is_tensor
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
    if padding is None:
        cx.fail(f"grid_sample: unknown padding_mode {padding_mode}")
    return cx.build("grid_sample", x, grid, mode=mode, padding=padding,
                    align_corners=bool(align_corners))


HANDLERS = {
    "aten::affine_grid_generator": _affine_grid,
    "aten::grid_sampler": _grid_sampler,
    "aten::grid_sampler_2d": lambda cx, x, grid, mode, padding, ac:
        _grid_sampler(cx, x, grid, mode, padding, ac),
}
