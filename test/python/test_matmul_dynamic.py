"""f32 matmuls with sizes known only at run time (a dynamic batch or
sequence through linear layers, attention over a sequence of run-time
length) take the packed kernels (matmul_codegen.applies): one kernel whose
last strip is chosen when it runs, the threads' split decided then.
Pinned against eager over row counts around the register tile (6 rows on
AVX2, 8 with AVX-512), empty sizes (K = 0 included: C is then the bias
alone), and the thread thresholds."""
import pytest
import torch
import torch.nn.functional as F

import tsmlir
from tsmlir import TensorSpec
from tsmlir.lowering.matmul_codegen import KERNEL_PREFIX

from conftest import check_against_eager

ROWS = [0, 1, 2, 5, 6, 7, 8, 9, 13, 17, 64, 100, 333]


def _packed(compiled) -> bool:
    return KERNEL_PREFIX in str(compiled.forward._module.operation)


def _runs(make):
    return [make(rows) for rows in ROWS]


class Mlp(torch.nn.Module):
    """Constant weights (packed once), a fused bias + ReLU, a narrow last
    layer (one partial panel)."""

    def __init__(self):
        super().__init__()
        self.a, self.b, self.c = (torch.nn.Linear(100, 70), torch.nn.Linear(70, 300),
                                  torch.nn.Linear(300, 10))

    def forward(self, x):
        return self.c(torch.relu(self.b(torch.relu(self.a(x)))))


class Mm(torch.nn.Module):
    def forward(self, x, w):
        return x @ w


class LinearRT(torch.nn.Module):
    """A run-time weight read as (N, K)."""

    def forward(self, x, w, b):
        return F.linear(x, w, b)


@pytest.mark.parametrize("threads", [1, 2])
def test_mlp_rows_at_run_time(avx512, threads):
    torch.manual_seed(0)
    compiled = check_against_eager(
        Mlp(), None, input_specs=[TensorSpec((-1, 100))],
        runs=_runs(lambda rows: (torch.randn(rows, 100),)), threads=threads,
        rtol=1e-5, atol=1e-5)
    assert _packed(compiled)


@pytest.mark.parametrize("threads", [1, 2])
def test_runtime_b_rows_at_run_time(avx512, threads):
    """B an argument: packed on every call, by columns among the threads
    (200 columns) from enough rows."""
    torch.manual_seed(0)
    compiled = check_against_eager(
        Mm(), None, input_specs=[TensorSpec((-1, 64)), TensorSpec((64, 200))],
        runs=_runs(lambda rows: (torch.randn(rows, 64), torch.randn(64, 200))),
        threads=threads, rtol=1e-4, atol=1e-4)
    assert _packed(compiled)


@pytest.mark.parametrize("threads", [1, 2])
def test_rows_split_at_run_time(avx512, threads):
    """Two panels at most: with threads, the rows are cut into strips when
    it runs (at most 2 pieces a thread, none empty)."""
    torch.manual_seed(0)
    compiled = check_against_eager(
        Mm(), None, input_specs=[TensorSpec((-1, 300)), TensorSpec((300, 40))],
        runs=_runs(lambda rows: (torch.randn(rows, 300), torch.randn(300, 40))) +
        [(torch.randn(2000, 300), torch.randn(300, 40))],
        threads=threads, rtol=1e-4, atol=1e-4)
    assert _packed(compiled)


@pytest.mark.parametrize("threads", [1, 2])
def test_linear_runtime_weight_rows_at_run_time(avx512, threads):
    torch.manual_seed(0)
    compiled = check_against_eager(
        LinearRT(), None,
        input_specs=[TensorSpec((-1, 96)), TensorSpec((130, 96)), TensorSpec((130,))],
        runs=_runs(lambda rows: (torch.randn(rows, 96), torch.randn(130, 96),
                                 torch.randn(130))),
        threads=threads, rtol=1e-4, atol=1e-4)
    assert _packed(compiled)


def test_rows_of_a_3d_input_at_run_time():
    """(batch, seq, features) with both leading dims dynamic: the linear
    layer's rows are their product."""
    torch.manual_seed(0)
    compiled = check_against_eager(
        Mlp(), None, input_specs=[TensorSpec((-1, -1, 100))],
        runs=[(torch.randn(b, s, 100),) for b, s in [(1, 1), (3, 7), (5, 13), (0, 4)]],
        threads=1, rtol=1e-5, atol=1e-5)
    assert _packed(compiled)


def test_one_kernel_for_every_run_time_row_count():
    """All matmuls with run-time rows and a constant B share one kernel
    (run-time last strip), each layer a driver of its own."""
    compiled = tsmlir.compile_module(Mlp().eval(), input_specs=[TensorSpec((-1, 100))])
    text = str(compiled.forward._module.operation)
    kernels = {line.split("@")[1].split("(")[0] for line in text.splitlines()
               if line.strip().startswith("llvm.func") and f"@{KERNEL_PREFIX}_" in line
               and "_w" not in line.split("@")[1] and "prepack" not in line}
    assert len(kernels) == 1, kernels


class Attention(torch.nn.Module):
    """q @ k^T (N known at run time), p @ v (K known at run time)."""

    def forward(self, q, k, v):
        return torch.softmax(q @ k.transpose(-2, -1) * 0.125, dim=-1) @ v


@pytest.mark.parametrize("threads", [1, 2])
def test_attention_sequence_at_run_time(avx512, threads):
    torch.manual_seed(0)
    spec = TensorSpec((-1, 64))
    compiled = check_against_eager(
        Attention(), None, input_specs=[spec] * 3,
        runs=[tuple(torch.randn(n, 64) for _ in range(3)) for n in (1, 5, 7, 64, 130, 333)],
        threads=threads, rtol=1e-5, atol=1e-5)
    assert _packed(compiled)


class AddmmRelu(torch.nn.Module):
    def forward(self, x, w, b):
        return torch.relu(torch.addmm(b, x, w))


@pytest.mark.parametrize("threads", [1, 2])
def test_every_size_at_run_time(avx512, threads):
    """M, K and N all dynamic, the bias and ReLU fused: K = 0 leaves
    relu(bias); empty M or N an empty result."""
    torch.manual_seed(0)
    sizes = [(3, 0, 5), (0, 4, 5), (4, 3, 0), (1, 1, 1), (7, 9, 33), (13, 300, 17),
             (300, 200, 100), (1, 2000, 3)]
    compiled = check_against_eager(
        AddmmRelu(), None,
        input_specs=[TensorSpec((-1, -1)), TensorSpec((-1, -1)), TensorSpec((-1,))],
        runs=[(torch.randn(m, k), torch.randn(k, n), torch.randn(n)) for m, k, n in sizes],
        threads=threads, rtol=1e-4, atol=1e-4)
    assert _packed(compiled)
