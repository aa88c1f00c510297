"""tsm sort ops -> scf loops (sorts by key, selection passes) and
linalg.generics (picking from sorted slices).

In: tsm.sort {dim, descending}, tsm.topk {k, dim, largest}, tsm.kthvalue
{k, dim, keepdim}, tsm.median and tsm.nanmedian {dim, keepdim},
tsm.searchsorted {right, out_int32} on ranked tensors, static or dynamic dims.
Out: the order everywhere is the stable one: NaN greatest, ties by position.
- sort: each slice sorted by integer keys in that order (`sort_keys`:
  insertion for short slices, else a stable LSD radix sort, O(n) per
  slice).
- kthvalue, median, nanmedian: one generic picks each slice's element from
  the sorted slices: kthvalue's position k - 1, median's (n - 1) / 2 (the
  first NaN of the slice instead, if any), nanmedian's (m - 1) floordiv 2
  of the m non-NaN elements.
- topk: one scalar pass per slice keeping its best k in order (an element
  that beats the last kept one is inserted, the later ones shift down):
  O(n) per slice on typical data, O(k n) at worst; for k above
  TOPK_INSERT_MAX, the first k of the sorted slices.
- searchsorted: PyTorch's binary search, one per value in scalar loops
  (O(log m) per value; the same answer for unsorted rows or NaNs).
With threads, each sorts (or scans, for topk) a chunk of the slices.
A 0-d input is expanded to one element along dim 0; uint8 is ordered as
zero-extended i32 and its values converted back.  Run-time guards:
topk/kthvalue's k against a dynamic dim, median's non-empty dim,
searchsorted's matching leading dims.
"""
from __future__ import annotations

import math
from functools import partial
from typing import Callable

from mlir import ir
from mlir.dialects import arith, linalg, scf, tensor

from ..dialects.types import normalize_dim
from . import builders as b
from .chunk_loops import chunk_of, forall_chunks, module_threads
from .parallel import MIN_PARALLEL_ELEMENTS
from .passes import pattern_pass
from .reduction import (as_0d, as_1d, kept_map, multi_generic, narrow_to, restore_dims, sizes_of,
                        widen_unsigned)
from .sort_order import compare, fresh, insert_sorted, loop_nest, not_
from .sort_keys import sort_by_keys

I64 = ir.IntegerType.get_signless


def _attr(op: ir.Operation, name: str, default=None):
    if name not in op.attributes:
        return default
    return ir.IntegerAttr(op.attributes[name]).value


def _finish(op: ir.Operation, results: list[ir.Value], zero_d: bool) -> list[ir.Value]:
    """(values, indices) back to the op's value type (uint8) and rank (0-d)."""
    values, indices = results
    values = narrow_to(values, b.rtt(op.results[0]).element_type)
    return [as_0d(values), as_0d(indices)] if zero_d else [values, indices]


def _check_k(op: ir.Operation, k: int, n: b.IntOrValue) -> None:
    """The type rule checked a static size; a dynamic one is checked here."""
    if not isinstance(n, int):
        fits = arith.cmpi(arith.CmpIPredicate.sle, b.index(k), n)
        b.assert_true(fits, f"{op.name}: k={k} is out of range for the size of the dim")


def lower_sort(op: ir.Operation) -> list[ir.Value]:
    """Each slice sorted by its keys (`sort_keys`; uint8 sorts widened to
    i32 and converts back); with threads, each sorts a chunk of the slices."""
    x = op.operands[0]
    zero_d = b.rtt(x).rank == 0
    x = widen_unsigned(as_1d(x) if zero_d else x)
    t = b.rtt(x)
    d = normalize_dim(_attr(op, "dim"), t.rank)
    descending = bool(_attr(op, "descending", False))
    return _finish(op, _sorted(x, d, descending), zero_d)


def _sorted(x: ir.Value, d: int, descending: bool) -> list[ir.Value]:
    """(values, int64 positions) of x's slices along `d` sorted by their keys
    (`sort_keys`); with threads, each sorts a chunk of the slices."""
    outs = [fresh(sizes_of(x), b.rtt(x).element_type), fresh(sizes_of(x), I64(64))]
    return _by_slices(x, d, outs, lambda x, into: sort_by_keys(x, d, descending, into),
                      MIN_PARALLEL_SORT)


# Up to this k, topk keeps each slice's best k by insertion; above, the
# first k of the sorted slices.
TOPK_INSERT_MAX = 64


