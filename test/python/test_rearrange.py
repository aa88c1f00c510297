"""pixel_shuffle / pixel_unshuffle / channel_shuffle / meshgrid against eager,
with dynamic batch and spatial dims, and their refusals."""
from __future__ import annotations

import pytest
import torch
import torch.nn as nn

import tsmlir
from conftest import check_against_eager
from tsmlir import TensorSpec
from tsmlir.errors import TsmlirError


class SuperRes(nn.Module):
    """ESPCN's tail: conv to C*r*r channels, pixel shuffle, clamp."""
    def __init__(self, r=3):
        super().__init__()
        self.conv, self.shuffle = nn.Conv2d(3, 3 * r * r, 3, padding=1), nn.PixelShuffle(r)

    def forward(self, x):
        return torch.clamp(self.shuffle(self.conv(x)), 0, 1)


def test_pixel_shuffle_model():
    check_against_eager(SuperRes(), [torch.rand(2, 3, 5, 7)])


@pytest.mark.parametrize("shape,r", [((1, 8, 3, 5), 2), ((2, 3, 18, 4, 4), 3), ((9, 2, 2), 1)])
def test_pixel_shuffle_ranks(shape, r):
    check_against_eager(nn.PixelShuffle(r), [torch.randn(*shape)])


@pytest.mark.parametrize("shape,r", [((1, 2, 6, 4), 2), ((2, 3, 2, 9, 6), 3)])
def test_pixel_unshuffle_roundtrip(shape, r):
    check_against_eager(nn.PixelUnshuffle(r), [torch.randn(*shape)])
    check_against_eager(nn.Sequential(nn.PixelUnshuffle(r), nn.PixelShuffle(r)),
                        [torch.randn(*shape)])


def test_shuffles_dynamic_batch_and_width():
    m = nn.Sequential(nn.PixelShuffle(2), nn.PixelUnshuffle(2), nn.ChannelShuffle(2))
    runs = [(torch.randn(b, 8, 3, w),) for b, w in ((1, 1), (3, 5), (2, 8))]
    check_against_eager(m, list(runs[0]), input_specs=[TensorSpec((-1, 8, 3, -1))], runs=runs[1:])


def test_channel_shuffle():
    check_against_eager(nn.ChannelShuffle(3), [torch.randn(2, 12, 5, 5)])


class Grid(nn.Module):
    def forward(self, x, y):
        gy, gx = torch.meshgrid(torch.arange(x.shape[2]), torch.arange(x.shape[3]), indexing="ij")
        a, b, c = torch.meshgrid(x[0, 0, 0], y, torch.tensor(2.0), indexing="xy")
        return x + torch.stack((gx, gy), 0).float()[None, :1], a * b + c


def test_meshgrid():
    check_against_eager(Grid(), [torch.randn(1, 2, 3, 4), torch.randn(5)])


class YoloGrid(nn.Module):
    """A detection head's decoding: the cell grid added to sigmoid offsets."""
    def forward(self, p):
        b, h, w = p.shape[0], p.shape[2], p.shape[3]
        p = p.view(b, 3, 6, h, w).permute(0, 1, 3, 4, 2)
        gy, gx = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
        grid = torch.stack((gx, gy), 2).view(1, 1, h, w, 2).float()
        return torch.cat([(p[..., :2].sigmoid() + grid) * 8.0, p[..., 2:].exp()], -1)


def test_meshgrid_in_a_detection_head():
    check_against_eager(YoloGrid(), [torch.randn(2, 18, 5, 7)])


def test_pixel_shuffle_refusals():
    with pytest.raises(TsmlirError, match=r"channels \(6\) to be divisible by the square"):
        tsmlir.compile_module(nn.PixelShuffle(2), [torch.randn(1, 6, 2, 2)])
    with pytest.raises(TsmlirError, match="at most one of the height and width may be dynamic"):
        tsmlir.compile_module(nn.PixelShuffle(2), input_specs=[TensorSpec((1, 8, -1, -1))])
    with pytest.raises(TsmlirError, match=r"width \(5\) to be divisible"):
        tsmlir.compile_module(nn.PixelUnshuffle(2), [torch.randn(1, 1, 4, 5)])


class Rot(nn.Module):
    def forward(self, x):
        return (torch.rot90(x, 1, [1, 2]), torch.rot90(x, 2, [1, 2]), torch.rot90(x, -1, [2, 1]),
                torch.rot90(x, 4, [0, 1]))


def test_rot90():
    check_against_eager(Rot(), [torch.randn(2, 3, 5)])


class Unfold(nn.Module):
    def __init__(self, **kw):
        super().__init__()
        self.kw = kw

    def forward(self, x):
        return nn.functional.unfold(x, **self.kw)


@pytest.mark.parametrize("shape,kw", [
    ((2, 3, 8, 7), dict(kernel_size=3, padding=1, stride=2)),
    ((1, 2, 6, 6), dict(kernel_size=(2, 3), dilation=(2, 1))),
    ((3, 5, 4), dict(kernel_size=2, stride=2)),            # unbatched
    ((1, 1, 1, 1), dict(kernel_size=1)),
])
def test_unfold(shape, kw):
    check_against_eager(torch.jit.trace(Unfold(**kw), torch.randn(*shape)), [torch.randn(*shape)])


def test_unfold_dynamic_batch():
    x = torch.randn(2, 3, 6, 6)
    m = torch.jit.trace(Unfold(kernel_size=3, stride=3), x)
    check_against_eager(m, [x], input_specs=[TensorSpec((-1, 3, 6, 6))],
                        runs=[(torch.randn(5, 3, 6, 6),)])
