"""tsm-fuse-row-consumers: row reductions, the per-row math after them and
the elementwise op that reads both, one block of rows at a time.

In: linalg on tensors.  A candidate is an all-parallel `linalg.generic` E
with one result whose first k dims are rows (of the product of the other
dims' elements), that reads, directly or through per-row ops (results
shaped like the rows: layer_norm's var + eps and rsqrt, softmax's
reciprocal), row reductions R over the same rows (iterators parallel x k,
then one reduction).  layer_norm: R the sum and the sum of squared
deviations, E (x - mean) * rstd with the weight and bias fused in; softmax
and log_softmax: R the max and the exps-and-sums op, E the scale by 1 / sum
(into the exps); group_norm: rows (batch, group), E 4-D.
Out: E tiled by blocks of rows, an `scf.forall` that the threads share
(`_tile_sizes`), its chain of R, per-row ops and fills fused into the loop
(upstream `tile_using_forall` and `fuse_into_containing_op`).  Each per-row
value gets a shared output of the loop of its own (`_own_row_buffers`): one
buffer for all rows, not a malloc and free per row.  No canonicalization
may run between this pass and bufferization: it drops those outputs, whose
results are unused.

Why: unfused, each R and E is a pass over the whole tensor: layer_norm's
input is read twice from memory (the statistics, then E) and softmax's three
times (max, exps, scale), its exps written and read back.  Block by block,
the later passes read the rows from L1: one read of the input, one write of
the output, as PyTorch's kernels do.  Taken where that matters and pays:
rows of 256 B to 128 KB in a tensor over 512 KB (or of dynamic size).
Measured (1 / 2 threads, tsmlir / eager, unfused -> fused, alternated in one
process on the 2-core AVX-512 VM): softmax (8, 12, 128, 128) 1.06 -> 0.94 /
1.04 -> 0.88, (1, 4, 1024, 1024) 0.85 -> 0.79 / 0.91 -> 0.70; layer_norm
(8, 512, 768) 0.88 -> 0.59 / 1.20 -> 0.93, (4096, 256) 0.88 -> 0.74 /
1.07 -> 0.71.  One row an iteration instead of blocks made 128-float
softmax rows slower than unfused (1.46 at 2 threads): the dynamic schedule
hands out one iteration at a time.

Only the ops of that chain are fused: a producer of the input (a matmul,
another elementwise op) stays whole, so nothing is recomputed per row.  A
chain op used outside the chain leaves E unfused.  A producer with results
read both by E and by a per-row op (the exps-and-sums op: E writes into its
exps, the reciprocal reads its sums) is tiled once per use by the upstream
fusion; `_merge_clones` keeps one.
"""
from __future__ import annotations

import math

from mlir import ir, passmanager
from mlir.dialects.transform import interpreter

from . import builders as b
from .ir_walk import (as_op, collect, defined_inside, indexing_maps, is_identity_map, iterators,
                      owner_op)
from .passes import register
from .unshare_fills import init_uses, input_count, is_shared_fill, unshare

#: Row sizes (bytes) for which the chain runs row by row, and the tensor size
#: from which that pays (below it every pass reads the L2 anyway).
MIN_ROW_BYTES, MAX_ROW_BYTES = 256, 128 << 10
MIN_TENSOR_BYTES = 512 << 10
#: Bytes of x in one iteration of the row loop, at most (see _tile_sizes).
TILE_BYTES = 16 << 10
TAG = "tsm.row_fusion"
_FUSIBLE = ("linalg.generic", "linalg.fill", "linalg.reciprocal", "linalg.rsqrt", "linalg.sqrt",
            "linalg.exp", "linalg.log", "linalg.div", "linalg.mul", "linalg.add", "linalg.sub")


def _shape(v: ir.Value) -> list[int] | None:
    return list(ir.RankedTensorType(v.type).shape) if isinstance(v.type, ir.RankedTensorType) \
        else None


def _row_bytes(t: ir.RankedTensorType, k: int) -> int | None:
    """Bytes of one row of t when its first k dims are the rows; None when
    dynamic or not floats."""
    inner = t.shape[k:]
    if any(ir.ShapedType.is_dynamic_size(n) for n in inner) or not b.is_float(t.element_type):
        return None
    return math.prod(inner) * b.bitwidth(t.element_type) // 8


