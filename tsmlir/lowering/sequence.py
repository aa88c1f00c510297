"""tsm sequence ops -> tensor.

In: tsm.select (run-time index as a 0-d i64 tensor).
Out: `tensor.extract` of the index, normalized (negative counts from the
end) and range-checked (`cf.assert`), then a rank-reducing
`tensor.extract_slice` (a view after bufferization).
"""
from __future__ import annotations

from mlir import ir
from mlir.dialects import arith, tensor

from . import builders as b
from .passes import pattern_pass

DYNAMIC = ir.ShapedType.get_dynamic_size()


def lower_select(op: ir.Operation) -> ir.Value:
    x, index = op.operands
    dim = ir.IntegerAttr(op.attributes["dim"]).value
    t = b.rtt(x)
    size = b.as_index(b.dim(x, dim))
    i = arith.index_cast(ir.IndexType.get(), tensor.extract(index, []))
    zero = b.index(0)
    i = arith.select(arith.cmpi(arith.CmpIPredicate.slt, i, zero), arith.addi(i, size), i)
    in_range = arith.andi(arith.cmpi(arith.CmpIPredicate.sge, i, zero),
                          arith.cmpi(arith.CmpIPredicate.slt, i, size))
    b.assert_true(in_range, f"{op.name}: index out of range for dimension {dim}")
    offsets, sizes, static_offsets, static_sizes = [i], [], [], []
    for d in range(t.rank):
        static_offsets.append(DYNAMIC if d == dim else 0)
        if d == dim:
            static_sizes.append(1)
        elif t.is_dynamic_dim(d):
            sizes.append(b.dim(x, d))
            static_sizes.append(DYNAMIC)
        else:
            static_sizes.append(t.shape[d])
    return tensor.extract_slice(op.result.type, x, offsets, sizes, [], static_offsets,
                                static_sizes, [1] * t.rank)


LOWERINGS = {"tsm.select": lower_select}

lower_sequence_pass = pattern_pass(
    "tsm-lower-sequence", "Lower tsm sequence ops (select) to tensor ops", LOWERINGS)
