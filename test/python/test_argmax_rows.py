"""max/min/argmax/argmin along the innermost f32 dim against eager: the
extreme by one vectorized fold, then the first position holding it.  Ties
(the first occurrence wins), NaNs (the first NaN wins), infinities, rows
of 1 to 1031 elements, 1-D to 3-D inputs, keepdim, a dynamic outer dim,
1 and 2 threads."""
import pytest
import torch

import tsmlir
from conftest import check_against_eager
from tsmlir import TensorSpec


class Extremes(torch.nn.Module):
    def forward(self, x):
        mx, imx = torch.max(x, -1)
        mn, imn = torch.min(x, -1, keepdim=True)
        return mx, imx, mn, imn, torch.argmax(x, -1), torch.argmin(x, dim=-1, keepdim=True)


def _special(shape):
    x = torch.randint(-3, 4, shape).float()  # many ties
    flat = x.view(-1)
    if flat.numel() >= 40:
        flat[5], flat[17], flat[30] = float("nan"), float("inf"), float("-inf")
        flat[33] = float("nan")
    return x


@pytest.mark.parametrize("shape", [(7,), (1,), (3, 5), (4, 1), (2, 3, 17), (16, 1031), (9, 40)],
                         ids=str)
def test_row_extremes(shape):
    check_against_eager(Extremes(), [_special(shape)], equal_nan=True)
    check_against_eager(Extremes(), [torch.randn(shape)])


def test_row_extremes_all_nan_and_dynamic():
    x = torch.full((3, 9), float("nan"))
    x[1, 4] = 1.0
    check_against_eager(Extremes(), [x], equal_nan=True)
    specs = [TensorSpec((-1, 33))]
    runs = [[_special((n, 33))] for n in (2, 5)]
    check_against_eager(Extremes(), runs[0], input_specs=specs, runs=runs[1:], equal_nan=True)


def test_row_extremes_threads():
    x = torch.randn(512, 1000)
    compiled = tsmlir.compile_module(Extremes(), [x], threads=2)
    for got, want in zip(compiled(x), Extremes()(x)):
        torch.testing.assert_close(got, want)
