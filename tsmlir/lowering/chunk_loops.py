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
from mlir.dialects import arith, scf, tensor

from . import builders as b
from .parallel import num_threads

_DYN = ir.ShapedType.get_dynamic_size()


def module_threads() -> int:
    """tsm.num_threads of the module the insertion point is in."""
    op = ir.InsertionPoint.current.block.owner
    while op is not None and op.name != "builtin.module":
        op = op.parent
    return num_threads(op) if op is not None else 1


def _insert(piece: ir.Value, into: ir.Value, dim: int, lo: ir.Value,
            length: b.IntOrValue) -> None:
    """tensor.parallel_insert_slice of piece at lo along `dim` of into."""
    t = b.rtt(into)
    offsets = [lo if d == dim else 0 for d in range(t.rank)]
    sizes = [length if d == dim else t.shape[d] for d in range(t.rank)]
    tensor.parallel_insert_slice(piece, into, [o for o in offsets if not isinstance(o, int)],
                                 [s for s in sizes if not isinstance(s, int)], [],
                                 [o if isinstance(o, int) else _DYN for o in offsets],
                                 [s if isinstance(s, int) else _DYN for s in sizes],
                                 [1] * t.rank)


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
                _insert(piece, out, dim, lo, length)
    return list(loop.results)


def chunk_of(x: ir.Value, dim: int, lo: ir.Value, length: b.IntOrValue) -> ir.Value:
    """x[lo : lo + length] along `dim` (x's other sizes static)."""
    t = b.rtt(x)
    offsets = [lo if d == dim else 0 for d in range(t.rank)]
    sizes = [length if d == dim else t.shape[d] for d in range(t.rank)]
    return b.extract_slice(x, offsets, sizes, [1] * t.rank)
