"""Convolution (1-D, 2-D, 3-D, transposed 1-D to 3-D), max/adaptive-avg pooling and batch
norm against eager: strides, padding (incl. 'same'), dilation, groups,
output_padding, ceil_mode, odd and dynamic sizes, traced modules."""
import pytest
import torch
import torch.nn.functional as F

import tsmlir
from tsmlir.compiler import lower_module
from conftest import check_against_eager
from tsmlir import TensorSpec

CONVS = {
    "plain": dict(in_channels=3, out_channels=4, kernel_size=3),
    "stride2_pad1": dict(in_channels=3, out_channels=4, kernel_size=3, stride=2, padding=1),
    "dilation_asym": dict(in_channels=3, out_channels=5, kernel_size=(3, 2), stride=(2, 1),
                          padding=(1, 2), dilation=(2, 1)),
    "groups2": dict(in_channels=4, out_channels=6, kernel_size=3, groups=2, padding=1),
    "depthwise": dict(in_channels=4, out_channels=4, kernel_size=3, groups=4, stride=2),
    "depthwise_x2": dict(in_channels=4, out_channels=8, kernel_size=3, groups=4, dilation=2),
    "no_bias": dict(in_channels=3, out_channels=4, kernel_size=1, bias=False),
    "same_even": dict(in_channels=4, out_channels=3, kernel_size=4, padding="same"),
    "same_dilated": dict(in_channels=4, out_channels=3, kernel_size=3, padding="same", dilation=2),
    "valid": dict(in_channels=3, out_channels=2, kernel_size=(2, 3), padding="valid"),
}


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("name", CONVS)
@pytest.mark.parametrize("batch", [1, 3], ids=["im2col", "image_loop"])  # batch > 1: a loop of im2col + matmul
def test_conv2d(name, batch):
    conv = torch.nn.Conv2d(**CONVS[name])
    x = torch.randn(batch, conv.in_channels, 9, 11)  # odd sizes: strided windows leave a remainder
    check_against_eager(torch.jit.script(conv), [x])


@pytest.mark.parametrize("width", [3, 13, 15, 17, 33, 47])
@pytest.mark.parametrize("batch", [1, 2])
@pytest.mark.parametrize("threads", [1, 2])
def test_conv2d_stride2_gather(width, batch, threads):
    """Stride-2 im2col slices take the vectorized gather (8 results per
    shuffle, scalar remainder): output widths 2, 7, 8, 9, 17, 24 cover no
    full vector, a tail only, exactly one vector, vector + tail; the 7x7
    stem-like kernel reads the last (odd) column of the padded rows."""
    for conv in [torch.nn.Conv2d(3, 5, 3, stride=2, padding=1),
                 torch.nn.Conv2d(3, 4, 7, stride=2, padding=3, bias=False)]:
        x = torch.randn(batch, 3, 5, width)
        compiled = tsmlir.compile_module(torch.jit.script(conv.eval()), [x], threads=threads)
        with torch.no_grad():
            torch.testing.assert_close(compiled(x), conv(x), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("batch", [1, 2])
def test_conv_patches(batch, threads):
    """stride = kernel, no padding (patch embeddings): im2col is one
    transpose of x's used part; sizes the patch divides and ones with rows
    and columns left over, 1-D and 3-D."""
    torch.manual_seed(0)
    for conv, shape in [(torch.nn.Conv2d(3, 24, 16, 16), (3, 64, 48)),
                        (torch.nn.Conv2d(3, 8, 4, 4, bias=False), (3, 30, 31)),
                        (torch.nn.Conv2d(5, 6, (2, 3), (2, 3)), (5, 9, 10)),
                        (torch.nn.Conv1d(4, 8, 5, 5), (4, 52)),
                        (torch.nn.Conv3d(2, 4, 2, 2), (2, 5, 6, 7))]:
        x = torch.randn(batch, *shape)
        compiled = tsmlir.compile_module(torch.jit.script(conv.eval()), [x], threads=threads)
        with torch.no_grad():
            torch.testing.assert_close(compiled(x), conv(x), rtol=1e-4, atol=1e-4)


def test_conv3d_stride2_gather():
    """A rank-4 stride-2 gather (im2col of a 3-D convolution)."""
    conv = torch.nn.Conv3d(2, 3, 3, stride=2, padding=1)
    check_against_eager(torch.jit.script(conv), [torch.randn(1, 2, 5, 6, 19)])


@pytest.mark.parametrize("name", ["plain", "groups2", "depthwise"])
def test_conv2d_dynamic_batch(name):
    conv = torch.jit.script(torch.nn.Conv2d(**CONVS[name]))
    c = conv.in_channels
    check_against_eager(conv, [torch.randn(2, c, 8, 8)], input_specs=[TensorSpec((-1, c, 8, 8))],
                        runs=[[torch.randn(1, c, 8, 8)], [torch.randn(3, c, 8, 8)]])


def test_conv2d_float64():
    conv = torch.nn.Conv2d(2, 3, 3, padding=1, groups=1).double()
    check_against_eager(torch.jit.script(conv), [torch.randn(1, 2, 7, 7, dtype=torch.float64)])


@pytest.mark.parametrize("name", ["stride2_pad1", "groups2", "depthwise_x2", "no_bias"])
def test_traced_conv2d(name):
    """torch.jit.trace records aten::_convolution."""
    conv = torch.nn.Conv2d(**CONVS[name]).eval()
    x = torch.randn(1, conv.in_channels, 8, 10)
    check_against_eager(torch.jit.trace(conv, x), [x])


class Call(torch.nn.Module):
    """Calls a module with one argument (ConvTranspose's forward also takes output_size)."""
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, x):
        return self.m(x)


