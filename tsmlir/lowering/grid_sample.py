"""tsm.grid_sample -> linalg (part of tsm-lower-nn).

In: tsm.grid_sample on a float input (N, C, H, W) with static C, H, W and a
grid (N, H_out, W_out, 2) of the same type; float16/bfloat16 are sampled in
float32 and rounded once (eager's CPU kernel rounds every step to the half
type: up to 0.008 (float16) and 0.1 (bfloat16) off the float64 result where
ours is 0.0007 and 0.004).
Out: one `linalg.generic` over (n, h_out, w_out, c), the channels innermost,
writing out[n, c, h_out, w_out] and tagged GRID_ATTR = [mode, padding,
align_corners, H, W].  Its body computes the point's corners from grid[n, h_out,
w_out] (`corners`: flat pixel indices y * W + x, -1 for a pixel outside the
input, and the bilinear weights; none of it depends on c, so LLVM hoists it
out of the channel loop) and reads the input, flattened to (N, C, H * W),
at each corner with `tensor.extract` (0 outside).  grid_sample_codegen
replaces the tagged generic with a vector kernel built from the same
`corners`; the generic itself is what other element types and layouts run.

Why not the decomposition into elementwise ops and four `tsm.gather`s that
the importer made before: each gather's indices fed a range check too, so
fusion left every step its own loop and intermediate (4 corners x index,
mask, weight), 1.5-1.9x eager's time.
"""
from __future__ import annotations

from mlir import ir
from mlir.dialects import arith, tensor
from mlir.dialects import math as mmath

from . import builders as b
from .math_emitter import Emitter, Pred
from .nn_support import affine, attrs, collapse, half_in_f32, linalg_index, static_spatial

#: The tag of the generic, for grid_sample_codegen: [mode, padding,
#: align_corners, H, W] (the body reads the input flattened to H * W).
GRID_ATTR = "tsm.grid_sample"


def corners(e: Emitter, gx: ir.Value, gy: ir.Value, h: int, w: int, mode: str, padding: str,
            align_corners: bool) -> tuple[list[ir.Value], list[ir.Value]]:
    """The corners read for the points (gx, gy) in [-1, 1] (scalars or
    vectors of e's type): their flat indices y * W + x in e's integer type
    (-1 where the pixel is outside the input) and, bilinear, their weights.
    PyTorch's formulas in the grid's type: unnormalized to pixel
    coordinates (border padding clamps them to the input, reflection
    mirrors them into it first); bilinear reads the 4 pixels around the
    point (north-west, north-east, south-west, south-east), each weighted
    by the area opposite it; nearest the rounded point (ties to even)."""
    def pixels(coord, size):
        if align_corners:
            pixel = e.mul(e.add(coord, e.c(1.0)), e.c((size - 1) / 2))
        else:
            pixel = e.mul(e.sub(e.mul(e.add(coord, e.c(1.0)), e.c(size)), e.c(1.0)), e.c(0.5))
        if padding == "reflection":
            # mirrored at the corner pixels' centres (align_corners) or at the edges
            edges = (0, 2 * (size - 1)) if align_corners else (-1, 2 * size - 1)
            pixel = _reflected(e, pixel, *edges)
        return pixel if padding == "zeros" else _clamped(e, pixel, size)

    def index(px, py):
        inside = [e.cmp(Pred.OGE, px, e.c(0.0)), e.cmp(Pred.OLE, px, e.c(w - 1.0)),
                  e.cmp(Pred.OGE, py, e.c(0.0)), e.cmp(Pred.OLE, py, e.c(h - 1.0))]
        ok = arith.andi(arith.andi(inside[0], inside[1]), arith.andi(inside[2], inside[3]))
        col = arith.fptosi(e.i, _clamped(e, px, w))
        row = arith.fptosi(e.i, _clamped(e, py, h))
        return e.select(ok, e.iadd(arith.muli(row, e.ci(w)), col), e.ci(-1))

    ix, iy = pixels(gx, w), pixels(gy, h)
    if mode == "nearest":
        return [index(mmath.roundeven(ix), mmath.roundeven(iy))], []
    x0, y0 = mmath.floor(ix), mmath.floor(iy)
    x1, y1 = e.add(x0, e.c(1.0)), e.add(y0, e.c(1.0))
    east, west = e.sub(ix, x0), e.sub(x1, ix)
    south, north = e.sub(iy, y0), e.sub(y1, iy)
    return ([index(x0, y0), index(x1, y0), index(x0, y1), index(x1, y1)],
            [e.mul(west, north), e.mul(east, north), e.mul(west, south), e.mul(east, south)])


