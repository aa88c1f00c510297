"""IR-building helpers shared by the lowering families (tsm -> linalg/tensor/arith).

All helpers build at the current insertion point and location, which the
pattern driver sets to the op being lowered.
"""
from __future__ import annotations

from typing import Callable, Sequence

from mlir import ir
from mlir.dialects import arith, builtin, cf, linalg, tensor

from ..diagnostics import source_loc
from ..errors import LoweringError

IntOrValue = int | ir.Value


def current_module() -> ir.Operation | None:
    """The builtin.module the insertion point is in (None if none)."""
    op = ir.InsertionPoint.current.block.owner
    while op is not None and op.name != "builtin.module":
        op = op.parent
    return op


def rtt(v: ir.Value) -> ir.RankedTensorType:
    return ir.RankedTensorType(v.type)


def index(c: int) -> ir.Value:
    return arith.constant(ir.IndexType.get(), c)


def is_float(t: ir.Type) -> bool:
    return isinstance(t, (ir.F32Type, ir.F64Type, ir.F16Type, ir.BF16Type))


def bitwidth(t: ir.Type) -> int:
    if is_float(t):
        return {ir.F64Type: 64, ir.F32Type: 32}.get(type(t), 16)
    return ir.IntegerType(t).width


def dim(v: ir.Value, i: int) -> IntOrValue:
    """Size of dim i: an int when static, an index value when dynamic."""
    t = rtt(v)
    return tensor.dim(v, index(i)) if t.is_dynamic_dim(i) else t.shape[i]


def as_index(d: IntOrValue) -> ir.Value:
    return index(d) if isinstance(d, int) else d


def empty(sizes: Sequence[IntOrValue], elem: ir.Type) -> ir.Value:
    """tensor.empty with static ints and dynamic index values mixed."""
    return tensor.empty(list(sizes), elem)


def zero(elem: ir.Type) -> ir.Value:
    return constant(0, elem)


def constant(value: float | int | bool, elem: ir.Type) -> ir.Value:
    if is_unsigned(elem):  # arith only takes signless integers: same bits, retagged
        width = elem.width
        bits = (int(value) + (1 << (width - 1))) % (1 << width) - (1 << (width - 1))
        return retag(arith.constant(ir.IntegerType.get_signless(width), bits), elem)
    if is_float(elem):
        return arith.constant(elem, float(value))
    if ir.IntegerType(elem).width == 1:
        return arith.constant(elem, int(bool(value)))
    return arith.constant(elem, int(value))


def filled(sizes: Sequence[IntOrValue], elem: ir.Type, value: float | int) -> ir.Value:
    init = empty(sizes, elem)
    return linalg.fill(constant(value, elem), outs=[init])


def is_unsigned(t: ir.Type) -> bool:
    return isinstance(t, ir.IntegerType) and t.is_unsigned


def retag(v: ir.Value, to: ir.Type) -> ir.Value:
    """The same bits as another integer type of the same width (ui8 <-> i8).
    arith only computes on signless integers; the LLVM conversion makes every
    integer signless, which turns these casts into no-ops that
    reconcile-unrealized-casts removes."""
    return builtin.unrealized_conversion_cast([to], [v])


