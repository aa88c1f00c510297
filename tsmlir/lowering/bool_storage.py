"""tsm-widen-bool-memrefs: store booleans as bytes.

In: memref IR after linalg has become loops (memref.load/store, allocs,
globals, views) where some memrefs have element type i1.
Out: every such memref holds i8 instead (the layout PyTorch uses for
torch.bool); loads (`memref.load`, and the `vector.load` /
`vector.maskedload` of boolean masks that vectorized reductions read) are
followed by `arith.trunci` to i1, and stores are preceded by `arith.extui`.  MLIR's memref-to-LLVM conversion refuses
sub-byte element types, so this runs before it.
"""
from __future__ import annotations

import numpy as np
from mlir import ir
from mlir.dialects import arith

from . import constant_data
from .passes import FailedAt, register


def _widened(t: ir.Type) -> ir.Type | None:
    if not isinstance(t, ir.MemRefType):
        return None
    if not (isinstance(t.element_type, ir.IntegerType) and t.element_type.width == 1):
        return None
    return ir.MemRefType.get(t.shape, ir.IntegerType.get_signless(8), t.layout, t.memory_space)


def _widen_dense(attr: ir.Attribute) -> ir.Attribute:
    """An i1 initial value as i8: an inline one element by element; a
    resource (a bool weight or mask of more than INLINE_LIMIT elements) as a
    new i8 resource of the same bytes, read from the importer's blobs."""
    i8 = ir.IntegerType.get_signless(8)
    try:  # dense_resource attributes come back undowncast: cast to tell
        resource = ir.DenseResourceElementsAttr(attr)
    except ValueError:
        resource = None
    if resource is not None:
        t = ir.RankedTensorType(resource.type)
        data = constant_data.attr_array(resource, tuple(t.shape))
        if data is None:
            raise ValueError("the resource's data is not at hand")
        return constant_data.value_attr(np.ascontiguousarray(data).astype(np.int8),
                                        ir.RankedTensorType.get(t.shape, i8), "bool_as_bytes")
    dense = ir.DenseIntElementsAttr(attr)
    t = ir.RankedTensorType(dense.type)
    values = [ir.IntegerAttr.get(i8, int(bool(v))) for v in dense]
    return ir.DenseElementsAttr.get(values, type=ir.RankedTensorType.get(t.shape, i8))


@register("tsm-widen-bool-memrefs", "Store i1 memrefs as i8 (torch.bool layout)")
def widen_bool_memrefs(module_op: ir.Operation) -> None:
    ops: list[ir.Operation] = []
    module_op.walk(lambda op: ops.append(op.operation) or ir.WalkResult.ADVANCE,
                   ir.WalkOrder.PRE_ORDER)
    i1 = ir.IntegerType.get_signless(1)
    for op in ops:
        for region in op.regions:
            for block in region.blocks:
                for arg in block.arguments:
                    if (w := _widened(arg.type)) is not None:
                        arg.set_type(w)
        if op.name == "func.func":
            ft = ir.FunctionType(ir.TypeAttr(op.attributes["function_type"]).value)
            fix = lambda ts: [_widened(t) or t for t in ts]  # noqa: E731
            op.attributes["function_type"] = ir.TypeAttr.get(
                ir.FunctionType.get(fix(ft.inputs), fix(ft.results)))
        elif op.name == "memref.global":
            t = ir.TypeAttr(op.attributes["type"]).value
            if (w := _widened(t)) is not None:
                op.attributes["type"] = ir.TypeAttr.get(w)
                init = op.attributes["initial_value"] if "initial_value" in op.attributes else None
                if init is not None and not isinstance(init, ir.UnitAttr):
                    try:
                        op.attributes["initial_value"] = _widen_dense(init)
                    except ValueError:
                        raise FailedAt(op.location, "boolean constant whose values are not "
                                       "at hand (a resource read from a file) cannot be "
                                       "widened") from None
        for r in op.results:
            if (w := _widened(r.type)) is not None:
                r.set_type(w)
        if op.name == "memref.load" and _is_byte_bool(op.operands[0]):
            if op.result.type == i1:
                op.result.set_type(ir.IntegerType.get_signless(8))
                _truncate_after(op)
        elif op.name in _VECTOR_LOADS and _is_byte_bool(op.operands[0]):
            t = op.result.type
            if ir.VectorType(t).element_type == i1:
                if op.name == "vector.maskedload":  # the pass-through lanes, as bytes
                    with ir.InsertionPoint(op), op.location:
                        op.operands[-1] = arith.extui(_bytes_of(t), op.operands[-1])
                op.result.set_type(_bytes_of(t))
                _truncate_after(op)
        elif op.name == "memref.store" and _is_byte_bool(op.operands[1]):
            value = op.operands[0]
            if value.type == i1:
                with ir.InsertionPoint(op), op.location:
                    op.operands[0] = arith.extui(ir.IntegerType.get_signless(8), value)


#: Vector loads (result, then memref and indices first) that reductions over
#: boolean masks emit (reduction_codegen, column_reduction).
_VECTOR_LOADS = ("vector.load", "vector.maskedload")


def _bytes_of(t: ir.Type) -> ir.Type:
    """vector<... x i1> -> vector<... x i8>."""
    return ir.VectorType.get(ir.VectorType(t).shape, ir.IntegerType.get_signless(8))


def _is_byte_bool(memref: ir.Value) -> bool:
    t = memref.type
    return isinstance(t, ir.MemRefType) and isinstance(t.element_type, ir.IntegerType) \
        and t.element_type.width == 8


def _truncate_after(load: ir.Operation) -> None:
    """Insert `trunci` right after the load and route the load's users to it."""
    block = load.block
    ops = [o.operation for o in block.operations]
    nxt = ops[ops.index(load) + 1]
    t = load.result.type
    i1 = ir.IntegerType.get_signless(1)
    narrow_type = ir.VectorType.get(ir.VectorType(t).shape, i1) if isinstance(t, ir.VectorType) else i1
    with ir.InsertionPoint(nxt), load.location:
        narrow = arith.trunci(narrow_type, load.result)
    load.result.replace_all_uses_except(narrow, narrow.owner.operation)
