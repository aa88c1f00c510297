"""Tensors assembled from others and linear-algebra shorthands: hstack /
vstack / dstack / column_stack, tensor_split, broadcast_tensors,
block_diag, cartesian_prod, diff, cross, diagonal / diag / trace /
diag_embed, tensordot, kron, vdot, tril_indices / triu_indices.

In: the aten ops.  Out: their definitions in tsm ops the importer already
builds (cat, stack, reshape, permute, expand, slice, pad, matmul, mul,
sum, index), following PyTorch's shape rules (1-D inputs of hstack
concatenated, vstack's atleast_2d, ...).  A diagonal is a gather of the
flattened last two dims at the constant positions i*(m+1)+offset, so its
two dims must be static.  tril/triu_indices are constants.
"""
from __future__ import annotations

import torch

from ...dialects.types import DYN
from ..context import NodeContext
from ..values import DynSize, is_tensor
from .data_movement import _int, _ints, _pieces, expand_to
from .nn import _constant_pad
from .rearrange import _meshgrid
from .sequence import _stack
from .shape import _cat, _dim, _sizes_of, reshape_to


def _tensors(cx: NodeContext, tensors, name: str) -> list:
    if not isinstance(tensors, (list, tuple)) or not tensors \
            or not all(is_tensor(t) for t in tensors):
        cx.fail(f"{name} expects a non-empty list of tensors")
    return list(tensors)


def _sizes(cx: NodeContext, x) -> list:
    return _sizes_of(x, cx.type(x).shape)


def _at_least(cx: NodeContext, x, rank: int):
    """torch.atleast_{1,2,3}d: () -> (1,), (1, 1), (1, 1, 1); (n,) -> (1, n),
    (1, n, 1); (a, b) -> (a, b, 1)."""
    sizes = _sizes(cx, x)
    if len(sizes) >= rank:
        return x
    if rank == 1:
        new = [1]
    elif rank == 2:
        new = [1] + (sizes or [1])
    else:
        new = {0: [1, 1, 1], 1: [1] + sizes + [1], 2: sizes + [1]}[len(sizes)]
    return reshape_to(cx, x, new)


def _hstack(cx: NodeContext, tensors):
    ts = [_at_least(cx, t, 1) for t in _tensors(cx, tensors, "hstack")]
    return _cat(cx, ts, 0 if cx.type(ts[0]).rank == 1 else 1)


def _vstack(cx: NodeContext, tensors):
    return _cat(cx, [_at_least(cx, t, 2) for t in _tensors(cx, tensors, "vstack")], 0)


def _dstack(cx: NodeContext, tensors):
    return _cat(cx, [_at_least(cx, t, 3) for t in _tensors(cx, tensors, "dstack")], 2)


def _column_stack(cx: NodeContext, tensors):
    cols = []
    for t in _tensors(cx, tensors, "column_stack"):
        sizes = _sizes(cx, t)
        cols.append(reshape_to(cx, t, (sizes or [1]) + [1]) if len(sizes) <= 1 else t)
    return _cat(cx, cols, 1)


def _tensor_split(cx: NodeContext, x, sections_or_indices, dim=0):
    if isinstance(sections_or_indices, int):
        return _pieces(cx, x, dim, lambda m: m.tensor_split(sections_or_indices))
    indices = _ints(cx, sections_or_indices, "the split indices")
    return _pieces(cx, x, dim, lambda m: m.tensor_split(indices))


def _broadcast_tensors(cx: NodeContext, tensors):
    ts = _tensors(cx, tensors, "broadcast_tensors")
    total = ts[0]
    for t in ts[1:]:  # the sum's type carries the broadcast shape
        total = cx.build("add", total, t)
    sizes = _sizes(cx, total)
    return [expand_to(cx, t, sizes) for t in ts]


def _block_diag(cx: NodeContext, tensors):
    blocks = []
    for t in _tensors(cx, tensors, "block_diag"):
        sizes = _sizes(cx, t)
        if len(sizes) > 2 or any(isinstance(s, DynSize) for s in sizes):
            cx.fail(f"block_diag expects static tensors of at most 2 dims, got {cx.type(t)}")
        blocks.append(reshape_to(cx, t, [1, 1] if not sizes else [1] + sizes if len(sizes) == 1
                                 else sizes))
    width = sum(cx.type(b).shape[1] for b in blocks)
    rows, left = [], 0
    for b in blocks:
        w = cx.type(b).shape[1]
        rows.append(_constant_pad(cx, b, [left, width - left - w]))
        left += w
    return _cat(cx, rows, 0)


