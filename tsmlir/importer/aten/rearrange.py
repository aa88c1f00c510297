"""Rearrangements built from views: pixel_shuffle / pixel_unshuffle,
channel_shuffle, meshgrid, rot90 and unfold (im2col).

In: the aten ops (nn.PixelShuffle / PixelUnshuffle / ChannelShuffle,
torch.meshgrid with `indexing="ij"` or `"xy"`).
Out: `tsm.reshape` + `tsm.permute` (+ reshape back) for the shuffles, the
same sequence eager PyTorch runs; meshgrid's outputs are each input viewed
with size 1 in the other dims and expanded (`tsm.expand`: no copy until
a consumer reads it); rot90 is flips and a transpose (as eager); unfold
(`F.unfold`, im2col) pads, takes one strided slice per kernel offset and
stacks them: (N, C, H, W) -> (N, C*kh*kw, L), static H and W; fold
(col2im), its adjoint, gathers each output pixel's columns through a
compile-time table and sums them.
Leading (batch) dims may be dynamic; of the two spatial dims of a shuffle,
at most one may be dynamic (a view leaves one size to run time).
"""
from __future__ import annotations

import torch

from ..context import NodeContext
from ..values import DynSize, is_tensor
from .data_movement import _flip, expand_to
from .nn import _constant_pad
from .sequence import _stack
from .shape import _sizes_of, _transpose, reshape_to


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


def _rot90(cx: NodeContext, x, k=1, dims=(0, 1)):
    if not is_tensor(x) or not isinstance(k, int) or not isinstance(dims, (list, tuple)) \
            or len(dims) != 2:
        cx.fail(f"rot90 expects a tensor, a compile-time k and two dims, got k={k!r}, "
                f"dims={dims!r}")
    a, b = dims
    k %= 4
    if k == 0:
        return x
    if k == 2:
        return _flip(cx, x, [a, b])
    return _transpose(cx, _flip(cx, x, [b] if k == 1 else [a]), a, b)


def _pairs(cx: NodeContext, name: str, *values) -> list[tuple[int, int]]:
    out = []
    for v in values:
        v = list(v) if isinstance(v, (list, tuple)) else [v, v]
        if len(v) != 2 or not all(isinstance(i, int) and not isinstance(i, bool) for i in v):
            cx.fail(f"{name} expects pairs of compile-time ints, got {v!r}")
        out.append(tuple(v))
    return out


def _im2col(cx: NodeContext, x, kernel_size, dilation, padding, stride):
    """F.unfold: column l of row (c, i, j) is x_padded[c, i*d + s*oh, j*d + s*ow]."""
    if not is_tensor(x) or cx.type(x).rank not in (3, 4):
        cx.fail(f"unfold expects a 3-D or 4-D input, got {x!r}")
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = _pairs(cx, "unfold", kernel_size, dilation,
                                                    padding, stride)
    t = cx.type(x)
    *lead, c, h, w = _sizes_of(x, t.shape)
    if isinstance(h, DynSize) or isinstance(w, DynSize) or isinstance(c, DynSize):
        cx.fail(f"unfold needs static channels, height and width, got {t}")
    oh, ow = ((n + 2 * p - d * (k - 1) - 1) // s + 1
              for n, p, d, k, s in ((h, ph, dh, kh, sh), (w, pw, dw, kw, sw)))
    if oh <= 0 or ow <= 0:
        cx.fail(f"unfold: the kernel ({kh}, {kw}) does not fit the padded input {t}")
    padded = _constant_pad(cx, x, [pw, pw, ph, ph]) if ph or pw else x
    r = t.rank
    cols = []
    for i in range(kh):
        rows = cx.build("slice", padded, dim=r - 2, start=i * dh, end=i * dh + sh * (oh - 1) + 1,
                        step=sh)
        for j in range(kw):
            cols.append(cx.build("slice", rows, dim=r - 1, start=j * dw,
                                 end=j * dw + sw * (ow - 1) + 1, step=sw))
    stacked = _stack(cx, cols, r - 2)  # (..., C, kh*kw, oh, ow)
    return reshape_to(cx, stacked, [*lead, c * kh * kw, oh * ow])


