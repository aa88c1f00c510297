"""Boolean constants bigger than an inline attribute (a causal-mask buffer):
stored as bytes like every bool memref, their data taken from the weights."""
from __future__ import annotations

import torch
import torch.nn as nn

import tsmlir
from conftest import check_against_eager


class CausalMask(nn.Module):
    def __init__(self, n: int):
        super().__init__()
        self.register_buffer("mask", torch.tril(torch.ones(n, n)).bool())

    def forward(self, scores):
        return torch.softmax(scores.masked_fill(~self.mask, float("-inf")), -1), self.mask


def test_bool_buffer_mask():
    check_against_eager(CausalMask(9), [torch.randn(2, 9, 9)])


def test_bool_buffer_runtime_weights():
    m = CausalMask(5).eval()
    compiled = tsmlir.compile_module(m, [torch.randn(1, 5, 5)], freeze=False)
    x = torch.randn(1, 5, 5)
    for got, want in zip(compiled(x), m(x)):
        torch.testing.assert_close(got, want)