def _worth_it(t: ir.RankedTensorType, k: int) -> bool:
    row = _row_bytes(t, k)
    if row is None or not MIN_ROW_BYTES <= row <= MAX_ROW_BYTES:
        return False
    return not t.has_static_shape or row * math.prod(t.shape[:k]) > MIN_TENSOR_BYTES


def _is_candidate(op: ir.Operation) -> bool:
    if op.name != "linalg.generic" or len(op.results) != 1 or \
            any(it != "parallel" for it in iterators(op)):
        return False
    t = ir.RankedTensorType(op.results[0].type)
    return t.rank >= 2 and is_identity_map(indexing_maps(op)[-1])


def _is_per_row(v: ir.Value, rows: list[int]) -> bool:
    """v is shaped like the rows, or the rows and unit dims (a keepdim
    mean: (rows, 1))."""
    shape = _shape(v)
    return shape is not None and shape[:len(rows)] == rows and \
        all(d == 1 for d in shape[len(rows):])


def _is_row_reduction(op: ir.Operation, rows: list[int]) -> bool:
    """A generic reducing one dim after the `rows` dims (and unit dims) of
    an input (read in order) into per-row results (and possibly full ones:
    the exps)."""
    if op.name != "linalg.generic":
        return False
    its = iterators(op)
    if its[-1:] != ["reduction"] or its[:-1] != ["parallel"] * (len(its) - 1) or \
            len(its) <= len(rows):
        return False
    shape_ok = any(is_identity_map(m) and (_shape(v) or [])[:len(rows)] == rows and
                   all(d == 1 for d in _shape(v)[len(rows):-1])
                   for v, m in zip(op.operands, indexing_maps(op)))
    return shape_ok and any(_is_per_row(r, rows) for r in op.results)


def _chain(e: ir.Operation, k: int) -> list[ir.Operation] | None:
    """The ops to fuse into E's row loop (E's first k dims the rows): row
    reductions, the per-row ops between them and E, their fills; closest
    to E first.  None unless there is a row reduction among them and each
    of them is used only by the chain and E."""
    rows = _shape(e.results[0])[:k]
    chain: list[ir.Operation] = []
    found_reduction = False
    todo = list(e.operands)
    while todo:
        p = owner_op(todo.pop())
        if p is None or p in chain or p.name not in _FUSIBLE or p.block != e.block:
            continue
        per_row = all(_is_per_row(r, rows) for r in p.results)
        reduction = _is_row_reduction(p, rows)
        fill = p.name == "linalg.fill" and _is_per_row(p.results[0], rows)
        if not (per_row or reduction or fill):
            continue
        found_reduction |= reduction
        chain.append(p)
        # a reduction's full-size inputs (x) stay outside; its per-row ones
        # (softmax's max) and everything of a per-row op join the chain
        todo.extend(v for v in p.operands if _is_per_row(v, rows) or not reduction)
    if not found_reduction:
        return None
    members = set(chain) | {e}
    if any(as_op(use.owner) not in members for p in chain for r in p.results for use in r.uses):
        return None
    # closest to E first: the block's order, backwards
    return [op for op in reversed([as_op(o) for o in e.block.operations]) if op in chain]


def _tile_sizes(t: ir.RankedTensorType, k: int) -> list[int]:
    """One iteration's rows (t's first k dims): 1 of each but the last row
    dim, of which the largest divisor that keeps the tile within TILE_BYTES
    (the L1 holds the tile of x and of the result).  Several rows an
    iteration share its fixed costs (the threads' dynamic scheduling takes
    one iteration at a time; per-row fills and reduction tails)."""
    rows = t.shape[k - 1]
    block = 1
    if not ir.ShapedType.is_dynamic_size(rows):
        block = max(d for d in range(1, rows + 1)
                    if rows % d == 0 and (d == 1 or d * _row_bytes(t, k) <= TILE_BYTES))
    return [1] * (k - 1) + [block] + [0] * (t.rank - k)


def _several_tiles(t: ir.RankedTensorType, k: int) -> bool:
    """Whether the rows make more than one tile (else there is no loop)."""
    return any(size != extent for size, extent in zip(_tile_sizes(t, k)[:k], t.shape[:k]))