def convert(v: ir.Value, to: ir.Type) -> ir.Value:
    """Scalar conversion following PyTorch: floats truncate toward zero when
    cast to integers; bool is 0/1; integers sign-extend, unsigned ones (uint8)
    zero-extend; a conversion to uint8 wraps modulo 256 (floats through
    int64, as c10's static_cast_with_inter_type does)."""
    src = v.type
    if src == to:
        return v
    if isinstance(to, ir.BF16Type):  # through f32, as c10 does
        return _round_to_bf16(convert(v, ir.F32Type.get()))
    if is_unsigned(src):
        bits = retag(v, ir.IntegerType.get_signless(src.width))
        if is_float(to):
            return arith.uitofp(to, bits)
        if not is_unsigned(to) and ir.IntegerType(to).width > src.width:
            return arith.extui(to, bits)
        return convert(bits, to)
    if is_unsigned(to):
        wide = convert(v, ir.IntegerType.get_signless(64)) if is_float(src) else v
        return retag(convert(wide, ir.IntegerType.get_signless(to.width)), to)
    if is_float(src) and is_float(to):
        if bitwidth(to) == bitwidth(src):  # bf16 -> f16: through f32, as c10 does
            return arith.truncf(to, arith.extf(ir.F32Type.get(), v))
        return arith.extf(to, v) if bitwidth(to) > bitwidth(src) else arith.truncf(to, v)
    if is_float(to):
        if ir.IntegerType(src).width == 1:
            return arith.uitofp(to, v)
        return arith.sitofp(to, v)
    if ir.IntegerType(to).width == 1:  # x != 0
        z = constant(0, src)
        if is_float(src):
            return arith.cmpf(arith.CmpFPredicate.UNE, v, z)
        return arith.cmpi(arith.CmpIPredicate.ne, v, z)
    if is_float(src):
        return arith.fptosi(to, v)
    sw, tw = ir.IntegerType(src).width, ir.IntegerType(to).width
    if sw == 1:
        return arith.extui(to, v)
    return arith.extsi(to, v) if tw > sw else arith.trunci(to, v)


def _round_to_bf16(v: ir.Value) -> ir.Value:
    """f32 -> bf16 with integer ops, as c10's round_to_nearest_even: add
    0x7FFF plus the lowest kept bit, keep the high half; NaN is 0x7FC0.
    (arith.truncf to bf16 becomes an LLVM libcall per element on CPUs
    without bf16 instructions, about 5x slower.)"""
    i32, i16 = ir.IntegerType.get_signless(32), ir.IntegerType.get_signless(16)
    bits = arith.bitcast(i32, v)
    sixteen = constant(16, i32)
    lowest_kept = arith.andi(arith.shrui(bits, sixteen), constant(1, i32))
    rounded = arith.addi(bits, arith.addi(constant(0x7FFF, i32), lowest_kept))
    high = arith.trunci(i16, arith.shrui(rounded, sixteen))
    nan = arith.cmpf(arith.CmpFPredicate.UNO, v, v)
    return arith.bitcast(ir.BF16Type.get(), arith.select(nan, constant(0x7FC0, i16), high))


def generic(inputs: Sequence[ir.Value], init: ir.Value, maps: Sequence[ir.AffineMap],
            iterators: Sequence[str], body: Callable[..., ir.Value]) -> ir.Value:
    """linalg.generic with one output; `body(*input_scalars, out_scalar)`
    returns the value to yield."""
    op = linalg.GenericOp(
        result_tensors=[init.type], inputs=list(inputs), outputs=[init],
        indexing_maps=ir.ArrayAttr.get([ir.AffineMapAttr.get(m) for m in maps]),
        iterator_types=ir.ArrayAttr.get([
            ir.Attribute.parse(f"#linalg.iterator_type<{it}>") for it in iterators]))
    elem_types = [rtt(v).element_type for v in inputs] + [rtt(init).element_type]
    block = op.regions[0].blocks.append(*elem_types)
    with ir.InsertionPoint(block):
        linalg.YieldOp([body(*block.arguments)])
    return op.result


def permuted(x: ir.Value, perm: Sequence[int]) -> ir.Value:
    """x copied with its dims permuted (linalg.transpose): result dim i is x's dim perm[i]."""
    init = empty([dim(x, p) for p in perm], rtt(x).element_type)
    return linalg.transpose(x, outs=[init], permutation=list(perm)).results[0]


def broadcast_map(operand_shape: Sequence[int], out_shape: Sequence[int]) -> ir.AffineMap:
    """Indexing map reading a right-aligned, broadcast operand in an iteration
    space of the output's rank (size-1 dims read index 0)."""
    rank, r = len(out_shape), len(operand_shape)
    exprs = []
    for i, d in enumerate(operand_shape):
        out_d = out_shape[rank - r + i]
        if d == 1 and out_d != 1:
            exprs.append(ir.AffineConstantExpr.get(0))
        else:
            exprs.append(ir.AffineDimExpr.get(rank - r + i))
    return ir.AffineMap.get(rank, 0, exprs)


