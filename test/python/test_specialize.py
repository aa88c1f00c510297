"""Dynamic spatial dims: the JIT compiles a convolutional program once per
input size it is called with; number arguments that an op needs at compile
time, once per value (tsmlir.runtime.specialize)."""
from __future__ import annotations

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

import tsmlir
from tsmlir import TensorSpec
from tsmlir.compiler import lower_module
from tsmlir.errors import InputError, PipelineError, StaticSizeRequired, StaticValueRequired


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


class TopK(nn.Module):
    def forward(self, x, k: int, largest: bool):
        return torch.topk(x, k, largest=largest)


class Repeat(nn.Module):
    def forward(self, x, times: int, scale: float):
        return x.repeat(times, 1) * scale


def test_number_argument_compiled_per_value():
    """topk's k must be known at compile time: the JIT compiles the method
    once per value of the number arguments (the example's at once)."""
    x = torch.randn(4, 9)
    with pytest.warns(UserWarning, match="compiled per value of k, largest"):
        compiled = tsmlir.compile_module(TopK(), [x, 3, True])
    fn = compiled.functions["forward"]
    assert fn.specializations == [(3, True)]
    for args in [(x, 3, True), (x, 5, False), (torch.randn(4, 9), 3, True), (x, 1, True)]:
        (values, indices), want = compiled(*args), TopK()(*args)  # TorchScript: a tuple
        torch.testing.assert_close(values, want.values)
        torch.testing.assert_close(indices, want.indices)
    assert fn.specializations == [(5, False), (3, True), (1, True)]  # least recently used first
    torch.testing.assert_close(compiled(x, k=2, largest=True)[0], TopK()(x, 2, True).values)


def test_number_arguments_per_value_checks_and_conversions():
    x = torch.randn(2, 3)
    with pytest.warns(UserWarning, match="compiled per value of times, scale"):
        compiled = tsmlir.compile_module(Repeat(), [x, 2, 0.5])
    torch.testing.assert_close(compiled(x, 3, 2), Repeat()(x, 3, 2.0))  # an int for a float
    with pytest.raises(InputError, match="argument 1: expected a Python int, got float"):
        compiled(x, 2.0, 0.5)
    with pytest.raises(InputError, match="argument 2: expected a Python float, got str"):
        compiled(x, 2, "0.5")
    assert compiled.functions["forward"].specializations == [(2, 0.5), (3, 2.0)]


class TopKOfItem(nn.Module):
    def forward(self, x, k: int):
        return torch.topk(x, int(x.argmax()) + 1).values * k


def test_number_from_a_tensor_is_still_an_error():
    """A number that comes from a tensor, not an argument, is not cured by
    compiling per argument value: the import error stands, at compile time."""
    with pytest.raises(StaticValueRequired, match="tsmlir.Static"):
        tsmlir.compile_module(TopKOfItem(), [torch.randn(5), 2])
