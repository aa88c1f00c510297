"""Data-movement ops: slices, broadcasts, flips/rolls, triangles, gathers, scatters.

Every op here moves or selects elements without arithmetic on them (scatter
and index_put may accumulate).  Indices are tensors of integers; a negative
index counts from the end where PyTorch allows it, and an index out of range
is a run-time error (checked before any element is read or written).

- `tsm.slice` keeps the PyTorch bounds of `x[start:end:step]` along one dim
  (start/end may be negative or past the end; they are clamped), so that a
  dynamic dim is sliced with the same rule at run time.
- `tsm.expand` is `tsm.reshape`'s twin for broadcasting: a dynamic result
  dim takes the size of dim from_dims[i] of `sizes_of` (x when absent), or
  of dim j of x itself when from_dims[i] = -2 - j.
- `tsm.index` reads x at the coordinates given by the last dim of `indices`
  (k coordinates for dims dim..dim+k-1): the one op behind index_select,
  embedding and advanced indexing `x[i, j]`; `tsm.index_put` writes there.
- `tsm.nonzero` has a result size known only at run time (counted, then
  filled): the coordinates behind `x[mask]` and masked_select.
"""
import torch

from ..opdef import Attr, OpDef, define
from ..types import DYN, TensorT

_INDEX_DTYPES = (torch.int64, torch.int32)