def _script(plans: list[tuple[ir.Operation, int, list[ir.Operation]]], first: int = 0) -> str:
    steps = []
    for i, (e, k, chain) in enumerate(plans, first):
        sizes = ", ".join(str(s) for s in _tile_sizes(ir.RankedTensorType(e.results[0].type), k))
        steps.append(f"""
    %e{i} = transform.structured.match attributes {{{TAG} = "e{i}"}} in %root
        : (!transform.any_op) -> !transform.any_op
    %e{i}_t, %e{i}_loop = transform.structured.tile_using_forall %e{i} tile_sizes [{sizes}]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op)""")
        for j in range(len(chain)):
            steps.append(f"""
    %p{i}_{j} = transform.structured.match attributes {{{TAG} = "p{i}_{j}"}} in %root
        : (!transform.any_op) -> !transform.any_op
    %p{i}_{j}_f, %e{i}_loop_{j} = transform.structured.fuse_into_containing_op %p{i}_{j}
        into %e{i}_loop
        : (!transform.any_op, !transform.any_op) -> (!transform.any_op, !transform.any_op)""")
    return f"""
module attributes {{transform.with_named_sequence}} {{
  transform.named_sequence @__transform_main(%root: !transform.any_op {{transform.readonly}}) {{
{"".join(steps)}
    transform.yield
  }}
}}
"""


def _merge_clones(loop: ir.Operation) -> None:
    """Upstream fusion tiles a producer once per use it fuses: the
    exps-and-sums op once for E's destination (its exps) and once for the
    reciprocal (its sums).  Two clones (same tag) with the same inputs whose
    outputs differ only where one of them has no use and the body does not
    read that output compute the same; the later one stays, the earlier
    one's users move after it."""
    block = loop.regions[0].blocks[0]
    by_tag: dict[str, list[ir.Operation]] = {}
    for op in block.operations:
        op = as_op(op)
        if TAG in op.attributes:
            by_tag.setdefault(str(op.attributes[TAG]), []).append(op)
    for clones in by_tag.values():
        while len(clones) > 1:
            first, last = clones[0], clones[-1]
            if not _same_values(first, last) or not _replace_earlier(first, last):
                break
            clones.pop(0)


def _same_values(a: ir.Operation, b: ir.Operation) -> bool:
    if a.name != "linalg.generic" or len(a.operands) != len(b.operands):
        return False
    n_in = input_count(a)
    if any(x != y for x, y in zip(list(a.operands)[:n_in], list(b.operands)[:n_in])):
        return False
    args = a.regions[0].blocks[0].arguments
    for j, (x, y) in enumerate(zip(list(a.operands)[n_in:], list(b.operands)[n_in:])):
        if x != y and (list(a.results[j].uses) or list(args[n_in + j].uses)):
            return False
    return True


def _replace_earlier(first: ir.Operation, last: ir.Operation) -> bool:
    """Replace `first` by `last` (later in the block): the ops between them
    that depend on `first` move after `last`, in order.  False (nothing
    changed) where `last` itself depends on `first`."""
    block_ops = [as_op(op) for op in first.block.operations]
    i, k = block_ops.index(first), block_ops.index(last)
    tainted = set(first.results)
    moving = []
    for op in block_ops[i + 1:k]:
        if any(v in tainted for v in op.operands):
            moving.append(op)
            tainted.update(op.results)
    if any(v in tainted for v in last.operands):
        return False
    for j, r in enumerate(first.results):
        r.replace_all_uses_with(last.results[j])
    anchor = last
    for op in moving:
        op.move_after(anchor)
        anchor = op
    first.erase()
    return True


def _slice_inits(loop: ir.Operation) -> list[tuple[ir.Operation, int, ir.Operation]]:
    """(op, operand index, extract_slice) for each init of a fused op in the
    loop's body that is a slice of a tensor from outside the loop."""
    found = []
    body = loop.regions[0].blocks[0]
    for op in body.operations:
        op = as_op(op)
        if TAG not in op.attributes:
            continue
        for k in range(input_count(op), len(op.operands)):
            s = owner_op(op.operands[k])
            if s is not None and s.name == "tensor.extract_slice" and s.block == body and \
                    not isinstance(s.operands[0].owner, ir.Block) and \
                    not defined_inside(s.operands[0], loop):
                found.append((op, k, s))
    return found


def _final_value(v: ir.Value) -> ir.Value:
    """The last of a chain of ops each writing into the previous one's
    result (a fill, then the reduction that starts from it)."""
    while True:
        users = init_uses(v)
        if not users:
            return v
        user, number = users[-1]
        v = user.results[number - input_count(user)]


