"""Bicubic (2-D), trilinear and nearest / nearest-exact (3-D) resizing against
eager: sizes and scale factors, align_corners, downscaling, f64 and f16,
dynamic batch and (JIT) dynamic spatial dims."""
from __future__ import annotations

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from conftest import check_against_eager
import tsmlir
from tsmlir import TensorSpec


class Resize(nn.Module):
    def __init__(self, **kw):
        super().__init__()
        self.kw = kw

    def forward(self, x):
        return F.interpolate(x, **self.kw)


def _check(shape, dtype=torch.float32, **kw):
    x = torch.randn(*shape).to(dtype)
    check_against_eager(torch.jit.trace(Resize(**kw), x), [x])


@pytest.mark.parametrize("kw", [
    dict(scale_factor=2.0, mode="bicubic"),
    dict(size=(7, 11), mode="bicubic", align_corners=True),
    dict(size=(3, 4), mode="bicubic"),                      # downscale
    dict(scale_factor=(1.5, 0.75), mode="bicubic"),
    dict(size=(1, 9), mode="bicubic", align_corners=True),  # one output row
])
def test_bicubic(kw):
    _check((2, 3, 5, 6), **kw)


@pytest.mark.parametrize("kw", [
    dict(scale_factor=2.0, mode="trilinear"),
    dict(size=(3, 7, 5), mode="trilinear", align_corners=True),
    dict(size=(2, 2, 3), mode="trilinear"),
    dict(scale_factor=2.0, mode="nearest"),
    dict(size=(5, 3, 7), mode="nearest"),
    dict(size=(5, 3, 7), mode="nearest-exact"),
])
def test_3d_modes(kw):
    _check((1, 2, 3, 4, 5), **kw)


def test_dtypes():
    _check((1, 2, 5, 6), torch.float64, mode="bicubic", size=(8, 9))
    _check((1, 2, 3, 4, 5), torch.float16, mode="trilinear", scale_factor=2.0)


def test_dynamic_batch_and_spatial():
    x = torch.randn(2, 3, 5, 6)
    m = torch.jit.trace(Resize(scale_factor=2.0, mode="bicubic"), x)
    check_against_eager(m, [x], input_specs=[TensorSpec((-1, 3, 5, 6))],
                        runs=[(torch.randn(4, 3, 5, 6),)])
    check_against_eager(ToNine(), [x[:1]], input_specs=[TensorSpec((1, 3, -1, -1))],
                        runs=[(torch.randn(1, 3, 4, 7),)])


class ToNine(nn.Module):
    def forward(self, x):
        return F.interpolate(x, size=(9, 9), mode="bicubic", align_corners=False)


class AreaHalf(nn.Module):
    def forward(self, x):
        return F.interpolate(x, scale_factor=0.5, mode="area")


def test_scripted_scale_factor_sizes():
    # Scripted, interpolate computes the output size in a list comprehension
    # over the dims, reading x.size(i + 2) with the loop's i: the loop unrolls.
    check_against_eager(torch.jit.script(AreaHalf()), [torch.randn(1, 2, 6, 8)])


@pytest.mark.parametrize("shape, kw", [
    ((1, 3, 64, 48), dict(size=(20, 17), mode="bilinear")),
    ((1, 3, 64, 48), dict(size=(20, 17), mode="bicubic")),
    ((2, 3, 50, 60), dict(scale_factor=0.3, mode="bilinear")),
    ((1, 2, 10, 12), dict(size=(25, 5), mode="bicubic")),       # up one dim, down the other
    ((1, 2, 9, 11), dict(size=(4, 3), mode="bilinear", align_corners=True)),
    ((1, 2, 10, 12), dict(scale_factor=1.05, mode="bilinear")),  # sizes unchanged: identity
    ((3, 40, 30), dict(size=(7, 3), mode="bilinear")),           # (C, H, W)
])
def test_antialias(shape, kw):
    x = torch.randn(*shape)
    if len(shape) == 3:
        class Unbatched(nn.Module):
            def forward(self, x):
                return F.interpolate(x[None], antialias=True, **kw)[0]
        check_against_eager(torch.jit.trace(Unbatched(), x), [x])
    else:
        _check(shape, antialias=True, **kw)


def test_antialias_dtypes_and_dynamic_batch():
    _check((2, 3, 50, 60), torch.float64, size=(11, 13), mode="bicubic", antialias=True,
           align_corners=True)
    x = torch.randn(2, 3, 32, 32)
    m = torch.jit.trace(Resize(size=(10, 10), mode="bilinear", antialias=True), x)
    check_against_eager(m, [x], input_specs=[TensorSpec((-1, 3, 32, 32))],
                        runs=[(torch.randn(5, 3, 32, 32),)])


def test_antialias_refuses_integers():
    x = torch.randint(0, 255, (1, 3, 16, 16), dtype=torch.uint8)
    m = torch.jit.trace(Resize(size=(8, 8), mode="bilinear", antialias=True), x)
    with pytest.raises(tsmlir.TorchScriptImportError, match="expects a floating-point input"):
        tsmlir.compile_module(m, [x])
