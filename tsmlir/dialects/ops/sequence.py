"""Sequence ops: a tensor read as a sequence of rows.

`tsm.select` takes its index as a 0-d i64 tensor operand (tsm operands are
tensors), so that loop counters and other run-time ints can index
(`x[t]` inside `for t in range(x.size(0))`).
"""
import torch

from ..opdef import Attr, OpDef, define
from ..types import TensorT


def _select(x: TensorT, index: TensorT, *, dim) -> list[TensorT]:
    if index.rank != 0 or index.dtype != torch.int64:
        raise ValueError(f"index must be a 0-d i64 tensor, got {index}")
    if not 0 <= dim < x.rank:
        raise ValueError(f"dim {dim} out of range for {x}")
    return [TensorT(x.shape[:dim] + x.shape[dim + 1:], x.dtype)]


OPS = define("sequence", [
    OpDef("select", ("x", "index"), _select, attrs=(Attr("dim", "int"),),
          aten=("aten::select.int(Tensor(a) self, int dim, SymInt index) -> Tensor(a)",),
          doc="The slice of x at `index` along dim (non-negative), which it drops; a negative "
              "index counts from the end; out of range is a run-time error."),
])
