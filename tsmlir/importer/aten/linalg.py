"""Small dense linear algebra: inverse, determinants, solves, Cholesky, LU.

In: `aten::linalg_inv` (torch.inverse too), `linalg_inv_ex`, `linalg_det`,
`linalg_slogdet`, `slogdet`, `logdet`, `linalg_solve`, `linalg_solve_triangular`,
`linalg_cholesky`, `cholesky`, `linalg_cholesky_ex`, `cholesky_solve`,
`linalg_lu_factor`, `linalg_matrix_power`, on float32/float64 (*batch, n, n)
matrices with a static n of at most MAX_N; batch dims may be dynamic.
Out: the unblocked LAPACK algorithms as `scf.for` loops over the columns
(the model's matrices are small: 3x3 camera poses, 4x4 transforms, covariance
matrices, flows' channel mixers).  Each step works on the whole matrix under
masks (row k and column k are read as masked sums), so the loop body has
static shapes and the compiled code does not grow with n:
- LU with partial pivoting (getf2): at step k the row with the largest
  |a[i, k]| at or below k (the first such, as idamax) is gathered into place,
  the multipliers below the pivot are stored there and the trailing block
  updated; a zero pivot leaves its column unscaled (LAPACK's info).
  det / slogdet / logdet read the diagonal and the swaps' parity; solve
  applies the same row operations to B, then substitutes backwards; inv
  solves against the identity.
- Cholesky (lower; the upper triangle of A is not read): column j is
  s = A[:, j] - L L[j, :]^T over sqrt(s[j]).
- Triangular solves substitute row by row (a (1 x n) @ (n x m) product each).
Errors PyTorch raises from LAPACK's info (a singular matrix to inv/solve, a
matrix that is not positive-definite to cholesky) are run-time checks; the
_ex forms return the info instead.  Every step reads the whole matrix, about
10 n^3 element operations in all: n is limited to MAX_N (LAPACK's blocked
kernels are the tool beyond).  A dynamic n is StaticSizeRequired (the JIT
compiles per size).
"""
from __future__ import annotations

import torch
from mlir import ir
from mlir.dialects import arith, scf

from ...dialects.types import DYN
from ...errors import StaticSizeRequired
from .. import scalars
from ..carried import cast_to
from ..context import NodeContext
from ..values import is_tensor
from .shape import _sizes_of

#: Largest n (every step reads the whole n x n matrix).
MAX_N = 256


def _sl(cx: NodeContext, x, dim: int, start: int, end: int):
    return cx.aten("aten::slice.Tensor", x, dim, start, end, 1)


def _square(cx: NodeContext, a, what: str) -> int:
    """n of a (*batch, n, n) float matrix, after the checks PyTorch makes."""
    if not is_tensor(a):
        cx.fail(f"{what}: expected a tensor")
    t = cx.type(a)
    if t.rank < 2:
        cx.fail(f"{what}: The input tensor A must have at least 2 dimensions.")
    if t.dtype not in (torch.float32, torch.float64):
        cx.fail(f"{what}: Expected a floating point tensor as input. Got {t.dtype} "
                "(tsmlir: float32 and float64)")
    rows, cols = t.shape[-2:]
    if DYN in (rows, cols):
        raise StaticSizeRequired(f"{what}: the matrix size must be static, got {t}", cx.loc)
    if rows != cols:
        cx.fail(f"{what}: A must be batches of square matrices, but they are {rows} by "
                f"{cols} matrices")
    if rows > MAX_N:
        cx.fail(f"{what}: {rows}x{rows} matrices are beyond what tsmlir decomposes "
                f"(at most {MAX_N}x{MAX_N})")
    return rows


def _nonzero_flag(cx: NodeContext, v):
    return cx.aten("aten::ne.Scalar", v, 0)


def _loop(cx: NodeContext, n: int, carried: list, body, reverse: bool = False) -> list:
    """scf.for over k = 0 .. n-1 (n-1 .. 0 when reverse); body(k as a 0-d int64
    tensor, *carried) returns the new carried values."""
    loop = scf.ForOp(scalars.index(0), scalars.index(n), scalars.index(1), carried)
    with ir.InsertionPoint(loop.body):
        k = loop.induction_variable
        if reverse:
            k = arith.subi(scalars.index(n - 1), k)
        kt = scalars.to_tensor(arith.index_cast(ir.IntegerType.get_signless(64), k), torch.int64)
        new = body(kt, *loop.inner_iter_args)
        scf.YieldOp([cast_to(v, c.type) for v, c in zip(new, carried)])
    return list(loop.results)