def slice_length(size: int, start: int, end: int, step: int) -> tuple[int, int]:
    """(first index, element count) of x[start:end:step] along a dim of `size`."""
    start = max(start + size, 0) if start < 0 else min(start, size)
    end = max(end + size, 0) if end < 0 else min(end, size)
    return start, max(0, (end - start + step - 1) // step)


def _dim_of(x: TensorT, dim: int) -> None:
    if not 0 <= dim < x.rank:
        raise ValueError(f"dim {dim} out of range for {x}")


def _slice(x: TensorT, *, dim, start, end, step) -> list[TensorT]:
    _dim_of(x, dim)
    if step <= 0:
        raise ValueError(f"slice step must be positive, got {step}")
    n = x.shape[dim]
    size = DYN if n == DYN else slice_length(n, start, end, step)[1]
    return [TensorT(x.shape[:dim] + (size,) + x.shape[dim + 1:], x.dtype)]


def _slice_dynamic(x: TensorT, start: TensorT, end: TensorT, *, dim, step) -> list[TensorT]:
    for name, b in (("start", start), ("end", end)):
        if b.rank != 0 or b.dtype != torch.int64:
            raise ValueError(f"{name} must be a 0-d i64 tensor, got {b}")
    _slice(x, dim=dim, start=0, end=0, step=step)
    return [TensorT(x.shape[:dim] + (DYN,) + x.shape[dim + 1:], x.dtype)]


def _slice_scatter(x: TensorT, src: TensorT, *, dim, start, end, step) -> list[TensorT]:
    (part,) = _slice(x, dim=dim, start=start, end=end, step=step)
    if src.dtype != x.dtype or src.rank != x.rank or any(
            DYN not in (s, p) and s != p for s, p in zip(src.shape, part.shape)):
        raise ValueError(f"src {src} must have the type of the slice {part}")
    return [x]


def _expand(x: TensorT, sizes_of: TensorT | None = None, *, shape, from_dims) -> list[TensorT]:
    shape, from_dims = tuple(shape), tuple(from_dims)
    src = sizes_of or x
    if len(shape) != len(from_dims) or len(shape) < x.rank:
        raise ValueError(f"cannot expand {x} to {len(shape)} dims (from_dims has "
                         f"{len(from_dims)} entries)")
    lead = len(shape) - x.rank
    for i, (size, f) in enumerate(zip(shape, from_dims)):
        if size == DYN and f <= -2:  # a dim of x itself while sizes_of gives the others
            if not 0 <= -2 - f < x.rank or x.shape[-2 - f] != DYN:
                raise ValueError(f"result dim {i} takes its size from dim {-2 - f} of x, which "
                                 f"is not a dynamic dim of {x}")
        elif size == DYN:
            if not 0 <= f < src.rank or src.shape[f] != DYN:
                raise ValueError(f"result dim {i} takes its size from dim {f}, which is not a "
                                 f"dynamic dim of {src}")
        elif size < 0 or f != DYN:
            raise ValueError(f"invalid size {size} (from dim {f}) at result dim {i}")
        if i >= lead:
            have = x.shape[i - lead]
            if size != DYN and have not in (1, DYN, size):
                raise ValueError(f"cannot expand dim {i - lead} of {x} (size {have}) to {size}")
    return [TensorT(shape, x.dtype)]


def _dims(x: TensorT, dims) -> None:
    for d in dims:
        _dim_of(x, d)
    if len(set(dims)) != len(dims):
        raise ValueError(f"dims {list(dims)} appear more than once")


def _flip(x: TensorT, *, dims) -> list[TensorT]:
    _dims(x, dims)
    return [x]


def _roll(x: TensorT, *, shifts, dims) -> list[TensorT]:
    _dims(x, dims)
    if len(shifts) != len(dims):
        raise ValueError(f"{len(shifts)} shifts for {len(dims)} dims")
    return [x]


def _triangle(x: TensorT, *, diagonal) -> list[TensorT]:
    if x.rank < 2:
        raise ValueError(f"expects a tensor with at least 2 dims, got {x}")
    return [x]


def _index_dtype(t: TensorT, what: str) -> None:
    if t.dtype not in _INDEX_DTYPES:
        raise ValueError(f"{what} must be int64 or int32, got {t}")


def _index(x: TensorT, indices: TensorT, *, dim) -> list[TensorT]:
    _index_dtype(indices, "indices")
    if indices.rank == 0 or indices.shape[-1] in (0, DYN):
        raise ValueError(f"indices {indices} must have a static, non-zero last dim "
                         "(the coordinates of one element)")
    k = indices.shape[-1]
    if not 0 <= dim or dim + k > x.rank:
        raise ValueError(f"{k} coordinates from dim {dim} do not fit {x}")
    return [TensorT(x.shape[:dim] + indices.shape[:-1] + x.shape[dim + k:], x.dtype)]


def _index_put(x: TensorT, indices: TensorT, values: TensorT, *, dim, accumulate) -> list[TensorT]:
    (read,) = _index(x, indices, dim=dim)
    if values.dtype != x.dtype:
        raise ValueError(f"values {values} must have the dtype of {x}")
    lead = read.rank - values.rank
    if lead < 0 or any(v not in (1, r) and DYN not in (v, r)
                       for v, r in zip(values.shape, read.shape[lead:])):
        raise ValueError(f"values {values} do not broadcast to the indexed elements {read}")
    return [x]


def _gather(x: TensorT, index: TensorT, *, dim) -> list[TensorT]:
    if index.dtype != torch.int64:
        raise ValueError(f"index must be int64, got {index}")
    if index.rank != x.rank:
        raise ValueError(f"index {index} must have the rank of {x}")
    if x.rank:
        _dim_of(x, dim)
    for d, (i, n) in enumerate(zip(index.shape, x.shape)):
        if d != dim and DYN not in (i, n) and i > n:
            raise ValueError(f"size {i} of index {index} exceeds size {n} of {x} at dim {d}")
    return [TensorT(index.shape, x.dtype)]


def _nonzero(x: TensorT) -> list[TensorT]:
    return [TensorT((DYN, x.rank), torch.int64)]


_REDUCE = ("none", "add", "multiply", "amax", "amin")


def _scatter(x: TensorT, index: TensorT, src: TensorT, *, dim, reduce) -> list[TensorT]:
    _gather(x, index, dim=dim)
    if reduce not in _REDUCE:
        raise ValueError(f"reduce must be one of {', '.join(_REDUCE)}, got '{reduce}'")
    if src.dtype != x.dtype:
        raise ValueError(f"src {src} must have the dtype of {x}")
    if src.rank not in (0, x.rank):
        raise ValueError(f"src {src} must be 0-d or have the rank of {x}")
    if src.rank and any(DYN not in (i, s) and i > s for i, s in zip(index.shape, src.shape)):
        raise ValueError(f"index {index} is larger than src {src}")
    return [x]


OPS = define("data_movement", [
    OpDef("slice", ("x",), _slice,
          attrs=(Attr("dim", "int"), Attr("start", "int"), Attr("end", "int"), Attr("step", "int")),
          aten=("aten::slice.Tensor(Tensor(a) self, int dim=0, SymInt? start=None, SymInt? end=None, SymInt step=1) -> Tensor(a)",
                "aten::narrow(Tensor(a) self, int dim, SymInt start, SymInt length) -> Tensor(a)",
                "aten::split.Tensor(Tensor(a -> *) self, SymInt split_size, int dim=0) -> Tensor(a)[]",
                "aten::split_with_sizes(Tensor(a -> *) self, SymInt[] split_sizes, int dim=0) -> Tensor(a)[]",
                "aten::chunk(Tensor(a -> *) self, int chunks, int dim=0) -> Tensor(a)[]",
                "aten::unbind.int(Tensor(a -> *) self, int dim=0) -> Tensor(a)[]"),
          doc="x[start:end:step] along dim (non-negative), PyTorch's clamping of start/end "
              "(negative counts from the end); step > 0."),
    OpDef("slice_dynamic", ("x", "start", "end"), _slice_dynamic,
          attrs=(Attr("dim", "int"), Attr("step", "int")),
          aten=("aten::slice.Tensor(Tensor(a) self, int dim=0, SymInt? start=None, SymInt? end=None, SymInt step=1) -> Tensor(a)",),
          doc="tsm.slice with start/end known at run time (0-d i64 tensors, same clamping): "
              "`pe[:x.size(1)]` with a dynamic x."),
    OpDef("slice_scatter", ("x", "src"), _slice_scatter,
          attrs=(Attr("dim", "int"), Attr("start", "int"), Attr("end", "int"), Attr("step", "int")),
          aten=("aten::slice_scatter(Tensor self, Tensor src, int dim=0, SymInt? start=None, SymInt? end=None, SymInt step=1) -> Tensor",
                "aten::select_scatter(Tensor self, Tensor src, int dim, SymInt index) -> Tensor"),
          doc="x with x[start:end:step] along dim (tsm.slice's bounds) replaced by src, which "
              "has that slice's shape; what `x[1:3] = v` and `x[0] = v` write back."),
    OpDef("expand", ("x", "sizes_of?"), _expand,
          attrs=(Attr("shape", "ints"), Attr("from_dims", "ints")),
          aten=("aten::expand(Tensor(a) self, SymInt[] size, *, bool implicit=False) -> Tensor(a)",
                "aten::expand_as(Tensor(a) self, Tensor other) -> Tensor(a)",
                "aten::broadcast_to(Tensor(a) self, SymInt[] size) -> Tensor(a)",
                "aten::repeat(Tensor self, SymInt[] repeats) -> Tensor",
                "aten::tile(Tensor self, SymInt[] dims) -> Tensor",
                "aten::repeat_interleave.self_int(Tensor self, SymInt repeats, int? dim=None, *, SymInt? output_size=None) -> Tensor"),
          doc="Broadcast of x (aligned right) to `shape`; a dynamic result dim takes the size of "
              "dim from_dims[i] of sizes_of (x when absent; -2 - j: dim j of x); a dynamic input dim "
              "must equal its result size at run time (checked)."),
    OpDef("flip", ("x",), _flip, attrs=(Attr("dims", "ints"),),
          aten=("aten::flip(Tensor self, int[] dims) -> Tensor", "aten::fliplr(Tensor self) -> Tensor",
                "aten::flipud(Tensor self) -> Tensor"),
          doc="x reversed along each of dims (non-negative, distinct)."),
    OpDef("roll", ("x",), _roll, attrs=(Attr("shifts", "ints"), Attr("dims", "ints")),
          aten=("aten::roll(Tensor self, SymInt[1] shifts, int[1] dims=[]) -> Tensor",),
          doc="x rotated by shifts[i] positions along dims[i] (elements leaving one end enter "
              "at the other)."),
    OpDef("triu", ("x",), _triangle, attrs=(Attr("diagonal", "int"),),
          aten=("aten::triu(Tensor self, SymInt diagonal=0) -> Tensor",),
          doc="x with the elements below the diagonal-th diagonal of its last two dims zeroed."),
    OpDef("tril", ("x",), _triangle, attrs=(Attr("diagonal", "int"),),
          aten=("aten::tril(Tensor self, SymInt diagonal=0) -> Tensor",),
          doc="x with the elements above the diagonal-th diagonal of its last two dims zeroed."),
    OpDef("index", ("x", "indices"), _index, attrs=(Attr("dim", "int"),),
          aten=("aten::index.Tensor(Tensor self, Tensor?[] indices) -> Tensor",
                "aten::index_select(Tensor self, int dim, Tensor index) -> Tensor",
                "aten::embedding(Tensor weight, Tensor indices, SymInt padding_idx=-1, bool scale_grad_by_freq=False, bool sparse=False) -> Tensor"),
          doc="result[p, b, q] = x[p, indices[b, 0], ..., indices[b, k-1], q] where p spans dims "
              "0..dim-1 of x, b the leading dims of indices (int64/int32, shape (..., k)) and q "
              "the dims after dim+k-1; negative indices count from the end."),
    OpDef("index_put", ("x", "indices", "values"), _index_put,
          attrs=(Attr("dim", "int"), Attr("accumulate", "bool")),
          aten=("aten::index_put(Tensor self, Tensor?[] indices, Tensor values, bool accumulate=False) -> Tensor",
                "aten::index_fill.int_Scalar(Tensor self, int dim, Tensor index, Scalar value) -> Tensor",
                "aten::index_copy(Tensor self, int dim, Tensor index, Tensor source) -> Tensor",
                "aten::index_add(Tensor self, int dim, Tensor index, Tensor source, *, Scalar alpha=1) -> Tensor"),
          doc="x with the elements tsm.index would read replaced by (accumulate: incremented "
              "by) values, broadcast to their shape; with repeated indices and no accumulate, "
              "which write wins is unspecified (as in PyTorch)."),
    OpDef("gather", ("x", "index"), _gather, attrs=(Attr("dim", "int"),),
          aten=("aten::gather(Tensor self, int dim, Tensor index, *, bool sparse_grad=False) -> Tensor",
                "aten::take_along_dim(Tensor self, Tensor indices, int? dim=None) -> Tensor"),
          doc="result[p] = x[p with dim replaced by index[p]] (index int64, rank of x, "
              "0 <= index < size)."),
    OpDef("scatter", ("x", "index", "src"), _scatter,
          attrs=(Attr("dim", "int"), Attr("reduce", "str", "none")),
          aten=("aten::scatter.src(Tensor self, int dim, Tensor index, Tensor src) -> Tensor",
                "aten::scatter.value(Tensor self, int dim, Tensor index, Scalar value) -> Tensor",
                "aten::scatter.reduce(Tensor self, int dim, Tensor index, Tensor src, *, str reduce) -> Tensor",
                "aten::scatter.value_reduce(Tensor self, int dim, Tensor index, Scalar value, *, str reduce) -> Tensor",
                "aten::scatter_add(Tensor self, int dim, Tensor index, Tensor src) -> Tensor"),
          doc="x with x[p with dim replaced by index[p]] set to (reduce add/multiply/amax/amin: "
              "combined with) src[p] (src 0-d: a value) for each p of index; amax/amin "
              "propagate NaN (embedding_bag's max mode)."),
    OpDef("nonzero", ("x",), _nonzero,
          aten=("aten::nonzero(Tensor self) -> Tensor",
                "aten::argwhere(Tensor self) -> Tensor",
                "aten::where(Tensor condition) -> Tensor[]",
                "aten::nonzero_numpy(Tensor self) -> Tensor[]",
                "aten::masked_select(Tensor self, Tensor mask) -> Tensor",
                "aten::index.Tensor(Tensor self, Tensor?[] indices) -> Tensor"),
          doc="The coordinates of x's nonzero elements (NaN counts as nonzero), one row each "
              "in row-major order: an (n, rank) int64 tensor whose size n is known only at run "
              "time.  Boolean-mask indexing x[mask] and masked_select are tsm.index at these "
              "coordinates."),
])
