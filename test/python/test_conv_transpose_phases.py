"""Strided float32 transposed convolutions as one direct convolution of the
output phases' stacked filters (lowering/conv_transpose_phases.py) against
eager: strides 2 and 3, unequal strides and kernels, padding that crops
whole phases' rows, output_padding, no bias, batch 2, run-time filters, 1 and
2 threads; that the path is taken; and shapes it leaves to the col2im."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

import tsmlir
from tsmlir.lowering import target

CONFIGS = {
    # a decoder's upsampling layer: 4x4, stride 2, padding 1 (2x2 taps per phase)
    "k4s2p1": dict(in_channels=16, out_channels=24, kernel_size=4, stride=2, padding=1),
    "k6s3p2": dict(in_channels=8, out_channels=16, kernel_size=6, stride=3, padding=2),
    "unequal": dict(in_channels=12, out_channels=16, kernel_size=(4, 6), stride=(2, 3),
                    padding=(1, 2), output_padding=(1, 2)),
    # padding of 3 crops the first rows: phases start at different input rows
    "crop": dict(in_channels=16, out_channels=8, kernel_size=4, stride=2, padding=3),
    "outpad_nobias": dict(in_channels=16, out_channels=16, kernel_size=4, stride=2, padding=1,
                          output_padding=1, bias=False),
}


def _close(got, want):
    torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("name", CONFIGS)
@pytest.mark.parametrize("batch", [1, 2])
@pytest.mark.parametrize("threads", [1, 2])
def test_against_eager(name, batch, threads):
    deconv = torch.nn.ConvTranspose2d(**CONFIGS[name]).eval()
    x = torch.randn(batch, deconv.in_channels, 29, 31)
    compiled = tsmlir.compile_module(deconv, [x], threads=threads)
    with torch.no_grad():
        _close(compiled(x), deconv(x))


class RunTime(torch.nn.Module):
    def forward(self, x, w, bias):
        return F.conv_transpose2d(x, w, bias, stride=2, padding=1)


@pytest.mark.parametrize("threads", [1, 2])
def test_run_time_filters(threads):
    x, w, bias = torch.randn(1, 16, 30, 28), torch.randn(16, 8, 4, 4), torch.randn(8)
    compiled = tsmlir.compile_module(RunTime(), [x, w, bias], threads=threads)
    _close(compiled(x, w, bias), RunTime()(x, w, bias))
    w2 = torch.randn(16, 8, 4, 4)  # new filters, same code
    _close(compiled(x, w2, bias), RunTime()(x, w2, bias))


def _loops(module, x, tmp_path):
    tsmlir.compile_module(module, [x], dump_dir=str(tmp_path))
    return (tmp_path / "2-tsm-linalg-to-loops.mlir").read_text()


def test_takes_the_direct_kernel(tmp_path):
    """One direct convolution of the 4 phases' filters (4 x 24), 2x2 taps."""
    deconv = torch.nn.ConvTranspose2d(**CONFIGS["k4s2p1"]).eval()
    loops = _loops(deconv, torch.randn(1, 16, 29, 31), tmp_path)
    rows = 8 if target._host_has_avx512() else 6  # the host's filters a strip
    assert loops.count(f"call @tsm_conv_direct_2x2_r{rows}_driver(") == 1
    assert f"memref<{96 // rows}x16x2x2x{rows}xf32>" in loops  # 96 filters in strips


@pytest.mark.parametrize("config", [
    dict(in_channels=16, out_channels=8, kernel_size=3, stride=2),  # 3 % 2: 2 or 1 taps
    dict(in_channels=16, out_channels=8, kernel_size=2, stride=2),  # 1 tap: a 1x1 conv
    dict(in_channels=2, out_channels=8, kernel_size=4, stride=2),   # depth 2 * 4 < 32
], ids=["uneven_taps", "one_tap", "shallow"])
def test_left_to_the_col2im(config, tmp_path):
    deconv = torch.nn.ConvTranspose2d(**config).eval()
    x = torch.randn(1, deconv.in_channels, 29, 31)
    assert "tsm_conv_direct" not in _loops(deconv, x, tmp_path)
    compiled = tsmlir.compile_module(deconv, [x])
    with torch.no_grad():
        _close(compiled(x), deconv(x))
