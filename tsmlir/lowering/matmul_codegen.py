"""Packed-B matmul kernels for static f32 matmuls with enough rows.

In: a bufferized `linalg.matmul` (C += A @ B) on f32 row-major memrefs of
static shape (identity layout or a strided view with unit inner stride),
with at least `MIN_ROWS` rows (`MIN_ROWS_CONSTANT_B` for a constant B); or one
whose indexing maps read B as (N, K) (`reads_transposed`: a linear layer's
run-time weight, attention's k^T), any rows.  Out: the op is replaced by a call to a
driver function that runs a kernel function (on one thread, or on pieces
of C handed to the threads by an `scf.parallel`); kernels are private,
noinline and shared by every matmul of the same operand types and plan.

The kernel, per block of `n1` columns and `k1` rows of B:
1. packs the block into a stack buffer laid out [n1/lanes][k1][lanes]: each
   panel of `lanes` columns is one contiguous run, so the micro-kernel
   reads B with unit stride (unpacked rows of a 1024-wide B lie 4 KB apart:
   they fall into the same L1 sets and evict each other), and the last
   panel is zero-padded, so edge columns need no scalar path (a B read
   transposed is packed by 8 x 8 block transposes: matmul_pack);
2. walks all its rows `rows` at a time (the A strip stays in L1 while it
   meets every panel of the block, which stays in L2) and runs the
   micro-kernel: rows x lanes accumulators (AVX2: 6 x 16 = 12 of the 16
   ymm registers; AVX-512: 8 x 32 = 16 zmm) loaded from C, updated by a
   broadcast of A and one FMA per row and k, stored back.  Only the C loads
   and stores of the last panel are masked (masked stores are slow on
   AMD); a last strip of fewer rows gets a micro-kernel of its own, or,
   where that strip would be short (49 rows: 8 x 6 + 1), the rows end in
   strips one row shorter (4 x 6 + 5 x 5; `narrow_strips`).
A matmul marked with an epilogue (`kernel_emit.EPILOGUE_ATTR`, see `epilogue_of`)
gets it applied to the accumulators that the last k block stores: C leaves
the kernel as relu(A @ B + C) in one pass (earlier k blocks store partial
sums, which must stay unclamped).
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

from dataclasses import dataclass

from mlir import ir
from mlir.dialects import func

from .ir_walk import has_unit_inner_stride, indexing_maps
from .kernel_emit import (EPILOGUES, Emitter, ceil_div, constant_global,
                          copy_globals, declare, enclosing_function, epilogue_of, filled_once,
                          piece_units, shape_of)
from .matmul_bias import bias_init, zero_init
from .matmul_pack import (Names, ensure_transpose, pack_block, panel_of, prepack_text,
                          transpose_declaration)

#: Rows from which packing B on every call pays (measured: 16 x 4096 @
#: 4096 x 256 lost 20% to the pack copy, 24 rows broke even).  A constant B
#: is packed once: from 2 rows (one row reads each weight once either way).
MIN_ROWS = 32
MIN_ROWS_CONSTANT_B = 2
KERNEL_PREFIX = "tsm_matmul_packed"
#: The kernels' arguments that choose their fused work (see kernel_text).
FUSED_ARGS = "%bias: memref<?xf32>, %init: index, %bias_rows: i1, %relu: i1"
FUSED_TYPES = ["memref<?xf32>", "index", "i1", "i1"]
#: Elements of a B read transposed from which threads share the matmul
#: whatever its flops: with few rows, packing B (bandwidth-bound) is most
#: of the work, and split by columns each thread packs only its own.
MIN_PARALLEL_B_TRANSPOSED = 1 << 16
#: Pieces per thread when threads share a matmul: OpenMP hands them out
#: dynamically, so a thread that loses its core to other work takes fewer.
PIECES_PER_THREAD = 2


@dataclass(frozen=True)
class PackedPlan:
    """Register tile (rows x lanes accumulators, lanes = the panel width),
    cache blocks (k1 rows x n1 columns of B) and how threads share the
    work: `pieces` pieces of whole panels (split "n") or row strips ("m"),
    `units` of them in all; piece i takes units [i*units/pieces,
    (i+1)*units/pieces) (`piece_bounds`), so piece sizes differ by at most
    one unit."""
    rows: int
    lanes: int
    k1: int
    n1: int
    split: str = "n"
    pieces: int = 1
    units: int = 0

    @property
    def unit(self) -> int:
        """Columns (a panel) or rows (a strip) of one unit."""
        return self.lanes if self.split == "n" else self.rows

    def piece_bounds(self, i: int, extent: int) -> tuple[int, int]:
        """Piece i's first and end column (or row), as the driver computes them."""
        lo = i * self.units // self.pieces * self.unit
        return lo, min((i + 1) * self.units // self.pieces * self.unit, extent)


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


def sizes_of(op: ir.Operation) -> tuple[int, int, int]:
    """M, N, K of a bufferized matmul (kernel_emit.shape_of, with A read as
    (K, M) where `transposes` says so)."""
    m, n, k = shape_of(op)
    return (m, n, ir.MemRefType(op.operands[0].type).shape[0]) if transposes(op)[0] else (m, n, k)


def applies(module_op: ir.Operation, op: ir.Operation) -> bool:
    """A static matmul with enough rows (the caller has checked that it is a
    plain f32 row-major matmul or `reads_transposed`)."""
    if not all(ir.ShapedType(v.type).has_static_shape for v in op.operands):
        return False
    m, n, k = sizes_of(op)
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
    pieces."""
    m, n, k = sizes_of(op)
    rows, lanes = registers
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


def _micro_kernel(new: Names, rows: int, m0: str, tc: str, ta: str, bp: str,
                  lanes: int, prepacked: bool, a_transposed: bool = False) -> list[str]:
    """rows x lanes register tiles at rows m0.., one per panel of the block:
    the C tile stays in registers across the block's k loop.  B comes from
    the block packed on the stack (%bp, type memref<bp>) or, `prepacked`,
    from all of B packed once (%B, type bp: panel %pbase + p, row k0 + k).
    The tile starts from C, except in the first k block where %init says
    otherwise (see `_start_tile`); it is stored as max(tile, %floor), where
    the k-block loop sets %floor to 0 after the last block of a ReLU matmul,
    else to -inf (no change).  `a_transposed`: A is (K, M), its rows' k-th
    elements are A[k, m0..] (adjacent: one cache line per k)."""
    vec = f"vector<{lanes}xf32>"
    types = ", ".join([vec] * rows)
    p = new("p")
    (col, _, full, mask), header = panel_of(new, p, lanes)
    idx = [new("i") for _ in range(rows)]
    lines = [f"scf.for {p} = %c0 to %np step %c1 {{", *header,
             *(f"{i} = arith.addi {m0}, %c{r}_idx : index" for r, i in enumerate(idx))]

    def loads(masked: bool) -> list[str]:
        names = [new("l") for _ in idx]
        return [*(f"{v} = vector.maskedload %C[{i}, {col}], {mask}, %zero : {tc}, "
                  f"vector<{lanes}xi1>, {vec} into {vec}" if masked else
                  f"{v} = vector.load %C[{i}, {col}] : {tc}, {vec}" for v, i in zip(names, idx)),
                f"scf.yield {', '.join(names)} : {types}"]
    # C: plain loads and stores for a full panel, masked ones only for the last
    cc = new("cc")
    from_c = [f"{cc}:{rows} = scf.if {full} -> ({types}) {{", *loads(False),
              "} else {", *loads(True), "}"]
    cin, start = _start_tile(new, from_c, [f"{cc}#{r}" for r in range(rows)], idx, col, mask,
                             lanes)
    lines += start
    k, b, kk, res = new("k"), new("b"), new("kk"), new("res")
    accs = [new("a") for _ in idx]
    if prepacked:
        panel = new("panel")
        lines.append(f"{panel} = arith.addi %pbase, {p} : index")
        body = [f"{kk} = arith.addi %k0, {k} : index",
                f"{b} = vector.load %B[{panel}, {kk}, %c0] : {bp}, {vec}"]
    else:
        body = [f"{kk} = arith.addi %k0, {k} : index",
                f"{b} = vector.load %bp[{p}, {k}, %c0] : memref<{bp}>, {vec}"]
    outs = []
    for i, acc in zip(idx, accs):
        x, xb, f = new("x"), new("xb"), new("f")
        at = f"{kk}, {i}" if a_transposed else f"{i}, {kk}"
        body += [f"{x} = memref.load %A[{at}] : {ta}",
                 f"{xb} = vector.broadcast {x} : f32 to {vec}",
                 f"{f} = vector.fma {xb}, {b}, {acc} : {vec}"]
        outs.append(f)
    iter_args = ", ".join(f"{a} = {cin}#{r}" for r, a in enumerate(accs))
    lines += [f"{res}:{rows} = scf.for {k} = %c0 to %kb step %c1 iter_args({iter_args}) "
              f"-> ({types}) {{", *body, f"scf.yield {', '.join(outs)} : {types}", "}"]
    tile = [new("e") for _ in range(rows)]
    lines += [f"{t} = arith.maximumf {res}#{r}, %floor : {vec}" for r, t in enumerate(tile)]
    lines += [f"scf.if {full} {{",
              *(f"vector.store {t}, %C[{i}, {col}] : {tc}, {vec}" for t, i in zip(tile, idx)),
              "} else {",
              *(f"vector.maskedstore %C[{i}, {col}], {mask}, {t} : {tc}, "
                f"vector<{lanes}xi1>, {vec}" for t, i in zip(tile, idx)),
              "}", "}"]
    return lines


def _bias_tile(new: Names, idx: list[str], col: str, mask: str, lanes: int
               ) -> tuple[list[str], list[str]]:
    """Lines loading the tile's share of %bias (an scf.if on %bias_rows:
    each row's element broadcast, else the panel's columns of it in every
    row, masked: the last panel may be partial), and the tile's names."""
    vec = f"vector<{lanes}xf32>"
    types = ", ".join([vec] * len(idx))
    t, v = new("bt"), new("bv")
    lines = [f"{t}:{len(idx)} = scf.if %bias_rows -> ({types}) {{"]
    names = []
    for i in idx:
        x, b = new("bx"), new("bb")
        lines += [f"{x} = memref.load %bias[{i}] : memref<?xf32>",
                  f"{b} = vector.broadcast {x} : f32 to {vec}"]
        names.append(b)
    lines += [f"scf.yield {', '.join(names)} : {types}", "} else {",
              f"{v} = vector.maskedload %bias[{col}], {mask}, %zero : memref<?xf32>, "
              f"vector<{lanes}xi1>, {vec} into {vec}",
              f"scf.yield {', '.join([v] * len(idx))} : {types}", "}"]
    return lines, [f"{t}#{r}" for r in range(len(idx))]


