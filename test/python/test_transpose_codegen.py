"""tsm-vectorize-transposes: permutations against eager PyTorch.

Sizes around the 8 x 8 block and the 64-column tile (edges that are scalar
strips, size-1 dims, fewer rows than a block), permutations of ranks 2-4
that move the innermost dim (block transposes) or keep it (row copies),
dynamic dims, 1 and 2 threads, and the kernel's IR."""
from __future__ import annotations

import pytest
import torch

import tsmlir
from conftest import check_against_eager
from tsmlir import TensorSpec
from tsmlir.runtime import native_libs


class Permute(torch.nn.Module):
    def __init__(self, perm):
        super().__init__()
        self.perm = perm

    def forward(self, x):
        return x.permute(self.perm).contiguous() * 1.0


class T(torch.nn.Module):
    def forward(self, x):
        return x.t().contiguous()


@pytest.mark.parametrize("shape", [(8, 8), (1, 17), (17, 1), (7, 9), (64, 64), (65, 129),
                                   (129, 200), (300, 1030), (3, 2048)], ids=str)
def test_transpose_2d(shape):
    check_against_eager(T(), [torch.randn(shape)], rtol=0, atol=0)


@pytest.mark.parametrize("shape,perm", [((3, 17, 33), (0, 2, 1)),
                                        ((17, 3, 33), (2, 1, 0)),
                                        ((5, 9, 70), (2, 0, 1)),
                                        ((2, 3, 19, 41), (0, 1, 3, 2)),
                                        ((2, 9, 5, 16), (3, 2, 0, 1)),
                                        ((2, 1, 8, 1), (0, 3, 2, 1)),
                                        # the innermost dim stays: row copies
                                        ((2, 13, 6, 10), (0, 2, 1, 3)),
                                        ((4, 5, 7), (1, 0, 2))], ids=str)
def test_permute(shape, perm):
    check_against_eager(Permute(perm), [torch.randn(shape)], rtol=0, atol=0)


def test_transpose_dynamic_dims():
    compiled = tsmlir.compile_module(T(), input_specs=[TensorSpec((-1, -1))])
    for shape in [(1, 1), (9, 3), (64, 129), (200, 31)]:
        x = torch.randn(shape)
        torch.testing.assert_close(compiled(x), x.t().contiguous(), rtol=0, atol=0)


@pytest.mark.parametrize("shape,parallel", [((513, 300), True), ((7, 20000), True),
                                            ((20000, 7), True), ((300, 8), False)], ids=str)
def test_transpose_threads(shape, parallel):
    """The threads take slices of the source's columns (a slice that is not
    whole blocks, fewer columns than a block per thread); a small one is serial."""
    x = torch.randn(shape)
    compiled = tsmlir.compile_module(T(), [x], threads=2)
    assert native_libs.uses_openmp(compiled.forward._module.operation) == parallel
    torch.testing.assert_close(compiled(x), x.t().contiguous(), rtol=0, atol=0)


def test_transpose_ir():
    """The block kernel's 8 x 8 blocks are vector loads, shuffles and stores
    (the call itself is pinned by the lit test)."""
    from tsmlir.lowering.transpose_codegen import serial_text
    text = serial_text("tsm_transpose_f32_2d", 2)
    assert text.count("vector.load") == 8 and text.count("vector.store") == 8
    assert text.count("vector.shuffle") == 24


@pytest.mark.parametrize("dtype", [torch.float64, torch.int32], ids=str)
def test_transpose_other_types(dtype):
    x = torch.randn(19, 33).to(dtype)
    check_against_eager(T(), [x], rtol=0, atol=0)


@pytest.mark.parametrize("shape,perm", [((4, 70, 300), (0, 2, 1)), ((3, 40, 9, 70), (1, 3, 2, 0)),
                                        ((1, 300, 257), (0, 2, 1))], ids=str)
def test_permute_threads(shape, perm):
    """Batched transposes with threads: the threads take chunks of batches
    (one batch: a single chunk)."""
    x = torch.randn(shape)
    compiled = tsmlir.compile_module(Permute(perm), [x], threads=2)
    assert native_libs.uses_openmp(compiled.forward._module.operation)
    torch.testing.assert_close(compiled(x), x.permute(perm).contiguous(), rtol=0, atol=0)
