"""Grouped convolutions (neither groups 1 nor depthwise) against eager: each
group's convolution is a groups-1 one of its channels (direct, kernel-row,
im2col or transposed form, whichever its sizes take), in a loop over the
groups, or with threads an scf.forall over chunks of them."""
import pytest
import torch

import tsmlir
from tsmlir import TensorSpec
from conftest import check_against_eager


def _compiled(module, inputs, threads, tmp_path=None, **kw):
    options = dict(threads=threads)
    if tmp_path is not None:
        options["dump_dir"] = str(tmp_path)
    return tsmlir.compile_module(module.eval(), inputs, **options, **kw)


# (in, out, kernel, groups, stride, padding, dilation, image): ResNeXt's 3x3
# of 32 groups of 4 and of 32, wider groups on a small image, a stride,
# dilation, a 1x1 grouped conv (ShuffleNet) and groups that leave odd sizes.
CASES = {
    "resnext_g32x4": (128, 128, 3, 32, 1, 1, 1, 28),
    "g4x32": (128, 128, 3, 4, 1, 1, 1, 28),
    "g32x32_7x7": (1024, 1024, 3, 32, 1, 1, 1, 7),
    "stride2": (64, 128, 3, 8, 2, 1, 1, 29),
    "dilated": (32, 48, 3, 2, 1, 2, 2, 17),
    "pointwise_g3": (24, 48, 1, 3, 1, 0, 1, 14),
    "odd": (6, 9, 3, 3, 1, 1, 1, 11),
}


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("name", CASES)
def test_grouped_conv2d(name, threads):
    cin, cout, k, groups, stride, padding, dilation, hw = CASES[name]
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(cin, cout, k, stride, padding, dilation, groups)
    x = torch.randn(1, cin, hw, hw)
    compiled = _compiled(conv, [x], threads)
    with torch.no_grad():
        torch.testing.assert_close(compiled(x), conv(x), rtol=1e-4, atol=1e-4)


def test_threads_share_the_groups(tmp_path):
    """2 threads: an scf.forall over two chunks of 4 groups; one thread: a
    plain loop over the 8."""
    conv = torch.nn.Conv2d(64, 64, 3, padding=1, groups=8, bias=False)
    x = torch.randn(1, 64, 20, 20)
    for threads in (2, 1):
        where = tmp_path / str(threads)
        compiled = _compiled(conv, [x], threads, where)
        with torch.no_grad():
            torch.testing.assert_close(compiled(x), conv(x), rtol=1e-4, atol=1e-4)
        text = next(where.glob("1-*.mlir")).read_text()
        assert ("scf.forall" in text) == (threads == 2)
        assert "conv_2d_ngchw_gfchw" not in text


def test_grouped_conv2d_of_a_dynamic_batch():
    """A dynamic batch: the loop over the groups (no forall: sizes are not
    static) holds each group's loop over the images."""
    conv = torch.nn.Conv2d(32, 64, 3, padding=1, groups=4)
    x = torch.randn(3, 32, 15, 15)
    runs = [[torch.randn(n, 32, 15, 15)] for n in (1, 5)]
    check_against_eager(conv.eval(), [x], input_specs=[TensorSpec((-1, 32, 15, 15))], runs=runs,
                        rtol=1e-4, atol=1e-4)


def test_grouped_conv3d_and_transposed():
    torch.manual_seed(0)
    conv3d = torch.nn.Conv3d(32, 32, 3, padding=1, groups=4)
    check_against_eager(conv3d.eval(), [torch.randn(2, 32, 5, 9, 9)], rtol=1e-4, atol=1e-4)
    deconv = torch.nn.ConvTranspose2d(32, 16, 4, stride=2, padding=1, groups=4)
    check_against_eager(deconv.eval(), [torch.randn(1, 32, 12, 12)], rtol=1e-4, atol=1e-4)


class Bottleneck(torch.nn.Module):
    """A ResNeXt block: 1x1, 3x3 of 32 groups, 1x1, batch norms, residual."""

    def __init__(self):
        super().__init__()
        self.c1, self.b1 = torch.nn.Conv2d(256, 128, 1, bias=False), torch.nn.BatchNorm2d(128)
        self.c2 = torch.nn.Conv2d(128, 128, 3, padding=1, groups=32, bias=False)
        self.b2 = torch.nn.BatchNorm2d(128)
        self.c3, self.b3 = torch.nn.Conv2d(128, 256, 1, bias=False), torch.nn.BatchNorm2d(256)

    def forward(self, x):
        y = torch.relu(self.b1(self.c1(x)))
        y = torch.relu(self.b2(self.c2(y)))
        return torch.relu(self.b3(self.c3(y)) + x)


@pytest.mark.parametrize("threads", [1, 2])
def test_resnext_block(threads):
    torch.manual_seed(0)
    block = Bottleneck().eval()
    for bn in (block.b1, block.b2, block.b3):
        bn.running_mean.uniform_(-0.2, 0.2)
        bn.running_var.uniform_(0.5, 1.5)
        bn.weight.data.uniform_(0.5, 1.5)
    x = torch.randn(1, 256, 14, 14)
    compiled = _compiled(block, [x], threads)
    with torch.no_grad():
        torch.testing.assert_close(compiled(x), block(x), rtol=1e-4, atol=1e-4)
