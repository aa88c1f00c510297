"""tsm-vectorize-depthwise: depthwise convolutions (groups == channels)
against eager.  Filter sizes 1 to 5, width strides 1 and 2 (a height
stride of 3), dilation, padding, widths around the 8-lane vector (scalar
tails, rows shorter than a vector), a bias, run-time filters, a dynamic
batch, 1 and 2 threads, and the kernel's IR."""
import pytest
import torch
import torch.nn.functional as F

import tsmlir
from conftest import check_against_eager
from tsmlir import TensorSpec
from tsmlir.runtime import native_libs

TOL = dict(rtol=1e-4, atol=1e-4)


class Depthwise(torch.nn.Module):
    def __init__(self, stride=1, padding=1, dilation=1):
        super().__init__()
        self.stride, self.padding, self.dilation = stride, padding, dilation

    def forward(self, x, w, b):
        return F.conv2d(x, w, b, self.stride, self.padding, self.dilation, x.shape[1])


def _ir(compiled) -> str:
    return str(compiled.forward._module.operation)


@pytest.mark.parametrize("shape,k,stride,padding,dilation", [
    ((1, 4, 9, 17), 3, 1, 1, 1), ((2, 3, 7, 8), 3, 2, 1, 1), ((1, 5, 12, 33), 5, 1, 2, 1),
    ((1, 5, 12, 33), 5, 2, 2, 1), ((1, 2, 11, 21), 3, 1, 2, 2), ((1, 3, 6, 5), 3, 1, 1, 1),
    ((1, 6, 10, 19), 1, 1, 0, 1), ((1, 3, 14, 30), 3, (3, 2), 1, 1),
    ((1, 2, 9, 40), 3, 1, 0, 1)], ids=str)
def test_depthwise(shape, k, stride, padding, dilation):
    c = shape[1]
    x, w, b = torch.randn(shape), torch.randn(c, 1, k, k), torch.randn(c)
    compiled = check_against_eager(Depthwise(stride, padding, dilation), [x, w, b], **TOL)
    assert "tsm_depthwise_f32" in _ir(compiled)


def test_depthwise_module_constant_filters():
    conv = torch.nn.Conv2d(16, 16, 3, padding=1, groups=16)
    x = torch.randn(1, 16, 13, 27)
    compiled = check_against_eager(conv, [x], **TOL)
    assert "tsm_depthwise_f32_3x3_s1x1_d1x1" in _ir(compiled)


def test_depthwise_dynamic_batch():
    specs = [TensorSpec((-1, 4, 9, 11)), TensorSpec((4, 1, 3, 3)), TensorSpec((4,))]
    runs = [[torch.randn(n, 4, 9, 11), torch.randn(4, 1, 3, 3), torch.randn(4)] for n in (1, 3)]
    check_against_eager(Depthwise(), runs[0], input_specs=specs, runs=runs[1:], **TOL)


@pytest.mark.parametrize("stride", [1, 2], ids=str)
def test_depthwise_threads(stride):
    x, w, b = torch.randn(1, 32, 56, 61), torch.randn(32, 1, 3, 3), torch.randn(32)
    compiled = tsmlir.compile_module(Depthwise(stride), [x, w, b], threads=2)
    assert native_libs.uses_openmp(compiled.forward._module.operation)
    assert "_par" in _ir(compiled)
    torch.testing.assert_close(compiled(x, w, b), Depthwise(stride)(x, w, b), **TOL)


def test_depthwise_kernel_ir():
    """Per channel the taps' weights are broadcast once; per 8 outputs each
    tap is one vector load (width stride 2: two loads and a shuffle) and
    one FMA; the row's tail is scalar FMAs."""
    from tsmlir.lowering.pool_codegen import function_text
    text = function_text("f", [3, 3], [1, 2], [1, 1], False, weighted=True)
    assert text.count("vector.broadcast") == 9 and text.count("vector.fma") == 9
    assert text.count("vector.shuffle") == 9 and text.count("math.fma") == 9
    assert "arith.maximumf" not in text
