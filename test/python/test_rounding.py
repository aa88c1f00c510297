"""Rounding ops in vector loops: torch.round (half to even, with decimals),
ceil, floor, trunc and a fake-quantization step, bit-exact against eager.

They lower to LLVM's rounding intrinsics (one vroundps per vector on x86),
not to math-expand-ops' bit manipulation (test/lit/pipelines/cpu-rounding.mlir);
these pin the results on every kind of value at vector lengths with tails.
"""
from __future__ import annotations

import pytest
import torch

import tsmlir


def _awkward(n: int, dtype: torch.dtype) -> torch.Tensor:
    """Halves on both sides of even and odd integers, values at and beyond
    the last fraction bit, signed zeros, infinities, NaN and denormals,
    then random values: n elements."""
    finfo = torch.finfo(dtype)
    frac_bits = 23 if dtype == torch.float32 else 52
    special = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49999997, -0.49999997, 2.0 ** frac_bits - 0.5,
               2.0 ** frac_bits + 1, -(2.0 ** frac_bits) - 1, 2.0 ** (frac_bits - 1) + 0.5,
               0.0, -0.0, float("inf"), float("-inf"), float("nan"), finfo.max, -finfo.max,
               finfo.tiny / 4, -finfo.tiny / 4, 1e-30, -1e-30]
    x = (torch.rand(n, dtype=torch.float64) - 0.5) * 20
    x[::7] = torch.round(x[::7]) + 0.5  # exact halves
    x = x.to(dtype)
    x[:len(special)] = torch.tensor(special, dtype=dtype)
    return x


class Rounding(torch.nn.Module):
    def forward(self, x):
        return (torch.round(x), torch.ceil(x), torch.floor(x), torch.trunc(x),
                torch.round(x, decimals=2), torch.frac(x))


class FakeQuant(torch.nn.Module):
    """Symmetric int8 fake quantization, as quantization-aware training writes it."""

    def forward(self, x, scale: float):
        return torch.clamp(torch.round(x / scale), -128, 127) * scale


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("n", [1, 37, 4099])
def test_rounding_matches_eager_bit_for_bit(dtype, n):
    if n < 30:
        x = torch.tensor([2.5, -0.5, 1.5, -0.0, 7.25][:n] or [0.5], dtype=dtype)
    else:
        x = _awkward(n, dtype)
    model = Rounding()
    compiled = tsmlir.compile_module(model, [x])
    for got, want in zip(compiled(x), model(x)):
        torch.testing.assert_close(got, want, rtol=0, atol=0, equal_nan=True)
        # -0 stays -0 (assert_close does not tell the zeros apart)
        assert torch.equal(torch.signbit(got), torch.signbit(want))


@pytest.mark.parametrize("threads", [1, 2])
def test_fake_quantization_matches_eager(threads):
    x = torch.randn(64, 1000) * 3
    model = FakeQuant()
    compiled = tsmlir.compile_module(model, [x, 0.05], threads=threads)
    torch.testing.assert_close(compiled(x, 0.05), model(x, 0.05), rtol=0, atol=0)
    torch.testing.assert_close(compiled(x, 0.1), model(x, 0.1), rtol=0, atol=0)
