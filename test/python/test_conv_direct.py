"""Convolutions computed directly on the padded input's flat rows
(conv_direct, tsm-vectorize-direct-conv) against eager: kernel sizes 3x3,
5x5, 1x3, 3x1, 7x7, dilated, 1x1 with few filters; no, symmetric and asymmetric ('same', even kernel)
padding; filters not a multiple of the register rows (zero filters pad the
last strip); 1 and 2 threads with the threads sharing tiles of positions
or strips of filters; run-time filters; a batch and a dynamic batch (the
per-image loop of tsm-lower-nn); the bias, ReLU and residual add fused
into the final copy; inf and NaN inputs; the AVX2 form (6 x 16 tiles) of
ahead-of-time code; 1-D convolutions.  And where the form is taken and
where it is not."""
import os
import shutil

import pytest
import torch
import torch.nn.functional as F

import tsmlir
from conftest import check_against_eager, load_bench
from tsmlir import TensorSpec


CONVS = {
    # name: (Conv2d arguments, input (C, H, W))
    "k3_pad1": (dict(in_channels=16, out_channels=24, kernel_size=3, padding=1), (16, 16, 15)),
    "k3_valid": (dict(in_channels=8, out_channels=24, kernel_size=3), (8, 20, 19)),
    "k5_pad2": (dict(in_channels=6, out_channels=24, kernel_size=5, padding=2), (6, 17, 23)),
    "k1x3": (dict(in_channels=12, out_channels=24, kernel_size=(1, 3), padding=(0, 1)),
             (12, 9, 30)),
    "k3x1": (dict(in_channels=12, out_channels=16, kernel_size=(3, 1), padding=(1, 0)),
             (12, 20, 31)),
    "k7_pad3": (dict(in_channels=8, out_channels=24, kernel_size=7, padding=3), (8, 16, 29)),
    # F = 22: the last strip holds 2 zero filters (24 rows in strips of 8, or of 6 on AVX2)
    "f22": (dict(in_channels=8, out_channels=22, kernel_size=3, padding=1), (8, 30, 30)),
    # 'same' with an even kernel: 1 row / column before, 2 after
    "same_2x4": (dict(in_channels=10, out_channels=24, kernel_size=(2, 4), padding="same"),
                 (10, 15, 27)),
    "no_bias": (dict(in_channels=16, out_channels=24, kernel_size=3, padding=1, bias=False),
                (16, 14, 14)),
    # taps 2 rows and 3 columns apart
    "dilated": (dict(in_channels=8, out_channels=24, kernel_size=3, padding=(2, 3),
                     dilation=(2, 3)), (8, 20, 30)),
    # pointwise with few filters (a projection): no B packing of the input
    "k1_f40": (dict(in_channels=48, out_channels=40, kernel_size=1), (48, 13, 17)),
}


def _conv(name):
    torch.manual_seed(0)
    args, shape = CONVS[name]
    return torch.nn.Conv2d(**args).eval(), torch.randn(1, *shape)


def _stage(tmp_path, model, inputs, stage="1-tsm-to-linalg", **kw):
    tsmlir.compile_module(model, inputs, dump_dir=str(tmp_path), **kw)
    return (tmp_path / f"{stage}.mlir").read_text()


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("name", CONVS)
def test_direct_conv(name, threads, tmp_path):
    conv, x = _conv(name)
    compiled = tsmlir.compile_module(conv, [x], threads=threads, dump_dir=str(tmp_path))
    with torch.no_grad():
        torch.testing.assert_close(compiled(x), conv(x), rtol=1e-4, atol=1e-4)
    assert "tsm.direct_conv" in (tmp_path / "1-tsm-to-linalg.mlir").read_text()
    assert "call @tsm_conv_direct_" in (tmp_path / "2-tsm-linalg-to-loops.mlir").read_text()


class Block(torch.nn.Module):
    """relu(bn(conv(relu(bn(conv(x))))) + x): ResNet's basic block."""
    def __init__(self, c):
        super().__init__()
        self.c1, self.b1 = torch.nn.Conv2d(c, c, 3, padding=1), torch.nn.BatchNorm2d(c)
        self.c2, self.b2 = torch.nn.Conv2d(c, c, 3, padding=1), torch.nn.BatchNorm2d(c)
        for bn in (self.b1, self.b2):
            bn.running_mean.uniform_(-1, 1)
            bn.running_var.uniform_(0.5, 2)

    def forward(self, x):
        y = torch.relu(self.b1(self.c1(x)))
        return torch.relu(self.b2(self.c2(y)) + x)


