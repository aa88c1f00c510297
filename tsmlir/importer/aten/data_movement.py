"""aten data-movement ops -> tsm.slice/slice_dynamic/slice_scatter/expand/flip/
roll/triu/tril/index/index_put/gather/scatter (and tsm.reshape/permute where
they are views).

Slicing ops (slice, narrow, split, chunk, unbind) become `tsm.slice`, one per
piece, which lowers to strided `tensor.extract_slice` (a view after
bufferization): `qkv.chunk(3, -1)` copies nothing.  Slice bounds known only
at run time (`pe[:x.size(1)]`) give `tsm.slice_dynamic`; pieces of a dynamic
dim need a static split.  Split sizes follow PyTorch exactly: they are
computed by PyTorch itself on a `meta` tensor of the same size.  repeat/tile
are a reshape that interleaves size-1 dims, a `tsm.expand` of those and a
reshape that merges them.
Advanced indexing `x[i, j]` casts the index tensors to int64, broadcasts
them to one shape B and stacks them along a new last dim: `tsm.index` (and
`tsm.index_put` for `x[i, j] = v`) read the k coordinates of each element
there.  A boolean mask `x[mask]` (and masked_select, nonzero, argwhere)
reads x at the coordinates `tsm.nonzero` finds, a dim whose size is known
only at run time; `x[mask] = value` (one value) is a `tsm.where`, several
values a `tsm.index_put` at those coordinates.
In-place ops on a view (`x[1:3] = v`, `x[0] += 1`, `x.t()[0].zero_()`)
write the view's new value back into its base (`write_back`, called by the
graph importer after every in-place op): slices and x[i] through
`tsm.slice_scatter` (or `tsm.index_put` for a run-time i), reshapes and
permutations through their inverse; other views are refused.
"""
from __future__ import annotations

import math

import torch
from mlir import ir
from mlir.dialects import arith, cf

from ...dialects.ops.data_movement import slice_length
from ...dialects.types import DYN, TensorT, broadcast_shapes
from .. import scalars
from ..context import NodeContext
from ..values import DynSize, is_tensor
from .sequence import _index_tensor as sequence_index
from .shape import _dim, _permute, _sizes_of, _transpose, reshape_to

INT64_MAX = 2 ** 63 - 1
_INDEX_DTYPES = (torch.int64, torch.int32)


def _int(cx: NodeContext, v, what: str) -> int:
    if isinstance(v, int) and not isinstance(v, bool):
        return v
    cx.fail(f"{what} must be an int known at compile time, got {_show(v)}")


def _ints(cx: NodeContext, v, what: str) -> list[int]:
    if isinstance(v, int) and not isinstance(v, bool):
        return [v]
    if not isinstance(v, (list, tuple)):
        cx.fail(f"{what} must be a list of ints known at compile time, got {_show(v)}")
    return [_int(cx, i, what) for i in v]


def _show(v) -> str:
    if isinstance(v, DynSize):
        return f"the run-time size of dim {v.dim}"
    if isinstance(v, ir.Value):
        return "a value known only at run time"
    return repr(v)


def _tensor(cx: NodeContext, v, what: str) -> ir.Value:
    if not is_tensor(v):
        cx.fail(f"{what} must be a tensor, got {_show(v)}")
    return v


# -- slices ----------------------------------------------------------------------
def slice_of(cx: NodeContext, x: ir.Value, dim: int, start: int, end: int, step: int = 1):
    """x[start:end:step] along dim (normalized); x itself when that is all of it."""
    n = cx.type(x).shape[dim]
    if step == 1 and start == 0 and (end == INT64_MAX or n != DYN and end >= n):
        return x
    if n != DYN and step == 1 and slice_length(n, start, end, step) == (0, n):
        return x
    return cx.build("slice", x, dim=dim, start=start, end=end, step=step)


def _narrow(cx: NodeContext, x, dim, start, length):
    t = cx.type(x)
    d = _dim(cx, dim, t.rank)
    start, length = _int(cx, start, "the start"), _int(cx, length, "the length")
    n = t.shape[d]
    if length < 0:
        cx.fail("narrow(): length must be non-negative.")
    if n != DYN:
        if not -n <= start <= n:
            cx.fail(f"start out of range (expected to be in range of [{-n}, {n}], but got {start})")
        if start % max(n, 1) + length > n:
            cx.fail(f"start ({start % max(n, 1)}) + length ({length}) exceeds dimension size ({n}).")
        start = start % n if n else 0
    # A negative start counts from the end: its end is the dim's end when it reaches 0.
    end = start + length if start >= 0 or start + length < 0 else INT64_MAX
    return slice_of(cx, x, d, start, end)


def _pieces(cx: NodeContext, x, dim, sizes_of_meta):
    """Slices of x along dim as PyTorch splits a tensor of that size (the
    callback returns the pieces of a meta tensor)."""
    t = cx.type(x)
    d = _dim(cx, dim, t.rank)
    n = t.shape[d]
    if n == DYN:
        cx.fail(f"cannot split dynamic dim {d} of {t}: the pieces depend on its run-time "
                "size; give it a static size")
    try:
        pieces = sizes_of_meta(torch.empty(n, device="meta"))
    except RuntimeError as e:
        cx.fail(str(e).split("\n")[0])
    out = []
    for p in pieces:
        start = p.storage_offset()
        out.append(slice_of(cx, x, d, start, start + p.shape[0]))
    return out


def _split(cx: NodeContext, x, split_size, dim=0):
    size = _int(cx, split_size, "the split size")
    return _pieces(cx, x, dim, lambda m: m.split(size))


def _split_with_sizes(cx: NodeContext, x, split_sizes, dim=0):
    sizes = _ints(cx, split_sizes, "the split sizes")
    return _pieces(cx, x, dim, lambda m: m.split_with_sizes(sizes))