def _start_tile(new: Names, from_c: list[str], c_tile: list[str], idx: list[str], col: str,
                mask: str, lanes: int) -> tuple[str, list[str]]:
    """The name of the tile the k loop starts from, and the lines computing
    it: in the first k block (%kfirst), %init = 1 starts from the bias (C
    holds nothing yet), %init = 2 from C plus the bias (C holds a residual),
    %init = 3 from zero (C holds nothing); otherwise from C (`from_c` loads
    it into `c_tile`)."""
    vec = f"vector<{lanes}xf32>"
    rows = len(idx)
    types = ", ".join([vec] * rows)
    cin, cadd = new("cin"), new("cadd")
    b_set, set_tile = _bias_tile(new, idx, col, mask, lanes)
    b_add, add_tile = _bias_tile(new, idx, col, mask, lanes)
    sums = [new("bs") for _ in idx]
    start = new("start")
    return start, [
        f"{start}:{rows} = scf.if %from_zero -> ({types}) {{",
        f"scf.yield {', '.join(['%zero'] * rows)} : {types}", "} else {",
        f"{cin}:{rows} = scf.if %from_bias -> ({types}) {{", *b_set,
        f"scf.yield {', '.join(set_tile)} : {types}", "} else {", *from_c,
        f"{cadd}:{rows} = scf.if %add_bias -> ({types}) {{", *b_add,
        *(f"{t} = arith.addf {c}, {b} : {vec}" for t, c, b in zip(sums, c_tile, add_tile)),
        f"scf.yield {', '.join(sums)} : {types}", "} else {",
        f"scf.yield {', '.join(c_tile)} : {types}", "}",
        f"scf.yield {', '.join(f'{cadd}#{r}' for r in range(rows))} : {types}", "}",
        f"scf.yield {', '.join(f'{cin}#{r}' for r in range(rows))} : {types}", "}"]


