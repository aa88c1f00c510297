"""unique / unique_consecutive / bincount (result sizes known only at run
time) and quantile against eager: NaNs, empty inputs, dynamic sizes, errors."""
from __future__ import annotations

import pytest
import torch
import torch.nn as nn

import tsmlir
from conftest import check_against_eager
from tsmlir import TensorSpec

NAN = float("nan")


class Unique(nn.Module):
    def forward(self, i):
        return (torch.unique(i), torch.unique(i, return_inverse=True, return_counts=True),
                torch.unique(i, sorted=False, return_counts=True),
                torch.unique_consecutive(i),
                torch.unique_consecutive(i, return_inverse=True, return_counts=True))


@pytest.mark.parametrize("values", [
    torch.tensor([3, 1, 1, 2, 3, 3, 0]),
    torch.tensor([[1., 2, 2, NAN], [1, NAN, 0, -0.0]]),  # each NaN is a value of its own
    torch.tensor([5]),
    torch.tensor([[2, 2], [2, 2]], dtype=torch.int32),
])
def test_unique(values):
    check_against_eager(Unique(), [values], equal_nan=True)


def test_unique_dynamic_and_empty():
    x = torch.tensor([4, 4, 1, 7, 1])
    check_against_eager(Unique(), [x], input_specs=[TensorSpec((-1,), torch.int64)],
                        runs=[(torch.tensor([9, 9, 9]),), (torch.tensor([], dtype=torch.int64),),
                              (torch.randint(0, 50, (1000,)),)])


class Counts(nn.Module):
    def forward(self, i, w):
        return (torch.bincount(i), torch.bincount(i, minlength=10), torch.bincount(i, w),
                torch.bincount(i, w.double()), torch.bincount(i.int()))


class FloatCounts(nn.Module):
    def forward(self, x):
        return torch.bincount(x), torch.bincount(x, minlength=4)


def test_bincount():
    i, w = torch.tensor([3, 1, 1, 2, 3, 3, 0]), torch.rand(7)
    check_against_eager(Counts(), [i, w],
                        input_specs=[TensorSpec((-1,), torch.int64), TensorSpec((-1,))],
                        runs=[(torch.tensor([12]), torch.rand(1))])
    # empty: minlength zeros (eager returns int64 then even with float weights,
    # a dtype that depends on the data: not followed)
    check_against_eager(FloatCounts(), [i], input_specs=[TensorSpec((-1,), torch.int64)],
                        runs=[(torch.tensor([], dtype=torch.int64),)])


def test_bincount_negative_is_a_runtime_error():
    c = tsmlir.compile_module(Counts(), [torch.tensor([1, 2]), torch.rand(2)])
    with pytest.raises(tsmlir.RuntimeCheckError, match="non-negative integral inputs"):
        c(torch.tensor([1, -2]), torch.rand(2))


def test_bincount_refuses_floats():
    with pytest.raises(tsmlir.TorchScriptImportError, match="non-negative integral"):
        tsmlir.compile_module(FloatCounts(), [torch.rand(3)])


class Quantiles(nn.Module):
    def forward(self, x, q):
        return (torch.quantile(x, 0.3, 1), torch.quantile(x, 0.3),
                torch.quantile(x, q, 0, True), torch.quantile(x, q),
                torch.quantile(x, 0.75, 1, interpolation="lower"),
                torch.quantile(x, 0.75, -1, True, interpolation="higher"),
                torch.quantile(x, 0.5, 1, interpolation="nearest"),
                torch.quantile(x, 0.4, 0, True, interpolation="midpoint"),
                torch.quantile(x, 1.0, 1), torch.quantile(x, 0.0, 0))


def test_quantile():
    x = torch.randn(3, 7)
    q = torch.tensor([0.1, 0.5, 1.0])
    check_against_eager(Quantiles(), [x, q], equal_nan=True)
    x[1, 2] = NAN  # a row with a NaN is NaN
    check_against_eager(Quantiles(), [x, q], equal_nan=True)
    check_against_eager(Quantiles(), [x.double(), q.double()], equal_nan=True)


def test_quantile_dynamic_rows():
    x, q = torch.randn(5, 4), torch.tensor([0.25, 0.9])
    check_against_eager(Quantiles(), [x, q], input_specs=[TensorSpec((-1, 4)), TensorSpec((2,))],
                        runs=[(torch.randn(1, 4), q), (torch.randn(9, 4), q)])


