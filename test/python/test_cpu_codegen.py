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


def _uses_packed_kernel(compiled) -> bool:
    from tsmlir.lowering.matmul_codegen import KERNEL_PREFIX
    return KERNEL_PREFIX in str(compiled.forward._module.operation)


# The packed-B kernel (static sizes, >= 32 rows): rows around the 6 (or 8)
# row strips, k around the 256-deep blocks, n around the 16-wide panels and
# the 128-wide blocks, size-1 dims; rows that end in strips one row short
# (49 = 4 x 6 + 5 x 5, 7 x 7 on AVX-512; 38 = 3 x 6 + 4 x 5).
@pytest.mark.parametrize("m,k,n", [(32, 1, 1), (35, 5, 17), (33, 300, 1), (100, 257, 100),
                                   (257, 100, 257), (37, 1024, 48), (300, 513, 129),
                                   (64, 784, 512), (97, 16, 15), (49, 300, 40), (38, 33, 17)])
@pytest.mark.parametrize("avx512", [False, True])
def test_packed_matmul(m, k, n, avx512, monkeypatch):
    """On AVX2 hosts and with the AVX-512 register tile (8 x 32, forced:
    the kernel is the same code with other sizes)."""
    from tsmlir.lowering import target
    monkeypatch.setattr(target, "_host_has_avx512", lambda: avx512)
    compiled = check_against_eager(Mm(), [torch.randn(m, k), torch.randn(k, n)],
                                   rtol=1e-4, atol=1e-4)
    assert _uses_packed_kernel(compiled)


def test_packed_matmul_row_views():
    """A and B are row-major views (x[t], ws[t]) with dynamic offsets."""
    compiled = check_against_eager(
        torch.jit.script(SliceMmLoop()),
        [torch.randn(2, 40, 70), torch.randn(2, 70, 33) * 0.3, torch.randn(33, 33) * 0.1],
        rtol=1e-4, atol=1e-4)
    assert _uses_packed_kernel(compiled)


class Linear(torch.nn.Module):
    def __init__(self, k, n):
        super().__init__()
        self.fc = torch.nn.Linear(k, n)

    def forward(self, x):
        return torch.relu(self.fc(x))


@pytest.mark.parametrize("m,k,n", [(64, 784, 100), (33, 17, 10), (16, 300, 1), (2, 50, 33),
                                   (5, 512, 512), (49, 600, 64)])
def test_packed_matmul_constant_weight(m, k, n):
    """The weight is packed by the first call; later calls reuse it.  From 2
    rows: the pack is paid once."""
    compiled = check_against_eager(Linear(k, n), [torch.randn(m, k)],
                                   runs=[(torch.randn(m, k),), (torch.randn(m, k),)],
                                   rtol=1e-4, atol=1e-4)
    assert _uses_packed_kernel(compiled)


class TwoLayers(torch.nn.Module):
    """Two weights of one shape (one kernel, two packed weights) and one
    weight read twice (one packed weight)."""
    def __init__(self, n):
        super().__init__()
        self.fc1, self.fc2 = torch.nn.Linear(n, n), torch.nn.Linear(n, n)

    def forward(self, x):
        return self.fc1(torch.relu(self.fc2(torch.relu(self.fc1(x)))))


def test_packed_matmul_weights_kept_apart():
    check_against_eager(TwoLayers(40), [torch.randn(20, 40)], runs=[(torch.randn(20, 40),)],
                        rtol=1e-4, atol=1e-4)


def test_matmul_few_rows_not_packed():
    """Few rows and a B that changes per call keep the unpacked kernel; a
    constant B read by a single row is packed (once: its one-row tile sums
    4 k's at a time)."""
    compiled = check_against_eager(Mm(), [torch.randn(31, 64), torch.randn(64, 33)],
                                   rtol=1e-4, atol=1e-4)
    assert not _uses_packed_kernel(compiled)
    compiled = check_against_eager(Linear(64, 33), [torch.randn(1, 64)], rtol=1e-4, atol=1e-4)
    assert _uses_packed_kernel(compiled)
