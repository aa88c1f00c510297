"""Matmul ops against eager: every torch.matmul rank combination, mm, bmm,
linear (with and without bias, any input rank), addmm's beta/alpha, dynamic
leading dims and the run-time size checks."""
import pytest
import torch
import torch.nn.functional as F

import tsmlir
from conftest import check_against_eager
from tsmlir import TensorSpec


class Matmul(torch.nn.Module):
    def forward(self, x, y):
        return x @ y


class Mm(torch.nn.Module):
    def forward(self, x, y):
        return torch.mm(x, y)


class Bmm(torch.nn.Module):
    def forward(self, x, y):
        return torch.bmm(x, y)


class MvDot(torch.nn.Module):
    def forward(self, m, v):
        return torch.mv(m, v), torch.dot(v, v)


class Linear(torch.nn.Module):
    def forward(self, x, w, b):
        return F.linear(x, w, b), F.linear(x, w)


class Addmm(torch.nn.Module):
    def __init__(self, beta: float, alpha: float):
        super().__init__()
        self.beta, self.alpha = beta, alpha

    def forward(self, s, x, y):
        return torch.addmm(s, x, y, beta=self.beta, alpha=self.alpha)


MATMUL_SHAPES = [
    ((4,), (4,)),                      # 1-D x 1-D: dot
    ((4,), (4, 3)),                    # 1-D x 2-D: vecmat
    ((3, 4), (4,)),                    # 2-D x 1-D: matvec
    ((3, 4), (4, 5)),                  # 2-D x 2-D
    ((2, 3, 4), (4, 5)),               # N-D x 2-D
    ((2, 2, 3, 4), (4,)),              # N-D x 1-D
    ((4,), (2, 4, 5)),                 # 1-D x N-D
    ((3, 4), (2, 4, 5)),               # 2-D x N-D
    ((2, 3, 4), (2, 4, 5)),            # batched, same batch: batch_matmul
    ((2, 1, 3, 4), (5, 4, 6)),         # batch broadcasting both ways
    ((1, 3, 4), (7, 4, 2)),
    ((17, 33), (33, 9)),
]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul_ranks(shapes):
    x, y = torch.randn(shapes[0]), torch.randn(shapes[1])
    check_against_eager(torch.jit.script(Matmul()), [x, y])


def test_matmul_float64():
    x, y = torch.randn(2, 5, 7, dtype=torch.float64), torch.randn(7, 3, dtype=torch.float64)
    check_against_eager(torch.jit.script(Matmul()), [x, y])


def test_matmul_int64():
    x, y = torch.randint(-5, 5, (3, 4)), torch.randint(-5, 5, (2, 4, 6))
    check_against_eager(torch.jit.script(Matmul()), [x, y])


@pytest.mark.parametrize("specs", [
    [(-1, 8), (8, 3)],
    [(-1, 8), (8,)],
    [(-1, 5, 8), (8, 3)],
    [(-1, 5, 8), (-1, 8, 3)],
    [(8,), (-1, 8, 3)],
], ids=str)
def test_matmul_dynamic_leading_dim(specs):
    runs = [[torch.randn([n if d == -1 else d for d in s]) for s in specs] for n in (1, 4, 9)]
    check_against_eager(torch.jit.script(Matmul()), runs[0],
                        input_specs=[TensorSpec(s) for s in specs], runs=runs[1:])


def test_matmul_dynamic_contraction_mismatch_raises():
    compiled = tsmlir.compile_module(torch.jit.script(Matmul()),
                                     input_specs=[TensorSpec((3, -1)), TensorSpec((-1, 2))])
    with pytest.raises(tsmlir.RuntimeCheckError, match="contraction dimensions"):
        compiled(torch.randn(3, 4), torch.randn(5, 2))
    x, y = torch.randn(3, 4), torch.randn(4, 2)
    torch.testing.assert_close(compiled(x, y), x @ y, rtol=1e-4, atol=1e-5)


def test_matmul_dynamic_batch_mismatch_raises():
    compiled = tsmlir.compile_module(torch.jit.script(Matmul()),
                                     input_specs=[TensorSpec((-1, 2, 3)), TensorSpec((-1, 3, 2))])
    with pytest.raises(tsmlir.RuntimeCheckError, match="batch dimension 0"):
        compiled(torch.randn(2, 2, 3), torch.randn(3, 3, 2))


@pytest.mark.parametrize("shapes", [((3, 4), (4, 5)), ((1, 7), (7, 1)), ((16, 32), (32, 8))],
                         ids=str)
def test_mm(shapes):
    check_against_eager(torch.jit.script(Mm()), [torch.randn(shapes[0]), torch.randn(shapes[1])])


def test_mm_dynamic():
    runs = [[torch.randn(n, 6), torch.randn(6, 3)] for n in (2, 11)]
    check_against_eager(torch.jit.script(Mm()), runs[0], runs=runs[1:],
                        input_specs=[TensorSpec((-1, 6)), TensorSpec((6, 3))])


