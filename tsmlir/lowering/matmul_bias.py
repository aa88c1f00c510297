"""Find the broadcast bias that a bufferized matmul accumulates into.

In: a `linalg.matmul` on memrefs (C += A @ B) whose C buffer was just
filled by a `linalg.generic` broadcasting a 1-D vector over it: a linear
layer's bias along the columns (`x @ W.T + b`), a convolution's along the
rows (its im2col product is C[out channel, pixel]); or to which such a
generic just added the vector (C holds a residual: see
tsm-accumulate-in-place); only ops without memory effects (views,
constants) lie between the two.
Out (`bias_init`): that generic, the vector, along which dim it
broadcasts and whether it adds to C; the packed kernels (`matmul_codegen`)
then start their accumulators from the vector (plus C) and the generic
goes: one pass over C fewer per matmul.  Likewise a `linalg.fill` of zero
right before the matmul (`zero_init`: a product with no addend): the
kernels start from zero, and neither write C before nor read it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from mlir import ir

from .ir_walk import as_op, indexing_maps

#: Ops that may lie between the broadcast and the matmul: no memory effects.
_PURE = ("arith.constant", "memref.get_global", "memref.expand_shape",
         "memref.collapse_shape", "memref.subview", "memref.cast")


@dataclass(frozen=True)
class BiasInit:
    """C[i, j] = bias[j] ("col") or bias[i] ("row") (`adds`: C[i, j] +=),
    written by `fill`."""
    fill: ir.Operation
    bias: ir.Value
    along: str
    adds: bool = False


def _broadcast_of(g: ir.Operation, c: ir.Value) -> BiasInit | None:
    """g as a BiasInit of C: a generic on memrefs, one 1-D f32 input with
    an identity layout, output C itself (identity map: every element
    written), body a yield of the input or of its sum with C's element."""
    if g.name != "linalg.generic" or g.results or len(g.operands) != 2 or g.operands[1] != c:
        return None
    bias = g.operands[0]
    if not isinstance(bias.type, ir.MemRefType):
        return None
    t = ir.MemRefType(bias.type)
    layout = t.layout
    if t.rank != 1 or str(t.element_type) != "f32" or not (
            isinstance(layout, ir.AffineMapAttr) and layout.value == ir.AffineMap.get_identity(1)):
        return None
    if any("parallel" not in str(it) for it in ir.ArrayAttr(g.attributes["iterator_types"])):
        return None
    m_in, m_out = indexing_maps(g)
    if m_out != ir.AffineMap.get_identity(2):
        return None
    d = ir.AffineDimExpr.get
    along = {str(ir.AffineMap.get(2, 0, [d(1)])): "col",
             str(ir.AffineMap.get(2, 0, [d(0)])): "row"}.get(str(m_in))
    block = g.regions[0].blocks[0]
    body = [as_op(o) for o in block.operations]
    if along is None:
        return None
    if len(body) == 1 and body[0].operands[0] == block.arguments[0]:
        return BiasInit(g, bias, along)
    if len(body) == 2 and body[0].name == "arith.addf" and \
            set(map(_arg_number, body[0].operands)) == {0, 1} and \
            body[1].operands[0] == body[0].results[0]:
        return BiasInit(g, bias, along, adds=True)
    return None


def _arg_number(v: ir.Value) -> int:
    return ir.BlockArgument(v).arg_number if isinstance(v.owner, ir.Block) else -1


def _last_write_before(op: ir.Operation) -> ir.Operation | None:
    """The last op before op in its block that has memory effects."""
    last = None
    for other in op.block.operations:
        other = as_op(other)
        if other == op:
            return last
        if other.name not in _PURE:
            last = other
    return None


def bias_init(op: ir.Operation) -> BiasInit | None:
    """The broadcast that fills matmul op's C right before it, else None."""
    last = _last_write_before(op)
    return _broadcast_of(last, op.operands[2]) if last is not None else None


def zero_init(op: ir.Operation) -> ir.Operation | None:
    """The `linalg.fill` of +0.0 that fills matmul op's C right before it,
    else None: the kernel can start its sums from zero instead of loading
    that C (+0.0 only: a sum started from -0.0 can end as -0.0)."""
    last = _last_write_before(op)
    if last is None or last.name != "linalg.fill" or last.results or \
            last.operands[1] != op.operands[2]:
        return None
    value = last.operands[0].owner
    if isinstance(value, ir.Block) or as_op(value).name != "arith.constant":
        return None
    attr = as_op(value).attributes["value"]
    if not isinstance(attr, ir.FloatAttr) or str(attr.type) != "f32":
        return None
    return last if math.copysign(1.0, attr.value) > 0 and attr.value == 0.0 else None
