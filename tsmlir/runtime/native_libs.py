"""Native libraries that compiled code calls into, found and loaded once.

In: an LLVM-dialect module.  Out: the shared libraries its
code needs, for `ExecutionEngine(shared_libs=...)` and for linking an AOT
shared object: always the MLIR C runner utils; with OpenMP ops (multithreaded
loops, see `tsmlir.lowering.parallel`) also the LLVM/Intel OpenMP runtime
`libiomp5.so` from the `intel-openmp` wheel.  GNU libgomp (system, torch)
lacks the `__kmpc_*` entry points that MLIR's OpenMP lowering calls.
The OpenMP runtime is loaded with OPENMP_SETTINGS (short spinning, threads
only for idle cores).  Also `keep_freed_memory`: the C allocator tuned for
code that mallocs and frees its buffers on every call.
"""
from __future__ import annotations

import ctypes
import glob
import os
import sys

import mlir
from mlir import ir

from ..errors import TsmlirError

C_RUNNER_UTILS = os.path.join(mlir.__path__[0], "lib", "libmlir_c_runner_utils.so")

_loaded: dict[str, ctypes.CDLL] = {}


def openmp_library() -> str:
    """Path of libiomp5.so (installed by the `intel-openmp` wheel under the
    environment's lib/)."""
    for root in dict.fromkeys([sys.prefix, sys.base_prefix, sys.exec_prefix]):
        for path in [os.path.join(root, "lib", "libiomp5.so"),
                     *glob.glob(os.path.join(root, "lib", "python*", "site-packages",
                                             "*", "lib", "libiomp5.so"))]:
            if os.path.exists(path):
                return path
    raise TsmlirError("multithreaded code needs the OpenMP runtime libiomp5.so "
                      "(pip install intel-openmp), or compile with threads=1")


def uses_openmp(module_op: ir.Operation) -> bool:
    """Whether LLVM-dialect code calls the OpenMP runtime (has omp ops)."""
    found = []

    def visit(op):
        if op.operation.name.startswith("omp."):
            found.append(op)
            return ir.WalkResult.INTERRUPT
        return ir.WalkResult.ADVANCE

    module_op.walk(visit)
    return bool(found)


#: The OpenMP runtime's settings for compiled code, each unless the
#: environment sets it (measured on the 2-core Zen3, ResNet-18 64x64 at 2
#: threads, 45 parallel loops a call):
#: - KMP_BLOCKTIME=1: workers spin 1 ms after a parallel loop, then sleep.
#:   The default, 200 ms, takes the cores from torch's threads and serial
#:   code (tsmlir right after an eager call: 9.0 ms at 1 ms, 11.4 at 200);
#:   0 puts them to sleep after every loop (8.7 ms instead of 4.0).
#: - OMP_DYNAMIC is left off (a fixed team).  OMP_DYNAMIC=true with
#:   KMP_DYNAMIC_MODE=load_balance (set them in the environment on a shared
#:   machine) gives a parallel loop no more threads than there are idle cores (the runtime counts running
#:   threads in /proc, at most once a second).  On a machine whose cores
#:   other work holds, every loop waited at its join for a worker that the
#:   OS had not scheduled: with one other busy process 24-36 ms a call at 2
#:   threads (13 ms on one thread), 13-14 ms with it; under a load of 8,
#:   213 ms against 27.  On an idle machine it keeps every thread.  The
#:   cost: torch's OpenMP workers spin a few ms after each parallel op and
#:   count as running, so a count taken right after a multithreaded torch
#:   op gives tsmlir one thread for the next second (alternating blocks of
#:   eager and tsmlir calls: 6.0 ms instead of 3.6-4.1; calls alternating
#:   one by one: 6.1 instead of 9.0, where both pools fought for the cores).
#:   That cost made it no default: the bundled demo, which times eager and
#:   then tsmlir, ran tsmlir on one thread (ratio 0.55 instead of ~0.3).
OPENMP_SETTINGS = (("KMP_BLOCKTIME", "1"),)


def load_global(path: str) -> str:
    """dlopen `path` once with RTLD_GLOBAL, so that JIT-compiled code and
    later libraries resolve its symbols; for the OpenMP runtime, apply
    OPENMP_SETTINGS (before its first parallel loop, without touching the
    environment that torch's OpenMP and child processes read)."""
    if path not in _loaded:
        lib = ctypes.CDLL(path, mode=ctypes.RTLD_GLOBAL)
        set_defaults = getattr(lib, "kmp_set_defaults", None)
        if set_defaults is not None:
            for name, value in OPENMP_SETTINGS:
                if name not in os.environ:
                    set_defaults(f"{name}={value}".encode())
        _loaded[path] = lib
    return path


# glibc mallopt parameters
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
#: Free memory glibc keeps at the top of the heap instead of returning it.
TRIM_THRESHOLD = 256 << 20
#: Blocks from this size on are mmapped (glibc's maximum for the dynamic threshold).
MMAP_THRESHOLD = 32 << 20
_malloc_tuned: list[bool] = []


def keep_freed_memory() -> None:
    """Once per process: let glibc keep freed buffers for reuse.

    Compiled code mallocs and frees every intermediate buffer of every call.
    glibc's defaults give large freed blocks back to the kernel (heap trim,
    or munmap of blocks over the mmap threshold), so each call faulted its
    buffers in again: ResNet-18 224x224, about 9,700 page faults and a third
    of its time per call.  This raises the trim threshold and pins the mmap
    threshold at glibc's dynamic maximum (setting one parameter turns the
    dynamic adjustment off).  No-op where the C library has no mallopt.
    """
    if _malloc_tuned:
        return
    _malloc_tuned.append(True)
    mallopt = getattr(ctypes.CDLL(None), "mallopt", None)
    if mallopt is not None:
        mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
        mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)


def return_free_memory() -> None:
    """Give the heap's free pages back to the kernel (glibc's malloc_trim),
    once a compile is done: compiling frees far more than a call allocates
    (ResNet-18 224: ~100 MB of IR, LLVM modules and replaced weights), and
    the thresholds of keep_freed_memory would keep all of it.  The buffers of
    calls are kept as before: they are allocated after this.  No-op where
    the C library has no malloc_trim."""
    trim = getattr(ctypes.CDLL(None), "malloc_trim", None)
    if trim is not None:
        trim(0)


def jit_libs(module_op) -> list[str]:
    """Shared libraries for an ExecutionEngine running `module_op`."""
    libs = [C_RUNNER_UTILS]
    if uses_openmp(module_op):
        libs.append(load_global(openmp_library()))
    return libs
