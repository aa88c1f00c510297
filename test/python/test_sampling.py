"""F.affine_grid and F.grid_sample (2-D) against eager: a spatial transformer,
both interpolation modes, zeros and border padding, align_corners, points
outside the input, dynamic batch, and the refusals."""
from __future__ import annotations

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

import tsmlir
from conftest import check_against_eager
from tsmlir import TensorSpec
from tsmlir.errors import TsmlirError


class Sample(nn.Module):
    def __init__(self, mode: str, padding: str, align: bool):
        super().__init__()
        self.mode, self.padding, self.align = mode, padding, align

    def forward(self, x, grid):
        return F.grid_sample(x, grid, mode=self.mode, padding_mode=self.padding,
                             align_corners=self.align)


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding", ["zeros", "border"])
@pytest.mark.parametrize("align", [False, True])
def test_grid_sample(mode, padding, align):
    x = torch.randn(2, 3, 5, 7)
    grid = torch.rand(2, 4, 6, 2) * 2.6 - 1.3  # some points outside [-1, 1]
    grid[0, 0, 0] = torch.tensor([0.25, -0.5])  # on pixel centres / edges
    check_against_eager(Sample(mode, padding, align), [x, grid])


class STN(nn.Module):
    """A spatial transformer: localization net -> theta -> warp."""
    def __init__(self):
        super().__init__()
        self.loc = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(2),
                                 nn.Flatten(), nn.Linear(16, 6))

    def forward(self, x):
        theta = self.loc(x).view(-1, 2, 3)
        grid = F.affine_grid(theta, [x.size(0), 1, 6, 8], align_corners=False)
        return F.grid_sample(x, grid, align_corners=False)


def test_spatial_transformer():
    check_against_eager(STN(), [torch.randn(3, 1, 10, 12)])


def test_spatial_transformer_dynamic_batch():
    check_against_eager(STN(), [torch.randn(2, 1, 10, 12)],
                        input_specs=[TensorSpec((-1, 1, 10, 12))],
                        runs=[(torch.randn(5, 1, 10, 12),)])


class Affine(nn.Module):
    def forward(self, theta):
        return (F.affine_grid(theta, [2, 3, 4, 5], align_corners=True),
                F.affine_grid(theta, [2, 3, 1, 3], align_corners=False))


def test_affine_grid():
    check_against_eager(Affine(), [torch.randn(2, 2, 3)])


def test_refusals():
    x, grid = torch.randn(1, 1, 4, 4), torch.rand(1, 2, 2, 2)
    with pytest.raises(TsmlirError, match="mode 'bicubic' is not supported"):
        tsmlir.compile_module(Sample("bicubic", "zeros", False), [x, grid])
    with pytest.raises(TsmlirError, match="padding_mode 'reflection' is not supported"):
        tsmlir.compile_module(Sample("bilinear", "reflection", False), [x, grid])