class BadQ(nn.Module):
    def forward(self, x):
        return torch.quantile(x, 1.5)


def test_quantile_errors():
    with pytest.raises(tsmlir.TorchScriptImportError, match=r"q must be in the range \[0, 1\]"):
        tsmlir.compile_module(BadQ(), [torch.rand(3)])
    c = tsmlir.compile_module(Quantiles(), [torch.rand(2, 3), torch.tensor([0.5])])
    with pytest.raises(tsmlir.RuntimeCheckError, match="q values must be in the range"):
        c(torch.rand(2, 3), torch.tensor([2.0]))


class Transposes(nn.Module):
    def forward(self, x):
        return x.mT


def test_mT():
    check_against_eager(Transposes(), [torch.randn(2, 3, 4)])
    with pytest.raises(tsmlir.TorchScriptImportError, match="matrices or batches"):
        tsmlir.compile_module(Transposes(), [torch.randn(3)])


class Histograms(nn.Module):
    def forward(self, x):
        return (torch.histc(x, 5, -1.0, 1.0), torch.histc(x, bins=7), torch.histc(x, 3, 0, 2),
                torch.histc(x.double(), 4, -2.0, 2.0))


def test_histc():
    x = torch.randn(4, 9)
    x[0, :5] = torch.tensor([-1.0, 1.0, 0.2, 0.6, -0.6])  # bin edges and both ends
    check_against_eager(Histograms(), [x], input_specs=[TensorSpec((-1, 9))],
                        runs=[(torch.full((2, 9), 0.5),), (torch.randn(1, 9) * 3,)])


class Windows(nn.Module):
    def forward(self, x):
        return (x * torch.hann_window(8), torch.hann_window(8, False), torch.hamming_window(6),
                torch.hamming_window(6, True, 0.5, 0.5), torch.blackman_window(5, dtype=torch.float64),
                torch.bartlett_window(7), torch.kaiser_window(9, True, 8.0))


def test_windows():
    check_against_eager(Windows(), [torch.randn(8)])


class Mode(nn.Module):
    def __init__(self, dim: int = -1, keepdim: bool = False):
        super().__init__()
        self.dim, self.keepdim = dim, keepdim

    def forward(self, x):
        return torch.mode(x, self.dim, self.keepdim)


def _check_mode(compiled, module, x):
    (values, indices), want = compiled(x), module(x)
    torch.testing.assert_close(values, want.values, equal_nan=True)
    torch.testing.assert_close(indices, want.indices)


@pytest.mark.parametrize("x,dim,keepdim", [
    (torch.tensor([1., 2, 2, 1, 3]), 0, False),          # a tie: the smaller value, its last index
    (torch.tensor([3., 2, 2, 3, 1]), -1, True),
    (torch.tensor([2., 1, 1, 2, 2, 1]), 0, False),
    (torch.tensor([float("nan"), 2, 2, float("nan")]), 0, False),  # NaNs: runs of one
    (torch.tensor(3.5), 0, False),                       # 0-d
    (torch.tensor([[7.]]), 1, True),                     # 1-element dim
    (torch.randint(0, 4, (3, 10)).float(), 1, False),
    (torch.randint(0, 4, (3, 10)), 0, True),             # int64, along dim 0
    (torch.randint(-2, 3, (2, 5, 7)).double(), -1, False),
    (torch.tensor([True, False, True]), 0, False),
])
def test_mode(x, dim, keepdim):
    module = Mode(dim, keepdim)
    _check_mode(tsmlir.compile_module(module, [x]), module, x)


def test_mode_long_rows_and_dynamic():
    """Long rows: eager's index among equal values depends on its sort, so the
    index is checked to hold the mode (and the values against eager)."""
    module = Mode(1)
    compiled = tsmlir.compile_module(module, input_specs=[TensorSpec((-1, -1))])
    for shape in [(4, 1000), (1, 17), (6, 1)]:
        x = torch.randint(0, 9, shape).float()
        values, indices = compiled(x)
        torch.testing.assert_close(values, module(x).values)
        torch.testing.assert_close(x.gather(1, indices[:, None])[:, 0], values)


def test_mode_errors():
    with pytest.raises(tsmlir.TorchScriptImportError, match="out of range"):
        tsmlir.compile_module(Mode(2), [torch.randn(3, 4)])
