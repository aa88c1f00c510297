"""aten sequence ops: x[i] (tsm.select), lists of tensors and torch.stack.

A list known at compile time is a Python list (appends mutate it, as in
TorchScript).  A list filled in a loop is a `RowBuffer` (see
`importer.control_flow`): appending writes the row into the stacked tensor
(`tensor.insert_slice` at the loop's row), `torch.stack` along dim 0 is
that tensor (another dim permutes it), `len` is the number of rows (in
the loop: so far) and `y[i]` a `tsm.select`.  `torch.stack` of a Python list is unsqueeze + `tsm.cat`.
A list of numbers built in a loop holds 0-d rows: `y[i]` reads the number
back, `torch.tensor(y)` is the buffer, `y + [a, b]` after the loop a new
buffer with the items' rows after the loop's.
"""
from __future__ import annotations

import torch
from mlir import ir
from mlir.dialects import tensor

from ...dialects.types import DYN, normalize_dim
from .. import scalars
from ..context import NodeContext
from ..values import UNKNOWN, DynSize, RowBuffer, is_tensor
from .shape import reshape_to

DYNAMIC = ir.ShapedType.get_dynamic_size()


def _index_tensor(cx: NodeContext, i) -> ir.Value:
    if isinstance(i, int) and not isinstance(i, bool):
        return cx.constant(torch.tensor(i, dtype=torch.int64))
    if scalars.kind_of(i) == scalars.INT:
        return scalars.to_tensor(i, torch.int64)
    cx.fail(f"the index must be an int, got {i!r}")


def _dim(cx: NodeContext, dim, rank: int) -> int:
    try:
        return normalize_dim(dim, rank)
    except (ValueError, TypeError):
        cx.fail(f"dimension {dim!r} out of range for rank {rank}")


def _select(cx: NodeContext, x, dim, index):
    t = cx.type(x)
    dim = _dim(cx, dim, t.rank)
    if isinstance(index, int) and t.shape[dim] != DYN and not -t.shape[dim] <= index < t.shape[dim]:
        cx.fail(f"index {index} is out of bounds for dimension {dim} with size {t.shape[dim]}")
    return cx.build("select", x, _index_tensor(cx, index), dim=dim)


def as_row(cx: NodeContext, v) -> ir.Value:
    """A list item as the row stored for it: a tensor itself, a number (a
    list of ints built in a loop: `keep.append(i)`) as a 0-d tensor of
    its kind (int64, float64, bool), as `prim::NumToTensor` makes it."""
    if not is_tensor(v) and not scalars.is_scalar(v):
        cx.fail(f"a list built in a loop holds tensors or numbers, got {v!r}")
    return v if is_tensor(v) else scalars.num_to_tensor(v)


def _append_row(cx: NodeContext, buf: RowBuffer, row) -> RowBuffer:
    if buf.filled:
        cx.fail("appending to a list after the loop that built it is not supported (a list "
                "built in a loop gets its rows in that loop; nested loops cannot both append)")
    if buf.index is None:
        cx.fail("a list built in a loop can only get one append per iteration")
    row = as_row(cx, row)
    bt = ir.RankedTensorType(buf.buffer.type)
    row_t = ir.RankedTensorType.get(bt.shape[1:], bt.element_type)
    if row.type != row_t:
        row = tensor.cast(row_t, row)
    rank = bt.rank
    new = tensor.insert_slice(row, buf.buffer, [buf.index], [], [],
                              [DYNAMIC] + [0] * (rank - 1), [1, *bt.shape[1:]], [1] * rank)
    # len() after the append, still in the loop body: one more row
    return RowBuffer(new, scalars.build("aten::add", [buf.length, 1]), None)


def _append(cx: NodeContext, lst, item):
    if isinstance(lst, RowBuffer):
        return _append_row(cx, lst, item)
    lst.append(item)
    return lst


