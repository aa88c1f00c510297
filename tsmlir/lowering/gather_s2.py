"""Stride-2 f32 gathers for tsm-copies-to-linalg, vectorized.

In: a `memref.copy` (met by `copies_to_linalg`) from an f32 view whose
innermost stride is statically 2 into a view with unit innermost stride:
the im2col slices of a stride-2 convolution (every ResNet downsampling
conv; the 7x7 stem conv of ResNet-18 224 alone gathers 1.8 M floats).
Out: a call of `tsm_strided_copy_f32_<rank>d_s2` (one per rank, private,
noinline, on dynamic views like the generic gather, so that LLVM's time
does not grow with the number of copies).  The function views the source
rows as contiguous runs of 2n-1 floats (`memref.reinterpret_cast` with a
unit inner stride: same base and offset), and per 8 results loads 16 floats
(a plain load and a masked load of 7 lanes: the last of the 16 lies past
the row and may lie past the buffer), keeps the even lanes with one
`vector.shuffle` and stores them contiguously; the last n % 8 results are
scalar copies.  The scalar element-by-element loop it replaces cost about
one cycle per float on loads and stores with dynamic strides.
"""
from __future__ import annotations

from mlir import ir
from mlir.dialects import func, memref

from .kernel_emit import append_once

LANES = 8
STRIDE = 2


def applies(src: ir.Type, dst: ir.Type) -> bool:
    """f32 source with static inner stride 2, destination with inner stride 1."""
    s, d = ir.MemRefType(src), ir.MemRefType(dst)
    if s.rank < 1 or not isinstance(s.element_type, ir.F32Type):
        return False
    (src_strides, _), (dst_strides, _) = s.get_strides_and_offset(), d.get_strides_and_offset()
    return src_strides[-1] == STRIDE and dst_strides[-1] == 1


def view_types(rank: int) -> tuple[str, str]:
    """The function's operand types: any strides; a unit inner stride."""
    dims = "x".join(["?"] * rank)
    anyv = f"memref<{dims}xf32, strided<[{', '.join(['?'] * rank)}], offset: ?>>"
    unit = f"memref<{dims}xf32, strided<[{', '.join(['?'] * (rank - 1) + ['1'])}], offset: ?>>"
    return anyv, unit


def function_text(name: str, rank: int) -> str:
    """dst[i..., j] = src[i..., j] (src's inner stride being 2)."""
    anyv, unit = view_types(rank)
    vec, last = f"vector<{LANES}xf32>", rank - 1
    sizes = [f"%sizes#{d}" for d in range(rank)]
    strides = [f"%strides#{d}" for d in range(rank - 1)]
    outer = [f"%i{d}" for d in range(last)]
    evens = ", ".join(str(STRIDE * i) for i in range(LANES))
    loops = [f"scf.for %i{d} = %c0 to {sizes[d]} step %c1 {{" for d in range(last)]
    body = [
        "scf.for %j = %c0 to %nv step %clanes {",
        "  %s = arith.muli %j, %c2 : index",
        "  %s8 = arith.addi %s, %clanes : index",
        f"  %lo = vector.load %dense[{', '.join(outer + ['%s'])}] : {unit}, {vec}",
        f"  %hi = vector.maskedload %dense[{', '.join(outer + ['%s8'])}], %mask, %zero : "
        f"{unit}, vector<{LANES}xi1>, {vec} into {vec}",
        f"  %v = vector.shuffle %lo, %hi [{evens}] : {vec}, {vec}",
        f"  vector.store %v, %dst[{', '.join(outer + ['%j'])}] : {unit}, {vec}",
        "}",
        f"scf.for %t = %nv to {sizes[last]} step %c1 {{",
        "  %ts = arith.muli %t, %c2 : index",
        f"  %x = memref.load %dense[{', '.join(outer + ['%ts'])}] : {unit}",
        f"  memref.store %x, %dst[{', '.join(outer + ['%t'])}] : {unit}",
        "}"]
    nest = "\n    ".join(loops + body + ["}"] * last)
    index_list = ", ".join(["index"] * (2 * rank))
    return f"""
func.func private @{name}(%src: {anyv}, %dst: {unit}) attributes {{passthrough = ["noinline"]}} {{
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant {STRIDE} : index
    %clanes = arith.constant {LANES} : index
    %zero = arith.constant dense<0.0> : {vec}
    %mask = vector.constant_mask [{LANES - 1}] : vector<{LANES}xi1>
    %base, %off, %sizes:{rank}, %strides:{rank} = memref.extract_strided_metadata %src : {anyv} -> memref<f32>, index, {index_list}
    %n2 = arith.muli {sizes[last]}, %c2 : index
    %span1 = arith.subi %n2, %c1 : index
    %span = arith.maxsi %span1, %c0 : index
    %dense = memref.reinterpret_cast %src to offset: [%off], sizes: [{', '.join(sizes[:last] + ['%span'])}], strides: [{', '.join(strides + ['1'])}] : {anyv} to {unit}
    %rem = arith.remui {sizes[last]}, %clanes : index
    %nv = arith.subi {sizes[last]}, %rem : index
    {nest}
    return
}}
"""


def call(module_op: ir.Operation, helpers: set[str], src: ir.Value, dst: ir.Value) -> None:
    """A call of the stride-2 gather function of src's rank (parsed into the
    module's end the first time), at the insertion point."""
    rank = ir.MemRefType(src.type).rank
    name = f"tsm_strided_copy_f32_{rank}d_s2"
    append_once(module_op, helpers, name, lambda f: function_text(f, rank))
    anyv, unit = (ir.Type.parse(t) for t in view_types(rank))
    func.CallOp([], ir.FlatSymbolRefAttr.get(name), [memref.cast(anyv, src),
                                                      memref.cast(unit, dst)])
