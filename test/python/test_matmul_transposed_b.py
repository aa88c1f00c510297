"""Matmuls whose B is a run-time tensor read transposed (x @ w.t(),
bmm(q, k^T), q @ k^T, heads permuted from (B, S, H, D)), or whose A is
(bmm(a^T, b)), against eager: with static per-product sizes the packed
kernel packs its blocks straight from the (N, K) source (few rows: dot
products in place) and broadcasts A's elements from the (K, M) source
(from 32 rows), with no transposed copy; odd sizes around the 6 x 16 tile and the 256 x 128 block,
N < 16, K = 1, size-1 dims, a dynamic batch, 1 and 2 threads.  (F.linear's
run-time weight: test_linear_runtime_weight.py.)"""
import re

import pytest
import torch

import tsmlir
from conftest import check_against_eager
from tsmlir import TensorSpec

TOL = dict(rtol=1e-4, atol=1e-4)


class XWt(torch.nn.Module):
    def forward(self, x, w):
        return x @ w.t()


class BmmBt(torch.nn.Module):
    def forward(self, q, k):
        return torch.bmm(q, k.transpose(1, 2))


class Matmul4dBt(torch.nn.Module):
    def forward(self, q, k):
        return q @ k.transpose(-2, -1)


class HeadScores(torch.nn.Module):
    """(B, S, H, D) q and k -> (B, H, S, S) scores."""
    def forward(self, q, k):
        return q.permute(0, 2, 1, 3) @ k.permute(0, 2, 3, 1)


def _transposers(compiled) -> set[str]:
    """The functions of the final module that call the block transpose."""
    text = str(compiled.forward._module.operation)
    found = set()
    for chunk in text.split("llvm.func ")[1:]:
        if "llvm.call @tsm_transpose_f32_2d(" in chunk:
            found.add(re.match(r"(?:\w+ )*@(\w+)", chunk).group(1))
    return found


@pytest.mark.parametrize("x_shape,w_shape", [
    ((37, 29), (13, 29)), ((97, 300), (257, 300)), ((40, 1), (17, 1)), ((33, 70), (1, 70)),
    ((12, 64), (50, 64)), ((1, 29), (13, 29)), ((29,), (13, 29)), ((3, 21, 33), (40, 33)),
    ((2, 1, 17, 33), (9, 33)), ((1, 1), (1, 1))], ids=str)
def test_x_at_w_transposed(x_shape, w_shape):
    compiled = check_against_eager(XWt(), [torch.randn(x_shape), torch.randn(w_shape)], **TOL)
    assert "forward" not in _transposers(compiled)  # no transposed copy of w


@pytest.mark.parametrize("q_shape,k_shape", [
    ((3, 37, 5), (3, 19, 5)), ((2, 40, 24), (2, 36, 24)), ((2, 20, 1), (2, 17, 1)),
    ((1, 5, 33), (1, 70, 33)), ((4, 7, 16), (4, 7, 16)), ((2, 300, 20), (2, 150, 20))], ids=str)
def test_bmm_k_transposed(q_shape, k_shape):
    compiled = check_against_eager(BmmBt(), [torch.randn(q_shape), torch.randn(k_shape)], **TOL)
    assert "forward" not in _transposers(compiled)


@pytest.mark.parametrize("module,q_shape,k_shape", [
    (Matmul4dBt(), (2, 3, 40, 24), (2, 3, 18, 24)), (Matmul4dBt(), (1, 2, 9, 1), (1, 2, 33, 1)),
    (HeadScores(), (2, 33, 3, 16), (2, 33, 3, 16)), (HeadScores(), (1, 17, 2, 5), (1, 17, 2, 5))],
    ids=str)
def test_4d_k_transposed(module, q_shape, k_shape):
    compiled = check_against_eager(module, [torch.randn(q_shape), torch.randn(k_shape)], **TOL)
    assert "forward" not in _transposers(compiled)


class BmmAt(torch.nn.Module):
    def forward(self, a, b):
        return torch.bmm(a.transpose(1, 2), b)


class BmmAtBt(torch.nn.Module):
    def forward(self, a, b):
        return torch.bmm(a.transpose(1, 2), b.transpose(1, 2))


@pytest.mark.parametrize("module,a_shape,b_shape,copies", [
    (BmmAt(), (16, 128, 64), (16, 128, 64), False), (BmmAt(), (3, 37, 40), (3, 37, 19), False),
    (BmmAt(), (2, 1, 33), (2, 1, 70), False), (BmmAt(), (2, 300, 35), (2, 300, 17), False),
    (BmmAt(), (2, 5, 20), (2, 5, 7), True), (BmmAtBt(), (2, 29, 40), (2, 21, 29), False),
    (BmmAtBt(), (2, 290, 33), (2, 21, 290), False)], ids=str)
@pytest.mark.parametrize("threads", [1, 2])
def test_bmm_a_transposed(module, a_shape, b_shape, copies, threads):
    """A (K, M) read in place from 32 rows (20 rows: a transposed copy of
    each batch of a, for the tiled kernel)."""
    args = [torch.randn(a_shape), torch.randn(b_shape)]
    compiled = tsmlir.compile_module(module, args, threads=threads)
    with torch.no_grad():
        torch.testing.assert_close(compiled(*args), module(*args), **TOL)
    assert ("forward" in _transposers(compiled)) == copies


def test_bmm_k_transposed_dynamic_batch():
    """A dynamic batch: each batch's product still has static sizes and
    reads k's slice in place."""
    specs = [TensorSpec((-1, 37, 24)), TensorSpec((-1, 21, 24))]
    runs = [[torch.randn(b, 37, 24), torch.randn(b, 21, 24)] for b in (1, 3, 5)]
    compiled = check_against_eager(BmmBt(), runs[0], input_specs=specs, runs=runs[1:], **TOL)
    assert "forward" not in _transposers(compiled)


def test_bmm_k_transposed_dynamic_rows():
    """A dynamic sequence length: a transposed copy of each batch of k."""
    specs = [TensorSpec((2, -1, 24)), TensorSpec((2, -1, 24))]
    runs = [[torch.randn(2, s, 24), torch.randn(2, s + 3, 24)] for s in (1, 9, 40)]
    check_against_eager(BmmBt(), runs[0], input_specs=specs, runs=runs[1:], **TOL)


@pytest.mark.parametrize("module,shapes", [
    (XWt(), [(300, 260), (257, 260)]), (XWt(), [(13, 260), (300, 260)]),
    (BmmBt(), [(6, 130, 64), (6, 70, 64)]), (BmmBt(), [(1, 200, 96), (1, 190, 96)])], ids=str)
def test_k_transposed_threads(module, shapes):
    """2 threads share each product (pieces of columns or rows, each
    packing its own part of B) or the batches."""
    args = [torch.randn(s) for s in shapes]
    compiled = tsmlir.compile_module(module, args, threads=2)
    with torch.no_grad():
        torch.testing.assert_close(compiled(*args), module(*args), **TOL)
    assert "forward" not in _transposers(compiled)
