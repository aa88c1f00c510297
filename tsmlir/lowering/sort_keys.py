"""Sorting the slices along a dim by integer keys: tsm-lower-sort's sort
(sort, argsort, topk of a large k, kthvalue and the medians of long
slices).

In: a ranked tensor of floats (f16, bf16, f32, f64) or integers (i1 to
i64; uint8 arrives widened to i32), the dim `d`, the direction.
Out: (values, int64 original positions) in the stable order of
`sort_order`: NaN greater than any number, -0.0 equal to +0.0, ties by
position.  Scalar scf loops over tensors (tensor.extract / insert
on loop-carried tensors, which bufferize in place):

- each element becomes an unsigned key whose integer order is that order:
  a float's bits with the sign bit flipped (all bits, for a negative one),
  every NaN the largest key and -0.0 the key of +0.0; an integer's bits
  with the sign bit flipped; a descending sort complements the key.  A key
  of 32 bits or fewer shares one int64 with the element's position (key in
  the high half): the items are distinct, one array moves, ties are
  already broken.  A 64-bit key travels in one array, its position in
  another.
- Short static slices (up to INSERTION_MAX packed items) are sorted by
  insertion.
- Others by a stable LSD radix sort: one pass over the slice writes the
  keys and counts every digit of RADIX_BITS (256 buckets a digit, all
  digits at once); the counts become bucket offsets (each digit's
  exclusive prefix sum, the digits side by side in one loop over the
  buckets); then a pass per digit, lowest first, moves the items to the
  next places of their buckets, between two buffers.  Each pass is stable,
  so the last one leaves the slice in order.  A digit that every item
  shares (one bucket holds all n: the high bytes of small integers, of
  floats of one binade) is a copy instead.
- The values are read back from the input at the sorted positions (so -0.0
  and NaN payloads come out as they went in).

O(n) per slice for long ones.  This replaced a merge sort and, for slices of
up to 32, an all-pairs rank and select: f32, 1 thread, ms, before -> after
(eager): (64, 1024) 7.1 -> 0.75 (3.8); (512, 100) 3.3 -> 1.3 (3.0);
(512, 16) 0.50 -> 0.16 (0.13).
"""
from __future__ import annotations

from mlir import ir
from mlir.dialects import arith, linalg, scf, tensor

from . import builders as b
from .sort_order import fresh, loop_nest

I64 = ir.IntegerType.get_signless

RADIX_BITS = 8
BUCKETS = 1 << RADIX_BITS
#: Static slices up to this many elements with keys of 32 bits or fewer are
#: sorted by insertion of the packed items (the radix sort clears and scans
#: its buckets, about 1 us a slice).  1 thread, f32, ms, insertion / radix
#: (eager): (4096, 8) 0.66 / 4.1 (0.53), (2048, 32) 1.7 / 3.4 (2.1),
#: (1536, 48) 2.6 / 2.9 (3.2), (1024, 64) 2.9 / 2.1 (2.9).
INSERTION_MAX = 48


def _key_bits(elem: ir.Type) -> int:
    """Width of the sort key of `elem`: 32 (it shares an int64 with the
    position) or 64."""
    return 64 if b.bitwidth(elem) == 64 else 32


def _key(v: ir.Value, bits: int, descending: bool) -> ir.Value:
    """The unsigned key (i32 or i64) of element v: integer order of keys is
    the stable order's order of values."""
    it = ir.IntegerType.get_signless(bits)
    sign = b.constant(-(1 << (bits - 1)), it)
    if b.is_float(v.type):
        if b.bitwidth(v.type) == 16:
            v = arith.extf(ir.F32Type.get(), v)
        raw = arith.bitcast(it, v)
        # negative: every bit flipped (larger magnitude, smaller key); else the sign bit
        flip = arith.ori(arith.shrsi(raw, b.constant(bits - 1, it)), sign)
        key = arith.xori(raw, flip)
        p = arith.CmpFPredicate
        key = arith.select(arith.cmpf(p.OEQ, v, b.zero(v.type)), sign, key)  # -0.0 as +0.0
        key = arith.select(arith.cmpf(p.UNO, v, v), b.constant(-1, it), key)  # NaN last
    else:
        width = ir.IntegerType(v.type).width
        if width == 1:  # false < true: zero-extended, no sign to flip
            key = arith.extui(it, v)
        else:
            key = arith.xori(arith.extsi(it, v) if width < bits else v, sign)
    return arith.xori(key, b.constant(-1, it)) if descending else key


