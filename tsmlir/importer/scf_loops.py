"""prim::Loop as scf.for / scf.while, with its carried values and the lists it builds.

In: a `prim::Loop` node (see `control_flow`, which chooses between this and
unrolling), its carried values and the environment.
Out: an scf.for (a loop whose condition is the constant true in and after
every iteration) or an scf.while carrying an i64 counter and the condition,
and the TorchScript values after it.

Types: a value carried by a loop (or produced by both branches of an `if`)
must have one type.  Tensors whose dims differ get those dims generalized to dynamic
(`tensor.cast` at the yield); a loop is imported again with the widened
types until its body's yields fit.  Scalars take the wider kind (int ->
float); a value known at compile time and equal in both branches stays a
Python value; `prim::Uninitialized` takes the type of the other side (a
placeholder is yielded where it is never read).  Tuples and lists of the same
length join element by element (the descriptions and joins: `carried`).

A list of tensors appended once per iteration of a loop (`y += [row]`,
`y.append(row)`) is stored as its stacked tensor (see `values.RowBuffer`).
A counted loop allocates it before the loop with the trip count as its
first dim.  A loop whose trip count is data-dependent (`while`, `for` with
a `break`) carries a growable buffer: it starts with `_INITIAL_ROWS` rows,
doubles (copying the rows so far) when full, and is cut to the iteration
count after the loop.  Such a loop is two nested scf.while: the inner one
runs the body while the buffers have room (rows written in place), the
outer one grows them, so that bufferization copies a buffer once per
doubling rather than once per iteration.  An `ys.append(x)` on an empty
list defined before the loop makes ys carried the same way; appended inside
an `if` (or after a `continue`), at most once per iteration, the loop also
carries the count of rows (`Rows.conditional`; an `if` joins the two paths'
buffers and counts, `carried.Appended`), and the list after the loop is the
buffer cut to that count.  Numbers appended to a list (`keep.append(i)`)
are stored as 0-d rows (int64 / float64 / bool).  A loop whose trip count
is known at compile time builds neither kind of list unless unrolling it
fails (`control_flow.import_loop`): unrolled, the numbers often fold and
the rows keep a static count.
A list appended to in an inner loop is refused (its rows per iteration of
the outer loop are not bounded).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlir import ir
from mlir.dialects import arith, scf, tensor

from ..dialects.types import element_type
from ..errors import TorchScriptImportError
from . import scalars
from .carried import (Const, Mismatch, Rows, Seq, Slot, coerce, join, join_tensor_types,
                      rebuild, slot_types, widen)
from .locations import user_frame
from .values import UNINIT, UNKNOWN, ObjectValue, RowBuffer, is_tensor

if TYPE_CHECKING:
    from .graph import Importer

INT64_MAX = 2 ** 63 - 1
_MAX_ROUNDS = 8
# Rows of a growable list buffer before its first doubling.
_INITIAL_ROWS = 16


def fail(frames, message: str):
    raise TorchScriptImportError(message, user_frame(frames))


def list_lengths(env: dict) -> dict[int, Any]:
    """What the compile-time containers of `env` hold: list lengths and the
    fields of TorchScript objects."""
    state: dict[int, Any] = {}
    for v in env.values():
        if isinstance(v, _Probe):
            continue  # a loop's first look at a list appended to in a branch
        if isinstance(v, list):
            state[id(v)] = len(v)
        elif isinstance(v, ObjectValue):
            state[id(v)] = dict(v.fields)
    return state


def check_lists_unchanged(env: dict, before: dict[int, Any], what: str, frames) -> None:
    """Python lists and objects stand for compile-time values: mutating one
    from a region that runs a run-time number of times cannot be folded."""
    for v in env.values():
        if id(v) not in before:
            continue
        if isinstance(v, list) and len(v) != before[id(v)]:
            fail(frames, f"{what}: a list defined outside is modified inside (`.append`); "
                         "a list built in a loop must start empty before it and get one "
                         "tensor or number appended per iteration (at most one, inside an "
                         "`if`), not in an inner loop")
        if isinstance(v, ObjectValue) and (v.fields.keys() != before[id(v)].keys() or any(
                v.fields[k] is not before[id(v)][k] for k in v.fields)):
            fail(frames, f"{what}: a field of {v!r} defined outside is assigned inside; "
                         "assign it before the branch or loop")


def _is_constant_true(v) -> bool:
    n = v.node()
    return n.kind() == "prim::Constant" and v.type().kind() == "BoolType" \
        and n.output().toIValue() is True


def _appends(block, nested: bool = False):
    """(append node, inside an `if` of the block) for every `aten::append` of
    the block and of the `if`s nested in it (not of inner loops: those
    append a run-time number of rows per iteration of this one)."""
    for n in block.nodes():
        if n.kind() == "aten::append":
            yield n, nested
        if n.kind() == "prim::If":
            for inner in n.blocks():
                yield from _appends(inner, True)


def _appended_lists(body, env: dict) -> list[tuple[int, bool]]:
    """(list, conditional) for the empty lists defined outside the loop that
    its body appends to (`ys.append(x)`): carried by the loop as row
    buffers, as if written `ys += [x]` (each append rebinds the list's
    value: Importer.visit); `conditional`: appended inside an `if` (at most
    once per iteration), so the loop carries the count of rows too."""
    found: dict[int, bool] = {}
    for n, nested in _appends(body):
        lst = n.inputsAt(0).unique()
        outer = env.get(lst)
        if isinstance(outer, list) and not outer:
            # appended twice: a row per iteration no more
            found[lst] = nested or lst in found
    return list(found.items())


def _scalar_row_type(v) -> ir.Type:
    """The 0-d tensor type a number appended to a list is stored as."""
    return ir.RankedTensorType.get([], element_type(scalars.num_dtype(v)))


class _Probe(list):
    """A conditional list's stand-in in a loop's first import: the branches
    that append to it show the row type (control flow lets it change)."""


def import_scf_loop(imp: "Importer", node, body, args: list, env: dict, frames,
                    all_lists: bool = True) -> list:
    """The loop as scf; `all_lists`: lists of numbers (as 0-d rows) and lists
    appended to inside an `if` may be built in it, else only lists of
    tensors appended to once in every iteration."""
    max_trip, cond, *inits = args
    n_out = len(inits)
    hidden = [h for h in _appended_lists(body, env) if all_lists or not h[1]]
    inits = inits + [env[lst] for lst, _ in hidden]
    counted = cond is True and _is_constant_true(list(body.outputs())[0])
    descs = [_initial(v, counted, frames) for v in inits[:n_out]] + \
        [Rows(None, conditional) for _, conditional in hidden]
    n_unsupported = len(imp.unsupported)
    block = ir.InsertionPoint.current.block
    ops = block.operations
    last = ops[len(ops) - 1] if len(ops) else None
    for _ in range(_MAX_ROUNDS):
        # canonicalize folds a tensor.cast of an scf.for init into the loop
        # (ForOpTensorCastFolder), which is wrong when the carried shape
        # changes: such loops use scf.while.
        as_for = counted and (any(isinstance(d, Rows) for d in descs) or not any(
            _generalizes(d, v) for d, v in zip(descs, inits)))
        loop = _Loop(imp, node, body, max_trip, cond, as_for, descs, inits, env, frames, hidden,
                     all_lists)
        new = loop.widened()
        if new == descs and loop.complete():
            values = loop.finish()
            for (lst, _), v in zip(hidden, values[n_out:]):
                env[lst] = v  # the outer list, now filled
            return values[:n_out]
        erase_after(block, last, [v.owner for v in imp._constants.values()])
        del imp.unsupported[n_unsupported:]
        descs = new
    fail(frames, "prim::Loop: the types of the carried values do not settle")


def _generalizes(desc, v) -> bool:
    """Whether the carried value v enters the loop through a tensor.cast."""
    if isinstance(desc, Slot):
        return is_tensor(v) and v.type != desc.type
    if isinstance(desc, Seq):
        return any(_generalizes(d, x) for d, x in zip(desc.items, v))
    return False


def erase_after(block: ir.Block, last, keep: list) -> None:
    """Drop what one import of a loop built (the loop and the values before
    it), except the shared constants hoisted to the entry (`keep`)."""
    ops = [o.operation for o in block.operations]
    start = 0 if last is None else next(i for i, o in enumerate(ops) if o == last.operation) + 1
    for o in reversed(ops[start:]):
        if not any(o == k for k in keep):
            o.erase()


def _initial(v, counted: bool, frames):
    if isinstance(v, list) and not v:
        return Rows(None)  # the row type comes from the first import of the body
    if v is UNINIT:
        return Const(UNINIT)
    return join(v, v)


class _Loop:
    """One import of a loop with the given carried-value descriptions."""

    def __init__(self, imp, node, body, max_trip, cond, counted, descs, inits, env, frames,
                 hidden=(), numbers=True):
        self.imp, self.frames, self.descs, self.counted = imp, frames, descs, counted
        self.numbers = numbers
        self.max_trip = max_trip
        # Values computed before the loop.
        if counted:
            self.length = max_trip
            self.length_index = scalars.index(max_trip)
        init_values = []
        for d, v in zip(descs, inits):
            if isinstance(d, Rows) and d.row is not None:
                init_values.append(self._new_buffer(d.row))
                if d.conditional:  # the rows so far
                    init_values.append(scalars.value(0))
            else:
                init_values += coerce(d, v)
        types = [v.type for v in init_values]
        i64 = scalars.mlir_type(scalars.INT)
        if counted:
            self.op = scf.ForOp(scalars.index(0), self.length_index, scalars.index(1), init_values)
            block = self.op.body
            with ir.InsertionPoint(block):
                iv = arith.index_cast(i64, self.op.induction_variable)
            self.row_index = self.op.induction_variable
            carried = list(self.op.inner_iter_args)
        else:
            start = [scalars.value(0), scalars.value(cond, scalars.BOOL)]
            all_types = [i64, start[1].type, *types]
            self.op = scf.WhileOp(all_types, start + init_values)
            self._condition(self.op, all_types, [])
            slots = self._slot_descs(descs)
            inner = self.op
            if any(isinstance(d, Rows) for d in slots):
                inner = self._grow_then_fill(all_types, slots)
            block = inner.after.blocks.append(*all_types)
            iv = block.arguments[0]
            with ir.InsertionPoint(block):
                self.row_index = scalars.index(iv)
            carried = list(block.arguments)[2:]
        bound = [iv]
        it = iter(carried)
        for d, v in zip(descs, inits):
            if isinstance(d, Rows) and d.row is None:
                bound.append(_Probe() if d.conditional else [])
            elif isinstance(d, Rows) and d.conditional:
                buf, count = next(it), next(it)
                with ir.InsertionPoint(block):
                    bound.append(RowBuffer(buf, count, scalars.index(count)))
            elif isinstance(d, Rows):
                # len() in the body: the rows before this iteration's append
                bound.append(RowBuffer(next(it), iv, self.row_index))
            else:
                bound.append(rebuild(d, it))
        benv = dict(env)
        n_inputs = len(list(body.inputs()))
        for inp, v in zip(body.inputs(), bound):
            benv[inp.unique()] = v
        for (lst, _), v in zip(hidden, bound[n_inputs:]):
            benv[lst] = v
        lengths = list_lengths(env)
        with ir.InsertionPoint(block):
            self.outs = self.imp.run_block(body, benv, frames)
        self.outs += [benv[lst] for lst, _ in hidden]
        check_lists_unchanged(env, lengths, "prim::Loop", frames)
        carried = {lst for lst, _ in hidden}
        if any(benv[k] is not v for k, v in env.items() if k not in carried):
            fail(frames, "prim::Loop: an in-place update of a value defined outside the loop "
                         "is not supported")
        self.block, self.iv = block, iv

    def _new_buffer(self, row: ir.RankedTensorType) -> ir.Value:
        if any(row.is_dynamic_dim(i) for i in range(row.rank)):
            fail(self.frames, f"prim::Loop: rows of type {row} appended to a list: rows with "
                              "dynamic dims are not supported yet")
        if not self.counted:  # growable: a dynamic first dim, the capacity
            return tensor.empty([scalars.index(_INITIAL_ROWS), *row.shape], row.element_type)
        return tensor.empty([self.length_index if not isinstance(self.length, int) else self.length,
                             *row.shape], row.element_type)

    def _condition(self, op, types: list, slots: list) -> None:
        """The `before` region of a scf.while over (counter, condition,
        *carried): go on while the condition holds, the counter is below the
        trip count and (slots given) every row buffer has room for a row."""
        before = op.before.blocks.append(*types)
        with ir.InsertionPoint(before):
            iv, go = before.arguments[0], before.arguments[1]
            if not (isinstance(self.max_trip, int) and self.max_trip == INT64_MAX):
                go = arith.andi(go, arith.cmpi(arith.CmpIPredicate.slt, iv,
                                               scalars.value(self.max_trip, scalars.INT)))
            for d, buf in zip(slots, list(before.arguments)[2:]):
                if isinstance(d, Rows):
                    room = arith.cmpi(arith.CmpIPredicate.slt, scalars.index(iv),
                                      tensor.dim(buf, scalars.index(0)))
                    go = arith.andi(go, room)
            scf.ConditionOp(go, list(before.arguments))

    def _grow_then_fill(self, types: list, slots: list):
        """A loop carrying growable row buffers is two nested scf.while: the
        outer one grows the full buffers, the inner one runs the body while
        they have room (returned; the body goes in its `after` region).  The
        inner loop writes its buffers in place; the outer one's buffers
        change, which bufferization pays for with a copy per outer iteration
        only (one per doubling)."""
        outer = self.op.after.blocks.append(*types)
        with ir.InsertionPoint(outer):
            row = scalars.index(outer.arguments[0])
            grown = [self._grown(v, row) if isinstance(d, Rows) else v
                     for d, v in zip(slots, list(outer.arguments)[2:])]
            inner = scf.WhileOp(types, [outer.arguments[0], outer.arguments[1], *grown])
            scf.YieldOp(list(inner.results))
        self._condition(inner, types, slots)
        return inner

    @staticmethod
    def _slot_descs(descs) -> list:
        """One entry per carried SSA value: the Rows desc for a list buffer."""
        out = []
        for d in descs:
            if isinstance(d, Rows):
                out += ([d] + [None] * d.conditional) if d.row is not None else []
            else:
                out += [None] * len(slot_types(d))
        return out

    @staticmethod
    def _grown(buf: ir.Value, row: ir.Value) -> ir.Value:
        """buf, or a copy of it in a buffer of twice the rows when the next
        row (index `row`) does not fit."""
        bt = ir.RankedTensorType(buf.type)
        dyn = ir.ShapedType.get_dynamic_size()
        rows = tensor.dim(buf, scalars.index(0))
        full = arith.cmpi(arith.CmpIPredicate.sge, row, rows)
        grow = scf.IfOp(full, [buf.type], has_else=True)
        with ir.InsertionPoint(grow.then_block):
            bigger = tensor.empty([arith.muli(rows, scalars.index(2)), *bt.shape[1:]],
                                  bt.element_type)
            copied = tensor.insert_slice(buf, bigger, [], [rows], [], [0] * bt.rank,
                                         [dyn, *bt.shape[1:]], [1] * bt.rank)
            scf.YieldOp([copied])
        with ir.InsertionPoint(grow.else_block):
            scf.YieldOp([buf])
        return grow.results[0]

    def widened(self) -> list:
        new = []
        for d, v in zip(self.descs, self.outs[1:]):
            try:
                if isinstance(d, Rows):
                    new.append(self._rows(d, v))
                elif d == Const(UNINIT):
                    new.append(join(v, v))
                else:
                    new.append(widen(d, v))
            except Mismatch as e:
                fail(self.frames, f"prim::Loop: a carried value changes type: {e}")
        return new

    def _rows(self, d: Rows, v) -> Rows:
        if isinstance(v, RowBuffer):
            if v.index is not None and not d.conditional:
                fail(self.frames, "prim::Loop: a list must be appended to once in every iteration")
            return d
        if isinstance(v, list) and not v and d.row is None:  # carried empty, never appended to
            return join(v, v)
        if not (isinstance(v, list) and (len(v) == 1 or isinstance(v, _Probe))
                and all(is_tensor(x) or scalars.is_scalar(x) for x in v)):
            fail(self.frames, "prim::Loop: a list built in a loop must get one tensor or "
                              "number appended per iteration (or at most one, inside an `if`)")
        if not self.numbers and not all(is_tensor(x) for x in v):
            fail(self.frames, "prim::Loop: numbers appended in every iteration of a loop with "
                              "a compile-time trip count are kept as a compile-time list")
        row = d.row
        for x in v:
            t = ir.RankedTensorType(x.type) if is_tensor(x) else _scalar_row_type(x)
            row = t if row is None else join_tensor_types(row, t)
        return Rows(row, d.conditional)

    def complete(self) -> bool:
        return all(not isinstance(d, Rows) or d.row is not None for d in self.descs)

    def finish(self) -> list:
        with ir.InsertionPoint(self.block):
            yields = []
            for d, v in zip(self.descs, self.outs[1:]):
                if isinstance(d, Rows):
                    yields += [v.buffer]
                    yields += [scalars.value(v.length, scalars.INT)] if d.conditional else []
                else:
                    yields += coerce(d, v)
            if not self.counted:
                nxt = arith.addi(self.iv, scalars.value(1))
                go = True if self.outs[0] is UNKNOWN else self.outs[0]
                yields = [nxt, scalars.value(go, scalars.BOOL), *yields]
            scf.YieldOp(yields)
        results = list(self.op.results)[0 if self.counted else 2:]
        it = iter(results)
        values = []
        for d in self.descs:
            if isinstance(d, Rows):
                buf = next(it)
                values.append(self._filled(buf, next(it) if d.conditional else None))
            else:
                values.append(rebuild(d, it))
        return values

    def _filled(self, buf: ir.Value, rows: ir.Value | None = None) -> RowBuffer:
        """The list after the loop: a growable buffer cut to the iteration
        count, a conditional list's buffer to its count of `rows`."""
        if self.counted and rows is None:
            return RowBuffer(buf, self.length, None, True)
        count = self.op.results[0] if rows is None else rows
        bt = ir.RankedTensorType(buf.type)
        dyn = ir.ShapedType.get_dynamic_size()
        cut = ir.RankedTensorType.get([dyn, *bt.shape[1:]], bt.element_type)
        rows = tensor.extract_slice(cut, buf, [], [scalars.index(count)], [], [0] * bt.rank,
                                    [dyn, *bt.shape[1:]], [1] * bt.rank)
        return RowBuffer(rows, count, None, True)
