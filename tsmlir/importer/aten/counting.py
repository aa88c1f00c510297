"""aten ops whose result size depends on the data: unique, unique_consecutive,
bincount; and histc, quantile, mode.

In: `aten::_unique2` (torch.unique without dim), `unique_consecutive`
(without dim), `bincount`, `histc`, `quantile` / `quantile.scalar`, `mode`,
`mT`.
Out: compositions of tsm ops, no op of their own:
- unique: sort the flattened input (unique_consecutive: keep its order), mark
  each element that differs from the one before it (`first`), read the marked
  elements (`tsm.nonzero` + `tsm.index`: the run-time count).  The inverse is
  the running count of marks minus one, scattered back through the sort's
  permutation; the counts are a scatter-add of ones into each element's group.
  NaNs differ from everything, themselves included, so each NaN is its own
  value (as in PyTorch).  sorted=False returns sorted values, as PyTorch's CPU
  kernel does.
- bincount: max(x) + 1 bins (at least minlength) filled by a scatter-add of
  ones (or the weights); a negative input is a run-time error.
- histc: each element's bin computed as ATen does (float arithmetic), ones
  scatter-added into the bins; the range is the data's min / max when not given.
- quantile: sort along the dim (moved last; the whole tensor flattened when
  dim is None), ranks q * (n - 1) interpolated as ATen does (linear through
  its lerp, lower, higher, nearest, midpoint); a row holding a NaN gives NaN.
- mode: each row sorted, its runs of equal values counted (see `_mode`).
"""
from __future__ import annotations

import torch

from ...dialects.types import normalize_dim
from .. import scalars
from ..context import NodeContext
from ..values import is_tensor
from .shape import _sizes_of, reshape_to


def _flat(cx: NodeContext, x):
    return reshape_to(cx, x, [-1])


def _groups(cx: NodeContext, s):
    """(first, group) along s's last dim: first[..., i] = i == 0 or
    s[..., i] != s[..., i - 1]; group[..., i] = (number of firsts up to i) - 1."""
    shifted = cx.aten("aten::roll", s, [1], [-1])
    n = _sizes_of(s, cx.type(s).shape)[-1]
    position = cx.aten("aten::arange", n, torch.int64, None, None, None)
    first = cx.aten("aten::logical_or", cx.aten("aten::eq.Scalar", position, 0),
                    cx.aten("aten::ne.Tensor", s, shifted))
    group = cx.aten("aten::sub.Scalar",
                    cx.aten("aten::cumsum", first, -1, torch.int64), 1, 1)
    return first, group


def _unique_parts(cx: NodeContext, x, sort: bool, return_inverse: bool, return_counts: bool):
    if not is_tensor(x):
        cx.fail("unique: expected a tensor input")
    flat = _flat(cx, x)
    if sort:
        s, perm = cx.aten("aten::sort", flat, 0, False)
    else:
        s, perm = flat, None
    first, group = _groups(cx, s)
    values = cx.aten("aten::masked_select", s, first)
    inverse = counts = cx.aten("aten::zeros", [0], torch.int64)  # not asked for
    if return_inverse:
        if perm is None:
            inverse = group
        else:
            inverse = cx.aten("aten::scatter.src", cx.aten("aten::zeros_like", perm),
                              0, perm, group)
        inverse = reshape_to(cx, inverse, _sizes_of(x, cx.type(x).shape))
    if return_counts:
        zeros = cx.aten("aten::zeros_like", values, torch.int64)
        counts = cx.aten("aten::scatter_add", zeros, 0, group,
                         cx.aten("aten::ones_like", group))
    return values, inverse, counts


def _unique2(cx: NodeContext, x, sorted=True, return_inverse=False, return_counts=False):
    return _unique_parts(cx, x, True, bool(return_inverse), bool(return_counts))


def _unique_consecutive(cx: NodeContext, x, return_inverse=False, return_counts=False,
                        dim=None):
    if dim is not None:
        cx.fail("unique_consecutive with a dim is not supported (only dim=None)")
    return _unique_parts(cx, x, False, bool(return_inverse), bool(return_counts))


