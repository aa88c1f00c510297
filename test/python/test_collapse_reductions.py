"""tsm-collapse-reduced-dims: reductions over several adjacent dims (a mean
over H and W, a sum over the leading dims) run as one-dim reductions and
match eager: every reduction family, keepdim, odd and unit sizes, dynamic
dims, integers and half floats, both thread counts.  The collapse itself is
pinned by test/lit/lowering/tsm-collapse-reduced-dims.mlir; one test here
checks that the compiled mean is a vector loop."""
from __future__ import annotations

from typing import List

import pytest
import torch
import torch.nn as nn

import tsmlir
from conftest import check_against_eager
from tsmlir import TensorSpec


class Families(nn.Module):
    """Each reduction family over `dims`, with and without keepdim."""

    def __init__(self, dims: List[int]):
        super().__init__()
        self.dims = dims

    def forward(self, x) -> List[torch.Tensor]:
        d = self.dims
        return [x.sum(d), x.mean(d, keepdim=True), x.amax(d), x.amin(d, keepdim=True),
                x.var(d), x.std(d, keepdim=True), torch.logsumexp(x, d),
                torch.linalg.vector_norm(x, 2.0, d), torch.linalg.vector_norm(x, 1.0, d),
                (x > 0.5).any(d)]


class SqueezeExcite(nn.Module):
    """The pattern that found the slow path: x scaled by a gate of its
    per-channel mean."""

    def __init__(self, c: int):
        super().__init__()
        self.f1, self.f2 = nn.Conv2d(c, c // 4, 1), nn.Conv2d(c // 4, c, 1)

    def forward(self, x):
        g = self.f2(torch.relu(self.f1(x.mean((2, 3), keepdim=True))))
        return x * torch.sigmoid(g)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("shape,dims", [
    ((4, 8, 28, 28), [2, 3]),      # a global average pool by hand
    ((3, 5, 7, 9), [-2, -1]),      # odd sizes: a masked tail per row
    ((4, 3, 1, 33), [2, 3]),       # a unit dim in the run
    ((6, 40, 17), [0, 1]),         # leading dims: a column reduction
    ((2, 3, 4, 5), [0, 1, 2, 3]),  # all of them
    ((2, 6, 5, 7, 3), [1, 2, 3]),  # a run between kept dims
])
def test_families(shape, dims, threads):
    torch.manual_seed(0)
    x = torch.rand(shape)
    compiled = tsmlir.compile_module(Families(dims).eval(), [x], threads=threads)
    with torch.no_grad():
        for got, want in zip(compiled(x), Families(dims)(x)):
            torch.testing.assert_close(got, want, rtol=2e-5, atol=2e-5)


def test_two_runs_and_a_kept_dim_between():
    """Reduced dims (0, 1) and (3, 4) around a kept one: two runs."""
    class M(nn.Module):
        def forward(self, x):
            return x.sum([0, 1, 3, 4]), x.amax([0, 1, 3, 4], keepdim=True)

    torch.manual_seed(0)
    check_against_eager(M(), [torch.randn(2, 3, 4, 5, 6)], rtol=1e-5, atol=1e-5)


def test_not_adjacent():
    """Reduced dims with a kept one between them stay as they were."""
    class M(nn.Module):
        def forward(self, x):
            return x.mean([1, 3]), x.amax([0, 2])

    torch.manual_seed(0)
    check_against_eager(M(), [torch.randn(3, 4, 5, 6)], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("threads", [1, 2])
def test_dynamic_dims(threads):
    class M(nn.Module):
        def forward(self, x):
            return x.mean((2, 3), keepdim=True), x.sum((0, 1)), x.amax((1, 2, 3))

    torch.manual_seed(0)
    compiled = tsmlir.compile_module(M(), input_specs=[TensorSpec((-1, 8, -1, -1))],
                                     threads=threads)
    for shape in [(2, 8, 5, 7), (1, 8, 33, 1), (3, 8, 16, 16)]:
        x = torch.randn(shape)
        with torch.no_grad():
            for got, want in zip(compiled(x), M()(x)):
                torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype", [torch.int32, torch.int64])
def test_integer_sums(dtype):
    class M(nn.Module):
        def forward(self, x):
            return x.sum((2, 3)), x.amax((2, 3)), x.amin((0, 1))

    torch.manual_seed(0)
    check_against_eager(M(), [torch.randint(-1000, 1000, (3, 4, 9, 11), dtype=dtype)])


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_half_mean(dtype):
    class M(nn.Module):
        def forward(self, x):
            return x.mean((2, 3)), x.amax((2, 3), keepdim=True)

    torch.manual_seed(0)
    check_against_eager(M(), [torch.randn(2, 8, 14, 14).to(dtype)], rtol=1e-2, atol=1e-2)


def test_special_values():
    """A NaN makes its (h, w) plane's max and mean NaN; inf and -inf sum to NaN."""
    class M(nn.Module):
        def forward(self, x):
            return x.mean((2, 3)), x.amax((2, 3)), x.amin((2, 3))

    x = torch.randn(2, 3, 6, 7)
    x[0, 1, 4, 5] = float("nan")
    x[1, 2, 0, 0], x[1, 2, 5, 6] = float("inf"), float("-inf")
    x[1, 0, 3, 3] = float("inf")
    check_against_eager(M(), [x], equal_nan=True)


@pytest.mark.parametrize("threads", [1, 2])
def test_squeeze_excite(threads):
    torch.manual_seed(0)
    m = SqueezeExcite(32).eval()
    x = torch.randn(2, 32, 28, 28)
    compiled = tsmlir.compile_module(m, [x], threads=threads)
    with torch.no_grad():
        torch.testing.assert_close(compiled(x), m(x), rtol=1e-5, atol=1e-5)


def test_mean_over_hw_is_a_vector_loop(tmp_path):
    """The mean's loops read whole vectors of the flattened plane, not one
    element at a time."""
    class M(nn.Module):
        def forward(self, x):
            return x.mean((2, 3))

    tsmlir.compile_module(M(), [torch.randn(2, 4, 28, 28)], dump_dir=str(tmp_path))
    loops = (tmp_path / "2-tsm-linalg-to-loops.mlir").read_text()
    # the planes are rows of 784 (and the 2 x 4 of them one dim of rows:
    # tsm-collapse-parallel-dims, later)
    assert "memref<2x4x28x28xf32> into memref<8x784xf32>" in loops
    assert "vector.load" in loops and "vector.reduction <add>" in loops
