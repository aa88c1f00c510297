"""Whole rows gathered or written by index (part of tsm-lower-data-movement).

In: x whose leading dims are indexed by the coordinates `coords` (..., k),
each (already range-checked) coordinate wrapped from the end when negative;
whole rows of x's trailing dims move: embedding, index_select(0, i), x[i]
(copy_rows), `cache[i] = rows`, index_add (put_rows).
Out: an `scf.for` nest over the indices copying one row each
(`tensor.extract_slice` + `tensor.insert_slice`, a memref.copy of
contiguous rows after bufferization).  With `tsm.num_threads` > 1 a gather
moving enough bytes shares the indices, flattened, among the threads: an
`scf.forall` over chunks (chunk_loops), one such loop per chunk; with a
static count when the count decides it at compile time
(thread_split.gather_rows_chunk), else (one run-time batch size) behind an
`scf.if` on the count at run time (thread_split.gather_rows_min_count).
"""
from __future__ import annotations

import math
from typing import Callable, Sequence

from mlir import ir
from mlir.dialects import arith, linalg, scf, tensor

from . import builders as b
from .chunk_loops import forall_chunks, module_threads
from .nn_support import collapse, expand
from .shape import _mixed
from .thread_split import gather_rows_chunk, gather_rows_min_count

DYNAMIC = ir.ShapedType.get_dynamic_size()


def wrapped(v: ir.Value, n: ir.Value) -> ir.Value:
    """An integer index as an index value, negative counting from the end."""
    i = arith.index_cast(ir.IndexType.get(), v)
    return arith.select(arith.cmpi(arith.CmpIPredicate.slt, i, b.index(0)), arith.addi(i, n), i)


def loops(sizes: Sequence[b.IntOrValue], init: ir.Value,
          body: Callable[[list[ir.Value], ir.Value], ir.Value], ivs=()) -> ir.Value:
    """scf.for nest over sizes carrying one tensor; body(ivs, acc) -> new acc."""
    if not sizes:
        return body(list(ivs), init)
    loop = scf.ForOp(b.index(0), b.as_index(sizes[0]), b.index(1), [init])
    with ir.InsertionPoint(loop.body):
        inner = loops(sizes[1:], loop.inner_iter_args[0], body, (*ivs, loop.induction_variable))
        scf.YieldOp([inner])
    return loop.results[0]


def copy_rows(x: ir.Value, coords: ir.Value, bounds: list[ir.Value]) -> ir.Value:
    """result[b] = x[coords[b]] (the indexed dims lead x): one row copy per
    index, which bufferizes to a memref.copy of contiguous rows (embedding).
    With threads and enough bytes (thread_split.gather_rows_chunk), the
    indices, flattened, are shared among the threads in chunks."""
    t, ct = b.rtt(x), b.rtt(coords)
    k, nb = ct.shape[-1], ct.rank - 1
    row = b.sizes_of(x)[k:]
    dyn_row, static_row = _mixed(row)
    row_t = ir.RankedTensorType.get(static_row, t.element_type)

    def copy(index: ir.Value, at_index: list[ir.Value], at_out: list[ir.Value],
             acc: ir.Value) -> ir.Value:
        at = [wrapped(tensor.extract(index, at_index + [b.index(c)]), bounds[c])
              for c in range(k)]
        piece = tensor.extract_slice(row_t, x, at, dyn_row, [], [DYNAMIC] * k + [0] * len(row),
                                     [1] * k + static_row, [1] * t.rank)
        n = len(at_out)
        return tensor.insert_slice(piece, acc, at_out, dyn_row, [], [DYNAMIC] * n + [0] * len(row),
                                   [1] * n + static_row, [1] * (n + len(row)))
    batch = b.sizes_of(coords)[:-1]
    static = all(isinstance(s, int) for s in batch)
    count = math.prod(batch) if nb and static else None
    row_bytes = math.prod(static_row) * b.bitwidth(t.element_type) // 8 \
        if all(isinstance(s, int) for s in row) else None
    threads = module_threads()
    chunk = gather_rows_chunk(count, row_bytes, threads)
    # (memref.expand_shape back to two or more run-time batch sizes does not
    # lower: expand-strided-metadata takes one dynamic size per group)
    one_dynamic = sum(not isinstance(s, int) for s in batch) == 1
    least = gather_rows_min_count(row_bytes, threads) if one_dynamic else None
    if not chunk and least is None:
        return loops(batch, b.empty(batch + row, t.element_type),
                     lambda ivs, acc: copy(coords, ivs, ivs, acc))
    flat = coords if nb == 1 else collapse(coords, [list(range(nb)), [nb]])

    def fill(lo: ir.Value, length: b.IntOrValue, pieces: list[ir.Value]) -> list[ir.Value]:
        return [loops([length], pieces[0],
                      lambda ivs, acc: copy(flat, [arith.addi(lo, ivs[0])], ivs, acc))]
    if chunk:
        (out,) = forall_chunks(count, chunk, 0, [b.empty([count] + row, t.element_type)], fill)
    else:  # a run-time count: threads when it moves enough bytes
        n = b.dim(flat, 0)
        init = b.empty([n] + row, t.element_type)
        big = arith.cmpi(arith.CmpIPredicate.uge, n, b.index(least))
        choice = scf.IfOp(big, [init.type], has_else=True)
        with ir.InsertionPoint(choice.then_block):
            per = arith.ceildivui(n, b.index(threads))
            scf.YieldOp(forall_chunks(n, per, 0, [init], fill, pieces=threads))
        with ir.InsertionPoint(choice.else_block):
            scf.YieldOp([loops([n], init, lambda ivs, acc: copy(flat, ivs, ivs, acc))])
        out = choice.results[0]
    if nb == 1:
        return out
    return expand(out, [list(range(nb))] + [[nb + i] for i in range(len(row))], batch + row)


def put_rows(x: ir.Value, coords: ir.Value, values: ir.Value, bounds: list[ir.Value],
             at_values: Callable[[list[ir.Value]], list[ir.Value]],
             accumulate: bool = False) -> ir.Value:
    """x[coords[b]] = values[b] for whole rows (`cache[i] = rows`): one row
    copy per index into the loop-carried result; with accumulate (floats),
    one linalg.add of the row into the result's row (index_add, embedding_bag)."""
    t, ct, vt = b.rtt(x), b.rtt(coords), b.rtt(values)
    k, nb = ct.shape[-1], ct.rank - 1
    row = b.sizes_of(x)[k:]
    dyn_row, static_row = _mixed(row)
    row_t = ir.RankedTensorType.get(static_row, t.element_type)

    def body(ivs, acc):
        at = [wrapped(tensor.extract(coords, ivs + [b.index(c)]), bounds[c]) for c in range(k)]
        src = at_values(ivs)
        piece = tensor.extract_slice(row_t, values, src, dyn_row, [], [DYNAMIC] * nb + [0] * len(row),
                                     [1] * nb + static_row, [1] * vt.rank)
        if accumulate:
            old = tensor.extract_slice(row_t, acc, at, dyn_row, [], [DYNAMIC] * k + [0] * len(row),
                                       [1] * k + static_row, [1] * t.rank)
            piece = linalg.add(piece, old, outs=[old])
        return tensor.insert_slice(piece, acc, at, dyn_row, [], [DYNAMIC] * k + [0] * len(row),
                                   [1] * k + static_row, [1] * t.rank)
    return loops(b.sizes_of(coords)[:-1], x, body)
