"""A padded buffer written in one pass (lowering/pad_copy.py): the fill and
the copy into the interior that a bufferized tensor.pad leaves become one
call, checked against eager for borders on every side and dim (the
outermost one too, where the threads' chunks start at an offset), rows
narrower and wider than a vector, size-1 dims, -inf borders (max pools),
a dynamic batch, 1 and 2 threads."""
import pytest
import torch
import torch.nn.functional as F

import tsmlir
from tsmlir.lowering import pad_copy

from conftest import _assert_close


class Pad(torch.nn.Module):
    def __init__(self, pads, value=0.0):
        super().__init__()
        self.pads, self.value = pads, value

    def forward(self, x):
        return F.pad(x * 2.0, self.pads, value=self.value)


class StemPool(torch.nn.Module):
    """A max pool's -inf border around a convolution's output."""
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 8, 3, padding=1)

    def forward(self, x):
        return F.max_pool2d(self.conv(x), 3, 2, 1)


def _compile(module, inputs, threads, **kw):
    return tsmlir.compile_module(torch.jit.script(module.eval()), inputs, threads=threads, **kw)


def _fused(compiled) -> bool:
    return "tsm_pad_f32_" in str(compiled.forward._module.operation)


@pytest.fixture
def always(monkeypatch):
    """Fuse whatever the size (the threshold keeps small pads apart)."""
    monkeypatch.setattr(pad_copy, "MIN_ELEMENTS", 0)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("shape,pads", [
    ((1, 5, 9, 11), (1, 1, 1, 1)),        # rows narrower than two vectors, odd widths
    ((1, 3, 17, 20), (3, 0, 2, 5)),       # no left border, uneven ones
    ((2, 4, 6, 16), (0, 0, 0, 0, 2, 1)),  # border on the channels: the threads' dim
    ((1, 1, 1, 9), (2, 3, 4, 1)),         # size-1 channel and row
    ((7, 33), (1, 2, 3, 4)),              # 2-D: rows are the threads' dim
    ((40,), (3, 5)),                      # 1-D: one row
    ((1, 4, 5, 4), (1, 1, 1, 1)),         # rows narrower than a vector: masked tails
], ids=str)
def test_pad_one_pass(always, shape, pads, threads):
    x = torch.randn(shape)
    model = Pad(pads, 0.5)
    compiled = _compile(model, [x], threads)
    _assert_close(compiled(x), model(x))
    # rows of the source narrower than a vector keep fill + copy
    assert _fused(compiled) == (shape[-1] >= 8)


def test_pad_threshold():
    """Below MIN_ELEMENTS the pad keeps its fill and copy; from it, one pass."""
    small, big = torch.randn(1, 4, 8, 8), torch.randn(1, 64, 30, 30)
    for x, fused in ((small, False), (big, True)):
        compiled = _compile(Pad((1, 1, 1, 1)), [x], 1)
        _assert_close(compiled(x), Pad((1, 1, 1, 1))(x))
        assert _fused(compiled) == fused


@pytest.mark.parametrize("threads", [1, 2])
def test_pad_max_pool_border(always, threads):
    x, model = torch.randn(1, 3, 18, 20), StemPool()
    compiled = _compile(model, [x], threads)
    _assert_close(compiled(x), model(x), rtol=1e-4, atol=1e-4)
    assert _fused(compiled)


def test_pad_dynamic_batch(always):
    spec = tsmlir.TensorSpec((-1, 3, 10, 12))
    compiled = tsmlir.compile_module(torch.jit.script(Pad((2, 1, 1, 2)).eval()),
                                     input_specs=[spec], threads=2)
    for n in (1, 3):
        x = torch.randn(n, 3, 10, 12)
        _assert_close(compiled(x), Pad((2, 1, 1, 2))(x))
    assert _fused(compiled)
