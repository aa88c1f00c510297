"""Elementwise ops of run-time size: a serial and a parallel version, the
choice made when they run.

In: a bufferized elementwise linalg op (no results) whose output has a
dynamic size, and the module's thread count (> 1).
Out: `scf.if (elements >= MIN_PARALLEL_ELEMENTS) { the op, copied } else
{ the op }`; the copy is returned for its caller to split among the
threads (`tsm-cpu-vectorize`: `tile_using_forall num_threads`, the chunks'
bounds computed from the sizes when it runs; `tsm-vectorize-reductions`:
blocks of rows, likewise), the op stays serial.  Row reductions (softmax,
LayerNorm's statistics) count the elements they read.  Why:
the threads can share only what is big enough to pay for a parallel loop,
and a run-time size (a batch or a sequence of run-time length: a
transformer's GELU, residual adds and LayerNorm's arithmetic) is only known
then; `thread_split` keeps such ops on one thread otherwise.
"""
from __future__ import annotations

from mlir import ir
from mlir.dialects import arith, memref, scf

from .parallel import MIN_PARALLEL_ELEMENTS


def versioned(op: ir.Operation, threads: int) -> bool:
    """Whether `op` (an elementwise op tsm-cpu-vectorize takes) gets the two
    versions: threads to share it, an output of run-time size whose first
    dim (the one the threads split) may hold a row each."""
    out = ir.MemRefType(op.operands[-1].type)
    return threads > 1 and not out.has_static_shape and \
        (out.is_dynamic_dim(0) or out.shape[0] >= threads)


def split_by_size(op: ir.Operation, counted: ir.Value | None = None) -> ir.Operation:
    """Wrap `op` in the scf.if of the module docstring, counting the
    elements of `counted` (default: the output); returns the copy in its
    then-branch (the parallel version)."""
    out = op.operands[-1] if counted is None else counted
    shape = ir.MemRefType(out.type).shape
    index = ir.IndexType.get()
    with ir.InsertionPoint(op), op.location:
        count = None
        for d, size in enumerate(shape):
            extent = memref.dim(out, arith.constant(index, d)) \
                if ir.ShapedType.is_dynamic_size(size) else arith.constant(index, size)
            count = extent if count is None else arith.muli(count, extent)
        least = arith.constant(index, MIN_PARALLEL_ELEMENTS)
        big = arith.cmpi(arith.CmpIPredicate.sge, count, least)
        branch = scf.IfOp(big, [], has_else=True)
    with ir.InsertionPoint(branch.then_block), op.location:
        yielded = scf.YieldOp([])
    parallel = op.clone(ip=ir.InsertionPoint(yielded))
    with ir.InsertionPoint(branch.else_block), op.location:
        scf.YieldOp([])
    op.move_before(branch.else_block.operations[0])
    return parallel