def _bincount(cx: NodeContext, x, weights=None, minlength=0):
    if not is_tensor(x) or cx.type(x).rank != 1 or cx.type(x).dtype.is_floating_point \
            or cx.type(x).dtype == torch.bool:
        cx.fail("bincount only supports 1-d non-negative integral inputs.")
    if not isinstance(minlength, int) or minlength < 0:
        cx.fail(f"minlength should be >= 0, got {minlength!r}")
    x = cx.aten("aten::to.dtype", x, torch.int64, False, False, None)
    cx.check_all(cx.aten("aten::ge.Scalar", x, 0),
                 "bincount only supports 1-d non-negative integral inputs.")
    largest = scalars.item(cx.aten("aten::max", x))  # int64 min when x is empty
    length = scalars.build("prim::max", [scalars.build("aten::add", [largest, 1]), minlength])
    if weights is None:
        dtype, src = torch.int64, cx.aten("aten::ones_like", x)
    else:
        if not is_tensor(weights) or cx.type(weights).shape != cx.type(x).shape:
            cx.fail("weights should be 1-d and have the same length as input")
        dtype = torch.float32 if cx.type(weights).dtype == torch.float32 else torch.float64
        src = cx.aten("aten::to.dtype", weights, dtype, False, False, None)
    bins = cx.aten("aten::zeros", [length], dtype)
    return cx.aten("aten::scatter_add", bins, 0, x, src)


def _histc(cx: NodeContext, x, bins=100, min=0, max=0):
    """ATen's histc: bins equal bins over [min, max] (the data's range when
    both are 0; widened by 1 each side when it is one value), an element in
    bin int((x - min) * bins / (max - min)) in x's dtype, max in the last bin,
    elements outside the range dropped."""
    if not is_tensor(x) or not cx.type(x).dtype.is_floating_point:
        cx.fail(f"histc: expected a floating-point tensor, got {cx.type(x) if is_tensor(x) else x}")
    if not isinstance(bins, int) or bins <= 0:
        cx.fail(f"histc(): bins must be > 0, but got {bins} for bins")
    if not all(isinstance(v, (int, float)) for v in (min, max)):
        cx.fail("histc: min and max must be numbers known at compile time")
    dtype = cx.type(x).dtype
    flat = _flat(cx, x)
    if min == max:
        lo = cx.aten("aten::min", flat)
        hi = cx.aten("aten::max", flat)
        same = cx.aten("aten::eq.Tensor", lo, hi)
        lo = cx.aten("aten::where.ScalarOther", same, cx.aten("aten::sub.Scalar", lo, 1, 1), lo)
        hi = cx.aten("aten::where.ScalarOther", same, cx.aten("aten::add.Scalar", hi, 1, 1), hi)
    else:
        if min > max:
            cx.fail(f"histc: max must be larger than min, got min={min} and max={max}")
        lo, hi = (cx.constant(torch.tensor(float(v), dtype=dtype)) for v in (min, max))
    inside = cx.aten("aten::logical_and", cx.aten("aten::ge.Tensor", flat, lo),
                     cx.aten("aten::le.Tensor", flat, hi))
    scaled = cx.aten("aten::div.Tensor", cx.aten(
        "aten::mul.Scalar", cx.aten("aten::sub.Tensor", flat, lo, 1), bins),
        cx.aten("aten::sub.Tensor", hi, lo, 1))
    position = cx.aten("aten::to.dtype", cx.aten(
        "aten::where.ScalarOther", inside, scaled, 0.0), torch.int64, False, False, None)
    position = cx.aten("aten::clamp", position, 0, bins - 1)
    counts = cx.aten("aten::to.dtype", inside, dtype, False, False, None)
    return cx.aten("aten::scatter_add", cx.aten("aten::zeros", [bins], dtype), 0, position,
                   counts)


