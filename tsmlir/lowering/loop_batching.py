"""tsm-batch-loop-rows: per-step row computations of a counted loop batched
over all its steps, before or after the loop.

In: linalg on tensors; an `scf.for` from 0 to T by 1 whose steps compute
rows independently of the other steps: `x[t] @ W` where x (T, m, k) and W
are defined outside the loop (an RNN's input projection), and chains of
matmuls and pointwise generics whose result is only stored as row block t
of a stacked output (`y[t] = tanh(h_t @ Wy + by)`, the stack of a list
appended once per step).
Out:
- splitting: `cat([x[t], h], dim=1) @ W` (an LSTM's gates) becomes
  `x[t] @ W[:k] + h @ W[k:]`, two accumulating matmuls;
- hoisting: `x[t] @ W` (accumulating into zeros or a broadcast bias) becomes
  one (T*m, k) @ (k, n) matmul before the loop, and the step reads its row
  block;
- sinking: the chain moves after the loop as one chain over T*m rows; what
  it read from the step (h_t) is stacked by the loop instead.
One big matmul instead of T small ones: the weights are read once instead
of once per step (an LSTM step then reads only W_hh), and there is enough
work for the parallel matmul path.  Only the loop-carried part (h @ U)
stays in the loop.  The loop must run exactly T steps, T the first dim of
what it slices or stacks: a static count, or a size known only at run time
(`for t in range(x.size(0))` over a dynamic x: the bound is `tensor.dim %x,
0` and the stack starts as `tensor.empty(%bound)`); the other dims are
static.  With a run-time T the batched matmuls have run-time rows (the
packed kernel of run-time rows, matmul_codegen) and T = 0 gives them none.
"""
from __future__ import annotations

from dataclasses import dataclass

from mlir import ir
from mlir.dialects import arith, linalg, scf, tensor

from . import builders as b
from .ir_walk import as_op as _op, collect, constant_index, owner_op as _owner_op
from .ir_walk import defined_inside as _inside, step_slice_store
from .passes import register

_ROWS_GROUPS = [[0, 1], [2]]


def _static(t: ir.Type, rank: int) -> bool:
    return (isinstance(t, ir.RankedTensorType) and t.rank == rank
            and all(not t.is_dynamic_dim(i) for i in range(rank)))


@dataclass(frozen=True)
class _Steps:
    """T, the trip count of a loop from 0 by 1: `count` where static, else
    known only at run time as `bound`, the loop's upper bound."""
    bound: ir.Value
    count: int | None

    def first_dim_of(self, x: ir.Value) -> bool:
        """Whether x (static but for dim 0) has T rows: a static T equal to
        its dim 0, or a run-time T read off x (`tensor.dim %x, 0`) or that
        made it (`tensor.empty(%bound)`)."""
        t = x.type
        if not isinstance(t, ir.RankedTensorType) or not all(
                not t.is_dynamic_dim(i) for i in range(1, t.rank)):
            return False
        if self.count is not None:
            return not t.is_dynamic_dim(0) and t.shape[0] == self.count
        if not t.is_dynamic_dim(0):
            return False
        dim, made = _owner_op(self.bound), _owner_op(x)
        return (dim is not None and dim.name == "tensor.dim" and dim.operands[0] == x
                and constant_index(dim.operands[1]) == 0) or (
            made is not None and made.name == "tensor.empty" and list(made.operands) == [self.bound])

    def size(self) -> b.IntOrValue:
        return self.bound if self.count is None else self.count

    def times(self, m: int) -> b.IntOrValue:
        """T * m (an index computed at the insertion point for a run-time T)."""
        if self.count is not None:
            return self.count * m
        return self.bound if m == 1 else arith.muli(self.bound, b.index(m))

    def static_times(self, m: int) -> int:
        """T * m as a static size (dynamic for a run-time T)."""
        return ir.ShapedType.get_dynamic_size() if self.count is None else self.count * m


def _steps(loop: ir.Operation) -> _Steps | None:
    lb, ub, step = (constant_index(loop.operands[i]) for i in range(3))
    if lb != 0 or step != 1:
        return None
    if ub is None:
        return None if _inside(loop.operands[1], loop) else _Steps(loop.operands[1], None)
    return _Steps(loop.operands[1], ub) if ub > 0 else None