def _chunk(cx: NodeContext, x, chunks, dim=0):
    chunks = _int(cx, chunks, "the number of chunks")
    return _pieces(cx, x, dim, lambda m: m.chunk(chunks))


def _unbind(cx: NodeContext, x, dim=0):
    t = cx.type(x)
    d = _dim(cx, dim, t.rank)
    rows = _pieces(cx, x, d, lambda m: m.split(1))
    out = []
    for r in rows:
        sizes = _sizes_of(r, cx.type(r).shape)
        out.append(reshape_to(cx, r, sizes[:d] + sizes[d + 1:]))
    return out


# -- writes into slices: what in-place ops on `x[1:3]` / `x[0]` write back ---------
def _like(cx: NodeContext, src, x: ir.Value, sizes: list) -> ir.Value:
    """src (a tensor or number) cast to x's dtype and broadcast to `sizes`
    (ints and DynSize values)."""
    dtype = cx.type(x).dtype
    src = cx.tensor(src, x)
    st = cx.type(src)
    if st.dtype != dtype:
        src = cx.build("cast", src, dtype=str(dtype).split(".")[1])
    shape = tuple(DYN if isinstance(s, DynSize) else s for s in sizes)
    if st.shape == shape:
        return src
    return expand_to(cx, src, sizes)


def _slice_bounds(cx: NodeContext, x, dim, start, end, step) -> tuple[int, int, int, int]:
    """(dim, start, end, step) of x[start:end:step] along dim, checked and normalized."""
    t = cx.type(x)
    d = _dim(cx, dim, t.rank)
    if isinstance(end, DynSize) and end.tensor == x and end.dim == d:
        end = None  # x[:x.size(d)]
    start = 0 if start is None else _int(cx, start, "the slice start")
    end = INT64_MAX if end is None else _int(cx, end, "the slice end")
    step = _int(cx, step, "the slice step")
    if step <= 0:
        cx.fail("slice step must be positive (negative steps such as x[::-1] are not supported "
                f"by PyTorch; use torch.flip), got {step}")
    return d, start, end, step


def _slice(cx: NodeContext, x, dim=0, start=None, end=None, step=1):
    runtime = [v for v in (start, end) if v is not None and not isinstance(v, int)
               and scalars.kind_of(v) == scalars.INT]
    d = _dim(cx, dim, cx.type(x).rank)
    whole = isinstance(end, DynSize) and end.tensor == x and end.dim == d  # x[:x.size(d)]
    if runtime and not (whole and not isinstance(start, (DynSize, ir.Value))):
        # `pe[:x.size(1)]`, `x[i:i + 2]`: bounds known at run time
        step = _int(cx, step, "the slice step")
        if step <= 0:
            cx.fail(f"slice step must be positive, got {step}")
        bounds = [sequence_index(cx, v) for v in (0 if start is None else start,
                                                  INT64_MAX if end is None else end)]
        return cx.build("slice_dynamic", x, *bounds, dim=d, step=step)
    return slice_of(cx, x, *_slice_bounds(cx, x, dim, start, end, step))


def _slice_scatter(cx: NodeContext, x, src, dim=0, start=None, end=None, step=1):
    d, start, end, step = _slice_bounds(cx, x, dim, start, end, step)
    part = slice_of(cx, x, d, start, end, step)
    src = _like(cx, src, x, _sizes_of(part, cx.type(part).shape))
    if part is x:
        start, end = 0, INT64_MAX  # the whole tensor: still typed like x
    return cx.build("slice_scatter", x, src, dim=d, start=start, end=end, step=step)


def _select_scatter(cx: NodeContext, x, src, dim, index):
    t = cx.type(x)
    d = _dim(cx, dim, t.rank)
    n = t.shape[d]
    if isinstance(index, int) and n != DYN and not -n <= index < n:
        cx.fail(f"index {index} is out of bounds for dimension {d} with size {n}")
    sizes = _sizes_of(x, t.shape)
    src = _like(cx, src, x, sizes[:d] + sizes[d + 1:])
    src_sizes = _sizes_of(src, cx.type(src).shape)
    src = reshape_to(cx, src, src_sizes[:d] + [1] + src_sizes[d:])
    if isinstance(index, int):
        end = index + 1 if index != -1 else INT64_MAX
        return cx.build("slice_scatter", x, src, dim=d, start=index, end=end, step=1)
    # x[t] = v with t known at run time: one coordinate, range-checked when written.
    coords = reshape_to(cx, sequence_index(cx, index), [1, 1])
    return cx.build("index_put", x, coords, src, dim=d, accumulate=False)


def _copy(cx: NodeContext, x, src, non_blocking=False):
    """x.copy_(src) out of place: src cast and broadcast to x's type."""
    return _like(cx, src, x, _sizes_of(x, cx.type(x).shape))


def _narrow_scatter(cx: NodeContext, x, src, dim, start, length):
    t = cx.type(x)
    d = _dim(cx, dim, t.rank)
    start, length = _int(cx, start, "the start"), _int(cx, length, "the length")
    start = start % t.shape[d] if t.shape[d] not in (DYN, 0) else start
    end = start + length if start >= 0 or start + length < 0 else INT64_MAX
    return _slice_scatter(cx, x, src, d, start, end)


def _unreshape(cx: NodeContext, base, new, *args):
    return reshape_to(cx, new, _sizes_of(base, cx.type(base).shape))


def _unpermute(perm_of):
    def undo(cx: NodeContext, base, new, *args):
        perm = perm_of(cx, cx.type(base).rank, *args)
        return _permute(cx, new, [perm.index(i) for i in range(len(perm))])
    return undo


def _swap(rank: int, a: int, b: int) -> list[int]:
    perm = list(range(rank))
    if rank:
        perm[a], perm[b] = perm[b], perm[a]
    return perm


