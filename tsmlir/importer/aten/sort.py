"""aten sorting and selection -> tsm sort ops (sort, topk, kthvalue, median,
nanmedian, searchsorted; bucketize is searchsorted with 1-d boundaries).

tsm.sort is always stable, so `stable=` (None, False or True) needs no
attribute: PyTorch's unstable sort may order ties either way, the stable
order is one of them.  argsort and msort keep one result of tsm.sort.
topk's `sorted=False` leaves the order unspecified in PyTorch; the sorted
order is returned.  median and nanmedian without a dim take the flattened
tensor (values only).  k, dim and the flags must be known at compile time.
"""
from __future__ import annotations

import math

import torch

from ... import dialects
from ...dialects.types import DYN
from ..context import NodeContext
from ..values import is_tensor


def _int(cx: NodeContext, value, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        cx.fail(f"{name} must be an int known at compile time, got {value!r}")
    return value


def _flag(cx: NodeContext, value, name: str) -> bool:
    if not isinstance(value, bool):
        cx.fail(f"{name} must be a bool known at compile time, got {value!r}")
    return value


def _build2(cx: NodeContext, name: str, x, **attrs):
    """A (values, indices) op; a type-rule error becomes an import error."""
    try:
        values, indices = dialects.build(name, [x], **attrs)
    except (ValueError, TypeError) as e:
        cx.fail(str(e))
    return values, indices


def _sort(cx: NodeContext, x, dim=-1, descending=False):
    return _build2(cx, "sort", x, dim=_int(cx, dim, "dim"),
                   descending=_flag(cx, descending, "descending"))


def _sort_stable(cx: NodeContext, x, stable=None, dim=-1, descending=False):
    if stable is not None:
        _flag(cx, stable, "stable")
    return _sort(cx, x, dim, descending)


def _argsort(cx: NodeContext, x, dim=-1, descending=False):
    return _sort(cx, x, dim, descending)[1]


def _argsort_stable(cx: NodeContext, x, stable, dim=-1, descending=False):
    return _sort_stable(cx, x, stable, dim, descending)[1]


def _msort(cx: NodeContext, x):
    return _sort(cx, x, 0, False)[0]


def _topk(cx: NodeContext, x, k, dim=-1, largest=True, sorted=True):
    _flag(cx, sorted, "sorted")
    return _build2(cx, "topk", x, k=_int(cx, k, "k"), dim=_int(cx, dim, "dim"),
                   largest=_flag(cx, largest, "largest"))


def _kthvalue(cx: NodeContext, x, k, dim=-1, keepdim=False):
    return _build2(cx, "kthvalue", x, k=_int(cx, k, "k"), dim=_int(cx, dim, "dim"),
                   keepdim=_flag(cx, keepdim, "keepdim"))


def _median_dim(name: str):
    def handler(cx: NodeContext, x, dim, keepdim=False):
        return _build2(cx, name, x, dim=_int(cx, dim, "dim"),
                       keepdim=_flag(cx, keepdim, "keepdim"))
    return handler


def _median(name: str):
    """The median of the flattened tensor, values only."""
    def handler(cx: NodeContext, x):
        t = cx.type(x)
        if t.rank > 1:
            numel = DYN if DYN in t.shape else math.prod(t.shape)
            x = cx.build("reshape", x, shape=[numel], from_dims=[DYN])
        return _median_dim(name)(cx, x, 0)[0]
    return handler


def _searchsorted(cx: NodeContext, sorted_sequence, values, out_int32=False, right=False,
                  side=None, sorter=None):
    """side='left'/'right' overrides `right` (they must agree); the sequence
    and the values compare in their promoted dtype."""
    right = _flag(cx, right, "right")
    if side is not None:
        if side not in ("left", "right") or (right and side == "left"):
            cx.fail(f"side must be 'left' or 'right' and agree with right={right}, got {side!r}")
        right = side == "right"
    if sorter is not None:
        cx.fail("sorter= is not supported (sort the sequence first)")
    values = cx.tensor(values, sorted_sequence)
    dtype = torch.promote_types(cx.type(sorted_sequence).dtype, cx.type(values).dtype)
    sorted_sequence, values = (_to(cx, v, dtype) for v in (sorted_sequence, values))
    return cx.build("searchsorted", sorted_sequence, values, right=right,
                    out_int32=_flag(cx, out_int32, "out_int32"))


def _bucketize(cx: NodeContext, values, boundaries, out_int32=False, right=False):
    if is_tensor(boundaries) and cx.type(boundaries).rank != 1:
        cx.fail(f"boundaries must be a 1-d tensor, got {cx.type(boundaries)}")
    return _searchsorted(cx, boundaries, values, out_int32, right)


def _to(cx: NodeContext, v, dtype: torch.dtype):
    if cx.type(v).dtype == dtype:
        return v
    return cx.build("cast", v, dtype=str(dtype).split(".")[1])


HANDLERS = {
    "aten::sort": _sort,
    "aten::sort.stable": _sort_stable,
    "aten::argsort": _argsort,
    "aten::argsort.stable": _argsort_stable,
    "aten::msort": _msort,
    "aten::topk": _topk,
    "aten::kthvalue": _kthvalue,
    "aten::median.dim": _median_dim("median"),
    "aten::median": _median("median"),
    "aten::nanmedian.dim": _median_dim("nanmedian"),
    "aten::nanmedian": _median("nanmedian"),
    "aten::searchsorted.Tensor": _searchsorted,
    "aten::searchsorted.Scalar": _searchsorted,
    "aten::bucketize.Tensor": _bucketize,
    "aten::bucketize.Scalar": _bucketize,
}
