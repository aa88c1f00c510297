"""The packed matmul kernel function's text (matmul_codegen says which
matmuls take it and writes the drivers that call it).

In: a kernel's operand types, its rows M, its depth K (None: A's size,
read at run time) and its `PackedPlan`.  Out: the MLIR text of one
function, C[mlo:mhi, nlo:nhi] += A[mlo:mhi] @ B[:, nlo:nhi].

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
   strips one row shorter (4 x 6 + 5 x 5; `narrow_strips`).  A kernel of
   run-time rows makes that choice when it runs (`_run_time_strips`).  A
   tile of 1 or 2 rows adds several k's at a time into as many sums
   (`k_ways`), hiding the FMA's latency.
A matmul marked with an epilogue (`kernel_emit.EPILOGUE_ATTR`, see `epilogue_of`)
gets it applied to the accumulators that the last k block stores: C leaves
the kernel as relu(A @ B + C) in one pass (earlier k blocks store partial
sums, which must stay unclamped).
A constant B is packed once by its driver (matmul_codegen): the kernel
then reads it in place of the stack block (`prepacked`).
"""
from __future__ import annotations

from dataclasses import dataclass

from .kernel_emit import ceil_div
from .matmul_pack import Names, pack_block, panel_of, transpose_declaration

#: The kernels' arguments that choose their fused work (see kernel_text).
FUSED_ARGS = "%bias: memref<?xf32>, %init: index, %bias_rows: i1, %relu: i1"
FUSED_TYPES = ["memref<?xf32>", "index", "i1", "i1"]


