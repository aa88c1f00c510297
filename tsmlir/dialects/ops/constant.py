"""Constants: tensors baked into the program (weights, literals)."""
from mlir import ir

from ..opdef import Attr, OpDef, define
from ..types import TensorT, from_mlir


def _constant(*, value, shape=None):
    t = from_mlir(ir.Attribute(value).type)
    if shape is None:
        return [t]
    numel = 1
    for d in shape:
        numel *= d
    if t.rank != 1 or t.shape[0] != numel:
        raise ValueError(f"'shape' {list(shape)} needs a 1-D value of {numel} elements, got {t}")
    return [TensorT(tuple(shape), t.dtype)]


OPS = define("constant", [
    OpDef("constant", (), _constant,
          attrs=(Attr("value", "elements"), Attr("shape", "ints", optional=True)),
          doc="A constant tensor.  Large values are dense_resource blobs (never printed "
              "inline), stored flat (1-D) with the result `shape` given apart.",
          aten=("prim::Constant",)),
])
