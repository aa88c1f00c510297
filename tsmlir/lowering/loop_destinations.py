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
  h, or starts from another tensor), v is copied into the old value after
  the chain (`linalg.copy` into the block argument, yielded): the chain's
  buffer no longer leaves the iteration, so `buffer-loop-hoisting` moves its
  allocation out of the loop.  (The same for any linalg op's result.)
Either way the yielded value bufferizes to the block argument's buffer.  The
function's arguments are then marked `bufferization.writable = false`: a
loop starting from (a view of) an argument copies it once, before the loop,
instead of writing into the caller's tensor.
"""
from __future__ import annotations

from mlir import ir
from mlir.dialects import linalg, tensor

from .accumulate import protect_arguments
from .ir_walk import as_op as _op, collect, owner_op as _owner_op
from .ir_walk import defined_inside as _inside
from .passes import register


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
    while op is not None and op.parent is not None:
        if op.block == block:
            return op
        op = op.parent
    return None


def _uses_before(arg: ir.Value, anchor: ir.Operation, block: ir.Block) -> bool:
    """Every use of arg sits in (or under) an op of block before anchor."""
    for use in arg.uses:
        user = _ancestor_in(_op(use.owner), block)
        if user is None or not user.is_before_in_block(anchor):
            return False
    return True


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
        producer = _owner_op(v)
        if root is None and (producer is None or not producer.name.startswith("linalg.")
                             or producer.block != block):
            continue
        if root is not None and _uses_before(arg, root, block):
            root.operands[len(root.operands) - 1] = arg
        else:
            with ir.InsertionPoint(yield_op), yield_op.location:
                yield_op.operands[k] = linalg.copy(v, outs=[arg])
        protect_arguments(loop)


def _dest_root(v: ir.Value, block: ir.Block) -> ir.Value:
    """The tensor the destination chain computing v in `block` starts from
    (through single-use linalg results)."""
    op = _owner_op(v)
    while op is not None and op.name.startswith("linalg.") and len(op.results) == 1 \
            and op.block == block:
        v = op.operands[len(op.operands) - 1]
        if len(list(v.uses)) != 1:
            break
        op = _owner_op(v)
    return v


def _row_block_of(v: ir.Value, iv: ir.Value):
    """(extract_slice op, source) if v is collapse(source[iv, :, :])."""
    collapse = _owner_op(v)
    if collapse is None or collapse.name != "tensor.collapse_shape":
        return None
    sl = _owner_op(collapse.operands[0])
    if sl is None or sl.name != "tensor.extract_slice" or len(sl.operands) != 2 \
            or sl.operands[1] != iv:
        return None
    dyn = ir.ShapedType.get_dynamic_size()
    shape = sl.operands[0].type.shape
    if (list(ir.DenseI64ArrayAttr(sl.attributes["static_offsets"])) != [dyn, 0, 0]
            or list(ir.DenseI64ArrayAttr(sl.attributes["static_sizes"])) != [1, *shape[1:]]):
        return None
    return sl, sl.operands[0]


def stack_in_place(loop: ir.Operation) -> None:
    """A stacked output (iter_arg starting empty, row block t stored by step
    t) whose row block is computed from row block t of a tensor P read by
    nothing else (an RNN's hoisted x @ W): the stack starts as P and the
    step computes in its row block, in place (no copy in, no copy out)."""
    block = loop.regions[0].blocks[0]
    iv = block.arguments[0]
    yield_op = _op(list(block.operations)[-1])
    for k, v in enumerate(list(yield_op.operands)):
        arg, init = block.arguments[1 + k], loop.operands[3 + k]
        store = _owner_op(v)
        empty = _owner_op(init)
        uses = list(arg.uses)
        if (store is None or store.name != "tensor.insert_slice" or len(store.operands) != 3
                or store.operands[1] != arg or store.operands[2] != iv or len(uses) != 1
                or empty is None or empty.name != "tensor.empty"):
            continue
        found = _row_block_of(_dest_root(store.operands[0], block), iv)
        if found is None:
            continue
        sl, source = found
        if source.type != init.type or len(list(source.uses)) != 1 or _inside(source, loop):
            continue
        loop.operands[3 + k] = source
        _rank_reducing_row_block(sl, arg, iv)


def _rank_reducing_row_block(sl: ir.Operation, stack: ir.Value, iv: ir.Value) -> None:
    """collapse(P[iv, :, :]) -> stack[iv, :, :] as one rank-reducing slice:
    the same slice as the step's insert_slice into the stack, which is what
    lets bufferization see that the step wrote the row block in place (no
    copy of it onto itself).  (The rank-reducing form is safe here: dim 0 is
    the first unit dim, and iv is no constant before bufferization.)"""
    collapse = _op(list(sl.results[0].uses)[0].owner)
    t = stack.type
    with ir.InsertionPoint(sl), sl.location:
        dyn = ir.ShapedType.get_dynamic_size()
        block = tensor.extract_slice(collapse.results[0].type, stack, [iv], [], [],
                                     [dyn, 0, 0], [1, *t.shape[1:]], [1, 1, 1])
    collapse.results[0].replace_all_uses_with(block)
    collapse.erase()
    sl.erase()


@register("tsm-loop-carried-in-place",
          "Loop-carried tensors computed into their own buffer (no allocation per iteration)")
def loop_carried_in_place(module_op: ir.Operation) -> None:
    for loop in collect(module_op, lambda op: op.name == "scf.for"):
        stack_in_place(loop)
        carry_in_place(loop)
