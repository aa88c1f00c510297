"""tsm-sink-pointwise-into-loops: pointwise ops on the result of a loop
that fills it slice by slice are applied to each slice inside the loop.

In: linalg on tensors; an `scf.for` from 0 to N by 1 whose result r (N,
...) starts as a `tensor.empty` and gets, in step i, only the slice [i]
(sizes [1, ...]) inserted into it: the per-image loop of a convolution over
a batch of several or a run-time count of images (convolution._conv_per_image,
and tsm-lower-nn's loop for the direct form), a loop's stacked outputs; and
an all-parallel `linalg.generic` (no linalg.index) reading r by the
identity map, r's only use but for its sizes (tensor.dim), whose other
inputs are defined before the loop and read by the identity map (sliced
at [i] too) or by maps that do not read dim 0 (a bias broadcast over the
batch).
Out: the generic on the step's slice, written into r's slice [i] (its
destination); its result is the loop's.  Chains of such ops (bias, ReLU,
a residual add of another image loop's result) move in one by one.

Why: the pointwise ops after a convolution fuse into it at batch 1 (its
final copy, or the matmul kernel's store: tsm-fuse-matmul-epilogue); after
the image loop they were one more pass over the whole batch's output
(and the loop's slices were copies into it).  The seed conv model's conv +
ReLU at a run-time batch of 1 took 77 us a call against 37 at a static
batch of 1 (1 thread).
"""
from __future__ import annotations

from mlir import ir
from mlir.dialects import linalg, tensor

from . import builders as b
from .ir_walk import as_op as _op, collect, constant_index, defined_inside, indexing_maps
from .ir_walk import iterators, owner_op as _owner_op, step_slice_store
from .passes import register


def _sliced_by_steps(loop: ir.Operation, k: int) -> ir.Operation | None:
    """The insert_slice op if loop result k is filled one [i] slice a step
    from a tensor.empty over all its dim-0 indices, else None."""
    if constant_index(loop.operands[0]) != 0 or constant_index(loop.operands[2]) != 1:
        return None
    ub = loop.operands[1]

    def covered(init: ir.Value) -> bool:
        """Static but for dim 0, which the loop runs over."""
        t = init.type
        if any(t.is_dynamic_dim(d) for d in range(1, t.rank)):
            return False
        if t.is_dynamic_dim(0):
            return list(_owner_op(init).operands) == [ub]
        return constant_index(ub) == t.shape[0]
    # (the step's slice may be read as a destination: _move_in's)
    ins = step_slice_store(loop, k, covered, reads_box=True)
    if ins is None or ins.operands[0].type.shape != [1, *loop.operands[3 + k].type.shape[1:]]:
        return None
    return ins


def _before(v: ir.Value, loop: ir.Operation) -> bool:
    """Whether v is defined before loop (so that the loop's body may use it)."""
    if defined_inside(v, loop):
        return False
    owner = _owner_op(v)
    return owner is None or owner.block != loop.block or owner.is_before_in_block(loop)


def _pointwise(g: ir.Operation) -> list[ir.AffineMap] | None:
    """The indexing maps of an all-parallel, single-result generic whose
    result has the identity map, whose body reads no index, and whose
    result's initial value is not read (or is a tensor.empty's)."""
    if g.name != "linalg.generic" or len(g.results) != 1:
        return None
    if any(it != "parallel" for it in iterators(g)):
        return None
    body = g.regions[0].blocks[0]
    if any(_op(o).name == "linalg.index" for o in body.operations):
        return None
    init = _owner_op(g.operands[len(g.operands) - 1])
    if list(body.arguments[len(body.arguments) - 1].uses) and (
            init is None or init.name != "tensor.empty"):
        return None  # it reads a real initial value of its result
    maps = indexing_maps(g)
    rank = g.results[0].type.rank
    return maps if maps[-1] == ir.AffineMap.get_identity(rank) else None


def _broadcast_without_dim0(m: ir.AffineMap) -> bool:
    """Whether m reads dims other than d0 as they are, or constants (a
    bias broadcast over the batch)."""
    return all((isinstance(e, ir.AffineDimExpr) and e.position != 0)
               or isinstance(e, ir.AffineConstantExpr) for e in m.results)


