"""tsm-amx-matmul: bfloat16 products on the CPU's AMX tiles.

In: bufferized IR, before `tsm-cpu-vectorize`: a static `linalg.matmul`
C[m, n] += A[m, k] * B[k, n] (or B read as (N, K): its indexing maps) with
bfloat16 A and B and a float32 C (rows of any stride, unit column stride),
k a multiple of 32 (`takes`); or conv_amx's product marked CONV_ATTR (B the
zero-padded image, each kernel position's tiles a shifted window of it).
tsm-lower-matmul and tsm-lower-nn make these for bfloat16 ops when the
target has AMX-BF16 (`target.target_has_amx_bf16`).
Out: a call to a generated function that
- packs B into panels of 16 columns, each panel's rows in pairs (the VNNI
  layout that TDPBF16PS reads: B[k, n] at row k / 2, column 2 n + k % 2 of
  its panel; `_PACK`, or `_PACK_TRANSPOSED` from a B read as (N, K)): once
  into a global of its own when B is a constant (a weight), else into a
  buffer on every call, chunk of columns by chunk (each thread packs the
  panels it reads); a convolution's image in pairs of channels,
  row-major (`_PACK_IMAGE`);
- walks C in blocks of 2 x 2 tiles of 16 x 16 floats (8 tile registers: 4
  of C, 2 of A read in place at its row stride, 2 of B): columns in chunks
  of CHUNK_COLUMNS (shared by the threads, an scf.parallel, with
  `tsm.num_threads` > 1 and enough work), k in chunks of UNROLL steps of 32
  between a load and a store of C's tiles (the first chunk zeroes them
  instead, where the zero fill of C right before the matmul is dropped),
  then the blocks of rows and of columns.  Edge blocks (m or n not a
  multiple of 32) take smaller tiles; each kind of block is a function of
  its own (`_block_function`).

Why: PyTorch runs bfloat16 products on these units (oneDNN), about 2.5x its
float32 rate here; converting to float32 and running the float32 kernel
(`half_in_f32`, the path without AMX) left a bfloat16 MLP at 2.6x eager.

Measured and left out: prefetching each panel's tiles 4 steps ahead (16
prefetches a tile) moved the kernel's speed by less than the host's noise
and made a bf16 ResNet-18 take 13 s to compile instead of 9.5.

Linux hands out AMX state only to a process that asks (arch_prctl
ARCH_REQ_XCOMP_PERM): `target.host_grants_amx` asks for this process, and a module
with AMX code asks again from a global constructor (`request_amx_ctor`),
which runs when the JIT initializes the module or a compiled library is
loaded.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable

from mlir import ir
from mlir.dialects import func, memref

from .ir_walk import as_op, collect, has_unit_inner_stride, indexing_maps, matmul_maps, owner_op
from .kernel_emit import Emitter, constant_global, copy_globals, enclosing_function, filled_once
from .parallel import num_threads
from .passes import register
from .target import AMX_PERMISSION_SYSCALL
from .transpose_codegen import transpose_8x8

PREFIX = "tsm_amx"
#: Rows and float32 columns of one tile of C; bfloat16 values of A per row of a tile.
TILE, DEPTH = 16, 32
#: Steps of k (DEPTH values each) between a load and a store of C's tiles:
#: a chunk of k.
UNROLL = 16
#: Columns of C in one chunk (a multiple of 2 * TILE): the unit the threads
#: share; a chunk of B's panels (UNROLL * DEPTH x CHUNK_COLUMNS) stays in L2.
CHUNK_COLUMNS = 256
#: Multiply-adds from which the threads share the column blocks.
MIN_PARALLEL_MACS = 1 << 20
#: Products smaller than one tile's worth stay on the float32 path.
MIN_MACS = TILE * TILE * DEPTH

def takes(m: int, n: int, k: int) -> bool:
    """Static sizes the AMX kernel takes: a depth in whole steps of DEPTH (a
    last, shallower step would need tiles of more shapes), enough work."""
    return min(m, n, k) > 0 and k % DEPTH == 0 and m * n * k >= MIN_MACS


#: The attribute that marks conv_amx's shifted-window product (a
#: linalg.generic): [channels, kernel width, image row length].
CONV_ATTR = "tsm.amx_conv"


def _conv(op: ir.Operation) -> tuple[Shifted, int] | None:
    """(Shifted, image length) of a marked convolution product on static
    bf16, bf16 -> f32 memrefs of unit inner stride, else None."""
    if op.name != "linalg.generic" or CONV_ATTR not in op.attributes or op.results:
        return None
    types = [ir.MemRefType(v.type) for v in _operands(op)]
    if [str(t.element_type) for t in types] != ["bf16", "bf16", "f32"] or not all(
            t.has_static_shape and has_unit_inner_stride(t) for t in types):
        return None
    channels, kernel_w, row = ir.DenseI64ArrayAttr(op.attributes[CONV_ATTR])
    return Shifted(channels, kernel_w, row), types[1].shape[1]


def _operands(op: ir.Operation) -> list[ir.Value]:
    """A, B and C (a marked convolution's kernel-extent operand left out)."""
    return [op.operands[0], op.operands[1], op.operands[-1]]


def _b_transposed(op: ir.Operation) -> bool:
    """Whether the matmul reads B as (N, K) (its indexing maps)."""
    return "indexing_maps" in op.attributes and indexing_maps(op) == matmul_maps(True)


def _applies(op: ir.Operation) -> bool:
    if op.name != "linalg.matmul" or op.results:
        return False
    if "indexing_maps" in op.attributes and not _b_transposed(op) \
            and indexing_maps(op) != matmul_maps():
        return False
    types = [ir.MemRefType(v.type) for v in op.operands]
    if [str(t.element_type) for t in types] != ["bf16", "bf16", "f32"] or not all(
            t.has_static_shape and has_unit_inner_stride(t) for t in types):
        return False
    (m, k), n = types[0].shape, types[2].shape[1]
    return takes(m, n, k)


def _splits(size: int) -> tuple[int, list[int]]:
    """(extent of the whole blocks of 2 tiles, the tile sizes of the edge block)."""
    whole = size // (2 * TILE) * 2 * TILE
    rest = size - whole
    return whole, ([] if rest == 0 else [rest] if rest <= TILE else [TILE, rest - TILE])


def _tile(rows: int, cols: int, elem: str) -> str:
    return f"!amx.tile<{rows}x{cols}x{elem}>"


@dataclass(frozen=True)
class Shifted:
    """A convolution's B (conv_amx): the padded image (C, rows * row) read
    at a shift per kernel position; k runs over (kernel position, channel),
    a position's channels in whole steps."""
    channels: int
    kernel_w: int
    row: int


def _b_columns(shifted: Shifted | None, p: str, cols: list[int], ns: list[str]) -> list[str]:
    """Lines locating step p's tile of B for each column tile j in Bp
    (`{p}bc{j}`): the row of Bp where it starts (its panel's first row plus
    the step's pair of rows `{p}k2`); for a convolution, the column of Bp
    where it starts (the tile's columns shifted by the step's kernel
    position; its row is `{p}k2`, the step's pair of channels)."""
    if shifted is None:
        return [f"{p}k2 = arith.divui {p}k, %c2 : index",
                *(f"{p}bc{j} = arith.addi %panel{j}, {p}k2 : index" for j in range(len(cols)))]
    return [f"{p}pos = arith.divui {p}k, %c{shifted.channels} : index",
            f"{p}ch = arith.remui {p}k, %c{shifted.channels} : index",
            f"{p}k2 = arith.divui {p}ch, %c2 : index",
            f"{p}kh = arith.divui {p}pos, %c{shifted.kernel_w} : index",
            f"{p}kw = arith.remui {p}pos, %c{shifted.kernel_w} : index",
            f"{p}dh = arith.muli {p}kh, %c{shifted.row} : index",
            f"{p}shift = arith.addi {p}dh, {p}kw : index",
            *(line for j in range(len(cols)) for line in (
                f"{p}sn{j} = arith.addi {ns[j]}, {p}shift : index",
                f"{p}bc{j} = arith.muli {p}sn{j}, %c2 : index"))]


def _block(rows: list[int], cols: list[int], steps: int, zero: bool,
           shifted: Shifted | None = None) -> str:
    """Body text: C[m0 : m0 + sum(rows), n0 : n0 + sum(cols)] += A[.., k0 :
    k0 + DEPTH * steps] @ Bp[..], one tile of C per (row, col) pair: C's
    tiles loaded (zeroed, with `zero`: the first chunk of k into a C that
    was zeros), the steps of k, C's tiles stored.  (Tiles cannot be carried
    through a loop: the LLVM conversion of branches does not know their type.)"""
    lines = []
    ms = [f"%row{i}" for i in range(len(rows))]
    ns = [f"%col{j}" for j in range(len(cols))]
    panels = [f"%panel{j}" for j in range(len(cols))]
    for i, name in enumerate(ms):
        lines.append(f"{name} = arith.addi %m0, %c{TILE * i} : index")
    for j, name in enumerate(ns):
        lines.append(f"{name} = arith.addi %n0, %c{TILE * j} : index")
        if shifted is None:
            lines.append(f"{panels[j]}i = arith.divui {name}, %c{TILE} : index")
            lines.append(f"{panels[j]} = arith.muli {panels[j]}i, %chalf : index")
    pairs = [(i, j) for i in range(len(rows)) for j in range(len(cols))]
    c_types = [_tile(rows[i], cols[j], "f32") for i, j in pairs]
    a_t = [_tile(r, DEPTH, "bf16") for r in rows]
    b_t = [_tile(DEPTH // 2, 2 * c, "bf16") for c in cols]
    lines += [f"%acc{i}{j} = amx.tile_zero : {t}" if zero else
              f"%acc{i}{j} = amx.tile_load %C[{ms[i]}, {ns[j]}] : !tc into {t}"
              for (i, j), t in zip(pairs, c_types)]
    acc = [f"%acc{i}{j}" for i, j in pairs]
    for s in range(steps):
        p = f"%s{s}"
        lines.append(f"{p}k = arith.addi %k0, %c{DEPTH * s} : index")
        lines += _b_columns(shifted, p, cols, ns)
        lines += [f"{p}a{i} = amx.tile_load %A[{ms[i]}, {p}k] : !ta into {a_t[i]}"
                  for i in range(len(rows))]
        if shifted is None:
            lines += [f"{p}b{j} = amx.tile_load %Bp[{p}bc{j}, %c0] : !tbp into {b_t[j]}"
                      for j in range(len(cols))]
        else:
            lines += [f"{p}b{j} = amx.tile_load %Bp[{p}k2, {p}bc{j}] : !tbp into {b_t[j]}"
                      for j in range(len(cols))]
        for q, ((i, j), t) in enumerate(zip(pairs, c_types)):
            lines.append(f"{p}r{i}{j} = amx.tile_mulf {p}a{i}, {p}b{j}, {acc[q]} : "
                         f"{a_t[i]}, {b_t[j]}, {t}")
        acc = [f"{p}r{i}{j}" for i, j in pairs]
    lines += [f"amx.tile_store %C[{ms[i]}, {ns[j]}], {a} : !tc, {t}"
              for (i, j), a, t in zip(pairs, acc, c_types)]
    return "\n".join(lines)


def _indent(text: str, spaces: int) -> str:
    return "\n".join(" " * spaces + line for line in text.splitlines())


def _block_function(name: str, rows: list[int], cols: list[int], steps: int, zero: bool,
                    k: int, shifted: Shifted | None) -> str:
    """`@name(A, Bp, C, m_lo, m_hi, n_lo, n_hi, k0)`: the blocks of C from
    rows m_lo and columns n_lo on (up to m_hi and n_hi), `steps` steps of k
    from k0.  Each kind of block (whole or edge rows, whole or edge columns,
    a whole or the last chunk of k) is a function of its own: AMX
    configures each of the 8 tile registers for one shape (ldtilecfg, once
    per call), and LLVM's tile register allocation runs out of registers (a
    fatal error) on a function whose blocks need more shapes than that."""
    consts = sorted({0, 2, TILE, 2 * TILE, *range(0, DEPTH * steps, DEPTH),
                     *([] if shifted is None else [shifted.channels, shifted.kernel_w,
                                                   shifted.row])})
    return f"""
func.func private @{name}(%A: !ta, %Bp: !tbp, %C: !tc, %m_lo: index, %m_hi: index,
                          %n_lo: index, %n_hi: index, %k0: index)
    attributes {{passthrough = ["noinline"]}} {{
{chr(10).join(f"  %c{v} = arith.constant {v} : index" for v in consts)}
  %chalf = arith.constant {k // 2} : index
  scf.for %m0 = %m_lo to %m_hi step %c{2 * TILE} {{
    scf.for %n0 = %n_lo to %n_hi step %c{2 * TILE} {{
{_indent(_block(rows, cols, steps, zero, shifted), 6)}
    }}
  }}
  return
}}
"""


def chunk_columns(n: int, threads: int) -> int:
    """Columns of a chunk: CHUNK_COLUMNS, or fewer (whole blocks) so that
    each of the threads gets one where the whole blocks make fewer chunks."""
    whole = _splits(n)[0]
    if threads <= 1 or whole >= threads * CHUNK_COLUMNS:
        return CHUNK_COLUMNS
    return max(2 * TILE, -(-whole // threads) // (2 * TILE) * (2 * TILE))


def k_chunks(k: int) -> list[tuple[int, int]]:
    """(first k, steps) of each chunk of k."""
    return [(k0, min(UNROLL, (k - k0) // DEPTH)) for k0 in range(0, k, UNROLL * DEPTH)]


def _schedule(name: str, m: int, n: int, k: int, chunk: int, parallel: bool, zero: bool,
              shifted: Shifted | None,
              chunk_pack: Callable[[str, str, bool], str] | None = None) -> tuple[str, list[str]]:
    """The main function's loops over C's blocks and the block functions
    they call.  Columns in chunks of `chunk` (what the threads share),
    within a chunk k in chunks of UNROLL steps (the first one zeroing C's
    tiles with `zero`), within those the blocks of rows, then of columns:
    A's rows of a k chunk stay in L1 across a chunk's columns, B's panels
    of a k chunk in L2 across the rows.  `chunk_pack(lo, hi, tail)`: text
    that packs B's columns [lo, hi) (and with `tail` the last, narrower
    panel's), run first in each chunk (a run-time B: each thread packs the
    panels it reads, and reads them while they are in L2)."""
    row_whole, row_edge = _splits(m)
    col_whole, col_edge = _splits(n)
    functions = {}

    def blocks(col_kind: str, cols: list[int], n_lo: str, n_hi: str) -> str:
        """Calls for the blocks of every row at the columns [n_lo, n_hi), chunk by chunk of k."""
        calls = []
        for first, (k0, steps) in enumerate(k_chunks(k)):
            for row_kind, rows, m_lo, m_hi in (("w", [TILE, TILE], 0, row_whole),
                                               ("e", row_edge, row_whole, m)):
                if rows and m_hi > m_lo:
                    zeroing = zero and first == 0
                    kind = f"{row_kind}{col_kind}{steps}{'z' if zeroing else ''}"
                    functions[kind] = _block_function(f"{name}_{kind}", rows, cols, steps,
                                                      zeroing, k, shifted)
                    calls.append(f"func.call @{name}_{kind}(%A, %Bp, %C, %c{m_lo}, %c{m_hi}, "
                                 f"{n_lo}, {n_hi}, %c{k0}) : "
                                 "(!ta, !tbp, !tc, index, index, index, index, index) -> ()")
        return "\n".join(calls)

    parts = []
    if col_whole:
        head = (f"scf.parallel (%nc) = (%c0) to (%c{col_whole}) step (%c{chunk}) {{"
                if parallel else f"scf.for %nc = %c0 to %c{col_whole} step %c{chunk} {{")
        body = (f"%nc_end = arith.addi %nc, %c{chunk} : index\n"
                f"%nc_hi = arith.minui %nc_end, %c{col_whole} : index\n"
                + (chunk_pack("%nc", "%nc_hi", False) + "\n" if chunk_pack else "")
                + blocks("w", [TILE, TILE], "%nc", "%nc_hi"))
        parts.append(head + "\n" + _indent(body, 2) + ("\n  scf.reduce\n}" if parallel else "\n}"))
    if col_edge:
        if chunk_pack:
            parts.append(chunk_pack(f"%c{col_whole}", f"%c{n // 16 * 16}", True))
        parts.append(blocks("e", col_edge, f"%c{col_whole}", f"%c{n}"))
    return "\n".join(parts), list(functions.values())


#: B in panels of 16 columns, each panel's pairs of rows interleaved (Bp
#: row p * k / 2 + k2 holds B[2 k2 : 2 k2 + 2, 16 p : 16 p + 16]): a tile of
#: B is 1 KiB in one piece and the steps of k read a panel front to back.
#: The panels of columns [lo, hi) (multiples of 16), panel by panel (each
#: written front to back: panels k / 2 rows of 64 bytes apart, written
#: across, cost a page per store), a vector pair at a time.
_PACK = """scf.for %pn = {lo} to {hi} step %c16 {{
  %pp = arith.divui %pn, %c16 : index
  %pbase = arith.muli %pp, %chalf : index
  scf.for %pk = %c0 to %chalf step %c1 {{
    %pk0 = arith.muli %pk, %c2 : index
    %pk1 = arith.addi %pk0, %c1 : index
    %r0 = vector.load %B[%pk0, %pn] : !tb, vector<16xbf16>
    %r1 = vector.load %B[%pk1, %pn] : !tb, vector<16xbf16>
    %pair = vector.interleave %r0, %r1 : vector<16xbf16> -> vector<32xbf16>
    %prow = arith.addi %pbase, %pk : index
    vector.store %pair, %Bp[%prow, %c0] : !tbp, vector<32xbf16>
  }}
}}"""

#: The last panel's columns (from vec_end) one by one: the rest of its rows
#: is never read (its tiles are narrower).
_PACK_TAIL = """%tbase = arith.muli %c{panels_before_tail}, %chalf : index
scf.for %pk = %c0 to %chalf step %c1 {{
  %pk0 = arith.muli %pk, %c2 : index
  %pk1 = arith.addi %pk0, %c1 : index
  %trow = arith.addi %tbase, %pk : index
  scf.for %pn = %c{vec_end} to %c{n} step %c1 {{
    %e0 = memref.load %B[%pk0, %pn] : !tb
    %e1 = memref.load %B[%pk1, %pn] : !tb
    %pc = arith.subi %pn, %c{vec_end} : index
    %pc0 = arith.muli %pc, %c2 : index
    %pc1 = arith.addi %pc0, %c1 : index
    memref.store %e0, %Bp[%trow, %pc0] : !tbp
    memref.store %e1, %Bp[%trow, %pc1] : !tbp
  }}
}}"""


#: The same panels from B read as (N, K) (`Bt`: attention's keys, a linear
#: layer's run-time weight): each row of Bt is one column of B, its pairs
#: of values (one 32-bit word each) the pairs of the panel's rows, so a
#: panel is the transpose of its 16 rows of Bt as 32-bit words.  Whole
#: panels go 8 words of 8 rows at a time through transpose_codegen's 8 x 8
#: shuffle network (on the words as f32 lanes: shuffles move bits, so any
#: bfloat16 pair, NaNs included, is copied as is); the columns of a last,
#: narrower panel one by one.  q @ k^T of (8, 256, 64) heads, bf16, 1
#: thread: 0.40 ms with stores of 2 values, 0.345 through the network (eager
#: 0.17; the pack is now 2% of the call, the product at depth 64 and the
#: rounding of its float32 result the rest).
_PACK_TRANSPOSED = """scf.for %pn = {lo} to {hi} step %c16 {{
  %pp = arith.divui %pn, %c16 : index
  %pbase = arith.muli %pp, %chalf : index
  scf.for %pk = %c0 to %chalf step %c8 {{
    %pk2 = arith.muli %pk, %c2 : index
    %prow = arith.addi %pbase, %pk : index
    scf.for %ph = %c0 to %c16 step %c8 {{
      %nrow = arith.addi %pn, %ph : index
      %ph2 = arith.muli %ph, %c2 : index
{block}
    }}
  }}
}}"""

_PACK_TRANSPOSED_TAIL = """scf.for %pn = %c{vec_end} to %c{n} step %c1 {{
  %pp = arith.divui %pn, %c16 : index
  %pc = arith.remui %pn, %c16 : index
  %pc2 = arith.muli %pc, %c2 : index
  %pbase = arith.muli %pp, %chalf : index
  scf.for %pk = %c0 to %chalf step %c1 {{
    %pk2 = arith.muli %pk, %c2 : index
    %pair = vector.load %B[%pn, %pk2] : !tb, vector<2xbf16>
    %prow = arith.addi %pbase, %pk : index
    vector.store %pair, %Bp[%prow, %pc2] : !tbp, vector<2xbf16>
  }}
}}"""


def _transpose_block() -> str:
    """8 words of 8 rows of Bt (at %nrow, word %pk) into 8 rows of the
    panel (at %prow, columns 2 %ph..), for _PACK_TRANSPOSED."""
    words, half = "vector<8xf32>", "vector<16xbf16>"
    block = []
    for t in range(8):
        block += [f"%a{t} = arith.addi %nrow, %c{t} : index",
                  f"%l{t} = vector.load %B[%a{t}, %pk2] : !tb, {half}",
                  f"%r{t} = vector.bitcast %l{t} : {half} to {words}"]
    block += transpose_8x8()
    for u in range(8):
        block += [f"%q{u} = arith.addi %prow, %c{u} : index",
                  f"%w{u} = vector.bitcast %o{u} : {words} to {half}",
                  f"vector.store %w{u}, %Bp[%q{u}, %ph2] : !tbp, {half}"]
    return _indent("\n".join(block), 6)


def pack_text(n: int, lo: str, hi: str, tail: bool, b_transposed: bool) -> str:
    """Text packing the panels of B's columns [lo, hi) (SSA names of
    multiples of 16), then, with `tail`, the columns of a last narrower
    panel (from n // 16 * 16 to n)."""
    vec_end = n // 16 * 16
    if b_transposed:
        text = _PACK_TRANSPOSED.format(lo=lo, hi=hi, block=_transpose_block())
        rest = _PACK_TRANSPOSED_TAIL.format(vec_end=vec_end, n=n)
    else:
        text = _PACK.format(lo=lo, hi=hi)
        rest = _PACK_TAIL.format(panels_before_tail=n // 16, vec_end=vec_end, n=n)
    return text + ("\n" + rest if tail and vec_end < n else "")


#: A convolution's image (C, L) in pairs of channels, row-major (Bp[c / 2,
#: 2 j + c % 2] = B[c, j]): each kernel position's tile is a window of it.
_PACK_IMAGE = """scf.for %pk = %c0 to %c{pairs} step %c1 {{
  %pk0 = arith.muli %pk, %c2 : index
  %pk1 = arith.addi %pk0, %c1 : index
  scf.for %pn = %c0 to %c{vec_end} step %c16 {{
    %r0 = vector.load %B[%pk0, %pn] : !tb, vector<16xbf16>
    %r1 = vector.load %B[%pk1, %pn] : !tb, vector<16xbf16>
    %pair = vector.interleave %r0, %r1 : vector<16xbf16> -> vector<32xbf16>
    %pn2 = arith.muli %pn, %c2 : index
    vector.store %pair, %Bp[%pk, %pn2] : !tbp, vector<32xbf16>
  }}
  scf.for %pn = %c{vec_end} to %c{length} step %c1 {{
    %e0 = memref.load %B[%pk0, %pn] : !tb
    %e1 = memref.load %B[%pk1, %pn] : !tb
    %pn2 = arith.muli %pn, %c2 : index
    %pn3 = arith.addi %pn2, %c1 : index
    memref.store %e0, %Bp[%pk, %pn2] : !tbp
    memref.store %e1, %Bp[%pk, %pn3] : !tbp
  }}
}}"""


def function_text(name: str, m: int, n: int, k: int, constant_b: bool, threads: int,
                  zero: bool = False, b_transposed: bool = False,
                  shifted: tuple[Shifted, int] | None = None) -> str:
    """`@name(A, B, C)`: C += A @ B on AMX tiles (C = A @ B with `zero`: C's
    old values are not read; B given as (N, K) with `b_transposed`), B
    packed once into a global (`constant_b`) or into a buffer on every
    call; with `threads` > 1 the chunks of columns are an scf.parallel.
    `shifted`: a convolution's (Shifted, image length): B is the image (C,
    length), packed as _PACK_IMAGE."""
    layout = "strided<[?, 1], offset: ?>"
    chunk_pack = None  # packs the panels of a chunk of columns, in the chunk's loop
    if shifted is not None:
        conv, length = shifted
        pack = _PACK_IMAGE.format(pairs=conv.channels // 2, vec_end=length // 16 * 16,
                                  length=length)
        b_type = f"memref<{conv.channels}x{length}xbf16, {layout}>"
        bp_type = f"memref<{conv.channels // 2}x{2 * length}xbf16>"
    else:
        if constant_b:  # all of it, once
            pack = pack_text(n, "%c0", f"%c{n // 16 * 16}", True, b_transposed)
        else:
            pack = ""
            chunk_pack = functools.partial(pack_text, n, b_transposed=b_transposed)
        b_type = f"memref<{f'{n}x{k}' if b_transposed else f'{k}x{n}'}xbf16, {layout}>"
        bp_type = f"memref<{-(-n // 16) * k // 2}x32xbf16>"
    if constant_b:
        start = filled_once(f"{name}_bp", "Bp", "!tbp", _indent(pack, 4))
        end = ""
    else:
        start = "  %Bp = memref.alloc() {alignment = 64 : i64} : !tbp\n" + _indent(pack, 2)
        end = "  memref.dealloc %Bp : !tbp"
    chunk = chunk_columns(n, threads)
    loops, functions = _schedule(name, m, n, k, chunk, threads > 1, zero,
                                 None if shifted is None else shifted[0], chunk_pack)
    consts = "\n".join(f"  %c{v} = arith.constant {v} : index"
                       for v in sorted({0, 1, 2, 16, 2 * TILE, chunk, m, n, n // 16, *range(16),
                                        *([] if shifted is None else [
                                            shifted[0].channels // 2, shifted[1],
                                            shifted[1] // 16 * 16]),
                                        n // 16 * 16, _splits(m)[0], _splits(n)[0],
                                        *(k0 for k0, _ in k_chunks(k))}))
    return f"""
!ta = memref<{m}x{k}xbf16, {layout}>
!tb = {b_type}
!tbp = {bp_type}
!tc = memref<{m}x{n}xf32, {layout}>
{copy_globals(f"{name}_bp", "!tbp") if constant_b else ""}
{"".join(functions)}
func.func private @{name}(%A: !ta, %B: !tb, %C: !tc) attributes {{passthrough = ["noinline"]}} {{
{consts}
  %chalf = arith.constant {k // 2} : index
{start}
{_indent(loops, 2)}
{end}
  return
}}
"""


#: The global constructor that asks Linux for the AMX state (see the module doc).
_REQUEST_AMX = f"""
llvm.func @syscall(i64, ...) -> i64
llvm.func @{PREFIX}_request() {{
  %nr = llvm.mlir.constant({AMX_PERMISSION_SYSCALL[0]} : i64) : i64
  %code = llvm.mlir.constant({AMX_PERMISSION_SYSCALL[1]} : i64) : i64
  %feature = llvm.mlir.constant({AMX_PERMISSION_SYSCALL[2]} : i64) : i64
  %r = llvm.call @syscall(%nr, %code, %feature) vararg(!llvm.func<i64 (i64, ...)>)
      : (i64, i64, i64) -> i64
  llvm.return
}}
llvm.mlir.global_ctors ctors = [@{PREFIX}_request], priorities = [0 : i32], data = [#llvm.zero]
"""


def request_amx_ctor(module_op: ir.Operation) -> None:
    """Add the constructor that asks for the AMX state, once per module."""
    table = ir.SymbolTable(module_op)
    if f"{PREFIX}_request" in table:
        return
    parsed = ir.Module.parse(_REQUEST_AMX)  # alive while its ops move
    first = module_op.regions[0].blocks[0].operations[0]
    for op in list(parsed.body.operations):
        if "sym_name" in op.attributes and ir.StringAttr(op.attributes["sym_name"]).value in table:
            continue  # a declaration of syscall made elsewhere
        op.operation.move_before(first)


def _zero_fill(op: ir.Operation) -> ir.Operation | None:
    """The linalg.fill with +0.0 of the matmul's C right before it (its
    kernel then starts from zeroed tiles instead), else None."""
    ops = [as_op(o) for o in op.block.operations]
    index = ops.index(op)
    fill = ops[index - 1] if index > 0 else None
    if fill is None or fill.name != "linalg.fill" or fill.operands[1] != op.operands[-1]:
        return None
    value = owner_op(fill.operands[0])
    if value is None or value.name != "arith.constant":
        return None
    attr = value.attributes["value"]
    positive_zero = isinstance(attr, ir.FloatAttr) and ir.FloatAttr(attr).value == 0.0 \
        and not str(attr).startswith("-")
    return fill if positive_zero else None


def _view(v: ir.Value) -> ir.Value:
    """v as a memref of any row stride and offset (the function's argument type)."""
    t = ir.MemRefType(v.type)
    dyn = ir.ShapedType.get_dynamic_stride_or_offset()
    return memref.cast(ir.MemRefType.get(t.shape, t.element_type,
                                         ir.StridedLayoutAttr.get(dyn, [dyn, 1])), v)


@register("tsm-amx-matmul",
          "bfloat16 x bfloat16 -> float32 matmuls on AMX tiles (B packed into row pairs)")
def amx_matmul(module_op: ir.Operation) -> None:
    threads = num_threads(module_op)
    emit = Emitter()
    for op in collect(module_op, lambda op: _applies(op) or _conv(op) is not None):
        a, b, c = _operands(op)
        (m, k), (_, n) = ir.MemRefType(a.type).shape, ir.MemRefType(c.type).shape
        shifted = _conv(op)
        weight = None if shifted else constant_global(module_op, b)
        flipped = shifted is None and _b_transposed(op)
        share = threads  # one chunk of columns, or little work: nothing to share
        if m * n * k < MIN_PARALLEL_MACS or _splits(n)[0] <= chunk_columns(n, threads):
            share = 1
        fill = _zero_fill(op)
        if fill is not None:
            fill.erase()
        zero = fill is not None
        name = emit.get((m, n, k, weight, share, zero, flipped, shifted), PREFIX + "_{}",
                        lambda f: function_text(f, m, n, k, weight is not None, share, zero,
                                                flipped, shifted),
                        enclosing_function(op))
        with ir.InsertionPoint(op), op.location:
            func.CallOp([], ir.FlatSymbolRefAttr.get(name), [_view(v) for v in (a, b, c)])
        op.erase()
        request_amx_ctor(module_op)
