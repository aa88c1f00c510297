"""tsm-vectorize-grid-sample: float32 grid sampling as a vector loop.

In: bufferized IR where the `linalg.generic` of tsm.grid_sample (tagged
grid_sample.GRID_ATTR) works on f32 memrefs: the grid (N, H_out, W_out, 2)
with its points contiguous, the output (N, C, H_out, W_out) with each
channel's H_out x W_out contiguous, and the input flattened to (N, C, H * W)
with a unit innermost stride (read in the body).
Out: a call of `tsm_grid_sample_f32_<mode>_<padding>_<align>_<H>x<W>[_par]`
(private, noinline, on dynamic views: one function per sampling kind and
input size), which takes the points 16 at a time: two loads of the grid and
two shuffles give their x and y, grid_sample.corners (the generic's own
arithmetic, on vectors) their corners' indices and weights, and then for
each channel one masked `vector.gather` per corner (the lanes whose pixel is
outside the input, or past the last point, read 0) and the weighted sum,
stored with the last point's mask (a target whose tuning prefers no
gathers, x86-64-v3's, gets each lane loaded on its own by LLVM).  `_par`:
the blocks of 16 points are an `scf.parallel` loop (threads > 1 and a
sampling big enough).

Why: the generic's scalar loops read each corner with a load of its own,
one output at a time (3 ms for F.grid_sample of (1, 32, 64, 64) at 64 x 64
points on 1 thread; eager 0.4-0.6); PyTorch's CPU kernel gathers 16 lanes
per instruction, and so does this one (0.3 ms; docs/cpu-performance.md).
"""
from __future__ import annotations

import math

from mlir import ir
from mlir.dialects import func, memref

from .grid_sample import GRID_ATTR, combine, corners
from .ir_walk import as_op, collect
from .kernel_emit import append_once
from .math_emitter import Emitter
from .parallel import MIN_PARALLEL_ELEMENTS, num_threads
from .passes import register
from .row_copy import collapse_memref, view_type

LANES = 16
# placeholder callees, expanded in place by grid_sample.corners and .combine
_CORNERS, _COMBINE = "tsm_grid_corners", "tsm_grid_combine"


def _contiguous(t: ir.MemRefType, dims: list[int]) -> bool:
    """Whether `dims` (the trailing dims of t) are contiguous: static unit
    innermost stride and each other stride the product of the sizes after it."""
    strides = t.get_strides_and_offset()[0]
    expected = 1
    for d in reversed(dims):
        if strides[d] != expected or t.is_dynamic_dim(d):
            return False
        expected *= t.shape[d]
    return True


def _source(op: ir.Operation) -> ir.Value | None:
    """The flattened input (N, C, H * W) that the body loads from."""
    loads = [as_op(o) for o in op.regions[0].blocks[0].operations
             if as_op(o).name == "memref.load"]
    sources = {o.operands[0] for o in loads}
    return next(iter(sources)) if len(sources) == 1 else None


def _applies(op: ir.Operation) -> bool:
    if op.name != "linalg.generic" or GRID_ATTR not in op.attributes or op.results:
        return False
    x = _source(op)
    if x is None or len(op.operands) != 3:
        return False
    grid, out = (ir.MemRefType(v.type) for v in (op.operands[0], op.operands[2]))
    xt = ir.MemRefType(x.type)
    if not all(isinstance(t.element_type, ir.F32Type) for t in (xt, grid, out)):
        return False
    return _contiguous(xt, [2]) and _contiguous(grid, [1, 2, 3]) and _contiguous(out, [2, 3])


def _kind(op: ir.Operation) -> tuple[str, str, bool, int, int]:
    """The tag's (mode, padding, align_corners, H, W)."""
    mode, padding, align, h, w = ir.ArrayAttr(op.attributes[GRID_ATTR])
    return (ir.StringAttr(mode).value, ir.StringAttr(padding).value, ir.BoolAttr(align).value,
            ir.IntegerAttr(h).value, ir.IntegerAttr(w).value)