def _block_flags(lanes: int) -> list[str]:
    """In the k-block loop: %floor, what the stored tile is clamped to (0
    once the block ending at K has been added to a ReLU matmul's sums, else
    -inf), and whether the tile starts from the bias (%from_bias), from C
    plus the bias (%add_bias) or from zero (%from_zero): only in the first
    block."""
    vec = f"vector<{lanes}xf32>"
    return ["%kend = arith.addi %k0, %kb : index",
            "%klast = arith.cmpi eq, %kend, %cK : index",
            "%clamp = arith.andi %klast, %relu : i1",
            f"%ninf = arith.constant dense<0xFF800000> : {vec}",
            f"%floor = arith.select %clamp, %zero, %ninf : {vec}",
            "%kfirst = arith.cmpi eq, %k0, %c0 : index",
            "%from_bias = arith.andi %kfirst, %init_bias : i1",
            "%add_bias = arith.andi %kfirst, %init_sum : i1",
            "%from_zero = arith.andi %kfirst, %init_zero : i1"]


def narrow_strips(m: int, rows: int, split: str) -> int:
    """How many strips of rows - 1 rows cover the end of C's m rows (the
    rest in strips of `rows`), where m % rows would leave a last strip of
    fewer than rows - 1 rows; 0 to keep that strip (m too small to spread
    it, or the threads' pieces split the rows, whose bounds are multiples
    of `rows`).  49 rows (ResNet's layer4 at 224, transposed): 4 x 6 + 5 x 5
    instead of 8 x 6 + 1."""
    strips = ceil_div(m, rows)
    if split == "m" or m % rows in (0, rows - 1) or strips * (rows - 1) > m:
        return 0
    return strips - (m - strips * (rows - 1))


