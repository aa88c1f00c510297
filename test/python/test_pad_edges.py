"""Reflect and replicate pads whose borders are written with their rows in
one pass (lowering/pad_edges.py) against eager: 1-D, 2-D and 3-D padding,
uneven and one-sided borders, several rows above and below, widths that are
not multiples of a vector, size-1 dims, float64, a dynamic batch, 1 and 2
threads (a size big enough for the threads' chunks); rows narrower than a
vector and pads without columns keep their generics.  Also: the call is
made."""
import pytest
import torch
import torch.nn.functional as F

import tsmlir
from conftest import _assert_close


class Pad(torch.nn.Module):
    def __init__(self, pads, mode):
        super().__init__()
        self.pads, self.mode = pads, mode

    def forward(self, x):
        return F.pad(x + 1.0, self.pads, mode=self.mode)


def _compile(model, inputs=None, threads=1, **kw):
    return tsmlir.compile_module(torch.jit.script(model.eval()), inputs, threads=threads, **kw)


def _rows_with_columns(compiled) -> bool:
    return "call @tsm_pad_edges_" in str(compiled.forward._module.operation)


@pytest.mark.parametrize("mode", ["reflect", "replicate"])
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("shape,pads", [
    ((2, 3, 9), (1, 1)),                   # 1-D padding, a row and one lane
    ((2, 3, 17), (5, 0)),                  # left only, odd width
    ((1, 2, 8), (0, 7)),                   # right only, one vector wide
    ((2, 5, 7, 11), (3, 2, 1, 4)),         # 2-D, uneven borders
    ((1, 1, 1, 16), (2, 3, 0, 0)),         # size-1 batch, channel and row
    ((1, 3, 6, 5, 12), (1, 2, 2, 1, 1, 1)),  # 3-D padding
    ((4, 16, 40, 40), (1, 1, 1, 1)),       # big enough for the threads' chunks
], ids=str)
def test_pad_edges(mode, threads, shape, pads):
    x = torch.randn(shape)
    model = Pad(pads, mode)
    compiled = _compile(model, [x], threads)
    _assert_close(compiled(x), model(x))
    assert _rows_with_columns(compiled)


@pytest.mark.parametrize("mode", ["reflect", "replicate"])
@pytest.mark.parametrize("shape,pads", [
    ((2, 3, 6, 7), (2, 1, 1, 1)),   # rows narrower than a vector
    ((2, 3, 6, 17), (0, 0, 2, 1)),  # no columns: rows alone are contiguous copies
], ids=str)
def test_pad_edges_not_taken(mode, shape, pads):
    x = torch.randn(shape)
    model = Pad(pads, mode)
    compiled = _compile(model, [x])
    _assert_close(compiled(x), model(x))
    assert not _rows_with_columns(compiled)


def test_pad_edges_float64():
    x = torch.randn(2, 3, 5, 13, dtype=torch.float64)
    model = Pad((2, 3, 1, 1), "reflect")
    compiled = _compile(model, [x])
    _assert_close(compiled(x), model(x))
    assert _rows_with_columns(compiled)


@pytest.mark.parametrize("threads", [1, 2])
def test_pad_edges_dynamic_batch(threads):
    model = Pad((1, 2, 2, 1), "reflect")
    compiled = _compile(model, None, threads, input_specs=[tsmlir.TensorSpec((-1, 4, 30, 33))])
    for n in (1, 3, 64):
        x = torch.randn(n, 4, 30, 33)
        _assert_close(compiled(x), model(x))
    assert _rows_with_columns(compiled)
