"""aten shape ops (data movement) -> tsm.reshape/permute/squeeze/cat.

view/reshape/flatten/unsqueeze/squeeze.dim(s) all become `tsm.reshape`; the
importer resolves `-1` at compile time whenever the element count allows it
(`x.view(x.size(0), -1)` on a `?x4x5` tensor gives `?x20`) and records, for
each dynamic result dim, which input dim it copies (`from_dims`).  At most one
result dim may stay unknown until run time.  Sizes of another tensor
(`q.view(x.size(0), x.size(1), 4, -1)`) are read from it at run time
(operand `sizes_of`).  transpose/t become
`tsm.permute`; contiguous and eval-mode dropout are the identity.  Ops that
are no-ops on this shape return their input unchanged.
"""
from __future__ import annotations

import math
from collections import Counter

from mlir import ir

from ...dialects.types import DYN, normalize_dim
from ..context import NodeContext
from ..values import DynSize


def _dim(cx: NodeContext, dim, rank: int) -> int:
    if not isinstance(dim, int) or isinstance(dim, bool):
        cx.fail(f"the dimension must be an int known at compile time, got {dim!r}")
    try:
        return normalize_dim(dim, rank)
    except ValueError:
        lo, hi = -max(rank, 1), max(rank, 1) - 1
        cx.fail(f"dimension out of range (expected to be in range of [{lo}, {hi}], but got {dim})")


def _sizes_of(x: ir.Value, shape) -> list:
    """The size list of x as the program sees it: ints, DynSize for dynamic dims."""
    return [DynSize(x, i) if d == DYN else d for i, d in enumerate(shape)]


def _show(sizes) -> str:
    return "[" + ", ".join(f"size({s.dim})" if isinstance(s, DynSize) else str(s)
                           for s in sizes) + "]"


def reshape_to(cx: NodeContext, x: ir.Value, sizes) -> ir.Value:
    """`x.view(sizes)`: sizes are ints (one may be -1) and DynSize values."""
    t = cx.type(x)
    if not isinstance(sizes, (list, tuple)):
        cx.fail(f"the shape must be a list of sizes known at compile time, got {sizes!r}")
    sizes = list(sizes)
    # Run-time sizes are read from one tensor: x itself if the list uses its
    # sizes, else the other tensor it uses (`y.view(x.size(0), -1)`).
    others = [s.tensor for s in sizes if isinstance(s, DynSize) and s.tensor != x]
    source = x if not others or any(isinstance(s, DynSize) and s.tensor == x for s in sizes) \
        else others[0]
    shape, from_dims, inferred, unknown = [], [], None, 0
    for i, s in enumerate(sizes):
        if isinstance(s, DynSize):
            known = s.tensor == source
            shape.append(DYN)
            from_dims.append(s.dim if known else DYN)
            unknown += not known  # a size of a third tensor: inferred from the element count
        elif isinstance(s, int) and not isinstance(s, bool):
            if s == -1:
                if inferred is not None:
                    cx.fail(f"only one dimension can be inferred (shape {_show(sizes)})")
                inferred = i
            elif s < 0:
                cx.fail(f"invalid shape dimension {s} (shape {_show(sizes)})")
            shape.append(s)
            from_dims.append(DYN)
        else:
            cx.fail(f"sizes must be ints or tensor sizes, got {s!r} (shape {_show(sizes)})")

    static_in = math.prod(d for d in t.shape if d != DYN)
    dyn_in = Counter(i for i, d in enumerate(t.shape) if d == DYN)
    static_out = math.prod(s for i, s in enumerate(shape) if s != DYN and i != inferred)
    refs = Counter(d for d in from_dims if d != DYN)
    what = f"input of size {static_in}" if not dyn_in else f"input {t}"
    if unknown == 0 and source == x and refs == dyn_in:
        # Every dynamic factor of the element count is accounted for: the
        # inferred size (if any) is static and the static parts must agree.
        if inferred is not None:
            if static_out == 0 or static_in % static_out:
                cx.fail(f"shape '{_show(sizes)}' is invalid for {what}")
            shape[inferred] = static_in // static_out
        elif static_in != static_out:
            cx.fail(f"shape '{_show(sizes)}' is invalid for {what}")
    elif inferred is not None:
        shape[inferred] = DYN
        unknown += 1
    if not dyn_in and DYN in shape:
        cx.fail(f"shape '{_show(sizes)}' uses sizes known only at run time for the static {t}; "
                "give the input a dynamic dim (TensorSpec with -1) or use static sizes")
    if unknown > 1:
        cx.fail(f"shape '{_show(sizes)}' has {unknown} sizes that are unknown at compile time "
                f"for {t}; at most one is supported (a -1, or a size of a tensor other than the "
                "one reshaped and the first other one used)")
    if source == x:
        if tuple(shape) == t.shape and all(f in (DYN, i) for i, f in enumerate(from_dims)) \
                and (unknown == 0 or len(dyn_in) == 1):
            return x
        return cx.build("reshape", x, shape=shape, from_dims=from_dims)
    return cx.build("reshape", x, source, shape=shape, from_dims=from_dims)


