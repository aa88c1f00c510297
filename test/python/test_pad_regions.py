"""reflect / replicate / circular padding with static padded dims against
eager: the input copied once into the middle of the result and each border
region (corners included) one generic reading the input, for 1-D, 2-D and
3-D padding, every pad amount from 1 to size - 1 (reflect; size for
circular), zero on one side, odd sizes, size-1 dims, a dynamic batch, 1 and
2 threads."""
import pytest
import torch
import torch.nn.functional as F

import tsmlir
from conftest import check_against_eager
from tsmlir import TensorSpec


class Pad(torch.nn.Module):
    def __init__(self, pad: list[int], mode: str):
        super().__init__()
        self.pad, self.mode = pad, mode

    def forward(self, x):
        return F.pad(x, self.pad, mode=self.mode)


def _max_pad(mode: str, size: int) -> int:
    return {"reflect": size - 1, "replicate": size + 2, "circular": size}[mode]


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("size", [2, 5, 9])
def test_pad_1d_every_amount(mode, size):
    x = torch.randn(2, 3, size)
    for lo in range(0, _max_pad(mode, size) + 1):
        hi = max(_max_pad(mode, size) - lo, 1)
        check_against_eager(Pad([lo, hi], mode), [x])


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("pad", [[1, 1, 1, 1], [2, 0, 0, 3], [0, 4, 2, 1], [4, 4, 6, 6]], ids=str)
def test_pad_2d(mode, pad):
    check_against_eager(Pad(pad, mode), [torch.randn(3, 5, 7, 5)])


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("pad", [[1, 1, 1, 1, 1, 1], [2, 0, 0, 1, 3, 2]], ids=str)
def test_pad_3d(mode, pad):
    check_against_eager(Pad(pad, mode), [torch.randn(2, 3, 5, 4, 7)])


def test_pad_size_one_dims():
    # replicate pads a size-1 dim; a size-1 unpadded dim rides along
    check_against_eager(Pad([2, 3, 1, 0], "replicate"), [torch.randn(1, 1, 1, 5)])
    check_against_eager(Pad([1, 1], "circular"), [torch.randn(1, 4, 1)])


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_pad_dynamic_batch(mode):
    specs = [TensorSpec((-1, 3, 6, 5))]
    runs = [[torch.randn(n, 3, 6, 5)] for n in (2, 1, 4)]
    check_against_eager(Pad([2, 1, 1, 3], mode), runs[0], input_specs=specs, runs=runs[1:])


@pytest.mark.parametrize("threads", [1, 2])
def test_pad_threads(threads):
    x = torch.randn(4, 16, 33, 31)
    module = Pad([1, 2, 3, 1], "reflect")
    compiled = tsmlir.compile_module(module, [x], threads=threads)
    torch.testing.assert_close(compiled(x), module(x))
