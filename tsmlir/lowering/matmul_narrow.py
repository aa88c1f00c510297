"""tsm-vectorize-narrow-matmul: a constant matrix times a few columns.

In: bufferized IR (linalg ops on memrefs), before `tsm-cpu-vectorize`.
Out: each static f32 `linalg.matmul` C[m, n] += A[m, k] @ B[k, n] on
row-major memrefs whose A is a constant global (a convolution's weight:
ResNet's late im2col products, 512 x 4608 @ 4608 x 4 at 64 x 64 images),
with few columns (n <= `Tile.max_columns`) and at least a panel of rows
(P = `Tile.panel` rows: 16 with AVX2, 32 with AVX-512), becomes a call to
a generated driver that
- packs A once, on its first call, into a global of its own laid out
  [m/P][k][P] (panel p, row kk = A[P*p ..., kk], zero-padded at the m
  edge): each panel is one contiguous run read front to back;
- per panel, for each group of g <= `Tile.max_group` columns in turn, keeps
  a P x g block of C^T in 2g vector accumulators over the whole of k
  (per k: two vector loads of the panel, g broadcasts of B[k, j] -- a row
  of B is n contiguous floats: no copy of B is needed -- and 2g FMAs;
  one or two columns interleave several sets of accumulators over k, to
  keep enough FMAs in flight); the first group prefetches the panel
  PREFETCH_ROWS rows ahead (software prefetch: the weights come from
  memory), the groups after it find the panel (k x P floats, 288 KB at
  k = 4608 with AVX2) in L2;
- adds the block into C (transposed, through a small stack buffer: the
  store is n x P floats per panel, noise next to the k loop), applying
  the matmul's epilogue (`kernel_emit.epilogue_of`: "relu") there:
  every sum is complete when it is stored.
With `tsm.num_threads` > 1 and at least MIN_PARALLEL_WEIGHTS elements of A,
the threads share the panels (an scf.parallel over pieces of panels): the
product is bound by the bandwidth of streaming A, which each thread reads
only its part of.

Why: `matmul_codegen`'s packed kernel packs B into panels of 16 columns
(32 with AVX-512), 75% zero padding at n = 4, and reads A (the big operand)
by scalar broadcasts, 1/4 of its FMA lanes useful; here every FMA lane is
useful and A is read once, in full vectors.  n = 4: ~80 GFLOP/s of Zen3's
~96 FMA peak.

The panel is two vectors of the target's width (`tile_for`): 16 rows with
AVX2, 32 with AVX-512, whose 32 zmm registers also hold groups of up to 12
columns (24 accumulators).  With AVX-512 the kernel also takes 13 to 24
columns, where the packed kernel's 32-wide panels are a quarter to half
padding: ResNet-18's layer3 at 64 x 64 images (256 x 2304 @ 2304 x 16),
1.7x faster than the packed kernel.
"""
from __future__ import annotations

from mlir import ir
from mlir.dialects import func

from dataclasses import dataclass

from . import cpu_codegen
from .ir_walk import collect
from .kernel_emit import (Emitter, ceil_div, constant_global, copy_globals, enclosing_function,
                          epilogue_of, filled_once, shape_of)
from .parallel import num_threads
from .passes import register
from .target import target_has_avx512


@dataclass(frozen=True)
class Tile:
    """The kernel's shape for a target: f32 `lanes` of one vector register
    (a panel is two vectors: `panel` rows of A), the columns of C held in
    registers at once (`max_group`) and the columns up to which the kernel
    is taken (`max_columns`)."""
    lanes: int
    max_group: int
    max_columns: int

    @property
    def panel(self) -> int:
        return 2 * self.lanes


