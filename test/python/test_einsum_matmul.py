"""Two-operand f32 (and f64) einsums as (batch) matmuls (lowering/einsum_matmul.py)
against eager: letters grouped into batch / rows / columns / summed, the
operands rearranged (nothing, a reshape, or a transpose), either operand
giving the rows.  Several letters per group, size-1 letters, odd sizes,
dynamic sizes, 2 threads; einsums that stay one linalg.generic (integer
dtypes, a letter summed in one operand, a repeated letter) still match."""
import pytest
import torch

import tsmlir
from test_einsum_transposed import TOL, Einsum
from tsmlir import TensorSpec


def _linalg_ir(tmp_path) -> str:
    return next(tmp_path.glob("1-*.mlir")).read_text()


@pytest.mark.parametrize("equation,lhs,rhs", [
    ("bnd,dk->bnk", (3, 17, 20), (20, 9)),            # rows from two letters
    ("bid,jd->bij", (2, 33, 16), (40, 16)),           # weight read transposed
    ("nd,edf->nef", (37, 24), (4, 24, 8)),            # MoE experts: columns from two letters
    ("nef,efd->ned", (37, 4, 8), (4, 8, 24)),         # batch in the middle of the result
    ("bhij,bhjd->bhid", (2, 3, 17, 19), (2, 3, 19, 8)),
    ("bhqk,bkhd->bqhd", (2, 3, 17, 19), (2, 19, 3, 8)),  # result written heads-merged
    ("bqhd,bkhd->bhqk", (2, 17, 3, 8), (2, 19, 3, 8)),
    ("bchw,oc->bohw", (1, 16, 7, 9), (12, 16)),       # the weight gives the rows
    ("bchw,oc->bohw", (3, 16, 7, 9), (12, 16)),
    ("abcd,cde->abe", (2, 3, 4, 5), (4, 5, 6)),       # summed over two letters
    ("ik,kj->ji", (33, 20), (20, 17)),                # transposed result
    ("bij,bjk->bik", (1, 1, 5), (1, 5, 1)),           # size-1 rows and columns
], ids=str)
def test_einsum_as_matmuls(equation, lhs, rhs, tmp_path):
    a, b = torch.randn(lhs), torch.randn(rhs)
    compiled = tsmlir.compile_module(Einsum(equation), [a, b], dump_dir=str(tmp_path))
    torch.testing.assert_close(compiled(a, b), torch.einsum(equation, a, b), **TOL)
    linalg_ir = _linalg_ir(tmp_path)
    assert '"reduction"' not in linalg_ir and "linalg.matmul" in linalg_ir


def test_weight_giving_the_rows_needs_no_copy(tmp_path):
    """bchw,oc->bohw at batch 1 is W (o, c) @ X (c, h*w): reshapes only."""
    a, w = torch.randn(1, 16, 7, 9), torch.randn(12, 16)
    compiled = tsmlir.compile_module(Einsum("bchw,oc->bohw"), [a, w], dump_dir=str(tmp_path))
    torch.testing.assert_close(compiled(a, w), torch.einsum("bchw,oc->bohw", a, w), **TOL)
    assert "linalg.transpose" not in _linalg_ir(tmp_path)


@pytest.mark.parametrize("threads", [1, 2])
def test_einsum_as_matmuls_with_threads(threads):
    a, b = torch.randn(4, 64, 96), torch.randn(96, 80)
    compiled = tsmlir.compile_module(Einsum("bnd,dk->bnk"), [a, b], threads=threads)
    torch.testing.assert_close(compiled(a, b), torch.einsum("bnd,dk->bnk", a, b), **TOL)
    q, v = torch.randn(2, 4, 64, 64), torch.randn(2, 64, 4, 32)
    compiled = tsmlir.compile_module(Einsum("bhqk,bkhd->bqhd"), [q, v], threads=threads)
    torch.testing.assert_close(compiled(q, v), torch.einsum("bhqk,bkhd->bqhd", q, v), **TOL)


@pytest.mark.parametrize("equation,lhs,rhs", [
    ("bnd,dk->bnk", (-1, -1, 20), (20, 9)),
    ("bhqk,bkhd->bqhd", (-1, 3, -1, -1), (-1, -1, 3, 8)),
    ("nd,edf->nef", (-1, 24), (4, 24, 8)),
], ids=str)
def test_einsum_as_matmuls_dynamic_sizes(equation, lhs, rhs):
    compiled = tsmlir.compile_module(Einsum(equation),
                                     input_specs=[TensorSpec(lhs), TensorSpec(rhs)])
    for n in (1, 5, 33):
        def size(s):
            return n if s == -1 else s
        a = torch.randn([size(s) for s in lhs])
        letters = equation.split("->")[0].split(",")
        known = dict(zip(letters[0], a.shape))
        b = torch.randn([known.get(c, size(s)) for c, s in zip(letters[1], rhs)])
        torch.testing.assert_close(compiled(a, b), torch.einsum(equation, a, b), **TOL)


@pytest.mark.parametrize("equation,lhs,rhs,dtype", [
    ("bnd,dk->bnk", (3, 5, 4), (4, 6), torch.float64),   # f64: matmuls too
    ("bnd,dk->bnk", (3, 5, 4), (4, 6), torch.int64),     # integers: one generic
    ("bij,jk->bk", (2, 3, 4), (4, 5), torch.float32),    # i summed in lhs alone
    ("ii,ij->j", (4, 4), (4, 3), torch.float32),         # a diagonal
    ("bi,bi->b", (6, 7), (6, 7), torch.float32),         # no rows or columns
], ids=str)
def test_einsums_left_as_one_contraction(equation, lhs, rhs, dtype):
    if dtype.is_floating_point:
        a, b = torch.randn(lhs, dtype=dtype), torch.randn(rhs, dtype=dtype)
    else:
        a, b = torch.randint(-5, 5, lhs, dtype=dtype), torch.randint(-5, 5, rhs, dtype=dtype)
    compiled = tsmlir.compile_module(Einsum(equation), [a, b])
    torch.testing.assert_close(compiled(a, b), torch.einsum(equation, a, b), **TOL)
