"""Packed-B matmul kernels for f32 matmuls with enough rows, or sizes known
only at run time.

In: a bufferized `linalg.matmul` (C += A @ B) on f32 row-major memrefs of
static shape (identity layout or a strided view with unit inner stride),
with at least `MIN_ROWS` rows (`MIN_ROWS_CONSTANT_B` for a constant B); or one
whose indexing maps read B as (N, K) (`reads_transposed`: a linear layer's
run-time weight, attention's k^T), any rows; or one with sizes known only
at run time, A read as (M, K) (`applies`: a dynamic batch through a linear
layer, attention over a sequence of run-time length), which a kernel with
run-time last strips serves, the drivers reading the sizes and choosing
the threads' split when they run.  Out: the op is replaced by a call to a
driver function that runs a kernel function (on one thread, or on pieces
of C handed to the threads by an `scf.parallel`); kernels are private,
noinline and shared by every matmul of the same operand types and plan.
Static shapes of many row counts (a network's layers) share the kernel of
run-time rows too, where their own kernels would be much more code
(`_any_rows_families`).

The kernel function (`matmul_kernel`) packs B block by block and runs a
register-tile micro-kernel over every strip of rows; the fused work (bias,
zero start, ReLU epilogue) is chosen by its arguments.
A constant B (a weight: a view of a constant memref.global) is packed
once, by the first call, into a global of its own in the layout
[n/lanes][k][lanes]; the kernel reads it in place of the stack block.

Why MLIR text rather than transform-dialect steps: the packing copy, the
loop order (n1 -> k1 -> pack -> row strips -> panels -> k) and the
loop-carried accumulators are spelled out directly; the transform-dialect
tiling of `linalg.matmul` (kept in `cpu_codegen` for dynamic sizes and few
rows) reaches the same register tile but reads B unpacked, and
`linalg.pack` + `mmt4d` would also pack A and add copies we do not need.
Each function is built from small text builders (the packing ones in
matmul_pack) and parsed on its own.
Few rows (a matrix-vector-like product) stay with `cpu_codegen` unless B is
a constant: packing B on every call would cost more than the few reads of
it that it speeds up.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from mlir import ir
from mlir.dialects import func

from .ir_walk import has_unit_inner_stride, indexing_maps
from .kernel_emit import (EPILOGUES, Emitter, ceil_div, constant_global,
                          copy_globals, declare, enclosing_function, epilogue_of, filled_once,
                          piece_units, shape_of)
from .matmul_bias import bias_init, zero_init
from .matmul_kernel import FUSED_TYPES, PackedPlan, kernel_text, narrow_strips
from .matmul_pack import ensure_transpose, prepack_text
from .parallel import MIN_PARALLEL_BYTES, MIN_PARALLEL_FLOPS

#: Rows from which packing B on every call pays (measured: 16 x 4096 @
#: 4096 x 256 lost 20% to the pack copy, 24 rows broke even).  A constant B
#: is packed once: from 1 row, whose tile sums 4 k's at a time
#: (`matmul_kernel.k_ways`); against cpu_codegen's tiles (B unpacked), AVX2,
#: 1 thread, best calls: mlp_b1 0.054 -> 0.046 ms, rnn_b1 0.075 -> 0.071,
#: lstm equal (1.17-1.20 ms).
MIN_ROWS = 32
MIN_ROWS_CONSTANT_B = 1
KERNEL_PREFIX = "tsm_matmul_packed"
#: Elements of a B read transposed from which threads share the matmul
#: whatever its flops: with few rows, packing B (bandwidth-bound) is most
#: of the work, and split by columns each thread packs only its own.
MIN_PARALLEL_B_TRANSPOSED = 1 << 16
#: Pieces per thread when threads share a matmul: OpenMP hands them out
#: dynamically, so a thread that loses its core to other work takes fewer.
PIECES_PER_THREAD = 2


def transposed_maps(a_transposed: bool, b_transposed: bool) -> list[ir.AffineMap]:
    """linalg.matmul's indexing maps with A read as (K, M) (`a_transposed`:
    C[m, n] += A[k, m] * ...) and/or B as (N, K) (`b_transposed`)."""
    d = ir.AffineDimExpr.get
    a = [d(2), d(0)] if a_transposed else [d(0), d(2)]
    b = [d(1), d(2)] if b_transposed else [d(2), d(1)]
    return [ir.AffineMap.get(3, 0, a), ir.AffineMap.get(3, 0, b),
            ir.AffineMap.get(3, 0, [d(0), d(1)])]


def transposes(op: ir.Operation) -> tuple[bool, bool]:
    """Whether a linalg.matmul reads A as (K, M), B as (N, K) (its indexing
    maps; (False, False) for other maps too)."""
    if op.name != "linalg.matmul" or "indexing_maps" not in op.attributes:
        return False, False
    maps = indexing_maps(op)
    for flags in ((False, True), (True, False), (True, True)):
        if maps == transposed_maps(*flags):
            return flags
    return False, False


def reads_transposed(op: ir.Operation) -> bool:
    """A bufferized f32 linalg.matmul whose indexing maps read A as (K, M)
    and/or B as (N, K) (`transposes`), every operand with rows of unit
    stride."""
    if op.name != "linalg.matmul" or op.results or not any(transposes(op)):
        return False
    return all(isinstance(v.type, ir.MemRefType) and has_unit_inner_stride(ir.MemRefType(v.type))
               and str(ir.MemRefType(v.type).element_type) == "f32" for v in op.operands)


def sizes_of(op: ir.Operation) -> tuple[int | None, int | None, int | None]:
    """M, N, K of a bufferized matmul (kernel_emit.shape_of, with A read as
    (K, M) where `transposes` says so); None for a size known only at run
    time."""
    m, n, k = shape_of(op)
    if transposes(op)[0]:
        k = ir.MemRefType(op.operands[0].type).shape[0]
    return tuple(None if ir.ShapedType.is_dynamic_size(s) else s for s in (m, n, k))


def applies(module_op: ir.Operation, op: ir.Operation) -> bool:
    """A static matmul with enough rows, or one with sizes known only at run
    time, A read as (M, K) (the kernel takes any sizes, its last strip
    chosen when it runs: a dynamic batch through a linear layer, attention
    over a sequence of run-time length) (the caller has checked that it is
    a plain f32 row-major matmul or `reads_transposed`).  A run-time B is
    then packed on every call, even for the few rows that the static rule
    (MIN_ROWS) leaves to cpu_codegen's tiles."""
    m, n, k = sizes_of(op)
    if None in (m, n, k):
        return not transposes(op)[0] and all(s is None or s >= 1 for s in (m, n, k))
    if reads_transposed(op):
        # no other kernel here reads operands transposed (tsm-vectorize-matvec
        # took B's of few rows); packing from a B (N, K) costs what the plain
        # pack does, and an A (K, M) is read by broadcasts either way
        return m >= 1 and n >= 1 and k >= 1
    rows = MIN_ROWS if constant_global(module_op, op.operands[1]) is None else MIN_ROWS_CONSTANT_B
    return m >= rows and n >= 1 and k >= 1