#: AVX2: 2 x 6 accumulators, 2 panel vectors and a broadcast fill 15 of the
#: 16 ymm registers.  Columns up to which this kernel beats
#: `matmul_codegen`'s packed kernel there (512 x 4608 @ 4608 x n, 1 thread,
#: L3-resident: n = 4 / 8 / 12: 238 / 463 / 657 us against 941 / 936 / 947;
#: n = 16 a tie, 877 us each).
AVX2 = Tile(lanes=8, max_group=6, max_columns=12)
#: AVX-512: 2 x 12 accumulators, 2 panel vectors and a broadcast: 27 of the
#: 32 zmm registers; up to 24 columns, where the packed kernel's 32-wide
#: panels are a quarter padding (Sapphire Rapids, 1 thread, against the
#: packed kernel: 256 x 2304 @ 2304 x 16 168 vs 289 us, x 24 192 vs 284 us;
#: 512 x 4608 @ 4608 x 16 664 vs 1174 us; at 28 and 32 columns still ~15%
#: ahead, measured with other work on the machine: left to the packed kernel).
AVX512 = Tile(lanes=16, max_group=12, max_columns=24)
MIN_DEPTH = 16
#: Elements of A from which the threads share the panels.
MIN_PARALLEL_WEIGHTS = 1 << 16
PIECES_PER_THREAD = 2
PREFIX = "tsm_matmul_narrow"
#: Rows of a panel (64 bytes each) that the first group's k loop prefetches
#: ahead: the hardware prefetcher alone streamed A at ~16 GB/s, with this
#: 18-20 GB/s (4 x 512 x 4608 @ 4608 x 4, from memory, 1 thread).
PREFETCH_ROWS = 32
#: The epilogues `_store` applies (a matmul marked with another one is left
#: to the other kernels and the fallback).
EPILOGUES = ("relu",)


def tile_for(module_op: ir.Operation) -> Tile:
    return AVX512 if target_has_avx512(module_op) else AVX2


def applies(module_op: ir.Operation, op: ir.Operation, tile: Tile) -> bool:
    """A plain f32 matmul on static row-major memrefs, a constant A of at
    least a panel of rows, few columns, and an epilogue this kernel knows."""
    if not cpu_codegen.is_plain_matmul(op) or not all(
            ir.MemRefType(v.type).has_static_shape for v in op.operands):
        return False
    m, n, k = shape_of(op)
    return m >= tile.panel and 1 <= n <= tile.max_columns and k >= MIN_DEPTH \
        and epilogue_of(op) in (None, *EPILOGUES) \
        and constant_global(module_op, op.operands[0]) is not None


def groups(n: int, max_group: int) -> list[tuple[int, int]]:
    """(first column, width) of each group of columns: as few groups as
    `max_group` allows, of balanced widths."""
    count = ceil_div(n, max_group)
    base, extra = divmod(n, count)
    out, j0 = [], 0
    for g in range(count):
        width = base + (g < extra)
        out.append((j0, width))
        j0 += width
    return out


def _pack_panel(s: str, panel: str, m0: str, rows: int, ta: str, tp: str,
                width: int) -> list[str]:
    """Panel `panel` (rows `m0` .. + rows, zeros after them up to `width`):
    per kk, the column of the panel gathered from `rows` rows and stored as
    one vector."""
    names = [f"%x{s}_{i}" for i in range(rows)] + ["%zero"] * (width - rows)
    lines = [f"scf.for %kk{s} = %c0 to %ck step %c1 {{"]
    for i in range(rows):
        lines += [f"  %row{s}_{i} = arith.addi {m0}, %c{i} : index",
                  f"  {names[i]} = memref.load %A[%row{s}_{i}, %kk{s}] : {ta}"]
    lines += [f"  %v{s} = vector.from_elements {', '.join(names)} : vector<{width}xf32>",
              f"  vector.store %v{s}, %ap[{panel}, %kk{s}, %c0] : {tp}, vector<{width}xf32>",
              "}"]
    return lines