_MODES = ("linear", "lower", "higher", "nearest", "midpoint")


def _quantile(cx: NodeContext, x, q, dim=None, keepdim=False, interpolation="linear"):
    """ATen's quantile (aten/src/ATen/native/Sorting.cpp: quantile_compute)."""
    if not is_tensor(x) or not cx.type(x).dtype in (torch.float32, torch.float64):
        cx.fail("quantile() input tensor must be either float or double dtype")
    if interpolation not in _MODES:
        cx.fail("quantile() interpolation must be one of linear, lower, higher, midpoint or "
                f"nearest. Got {interpolation}")
    dtype = cx.type(x).dtype
    scalar_q = not is_tensor(q)
    if scalar_q:
        if not isinstance(q, (int, float)) or not 0 <= q <= 1:
            cx.fail(f"quantile() q must be in the range [0, 1] but got {q!r}")
        q = cx.constant(torch.tensor([float(q)], dtype=dtype))
    else:
        qt = cx.type(q)
        if qt.rank > 1:
            cx.fail("quantile() q must be a scalar or 1D tensor")
        if qt.dtype != dtype:
            cx.fail("quantile() q tensor must be same dtype as the input tensor")
        cx.check_all(cx.aten("aten::logical_and", cx.aten("aten::ge.Scalar", q, 0),
                             cx.aten("aten::le.Scalar", q, 1)),
                     "quantile() q values must be in the range [0, 1]")
    rank = cx.type(x).rank
    if dim is None:
        rows = _flat(cx, x)
    else:
        try:
            dim = normalize_dim(dim, max(rank, 1))
        except (ValueError, TypeError):
            cx.fail(f"dimension {dim!r} out of range for rank {rank}")
        rows = x if rank else reshape_to(cx, x, [1])
        rows = cx.aten("aten::movedim.int", rows, dim, -1)
    s, _ = cx.aten("aten::sort", rows, -1, False)
    batch = _sizes_of(s, cx.type(s).shape)[:-1]
    n = _sizes_of(s, cx.type(s).shape)[-1]
    last = scalars.build("aten::sub", [n, 1])
    q_rank = cx.type(q).rank
    q_flat = reshape_to(cx, q, [-1]) if q_rank == 0 else q
    # ranks: (*batch, Q) — q * (n - 1) for every row
    ranks = cx.aten("aten::mul.Tensor", q_flat, scalars.to_tensor(last, dtype)
                    if not isinstance(last, int) else cx.scalar(float(last), q_flat))
    ranks = cx.aten("aten::expand", reshape_to(cx, ranks, [1] * len(batch) + [-1]),
                    batch + [-1], False)
    if interpolation == "lower":
        ranks = cx.aten("aten::floor", ranks)
    elif interpolation == "higher":
        ranks = cx.aten("aten::ceil", ranks)
    elif interpolation == "nearest":
        ranks = cx.aten("aten::round", ranks)
    below_i = cx.aten("aten::to.dtype", ranks, torch.int64, False, False, None)
    below = cx.aten("aten::gather", s, -1, below_i, False)
    if interpolation in ("linear", "midpoint"):
        above_i = cx.aten("aten::to.dtype", cx.aten("aten::ceil", ranks), torch.int64,
                          False, False, None)
        above = cx.aten("aten::gather", s, -1, above_i, False)
        weights = cx.aten("aten::sub.Tensor", ranks, cx.aten(
            "aten::to.dtype", below_i, dtype, False, False, None), 1)
        if interpolation == "midpoint":
            weights = cx.aten("aten::mul.Scalar", cx.aten(
                "aten::ne.Tensor", below_i, above_i), 0.5)
            weights = cx.aten("aten::to.dtype", weights, dtype, False, False, None)
        result = cx.aten("aten::lerp.Tensor", below, above, weights)
    else:
        result = below
    # a row holding a NaN (sorted last): NaN, as ATen's rank = last index gives
    has_nan = cx.aten("aten::any.dim", cx.aten("aten::isnan", s), -1, True)
    result = cx.aten("aten::where.ScalarSelf", has_nan, float("nan"), result)
    # (*batch, Q) -> (Q, *batch) [keepdim: 1s where the reduced dims were]
    sizes = _sizes_of(x, cx.type(x).shape)
    if keepdim:
        kept = [1] * rank if dim is None else sizes[:dim] + [1] + sizes[dim + 1:]
        if rank == 0:
            kept = []
    else:
        kept = [] if dim is None else sizes[:dim] + sizes[dim + 1:]
    result = cx.aten("aten::movedim.int", result, -1, 0)
    if scalar_q or q_rank == 0:
        return reshape_to(cx, result, kept)
    return reshape_to(cx, result, [-1] + kept)


