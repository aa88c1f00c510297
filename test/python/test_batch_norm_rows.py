"""Inference batch norm with run-time statistics (forward arguments, not
folded into a convolution) against eager: the input is normalized as an
(N, C, prod(spatial)) view when it has several spatial dims.  Odd sizes,
size-1 dims, 1 to 3 spatial dims, dynamic batch and spatial dims, float16,
1 and 2 threads.  Group norm's weight and bias, applied on the same view."""
import pytest
import torch
import torch.nn.functional as F

import tsmlir
from conftest import check_against_eager
from tsmlir import TensorSpec

TOL = dict(rtol=1e-4, atol=1e-5)


class BatchNorm(torch.nn.Module):
    def forward(self, x, mean, var, w, b):
        return F.batch_norm(x, mean, var, w, b, False, 0.1, 1e-3)


def _stats(c, dtype=torch.float32):
    return [torch.randn(c, dtype=dtype), torch.rand(c, dtype=dtype) + 0.5,
            torch.randn(c, dtype=dtype), torch.randn(c, dtype=dtype)]


@pytest.mark.parametrize("shape", [(2, 3, 5, 7), (1, 4, 1, 1), (3, 1, 9, 1), (2, 5, 56, 56),
                                   (2, 3, 4, 5, 6), (2, 3, 17), (4, 3)], ids=str)
def test_batch_norm_runtime_stats(shape):
    check_against_eager(BatchNorm(), [torch.randn(shape), *_stats(shape[1])], **TOL)


@pytest.mark.parametrize("dims", [(-1, 3, 7, 9), (2, 3, -1, 9), (-1, 3, -1, 9)], ids=str)
def test_batch_norm_dynamic(dims):
    """One dynamic spatial dim collapses with the others; two stay 4-D."""
    specs = [TensorSpec(dims)] + [TensorSpec((3,))] * 4
    runs = [[torch.randn([n if d == -1 else d for d in dims]), *_stats(3)] for n in (1, 5)]
    check_against_eager(BatchNorm(), runs[0], input_specs=specs, runs=runs[1:], **TOL)


def test_batch_norm_float16():
    x = torch.randn(2, 3, 5, 7, dtype=torch.float16)
    check_against_eager(BatchNorm(), [x, *_stats(3, torch.float16)])


def test_batch_norm_threads():
    x, stats = torch.randn(4, 16, 35, 37), _stats(16)
    compiled = tsmlir.compile_module(BatchNorm(), [x, *stats], threads=2)
    torch.testing.assert_close(compiled(x, *stats), BatchNorm()(x, *stats), **TOL)


class GroupNorm(torch.nn.Module):
    def __init__(self, groups: int):
        super().__init__()
        self.groups = groups

    def forward(self, x, w, b):
        return F.group_norm(x, self.groups, w, b, 1e-3), F.group_norm(x, self.groups, w)


@pytest.mark.parametrize("shape,groups", [((2, 6, 5, 7), 3), ((1, 4, 1, 1), 2), ((3, 8, 9), 4),
                                          ((2, 6, 3, 4, 5), 6), ((2, 4), 1)], ids=str)
def test_group_norm_affine(shape, groups):
    c = shape[1]
    check_against_eager(GroupNorm(groups), [torch.randn(shape), torch.randn(c), torch.randn(c)],
                        **TOL)


def test_group_norm_dynamic_batch():
    specs = [TensorSpec((-1, 6, 5, 7)), TensorSpec((6,)), TensorSpec((6,))]
    runs = [[torch.randn(n, 6, 5, 7), torch.randn(6), torch.randn(6)] for n in (1, 3)]
    check_against_eager(GroupNorm(2), runs[0], input_specs=specs, runs=runs[1:], **TOL)
