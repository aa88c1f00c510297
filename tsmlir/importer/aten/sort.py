"""aten sorting and selection -> tsm sort ops (sort, topk, kthvalue, median,
nanmedian).

tsm.sort is always stable, so `stable=` (None, False or True) needs no
attribute: PyTorch's unstable sort may order ties either way, the stable
order is one of them.  argsort and msort keep one result of tsm.sort.
topk's `sorted=False` leaves the order unspecified in PyTorch; the sorted
order is returned.  median and nanmedian without a dim take the flattened
tensor (values only).  k, dim and the flags must be known at compile time.
"""
from __future__ import annotations

import math

from ... import dialects
from ..context import NodeContext
from ...dialects.types import DYN


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
}
