"""tsm data-movement ops -> tensor / linalg / scf.

In: tsm.slice/slice_dynamic/slice_scatter/expand/flip/roll/triu/tril/index/
index_put/gather/scatter/nonzero.
Out:
- tsm.slice: a strided `tensor.extract_slice` (a view after bufferization);
  on a dynamic dim (and for tsm.slice_dynamic's run-time bounds) the
  clamped bounds are computed at run time.
- tsm.slice_scatter: the matching strided `tensor.insert_slice` (in place
  after bufferization when x is not read afterwards).
- tsm.expand: a `linalg.generic` reading x through a broadcasting map (a
  static size-1 dim reads index 0); a dynamic input dim is checked to equal
  its result size (`cf.assert`).  Fuses into elementwise consumers.
- tsm.triu/tril: a `linalg.generic` selecting x or 0 by `linalg.index`.
- tsm.index of whole rows (the indexed dims lead x, rows of >= 8 elements:
  embedding, index_select(0, i), x[i]): an `scf.for` nest over the indices
  copying one row each (`tensor.extract_slice` + `tensor.insert_slice`),
  shared among the threads when it moves enough bytes (row_gathers).
- tsm.flip/roll/index/gather: a `linalg.generic` over the result that
  computes the source coordinates from `linalg.index` (and the index
  tensors, read through indexing maps) and `tensor.extract`s the element.
  Index tensors are range-checked first by one reduction `linalg.generic`
  (then `cf.assert`), so no element is read out of bounds.
- tsm.index_put of whole rows (`cache[i] = rows`, row_gathers): an
  `scf.for` nest over the indices inserting one row each; accumulated float rows (index_add,
  embedding_bag's sum) add each row with one `linalg.add` (index_add of
  4096 rows of 64 floats: 185 -> 36-40 us, 0.5x eager).
- tsm.scatter/index_put: an `scf.for` nest over the written elements,
  `tensor.insert` into the loop-carried result (in place after
  bufferization), after the same range check.
- tsm.nonzero: a reduction counting the nonzeros (the result's run-time
  size), then an `scf.for` nest over x inserting each nonzero's coordinates
  at the next row (`scf.if`).
Ops that write into their operand x (slice_scatter, index_put, scatter) mark
the enclosing function's arguments `bufferization.writable = false`, so that
bufferization copies an argument before writing rather than writing into the
caller's tensor.
"""
from __future__ import annotations

from typing import Callable, Sequence

from mlir import ir
from mlir.dialects import arith, linalg, scf, tensor

from ..dialects.ops.data_movement import slice_length
from . import builders as b
from .nn_support import collapse
from .passes import pattern_pass
from .row_gathers import copy_rows, loops as _loops, put_rows, wrapped as _wrapped
from .shape import _ints, _mixed

DYNAMIC = ir.ShapedType.get_dynamic_size()
# Rows at least this long are gathered by row copies rather than element by element.
_MIN_ROW = 8


def _int(op: ir.Operation, name: str) -> int:
    return ir.IntegerAttr(op.attributes[name]).value


def _ivs(rank: int) -> list[ir.Value]:
    return [linalg.IndexOp(d).result for d in range(rank)]


def _parallel(out_sizes: Sequence[b.IntOrValue], elem: ir.Type, inputs: Sequence[ir.Value],
              maps: Sequence[ir.AffineMap], body: Callable[..., ir.Value]) -> ir.Value:
    """linalg.generic over a fresh result of out_sizes; body(*input_scalars)."""
    rank = len(out_sizes)
    init = b.empty(out_sizes, elem)
    return b.generic(inputs, init, [*maps, b.identity_map(rank)], ["parallel"] * rank,
                     lambda *args: body(*args[:-1]))


# -- slice -----------------------------------------------------------------------
def _clamp(bound: int, n: ir.Value) -> ir.Value:
    """PyTorch's clamping of a slice bound into [0, n] (negative counts from the end)."""
    if bound < 0:
        return arith.maxsi(arith.addi(b.index(bound), n), b.index(0))
    return arith.minsi(b.index(bound), n)


