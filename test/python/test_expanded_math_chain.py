"""The elementwise bench's chain through the whole pipeline: loops split into
one stage loop per expanded op over strips (math_chain_split), folded scales
(gelu's erf(x / sqrt 2), sigmoid's tanh(x / 2)) and the saturating
rationals, against eager."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

import tsmlir
from conftest import _assert_close, check_against_eager, eager_with_float64_specials
from tsmlir import CompileOptions, TensorSpec
from tsmlir.lowering.math_approx import EXPANDED_MATH_WIDTH as LANES
from tsmlir.lowering.math_chain_split import STRIP_ELEMENTS


class Chain(torch.nn.Module):
    def forward(self, x):
        return F.gelu(x * 1.7 + 0.3).tanh() * torch.sigmoid(x)


class Parts(torch.nn.Module):
    def forward(self, x):
        return F.gelu(x), torch.sigmoid(x), torch.tanh(x), torch.erf(x)


@pytest.mark.parametrize("shape", [(LANES - 1,), (LANES,), (LANES + 1,), (2 * LANES + 1,), (63,),
                                   (129,), (2, 1, 97), (1, 1)], ids=str)
def test_chain_around_vector_widths(shape):
    """Sizes around and between multiples of the vector width, size-1 dims."""
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
    compiled = tsmlir.compile_module(torch.jit.trace(Parts(), x), [x])
    got, want = compiled(x), eager_with_float64_specials(Parts(), x)
    _assert_close(got, want, equal_nan=True)
    for g, w in zip(got, want):
        exact = ~w.isfinite() | (w.abs() == 1) | (w == 0)
        torch.testing.assert_close(g[exact], w[exact], rtol=0, atol=0, equal_nan=True)
    assert (got[0][x == -1e38] == 0).all() and (got[1][x == -float("inf")] == 0).all()


STRIP = STRIP_ELEMENTS // LANES * LANES


@pytest.mark.parametrize("n", [STRIP - 1, STRIP, STRIP + 1, 2 * STRIP + LANES + 3, 5000],
                         ids=str)
def test_chain_around_strips(n):
    """Sizes around the strips that the split stage loops walk: a last strip
    of one vector, of one element, of a partial vector."""
    x = torch.randn(n) * 4
    check_against_eager(torch.jit.trace(Chain(), x), [x])


@pytest.mark.parametrize("threads", [1, 2])
def test_chain_threads(threads):
    """Enough elements for threads: each thread's chunk is split on its own
    (its own stack buffers), chunks not a multiple of the strip."""
    x = torch.randn(3 * 65536 + 77) * 4
    compiled = tsmlir.compile_module(torch.jit.trace(Chain(), x), [x],
                                     options=CompileOptions(threads=threads))
    torch.testing.assert_close(compiled(x), Chain()(x), rtol=1e-4, atol=1e-5)


def test_chain_dynamic_1d():
    specs = [TensorSpec((-1,))]
    runs = [[torch.randn(n) * 4] for n in (1, 31, 700, 1500)]
    check_against_eager(torch.jit.trace(Chain(), runs[0][0]), runs[0], input_specs=specs,
                        runs=runs[1:])


class Broadcast(torch.nn.Module):
    def forward(self, x, b):
        return F.gelu(x * b).tanh() * torch.sigmoid(x)


@pytest.mark.parametrize("shape", [(3, 100), (2, 1), (4, 1100)], ids=str)
def test_chain_broadcast_rows(shape):
    """A broadcast operand: the loop over each row is split (rows of one
    element, rows of two strips and a bit)."""
    x, b = torch.randn(shape) * 4, torch.randn(shape[1])
    check_against_eager(torch.jit.trace(Broadcast(), (x, b)), [x, b])


class Reuse(torch.nn.Module):
    """t feeds three later stages; five expanded ops share four stages."""

    def forward(self, x):
        t = torch.tanh(x)
        return torch.exp(t) * t + torch.erf(t) * torch.tanh(t * 3) - torch.sigmoid(t + x)


class Select(torch.nn.Module):
    """A compare and a select on three expanded ops (in the last stage,
    masks recomputed there)."""

    def forward(self, x):
        return torch.where(torch.tanh(x) > 0.2, torch.erf(x), torch.exp(x * 0.5))


@pytest.mark.parametrize("model", [Reuse, Select])
def test_other_chains(model):
    x = torch.randn(1234) * 3
    check_against_eager(torch.jit.trace(model(), x), [x])


def test_chain_special_values():
    """inf, NaN, signed zeros, huge and denormal inputs through the split
    stages (over more than one strip) as eager has them."""
    x = torch.tensor([0.0, -0.0, float("inf"), -float("inf"), float("nan"), 1e38, -1e38, 3.4e38,
                      -3.4e38, 1e-45, -1e-45, 1e-40, 5.0, -5.0, 20.0, -20.0] * 50)
    got = tsmlir.compile_module(torch.jit.trace(Chain(), x), [x])(x)
    _assert_close(got, _chain_reference(x), equal_nan=True)


def _chain_reference(x):
    """Chain op by op in float32, each transcendental op evaluated in float64
    and rounded: eager's float32 gelu has host-dependent specials (see
    conftest.eager_with_float64_specials), and Chain in float64 would not
    overflow x * 1.7 where float32 does."""
    t = x * 1.7 + 0.3
    g = F.gelu(t.double()).float()
    return g.double().tanh().float() * torch.sigmoid(x.double()).float()


class InPlace(torch.nn.Module):
    def forward(self, x, w):
        t = x @ w
        return F.gelu(t * 1.7 + 0.3).tanh() * torch.sigmoid(t)


def test_chain_in_place():
    """The chain writes over the matmul's result, which its stages read:
    each strip's later stages read t before the last one overwrites it."""
    x, w = torch.randn(33, 70), torch.randn(70, 650)
    check_against_eager(torch.jit.trace(InPlace(), (x, w)), [x, w], rtol=1e-4, atol=1e-4)


class Pow(torch.nn.Module):
    """pow(x, y) = exp(y log|x|) (signs and integers aside): two expanded ops."""

    def forward(self, x, y):
        return torch.pow(x, y)


@pytest.mark.parametrize("shape", [(2, 3), (5, 7), (40, 3), (3, 40)], ids=str)
def test_chain_loop_over_rows(shape):
    """A loop that steps by 1 over rows, one vector (masked) per row: each
    iteration's vector has a slot of its own in the strip buffers (they
    once shared slots and mixed rows), strips of several rows."""
    x, y = torch.rand(shape) * 3 + 0.1, torch.randn(())
    check_against_eager(torch.jit.trace(Pow(), (x, y)), [x, y])
    b = torch.randn(shape[1])
    check_against_eager(torch.jit.trace(Broadcast(), (x, b)), [x, b])
