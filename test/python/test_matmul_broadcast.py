"""torch.matmul with broadcast batch dims as one 2-D matmul per batch
(batch_matmul.batch_of_matmuls): an operand with fewer batch dims, or size 1
where the other is larger, reads its one slice for every batch.  They were
one scalar linalg.generic (8-12x slower than eager).  Odd sizes, dynamic
batch sizes, 2 threads, and multi-query attention (keys and values shared
by every head) against eager."""
import pytest
import torch

import tsmlir
from tsmlir import TensorSpec

TOL = dict(rtol=1e-4, atol=1e-4)


class MatMul(torch.nn.Module):
    def forward(self, a, b):
        return torch.matmul(a, b)


class MultiQueryAttention(torch.nn.Module):
    def forward(self, q, k, v):
        att = torch.softmax(q @ k.transpose(-2, -1) * 0.125, dim=-1)
        return att @ v


@pytest.mark.parametrize("lhs,rhs", [
    ((3, 1, 17, 9), (1, 4, 9, 13)),
    ((13, 9), (3, 9, 7)),            # a 2-D lhs for every batch
    ((2, 3, 17, 9), (3, 9, 13)),     # rhs with fewer batch dims
    ((2, 1, 5, 9), (2, 4, 9, 13)),
    ((1, 4, 6), (3, 6, 1)),
    ((2, 17, 9), (1, 9, 1)),         # a 1-column rhs broadcast
], ids=str)
@pytest.mark.parametrize("threads", [1, 2])
def test_broadcast_batches_as_matmuls(lhs, rhs, threads, tmp_path):
    a, b = torch.randn(lhs), torch.randn(rhs)
    compiled = tsmlir.compile_module(MatMul(), [a, b], threads=threads, dump_dir=str(tmp_path))
    torch.testing.assert_close(compiled(a, b), torch.matmul(a, b), **TOL)
    linalg_ir = next(tmp_path.glob("1-*.mlir")).read_text()
    assert '"reduction"' not in linalg_ir and "linalg.matmul" in linalg_ir


def test_broadcast_with_dynamic_batch():
    compiled = tsmlir.compile_module(
        MatMul(), input_specs=[TensorSpec((-1, 1, 8, 5)), TensorSpec((1, 3, 5, -1))])
    for n in (1, 4):
        a, b = torch.randn(n, 1, 8, 5), torch.randn(1, 3, 5, n + 2)
        torch.testing.assert_close(compiled(a, b), torch.matmul(a, b), **TOL)


@pytest.mark.parametrize("threads", [1, 2])
def test_multi_query_attention(threads):
    q = torch.randn(2, 8, 33, 16)
    k, v = torch.randn(2, 1, 33, 16), torch.randn(2, 1, 33, 16)
    model = MultiQueryAttention()
    compiled = tsmlir.compile_module(model, [q, k, v], threads=threads)
    torch.testing.assert_close(compiled(q, k, v), model(q, k, v), **TOL)