def function_text(name: str, corners_count: int, parallel: bool) -> str:
    """The kernel, with calls of the placeholders `_CORNERS` (gx, gy) ->
    (indices..., weights...) where the corners' arithmetic goes and
    `_COMBINE` (values..., weights...) -> sample where their sum goes."""
    vec, ivec, mvec = f"vector<{LANES}xf32>", f"vector<{LANES}xi32>", f"vector<{LANES}xi1>"
    x_view, g_view = view_type(3, "f32"), view_type(2, "f32")
    k = corners_count
    bilinear = k == 4
    idx = [f"%i{c}" for c in range(k)]
    wts = [f"%w{c}" for c in range(k)] if bilinear else []
    results = ", ".join(idx + wts)
    result_types = ", ".join([ivec] * k + [vec] * len(wts))
    evens = ", ".join(str(2 * i) for i in range(LANES))
    odds = ", ".join(str(2 * i + 1) for i in range(LANES))
    masks = []
    for c in range(k):
        masks += [f"%in{c} = arith.cmpi sge, %i{c}, %izero : {ivec}",
                  f"%m{c} = arith.andi %in{c}, %tail : {mvec}",
                  f"%p{c} = arith.maxsi %i{c}, %izero : {ivec}"]
    gathers = [f"%v{c} = vector.gather %x[%n, %ch, %c0] [%p{c}], %m{c}, %zero : "
               f"{x_view}, {ivec}, {mvec}, {vec} into {vec}" for c in range(k)]
    values = ", ".join([f"%v{c}" for c in range(k)] + wts)
    sums = [f"%s = func.call @{_COMBINE}({values}) : ({', '.join([vec] * (k + len(wts)))}) "
            f"-> {vec}"]
    result = "%s"
    blocks = ("scf.parallel (%b) = (%c0) to (%nblocks) step (%c1) {" if parallel
              else "scf.for %b = %c0 to %nblocks step %c1 {")
    nl = "\n      "
    inner = nl + "  "
    return f"""
func.func private @{_CORNERS}({vec}, {vec}) -> ({result_types})
func.func private @{_COMBINE}({", ".join([vec] * (k + len(wts)))}) -> {vec}
func.func private @{name}(%x: {x_view}, %g: {g_view}, %y: {x_view}) attributes {{passthrough = ["noinline"]}} {{
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %clanes = arith.constant {LANES} : index
  %clast = arith.constant {LANES - 1} : index
  %zero = arith.constant dense<0.0> : {vec}
  %izero = arith.constant dense<0> : {ivec}
  %nb = memref.dim %y, %c0 : {x_view}
  %nc = memref.dim %y, %c1 : {x_view}
  %nq = memref.dim %y, %c2 : {x_view}
  %nq_up = arith.addi %nq, %clast : index
  %nblocks = arith.divui %nq_up, %clanes : index
  scf.for %n = %c0 to %nb step %c1 {{
    {blocks}
      %q = arith.muli %b, %clanes : index
      %left = arith.subi %nq, %q : index
      %tail = vector.create_mask %left : {mvec}
      %q2 = arith.muli %q, %c2 : index
      %q2hi = arith.addi %q2, %clanes : index
      %left2 = arith.muli %left, %c2 : index
      %left2hi = arith.subi %left2, %clanes : index
      %mlo = vector.create_mask %left2 : {mvec}
      %mhi = vector.create_mask %left2hi : {mvec}
      %lo = vector.maskedload %g[%n, %q2], %mlo, %zero : {g_view}, {mvec}, {vec} into {vec}
      %hi = vector.maskedload %g[%n, %q2hi], %mhi, %zero : {g_view}, {mvec}, {vec} into {vec}
      %gx = vector.shuffle %lo, %hi [{evens}] : {vec}, {vec}
      %gy = vector.shuffle %lo, %hi [{odds}] : {vec}, {vec}
      {results} = func.call @{_CORNERS}(%gx, %gy) : ({vec}, {vec}) -> ({result_types})
      {nl.join(masks)}
      scf.for %ch = %c0 to %nc step %c1 {{
        {inner.join(gathers + sums)}
        vector.maskedstore %y[%n, %ch, %q], %tail, {result} : {x_view}, {mvec}, {vec}
      }}
      {"scf.reduce" if parallel else "scf.yield"}
    }}
  }}
  return
}}
"""


def _count(mode: str) -> int:
    """The corners a sample reads."""
    return 4 if mode == "bilinear" else 1


def _expand_placeholders(fn: ir.Operation, h: int, w: int, mode: str, padding: str,
                         align: bool) -> None:
    """Replace the kernel's placeholder calls by grid_sample.corners and
    grid_sample.combine on vectors: the generic's own arithmetic."""
    e = Emitter(ir.VectorType.get([LANES], ir.F32Type.get()))
    for call in collect(fn, lambda o: o.name == "func.call"):
        callee = ir.FlatSymbolRefAttr(call.attributes["callee"]).value
        args = list(call.operands)
        with ir.InsertionPoint(call), call.location:
            if callee == _CORNERS:
                indices, weights = corners(e, *args, h, w, mode, padding, align)
                new = indices + weights
            else:  # the values, then as many weights for bilinear
                k = _count(mode)
                new = [combine(args[:k], args[k:])]
        for old, value in zip(call.results, new):
            old.replace_all_uses_with(value)
        call.erase()


def _call(module_op: ir.Operation, helpers: set[str], op: ir.Operation, parallel: bool) -> None:
    x = _source(op)
    mode, padding, align, h, w = _kind(op)
    name = (f"tsm_grid_sample_f32_{mode}_{padding}_{'align' if align else 'noalign'}_{h}x{w}"
            f"{'_par' if parallel else ''}")
    count = _count(mode)

    def text(fname: str) -> str:
        return function_text(fname, count, parallel)
    if name not in helpers:
        append_once(module_op, helpers, name, text)
        _expand_placeholders(ir.SymbolTable(module_op)[name].operation, h, w, mode, padding,
                             align)
    view = ir.Type.parse(view_type(3, "f32"))
    grid = collapse_memref(op.operands[0], [[0], [1, 2, 3]])
    out = collapse_memref(op.operands[2], [[0], [1], [2, 3]])
    func.CallOp([], ir.FlatSymbolRefAttr.get(name),
                [memref.cast(view, x), memref.cast(ir.Type.parse(view_type(2, "f32")), grid),
                 memref.cast(view, out)])


@register("tsm-vectorize-grid-sample",
          "float32 tsm.grid_sample generics as calls of vectorized gather loops")
def vectorize_grid_sample(module_op: ir.Operation) -> None:
    threads = num_threads(module_op)
    helpers: set[str] = set()
    for op in collect(module_op, _applies):
        out = ir.MemRefType(op.operands[2].type)
        size = math.prod(1 if out.is_dynamic_dim(d) else out.shape[d] for d in range(4))
        with ir.InsertionPoint(op), op.location:
            _call(module_op, helpers, op, threads > 1 and size >= MIN_PARALLEL_ELEMENTS)
        op.erase()
