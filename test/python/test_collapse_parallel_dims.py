"""tsm-collapse-parallel-dims: elementwise ops with a broadcast operand (a
size-1 dim read at index 0) are vector loops over merged dims, and match
eager: per-channel gates and scales on NCHW, attention masks, positional
tables, (1, 1, 1)-shaped operands, odd sizes, dynamic dims, integer and
half types, both thread counts.  The rewrite itself is pinned by
test/lit/lowering/tsm-collapse-parallel-dims.mlir."""
from __future__ import annotations

import pytest
import torch
import torch.nn as nn

import tsmlir
from conftest import check_against_eager
from tsmlir import TensorSpec


class Mul(nn.Module):
    def forward(self, x, g):
        return x * g


class Gate(nn.Module):
    def forward(self, x, g):
        return x * torch.sigmoid(g) + g


class MaskAdd(nn.Module):
    def forward(self, s, m):
        return torch.relu(s + m)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("module,shapes", [
    (Gate(), [(4, 32, 28, 28), (4, 32, 1, 1)]),   # squeeze-excitation's gate
    (Mul(), [(2, 16, 56, 56), (1, 16, 1, 1)]),    # a per-channel scale
    (Mul(), [(3, 5, 7, 9), (3, 5, 1, 1)]),        # odd sizes: a masked tail
    (Mul(), [(2, 8, 13, 13), (1, 1, 13, 13)]),    # a per-position weight
    (MaskAdd(), [(2, 4, 33, 33), (2, 1, 1, 33)]),  # an attention mask
    (MaskAdd(), [(8, 17, 40), (1, 17, 40)]),      # a positional table
    (Mul(), [(5, 6, 7), (1, 1, 1)]),              # every dim broadcast
    (Mul(), [(5, 1, 7), (5, 1, 1)]),              # a unit dim in both
])
def test_broadcasts(module, shapes, threads):
    torch.manual_seed(0)
    x, g = (torch.randn(s) for s in shapes)
    compiled = tsmlir.compile_module(module, [x, g], threads=threads)
    with torch.no_grad():
        torch.testing.assert_close(compiled(x, g), module(x, g), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("threads", [1, 2])
def test_dynamic_dims(threads):
    compiled = tsmlir.compile_module(
        MaskAdd(), input_specs=[TensorSpec((-1, 4, -1, 24)), TensorSpec((-1, 1, 1, 24))],
        threads=threads)
    for batch, rows in [(1, 1), (3, 7), (2, 40)]:
        s, m = torch.randn(batch, 4, rows, 24), torch.randn(batch, 1, 1, 24)
        with torch.no_grad():
            torch.testing.assert_close(compiled(s, m), MaskAdd()(s, m))


@pytest.mark.parametrize("dtype", [torch.int32, torch.int64, torch.float64,
                                   torch.bfloat16, torch.float16])
def test_types(dtype):
    torch.manual_seed(0)
    x = torch.randint(-50, 50, (2, 6, 9, 9)).to(dtype)
    g = torch.randint(-5, 5, (2, 6, 1, 1)).to(dtype)
    check_against_eager(Mul(), [x, g])


def test_gate_is_a_vector_loop(tmp_path):
    """x * g with g (N, C, 1, 1): whole vectors of x's merged H * W rows,
    not a scalar loop over 28-element rows."""
    x, g = torch.randn(2, 4, 28, 28), torch.randn(2, 4, 1, 1)
    tsmlir.compile_module(Mul(), [x, g], dump_dir=str(tmp_path))
    loops = (tmp_path / "2-tsm-linalg-to-loops.mlir").read_text()
    assert "into memref<8x784xf32>" in loops
    assert "arith.mulf" in loops and "vector<16xf32>" in loops
    assert "memref.load" not in loops