def _slice_parts(op: ir.Operation, x: ir.Value):
    """(dynamic offsets, static offsets, dynamic sizes, static sizes, strides) of
    tsm.slice's bounds on x; None when the slice is statically empty."""
    dim, start, end, step = (_int(op, a) for a in ("dim", "start", "end", "step"))
    t = b.rtt(x)
    n = b.dim(x, dim)
    if isinstance(n, int):
        first, size = slice_length(n, start, end, step)
    else:
        first, last = _clamp(start, n), _clamp(end, n)
        diff = arith.maxsi(arith.subi(last, first), b.index(0))
        size = arith.ceildivsi(diff, b.index(step)) if step != 1 else diff
    offsets = [first if d == dim else 0 for d in range(t.rank)]
    sizes = [size if d == dim else b.dim(x, d) for d in range(t.rank)]
    if 0 in sizes:  # nothing to read or write (a static slice of an empty dim does not verify)
        return None, sizes
    strides = [step if d == dim else 1 for d in range(t.rank)]
    return (*_mixed(offsets), *_mixed(sizes), strides), sizes


def lower_slice(op: ir.Operation) -> ir.Value:
    x = op.operands[0]
    parts, sizes = _slice_parts(op, x)
    if parts is None:
        return b.empty(sizes, b.rtt(x).element_type)
    dyn_off, static_off, dyn_sizes, static_sizes, strides = parts
    return tensor.extract_slice(op.result.type, x, dyn_off, dyn_sizes, [], static_off,
                                static_sizes, strides)


def _protect_arguments(op: ir.Operation) -> None:
    """An op that writes into its operand x bufferizes in place when it can:
    mark the enclosing function's arguments read-only for bufferization, so
    that a write into (a view of) an argument goes to a copy, never to the
    caller's tensor."""
    fn = op.parent
    while fn is not None and fn.name != "func.func":
        fn = fn.parent
    if fn is None:
        return
    n = len(fn.regions[0].blocks[0].arguments)
    old = list(ir.ArrayAttr(fn.attributes["arg_attrs"])) if "arg_attrs" in fn.attributes \
        else [ir.DictAttr.get({})] * n
    read_only = ir.BoolAttr.get(False)
    new = []
    for a in old:
        entries = {named.name: named.attr for named in ir.DictAttr(a)}
        entries["bufferization.writable"] = read_only
        new.append(ir.DictAttr.get(entries))
    fn.attributes["arg_attrs"] = ir.ArrayAttr.get(new)


def _clamp_dynamic(bound: ir.Value, n: ir.Value) -> ir.Value:
    """_clamp for a bound known at run time (an index value)."""
    zero = b.index(0)
    from_end = arith.maxsi(arith.addi(bound, n), zero)
    return arith.select(arith.cmpi(arith.CmpIPredicate.slt, bound, zero), from_end,
                        arith.minsi(bound, n))


def lower_slice_dynamic(op: ir.Operation) -> ir.Value:
    x, start, end = op.operands
    dim, step = _int(op, "dim"), _int(op, "step")
    t = b.rtt(x)
    n = b.as_index(b.dim(x, dim))
    first, last = (_clamp_dynamic(arith.index_cast(ir.IndexType.get(), tensor.extract(v, [])), n)
                   for v in (start, end))
    diff = arith.maxsi(arith.subi(last, first), b.index(0))
    size = arith.ceildivsi(diff, b.index(step)) if step != 1 else diff
    offsets = [first if d == dim else 0 for d in range(t.rank)]
    sizes = [size if d == dim else b.dim(x, d) for d in range(t.rank)]
    dyn_off, static_off = _mixed(offsets)
    dyn_sizes, static_sizes = _mixed(sizes)
    strides = [step if d == dim else 1 for d in range(t.rank)]
    return tensor.extract_slice(op.result.type, x, dyn_off, dyn_sizes, [], static_off,
                                static_sizes, strides)


