"""Packing B for the packed matmul kernels of matmul_codegen (text builders).

In: the names and types of a kernel's B operand and of its packed block.
Out: MLIR text lines (parsed later with the kernel): B[k0:k0+kb, n0:nend]
copied into %bp[panel][k][lane] (panels of `lanes` columns, the last one
zero-padded), read as rows of B, or, for a B read transposed ((N, K): a
linear layer's run-time weight, k^T), as 8 x 8 block transposes of B's rows
by the shared function of transpose_codegen; `prepack_text`, the function
that packs all of a constant B once; `Names`, the SSA names the kernel
text shares.
"""
from __future__ import annotations

from mlir import ir

from .kernel_emit import append_once, ceil_div, declare
from .transpose_codegen import serial_text as transpose_text, view_type as transpose_view

#: The shared 2-D block-transpose function (transpose_codegen's name for it),
#: which packs the blocks of a B read transposed.
TRANSPOSE = "tsm_transpose_f32_2d"


class Names:
    """Unique SSA names (MLIR forbids shadowing names of enclosing regions)."""

    def __init__(self):
        self.count = 0

    def __call__(self, stem: str) -> str:
        self.count += 1
        return f"%{stem}{self.count}"


def panel_of(new: Names, p: str, lanes: int) -> tuple[str, list[str]]:
    """Column, width, "full width" flag and lane mask of panel `p` of the
    block %n0..%nend: the names and the lines that compute them."""
    off, col, w, full, mask = (new(s) for s in ("off", "col", "w", "full", "mask"))
    return (col, w, full, mask), [
        f"{off} = arith.muli {p}, %clanes : index",
        f"{col} = arith.addi %n0, {off} : index",
        f"{w} = arith.subi %nend, {col} : index",
        f"{full} = arith.cmpi sge, {w}, %clanes : index",
        f"{mask} = vector.create_mask {w} : vector<{lanes}xi1>"]


def pack_block(new: Names, tb: str, bp: str, lanes: int, transposed: bool = False) -> list[str]:
    """B[k0:k0+kb, n0:nend] -> %bp[panel][k][lane]; the last panel is
    zero-padded by masked loads (the other panels load plainly).
    `transposed`: B is (N, K), see `_pack_transposed`."""
    if transposed:
        return _pack_transposed(new, tb, bp, lanes)
    vec = f"vector<{lanes}xf32>"
    p = new("pp")
    (col, _, full, mask), header = panel_of(new, p, lanes)

    def copy(masked: bool) -> list[str]:
        k, row, v = new("pk"), new("prow"), new("pv")
        load = (f"vector.maskedload %B[{row}, {col}], {mask}, %zero : {tb}, "
                f"vector<{lanes}xi1>, {vec} into {vec}") if masked else \
            f"vector.load %B[{row}, {col}] : {tb}, {vec}"
        return [f"scf.for {k} = %c0 to %kb step %c1 {{",
                f"{row} = arith.addi %k0, {k} : index",
                f"{v} = {load}",
                f"vector.store {v}, %bp[{p}, {k}, %c0] : memref<{bp}>, {vec}", "}"]
    return [f"scf.for {p} = %c0 to %np step %c1 {{", *header,
            f"scf.if {full} {{", *copy(False), "} else {", *copy(True), "}", "}"]


def _pack_transposed(new: Names, tb: str, bp: str, lanes: int) -> list[str]:
    """Bt[n0:nend, k0:k0+kb] (B read as (N, K): a linear layer's run-time
    weight, k^T of attention) -> %bp[panel][k][lane]: each panel is the
    transpose of `lanes` rows of Bt, written by the shared 8 x 8
    block-transpose function (transpose_codegen) on a view of those rows
    and a view of the panel; a last panel of fewer rows is zeroed first
    (its padding lanes' sums are never stored, but stale stack data there
    could be denormals, which slow the FMAs).
    The pack reads B once per block either way: reading it as rows costs
    no more than the plain pack, and no transposed copy of B is made."""
    p = new("pp")
    (col, w, full, _), header = panel_of(new, p, lanes)
    wc, src, dst, srcv, dstv, z = (new(s) for s in ("wc", "tsrc", "tdst", "tsv", "tdv", "zk"))
    view = transpose_view(2)
    b_type = ir.MemRefType(ir.Type.parse(tb))
    b_stride = b_type.get_strides_and_offset()[0][0]
    if b_type.is_dynamic_stride_or_offset(b_stride):
        b_stride = "?"
    src_t = f"memref<?x?xf32, strided<[{b_stride}, 1], offset: ?>>"
    dst_t = f"memref<?x?xf32, strided<[{lanes}, 1], offset: ?>>"
    return [f"scf.for {p} = %c0 to %np step %c1 {{", *header,
            f"{wc} = arith.minsi {w}, %clanes : index",
            f"scf.if {full} {{", "} else {",
            f"scf.for {z} = %c0 to %kb step %c1 {{",
            f"vector.store %zero, %bp[{p}, {z}, %c0] : memref<{bp}>, vector<{lanes}xf32>",
            "}", "}",
            f"{src} = memref.subview %B[{col}, %k0] [{wc}, %kb] [1, 1] : {tb} to {src_t}",
            f"{dst} = memref.subview %bp[{p}, 0, 0] [1, %kb, {wc}] [1, 1, 1] : "
            f"memref<{bp}> to {dst_t}",
            f"{srcv} = memref.cast {src} : {src_t} to {view}",
            f"{dstv} = memref.cast {dst} : {dst_t} to {view}",
            f"func.call @{TRANSPOSE}({srcv}, {dstv}) : ({view}, {view}) -> ()", "}"]


def transpose_declaration(needed: bool) -> str:
    """Text declaring the shared block-transpose function, for a kernel or
    packer that calls it (`rewrite` puts its body into the module)."""
    return declare(TRANSPOSE, [transpose_view(2)] * 2) if needed else ""


def prepack_text(name: str, tb: str, tp: str, k: int, n: int, lanes: int,
                 transposed: bool = False) -> str:
    """A function that packs all of B (type tb; (N, K) if `transposed`)
    into %bp (type tp: [n/lanes][k][lanes], the last panel zero-padded)."""
    pack = "\n  ".join(pack_block(Names(), tb, tp[len("memref<"):-1], lanes, transposed))
    return transpose_declaration(transposed) + f"""
func.func private @{name}(%B: {tb}, %bp: {tp}) attributes {{passthrough = ["noinline"]}} {{
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %clanes = arith.constant {lanes} : index
  %n0 = arith.constant 0 : index
  %nend = arith.constant {n} : index
  %np = arith.constant {ceil_div(n, lanes)} : index
  %k0 = arith.constant 0 : index
  %kb = arith.constant {k} : index
  %zero = arith.constant dense<0.0> : vector<{lanes}xf32>
  {pack}
  return
}}
"""


def ensure_transpose(module_op: ir.Operation) -> None:
    """Put the shared block-transpose function into the module unless
    tsm-vectorize-transposes already did."""
    if TRANSPOSE not in ir.SymbolTable(module_op):
        append_once(module_op, set(), TRANSPOSE, lambda f: transpose_text(f, 2))
