"""Small dense linear algebra (importer/aten/linalg.py) against eager
(LAPACK): inverse, determinants, solves, Cholesky, LU, powers; batches
(static, dynamic, broadcast), float64, singular and indefinite matrices."""
from __future__ import annotations

import pytest
import torch
import torch.nn as nn

import tsmlir
from conftest import check_against_eager
from tsmlir import TensorSpec
from tsmlir.compiler import lower_module


class All(nn.Module):
    def forward(self, a, b, spd):
        return (torch.linalg.inv(a), torch.inverse(a), torch.linalg.det(a), torch.det(a),
                torch.linalg.slogdet(a), torch.logdet(spd),
                torch.linalg.solve(a, b), torch.linalg.solve(a, b[..., 0]),
                torch.linalg.cholesky(spd), torch.linalg.cholesky(spd, upper=True),
                torch.cholesky(spd),
                torch.linalg.solve_triangular(torch.triu(a), b, upper=True),
                torch.linalg.solve_triangular(torch.tril(a), b.mT, upper=False, left=False),
                torch.linalg.solve_triangular(torch.tril(a), b, upper=False, unitriangular=True),
                torch.linalg.matrix_power(a, 3), torch.linalg.matrix_power(a, 0),
                torch.linalg.matrix_power(a, -2), torch.linalg.inv_ex(a),
                torch.linalg.cholesky_ex(spd), torch.cholesky_solve(b, torch.linalg.cholesky(spd)),
                torch.cholesky_solve(b, torch.linalg.cholesky(spd, upper=True), True),
                torch.linalg.lu_factor(a))


def _inputs(batch, n, dtype=torch.float32):
    a = torch.randn(*batch, n, n, dtype=dtype) / n ** 0.5 + 2 * torch.eye(n, dtype=dtype)
    r = torch.randn(*batch, n, n, dtype=dtype)
    return [a, torch.randn(*batch, n, 2, dtype=dtype), r @ r.mT + torch.eye(n, dtype=dtype)]


def test_against_lapack():
    # every op at once: one (large) compile
    check_against_eager(All(), _inputs((2, 3), 5), rtol=2e-4, atol=2e-5)


class Few(nn.Module):
    def forward(self, a, b, spd):
        return (torch.linalg.inv(a), torch.linalg.det(a), torch.linalg.solve(a, b),
                torch.linalg.cholesky(spd))


@pytest.mark.parametrize("batch, n, dtype", [((), 1, torch.float32), ((2,), 4, torch.float64),
                                             ((), 33, torch.float32)])
def test_sizes_and_float64(batch, n, dtype):
    check_against_eager(Few(), _inputs(batch, n, dtype), rtol=2e-4, atol=2e-5)


def test_dynamic_batch():
    check_against_eager(Few(), _inputs((3,), 3), rtol=2e-4, atol=2e-5,
                        input_specs=[TensorSpec((-1, 3, 3)), TensorSpec((-1, 3, 2)),
                                     TensorSpec((-1, 3, 3))],
                        runs=[tuple(_inputs((1,), 3)), tuple(_inputs((7,), 3))])


class Broadcast(nn.Module):
    def forward(self, a, b):
        return torch.linalg.solve(a, b)


def test_solve_broadcasts_batches():
    a, b = torch.randn(3, 3) + 3 * torch.eye(3), torch.randn(4, 3, 2)
    check_against_eager(Broadcast(), [a, b])
    check_against_eager(Broadcast(), [torch.randn(2, 1, 3, 3) + 3 * torch.eye(3), torch.randn(5, 3, 1)])


class Dets(nn.Module):
    def forward(self, a):
        return torch.linalg.det(a), torch.linalg.slogdet(a), torch.logdet(a), torch.linalg.inv_ex(a)[1]


def test_singular_and_negative_determinants():
    # exactly singular for any elimination order: a zero column, a zero row
    # ([[1, 2, 3], [2, 4, 6], [0, 1, 1]] left MKL's AVX-512 LU a -1.8e-7 pivot)
    singular = torch.tensor([[[1., 0, 3], [2, 0, 6], [4, 0, 1]], [[0., 0, 0], [0, 1, 0], [0, 0, 1]]])
    negative = torch.tensor([[[0., 1, 0], [1, 0, 0], [0, 0, 2]], [[1., 0, 0], [0, 1, 0], [0, 0, 1]]])
    c = check_against_eager(Dets(), [negative], equal_nan=True)
    got, want = c(singular), Dets()(singular)
    torch.testing.assert_close(got[0], want[0])
    torch.testing.assert_close(got[1], want[1])
    torch.testing.assert_close(got[3], want[3])


class Inv(nn.Module):
    def forward(self, a):
        return torch.linalg.inv(a)


class Chol(nn.Module):
    def forward(self, a):
        return torch.linalg.cholesky(a), torch.linalg.cholesky_ex(a)[1]


def test_runtime_errors():
    c = tsmlir.compile_module(Inv(), [torch.eye(3)])
    with pytest.raises(tsmlir.RuntimeCheckError, match="input matrix is singular"):
        c(torch.ones(3, 3))
    c = tsmlir.compile_module(Chol(), [torch.eye(3)])
    with pytest.raises(tsmlir.RuntimeCheckError, match="not positive-definite"):
        c(-torch.eye(3))


class CholEx(nn.Module):
    def forward(self, a):
        return torch.linalg.cholesky_ex(a)[1]


def test_cholesky_ex_reports_the_failing_minor():
    a = torch.stack([torch.eye(3), torch.diag(torch.tensor([1., 1, -1])),
                     torch.diag(torch.tensor([1., -1, -1]))])
    check_against_eager(CholEx(), [a])


def test_import_errors():
    with pytest.raises(tsmlir.TorchScriptImportError, match="square matrices"):
        tsmlir.compile_module(Inv(), [torch.randn(2, 3)])
    with pytest.raises(tsmlir.TorchScriptImportError, match="floating point"):
        tsmlir.compile_module(Inv(), [torch.ones(2, 2, dtype=torch.int64)])
    with pytest.raises(tsmlir.TorchScriptImportError, match="at most 256x256"):
        tsmlir.compile_module(Inv(), [torch.randn(257, 257)])
    with pytest.raises(tsmlir.StaticSizeRequired, match="matrix size must be static"):
        lower_module(torch.jit.script(Inv()), input_specs=[TensorSpec((-1, -1))])