def lower_slice_scatter(op: ir.Operation) -> ir.Value:
    x, src = op.operands
    _protect_arguments(op)
    parts, _ = _slice_parts(op, x)
    if parts is None:
        return x
    dyn_off, static_off, dyn_sizes, static_sizes, strides = parts
    part_t = ir.RankedTensorType.get(static_sizes, b.rtt(x).element_type)
    if src.type != part_t:  # same sizes, known statically on one side only
        src = tensor.cast(part_t, src)
    return tensor.insert_slice(src, x, dyn_off, dyn_sizes, [], static_off, static_sizes, strides)


# -- expand ----------------------------------------------------------------------
def lower_expand(op: ir.Operation) -> ir.Value:
    x = op.operands[0]
    src = op.operands[1] if len(op.operands) > 1 else x
    shape, from_dims = _ints(op, "shape"), _ints(op, "from_dims")
    t = b.rtt(x)
    rank, lead = len(shape), len(shape) - t.rank
    sizes = [s if s != -1 else b.dim(x, -2 - f) if f <= -2 else b.dim(src, f)
             for s, f in zip(shape, from_dims)]
    exprs = []
    for j in range(t.rank):
        i = j + lead
        if t.is_dynamic_dim(j):
            if not (src == x and from_dims[i] == j or from_dims[i] == -2 - j):
                b.assert_same_size(b.dim(x, j), b.as_index(sizes[i]), op.name,
                                   f"dynamic dim {j} of the input must equal its expanded size "
                                   "(broadcasting a dynamic dim of size 1 is not supported)")
            exprs.append(ir.AffineDimExpr.get(i))
        elif t.shape[j] == 1 and shape[i] != 1:
            exprs.append(ir.AffineConstantExpr.get(0))
        else:
            exprs.append(ir.AffineDimExpr.get(i))
    return _parallel(sizes, t.element_type, [x], [ir.AffineMap.get(rank, 0, exprs)], lambda v: v)


# -- flip, roll, triu, tril ------------------------------------------------------
def _remapped(x: ir.Value, coord: Callable[[int, ir.Value], ir.Value]) -> ir.Value:
    """result[i] = x[coord(d, i_d) for each dim d]."""
    t = b.rtt(x)

    def body():
        ivs = _ivs(t.rank)
        return tensor.extract(x, [coord(d, iv) for d, iv in enumerate(ivs)])
    return _parallel(b.sizes_of(x), t.element_type, [], [], body)


def lower_flip(op: ir.Operation) -> ir.Value:
    x = op.operands[0]
    last = {d: arith.subi(b.as_index(b.dim(x, d)), b.index(1)) for d in _ints(op, "dims")}
    return _remapped(x, lambda d, i: arith.subi(last[d], i) if d in last else i)


def lower_roll(op: ir.Operation) -> ir.Value:
    x = op.operands[0]
    back = {}  # per rolled dim: (n - shift mod n, n); result[i] = x[(i + back) mod n]
    for shift, d in zip(_ints(op, "shifts"), _ints(op, "dims")):
        n = b.as_index(b.dim(x, d))
        safe = arith.maxsi(n, b.index(1))  # an empty dim has nothing to roll
        s = arith.remsi(b.index(shift), safe)
        s = arith.select(arith.cmpi(arith.CmpIPredicate.slt, s, b.index(0)), arith.addi(s, safe), s)
        back[d] = (arith.subi(safe, s), safe)

    def coord(d, i):
        if d not in back:
            return i
        off, n = back[d]
        j = arith.addi(i, off)
        return arith.select(arith.cmpi(arith.CmpIPredicate.sge, j, n), arith.subi(j, n), j)
    return _remapped(x, coord)


