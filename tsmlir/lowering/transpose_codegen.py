"""tsm-vectorize-transposes: `linalg.transpose` on memrefs as block transposes or row copies.

In: bufferized IR, before `tsm-copies-to-linalg`: a `linalg.transpose`
whose input and init have a unit innermost stride (convert-linalg-to-loops
would make it a scalar loop nest that reads one of them a whole row apart
per element: a 1024 x 2048 `x.t().contiguous()` ran ~6x slower than eager).
Out:
- a permutation that keeps the innermost dim (heads (B, S, H, D) -> (B, H,
  S, D)): a `memref.copy` from the input's permuted view
  (`memref.transpose`), which tsm-copies-to-linalg turns into a vectorized
  row copy;
- an f32 permutation that moves it: both views permuted (`memref.transpose`,
  free) so that the two dims being exchanged come last, cast to fully
  dynamic views and passed to `tsm_transpose_f32_<rank>d(src, dst)`
  (private, noinline, one per rank, like the shared copy functions): 8 x 8
  blocks of 8 vector loads, 24 `vector.shuffle`s (the AVX2 unpack /
  shuffle / 128-bit permute network) and 8 vector stores, in tiles of
  `TILE` source columns so that the half-written destination lines stay in
  L1 (8 where the destination's rows would share L1 sets: tile_columns); the edges that are not whole blocks are scalar loops.  With
  `tsm.num_threads` > 1 and enough elements, `..._par` hands the threads
  chunks of the destination's outermost dim (row_copy's chunked driver):
  the source's columns for a 2-D transpose, else batches (not inside a
  parallel loop: a scan's chunk transposes its own lines).
Other element types and strided innermost views keep the linalg op.
"""
from __future__ import annotations

import math

from mlir import ir
from mlir.dialects import func, memref

from .ir_walk import collect, has_unit_inner_stride
from .kernel_emit import append_once
from .parallel import MIN_PARALLEL_ELEMENTS, num_threads, threads_at
from .passes import register
from .row_copy import chunked_text, view_type as row_view_type

LANES = 8
#: Source columns per cache tile: the tile's destination rows (TILE lines of
#: 64 bytes, each written half by one block and half by the next) stay in L1.
TILE = 64
#: ... unless the destination's rows lie a multiple of 4 KB apart (the L1
#: set period: all TILE rows would share one 8-way set) and the source's
#: rows are short: then tiles of one block of columns, each destination row
#: written front to back.  (4096, 64) -> (64, 4096): 0.140 -> 0.074 ms,
#: (4096, 256): 0.60 -> 0.38 ms; long source rows ((1024, 2048): 1.29 ->
#: 1.50 ms) keep TILE.
CONFLICT_STRIDE = 1024
SHORT_ROW = 256
#: Pairs of (lhs, rhs, indices) of the 8 x 8 transpose: unpack lo/hi of row
#: pairs, 64-bit shuffles of those, then 128-bit halves.
_UNPACK = ([0, 8, 1, 9, 4, 12, 5, 13], [2, 10, 3, 11, 6, 14, 7, 15])
_SHUFFLE = ([0, 1, 8, 9, 4, 5, 12, 13], [2, 3, 10, 11, 6, 7, 14, 15])
_HALVES = ([0, 1, 2, 3, 8, 9, 10, 11], [4, 5, 6, 7, 12, 13, 14, 15])


def view_type(rank: int) -> str:
    """Any sizes and strides, a unit innermost stride."""
    return row_view_type(rank, "f32")


def transpose_8x8() -> list[str]:
    """%o<u>[t] = %r<t>[u]: the 8 x 8 transpose of rows %r0..%r7."""
    vec = f"vector<{LANES}xf32>"

    def shuffle(out, lhs, rhs, idx):
        return f"%{out} = vector.shuffle %{lhs}, %{rhs} [{', '.join(map(str, idx))}] : {vec}, {vec}"

    lines = []
    for p in range(4):  # t(2p), t(2p+1) from rows 2p, 2p+1
        for h in range(2):
            lines.append(shuffle(f"t{2 * p + h}", f"r{2 * p}", f"r{2 * p + 1}", _UNPACK[h]))
    for q in range(2):  # s from t(4q + h) and t(4q + 2 + h)
        for h in range(2):
            for lo in range(2):
                lines.append(shuffle(f"s{4 * q + 2 * h + lo}", f"t{4 * q + h}",
                                     f"t{4 * q + 2 + h}", _SHUFFLE[lo]))
    for u in range(4):
        for h in range(2):
            lines.append(shuffle(f"o{u + 4 * h}", f"s{u}", f"s{u + 4}", _HALVES[h]))
    return lines


