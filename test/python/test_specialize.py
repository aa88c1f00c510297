"""Dynamic spatial dims: the JIT compiles a convolutional program once per
input size it is called with (tsmlir.runtime.specialize)."""
from __future__ import annotations

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

import tsmlir
from tsmlir import TensorSpec
from tsmlir.compiler import lower_module
from tsmlir.errors import InputError, PipelineError, StaticSizeRequired


class FullyConv(nn.Module):
    """A small segmentation net: any image size in, same size out."""
    def __init__(self):
        super().__init__()
        self.down = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                                  nn.MaxPool2d(2))
        self.head = nn.Conv2d(8, 2, 1)

    def forward(self, x):
        y = self.head(self.down(x))
        return F.interpolate(y, size=(x.shape[2], x.shape[3]), mode="bilinear",
                             align_corners=False)


def _eager(m, *args):
    with torch.no_grad():
        return m(*args)


def test_one_compile_per_size():
    m = FullyConv().eval()
    compiled = tsmlir.compile_module(m, input_specs=[TensorSpec((-1, 3, -1, -1))])
    fn = compiled.functions["forward"]
    assert fn.specializations == []  # nothing compiled until called
    for shape in [(1, 3, 16, 16), (2, 3, 10, 14), (1, 3, 16, 16), (1, 3, 7, 9)]:
        x = torch.randn(*shape)
        torch.testing.assert_close(compiled(x), _eager(m, x), rtol=1e-4, atol=1e-5)
    assert fn.specializations == [((2, 3, 10, 14),), ((1, 3, 16, 16),), ((1, 3, 7, 9),)]


def test_least_recently_used_dropped():
    m = nn.Sequential(nn.Conv2d(1, 2, 3), nn.AdaptiveAvgPool2d(1)).eval()
    compiled = tsmlir.compile_module(m, input_specs=[TensorSpec((1, 1, -1, -1))])
    fn = compiled.functions["forward"]
    fn.limit = 2
    for w in (5, 6, 5, 7):
        x = torch.randn(1, 1, 5, w)
        torch.testing.assert_close(compiled(x), _eager(m, x), rtol=1e-4, atol=1e-5)
    assert fn.specializations == [((1, 1, 5, 5),), ((1, 1, 5, 7),)]


def test_bad_arguments_rejected_before_compiling():
    compiled = tsmlir.compile_module(nn.MaxPool2d(2), input_specs=[TensorSpec((1, 3, -1, -1))])
    fn = compiled.functions["forward"]
    with pytest.raises(InputError, match="argument 0: expected .* got a 3-d tensor"):
        compiled(torch.randn(3, 4, 4))
    with pytest.raises(InputError, match="got dtype torch.float64"):
        compiled(torch.randn(1, 3, 4, 4, dtype=torch.float64))
    assert fn.specializations == []
    with pytest.raises(InputError):  # a static dim of the spec still checked
        compiled(torch.randn(1, 4, 4, 4))


def test_runtime_weights_shared_by_every_size():
    m = nn.Conv2d(2, 3, 3, padding=1).eval()
    compiled = tsmlir.compile_module(m, input_specs=[TensorSpec((1, 2, -1, -1))], freeze=False)
    a, b = torch.randn(1, 2, 5, 5), torch.randn(1, 2, 6, 4)
    compiled(a)
    with torch.no_grad():
        m.weight.mul_(-2)
    compiled.load_state_dict(m.state_dict())
    for x in (a, b):
        torch.testing.assert_close(compiled(x), _eager(m, x), rtol=1e-4, atol=1e-5)


def test_keyword_arguments():
    class Pool(nn.Module):
        def forward(self, x, scale: float):
            return F.max_pool2d(x, 2) * scale
    compiled = tsmlir.compile_module(Pool(), input_specs=[TensorSpec((1, 1, -1, -1)),
                                                          tsmlir.ScalarSpec(float)])
    x = torch.randn(1, 1, 6, 4)
    torch.testing.assert_close(compiled(x=x, scale=2.0), Pool()(x, 2.0))


def test_ahead_of_time_refusal_stands_and_keeps_no_ir():
    """Without a JIT at run time the refusal is the answer; it is a refusal,
    not a compiler failure, so no failure IR is written."""
    with pytest.raises(PipelineError, match="only the batch dim may be dynamic") as info:
        lower_module(nn.MaxPool2d(2), input_specs=[TensorSpec((1, 3, -1, -1))])
    assert info.value.reproducer is None and "saved to" not in str(info.value)


def test_dynamic_size_needed_at_import():
    """interpolate to a size read from a dynamic dim: the importer's refusal
    (StaticSizeRequired) is answered the same way."""
    with pytest.raises(StaticSizeRequired, match="the size of a dynamic dim reaches this op"):
        lower_module(FullyConv().eval(), input_specs=[TensorSpec((1, 3, -1, 8))])