class _Grid:
    """Row and column numbers of an n x n matrix, and reads of row / column k."""

    def __init__(self, cx: NodeContext, n: int):
        self.cx = cx
        self.rows = cx.constant(torch.arange(n).reshape(n, 1))
        self.cols = cx.constant(torch.arange(n))

    def cmp(self, op: str, which, k):
        return self.cx.aten(f"aten::{op}.Tensor", which, k)

    def row(self, x, k):
        """x[..., k:k+1, :] for a run-time k."""
        cx = self.cx
        return cx.aten("aten::sum.dim_IntList", cx.aten(
            "aten::where.ScalarOther", self.cmp("eq", self.rows, k), x, 0.0), [-2], True, None)

    def col(self, x, k):
        """x[..., :, k:k+1] for a run-time k."""
        cx = self.cx
        return cx.aten("aten::sum.dim_IntList", cx.aten(
            "aten::where.ScalarOther", self.cmp("eq", self.cols, k), x, 0.0), [-1], True, None)


class _LU:
    """getf2 on a (*batch, n, n) as a loop over the columns: `lu` (U above and on
    the diagonal, the multipliers below), `pivots` (*batch, n) (the row
    swapped with row k at step k), `odd` (*batch, 1, 1) (an odd number of
    swaps), and `rhs` with the same row operations applied.  Each step works
    on the whole matrix under masks (rows > k, columns > k)."""

    def __init__(self, cx: NodeContext, a, n: int, rhs=None):
        self.cx = cx
        g = _Grid(cx, n)
        batch = _batch_sizes(cx, a)
        odd = cx.aten("aten::zeros", batch + [1, 1], torch.bool)
        pivots = cx.aten("aten::zeros", batch + [n], torch.int64)

        def step(k, a, odd, pivots, *rhs):
            column = g.col(a, k)                                           # (*batch, n, 1)
            candidates = cx.aten("aten::where.ScalarOther", g.cmp("ge", g.rows, k),
                                 cx.aten("aten::abs", column), -1.0)
            p = cx.aten("aten::argmax", candidates, -2, True)             # (*batch, 1, 1)
            p_row = cx.aten("aten::squeeze.dim", p, -1)                   # (*batch, 1)
            perm = cx.aten("aten::where.self", g.cmp("eq", g.cols, k), p_row,
                           cx.aten("aten::where.self", g.cmp("eq", g.cols, p_row), k, g.cols))
            a = self._permute_rows(a, perm, n)
            rhs = [self._permute_rows(r, perm, cx.type(r).shape[-1]) for r in rhs]
            odd = cx.aten("aten::logical_xor", odd, cx.aten("aten::ne.Tensor", p, k))
            pivots = cx.aten("aten::where.self", g.cmp("eq", g.cols, k), p_row, pivots)
            pivot_row = g.row(a, k)                                        # (*batch, 1, n)
            pivot = g.col(pivot_row, k)                                    # (*batch, 1, 1)
            below = cx.aten("aten::logical_and", g.cmp("gt", g.rows, k),
                            cx.aten("aten::ne.Scalar", pivot, 0))
            factors = cx.aten("aten::where.ScalarOther", below, cx.aten(
                "aten::div.Tensor", g.col(a, k), pivot), 0.0)          # (*batch, n, 1)
            right = cx.aten("aten::where.ScalarOther", g.cmp("gt", g.cols, k), pivot_row, 0.0)
            a = cx.aten("aten::sub.Tensor", a, cx.aten("aten::mul.Tensor", factors, right), 1)
            store = cx.aten("aten::logical_and", g.cmp("gt", g.rows, k), g.cmp("eq", g.cols, k))
            a = cx.aten("aten::where.self", store, factors, a)
            rhs = [cx.aten("aten::sub.Tensor", r,
                           cx.aten("aten::mul.Tensor", factors, g.row(r, k)), 1) for r in rhs]
            return [a, odd, pivots, *rhs]

        out = _loop(cx, n, [a, odd, pivots] + ([rhs] if rhs is not None else []), step)
        self.lu, self.odd, self.pivots = out[:3]
        self.rhs = out[3] if rhs is not None else None

    def _permute_rows(self, x, perm, width: int):
        cx = self.cx
        index = cx.aten("aten::unsqueeze", perm, -1)
        if width != 1:
            index = cx.aten("aten::expand", index, [-1] * (cx.type(index).rank - 1) + [width],
                            False)
        return cx.aten("aten::gather", x, -2, index, False)

    def diagonal(self):
        return self.cx.aten("aten::diagonal", self.lu, 0, -2, -1)

    def sign(self):
        """Whether the row swaps are an odd permutation, (*batch)."""
        cx = self.cx
        return cx.aten("aten::squeeze.dim", cx.aten("aten::squeeze.dim", self.odd, -1), -1)