def _host_rows() -> int:
    """The direct kernel's filters a strip on this host (8 with AVX-512, 6
    with AVX2: conv_direct.register_rows)."""
    from tsmlir.lowering import target
    return 8 if target._host_has_avx512() else 6


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("channels, size", [(48, 20), (128, 14)], ids=["tiles", "strips"])
def test_residual_block(channels, size, threads, tmp_path):
    """Each conv's bias (its folded batch norm), ReLU and the residual add
    are one pass: two linalg.generic per conv (the conv, its final copy).
    The threads share tiles of positions where the input outweighs the
    filters, else strips of filters (128 x 128 x 3 x 3 at 14 x 14)."""
    torch.manual_seed(0)
    block = Block(channels).eval()
    x = torch.randn(1, channels, size, size)
    compiled = tsmlir.compile_module(block, [x], threads=threads, dump_dir=str(tmp_path))
    with torch.no_grad():
        torch.testing.assert_close(compiled(x), block(x), rtol=1e-4, atol=1e-4)
    linalg = (tmp_path / "1-tsm-to-linalg.mlir").read_text()
    assert linalg.count("tsm.direct_conv") == 2 and linalg.count("linalg.generic") == 4
    loops = (tmp_path / "2-tsm-linalg-to-loops.mlir").read_text()
    driver = loops[loops.index(f"func.func private @tsm_conv_direct_3x3_r{_host_rows()}_driver"):]
    driver = driver[:driver.index("return")]
    assert ("scf.parallel" in driver) == (threads == 2)


def test_thread_split():
    """Tiles of positions, unless the filters outweigh the input and there
    are strips for every thread; one piece for little work or one thread;
    the images of a batch when every thread has one and the filters are
    small enough for each to read them all."""
    from tsmlir.lowering.conv_direct_codegen import _split
    flops = 1 << 30
    assert _split(1, 8, 102, 36864, 222000, flops, 2) == ("t", 102, 4)
    assert _split(1, 32, 7, 2359296, 69632, flops, 2) == ("s", 32, 4)
    assert _split(1, 1, 7, 2359296, 69632, flops, 2) == ("t", 7, 4)  # one strip
    assert _split(1, 8, 102, 36864, 222000, flops, 1) == ("t", 102, 1)
    assert _split(1, 8, 102, 36864, 222000, 1000, 2) == ("t", 102, 1)
    assert _split(4, 8, 102, 36864, 222000, flops, 2) == ("n", 4, 4)
    assert _split(4, 32, 7, 2359296, 69632, flops, 2) == ("s", 32, 4)  # 9.4 MB of filters
    assert _split(3, 8, 102, 36864, 222000, 1000, 2) == ("t", 102, 1)  # 3000 flops in all


class RuntimeConv(torch.nn.Module):
    def __init__(self, padding=1):
        super().__init__()
        self.padding = padding

    def forward(self, x, w, b):
        return F.conv2d(x, w, b, padding=self.padding)


@pytest.mark.parametrize("threads", [1, 2])
def test_runtime_filters(threads, tmp_path):
    """Filters known at run time are put in strips by a transpose on every
    call: taken from 28 x 28 outputs, where that costs little."""
    torch.manual_seed(0)
    args = [torch.randn(1, 16, 28, 30), torch.randn(24, 16, 3, 3), torch.randn(24)]
    check_against_eager(RuntimeConv(), args, rtol=1e-4, atol=1e-4)
    assert "tsm.direct_conv" in _stage(tmp_path / "big", RuntimeConv(), args, threads=threads)
    small = [torch.randn(1, 16, 12, 12), args[1], args[2]]
    assert "tsm.direct_conv" not in _stage(tmp_path / "small", RuntimeConv(), small)


@pytest.mark.parametrize("threads", [1, 2])
def test_batches(threads, tmp_path):
    """A batch of 3: one generic over the images, a ReLU fused into its
    final copy; a dynamic batch: each image in tsm-lower-nn's loop."""
    conv, _ = _conv("k3_pad1")
    model = torch.nn.Sequential(conv, torch.nn.ReLU()).eval()
    x = torch.randn(3, 16, 16, 15)
    compiled = tsmlir.compile_module(model, [x], threads=threads, dump_dir=str(tmp_path))
    with torch.no_grad():
        torch.testing.assert_close(compiled(x), model(x), rtol=1e-4, atol=1e-4)
    linalg = (tmp_path / "1-tsm-to-linalg.mlir").read_text()
    assert linalg.count("tsm.direct_conv") == 1 and linalg.count("linalg.generic") == 2
    assert "scf.for" not in linalg
    check_against_eager(conv, [torch.randn(2, 16, 16, 15)],
                        input_specs=[TensorSpec((-1, 16, 16, 15))],
                        runs=[[torch.randn(1, 16, 16, 15)], [torch.randn(4, 16, 16, 15)]],
                        rtol=1e-4, atol=1e-4)


def test_specials():
    """inf and NaN reach the outputs that read them, as in eager; the
    dropped positions and zero filters that also read them are never
    seen."""
    conv, x = _conv("f22")
    x[0, 3, 5, 7] = float("inf")
    x[0, 1, 20, 29] = float("nan")
    x[0, 2, 0, 0] = float("-inf")
    compiled = tsmlir.compile_module(conv, [x])
    with torch.no_grad():
        torch.testing.assert_close(compiled(x), conv(x), rtol=1e-4, atol=1e-4, equal_nan=True)


