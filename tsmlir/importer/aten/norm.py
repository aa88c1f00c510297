"""aten normalization ops -> chains of existing tsm ops.

In: aten::layer_norm, rms_norm, group_norm, instance_norm (inference), and
the alpha-dropout variants (identity at inference; aten::dropout and
feature_dropout live with the shape ops).
Out: tsm.layer_norm (the normalization over trailing dims: per-row
statistics, see lowering/norm.py) followed by the affine weight/bias as
tsm.mul/add, which fuse into its per-element loop; group_norm views the
input as (N, G, rest) with tsm.reshape, normalizes the last dim and applies
weight and bias on the (N, G, C/G, spatial) view (one fused pass);
instance_norm normalizes the spatial dims.  rms_norm is mean(x * x),
rsqrt and mul.  Statistics follow PyTorch: biased variance, computed in two
passes (mean, then the mean of squared deviations); `eps` is added before
rsqrt.

Normalized dims must be static (their sizes fix the statistics' shape); a
dynamic batch dim is fine.  Training-only arguments (dropout with
train=True, instance_norm without input statistics and without running
statistics) fail at the user's line.
"""
from __future__ import annotations

import math

import torch
from mlir import ir

from ...dialects.types import DYN
from ..context import NodeContext
from .shape import reshape_to
from ..values import DynSize


def _float_input(cx: NodeContext, x, what: str) -> None:
    if not isinstance(x, ir.Value):
        cx.fail(f"expected a tensor input, got {type(x).__name__}")
    if not cx.type(x).is_float():
        cx.fail(f"{what} expects a floating-point input, got {cx.type(x)}")


