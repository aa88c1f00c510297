"""Pointwise ops on a loop that fills its result slice by slice, moved into
the loop (tsm-sink-pointwise-into-loops), against eager: strided
convolutions (the per-image loop of im2col + matmul) followed by bias,
ReLU, a residual add and a sigmoid, at batches of 3 and of a run-time
size (0, 1, 4 images), 1 and 2 threads; a loop whose stacked rows get a
pointwise op after torch.stack."""
from typing import List

import pytest
import torch

from conftest import check_against_eager
from tsmlir import TensorSpec


class StridedBlock(torch.nn.Module):
    """relu(conv_s2(x) + shortcut(x)) then sigmoid: the im2col convolutions
    run image by image at a batch over 1."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.shortcut = torch.nn.Conv2d(3, 8, 1, stride=2, bias=False)

    def forward(self, x):
        y = torch.relu(self.conv(x) + self.shortcut(x))
        return torch.sigmoid(y) * 2.0


@pytest.mark.parametrize("threads", [1, 2])
def test_strided_block_batch(threads):
    torch.manual_seed(0)
    check_against_eager(torch.jit.script(StridedBlock().eval()), [torch.randn(3, 3, 11, 9)],
                        threads=threads)


@pytest.mark.parametrize("threads", [1, 2])
def test_strided_block_dynamic_batch(threads):
    torch.manual_seed(0)
    model = torch.jit.script(StridedBlock().eval())
    check_against_eager(model, None, input_specs=[TensorSpec((-1, 3, 11, 9))], threads=threads,
                        runs=[(torch.randn(4, 3, 11, 9),), (torch.randn(1, 3, 11, 9),),
                              (torch.randn(0, 3, 11, 9),)])


class ConvRelu(torch.nn.Module):
    """The seed model's conv + ReLU (its matmul kernel applies the ReLU)."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 16, 3)

    def forward(self, x):
        return torch.relu(self.conv(x))


def test_conv_relu_dynamic_batch():
    torch.manual_seed(0)
    check_against_eager(torch.jit.script(ConvRelu().eval()), None,
                        input_specs=[TensorSpec((-1, 1, 12, 10))],
                        runs=[(torch.randn(2, 1, 12, 10),), (torch.randn(5, 1, 12, 10),)])


class StackedRows(torch.nn.Module):
    def forward(self, x):
        ys: List[torch.Tensor] = []
        for t in range(x.size(0)):
            ys.append(torch.exp(x[t]) - x[t])
        return torch.tanh(torch.stack(ys)) + 1.0


def test_stacked_rows_then_pointwise():
    check_against_eager(StackedRows(), [torch.randn(4, 3, 5)])
    check_against_eager(StackedRows(), None, input_specs=[TensorSpec((-1, 3, 5))],
                        runs=[(torch.randn(6, 3, 5),), (torch.randn(1, 3, 5),)])