def _row_block(v: ir.Value, loop: ir.Operation, steps: _Steps) -> ir.Value | None:
    """X if v is x[t]: the collapsed slice [t, :, :] of a (T, m, k) tensor X
    defined outside the loop; else None."""
    collapse = _owner_op(v)
    if collapse is None or collapse.name != "tensor.collapse_shape" or not _static(v.type, 2):
        return None
    sl = _owner_op(collapse.operands[0])
    if sl is None or sl.name != "tensor.extract_slice" or len(sl.operands) != 2:
        return None
    x, iv = sl.operands
    if iv != loop.regions[0].blocks[0].arguments[0] or _inside(x, loop) \
            or x.type.rank != 3 or not steps.first_dim_of(x):
        return None
    dyn = ir.ShapedType.get_dynamic_size()
    if (list(ir.DenseI64ArrayAttr(sl.attributes["static_offsets"])) != [dyn, 0, 0]
            or list(ir.DenseI64ArrayAttr(sl.attributes["static_sizes"])) != [1, *x.type.shape[1:]]
            or any(s != 1 for s in ir.DenseI64ArrayAttr(sl.attributes["static_strides"]))):
        return None
    return x


def _rows(x: ir.Value) -> ir.Value:
    """(T, m, k) -> (T*m, k)."""
    t = x.type
    rows = ir.ShapedType.get_dynamic_size() if t.is_dynamic_dim(0) else t.shape[0] * t.shape[1]
    flat = ir.RankedTensorType.get([rows, t.shape[2]], t.element_type)
    return tensor.collapse_shape(flat, x, b.reassociation(_ROWS_GROUPS))


def _unrows(x: ir.Value, steps: _Steps, m: int) -> ir.Value:
    """(T*m, n) -> (T, m, n)."""
    t = x.type
    shape = [steps.static_times(1), m, t.shape[1]]
    sizes = [] if steps.count is not None else [steps.bound]
    return tensor.expand_shape(ir.RankedTensorType.get(shape, t.element_type), x,
                               b.reassociation(_ROWS_GROUPS), sizes, shape)


def _step_rows(stacked: ir.Value, iv: ir.Value) -> ir.Value:
    """Row block iv of a (T, m, n) tensor, as (m, n)."""
    shape = stacked.type.shape
    return b.extract_slice(stacked, [iv, 0, 0], [1, shape[1], shape[2]], [1, 1, 1], drop=[0])


# ---------------------------------------------------------------- hoisting

def _zero_like_fill(c: ir.Value, loop: ir.Operation) -> tuple[ir.Value] | None:
    """(fill value,) if c is a fill (of a value defined outside the loop) of
    a static tensor.empty."""
    fill = _owner_op(c)
    if fill is None or fill.name != "linalg.fill" or _inside(fill.operands[0], loop):
        return None
    empty = _owner_op(fill.operands[1])
    if empty is None or empty.name != "tensor.empty" or not _static(c.type, 2):
        return None
    return (fill.operands[0],)


def _broadcast_rows(c: ir.Value, loop: ir.Operation) -> ir.Operation | None:
    """The generic if c is rows computed from values defined outside the loop
    alone (a bias broadcast to every row) into a static tensor.empty."""
    g = _owner_op(c)
    if g is None or not _pointwise_rows(g) or g.block != loop.regions[0].blocks[0]:
        return None
    n_in = len(g.operands) - 1
    empty = _owner_op(g.operands[n_in])
    if empty is None or empty.name != "tensor.empty" or empty.operands \
            or any(_inside(v, loop) for v in list(g.operands)[:n_in]):
        return None
    return g


def _batched_init(c: ir.Value, loop: ir.Operation, steps: _Steps) -> ir.Value | None:
    """c (a matmul's fresh accumulator in the step) for all T*m rows, built
    before the loop; None if c is not fresh rows computed from invariants."""
    fill = _zero_like_fill(c, loop)
    shape = [steps.times(c.type.shape[0]), c.type.shape[1]]
    if fill is not None:
        return linalg.fill(fill[0], outs=[b.empty(shape, c.type.element_type)])
    g = _broadcast_rows(c, loop)
    if g is None or len(list(c.uses)) != 1:
        return None
    clone = _op(g.clone(ip=ir.InsertionPoint(loop)))
    return _batched(clone, lambda v: b.empty(shape, c.type.element_type)
                    if v == clone.operands[len(clone.operands) - 1] else v, steps,
                    erase_block_owner=clone)


