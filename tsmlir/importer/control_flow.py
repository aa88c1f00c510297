"""prim::If / prim::Loop with run-time conditions -> scf.if / scf.for / scf.while.

In: a `prim::If` whose condition is a run-time i1, or any `prim::Loop`
(TorchScript's single loop form: max trip count, initial condition, carried
values; `break`, `continue` and early `return` are already desugared into
carried flags and `prim::Uninitialized` placeholders).
Out: upstream `scf` ops.  A loop whose condition is the constant true in and
after every iteration (`for i in range(n)`) becomes `scf.for`; any other loop
becomes `scf.while` carrying an i64 counter and the condition.  A loop whose
condition is false on entry, or a constant trip count <= 0, runs nothing.

Why scf and not tsm control-flow ops: scf.if/for/while already have the exact
structure TorchScript's blocks have (results, carried values, a condition),
and they pass through tsm-to-linalg, bufferization and convert-scf-to-cf
unchanged; a tsm copy would only need lowering to them.

Types: a value produced by both branches (or carried by a loop) must have one
type (the descriptions and joins: `carried`; loops, and the lists they
build: `scf_loops`).

A loop whose trip count and condition are compile-time values is imported
as scf when its body allows; when it does not (it grows or indexes
compile-time lists, carries tuples of tensors, iterates over a list of
tuples...), the attempt is undone (ops erased, containers restored) and the
loop is unrolled: its body runs once per iteration at import, up to
`_UNROLL_LIMIT` iterations.  The first attempt builds no list of numbers and
no list appended to inside an `if` (unrolled, their counts stay static);
where unrolling fails too (a run-time `if` appends: a greedy NMS over a
static number of boxes), a last scf attempt builds them.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlir import ir
from mlir.dialects import scf

from ..errors import TorchScriptImportError
from . import scalars
from .carried import Mismatch, coerce, join, rebuild, slot_types
from .scf_loops import check_lists_unchanged, erase_after, fail, import_scf_loop, list_lengths
from .values import UNKNOWN, ObjectValue

if TYPE_CHECKING:
    from .graph import Importer


# -- prim::If ------------------------------------------------------------------
def import_if(imp: "Importer", node, cond: ir.Value, env: dict, frames) -> list:
    blocks = list(node.blocks())
    scratch = scf.IfOp(cond, [], has_else=True)
    outs, envs = [], []
    lengths = list_lengths(env)
    for blk, target in zip(blocks, (scratch.then_block, scratch.else_block)):
        benv = dict(env)
        with ir.InsertionPoint(target):
            outs.append(imp.run_block(blk, benv, frames))
        envs.append(benv)
    check_lists_unchanged(env, lengths, "prim::If with a run-time condition", frames)
    # In-place ops in a branch rebind values defined outside it: they become
    # extra results.
    mutated = [k for k, v in env.items() if any(e[k] is not v for e in envs)]
    vals = [out + [e[k] for k in mutated] for out, e in zip(outs, envs)]
    try:
        descs = [join(a, b) for a, b in zip(*vals)]
    except Mismatch as e:
        fail(frames, f"prim::If: the branches produce values of different types: {e}")
    types = [t for d in descs for t in slot_types(d)]
    final = scf.IfOp(cond, types, has_else=True)
    for src, dst, branch_vals in zip((scratch.then_block, scratch.else_block),
                                     (final.then_block, final.else_block), vals):
        for op in list(src.operations):
            dst.append(op)
        with ir.InsertionPoint(dst):
            scf.YieldOp([x for d, v in zip(descs, branch_vals) for x in coerce(d, v)])
    scratch.operation.erase()
    results = iter(final.results)
    values = [rebuild(d, results) for d in descs]
    for k, v in zip(mutated, values[len(outs[0]):]):
        env[k] = v
    return values[:len(outs[0])]


# -- prim::Loop ----------------------------------------------------------------
def import_loop(imp: "Importer", node, args: list, env: dict, frames) -> list:
    max_trip, cond, *inits = args
    body = next(iter(node.blocks()))
    if cond is False or isinstance(max_trip, int) and max_trip <= 0:
        return inits
    if not (cond is True or scalars.kind_of(cond) == scalars.BOOL):
        fail(frames, f"prim::Loop: unsupported condition {cond!r}")
    if not (isinstance(max_trip, int) and cond is True):
        return import_scf_loop(imp, node, body, args, env, frames)
    # A loop controlled at compile time: as scf when its body allows it,
    # else unrolled (it indexes or grows compile-time lists, carries tuples
    # of tensors, iterates over a list of modules or tuples...).
    saved = _Snapshot(env, inits)
    n_unsupported = len(imp.unsupported)
    block = ir.InsertionPoint.current.block
    ops = block.operations
    last = ops[len(ops) - 1] if len(ops) else None
    bindings = dict(env)

    def undo():
        erase_after(block, last, [v.owner for v in imp._constants.values()])
        lost = imp.unsupported[n_unsupported:]
        del imp.unsupported[n_unsupported:]
        saved.restore()
        env.clear()  # (an unrolled body binds its values in env itself)
        env.update(bindings)
        return lost

    try:
        # lists of numbers, or appended inside an `if`: better unrolled (the
        # numbers often fold, the rows keep a static count) where they can be
        values = import_scf_loop(imp, node, body, args, env, frames, all_lists=False)
        if len(imp.unsupported) == n_unsupported:
            return values
        error = None
    except TorchScriptImportError as e:
        error = e
    lost = undo()
    try:
        values = _unroll(imp, body, max_trip, inits, env, frames)
        # An unsupported op in the body is reported once, not once per iteration.
        new = imp.unsupported[n_unsupported:]
        imp.unsupported[n_unsupported:] = [u for i, u in enumerate(new) if u not in new[:i]]
        return values
    except (_CannotUnroll, TorchScriptImportError) as e:
        if error is None and isinstance(e, _CannotUnroll):
            imp.unsupported.extend(lost)
            return [UNKNOWN] * len(inits)
        first = error if isinstance(e, _CannotUnroll) else e
    # neither: a list appended to under a run-time `if` (a greedy NMS over a
    # static number of boxes), or numbers past the unroll limit
    undo()
    try:
        return import_scf_loop(imp, node, body, args, env, frames)
    except TorchScriptImportError:
        raise first from None


_UNROLL_LIMIT = 256


class _CannotUnroll(Exception):
    pass


def _unroll(imp: "Importer", body, max_trip: int, inits: list, env: dict, frames) -> list:
    """Run the body once per iteration at import time (the trip count and
    the condition are compile-time values)."""
    values, i = list(inits), 0
    while i < max_trip:
        if i == _UNROLL_LIMIT:
            raise _CannotUnroll()
        for inp, v in zip(body.inputs(), [i, *values]):
            env[inp.unique()] = v
        cond, *values = imp.run_block(body, env, frames)
        i += 1
        if cond is False:
            break
        if cond is not True:  # known only at run time, or downstream of an unsupported op
            raise _CannotUnroll()
    return values


class _Snapshot:
    """The contents of the compile-time containers (lists, dicts, objects)
    reachable from `env` and `inits`, to undo a failed import of a loop."""

    def __init__(self, env: dict, inits: list):
        self.saved: list[tuple[Any, Any]] = []
        seen: set[int] = set()
        for v in [*env.values(), *inits]:
            self._walk(v, seen)

    def _walk(self, v, seen: set[int]) -> None:
        if id(v) in seen:
            return
        if isinstance(v, list):
            seen.add(id(v))
            self.saved.append((v, list(v)))
            items = v
        elif isinstance(v, dict):
            seen.add(id(v))
            self.saved.append((v, dict(v)))
            items = list(v.values())
        elif isinstance(v, ObjectValue):
            seen.add(id(v))
            self.saved.append((v, dict(v.fields)))
            items = list(v.fields.values())
        elif isinstance(v, tuple):
            items = v
        else:
            return
        for x in items:
            self._walk(x, seen)

    def restore(self) -> None:
        for obj, content in self.saved:
            if isinstance(obj, list):
                obj[:] = content
            elif isinstance(obj, dict):
                obj.clear()
                obj.update(content)
            else:
                obj.fields = dict(content)