def _triangle(upper: bool):
    def lower(op: ir.Operation) -> ir.Value:
        x = op.operands[0]
        t = b.rtt(x)
        diagonal = b.index(_int(op, "diagonal"))
        zero = b.zero(t.element_type)

        def body(v):
            row, col = _ivs(t.rank)[-2:]
            offset = arith.subi(col, row)
            pred = arith.CmpIPredicate.sge if upper else arith.CmpIPredicate.sle
            return arith.select(arith.cmpi(pred, offset, diagonal), v, zero)
        return _parallel(b.sizes_of(x), t.element_type, [x], [b.identity_map(t.rank)], body)
    return lower


# -- index checks ------------------------------------------------------------------
def _check_indices(indices: ir.Value, bounds: Sequence[ir.Value], negative: bool,
                   message: str) -> None:
    """Assert every index i (column c of the last dim when there are several
    bounds) lies in [-n, n) (negative) or [0, n), n = bounds[c]."""
    if len(bounds) == 1:
        indices = _broadcast_source(indices)
    if len(bounds) == 1 and b.rtt(indices).rank > 1:
        # one row: the vectorized row reduction takes it (tsm-vectorize-reductions)
        indices = collapse(indices, [list(range(b.rtt(indices).rank))])
    t = b.rtt(indices)
    rank = t.rank
    # an i32 flag: reductions of 32/64-bit ints are vectorized, of i1 not
    # (they were a scalar loop through memory, ~5 cycles per index)
    i32 = ir.IntegerType.get_signless(32)
    init = b.filled([], i32, 1)
    zero = b.index(0)
    lows = [arith.subi(zero, n) if negative else zero for n in bounds]

    def body(v, acc):
        i = arith.index_cast(ir.IndexType.get(), v)
        n, lo = bounds[0], lows[0]
        if len(bounds) > 1:
            col = linalg.IndexOp(rank - 1).result
            for c in range(1, len(bounds)):
                is_c = arith.cmpi(arith.CmpIPredicate.eq, col, b.index(c))
                n, lo = arith.select(is_c, bounds[c], n), arith.select(is_c, lows[c], lo)
        ok = arith.andi(arith.cmpi(arith.CmpIPredicate.sge, i, lo),
                        arith.cmpi(arith.CmpIPredicate.slt, i, n))
        return arith.andi(acc, arith.extui(i32, ok))
    if rank == 0:
        maps, iterators = [b.identity_map(0), b.identity_map(0)], []
    else:
        maps = [b.identity_map(rank), ir.AffineMap.get(rank, 0, [])]
        iterators = ["reduction"] * rank
    ok = b.generic([indices], init, maps, iterators, body)
    b.assert_true(arith.cmpi(arith.CmpIPredicate.ne, tensor.extract(ok, []), b.constant(0, i32)),
                  message)


def _broadcast_source(v: ir.Value) -> ir.Value:
    """The tensor that a broadcast (tsm.expand, or a linalg.generic that only
    copies its one input, read through a projection) spreads into v, where v
    is static and non-empty: its indices are v's, fewer to check
    (`x.gather(2, i.expand(N, C, K))` reads every channel at one (N, 1, K)
    index), and the
    check no longer keeps the broadcast from fusing into its other user;
    else v."""
    t = b.rtt(v)
    if isinstance(v.owner, ir.Block) or not t.has_static_shape or 0 in t.shape:
        return v
    op = v.owner.operation
    if op.name == "tsm.expand":  # not lowered yet
        return _broadcast_source(op.operands[0])
    if op.name != "linalg.generic" or len(op.operands) != 2:
        return v
    body = op.regions[0].blocks[0]
    ops = list(body.operations)
    maps = [ir.AffineMapAttr(m).value for m in op.attributes["indexing_maps"]]
    copies = len(ops) == 1 and ops[0].name == "linalg.yield" \
        and ops[0].operands[0] == body.arguments[0]
    if not copies or not maps[1].is_permutation or not _spreads(maps[0]):
        return v
    return _broadcast_source(op.operands[0])


