"""tsm.constant -> arith.constant (the dense / dense_resource value is kept as is).

A flat value with a `shape` becomes a 1-D constant and a `tensor.expand_shape`
(a view after bufferization): LLVM builds flat global arrays about 8x faster
than nested ones, which dominates the JIT time of models with big weights.
"""
from mlir import ir
from mlir.dialects import arith, tensor

from .passes import pattern_pass


def lower_constant(op: ir.Operation) -> ir.Value:
    value = op.attributes["value"]
    flat = arith.ConstantOp(ir.Attribute(value).type, value).result
    if "shape" not in op.attributes:
        return flat
    result_type = ir.RankedTensorType(op.result.type)
    if result_type.rank == 1:
        return flat
    groups = [list(range(result_type.rank))] if result_type.rank else []
    return tensor.expand_shape(result_type, flat, groups, [], result_type.shape)


lower_constant_pass = pattern_pass(
    "tsm-lower-constant", "Lower tsm.constant to arith.constant", {"tsm.constant": lower_constant})
