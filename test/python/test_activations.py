"""SELU, PReLU, RReLU, GLU, one_hot and numel against eager (the ops a MobileNetV3 /
gated-conv / LocalResponseNorm model meets), and their refusals."""
from __future__ import annotations

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

import tsmlir
from conftest import check_against_eager
from tsmlir import TensorSpec
from tsmlir.errors import TsmlirError


class Acts(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.prelu, self.prelu1 = nn.PReLU(channels, init=0.1), nn.PReLU()

    def forward(self, x):
        return F.selu(x), self.prelu(x), self.prelu1(x), F.glu(x, 1)


@pytest.mark.parametrize("shape", [(2, 4, 5, 3), (3, 6), (1, 2, 7)])
def test_activations(shape):
    x = torch.randn(*shape) * 3
    check_against_eager(Acts(shape[1]), [x])


def test_activations_dynamic_batch():
    runs = [(torch.randn(b, 4, 3),) for b in (1, 5)]
    check_against_eager(Acts(4), [torch.randn(2, 4, 3)], input_specs=[TensorSpec((-1, 4, 3))],
                        runs=runs)


def test_prelu_1d_input():
    """A 1-D input is one channel (PyTorch's rule), so only one weight fits."""
    check_against_eager(nn.PReLU(1), [torch.randn(5)])
    with pytest.raises(TsmlirError, match=r"the weight has 5 values but the input .* 1 channel"):
        tsmlir.compile_module(nn.PReLU(5), [torch.randn(5)])


def test_prelu_channel_mismatch():
    with pytest.raises(TsmlirError, match=r"the weight has 3 values but the input"):
        tsmlir.compile_module(nn.PReLU(3), [torch.randn(2, 4, 5)])


class RReLUs(nn.Module):
    def __init__(self):
        super().__init__()
        self.default, self.wide = nn.RReLU(), nn.RReLU(0.05, 0.6)

    def forward(self, x):
        return self.default(x), self.wide(x), F.rrelu(x, 0.2, 0.4, training=False)


def test_rrelu_at_inference():
    """In eval mode RReLU is a leaky ReLU with the mean of its slope range."""
    check_against_eager(RReLUs(), [torch.randn(3, 17) * 4])


class TrainingRReLU(nn.Module):
    def forward(self, x):
        return F.rrelu(x, training=True)


def test_rrelu_training_refused():
    with pytest.raises(TsmlirError, match=r"rrelu in training mode draws random slopes.*eval"):
        tsmlir.compile_module(torch.jit.script(TrainingRReLU()), [torch.randn(3, 4)])


class GatedConv(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(8, 16, 3, padding=1)

    def forward(self, x):
        return F.glu(self.conv(x), dim=1)


def test_glu_gated_conv():
    check_against_eager(GatedConv(), [torch.randn(2, 8, 11)])


def test_glu_odd_refused():
    with pytest.raises(TsmlirError, match="glu: halving dimension"):
        tsmlir.compile_module(nn.GLU(), [torch.randn(2, 5)])


class OneHot(nn.Module):
    def forward(self, labels, logits):
        target = F.one_hot(labels, 6)
        return (target * logits).sum(-1), target


def test_one_hot():
    labels = torch.tensor([[0, 5, 2], [3, 3, 1]])
    check_against_eager(OneHot(), [labels, torch.randn(2, 3, 6)])


def test_one_hot_needs_num_classes():
    class Auto(nn.Module):
        def forward(self, labels):
            return F.one_hot(labels)
    with pytest.raises(TsmlirError, match="one_hot needs num_classes"):
        tsmlir.compile_module(Auto(), [torch.tensor([1, 2])])


class Numel(nn.Module):
    def forward(self, x):
        return x.sum() / x.numel()


def test_numel_static_and_dynamic():
    check_against_eager(Numel(), [torch.randn(3, 4)])
    check_against_eager(Numel(), [torch.randn(3, 4)], input_specs=[TensorSpec((-1, 4))],
                        runs=[(torch.randn(7, 4),)])


def test_local_response_norm():
    """nn.LocalResponseNorm (AlexNet): numel check, padding, 3-D average pool."""
    check_against_eager(nn.LocalResponseNorm(3), [torch.randn(2, 6, 5, 5)])


class MinMaxNan(nn.Module):
    def forward(self, x, y):
        return (torch.min(x, y), torch.max(x, 0.5 * y), torch.nan_to_num(x.log()),
                torch.nan_to_num(x / y, nan=1.0, posinf=9.0, neginf=-9.0))


def test_binary_min_max_and_nan_to_num():
    x = torch.tensor([[0.0, -1.0, 2.0, float("nan")], [3.0, 0.0, -0.0, 1e-3]])
    y = torch.tensor([[0.0, 0.0, 1.0, 2.0], [float("nan"), -2.0, 0.0, 0.0]])
    check_against_eager(MinMaxNan(), [x, y], equal_nan=True)