def _spreads(m: ir.AffineMap) -> bool:
    """Whether m reads each result from a distinct dim or from 0 (a unit dim
    broadcast)."""
    dims = []
    for e in m.results:
        if isinstance(e, ir.AffineDimExpr):
            dims.append(e.position)
        elif not (isinstance(e, ir.AffineConstantExpr) and e.value == 0):
            return False
    return len(dims) == len(set(dims))


def _assert_fits(op: ir.Operation, small: ir.Value, large: ir.Value, skip: int, what: str):
    """small.size(d) <= large.size(d) for each d != skip where one is dynamic."""
    st, lt = b.rtt(small), b.rtt(large)
    for d in range(st.rank):
        if d != skip and (st.is_dynamic_dim(d) or lt.is_dynamic_dim(d)):
            fits = arith.cmpi(arith.CmpIPredicate.sle, b.as_index(b.dim(small, d)),
                              b.as_index(b.dim(large, d)))
            b.assert_true(fits, f"{op.name}: size {d} of index must not exceed that of {what}")


# -- gathers -----------------------------------------------------------------------
def lower_index(op: ir.Operation) -> ir.Value:
    x, coords = op.operands
    dim = _int(op, "dim")
    t, ct = b.rtt(x), b.rtt(coords)
    k, nb = ct.shape[-1], ct.rank - 1
    bounds = [b.as_index(b.dim(x, dim + c)) for c in range(k)]
    _check_indices(coords, bounds, True, f"{op.name}: index out of range")
    if dim == 0 and k < t.rank and not t.is_dynamic_dim(t.rank - 1) \
            and t.shape[-1] >= _MIN_ROW:
        return copy_rows(x, coords, bounds)
    rank = b.rtt(op.result).rank
    sizes = b.sizes_of(x)[:dim] + b.sizes_of(coords)[:-1] + b.sizes_of(x)[dim + k:]
    batch = [ir.AffineDimExpr.get(dim + j) for j in range(nb)]
    maps = [ir.AffineMap.get(rank, 0, batch + [ir.AffineConstantExpr.get(c)]) for c in range(k)]

    def body(*idx):
        ivs = _ivs(rank)
        at = [_wrapped(v, n) for v, n in zip(idx, bounds)]
        return tensor.extract(x, ivs[:dim] + at + ivs[dim + nb:])
    return _parallel(sizes, t.element_type, [coords] * k, maps, body)


def lower_gather(op: ir.Operation) -> ir.Value:
    x, index = op.operands
    dim = _int(op, "dim")
    t, it = b.rtt(x), b.rtt(index)
    n = b.as_index(b.dim(x, dim)) if t.rank else b.index(1)
    _check_indices(index, [n], False, f"{op.name}: index out of range for dimension {dim}")
    _assert_fits(op, index, x, dim, "the input")

    def body(v):
        ivs = _ivs(it.rank)
        if t.rank:
            ivs[dim] = arith.index_cast(ir.IndexType.get(), v)
        return tensor.extract(x, ivs)
    return _parallel(b.sizes_of(index), t.element_type, [index], [b.identity_map(it.rank)], body)


# -- scatters ----------------------------------------------------------------------
def _combine(kind: str, old: ir.Value, new: ir.Value) -> ir.Value:
    if kind == "none":
        return new
    elem = old.type
    if kind in ("amax", "amin"):
        if b.is_float(elem):
            return (arith.maximumf if kind == "amax" else arith.minimumf)(old, new)
        if ir.IntegerType(elem).width == 1:
            return (arith.ori if kind == "amax" else arith.andi)(old, new)
        if b.is_unsigned(elem):  # arith computes on signless integers only
            signless = ir.IntegerType.get_signless(ir.IntegerType(elem).width)
            both = (b.retag(old, signless), b.retag(new, signless))
            return b.retag((arith.maxui if kind == "amax" else arith.minui)(*both), elem)
        return (arith.maxsi if kind == "amax" else arith.minsi)(old, new)
    if b.is_float(elem):
        return arith.addf(old, new) if kind == "add" else arith.mulf(old, new)
    if ir.IntegerType(elem).width == 1:  # bool: add is or, multiply is and
        return arith.ori(old, new) if kind == "add" else arith.andi(old, new)
    return arith.addi(old, new) if kind == "add" else arith.muli(old, new)


