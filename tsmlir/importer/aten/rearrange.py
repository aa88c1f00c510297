"""Rearrangements built from views: pixel_shuffle / pixel_unshuffle,
channel_shuffle and meshgrid.

In: the aten ops (nn.PixelShuffle / PixelUnshuffle / ChannelShuffle,
torch.meshgrid with `indexing="ij"` or `"xy"`).
Out: `tsm.reshape` + `tsm.permute` (+ reshape back) for the shuffles, the
same sequence eager PyTorch runs; meshgrid's outputs are each input viewed
with size 1 in the other dims and expanded (`tsm.expand`: no copy until
a consumer reads it).
Leading (batch) dims may be dynamic; of the two spatial dims of a shuffle,
at most one may be dynamic (a view leaves one size to run time).
"""
from __future__ import annotations

from ..context import NodeContext
from ..values import DynSize, is_tensor
from .data_movement import expand_to
from .shape import _sizes_of, reshape_to


def _spatial(cx: NodeContext, x, name: str, factor) -> list:
    if not is_tensor(x):
        cx.fail(f"{name} expects a tensor, got {type(x).__name__}")
    if not isinstance(factor, int) or isinstance(factor, bool) or factor <= 0:
        cx.fail(f"{name}: the factor must be a positive int known at compile time, got {factor!r}")
    t = cx.type(x)
    if t.rank < 3:
        cx.fail(f"{name} expects an input of at least 3 dims (..., C, H, W), got {t}")
    sizes = _sizes_of(x, t.shape)
    if sum(isinstance(s, DynSize) for s in sizes[-2:]) > 1:
        cx.fail(f"{name}: at most one of the height and width may be dynamic, got {t}")
    if isinstance(sizes[-3], DynSize):
        cx.fail(f"{name}: the channel dim must be static, got {t}")
    return sizes


def _scaled(size, by: int, shrink: bool):
    """A spatial size times (or divided by) the factor; -1 (resolved by the
    view) for a dynamic one."""
    if isinstance(size, DynSize):
        return -1
    return size // by if shrink else size * by


def _pixel_shuffle(cx: NodeContext, x, upscale_factor):
    """(..., C*r*r, H, W) -> (..., C, H*r, W*r)."""
    sizes = _spatial(cx, x, "pixel_shuffle", upscale_factor)
    r, (*lead, c, h, w) = upscale_factor, sizes
    if c % (r * r):
        cx.fail(f"pixel_shuffle expects its channels ({c}) to be divisible by the square of "
                f"the upscale factor ({r * r})")
    n = len(lead)
    y = reshape_to(cx, x, [*lead, c // (r * r), r, r, h, w])
    y = cx.build("permute", y, perm=[*range(n), n, n + 3, n + 1, n + 4, n + 2])
    return reshape_to(cx, y, [*lead, c // (r * r), _scaled(h, r, False), _scaled(w, r, False)])


def _pixel_unshuffle(cx: NodeContext, x, downscale_factor):
    """(..., C, H*r, W*r) -> (..., C*r*r, H, W)."""
    sizes = _spatial(cx, x, "pixel_unshuffle", downscale_factor)
    r, (*lead, c, h, w) = downscale_factor, sizes
    for what, s in (("height", h), ("width", w)):
        if isinstance(s, int) and s % r:
            cx.fail(f"pixel_unshuffle expects the {what} ({s}) to be divisible by the "
                    f"downscale factor ({r})")
    n = len(lead)
    hh, ww = _scaled(h, r, True), _scaled(w, r, True)
    y = reshape_to(cx, x, [*lead, c, hh, r, ww, r])
    y = cx.build("permute", y, perm=[*range(n), n, n + 2, n + 4, n + 1, n + 3])
    return reshape_to(cx, y, [*lead, c * r * r, hh, ww])


def _channel_shuffle(cx: NodeContext, x, groups):
    """(N, C, *rest) -> the channels regrouped: view (N, g, C/g, *rest),
    swap g and C/g, view back."""
    if not is_tensor(x) or cx.type(x).rank < 3:
        cx.fail(f"channel_shuffle expects an input of at least 3 dims, got {x!r}")
    if not isinstance(groups, int) or isinstance(groups, bool) or groups <= 0:
        cx.fail(f"channel_shuffle: groups must be a positive int known at compile time, "
                f"got {groups!r}")
    n, c, *rest = _sizes_of(x, cx.type(x).shape)
    if isinstance(c, DynSize) or c % groups:
        cx.fail(f"channel_shuffle expects a static channel count divisible by groups "
                f"({groups}), got {cx.type(x)}")
    y = reshape_to(cx, x, [n, groups, c // groups, *rest])
    y = cx.build("permute", y, perm=[0, 2, 1, *range(3, 3 + len(rest))])
    return reshape_to(cx, y, [n, c, *rest])


def _meshgrid(cx: NodeContext, tensors, indexing="ij"):
    if indexing not in ("ij", "xy"):
        cx.fail(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    if not isinstance(tensors, (list, tuple)) or not tensors \
            or not all(is_tensor(t) and cx.type(t).rank <= 1 for t in tensors):
        cx.fail("meshgrid expects a non-empty list of 0-d or 1-d tensors")
    rows = [reshape_to(cx, t, [-1]) for t in tensors]
    sizes = [_sizes_of(t, cx.type(t).shape)[0] for t in rows]
    if len({cx.type(t).dtype for t in rows}) > 1:
        cx.fail("meshgrid expects all tensors to have the same dtype")
    order = list(range(len(rows)))
    if indexing == "xy" and len(rows) > 1:  # the first two dims swap
        order[0], order[1] = 1, 0
    grid = [sizes[k] for k in order]
    out = []
    for k, t in enumerate(rows):
        at = order.index(k)
        view = reshape_to(cx, t, [sizes[k] if i == at else 1 for i in range(len(rows))])
        out.append(expand_to(cx, view, grid))
    return out


HANDLERS = {
    "aten::pixel_shuffle": _pixel_shuffle,
    "aten::pixel_unshuffle": _pixel_unshuffle,
    "aten::channel_shuffle": _channel_shuffle,
    "aten::native_channel_shuffle": _channel_shuffle,
    "aten::meshgrid": _meshgrid,
    "aten::meshgrid.indexing": _meshgrid,
}