def pack_text(name: str, ta: str, tp: str, m: int, k: int, panel: int) -> str:
    """`@name(A, packed)`: A[m, k] -> packed[p][kk][i] = A[panel*p + i, kk],
    zero past row m.  Once per weight: `panel` streams down the rows of A,
    one vector store per kk.  (A scalar copy loop, which LLVM's loop
    vectorizer took on, cost ~0.5 s of JIT time per weight shape.)"""
    full, rest = divmod(m, panel)
    consts = "\n  ".join(f"%c{v} = arith.constant {v} : index"
                         for v in sorted({0, 1, panel, full, *range(panel)}))
    lines = [f"scf.for %pf = %c0 to %c{full} step %c1 {{",
             f"  %m0f = arith.muli %pf, %c{panel} : index",
             *_pack_panel("f", "%pf", "%m0f", panel, ta, tp, panel), "}"]
    if rest:
        lines += [f"%m0e = arith.constant {full * panel} : index",
                  *_pack_panel("e", f"%c{full}", "%m0e", rest, ta, tp, panel)]
    body = "\n  ".join(lines)
    return f"""
func.func private @{name}(%A: {ta}, %ap: {tp}) attributes {{passthrough = ["noinline"]}} {{
  {consts}
  %ck = arith.constant {k} : index
  %zero = arith.constant 0.0 : f32
  {body}
  return
}}
"""


