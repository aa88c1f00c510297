"""1-D/3-D max pooling, 1-D/2-D/3-D average pooling and adaptive max/avg
pooling against eager: kernel/stride/padding forms, ceil_mode, count_include_pad,
divisor_override, uneven adaptive windows, NaN, dtypes, unbatched and
dynamic-batch inputs, and the errors for what stays unsupported."""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

import tsmlir
from conftest import check_against_eager
from tsmlir import TensorSpec


class Pools1d(nn.Module):
    """Several 1-D pools of one input, compiled once."""
    def forward(self, x):
        return (F.max_pool1d(x, 3, stride=2, padding=1, ceil_mode=True),
                F.max_pool1d(x, 2, dilation=2),
                F.avg_pool1d(x, 3, stride=2, padding=1, ceil_mode=True),
                F.avg_pool1d(x, 4, count_include_pad=False, padding=2),
                F.adaptive_avg_pool1d(x, 3), F.adaptive_max_pool1d(x, 4))


@pytest.mark.parametrize("shape", [(2, 3, 10), (1, 2, 7), (3, 9)], ids=str)
def test_pools_1d(shape):
    check_against_eager(torch.jit.script(Pools1d()), [torch.randn(shape)])


def test_pools_1d_dynamic_batch():
    check_against_eager(torch.jit.script(Pools1d()), [torch.randn(2, 3, 10)],
                        input_specs=[TensorSpec((-1, 3, 10))], runs=[[torch.randn(1, 3, 10)]])


MAX3D = {
    "k2": dict(kernel_size=2),
    "stride_pad": dict(kernel_size=3, stride=(1, 2, 2), padding=1),
    "ceil_dilation": dict(kernel_size=(2, 3, 2), stride=2, dilation=(1, 1, 2), ceil_mode=True),
}


@pytest.mark.parametrize("name", MAX3D)
def test_max_pool3d(name):
    pool = torch.jit.script(nn.MaxPool3d(**MAX3D[name]))
    check_against_eager(pool, [torch.randn(2, 3, 5, 6, 7)])


def test_max_pool3d_int_unbatched_dynamic_batch():
    pool = torch.jit.script(nn.MaxPool3d(2, padding=1))
    check_against_eager(pool, [torch.randint(-50, 50, (2, 4, 3, 5), dtype=torch.int32)])
    check_against_eager(pool, [torch.randn(2, 2, 4, 4, 3)],
                        input_specs=[TensorSpec((-1, 2, 4, 4, 3))], runs=[[torch.randn(3, 2, 4, 4, 3)]])


class MaxPools(nn.Module):
    def forward(self, x):
        return F.max_pool2d(x, 3, 2, 1, ceil_mode=True), F.max_pool3d(x.unsqueeze(0), 2, padding=1)


@pytest.mark.parametrize("dtype", [torch.uint8, torch.int8, torch.int64, torch.float16,
                                   torch.bfloat16, torch.float64], ids=str)
def test_max_pools_dtypes(dtype):
    """Integers exactly, uint8 compared unsigned over its whole range."""
    low, high = (0, 256) if dtype == torch.uint8 else (-128, 128)
    x = torch.randint(low, high, (2, 3, 5, 6)).to(dtype)
    check_against_eager(torch.jit.script(MaxPools()), [x])


AVG2D = {
    "k2": dict(kernel_size=2),
    "k3_s2_p1": dict(kernel_size=3, stride=2, padding=1),
    "exclude_pad_ceil": dict(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                             count_include_pad=False),
    "include_pad_ceil": dict(kernel_size=(2, 3), stride=(2, 2), padding=(1, 1), ceil_mode=True),
    "divisor": dict(kernel_size=2, stride=1, divisor_override=3),
}


@pytest.mark.parametrize("name", AVG2D)
@pytest.mark.parametrize("size", [(8, 8), (7, 9)], ids=str)
def test_avg_pool2d(name, size):
    pool = torch.jit.script(nn.AvgPool2d(**AVG2D[name]))
    check_against_eager(pool, [torch.randn(2, 3, *size)])


def test_avg_pool2d_float64_traced_dynamic_batch():
    pool = nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False)
    x = torch.randn(2, 3, 7, 6, dtype=torch.float64)
    check_against_eager(torch.jit.trace(pool, x), [x], input_specs=[
        TensorSpec((-1, 3, 7, 6), torch.float64)], runs=[[torch.randn(1, 3, 7, 6, dtype=torch.float64)]])


class Pools3d(nn.Module):
    def forward(self, x):
        return (F.avg_pool3d(x, 2), F.avg_pool3d(x, 3, (1, 2, 2), 1, ceil_mode=True),
                F.avg_pool3d(x, (2, 3, 2), 2, (1, 1, 0), count_include_pad=False,
                             ceil_mode=True),
                F.avg_pool3d(x, 2, 1, divisor_override=5),
                F.adaptive_avg_pool3d(x, 1), F.adaptive_avg_pool3d(x, (2, 3, 3)),
                F.adaptive_avg_pool3d(x, (4, 2, 4)))


