"""tsm-vectorize-direct-conv: the kernel of conv_direct's convolutions.

In: bufferized IR, before `tsm-cpu-vectorize`: the `linalg.generic` tagged
`conv_direct.DIRECT_ATTR` (= [Wp, DH, DW]), out[n, f, p] += wp[f floordiv
R, c, i, j, f mod R] * xp[n, c, p + i * DH * Wp + j * DW] with wp (S, C, KH, KW, R), xp (N,
C, L) and out (N, S * R, NP) static f32 memrefs of identity layout, NP a
multiple of the register tile's lanes; out filled with zero right before
it (or not).
Out: a call to a driver that runs, image after image, one kernel function
over all of the image's out, or over pieces of it in an `scf.parallel`
(OpenMP later).  The kernel, on one image's rows, per tile of `lanes` flat
positions p0.. (AVX-512: 32, two zmm; AVX2: 16) and per strip s of R
filters (R x lanes accumulators in registers, R = 8 or 6 as in the packed
matmul kernel):

    for c < C:                            (a loop carrying the accumulators)
      for i < KH, j < KW:                 (unrolled: with a loop over i, 1.66 ms
                                           instead of 1.55 at 28 x 28 x 128)
        v = xp[c, p0 + i * Wp + j : +lanes]          one unaligned load
        acc[r] += broadcast(wp[s, c, i, j, r]) * v   R FMAs

then stores the tile: R full vectors (no masks: NP is whole tiles).  A
tile's inputs (C * KH rows of lanes + KW - 1 floats) stay in L1/L2 while
every strip runs over them (tiles outer, strips inner: on a C prototype
at 14 x 14 x 256 this order ran at 148 GFLOP/s, strips outer at 107).
The fill of zero before the generic goes: the kernel writes all of out.
One kernel per (KH, KW, R, lanes, DW), shared by every convolution of that
kernel size: C, Wp (times DH) and the sizes are run-time values.

Threads share the tiles (each reads all filters, its share of xp), or the
strips where the filters outweigh the input (each reads its filters once:
ResNet's 14 x 14 x 256 layers, 2.4 MB of filters to 0.3 MB of input); or,
with an image for every thread and filters of at most 1 MB, the images
(one fork instead of one per image, and no thread waits on another's
share of a small image): 2 threads, conv1d (8, 128, 256) 0.92 -> 0.68 ms
(eager 0.78), 64 x 28 x 28 at batch 4 0.91 -> 0.79 ms (eager 0.84).
"""
from __future__ import annotations

from mlir import ir
from mlir.dialects import func

from .conv_direct import DIRECT_ATTR, direct_maps
from .cpu_codegen import is_identity_layout, matmul_tiles
from .ir_walk import collect, indexing_maps
from .kernel_emit import Emitter, declare, enclosing_function, piece_units
from .matmul_bias import zero_init
from .matmul_codegen import pieces_for
from .parallel import MIN_PARALLEL_FLOPS, num_threads
from .passes import register

PREFIX = "tsm_conv_direct"
#: Filters small enough for every thread to read them all (L2-sized) when
#: the threads share a batch's images.
SHARED_FILTER_BYTES = 1 << 20
#: The kernel's operand types: any sizes and row strides.
ANY_ROWS = "memref<?x?xf32, strided<[?, 1], offset: ?>>"


def _filters_type(kh: int, kw: int, rows: int) -> str:
    return f"memref<?x?x{kh}x{kw}x{rows}xf32>"


def applies(op: ir.Operation, lanes: int) -> bool:
    if op.name != "linalg.generic" or DIRECT_ATTR not in op.attributes or op.results:
        return False
    types = [v.type for v in op.operands]
    if not all(isinstance(t, ir.MemRefType) and ir.MemRefType(t).has_static_shape
               and str(ir.MemRefType(t).element_type) == "f32" and is_identity_layout(t)
               for t in types):
        return False  # identity layouts: the driver takes one image's rows by a subview
    wp, xp, out = (ir.MemRefType(t) for t in types)
    if wp.rank != 5 or xp.rank != 3 or out.rank != 3:
        return False
    strips, c, kh, kw, rows = wp.shape
    if 2 * rows + 2 > (32 if lanes == 32 else 16):
        return False  # strips packed for a target with more vector registers: loops stay
    width, dh, dw = _tag(op)
    if indexing_maps(op) != direct_maps(rows, width, dh, dw):
        return False
    reach = out.shape[2] + (kh - 1) * dh * width + (kw - 1) * dw
    return out.shape[2] % lanes == 0 and out.shape[1] == strips * rows \
        and xp.shape[1] == c and xp.shape[2] >= reach and xp.shape[0] == out.shape[0]


