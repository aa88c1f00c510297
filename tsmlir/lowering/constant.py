"""tsm.constant -> arith.constant (the dense / dense_resource value is kept as is)."""
from mlir import ir
from mlir.dialects import arith

from .passes import pattern_pass


def lower_constant(op: ir.Operation) -> ir.Value:
    return arith.ConstantOp(op.result.type, op.attributes["value"]).result


lower_constant_pass = pattern_pass(
    "tsm-lower-constant", "Lower tsm.constant to arith.constant", {"tsm.constant": lower_constant})