def split_concat_matmuls(loop: ir.Operation) -> None:
    """cat([p0, p1, ...], dim=1) @ W with W defined outside the loop ->
    p0 @ W[rows of p0] + p1 @ W[rows of p1] + ... (accumulating matmuls):
    the parts that are x[t] can then be hoisted (an LSTM's [x_t, h] @ W)."""
    body = loop.regions[0].blocks[0]
    for op in [_op(o) for o in body.operations]:
        if op.name != "linalg.matmul" or len(op.operands) != 3:
            continue
        a, w, c = op.operands
        parts = _column_parts(a)
        if parts is None or _inside(w, loop) or not _static(w.type, 2):
            continue
        acc = c
        with ir.InsertionPoint(op), op.location:
            for start, part in parts:
                k = part.type.shape[1]
                with ir.InsertionPoint(loop):
                    rows = b.extract_slice(w, [start, 0], [k, w.type.shape[1]], [1, 1])
                acc = linalg.matmul(part, rows, outs=[acc])
        op.results[0].replace_all_uses_with(acc)
        op.erase()


def _column_parts(a: ir.Value) -> list[tuple[int, ir.Value]] | None:
    """[(first column, part)] if a is static parts inserted side by side
    (full rows, unit strides) into a tensor.empty, covering every column."""
    parts = []
    while True:
        op = _owner_op(a)
        if op is None:
            return None
        if op.name == "tensor.empty" and not op.operands:
            break
        if op.name != "tensor.insert_slice" or len(op.operands) != 2:
            return None
        offsets = list(ir.DenseI64ArrayAttr(op.attributes["static_offsets"]))
        sizes = list(ir.DenseI64ArrayAttr(op.attributes["static_sizes"]))
        part = op.operands[0]
        if offsets[0] != 0 or sizes[0] != a.type.shape[0] or not _static(part.type, 2) \
                or any(s != 1 for s in ir.DenseI64ArrayAttr(op.attributes["static_strides"])):
            return None
        parts.append((offsets[1], part))
        a = op.operands[1]
    parts.sort(key=lambda p: p[0])
    covered = 0
    for start, part in parts:
        if start != covered:
            return None
        covered += part.type.shape[1]
    return parts if len(parts) > 1 and covered == a.type.shape[1] else None


def hoist_row_matmuls(loop: ir.Operation, steps: _Steps) -> None:
    body = loop.regions[0].blocks[0]
    iv = body.arguments[0]
    for op in [_op(o) for o in body.operations]:
        if op.name != "linalg.matmul" or len(op.operands) != 3:
            continue
        a, w, c = op.operands
        x = _row_block(a, loop, steps)
        if x is None or _inside(w, loop):
            continue
        with ir.InsertionPoint(loop), op.location:
            init = _batched_init(c, loop, steps)
            if init is None:
                continue
            product = _unrows(linalg.matmul(_rows(x), w, outs=[init]), steps, x.type.shape[1])
        with ir.InsertionPoint(op), op.location:
            op.results[0].replace_all_uses_with(_step_rows(product, iv))
        op.erase()


# ---------------------------------------------------------------- sinking

def _pointwise_rows(g: ir.Operation) -> bool:
    """A 2-D all-parallel generic reading its operands row by row or as one
    broadcast row, with no linalg.index in its body."""
    if g.name != "linalg.generic" or len(g.results) != 1 or not _static(g.results[0].type, 2):
        return False
    if not all("parallel" in str(it) for it in ir.ArrayAttr(g.attributes["iterator_types"])):
        return False
    if any(_op(o).name == "linalg.index" for o in g.regions[0].blocks[0].operations):
        return False
    ident = ir.AffineMap.get_identity(2)
    row = ir.AffineMap.get(2, 0, [ir.AffineDimExpr.get(1)])
    maps = [ir.AffineMapAttr(m).value for m in ir.ArrayAttr(g.attributes["indexing_maps"])]
    return maps[-1] == ident and all(m in (ident, row) for m in maps)