def _mode(cx: NodeContext, x, dim=-1, keepdim=False):
    """torch.mode along `dim`: the most frequent value of each row (the
    smallest of those tied), and the index of its last occurrence.  The
    row (dim moved last) is sorted; each element's run of equal values is
    numbered (`_groups`' marks, per row) and counted by a scatter-add; the
    first sorted element whose run is longest is the mode.  NaNs differ
    from everything (their own runs of 1); a row's mode is NaN only when
    the row is all NaN."""
    if not is_tensor(x):
        cx.fail("mode: expected a tensor input")
    rank = cx.type(x).rank
    try:
        dim = normalize_dim(dim, max(rank, 1))
    except (ValueError, TypeError):
        cx.fail(f"dimension {dim!r} out of range for rank {rank}")
    rows = cx.aten("aten::movedim.int", x if rank else reshape_to(cx, x, [1]), dim, -1)
    sizes = _sizes_of(rows, cx.type(rows).shape)
    if sizes[-1] == 0:
        cx.fail("mode(): expected a non-empty dimension")
    s, _ = cx.aten("aten::sort", rows, -1, False)
    _, group = _groups(cx, s)
    counts = cx.aten("aten::scatter_add", cx.aten("aten::zeros_like", group), -1, group,
                     cx.aten("aten::ones_like", group))
    run = cx.aten("aten::gather", counts, -1, group, False)
    longest = cx.aten("aten::eq.Tensor", run, cx.aten("aten::amax", run, [-1], True))
    at = cx.aten("aten::argmax", cx.aten("aten::to.dtype", longest, torch.int64, False, False,
                                         None), -1, True)
    values = cx.aten("aten::gather", s, -1, at, False)
    position = cx.aten("aten::arange", sizes[-1], torch.int64, None, None, None)
    same = cx.aten("aten::eq.Tensor", rows, values)
    if cx.type(x).dtype.is_floating_point:  # an all-NaN row: its last NaN
        same = cx.aten("aten::logical_or", same, cx.aten(
            "aten::logical_and", cx.aten("aten::isnan", rows), cx.aten("aten::isnan", values)))
    last = cx.aten("aten::amax", cx.aten("aten::where.ScalarOther", same, position, -1), [-1],
                   True)
    kept = _sizes_of(x, cx.type(x).shape)
    if rank == 0:
        kept = []
    elif keepdim:
        kept = kept[:dim] + [1] + kept[dim + 1:]
    else:
        kept = kept[:dim] + kept[dim + 1:]
    return reshape_to(cx, values, kept), reshape_to(cx, last, kept)


def _mT(cx: NodeContext, x):
    if cx.type(x).rank < 2:
        cx.fail(f"tensor.mT is only supported on matrices or batches of matrices. Got "
                f"{cx.type(x).rank}-D tensor.")
    return cx.aten("aten::transpose.int", x, -2, -1)


HANDLERS = {
    "aten::_unique2": _unique2,
    "aten::unique_consecutive": _unique_consecutive,
    "aten::bincount": _bincount,
    "aten::histc": _histc,
    "aten::quantile": _quantile,
    "aten::quantile.scalar": _quantile,
    "aten::mT": _mT,
    "aten::mode": _mode,
}