# Views an in-place op writes back through, by aten schema: fn(cx, base,
# new value of the view, *the view's other arguments) -> new value of base.
_WRITE_BACK = {
    "aten::slice.Tensor": _slice_scatter,
    "aten::select.int": _select_scatter,
    "aten::narrow": _narrow_scatter,
    **dict.fromkeys(("aten::view", "aten::reshape", "aten::flatten.using_ints", "aten::unsqueeze",
                     "aten::squeeze", "aten::squeeze.dim", "aten::squeeze.dims", "aten::view_as",
                     "aten::reshape_as", "aten::unflatten.int"), _unreshape),
    "aten::permute": _unpermute(lambda cx, rank, dims: [_dim(cx, d, rank) for d in dims]),
    "aten::transpose.int": _unpermute(
        lambda cx, rank, a, b: _swap(rank, _dim(cx, a, rank), _dim(cx, b, rank))),
    "aten::t": _unpermute(lambda cx, rank: _swap(rank, 0, 1) if rank == 2 else list(range(rank))),
    "aten::movedim.int": _unpermute(lambda cx, rank, s, d: _movedim_perm(cx, rank, s, d)),
    "aten::movedim.intlist": _unpermute(lambda cx, rank, s, d: _movedim_perm(cx, rank, s, d)),
    "aten::moveaxis.int": _unpermute(lambda cx, rank, s, d: _movedim_perm(cx, rank, s, d)),
    "aten::moveaxis.intlist": _unpermute(lambda cx, rank, s, d: _movedim_perm(cx, rank, s, d)),
    **dict.fromkeys(("aten::swapaxes", "aten::swapdims"), _unpermute(
        lambda cx, rank, a, b: _swap(rank, _dim(cx, a, rank), _dim(cx, b, rank)))),
    **dict.fromkeys(("aten::contiguous", "aten::dropout", "aten::feature_dropout"),
                    lambda cx, base, new, *args: new),
}


def write_back(cx: NodeContext, env: dict, view: "torch._C.Value", new: ir.Value) -> None:
    """After an in-place op replaced `view` by `new`: if view is a view of a
    base tensor (a slice, x[i], a reshape or a permutation), rebind the base
    (and its own bases) to carry the new values.  An in-place op on another
    kind of view (expand, split pieces, ...) is refused: its base would
    silently keep the old values."""
    producer = view.node()
    name = _schema_of(producer).split("(")[0]
    if name == "prim::ListUnpack":
        producer = producer.inputsAt(0).node()
        name = _schema_of(producer).split("(")[0]
        if "-> Tensor(a" in _schema_of(producer):
            _refuse_view(cx, name)
        return
    fn = _WRITE_BACK.get(name)
    if fn is None:
        if "-> Tensor(a" in _schema_of(producer):
            _refuse_view(cx, name)
        return
    base = producer.inputsAt(0)
    args = [env[v.unique()] for v in producer.inputs()]
    if not is_tensor(args[0]):
        return
    new_base = fn(cx, args[0], new, *args[1:])
    env[base.unique()] = new_base
    write_back(cx, env, base, new_base)


def _schema_of(node) -> str:
    try:
        schema = node.schema()
    except RuntimeError:
        schema = "(no schema)"
    return node.kind() if schema.startswith("(") else schema  # prim:: nodes


def _refuse_view(cx: NodeContext, name: str) -> None:
    cx.fail(f"in-place modification of a view made by {name} is not supported (slices, x[i], "
            "reshapes and permutations are written back to their base); modify a .clone() "
            "or build the result out of place")


# -- broadcasts ------------------------------------------------------------------
def expand_to(cx: NodeContext, x: ir.Value, sizes) -> ir.Value:
    """x.expand(sizes): ints (-1 keeps a dim) and DynSize values."""
    t = cx.type(x)
    if not isinstance(sizes, (list, tuple)):
        cx.fail(f"the size must be a list, got {_show(sizes)}")
    sizes = list(sizes)
    if len(sizes) < t.rank:
        cx.fail(f"the number of sizes provided ({len(sizes)}) must be greater or equal to the "
                f"number of dimensions in the tensor ({t.rank})")
    lead = len(sizes) - t.rank
    others = {s.tensor for s in sizes if isinstance(s, DynSize) and s.tensor != x}
    if len(others) > 1:
        cx.fail("expanding to sizes of several other tensors is not supported")
    source = others.pop() if others else None
    shape, from_dims = [], []
    for i, s in enumerate(sizes):
        have = t.shape[i - lead] if i >= lead else None
        if isinstance(s, DynSize):
            if s.tensor == x and s.dim == i - lead:
                s = -1
            elif s.tensor == x and source is not None:
                shape.append(DYN)
                from_dims.append(-2 - s.dim)
                continue
            else:
                shape.append(DYN)
                from_dims.append(s.dim)
                continue
        s = _int(cx, s, "a size")
        if s == -1:
            if have is None:
                cx.fail(f"the expanded size of the tensor (-1) isn't allowed in a leading, "
                        f"non-existing dimension {i}")
            shape.append(have)
            from_dims.append(DYN if have != DYN else i - lead if source is None else -2 - (i - lead))
            continue
        if s < 0:
            cx.fail(f"invalid size {s} at dim {i}")
        if have is not None and have not in (1, DYN, s):
            cx.fail(f"The expanded size of the tensor ({s}) must match the existing size "
                    f"({have}) at non-singleton dimension {i}.  Target sizes: "
                    f"{_show_sizes(sizes)}.  Tensor sizes: {_show_sizes(_sizes_of(x, t.shape))}")
        shape.append(s)
        from_dims.append(DYN)
    if tuple(shape) == t.shape and all(
            f in (DYN, -2 - i) or f == i and source is None for i, f in enumerate(from_dims)):
        return x
    return cx.build("expand", x, source, shape=shape, from_dims=from_dims)


