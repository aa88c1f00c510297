"""tsm.constant -> arith.constant (the dense / dense_resource value is kept as is).

A flat value with a `shape` becomes a 1-D constant and a `tensor.expand_shape`
(a view after bufferization): LLVM builds flat global arrays about 8x faster
than nested ones, which dominates the JIT time of models with big weights.

An inline uint8 (ui8) value becomes an i8 constant retagged element by
element (a linalg.generic): the folders of tensor.extract would otherwise
make scalar `arith.constant`s of type ui8, which arith rejects.  Big ui8
values (dense_resource blobs) are never folded and stay as they are.
"""
from mlir import ir
from mlir.dialects import arith, tensor

from . import builders as b
from .passes import pattern_pass


def lower_constant(op: ir.Operation) -> ir.Value:
    value = op.attributes["value"]
    flat = arith.ConstantOp(ir.Attribute(value).type, value).result \
        if not _inline_unsigned(value) else _unsigned_constant(value)
    if "shape" not in op.attributes:
        return flat
    result_type = ir.RankedTensorType(op.result.type)
    if result_type.rank == 1:
        return flat
    groups = [list(range(result_type.rank))] if result_type.rank else []
    return tensor.expand_shape(result_type, flat, groups, [], result_type.shape)


def _inline_unsigned(value: ir.Attribute) -> bool:
    return isinstance(value, ir.DenseIntElementsAttr) and \
        b.is_unsigned(ir.RankedTensorType(value.type).element_type)


def _unsigned_constant(value: ir.Attribute) -> ir.Value:
    t = ir.RankedTensorType(value.type)
    elem = t.element_type
    signless = ir.IntegerType.get_signless(elem.width)
    half = 1 << (elem.width - 1)
    bits = [ir.IntegerAttr.get(signless, (int(v) + half) % (2 * half) - half)
            for v in ir.DenseIntElementsAttr(value)]
    signless_t = ir.RankedTensorType.get(t.shape, signless)
    attr = ir.DenseElementsAttr.get_splat(signless_t, bits[0]) if value.is_splat else \
        ir.DenseElementsAttr.get(bits, type=signless_t)
    source = arith.ConstantOp(signless_t, attr).result
    same = b.identity_map(t.rank)
    return b.generic([source], b.empty(list(t.shape), elem), [same, same], ["parallel"] * t.rank,
                     lambda x, _out: b.retag(x, elem))


lower_constant_pass = pattern_pass(
    "tsm-lower-constant", "Lower tsm.constant to arith.constant", {"tsm.constant": lower_constant})