def _det_parts(cx: NodeContext, a, what: str):
    n = _square(cx, a, what)
    lu = _LU(cx, a, n)
    return lu, lu.diagonal()


def _with_sign(cx: NodeContext, value, lu: _LU):
    return cx.aten("aten::where.self", lu.sign(), cx.aten("aten::neg", value), value)


def _det(cx: NodeContext, a):
    lu, diag = _det_parts(cx, a, "linalg.det")
    return _with_sign(cx, cx.aten("aten::prod.dim_int", diag, -1, False, None), lu)


def _slogdet(cx: NodeContext, a):
    lu, diag = _det_parts(cx, a, "linalg.slogdet")
    sign = _with_sign(cx, cx.aten("aten::prod.dim_int", cx.aten("aten::sign", diag), -1,
                                  False, None), lu)
    logabs = cx.aten("aten::sum.dim_IntList", cx.aten("aten::log", cx.aten("aten::abs", diag)),
                     [-1], False, None)
    return sign, logabs


def _logdet(cx: NodeContext, a):
    sign, logabs = _slogdet(cx, a)
    return cx.aten("aten::where.ScalarSelf", cx.aten("aten::lt.Scalar", sign, 0),
                   float("nan"), logabs)


def _back_substitute(cx: NodeContext, u, b, n: int, *, upper: bool = True, unit: bool = False):
    """X with U X = B (upper: rows n-1 .. 0) or L X = B (lower: rows 0 .. n-1);
    row k of X is (B[k] - U[k, done] @ X[done]) / U[k, k]."""
    g = _Grid(cx, n)
    later = "gt" if upper else "lt"

    def step(k, x):
        coeffs = cx.aten("aten::where.ScalarOther", g.cmp(later, g.cols, k), g.row(u, k), 0.0)
        r = cx.aten("aten::sub.Tensor", g.row(b, k), cx.aten("aten::matmul", coeffs, x), 1)
        if not unit:
            r = cx.aten("aten::div.Tensor", r, g.col(g.row(u, k), k))
        return [cx.aten("aten::where.self", g.cmp("eq", g.rows, k), r, x)]

    return _loop(cx, n, [cx.aten("aten::zeros_like", b)], step, reverse=upper)[0]


def _solve_lu(cx: NodeContext, a, b, n: int, message: str):
    lu = _LU(cx, a, n, b)
    cx.check_all(_nonzero_flag(cx, lu.diagonal()), message)
    return _back_substitute(cx, lu.lu, lu.rhs, n)


def _broadcast_batch(cx: NodeContext, a, b):
    """a (*A, n, n) and b (*B, n, k) expanded to one batch shape."""
    ta, tb = cx.type(a), cx.type(b)
    if ta.shape[:-2] == tb.shape[:-2]:
        return a, b
    a_b = cx.aten("aten::broadcast_tensors", [_sl(cx, _sl(cx, a, -1, 0, 1), -2, 0, 1),
                                              _sl(cx, _sl(cx, b, -1, 0, 1), -2, 0, 1)])
    shape = a_b[0]
    a = cx.aten("aten::expand", a, _batch_sizes(cx, shape) + list(ta.shape[-2:]), False)
    b = cx.aten("aten::expand", b, _batch_sizes(cx, shape) + list(tb.shape[-2:]), False)
    return a, b


def _batch_sizes(cx: NodeContext, x) -> list:
    return _sizes_of(x, cx.type(x).shape[:-2])