def sort_by_keys(x: ir.Value, d: int, descending: bool, into: list[ir.Value]) -> list[ir.Value]:
    """(values, int64 positions) of x sorted along `d`, written into the
    tensors `into` (x's sizes; its element type and int64)."""
    sizes = b.sizes_of(x)
    n = b.as_index(sizes[d])
    outer = [b.as_index(s) for i, s in enumerate(sizes) if i != d]
    bits = _key_bits(b.rtt(x).element_type)
    # key and position in one int64 where positions fit 32 bits
    paired = bits == 32 and (not isinstance(sizes[d], int) or sizes[d] <= 1 << 32)
    if paired and not isinstance(sizes[d], int):
        b.assert_true(arith.cmpi(arith.CmpIPredicate.ule, n, b.index(1 << 32)),
                      "sort: a slice of more than 2^32 elements")
    first = 32 if paired else 0  # bit of the key's lowest digit in its array

    def slice_at(ivs):
        return lambda i: [*ivs[:d], i, *ivs[d:]]

    if paired and isinstance(sizes[d], int) and sizes[d] <= INSERTION_MAX:
        def by_insertion(ivs, values, positions, items):
            at = slice_at(ivs)
            (items,), _ = _keys_and_counts(x, at, n, [items], None, bits, descending, first, 0)
            items = _insertion_sort(items, n)
            return [*_read_back(x, at, n, [items], values, positions), items]

        return loop_nest(outer, [*into, fresh([sizes[d]], I64(64))], by_insertion)[:2]

    arrays = 1 if paired else 2
    digits = bits // RADIX_BITS

    def by_radix(ivs, values, positions, *rest):
        at = slice_at(ivs)
        src, dst, counts = list(rest[:arrays]), list(rest[arrays:2 * arrays]), rest[-1]
        counts = linalg.fill(b.constant(0, I64(64)), outs=[counts])
        src, counts = _keys_and_counts(x, at, n, src, counts, bits, descending, first, digits)
        counts, whole = _offsets(counts, n, digits)
        for digit in range(digits):
            dst, counts = _digit_pass(src, dst, counts, n, whole[digit], digit, first)
            src, dst = dst, src
        # an even number of passes: the sorted items are back in the first buffers
        return [*_read_back(x, at, n, src, values, positions), *src, *dst, counts]

    scratch = [fresh([sizes[d]], I64(64)) for _ in range(2 * arrays)]
    counts = fresh([digits * BUCKETS], I64(64))
    return loop_nest(outer, [*into, *scratch, counts], by_radix)[:2]


def _insertion_sort(items: ir.Value, n: ir.Value) -> ir.Value:
    """The int64 items (distinct: key and position) in unsigned order, by
    insertion."""
    p = arith.CmpIPredicate
    idx = ir.IndexType.get()
    one = b.index(1)
    outer = scf.ForOp(one, n, one, [items])
    with ir.InsertionPoint(outer.body):
        i = outer.induction_variable
        (items,) = outer.inner_iter_args
        v = tensor.extract(items, [i])
        shift = scf.WhileOp([idx, items.type], [i, items])
        before = shift.before.blocks.append(idx, items.type)
        with ir.InsertionPoint(before):
            j, held = before.arguments
            inside = arith.cmpi(p.ugt, j, b.index(0))
            prev = tensor.extract(held, [arith.select(inside, arith.subi(j, one), j)])
            scf.ConditionOp(arith.andi(inside, arith.cmpi(p.ugt, prev, v)), [j, held])
        after = shift.after.blocks.append(idx, items.type)
        with ir.InsertionPoint(after):
            j, held = after.arguments
            prev = arith.subi(j, one)
            scf.YieldOp([prev, tensor.insert(tensor.extract(held, [prev]), held, [j])])
        j, items = shift.results
        scf.YieldOp([tensor.insert(v, items, [j])])
    return outer.results[0]


def _slot(item: ir.Value, digit: int, first: int) -> ir.Value:
    """Where the count of an int64 item's `digit` lies: its bucket (bits
    first + digit * RADIX_BITS up) in the digit's BUCKETS counts."""
    shift = first + digit * RADIX_BITS
    d = arith.andi(arith.shrui(item, b.constant(shift, I64(64))),
                   b.constant(BUCKETS - 1, I64(64)))
    return arith.addi(arith.index_cast(ir.IndexType.get(), d), b.index(digit * BUCKETS))