def _sink(g: ir.Operation) -> bool:
    maps = _pointwise(g)
    if maps is None:
        return False
    n_in = len(g.operands) - 1
    rank = g.results[0].type.rank
    identity = ir.AffineMap.get_identity(rank)
    for k in range(n_in):
        r = g.operands[k]
        loop = _owner_op(r)
        if loop is None or loop.name != "scf.for" or maps[k] != identity \
                or loop.block != g.block or r.type != g.results[0].type \
                or any(_op(u.owner) != g and _op(u.owner).name != "tensor.dim" for u in r.uses):
            continue
        j = ir.OpResult(r).result_number
        ins = _sliced_by_steps(loop, j)
        if ins is None:
            continue
        others = [i for i in range(n_in) if i != k]
        if not all(_before(g.operands[i], loop)
                   and (maps[i] == identity or _broadcast_without_dim0(maps[i])) for i in others):
            continue
        _move_in(g, k, loop, ins, maps)
        return True
    return False


def _move_in(g: ir.Operation, k: int, loop: ir.Operation, ins: ir.Operation,
             maps: list[ir.AffineMap]) -> None:
    """g applied to the slice that `ins` inserts, into its place in the
    loop's carried tensor; g's result becomes the loop's."""
    n_in = len(g.operands) - 1
    identity = ir.AffineMap.get_identity(g.results[0].type.rank)
    iv = loop.regions[0].blocks[0].arguments[0]
    y, acc = ins.operands[0], ins.operands[1]
    shape = y.type.shape
    offsets = [iv] + [0] * (len(shape) - 1)
    with ir.InsertionPoint(ins), g.location:
        def step_slice(i: int) -> ir.Value:
            v = g.operands[i]
            if i == k:
                return y
            return b.extract_slice(v, offsets, shape, [1] * len(shape)) if maps[i] == identity \
                else v
        dest = b.extract_slice(acc, offsets, shape, [1] * len(shape))
        new = linalg.GenericOp(result_tensors=[y.type], inputs=[step_slice(i) for i in range(n_in)],
                               outputs=[dest], indexing_maps=g.attributes["indexing_maps"],
                               iterator_types=g.attributes["iterator_types"])
        g.regions[0].blocks[0].append_to(new.regions[0])
    ins.operands[0] = new.results[0]
    g.results[0].replace_all_uses_with(loop.results[ir.OpResult(g.operands[k]).result_number])
    g.erase()


def _dps_start(v: ir.Value) -> ir.Operation | None:
    """The tensor.empty that v's chain of destination-passing ops (each
    result tied to its outs: fills, generics, matmuls) starts from, where
    each link has no other use; else None."""
    while True:
        op = _owner_op(v)
        if op is None or len(list(v.uses)) != 1:
            return None
        if op.name == "tensor.empty":
            return op
        if not op.name.startswith("linalg.") or len(op.results) != 1:
            return None
        v = op.operands[len(op.operands) - 1]


def _write_in_place(ins: ir.Operation) -> None:
    """Where the slice that `ins` inserts is the reshape of an op chain
    from a tensor.empty (a convolution's (F, OH*OW) product seen as (1, F,
    OH, OW)), or a pointwise op moved in here reads such a reshape, the
    chain starts from the carried tensor's slice instead, seen through the
    inverse reshape: the product is written in place, not into a buffer
    copied there (eliminate-empty-tensors does not look through reshapes).
    The pointwise op then reads and writes that slice (fused into the
    product's store, tsm-fuse-matmul-epilogue, or copied by bufferization
    where the two cannot share it)."""
    source = _owner_op(ins.operands[0])
    if source is None:
        return
    if source.name == "linalg.generic":
        reshapes = [_owner_op(v) for v in list(source.operands)[:len(source.operands) - 1]
                    if v.type == ins.operands[0].type]
    else:
        reshapes = [source]
    acc, iv = ins.operands[1], ins.operands[2]
    shape = ins.operands[0].type.shape
    for expand in reshapes:
        if expand is None or expand.name != "tensor.expand_shape" \
                or len(list(expand.results[0].uses)) != 1:
            continue
        empty = _dps_start(expand.operands[0])
        if empty is None or empty.operands or empty.block != ins.block:
            continue  # (one made outside the loop cannot take the step's slice)
        with ir.InsertionPoint(empty), empty.location:
            dest = b.extract_slice(acc, [iv] + [0] * (len(shape) - 1), shape, [1] * len(shape))
            flat = tensor.collapse_shape(empty.results[0].type, dest,
                                         expand.attributes["reassociation"])
        empty.results[0].replace_all_uses_with(flat)
        empty.erase()
        return


@register("tsm-sink-pointwise-into-loops",
          "Apply pointwise ops on a loop's slice-by-slice result to each slice, in the loop")
def sink_pointwise_into_loops(module_op: ir.Operation) -> None:
    while any(_sink(g) for g in collect(module_op, lambda op: op.name == "linalg.generic")):
        pass
    for loop in collect(module_op, lambda op: op.name == "scf.for"):
        for k in range(len(loop.results)):
            ins = _sliced_by_steps(loop, k)
            if ins is not None:
                _write_in_place(ins)