def kernel_text(name: str, types: tuple[str, str, str], m: int, k: int | None,
                plan_: PackedPlan, prepacked: bool = False,
                flags: tuple[bool, bool] = (False, False)) -> str:
    """The kernel function: C[mlo:mhi, nlo:nhi] += A[mlo:mhi] @ B[:, nlo:nhi].
    mlo is a multiple of the tile's rows: a strip of fewer rows (m % rows)
    exists only where mhi = m.  `prepacked`: B (types[1]) is all of B in
    the packed layout [n/lanes][k][lanes] (see `prepack_text`).  `flags`:
    A is read as (K, M), B (unless prepacked) as (N, K) (`transposes`).
    Fused work, chosen by arguments (one kernel serves every matmul of a
    shape): %init 0 starts the sums from C, 1 from %bias, 2 from C plus
    %bias (broadcast along the rows if %bias_rows, else the columns), 3
    from zero;
    %relu clamps the sums at 0 as the last k block stores them.
    k None: K is A's size (a shared kernel, see `shared_types`)."""
    ta, tb, tc = types
    rows, lanes = plan_.rows, plan_.lanes
    new = Names()
    bp = tb if prepacked else f"{plan_.n1 // lanes}x{plan_.k1}x{lanes}xf32"
    b_transposed = flags[1] and not prepacked

    def tile(tile_rows: int, m0: str) -> list[str]:
        return _micro_kernel(new, tile_rows, m0, tc, ta, bp, lanes, prepacked, flags[0])
    strip = new("m0")
    body = [] if prepacked else pack_block(new, tb, bp, lanes, b_transposed)
    narrow = narrow_strips(m, rows, plan_.split)
    if narrow:
        # a small remainder spread over strips one row shorter: no strip of
        # 1-2 rows, which would run at a fraction of the FMA rate
        short = new("m0")
        body += [f"%split = arith.constant {m - narrow * (rows - 1)} : index",
                 "%wide_end = arith.minsi %split, %mhi : index",
                 "%short_lo = arith.maxsi %split, %mlo : index",
                 "%cshort = arith.constant " + str(rows - 1) + " : index",
                 f"scf.for {strip} = %mlo to %wide_end step %crows {{",
                 *tile(rows, strip), "}",
                 f"scf.for {short} = %short_lo to %mhi step %cshort {{",
                 *tile(rows - 1, short), "}"]
    else:
        body += [f"scf.for {strip} = %mlo to %full_end step %crows {{",
                 *tile(rows, strip), "}"]
    if m % rows and not narrow:
        t = new("tail")
        body += [f"{t} = arith.cmpi slt, %full_end, %mhi : index", f"scf.if {t} {{",
                 *tile(m % rows, "%full_end"), "}"]
    stack = "" if prepacked else \
        f"%bp = memref.alloca() {{alignment = 64 : i64}} : memref<{bp}>"
    consts = "\n  ".join(f"%c{i}_idx = arith.constant {i} : index" for i in range(rows))
    body = _block_flags(lanes) + body
    inner = "\n      ".join(body)
    return transpose_declaration(b_transposed) + f"""
func.func private @{name}(%A: {ta}, %B: {tb}, %C: {tc}, {FUSED_ARGS}, %mlo: index,
                          %mhi: index, %nlo: index, %nhi: index)
    attributes {{passthrough = ["noinline"]}} {{
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %init_bias = arith.cmpi eq, %init, %c1 : index
  %init_sum = arith.cmpi eq, %init, %c2 : index
  %c3 = arith.constant 3 : index
  %init_zero = arith.cmpi eq, %init, %c3 : index
  %clanes = arith.constant {lanes} : index
  %clanes_1 = arith.constant {lanes - 1} : index
  %crows = arith.constant {rows} : index
  {f"%cK = arith.constant {k} : index" if k is not None else
     f"%cK = memref.dim %A, %c{0 if flags[0] else 1} : {ta}"}
  %ck1 = arith.constant {plan_.k1} : index
  %cn1 = arith.constant {plan_.n1} : index
  {consts}
  %zero = arith.constant dense<0.0> : vector<{lanes}xf32>
  {stack}
  %mrows = arith.subi %mhi, %mlo : index
  %strips = arith.divui %mrows, %crows : index
  %full_rows = arith.muli %strips, %crows : index
  %full_end = arith.addi %mlo, %full_rows : index
  scf.for %n0 = %nlo to %nhi step %cn1 {{
    %nb_end = arith.addi %n0, %cn1 : index
    %nend = arith.minsi %nb_end, %nhi : index
    %nb = arith.subi %nend, %n0 : index
    %nb_up = arith.addi %nb, %clanes_1 : index
    %np = arith.divui %nb_up, %clanes : index
    %pbase = arith.divui %n0, %clanes : index
    scf.for %k0 = %c0 to %cK step %ck1 {{
      %krest = arith.subi %cK, %k0 : index
      %kb = arith.minsi %krest, %ck1 : index
      {inner}
    }}
  }}
  return
}}
"""


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


