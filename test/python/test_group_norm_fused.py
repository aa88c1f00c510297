"""group_norm with weight and bias against eager: the importer applies them
on the (N, G, C/G, S) view of the normalized rows, so that elementwise
fusion makes normalization, scale and shift one pass.  Odd sizes, groups 1
and C, size-1 dims, weight or bias alone, affine=False, dynamic batch, 1
and 2 threads."""
import pytest
import torch
import torch.nn.functional as F

import tsmlir
from conftest import check_against_eager
from tsmlir import TensorSpec

TOL = dict(rtol=1e-4, atol=1e-4)


class GroupNorm(torch.nn.Module):
    def __init__(self, groups: int):
        super().__init__()
        self.groups = groups

    def forward(self, x, w, b):
        return (F.group_norm(x, self.groups, w, b, 1e-3), F.group_norm(x, self.groups, None, b),
                F.group_norm(x, self.groups, w), F.group_norm(x, self.groups))


def _args(shape):
    c = shape[1]
    return [torch.randn(shape) * 3 + 1, torch.randn(c), torch.randn(c)]


@pytest.mark.parametrize("shape,groups", [
    ((3, 12, 7, 9), 4), ((3, 12, 7, 9), 1), ((3, 12, 7, 9), 12), ((1, 5, 13), 5),
    ((2, 6, 1, 1), 3), ((2, 7), 7), ((1, 1, 3, 5), 1), ((2, 10, 3, 5, 7), 2)], ids=str)
def test_group_norm_affine(shape, groups):
    check_against_eager(GroupNorm(groups), _args(shape), **TOL)


def test_group_norm_dynamic_batch():
    specs = [TensorSpec((-1, 9, 5, 11)), TensorSpec((9,)), TensorSpec((9,))]
    runs = [_args((n, 9, 5, 11)) for n in (2, 1, 5)]
    check_against_eager(GroupNorm(3), runs[0], input_specs=specs, runs=runs[1:], **TOL)


def test_group_norm_module_parameters():
    gn = torch.nn.GroupNorm(4, 20).eval()
    with torch.no_grad():
        gn.weight.copy_(torch.randn(20))
        gn.bias.copy_(torch.randn(20))
    check_against_eager(torch.jit.script(gn), [torch.randn(3, 20, 17, 19)], **TOL)


@pytest.mark.parametrize("threads", [1, 2])
def test_group_norm_threads(threads):
    args = _args((5, 32, 23, 29))
    module = GroupNorm(8)
    compiled = tsmlir.compile_module(module, args, threads=threads)
    for got, want in zip(compiled(*args), module(*args)):
        torch.testing.assert_close(got, want, **TOL)
