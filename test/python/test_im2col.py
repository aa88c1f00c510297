"""Convolutions whose im2col reads the unpadded input (lowering/im2col.py)
against eager, at 1 and 2 threads: channel counts the threads do not divide
(a dynamic last chunk), one row or one column of output, kernels that read
only padding at some positions, the kernel-row and full im2col, strides,
dilation, asymmetric padding, conv3d, batches and a dynamic batch."""
import pytest
import torch

import tsmlir
from tsmlir import TensorSpec
from tsmlir.lowering import im2col

TOL = dict(rtol=1e-4, atol=1e-4)


def _check(module, x, threads, specs=None):
    module = module.eval()
    compiled = tsmlir.compile_module(torch.jit.trace(module, x), specs or [x],
                                     threads=threads)
    torch.testing.assert_close(compiled(x), module(x), **TOL)


# (channels, filters, size, kernel, stride, padding, dilation)
CASES = [
    (256, 8, 4, 3, 1, 1, 1),     # rows of 4: the threads share the channels
    (255, 6, 4, 3, 1, 1, 1),     # odd channels: chunks of 128 and 127
    (257, 5, 2, 3, 2, 1, 1),     # full im2col, stride 2, 2x2 input
    (129, 4, 1, 3, 1, 1, 1),     # 1x1 input: the kernel's border reads padding
    (300, 3, 3, 3, 1, 2, 2),     # dilation 2, padding 2
    (64, 7, 9, 5, 2, 4, 1),      # positions that read only padding (pad 4 > k - 1)
    (3, 8, 33, 7, 2, 3, 1),      # a stem: slices of a padded copy
    (1, 2, 16, 3, 1, 1, 1),      # border boxes, one channel
    (130, 4, 5, (1, 3), 1, (0, 1), 1),  # one kernel row
    (96, 3, (1, 7), 3, 1, 1, 1),  # one input row
]


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("c,f,size,k,s,p,d", CASES)
def test_conv2d_batch1(c, f, size, k, s, p, d, threads):
    torch.manual_seed(0)
    h, w = size if isinstance(size, tuple) else (size, size)
    conv = torch.nn.Conv2d(c, f, k, s, p, d)
    _check(conv, torch.randn(1, c, h, w), threads)


class RuntimeFilter(torch.nn.Module):
    def forward(self, x, w):
        return torch.nn.functional.conv2d(x, w, padding=(2, 1))


@pytest.mark.parametrize("threads", [1, 2])
def test_runtime_filters_asymmetric(threads):
    torch.manual_seed(0)
    x, w = torch.randn(1, 301, 3, 5), torch.randn(4, 301, 3, 3)
    m = RuntimeFilter()
    compiled = tsmlir.compile_module(torch.jit.trace(m, (x, w)), [x, w], threads=threads)
    torch.testing.assert_close(compiled(x, w), m(x, w), **TOL)


@pytest.mark.parametrize("threads", [1, 2])
def test_batches_and_dynamic_batch(threads):
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(256, 4, 3, padding=1).eval()
    x = torch.randn(3, 256, 4, 4)
    _check(conv, x, threads)
    compiled = tsmlir.compile_module(torch.jit.trace(conv, x),
                                     [TensorSpec([-1, 256, 4, 4], torch.float32)],
                                     threads=threads)
    for n in (1, 2, 5):
        y = torch.randn(n, 256, 4, 4)
        torch.testing.assert_close(compiled(y), conv(y), **TOL)


@pytest.mark.parametrize("threads", [1, 2])
def test_conv3d(threads):
    torch.manual_seed(0)
    _check(torch.nn.Conv3d(66, 3, 3, padding=1), torch.randn(1, 66, 3, 4, 2), threads)


def test_regions():
    # outputs 0..3 at stride 2 of a 5-long input padded by 2, kernel tap 0:
    # inputs -2, 0, 2, 4 -> outputs 1..3 read inside, from input 0
    assert im2col.region(5, 0, 4, 2, 1, 2) == (1, 3, 0)
    # a tap beyond the input: nothing read
    assert im2col.region(1, 2, 1, 1, 1, 1)[1] == 0
    # a box per side the rectangle leaves, and the whole range for an empty one
    assert im2col.border_boxes([(1, 2), (0, 4)], [4, 4]) == [[(0, 1), (0, 4)],
                                                            [(3, 1), (0, 4)]]
    assert im2col.border_boxes([(0, 0), (0, 4)], [4, 4]) == [[(0, 4), (0, 4)]]
    assert im2col.border_boxes([(0, 4), (0, 4)], [4, 4]) == []
