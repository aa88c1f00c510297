"""tsm sort ops -> linalg.generic (rank and select) or scf loops (merge sort,
selection passes).

In: tsm.sort {dim, descending}, tsm.topk {k, dim, largest}, tsm.kthvalue
{k, dim, keepdim}, tsm.median and tsm.nanmedian {dim, keepdim},
tsm.searchsorted {right, out_int32} on ranked tensors, static or dynamic dims.
Out: the order everywhere is the stable one: NaN greatest, ties by position.
- Rank and select (sort of a static dim of at most RANK_SORT_MAX, kthvalue,
  median, nanmedian): two linalg.generics, no loops.  The first gives each
  element its rank along `dim` by comparing every pair; the second builds
  each output position by reducing over the slice for the element of the
  wanted rank (a values and an int64 indices output): sort's wanted rank is
  the output position, kthvalue's k - 1, median's (n - 1) / 2 (a NaN of the
  slice wins instead), nanmedian's (m - 1) floordiv 2 of the m non-NaN
  elements.  O(n^2) per slice, parallel over every element.
- Merge sort (longer or dynamic sort dims): runs of SORTED_RUN sorted by
  insertion, then bottom-up stable merges of keys and original positions,
  passes of doubling width in pairs between two buffers, tensor.extract/
  insert in scalar loops; O(n log n) per slice.
- topk: one scalar pass per slice keeping its best k in order (an element
  that beats the last kept one is inserted, the later ones shift down):
  O(n) per slice on typical data, O(k n) at worst; for k above
  TOPK_INSERT_MAX, the first k of the merge sort.
- searchsorted: PyTorch's binary search, one per value in scalar loops
  (O(log m) per value; the same answer for unsorted rows or NaNs).
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
from mlir.dialects import arith, bufferization, linalg, scf, tensor

from ..dialects.types import normalize_dim
from . import builders as b
from .chunk_loops import chunk_of, forall_chunks, module_threads
from .parallel import MIN_PARALLEL_ELEMENTS
from .passes import pattern_pass
from .reduction import (as_0d, as_1d, kept_map, multi_generic, narrow_to, restore_dims, sizes_of,
                        widen_unsigned)

I64 = ir.IntegerType.get_signless


def _attr(op: ir.Operation, name: str, default=None):
    if name not in op.attributes:
        return default
    return ir.IntegerAttr(op.attributes[name]).value


def _before(a: ir.Value, ia: ir.Value, c: ir.Value, ic: ir.Value, descending: bool) -> ir.Value:
    """Whether element `a` at position `ia` precedes `c` at `ic` in the stable
    order: NaN is greater than any number, bool false < true, ties by position."""
    strict, equal = _compare(a, c, descending)
    earlier = arith.cmpi(arith.CmpIPredicate.slt, ia, ic)
    return arith.ori(strict, arith.andi(equal, earlier))


def _compare(a: ir.Value, c: ir.Value, descending: bool) -> tuple[ir.Value, ir.Value]:
    """(a strictly precedes c, a and c tie) in the order of `_before`."""
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


def _map_with(rank: int, d: int, to: int) -> ir.AffineMap:
    """(d0 .. d{rank}) -> the first `rank` dims with dim `d` replaced by `to`."""
    exprs = [ir.AffineDimExpr.get(to if i == d else i) for i in range(rank)]
    return ir.AffineMap.get(rank + 1, 0, exprs)


def _ranks(x: ir.Value, d: int, descending: bool) -> ir.Value:
    """int64 rank of each element within its slice along `d` (an extra
    reduction dim j runs over the slice)."""
    rank = b.rtt(x).rank
    maps = [_map_with(rank, d, d), _map_with(rank, d, rank), _map_with(rank, d, d)]

    def count(xi, xj, n):
        i, j = linalg.IndexOp(d).result, linalg.IndexOp(rank).result
        return arith.addi(n, arith.extui(I64(64), _before(xj, j, xi, i, descending)))

    return b.generic([x, x], b.filled(sizes_of(x), I64(64), 0), maps,
                     ["parallel"] * rank + ["reduction"], count)


def _pick(wanted: Callable[..., ir.Value], position: int, median: bool):
    """Body of the select generic: take the element whose rank is
    `wanted(*extra inputs)` (for median, a NaN beats it and an earlier NaN
    beats a later one)."""
    def body(v, r, *rest):
        *extra, acc_v, acc_i = rest
        i = arith.index_cast(I64(64), linalg.IndexOp(position).result)
        take = arith.cmpi(arith.CmpIPredicate.eq, r, wanted(*extra))
        if median and b.is_float(v.type):
            p = arith.CmpFPredicate
            acc_num = arith.cmpf(p.ORD, acc_v, acc_v)
            earlier = arith.cmpi(arith.CmpIPredicate.slt, i, acc_i)
            nan_wins = arith.andi(arith.cmpf(p.UNO, v, v), arith.ori(acc_num, earlier))
            take = arith.ori(nan_wins, arith.andi(take, acc_num))
        return [arith.select(take, v, acc_v), arith.select(take, i, acc_i)]
    return body


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


def _positions(sizes: list[b.IntOrValue], d: int, into: ir.Value | None = None) -> ir.Value:
    """int64 tensor of each element's position along `d` (written into
    `into` where given)."""
    rank = len(sizes)
    out = b.empty(sizes, I64(64)) if into is None else into
    return b.generic([], out, [b.identity_map(rank)], ["parallel"] * rank,
                     lambda _: arith.index_cast(I64(64), linalg.IndexOp(d).result))


def _loop_nest(bounds: list[ir.Value], carried: list[ir.Value], body) -> list[ir.Value]:
    """scf.for nest over `bounds` carrying `carried`; body(ivs, *carried) -> new carried."""
    if not bounds:
        return body([], *carried)
    loop = scf.ForOp(b.index(0), bounds[0], b.index(1), carried)
    with ir.InsertionPoint(loop.body):
        iv = loop.induction_variable
        scf.YieldOp(_loop_nest(bounds[1:], list(loop.inner_iter_args),
                               lambda ivs, *c: body([iv, *ivs], *c)))
    return list(loop.results)


def _not(v: ir.Value) -> ir.Value:
    return arith.xori(v, b.constant(1, ir.IntegerType.get_signless(1)))


def _merge(src: list[ir.Value], dst: list[ir.Value], at, start, mid, end,
           descending: bool) -> list[ir.Value]:
    """Stable merge of src's runs [start, mid) and [mid, end) into dst (keys
    and original positions); `at(i)` is the full index list for position i."""
    idx = ir.IndexType.get()
    loop = scf.WhileOp([idx, idx, idx, *[v.type for v in dst]], [start, mid, start, *dst])
    before = loop.before.blocks.append(idx, idx, idx, *[v.type for v in dst])
    with ir.InsertionPoint(before):
        more = arith.cmpi(arith.CmpIPredicate.ult, before.arguments[2], end)
        scf.ConditionOp(more, list(before.arguments))
    after = loop.after.blocks.append(idx, idx, idx, *[v.type for v in dst])
    with ir.InsertionPoint(after):
        i, j, o, keys, positions = after.arguments
        one = b.index(1)
        # clamped reads stay in bounds; an exhausted run is never taken
        li = arith.minui(i, arith.subi(mid, one))
        rj = arith.minui(j, arith.subi(end, one))
        left_k, left_p = (tensor.extract(v, at(li)) for v in src)
        right_k, right_p = (tensor.extract(v, at(rj)) for v in src)
        p = arith.CmpIPredicate
        right_first = _before(right_k, right_p, left_k, left_p, descending)
        # the left element goes first unless its run is exhausted or the right
        # one precedes it (ties keep the left: stable)
        right_wins = arith.andi(arith.cmpi(p.ult, j, end), right_first)
        take_left = arith.andi(arith.cmpi(p.ult, i, mid), _not(right_wins))
        keys = tensor.insert(arith.select(take_left, left_k, right_k), keys, at(o))
        positions = tensor.insert(arith.select(take_left, left_p, right_p), positions, at(o))
        step = arith.select(take_left, one, b.index(0))
        scf.YieldOp([arith.addi(i, step), arith.addi(j, arith.subi(one, step)),
                     arith.addi(o, one), keys, positions])
    return list(loop.results)[3:]


#: The merge sort's first runs, sorted by insertion (six merge passes
#: fewer).  Descending sorts, f32, 1 thread, Zen3, best of 10 (ms; eager
#: 3.3 / 2.4 / 1.7), runs of 16 / 64 / 128 / 256: (64, 1024) 5.96 / 5.38 /
#: 6.30 / 12.0; (1, 32000) 4.85 / 4.65 / 4.84 / 5.61; (512, 100) 2.98 /
#: 2.67 / 2.43 / 2.41.  From runs of 1 (and a copy of both tensors per
#: pass, since gone): (64, 1024) 11.9 ms.
SORTED_RUN = 64


def _insert_sorted(v: ir.Value, pos: ir.Value, held: list[ir.Value], at, j: ir.Value,
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


def _sorted_runs(x: ir.Value, d: int, descending: bool,
                 into: list[ir.Value] | None) -> list[ir.Value]:
    """(keys, int64 positions) of x with each run of SORTED_RUN along `d`
    sorted, stably, by insertion; in the tensors `into` where given."""
    sizes = sizes_of(x)
    n = b.as_index(sizes[d])
    outer = [b.as_index(s) for i, s in enumerate(sizes) if i != d]
    one = b.index(1)

    def per_slice(ivs, keys, positions):
        def at(i):
            return [*ivs[:d], i, *ivs[d:]]

        runs = scf.ForOp(b.index(0), n, b.index(SORTED_RUN), [keys, positions])
        with ir.InsertionPoint(runs.body):
            start = runs.induction_variable
            end = arith.minui(arith.addi(start, b.index(SORTED_RUN)), n)
            step = scf.ForOp(arith.addi(start, one), end, one, list(runs.inner_iter_args))
            with ir.InsertionPoint(step.body):
                i = step.induction_variable
                keys, positions = step.inner_iter_args
                v, pos = tensor.extract(keys, at(i)), tensor.extract(positions, at(i))
                # v comes from a later position than every element before it in
                # the run: it goes after those it does not strictly precede
                scf.YieldOp(_insert_sorted(
                    v, pos, [keys, positions], at, i, start,
                    lambda prev, held_k, _: _compare(v, tensor.extract(held_k, at(prev)),
                                                     descending)[0]))
            scf.YieldOp(list(step.results))
        return list(runs.results)

    # sorted in a copy: x may be the caller's tensor or a constant
    keys = linalg.copy(x, outs=[_fresh(sizes, b.rtt(x).element_type) if into is None
                                else into[0]])
    return _loop_nest(outer, [keys, _positions(sizes, d, None if into is None else into[1])],
                      per_slice)


def _merge_sort(x: ir.Value, d: int, descending: bool,
                into: list[ir.Value] | None = None) -> list[ir.Value]:
    """Bottom-up stable merge sort along `d` (O(n log n) per slice, scalar
    loops): runs of SORTED_RUN sorted by insertion, then passes of doubling
    run width between two buffers, the first of them `into` (keys, int64
    positions) where given: the results are those tensors."""
    sizes = sizes_of(x)
    n = b.as_index(sizes[d])
    outer = [b.as_index(s) for i, s in enumerate(sizes) if i != d]
    src0 = _sorted_runs(x, d, descending, into)

    def merge_pass(src: list[ir.Value], dst: list[ir.Value], width: ir.Value) -> list[ir.Value]:
        """Runs of `width` of src merged pairwise into dst (a width of n or
        more copies)."""
        def per_slice(ivs, *dst):
            def at(i):
                return [*ivs[:d], i, *ivs[d:]]

            runs = scf.ForOp(b.index(0), n, arith.muli(width, b.index(2)), list(dst))
            with ir.InsertionPoint(runs.body):
                start = runs.induction_variable
                mid = arith.minui(arith.addi(start, width), n)
                end = arith.minui(arith.addi(mid, width), n)
                scf.YieldOp(_merge(src, list(runs.inner_iter_args), at, start, mid, end,
                                   descending))
            return list(runs.results)

        return _loop_nest(outer, dst, per_slice)

    # Passes go in pairs, src -> spare -> src, so that each buffer is updated
    # in place (an scf.while or a swap copied both tensors on every pass); an
    # odd count gets one more pass, a copy.
    spare = [_fresh(sizes, b.rtt(v).element_type) for v in src0]
    pairs = scf.ForOp(b.index(0), _merge_passes(sizes[d]), b.index(1), [*src0, *spare])
    with ir.InsertionPoint(pairs.body):
        width = arith.shli(b.index(SORTED_RUN), arith.muli(pairs.induction_variable, b.index(2)))
        src, spare = list(pairs.inner_iter_args)[:2], list(pairs.inner_iter_args)[2:]
        spare = merge_pass(src, spare, width)
        src = merge_pass(spare, src, arith.muli(width, b.index(2)))
        scf.YieldOp([*src, *spare])
    return list(pairs.results)[:2]


def _fresh(sizes: list[b.IntOrValue], elem: ir.Type) -> ir.Value:
    """A new tensor of its own: two tensor.empty of one type are one value
    after CSE, and the merge passes' spare keys and positions (both i64 for
    integer keys) must not share a buffer."""
    dyn = ir.ShapedType.get_dynamic_size()
    t = ir.RankedTensorType.get([s if isinstance(s, int) else dyn for s in sizes], elem)
    return bufferization.alloc_tensor(t, [s for s in sizes if not isinstance(s, int)])


def _merge_passes(n: b.IntOrValue) -> ir.Value:
    """How many pairs of doublings take SORTED_RUN to n or more."""
    if isinstance(n, int):
        count, width = 0, SORTED_RUN
        while width < n:
            count, width = count + 1, width * 4
        return b.index(count)
    idx = ir.IndexType.get()
    loop = scf.WhileOp([idx, idx], [b.index(0), b.index(SORTED_RUN)])
    before = loop.before.blocks.append(idx, idx)
    with ir.InsertionPoint(before):
        more = arith.cmpi(arith.CmpIPredicate.ult, before.arguments[1], b.as_index(n))
        scf.ConditionOp(more, list(before.arguments))
    after = loop.after.blocks.append(idx, idx)
    with ir.InsertionPoint(after):
        count, width = after.arguments
        scf.YieldOp([arith.addi(count, b.index(1)), arith.muli(width, b.index(4))])
    return loop.results[0]


# Up to this size a sort is the all-pairs rank and select (parallel over every
# element); above, a merge sort (O(n log n) scalar loops).
RANK_SORT_MAX = 32


def lower_sort(op: ir.Operation) -> list[ir.Value]:
    """Every output position takes the element of that rank (uint8 sorts
    widened to i32 and converts back)."""
    x = op.operands[0]
    zero_d = b.rtt(x).rank == 0
    x = widen_unsigned(as_1d(x) if zero_d else x)
    t = b.rtt(x)
    d = normalize_dim(_attr(op, "dim"), t.rank)
    sizes = sizes_of(x)
    descending = bool(_attr(op, "descending", False))
    if not isinstance(sizes[d], int) or sizes[d] > RANK_SORT_MAX:
        outs = [_fresh(sizes, t.element_type), _fresh(sizes, I64(64))]
        # sorted into outs (each thread into its chunks of them)
        return _finish(op, _by_slices(x, d, outs,
                                      lambda x, into: _merge_sort(x, d, descending, into),
                                      MIN_PARALLEL_SORT), zero_d)
    ranks = _ranks(x, d, descending)
    inits = [b.filled(sizes, t.element_type, 0), b.filled(sizes, I64(64), 0)]
    maps = [_map_with(t.rank, d, t.rank)] * 2 + [_map_with(t.rank, d, d)] * 2

    def position_along_dim():
        return arith.index_cast(I64(64), linalg.IndexOp(d).result)

    results = multi_generic([x, ranks], inits, maps, ["parallel"] * t.rank + ["reduction"],
                            _pick(position_along_dim, t.rank, median=False))
    return _finish(op, results, zero_d)


# Up to this k, topk keeps each slice's best k by insertion; above, the
# first k of a merge sort.
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
    take = arith.ori(_not(last_full), _compare(v, last_v, descending)[0])
    if_op = scf.IfOp(take, [r.type for r in state], has_else=True)
    with ir.InsertionPoint(if_op.then_block):
        none = b.constant(-1, I64(64))

        def goes_before(prev, held_v, held_p):
            empty = arith.cmpi(p.eq, tensor.extract(held_p, at(prev)), none)
            return arith.ori(empty, _compare(v, tensor.extract(held_v, at(prev)), descending)[0])

        held_v, held_p = _insert_sorted(v, arith.index_cast(I64(64), i), [values, positions], at,
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
    the first k of the merge sort (the same order)."""
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
        return _finish(op, [_first_k(v, d, k) for v in _merge_sort(x, d, descending)], zero_d)
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

        return _loop_nest(outer, best, per_slice)

    return _finish(op, _by_slices(x, d, best, scan, MIN_PARALLEL_ELEMENTS), zero_d)


