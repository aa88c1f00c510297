"""tsm-loop-carried-in-place: a loop's carried tensors are updated in their
own buffer.

In: linalg on tensors with `scf.for` loops carrying tensors, where the new
value of a carried tensor is computed by a chain of destination-passing ops
(matmuls, generics) rooted at a fresh `tensor.empty`: one-shot bufferization
gives such a value a new buffer in every iteration (an allocation, and a
deallocation of the old value's buffer, per step).
Out, for each carried tensor whose new value v is such a chain:
- if the old value (the loop's block argument) is read only before the
  chain's first op, the chain writes into the old value itself (the empty
  root becomes the block argument): no buffer, no copy;
- else (the chain still reads the old value, as `h @ U` does for an RNN's
  h), v is copied into the old value after the chain (`linalg.copy` into
  the block argument, yielded): the chain's buffer no longer leaves the
  iteration, so `buffer-loop-hoisting` moves its allocation out of the loop.
Either way the yielded value bufferizes to the block argument's buffer.  The
function's arguments are then marked `bufferization.writable = false`: a
loop starting from (a view of) an argument copies it once, before the loop,
instead of writing into the caller's tensor.
"""
from __future__ import annotations

from mlir import ir
from mlir.dialects import linalg

from .passes import register


def _op(x) -> ir.Operation:
    return x if isinstance(x, ir.Operation) else x.operation


def _owner_op(v: ir.Value) -> ir.Operation | None:
    return None if isinstance(v.owner, ir.Block) else _op(v.owner)


def _chain_root(v: ir.Value, block: ir.Block) -> ir.Operation | None:
    """The first op of the destination chain computing v in `block`: each
    link a single-result linalg op whose result (used only by the next link)
    aliases its one destination, the first link's destination a
    tensor.empty.  None if v is not such a chain."""
    op = _owner_op(v)
    while op is not None and op.name.startswith("linalg.") and len(op.results) == 1 \
            and op.block == block:
        dest = op.operands[len(op.operands) - 1]
        producer = _owner_op(dest)
        if producer is not None and producer.name == "tensor.empty":
            return op
        if producer is None or len(list(dest.uses)) != 1:
            return None
        op = producer
    return None


def _ancestor_in(op: ir.Operation, block: ir.Block) -> ir.Operation | None:
    while op is not None and op.block != block:
        op = op.parent
    return op


def _uses_before(arg: ir.Value, anchor: ir.Operation, block: ir.Block) -> bool:
    """Every use of arg sits in (or under) an op of block before anchor."""
    for use in arg.uses:
        user = _ancestor_in(_op(use.owner), block)
        if user is None or not user.is_before_in_block(anchor):
            return False
    return True


def _protect_arguments(op: ir.Operation) -> None:
    """Mark every argument of op's function read-only for bufferization: a
    loop that now writes into its carried value's buffer must not write into
    the caller's tensor when that value starts as (a view of) an argument."""
    func = op.parent
    while func is not None and func.name != "func.func":
        func = func.parent
    if func is None:
        return
    n = len(func.regions[0].blocks[0].arguments)
    attrs = list(ir.ArrayAttr(func.attributes["arg_attrs"])) if "arg_attrs" in func.attributes \
        else [ir.DictAttr.get({})] * n
    new = []
    for a in attrs:
        entries = {named.name: named.attr for named in ir.DictAttr(a)}
        entries["bufferization.writable"] = ir.BoolAttr.get(False)
        new.append(ir.DictAttr.get(entries))
    func.attributes["arg_attrs"] = ir.ArrayAttr.get(new)


def carry_in_place(loop: ir.Operation) -> None:
    block = loop.regions[0].blocks[0]
    yield_op = _op(list(block.operations)[-1])
    for k, v in enumerate(list(yield_op.operands)):
        arg = block.arguments[1 + k]
        if not isinstance(arg.type, ir.RankedTensorType) or v.type != arg.type or v == arg:
            continue
        if any(_op(u.owner) == yield_op for u in arg.uses):
            continue  # also yielded elsewhere: its buffer must outlive the step
        root = _chain_root(v, block)
        if root is None:
            continue
        if _uses_before(arg, root, block):
            root.operands[len(root.operands) - 1] = arg
        else:
            with ir.InsertionPoint(yield_op), yield_op.location:
                yield_op.operands[k] = linalg.copy(v, outs=[arg])
        _protect_arguments(loop)


@register("tsm-loop-carried-in-place",
          "Loop-carried tensors computed into their own buffer (no allocation per iteration)")
def loop_carried_in_place(module_op: ir.Operation) -> None:
    loops: list[ir.Operation] = []
    module_op.walk(lambda op: (loops.append(_op(op)) if _op(op).name == "scf.for" else None)
                   or ir.WalkResult.ADVANCE)
    for loop in loops:
        carry_in_place(loop)