def lower_scatter(op: ir.Operation) -> ir.Value:
    x, index, src = op.operands
    _protect_arguments(op)
    dim, kind = _int(op, "dim"), ir.StringAttr(op.attributes["reduce"]).value \
        if "reduce" in op.attributes else "none"
    t = b.rtt(x)
    n = b.as_index(b.dim(x, dim)) if t.rank else b.index(1)
    _check_indices(index, [n], False, f"{op.name}: index out of range for dimension {dim}")
    _assert_fits(op, index, x, dim, "self")
    if b.rtt(src).rank:
        _assert_fits(op, index, src, -1, "src")

    def body(ivs, acc):
        value = tensor.extract(src, ivs if b.rtt(src).rank else [])
        at = list(ivs)
        if t.rank:
            at[dim] = arith.index_cast(ir.IndexType.get(), tensor.extract(index, ivs))
        if kind != "none":
            value = _combine(kind, tensor.extract(acc, at), value)
        return tensor.insert(value, acc, at)
    return _loops(b.sizes_of(index), x, body)


def lower_index_put(op: ir.Operation) -> ir.Value:
    x, coords, values = op.operands
    _protect_arguments(op)
    dim = _int(op, "dim")
    accumulate = bool(ir.IntegerAttr(op.attributes["accumulate"]).value)
    ct, vt = b.rtt(coords), b.rtt(values)
    k, nb = ct.shape[-1], ct.rank - 1
    bounds = [b.as_index(b.dim(x, dim + c)) for c in range(k)]
    _check_indices(coords, bounds, True, f"{op.name}: index out of range")
    read = b.sizes_of(x)[:dim] + b.sizes_of(coords)[:-1] + b.sizes_of(x)[dim + k:]
    lead = len(read) - vt.rank
    # Per dim of values: None (read at the element's index), or an i1 value
    # true when it broadcasts (a size 1, static or found at run time).
    ones: list[ir.Value | bool] = []
    for d in range(vt.rank):
        want, have = read[lead + d], b.dim(values, d)
        if isinstance(have, int):
            if have != 1 and not isinstance(want, int):  # e.g. x[mask] = v: checked now
                b.assert_true(arith.cmpi(arith.CmpIPredicate.eq, b.as_index(want), b.index(have)),
                              f"{op.name}: size {d} of values must match the indexed elements "
                              "(or be 1)")
            ones.append(have == 1 and want != 1)
            continue
        one = arith.cmpi(arith.CmpIPredicate.eq, have, b.index(1))
        fits = arith.ori(one, arith.cmpi(arith.CmpIPredicate.eq, have, b.as_index(want)))
        b.assert_true(fits, f"{op.name}: size {d} of values must match the indexed elements "
                            "(or be 1)")
        ones.append(one)

    def at_values(ivs: list[ir.Value]) -> list[ir.Value]:
        """Where values is read for the element at ivs (indices of its own dims)."""
        out = []
        for one, iv in zip(ones, ivs):
            out.append(b.index(0) if one is True else iv if one is False
                       else arith.select(one, b.index(0), iv))
        return out

    x_t = b.rtt(x)
    rows = x_t.rank - k  # trailing dims written whole
    if dim == 0 and (not accumulate or b.is_float(x_t.element_type)) and rows and lead == 0 \
            and not x_t.is_dynamic_dim(x_t.rank - 1) and x_t.shape[-1] >= _MIN_ROW and not any(
                one is not False for one in ones[nb:]):  # rows are read whole
        return put_rows(x, coords, values, bounds, at_values, accumulate)

    def body(ivs, acc):
        batch = ivs[dim:dim + nb]
        at = [_wrapped(tensor.extract(coords, batch + [b.index(c)]), bounds[c]) for c in range(k)]
        target = ivs[:dim] + at + ivs[dim + nb:]
        value = tensor.extract(values, at_values(ivs[lead:]))
        if accumulate:
            value = _combine("add", tensor.extract(acc, target), value)
        return tensor.insert(value, acc, target)
    return _loops(read, x, body)