def driver_text(name: str, kernel: str, types: tuple[str, str, str], m: int, n: int,
                plan_: PackedPlan, weight: tuple[str, str, str] | None = None,
                fused: Fused = Fused(), kernel_types: tuple[str, str, str] | None = None
                ) -> str:
    """The function that replaces the matmul: the kernel over all of C, or
    one kernel call per piece in an scf.parallel (OpenMP later).  `weight`
    (global, its packed type, the packing function): B is a constant,
    packed into that global by the first call; the kernel reads the global.
    `fused`: the kernel's fused work; with a bias, the driver takes it
    after C.  `kernel_types`: the kernel's operand types where they are
    not the matmul's (a shared kernel: the operands are cast to them)."""
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
    if plan_.pieces <= 1:
        body = f"""
  %c0 = arith.constant 0 : index
  %cm = arith.constant {m} : index
  %cn = arith.constant {n} : index
  func.call @{kernel}({ka}, {kb}, {c_args}, %c0, %cm, %c0, %cn) : {signature}"""
    else:
        extent = m if plan_.split == "m" else n
        ranges = "%lo, %hi, %c0, %cn" if plan_.split == "m" else "%c0, %cm, %lo, %hi"
        # piece i: units [i * units / pieces, (i + 1) * units / pieces)
        body = f"""
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %cm = arith.constant {m} : index
  %cn = arith.constant {n} : index
  %cext = arith.constant {extent} : index
  %cunits = arith.constant {plan_.units} : index
  %cunit = arith.constant {plan_.unit} : index
  %cpieces = arith.constant {plan_.pieces} : index
  scf.parallel (%i) = (%c0) to (%cpieces) step (%c1) {{
    {piece_units("%first", "%end", "    ")}
    %lo = arith.muli %first, %cunit : index
    %hi_units = arith.muli %end, %cunit : index
    %hi = arith.minsi %hi_units, %cext : index
    func.call @{kernel}({ka}, {kb}, {c_args}, {ranges}) : {signature}
    scf.reduce
  }}"""
    declarations = declare(kernel, kernel_types)
    if weight is not None:
        declarations += declare(weight[2], [types[1], weight[1]])
    return declarations + f"""
func.func private @{name}(%A: {ta}, %B: {types[1]}, %C: {tc}{bias_arg}) {{{prologue}{body}
  return
}}
"""


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