def sizes_of(x: ir.Value) -> list[IntOrValue]:
    """x's sizes: ints where static, index values where dynamic."""
    return [dim(x, i) for i in range(rtt(x).rank)]


def insert_slice(src: ir.Value, dest: ir.Value, offsets: Sequence[IntOrValue],
                 sizes: Sequence[IntOrValue], parallel: bool = False) -> ir.Value | None:
    """tensor.insert_slice (or, `parallel`, the terminator's
    tensor.parallel_insert_slice, which has no result) of src into dest at
    `offsets`, unit strides, offsets and sizes static or dynamic."""
    dyn = ir.ShapedType.get_dynamic_size()
    build = tensor.parallel_insert_slice if parallel else tensor.insert_slice
    return build(src, dest, [o for o in offsets if not isinstance(o, int)],
                 [s for s in sizes if not isinstance(s, int)], [],
                 [o if isinstance(o, int) else dyn for o in offsets],
                 [s if isinstance(s, int) else dyn for s in sizes], [1] * len(sizes))


def extract_slice(x: ir.Value, offsets: Sequence[IntOrValue], sizes: Sequence[IntOrValue],
                  strides: Sequence[int], drop: Sequence[int] = ()) -> ir.Value:
    """x[offsets : offsets + sizes * strides], without the unit dims `drop`.

    Dropped dims go through a full-rank slice and a `tensor.collapse_shape`,
    never a rank-reducing extract_slice: MLIR 22's canonicalizer rewrites the
    sizes of a rank-reducing slice wrongly when an offset folds to a constant
    and the dropped dim is not the first unit dim (x[:, :, 0] of a 1x3x5x6
    tensor became the slice [1, 1, 3, 6])."""
    dyn = ir.ShapedType.get_dynamic_size()
    elem = rtt(x).element_type
    static_sizes = [s if isinstance(s, int) else dyn for s in sizes]
    full = tensor.extract_slice(
        ir.RankedTensorType.get(static_sizes, elem), x,
        [o for o in offsets if not isinstance(o, int)], [s for s in sizes if not isinstance(s, int)],
        [], [o if isinstance(o, int) else dyn for o in offsets], static_sizes, list(strides))
    if not drop:
        return full
    kept = [s for d, s in enumerate(static_sizes) if d not in drop]
    return tensor.collapse_shape(ir.RankedTensorType.get(kept, elem), full,
                                 reassociation(unit_dim_groups(len(sizes), drop)))


def unit_dim_groups(rank: int, dims: Sequence[int]) -> list[list[int]]:
    """Reassociation groups that fold the unit dims `dims` of a rank-`rank`
    shape into their next kept dim (the last kept dim for trailing ones)."""
    groups, pending = [], []
    for d in range(rank):
        pending.append(d)
        if d not in dims:
            groups.append(pending)
            pending = []
    if pending and groups:
        groups[-1] += pending
    return groups


def reassociation(groups: Sequence[Sequence[int]]) -> ir.ArrayAttr:
    """The reassociation attribute of tensor.expand_shape / collapse_shape."""
    i64 = ir.IntegerType.get_signless(64)
    return ir.ArrayAttr.get([ir.ArrayAttr.get([ir.IntegerAttr.get(i64, d) for d in g])
                             for g in groups])


def identity_map(rank: int) -> ir.AffineMap:
    return ir.AffineMap.get_identity(rank)


def assert_true(cond: ir.Value, message: str) -> None:
    """Run-time check; the message is prefixed with the user's source line."""
    where = source_loc(ir.Location.current)
    cf.assert_(cond, f"{where}: {message}" if where else message)


def assert_same_size(a: ir.Value, b: ir.Value, op_name: str, what: str) -> None:
    eq = arith.cmpi(arith.CmpIPredicate.eq, a, b)
    assert_true(eq, f"{op_name}: {what}")


def refuse(message: str):
    """Raise from a lowering to leave the op in place with a diagnostic."""
    raise LoweringError(message)

