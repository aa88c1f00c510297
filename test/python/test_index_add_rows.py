"""Accumulating whole rows (index_add, index_put_(accumulate=True), the sum of
embedding_bag) adds each row with one linalg.add: against eager with repeated
indices, negative ones, every float dtype, odd row widths and dynamic counts."""
from __future__ import annotations

import pytest
import torch

import tsmlir
from conftest import check_against_eager, check_traced


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16, torch.bfloat16])
def test_index_add_repeated_rows(dtype):
    x = torch.randn(6, 9).to(dtype)
    rows = torch.randn(7, 9).to(dtype)
    at = torch.tensor([0, 5, 5, 2, 0, 0, 3])
    check_traced(lambda a, i, r: a.index_add(0, i, r, alpha=2), x, at, rows)
    check_traced(lambda a, i, r: a.index_put((i,), r, accumulate=True), x, at - 6, rows)


def test_index_add_dynamic_counts_and_special_values():
    class M(torch.nn.Module):
        def forward(self, x, i, r):
            return x.index_add(0, i, r)
    specs = [tsmlir.TensorSpec((-1, 16)), tsmlir.TensorSpec((-1,), torch.int64),
             tsmlir.TensorSpec((-1, 16))]
    r = torch.randn(5, 16)
    r[1, 3], r[2, 4] = float("inf"), float("nan")
    first = [torch.zeros(3, 16), torch.tensor([2, 2, 0, 1, 2]), r]
    more = [torch.randn(9, 16), torch.randint(0, 9, (40,)), torch.randn(40, 16)]
    check_against_eager(torch.jit.script(M()), first, input_specs=specs, equal_nan=True,
                        runs=[more])
