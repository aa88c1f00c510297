"""tsm-unshare-fills: each linalg op that writes into a filled tensor gets a
fill of its own.

In: linalg on tensors, before one-shot bufferization.  CSE merges equal
`linalg.fill`s (the zero inits of two matmuls of one shape, the
accumulators of two reductions), so several destination-passing ops take
one fill's result as their init.  Bufferization can write into that buffer
only once: the other ops get a copy of it (an allocation, a read and a
write of the whole tensor), and a matmul then starts from a copy, not from
a fill of zero, which the packed kernels would do in registers
(matmul_bias.zero_init).
Out: for a fill with more than one use, each use as a linalg op's init
(`outs`) reads a clone of the fill (and of its `tensor.empty` init, if it
has one) made right before that op; the original goes once unused.  A
clone writes what the copy would have, without reading anything.
"""
from __future__ import annotations

from mlir import ir

from .ir_walk import as_op, collect, owner_op, use_count
from .passes import register


def input_count(op: ir.Operation) -> int:
    """How many of a linalg op's operands are inputs (the rest are inits):
    its operand segments say so; linalg.reduce has as many inits as inputs;
    the other ops without segments (map, broadcast, transpose) one init."""
    if "operandSegmentSizes" in op.attributes:
        return ir.DenseI32ArrayAttr(op.attributes["operandSegmentSizes"])[0]
    if op.name == "linalg.reduce":
        return len(op.operands) // 2
    return len(op.operands) - 1


def init_uses(v: ir.Value) -> list[tuple[ir.Operation, int]]:
    """(op, operand number) of each use of v as a linalg op's init."""
    uses = []
    for use in v.uses:
        user = as_op(use.owner)
        if user.name.startswith("linalg.") and use.operand_number >= input_count(user):
            uses.append((user, use.operand_number))
    return uses


def is_shared_fill(op: ir.Operation) -> bool:
    return op.name == "linalg.fill" and len(op.results) == 1 and \
        use_count(op.results[0]) > 1 and bool(init_uses(op.results[0]))


def unshare(fill: ir.Operation) -> None:
    """Give each linalg init use of `fill` a clone of it (see module doc)."""
    empty = owner_op(fill.operands[1])
    if empty is not None and empty.name != "tensor.empty":
        empty = None
    for user, number in init_uses(fill.results[0]):
        # the clones' operands dominate the user: they are defined before
        # the fill, which dominates it
        with ir.InsertionPoint(user):
            init = empty.clone().results[0] if empty is not None else None
            clone = fill.clone()
        if init is not None:
            clone.operands[1] = init
        user.operands[number] = clone.results[0]
    if use_count(fill.results[0]) == 0:
        fill.erase()
        if empty is not None and use_count(empty.results[0]) == 0:
            empty.erase()


@register("tsm-unshare-fills",
          "a linalg.fill shared by several linalg inits -> one fill per init (no copies)")
def unshare_fills(module_op: ir.Operation) -> None:
    for fill in collect(module_op, is_shared_fill):
        unshare(fill)