def _first_k(v: ir.Value, d: int, k: int) -> ir.Value:
    t = b.rtt(v)
    sizes = sizes_of(v)
    dyn = ir.ShapedType.get_dynamic_size()
    shape = [k if i == d else (s if isinstance(s, int) else dyn) for i, s in enumerate(sizes)]
    dynamic = [s for i, s in enumerate(sizes) if i != d and not isinstance(s, int)]
    return tensor.extract_slice(ir.RankedTensorType.get(shape, t.element_type), v, [], dynamic,
                                [], [0] * t.rank, shape, [1] * t.rank)


def _insert_in_order(x: ir.Value, state: list[ir.Value], at, k: int, i: ir.Value,
                     descending: bool) -> list[ir.Value]:
    """Element i of a slice of x into the slice's best k so far: `state` is
    (values, int64 positions, in the stable order, position -1 for an empty
    place; the last place's value, whether it is filled), carried so that an
    element that does not make the cut costs one comparison.  A taken one
    goes after every kept one it does not precede (the kept ones come from
    earlier positions: a tie keeps them first), the later ones shift down."""
    p = arith.CmpIPredicate
    v = tensor.extract(x, at(i))
    values, positions, last_v, last_full = state
    take = arith.ori(not_(last_full), compare(v, last_v, descending)[0])
    if_op = scf.IfOp(take, [r.type for r in state], has_else=True)
    with ir.InsertionPoint(if_op.then_block):
        none = b.constant(-1, I64(64))

        def goes_before(prev, held_v, held_p):
            empty = arith.cmpi(p.eq, tensor.extract(held_p, at(prev)), none)
            return arith.ori(empty, compare(v, tensor.extract(held_v, at(prev)), descending)[0])

        held_v, held_p = insert_sorted(v, arith.index_cast(I64(64), i), [values, positions], at,
                                        b.index(k - 1), b.index(0), goes_before)
        last = b.index(k - 1)
        full = arith.cmpi(p.ne, tensor.extract(held_p, at(last)), none)
        scf.YieldOp([held_v, held_p, tensor.extract(held_v, at(last)), full])
    with ir.InsertionPoint(if_op.else_block):
        scf.YieldOp(list(state))
    return list(if_op.results)


def lower_topk(op: ir.Operation) -> list[ir.Value]:
    """Each slice's best k kept in order while its elements are read once
    (_insert_in_order: one comparison for an element that does not make the
    cut, O(n) per slice on typical data, O(k n) at worst); a larger k takes
    the first k of the sorted slices (the same order)."""
    x = op.operands[0]
    zero_d = b.rtt(x).rank == 0
    x = widen_unsigned(as_1d(x) if zero_d else x)
    t = b.rtt(x)
    d = normalize_dim(_attr(op, "dim"), t.rank)
    k = _attr(op, "k")
    descending = bool(_attr(op, "largest", True))
    sizes = sizes_of(x)
    _check_k(op, k, sizes[d])
    if k > TOPK_INSERT_MAX:
        return _finish(op, [_first_k(v, d, k) for v in _sorted(x, d, descending)], zero_d)
    out_sizes = [k if i == d else s for i, s in enumerate(sizes)]
    best = [b.filled(out_sizes, t.element_type, 0), b.filled(out_sizes, I64(64), -1)]
    if k == 0:
        return _finish(op, best, zero_d)

    def scan(x: ir.Value, best: list[ir.Value]) -> list[ir.Value]:
        """The passes over every slice of x into best (all of them, or one
        thread's chunk of each)."""
        sizes = sizes_of(x)
        outer = [b.as_index(s) for i, s in enumerate(sizes) if i != d]

        def per_slice(ivs, *best):
            def at(i):
                return [*ivs[:d], i, *ivs[d:]]

            empty = [b.constant(0, t.element_type), b.constant(0, ir.IntegerType.get_signless(1))]
            scan = scf.ForOp(b.index(0), b.as_index(sizes[d]), b.index(1), [*best, *empty])
            with ir.InsertionPoint(scan.body):
                scf.YieldOp(_insert_in_order(x, list(scan.inner_iter_args), at, k,
                                             scan.induction_variable, descending))
            return list(scan.results)[:2]

        return loop_nest(outer, best, per_slice)

    return _finish(op, _by_slices(x, d, best, scan, MIN_PARALLEL_ELEMENTS), zero_d)