def unroll(g: int) -> int:
    """Sets of accumulators over interleaved k: the FMA chains of one set
    (2g) must cover the FMA latency x throughput (4 cycles x 2 per cycle on
    Zen3/Skylake: 8 chains), within 12 accumulators."""
    return max(1, 4 // g)


def _fmas(cols: range, s: str, kk: str, tp: str, tb: str, accs: list[str],
          lanes: int) -> tuple[list[str], list[str]]:
    """One k step of columns `cols` into the accumulators `accs` (column-
    major, two halves each); `s` makes the names unique: the lines and
    the names of the results."""
    vec = f"vector<{lanes}xf32>"
    lines = [f"%a{s}_{h} = vector.load %ap[%p, {kk}, %c{lanes * h}] : {tp}, {vec}"
             for h in range(2)]
    outs = []
    for i, j in enumerate(cols):
        lines += [f"%b{s}_{j} = memref.load %B[{kk}, %c{j}] : {tb}",
                  f"%bb{s}_{j} = vector.broadcast %b{s}_{j} : f32 to {vec}"]
        for h in range(2):
            out = f"%f{s}_{j}_{h}"
            lines.append(f"{out} = vector.fma %a{s}_{h}, %bb{s}_{j}, {accs[2 * i + h]} : {vec}")
            outs.append(out)
    return lines, outs


def _prefetch(kk: str, s: str, tp: str, lanes: int) -> list[str]:
    """Software prefetches of the panel's row PREFETCH_ROWS ahead of `kk`
    (the last row at the panel's end): one per 64-byte line of the row
    (2 lanes-wide vectors: one line with AVX2, two with AVX-512)."""
    lines = [f"%pfa{s} = arith.addi {kk}, %cpf : index",
             f"%pf{s} = arith.minsi %pfa{s}, %cklast : index"]
    return lines + [f"memref.prefetch %ap[%p, %pf{s}, %c{col}], read, locality<3>, data : {tp}"
                    for col in range(0, 2 * lanes, 16)]


def _k_loop(cols: range, q: int, k: int, tp: str, tb: str, lanes: int) -> list[str]:
    """Group `q`: the accumulation over all of k for panel %p and columns
    `cols`, stored into %buf[j][:] (C^T of the panel).  `unroll` sets of
    accumulators take interleaved k steps; the sets are added up after the
    loop, a tail of k % unroll steps goes into the sum."""
    vec = f"vector<{lanes}xf32>"
    u = unroll(len(cols))
    main = k // u * u
    width = 2 * len(cols)
    accs = [[f"%acc{q}_{s}_{i}" for i in range(width)] for s in range(u)]
    types = ", ".join([vec] * (width * u))
    inits = ", ".join(f"{a} = %vzero" for a_s in accs for a in a_s)
    body, outs = [], []
    for s in range(u):
        kk = f"%kk{q}" if s == 0 else f"%kk{q}_{s}"
        if s:
            body.append(f"{kk} = arith.addi %kk{q}, %c{s} : index")
        if q == 0:  # the first group streams the panel from memory
            body += _prefetch(kk, f"{q}_{s}", tp, lanes)
        lines, res = _fmas(cols, f"{q}_{s}", kk, tp, tb, accs[s], lanes)
        body += lines
        outs += res
    r = f"%r{q}"
    lines = [f"%cmain{q} = arith.constant {main} : index",
             f"%cstep{q} = arith.constant {u} : index",
             f"{r}:{width * u} = scf.for %kk{q} = %c0 to %cmain{q} step %cstep{q} "
             f"iter_args({inits}) -> ({types}) {{", *body,
             f"scf.yield {', '.join(outs)} : {types}", "}"]
    sums = [f"{r}#{i}" for i in range(width)]
    for s in range(1, u):
        for i in range(width):
            lines.append(f"%sum{q}_{s}_{i} = arith.addf {sums[i]}, {r}#{s * width + i} : {vec}")
            sums[i] = f"%sum{q}_{s}_{i}"
    if main < k:
        tail_accs = [f"%tacc{q}_{i}" for i in range(width)]
        tail, res = _fmas(cols, f"{q}_t", f"%kt{q}", tp, tb, tail_accs, lanes)
        one = ", ".join([vec] * width)
        lines += [f"%rt{q}:{width} = scf.for %kt{q} = %cmain{q} to %ck step %c1 iter_args("
                  f"{', '.join(f'{a} = {x}' for a, x in zip(tail_accs, sums))}) -> ({one}) {{",
                  *tail, f"scf.yield {', '.join(res)} : {one}", "}"]
        sums = [f"%rt{q}#{i}" for i in range(width)]
    return lines + [f"vector.store {sums[2 * i + h]}, %buf[%c{j}, %c{lanes * h}] : "
                    f"!tbuf, {vec}" for i, j in enumerate(cols) for h in range(2)]


def _store(n: int, tc: str, epilogue: str | None) -> list[str]:
    """C[m0 + i, j] += %buf[j][i] for the panel's rows i (fewer in the last
    panel), then the epilogue: the accumulators hold C transposed."""
    lines = ["%m0 = arith.muli %p, %cpanel : index",
             "%left = arith.subi %cm, %m0 : index",
             "%rows = arith.minsi %left, %cpanel : index",
             "scf.for %i = %c0 to %rows step %c1 {",
             "  %row = arith.addi %m0, %i : index"]
    for j in range(n):
        lines += [f"  %s{j} = memref.load %buf[%c{j}, %i] : !tbuf",
                  f"  %o{j} = memref.load %C[%row, %c{j}] : {tc}",
                  f"  %t{j} = arith.addf %o{j}, %s{j} : f32"]
        out = f"%t{j}"
        if epilogue == "relu":
            lines.append(f"  %u{j} = arith.maximumf %t{j}, %zero : f32")
            out = f"%u{j}"
        lines.append(f"  memref.store {out}, %C[%row, %c{j}] : {tc}")
    lines.append("}")
    return lines


def kernel_text(name: str, types: tuple[str, str, str], m: int, n: int, k: int,
                epilogue: str | None, tile: Tile = AVX2) -> str:
    """`@name(packed, B, C, plo, phi)`: C[rows of panels plo..phi] +=
    packed A @ B, then the epilogue.  The column groups run one after the
    other on each panel: the panel (k x 16 floats with AVX2: 288 KB at
    k = 4608) comes from memory for the first and from L2 for the others."""
    tp, tb, tc = types
    lanes = tile.lanes
    consts = "\n  ".join(f"%c{v} = arith.constant {v} : index"
                         for v in sorted({0, 1, 16, lanes, *range(max(n, tile.max_group, 4))}))
    body = [line for q, (j0, g) in enumerate(groups(n, tile.max_group))
            for line in _k_loop(range(j0, j0 + g), q, k, tp, tb, lanes)]
    body = "\n    ".join(body + _store(n, tc, epilogue))
    return f"""
!tbuf = memref<{n}x{tile.panel}xf32>
func.func private @{name}(%ap: {tp}, %B: {tb}, %C: {tc}, %plo: index, %phi: index)
    attributes {{passthrough = ["noinline"]}} {{
  {consts}
  %cm = arith.constant {m} : index
  %ck = arith.constant {k} : index
  %cpanel = arith.constant {tile.panel} : index
  %cpf = arith.constant {PREFETCH_ROWS} : index
  %cklast = arith.constant {k - 1} : index
  %zero = arith.constant 0.0 : f32
  %vzero = arith.constant dense<0.0> : vector<{lanes}xf32>
  %buf = memref.alloca() {{alignment = 64 : i64}} : !tbuf
  scf.for %p = %plo to %phi step %c1 {{
    {body}
  }}
  return
}}
"""


def _pieces(panels: int, threads: int, weights: int) -> tuple[int, int]:
    """(pieces, panels per piece) of the thread split; (1, panels) serial."""
    if threads <= 1 or weights < MIN_PARALLEL_WEIGHTS or panels < 2:
        return 1, panels
    pieces = min(panels, PIECES_PER_THREAD * threads)
    chunk = ceil_div(panels, pieces)
    return ceil_div(panels, chunk), chunk


def driver_text(name: str, types: tuple[str, str, str], tp: str, m: int, k: int,
                kernel: str, packer: str, threads: int, panel: int) -> str:
    """The packed-A global, its ready flag and `@name(A, B, C)`: pack A on
    the first call, then run the kernel over all panels (of `panel` rows),
    or over pieces of them in an scf.parallel."""
    ta, tb, tc = types
    panels = ceil_div(m, panel)
    pieces, chunk = _pieces(panels, threads, m * k)
    call = (f"func.call @{kernel}(%packed, %B, %C, %plo, %phi) : "
            f"({tp}, {tb}, {tc}, index, index) -> ()")
    if pieces == 1:
        loop = f"""%plo = arith.constant 0 : index
  %phi = arith.constant {panels} : index
  {call}"""
    else:
        loop = f"""%cpieces = arith.constant {pieces} : index
  %cchunk = arith.constant {chunk} : index
  %cpanels = arith.constant {panels} : index
  scf.parallel (%i) = (%c0) to (%cpieces) step (%c1) {{
    %plo = arith.muli %i, %cchunk : index
    %pend = arith.addi %plo, %cchunk : index
    %phi = arith.minsi %pend, %cpanels : index
    {call}
    scf.reduce
  }}"""
    return f"""
func.func private @{kernel}({tp}, {tb}, {tc}, index, index)
func.func private @{packer}({ta}, {tp})
{copy_globals(f"{name}_a", tp)}
func.func private @{name}(%A: {ta}, %B: {tb}, %C: {tc}) {{
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
{filled_once(f"{name}_a", "packed", tp, f"    func.call @{packer}(%A, %packed) : ({ta}, {tp}) -> ()")}
  {loop}
  return
}}
"""


@register("tsm-vectorize-narrow-matmul",
          "Constant A times a few columns: A packed once into row panels, C^T in registers")
def vectorize_narrow_matmul(module_op: ir.Operation) -> None:
    threads = num_threads(module_op)
    tile = tile_for(module_op)
    emit = Emitter()
    for op in collect(module_op, lambda op: applies(module_op, op, tile)):
        m, n, k = shape_of(op)
        ta, tb, tc = types = tuple(str(v.type) for v in op.operands)
        tp = f"memref<{ceil_div(m, tile.panel)}x{k}x{tile.panel}xf32>"
        epilogue = epilogue_of(op)
        caller = enclosing_function(op)
        packer = emit.get(("pack", ta, tp), PREFIX + "_pack_{}",
                          lambda f: pack_text(f, ta, tp, m, k, tile.panel), caller)
        kernel = emit.get(("kernel", tp, tb, tc, epilogue), PREFIX + "_{}",
                          lambda f: kernel_text(f, (tp, tb, tc), m, n, k, epilogue, tile),
                          caller)
        # the packed global parses with its driver (which refers to it): a
        # weight read by matmuls of other shapes is packed again
        driver = emit.get(("driver", types, epilogue, constant_global(module_op, op.operands[0])),
                          PREFIX + "_w{}",
                          lambda f: driver_text(f, types, tp, m, k, kernel, packer, threads,
                                                tile.panel),
                          caller)
        with ir.InsertionPoint(op), op.location:
            func.CallOp([], ir.FlatSymbolRefAttr.get(driver), list(op.operands))
        op.erase()