def _number(cx: NodeContext, value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        cx.fail(f"{name} must be a number known at compile time, got {value!r}")
    return float(value)


def _affine(cx: NodeContext, name: str, v, shape: tuple[int, ...], dtype) -> None:
    """weight/bias (or running stats) must be tensors of exactly `shape`."""
    if v is None:
        return
    if not isinstance(v, ir.Value):
        cx.fail(f"{name} must be a tensor or None, got {type(v).__name__}")
    t = cx.type(v)
    if t.dtype != dtype or len(t.shape) != len(shape) or \
            any(d not in (s, DYN) for d, s in zip(t.shape, shape)):
        cx.fail(f"expected {name} of shape {list(shape)} and dtype {dtype}, got {t}")


def _normalize(cx: NodeContext, x, dims: list[int], eps: float) -> ir.Value:
    """(x - mean) / sqrt(var + eps) over `dims`, x's trailing dims."""
    assert dims == list(range(cx.type(x).rank - len(dims), cx.type(x).rank)), dims
    return cx.build("layer_norm", x, ndim=len(dims), eps=eps)


def _scale_shift(cx: NodeContext, y, weight, bias) -> ir.Value:
    if weight is not None:
        y = cx.build("mul", y, weight)
    if bias is not None:
        y = cx.build("add", y, bias)
    return y


def _channels(cx: NodeContext, v, rank: int) -> ir.Value | None:
    """A per-channel (C,) tensor viewed as (C, 1, ..., 1) against an (N, C, ...) input."""
    if v is None or rank <= 2:
        return v
    return reshape_to(cx, v, [_size(v, cx.type(v).shape[0], 0)] + [1] * (rank - 2))


def _size(v: ir.Value, size: int, dim: int):
    return DynSize(v, dim) if size == DYN else size


def _trailing(cx: NodeContext, x, normalized_shape, what: str) -> list[int]:
    """The dims of x that `normalized_shape` names (its trailing dims)."""
    t = cx.type(x)
    if isinstance(normalized_shape, int):
        normalized_shape = [normalized_shape]
    if not isinstance(normalized_shape, (list, tuple)) or not normalized_shape or \
            not all(isinstance(s, int) and not isinstance(s, bool) for s in normalized_shape):
        cx.fail(f"normalized_shape must be a non-empty list of compile-time ints, "
                f"got {normalized_shape!r}")
    k = len(normalized_shape)
    if k > t.rank or list(t.shape[t.rank - k:]) != list(normalized_shape):
        if k <= t.rank and DYN in t.shape[t.rank - k:]:
            cx.fail(f"{what}: the normalized dims of {t} must be static "
                    f"(normalized_shape={list(normalized_shape)})")
        cx.fail(f"{what}: given normalized_shape={list(normalized_shape)}, expected input with "
                f"shape [*, {', '.join(map(str, normalized_shape))}], but got input of {t}")
    return list(range(t.rank - k, t.rank))


def _layer_norm(cx: NodeContext, x, normalized_shape, weight=None, bias=None, eps=1e-5,
                cudnn_enable=True):
    _float_input(cx, x, "layer_norm")
    dims = _trailing(cx, x, normalized_shape, "layer_norm")
    t = cx.type(x)
    shape, dtype = tuple(t.shape[d] for d in dims), t.dtype
    _affine(cx, "weight", weight, shape, dtype)
    _affine(cx, "bias", bias, shape, dtype)
    return _scale_shift(cx, _normalize(cx, x, dims, _number(cx, eps, "eps")), weight, bias)


def _rms_norm(cx: NodeContext, x, normalized_shape, weight=None, eps=None):
    _float_input(cx, x, "rms_norm")
    dims = _trailing(cx, x, normalized_shape, "rms_norm")
    dtype = cx.type(x).dtype
    _affine(cx, "weight", weight, tuple(cx.type(x).shape[d] for d in dims), dtype)
    eps = torch.finfo(dtype).eps if eps is None else _number(cx, eps, "eps")
    mean_sq = cx.build("mean", cx.build("mul", x, x), dims=dims, keepdim=True)
    y = cx.build("mul", x, cx.build("rsqrt", cx.build("add", mean_sq, cx.scalar(eps, x))))
    return _scale_shift(cx, y, weight, None)


def _group_norm(cx: NodeContext, x, num_groups, weight=None, bias=None, eps=1e-5,
                cudnn_enabled=True):
    _float_input(cx, x, "group_norm")
    t = cx.type(x)
    if t.rank < 2:
        cx.fail(f"group_norm expects an input of shape (N, C, *), got {t}")
    if isinstance(num_groups, bool) or not isinstance(num_groups, int) or num_groups <= 0:
        cx.fail(f"num_groups must be a positive compile-time int, got {num_groups!r}")
    c = t.shape[1]
    if c == DYN or DYN in t.shape[2:]:
        cx.fail(f"group_norm: the channel and spatial dims of {t} must be static")
    if c % num_groups:
        cx.fail(f"Expected number of channels in input to be divisible by num_groups, "
                f"but got input of shape {list(t.shape)} and num_groups={num_groups}")
    _affine(cx, "weight", weight, (c,), t.dtype)
    _affine(cx, "bias", bias, (c,), t.dtype)
    n = _size(x, t.shape[0], 0)
    per_group = (c // num_groups) * math.prod(t.shape[2:])
    grouped = reshape_to(cx, x, [n, num_groups, per_group])
    y = _normalize(cx, grouped, [2], _number(cx, eps, "eps"))
    if weight is not None or bias is not None:
        # weight and bias (G, C/G, 1) on the (N, G, C/G, prod(spatial)) view:
        # an expand_shape of the normalized rows, which elementwise fusion
        # folds through, so that normalization, scale and shift are one pass;
        # its rows are the whole spatial extent (per-row tails, e.g. 28 wide,
        # would be masked).  Sizes read from the tensor reshaped: plain views.
        y = reshape_to(cx, y, [_size(y, t.shape[0], 0), num_groups, c // num_groups,
                               math.prod(t.shape[2:])])
        y = _scale_shift(cx, y, _per_group(cx, weight, num_groups),
                         _per_group(cx, bias, num_groups))
    return reshape_to(cx, y, [_size(y, d, i) for i, d in enumerate(t.shape)])


def _per_group(cx: NodeContext, v, groups: int) -> ir.Value | None:
    """A per-channel (C,) tensor viewed as (G, C/G, 1) against (N, G, C/G, S)."""
    if v is None:
        return v
    c = cx.type(v).shape[0]
    return reshape_to(cx, v, [groups, c // groups, 1])


def _instance_norm(cx: NodeContext, x, weight, bias, running_mean, running_var, use_input_stats,
                   momentum, eps, cudnn_enabled):
    _float_input(cx, x, "instance_norm")
    t = cx.type(x)
    if t.rank < 3:
        cx.fail(f"instance_norm expects an input of shape (N, C, *) with at least one spatial "
                f"dim, got {t}")
    c = t.shape[1]
    for name, v in (("weight", weight), ("bias", bias), ("running_mean", running_mean),
                    ("running_var", running_var)):
        _affine(cx, name, v, (c,), t.dtype)
    eps = _number(cx, eps, "eps")
    if use_input_stats is True:
        y = _normalize(cx, x, list(range(2, t.rank)), eps)
    elif use_input_stats is False:
        if running_mean is None or running_var is None:
            cx.fail("Expected running_mean and running_var to be defined when "
                    "use_input_stats is false")
        mean, var = _channels(cx, running_mean, t.rank), _channels(cx, running_var, t.rank)
        rstd = cx.build("rsqrt", cx.build("add", var, cx.scalar(eps, x)))
        y = cx.build("mul", cx.build("sub", x, mean), rstd)
    else:
        cx.fail(f"use_input_stats must be a bool known at compile time, got {use_input_stats!r}")
    return _scale_shift(cx, y, _channels(cx, weight, t.rank), _channels(cx, bias, t.rank))


def _alpha_dropout(cx: NodeContext, x, p, train):
    if train is not False:
        cx.fail(f"{cx.node.kind().split('::')[1]} in training mode is not supported: compile "
                "the module in eval mode (module.eval()) or pass training=False")
    return x


HANDLERS = {
    "aten::layer_norm": _layer_norm,
    "aten::rms_norm": _rms_norm,
    "aten::group_norm": _group_norm,
    "aten::instance_norm": _instance_norm,
    "aten::alpha_dropout": _alpha_dropout,
    "aten::feature_alpha_dropout": _alpha_dropout,
}
