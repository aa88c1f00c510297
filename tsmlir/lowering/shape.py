"""tsm shape ops -> tensor / linalg.

In: tsm.reshape/squeeze/permute/cat on ranked tensors.
Out:
- tsm.reshape, tsm.squeeze: `tensor.collapse_shape` then `tensor.expand_shape`
  (each only where needed), which bufferize to views, whenever the dims can
  be grouped so that each group of input dims and of result dims has the same
  size, symbolically in the dynamic dims.  Otherwise (e.g. `?x3` viewed as
  `2x?`), `tensor.reshape` with a computed shape tensor behind a run-time
  check that the element count fits.  tsm.squeeze also checks that no
  dynamic dim is 1 at run time (that would have changed the rank).
- tsm.permute: `linalg.transpose` into a `tensor.empty`.
- tsm.cat: one `tensor.insert_slice` per input into a `tensor.empty`, with
  offsets computed at run time along dynamic dims; inputs of another dtype are
  converted first (one linalg.generic); dynamic dims that must agree across
  the inputs get a `cf.assert`.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Sequence

from mlir import ir
from mlir.dialects import arith, linalg, tensor, ub

from . import builders as b
from .passes import pattern_pass

DYNAMIC = ir.ShapedType.get_dynamic_size()


# -- index arithmetic on static ints and index values -------------------------------
def _mul(x: b.IntOrValue, y: b.IntOrValue) -> b.IntOrValue:
    if isinstance(x, int) and isinstance(y, int):
        return x * y
    if isinstance(x, int) and x == 1:
        return y
    if isinstance(y, int) and y == 1:
        return x
    return arith.muli(b.as_index(x), b.as_index(y))


def _add(x: b.IntOrValue, y: b.IntOrValue) -> b.IntOrValue:
    if isinstance(x, int) and isinstance(y, int):
        return x + y
    if isinstance(x, int) and x == 0:
        return y
    if isinstance(y, int) and y == 0:
        return x
    return arith.addi(b.as_index(x), b.as_index(y))


def _product(sizes: Sequence[b.IntOrValue]) -> b.IntOrValue:
    out: b.IntOrValue = 1
    for s in sizes:
        out = _mul(out, s)
    return out


def _mixed(sizes: Sequence[b.IntOrValue]) -> tuple[list[ir.Value], list[int]]:
    """Split sizes into (dynamic values, static list with DYNAMIC markers)."""
    return ([s for s in sizes if not isinstance(s, int)],
            [s if isinstance(s, int) else DYNAMIC for s in sizes])


def _ints(op: ir.Operation, name: str) -> list[int]:
    return list(ir.DenseI64ArrayAttr(op.attributes[name]))


# -- symbolic sizes: static factor times a multiset of dynamic input dims ------------------
@dataclass(frozen=True)
class _Sym:
    static: int
    dyn: tuple[int, ...] = ()  # sorted input dims

    def __mul__(self, other: "_Sym") -> "_Sym":
        return _Sym(self.static * other.static, tuple(sorted(self.dyn + other.dyn)))

    def smaller(self, other: "_Sym") -> bool:
        """True if self is a proper factor-wise part of other (so the group
        holding self must grow to reach other)."""
        mine, theirs = Counter(self.dyn), Counter(other.dyn)
        if mine - theirs:
            return False
        return mine != theirs or self.static < other.static


_ONE = _Sym(1)


def _symbols(x: ir.Value, shape: Sequence[int], from_dims: Sequence[int]):
    """Symbolic sizes of the input and result dims (result dims name the
    input dims they copy); None for the result when an inferred dim is not an
    exact quotient of the element count."""
    t = b.rtt(x)
    ins = [_Sym(1, (i,)) if t.is_dynamic_dim(i) else _Sym(t.shape[i]) for i in range(t.rank)]
    outs: list[_Sym | None] = [_Sym(1, (f,)) if f >= 0 else None if s == -1 else _Sym(s)
                               for s, f in zip(shape, from_dims)]
    if None in outs:
        total, known = _product_sym(ins), _product_sym([o for o in outs if o is not None])
        rest = Counter(total.dyn) - Counter(known.dyn)
        if known.static == 0 or total.static % known.static or Counter(known.dyn) - Counter(total.dyn):
            return ins, None
        outs[outs.index(None)] = _Sym(total.static // known.static, tuple(sorted(rest.elements())))
    return ins, outs


def _product_sym(syms: Sequence[_Sym]) -> _Sym:
    out = _ONE
    for s in syms:
        out = out * s
    return out


def _groups(ins: Sequence[_Sym], outs: Sequence[_Sym]):
    """Group consecutive input and result dims into blocks of equal size;
    None if no such grouping exists (not a pure collapse/expand)."""
    if any(s.static == 0 for s in (*ins, *outs)):
        return None
    in_groups: list[list[int]] = []
    out_groups: list[list[int]] = []
    i = j = 0
    while i < len(ins) and j < len(outs):
        gi, gj, pi, pj = [i], [j], ins[i], outs[j]
        i, j = i + 1, j + 1
        while pi != pj:
            if pi.smaller(pj) and i < len(ins):
                pi, i = pi * ins[i], i + 1
                gi.append(i - 1)
            elif pj.smaller(pi) and j < len(outs):
                pj, j = pj * outs[j], j + 1
                gj.append(j - 1)
            else:
                return None
        in_groups.append(gi)
        out_groups.append(gj)
    # Trailing size-1 dims join the last group; with no group (one side has
    # rank 0) the reassociation is empty.
    for rest, dims, groups in ((range(i, len(ins)), ins, in_groups),
                               (range(j, len(outs)), outs, out_groups)):
        for k in rest:
            if dims[k] != _ONE:
                return None
            if groups:
                groups[-1].append(k)
    return in_groups, out_groups


def _result_sizes(x: ir.Value, sizes_of: ir.Value, shape, from_dims, op_name: str, checked: bool):
    """Run-time sizes of the result dims; the inferred dim (if any) is the
    element count over the others.  `checked` adds the element-count guard."""
    t = b.rtt(x)
    numel = _product([b.dim(x, i) for i in range(t.rank)])
    sizes: list[b.IntOrValue | None] = [
        b.dim(sizes_of, f) if f >= 0 else None if s == -1 else s for s, f in zip(shape, from_dims)]
    known = _product([s for s in sizes if s is not None])
    free = next((i for i, s in enumerate(sizes) if s is None), None)
    if free is not None:
        if checked:
            known_v, numel_v = b.as_index(known), b.as_index(numel)
            nonzero = arith.cmpi(arith.CmpIPredicate.ne, known_v, b.index(0))
            safe = arith.select(nonzero, known_v, b.index(1))
            rem = arith.remui(numel_v, safe)
            fits = arith.andi(nonzero, arith.cmpi(arith.CmpIPredicate.eq, rem, b.index(0)))
            b.assert_true(fits, f"{op_name}: the element count is not a multiple of the product "
                                f"of the other sizes of the shape {_show(shape, from_dims)}")
            sizes[free] = arith.divui(numel_v, safe)
        else:
            sizes[free] = arith.divui(b.as_index(numel), b.as_index(known)) \
                if not (isinstance(numel, int) and isinstance(known, int)) else numel // known
    elif checked:
        b.assert_same_size(b.as_index(numel), b.as_index(known), op_name,
                           f"the element count does not match the shape {_show(shape, from_dims)}")
    return sizes


def _show(shape, from_dims) -> str:
    return "[" + ", ".join(f"size({f})" if f >= 0 else "?" if s == -1 else str(s)
                           for s, f in zip(shape, from_dims)) + "]"


def _reshape(op: ir.Operation, x: ir.Value, shape, from_dims, sizes_of: ir.Value | None = None) -> ir.Value:
    out_type = b.rtt(op.result)
    grouping = None
    if sizes_of is None:  # sizes of another tensor share no symbols with x's
        ins, outs = _symbols(x, shape, from_dims)
        grouping = _groups(ins, outs) if outs is not None else None
    sizes_of = x if sizes_of is None else sizes_of
    if grouping is None:
        sizes = _result_sizes(x, sizes_of, shape, from_dims, op.name, checked=True)
        shape_elems = [b.as_index(s) for s in sizes]
        shape_t = ir.RankedTensorType.get([len(sizes)], ir.IndexType.get())
        return tensor.reshape(out_type, x, tensor.from_elements(shape_t, shape_elems))
    in_groups, out_groups = grouping
    src = x
    in_t = b.rtt(x)
    if len(in_groups) != in_t.rank:
        mid = [math.prod(in_t.shape[k] for k in g) if not any(in_t.is_dynamic_dim(k) for k in g)
               else DYNAMIC for g in in_groups]
        src = tensor.collapse_shape(ir.RankedTensorType.get(mid, in_t.element_type), x,
                                    b.reassociation(in_groups))
    if len(out_groups) != out_type.rank:
        sizes = _result_sizes(x, x, shape, from_dims, op.name, checked=False)
        dyn, static = _mixed(sizes)
        return tensor.expand_shape(out_type, src, b.reassociation(out_groups), dyn, static)
    if src.type != out_type:  # same static sizes, only the dynamic ones renamed
        return tensor.cast(out_type, src)
    return src


def lower_reshape(op: ir.Operation) -> ir.Value:
    sizes_of = op.operands[1] if len(op.operands) > 1 else None
    return _reshape(op, op.operands[0], _ints(op, "shape"), _ints(op, "from_dims"), sizes_of)


def lower_squeeze(op: ir.Operation) -> ir.Value:
    x = op.operands[0]
    t = b.rtt(x)
    shape, from_dims = [], []
    for i in range(t.rank):
        if t.is_dynamic_dim(i):
            one = arith.cmpi(arith.CmpIPredicate.ne, b.dim(x, i), b.index(1))
            b.assert_true(one, f"{op.name}: dynamic dimension {i} is 1 at run time; squeeze() "
                               "would remove it and change the rank (use squeeze(dim) on a static dim)")
            shape.append(-1)
            from_dims.append(i)
        elif t.shape[i] != 1:
            shape.append(t.shape[i])
            from_dims.append(-1)
    return _reshape(op, x, shape, from_dims)


def lower_permute(op: ir.Operation) -> ir.Value:
    x = op.operands[0]
    perm = _ints(op, "perm")
    init = b.empty([b.dim(x, p) for p in perm], b.rtt(x).element_type)
    return linalg.transpose(x, outs=[init], permutation=perm).results[0]


def _converted(v: ir.Value, elem: ir.Type) -> ir.Value:
    t = b.rtt(v)
    if t.element_type == elem:
        return v
    init = b.empty([b.dim(v, i) for i in range(t.rank)], elem)
    ident = b.identity_map(t.rank)
    return b.generic([v], init, [ident, ident], ["parallel"] * t.rank,
                     lambda a, _: b.convert(a, elem))


def _cat_inputs(v: ir.Value, axis: int) -> list[ir.Value]:
    """The leaves of a left-nested chain of single-use tsm.cat on one dim."""
    owner = v.owner
    if isinstance(owner, ir.Block) or owner.name != "tsm.cat" \
            or ir.IntegerAttr(owner.attributes["dim"]).value != axis or not _single_use(v):
        return [v]
    return _cat_inputs(owner.operands[0], axis) + [owner.operands[1]]


def _single_use(v: ir.Value) -> bool:
    uses = iter(v.uses)
    return next(uses, None) is not None and next(uses, None) is None


def lower_cat(op: ir.Operation) -> ir.Value:
    out_t = b.rtt(op.result)
    axis = ir.IntegerAttr(op.attributes["dim"]).value
    if next(iter(op.result.uses), None) is None:
        return ub.poison(out_t)  # fused into the tsm.cat that used it (see _cat_inputs)
    inputs = _cat_inputs(op.operands[0], axis) + [op.operands[1]]
    sizes: list[b.IntOrValue] = []
    for i in range(out_t.rank):
        dyn = [b.dim(v, i) for v in inputs if b.rtt(v).is_dynamic_dim(i)]
        if i == axis:
            sizes.append(0)  # the sum of the inputs' sizes, below
            continue
        expected = dyn[0] if out_t.is_dynamic_dim(i) else b.index(out_t.shape[i])
        for got in dyn[1:] if out_t.is_dynamic_dim(i) else dyn:
            b.assert_same_size(got, expected, op.name,
                               f"sizes of dimension {i} of the inputs must match (except in dim {axis})")
        sizes.append(dyn[0] if out_t.is_dynamic_dim(i) else out_t.shape[i])
    along = [b.dim(v, axis) for v in inputs]
    total: b.IntOrValue = 0
    for s in along:
        total = _add(total, s)
    sizes[axis] = total
    result = b.empty(sizes, out_t.element_type)
    offset: b.IntOrValue = 0
    for v, size in zip(inputs, along):
        src = _converted(v, out_t.element_type)
        offsets = [offset if i == axis else 0 for i in range(out_t.rank)]
        slice_sizes = [size if i == axis else sizes[i] for i in range(out_t.rank)]
        dyn_off, static_off = _mixed(offsets)
        dyn_sizes, static_sizes = _mixed(slice_sizes)
        result = tensor.insert_slice(src, result, dyn_off, dyn_sizes, [], static_off,
                                     static_sizes, [1] * out_t.rank)
        offset = _add(offset, size)
    return result


LOWERINGS = {
    "tsm.reshape": lower_reshape,
    "tsm.squeeze": lower_squeeze,
    "tsm.permute": lower_permute,
    "tsm.cat": lower_cat,
}

lower_shape_pass = pattern_pass(
    "tsm-lower-shape", "Lower tsm shape ops to tensor reshapes, linalg.transpose and insert_slice",
    LOWERINGS)