CONV1D = {
    "stride2_pad1": dict(in_channels=3, out_channels=4, kernel_size=3, stride=2, padding=1),
    "groups_dilation": dict(in_channels=4, out_channels=6, kernel_size=2, groups=2, dilation=3),
    "same": dict(in_channels=3, out_channels=2, kernel_size=4, padding="same", bias=False),
}


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("name", CONV1D)
@pytest.mark.parametrize("batch", [1, 2], ids=["im2col", "image_loop"])
def test_conv1d(name, batch):
    conv = torch.nn.Conv1d(**CONV1D[name])
    check_against_eager(torch.jit.script(conv), [torch.randn(batch, conv.in_channels, 11)])


def test_conv1d_unbatched_and_traced():
    conv = torch.nn.Conv1d(3, 4, 3, padding=2).eval()
    check_against_eager(torch.jit.script(conv), [torch.randn(3, 9)])
    x = torch.randn(2, 3, 9)
    check_against_eager(torch.jit.trace(conv, x), [x])


def test_conv1d_dynamic_batch_and_length():
    """A dynamic batch stays dynamic in the code; a dynamic length is compiled
    per length at call time by the JIT, and refused ahead of time."""
    conv = torch.jit.script(torch.nn.Conv1d(3, 4, 3))
    check_against_eager(conv, [torch.randn(2, 3, 8)], input_specs=[TensorSpec((-1, 3, 8))],
                        runs=[[torch.randn(1, 3, 8)], [torch.randn(3, 3, 8)]])
    check_against_eager(conv, [torch.randn(1, 3, 8)], input_specs=[TensorSpec((1, 3, -1))],
                        runs=[[torch.randn(1, 3, 5)], [torch.randn(1, 3, 8)]])
    with pytest.raises(tsmlir.TsmlirError, match="only the batch dim may be dynamic"):
        lower_module(conv, input_specs=[TensorSpec((1, 3, -1))])


CONV3D = {
    "plain": dict(in_channels=3, out_channels=4, kernel_size=2),
    "stride_pad": dict(in_channels=2, out_channels=3, kernel_size=(3, 2, 3), stride=(1, 2, 2),
                       padding=(1, 0, 2)),
    "groups_dilation": dict(in_channels=4, out_channels=6, kernel_size=2, groups=2,
                            dilation=(2, 1, 1), bias=False),
    "depthwise": dict(in_channels=3, out_channels=3, kernel_size=3, groups=3, padding=1),
    "same_even": dict(in_channels=2, out_channels=2, kernel_size=(2, 3, 4), padding="same"),
}


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("name", CONV3D)
@pytest.mark.parametrize("batch", [1, 2], ids=["im2col", "image_loop"])
def test_conv3d(name, batch):
    conv = torch.nn.Conv3d(**CONV3D[name])
    check_against_eager(torch.jit.script(conv), [torch.randn(batch, conv.in_channels, 5, 6, 7)])


