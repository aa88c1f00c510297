"""F.linear with a run-time weight (a forward argument, not a parameter)
against eager: with static sizes the product reads W as it lies, (N, K):
few rows (and a 1-D input) by the in-place dot products of
tsm-vectorize-matvec, more by the packed kernel, which packs its blocks
straight from W; dynamic sizes take a transposed copy of W and the plain
matmul kernels.  Odd sizes around the vector width and the kernels' tiles,
size-1 dims, a dynamic batch, 1 and 2 threads."""
import re

import pytest
import torch
import torch.nn.functional as F

import tsmlir
from conftest import check_against_eager
from tsmlir import TensorSpec
from tsmlir.runtime import native_libs

TOL = dict(rtol=1e-4, atol=1e-4)


class Linear(torch.nn.Module):
    def forward(self, x, w, b):
        return F.linear(x, w, b), F.linear(torch.relu(x), w), torch.relu(F.linear(x, w, b))


def _ir(compiled) -> str:
    return str(compiled.forward._module.operation)


@pytest.mark.parametrize("x_shape,n", [
    ((1, 70), 45), ((3, 70), 45), ((4, 9), 130), ((5, 70), 45), ((16, 33), 20),
    ((17, 40), 9), ((33, 300), 129),
    ((97, 64), 8), ((40, 1), 17), ((40, 17), 1), ((1, 1), 1),
    ((2, 3, 70), 45), ((1, 2, 70), 45), ((2, 1, 17, 33), 9), ((70,), 45), ((1,), 3)], ids=str)
def test_linear_runtime_weight(x_shape, n):
    k = x_shape[-1]
    check_against_eager(Linear(), [torch.randn(x_shape), torch.randn(n, k), torch.randn(n)],
                        **TOL)


def _callers(text: str, callee: str) -> set[str]:
    """The functions of the final (LLVM dialect) module text that call `callee`."""
    found = set()
    for chunk in text.split("llvm.func ")[1:]:
        name = re.match(r"(?:\w+ )*@(\w+)", chunk).group(1)
        if f"llvm.call @{callee}(" in chunk:
            found.add(name)
    return found


@pytest.mark.parametrize("x_shape,path", [((64, 96), "packed"), ((2, 16, 96), "packed"),
                                          ((17, 96), "packed"), ((9, 96), "packed"),
                                          ((2, 7, 96), "packed"), ((8, 96), "dots"),
                                          ((3, 96), "dots"), ((2, 4, 96), "dots"),
                                          ((96,), "dots")], ids=str)
def test_linear_runtime_weight_path(x_shape, path):
    """More than 8 rows: the packed kernel packs its blocks from W by the
    block transpose (no transposed copy of W in forward); up to 8 rows and
    1-D inputs: the dot products read it in place (in blocks of 4 rows);
    no scalar fallback."""
    x, w, b = torch.randn(x_shape), torch.randn(50, 96), torch.randn(50)
    compiled = check_against_eager(Linear(), [x, w, b], **TOL)
    text = _ir(compiled)
    transposers = _callers(text, "tsm_transpose_f32_2d")
    if path == "packed":
        assert transposers and all(f.startswith("tsm_matmul_packed") for f in transposers)
        assert "tsm_matvec_bt" not in text
    else:
        assert "tsm_matvec_bt" in text and not transposers


def test_linear_runtime_weight_dynamic_batch():
    """A dynamic row count: the packed kernel reads W as it lies, packing
    its blocks by 8 x 8 transposes (no transposed copy of W in forward)."""
    specs = [TensorSpec((-1, 37)), TensorSpec((21, 37)), TensorSpec((21,))]
    runs = [[torch.randn(m, 37), torch.randn(21, 37), torch.randn(21)] for m in (1, 4, 5, 70)]
    compiled = check_against_eager(Linear(), runs[0], input_specs=specs, runs=runs[1:], **TOL)
    callers = _callers(_ir(compiled), "tsm_transpose_f32_2d")
    assert "forward" not in callers and any(c.startswith("tsm_matmul_packed") for c in callers)


def test_linear_runtime_weight_dynamic_weight():
    """A weight of run-time sizes: the transposed copy takes them from it."""
    specs = [TensorSpec((-1, -1)), TensorSpec((-1, -1)), TensorSpec((-1,))]
    runs = [[torch.randn(m, k), torch.randn(n, k), torch.randn(n)]
            for m, k, n in ((7, 33, 20), (40, 8, 1), (1, 100, 129))]
    check_against_eager(Linear(), runs[0], input_specs=specs, runs=runs[1:], **TOL)


@pytest.mark.parametrize("x_shape,n", [((300, 260), 257), ((2, 260), 513), ((260,), 1031),
                                       ((13, 260), 300)],
                         ids=str)
def test_linear_runtime_weight_threads(x_shape, n):
    """2 threads: the transpose and the matmul, or the dot products, split."""
    x, w, b = torch.randn(x_shape), torch.randn(n, x_shape[-1]), torch.randn(n)
    compiled = tsmlir.compile_module(Linear(), [x, w, b], threads=2)
    assert native_libs.uses_openmp(compiled.forward._module.operation)
    with torch.no_grad():
        for got, want in zip(compiled(x, w, b), Linear()(x, w, b)):
            torch.testing.assert_close(got, want, **TOL)


def test_linear_runtime_weight_float64():
    """Other types keep reading the weight transposed in place."""
    x, w, b = (torch.randn(s, dtype=torch.float64) for s in ((9, 13), (5, 13), (5,)))
    check_against_eager(Linear(), [x, w, b])


class Addmm(torch.nn.Module):
    def forward(self, s, a, b):
        return torch.addmm(s, a, b)


@pytest.mark.parametrize("module,shapes", [
    (Linear(), [(26,), (13, 26), (13,)]), (Addmm(), [(3, 5), (3, 4), (4, 5)])], ids=str)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=str)
def test_addend_argument_is_not_written(module, shapes, dtype):
    """An addend of the result's shape (a 1-D input's bias, addmm's self)
    is the matmul's init once its identity copy folds: the caller's tensor
    must still not change."""
    args = [torch.randn(s, dtype=dtype) for s in shapes]
    before = [a.clone() for a in args]
    compiled = tsmlir.compile_module(module, args)
    got = compiled(*args)
    for a, a0 in zip(args, before):
        torch.testing.assert_close(a, a0, rtol=0, atol=0)
    with torch.no_grad():
        want = module(*before)
    torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-4)


class LinearRelu(torch.nn.Module):
    def forward(self, x, w, b):
        return torch.relu(F.linear(x, w, b))


@pytest.mark.parametrize("rows", [1, 4, 5, 8, 9, 16, 17, 40], ids=str)
def test_linear_runtime_weight_relu(rows):
    """A ReLU fused into the product as its epilogue: the dot products (up
    to 8 rows) apply it as a loop after them, the packed kernel as it
    stores C."""
    x, w, b = torch.randn(rows, 40), torch.randn(33, 40), torch.randn(33)
    check_against_eager(LinearRelu(), [x, w, b], **TOL)