@pytest.mark.parametrize("shape", [(2, 3, 4, 6, 5), (3, 5, 4, 7)], ids=str)
def test_avg_pools_3d(shape):
    check_against_eager(torch.jit.script(Pools3d()), [torch.randn(shape)])


def test_avg_pools_3d_dynamic_batch_and_int64():
    pools = torch.jit.script(Pools3d())
    check_against_eager(pools, [torch.randn(2, 2, 4, 6, 5)],
                        input_specs=[TensorSpec((-1, 2, 4, 6, 5))], runs=[[torch.randn(1, 2, 4, 6, 5)]])
    avg = torch.jit.script(nn.AvgPool3d(2, padding=1, count_include_pad=False))
    check_against_eager(avg, [torch.randint(-100, 100, (1, 2, 3, 4, 5))])


ADAPTIVE = [((8, 8), (2, 4)), ((7, 11), (3, 4)), ((3, 4), (5, 6)), ((5, 5), (1, 1))]


@pytest.mark.parametrize("size,out", ADAPTIVE, ids=str)
def test_adaptive_max_pool2d_values_and_indices(size, out):
    pool = torch.jit.script(nn.AdaptiveMaxPool2d(out, return_indices=True))
    check_against_eager(pool, [torch.randn(2, 3, *size)])


def test_adaptive_max_pool2d_ties_nan_and_dynamic_batch():
    x = torch.zeros(2, 2, 6, 7)  # ties: the first position wins
    x[0, 0, 1, 2] = float("nan")
    x[1, 1, 4, 4] = x[1, 1, 5, 6] = float("nan")  # the last NaN's index
    x[1, 0] = -float("inf")
    pool = torch.jit.script(nn.AdaptiveMaxPool2d((3, 4), return_indices=True))
    compiled = tsmlir.compile_module(pool, input_specs=[TensorSpec((-1, 2, 6, 7))])
    for args in ([x], [torch.randn(3, 2, 6, 7)]):
        got, expected = compiled(*args), pool(*args)
        torch.testing.assert_close(got[0], expected[0], equal_nan=True)
        torch.testing.assert_close(got[1], expected[1], rtol=0, atol=0)


@pytest.mark.parametrize("size,out", [((28, 28), (7, 7)), ((8, 6), (2, 3)), ((5, 5), (1, 1))],
                         ids=str)
def test_adaptive_max_pool2d_of_tiling_windows(size, out):
    """Windows that tile the input, values only: a max pool (NaN wins, as
    eager's); with the indices wanted, the same values."""
    x = torch.randn(2, 3, *size)
    x[0, 1, 0, 0] = float("nan")
    x[1, 2] = -float("inf")
    check_against_eager(torch.jit.script(nn.AdaptiveMaxPool2d(out)), [x], equal_nan=True)
    check_against_eager(torch.jit.script(nn.AdaptiveMaxPool2d(out, return_indices=True)), [x],
                        equal_nan=True)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("kernel,stride,padding,size", [
    (4, 4, 0, (64, 72)),   # an adaptive pool's tiling windows, 18 outputs a row
    (3, 3, 1, (20, 50)),   # stride 3 with padding: -inf borders
    (5, 3, 2, (9, 43)),    # overlapping windows, a scalar tail of 7
    ((2, 3), (2, 5), 0, (12, 83)),
])
def test_max_pool2d_wide_strides(kernel, stride, padding, size, threads):
    """Width strides past 2: the pool function's scalar loop (threads share
    the channels); NaN wins as in eager's."""
    torch.manual_seed(0)
    x = torch.randn(2, 5, *size)
    x[0, 1, 3, 7] = float("nan")
    pool = torch.jit.script(nn.MaxPool2d(kernel, stride, padding))
    compiled = tsmlir.compile_module(pool, [x], threads=threads)
    torch.testing.assert_close(compiled(x), pool(x), equal_nan=True)


def test_traced_adaptive_max_pool2d():
    x = torch.randn(1, 3, 9, 5)
    check_against_eager(torch.jit.trace(nn.AdaptiveMaxPool2d((4, 3)), x), [x])


def test_avg_pool_padding_over_half_kernel_is_refused():
    pool = torch.jit.script(nn.AvgPool2d(2, padding=2))
    with pytest.raises(tsmlir.TorchScriptImportError,
                       match=r"padding \[2, 2\] must have 2 values, each at most half"):
        tsmlir.compile_module(pool, [torch.randn(1, 1, 6, 6)])


def test_avg_pool2d_int64_truncates():
    pool = torch.jit.script(nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False))
    check_against_eager(pool, [torch.randint(-100, 100, (2, 3, 7, 6))])