class Unbatched(torch.nn.Module):
    """PyTorch's conv/pool ops also take (C, H, W) inputs."""
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3, padding=1)

    def forward(self, x):
        y = self.conv(x)
        return (F.max_pool2d(y, 2), F.avg_pool2d(y, 3, 1, 1), F.adaptive_avg_pool2d(y, [2, 3]),
                F.adaptive_max_pool2d(y, 3)[0], F.conv_transpose2d(y, torch.ones(4, 2, 2, 2)))


def test_unbatched_conv_and_pools():
    check_against_eager(torch.jit.script(Unbatched()), [torch.randn(3, 7, 6)])


class EveryOp(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.c1, self.c3 = torch.nn.Conv1d(3, 2, 3), torch.nn.Conv3d(3, 2, 2)
        self.t = torch.nn.ConvTranspose2d(3, 2, 3, stride=2)

    def forward(self, x, y, z):
        return (self.c1(y), self.c3(z), self.t(x), F.avg_pool2d(x, 2), F.max_pool2d(x, 2),
                F.max_pool3d(z, 2), F.adaptive_max_pool2d_with_indices(x, 3)[1],
                F.interpolate(x, size=[7, 9], mode="bilinear"),
                F.pad(x, [1, 1, 1, 1], mode="reflect"), F.pad(x, [1, 1, 1, 1]))


def test_empty_batch():
    inputs = [torch.randn(0, 3, 5, 6), torch.randn(0, 3, 7), torch.randn(0, 3, 3, 4, 5)]
    check_against_eager(torch.jit.script(EveryOp()), inputs)


class HalfOps(torch.nn.Module):
    def forward(self, x, w, w3, wt, stats):
        return (F.conv2d(x, w, stats, padding=1), F.conv3d(x.unsqueeze(0), w3),
                F.conv_transpose2d(x, wt, stride=2), F.avg_pool2d(x, 2),
                F.adaptive_avg_pool2d(x, 3), F.interpolate(x, size=[7, 9], mode="bilinear"),
                F.batch_norm(x, stats[:3], stats[1:] + 1.0, training=False))


@pytest.mark.parametrize("dtype,batch", [(torch.float16, 2), (torch.bfloat16, 1)], ids=str)
def test_half_precision_accumulates_in_float(dtype, batch):
    """Sums and interpolations in float32 and one rounding, as PyTorch's CPU
    kernels (its transposed convolution adds the col2im terms in half: one
    ulp apart)."""
    args = [torch.randn(batch, 3, 5, 6), torch.randn(4, 3, 3, 3), torch.randn(2, batch, 2, 2, 2),
            torch.randn(3, 2, 3, 3), torch.rand(4)]
    check_against_eager(torch.jit.script(HalfOps()), [a.to(dtype) for a in args],
                        rtol=2e-2, atol=4e-3 if dtype == torch.float16 else 3e-2)


def test_conv3d_traced_dynamic_batch():
    conv = torch.nn.Conv3d(2, 3, 3, padding=1).eval()
    x = torch.randn(1, 2, 4, 5, 3)
    check_against_eager(torch.jit.trace(conv, x), [x], input_specs=[TensorSpec((-1, 2, 4, 5, 3))],
                        runs=[[torch.randn(2, 2, 4, 5, 3)]])


DECONVS = {
    "plain": dict(in_channels=3, out_channels=4, kernel_size=3),
    "stride2_outpad": dict(in_channels=3, out_channels=2, kernel_size=3, stride=2, padding=1,
                           output_padding=1),
    # padding > dilation * (kernel - 1): the spread input is cropped
    "crop": dict(in_channels=2, out_channels=3, kernel_size=2, stride=3, padding=2, bias=False),
    "groups_dilation": dict(in_channels=4, out_channels=6, kernel_size=(3, 2), stride=(2, 1),
                            padding=(1, 0), groups=2, dilation=(1, 2)),
    "depthwise": dict(in_channels=3, out_channels=3, kernel_size=3, stride=2, groups=3,
                      output_padding=1),
    # batch 1 adds each kernel position into its output phase's grid: 4 per
    # phase, shifted; phases no position reaches (kernel 1 < stride 2, or
    # dilation 2 = stride: only even rows and columns) keep the bias
    "phases_k4s2": dict(in_channels=3, out_channels=4, kernel_size=4, stride=2, padding=1),
    "untouched_phases": dict(in_channels=3, out_channels=2, kernel_size=1, stride=2,
                             output_padding=1),
    "dilation_is_stride": dict(in_channels=2, out_channels=3, kernel_size=3, stride=(2, 3),
                               dilation=2, output_padding=(1, 2)),
}


@pytest.mark.parametrize("name", DECONVS)
@pytest.mark.parametrize("batch", [1, 2], ids=["im2col", "image_loop"])
def test_conv_transpose2d(name, batch):
    deconv = torch.nn.ConvTranspose2d(**DECONVS[name])
    x = torch.randn(batch, deconv.in_channels, 5, 6)
    check_against_eager(torch.jit.script(Call(deconv)), [x])


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("config", [
    dict(in_channels=16, out_channels=32, kernel_size=3, stride=2, padding=1, output_padding=1),
    dict(in_channels=8, out_channels=6, kernel_size=3, stride=(2, 3), padding=1,
         output_padding=(1, 2), dilation=2),
    dict(in_channels=8, out_channels=7, kernel_size=3, stride=2, bias=False),  # 7 % 2: serial
], ids=["k3s2", "dilated_outpad", "odd_filters"])
def test_conv_transpose2d_threads_share_filters(config, threads):
    """Big enough outputs (from 65,536 elements): with 2 threads the col2im
    runs over chunks of filters, each with its slice of the bias.  (Kernels
    that the stride divides go to conv_transpose_phases instead.)"""
    deconv = torch.nn.ConvTranspose2d(**config).eval()
    x = torch.randn(1, deconv.in_channels, 40, 61)
    compiled = tsmlir.compile_module(torch.jit.script(Call(deconv)), [x], threads=threads)
    with torch.no_grad():
        torch.testing.assert_close(compiled(x), deconv(x), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("name", ["stride2_outpad", "groups_dilation"])
def test_traced_conv_transpose2d_dynamic_batch(name):
    """torch.jit.trace records aten::_convolution with transposed=True."""
    deconv = torch.nn.ConvTranspose2d(**DECONVS[name]).eval()
    c = deconv.in_channels
    x = torch.randn(2, c, 4, 5)
    check_against_eager(torch.jit.trace(deconv, x), [x], input_specs=[TensorSpec((-1, c, 4, 5))],
                        runs=[[torch.randn(1, c, 4, 5)]])


def test_conv_transpose1d():
    deconv = torch.nn.ConvTranspose1d(4, 2, 3, stride=3, padding=1, output_padding=2, groups=2)
    check_against_eager(torch.jit.script(Call(deconv)), [torch.randn(2, 4, 7)])
    x = torch.randn(1, 4, 6)
    check_against_eager(torch.jit.trace(deconv.eval(), x), [x])
    check_against_eager(torch.jit.script(Call(deconv)), [torch.randn(4, 6)])  # unbatched


def test_conv_transpose2d_float64():
    deconv = torch.nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1).double()
    check_against_eager(torch.jit.script(Call(deconv)),
                        [torch.randn(1, 2, 4, 4, dtype=torch.float64)])


DECONVS3D = {
    "stride_outpad": dict(in_channels=3, out_channels=2, kernel_size=3, stride=2, padding=1,
                          output_padding=1),
    "groups_crop": dict(in_channels=4, out_channels=2, kernel_size=(2, 3, 2), stride=(1, 3, 2),
                        padding=(0, 2, 1), groups=2, dilation=(2, 1, 1), bias=False),
}


@pytest.mark.parametrize("name", DECONVS3D)
@pytest.mark.parametrize("batch", [1, 2], ids=["im2col", "image_loop"])
def test_conv_transpose3d(name, batch):
    deconv = torch.nn.ConvTranspose3d(**DECONVS3D[name])
    x = torch.randn(batch, deconv.in_channels, 3, 4, 5)
    check_against_eager(torch.jit.script(Call(deconv)), [x])


def test_traced_conv_transpose3d_dynamic_batch():
    deconv = torch.nn.ConvTranspose3d(2, 3, 2, stride=2).eval()
    x = torch.randn(2, 2, 3, 3, 4)
    check_against_eager(torch.jit.trace(deconv, x), [x], input_specs=[TensorSpec((-1, 2, 3, 3, 4))],
                        runs=[[torch.randn(1, 2, 3, 3, 4)]])


def test_conv_output_padding_too_large_is_refused():
    class Bad(torch.nn.Module):
        def forward(self, x, w):
            return torch.nn.functional.conv_transpose2d(x, w, stride=2, output_padding=2)

    with pytest.raises(tsmlir.TorchScriptImportError,
                       match=r"output_padding \[2, 2\] must be smaller than either stride"):
        tsmlir.compile_module(torch.jit.script(Bad()),
                              [torch.randn(1, 2, 4, 4), torch.randn(2, 3, 3, 3)])


@pytest.mark.parametrize("shape, stride, threads", [
    ((1, 3, 9, 1), 2, 1), ((1, 3, 9, 1), 2, 2), ((2, 3, 9, 1), 2, 1), ((1, 3, 1, 9), 2, 1),
    ((1, 3, 1, 1), 2, 1), ((1, 3, 9, 1), 1, 2),
])
def test_conv2d_output_dims_of_one(shape, stride, threads):
    """Outputs 1 wide or high: the im2col slices must not be ambiguous
    rank reductions (MLIR 22 aborted the process on their subviews)."""
    m = torch.nn.Conv2d(3, 4, 3, padding=1, stride=stride).eval()
    x = torch.randn(*shape)
    torch.testing.assert_close(tsmlir.compile_module(m, [x], threads=threads)(x), m(x),
                               rtol=1e-4, atol=1e-5)


def test_conv3d_output_dims_of_one():
    m = torch.nn.Conv3d(2, 3, 3, padding=1, stride=2).eval()
    check_against_eager(m, [torch.randn(1, 2, 5, 1, 5)])


@pytest.mark.parametrize("module, shape", [
    (torch.nn.Conv2d(3, 4, 3), (1, 3, 7, 1)),     # the window is 2 wider than the input:
    (torch.nn.MaxPool2d(3), (1, 3, 7, 1)),        # its size computes to -1, which must not
    (torch.nn.AvgPool2d(3), (1, 3, 7, 2)),        # read as a dynamic dim (DYN = -1)
    (torch.nn.Conv2d(3, 4, 3), (1, 3, 7, 2)),
])
def test_window_larger_than_input_is_refused(module, shape):
    with pytest.raises(tsmlir.TorchScriptImportError,
                       match=r"output W would be 0 for input .*: the input is too small"):
        tsmlir.compile_module(module.eval(), [torch.randn(*shape)])


def test_conv_of_wrong_rank_is_refused():
    class Bad(torch.nn.Module):
        def forward(self, x, w):
            return torch.nn.functional.conv1d(x, w)

    with pytest.raises(tsmlir.TorchScriptImportError,
                       match=r"expected a 2-D \(unbatched\) or 3-D \(batched\) input to conv1d"):
        tsmlir.compile_module(torch.jit.script(Bad()),
                              [torch.randn(1, 1, 2, 8), torch.randn(2, 2, 3)])


POOLS = {
    "k2": dict(kernel_size=2),
    "k3_s2_p1": dict(kernel_size=3, stride=2, padding=1),
    "ceil": dict(kernel_size=3, stride=2, ceil_mode=True),
    "ceil_pad": dict(kernel_size=2, stride=2, padding=1, ceil_mode=True),
    "dilation": dict(kernel_size=2, stride=1, dilation=2, padding=1),
    "asym": dict(kernel_size=(2, 3), stride=(1, 2), padding=(1, 0)),
}


@pytest.mark.parametrize("name", POOLS)
@pytest.mark.parametrize("size", [(8, 8), (7, 9)], ids=str)
def test_max_pool2d(name, size):
    pool = torch.jit.script(torch.nn.MaxPool2d(**POOLS[name]))
    check_against_eager(pool, [torch.randn(2, 3, *size)])


class FunctionalMaxPool(torch.nn.Module):
    def forward(self, x):
        return F.max_pool2d(x, 3)  # stride=None reaches aten as []: the kernel size


def test_max_pool2d_default_stride_dynamic_batch():
    check_against_eager(torch.jit.script(FunctionalMaxPool()), [torch.randn(2, 3, 10, 9)],
                        input_specs=[TensorSpec((-1, 3, 10, 9))],
                        runs=[[torch.randn(1, 3, 10, 9)]])


def test_max_pool2d_int64():
    pool = torch.jit.script(torch.nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True))
    check_against_eager(pool, [torch.randint(-100, 100, (1, 2, 7, 8))])


