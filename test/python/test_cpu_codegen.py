"""The optimized CPU paths (tsm-cpu-vectorize) against eager: fused and
vectorized elementwise chains and register-tiled matmuls, on sizes that are
not multiples of the vector width or the tiles, 1-element dims and dynamic dims."""
import pytest
import torch

from conftest import check_against_eager
from tsmlir import TensorSpec


class Chain(torch.nn.Module):
    def forward(self, x):
        return torch.nn.functional.gelu(x * 1.7 + 0.3).tanh() * torch.sigmoid(x)


class BiasRelu(torch.nn.Module):
    """A broadcast operand: not flattened, tiled by rows."""
    def forward(self, x, b):
        return torch.relu(x + b)


class Mm(torch.nn.Module):
    def forward(self, x, y):
        return torch.mm(x, y)


class MmChain(torch.nn.Module):
    """The matmul's result feeds elementwise ops (views of its buffer)."""
    def forward(self, x, y):
        return torch.relu(torch.mm(x, y) * 0.5 + 1.0)


@pytest.mark.parametrize("shape", [(1,), (7,), (16,), (17,), (1000,), (3, 5), (1, 1, 33),
                                   (4, 1, 16)])
def test_elementwise_chain(shape):
    check_against_eager(Chain(), [torch.randn(shape)])


def test_elementwise_chain_dynamic():
    check_against_eager(Chain(), [torch.randn(5, 19)], input_specs=[TensorSpec((-1, 19))],
                        runs=[(torch.randn(1, 19),), (torch.randn(33, 19),)])


@pytest.mark.parametrize("shape", [(3, 17), (1, 1), (2, 32)])
def test_broadcast_operand(shape):
    check_against_eager(BiasRelu(), [torch.randn(shape), torch.randn(shape[-1])])


@pytest.mark.parametrize("m,k,n", [(17, 33, 65), (1, 1, 1), (1, 784, 512), (6, 16, 16),
                                   (8, 32, 32), (100, 130, 260), (13, 1, 40), (64, 64, 10),
                                   # fewer rows than a register tile: wider row tiles
                                   (1, 64, 1000), (2, 300, 100), (3, 7, 65), (4, 16, 33),
                                   (5, 100, 100), (2, 5, 3)])
def test_matmul_odd_sizes(m, k, n):
    check_against_eager(Mm(), [torch.randn(m, k), torch.randn(k, n)], rtol=1e-4, atol=1e-4)


def test_matmul_dynamic_m():
    check_against_eager(Mm(), [torch.randn(17, 33), torch.randn(33, 65)],
                        input_specs=[TensorSpec((-1, 33)), TensorSpec((33, 65))],
                        runs=[(torch.randn(1, 33), torch.randn(33, 65)),
                              (torch.randn(200, 33), torch.randn(33, 65))],
                        rtol=1e-4, atol=1e-4)


def test_matmul_few_rows_dynamic_n():
    check_against_eager(Mm(), [torch.randn(1, 40), torch.randn(40, 70)],
                        input_specs=[TensorSpec((1, 40)), TensorSpec((40, -1))],
                        runs=[(torch.randn(1, 40), torch.randn(40, 1)),
                              (torch.randn(1, 40), torch.randn(40, 300))],
                        rtol=1e-4, atol=1e-4)


def test_matmul_all_dynamic():
    check_against_eager(Mm(), [torch.randn(17, 33), torch.randn(33, 65)],
                        input_specs=[TensorSpec((-1, -1)), TensorSpec((-1, -1))],
                        runs=[(torch.randn(97, 300), torch.randn(300, 270)),
                              (torch.randn(1, 1), torch.randn(1, 1))],
                        rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("m,k,n", [(17, 33, 65), (96, 128, 256)])
def test_matmul_then_elementwise(m, k, n):
    check_against_eager(MmChain(), [torch.randn(m, k), torch.randn(k, n)], rtol=1e-4, atol=1e-4)


class SliceMmLoop(torch.nn.Module):
    """Matmuls on row-major views (x[t], ws[t]: dynamic offsets into stacked
    inputs) inside a loop, as in an RNN: the register-tiled kernel reads
    them in place."""
    def forward(self, x, ws, u):
        h = torch.zeros(x.size(1), u.size(1))
        for t in range(x.size(0)):
            h = torch.tanh(x[t] @ ws[t] + h @ u)
        return h


@pytest.mark.parametrize("steps,m,k,n", [(3, 16, 64, 128), (2, 7, 33, 65), (2, 1, 5, 17),
                                         (2, 6, 16, 16), (1, 13, 1, 40)])
def test_matmul_row_views_in_loop(steps, m, k, n):
    check_against_eager(torch.jit.script(SliceMmLoop()),
                        [torch.randn(steps, m, k), torch.randn(steps, k, n) * 0.3,
                         torch.randn(n, n) * 0.1], rtol=1e-4, atol=1e-4)


def test_matmul_row_views_dynamic():
    check_against_eager(torch.jit.script(SliceMmLoop()),
                        [torch.randn(3, 16, 20), torch.randn(3, 20, 24), torch.randn(24, 24) * 0.1],
                        input_specs=[TensorSpec((-1, -1, 20)), TensorSpec((-1, 20, 24)),
                                     TensorSpec((24, 24))],
                        runs=[(torch.randn(5, 7, 20), torch.randn(5, 20, 24),
                               torch.randn(24, 24) * 0.1)],
                        rtol=1e-4, atol=1e-4)


class ColumnViewMm(torch.nn.Module):
    """A has strided rows (x[:, :, t]): not a row-major view."""
    def forward(self, x, w):
        return x[:, :, 1] @ w


def test_matmul_column_view():
    check_against_eager(ColumnViewMm(), [torch.randn(7, 33, 3), torch.randn(33, 65)],
                        rtol=1e-4, atol=1e-4)