def _own_row_buffers(loop: ir.Operation) -> ir.Operation:
    """Give each fused op that writes a slice of a tensor from outside the
    loop (a tensor.empty: the per-row sums, max, 1 / sum) a shared output of
    its own: bufferized, a slice of one buffer for all rows instead of an
    allocation (malloc and free) per row.  Returns the new loop.  A fill
    that CSE merged under several ops' inits (layer_norm's two row sums
    start from one zero fill) is first unshared (unshare_fills), so that each
    op writes a buffer of its own, not one bufferization copies per row."""
    for fill in collect(loop, is_shared_fill):
        unshare(fill)
    inits = _slice_inits(loop)
    if not inits:
        return loop
    body = loop.regions[0].blocks[0]
    starts = []
    for _, _, s in inits:
        source = owner_op(s.operands[0])
        with ir.InsertionPoint(loop), loop.location:
            starts.append(source.clone().results[0] if source.name == "tensor.empty"
                          else s.operands[0])
    segments = [int(x) for x in ir.DenseI32ArrayAttr(loop.attributes["operandSegmentSizes"])]
    operands = list(loop.operands) + starts
    attrs = {name: loop.attributes[name] for name in loop.attributes}
    segments[-1] += len(starts)
    attrs["operandSegmentSizes"] = ir.DenseI32ArrayAttr.get(segments)
    new = ir.Operation.create("scf.forall", results=[r.type for r in loop.results] +
                              [v.type for v in starts], operands=operands, attributes=attrs,
                              regions=1, loc=loop.location, ip=ir.InsertionPoint(loop))
    body.append_to(new.regions[0])
    args = [body.add_argument(v.type, loop.location) for v in starts]
    terminator = as_op(list(body.operations)[-1])
    for (op, k, s), arg in zip(inits, args):
        with ir.InsertionPoint(op), op.location:
            own = s.clone()
        own.operands[0] = arg
        op.operands[k] = own.results[0]
        final = _final_value(op.results[k - input_count(op)])
        with ir.InsertionPoint(terminator.regions[0].blocks[0]), op.location:
            ir.Operation.create(
                "tensor.parallel_insert_slice", operands=[final, arg] + list(s.operands)[1:],
                attributes={name: s.attributes[name] for name in
                            ("static_offsets", "static_sizes", "static_strides")} |
                {"operandSegmentSizes": ir.DenseI32ArrayAttr.get(
                    [1, 1] + [int(x) for x in ir.DenseI32ArrayAttr(
                        s.attributes["operandSegmentSizes"])][1:])})
    for old, rep in zip(loop.results, new.results):
        old.replace_all_uses_with(rep)
    loop.erase()
    return new


@register("tsm-fuse-row-consumers",
          "Run row reductions, their per-row math and the elementwise op after them row by row")
def fuse_row_consumers(module_op: ir.Operation) -> None:
    plans = []
    for e in collect(module_op, _is_candidate):
        if any(e in chain for _, _, chain in plans):
            continue
        t = ir.RankedTensorType(e.results[0].type)
        for k in range(t.rank - 1, 0, -1):  # the rows: E's first k dims
            chain = _chain(e, k) if _worth_it(t, k) and _several_tiles(t, k) else None
            if chain:
                plans.append((e, k, chain))
                break
    if not plans:
        return
    for i, (e, _, chain) in enumerate(plans):
        e.attributes[TAG] = ir.StringAttr.get(f"e{i}")
        for j, p in enumerate(chain):
            p.attributes[TAG] = ir.StringAttr.get(f"p{i}_{j}")
    for i, plan in enumerate(plans):
        script = ir.Module.parse(_script([plan], i))
        try:
            interpreter.apply_named_sequence(module_op, script.body.operations[0], script)
        except (ir.MLIRError, ValueError):
            # a producer the upstream fusion refuses: each step that did run
            # left valid IR (E tiled, some producers fused), only slower
            pass
    passmanager.PassManager.parse("builtin.module(canonicalize,cse)").run(module_op)
    for loop in collect(module_op, lambda op: op.name == "scf.forall" and any(
            TAG in as_op(o).attributes for o in op.regions[0].blocks[0].operations)):
        _merge_clones(loop)
        _own_row_buffers(loop)
    for op in collect(module_op, lambda op: TAG in op.attributes):
        del op.attributes[TAG]