def _show_sizes(sizes) -> str:
    return "[" + ", ".join("?" if isinstance(s, DynSize) else str(s) for s in sizes) + "]"


def _expand(cx: NodeContext, x, size, implicit=False):
    return expand_to(cx, x, size)


def _expand_as(cx: NodeContext, x, other):
    other = _tensor(cx, other, "other")
    return expand_to(cx, x, _sizes_of(other, cx.type(other).shape))


def _broadcast_to(cx: NodeContext, x, size):
    return expand_to(cx, x, size)


def _repeat(cx: NodeContext, x, repeats):
    t = cx.type(x)
    reps = _ints(cx, repeats, "the repeats")
    if len(reps) < t.rank:
        cx.fail("Number of dimensions of repeat dims can not be smaller than number of "
                "dimensions of tensor")
    if any(r < 0 for r in reps):
        cx.fail(f"Trying to create tensor with negative dimension: repeats {reps}")
    lead = len(reps) - t.rank
    sizes = [1] * lead + _sizes_of(x, t.shape)
    if all(r == 1 for r in reps):
        return reshape_to(cx, x, sizes) if lead else x
    # (a, b) -> (1, a, 1, b) -> (ra, a, rb, b) -> (ra * a, rb * b)
    spread = reshape_to(cx, x, [v for s in sizes for v in (1, s)])
    wide = expand_to(cx, spread, [v for r in reps for v in (r, -1)])
    merged = [(DynSize(wide, 2 * i + 1) if r == 1 else -1) if isinstance(s, DynSize) else r * s
              for i, (r, s) in enumerate(zip(reps, sizes))]
    if merged.count(-1) > 1:
        cx.fail(f"repeating more than one dynamic dim of {t} is not supported")
    return reshape_to(cx, wide, merged)


def _tile(cx: NodeContext, x, dims):
    reps = _ints(cx, dims, "the dims")
    rank = cx.type(x).rank
    return _repeat(cx, x, [1] * (rank - len(reps)) + reps)


# -- views through the shape ops -------------------------------------------------
def _view_as(cx: NodeContext, x, other):
    other = _tensor(cx, other, "other")
    return reshape_to(cx, x, _sizes_of(other, cx.type(other).shape))


def _unflatten(cx: NodeContext, x, dim, sizes):
    t = cx.type(x)
    d = _dim(cx, dim, t.rank)
    sizes = _ints(cx, sizes, "the sizes")
    if not sizes:
        cx.fail("unflatten: sizes must be non-empty")
    if t.shape[d] != DYN and -1 not in sizes and math.prod(sizes) != t.shape[d]:
        cx.fail(f"unflatten: Provided sizes {sizes} don't multiply up to the size of dim {d} "
                f"({t.shape[d]}) in the input tensor")
    own = _sizes_of(x, t.shape)
    return reshape_to(cx, x, own[:d] + sizes + own[d + 1:])


def _movedim_perm(cx: NodeContext, rank: int, source, destination) -> list[int]:
    src = [_dim(cx, d, rank) for d in _ints(cx, source, "source")]
    dst = [_dim(cx, d, rank) for d in _ints(cx, destination, "destination")]
    if len(src) != len(dst):
        cx.fail(f"movedim: Invalid source or destination dims: source ({src} dims) should "
                f"contain the same number of dims as destination ({dst} dims)")
    if len(set(src)) != len(src) or len(set(dst)) != len(dst):
        cx.fail(f"movedim: repeated dim in source {src} or destination {dst}")
    perm = [-1] * rank
    for s, d in zip(src, dst):
        perm[d] = s
    rest = iter(i for i in range(rank) if i not in src)
    return [p if p != -1 else next(rest) for p in perm]


def _movedim(cx: NodeContext, x, source, destination):
    return _permute(cx, x, _movedim_perm(cx, cx.type(x).rank, source, destination))


def _clone(cx: NodeContext, x, memory_format=None):
    return x  # value semantics: results never alias at the tsm level


def _detach(cx: NodeContext, x):
    return x  # no autograd in compiled code (traced `torch.tensor(...)` detaches)


# -- flips, rolls, triangles -----------------------------------------------------
def _flip(cx: NodeContext, x, dims):
    t = cx.type(x)
    ds = [_dim(cx, d, t.rank) for d in _ints(cx, dims, "dims")]
    if len(set(ds)) != len(ds):
        cx.fail(f"dims has duplicates: {ds}")
    ds = [d for d in ds if t.shape[d] != 1] if t.rank else []
    return cx.build("flip", x, dims=ds) if ds else x


