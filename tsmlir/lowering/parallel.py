"""Multithreading: how many threads the compiled code may use, and
tsm-scf-to-openmp, which turns the parallel loops into OpenMP.

The thread count travels with the module as the attribute
`tsm.num_threads` (an integer; absent or 1: serial code).  The compiler sets
it from `CompileOptions.threads`; `tsm-cpu-vectorize` reads it to decide
which loops to make parallel (`scf.forall`, over tiles big enough to pay for
waking the threads), `scf-forall-to-parallel` turns those into
`scf.parallel`, and `tsm-scf-to-openmp` (in: scf.parallel loops; out:
`omp.parallel` + `omp.wsloop` with that many threads) hands them to the
OpenMP runtime.  Code with `omp` ops needs the LLVM/Intel OpenMP runtime
(`libiomp5`) at JIT and link time: see `tsmlir.runtime.native_libs`.
"""
from __future__ import annotations

from mlir import ir, passmanager

from .passes import register

THREADS_ATTR = "tsm.num_threads"

#: Work below this many flops (or elementwise results) stays on one thread:
#: a parallel loop costs about 2 us (fork and join of the OpenMP workers,
#: measured on the 2-core Zen3), 4 MFLOP about 45 us of one core.
MIN_PARALLEL_FLOPS = 1 << 22
MIN_PARALLEL_ELEMENTS = 1 << 16
#: ... unless it reads this many bytes: a product with a row or a few (a
#: classifier layer, an MLP on one sample) does few flops per weight and
#: runs at memory speed, about 15 GB/s for one Zen3 core (ResNet-18's
#: 512 x 1000 fc: 2 MB, 0.13 ms on one thread).
MIN_PARALLEL_BYTES = 1 << 19


def pays_to_share(flops: int, bytes_read: int) -> bool:
    """Whether work of this size is worth a parallel loop: enough
    arithmetic, or enough memory traffic (which the cores' bandwidth
    shares as well)."""
    return flops >= MIN_PARALLEL_FLOPS or bytes_read >= MIN_PARALLEL_BYTES


def num_threads(module_op: ir.Operation) -> int:
    attrs = module_op.attributes
    if THREADS_ATTR not in attrs:
        return 1
    return max(1, ir.IntegerAttr(attrs[THREADS_ATTR]).value)


def set_num_threads(module_op: ir.Operation, threads: int) -> None:
    with module_op.context:
        module_op.attributes[THREADS_ATTR] = ir.IntegerAttr.get(
            ir.IntegerType.get_signless(64), threads)


def threads_at(op: ir.Operation, threads: int) -> int:
    """1 inside a parallel loop (an im2col's channel chunk, a scan's or a
    gather's chunk: the thread does its own share), else `threads`."""
    parent = op.parent
    while parent is not None and parent.name != "func.func":
        if parent.name in ("scf.forall", "scf.parallel"):
            return 1
        parent = parent.parent
    return threads


def _has_parallel_loops(module_op: ir.Operation) -> bool:
    found = []

    def visit(op):
        if op.operation.name == "scf.parallel":
            found.append(op)
            return ir.WalkResult.INTERRUPT
        return ir.WalkResult.ADVANCE

    module_op.walk(visit)
    return bool(found)


@register("tsm-scf-to-openmp",
          "scf.parallel -> OpenMP parallel loops with the module's tsm.num_threads threads")
def scf_to_openmp(module_op: ir.Operation) -> None:
    threads = num_threads(module_op)
    if threads <= 1 or not _has_parallel_loops(module_op):
        return  # serial: convert-scf-to-cf lowers any scf.parallel as plain loops
    passmanager.PassManager.parse(
        f"builtin.module(convert-scf-to-openmp{{num-threads={threads}}})").run(module_op)
    scopes: list[ir.Operation] = []
    loops: list[ir.Operation] = []

    def visit(op):
        op = op.operation
        if op.name == "memref.alloca_scope":
            scopes.append(op)
        elif op.name == "omp.wsloop":
            loops.append(op)
        return ir.WalkResult.ADVANCE

    module_op.walk(visit)
    for scope in scopes:
        _inline_alloca_scope(scope)
    for loop in loops:
        # Tiles are handed out one at a time: a thread that the OS (or
        # other work on the cores) slows down takes fewer tiles, instead of
        # holding up the loop with its static share.
        loop.attributes["schedule_kind"] = ir.Attribute.parse("#omp<schedulekind dynamic>")


def _inline_alloca_scope(scope: ir.Operation) -> None:
    """convert-scf-to-openmp wraps each loop body in a `memref.alloca_scope`,
    which must stay one block: convert-scf-to-cf then fails on the loops
    inside it.  A scope without allocas of its own is dropped (its body
    moves out); our loop bodies allocate no stack memory."""
    body = scope.regions[0].blocks[0]
    allocas = []
    scope.walk(lambda op: (allocas.append(op) if op.operation.name == "memref.alloca" else None)
               or ir.WalkResult.ADVANCE)
    if allocas or scope.results:
        return
    for op in list(body.operations)[:-1]:  # not the alloca_scope.return
        op.operation.move_before(scope)
    scope.erase()
