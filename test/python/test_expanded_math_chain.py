"""The elementwise bench's chain through the whole pipeline: 64-lane loops
(math_approx.EXPANDED_MATH_WIDTH), folded scales (gelu's erf(x / sqrt 2),
sigmoid's tanh(x / 2)) and the saturating rationals, against eager."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from conftest import check_against_eager
from tsmlir import TensorSpec


class Chain(torch.nn.Module):
    def forward(self, x):
        return F.gelu(x * 1.7 + 0.3).tanh() * torch.sigmoid(x)


class Parts(torch.nn.Module):
    def forward(self, x):
        return F.gelu(x), torch.sigmoid(x), torch.tanh(x), torch.erf(x)


@pytest.mark.parametrize("shape", [(63,), (64,), (65,), (129,), (2, 1, 97), (1, 1)], ids=str)
def test_chain_around_64_lanes(shape):
    """Sizes around and between multiples of 64 lanes, size-1 dims."""
    x = torch.randn(shape) * 4
    check_against_eager(torch.jit.trace(Chain(), x), [x])


def test_chain_dynamic():
    specs = [TensorSpec((-1, 65))]
    runs = [[torch.randn(n, 65) * 4] for n in (1, 3)]
    check_against_eager(torch.jit.trace(Chain(), runs[0][0]), runs[0], input_specs=specs,
                        runs=runs[1:])


def test_special_values():
    """inf, NaN, signed zeros, huge and tiny inputs: saturation at exactly
    +-1 keeps gelu(-1e38) at 0 (not h + h (-1 - ulp) = 6e30) and sigmoid(-inf) at 0."""
    x = torch.tensor([0.0, -0.0, float("inf"), -float("inf"), float("nan"), 1e38, -1e38, 3.4e38,
                      -3.4e38, 1e-45, -1e-45, 1e-40, 5.0, -5.0, 7.5, -7.5, 20.0, -20.0, 100.0,
                      -100.0] * 4)
    compiled = check_against_eager(torch.jit.trace(Parts(), x), [x], equal_nan=True)
    got, want = compiled(x), Parts()(x)
    for g, w in zip(got, want):
        exact = ~w.isfinite() | (w.abs() == 1) | (w == 0)
        torch.testing.assert_close(g[exact], w[exact], rtol=0, atol=0, equal_nan=True)
    assert (got[0][x == -1e38] == 0).all() and (got[1][x == -float("inf")] == 0).all()
