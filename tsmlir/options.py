"""Compilation options: one documented dataclass (CLI flags derive from it).
Environment variables are read here and nowhere else."""
from __future__ import annotations

import os
from dataclasses import dataclass, field


@dataclass
class CompileOptions:
    #: LLVM optimization level for the JIT / object code (0-3).  2: the kernels
    #: arrive vectorized and tiled, and -O3 ran no faster on any benchmark model
    #: (Sapphire Rapids, best calls equal within 2%) but took longer to JIT
    #: (ResNet-18 224, 2 threads, compiles alternated in one process: 3.3-3.9 s
    #: against 2.7-3.5 s).
    opt_level: int = 2
    #: Directory where every stage's IR is written (`<n>-<stage>.mlir`); None: no dumps.
    dump_dir: str | None = field(default_factory=lambda: os.environ.get("TSMLIR_DUMP_DIR"))
    #: Write weights (dense_resource blobs) into the dumps; off: elided, the dumps
    #: stay readable but cannot be re-run with real weights.
    dump_weights: bool = False
    #: Threads the compiled code runs on (OpenMP, for loops with enough work);
    #: None: torch.get_num_threads() at compile time; 1: serial code.
    threads: int | None = None
    #: LLVM name of the CPU that ahead-of-time code is generated for (`x86-64-v4`,
    #: `sapphirerapids`, `znver4`...: `tsmlir-compile --target-cpu`); the matmul
    #: register tiles follow its vector registers.  None: this host's CPU (the
    #: only choice of the JIT, which runs the code here).
    target_cpu: str | None = None
    #: How the JIT generates code (see runtime/object_jit.py): None: in parallel
    #: pieces linked into a shared library where that pays (at least 2 CPUs, a
    #: big module, LLVM's tools and a C compiler at hand; ResNet-18 224 on the
    #: 2-core AVX2 host: 2.0-2.5 s -> ~1.3 s), else by the ExecutionEngine;
    #: True: always in pieces (failures raised); False: always the engine.
    parallel_codegen: bool | None = None
    #: Print per-stage compile times to stderr.
    timing: bool = False
    #: Pipeline stages run after import (names from tsmlir.lowering.pipelines).
    stages: tuple[str, ...] = ("tsm-to-linalg", "tsm-linalg-to-loops", "tsm-loops-to-llvm")