def _roll(cx: NodeContext, x, shifts, dims=()):
    t = cx.type(x)
    shifts = _ints(cx, shifts, "the shifts")
    dims = _ints(cx, dims, "the dims")
    if not dims:
        if len(shifts) != 1:
            cx.fail(f"shifts and dimensions must align. shifts: {len(shifts)}, dims: 0")
        flat = reshape_to(cx, x, [-1])
        rolled = _roll(cx, flat, shifts, [0])
        return reshape_to(cx, rolled, _sizes_of(x, t.shape))
    if len(shifts) != len(dims):
        cx.fail(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    ds = [_dim(cx, d, t.rank) for d in dims]
    # Rolls along one dim add up; static sizes reduce the shift.
    total: dict[int, int] = {}
    for s, d in zip(shifts, ds):
        total[d] = total.get(d, 0) + s
    if t.rank == 0:
        return x
    keep = {d: (s % t.shape[d] if t.shape[d] > 0 else 0) if t.shape[d] != DYN else s
            for d, s in total.items()}
    keep = {d: s for d, s in keep.items() if s}
    if not keep:
        return x
    return cx.build("roll", x, shifts=list(keep.values()), dims=list(keep))


def _flip_lr(cx: NodeContext, x):
    if cx.type(x).rank < 2:
        cx.fail("Input must be >= 2-d.")
    return _flip(cx, x, [1])


def _flip_ud(cx: NodeContext, x):
    if cx.type(x).rank < 1:
        cx.fail("Input must be >= 1-d.")
    return _flip(cx, x, [0])


def _repeat_interleave(cx: NodeContext, x, repeats, dim=None, output_size=None):
    if not isinstance(repeats, int) or isinstance(repeats, bool):
        cx.fail("repeat_interleave with repeats known only at run time (or a tensor of "
                "repeats) is not supported")
    if repeats < 0:
        cx.fail("repeats can not be negative")
    if dim is None:
        x, dim = reshape_to(cx, x, [-1]), 0
    t = cx.type(x)
    d = _dim(cx, dim, t.rank)
    # (.., n, ..) -> (.., n, 1, ..) -> (.., n, r, ..) -> (.., n * r, ..)
    sizes = _sizes_of(x, t.shape)
    wide = expand_to(cx, reshape_to(cx, x, sizes[:d + 1] + [1] + sizes[d + 1:]),
                     [-1] * (d + 1) + [repeats] + [-1] * (t.rank - d - 1))
    own = _sizes_of(wide, cx.type(wide).shape)
    n = t.shape[d]
    return reshape_to(cx, wide, own[:d] + [n * repeats if n != DYN else -1] + own[d + 2:])


def _triangle(name):
    def handler(cx: NodeContext, x, diagonal=0):
        t = cx.type(x)
        if t.rank < 2:
            cx.fail(f"{name}: input tensor must have at least 2 dimensions")
        return cx.build(name, x, diagonal=_int(cx, diagonal, "the diagonal"))
    return handler


# -- gathers and scatters --------------------------------------------------------
def _index_tensor(cx: NodeContext, v, what: str) -> ir.Value:
    v = _tensor(cx, v, what)
    dtype = cx.type(v).dtype
    if dtype in (torch.bool, torch.uint8):
        cx.fail(f"{what}: indexing with a boolean mask is not supported (the result size "
                "depends on the mask's values); use torch.where or masked arithmetic")
    if dtype not in _INDEX_DTYPES:
        cx.fail(f"{what}: tensors used as indices must be long or int tensors, got {dtype}")
    return v


def _coordinates(cx: NodeContext, tensors: list[ir.Value]) -> ir.Value:
    """Index tensors broadcast to one shape B and stacked to (*B, k), int64."""
    try:
        shape = broadcast_shapes(*(cx.type(v).shape for v in tensors))
    except ValueError:
        cx.fail("shape mismatch: indexing tensors could not be broadcast together with shapes "
                + " ".join(str(list(cx.type(v).shape)) for v in tensors))
    cols = []
    for v in tensors:
        if len(tensors) > 1 and cx.type(v).dtype != torch.int64:
            v = cx.build("cast", v, dtype="int64")
        if len(tensors) > 1 and cx.type(v).shape != shape:
            v = expand_to(cx, v, _broadcast_sizes(cx, v, shape, tensors))
        sizes = _sizes_of(v, cx.type(v).shape)
        cols.append(reshape_to(cx, v, sizes + [1]))
    out = cols[0]
    for c in cols[1:]:
        out = cx.build("cat", out, c, dim=len(shape))
    return out


def _broadcast_sizes(cx: NodeContext, v: ir.Value, shape, tensors) -> list:
    """Sizes expanding v to the broadcast shape; a dynamic dim is read from
    a tensor that has it."""
    vt = cx.type(v)
    lead = len(shape) - vt.rank
    sizes = []
    for r, size in enumerate(shape):
        have = vt.shape[r - lead] if r >= lead else None
        if have == size or have == DYN:
            sizes.append(-1)
        elif size != DYN:
            sizes.append(size)
        else:
            aligned = [(w, r - len(shape) + cx.type(w).rank) for w in tensors]
            provider, d = next((w, d) for w, d in aligned if d >= 0 and cx.type(w).shape[d] == DYN)
            sizes.append(DynSize(provider, d))
    return sizes


def _advanced(cx: NodeContext, x, indices) -> tuple[ir.Value, int, ir.Value, list[int] | None]:
    """(x, first indexed dim, stacked coordinates, perm) of `x[indices]`.
    Index tensors separated by a slice (`x[i, :, j]`) index x permuted so
    that their dims come first (perm), which is where PyTorch puts their
    broadcast dims in the result."""
    t = cx.type(x)
    if not isinstance(indices, (list, tuple)):
        cx.fail(f"indices must be a list, got {_show(indices)}")
    indices = list(indices)
    while indices and indices[-1] is None:
        indices.pop()
    if len(indices) > t.rank:
        cx.fail(f"too many indices for tensor of dimension {t.rank}")
    at = [d for d, v in enumerate(indices) if v is not None]
    if not at:
        cx.fail("indexing with no index tensor")
    perm = None
    if at != list(range(at[0], at[-1] + 1)):
        perm = at + [d for d in range(t.rank) if d not in at]
        x = _permute(cx, x, perm)
    tensors = [_index_tensor(cx, indices[d], f"index {d}") for d in at]
    return x, (0 if perm else at[0]), _coordinates(cx, tensors), perm


def _index(cx: NodeContext, x, indices):
    masked = _mask_index(cx, x, indices)
    if masked is not None:
        return masked
    x, dim, coords, _ = _advanced(cx, x, indices)
    return cx.build("index", x, coords, dim=dim)


def _mask_index(cx: NodeContext, x, indices) -> ir.Value | None:
    """`x[mask]` (one bool mask over dims d..d+k-1, the others sliced whole):
    x read at the coordinates of the mask's true elements, a dim of run-time
    size; None when the indices hold no bool mask."""
    if not isinstance(indices, (list, tuple)):
        return None
    at = [d for d, v in enumerate(indices) if v is not None]
    masks = [d for d in at if is_tensor(indices[d]) and cx.type(indices[d]).dtype == torch.bool]
    if not masks:
        return None
    if len(at) != 1:
        cx.fail("indexing with a boolean mask together with other index tensors is not "
                "supported; index with the mask alone")
    d = at[0]
    mask, xt = indices[d], cx.type(x)
    mt = cx.type(mask)
    if xt.rank == 0:
        cx.fail("too many indices for tensor of dimension 0")
    if mt.rank == 0:  # x[True] adds a dim of size 1 (True) or 0 (False) at d
        sizes = [DynSize(x, i) if n == DYN else n for i, n in enumerate(xt.shape)]
        x, mask = reshape_to(cx, x, sizes[:d] + [1] + sizes[d:]), reshape_to(cx, mask, [1])
        xt, mt = cx.type(x), cx.type(mask)
    if d + mt.rank > xt.rank or any(
            DYN not in (m, s) and m != s for m, s in zip(mt.shape, xt.shape[d:])):
        cx.fail(f"the shape of the mask {list(mt.shape)} does not match the shape of the "
                f"indexed tensor {list(xt.shape)} at index {d}")
    _check_mask_dims(cx, x, mask, d)
    return cx.build("index", x, cx.build("nonzero", mask), dim=d)


def _check_mask_dims(cx: NodeContext, x, mask, d: int) -> None:
    """A dim of the mask or of x known only at run time must match its
    counterpart (checked then, as PyTorch does)."""
    mt, xt = cx.type(mask), cx.type(x)
    for i, (m, n) in enumerate(zip(mt.shape, xt.shape[d:])):
        if DYN not in (m, n):
            continue
        have = scalars.index(DynSize(mask, i) if m == DYN else m)
        want = scalars.index(DynSize(x, d + i) if n == DYN else n)
        cf.AssertOp(arith.cmpi(arith.CmpIPredicate.eq, have, want),
                    f"the shape of the mask does not match the shape of the indexed tensor "
                    f"at index {d + i}")


def _nonzero(cx: NodeContext, x):
    return cx.build("nonzero", _tensor(cx, x, "nonzero(): input"))


def _nonzero_columns(cx: NodeContext, x):
    """torch.where(condition) / nonzero_numpy: nonzero's coordinates, one
    1-D tensor per dim of x (a 0-d x counts as 1-D, as in PyTorch)."""
    x = _tensor(cx, x, "where(): condition")
    if cx.type(x).rank == 0:
        x = reshape_to(cx, x, [1])
    coords = _nonzero(cx, x)
    columns = []
    for d in range(cx.type(x).rank):
        column = cx.build("slice", coords, dim=1, start=d, end=d + 1, step=1)
        columns.append(reshape_to(cx, column, [DynSize(column, 0)]))
    return columns


def _masked_select(cx: NodeContext, x, mask):
    """x and mask broadcast to one shape, then x[mask] (1-D, run-time size)."""
    x, mask = _tensor(cx, x, "masked_select(): input"), _tensor(cx, mask, "masked_select(): mask")
    if cx.type(mask).dtype != torch.bool:
        cx.fail(f"masked_select: expected BoolTensor for mask, got {cx.type(mask).dtype}")
    try:
        shape = broadcast_shapes(cx.type(x).shape, cx.type(mask).shape)
    except ValueError:
        cx.fail(f"masked_select: the shapes of input {list(cx.type(x).shape)} and mask "
                f"{list(cx.type(mask).shape)} do not broadcast")
    pair = [x, mask]
    for i, v in enumerate(pair):
        if cx.type(v).shape != shape:
            pair[i] = expand_to(cx, v, _broadcast_sizes(cx, v, shape, pair))
    x, mask = (reshape_to(cx, v, [1]) if not shape else v for v in pair)
    flat = [DynSize(x, i) if s == DYN else s for i, s in enumerate(cx.type(x).shape)]
    coords = cx.build("nonzero", mask)
    out = cx.build("index", x, coords, dim=0)
    return reshape_to(cx, out, [DynSize(out, 0)]) if len(flat) > 1 else out


def _index_select(cx: NodeContext, x, dim, index):
    t = cx.type(x)
    d = _dim(cx, dim, t.rank)
    index = _index_tensor(cx, index, "index_select(): index")
    it = cx.type(index)
    if it.rank > 1:
        cx.fail("index_select(): Index is supposed to be a vector")
    if t.rank == 0:
        x = reshape_to(cx, x, [1])
    coords = reshape_to(cx, index, _sizes_of(index, it.shape)[:1] + [1] if it.rank else [1, 1])
    out = cx.build("index", x, coords, dim=d)
    return reshape_to(cx, out, []) if t.rank == 0 else out


def _embedding(cx: NodeContext, weight, indices, padding_idx=-1, scale_grad_by_freq=False,
               sparse=False):
    if cx.type(weight).rank != 2:
        cx.fail(f"'weight' must be 2-D, got {cx.type(weight)}")
    indices = _index_tensor(cx, indices, "embedding(): indices")
    it = cx.type(indices)
    coords = reshape_to(cx, indices, _sizes_of(indices, it.shape) + [1])
    return cx.build("index", weight, coords, dim=0)


def _values_for(cx: NodeContext, x, values, read: TensorT) -> ir.Value:
    """values cast to x's dtype (0-d only, as PyTorch) and checked to broadcast
    to the shape of the indexed elements."""
    xt = cx.type(x)
    values = cx.tensor(values, x)
    vt = cx.type(values)
    if vt.dtype != xt.dtype:
        if vt.rank:
            cx.fail(f"Index put requires the source and destination dtypes match, got "
                    f"{xt.dtype} for the destination and {vt.dtype} for the source.")
        values = cx.build("cast", values, dtype=str(xt.dtype).split(".")[1])
    lead = read.rank - vt.rank
    if lead < 0 or any(v not in (1, r) and DYN not in (v, r)
                       for v, r in zip(vt.shape, read.shape[lead:])):
        cx.fail(f"shape mismatch: value tensor of shape {list(vt.shape)} cannot be broadcast "
                f"to indexing result of shape {list(read.shape)}")
    return values


def _masked_put(cx: NodeContext, x, indices, values, accumulate):
    """`x[mask] = v` with one boolean mask: a where() for a single value (no
    data-dependent size), else tsm.index_put at the mask's nonzero
    coordinates.  None when the indices are not of that form."""
    tensors = [v for v in indices if v is not None] if isinstance(indices, (list, tuple)) else []
    if len(tensors) != 1 or not is_tensor(tensors[0]) \
            or cx.type(tensors[0]).dtype not in (torch.bool, torch.uint8):
        return None
    mask = tensors[0]
    dim = next(i for i, v in enumerate(indices) if v is not None)
    t, mt = cx.type(x), cx.type(mask)
    if dim + mt.rank > t.rank:
        cx.fail(f"too many indices for tensor of dimension {t.rank}")
    for i, (m, s) in enumerate(zip(mt.shape, t.shape[dim:])):
        if DYN not in (m, s) and m != s:
            cx.fail(f"The shape of the mask {list(mt.shape)} at index {i} does not match the "
                    f"shape of the indexed tensor {list(t.shape)} at index {dim + i}")
    values = cx.tensor(values, x)
    if mt.dtype != torch.bool:
        mask = cx.build("cast", mask, dtype="bool")
    if cx.type(values).shape not in ((), (1,)) or accumulate:
        if mt.rank == 0:
            cx.fail("x[mask] = values with a 0-d mask and several values (or accumulate=True) "
                    "is not supported")
        # Several values, in the order of the mask's true elements: written
        # at the coordinates tsm.nonzero finds.
        _check_mask_dims(cx, x, mask, dim)
        coords = cx.build("nonzero", mask)
        read = TensorT(t.shape[:dim] + cx.type(coords).shape[:-1] + t.shape[dim + mt.rank:],
                       t.dtype)
        values = _values_for(cx, x, values, read)
        return cx.build("index_put", x, coords, values, dim=dim, accumulate=bool(accumulate))
    values = reshape_to(cx, values, [])
    if cx.type(values).dtype != t.dtype:
        values = cx.build("cast", values, dtype=str(t.dtype).split(".")[1])
    trailing = t.rank - dim - mt.rank
    if trailing:
        mask = reshape_to(cx, mask, _sizes_of(mask, mt.shape) + [1] * trailing)
    return cx.build("where", mask, values, x)


def _index_put(cx: NodeContext, x, indices, values, accumulate=False):
    masked = _masked_put(cx, x, indices, values, accumulate)
    if masked is not None:
        return masked
    x, dim, coords, perm = _advanced(cx, x, indices)
    t, ct = cx.type(x), cx.type(coords)
    k = ct.shape[-1]
    read = TensorT(t.shape[:dim] + ct.shape[:-1] + t.shape[dim + k:], t.dtype)
    values = _values_for(cx, x, values, read)
    out = cx.build("index_put", x, coords, values, dim=dim, accumulate=bool(accumulate))
    return out if perm is None else _permute(cx, out, [perm.index(i) for i in range(len(perm))])


def _dim_index(cx: NodeContext, x, dim, index, what: str) -> tuple[int, ir.Value]:
    """(dim, coordinates) of index_fill/index_copy/index_add's 0-d or 1-d index."""
    d = _dim(cx, dim, cx.type(x).rank)
    index = _index_tensor(cx, index, f"{what}(): index")
    it = cx.type(index)
    if it.rank > 1:
        cx.fail(f"{what}(): Index is supposed to be a vector")
    sizes = _sizes_of(index, it.shape)[:1] if it.rank else [1]
    return d, reshape_to(cx, index, sizes + [1])


def _index_fill(cx: NodeContext, x, dim, index, value):
    d, coords = _dim_index(cx, x, dim, index, "index_fill")
    value = cx.tensor(value, x)
    if cx.type(value).rank:
        cx.fail("index_fill_(): Expected 0-dimensional value tensor, got a "
                f"{cx.type(value).rank}-dimensional one")
    return _index_write(cx, x, coords, d, value, False)


def _index_copy(cx: NodeContext, x, dim, index, source):
    d, coords = _dim_index(cx, x, dim, index, "index_copy")
    return _index_write(cx, x, coords, d, _tensor(cx, source, "source"), False)


def _index_add(cx: NodeContext, x, dim, index, source, alpha=1):
    d, coords = _dim_index(cx, x, dim, index, "index_add")
    source = _tensor(cx, source, "source")
    if alpha != 1:
        source = cx.build("mul", source, cx.tensor(alpha, source))
    return _index_write(cx, x, coords, d, source, True)


def _index_write(cx: NodeContext, x, coords, d: int, values, accumulate: bool):
    t, ct = cx.type(x), cx.type(coords)
    if cx.type(values).rank not in (0, t.rank):
        cx.fail(f"source {cx.type(values)} must have the rank of self {t}")
    read = TensorT(t.shape[:d] + ct.shape[:1] + t.shape[d + 1:], t.dtype)
    if cx.type(values).dtype != t.dtype and cx.type(values).rank:
        cx.fail(f"self ({t.dtype}) and source ({cx.type(values).dtype}) must have the same "
                "scalar type")
    values = _values_for(cx, x, values, read)
    return cx.build("index_put", x, coords, values, dim=d, accumulate=accumulate)


def _take_along_dim(cx: NodeContext, x, indices, dim=None):
    indices = _tensor(cx, indices, "indices")
    if dim is None:
        return _gather(cx, reshape_to(cx, x, [-1]), 0, reshape_to(cx, indices, [-1]))
    t, it = cx.type(x), cx.type(indices)
    if t.rank != it.rank:
        cx.fail(f"torch.take_along_dim(): input and indices should have the same number of "
                f"dimensions, but got {t.rank} dimensions for input, and {it.rank} dimensions "
                "for indices")
    d = _dim(cx, dim, t.rank)
    # Both broadcast against each other in every dim but dim.
    try:
        shape = broadcast_shapes(t.shape[:d] + (1,) + t.shape[d + 1:],
                                 it.shape[:d] + (1,) + it.shape[d + 1:])
    except ValueError:
        cx.fail(f"take_along_dim(): shapes {list(t.shape)} and {list(it.shape)} do not broadcast")
    xs = [s if i != d else -1 for i, s in enumerate(shape)]
    if DYN in shape:
        cx.fail("take_along_dim with dynamic dims is not supported; use gather")
    return _gather(cx, expand_to(cx, x, xs), d, expand_to(cx, indices, xs))


def _gather(cx: NodeContext, x, dim, index, sparse_grad=False):
    t = cx.type(x)
    d = _dim(cx, dim, t.rank)
    index = _tensor(cx, index, "index")
    if cx.type(index).dtype != torch.int64:
        cx.fail(f"gather(): Expected dtype int64 for index, got {cx.type(index).dtype}")
    if cx.type(index).rank != t.rank:
        cx.fail("Index tensor must have the same number of dimensions as input tensor")
    return cx.build("gather", x, index, dim=d)


def _scatter(cx: NodeContext, x, dim, index, src, reduce="none"):
    t = cx.type(x)
    d = _dim(cx, dim, t.rank)
    index = _tensor(cx, index, "index")
    it = cx.type(index)
    if it.dtype != torch.int64:
        cx.fail(f"scatter(): Expected dtype int64 for index, got {it.dtype}")
    if it.rank != t.rank:
        cx.fail("Index tensor must have the same number of dimensions as self tensor")
    if is_tensor(src):
        if cx.type(src).dtype != t.dtype:
            cx.fail(f"scatter(): Expected self.dtype to be equal to src.dtype, got {t.dtype} "
                    f"and {cx.type(src).dtype}")
        if cx.type(src).rank != t.rank:
            cx.fail("Index tensor must have the same number of dimensions as src tensor")
    else:
        src = cx.tensor(src, x)
        if cx.type(src).dtype != t.dtype:
            src = cx.build("cast", src, dtype=str(t.dtype).split(".")[1])
    if reduce not in ("none", "add", "multiply"):
        cx.fail(f"reduce argument must be either add or multiply, got '{reduce}'")
    return cx.build("scatter", x, index, src, dim=d, reduce=reduce)


def _scatter_reduce(cx: NodeContext, x, dim, index, src, reduce):
    return _scatter(cx, x, dim, index, src, reduce)


def _scatter_add(cx: NodeContext, x, dim, index, src):
    return _scatter(cx, x, dim, index, src, "add")


HANDLERS = {
    "aten::slice.Tensor": _slice,
    "aten::slice_scatter": _slice_scatter,
    "aten::select_scatter": _select_scatter,
    "aten::copy": _copy,
    "aten::narrow": _narrow,
    "aten::split.Tensor": _split,
    "aten::split.sizes": _split_with_sizes,
    "aten::split": _split_with_sizes,
    "aten::split_with_sizes": _split_with_sizes,
    "aten::chunk": _chunk,
    "aten::unbind.int": _unbind,
    "aten::expand": _expand,
    "aten::expand_as": _expand_as,
    "aten::broadcast_to": _broadcast_to,
    "aten::repeat": _repeat,
    "aten::tile": _tile,
    "aten::view_as": _view_as,
    "aten::reshape_as": _view_as,
    "aten::unflatten.int": _unflatten,
    "aten::movedim.int": _movedim,
    "aten::movedim.intlist": _movedim,
    "aten::moveaxis.int": _movedim,
    "aten::moveaxis.intlist": _movedim,
    "aten::swapaxes": _transpose,
    "aten::swapdims": _transpose,
    "aten::fliplr": _flip_lr,
    "aten::flipud": _flip_ud,
    "aten::repeat_interleave.self_int": _repeat_interleave,
    "aten::index_fill.int_Scalar": _index_fill,
    "aten::index_fill.int_Tensor": _index_fill,
    "aten::index_copy": _index_copy,
    "aten::index_add": _index_add,
    "aten::take_along_dim": _take_along_dim,
    "aten::clone": _clone,
    "aten::detach": _detach,
    "aten::flip": _flip,
    "aten::roll": _roll,
    "aten::triu": _triangle("triu"),
    "aten::tril": _triangle("tril"),
    "aten::index.Tensor": _index,
    "aten::index.Tensor_hacked_twin": _index,
    "aten::index_select": _index_select,
    "aten::nonzero": _nonzero,
    "aten::argwhere": _nonzero,
    "aten::where": _nonzero_columns,
    "aten::nonzero_numpy": _nonzero_columns,
    "aten::masked_select": _masked_select,
    "aten::embedding": _embedding,
    "aten::index_put": _index_put,
    "aten::index_put.hacked_twin": _index_put,
    "aten::gather": _gather,
    "aten::scatter.src": _scatter,
    "aten::scatter.value": _scatter,
    "aten::scatter.reduce": _scatter_reduce,
    "aten::scatter.value_reduce": _scatter_reduce,
    "aten::scatter_add": _scatter_add,
}
