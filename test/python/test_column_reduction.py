"""Numerics of tsm-vectorize-column-reductions (folds over outer dims as
vector loops with register accumulators) vs eager, and its thread split.

Column counts below, at and past the chunk width (64 f32 / 32 for bodies
with math and 64-bit types), 1-element dims, several reduced dims, dim 0,
keepdim, f64 and integers (exact), NaN for amax/amin, softmax/log_softmax
and var/std over dim 1, 1 and 2 threads, dynamic dims; sums bit for bit
those of the scalar loops the pass replaces.  The loop form is pinned by
test/lit/lowering/tsm-vectorize-column-reductions.mlir.
"""
from __future__ import annotations

from typing import List

import pytest
import torch

import tsmlir
from conftest import check_against_eager
from tsmlir import TensorSpec
from mlir import ir

from tsmlir.lowering import pipelines
from tsmlir.lowering.column_reduction import _band_rows
from tsmlir.lowering.parallel import MIN_PARALLEL_ELEMENTS
from tsmlir.lowering.thread_split import column_split

PASS = "tsm-vectorize-column-reductions"


class FloatColumns(torch.nn.Module):
    """The float reductions over dim 1 of a 3-D tensor (innermost kept)."""

    def forward(self, x) -> List[torch.Tensor]:
        return [x.sum(1), x.mean(1, keepdim=True), x.amax(1), x.amin(1),
                torch.softmax(x, 1), torch.log_softmax(x, 1), x.var(1), x.std(1),
                torch.logsumexp(x, 1)]


class OuterDims(torch.nn.Module):
    def forward(self, x) -> List[torch.Tensor]:
        return [x.sum(0), x.mean((0, 2)), x.amax((0, 1), keepdim=True), x.sum((1, 2))]


class IntColumns(torch.nn.Module):
    def forward(self, x) -> List[torch.Tensor]:
        return [x.sum(0), x.amax(1), x.amin(0)]


class Sums(torch.nn.Module):
    def forward(self, x) -> List[torch.Tensor]:
        return [x.sum(0), x.mean(1)]


def _compile(module, inputs, **kw):
    return tsmlir.compile_module(module.eval(), inputs, **kw)


@pytest.mark.parametrize("shape", [(2, 37, 5), (3, 50, 64), (2, 9, 70), (1, 1, 1), (4, 1, 33),
                                   (1, 130, 1)], ids=str)
@pytest.mark.parametrize("threads", [1, 2])
def test_float_columns(shape, threads):
    # var/std of one-element columns are NaN (no degrees of freedom) in eager as here
    model = FloatColumns().eval()
    x = torch.randn(*shape)
    compiled = _compile(model, [x], threads=threads)
    torch.testing.assert_close(compiled(x), model(x), equal_nan=True, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("shape", [(3, 4, 5, 67), (5, 1, 2, 64), (2, 3, 1, 1)], ids=str)
def test_outer_dims(shape):
    check_against_eager(OuterDims(), [torch.randn(*shape)], rtol=1e-5, atol=1e-5)


def test_f64_and_ints():
    check_against_eager(Sums(), [torch.randn(33, 41, dtype=torch.float64)])
    check_against_eager(IntColumns(), [torch.randint(-1000, 1000, (37, 45), dtype=torch.int32)])
    check_against_eager(IntColumns(), [torch.randint(-1 << 40, 1 << 40, (9, 70))])


def test_nan_propagates():
    """A NaN in a full chunk and in the masked rest propagates through
    amax/amin as in eager; its column alone."""
    x = torch.randn(4, 30, 70)
    x[1, 7, 3] = float("nan")
    x[2, 29, 68] = float("nan")
    check_against_eager(FloatColumns(), [x], equal_nan=True, rtol=1e-5, atol=1e-5)


def test_bit_for_bit_with_scalar_loops(monkeypatch):
    """Each lane folds its column in the scalar loop's order: the same sums
    as convert-linalg-to-loops, to the bit (1 and 2 threads)."""
    for x, threads in [(torch.randn(600, 1000), 2), (torch.randn(6, 300, 130), 1),
                       (torch.randn(6, 300, 130), 2)]:
        vector = _compile(Sums(), [x], threads=threads)(x)
        with monkeypatch.context() as m:
            m.setitem(pipelines.STAGES, "tsm-linalg-to-loops",
                      [p for p in pipelines.STAGES["tsm-linalg-to-loops"] if p != PASS])
            scalar = _compile(Sums(), [x], threads=threads)(x)
        for v, s in zip(vector, scalar):
            assert torch.equal(v, s)


@pytest.mark.parametrize("threads", [1, 2])
def test_threads_share_rows_or_columns(threads):
    """Enough work to share: a kept dim (mean over dim 1), or with none the
    columns (sum over dim 0), with a masked rest in the last group."""
    check_against_eager(Sums(), [torch.randn(1030, 1100)], rtol=1e-4, atol=1e-4)
    model = FloatColumns().eval()
    x = torch.randn(8, 300, 99)
    compiled = _compile(model, [x], threads=threads)
    torch.testing.assert_close(compiled(x), model(x), rtol=1e-5, atol=1e-5)


def test_dynamic_dims():
    """One compile with dynamic dims serves every size, rests included (the
    mean of no elements is NaN, as in eager)."""
    runs = [(torch.randn(*s),) for s in [(2, 31, 65), (3, 1, 64), (1, 40, 1), (2, 0, 5),
                                         (2, 5, 0)]]
    check_against_eager(Sums(), (torch.randn(2, 7, 130),),
                        input_specs=[TensorSpec((-1, -1, -1))], runs=runs,
                        rtol=1e-5, atol=1e-5, equal_nan=True)


def test_column_split():
    many = MIN_PARALLEL_ELEMENTS
    assert column_split([8], 256, 8 * 1024 * 256, 2, 64) == ("kept", 0)
    assert column_split([1, 4], 256, many, 2, 64) == ("kept", 1)  # batch of 1
    assert column_split([], 1024, 2048 * 1024, 2, 64) == ("columns", 2)
    assert column_split([], 64, many, 2, 64) is None  # one chunk
    assert column_split([8], 256, many - 1, 2, 64) is None  # too little work
    assert column_split([8], 256, 8 * 1024 * 256, 1, 64) is None


def test_band_rows():
    """About 16 KB of the input per band, 4 to 32 rows, a power of two."""
    with ir.Context():
        f32, f64 = ir.F32Type.get(), ir.F64Type.get()
        assert _band_rows([2048, 1024], 0, f32) == 4  # 4 KB rows
        assert _band_rows([8, 1024, 256], 1, f32) == 16
        assert _band_rows([8, 512, 196], 1, f32) == 16  # 20 rows -> 16
        assert _band_rows([8, 512, 196], 1, f64) == 8
        assert _band_rows([32, 1000, 49], 1, f32) == 32
        assert _band_rows([4, 3, 100000], 0, f32) == 4
        assert _band_rows(None, 0, f32) == 16  # dynamic sizes
