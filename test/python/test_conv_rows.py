"""Convolutions as one matmul per kernel row (conv_rows) against eager:
constant filters of row stride 1, with padding, width strides and
dilations, kernels of 2 to 7 rows, odd sizes, outputs of width or height
1, one input channel, bias or none, batch > 1 (the per-image loop) and a
dynamic batch, float64, and a ReLU (the last row's matmul applies it);
run-time f32 filters (a forward argument: one permuted copy of them) on
the same shapes, 1 and 2 threads; the path is taken (fewer im2col slices)
and refused where it does not apply (row stride 2, run-time float64
filters) or would not pay (a 7x7 conv of 3 channels)."""
import pytest
import torch
import torch.nn.functional as F

import tsmlir
from conftest import check_against_eager
from tsmlir import TensorSpec

CONVS = {
    "k3_pad1": dict(in_channels=5, out_channels=7, kernel_size=3, padding=1),
    "k3_no_bias": dict(in_channels=3, out_channels=20, kernel_size=3, padding=1, bias=False),
    "k2x3_ws2_d2": dict(in_channels=4, out_channels=6, kernel_size=(2, 3), stride=(1, 2),
                        dilation=(2, 1), padding=(1, 0)),
    "k7_one_channel": dict(in_channels=1, out_channels=3, kernel_size=7, padding=3),
    "k3x1": dict(in_channels=3, out_channels=4, kernel_size=(3, 1)),
}


# every conv on every size, except the 7x7 one on inputs smaller than its kernel
CASES = [(name, size) for size in [(9, 11), (3, 5), (6, 3)] for name in CONVS
         if name != "k7_one_channel" or size == (9, 11)]


@pytest.mark.parametrize("name, size", CASES, ids=str)
def test_conv_rows(name, size):
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(**CONVS[name])
    check_against_eager(torch.jit.script(conv), [torch.randn(1, conv.in_channels, *size)])


class ConvRelu(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(8, 16, 3, padding=1)

    def forward(self, x):
        return torch.relu(self.conv(x))


@pytest.mark.parametrize("threads", [1, 2])
def test_conv_rows_relu(threads):
    torch.manual_seed(0)
    model = torch.jit.script(ConvRelu().eval())
    x = torch.randn(1, 8, 13, 5)  # 5 columns: too narrow for conv_direct
    compiled = tsmlir.compile_module(model, [x], threads=threads)
    with torch.no_grad():
        torch.testing.assert_close(compiled(x), model(x))


def test_conv_rows_batches():
    torch.manual_seed(0)
    conv = torch.jit.script(torch.nn.Conv2d(**CONVS["k3_pad1"]))
    check_against_eager(conv, [torch.randn(3, 5, 9, 11)])
    check_against_eager(conv, [torch.randn(2, 5, 9, 11)], input_specs=[TensorSpec((-1, 5, 9, 11))],
                        runs=[[torch.randn(1, 5, 9, 11)], [torch.randn(4, 5, 9, 11)]])


def test_conv_rows_float64():
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(**CONVS["k2x3_ws2_d2"]).double()
    check_against_eager(torch.jit.script(conv), [torch.randn(1, 4, 9, 11, dtype=torch.float64)])


def _slices(tmp_path, conv, x, freeze=True):
    tsmlir.compile_module(torch.jit.script(conv), [x], dump_dir=str(tmp_path), freeze=freeze)
    return (tmp_path / "1-tsm-to-linalg.mlir").read_text().count("tensor.insert_slice")


def test_conv_rows_is_taken_only_where_it_applies(tmp_path):
    x = torch.randn(1, 3, 8, 8)
    rows = torch.nn.Conv2d(3, 4, 3, padding=1)
    assert _slices(tmp_path / "rows", rows, x) == 3  # one per kernel column
    assert _slices(tmp_path / "s2", torch.nn.Conv2d(3, 4, 3, stride=2), x) == 9
    assert _slices(tmp_path / "args", rows, x, freeze=False) == 3  # filters known at run time
    # 7 matmuls of depth 21 would cost more than the 49-slice im2col saves
    stem = torch.nn.Conv2d(3, 64, 7, padding=3)
    assert _slices(tmp_path / "stem", stem, torch.randn(1, 3, 9, 9)) == 49


class RuntimeConv(torch.nn.Module):
    """F.conv2d with the filters (and bias) as forward arguments."""
    def __init__(self, stride=1, padding=0, dilation=1):
        super().__init__()
        self.stride, self.padding, self.dilation = stride, padding, dilation

    def forward(self, x, w, b):
        return F.conv2d(x, w, b, self.stride, self.padding, self.dilation)


@pytest.mark.parametrize("name, size", CASES, ids=str)
@pytest.mark.parametrize("threads", [1, 2])
def test_conv_rows_runtime_filters(name, size, threads):
    torch.manual_seed(0)
    cfg = CONVS[name]
    conv = torch.nn.Conv2d(**cfg)
    model = RuntimeConv(conv.stride, conv.padding, conv.dilation)
    bias = conv.bias if conv.bias is not None else torch.zeros(conv.out_channels)
    args = [torch.randn(1, conv.in_channels, *size), conv.weight.detach(), bias.detach()]
    compiled = tsmlir.compile_module(model, args, threads=threads)
    with torch.no_grad():
        torch.testing.assert_close(compiled(*args), model(*args), rtol=1e-4, atol=1e-4)


def test_conv_rows_runtime_filters_batches(tmp_path):
    """Batch > 1 and a dynamic batch: each image's rows read the permuted
    filters; the im2col has one slice per kernel column."""
    torch.manual_seed(0)
    model = RuntimeConv(padding=1)
    w, b = torch.randn(7, 5, 3, 3), torch.randn(7)
    check_against_eager(model, [torch.randn(3, 5, 9, 11), w, b], rtol=1e-4, atol=1e-4)
    specs = [TensorSpec((-1, 5, 9, 11)), TensorSpec((7, 5, 3, 3)), TensorSpec((7,))]
    check_against_eager(model, [torch.randn(2, 5, 9, 11), w, b], input_specs=specs,
                        runs=[[torch.randn(1, 5, 9, 11), w, b], [torch.randn(4, 5, 9, 11), w, b]],
                        rtol=1e-4, atol=1e-4)
    x = torch.randn(1, 5, 9, 11)
    tsmlir.compile_module(model, [x, w, b], dump_dir=str(tmp_path))
    assert (tmp_path / "1-tsm-to-linalg.mlir").read_text().count("tensor.insert_slice") == 3
    x64 = [t.double() for t in (x, w, b)]
    tsmlir.compile_module(model, x64, dump_dir=str(tmp_path / "f64"))
    assert (tmp_path / "f64" / "1-tsm-to-linalg.mlir").read_text().count(
        "tensor.insert_slice") == 9