def _view(cx: NodeContext, x, sizes):
    return reshape_to(cx, x, sizes)


def _flatten(cx: NodeContext, x, start_dim=0, end_dim=-1):
    t = cx.type(x)
    if t.rank == 0:
        _dim(cx, start_dim, 0), _dim(cx, end_dim, 0)
        return reshape_to(cx, x, [1])
    start, end = _dim(cx, start_dim, t.rank), _dim(cx, end_dim, t.rank)
    if start > end:
        cx.fail("flatten() has invalid args: start_dim cannot come after end_dim")
    if start == end:
        return x
    sizes = _sizes_of(x, t.shape)
    group = t.shape[start:end + 1]
    merged = -1 if DYN in group else math.prod(group)
    return reshape_to(cx, x, sizes[:start] + [merged] + sizes[end + 1:])


def _unsqueeze(cx: NodeContext, x, dim):
    t = cx.type(x)
    d = _dim(cx, dim, t.rank + 1)
    sizes = _sizes_of(x, t.shape)
    return reshape_to(cx, x, sizes[:d] + [1] + sizes[d:])


def _squeeze_dims(cx: NodeContext, x, dims):
    t = cx.type(x)
    if t.rank == 0:
        for d in dims:
            _dim(cx, d, 0)
        return x
    drop = set()
    for d in dims:
        d = _dim(cx, d, t.rank)
        if t.shape[d] == DYN:
            cx.fail(f"cannot squeeze dynamic dim {d} of {t}: whether it is removed depends on "
                    "its run-time size; give it a static size")
        if t.shape[d] == 1:
            drop.add(d)
    if not drop:
        return x
    sizes = _sizes_of(x, t.shape)
    return reshape_to(cx, x, [s for i, s in enumerate(sizes) if i not in drop])


def _squeeze_dim(cx: NodeContext, x, dim):
    return _squeeze_dims(cx, x, [dim])


def _squeeze(cx: NodeContext, x):
    t = cx.type(x)
    if 1 not in t.shape and DYN not in t.shape:
        return x
    return cx.build("squeeze", x)


def _permute(cx: NodeContext, x, dims):
    t = cx.type(x)
    if not isinstance(dims, (list, tuple)) or len(dims) != t.rank:
        cx.fail(f"number of dims don't match in permute: {t} has {t.rank} dims, got {dims!r}")
    perm = [_dim(cx, d, t.rank) for d in dims]
    if perm == list(range(t.rank)):
        return x
    return cx.build("permute", x, perm=perm)


def _transpose(cx: NodeContext, x, dim0, dim1):
    t = cx.type(x)
    a, b = _dim(cx, dim0, t.rank), _dim(cx, dim1, t.rank)
    perm = list(range(t.rank))
    if t.rank == 0 or a == b:
        return x
    perm[a], perm[b] = b, a
    return cx.build("permute", x, perm=perm)


def _t(cx: NodeContext, x):
    t = cx.type(x)
    if t.rank > 2:
        cx.fail(f"t() expects a tensor with <= 2 dimensions, but self is {t.rank}D")
    return x if t.rank < 2 else cx.build("permute", x, perm=[1, 0])


def _cat(cx: NodeContext, tensors, dim=0):
    if not isinstance(tensors, (list, tuple)) or not all(isinstance(v, ir.Value) for v in tensors):
        cx.fail(f"expects a list of tensors, got {tensors!r}")
    if not tensors:
        cx.fail("expected a non-empty list of Tensors")
    # PyTorch still skips legacy empty 1-d tensors of shape (0,) next to others.
    kept = [v for v in tensors if cx.type(v).shape != (0,)] or [tensors[0]]
    rank = cx.type(kept[0]).rank
    if rank == 0:
        cx.fail("zero-dimensional tensor cannot be concatenated")
    axis = _dim(cx, dim, rank)
    result = kept[0]
    for v in kept[1:]:
        result = cx.build("cat", result, v, dim=axis)
    return result


def _identity(cx: NodeContext, x, *args):
    return x


def _dropout(cx: NodeContext, x, p, train):
    if train is not False:
        cx.fail("dropout in training mode is not supported: compile the module in eval mode "
                "(module.eval()) or pass training=False")
    return x


HANDLERS = {
    "aten::view": _view,
    "aten::reshape": _view,
    "aten::flatten.using_ints": _flatten,
    "aten::unsqueeze": _unsqueeze,
    "aten::squeeze": _squeeze,
    "aten::squeeze.dim": _squeeze_dim,
    "aten::squeeze.dims": _squeeze_dims,
    "aten::permute": _permute,
    "aten::transpose.int": _transpose,
    "aten::t": _t,
    "aten::cat": _cat,
    "aten::contiguous": _identity,
    "aten::dropout": _dropout,
    "aten::feature_dropout": _dropout,
}
