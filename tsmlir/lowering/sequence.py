"""tsm sequence ops -> tensor.

In: tsm.select (run-time index as a 0-d i64 tensor).
Out: `tensor.extract` of the index, normalized (negative counts from the
end) and range-checked (`cf.assert`), then a full-rank
`tensor.extract_slice` and a `tensor.collapse_shape` of the selected unit dim
(views after bufferization; see `builders.extract_slice` for why not a
rank-reducing slice).
"""
from __future__ import annotations

from mlir import ir
from mlir.dialects import arith, tensor

from . import builders as b
from .passes import pattern_pass

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
    offsets = [i if d == dim else 0 for d in range(t.rank)]
    sizes = [1 if d == dim else b.dim(x, d) for d in range(t.rank)]
    return b.extract_slice(x, offsets, sizes, [1] * t.rank, drop=[dim])


LOWERINGS = {"tsm.select": lower_select}

lower_sequence_pass = pattern_pass(
    "tsm-lower-sequence", "Lower tsm sequence ops (select) to tensor ops", LOWERINGS)
