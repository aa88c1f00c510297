"""Convolutions whose im2col is computed and multiplied in chunks of output
rows (conv_row_chunks) against eager: a ResNet stem at its real size, and,
with the thresholds lowered, small convolutions of odd output sizes (a
prime count of rows: chunks of one), strides and dilations that differ
per dim, uneven padding, no bias, a ReLU after, batches of 2 and of a
run-time size, float64; 1 and 2 threads (an scf.for, an scf.forall)."""
import pytest
import torch

from conftest import check_against_eager
from mlir import ir
from tsmlir import TensorSpec
from tsmlir.lowering import conv_row_chunks
from tsmlir.lowering.conv_row_chunks import chunk_rows


def _f32():
    with ir.Context():
        return ir.F32Type.get()


@pytest.mark.parametrize("threads", [1, 2])
def test_resnet_stem(threads):
    torch.manual_seed(0)
    stem = torch.nn.Sequential(torch.nn.Conv2d(3, 64, 7, stride=2, padding=3),
                               torch.nn.ReLU())
    assert chunk_rows(3, [7, 7], [112, 112], _f32()) == 1
    check_against_eager(torch.jit.script(stem.eval()), [torch.randn(1, 3, 224, 224)],
                        threads=threads)


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunking for any im2col, chunks of at most 4 KB, any width."""
    monkeypatch.setattr(conv_row_chunks, "MIN_CHUNKED_BYTES", 0)
    monkeypatch.setattr(conv_row_chunks, "CHUNK_BYTES", 4096)
    monkeypatch.setattr(conv_row_chunks, "MIN_CHUNK_COLUMNS", 1)


class Conv(torch.nn.Module):
    def __init__(self, relu: bool, **kw):
        super().__init__()
        self.conv, self.relu = torch.nn.Conv2d(**kw), relu

    def forward(self, x):
        y = self.conv(x)
        return torch.relu(y) if self.relu else y


CONVS = {
    # 13 output rows: chunks of one row
    "k3_s2_prime_rows": (dict(in_channels=3, out_channels=5, kernel_size=3, stride=2), (27, 20)),
    "k5x3_s2x1_d1x2": (dict(in_channels=2, out_channels=7, kernel_size=(5, 3), stride=(2, 1),
                            dilation=(1, 2), padding=(2, 1)), (24, 17)),
    "k7_s2_no_bias_relu": (dict(in_channels=3, out_channels=9, kernel_size=7, stride=2,
                                padding=3, bias=False), (30, 22)),
    "k4_s3_uneven_pad": (dict(in_channels=4, out_channels=3, kernel_size=4, stride=3,
                              padding=(0, 2)), (23, 19)),
}


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("name", CONVS)
def test_small_chunks(small_chunks, name, threads):
    torch.manual_seed(0)
    kw, size = CONVS[name]
    model = Conv("relu" in name, **kw).eval()
    x = torch.randn(1, kw["in_channels"], *size)
    outs = model.conv(x).shape[2:]
    kernel = list(model.conv.kernel_size)
    rows = chunk_rows(kw["in_channels"], kernel, list(outs), _f32())
    assert rows is not None and rows < outs[0], (rows, outs)
    check_against_eager(torch.jit.script(model), [x], threads=threads)


def test_small_chunks_batches(small_chunks):
    torch.manual_seed(0)
    model = torch.jit.script(Conv(False, in_channels=3, out_channels=6, kernel_size=3,
                                  stride=2, padding=1).eval())
    check_against_eager(model, [torch.randn(2, 3, 15, 14)])
    check_against_eager(model, None, input_specs=[TensorSpec((-1, 3, 15, 14))],
                        runs=[(torch.randn(3, 3, 15, 14),), (torch.randn(1, 3, 15, 14),)])


def test_small_chunks_float64(small_chunks):
    torch.manual_seed(0)
    model = Conv(True, in_channels=3, out_channels=4, kernel_size=3, stride=2).double().eval()
    check_against_eager(torch.jit.script(model), [torch.randn(1, 3, 21, 18).double()])
