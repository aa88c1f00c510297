"""Named compilation stages and the pass managers that run them.

A stage is an ordered list of pass names: tsmlir Python passes (from
`passes.PASSES`) and upstream passes/pipeline elements (any text
`PassManager.add` accepts).  Stages compose into pipelines; every stage and
pipeline is usable by name from `tsmlir-opt`.
"""
from __future__ import annotations

from mlir import ir, passmanager

# imported for the passes they register
from . import FAMILY_PASSES, cpu_codegen, parallel  # noqa: F401
from . import accumulate, loop_batching, loop_consumers, loop_destinations  # noqa: F401
from . import reduction_codegen  # noqa: F401
from . import collapse_dims, column_reduction, conv_direct, conv_direct_codegen  # noqa: F401
from . import fold_batch_norm, matmul_amx, matmul_epilogue, matmul_narrow  # noqa: F401
from . import matvec_codegen  # noqa: F401
from . import depthwise_codegen, outline_loops, pool_codegen, transpose_codegen  # noqa: F401
from . import grid_sample_codegen  # noqa: F401
from . import row_fusion, unshare_fills  # noqa: F401
from .passes import PASSES

BUFFERIZE = ("one-shot-bufferize{bufferize-function-boundaries allow-return-allocs-from-loops "
             "function-boundary-type-conversion=identity-layout-map}")

