"""F.fold (col2im) against eager: strides, dilations, padding, overlapping
and gapped blocks, unbatched input, float64, a dynamic batch, fold of
unfold, and the shape errors PyTorch raises."""
from __future__ import annotations

import pytest
import torch
from torch import nn

import tsmlir
from conftest import check_against_eager


class Fold(nn.Module):
    def __init__(self, **kw):
        super().__init__()
        self.kw = kw

    def forward(self, x):
        return nn.functional.fold(x, **self.kw)


CASES = [
    ((2, 3 * 9, 16), dict(output_size=(7, 8), kernel_size=3, padding=1, stride=2)),
    ((1, 2 * 6, 16), dict(output_size=(6, 6), kernel_size=(2, 3), dilation=(2, 1))),
    ((5 * 4, 4), dict(output_size=4, kernel_size=2, stride=2)),                 # unbatched
    ((1, 1, 1), dict(output_size=1, kernel_size=1)),
    ((2, 4, 9), dict(output_size=(7, 7), kernel_size=1, stride=3)),            # gaps: zeros
    ((3, 2 * 4, 36), dict(output_size=(5, 5), kernel_size=2, padding=(1, 1))),  # overlaps
    ((1, 3 * 6, 20), dict(output_size=(5, 9), kernel_size=(3, 2), stride=(1, 3),
                          dilation=(1, 2), padding=(1, 2))),
]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("shape,kw", CASES)
def test_fold(shape, kw, dtype):
    x = torch.randn(*shape, dtype=dtype)
    check_against_eager(torch.jit.trace(Fold(**kw), x), [x])


def test_fold_dynamic_batch_and_unfold_round_trip():
    class M(nn.Module):
        def forward(self, x):
            cols = nn.functional.unfold(x, kernel_size=3, padding=1, stride=2)
            return nn.functional.fold(cols, (9, 10), kernel_size=3, padding=1, stride=2)
    x = torch.randn(2, 3, 9, 10)
    check_against_eager(torch.jit.script(M()), [x], input_specs=[tsmlir.TensorSpec((-1, 3, 9, 10))],
                        runs=[(torch.randn(5, 3, 9, 10),)])


def test_fold_special_values():
    x = torch.randn(1, 4, 9)
    x[0, 0, 0], x[0, 1, 4], x[0, 2, 8] = float("inf"), float("nan"), -0.0
    check_against_eager(torch.jit.trace(Fold(output_size=4, kernel_size=2, stride=1), x), [x],
                        equal_nan=True)


class _Indivisible(nn.Module):
    def forward(self, x):
        return nn.functional.fold(x, (7, 8), kernel_size=3, padding=1, stride=2)


class _TooSmall(nn.Module):
    def forward(self, x):
        return nn.functional.fold(x, (2, 2), kernel_size=3)


@pytest.mark.parametrize("module,shape,message", [
    (_Indivisible, (1, 10, 16), "divisible"),
    (_Indivisible, (1, 9, 15), "match the calculated number of sliding blocks"),
    (_TooSmall, (1, 9, 1), "too small"),
])
def test_fold_bad_shapes(module, shape, message):
    x = torch.randn(*shape)
    with pytest.raises(RuntimeError):
        module()(x)  # eager raises too
    with pytest.raises(tsmlir.TsmlirError, match=message) as info:
        tsmlir.compile_module(torch.jit.script(module()), [x])
    assert "test_fold.py" in str(info.value)