#: Elements from which threads share a merge sort's slices: sorting costs
#: tens of nanoseconds an element, so far fewer than an elementwise loop's
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
    """kthvalue / median / nanmedian: one element per slice, picked by rank
    (all pairs) or from the merge-sorted slice (long or dynamic dims).  With
    NaNs last in the order, nanmedian wants the lower median of the m non-NaN
    elements, (m - 1) floordiv 2 (-1 when m = 0: nothing, NaN at index 0);
    from a sorted slice, median wants the first NaN if there is one."""
    x = op.operands[0]
    rank0 = b.rtt(x).rank
    x = widen_unsigned(x if rank0 else as_1d(x))
    t = b.rtt(x)
    d = normalize_dim(_attr(op, "dim"), t.rank)
    sizes = sizes_of(x)
    kept_sizes = [s for i, s in enumerate(sizes) if i != d]
    kept = kept_map(t.rank, (d,))
    by_sorting = not isinstance(sizes[d], int) or sizes[d] > RANK_SORT_MAX
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
    elif mode == "median" and by_sorting:
        per_slice = _per_slice(x, d, lambda nans: arith.select(
            arith.cmpi(arith.CmpIPredicate.sgt, nans, b.constant(0, I64(64))),
            arith.subi(n, nans), target))
    wanted = (lambda *extra: extra[0] if extra else target)
    if by_sorting:
        inputs, maps = _merge_sort(x, d, descending=False), [b.identity_map(t.rank)] * 2
        body = _take_sorted(wanted, d)
    else:
        inputs, maps = [x, _ranks(x, d, descending=False)], [b.identity_map(t.rank)] * 2
        body = _pick(wanted, d, median=mode == "median")
    if per_slice is not None:  # read along the kept dims
        inputs, maps = [*inputs, per_slice], [*maps, kept]
    empty_value = float("nan") if mode == "nanmedian" and b.is_float(t.element_type) else 0
    inits = [b.filled(kept_sizes, t.element_type, empty_value), b.filled(kept_sizes, I64(64), 0)]
    iterators = ["reduction" if i == d else "parallel" for i in range(t.rank)]
    results = multi_generic(inputs, inits, maps + [kept] * 2, iterators, body)
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

    (result,) = _loop_nest([b.as_index(n) for n in sizes_of(v)], [b.empty(sizes_of(v), out)],
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
    "tsm-lower-sort", "Lower tsm sort ops to rank-and-select linalg.generics", LOWERINGS)
