"""Constructors (zeros/ones/full/empty and their _like/new_ forms, fill_,
arange, linspace, eye, torch.tensor, scalar_tensor) compared with eager,
with static and run-time sizes, and their error paths."""
from __future__ import annotations

import pytest
import torch

import tsmlir
from tsmlir.compiler import lower_module
from conftest import check_against_eager
from tsmlir import TensorSpec
from tsmlir.errors import TorchScriptImportError
from tsmlir.runtime.jit import RuntimeCheckError

pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.trace_method` is deprecated")


class Static(torch.nn.Module):
    def forward(self, x):
        return (torch.zeros(2, 3), torch.ones([4], dtype=torch.int32), torch.zeros(()),
                torch.full((2, 0), 1.5), torch.full([3], 7), torch.full([2], True, dtype=torch.bool),
                torch.full((2,), 2.5, dtype=torch.float16), torch.ones(1, 3, dtype=torch.bool),
                torch.zeros_like(x), torch.ones_like(x, dtype=torch.int64),
                torch.full_like(x, -3), torch.full_like(x, 0.5, dtype=torch.bfloat16),
                x.new_zeros((2, 1)), x.new_ones([3], dtype=torch.int8), x.new_full((2,), 4),
                torch.scalar_tensor(3), torch.scalar_tensor(2, dtype=torch.int16),
                torch.ones(3, layout=torch.strided, device="cpu", pin_memory=False),
                torch.full((2,), 200, dtype=torch.uint8), x.new_full((3,), -1, dtype=torch.uint8),
                torch.full((2,), 0.1, dtype=torch.float64), torch.full((1,), 2**40 + 1))


def test_fill_static():
    check_against_eager(torch.jit.script(Static()), [torch.randn(2, 3)], rtol=0, atol=0)


def test_fill_bfloat16_and_zero_d_like():
    check_against_eager(torch.jit.script(Static()), [torch.randn((), dtype=torch.float64)], rtol=0, atol=0)


class Empty(torch.nn.Module):
    def forward(self, x):
        return (torch.empty(2, 3), torch.empty_like(x), x.new_empty((4,), dtype=torch.int64),
                torch.empty(x.size(0), dtype=torch.int32))


def test_empty_shape_and_dtype():
    """Contents are unspecified: only shapes and dtypes are compared."""
    compiled = tsmlir.compile_module(torch.jit.script(Empty()), input_specs=[TensorSpec((-1, 2))])
    x = torch.randn(5, 2)
    for got, want in zip(compiled(x), Empty()(x)):
        assert got.shape == want.shape and got.dtype == want.dtype


class Dynamic(torch.nn.Module):
    def forward(self, x, t):
        n = int(t.item())
        return (torch.zeros(x.size(0), 4, dtype=torch.float64), torch.ones_like(x),
                torch.full((n, x.size(1)), 2), x.new_full((x.size(1), n), -1.0),
                torch.zeros(x.shape), torch.full((n,), n))


def test_fill_dynamic_sizes():
    specs = [TensorSpec((-1, -1)), TensorSpec((), torch.int64)]
    check_against_eager(torch.jit.script(Dynamic()), [torch.randn(3, 2), torch.tensor(4)],
                        input_specs=specs,
                        runs=[(torch.randn(0, 5), torch.tensor(0)), (torch.randn(1, 1), torch.tensor(1))])


def test_negative_runtime_size_is_a_runtime_error():
    specs = [TensorSpec((-1, -1)), TensorSpec((), torch.int64)]
    compiled = tsmlir.compile_module(torch.jit.script(Dynamic()), input_specs=specs)
    with pytest.raises(RuntimeCheckError, match="negative size"):
        compiled(torch.randn(2, 2), torch.tensor(-3))


class Fill(torch.nn.Module):
    def forward(self, x, v):
        y = x * 2
        y.fill_(1.25)
        z = x + 1
        z.zero_()
        w = x - 1
        w.fill_(v)
        return y, z, w, torch.fill(x, 3)


@pytest.mark.parametrize("dtype", [torch.float32, torch.int32, torch.float16])
def test_fill_inplace(dtype):
    check_against_eager(torch.jit.script(Fill()), [(torch.randn(2, 3) * 5).to(dtype), torch.tensor(7.5)])


class Arange(torch.nn.Module):
    def forward(self, x):
        return (torch.arange(5), torch.arange(0), torch.arange(2, 9), torch.arange(10, 1, -3),
                torch.arange(1, 2.5, 0.25), torch.arange(-1.0, 1.0, 0.3, dtype=torch.float64),
                torch.arange(4, dtype=torch.float32), torch.arange(0.5, 4, dtype=torch.int32),
                torch.arange(7, dtype=torch.int8), torch.arange(3, 0.5, -0.5, dtype=torch.float16),
                torch.arange(0.1, 1.0, 0.1), torch.arange(250, 260, dtype=torch.uint8),
                torch.arange(-3, 3, dtype=torch.int16), torch.arange(0, 1, 0.125, dtype=torch.bfloat16))


def test_arange_static():
    check_against_eager(torch.jit.script(Arange()), [torch.randn(1)])


class ArangeDynamic(torch.nn.Module):
    def forward(self, x, t):
        n = int(t.item())
        return (torch.arange(x.size(0)), torch.arange(n, dtype=torch.float32),
                torch.arange(2, n + 2, 3), torch.arange(n, 0, -2), torch.arange(x.size(0) * 0.5),
                torch.arange(1, x.size(0), dtype=torch.float16))


def test_arange_runtime_end():
    specs = [TensorSpec((-1,)), TensorSpec((), torch.int64)]
    check_against_eager(torch.jit.script(ArangeDynamic()), [torch.randn(7), torch.tensor(5)],
                        input_specs=specs, runs=[(torch.randn(1), torch.tensor(1)),
                                                 (torch.randn(4), torch.tensor(9))])


def test_arange_inconsistent_runtime_bounds_raise():
    specs = [TensorSpec((-1,)), TensorSpec((), torch.int64)]
    compiled = tsmlir.compile_module(torch.jit.script(ArangeDynamic()), input_specs=specs)
    with pytest.raises(RuntimeCheckError, match="upper bound and lower bound inconsistent with step sign"):
        compiled(torch.randn(2), torch.tensor(-4))
    with pytest.raises(RuntimeCheckError, match="test_constructors.py:.*inconsistent with step sign"):
        compiled(torch.randn(0), torch.tensor(3))  # arange(1, x.size(0)) with x empty



class Tables(torch.nn.Module):
    def forward(self, x):
        return (torch.linspace(0, 1, 5), torch.linspace(-2, 3, 1), torch.linspace(3, -1, 7, dtype=torch.float64),
                torch.linspace(0, 10, 4, dtype=torch.int64), torch.eye(3), torch.eye(2, 4, dtype=torch.int32),
                torch.eye(0), torch.eye(5, 7, dtype=torch.uint8), torch.eye(40).sum(),
                torch.as_tensor(x, dtype=torch.float64), torch.tensor([[1, 2], [3, 4]]), torch.tensor([1.5, -2.0]),
                torch.tensor(3), torch.tensor([True, False]), torch.tensor([1, 2], dtype=torch.float16))


def test_linspace_eye_tensor():
    check_against_eager(torch.jit.script(Tables()), [torch.randn(1)])


class RuntimeTables(torch.nn.Module):
    def forward(self, x, t):
        n = int(t.item())
        f = float(x.sum())
        return (torch.eye(n), torch.eye(x.size(0), 3, dtype=torch.int64), torch.tensor([n, 2 * n]),
                torch.tensor([[f, 1.0], [2.0, f]]), torch.tensor([n, 1], dtype=torch.float64))


def test_runtime_eye_and_tensor():
    specs = [TensorSpec((-1,)), TensorSpec((), torch.int64)]
    check_against_eager(torch.jit.script(RuntimeTables()), [torch.randn(4), torch.tensor(3)],
                        input_specs=specs, runs=[(torch.randn(0), torch.tensor(0))])


class _Bad(torch.nn.Module):
    def __init__(self, which: int):
        super().__init__()
        self.which = which

    def forward(self, x):
        if self.which == 0:
            return torch.zeros(2, dtype=torch.float32, device="meta")
        if self.which == 1:
            return torch.ones(2, layout=torch.sparse_coo)
        if self.which == 2:
            return torch.full((2, -1), 1.0)
        if self.which == 3:
            return torch.arange(0, 5, 0)
        if self.which == 4:
            return torch.arange(5, 0, 1)
        if self.which == 5:
            return torch.zeros_like(x, memory_format=torch.channels_last)
        if self.which == 6:
            return torch.arange(0, 5, int(x.size(0)))
        if self.which == 8:
            return torch.zeros(2, pin_memory=True)
        if self.which == 9:
            return torch.tensor([1.0, 2.0], requires_grad=True)
        if self.which == 10:
            return torch.tensor([[1, 2], [3]])
        return torch.linspace(0, float(x.sum()), 3)


@pytest.mark.parametrize("which, message", [
    (0, "only CPU tensors can be created"), (1, "only the strided layout is supported"),
    (2, "negative size -1 for dimension 1"), (3, "step must be nonzero"),
    (4, "upper bound and lower bound inconsistent with step sign"),
    (5, "only contiguous results are supported"), (6, "step must be known at compile time"),
    (7, "must be known at compile time"), (8, "pin_memory=True is not supported"),
    (9, "requires_grad=True is not supported"), (10, "expected a rectangular"),
])
def test_bad_arguments(which, message):
    # (6 takes a dynamic size: the JIT compiles it per size, so it is refused ahead of time)
    compile = lower_module if which == 6 else tsmlir.compile_module
    with pytest.raises(TorchScriptImportError, match=message) as info:
        compile(torch.jit.script(_Bad(which)), input_specs=[TensorSpec((-1, 4))])
    assert "test_constructors.py" in str(info.value)
