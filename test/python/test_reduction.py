"""Reductions against eager: sum, mean, softmax, log_softmax over dims lists,
negative dims, keepdim, all dims, dynamic dims, dtypes and 0-d results."""
import pytest
import torch
import torch.nn.functional as F

import tsmlir
from conftest import check_against_eager
from tsmlir import TensorSpec

pytestmark = pytest.mark.filterwarnings(
    "ignore:`torch.jit.trace_method` is deprecated:DeprecationWarning")


class Traced(torch.nn.Module):
    """Wraps a function for torch.jit.trace, so that each parametrized dims
    list is written into the graph (prim::ListConstruct of constants)."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x)


def traced(fn, x):
    return torch.jit.trace(Traced(fn), x)


class FullReductions(torch.nn.Module):
    def forward(self, x):
        return x.sum(), x.mean(), torch.sum(x, dim=None), x.mean(dim=None, keepdim=True)


class Softmax(torch.nn.Module):
    def __init__(self, dim: int, log: bool):
        super().__init__()
        self.dim, self.log = dim, log

    def forward(self, x):
        if self.log:
            return F.log_softmax(x, self.dim)
        return F.softmax(x, self.dim)


def sum_(dims, keepdim=False):
    return lambda x: torch.sum(x, dims, keepdim)


def mean(dims, keepdim=False):
    return lambda x: torch.mean(x, dims, keepdim)


# (input shape, dims)
DIMS = [((7,), [0]), ((3, 4), [1]), ((3, 4), [-1]), ((2, 3, 5), [0, 2]), ((2, 3, 5), [-1, 0]),
        ((2, 3, 5), [0, 1, 2]), ((4, 1, 6), [1]), ((), [0]), ((2, 3), [])]


@pytest.mark.parametrize("reduce", [sum_, mean], ids=["sum", "mean"])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("shape,dims", DIMS, ids=str)
def test_sum_mean(reduce, shape, dims, keepdim):
    x = torch.randn(shape)
    check_against_eager(traced(reduce(dims, keepdim), x), [x])


@pytest.mark.parametrize("shape", [(5, 6), (2, 3, 4), (9,), ()], ids=str)
def test_full_reductions_give_0d(shape):
    check_against_eager(FullReductions(), [torch.randn(shape)])


@pytest.mark.parametrize("log", [False, True], ids=["softmax", "log_softmax"])
@pytest.mark.parametrize("shape,dim", [((10,), 0), ((3, 7), -1), ((3, 7), 0), ((2, 3, 5), 1),
                                       ((2, 3, 5), -3), ((), 0), ((4, 1), 1)], ids=str)
def test_softmax(log, shape, dim):
    x = torch.randn(shape) * 5
    check_against_eager(torch.jit.script(Softmax(dim, log)), [x])


@pytest.mark.parametrize("log", [False, True], ids=["softmax", "log_softmax"])
def test_softmax_is_stable_for_large_inputs(log):
    x = torch.tensor([[1000.0, 1001.0, 999.0], [-1000.0, -1002.0, -999.0]])
    check_against_eager(torch.jit.script(Softmax(-1, log)), [x])


def test_traced_internal_softmax():
    x = torch.randn(4, 6)
    fn = traced(lambda x: (torch._softmax(x, 1, False), torch._log_softmax(x, 0, False)), x)
    check_against_eager(fn, [x])


class WithDtype(torch.nn.Module):
    def forward(self, x):
        return (x.sum(1, dtype=torch.float64), x.mean(dtype=torch.float64),
                torch.softmax(x, 0, dtype=torch.float64),
                torch.log_softmax(x, -1, dtype=torch.float64))


def test_dtype_argument_casts_first():
    check_against_eager(WithDtype(), [torch.randn(3, 5)])


def test_float64():
    x = torch.randn(6, 7, dtype=torch.float64)
    check_against_eager(traced(sum_([0]), x), [x])
    check_against_eager(traced(mean([-1], True), x), [x])
    check_against_eager(torch.jit.script(Softmax(1, False)), [x])
    check_against_eager(torch.jit.script(Softmax(0, True)), [x])


class AllFour(torch.nn.Module):
    def forward(self, x):
        return x.sum(1), x.mean(0), torch.softmax(x, -1), torch.log_softmax(x, 0)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_precision_accumulates_in_float32(dtype):
    # assert_close's default tolerances for the dtype
    check_against_eager(AllFour(), [torch.randn(5, 7, dtype=dtype)])


class FullSum(torch.nn.Module):
    def forward(self, x):
        return x.sum()


@pytest.mark.parametrize("dtype", [torch.int64, torch.int32, torch.bool])
def test_integer_sum_accumulates_in_int64(dtype):
    x = torch.randint(-2**31, 2**31 - 1, (4, 50)).to(dtype)
    compiled = check_against_eager(traced(sum_([1]), x), [x])
    assert compiled(x).dtype == torch.int64
    check_against_eager(FullSum(), [x])


class Dynamic(torch.nn.Module):
    def forward(self, x):
        return (x.sum(0), x.sum(-1, keepdim=True), x.mean(0, keepdim=True), x.mean(),
                torch.softmax(x, -1), torch.log_softmax(x, 0))


def test_dynamic_dims_one_artifact_many_sizes():
    runs = [[torch.randn(n, 10)] for n in (1, 3, 64)]
    check_against_eager(Dynamic(), runs[0], input_specs=[TensorSpec((-1, 10))], runs=runs[1:])


def test_fully_dynamic_mean():
    runs = [[torch.randn(n, m)] for n, m in ((2, 3), (7, 1), (16, 33))]
    check_against_eager(traced(mean([0, 1]), runs[0][0]), runs[0],
                        input_specs=[TensorSpec((-1, -1))], runs=runs[1:])


class MeanOfRows(torch.nn.Module):
    def forward(self, x):
        return x.mean(0)


def test_mean_of_integers_is_an_error():
    with pytest.raises(tsmlir.TsmlirError, match=r"mean\(\): the input must be floating point"):
        tsmlir.compile_module(MeanOfRows(), [torch.arange(4)])


def test_mean_with_float_dtype_accepts_integers():
    class IntMean(torch.nn.Module):
        def forward(self, x):
            return x.mean(0, dtype=torch.float32)
    check_against_eager(IntMean(), [torch.randint(0, 9, (5, 3))])


class DuplicateDims(torch.nn.Module):
    def forward(self, x):
        return x.sum([1, -1])


def test_duplicate_dims_are_an_error():
    with pytest.raises(tsmlir.TsmlirError, match="dim 1 appears multiple times"):
        tsmlir.compile_module(DuplicateDims(), [torch.randn(2, 3)])


def test_softmax_of_integers_is_an_error():
    with pytest.raises(tsmlir.TsmlirError, match="softmax expects a floating-point tensor"):
        tsmlir.compile_module(torch.jit.script(Softmax(0, False)), [torch.arange(4)])