def _col2im(cx: NodeContext, x, output_size, kernel_size, dilation, padding, stride):
    """F.fold, the adjoint of unfold: out[c, y, x] sums the columns of every
    block covering (y, x).  A gather, not a scatter-add: for each kernel
    offset k and output pixel, the block l that put its value there (a table
    known at compile time) or, if none, a zero column appended at l = L; then
    a sum over the kh*kw offsets."""
    if not is_tensor(x) or cx.type(x).rank not in (2, 3):
        cx.fail(f"Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and "
                f"non-zero dimensions for input, but got: {x!r}")
    (h, w), (kh, kw), (dh, dw), (ph, pw), (sh, sw) = _pairs(
        cx, "fold", output_size, kernel_size, dilation, padding, stride)
    if min(kh, kw, sh, sw, dh, dw) <= 0 or min(ph, pw) < 0:
        cx.fail(f"fold expects positive kernel_size, dilation and stride and non-negative padding, "
                f"got kernel_size=({kh}, {kw}), dilation=({dh}, {dw}), padding=({ph}, {pw}), "
                f"stride=({sh}, {sw})")
    *lead, ck, length = _sizes_of(x, cx.type(x).shape)
    if isinstance(ck, DynSize) or isinstance(length, DynSize):
        cx.fail(f"fold needs a static channel and block count, got {cx.type(x)}")
    if ck % (kh * kw):
        cx.fail(f"Expected size of input's dimension {len(lead)} to be divisible by the product of "
                f"kernel_size, but got input.size({len(lead)})={ck} and kernel_size=({kh}, {kw})")
    bh, bw = ((n + 2 * p - d * (k - 1) - 1) // s + 1
              for n, p, d, k, s in ((h, ph, dh, kh, sh), (w, pw, dw, kw, sw)))
    if bh < 1 or bw < 1:
        cx.fail(f"Given output_size=({h}, {w}), kernel_size=({kh}, {kw}), dilation=({dh}, {dw}), "
                f"padding=({ph}, {pw}), stride=({sh}, {sw}), calculated shape of the array of "
                f"sliding blocks as ({bh}, {bw}), which is too small (non-positive)")
    if bh * bw != length:
        cx.fail(f"Given output_size=({h}, {w}), kernel_size=({kh}, {kw}), dilation=({dh}, {dw}), "
                f"padding=({ph}, {pw}), stride=({sh}, {sw}), expected size of input's dimension "
                f"{len(lead) + 1} to match the calculated number of sliding blocks {bh} * {bw} = "
                f"{bh * bw}, but got input.size({len(lead) + 1})={length}.")
    table = torch.full((kh * kw, h * w, 1), 0, dtype=torch.int64)
    for i in range(kh):
        for j in range(kw):
            row = (torch.arange(h) + ph - i * dh).view(-1, 1)
            col = (torch.arange(w) + pw - j * dw).view(1, -1)
            ok = (row % sh == 0) & (row // sh < bh) & (row >= 0) \
                & (col % sw == 0) & (col // sw < bw) & (col >= 0)
            block = torch.where(ok, (row // sh) * bw + col // sw, torch.tensor(length))
            table[i * kw + j, :, 0] = (block + (i * kw + j) * (length + 1)).flatten()
    c = ck // (kh * kw)
    cols = _constant_pad(cx, reshape_to(cx, x, [*lead, c, kh * kw, length]), [0, 1])
    cols = reshape_to(cx, cols, [*lead, c, kh * kw * (length + 1)])
    picked = cx.build("index", cols, cx.constant(table), dim=len(lead) + 1)  # (.., C, K, H*W)
    summed = cx.build("sum", picked, dims=[len(lead) + 1], keepdim=False)
    return reshape_to(cx, summed, [*lead, c, h, w])


HANDLERS = {
    "aten::rot90": _rot90,
    "aten::im2col": _im2col,
    "aten::col2im": _col2im,
    "aten::pixel_shuffle": _pixel_shuffle,
    "aten::pixel_unshuffle": _pixel_unshuffle,
    "aten::channel_shuffle": _channel_shuffle,
    "aten::native_channel_shuffle": _channel_shuffle,
    "aten::meshgrid": _meshgrid,
    "aten::meshgrid.indexing": _meshgrid,
}