def _extend(cx: NodeContext, lst, items):
    """`lst += items` (in place)."""
    if isinstance(lst, RowBuffer) and lst.filled and isinstance(items, list):
        return _joined(cx, lst, items)
    if isinstance(lst, RowBuffer):
        if not isinstance(items, list) or len(items) != 1:
            cx.fail("a list built in a loop can only get one tensor appended per iteration")
        return _append_row(cx, lst, items[0])
    if isinstance(items, RowBuffer):
        cx.fail("extending a list by a list built in a loop is not supported")
    lst.extend(items)
    return lst


def _joined(cx: NodeContext, lst: RowBuffer, items: list) -> RowBuffer:
    """A list built by a loop, then extended by compile-time-length `items`
    (`out + [-1]`): the rows, then the items', in one new buffer."""
    if not items:
        return lst
    bt = ir.RankedTensorType(lst.buffer.type)
    rows = []
    for item in items:
        row = as_row(cx, item)
        if ir.RankedTensorType(row.type).element_type != bt.element_type:
            cx.fail(f"appending {row.type} to a list of {bt.element_type}")
        rows.append(reshape_to(cx, row, [1, *bt.shape[1:]]))
    new = cx.build("cat", lst.buffer, *rows, dim=0)
    return RowBuffer(new, scalars.build("aten::add", [lst.length, len(items)]), None, True)


def _concat(cx: NodeContext, a, b):
    """`a + b` (a new list)."""
    if isinstance(a, RowBuffer):
        return _extend(cx, a, b)
    if isinstance(b, RowBuffer):
        cx.fail("prepending to a list built in a loop is not supported")
    return a + b


def _len(cx: NodeContext, lst):
    if isinstance(lst, RowBuffer):
        return lst.length
    return len(lst)


def _getitem(cx: NodeContext, lst, i):
    if isinstance(lst, RowBuffer):
        if lst.index is not None:
            cx.fail("reading a list while it is being built in a loop is not supported")
        row = _select(cx, lst.buffer, 0, i)
        return row if cx.type(lst.buffer).rank > 1 or _holds_tensors(cx) else scalars.item(row)
    if not isinstance(i, int):
        # Reported with the other unsupported ops (import goes on).
        cx.importer.unsupported.append(("aten::__getitem__.t (a list indexed at run time)",
                                        cx.loc))
        return UNKNOWN
    try:
        return lst[i]
    except IndexError:
        cx.fail(f"list index {i} out of range (length {len(lst)})")


def _holds_tensors(cx: NodeContext) -> bool:
    """Whether the node's list argument is a List[Tensor] (not of numbers)."""
    return isinstance(cx.node.inputsAt(0).type().getElementType(), torch._C.TensorType)


def _stack(cx: NodeContext, tensors, dim=0):
    if isinstance(tensors, RowBuffer):
        if tensors.index is not None:
            cx.fail("stacking a list while it is being built in a loop is not supported")
        x = tensors.buffer
        rank = cx.type(x).rank
        dim = _dim(cx, dim, rank)
        if dim == 0:
            return x
        perm = list(range(1, dim + 1)) + [0] + list(range(dim + 1, rank))
        return cx.build("permute", x, perm=perm)
    if not tensors:
        cx.fail("stack expects a non-empty TensorList")
    rank = cx.type(tensors[0]).rank + 1
    dim = _dim(cx, dim, rank)
    rows = []
    for x in tensors:
        if not is_tensor(x):
            cx.fail("stack expects a list of tensors")
        t = cx.type(x)
        sizes = [DynSize(x, i) if d == DYN else d for i, d in enumerate(t.shape)]
        rows.append(reshape_to(cx, x, sizes[:dim] + [1] + sizes[dim:]))
    out = rows[0]
    for r in rows[1:]:
        out = cx.build("cat", out, r, dim=dim)
    return out


HANDLERS = {
    "aten::select.int": _select,
    "aten::append.t": _append,
    "aten::add_.t": _extend,
    "aten::add.t": _concat,
    "aten::len.t": _len,
    "aten::__getitem__.t": _getitem,
    "aten::stack": _stack,
}
