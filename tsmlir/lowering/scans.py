"""tsm scans -> an scf.for along the scanned dim over linalg generics.

In: tsm.cumsum/cumprod/logcumsumexp {dim} (one running accumulator, f32
for f16/bf16, i64 for integer and bool sums and products) and
tsm.cummax/cummin {dim} (the running extreme and the int64 position of its
last occurrence; uint8 compared zero-extended) on ranked tensors, static or
dynamic dims, 0-d included.
Out: an scf.for along the scanned dim carrying the running state (tensors
over the other dims, updated by one parallel generic per step) and the
results, into which each step's state is inserted.  An f32 scan along the
innermost dim (rank >= 2) runs on the transposed input along its outermost
dim instead, so that each step reads a contiguous row, and transposes the
results back; rows longer than a block (BLOCK_ELEMENTS of x) go a block of
columns at a time, the running state carried from block to block (the
block's transposed copies stay in L2: 64 x 4096, 1 thread, 0.143-0.153 ->
0.128 ms; 256 x 4096 0.76 -> 0.63).  With `tsm.num_threads` > 1 and
static sizes, the threads take chunks of the outermost other dim
(thread_split.scan_split, chunk_loops), each scanning its own lines.
The patterns run in tsm-lower-reduction (reduction.py adds `LOWERINGS`
to its table); the folds' helpers (accumulator types, combiners, slices)
come from reduction.py.
"""
from __future__ import annotations

import math
from functools import partial
from typing import Callable, Sequence

from mlir import ir
from mlir.dialects import arith, scf, tensor
from mlir.dialects import math as mmath

from ..dialects.types import normalize_dim
from . import builders as b
from .chunk_loops import chunk_of, forall_chunks, module_threads
from .reduction import (ADD, MUL, acc_type, as_0d, as_1d, finite_or_zero, highest, lowest,
                        map_reduced, multi_generic, sizes_of, slice_at, widen_unsigned)
from .thread_split import scan_split


def _scan(op: ir.Operation, state: Sequence[tuple[ir.Type, float | int]],
          step: Callable[..., list[ir.Value]], x: ir.Value | None = None) -> list[ir.Value]:
    """Sequential along the op's `dim`, parallel across the others: the running
    `state` (tensors over the other dims, filled with the given inits) is
    updated by one generic per step, `step(v, k, *state) -> new state` with k
    the int64 position; the first state tensors, converted to the op's result
    types, are inserted into the results at k.  `x` replaces the operand
    (e.g. widened)."""
    x = op.operands[0] if x is None else x
    zero_d = b.rtt(x).rank == 0
    if zero_d:
        x = as_1d(x)
    t = b.rtt(x)
    d = normalize_dim(ir.IntegerAttr(op.attributes["dim"]).value, t.rank)
    out_elems = [b.rtt(r).element_type for r in op.results]
    if 0 in t.shape:  # nothing to scan (and no slice of it would verify)
        return [b.empty(sizes_of(x), elem) for elem in out_elems]
    shape = [None if t.is_dynamic_dim(i) else t.shape[i] for i in range(t.rank)]
    split = scan_split(shape, d, module_threads())
    if split is None:
        return _wrap(_scan_lines(x, d, state, step, out_elems), zero_d)
    at, chunk = split
    inits = [b.empty(sizes_of(x), elem) for elem in out_elems]
    return forall_chunks(t.shape[at], chunk, at, inits, lambda lo, length, _: _scan_lines(
        chunk_of(x, at, lo, length), d, state, step, out_elems))


def _wrap(out: list[ir.Value], zero_d: bool) -> list[ir.Value]:
    return [as_0d(r) for r in out] if zero_d else out


#: Elements of x that one block of the innermost-dim scan transposes: the
#: block's transposed input and results stay in L2 between the transposes
#: and the scan (64 lines: blocks of 256 columns).
BLOCK_ELEMENTS = 1 << 14


