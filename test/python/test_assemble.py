"""hstack/vstack/dstack/column_stack, tensor_split, broadcast_tensors,
block_diag, cartesian_prod, diff, cross, diagonal/diag/trace/diag_embed,
tensordot, kron, vdot and tril/triu_indices against eager."""
from __future__ import annotations

import pytest
import torch

from conftest import check_traced


r = torch.randn
CASES = {
    "hstack": (lambda a, b, c: (torch.hstack([a, b]), torch.hstack([c, c])),
               r(2, 3), r(2, 4), r(5)),
    "vstack": (lambda a, c, s: (torch.vstack([a, a]), torch.vstack([c, c]), torch.vstack([s, s])),
               r(2, 3), r(3), r(())),
    "dstack": (lambda a, c: (torch.dstack([a, a]), torch.dstack([c, c])), r(2, 3), r(3)),
    "column_stack": (lambda a, c: torch.column_stack([a, c, c]), r(3, 2), r(3)),
    "tensor_split": (lambda x: (*torch.tensor_split(x, 3, dim=1), *torch.tensor_split(x, [1, 4])),
                     r(5, 7)),
    "broadcast_tensors": (lambda a, b: torch.broadcast_tensors(a, b), r(3, 1), r(4)),
    "block_diag": (lambda a, b, c: torch.block_diag(a, b, c), r(2, 3), r(1, 1), r(2)),
    "cartesian_prod": (lambda a, b: torch.cartesian_prod(a, b), r(3), r(2)),
    "diff": (lambda x, p: (torch.diff(x), torch.diff(x, n=2, dim=0, prepend=p)), r(4, 5), r(1, 5)),
    "cross": (lambda a, b: (torch.linalg.cross(a, b), torch.cross(a.t(), b.t(), dim=0)),
              r(4, 3), r(4, 3)),
    "diagonal": (lambda x: (torch.diagonal(x), torch.diagonal(x, 1), torch.diagonal(x, -2),
                            torch.diagonal(x, 0, 1, 2), torch.diagonal(x[0], 9)), r(3, 4, 5)),
    "diag": (lambda v, m: (torch.diag(v), torch.diag(v, -1), torch.diag(v, 2), torch.diag(m, 1)),
             r(4), r(3, 5)),
    "diag_embed": (lambda x: (torch.diag_embed(x), torch.diag_embed(x, 1), torch.diag_embed(x, -2)),
                   r(2, 3)),
    "trace": (lambda m: torch.trace(m), r(4, 6)),
    "tensordot": (lambda a, b, c: (torch.tensordot(a, b, dims=([1, 2], [0, 1])),
                                   torch.tensordot(a, c, dims=1)), r(2, 3, 4), r(3, 4, 5), r(4, 5)),
    "kron": (lambda a, b: (torch.kron(a, b), torch.kron(a[0], b)), r(2, 3), r(3, 2)),
    "vdot": (lambda a, b: torch.vdot(a, b), r(7), r(7)),
    "tri_indices": (lambda x: (torch.tril_indices(4, 3) + x.sum().long() * 0,
                               torch.triu_indices(3, 5, 1)), r(2)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_assemble(name):
    fn, *xs = CASES[name]
    check_traced(fn, *xs)