def _solve(cx: NodeContext, a, b, left=True):
    n = _square(cx, a, "linalg.solve")
    if not left:
        cx.fail("linalg.solve with left=False is not supported (solve A^T X^T = B^T instead)")
    if not is_tensor(b) or cx.type(b).dtype != cx.type(a).dtype:
        cx.fail("linalg.solve: Expected A and B to have the same dtype")
    ta, tb = cx.type(a), cx.type(b)
    vector = tb.rank == 1 or (tb.rank == ta.rank - 1 and tb.shape == ta.shape[:-1])
    if vector:
        b = cx.aten("aten::unsqueeze", b, -1)
    if cx.type(b).shape[-2] != n:
        cx.fail(f"linalg.solve: Incompatible shapes of A and B for the equation AX = B "
                f"({list(ta.shape[-2:])} and {list(cx.type(b).shape[-2:])})")
    a, b = _broadcast_batch(cx, a, b)
    x = _solve_lu(cx, a, b, n,
                  "torch.linalg.solve: The solver failed because the input matrix is singular.")
    return cx.aten("aten::squeeze.dim", x, -1) if vector else x


def _identity_like(cx: NodeContext, a, n: int):
    eye = cx.constant(torch.eye(n, dtype=cx.type(a).dtype))
    return cx.aten("aten::expand_as", eye, a)


def _inv(cx: NodeContext, a):
    n = _square(cx, a, "linalg.inv")
    return _solve_lu(cx, a, _identity_like(cx, a, n), n,
                     "linalg.inv: The inversion could not be completed because the input "
                     "matrix is singular.")


def _first_zero(cx: NodeContext, diag):
    """LAPACK's info: 1 + the first k with diag[..., k] == 0, else 0 (int32, (*batch))."""
    n = cx.type(diag).shape[-1]
    position = cx.constant(torch.arange(1, n + 1, dtype=torch.int32))
    marked = cx.aten("aten::where.ScalarOther", cx.aten("aten::eq.Scalar", diag, 0),
                     position, n + 1)
    first = cx.aten("aten::amin", marked, [-1], False)
    return cx.aten("aten::where.ScalarOther", cx.aten("aten::le.Scalar", first, n), first, 0)


def _inv_ex(cx: NodeContext, a, check_errors=False):
    n = _square(cx, a, "linalg.inv_ex")
    lu = _LU(cx, a, n, _identity_like(cx, a, n))
    diag = lu.diagonal()
    if check_errors:
        cx.check_all(_nonzero_flag(cx, diag), "linalg.inv_ex: The inversion could not be "
                     "completed because the input matrix is singular.")
    return _back_substitute(cx, lu.lu, lu.rhs, n), _first_zero(cx, diag)


def _lu_factor(cx: NodeContext, a, pivot=True):
    n = _square(cx, a, "linalg.lu_factor")
    if not pivot:
        cx.fail("linalg.lu_factor: LU without pivoting is not implemented on the CPU")
    lu = _LU(cx, a, n)
    pivots = cx.aten("aten::add.Scalar", lu.pivots, 1, 1)
    return lu.lu, cx.aten("aten::to.dtype", pivots, torch.int32, False, False, None)


def _cholesky_lower(cx: NodeContext, a, n: int):
    """(L, info): column j of L is s = A[:, j] - L L[j, :]^T (L's columns >= j
    still zero) over sqrt(s[j]); info is 1 + the first j with s[j] <= 0
    (that column and the later ones NaN), else 0."""
    g = _Grid(cx, n)
    batch = _batch_sizes(cx, a)

    def step(j, lower, info):
        l_row = cx.aten("aten::transpose.int", g.row(lower, j), -2, -1)      # (*batch, n, 1)
        s = cx.aten("aten::sub.Tensor", g.col(a, j), cx.aten("aten::matmul", lower, l_row), 1)
        d = g.row(s, j)                                                        # (*batch, 1, 1)
        positive = cx.aten("aten::gt.Scalar", d, 0)
        root = cx.aten("aten::where.ScalarOther", positive, cx.aten("aten::sqrt", d),
                       float("nan"))
        column = cx.aten("aten::where.self", g.cmp("eq", g.rows, j), root, cx.aten(
            "aten::where.ScalarOther", g.cmp("gt", g.rows, j),
            cx.aten("aten::div.Tensor", s, root), 0.0))
        lower = cx.aten("aten::where.self", g.cmp("eq", g.cols, j), column, lower)
        failed = cx.aten("aten::logical_and", cx.aten("aten::eq.Scalar", info, 0),
                         cx.aten("aten::logical_not", positive))
        number = cx.aten("aten::to.dtype", cx.aten("aten::add.Scalar", j, 1, 1), torch.int32,
                         False, False, None)
        return [lower, cx.aten("aten::where.self", failed, number, info)]

    zeros = cx.aten("aten::zeros_like", a)
    lower, info = _loop(cx, n, [zeros, cx.aten("aten::zeros", batch + [1, 1], torch.int32)],
                        step)
    return lower, cx.aten("aten::squeeze.dim", cx.aten("aten::squeeze.dim", info, -1), -1)


