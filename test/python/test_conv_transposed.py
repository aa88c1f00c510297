"""Convolutions as the transposed product out^T = col^T @ Wt (conv_transposed)
against eager: batch-1 float32 convs with constant filters (F a multiple of
16) whose 13 to 63 output positions would waste 16-lane panels: 7x7, 5x5,
4x5, 6x3 and 13x1 outputs, strides 1 and 2, dilation, 1x1 and 3-D kernels,
bias or none, followed by a batch norm (folded), a ReLU and a residual
add, on 1 and 2 threads; the path is taken (the transposed matmul in the
IR, its filters a constant) and refused where it does not apply (batch >
1, filters known at run time, float64) or would not pay (16 or 64
positions: no panel waste; 12 or fewer: the narrow kernel's; F not a
multiple of 16)."""
import re

import pytest
import torch

import tsmlir
from conftest import check_against_eager

#: name -> (Conv2d arguments, input height x width); outputs noted.
CONVS = {
    "7x7_k3": (dict(in_channels=24, out_channels=32, kernel_size=3, padding=1), (7, 7)),
    "5x5_s2": (dict(in_channels=10, out_channels=16, kernel_size=3, stride=2, padding=1), (9, 10)),
    "4x5_no_bias": (dict(in_channels=5, out_channels=48, kernel_size=(2, 3), bias=False), (5, 7)),
    "6x3_d2": (dict(in_channels=7, out_channels=16, kernel_size=3, dilation=(2, 1),
                    padding=(1, 0)), (8, 5)),
    "13x1_1x1_s2": (dict(in_channels=33, out_channels=32, kernel_size=1, stride=2), (25, 1)),
    "7x7_1x1_s2": (dict(in_channels=16, out_channels=64, kernel_size=1, stride=2), (14, 14)),
}


def _matmuls(tmp_path, module, x, **options) -> str:
    tsmlir.compile_module(module, [x], dump_dir=str(tmp_path), **options)
    text = (tmp_path / "1-tsm-to-linalg.mlir").read_text()
    return [line for line in text.splitlines() if "linalg.matmul" in line]


def _transposed(n: int, ck: int, f: int) -> str:
    """The transposed product's operand types: col^T (N, CK), Wt (CK, F)."""
    return f"tensor<{n}x{ck}xf32>, tensor<{ck}x{f}xf32>"


@pytest.mark.parametrize("name", CONVS)
def test_conv_transposed(name, tmp_path):
    torch.manual_seed(0)
    args, size = CONVS[name]
    conv = torch.jit.script(torch.nn.Conv2d(**args).eval())
    x = torch.randn(1, conv.in_channels, *size)
    check_against_eager(conv, [x])
    n = conv(x).shape[2] * conv(x).shape[3]
    kh, kw = conv.kernel_size
    ck = conv.in_channels * kh * kw
    assert 13 <= n < 64
    matmuls = _matmuls(tmp_path, conv, x)
    assert len(matmuls) == 1 and _transposed(n, ck, conv.out_channels) in matmuls[0]


class Block(torch.nn.Module):
    """conv + BN + ReLU, conv + BN, plus the input, ReLU (a ResNet block)."""

    def __init__(self, channels: int, stride: int = 1):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(channels, channels, 3, stride, 1, bias=False)
        self.bn1 = torch.nn.BatchNorm2d(channels)
        self.conv2 = torch.nn.Conv2d(channels, channels, 3, 1, 1, bias=False)
        self.bn2 = torch.nn.BatchNorm2d(channels)
        self.down = torch.nn.Conv2d(channels, channels, 1, stride)

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(self.bn2(self.conv2(y)) + self.down(x))


def _block(channels: int, stride: int) -> torch.nn.Module:
    torch.manual_seed(0)
    block = Block(channels, stride).eval()
    with torch.no_grad():
        for bn in (block.bn1, block.bn2):
            bn.running_mean.uniform_(-1, 1)
            bn.running_var.uniform_(0.5, 2)
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.uniform_(-0.5, 0.5)
    return torch.jit.script(block)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("stride, size", [(1, (7, 7)), (2, (13, 14))], ids=["s1", "s2"])
def test_block(threads, stride, size, tmp_path):
    block = _block(32, stride)
    x = torch.randn(1, 32, *size)
    compiled = tsmlir.compile_module(block, [x], threads=threads)
    with torch.no_grad():
        torch.testing.assert_close(compiled(x), block(x), rtol=1e-4, atol=1e-4)
    matmuls = _matmuls(tmp_path, block, x)
    assert len(matmuls) == 3 and all(_transposed(49, ck, 32) in m
                                     for m, ck in zip(matmuls, (288, 288, 32)))


def test_conv3d_transposed(tmp_path):
    torch.manual_seed(0)
    conv = torch.jit.script(torch.nn.Conv3d(3, 16, (2, 3, 3), padding=(0, 1, 1)).eval())
    x = torch.randn(1, 3, 3, 3, 3)  # 2x3x3 = 18 positions
    check_against_eager(conv, [x])
    assert _transposed(18, 54, 16) in _matmuls(tmp_path, conv, x)[0]


def _a_rows(matmul: str) -> int:
    """The rows of a matmul's first operand (F: direct form, N: transposed)."""
    return int(re.search(r": tensor<(\d+)x", matmul.split("ins(")[1]).group(1))


def test_kept_on_the_direct_form(tmp_path):
    """Where the transposed form does not apply or pay: W (F, CK) @ col."""
    torch.manual_seed(0)
    conv = torch.jit.script(torch.nn.Conv2d(8, 32, 3, padding=1).eval())
    cases = {
        "batch2": (torch.randn(2, 8, 7, 7), {}),
        "runtime_filters": (torch.randn(1, 8, 7, 7), dict(freeze=False)),
        "16_positions": (torch.randn(1, 8, 4, 4), {}),
        "64_positions": (torch.randn(1, 8, 8, 8), {}),
        "12_positions": (torch.randn(1, 8, 3, 4), {}),
    }
    for name, (x, options) in cases.items():
        check_against_eager(conv, [x])
        matmuls = _matmuls(tmp_path / name, conv, x, **options)
        assert matmuls and all(_a_rows(m) == 32 for m in matmuls), name
    odd = torch.jit.script(torch.nn.Conv2d(8, 24, 3, padding=1).eval())  # F % 16 != 0
    x = torch.randn(1, 8, 7, 7)
    check_against_eager(odd, [x])
    assert all(_a_rows(m) == 24 for m in _matmuls(tmp_path / "f24", odd, x))
    conv64 = torch.jit.script(torch.nn.Conv2d(8, 32, 3, padding=1).double().eval())
    x64 = torch.randn(1, 8, 7, 7, dtype=torch.float64)
    check_against_eager(conv64, [x64])
    assert all(_a_rows(m) == 32 for m in _matmuls(tmp_path / "f64", conv64, x64))
