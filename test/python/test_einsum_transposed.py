"""einsum products that read the rhs transposed ("...mk,...nk->...mn", as
attention's q @ k^T) against eager: a batch loop of matmuls on transposed
blocks (rank >= 3) or a transposed copy and the plain matmul (rank 2).  Odd
sizes, size-1 dims, several batch dims, dynamic dims, 1 and 2 threads."""
import pytest
import torch

import tsmlir
from conftest import check_against_eager
from tsmlir import TensorSpec

TOL = dict(rtol=1e-4, atol=1e-4)


class Einsum(torch.nn.Module):
    def __init__(self, equation: str):
        super().__init__()
        self.equation = equation

    def forward(self, a, b):
        return torch.einsum(self.equation, a, b)


@pytest.mark.parametrize("equation,lhs,rhs", [
    ("bhqd,bhkd->bhqk", (2, 3, 17, 9), (2, 3, 13, 9)),
    ("bhqd,bhkd->bhqk", (1, 1, 1, 5), (1, 1, 7, 5)),
    ("bik,bjk->bij", (3, 33, 20), (3, 40, 20)),
    ("bik,bjk->bij", (2, 5, 1), (2, 6, 1)),
    ("ik,jk->ij", (37, 21), (19, 21)),
    ("ik,jk->ij", (1, 64), (70, 64)),
    ("...ik,...jk->...ij", (2, 2, 7, 8), (2, 2, 9, 8))], ids=str)
def test_einsum_rhs_transposed(equation, lhs, rhs, tmp_path):
    a, b = torch.randn(lhs), torch.randn(rhs)
    compiled = tsmlir.compile_module(Einsum(equation), [a, b], dump_dir=str(tmp_path))
    torch.testing.assert_close(compiled(a, b), torch.einsum(equation, a, b), **TOL)
    # a matmul kernel's form, not a scalar contraction loop nest
    linalg_ir = next(tmp_path.glob("1-*.mlir")).read_text()
    assert '"reduction"' not in linalg_ir and "linalg.matmul" in linalg_ir


def test_einsum_rhs_transposed_dynamic():
    specs = [TensorSpec((-1, 4, -1, 8)), TensorSpec((-1, 4, -1, 8))]
    runs = [[torch.randn(b, 4, q, 8), torch.randn(b, 4, k, 8)] for b, q, k in ((2, 5, 7), (1, 9, 3))]
    check_against_eager(Einsum("bhqd,bhkd->bhqk"), runs[0], input_specs=specs, runs=runs[1:],
                        **TOL)


def test_einsum_rhs_transposed_threads():
    q, k = torch.randn(2, 4, 70, 32), torch.randn(2, 4, 65, 32)
    compiled = tsmlir.compile_module(Einsum("bhqd,bhkd->bhqk"), [q, k], threads=2)
    torch.testing.assert_close(compiled(q, k), torch.einsum("bhqd,bhkd->bhqk", q, k), **TOL)