def _tag(op: ir.Operation) -> list[int]:
    """[Wp, DH, DW] (conv_direct.DIRECT_ATTR)."""
    return list(ir.DenseI64ArrayAttr(op.attributes[DIRECT_ATTR]))


def kernel_text(name: str, kh: int, kw: int, rows: int, lanes: int, dw: int) -> str:
    """@name(wp, xp, out, row step, first strip, end strip, first tile, end
    tile): the strips [s0, s1) of tiles [t0, t1) (see the module
    docstring); tap (i, j) reads at i * (row step) + j * dw."""
    vec = f"vector<{lanes}xf32>"
    types = ", ".join([vec] * rows)
    tw = _filters_type(kh, kw, rows)

    def accs(prefix: str) -> list[str]:
        return [f"%{prefix}{r}" for r in range(rows)]

    body, cur = [], accs("a")
    for i in range(kh):
        body += [f"%iw{i} = arith.muli %c{i}, %wp : index",
                 f"%col{i} = arith.addi %p0, %iw{i} : index"]
        for j in range(kw):
            v, col = f"%v{i}_{j}", f"%col{i}_{j}"
            body += [f"{col} = arith.addi %col{i}, %off{j} : index",
                     f"{v} = vector.load %x[%c, {col}] : {ANY_ROWS}, {vec}"]
            nxt = []
            for r in range(rows):
                w, wb, f = f"%w{i}_{j}_{r}", f"%wb{i}_{j}_{r}", f"%f{i}_{j}_{r}"
                body += [f"{w} = memref.load %w[%s, %c, %c{i}, %c{j}, %c{r}] : {tw}",
                         f"{wb} = vector.broadcast {w} : f32 to {vec}",
                         f"{f} = vector.fma {wb}, {v}, {cur[r]} : {vec}"]
                nxt.append(f)
            cur = nxt
    consts = "\n".join([f"  %c{n} = arith.constant {n} : index" for n in range(max(2, kh, kw, rows))]
                       + [f"  %off{j} = arith.constant {j * dw} : index" for j in range(kw)])
    c_args = ", ".join(f"{a} = %zero" for a in accs("a"))
    stores = "\n".join(f"""        %row{r} = arith.addi %row, %c{r} : index
        vector.store %res#{r}, %out[%row{r}, %p0] : {ANY_ROWS}, {vec}""" for r in range(rows))
    newline = "\n"
    return f"""
func.func private @{name}(%w: {tw}, %x: {ANY_ROWS}, %out: {ANY_ROWS}, %wp: index,
    %s0: index, %s1: index, %t0: index, %t1: index) attributes {{passthrough = ["noinline"]}} {{
{consts}
  %crows = arith.constant {rows} : index
  %clanes = arith.constant {lanes} : index
  %zero = arith.constant dense<0.0> : {vec}
  %C = memref.dim %x, %c0 : {ANY_ROWS}
  scf.for %t = %t0 to %t1 step %c1 {{
    %p0 = arith.muli %t, %clanes : index
    scf.for %s = %s0 to %s1 step %c1 {{
      %res:{rows} = scf.for %c = %c0 to %C step %c1 iter_args({c_args}) -> ({types}) {{
        {(newline + "        ").join(body)}
        scf.yield {", ".join(cur)} : {types}
      }}
      %row = arith.muli %s, %crows : index
{stores}
    }}
  }}
  return
}}
"""


def _split(images: int, strips: int, tiles: int, filters: int, inputs: int, flops: int,
           threads: int) -> tuple[str, int, int]:
    """(dim, units, pieces): threads share the images ("n": each its own
    images, all their strips and tiles; where there are enough images and
    the filters, which every thread then reads, fit SHARED_FILTER_BYTES),
    else each image's tiles ("t") or strips ("s"), `pieces` pieces of
    `units`; 1 piece on one thread or for little work (`flops`: one
    image's)."""
    if threads > 1 and images >= threads and 4 * filters <= SHARED_FILTER_BYTES \
            and images * flops >= MIN_PARALLEL_FLOPS:
        return "n", images, images
    by_strips = filters > inputs and strips >= threads
    units = strips if by_strips else tiles
    if threads <= 1 or flops < MIN_PARALLEL_FLOPS or units < 2:
        return "t", tiles, 1
    return ("s" if by_strips else "t"), units, pieces_for(units, threads)