def _reflected(e: Emitter, v: ir.Value, twice_low: int, twice_high: int) -> ir.Value:
    """PyTorch's reflect_coordinates (its vector kernel's form): v mirrored
    back and forth into [low, high] by the edges at twice_low / 2 and
    twice_high / 2; 0 for an empty range (one pixel, align_corners)."""
    if twice_low == twice_high:
        return e.c(0.0)
    low, span = twice_low / 2, (twice_high - twice_low) / 2
    v = e.abs(e.sub(v, e.c(low)))
    flips = mmath.floor(e.div(v, e.c(span)))
    extra = e.sub(v, e.mul(flips, e.c(span)))
    odd = e.cmp(Pred.ONE, e.sub(flips, e.mul(mmath.floor(e.mul(flips, e.c(0.5))), e.c(2.0))),
                e.c(0.0))
    return e.select(odd, e.add(e.sub(e.c(span), extra), e.c(low)), e.add(extra, e.c(low)))


def _clamped(e: Emitter, v: ir.Value, size: int) -> ir.Value:
    """v clamped to [0, size - 1], NaN staying NaN (PyTorch's clip_coordinates)."""
    return arith.minimumf(arith.maximumf(v, e.c(0.0)), e.c(size - 1.0))


def combine(values: list[ir.Value], weights: list[ir.Value]) -> ir.Value:
    """The sample from the corners' values: nearest's one value, or
    bilinear's v0 w0 + v1 w1 + v2 w2 + v3 w3, summed left to right."""
    if not weights:
        return values[0]
    out = arith.mulf(values[0], weights[0])
    for v, wt in zip(values[1:], weights[1:]):
        out = arith.addf(out, arith.mulf(v, wt))
    return out


def lower_grid_sample(op: ir.Operation) -> ir.Value:
    x, grid = op.operands
    a = attrs(op)
    c, h, w = static_spatial(x)
    xt = b.rtt(x)
    elem = xt.element_type
    if h * w >= 2 ** (b.bitwidth(elem) - 1):
        b.refuse(f"grid_sample: {h} x {w} pixels do not fit the {b.bitwidth(elem)}-bit flat "
                 "indices of its corners")
    flat = collapse(x, [[0], [1], [2, 3]])
    n = b.dim(x, 0) if not xt.is_dynamic_dim(0) else b.dim(grid, 0)
    sizes = [n, c, b.dim(grid, 1), b.dim(grid, 2)]

    def body(gx, gy, _out):
        e = Emitter(elem)
        indices, weights = corners(e, gx, gy, h, w, a["mode"], a["padding"], a["align_corners"])
        at = [linalg_index(0), linalg_index(3)]
        values = []
        for i in indices:
            inside = arith.cmpi(arith.CmpIPredicate.sge, i, e.ci(0))
            pixel = arith.index_cast(ir.IndexType.get(), arith.maxsi(i, e.ci(0)))
            values.append(e.select(inside, tensor.extract(flat, at + [pixel]), e.c(0.0)))
        return combine(values, weights)

    grid_maps = [affine(4, 0, 1, 2, ir.AffineConstantExpr.get(k)) for k in (0, 1)]
    out = b.generic([grid, grid], b.empty(sizes, elem), grid_maps + [affine(4, 0, 3, 1, 2)],
                    ["parallel"] * 4, body)
    i64 = ir.IntegerType.get_signless(64)
    out.owner.attributes[GRID_ATTR] = ir.ArrayAttr.get([
        ir.StringAttr.get(a["mode"]), ir.StringAttr.get(a["padding"]),
        ir.BoolAttr.get(bool(a["align_corners"])), *(ir.IntegerAttr.get(i64, v) for v in (h, w))])
    return out


LOWERINGS = {"tsm.grid_sample": half_in_f32(lower_grid_sample)}
