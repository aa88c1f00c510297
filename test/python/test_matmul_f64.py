"""float64 products against eager: 2-D matmuls take the tiled vector kernel
(register tiles of half the f32 columns), batches and einsums loops of it,
a run-time weight of F.linear one transposed copy first.  Before, each was
one scalar linalg.generic (60x eager for a 256^2 matmul).  Odd sizes,
dynamic sizes, 2 threads."""
import pytest
import torch
import torch.nn.functional as F

import tsmlir
from tsmlir import TensorSpec

F64 = torch.float64
TOL = dict(rtol=1e-12, atol=1e-12)


class Products(torch.nn.Module):
    def forward(self, a, b, w, x3, y3):
        return (a @ b, F.linear(a, w), torch.bmm(x3, y3), torch.einsum("bik,kj->bij", x3, b[:8]),
                x3 @ b[:8])


def _inputs(m, k, n):
    return [torch.randn(m, k, dtype=F64), torch.randn(k, n, dtype=F64),
            torch.randn(n, k, dtype=F64), torch.randn(3, m, 8, dtype=F64),
            torch.randn(3, 8, n, dtype=F64)]


@pytest.mark.parametrize("m,k,n", [(1, 9, 5), (37, 61, 23), (64, 128, 96)], ids=str)
@pytest.mark.parametrize("threads", [1, 2])
def test_f64_products(m, k, n, threads):
    if k < 8:
        pytest.skip("b[:8] needs 8 rows")
    xs = _inputs(m, k, n)
    model = Products()
    compiled = tsmlir.compile_module(model, xs, threads=threads)
    for got, want in zip(compiled(*xs), model(*xs)):
        torch.testing.assert_close(got, want, **TOL)


def test_f64_matmul_dynamic_sizes(tmp_path):
    class MatMul(torch.nn.Module):
        def forward(self, a, b):
            return a @ b

    compiled = tsmlir.compile_module(MatMul(), input_specs=[TensorSpec((-1, -1), F64),
                                                            TensorSpec((-1, -1), F64)],
                                     dump_dir=str(tmp_path))
    for m, k, n in ((33, 17, 9), (128, 64, 100), (1, 1, 1)):
        a, b = torch.randn(m, k, dtype=F64), torch.randn(k, n, dtype=F64)
        torch.testing.assert_close(compiled(a, b), a @ b, **TOL)
    loops = next(tmp_path.glob("2-*.mlir")).read_text()
    assert "xf64>" in loops and "vector.fma" in loops