def test_max_pool2d_dynamic_spatial_dims_are_refused_ahead_of_time():
    pool = torch.jit.script(torch.nn.MaxPool2d(2))
    with pytest.raises(tsmlir.TsmlirError, match="only the batch dim may be dynamic"):
        lower_module(pool, input_specs=[TensorSpec((1, 3, -1, -1))])


ADAPTIVE = [((8, 8), (2, 4)), ((8, 6), (1, 1)), ((7, 11), (3, 4)), ((9, 5), (2, 3)),
            ((3, 4), (5, 6))]


@pytest.mark.parametrize("size,out", ADAPTIVE, ids=str)
def test_adaptive_avg_pool2d(size, out):
    x = torch.randn(2, 3, *size)
    check_against_eager(torch.jit.script(torch.nn.AdaptiveAvgPool2d(out)), [x])


@pytest.mark.parametrize("size,out", ADAPTIVE[::2], ids=str)
def test_traced_adaptive_avg_pool2d_dynamic_batch(size, out):
    x = torch.randn(2, 3, *size)
    traced = torch.jit.trace(torch.nn.AdaptiveAvgPool2d(out), x)
    check_against_eager(traced, [x], input_specs=[TensorSpec((-1, 3, *size))],
                        runs=[[torch.randn(1, 3, *size)]])


