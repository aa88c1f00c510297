"""Constants: tensors baked into the program (weights, literals)."""
from mlir import ir

from ..opdef import Attr, OpDef, define
from ..types import from_mlir


def _constant(*, value):
    return [from_mlir(ir.Attribute(value).type)]


OPS = define("constant", [
    OpDef("constant", (), _constant, attrs=(Attr("value", "elements"),),
          doc="A constant tensor; large values are dense_resource blobs, never printed inline.",
          aten=("prim::Constant",)),
])