_NOT_PD = ("linalg.cholesky: The factorization could not be completed because the input is "
           "not positive-definite.")


def _cholesky_ex(cx: NodeContext, a, upper=False, check_errors=False, what="linalg.cholesky_ex"):
    n = _square(cx, a, what)
    lower, info = _cholesky_lower(cx, a, n)
    if check_errors:
        cx.check_all(cx.aten("aten::eq.Scalar", info, 0), _NOT_PD)
    return (cx.aten("aten::transpose.int", lower, -2, -1) if upper else lower), info


def _cholesky(cx: NodeContext, a, upper=False):
    return _cholesky_ex(cx, a, upper, True, "linalg.cholesky")[0]


def _solve_triangular(cx: NodeContext, a, b, upper, left=True, unitriangular=False):
    n = _square(cx, a, "linalg.solve_triangular")
    if not is_tensor(b) or cx.type(b).rank < 2:
        cx.fail("linalg.solve_triangular: The input tensor B must have at least 2 dimensions.")
    if not left:  # X A = B  <=>  A^T X^T = B^T
        at = cx.aten("aten::transpose.int", a, -2, -1)
        bt = cx.aten("aten::transpose.int", b, -2, -1)
        x = _solve_triangular(cx, at, bt, not upper, True, unitriangular)
        return cx.aten("aten::transpose.int", x, -2, -1)
    if cx.type(b).shape[-2] != n:
        cx.fail("linalg.solve_triangular: Incompatible shapes of A and B for the equation AX = B")
    a, b = _broadcast_batch(cx, a, b)
    return _back_substitute(cx, a, b, n, upper=bool(upper), unit=bool(unitriangular))


def _cholesky_solve(cx: NodeContext, b, factor, upper=False):
    n = _square(cx, factor, "cholesky_solve")
    lower = cx.aten("aten::transpose.int", factor, -2, -1) if upper else factor
    factor_t = cx.aten("aten::transpose.int", lower, -2, -1)
    lower, b = _broadcast_batch(cx, lower, b)
    factor_t, _ = _broadcast_batch(cx, factor_t, b)
    y = _back_substitute(cx, lower, b, n, upper=False)
    return _back_substitute(cx, factor_t, y, n, upper=True)


def _matrix_power(cx: NodeContext, a, k):
    n = _square(cx, a, "linalg.matrix_power")
    if not isinstance(k, int):
        cx.fail("linalg.matrix_power: the exponent must be a compile-time int")
    if k == 0:
        return _identity_like(cx, a, n)
    if k < 0:
        a, k = _inv(cx, a), -k
    result, square = None, a
    while k:
        if k & 1:
            result = square if result is None else cx.aten("aten::matmul", result, square)
        k >>= 1
        if k:
            square = cx.aten("aten::matmul", square, square)
    return result


HANDLERS = {
    "aten::linalg_inv": _inv,
    "aten::inverse": _inv,
    "aten::linalg_inv_ex": _inv_ex,
    "aten::linalg_det": _det,
    "aten::det": _det,
    "aten::linalg_slogdet": _slogdet,
    "aten::slogdet": _slogdet,
    "aten::logdet": _logdet,
    "aten::linalg_solve": _solve,
    "aten::linalg_solve_triangular": _solve_triangular,
    "aten::linalg_cholesky": _cholesky,
    "aten::cholesky": _cholesky,
    "aten::linalg_cholesky_ex": _cholesky_ex,
    "aten::cholesky_solve": _cholesky_solve,
    "aten::linalg_lu_factor": _lu_factor,
    "aten::linalg_matrix_power": _matrix_power,
}
