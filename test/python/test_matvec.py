"""tsm-vectorize-matvec against eager: a few rows (1..4, and 5, which the
pass leaves to the other kernels) times a narrow constant weight, with K
and N not multiples of the vector width or the unroll, N = 1, bias or not,
1 and 2 threads (the threads share N from MIN_PARALLEL_WEIGHTS weights);
each compiled module is checked to have (or not) the dot-product kernel."""
import pytest
import torch

import tsmlir
from conftest import _assert_close


class Mm(torch.nn.Module):
    """x @ w with w a K x N parameter (a constant K x N weight)."""

    def __init__(self, k: int, n: int):
        super().__init__()
        self.w = torch.nn.Parameter(torch.randn(k, n))

    def forward(self, x):
        return torch.mm(x, self.w)


def _compile(module, x, threads, tmp_path):
    options = tsmlir.CompileOptions(threads=threads, dump_dir=str(tmp_path), dump_weights=False)
    compiled = tsmlir.compile_module(module.eval(), [x], options=options)
    loops = next(tmp_path.glob("2-*.mlir")).read_text()
    return compiled, "call @tsm_matvec_" in loops


def _check(module, x, threads, tmp_path, *, taken=True):
    compiled, used = _compile(module, x, threads, tmp_path)
    assert used == taken
    with torch.no_grad():
        expected = module(x)
        _assert_close(compiled(x), expected, rtol=1e-4, atol=1e-4)
        # a second call reads the transposed copy made by the first
        x2 = torch.randn_like(x)
        _assert_close(compiled(x2), module(x2), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("m,k,n", [(1, 64, 1), (1, 100, 10), (2, 777, 3), (3, 131, 31),
                                   (4, 95, 32), (1, 9000, 10), (2, 33000, 7)])
def test_mm_constant_weight(m, k, n, threads, tmp_path):
    _check(Mm(k, n), torch.randn(m, k), threads, tmp_path)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("m,k,n,bias", [(1, 784, 10, True), (3, 300, 17, False),
                                        (1, 65, 2, True)])
def test_linear(m, k, n, bias, threads, tmp_path):
    _check(torch.nn.Linear(k, n, bias=bias), torch.randn(m, k), threads, tmp_path)


@pytest.mark.parametrize("m,k,n", [(5, 100, 10), (1, 100, 33), (1, 63, 10)])
def test_not_taken(m, k, n, tmp_path):
    """5 rows, 33 columns, a short K: the other matmul kernels, still right."""
    _check(Mm(k, n), torch.randn(m, k), 1, tmp_path, taken=False)


def test_weight_shared_by_two_products(tmp_path):
    """One weight read by products of 1 and 2 rows: a copy per row count."""
    class Two(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.randn(200, 9))

        def forward(self, x):
            return torch.mm(x, self.w), torch.mm(torch.cat([x, x * 2]), self.w)

    module, x = Two().eval(), torch.randn(1, 200)
    compiled, used = _compile(module, x, 1, tmp_path)
    assert used
    with torch.no_grad():
        _assert_close(compiled(x), module(x), rtol=1e-4, atol=1e-4)


class LinearRelu(torch.nn.Module):
    """A classifier head whose ReLU the matmul kernels apply as they store C."""

    def __init__(self, k: int, n: int):
        super().__init__()
        self.fc = torch.nn.Linear(k, n)

    def forward(self, x):
        return torch.relu(self.fc(x))


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("module", [torch.nn.Linear(300, 10), torch.nn.Linear(100, 7, bias=False),
                                    LinearRelu(131, 31), Mm(33000, 7)],
                         ids=["bias", "no_bias", "relu", "wide_k"])
def test_run_time_rows(module, threads, tmp_path):
    """A batch of run-time size: one row takes the dot products (the then-
    branch of `scf.if rows == 1`), other counts (0, 2, 5) the packed kernel
    (the else-branch), which still starts from the bias; the results of
    each count against eager, a single row before and after the others."""
    k = next(p for p in module.parameters()).shape[-1 if not isinstance(module, Mm) else 0]
    options = tsmlir.CompileOptions(threads=threads, dump_dir=str(tmp_path), dump_weights=False)
    compiled = tsmlir.compile_module(module.eval(), input_specs=[tsmlir.TensorSpec((-1, k))],
                                     options=options)
    loops = next(tmp_path.glob("2-*.mlir")).read_text()
    assert "call @tsm_matvec_" in loops and "call @tsm_matmul_packed_" in loops
    with torch.no_grad():
        for rows in (1, 0, 2, 5, 1):
            x = torch.randn(rows, k)
            expected = module(x)  # (sums of 33000 products: an absolute tolerance to scale)
            scale = max(1.0, expected.abs().max().item()) if rows else 1.0
            _assert_close(compiled(x), expected, rtol=1e-4, atol=1e-4 * scale)
