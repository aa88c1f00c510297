"""Scans along the innermost dim against eager: f32 cumsum / cumprod /
logcumsumexp run on the transposed input along its outermost dim (the block
transposes around them); cummax keeps the column steps.  Odd sizes, size-1
and empty dims, ranks 2 and 3, dynamic dims, 1 and 2 threads."""
import pytest
import torch

import tsmlir
from conftest import check_against_eager
from tsmlir import TensorSpec

TOL = dict(rtol=1e-4, atol=1e-4)


class InnerScans(torch.nn.Module):
    def forward(self, x):
        return (torch.cumsum(x, -1), torch.cumprod(x, -1), torch.logcumsumexp(x, -1),
                torch.cummax(x, -1))


def _x(shape):
    return torch.rand(shape) * 0.2 + 0.9  # cumprod stays finite over long rows


@pytest.mark.parametrize("shape", [(3, 5), (2, 3, 17), (1, 1), (33, 1000), (4, 1, 9), (9, 8),
                                   (5, 0), (0, 5)], ids=str)
def test_inner_scans(shape):
    compiled = check_against_eager(InnerScans(), [_x(shape)], **TOL)
    if 0 not in shape:
        assert "tsm_transpose_f32" in str(compiled.forward._module.operation)


def test_inner_scans_dynamic():
    specs = [TensorSpec((-1, -1))]
    runs = [[_x(s)] for s in ((3, 70), (1, 9), (40, 1))]
    check_against_eager(InnerScans(), runs[0], input_specs=specs, runs=runs[1:], **TOL)


def test_inner_scans_threads():
    x = _x((300, 513))
    compiled = tsmlir.compile_module(InnerScans(), [x], threads=2)
    for got, want in zip(compiled(x), InnerScans()(x)):
        torch.testing.assert_close(got, want, **TOL)