def _batch_norm(module):
    with torch.no_grad():
        module.running_mean.uniform_(-1, 1)
        module.running_var.uniform_(0.5, 2)
        if module.affine:
            module.weight.uniform_(0.5, 1.5)
            module.bias.uniform_(-1, 1)
    return module.eval()


@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm2d(affine):
    bn = _batch_norm(torch.nn.BatchNorm2d(4, eps=1e-3, affine=affine))
    check_against_eager(torch.jit.script(bn), [torch.randn(2, 4, 5, 7)])


def test_batch_norm2d_dynamic_batch():
    bn = torch.jit.script(_batch_norm(torch.nn.BatchNorm2d(3)))
    check_against_eager(bn, [torch.randn(2, 3, 6, 6)], input_specs=[TensorSpec((-1, 3, 6, 6))],
                        runs=[[torch.randn(4, 3, 6, 6)]])


@pytest.mark.parametrize("shape", [(5, 3), (2, 3, 7)], ids=str)
def test_batch_norm1d(shape):
    bn = _batch_norm(torch.nn.BatchNorm1d(3))
    check_against_eager(torch.jit.script(bn), [torch.randn(shape)])


def test_batch_norm_training_mode_is_refused():
    bn = torch.jit.script(torch.nn.BatchNorm2d(3).train())
    with pytest.raises(tsmlir.TorchScriptImportError, match=r"call model\.eval\(\)"):
        tsmlir.compile_module(bn, [torch.randn(2, 3, 4, 4)])


def test_batch_norm_without_running_stats_is_refused():
    bn = torch.jit.script(torch.nn.BatchNorm2d(3, track_running_stats=False).eval())
    with pytest.raises(tsmlir.TorchScriptImportError, match="without running statistics"):
        tsmlir.compile_module(bn, [torch.randn(2, 3, 4, 4)])


class SmallNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.bn1 = torch.nn.BatchNorm2d(8)
        self.pool = torch.nn.MaxPool2d(3, stride=2, padding=1)
        self.conv2 = torch.nn.Conv2d(8, 8, 3, padding=1, groups=8)
        self.head = torch.nn.AdaptiveAvgPool2d(1)

    def forward(self, x):
        x = self.pool(torch.relu(self.bn1(self.conv1(x))))
        return self.head(torch.relu(self.conv2(x)))


def test_small_net_dynamic_batch():
    net = SmallNet()
    _batch_norm(net.bn1)
    check_against_eager(torch.jit.script(net.eval()), [torch.randn(2, 3, 12, 12)],
                        input_specs=[TensorSpec((-1, 3, 12, 12))],
                        runs=[[torch.randn(1, 3, 12, 12)]])
