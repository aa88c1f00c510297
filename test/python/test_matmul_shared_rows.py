"""Static matmuls of many row counts share the packed kernel of run-time
rows (matmul_codegen._any_rows_families): its last strips, chosen when it
runs (short strips of rows - 1, or one strip of the rows left), must give
what eager gives for every remainder, with both register tiles (6 rows on
AVX2, 8 with AVX-512) and on 1 and 2 threads."""
import re

import pytest
import torch

from conftest import check_against_eager

#: Every remainder modulo 6 and 8, the short-strip cases among them
#: (37 = 2 x 6 + 5 x 5, 49 = 7 x 7), and none (48).
ROWS = list(range(33, 50))


def _kernels(compiled) -> int:
    text = str(compiled.forward._module.operation)
    return len(set(re.findall(r"llvm\.func @(tsm_matmul_packed_\d+)\(", text)))


class ManyRows(torch.nn.Module):
    """One weight (constant: packed once) and one run-time B, each applied
    to inputs of every row count in ROWS; a fused bias and ReLU."""

    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(70, 40)

    def forward(self, w, xs: list[torch.Tensor]):
        return [torch.relu(self.fc(x)) + x @ w for x in xs]


@pytest.mark.parametrize("threads", [1, 2])
def test_many_row_counts_share_one_kernel(avx512, threads):
    torch.manual_seed(0)
    inputs = (torch.randn(70, 40), [torch.randn(rows, 70) for rows in ROWS])
    compiled = check_against_eager(ManyRows(), inputs, threads=threads, rtol=1e-5, atol=1e-5)
    assert _kernels(compiled) == 2  # one with the packed weight, one packing B


def test_few_row_counts_keep_their_kernels(avx512):
    """Two shapes: a kernel each, made for their sizes."""
    torch.manual_seed(0)
    inputs = (torch.randn(70, 40), [torch.randn(rows, 70) for rows in (35, 49)])
    compiled = check_against_eager(ManyRows(), inputs, rtol=1e-5, atol=1e-5)
    assert _kernels(compiled) == 4