def _image(name: str, operand: str, shape: list[int]) -> str:
    """Lines viewing image %n of the (N, rows, cols) `operand` as %name (ANY_ROWS)."""
    n, r, c = shape
    return f"""
    %{name}_n = memref.subview {operand}[%n, 0, 0] [1, {r}, {c}] [1, 1, 1] : memref<{n}x{r}x{c}xf32> to memref<{r}x{c}xf32, strided<[{c}, 1], offset: ?>>
    %{name} = memref.cast %{name}_n : memref<{r}x{c}xf32, strided<[{c}, 1], offset: ?>> to {ANY_ROWS}"""


def driver_text(name: str, kernel: str, tw0: str, xshape: list[int], oshape: list[int],
                kh: int, kw: int, rows: int, lanes: int, row_step: int,
                split: tuple[str, int, int]) -> str:
    """@name(wp, xp, out): per image (one after the other, or shared by
    the threads), the kernel over all its strips and tiles, or over pieces
    of them in an scf.parallel (`split`: see `_split`); `row_step`: DH * Wp."""
    images, frows, positions = oshape
    tw = _filters_type(kh, kw, rows)
    tx0, to0 = (f"memref<{'x'.join(map(str, t))}xf32>" for t in (xshape, oshape))
    dim, units, pieces = split
    signature = f"({tw}, {ANY_ROWS}, {ANY_ROWS}, index, index, index, index, index) -> ()"
    call = "func.call @{k}(%wk, %xk, %ok, %cwp, {r}) : {s}"
    images_loop, reduce = "scf.for %n = %c0 to %cimages step %c1", ""
    if dim == "n":
        images_loop, reduce = "scf.parallel (%n) = (%c0) to (%cimages) step (%c1)", \
            "\n    scf.reduce"
    if pieces == 1 or dim == "n":
        body = call.format(k=kernel, s=signature, r="%c0, %cstrips, %c0, %ctiles")
    else:
        ranges = "%lo, %hi, %c0, %ctiles" if dim == "s" else "%c0, %cstrips, %lo, %hi"
        body = f"""scf.parallel (%i) = (%c0) to (%cpieces) step (%c1) {{
      {piece_units("%lo", "%hi", "      ")}
      {call.format(k=kernel, s=signature, r=ranges)}
      scf.reduce
    }}"""
    return declare(kernel, [tw, ANY_ROWS, ANY_ROWS] + ["index"] * 5) + f"""
func.func private @{name}(%w: {tw0}, %x: {tx0}, %out: {to0}) {{
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %cwp = arith.constant {row_step} : index
  %cstrips = arith.constant {frows // rows} : index
  %ctiles = arith.constant {positions // lanes} : index
  %cimages = arith.constant {images} : index
  %cunits = arith.constant {units} : index
  %cpieces = arith.constant {pieces} : index
  %wk = memref.cast %w : {tw0} to {tw}
  {images_loop} {{{_image("xk", "%x", xshape)}{_image("ok", "%out", oshape)}
    {body}{reduce}
  }}
  return
}}
"""


@register("tsm-vectorize-direct-conv",
          "conv_direct's convolutions: register tiles of filters x flat positions read in place")
def vectorize_direct_conv(module_op: ir.Operation) -> None:
    lanes = matmul_tiles(module_op).registers[1]
    threads = num_threads(module_op)
    emit = Emitter()
    for op in collect(module_op, lambda op: applies(op, lanes)):
        wp_t, xp_t, out_t = (ir.MemRefType(v.type) for v in op.operands)
        strips, c, kh, kw, rows = wp_t.shape
        wp, dh, dw = _tag(op)
        tiles = out_t.shape[2] // lanes
        caller = enclosing_function(op)
        kernel = emit.get(("kernel", kh, kw, rows, lanes, dw),
                          f"{PREFIX}_{kh}x{kw}_r{rows}" + (f"_d{dw}" if dw > 1 else ""),
                          lambda f: kernel_text(f, kh, kw, rows, lanes, dw), caller)
        split = _split(out_t.shape[0], strips, tiles, strips * c * kh * kw * rows,
                       c * xp_t.shape[2],
                       2 * out_t.shape[1] * out_t.shape[2] * c * kh * kw, threads)
        tw0 = str(wp_t)
        xshape, oshape = list(xp_t.shape), list(out_t.shape)
        driver = emit.get(("driver", tw0, tuple(xshape), tuple(oshape), wp, split),
                          f"{kernel}_driver{{}}",
                          lambda f: driver_text(f, kernel, tw0, xshape, oshape, kh, kw, rows,
                                                lanes, dh * wp, split),
                          caller, bare_first=True)
        fill = zero_init(op)
        with ir.InsertionPoint(op), op.location:
            func.CallOp([], ir.FlatSymbolRefAttr.get(driver), list(op.operands))
        op.erase()
        if fill is not None:
            fill.erase()
