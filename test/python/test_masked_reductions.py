"""Reductions that read a boolean mask: masked softmax (attention with a
key padding mask), masked max / sum pooling, column sums under a mask.

The mask is an i1 input of the reduction's linalg.generic; tsm-vectorize-
reductions and tsm-vectorize-column-reductions load it as vector<N x i1>
(bytes once booleans are stored as bytes).  Before, such reductions fell
back to scalar loops: masked softmax was 4.7x slower than eager.
"""
from __future__ import annotations

import pytest
import torch

import tsmlir
from conftest import check_against_eager


class MaskedSoftmax(torch.nn.Module):
    def forward(self, s, lengths):
        idx = torch.arange(s.size(-1)).unsqueeze(0)
        mask = idx >= lengths.unsqueeze(1)
        return torch.softmax(s.masked_fill(mask.unsqueeze(1), float("-inf")), dim=-1)


class MaskedPools(torch.nn.Module):
    def forward(self, x, keep):
        return (x.masked_fill(~keep, float("-inf")).amax(-1),
                torch.where(keep, x, torch.zeros_like(x)).sum(-1),
                x.masked_fill(keep, 0.0).sum(0),
                (keep & (x > 0)).sum(-1))


@pytest.mark.parametrize("cols", [1, 37, 128])
@pytest.mark.parametrize("threads", [1, 2])
def test_masked_softmax_matches_eager(cols, threads):
    s = torch.randn(8, 16, cols)
    lengths = torch.randint(1, cols + 1, (8,))
    model = MaskedSoftmax()
    compiled = tsmlir.compile_module(model, [s, lengths], threads=threads)
    torch.testing.assert_close(compiled(s, lengths), model(s, lengths))
    short = torch.ones(8, dtype=torch.long)  # one key each: the rest is exp(-inf) = 0
    torch.testing.assert_close(compiled(s, short), model(s, short))


@pytest.mark.parametrize("shape", [(1, 1), (5, 37), (64, 200)])
def test_masked_pools_match_eager(shape):
    x = torch.randn(*shape)
    keep = torch.rand(*shape) > 0.3
    keep[:, 0] = True  # every row keeps one value: no all -inf row
    check_against_eager(MaskedPools(), [x, keep])


def test_masked_softmax_with_dynamic_sizes():
    model = MaskedSoftmax()
    specs = [tsmlir.TensorSpec((-1, 16, -1), torch.float32),
             tsmlir.TensorSpec((-1,), torch.int64)]
    compiled = tsmlir.compile_module(model, input_specs=specs)
    for b, n in ((3, 45), (8, 128), (1, 1)):
        s, lengths = torch.randn(b, 16, n), torch.randint(1, n + 1, (b,))
        torch.testing.assert_close(compiled(s, lengths), model(s, lengths))
