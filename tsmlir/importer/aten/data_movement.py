"""aten data-movement ops -> tsm.slice/slice_dynamic/slice_scatter/expand/flip/
roll/triu/tril (and tsm.reshape/permute where they are views).

Slicing ops (slice, narrow, split, chunk, unbind) become `tsm.slice`, one per
piece, which lowers to strided `tensor.extract_slice` (a view after
bufferization): `qkv.chunk(3, -1)` copies nothing.  Slice bounds known only
at run time (`pe[:x.size(1)]`) give `tsm.slice_dynamic`; pieces of a dynamic
dim need a static split.  Split sizes follow PyTorch exactly: they are
computed by PyTorch itself on a `meta` tensor of the same size.  repeat/tile
are a reshape that interleaves size-1 dims, a `tsm.expand` of those and a
reshape that merges them.
Gathers and scatters (indexing with tensors) are in `indexing.py`.
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

from ...dialects.ops.data_movement import slice_length
from ...dialects.types import DYN
from .. import scalars
from ..context import NodeContext
from ..values import DynSize, ModuleRef, is_tensor
from .sequence import _index_tensor as sequence_index
from .shape import _dim, _permute, _sizes_of, _transpose, reshape_to

INT64_MAX = 2 ** 63 - 1


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
    if producer.kind() == "prim::GetAttr":  # a module's parameter or buffer: state
        owner = env.get(producer.inputsAt(0).unique())
        if isinstance(owner, ModuleRef):
            cx.importer.write_attribute(owner, producer.s("name"), new, cx.loc)
        return
    name = _schema_of(producer).split("(")[0]
    if name == "prim::ListUnpack":
        producer = producer.inputsAt(0).node()
        name = _schema_of(producer).split("(")[0]
        if "-> Tensor(a" in _schema_of(producer):
            _refuse_view(cx, name)
        return
    fn = _WRITE_BACK.get(name)
    if fn is None and "-> Tensor(a!)" in _schema_of(producer):
        # the result of an in-place op is its `self`: x.mul_(a).add_(b)
        fn = _in_place_result
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


def _in_place_result(cx: NodeContext, base, new, *args):
    return new


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
    "aten::clone": _clone,
    "aten::detach": _detach,
    "aten::flip": _flip,
    "aten::roll": _roll,
    "aten::triu": _triangle("triu"),
    "aten::tril": _triangle("tril"),
}
