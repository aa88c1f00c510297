"""tsm constructors -> tensor.empty + linalg.fill / linalg.generic.

In: tsm.full and tsm.arange, with dynamic sizes (if any) in a 1-D i64
`sizes` operand.
Out: `tensor.empty` of the result shape (each dynamic size read with
tensor.extract, checked >= 0 at run time with `cf.assert`), filled by
`linalg.fill` (full) or by a `linalg.generic` computing start + i * step from
`linalg.index` in PyTorch's accumulate type (arange).
"""
from __future__ import annotations

from mlir import ir
from mlir.dialects import arith, linalg, tensor

from . import builders as b
from .passes import pattern_pass


def _sizes(op: ir.Operation, sizes: ir.Value | None) -> list[b.IntOrValue]:
    """The result's sizes: static ints, dynamic ones read from `sizes`."""
    out = b.rtt(op.result)
    result, k = [], 0
    for i in range(out.rank):
        if not out.is_dynamic_dim(i):
            result.append(out.shape[i])
            continue
        n = tensor.extract(sizes, [b.index(k)])
        k += 1
        zero = b.zero(n.type)
        b.assert_true(arith.cmpi(arith.CmpIPredicate.sge, n, zero),
                      f"{op.name}: negative size for dimension {i}")
        result.append(arith.index_cast(ir.IndexType.get(), n))
    return result


def lower_full(op: ir.Operation) -> ir.Value:
    value, *sizes = op.operands
    elem = b.rtt(op.result).element_type
    init = b.empty(_sizes(op, sizes[0] if sizes else None), elem)
    return linalg.fill(tensor.extract(value, []), outs=[init])


def _accumulate_type(elem: ir.Type) -> ir.Type:
    """PyTorch's CPU accumulate type: f64 for f32/f64, f32 for f16/bf16, i64
    for integers."""
    if isinstance(elem, (ir.F16Type, ir.BF16Type)):
        return ir.F32Type.get()
    if b.is_float(elem):
        return ir.F64Type.get()
    return ir.IntegerType.get_signless(64)


def lower_arange(op: ir.Operation) -> ir.Value:
    start, step, *sizes = op.operands
    elem = b.rtt(op.result).element_type
    acc = _accumulate_type(elem)
    init = b.empty(_sizes(op, sizes[0] if sizes else None), elem)
    scalar = ir.AffineMap.get(1, 0, [])

    def body(first, stride, _out):
        i = arith.index_cast(ir.IntegerType.get_signless(64), linalg.IndexOp(0).result)
        i, first, stride = b.convert(i, acc), b.convert(first, acc), b.convert(stride, acc)
        mul, add = (arith.mulf, arith.addf) if b.is_float(acc) else (arith.muli, arith.addi)
        return b.convert(add(first, mul(stride, i)), elem)

    return b.generic([start, step], init, [scalar, scalar, b.identity_map(1)], ["parallel"], body)


LOWERINGS = {"tsm.full": lower_full, "tsm.arange": lower_arange}

lower_constructors_pass = pattern_pass(
    "tsm-lower-constructors", "Lower tsm constructors (full, arange) to linalg", LOWERINGS)