#: Elements from which threads share a sort's slices: sorting costs ten
#: nanoseconds or more an element, so far fewer than an elementwise loop's
#: MIN_PARALLEL_ELEMENTS pay for the threads' start.
MIN_PARALLEL_SORT = 1 << 12


def _by_slices(x: ir.Value, d: int, outs: list[ir.Value],
               fn: Callable[[ir.Value, list[ir.Value]], list[ir.Value]],
               min_elements: int) -> list[ir.Value]:
    """fn(x, outs) -> outs filled, for an op whose slices along `d` are
    independent; with threads, each takes a chunk of the first other dim
    and runs fn on its chunks of x and outs (static sizes, at least
    `min_elements`)."""
    t = b.rtt(x)
    sizes = sizes_of(x)
    split = next((i for i in range(t.rank) if i != d), None)
    threads = module_threads()
    if threads > 1 and split is not None and t.has_static_shape \
            and sizes[split] >= threads and math.prod(sizes) >= min_elements:
        return forall_chunks(sizes[split], -(-sizes[split] // threads), split, outs,
                             lambda lo, length, chunks: fn(chunk_of(x, split, lo, length),
                                                           chunks))
    return fn(x, outs)


def _median_rank(op: ir.Operation, n: b.IntOrValue) -> ir.Value:
    if isinstance(n, int):
        return b.constant((n - 1) // 2, I64(64))
    b.assert_true(arith.cmpi(arith.CmpIPredicate.ne, n, b.index(0)),
                  f"{op.name}: expected a non-empty dim")
    half = arith.divui(arith.subi(n, b.index(1)), b.index(2))
    return arith.index_cast(I64(64), half)


def _per_slice(x: ir.Value, d: int, fn: Callable[[ir.Value], ir.Value]) -> ir.Value:
    """fn(number of NaNs) for each slice along `d` (0 for integers), int64."""
    t = b.rtt(x)
    kept_sizes = [s for i, s in enumerate(sizes_of(x)) if i != d]
    kept = kept_map(t.rank, (d,))
    iterators = ["reduction" if i == d else "parallel" for i in range(t.rank)]

    def count(v, c):
        if not b.is_float(v.type):
            return c
        return arith.addi(c, arith.extui(I64(64), arith.cmpf(arith.CmpFPredicate.UNO, v, v)))

    counts = b.generic([x], b.filled(kept_sizes, I64(64), 0), [b.identity_map(t.rank), kept],
                       iterators, count)
    rank = len(kept_sizes)
    return b.generic([counts], b.empty(kept_sizes, I64(64)), [b.identity_map(rank)] * 2,
                     ["parallel"] * rank, lambda c, _: fn(c))


def _take_sorted(wanted: Callable[..., ir.Value], d: int):
    """Body picking the sorted element at position `wanted(*extra inputs)`."""
    def body(key, position, *rest):
        *extra, acc_k, acc_p = rest
        here = arith.index_cast(I64(64), linalg.IndexOp(d).result)
        hit = arith.cmpi(arith.CmpIPredicate.eq, here, wanted(*extra))
        return [arith.select(hit, key, acc_k), arith.select(hit, position, acc_p)]
    return body


def lower_selected(op: ir.Operation, *, mode: str) -> list[ir.Value]:
    """kthvalue / median / nanmedian: one element per slice, picked from the
    sorted slice.  kthvalue wants position k - 1; with NaNs last in the
    order, median wants (n - 1) / 2 or the first NaN if there is one, and
    nanmedian the lower median of the m non-NaN elements, (m - 1) floordiv 2
    (-1 when m = 0: nothing, NaN at index 0)."""
    x = op.operands[0]
    rank0 = b.rtt(x).rank
    x = widen_unsigned(x if rank0 else as_1d(x))
    t = b.rtt(x)
    d = normalize_dim(_attr(op, "dim"), t.rank)
    sizes = sizes_of(x)
    kept_sizes = [s for i, s in enumerate(sizes) if i != d]
    kept = kept_map(t.rank, (d,))
    if mode == "median":
        target = _median_rank(op, sizes[d])
    elif mode == "kth":
        _check_k(op, _attr(op, "k"), sizes[d])
        target = b.constant(_attr(op, "k") - 1, I64(64))
    n = arith.index_cast(I64(64), b.as_index(sizes[d]))
    one, two = b.constant(1, I64(64)), b.constant(2, I64(64))
    per_slice = None
    if mode == "nanmedian":
        per_slice = _per_slice(x, d, lambda nans: arith.floordivsi(
            arith.subi(arith.subi(n, nans), one), two))
    elif mode == "median":
        per_slice = _per_slice(x, d, lambda nans: arith.select(
            arith.cmpi(arith.CmpIPredicate.sgt, nans, b.constant(0, I64(64))),
            arith.subi(n, nans), target))
    wanted = (lambda *extra: extra[0] if extra else target)
    inputs, maps = _sorted(x, d, descending=False), [b.identity_map(t.rank)] * 2
    if per_slice is not None:  # read along the kept dims
        inputs, maps = [*inputs, per_slice], [*maps, kept]
    empty_value = float("nan") if mode == "nanmedian" and b.is_float(t.element_type) else 0
    inits = [b.filled(kept_sizes, t.element_type, empty_value), b.filled(kept_sizes, I64(64), 0)]
    iterators = ["reduction" if i == d else "parallel" for i in range(t.rank)]
    results = multi_generic(inputs, inits, maps + [kept] * 2, iterators, _take_sorted(wanted, d))
    results[0] = narrow_to(results[0], b.rtt(op.results[0]).element_type)
    if _attr(op, "keepdim", False) and rank0:
        results = [restore_dims(r, b.rtt(res), sizes, (d,)) for r, res in zip(results, op.results)]
    return results


def _passes(e: ir.Value, x: ir.Value, right: bool) -> ir.Value:
    """PyTorch's binary-search step: go right past `e` when !(e >= x), or
    !(e > x) for the upper bound (so a NaN anywhere compares as passed)."""
    if b.is_float(e.type):
        return arith.cmpf(arith.CmpFPredicate.ULE if right else arith.CmpFPredicate.ULT, e, x)
    p = arith.CmpIPredicate
    if ir.IntegerType(e.type).width == 1:
        return arith.cmpi(p.ule if right else p.ult, e, x)
    return arith.cmpi(p.sle if right else p.slt, e, x)


def lower_searchsorted(op: ir.Operation) -> ir.Value:
    """One binary search per value (scalar loops, O(log m)), step for step
    PyTorch's: the same answer for any sequence, NaNs included."""
    s, v = (widen_unsigned(x) for x in op.operands)
    st, vt = b.rtt(s), b.rtt(v)
    right = bool(_attr(op, "right", False))
    if st.rank > 1:  # rows of the sequence pair with rows of the values
        for i in range(vt.rank - 1):
            if st.is_dynamic_dim(i) or vt.is_dynamic_dim(i):
                b.assert_same_size(b.as_index(b.dim(s, i)), b.as_index(b.dim(v, i)), op.name,
                                   f"the sorted sequence and the values differ in dim {i}")
    m = b.as_index(b.dim(s, st.rank - 1))
    out = b.rtt(op.result).element_type
    idx = ir.IndexType.get()

    def search(ivs, result):
        x = tensor.extract(v, ivs)
        row = ivs[:-1] if st.rank > 1 else []
        loop = scf.WhileOp([idx, idx], [b.index(0), m])
        before = loop.before.blocks.append(idx, idx)
        with ir.InsertionPoint(before):
            lo, hi = before.arguments
            scf.ConditionOp(arith.cmpi(arith.CmpIPredicate.ult, lo, hi), [lo, hi])
        after = loop.after.blocks.append(idx, idx)
        with ir.InsertionPoint(after):
            lo, hi = after.arguments
            mid = arith.addi(lo, arith.shrui(arith.subi(hi, lo), b.index(1)))
            go_right = _passes(tensor.extract(s, [*row, mid]), x, right)
            scf.YieldOp([arith.select(go_right, arith.addi(mid, b.index(1)), lo),
                         arith.select(go_right, hi, mid)])
        found = arith.index_cast(out, loop.results[0])
        return [tensor.insert(found, result, ivs)]

    (result,) = loop_nest([b.as_index(n) for n in sizes_of(v)], [b.empty(sizes_of(v), out)],
                           search)
    return result


LOWERINGS = {
    "tsm.sort": lower_sort,
    "tsm.topk": lower_topk,
    "tsm.kthvalue": partial(lower_selected, mode="kth"),
    "tsm.median": partial(lower_selected, mode="median"),
    "tsm.nanmedian": partial(lower_selected, mode="nanmedian"),
    "tsm.searchsorted": lower_searchsorted,
}

lower_sort_pass = pattern_pass(
    "tsm-lower-sort", "Lower tsm sort ops to sorts by key (radix, insertion), selection "
    "passes and binary searches", LOWERINGS)