def shared_types(m: int, plan_: PackedPlan, block: tuple[int, int], prepacked: bool
                 ) -> tuple[tuple[str, str, str], PackedPlan] | None:
    """The operand types and plan of the kernel that serves every matmul
    whose C has a multiple of the tile's rows, or None.  Its code then
    depends on the register tile only: no tail strip, no narrow strips (so
    no thread split either), and blocks of B of the target's full size
    `block` (k1, n1), which the kernel clamps to K and to its columns just
    as a plan's smaller blocks are (the stack block is then partly unused).
    One kernel for a network's convolutions instead of one per layer
    shape: ResNet-18's 11 packed kernels were a third of its LLVM time."""
    if m % plan_.rows:
        return None
    tb = f"memref<?x?x{plan_.lanes}xf32>" if prepacked else ANY_MATRIX
    return (ANY_MATRIX, tb, ANY_MATRIX), PackedPlan(plan_.rows, plan_.lanes, *block)


def _kernel(emit: Emitter, types: tuple[str, str, str], m: int, k: int, plan_: PackedPlan,
            block: tuple[int, int], flags: tuple[bool, bool], caller: ir.Operation,
            prepacked: bool = False) -> tuple[str, tuple[str, str, str]]:
    """The kernel for a matmul of these operand types (B packed: `prepacked`)
    and the types it takes: shared by every shape (`shared_types`) or
    made for this one."""
    shared = shared_types(m, plan_, block, prepacked)
    ktypes, kplan, km, kk = (types, plan_, m, k) if shared is None else (*shared, 0, None)
    kflags = flags[0] if prepacked else flags
    kernel = emit.get(("kernel", ktypes, kplan, kflags), KERNEL_PREFIX + "_{}",
                      lambda f: kernel_text(f, ktypes, km, kk, kplan, prepacked=prepacked,
                                            flags=flags), caller)
    return kernel, ktypes


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
    for op, plan_ in ops:
        types = tuple(str(v.type) for v in op.operands)
        flags = transposes(op)
        transposed = flags[1]
        fused, fill, extra = fused_of(op)
        m, n, k = sizes_of(op)
        caller = enclosing_function(op)
        glob = constant_global(module_op, op.operands[1])
        if glob is None:
            kernel, ktypes = _kernel(emit, types, m, k, plan_, block, flags, caller)
            # a shared kernel has a driver per shape: _driver, _driver1, ...
            name = f"{kernel}_driver{{}}" if fused == PLAIN else f"{kernel}_driver_f{{}}"
            driver = emit.get(("driver", kernel, types, plan_, fused), name,
                              lambda f: driver_text(f, kernel, types, m, n, plan_, fused=fused,
                                                    kernel_types=ktypes),
                              caller, bare_first=fused == PLAIN)
        else:
            tp = f"memref<{ceil_div(n, plan_.lanes)}x{k}x{plan_.lanes}xf32>"
            ptypes = (types[0], tp, types[2])
            kernel, ktypes = _kernel(emit, ptypes, m, k, plan_, block, flags, caller,
                                     prepacked=True)
            packer = emit.get(("prepack", types[1], tp, transposed), KERNEL_PREFIX + "_prepack_{}",
                              lambda f: prepack_text(f, types[1], tp, k, n, plan_.lanes,
                                                     transposed), caller)
            # the global and its driver parse together (the driver refers
            # to it); a weight read by matmuls of other shapes is packed again
            driver = emit.get(("driver", kernel, types, glob, fused, transposed),
                              kernel + "_w{}",
                              lambda f: copy_globals(f"{f}_b", tp) +
                              driver_text(f, kernel, types, m, n, plan_,
                                          (f"{f}_b", tp, packer), fused, ktypes),
                              caller)
        operands = list(op.operands) + extra
        with ir.InsertionPoint(op), op.location:
            func.CallOp([], ir.FlatSymbolRefAttr.get(driver), operands)
        op.erase()
        if fill is not None:
            fill.erase()