# -- nonzero ---------------------------------------------------------------------
def _is_nonzero(v: ir.Value) -> ir.Value:
    if b.is_float(v.type):  # unordered: NaN counts as nonzero, as in PyTorch
        return arith.cmpf(arith.CmpFPredicate.UNE, v, b.zero(v.type))
    if b.is_unsigned(v.type):  # arith compares signless integers only
        v = b.retag(v, ir.IntegerType.get_signless(ir.IntegerType(v.type).width))
    return arith.cmpi(arith.CmpIPredicate.ne, v, b.zero(v.type))


def _count_nonzero(x: ir.Value) -> ir.Value:
    """The number of nonzero elements of x, as an index: one reduction."""
    i64 = ir.IntegerType.get_signless(64)
    rank = b.rtt(x).rank
    init = b.filled([], i64, 0)
    count = b.generic([x], init, [b.identity_map(rank), ir.AffineMap.get(rank, 0, [])],
                      ["reduction"] * rank,
                      lambda v, acc: arith.addi(acc, arith.extui(i64, _is_nonzero(v))))
    return arith.index_cast(ir.IndexType.get(), tensor.extract(count, []))


def _fill_coordinates(x: ir.Value, out: ir.Value, ivs=(), row=None) -> tuple[ir.Value, ir.Value]:
    """scf.for nest over x carrying (out, next row): each nonzero element's
    coordinates written into row `row` of out."""
    i64 = ir.IntegerType.get_signless(64)
    rank = b.rtt(x).rank
    row = b.index(0) if row is None else row
    if len(ivs) == rank:
        found = scf.IfOp(_is_nonzero(tensor.extract(x, list(ivs))), [out.type, row.type],
                         has_else=True)
        with ir.InsertionPoint(found.then_block):
            filled = out
            for d, iv in enumerate(ivs):
                filled = tensor.insert(arith.index_cast(i64, iv), filled, [row, b.index(d)])
            scf.YieldOp([filled, arith.addi(row, b.index(1))])
        with ir.InsertionPoint(found.else_block):
            scf.YieldOp([out, row])
        return found.results[0], found.results[1]
    loop = scf.ForOp(b.index(0), b.as_index(b.dim(x, len(ivs))), b.index(1), [out, row])
    with ir.InsertionPoint(loop.body):
        inner = _fill_coordinates(x, loop.inner_iter_args[0], (*ivs, loop.induction_variable),
                                  loop.inner_iter_args[1])
        scf.YieldOp(list(inner))
    return loop.results[0], loop.results[1]


def lower_nonzero(op: ir.Operation) -> ir.Value:
    """Two passes over x: count the nonzeros (the result's run-time size),
    then write their coordinates in row-major order."""
    (x,) = op.operands
    rank = b.rtt(x).rank
    out = b.empty([_count_nonzero(x), rank], ir.IntegerType.get_signless(64))
    return _fill_coordinates(x, out)[0]


LOWERINGS = {
    "tsm.slice": lower_slice,
    "tsm.slice_dynamic": lower_slice_dynamic,
    "tsm.slice_scatter": lower_slice_scatter,
    "tsm.expand": lower_expand,
    "tsm.flip": lower_flip,
    "tsm.roll": lower_roll,
    "tsm.triu": _triangle(upper=True),
    "tsm.tril": _triangle(upper=False),
    "tsm.index": lower_index,
    "tsm.gather": lower_gather,
    "tsm.scatter": lower_scatter,
    "tsm.index_put": lower_index_put,
    "tsm.nonzero": lower_nonzero,
}

lower_data_movement_pass = pattern_pass(
    "tsm-lower-data-movement",
    "Lower tsm data-movement ops to strided slices, linalg.generic gathers and scf scatters",
    LOWERINGS)