def serial_text(name: str, rank: int) -> str:
    """dst[..., b, a] = src[..., a, b] for src (..., NA, NB), dst (..., NB, NA)."""
    view, vec = view_type(rank), f"vector<{LANES}xf32>"
    batch = [f"%i{d}" for d in range(rank - 2)]
    loops = [f"scf.for %i{d} = %c0 to %n{d} step %c1 {{" for d in range(rank - 2)]

    def at(*idx):
        return ", ".join(batch + list(idx))

    block = [f"%a{t} = arith.addi %a0, %c{t} : index" for t in range(1, LANES)]
    block += [f"%r{t} = vector.load %src[{at(f'%a{t}', '%b0')}] : {view}, {vec}"
              for t in range(LANES)]
    block += transpose_8x8()
    block += [f"%b{u} = arith.addi %b0, %c{u} : index" for u in range(1, LANES)]
    block += [f"vector.store %o{u}, %dst[{at(f'%b{u}', '%a0')}] : {view}, {vec}"
              for u in range(LANES)]
    scalar = [f"%x = memref.load %src[{at('%a', '%b')}] : {view}",
              f"memref.store %x, %dst[{at('%b', '%a')}] : {view}"]
    body = [
        "scf.for %bt = %c0 to %nb8 step %ctile {",
        "  %bte0 = arith.addi %bt, %ctile : index",
        "  %bte = arith.minui %bte0, %nb8 : index",
        "  scf.for %a0 = %c0 to %na8 step %c8 {",
        "    scf.for %b0 = %bt to %bte step %c8 {",
        *("      " + line for line in block),
        "    }",
        "  }",
        "}",
        "scf.for %a = %na8 to %na step %c1 {",
        "  scf.for %b = %c0 to %nb step %c1 {",
        *("    " + line for line in scalar),
        "  }",
        "}",
        "scf.for %b = %nb8 to %nb step %c1 {",
        "  scf.for %a = %c0 to %na8 step %c1 {",
        *("    " + line for line in scalar),
        "  }",
        "}"]
    nest = "\n    ".join(loops + body + ["}"] * (rank - 2))
    consts = "\n    ".join(f"%c{c} = arith.constant {c} : index"
                           for c in sorted({0, 1, *range(LANES + 1), rank - 2, rank - 1}))
    dims = "\n    ".join(f"%n{d} = memref.dim %dst, %c{d} : {view}" for d in range(rank - 2))
    return f"""
func.func private @{name}(%src: {view}, %dst: {view}) attributes {{passthrough = ["noinline"]}} {{
    {consts}
    {dims}
    %na = memref.dim %src, %c{rank - 2} : {view}
    %nb = memref.dim %src, %c{rank - 1} : {view}
    {_tile_text(rank, view)}
    %ra = arith.remui %na, %c8 : index
    %na8 = arith.subi %na, %ra : index
    %rb = arith.remui %nb, %c8 : index
    %nb8 = arith.subi %nb, %rb : index
    {nest}
    return
}}
"""


def tile_columns(nb: int, dst_stride: int) -> int:
    """Source columns per cache tile (see TILE, CONFLICT_STRIDE): the rule
    that _tile_text computes at run time."""
    return LANES if dst_stride % CONFLICT_STRIDE == 0 and nb <= SHORT_ROW else TILE


def _tile_text(rank: int, view: str) -> str:
    """Lines defining %ctile as tile_columns(%nb, dst's row stride)."""
    sizes = ", ".join(["index"] * rank)
    return "\n    ".join([
        f"%dbase, %doff, %dsizes:{rank}, %dstrides:{rank} = memref.extract_strided_metadata "
        f"%dst : {view} -> memref<f32>, index, {sizes}, {sizes}",
        f"%cconflict = arith.constant {CONFLICT_STRIDE} : index",
        f"%cshort = arith.constant {SHORT_ROW} : index",
        f"%cwide = arith.constant {TILE} : index",
        f"%dphase = arith.remui %dstrides#{rank - 2}, %cconflict : index",
        "%aligned = arith.cmpi eq, %dphase, %c0 : index",
        "%short = arith.cmpi ule, %nb, %cshort : index",
        "%narrow = arith.andi %aligned, %short : i1",
        f"%ctile = arith.select %narrow, %c{LANES}, %cwide : index"])