class _Chain:
    """The ops of the loop body that compute one stored row block: matmuls
    and row-wise generics whose results are used only inside the chain.
    `sources` are the (m, q) values of the step it reads row by row;
    `regen` the fills and empties of the body it uses as destinations
    (remade at the batched size)."""

    def __init__(self, loop: ir.Operation, result: ir.Value, store: ir.Operation):
        self.loop, self.body = loop, loop.regions[0].blocks[0]
        self.ops: list[ir.Operation] = []
        self.sources: list[ir.Value] = []
        self.regen: list[ir.Operation] = []
        self.ok = self._take(result) and self._closed(store)

    def _take(self, v: ir.Value) -> bool:
        op = _owner_op(v)
        if op is None or op.block != self.body:
            return False
        if op.name == "linalg.generic" and not _pointwise_rows(op):
            return False
        if op.name not in ("linalg.generic", "linalg.matmul") or len(op.results) != 1:
            return False
        self.ops.append(op)
        return all(self._operand(op, i) for i in range(len(op.operands)))

    def _closed(self, store: ir.Operation) -> bool:
        inside = self.ops + [store]
        return all(_op(u.owner) in inside for op in self.ops for u in op.results[0].uses)

    def _regenerable(self, v: ir.Value) -> bool:
        op = _owner_op(v)
        if op is None or op.block != self.body or not _static(v.type, 2):
            return False
        if op.name == "tensor.empty":
            return not op.operands
        return (op.name == "linalg.fill" and not _inside(op.operands[0], self.loop)
                and self._regenerable(op.operands[1]))

    def _operand(self, op: ir.Operation, i: int) -> bool:
        v = op.operands[i]
        last = i == len(op.operands) - 1
        if not _inside(v, self.loop):
            # from outside: a matmul's weights or a broadcast row
            return (op.name == "linalg.matmul" and i == 1) or (
                op.name == "linalg.generic" and not last and v.type.rank == 1)
        owner = _owner_op(v)
        if owner is not None and owner in self.ops:  # (None `in` a list of ops raises)
            return True
        if last and self._regenerable(v):
            self.regen.append(_owner_op(v))
            return True
        if (op.name == "linalg.matmul" and i == 2) or (op.name == "linalg.generic" and last):
            return self._take(v)
        if (op.name == "linalg.matmul" and i == 0) or (
                op.name == "linalg.generic" and v.type.rank == 2):
            if _owner_op(v) is not None and _owner_op(v).name in (
                    "linalg.generic", "linalg.matmul") and _owner_op(v).block == self.body \
                    and all(_op(u.owner) in self.ops for u in v.uses):
                return self._take(v)
            if _static(v.type, 2):
                self.sources.append(v)
                return True
        return False


def _stacked_output(loop: ir.Operation, k: int, steps: _Steps):
    """(insert_slice op, stored value) if iter_arg k starts as an empty
    (T, m, n) tensor and each step only stores its row block t."""
    ins = step_slice_store(loop, k, lambda init: init.type.rank == 3 and steps.first_dim_of(init))
    if ins is None or not _static(ins.operands[0].type, 2):
        return None
    return ins, ins.operands[0]


def _move_ops(old: ir.Block, new: ir.Block) -> None:
    """Move every op of `old` to the empty block `new`."""
    ops = [_op(o) for o in old.operations]
    with ir.InsertionPoint(new):
        anchor = _op(scf.YieldOp([]))  # a placeholder to move before
    for op in ops:
        op.move_before(anchor)
    anchor.erase()


def _stack_rows(loop: ir.Operation, values: list[ir.Value], steps: _Steps):
    """A copy of loop that also stacks each (m, q) value of its step into a
    carried (T, m, q) tensor, yielded as its extra results; and the values
    as they are in the copy (the body's arguments are new)."""
    old_body = loop.regions[0].blocks[0]
    with ir.InsertionPoint(loop), loop.location:
        inits = [b.empty([steps.size(), *v.type.shape], v.type.element_type) for v in values]
        new = scf.ForOp(loop.operands[0], loop.operands[1], loop.operands[2],
                        list(loop.operands[3:]) + inits)
    body = new.body
    values = [body.arguments[ir.BlockArgument(v).arg_number]
              if isinstance(v.owner, ir.Block) and v.owner == old_body else v for v in values]
    for old_arg, arg in zip(old_body.arguments, body.arguments):
        old_arg.replace_all_uses_with(arg)
    _move_ops(old_body, body)
    old_yield = _op(list(body.operations)[-1])
    iv = body.arguments[0]
    n_old = len(loop.results)
    with ir.InsertionPoint(old_yield), old_yield.location:
        stacked = [tensor.insert_slice(v, body.arguments[1 + n_old + i], [iv], [], [],
                                       [ir.ShapedType.get_dynamic_size(), 0, 0],
                                       [1, *v.type.shape], [1, 1, 1])
                   for i, v in enumerate(values)]
        scf.YieldOp(list(old_yield.operands) + stacked)
    old_yield.erase()
    for i in range(n_old):
        loop.results[i].replace_all_uses_with(new.results[i])
    loop.erase()
    return _op(new), values


