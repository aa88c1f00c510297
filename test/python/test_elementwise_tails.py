"""Elementwise loops whose extent is dynamic or not a multiple of the vector
width are peeled (whole vectors unmasked, the rest masked): results at the
edges of the peel against eager, 1 and 2 threads."""
from __future__ import annotations

import pytest
import torch

import tsmlir
from conftest import check_against_eager
from tsmlir import TensorSpec


class Chain(torch.nn.Module):
    def forward(self, x):
        return torch.tanh(x) * 2 + 1


class Plain(torch.nn.Module):
    def forward(self, x, y):
        return x * y - x


@pytest.mark.parametrize("threads", [1, 2])
def test_dynamic_extents(threads):
    compiled = tsmlir.compile_module(Chain(), input_specs=[TensorSpec((-1, -1))], threads=threads)
    for shape in [(0, 5), (1, 1), (3, 5), (1, 32), (2, 33), (7, 31), (300, 257)]:
        x = torch.randn(*shape)
        torch.testing.assert_close(compiled(x), Chain()(x))


@pytest.mark.parametrize("n", [1, 15, 16, 17, 31, 33, 65539])
@pytest.mark.parametrize("threads", [1, 2])
def test_static_extents(n, threads):
    x, y = torch.randn(n), torch.randn(n)
    compiled = tsmlir.compile_module(Plain(), [x, y], threads=threads)
    torch.testing.assert_close(compiled(x, y), Plain()(x, y))
    check_against_eager(Chain(), [torch.randn(3, n)])