STAGES: dict[str, list[str]] = {
    # tsm -> linalg on tensors
    "tsm-to-linalg": ["tsm-verify",
                      # conv + batch norm -> one conv (new constants) while both are tsm
                      "tsm-fold-batch-norm",
                      *(p for p in FAMILY_PASSES if p not in ("tsm-lower-nn", "tsm-lower-matmul")),
                      # stride-1 f32 convs on the padded input's flat rows, before fusion:
                      # the bias, ReLU and residual add fuse into their final copy
                      "tsm-lower-direct-conv",
                      # a dynamic dim read off a producer (an init sized by tensor.dim of
                      # a reshaped generic) becomes one read off the inputs: that second
                      # use of the producer would stop fusion (group_norm, dynamic batch)
                      "resolve-ranked-shaped-type-result-dims",
                      "canonicalize", "cse",
                      # chains of pointwise ops become one linalg.generic (one loop nest)
                      "linalg-fuse-elementwise-ops", "canonicalize", "cse",
                      # a mean over (2, 3): one reduced dim for the reduction codegen
                      # (after fusion, which would fold the collapse back)
                      "tsm-collapse-reduced-dims", "canonicalize",
                      # after fusion: it would fold a convolution's im2col matmul (and the
                      # reshapes around it) back into a convolution-like generic, and a
                      # batched x @ W's collapsed 2-D matmul back into a 4-loop generic
                      "tsm-lower-nn", "tsm-lower-matmul", "canonicalize", "cse",
                      # a counted loop's x[t] @ W before it, its stacked y[t] = f(h_t)
                      # after it, each as one matmul over all steps (the range
                      # analysis first drops x[t]'s index normalization and check)
                      "int-range-optimizations", "canonicalize", "tsm-batch-loop-rows",
                      "canonicalize", "cse",
                      # pointwise ops (already one generic) on a batch's per-image
                      # convolution loop, or any loop filling its result slice by
                      # slice, move into it: each image's as at batch 1 (no second
                      # elementwise fusion here: see tsm-lower-nn above)
                      "tsm-sink-pointwise-into-loops", "canonicalize", "cse",
                      # x @ W + y: the matmul accumulates into y; pointwise ops
                      # write over a producer's tensor (fewer buffers and passes)
                      "tsm-accumulate-in-place", "canonicalize"],
    # linalg on tensors -> loops on memrefs
    "tsm-linalg-to-loops": [
        # layer_norm's and softmax's passes over a big tensor: by blocks of
        # rows, each row read from memory once (no canonicalize from here
        # to bufferization: it would drop the loop's per-row buffers)
        "tsm-fuse-row-consumers",
        # relu(x @ W + b): the matmul kernel applies the relu as it stores C
        "tsm-fuse-matmul-epilogue",
        # a value inserted into a bigger tensor (a loop's stacked outputs) is
        # computed in that tensor's slice instead of a buffer copied there
        "eliminate-empty-tensors", "tsm-loop-carried-in-place",
        # ops writing into one (CSE-merged) fill get fills of their own, not copies
        "tsm-unshare-fills",
        # temporaries of a loop body (not carried) allocated once, before the loop
        BUFFERIZE, "func.func(buffer-loop-hoisting)",
        "buffer-deallocation-pipeline", "convert-bufferization-to-memref",
        # bfloat16 products on AMX tiles (made only for targets that have them)
        "tsm-amx-matmul",
        # max pools: vector loops instead of scalar linalg-to-loops nests
        "tsm-vectorize-max-pools",
        # grid sampling: 16 points at a time, a masked gather per corner and channel
        "tsm-vectorize-grid-sample",
        # depthwise convolutions: the same vector loops, a weighted sum for the max
        "tsm-vectorize-depthwise",
        # direct convolutions: register tiles of filters x positions read in place
        "tsm-vectorize-direct-conv",
        # a convolution's kernel-row matmuls share their kernels (see conv_rows)
        "tsm-conv-rows-erase-offsets",
        # transposes: 8x8 vector blocks or row copies (before the copies become calls)
        "tsm-vectorize-transposes",
        "tsm-copies-to-linalg", "tsm-vectorize-matvec", "tsm-vectorize-narrow-matmul",
        "tsm-matmul-epilogue-fallback",
        # x * g with g (N, C, 1, 1): no unit dims read at 0, H and W one row
        "tsm-collapse-parallel-dims", "tsm-cpu-vectorize",
        "tsm-vectorize-reductions", "tsm-vectorize-column-reductions",
        "scf-forall-to-parallel",
        "canonicalize", "cse",
        "convert-linalg-to-loops", "canonicalize", "tsm-widen-bool-memrefs",
        # repeated layers: LLVM optimizes each shared run of loop nests once
        "tsm-outline-repeated-loops",
    ],
    # loops on memrefs -> LLVM dialect
    "tsm-loops-to-llvm": [
        "func.func(convert-vector-to-scf{full-unroll=true})",
        # parallel loops (tsm.num_threads > 1) -> OpenMP, before scf becomes cf
        "tsm-scf-to-openmp",
        "expand-strided-metadata", "lower-affine", "convert-scf-to-cf", "tsm-asserts-to-errors",
        # Our polynomials first where math-expand-ops would make a formula of
        # exp that loses accuracy (f64 sinh, cosh, exp2: math_f64),
        "tsm-expand-math",
        # expand what has no polynomial of ours (not fma, not tanh: see math_approx;
        # not ceil/round/roundeven: LLVM's intrinsics are one vroundps each;
        # not tan: math_trig has it), then our polynomials replace the libm
        # calls (sin/cos/tan keep an scf.if to libm for huge |x|: cf once more).
        "math-expand-ops{ops=ctlz,sinh,cosh,asinh,acosh,atanh,exp2,powf,fpowi,rsqrt}",
        "tsm-expand-math", "convert-scf-to-cf", "convert-math-to-llvm", "convert-math-to-libm",
        "convert-vector-to-llvm{enable-amx}", "finalize-memref-to-llvm", "convert-arith-to-llvm",
        "convert-cf-to-llvm",
        "convert-func-to-llvm", "convert-openmp-to-llvm", "convert-ub-to-llvm",
        "reconcile-unrealized-casts",
        # what a function still holds is freed when a run-time error returns early
        "tsm-free-on-error",
    ],
}
PIPELINES: dict[str, list[str]] = {
    "tsm-cpu-pipeline": ["tsm-to-linalg", "tsm-linalg-to-loops", "tsm-loops-to-llvm"],
}
DESCRIPTIONS = {
    "tsm-to-linalg": "Stage: verify tsm, lower every tsm op family to linalg/tensor/arith",
    "tsm-linalg-to-loops": "Stage: bufferize and lower linalg to scf/affine loops on memrefs",
    "tsm-loops-to-llvm": "Stage: lower loops, memrefs, math and arith to the LLVM dialect",
    "tsm-cpu-pipeline": "Pipeline: tsm to LLVM dialect for the CPU (all stages)",
}


def expand(name: str) -> list[str]:
    """Flatten a stage/pipeline name into pass names."""
    if name in PIPELINES:
        return [p for stage in PIPELINES[name] for p in expand(stage)]
    if name in STAGES:
        return [p for item in STAGES[name] for p in expand(item)]
    return [name]


def add_passes(pm: passmanager.PassManager, names: list[str]) -> None:
    """Append passes by name; Python passes and upstream text interleave."""
    text: list[str] = []

    def flush():
        if text:
            pm.add(",".join(text))
            text.clear()

    for name in (p for n in names for p in expand(n)):
        if name in PASSES:
            flush()
            pm.add(PASSES[name].callable(), name=name)
        else:
            text.append(name)
    flush()


def pass_manager(names: list[str], *, print_after_all: bool = False,
                 context: ir.Context | None = None) -> passmanager.PassManager:
    pm = passmanager.PassManager("builtin.module", context=context)
    add_passes(pm, names)
    if print_after_all:
        pm.enable_ir_printing(print_after_all=True)
    return pm
