"""The threads' chunks of a tensor op, on tensors: an scf.forall whose
iterations each write one chunk of the results along one dim.

In: results of size `extent` along `dim`, a chunk size, and a body
that fills one chunk (its offset, its length and the results' chunks; it
may read whatever it needs).
Out: `scf.forall` over the chunks, the results as its shared outputs, each
chunk put back by `tensor.parallel_insert_slice` (in place after
bufferization; scf-forall-to-parallel and tsm-scf-to-openmp make it an
OpenMP loop).  Used by the gathers of whole rows (data_movement) and the
scans (scans) under `tsm.num_threads` > 1; the decisions are in
thread_split.
"""
from __future__ import annotations

from typing import Callable, Sequence

from mlir import ir
from mlir.dialects import arith, scf

from . import builders as b
from .parallel import num_threads


def module_threads() -> int:
    """tsm.num_threads of the module the insertion point is in."""
    op = b.current_module()
    return num_threads(op) if op is not None else 1


def forall_chunks(extent: b.IntOrValue, chunk: b.IntOrValue, dim: int, inits: Sequence[ir.Value],
                  body: Callable[[ir.Value, b.IntOrValue, list[ir.Value]], list[ir.Value]],
                  pieces: int | None = None) -> list[ir.Value]:
    """inits (of size `extent` along `dim`) filled chunk by chunk:
    body(offset, length, chunks of inits) -> the filled chunks.  Static
    sizes: ceil(extent / chunk) chunks, the length the static `chunk` where
    it divides `extent`, else a run-time min(chunk, extent - offset).  A
    run-time extent or chunk: `pieces` chunks, offsets clamped to the
    extent (an empty chunk where there are fewer rows than pieces)."""
    static = isinstance(extent, int) and isinstance(chunk, int)
    loop = scf.ForallOp([0], [-(-extent // chunk) if static else pieces], [1], list(inits))
    with ir.InsertionPoint(loop.body):
        lo = arith.muli(loop.induction_variables[0], b.as_index(chunk))
        if not static:
            lo = arith.minui(lo, b.as_index(extent))
        length = chunk if static and extent % chunk == 0 else \
            arith.minui(b.as_index(chunk), arith.subi(b.as_index(extent), lo))
        outs = list(loop.inner_iter_args)
        filled = body(lo, length, [chunk_of(out, dim, lo, length) for out in outs])
        with ir.InsertionPoint(loop.terminator().block):
            for piece, out in zip(filled, outs):
                b.insert_slice(piece, out, *_chunk_box(out, dim, lo, length), parallel=True)
    return list(loop.results)


def _chunk_box(x: ir.Value, dim: int, lo: ir.Value, length: b.IntOrValue) -> tuple[list, list]:
    """The offsets and sizes of x[lo : lo + length] along `dim`."""
    t = b.rtt(x)
    return ([lo if d == dim else 0 for d in range(t.rank)],
            [length if d == dim else t.shape[d] for d in range(t.rank)])


def chunk_of(x: ir.Value, dim: int, lo: ir.Value, length: b.IntOrValue) -> ir.Value:
    """x[lo : lo + length] along `dim` (x's other sizes static)."""
    return b.extract_slice(x, *_chunk_box(x, dim, lo, length), [1] * b.rtt(x).rank)