def plan(op: ir.Operation, registers: tuple[int, int], threads: int, min_flops: int,
         k1: int = 256, n1: int = 128) -> PackedPlan:
    """Blocks of B that fit L2 (k1 x n1 floats; 256 x 128, 128 KB of AVX2
    Zen's 512 KB, by default) and a thread split: by columns (each piece
    packs only its own columns of B, but reads all of A) when every thread
    gets at least two panels and A has no more rows than B columns, else by
    strips of rows (each piece reads only its rows of A, but packs all of
    B).  Splitting the longer side moves the least memory: the late
    convolutions of a ResNet (A = 512 x 4608 weights, B 4608 x 49) read the
    weights once instead of once per thread.  `pieces_for` sizes the
    pieces.  Sizes known only at run time: see `_run_time_plan` (no
    `min_flops`: the driver applies the rule when it runs)."""
    m, n, k = sizes_of(op)
    rows, lanes = registers
    if None in (m, n, k):
        return _run_time_plan(PackedPlan(rows, lanes, k1, n1), n, threads, transposes(op)[1])
    panels = ceil_div(n, lanes)
    k1, n1 = min(k1, k), min(n1, panels * lanes)
    packing_bound = transposes(op)[1] and n * k >= MIN_PARALLEL_B_TRANSPOSED
    if threads <= 1 or 2 * m * n * k < min_flops and not packing_bound:
        return PackedPlan(rows, lanes, k1, n1)
    strips = ceil_div(m, rows)
    by_rows = m > n and strips >= 2 * threads
    if panels >= 2 * threads and not by_rows:
        pieces = pieces_for(panels, threads, max(2, n1 // lanes))
        # a piece of fewer panels than a block makes the block that narrow
        n1 = min(n1, ceil_div(panels, pieces) * lanes)
        return PackedPlan(rows, lanes, k1, n1, "n", pieces, panels)
    return PackedPlan(rows, lanes, k1, n1, "m", pieces_for(strips, threads), strips)


def _run_time_plan(plan_: PackedPlan, n: int | None, threads: int, b_transposed: bool
                   ) -> PackedPlan:
    """The thread split of a matmul with sizes known only at run time: by
    columns where N is static and every thread gets two panels (each packs
    only its own columns of B), else by strips of rows, counted when it
    runs.  Whether the threads share it at all is decided then too, by the
    static rule's sums (`_share_test`).  Its blocks of B are the shared
    kernel's (`shared_types`), whatever the pieces' widths."""
    plan_ = replace(plan_, at_run_time=True, b_transposed=b_transposed)
    if threads <= 1:
        return plan_
    panels = ceil_div(n, plan_.lanes) if n is not None else 0
    if panels >= 2 * threads:
        block_panels = min(plan_.n1 // plan_.lanes, panels)
        pieces = pieces_for(panels, threads, max(2, block_panels))
        return replace(plan_, split="n", pieces=pieces, units=panels)
    return replace(plan_, split="m", pieces=PIECES_PER_THREAD * threads)


def pieces_for(units: int, threads: int, per_piece: int = 1) -> int:
    """How many pieces `threads` threads share `units` panels or strips in:
    PIECES_PER_THREAD each where every piece still gets `per_piece` units
    (a whole block of B's panels: a narrower piece narrows the block, and
    each strip of A is then read from L2 for fewer panels; on the AVX-512
    server 4 pieces of 2 panels ran 256 x 256 matmuls at 180 GFLOP/s, 2
    pieces of 4 at 250), else one each; a multiple of `threads`, so that
    dynamic scheduling hands every thread the same share when none is slowed
    (22 strips in 4 pieces of 6, 6, 6 and 4 left one thread 12 strips)."""
    pieces = min(units // per_piece, PIECES_PER_THREAD * threads) // threads * threads
    return min(units, max(threads, pieces))



@dataclass(frozen=True)
class Fused:
    """What a matmul's kernel call does besides C += A @ B (the kernel's
    FUSED_ARGS): start from C (init 0), from the bias (1), from C plus the
    bias (2) or from zero (3), the bias (of memref type `tbias`) along the
    rows or columns; clamp the sums at 0 (`relu`)."""
    tbias: str | None = None
    init: int = 0
    bias_rows: bool = False
    relu: bool = False

    def lines(self) -> str:
        """Driver lines defining the kernel's fused arguments (%f_*)."""
        if self.tbias is None:  # never read: init 0
            bias = """
  %f_none = memref.alloca() : memref<1xf32>
  %f_bias = memref.cast %f_none : memref<1xf32> to memref<?xf32>"""
        else:
            bias = f"""
  %f_bias = memref.cast %bias : {self.tbias} to memref<?xf32>"""
        return bias + f"""
  %f_init = arith.constant {self.init} : index
  %f_rows = arith.constant {str(self.bias_rows).lower()}
  %f_relu = arith.constant {str(self.relu).lower()}"""


#: The fused work of a plain product C = A @ B (C filled with zero before
#: it): its drivers are `<kernel>_driver`, `<kernel>_driver1`, ... (one
#: per shape of a shared kernel), others `<kernel>_driver_f<n>`.
PLAIN = Fused(init=3)


def driver_text(name: str, kernel: str, types: tuple[str, str, str], sizes: tuple,
                plan_: PackedPlan, weight: tuple[str, str, str] | None = None,
                fused: Fused = Fused(), kernel_types: tuple[str, str, str] | None = None
                ) -> str:
    """The function that replaces the matmul: the kernel over all of C, or
    one kernel call per piece in an scf.parallel (OpenMP later).  `weight`
    (global, its packed type, the packing function): B is a constant,
    packed into that global by the first call; the kernel reads the global.
    `fused`: the kernel's fused work; with a bias, the driver takes it
    after C.  `kernel_types`: the kernel's operand types where they are
    not the matmul's (a shared kernel: the operands are cast to them).
    `sizes`: M, N, K, None where known only at run time (read when it
    runs: see `_driver_body`)."""
    ta, tb, tc = types
    bias_arg = "" if fused.tbias is None else f", %bias: {fused.tbias}"
    ka, kb, kc, prologue = "%A", "%B", "%C", fused.lines()
    if weight is not None:
        glob, tp, packer = weight
        kb = "%packed"
        prologue += filled_once(glob, "packed", tp,
                                f"    func.call @{packer}(%B, %packed) : ({tb}, {tp}) -> ()")
        tb = tp
    kernel_types = list(kernel_types or (ta, tb, tc))
    names = [ka, kb, kc]
    for i, t in enumerate((ta, tb, tc)):
        if kernel_types[i] != t:
            prologue += f"\n  {names[i]}_k = memref.cast {names[i]} : {t} to {kernel_types[i]}"
            names[i] += "_k"
    ka, kb, kc = names
    c_args = f"{kc}, %f_bias, %f_init, %f_rows, %f_relu"
    kernel_types += FUSED_TYPES + ["index"] * 4
    signature = f"({', '.join(kernel_types)}) -> ()"
    call = f"func.call @{kernel}({ka}, {kb}, {c_args}, {{}}) : {signature}"
    body = _driver_body(call, types, sizes, plan_)
    declarations = declare(kernel, kernel_types)
    if weight is not None:
        declarations += declare(weight[2], [types[1], weight[1]])
    return declarations + f"""
func.func private @{name}(%A: {ta}, %B: {types[1]}, %C: {tc}{bias_arg}) {{{prologue}{body}
  return
}}
"""


def _size(name: str, value: int | None, of: str, dim: int, t: str) -> str:
    """`name` = a static size, or dim `dim` of operand `of` (type t)."""
    if value is not None:
        return f"{name} = arith.constant {value} : index"
    return f"{name} = memref.dim {of}, %c{dim} : {t}"


def _driver_body(call: str, types: tuple[str, str, str], sizes: tuple, plan_: PackedPlan
                 ) -> str:
    """The driver's kernel calls (`call`, its ranges left as {}): one over
    all of C, or one per piece in an scf.parallel.  Sizes known only at run
    time (None in `sizes`, M N K) are read off A and C; the threads then
    share the work only where `_share_test` says so (else one call), split
    "m" in strips counted then (at most plan_.pieces pieces, none empty)."""
    m, n, k = sizes
    ta, _, tc = types
    head = f"""
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  {_size("%cm", m, "%C", 0, tc)}
  {_size("%cn", n, "%C", 1, tc)}"""
    whole = call.format("%c0, %cm, %c0, %cn")
    if plan_.pieces <= 1:
        return f"{head}\n  {whole}"
    ranges, extent = ("%c0, %cm, %lo, %hi", "%cn") if plan_.split == "n" else \
        ("%lo, %hi, %c0, %cn", "%cm")
    if plan_.split == "n" or not plan_.at_run_time:
        units = f"""%cunits = arith.constant {plan_.units} : index
    %cpieces = arith.constant {plan_.pieces} : index"""
    else:  # row strips counted when it runs
        units = f"""%crows_1 = arith.constant {plan_.rows - 1} : index
    %crows = arith.constant {plan_.rows} : index
    %rows_up = arith.addi %cm, %crows_1 : index
    %cunits = arith.divui %rows_up, %crows : index
    %cmost = arith.constant {plan_.pieces} : index
    %cpieces = arith.minsi %cunits, %cmost : index"""
    # piece i: units [i * units / pieces, (i + 1) * units / pieces)
    parallel = f"""{units}
    %cunit = arith.constant {plan_.unit} : index
    scf.parallel (%i) = (%c0) to (%cpieces) step (%c1) {{
      {piece_units("%first", "%end", "      ")}
      %lo = arith.muli %first, %cunit : index
      %hi_units = arith.muli %end, %cunit : index
      %hi = arith.minsi %hi_units, {extent} : index
      {call.format(ranges)}
      scf.reduce
    }}"""
    if not plan_.at_run_time:
        return f"{head}\n    {parallel}"
    return f"""{head}
  {_size("%ck", k, "%A", 1, ta)}
  {_share_test(plan_.b_transposed)}
  scf.if %share {{
    {parallel}
  }} else {{
    {whole}
  }}"""


def _share_test(b_transposed: bool) -> str:
    """%share: whether work of sizes %cm, %cn, %ck pays for the threads,
    by the static rule (parallel.pays_to_share: 2 M N K flops, or 4 (M K +
    K N) bytes of A and B; a B read as (N, K) of MIN_PARALLEL_B_TRANSPOSED
    elements, whose packing alone is worth sharing)."""
    lines = ["%mk = arith.muli %cm, %ck : index",
             "%kn = arith.muli %ck, %cn : index",
             "%mnk = arith.muli %mk, %cn : index",
             f"%cflops = arith.constant {MIN_PARALLEL_FLOPS // 2} : index",
             "%by_flops = arith.cmpi sge, %mnk, %cflops : index",
             "%ab = arith.addi %mk, %kn : index",
             f"%cbytes = arith.constant {MIN_PARALLEL_BYTES // 4} : index",
             "%by_bytes = arith.cmpi sge, %ab, %cbytes : index"]
    if not b_transposed:
        return "\n  ".join(lines + ["%share = arith.ori %by_flops, %by_bytes : i1"])
    return "\n  ".join(lines + [
        "%by_work = arith.ori %by_flops, %by_bytes : i1",
        f"%cpack = arith.constant {MIN_PARALLEL_B_TRANSPOSED} : index",
        "%by_pack = arith.cmpi sge, %kn, %cpack : index",
        "%share = arith.ori %by_work, %by_pack : i1"])


def fused_of(op: ir.Operation) -> tuple[Fused, ir.Operation | None, list[ir.Value]]:
    """The fused work of matmul op's kernel call (its epilogue, and the
    broadcast bias written into or added to C right before it, or the fill
    of zero before it), the op that fills C which the kernel does instead
    (None if none), and the driver's extra operands (the bias)."""
    init = bias_init(op)
    relu = epilogue_of(op) == "relu"
    if epilogue_of(op) not in (None, *EPILOGUES):
        raise ValueError(f"unknown matmul epilogue {epilogue_of(op)!r}")
    if init is not None:
        return Fused(str(init.bias.type), 2 if init.adds else 1, init.along == "row",
                     relu), init.fill, [init.bias]
    fill = zero_init(op)
    return Fused(init=0 if fill is None else 3, relu=relu), fill, []


#: Any sizes and row stride: the operand type of a shared kernel.
ANY_MATRIX = "memref<?x?xf32, strided<[?, 1], offset: ?>>"


def shared_types(m: int | None, plan_: PackedPlan, block: tuple[int, int], prepacked: bool
                 ) -> tuple[tuple[str, str, str], PackedPlan] | None:
    """The operand types and plan of the kernel that serves every matmul
    whose C has a multiple of the tile's rows (or, m None, the kernel of
    run-time rows: its last strips chosen when it runs, shared by all
    matmuls of sizes known only at run time and by static ones in
    `_any_rows_families`), or None.  Its code then
    depends on the register tile only: no tail strip, no narrow strips (so
    no thread split either), and blocks of B of the target's full size
    `block` (k1, n1), which the kernel clamps to K and to its columns just
    as a plan's smaller blocks are (the stack block is then partly unused).
    One kernel for a network's convolutions instead of one per layer
    shape: ResNet-18's 11 packed kernels were a third of its LLVM time."""
    if m is not None and m % plan_.rows:
        return None
    tb = f"memref<?x?x{plan_.lanes}xf32>" if prepacked else ANY_MATRIX
    return (ANY_MATRIX, tb, ANY_MATRIX), PackedPlan(plan_.rows, plan_.lanes, *block)


def _kernel(emit: Emitter, types: tuple[str, str, str], m: int | None, k: int,
            plan_: PackedPlan, block: tuple[int, int], flags: tuple[bool, bool],
            caller: ir.Operation, prepacked: bool = False, any_rows: bool = False
            ) -> tuple[str, tuple[str, str, str]]:
    """The kernel for a matmul of these operand types (B packed: `prepacked`)
    and the types it takes: shared by every shape (`shared_types`) or
    made for this one.  `any_rows`: a static shape takes the kernel of
    run-time rows all the same (see `_any_rows_families`)."""
    if plan_.at_run_time or any_rows:
        m = None  # any rows: the last strips chosen when it runs
    shared = shared_types(m, plan_, block, prepacked)
    ktypes, kplan, km, kk = (types, plan_, m, k) if shared is None else \
        (*shared, None if m is None else 0, None)
    kflags = flags[0] if prepacked else flags
    kernel = emit.get(("kernel", ktypes, kplan, kflags, km is None), KERNEL_PREFIX + "_{}",
                      lambda f: kernel_text(f, ktypes, km, kk, kplan, prepacked=prepacked,
                                            flags=flags), caller)
    return kernel, ktypes


def _family(prepacked: bool, flags: tuple[bool, bool]) -> tuple:
    """What a shared kernel is made for besides its tile: a constant B
    (`prepacked`: packed once) or not, and the operands read transposed
    (`transposes`; B's does not matter once it is packed)."""
    return prepacked, flags[0] if prepacked else flags


def _micro_rows(m: int, plan_: PackedPlan) -> int:
    """A measure of a per-shape kernel's code: the rows of its micro-kernels
    (a full strip's, then its last strip's or the short strips'), plus one
    for the packing and loops (about one row's worth: 80 of the 855 ops of
    a 6 + 4 row kernel)."""
    narrow = narrow_strips(m, plan_.rows, plan_.split)
    return 1 + plan_.rows + (plan_.rows - 1 if narrow else m % plan_.rows)


#: How many times the code of the kernel of run-time rows that static
#: shapes' own kernels must add up to before they share it instead.  A
#: shared kernel runs small matmuls a little slower than one made for their
#: sizes (AVX2, 1 thread: rnn_b16's best call 0.731 -> 0.750 ms, mlp_b64's
#: 10th percentile 0.997 -> 1.037 ms), and saves little compile time where
#: there are few shapes.
ANY_ROWS_FACTOR = 2


def _any_rows_families(module_op: ir.Operation, ops: list[tuple[ir.Operation, PackedPlan]]
                       ) -> set[tuple]:
    """The families (`_family`) whose static matmuls with a last strip of
    fewer rows than the tile's take the kernel of run-time rows instead of
    one kernel per shape: where their kernels' code (`_micro_rows` of
    each) is ANY_ROWS_FACTOR times that one kernel's (micro-kernels of a
    full strip, rows - 1 and each count 1 .. rows - 2, plus one) or more.
    ResNet-18 224 on AVX2 (6-row tiles; 64-512 channels, none a multiple
    of 6): 8 packed kernels -> 4 (its 3 shapes of constant B, 49 rows, stay
    below the factor), the LLVM JIT 2.4 -> 1.6 s."""
    per_shape: dict[tuple, set] = {}
    for op, plan_ in ops:
        m, _, k = sizes_of(op)
        if not plan_.at_run_time and m % plan_.rows:
            family = _family(constant_global(module_op, op.operands[1]) is not None,
                             transposes(op))
            per_shape.setdefault(family, set()).add(
                (tuple(str(v.type) for v in op.operands), plan_, m, k))
    chosen = set()
    for family, kernels in per_shape.items():
        rows = next(iter(kernels))[1].rows
        one = 1 + rows + rows * (rows - 1) // 2
        if sum(_micro_rows(m, p) for _, p, m, _ in kernels) >= ANY_ROWS_FACTOR * one:
            chosen.add(family)
    return chosen


def rewrite(module_op: ir.Operation, ops: list[tuple[ir.Operation, PackedPlan]],
            block: tuple[int, int]) -> None:
    """Replace each matmul by a call to its driver; kernels are shared by
    matmuls of the same types and plan (whatever their fused work), a
    constant B is packed once into a global of its own (shared by the
    matmuls that read it).  A broadcast bias written into C right before
    the matmul (see matmul_bias) is dropped: the kernel starts its sums
    from the vector; so is a fill of zero (the kernel starts from zero).
    `block`: the target's (k1, n1) (`MatmulTiles.packed_block`), the blocks
    of shared kernels."""
    emit = Emitter()
    if any(transposes(op)[1] for op, _ in ops):
        ensure_transpose(module_op)
    any_rows = _any_rows_families(module_op, ops)
    for op, plan_ in ops:
        types = tuple(str(v.type) for v in op.operands)
        flags = transposes(op)
        transposed = flags[1]
        fused, fill, extra = fused_of(op)
        m, n, k = sizes_of(op)
        caller = enclosing_function(op)
        glob = constant_global(module_op, op.operands[1])
        shares = _family(glob is not None, flags) in any_rows
        if glob is None:
            kernel, ktypes = _kernel(emit, types, m, k, plan_, block, flags, caller,
                                     any_rows=shares)
            # a shared kernel has a driver per shape: _driver, _driver1, ...
            name = f"{kernel}_driver{{}}" if fused == PLAIN else f"{kernel}_driver_f{{}}"
            driver = emit.get(("driver", kernel, types, plan_, fused), name,
                              lambda f: driver_text(f, kernel, types, (m, n, k), plan_, fused=fused,
                                                    kernel_types=ktypes),
                              caller, bare_first=fused == PLAIN)
        else:
            tp = f"memref<{ceil_div(n, plan_.lanes)}x{k}x{plan_.lanes}xf32>"
            ptypes = (types[0], tp, types[2])
            kernel, ktypes = _kernel(emit, ptypes, m, k, plan_, block, flags, caller,
                                     prepacked=True, any_rows=shares)
            packer = emit.get(("prepack", types[1], tp, transposed), KERNEL_PREFIX + "_prepack_{}",
                              lambda f: prepack_text(f, types[1], tp, k, n, plan_.lanes,
                                                     transposed), caller)
            # the global and its driver parse together (the driver refers
            # to it); a weight read by matmuls of other shapes is packed again
            driver = emit.get(("driver", kernel, types, glob, fused, transposed),
                              kernel + "_w{}",
                              lambda f: copy_globals(f"{f}_b", tp) +
                              driver_text(f, kernel, types, (m, n, k), plan_,
                                          (f"{f}_b", tp, packer), fused, ktypes),
                              caller)
        operands = list(op.operands) + extra
        with ir.InsertionPoint(op), op.location:
            func.CallOp([], ir.FlatSymbolRefAttr.get(driver), operands)
        op.erase()
        if fill is not None:
            fill.erase()