def _cartesian_prod(cx: NodeContext, tensors):
    ts = _tensors(cx, tensors, "cartesian_prod")
    if len(ts) == 1:
        return ts[0]
    grids = _meshgrid(cx, ts, "ij")
    return _stack(cx, [reshape_to(cx, g, [-1]) for g in grids], 1)


def _diff(cx: NodeContext, x, n=1, dim=-1, prepend=None, append=None):
    n = _int(cx, n, "n")
    d = _dim(cx, dim, cx.type(x).rank)
    parts = [v for v in (prepend, x, append) if v is not None]
    if len(parts) > 1:
        x = _cat(cx, parts, d)
    for _ in range(n):
        size = cx.type(x).shape[d]
        if size == DYN:
            cx.fail(f"diff along a dynamic dim is not supported, got {cx.type(x)}")
        if size == 0:
            break
        hi = cx.build("slice", x, dim=d, start=1, end=size, step=1)
        lo = cx.build("slice", x, dim=d, start=0, end=size - 1, step=1)
        x = cx.build("logical_xor", hi, lo) if cx.type(x).dtype == torch.bool \
            else cx.build("sub", hi, lo)
    return x


def _cross(cx: NodeContext, a, b, dim=None):
    """a x b along the dim of size 3 (the first such dim when dim is None)."""
    a, b = _broadcast_tensors(cx, [a, b])
    shape = cx.type(a).shape
    if dim is None:
        if 3 not in shape:
            cx.fail(f"cross: no dimension of size 3 in {cx.type(a)}")
        d = list(shape).index(3)
    else:
        d = _dim(cx, dim, len(shape))
    if shape[d] != 3:
        cx.fail(f"cross: dimension {d} does not have size 3, got {cx.type(a)}")

    def c(v, k):
        return cx.build("slice", v, dim=d, start=k, end=k + 1, step=1)
    out = [cx.build("sub", cx.build("mul", c(a, i), c(b, j)), cx.build("mul", c(a, j), c(b, i)))
           for i, j in ((1, 2), (2, 0), (0, 1))]
    return _cat(cx, out, d)


def _diagonal(cx: NodeContext, x, offset=0, dim1=0, dim2=1):
    t = cx.type(x)
    if t.rank < 2:
        cx.fail(f"diagonal expects at least 2 dims, got {t}")
    d1, d2 = _dim(cx, dim1, t.rank), _dim(cx, dim2, t.rank)
    if d1 == d2:
        cx.fail("diagonal dimensions cannot be identical")
    n, m = t.shape[d1], t.shape[d2]
    if DYN in (n, m):
        cx.fail(f"diagonal needs static sizes of its two dims, got {t}")
    rest = [i for i in range(t.rank) if i not in (d1, d2)]
    x = cx.build("permute", x, perm=rest + [d1, d2]) if rest + [d1, d2] != list(range(t.rank)) \
        else x
    sizes = _sizes(cx, x)
    flat = reshape_to(cx, x, sizes[:-2] + [n * m])
    offset = _int(cx, offset, "offset")
    rows = range(max(0, -offset), min(n, m - offset)) if offset < m and -offset < n else []
    positions = torch.tensor([i * m + i + offset for i in rows], dtype=torch.int64)
    if not len(positions):
        return cx.build("slice", flat, dim=len(sizes) - 2, start=0, end=0, step=1)
    return cx.build("index", flat, cx.constant(positions.reshape(-1, 1)), dim=len(sizes) - 2)


def _diag(cx: NodeContext, x, diagonal=0):
    t = cx.type(x)
    k = _int(cx, diagonal, "diagonal")
    if t.rank == 2:
        return _diagonal(cx, x, k, 0, 1)
    if t.rank != 1 or t.shape[0] == DYN:
        cx.fail(f"diag expects a static 1-D or a 2-D tensor, got {t}")
    return _diag_embed(cx, x, k, 0, 1)


def _diag_embed(cx: NodeContext, x, offset=0, dim1=-2, dim2=-1):
    t = cx.type(x)
    n = t.shape[-1]
    if n == DYN:
        cx.fail(f"diag_embed needs a static last dim, got {t}")
    if (_dim(cx, dim1, t.rank + 1), _dim(cx, dim2, t.rank + 1)) != (t.rank - 1, t.rank):
        cx.fail("diag_embed supports only the last two dims as the matrix dims")
    k = _int(cx, offset, "offset")
    size = n + abs(k)
    eye = torch.zeros(size, size, dtype=torch.bool)
    rows = torch.arange(n) + max(0, -k)
    eye[rows, rows + k] = True
    # row i of the result holds x[..., j] at column j + k: x broadcast along rows,
    # shifted into place by padding, masked to the diagonal
    sizes = _sizes(cx, x)
    col = reshape_to(cx, x, sizes[:-1] + [1, n])
    col = _constant_pad(cx, col, [max(0, k), max(0, -k)])
    full = expand_to(cx, col, sizes[:-1] + [size, size])
    return cx.build("where", cx.constant(eye), full, cx.scalar(0, full))


