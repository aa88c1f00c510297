"""The stable order of tsm's sort ops, and loop helpers the sort lowerings
share.

The order: NaN greater than any number, bool false < true, -0.0 equal to
+0.0, ties by position (a descending sort reverses the values' order, not
the positions').  topk's insertion compares elements by `compare`;
`sort_keys` gives elements integer keys in the same order.
"""
from __future__ import annotations

from mlir import ir
from mlir.dialects import arith, bufferization, scf, tensor

from . import builders as b

I64 = ir.IntegerType.get_signless


def compare(a: ir.Value, c: ir.Value, descending: bool) -> tuple[ir.Value, ir.Value]:
    """(a strictly precedes c, a and c tie) in the order, positions aside."""
    if b.is_float(a.type):
        p = arith.CmpFPredicate
        a_nan, c_nan = arith.cmpf(p.UNO, a, a), arith.cmpf(p.UNO, c, c)
        a_num, c_num = arith.cmpf(p.ORD, a, a), arith.cmpf(p.ORD, c, c)
        if descending:
            strict = arith.ori(arith.cmpf(p.OGT, a, c), arith.andi(a_nan, c_num))
        else:
            strict = arith.ori(arith.cmpf(p.OLT, a, c), arith.andi(c_nan, a_num))
        return strict, arith.ori(arith.cmpf(p.OEQ, a, c), arith.andi(a_nan, c_nan))
    p = arith.CmpIPredicate
    unsigned = ir.IntegerType(a.type).width == 1
    if descending:
        strict = arith.cmpi(p.ugt if unsigned else p.sgt, a, c)
    else:
        strict = arith.cmpi(p.ult if unsigned else p.slt, a, c)
    return strict, arith.cmpi(p.eq, a, c)


def loop_nest(bounds: list[ir.Value], carried: list[ir.Value], body) -> list[ir.Value]:
    """scf.for nest over `bounds` carrying `carried`; body(ivs, *carried) -> new carried."""
    if not bounds:
        return body([], *carried)
    loop = scf.ForOp(b.index(0), bounds[0], b.index(1), carried)
    with ir.InsertionPoint(loop.body):
        iv = loop.induction_variable
        scf.YieldOp(loop_nest(bounds[1:], list(loop.inner_iter_args),
                               lambda ivs, *c: body([iv, *ivs], *c)))
    return list(loop.results)


def not_(v: ir.Value) -> ir.Value:
    return arith.xori(v, b.constant(1, ir.IntegerType.get_signless(1)))


def insert_sorted(v: ir.Value, pos: ir.Value, held: list[ir.Value], at, j: ir.Value,
                   lowest: ir.Value, goes_before) -> list[ir.Value]:
    """Insertion into sorted places: from place j down to `lowest`, each
    place whose predecessor v goes before (goes_before(prev, values,
    positions) -> i1) takes that predecessor; v and its position `pos` go
    into the place where that stops.  held: (values, positions)."""
    p = arith.CmpIPredicate
    one = b.index(1)
    idx = ir.IndexType.get()
    types = [r.type for r in held]
    loop = scf.WhileOp([idx, *types], [j, *held])
    before = loop.before.blocks.append(idx, *types)
    with ir.InsertionPoint(before):
        j, held_v, held_p = before.arguments
        inside = arith.cmpi(p.ugt, j, lowest)
        prev = arith.select(inside, arith.subi(j, one), lowest)
        scf.ConditionOp(arith.andi(inside, goes_before(prev, held_v, held_p)),
                        list(before.arguments))
    after = loop.after.blocks.append(idx, *types)
    with ir.InsertionPoint(after):
        j, held_v, held_p = after.arguments
        prev = arith.subi(j, one)
        held_v = tensor.insert(tensor.extract(held_v, at(prev)), held_v, at(j))
        held_p = tensor.insert(tensor.extract(held_p, at(prev)), held_p, at(j))
        scf.YieldOp([prev, held_v, held_p])
    j, held_v, held_p = loop.results
    return [tensor.insert(v, held_v, at(j)), tensor.insert(pos, held_p, at(j))]


def fresh(sizes: list[b.IntOrValue], elem: ir.Type) -> ir.Value:
    """A new tensor of its own: two tensor.empty of one type are one value
    after CSE, and a radix sort's two buffers (both int64) must not share
    one."""
    dyn = ir.ShapedType.get_dynamic_size()
    t = ir.RankedTensorType.get([s if isinstance(s, int) else dyn for s in sizes], elem)
    return bufferization.alloc_tensor(t, [s for s in sizes if not isinstance(s, int)])