def block_columns(lines: int | None, extent: int | None) -> int:
    """Columns per block of an innermost-dim scan of `lines` lines of
    `extent` (None: dynamic), whole vectors of 8; 0: one block (dynamic
    sizes, or a row that fits one block)."""
    if lines is None or extent is None:
        return 0
    columns = max(8, BLOCK_ELEMENTS // lines // 8 * 8)
    return columns if extent > columns else 0


def _scan_lines(x: ir.Value, d: int, state: Sequence[tuple[ir.Type, float | int]],
                step: Callable[..., list[ir.Value]], out_elems: list[ir.Type]) -> list[ir.Value]:
    """The scan of x along d (see _scan), on one thread."""
    t = b.rtt(x)
    if not (d == t.rank - 1 and t.rank >= 2 and all(
            str(e) == "f32" for e in [t.element_type, *out_elems])):
        return _scan_loop(x, d, state, step, out_elems)[1]
    # Along the innermost dim each step would read a strided column: scan
    # the transposed input along its outermost dim instead (each step a
    # contiguous vector pass; the transposes are block kernels), a block of
    # columns at a time when the rows are long.
    perm = [d, *range(d)]
    back = [perm.index(i) for i in range(len(perm))]
    static = not any(t.is_dynamic_dim(i) for i in range(t.rank))
    block = block_columns(math.prod(t.shape[:-1]) if static else None,
                          t.shape[-1] if static else None)
    if not block:
        _, out = _scan_loop(b.permuted(x, perm), 0, state, step, out_elems)
        return [b.permuted(r, back) for r in out]
    n = t.shape[-1]
    sizes = sizes_of(x)
    inits = [b.filled(sizes[:-1], elem, init) for elem, init in state]
    loop = scf.ForOp(b.index(0), b.index(-(-n // block)), b.index(1),
                     inits + [b.empty(sizes, elem) for elem in out_elems])
    with ir.InsertionPoint(loop.body):
        lo = arith.muli(loop.induction_variable, b.index(block))
        length = block if n % block == 0 else \
            arith.minui(b.index(block), arith.subi(b.index(n), lo))
        carried = list(loop.inner_iter_args)
        at = [0] * (t.rank - 1) + [lo]
        piece_sizes = sizes[:-1] + [length]
        piece = b.extract_slice(x, at, piece_sizes, [1] * t.rank)
        running, out = _scan_loop(b.permuted(piece, perm), 0, carried[:len(state)], step,
                                  out_elems)
        placed = [b.insert_slice(b.permuted(r, back), into, at, piece_sizes)
                  for r, into in zip(out, carried[len(state):])]
        scf.YieldOp([*running, *placed])
    return list(loop.results)[len(state):]


def _scan_loop(x: ir.Value, d: int, inits: Sequence, step: Callable[..., list[ir.Value]],
               out_elems: list[ir.Type]) -> tuple[list[ir.Value], list[ir.Value]]:
    """The scf.for along d from the running states `inits` (tensors, or
    (type, value) pairs to fill them with): (the final states, the
    results).  Blocks only take f32 scans (no positions: cummax/cummin
    return int64 ones), so k is the position."""
    sizes = sizes_of(x)
    outer = [s for i, s in enumerate(sizes) if i != d]
    inits = [v if isinstance(v, ir.Value) else b.filled(outer, *v) for v in inits]
    identity = [b.identity_map(len(outer))] * (1 + len(inits))
    loop = scf.ForOp(b.index(0), b.as_index(sizes[d]), b.index(1),
                     list(inits) + [b.empty(sizes, elem) for elem in out_elems])
    with ir.InsertionPoint(loop.body):
        k = loop.induction_variable
        running, results = loop.inner_iter_args[:len(inits)], loop.inner_iter_args[len(inits):]
        row = b.extract_slice(x, [k if i == d else 0 for i in range(len(sizes))],
                              [1 if i == d else s for i, s in enumerate(sizes)],
                              [1] * len(sizes), drop=[d])
        position = arith.index_cast(ir.IntegerType.get_signless(64), k)
        running = multi_generic([row], running, identity, ["parallel"] * len(outer),
                                lambda v, *acc: step(v, position, *acc))
        inserted = []
        for value, result, elem in zip(running, results, out_elems):
            if b.rtt(value).element_type != elem:
                value = map_reduced([value], elem, lambda v: v)
            inserted.append(tensor.insert_slice(value, result, *slice_at(result, d, k, sizes)))
        scf.YieldOp([*running, *inserted])
    states = list(loop.results)
    return states[:len(inits)], states[len(inits):]


def lower_scan(op: ir.Operation, *, init: float, combine) -> ir.Value:
    """cumsum / cumprod / logcumsumexp: one accumulator (f32 for half floats)."""
    acc = acc_type(b.rtt(op.result).element_type)
    (result,) = _scan(op, [(acc, init)], lambda v, _, a: [combine(b.convert(v, acc), a)])
    return result


def _log_add_exp(v: ir.Value, a: ir.Value) -> ir.Value:
    """log(exp(a) + exp(v)), shifted by the larger when it is finite."""
    shift = finite_or_zero(arith.maximumf(v, a))
    total = arith.addf(mmath.exp(arith.subf(v, shift)), mmath.exp(arith.subf(a, shift)))
    return arith.addf(mmath.log(total), shift)


def lower_cumulative_extreme(op: ir.Operation, *, greater: bool) -> list[ir.Value]:
    """cummax / cummin: the running extreme and the position of its last
    occurrence; a NaN takes over (and a later NaN moves the index)."""
    x = widen_unsigned(op.operands[0])
    elem = b.rtt(x).element_type
    start = lowest(elem) if greater else highest(elem)

    def step(v, k, best, where):
        if b.is_float(v.type):
            p = arith.CmpFPredicate
            take = arith.ori(arith.cmpf(p.OGE if greater else p.OLE, v, best),
                             arith.cmpf(p.UNO, v, v))
        else:
            p = arith.CmpIPredicate
            unsigned = ir.IntegerType(v.type).width == 1
            pred = (p.uge if unsigned else p.sge) if greater else (p.ule if unsigned else p.sle)
            take = arith.cmpi(pred, v, best)
        return [arith.select(take, v, best), arith.select(take, k, where)]

    return _scan(op, [(elem, start), (ir.IntegerType.get_signless(64), 0)], step, x)


LOWERINGS = {
    "tsm.cumsum": partial(lower_scan, init=0, combine=ADD),
    "tsm.cumprod": partial(lower_scan, init=1, combine=MUL),
    "tsm.logcumsumexp": partial(lower_scan, init=float("-inf"), combine=_log_add_exp),
    "tsm.cummax": partial(lower_cumulative_extreme, greater=True),
    "tsm.cummin": partial(lower_cumulative_extreme, greater=False),
}