def _trace(cx: NodeContext, x):
    if cx.type(x).rank != 2:
        cx.fail(f"trace expects a 2-D tensor, got {cx.type(x)}")
    return cx.build("sum", _diagonal(cx, x), dims=[0], keepdim=False)


def _tensordot(cx: NodeContext, a, b, dims_a, dims_b):
    ta, tb = cx.type(a), cx.type(b)
    da = [_dim(cx, d, ta.rank) for d in _ints(cx, dims_a, "dims")]
    db = [_dim(cx, d, tb.rank) for d in _ints(cx, dims_b, "dims")]
    if len(da) != len(db) or any(ta.shape[i] != tb.shape[j] for i, j in zip(da, db)):
        cx.fail(f"tensordot: contracted dims {da} of {ta} and {db} of {tb} do not match")
    if DYN in ta.shape or DYN in tb.shape:
        cx.fail(f"tensordot needs static shapes, got {ta} and {tb}")
    keep_a = [i for i in range(ta.rank) if i not in da]
    keep_b = [i for i in range(tb.rank) if i not in db]
    k = 1
    for i in da:
        k *= ta.shape[i]
    lhs = reshape_to(cx, cx.build("permute", a, perm=keep_a + da), [-1, k])
    rhs = reshape_to(cx, cx.build("permute", b, perm=db + keep_b), [k, -1])
    out = cx.build("matmul", lhs, rhs)
    return reshape_to(cx, out, [ta.shape[i] for i in keep_a] + [tb.shape[i] for i in keep_b])


def _kron(cx: NodeContext, a, b):
    ta, tb = cx.type(a), cx.type(b)
    r = max(ta.rank, tb.rank)
    sa = [1] * (r - ta.rank) + list(ta.shape)
    sb = [1] * (r - tb.rank) + list(tb.shape)
    if DYN in sa or DYN in sb:
        cx.fail(f"kron needs static shapes, got {ta} and {tb}")
    # a[i0, 1, i1, 1, ...] * b[1, j0, 1, j1, ...] -> (i0*j0, i1*j1, ...)
    va = reshape_to(cx, a, [v for s in sa for v in (s, 1)])
    vb = reshape_to(cx, b, [v for s in sb for v in (1, s)])
    return reshape_to(cx, cx.build("mul", va, vb), [x * y for x, y in zip(sa, sb)])


def _vdot(cx: NodeContext, a, b):
    if cx.type(a).rank != 1 or cx.type(b).rank != 1:
        cx.fail(f"vdot expects 1-D tensors, got {cx.type(a)} and {cx.type(b)}")
    return cx.build("sum", cx.build("mul", a, b), dims=[0], keepdim=False)


def _triangle_indices(lower: bool):
    def handler(cx: NodeContext, row, col, offset=0, dtype=None, *_):
        row, col, offset = (_int(cx, v, what) for v, what in ((row, "row"), (col, "col"),
                                                               (offset, "offset")))
        fn = torch.tril_indices if lower else torch.triu_indices
        return cx.constant(fn(row, col, offset))
    return handler


HANDLERS = {
    "aten::hstack": _hstack,
    "aten::vstack": _vstack,
    "aten::row_stack": _vstack,
    "aten::dstack": _dstack,
    "aten::column_stack": _column_stack,
    "aten::tensor_split.sections": _tensor_split,
    "aten::tensor_split.indices": _tensor_split,
    "aten::broadcast_tensors": _broadcast_tensors,
    "aten::block_diag": _block_diag,
    "aten::cartesian_prod": _cartesian_prod,
    "aten::diff": _diff,
    "aten::linalg_cross": _cross,
    "aten::cross": _cross,
    "aten::diagonal": _diagonal,
    "aten::diag": _diag,
    "aten::diag_embed": _diag_embed,
    "aten::trace": _trace,
    "aten::tensordot": _tensordot,
    "aten::kron": _kron,
    "aten::vdot": _vdot,
    "aten::tril_indices": _triangle_indices(True),
    "aten::triu_indices": _triangle_indices(False),
}