def _keys_and_counts(x, at, n, items, counts, bits, descending, first, digits):
    """items[i] = element i's key with its position (one int64: key << 32 |
    position) or key and position (two arrays); counts[digit * BUCKETS +
    bucket] += 1 for each digit of each key."""
    carried = [*items] if counts is None else [*items, counts]
    loop = scf.ForOp(b.index(0), n, b.index(1), carried)
    with ir.InsertionPoint(loop.body):
        i = loop.induction_variable
        items = list(loop.inner_iter_args)[:len(items)]
        counts = None if counts is None else loop.inner_iter_args[len(items)]
        key = _key(tensor.extract(x, at(i)), bits, descending)
        position = arith.index_cast(I64(64), i)
        wide = arith.extui(I64(64), key) if bits == 32 else key
        if len(items) == 1:
            new = [arith.ori(arith.shli(wide, b.constant(32, I64(64))), position)]
        else:
            new = [wide, position]
        items = [tensor.insert(v, a, [i]) for v, a in zip(new, items)]
        for digit in range(digits):  # none: no counts
            slot = _slot(new[0], digit, first)
            count = arith.addi(tensor.extract(counts, [slot]), b.constant(1, I64(64)))
            counts = tensor.insert(count, counts, [slot])
        scf.YieldOp([*items, *([] if counts is None else [counts])])
    results = list(loop.results)
    return (results, None) if counts is None else (results[:-1], results[-1])


def _offsets(counts: ir.Value, n: ir.Value, digits: int) -> tuple[ir.Value, list[ir.Value]]:
    """Each digit's counts become its buckets' first places (exclusive
    prefix sums, in place; the digits' sums side by side in one loop), and
    for each digit whether one bucket holds all n items."""
    i64 = I64(64)
    total = arith.index_cast(i64, n)
    zero, no = b.constant(0, i64), b.constant(False, ir.IntegerType.get_signless(1))
    scan = scf.ForOp(b.index(0), b.index(BUCKETS), b.index(1),
                     [counts, *[zero] * digits, *[no] * digits])
    with ir.InsertionPoint(scan.body):
        j = scan.induction_variable
        counts, *rest = scan.inner_iter_args
        running, whole = list(rest[:digits]), list(rest[digits:])
        for digit in range(digits):
            slot = arith.addi(j, b.index(digit * BUCKETS))
            c = tensor.extract(counts, [slot])
            counts = tensor.insert(running[digit], counts, [slot])
            whole[digit] = arith.ori(whole[digit], arith.cmpi(arith.CmpIPredicate.eq, c, total))
            running[digit] = arith.addi(running[digit], c)
        scf.YieldOp([counts, *running, *whole])
    counts, *rest = scan.results
    return counts, list(rest[digits:])


def _digit_pass(src, dst, offsets, n, whole, digit, first):
    """One stable pass on a digit: the items of src move to the next places
    of their buckets (`offsets`, advanced) in dst; a copy where one bucket
    holds every item (`whole`)."""
    branch = scf.IfOp(whole, [v.type for v in [*dst, offsets]], has_else=True)
    with ir.InsertionPoint(branch.then_block):
        scf.YieldOp([*[linalg.copy(s, outs=[t]) for s, t in zip(src, dst)], offsets])
    with ir.InsertionPoint(branch.else_block):
        move = scf.ForOp(b.index(0), n, b.index(1), [*dst, offsets])
        with ir.InsertionPoint(move.body):
            i = move.induction_variable
            *out, offsets = move.inner_iter_args
            item = [tensor.extract(s, [i]) for s in src]
            slot = _slot(item[0], digit, first)
            place = tensor.extract(offsets, [slot])
            offsets = tensor.insert(arith.addi(place, b.constant(1, I64(64))), offsets, [slot])
            to = arith.index_cast(ir.IndexType.get(), place)
            scf.YieldOp([*[tensor.insert(v, a, [to]) for v, a in zip(item, out)], offsets])
        scf.YieldOp(list(move.results))
    *dst, offsets = branch.results
    return dst, offsets


def _read_back(x, at, n, items, values, positions):
    """values[o] = x at the o-th sorted position, positions[o] = it (the low
    half of a packed item, or the second array)."""
    loop = scf.ForOp(b.index(0), n, b.index(1), [values, positions])
    with ir.InsertionPoint(loop.body):
        o = loop.induction_variable
        values, positions = loop.inner_iter_args
        if len(items) == 1:
            item = tensor.extract(items[0], [o])
            position = arith.andi(item, b.constant(0xFFFFFFFF, I64(64)))
        else:
            position = tensor.extract(items[1], [o])
        value = tensor.extract(x, at(arith.index_cast(ir.IndexType.get(), position)))
        scf.YieldOp([tensor.insert(value, values, at(o)),
                     tensor.insert(position, positions, at(o))])
    return list(loop.results)