def _batched(op: ir.Operation, mapped, steps: _Steps,
             erase_block_owner: ir.Operation | None = None) -> ir.Value:
    """op over all T*m rows: operands through `mapped`.  A generic's body
    moves to the new op (the old one is about to be erased;
    `erase_block_owner`: erase it here)."""
    t = op.results[0].type
    rows = ir.RankedTensorType.get([steps.static_times(t.shape[0]), t.shape[1]], t.element_type)
    if op.name == "tensor.empty":
        return b.empty([steps.times(t.shape[0]), t.shape[1]], t.element_type)
    if op.name == "linalg.fill":
        return linalg.fill(op.operands[0], outs=[mapped(op.operands[1])])
    if op.name == "linalg.matmul":
        a, w, c = op.operands
        return linalg.matmul(mapped(a), w, outs=[mapped(c)])
    n_in = len(op.operands) - 1
    new = linalg.GenericOp(
        result_tensors=[rows], inputs=[mapped(v) for v in list(op.operands)[:n_in]],
        outputs=[mapped(op.operands[n_in])], indexing_maps=op.attributes["indexing_maps"],
        iterator_types=op.attributes["iterator_types"])
    op.regions[0].blocks[0].append_to(new.regions[0])
    if erase_block_owner is not None:
        erase_block_owner.erase()
    return new.results[0]


def _sink(loop: ir.Operation, k: int, store: ir.Operation, chain: _Chain,
          steps: _Steps) -> ir.Operation:
    sliced = [_row_block(v, loop, steps) for v in chain.sources]
    carried = [v for v, x in zip(chain.sources, sliced) if x is None]
    n_old = len(loop.results)
    if carried:
        loop, carried = _stack_rows(loop, carried, steps)
    body = loop.regions[0].blocks[0]
    ops = sorted(chain.ops, key=lambda o: sum(1 for p in chain.ops if p.is_before_in_block(o)))
    with ir.InsertionPoint.after(loop), store.location:
        batched: dict = {}
        for v, stack in zip(carried, loop.results[n_old:]):
            batched[v] = _rows(stack)
        for v, x in zip(chain.sources, sliced):
            if x is not None:
                batched[v] = _rows(x)

        def mapped(v: ir.Value) -> ir.Value:
            if v in batched:
                return batched[v]
            op = _owner_op(v)
            if op is not None and op in chain.regen:
                batched[v] = _batched(op, mapped, steps)
                return batched[v]
            return v  # defined outside the loop

        for op in ops:
            batched[op.results[0]] = _batched(op, mapped, steps)
        result = _unrows(batched[store.operands[0]], steps, store.operands[0].type.shape[0])
    loop.results[k].replace_all_uses_with(result)
    store.results[0].replace_all_uses_with(body.arguments[1 + k])
    store.erase()
    for op in reversed(ops):
        op.erase()
    return loop


def sink_stacked_chains(loop: ir.Operation, steps: _Steps) -> ir.Operation:
    """Returns the loop (a new one where it now stacks what a chain read)."""
    for k in range(len(loop.results)):
        found = _stacked_output(loop, k, steps)
        if found is None:
            continue
        store, stored = found
        chain = _Chain(loop, stored, store)
        if chain.ok:
            loop = _sink(loop, k, store, chain, steps)
    return loop


@register("tsm-batch-loop-rows",
          "Hoist x[t] @ W and sink stacked row chains out of counted loops (batched over steps)")
def batch_loop_rows(module_op: ir.Operation) -> None:
    for loop in collect(module_op, lambda op: op.name == "scf.for"):
        steps = _steps(loop)
        if steps is None:
            continue
        split_concat_matmuls(loop)
        hoist_row_matmuls(loop, steps)
        sink_stacked_chains(loop, steps)