def test_mm_rejects_wrong_rank():
    with pytest.raises(tsmlir.TsmlirError, match="mm expects 2-D and 2-D tensors"):
        tsmlir.compile_module(torch.jit.script(Mm()), [torch.randn(2, 3, 4), torch.randn(4, 5)])


@pytest.mark.parametrize("shapes", [((2, 3, 4), (2, 4, 5)), ((1, 5, 5), (1, 5, 5))], ids=str)
def test_bmm(shapes):
    check_against_eager(torch.jit.script(Bmm()), [torch.randn(shapes[0]), torch.randn(shapes[1])])


def test_bmm_dynamic_batch():
    runs = [[torch.randn(n, 3, 4), torch.randn(n, 4, 2)] for n in (1, 6)]
    check_against_eager(torch.jit.script(Bmm()), runs[0], runs=runs[1:],
                        input_specs=[TensorSpec((-1, 3, 4)), TensorSpec((-1, 4, 2))])


def test_bmm_does_not_broadcast():
    with pytest.raises(tsmlir.TsmlirError, match="batch sizes differ"):
        tsmlir.compile_module(torch.jit.script(Bmm()), [torch.randn(1, 3, 4), torch.randn(2, 4, 5)])


def test_mv_dot():
    check_against_eager(torch.jit.script(MvDot()), [torch.randn(3, 5), torch.randn(5)])


@pytest.mark.parametrize("x_shape", [(6,), (4, 6), (2, 4, 6), (2, 3, 4, 6)], ids=str)
def test_linear(x_shape):
    check_against_eager(torch.jit.script(Linear()),
                        [torch.randn(x_shape), torch.randn(5, 6), torch.randn(5)])


def test_linear_dynamic_and_float64():
    specs = [TensorSpec((-1, 6), torch.float64), TensorSpec((5, 6), torch.float64),
             TensorSpec((5,), torch.float64)]
    runs = [[torch.randn(n, 6, dtype=torch.float64), torch.randn(5, 6, dtype=torch.float64),
             torch.randn(5, dtype=torch.float64)] for n in (1, 3, 10)]
    check_against_eager(torch.jit.script(Linear()), runs[0], input_specs=specs, runs=runs[1:])


def test_nn_linear_module():
    model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.Linear(16, 4, bias=False))
    runs = [[torch.randn(n, 3, 8)] for n in (1, 5)]
    check_against_eager(torch.jit.script(model), runs[0], runs=runs[1:],
                        input_specs=[TensorSpec((-1, 3, 8))])


class ConstantLinear(torch.nn.Module):
    """nn.Linear layers: constant weights, pre-transposed at import; `up` runs
    twice to share its transposed weight."""
    def __init__(self, dtype=torch.float32):
        super().__init__()
        self.up = torch.nn.Linear(6, 5, dtype=dtype)
        self.down = torch.nn.Linear(5, 3, bias=False, dtype=dtype)

    def forward(self, x):
        return self.down(self.up(x)), self.up(x)


@pytest.mark.parametrize("x_shape", [(6,), (4, 6), (2, 4, 6), (2, 3, 4, 6)], ids=str)
def test_linear_constant_weight(x_shape):
    check_against_eager(torch.jit.script(ConstantLinear()), [torch.randn(x_shape)])


@pytest.mark.parametrize("x_shape", [(-1, 6), (-1, 4, 6)], ids=str)
def test_linear_constant_weight_dynamic_and_float64(x_shape):
    runs = [[torch.randn(n, *x_shape[1:], dtype=torch.float64)] for n in (1, 3, 10)]
    check_against_eager(torch.jit.script(ConstantLinear(torch.float64)), runs[0], runs=runs[1:],
                        input_specs=[TensorSpec(x_shape, torch.float64)])


def test_linear_constant_weight_traced():
    model = ConstantLinear()
    x = torch.randn(4, 6)
    check_against_eager(torch.jit.trace(model, (x,)), [x])


@pytest.mark.parametrize("beta,alpha", [(1.0, 1.0), (0.5, 1.0), (1.0, 2.0), (0.5, -3.0),
                                        (0.0, 2.0), (0.0, 1.0)], ids=str)
@pytest.mark.parametrize("self_shape", [(3, 5), (5,), (1, 5), (3, 1), ()], ids=str)
def test_addmm(beta, alpha, self_shape):
    check_against_eager(torch.jit.script(Addmm(beta, alpha)),
                        [torch.randn(self_shape), torch.randn(3, 4), torch.randn(4, 5)])


def test_addmm_beta_zero_ignores_nan():
    s = torch.full((3, 5), float("nan"))
    check_against_eager(torch.jit.script(Addmm(0.0, 2.0)),
                        [s, torch.randn(3, 4), torch.randn(4, 5)])


def test_addmm_dynamic():
    specs = [TensorSpec((5,)), TensorSpec((-1, 4)), TensorSpec((4, 5))]
    runs = [[torch.randn(5), torch.randn(n, 4), torch.randn(4, 5)] for n in (2, 7)]
    check_against_eager(torch.jit.script(Addmm(0.5, 2.0)), runs[0], input_specs=specs,
                        runs=runs[1:])