def parallel_text(name: str, serial: str, rank: int, threads: int) -> str:
    """The threads take chunks of the destination's outermost dim (whole
    blocks of rows: the source's columns for a 2-D transpose, else batches)
    and run the serial function on the matching slices (row_copy's chunked
    driver); under MIN_PARALLEL_ELEMENTS one thread does it all."""
    view = view_type(rank)
    ones = ", ".join(["1"] * rank)
    if rank == 2:  # dst rows lo.. are src columns lo..
        src_chunk = f"[0, %lo] [%n1, %len] [{ones}]"
    else:  # the batch dims lead in both, in the same order
        batch = "".join(f", %n{d}" for d in range(1, rank - 2))
        zeros = "".join(", 0" for _ in range(1, rank))
        src_chunk = f"[%lo{zeros}] [%len{batch}, %n{rank - 1}, %n{rank - 2}] [{ones}]"
    call = f"func.call @{serial}(%{{}}, %{{}}) : ({view}, {view}) -> ()"
    return chunked_text(f"@{name}(%src: {view}, %dst: {view})",
                        f"func.func private @{serial}({view}, {view})", view, rank, threads,
                        LANES if rank == 2 else 1, call.format("src", "dst"),
                        [f"%schunk = memref.subview %src{src_chunk} : {view} to {view}",
                         call.format("schunk", "dchunk")])


def _permuted(v: ir.Value, perm: list[int]) -> ir.Value:
    """The view of `v` whose dim k is v's dim perm[k] (v itself for the identity)."""
    if perm == sorted(perm):
        return v
    t = ir.MemRefType(v.type)
    strides, offset = t.get_strides_and_offset()
    layout = ir.StridedLayoutAttr.get(offset, [strides[p] for p in perm])
    result = ir.MemRefType.get([t.shape[p] for p in perm], t.element_type, layout,
                               t.memory_space)
    pmap = ir.AffineMap.get_permutation(perm)
    return memref.TransposeOp(result, v, ir.AffineMapAttr.get(pmap)).result


def _permutation(op: ir.Operation) -> list[int]:
    return list(ir.DenseI64ArrayAttr(op.attributes["permutation"]))


def _applies(op: ir.Operation) -> bool:
    if op.name != "linalg.transpose" or not all(
            isinstance(v.type, ir.MemRefType) for v in op.operands):
        return False
    src, dst = (ir.MemRefType(v.type) for v in op.operands)
    if not (has_unit_inner_stride(src) and has_unit_inner_stride(dst)) or 0 in src.shape:
        return False
    return _permutation(op)[-1] == src.rank - 1 or isinstance(src.element_type, ir.F32Type)


def _call(module_op: ir.Operation, helpers: set[str], src: ir.Value, dst: ir.Value,
          threads: int) -> None:
    """dst[..., b, a] = src[..., a, b] by the shared block-transpose function."""
    t = ir.MemRefType(src.type)
    rank = t.rank
    serial = f"tsm_transpose_f32_{rank}d"
    append_once(module_op, helpers, serial, lambda f: serial_text(f, rank))
    name = serial
    if threads > 1 and (not t.has_static_shape or math.prod(t.shape) >= MIN_PARALLEL_ELEMENTS):
        name = f"{serial}_par"
        append_once(module_op, helpers, name, lambda f: parallel_text(f, serial, rank, threads))
    view = ir.Type.parse(view_type(rank))
    func.CallOp([], ir.FlatSymbolRefAttr.get(name),
                [memref.cast(view, src), memref.cast(view, dst)])


def _rewrite(module_op: ir.Operation, helpers: set[str], op: ir.Operation, threads: int) -> None:
    src, dst = op.operands
    perm = _permutation(op)
    rank = len(perm)
    if perm[-1] == rank - 1:
        memref.copy(_permuted(src, perm), dst)
        return
    # dst dim p reads src's innermost dim; dst's innermost reads src dim perm[-1].
    p = perm.index(rank - 1)
    batch = [d for d in range(rank - 1) if d != p]
    dst_view = _permuted(dst, batch + [p, rank - 1])
    src_view = _permuted(src, [perm[d] for d in batch] + [perm[-1], rank - 1])
    _call(module_op, helpers, src_view, dst_view, threads)


@register("tsm-vectorize-transposes",
          "linalg.transpose on memrefs -> shared 8x8 block-transpose calls or row copies")
def vectorize_transposes(module_op: ir.Operation) -> None:
    helpers: set[str] = set()
    threads = num_threads(module_op)
    for op in collect(module_op, _applies):
        with ir.InsertionPoint(op), op.location:
            _rewrite(module_op, helpers, op, threads_at(op, threads))
        op.erase()