@dataclass(frozen=True)
class PackedPlan:
    """Register tile (rows x lanes accumulators, lanes = the panel width),
    cache blocks (k1 rows x n1 columns of B) and how threads share the
    work: `pieces` pieces of whole panels (split "n") or row strips ("m"),
    `units` of them in all; piece i takes units [i*units/pieces,
    (i+1)*units/pieces) (`piece_bounds`), so piece sizes differ by at most
    one unit.  `at_run_time`: sizes known only at run time, where the
    driver reads them, decides whether the threads share the work (by
    parallel.pays_to_share's rule, or, `b_transposed`, packing a B (N, K)
    of at least MIN_PARALLEL_B_TRANSPOSED elements) and, split "m", counts
    the strips (`units` 0; at most `pieces` pieces)."""
    rows: int
    lanes: int
    k1: int
    n1: int
    split: str = "n"
    pieces: int = 1
    units: int = 0
    at_run_time: bool = False
    b_transposed: bool = False

    @property
    def unit(self) -> int:
        """Columns (a panel) or rows (a strip) of one unit."""
        return self.lanes if self.split == "n" else self.rows

    def piece_bounds(self, i: int, extent: int) -> tuple[int, int]:
        """Piece i's first and end column (or row), as the driver computes them."""
        lo = i * self.units // self.pieces * self.unit
        return lo, min((i + 1) * self.units // self.pieces * self.unit, extent)


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
    if prepacked:
        panel = new("panel")
        lines.append(f"{panel} = arith.addi %pbase, {p} : index")

    def step(k: str, accs: list[str]) -> tuple[list[str], list[str]]:
        """One k of the tile: B's row k of the panel, an FMA per row."""
        b, kk = new("b"), new("kk")
        body = [f"{kk} = arith.addi %k0, {k} : index",
                f"{b} = vector.load %B[{panel}, {kk}, %c0] : {bp}, {vec}" if prepacked else
                f"{b} = vector.load %bp[{p}, {k}, %c0] : memref<{bp}>, {vec}"]
        outs = []
        for i, acc in zip(idx, accs):
            x, xb, f = new("x"), new("xb"), new("f")
            at = f"{kk}, {i}" if a_transposed else f"{i}, {kk}"
            body += [f"{x} = memref.load %A[{at}] : {ta}",
                     f"{xb} = vector.broadcast {x} : f32 to {vec}",
                     f"{f} = vector.fma {xb}, {b}, {acc} : {vec}"]
            outs.append(f)
        return body, outs
    start_tile, kfrom = [f"{cin}#{r}" for r in range(rows)], "%c0"
    ways = k_ways(rows)
    if ways > 1:
        split, start_tile, kfrom = _split_k(new, rows, ways, start_tile, vec, step)
        lines += split
    k, res = new("k"), new("res")
    accs = [new("a") for _ in idx]
    body, outs = step(k, accs)
    iter_args = ", ".join(f"{a} = {t}" for a, t in zip(accs, start_tile))
    lines += [f"{res}:{rows} = scf.for {k} = {kfrom} to %kb step %c1 iter_args({iter_args}) "
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


def k_ways(rows: int) -> int:
    """Independent sums per accumulator of a tile of `rows` rows: a tile of
    1 or 2 rows has too few accumulators (2 or 4 vectors) to hide the FMA's
    latency (4 cycles, 2 a cycle: 8 chains), so its k loop adds 4 (2) k's
    at a time into as many tiles, summed after the loop (a batch of 1 or
    2, or a last strip of 1 or 2 rows)."""
    return 4 // rows if rows <= 2 else 1


def _split_k(new: Names, rows: int, ways: int, start: list[str], vec: str, step
             ) -> tuple[list[str], list[str], str]:
    """The k loop of a narrow tile in `ways` interleaved sums: k's from 0
    to the block's k's rounded down to a multiple of `ways`, sum j taking
    k = j mod ways, starting from `start` (sum 0) or zero; the lines, the
    tile to go on from (their sum) and the first k left."""
    k, rest, end = new("k"), new("krest"), new("kend")
    sums = [[new("a") for _ in range(rows)] for _ in range(ways)]
    starts = [start] + [["%zero"] * rows for _ in range(ways - 1)]
    body, outs = [], []
    for j in range(ways):
        kj = k if j == 0 else new("kj")
        if j:
            body.append(f"{kj} = arith.addi {k}, %c{j}_idx : index")
        lines_j, outs_j = step(kj, sums[j])
        body += lines_j
        outs += outs_j
    res = new("res")
    all_types = ", ".join([vec] * (rows * ways))
    iter_args = ", ".join(f"{a} = {s}" for aj, sj in zip(sums, starts) for a, s in zip(aj, sj))
    cways = new("cways")
    lines = [f"{cways} = arith.constant {ways} : index",
             f"{rest} = arith.remui %kb, {cways} : index",
             f"{end} = arith.subi %kb, {rest} : index",
             f"{res}:{rows * ways} = scf.for {k} = %c0 to {end} step {cways} "
             f"iter_args({iter_args}) -> ({all_types}) {{", *body,
             f"scf.yield {', '.join(outs)} : {all_types}", "}"]
    tile = []
    for r in range(rows):
        total = f"{res}#{r}"
        for j in range(1, ways):
            t = new("ks")
            lines.append(f"{t} = arith.addf {total}, {res}#{j * rows + r} : {vec}")
            total = t
        tile.append(total)
    return lines, tile, end


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


def narrow_strips(m: int | None, rows: int, split: str) -> int:
    """How many strips of rows - 1 rows cover the end of C's m rows (the
    rest in strips of `rows`), where m % rows would leave a last strip of
    fewer than rows - 1 rows; 0 to keep that strip (m too small to spread
    it, known only at run time (None), or the threads' pieces split the
    rows, whose bounds are multiples of `rows`).  49 rows (ResNet's layer4
    at 224, transposed): 4 x 6 + 5 x 5 instead of 8 x 6 + 1."""
    if m is None:
        return 0
    strips = ceil_div(m, rows)
    if split == "m" or m % rows in (0, rows - 1) or strips * (rows - 1) > m:
        return 0
    return strips - (m - strips * (rows - 1))


def _static_strips(new: Names, m: int, rows: int, split: str, tile) -> list[str]:
    """The strips of a kernel for C's m rows: full strips, then either the
    short strips of `narrow_strips` or one strip of the m % rows left."""
    strip = new("m0")
    narrow = narrow_strips(m, rows, split)
    if not narrow:
        lines = [f"scf.for {strip} = %mlo to %full_end step %crows {{", *tile(rows, strip), "}"]
        if m % rows:
            t = new("tail")
            lines += [f"{t} = arith.cmpi slt, %full_end, %mhi : index", f"scf.if {t} {{",
                      *tile(m % rows, "%full_end"), "}"]
        return lines
    # a small remainder spread over strips one row shorter: no strip of
    # 1-2 rows, which would run at a fraction of the FMA rate
    short = new("m0")
    return [f"%split = arith.constant {m - narrow * (rows - 1)} : index",
            "%wide_end = arith.minsi %split, %mhi : index",
            "%short_lo = arith.maxsi %split, %mlo : index",
            f"%cshort = arith.constant {rows - 1} : index",
            f"scf.for {strip} = %mlo to %wide_end step %crows {{", *tile(rows, strip), "}",
            f"scf.for {short} = %short_lo to %mhi step %cshort {{", *tile(rows - 1, short), "}"]


#: Where a kernel of run-time rows ends its strips (`_run_time_strips`),
#: computed once per call: the rule of `narrow_strips`, applied to the
#: rows [%mlo, %mhi).  Where the rest after the full strips (> 0) can be
#: spread, full strips end at %wide_end and `rows - rest` strips of
#: rows - 1 follow up to %mhi; else full strips end at %full_end and
#: %left rows remain.
_RUN_TIME_ENDS = """%rest = arith.subi %mrows, %full_rows : index
  %has_rest = arith.cmpi sgt, %rest, %c0 : index
  %missing = arith.subi %crows, %rest : index
  %all_strips = arith.addi %strips, %c1 : index
  %spreads = arith.cmpi sle, %missing, %all_strips : index
  %narrowing = arith.andi %has_rest, %spreads : i1
  %wide_strips = arith.subi %all_strips, %missing : index
  %wide_rows = arith.muli %wide_strips, %crows : index
  %wide_at = arith.addi %mlo, %wide_rows : index
  %wide_end = arith.select %narrowing, %wide_at, %full_end : index
  %short_end = arith.select %narrowing, %mhi, %full_end : index
  %left = arith.select %narrowing, %c0, %rest : index
  %cshort = arith.constant {short} : index"""


def _run_time_strips(new: Names, rows: int, tile) -> list[str]:
    """The strips of a kernel whose rows are known only at run time (or
    shared by static shapes of several remainders), to the ends of
    _RUN_TIME_ENDS: full strips, strips of rows - 1 (a rest of rows - 1
    is one such strip), then an `scf.index_switch` on the rows left, a
    micro-kernel for each count from 1 to rows - 2 (`tile(count, m0)`)."""
    wide, short = new("m0"), new("m0")
    lines = [f"scf.for {wide} = %mlo to %wide_end step %crows {{", *tile(rows, wide), "}",
             f"scf.for {short} = %wide_end to %short_end step %cshort {{",
             *tile(rows - 1, short), "}",
             "scf.index_switch %left"]
    for count in range(1, rows - 1):
        lines += [f"case {count} {{", *tile(count, "%full_end"), "scf.yield", "}"]
    return lines + ["default {", "scf.yield", "}"]


def kernel_text(name: str, types: tuple[str, str, str], m: int | None, k: int | None,
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
    k None: K is A's size (a shared kernel, see `shared_types`).  m None:
    the kernel of run-time rows (sizes known only at run time, or static
    shapes sharing it): its last strips are chosen when it runs
    (`_run_time_strips`), and a K of 0 still
    runs one k block."""
    ta, tb, tc = types
    rows, lanes = plan_.rows, plan_.lanes
    # a K of 0 (known only at run time) still runs one k block: the one
    # that writes C's start (bias, zero) and its ReLU
    kloop, kbound = ("%kloop = arith.maxsi %cK, %c1 : index\n  " +
                     _RUN_TIME_ENDS.format(short=rows - 1), "%kloop") if m is None else ("", "%cK")
    new = Names()
    bp = tb if prepacked else f"{plan_.n1 // lanes}x{plan_.k1}x{lanes}xf32"
    b_transposed = flags[1] and not prepacked

    def tile(tile_rows: int, m0: str) -> list[str]:
        return _micro_kernel(new, tile_rows, m0, tc, ta, bp, lanes, prepacked, flags[0])
    body = [] if prepacked else pack_block(new, tb, bp, lanes, b_transposed)
    if m is None:
        body += _run_time_strips(new, rows, tile)
    else:
        body += _static_strips(new, m, rows, plan_.split, tile)
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
  {kloop}
  scf.for %n0 = %nlo to %nhi step %cn1 {{
    %nb_end = arith.addi %n0, %cn1 : index
    %nend = arith.minsi %nb_end, %nhi : index
    %nb = arith.subi %nend, %n0 : index
    %nb_up = arith.addi %nb, %clanes_1 : index
    %np = arith.divui %nb_up, %clanes : index
    %pbase = arith.divui %n0, %clanes : index
    scf.for %k0 = %c0 to {kbound} step %ck1 {{
      %krest = arith.subi %cK, %k0 : index
      %kb = arith.minsi %krest, %ck1 : index
      {inner}
    }}
  }}
  return
}}
"""

