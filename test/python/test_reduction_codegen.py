"""Numerics of tsm-vectorize-reductions (row reductions as vector loops) vs eager.

Row lengths below, at, and past multiples of the vector width (32 f32 / 16
64-bit lanes), size-1 rows and dims, empty tensors, dynamic dims, f64 and
integers (exact), NaN in the vector part and in the masked tail.  The vector
form itself is pinned by test/lit/pipelines/cpu-codegen-reduction.mlir.
"""
from __future__ import annotations

from typing import List

import pytest
import torch
import torch.nn.functional as F

import tsmlir
from tsmlir import TensorSpec
from tsmlir.errors import InputError
from conftest import check_against_eager


class FloatRows(torch.nn.Module):
    """Every float reduction family that folds the innermost dim."""

    def forward(self, x) -> List[torch.Tensor]:
        return [x.sum(-1), x.mean(-1), x.amax(-1), x.amin(-1, keepdim=True),
                torch.softmax(x, -1), torch.log_softmax(x, -1),
                F.layer_norm(x, [x.size(-1)]), x.var(-1), torch.logsumexp(x, -1),
                x.prod(-1), torch.linalg.vector_norm(x, 2.0, [-1])]


class DynamicRows(torch.nn.Module):
    """FloatRows less layer_norm (its normalized shape must be known)."""

    def forward(self, x) -> List[torch.Tensor]:
        return [x.sum(-1), x.mean(-1), x.amax(-1), x.amin(-1, keepdim=True),
                torch.softmax(x, -1), torch.log_softmax(x, -1), x.var(-1),
                torch.logsumexp(x, -1), x.prod(-1), torch.linalg.vector_norm(x, 2.0, [-1])]


class EmptyRows(torch.nn.Module):
    """What eager defines on rows of length 0."""

    def forward(self, x) -> List[torch.Tensor]:
        return [x.sum(-1), x.prod(-1), torch.softmax(x, -1), torch.logsumexp(x, -1)]


class IntRows(torch.nn.Module):
    def forward(self, x) -> List[torch.Tensor]:
        return [x.sum(-1), x.amax(-1), x.amin(-1), x.prod(-1)]


def _rows(*shape, dtype=torch.float32):
    return torch.randn(*shape, dtype=dtype)


@pytest.mark.parametrize("shape", [(3, 37), (2, 5, 64), (4, 1), (1, 100), (7,), (4, 0, 33)],
                         ids=str)
def test_float_rows_static(shape):
    # var of one-element rows is NaN (no degrees of freedom) in eager as here
    check_against_eager(FloatRows(), [_rows(*shape)], equal_nan=True)


def test_float_rows_dynamic():
    """One compile with dynamic dims serves every row length, tails included."""
    runs = [(_rows(r, n),) for r, n in [(3, 31), (2, 32), (5, 33), (1, 1), (0, 9), (2, 97)]]
    check_against_eager(DynamicRows(), runs[0], input_specs=[TensorSpec((-1, -1))],
                        runs=runs[1:], equal_nan=True)


def test_empty_rows():
    check_against_eager(EmptyRows(), [_rows(3, 0)])
    runs = [(_rows(3, 0),), (_rows(2, 5),)]
    check_against_eager(EmptyRows(), runs[0], input_specs=[TensorSpec((-1, -1))],
                        runs=runs[1:])


def test_f64_rows():
    check_against_eager(FloatRows(), [_rows(3, 21, dtype=torch.float64)])


@pytest.mark.parametrize("dtype", [torch.int32, torch.int64], ids=str)
def test_int_rows_exact(dtype):
    """Integer folds are exact: equality, not tolerance (prod stays small)."""
    x = torch.randint(-3, 4, (5, 37), dtype=dtype)
    x[1] = torch.iinfo(dtype).max  # the max/min identities never win over data
    x[2] = torch.iinfo(dtype).min
    check_against_eager(IntRows(), [x], rtol=0, atol=0)


def test_nan_propagates_from_vector_part_and_tail():
    x = _rows(4, 45)
    x[1, 3] = float("nan")   # in a whole vector
    x[2, 40] = float("nan")  # in the masked tail
    check_against_eager(FloatRows(), [x], equal_nan=True)


def test_outer_dim_reduction_unchanged():
    """Reductions over an outer dim are left to the scalar loops."""
    class Outer(torch.nn.Module):
        def forward(self, x):
            return x.sum(0), torch.softmax(x, 0), x.amax(1)

    check_against_eager(Outer(), [_rows(3, 37, 5)])


def test_encoder_block_matches_eager():
    """The benchmark's encoder block (two LayerNorms, a softmax over rows of
    128) end to end."""
    class Block(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.ln = torch.nn.LayerNorm(64)

        def forward(self, x):
            q = self.ln(x)
            att = torch.softmax(q @ q.transpose(0, 1) / 8.0, dim=-1)
            return att @ q

    check_against_eager(Block(), [_rows(128, 64)])


def test_compiled_module_reports_bad_input():
    """The vector loops read rows of the declared length: a call with another
    row length is refused before any kernel runs."""
    compiled = tsmlir.compile_module(torch.jit.script(IntRows()),
                                     [torch.zeros(2, 37, dtype=torch.int64)])
    with pytest.raises(InputError, match="37"):
        compiled(torch.zeros(2, 36, dtype=torch.int64))


def test_rows_shared_by_threads():
    """Two threads take the rows of a reduction big enough to split (the
    odd row length keeps the masked tail in every row)."""
    class Rows(torch.nn.Module):
        def forward(self, x):
            return torch.softmax(x, -1), x.sum(-1), x.amax(-1)

    x = _rows(8, 64, 129)
    compiled = tsmlir.compile_module(torch.jit.script(Rows()), [x], threads=2)
    with torch.no_grad():
        for got, expected in zip(compiled(x), Rows()(x)):
            torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-5)