@pytest.mark.parametrize("conv, shape", [
    (torch.nn.Conv2d(16, 16, 3, stride=2, padding=1), (16, 12, 12)),  # stride 2
    (torch.nn.Conv2d(32, 128, 1), (32, 12, 12)),  # 1 x 1, 128 filters: the packed matmul
    (torch.nn.Conv2d(3, 16, 3, padding=1), (3, 12, 12)),  # depth 27
    (torch.nn.Conv2d(16, 4, 3, padding=1), (16, 12, 12)),  # 4 filters
    (torch.nn.Conv2d(64, 64, 3, padding=1), (64, 7, 7)),  # 7 x 7: 63 of 64 positions wasted
], ids=["stride2", "k1", "depth27", "f4", "out7x7"])
def test_not_taken(conv, shape, tmp_path):
    torch.manual_seed(0)
    x = torch.randn(1, *shape)
    conv = conv.eval()
    check_against_eager(conv, [x], rtol=1e-4, atol=1e-4)
    assert "tsm.direct_conv" not in _stage(tmp_path, conv, [x])


def test_float64_not_taken(tmp_path):
    conv, x = _conv("k3_pad1")
    conv, x = conv.double(), x.double()
    check_against_eager(conv, [x])
    assert "tsm.direct_conv" not in _stage(tmp_path, conv, [x])


@pytest.mark.skipif(os.uname().machine != "x86_64" or shutil.which("cc") is None,
                    reason="x86-64 CPU names and a C compiler")
@pytest.mark.parametrize("name", ["k3_pad1", "f22"])
def test_avx2_form(name, tmp_path):
    """Code for an AVX2 CPU (x86-64-v3, runs on any x86-64-v3 host): strips
    of 6 filters, tiles of 16 positions, in ymm registers."""
    from tsmlir.runtime.aot import EntryPoint, compile_aot
    conv, x = _conv(name)
    archive = str(tmp_path / "conv.pt")
    torch.jit.script(conv).save(archive)
    compile_aot(archive, [EntryPoint("forward", [TensorSpec(tuple(x.shape))])], tmp_path,
                name="conv", shared=True, target_cpu="x86-64-v3",
                options=tsmlir.CompileOptions(dump_dir=str(tmp_path / "dump")))
    loops = (tmp_path / "dump" / "forward" / "2-tsm-linalg-to-loops.mlir").read_text()
    assert "@tsm_conv_direct_" in loops and "x6xf32>" in loops and "vector<16xf32>" in loops
    with torch.no_grad():
        want = conv(x)
    aot_model = load_bench("aot_bench").AotModel
    got = aot_model(str(tmp_path / "conv.so"), "conv_forward", "conv_free", [x], [want])(x)[0]
    torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-4)


class RuntimeConv1d(torch.nn.Module):
    def __init__(self, dilation: int = 1):
        super().__init__()
        self.dilation = dilation

    def forward(self, x, w):
        return F.conv1d(x, w, padding=self.dilation, dilation=self.dilation)


@pytest.mark.parametrize("threads", [1, 2])
def test_conv1d(threads, tmp_path):
    """A 1-D convolution (a conv2d of one output row): its OW positions
    only, no padded row length; run-time filters are taken when the batch
    has enough positions in all (8 x 120 here)."""
    torch.manual_seed(0)
    conv = torch.nn.Conv1d(16, 24, 3, padding=1).eval()
    x = torch.randn(2, 16, 120)
    compiled = tsmlir.compile_module(conv, [x], threads=threads, dump_dir=str(tmp_path / "c"))
    with torch.no_grad():
        torch.testing.assert_close(compiled(x), conv(x), rtol=1e-4, atol=1e-4)
    linalg = (tmp_path / "c" / "1-tsm-to-linalg.mlir").read_text()
    assert "tsm.direct_conv" in linalg and "tensor<2x24x128xf32>" in linalg
    args = [torch.randn(8, 16, 120), torch.randn(24, 16, 3)]
    check_against_eager(RuntimeConv1d(), args, rtol=1e-4, atol=1e-4)
    assert "tsm.direct_conv" in _stage(tmp_path / "rt", RuntimeConv1d(), args, threads=threads)
    assert "tsm.direct_conv" not in _stage(tmp_path / "rt1", RuntimeConv1d(),
                                           [args[0][:1], args[1]])
    # a dilated one (a temporal convolution network's): taps 4 apart
    check_against_eager(RuntimeConv1d(4), args, rtol=1e-4, atol=1e-4)
    assert "array<i64: 128, 1, 4>" in _stage(tmp_path / "d4", RuntimeConv1d(4), args)