def test_pools_of_unsupported_dtypes_are_refused():
    """Where PyTorch's CPU kernels are float-only (int64 for avg_pool too)."""
    cases = [(nn.AvgPool2d(2), torch.int32, "expects a floating-point or int64 input"),
             (nn.MaxPool1d(2), torch.int64, "max_pool1d expects a floating-point input"),
             (nn.AdaptiveMaxPool2d(2), torch.int64, "expects a floating-point input")]
    for pool, dtype, message in cases:
        with pytest.raises(tsmlir.TorchScriptImportError, match=message):
            tsmlir.compile_module(torch.jit.script(pool), [torch.ones(1, 1, 4, 4, dtype=dtype)])


def test_pool_of_wrong_rank_is_refused():
    pool = torch.jit.script(nn.MaxPool3d(2))
    with pytest.raises(tsmlir.TorchScriptImportError,
                       match=r"expected a 4-D \(unbatched\) or 5-D \(batched\) input to max_pool3d"):
        tsmlir.compile_module(pool, [torch.randn(2, 4, 4)])


def test_pool_input_too_small_is_refused():
    pool = torch.jit.script(nn.MaxPool1d(4))
    with pytest.raises(tsmlir.TorchScriptImportError, match="output W would be 0"):
        tsmlir.compile_module(pool, [torch.randn(1, 2, 3)])


@pytest.mark.parametrize("pool", [torch.nn.MaxPool2d(3, 2, 1), torch.nn.MaxPool2d(2, ceil_mode=True),
                                  torch.nn.AvgPool2d(3, 1, 1), torch.nn.AvgPool2d(2)],
                         ids=["max_s2_pad", "max_ceil", "avg_s1_pad", "avg_2"])
def test_pool2d_threads(pool):
    """Big enough pools (>= 2^16 outputs) share their channels among the
    threads (an odd count: the last thread's chunk is shorter)."""
    x = torch.randn(1, 67, 151, 149)
    compiled = tsmlir.compile_module(torch.jit.script(pool), [x], threads=2)
    with torch.no_grad():
        torch.testing.assert_close(compiled(x), pool(x))


VECTOR_POOLS = {  # tsm-vectorize-max-pools: 8 outputs of a row per step, the rest scalar
    "k3_s2_p1": dict(kernel_size=3, stride=2, padding=1),
    "k2_s1": dict(kernel_size=2, stride=1),
    "k3_s12_ceil": dict(kernel_size=3, stride=(1, 2), ceil_mode=True),
    "k23_s21_d2": dict(kernel_size=(2, 3), stride=(2, 1), dilation=(1, 2), padding=1),
}


@pytest.mark.parametrize("name", VECTOR_POOLS)
@pytest.mark.parametrize("size", [(9, 37), (5, 16), (4, 3)], ids=str)
def test_max_pool2d_vectorized(name, size):
    """Widths with whole 8-output vectors and a scalar tail, exactly whole
    vectors, and only a tail; NaNs in a vector lane and in the tail."""
    pool = torch.jit.script(torch.nn.MaxPool2d(**VECTOR_POOLS[name]))
    x = torch.randn(2, 3, *size)
    x[0, 1, 1, min(3, size[1] - 1)] = float("nan")
    x[1, 2, -1, -1] = float("nan")
    compiled = tsmlir.compile_module(pool, [x])
    torch.testing.assert_close(compiled(x), pool(x), equal_nan=True)


@pytest.mark.parametrize("threads", [1, 2])
def test_max_pool2d_vectorized_dynamic_batch(threads):
    pool = torch.jit.script(torch.nn.MaxPool2d(3, 2, 1))
    check_against_eager(pool, [torch.randn(2, 5, 11, 29)], input_specs=[TensorSpec((-1, 5, 11, 29))],
                        runs=[[torch.randn(1, 5, 11, 29)], [torch.randn(3, 5, 11, 29)]])


class GlobalAvg(nn.Module):
    def forward(self, x):
        return F.adaptive_avg_pool2d(x, 1), F.adaptive_avg_pool2d(x, (1, 1)).flatten(1)


@pytest.mark.parametrize("shape", [(2, 3, 7, 7), (1, 512, 7, 7), (3, 1, 1, 1), (2, 5, 1, 13),
                                   (4, 6, 33, 9), (5, 7, 3)], ids=str)
def test_global_avg_pool(shape):
    """Output 1 x 1: the mean of each row of the (N, C, H*W) view (rows of
    1 to 297 floats; an unbatched input)."""
    check_against_eager(GlobalAvg(), [torch.randn(shape)])


def test_global_avg_pool_dynamic_half_and_threads():
    check_against_eager(GlobalAvg(), [torch.randn(2, 3, 5, 6)],
                        input_specs=[TensorSpec((-1, 3, 5, 6))], runs=[[torch.randn(1, 3, 5, 6)]])
    check_against_eager(GlobalAvg(), [torch.randn(2, 8, 7, 7, dtype=torch.float16)])
    x = torch.randn(8, 512, 7, 7)
    compiled = tsmlir.compile_module(GlobalAvg(), [x], threads=2)
    for got, want in zip(compiled(x), GlobalAvg()(x)):
        torch.testing.assert_close(got, want)
