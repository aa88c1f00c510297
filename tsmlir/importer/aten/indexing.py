"""aten gathers and scatters -> tsm.index/index_put/gather/scatter/nonzero/where.

Advanced indexing `x[i, j]` casts the index tensors to int64, broadcasts
them to one shape B and stacks them along a new last dim: `tsm.index` (and
`tsm.index_put` for `x[i, j] = v`) read the k coordinates of each element
there.  A boolean mask `x[mask]` (and masked_select, nonzero, argwhere)
reads x at the coordinates `tsm.nonzero` finds, a dim whose size is known
only at run time; `x[mask] = value` (one value) is a `tsm.where`, several
values a `tsm.index_put` at those coordinates.  index_select / embedding /
index_fill / index_copy / index_add / take_along_dim / gather / scatter are
the same ops along one dim.
"""
from __future__ import annotations

import torch
from mlir import ir
from mlir.dialects import arith, cf

from ...dialects.types import DYN, TensorT, broadcast_shapes
from .. import scalars
from ..context import NodeContext
from ..values import DynSize, is_tensor
from .data_movement import _show, _tensor, expand_to
from .shape import _dim, _permute, _sizes_of, reshape_to

_INDEX_DTYPES = (torch.int64, torch.int32)


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



def _one_hot(cx: NodeContext, x, num_classes=-1):
    """(..., C) int64: x[..., None] == arange(C).  The class count must be
    given: its default (-1, the largest value + 1) would make the shape depend
    on the data."""
    x = _tensor(cx, x, "one_hot")
    if cx.type(x).dtype != torch.int64:
        cx.fail(f"one_hot is only applicable to index tensors (int64), got {cx.type(x)}")
    if not isinstance(num_classes, int) or isinstance(num_classes, bool) or num_classes < 0:
        cx.fail("one_hot needs num_classes as a compile-time int (with -1, the default, the "
                "result's shape depends on the values); pass F.one_hot(x, num_classes)")
    classes = cx.constant(torch.arange(num_classes, dtype=torch.int64))
    column = reshape_to(cx, x, _sizes_of(x, cx.type(x).shape) + [1])
    return cx.build("cast", cx.build("eq", column, classes), dtype="int64")


HANDLERS = {
    "aten::one_hot": _one_hot,
    "aten::index_fill.int_Scalar": _index_fill,
    "aten::index_fill.int_Tensor": _index_fill,
    "aten::index_copy": _index_copy,
    "aten::index_add": _index_add,
    "aten::take_along_dim": _take_along_dim,
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
