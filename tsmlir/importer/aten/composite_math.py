"""Elementwise functions that are a few tsm ops each, and the distances.

In: aten ops without a tsm op of their own.  Out: their definitions in tsm
elementwise ops, in the forms that stay accurate where the naive one is not
(asinh through log1p, logaddexp through the larger operand, log_sigmoid as
min(x, 0) - log1p(exp(-|x|)), PyTorch's own forms), with PyTorch's special
values (logaddexp of two equal infinities, xlogy at x = 0, fmax/fmin ignoring
one NaN, signbit of -0.0).
Distances: cosine_similarity (each side divided by its clamped norm, as
ATen), pairwise_distance (norm of x1 - x2 + eps), dist, and cdist (p = 2 on
more than 25 rows takes ATen's matmul form, -2 x1 x2^T + |x1|^2 + |x2|^2
clamped at 0; otherwise the p-norm of the differences).
"""
from __future__ import annotations

import math

import torch

from ..context import NodeContext
from ..values import is_tensor
from .assemble import _broadcast_tensors
from .elementwise import _binary, _clamp, binary_operands, cast
from .reduction import _vector_norm
from .shape import _cat, _unsqueeze


def _u(cx: NodeContext, op: str, x):
    return cx.build(op, x)


def _k(cx: NodeContext, value, like):
    """A number beside tensor `like`, in its dtype."""
    return cx.scalar(value, like)


def _float(cx: NodeContext, x):
    """Integer inputs compute in the default float dtype (PyTorch's unary-float rule)."""
    dtype = cx.type(x).dtype
    return x if dtype.is_floating_point else cast(cx, x, torch.get_default_dtype())


#: Above this, x^2 + 1 rounds to x^2 in float32 (and x^2 would overflow
#: near 1e19): asinh / acosh are log(|x|) + log 2 there.
_HUGE = 1e8


def _huge_log(cx: NodeContext, a, near):
    """`near` for |x| = a below _HUGE, log(a) + log 2 above."""
    far = cx.build("add", _u(cx, "log", a), _k(cx, math.log(2.0), a))
    return cx.build("where", _binary(cx, a, _HUGE, op="gt"), far, near)


def _asinh(cx: NodeContext, x):
    """sign(x) * log1p(|x| + x^2 / (1 + sqrt(x^2 + 1)))."""
    x = _float(cx, x)
    a = _u(cx, "abs", x)
    sq = cx.build("mul", x, x)
    root = _u(cx, "sqrt", cx.build("add", sq, _k(cx, 1.0, x)))
    inner = cx.build("add", a, cx.build("div", sq, cx.build("add", root, _k(cx, 1.0, x))))
    return cx.build("mul", _u(cx, "sign", x), _huge_log(cx, a, _u(cx, "log1p", inner)))


def _acosh(cx: NodeContext, x):
    """log(x + sqrt(x^2 - 1)) (NaN below 1)."""
    x = _float(cx, x)
    root = _u(cx, "sqrt", cx.build("sub", cx.build("mul", x, x), _k(cx, 1.0, x)))
    value = _huge_log(cx, x, _u(cx, "log", cx.build("add", x, root)))
    return cx.build("where", _binary(cx, x, 1.0, op="lt"), _k(cx, math.nan, x), value)


def _atanh(cx: NodeContext, x):
    """0.5 * log1p(2x / (1 - x))."""
    x = _float(cx, x)
    ratio = cx.build("div", cx.build("mul", x, _k(cx, 2.0, x)),
                     cx.build("sub", _k(cx, 1.0, x), x))
    return cx.build("mul", _u(cx, "log1p", ratio), _k(cx, 0.5, x))


def _scaled(factor: float):
    def handler(cx: NodeContext, x):
        x = _float(cx, x)
        return cx.build("mul", x, _k(cx, factor, x))
    return handler


def _frac(cx: NodeContext, x):
    return cx.build("sub", x, _u(cx, "trunc", x))


def _celu(cx: NodeContext, x, alpha=1.0):
    alpha = float(alpha)
    return cx.build("elu", x, alpha=alpha, scale=1.0, input_scale=1.0 / alpha)


def _zero(cx: NodeContext, x):
    return _k(cx, 0.0, x)


def _hardshrink(cx: NodeContext, x, lambd=0.5):
    """0 where -l <= x <= l, else x (NaN stays NaN)."""
    inside = _binary(cx, _u(cx, "abs", x), float(lambd), op="le")
    return cx.build("where", inside, _zero(cx, x), x)


def _softshrink(cx: NodeContext, x, lambd=0.5):
    """x -+ l outside [-l, l], else x * 0 (NaN stays NaN)."""
    lam = float(lambd)
    low = cx.build("where", _binary(cx, x, -lam, op="lt"), cx.build("add", x, _k(cx, lam, x)),
                   cx.build("mul", x, _zero(cx, x)))
    return cx.build("where", _binary(cx, x, lam, op="gt"), cx.build("sub", x, _k(cx, lam, x)),
                    low)


def _tanhshrink(cx: NodeContext, x):
    return cx.build("sub", x, _u(cx, "tanh", x))


def _softsign(cx: NodeContext, x):
    return cx.build("div", x, cx.build("add", _u(cx, "abs", x), _k(cx, 1.0, x)))


def _log_sigmoid(cx: NodeContext, x):
    """min(x, 0) - log1p(exp(-|x|))."""
    tail = _u(cx, "log1p", _u(cx, "exp", _u(cx, "neg", _u(cx, "abs", x))))
    return cx.build("sub", cx.build("minimum", x, _zero(cx, x)), tail)


def _threshold(cx: NodeContext, x, threshold, value):
    """value where x <= threshold, else x (NaN stays NaN)."""
    return cx.build("where", _binary(cx, x, threshold, op="le"), cx.scalar(value, x), x)


def _heaviside(cx: NodeContext, x, values):
    x, values = binary_operands(cx, x, values)
    step = cast(cx, _binary(cx, x, 0, op="gt"), cx.type(x).dtype)
    return cx.build("where", _binary(cx, x, 0, op="eq"), values, step)


def _hypot(cx: NodeContext, a, b):
    """big * sqrt(1 + (small / big)^2): no overflow of the squares; inf if
    either side is infinite (even beside a NaN), 0 for two zeros."""
    a, b = binary_operands(cx, _u(cx, "abs", a), _u(cx, "abs", b))
    big, small = cx.build("maximum", a, b), cx.build("minimum", a, b)
    ratio = cx.build("div", small, big)
    scaled = cx.build("mul", big, _u(cx, "sqrt", cx.build("add", _k(cx, 1.0, ratio),
                                                          cx.build("mul", ratio, ratio))))
    scaled = cx.build("where", _binary(cx, big, 0, op="eq"), _zero(cx, big), scaled)
    either_inf = cx.build("logical_or", _u(cx, "isinf", a), _u(cx, "isinf", b))
    return cx.build("where", either_inf, _k(cx, math.inf, big), scaled)


def _isfinite(cx: NodeContext, x):
    if not cx.type(x).dtype.is_floating_point:
        return _binary(cx, x, x, op="eq")  # all true, bool, x's shape
    return _u(cx, "logical_not", cx.build("logical_or", _u(cx, "isinf", x), _u(cx, "isnan", x)))


def _isinf_signed(positive: bool):
    def handler(cx: NodeContext, x):
        side = _binary(cx, x, 0, op="gt" if positive else "lt")
        if not cx.type(x).dtype.is_floating_point:
            return cx.build("logical_and", side, _u(cx, "logical_not", side))  # all false
        return cx.build("logical_and", _u(cx, "isinf", x), side)
    return handler


def _signbit(cx: NodeContext, x):
    """x < 0, or x a negative zero (1 / x = -inf)."""
    neg = _binary(cx, x, 0, op="lt")
    if not cx.type(x).dtype.is_floating_point:
        return neg
    neg_zero = cx.build("logical_and", _binary(cx, x, 0, op="eq"),
                        _binary(cx, cx.build("div", _k(cx, 1.0, x), x), 0, op="lt"))
    return cx.build("logical_or", neg, neg_zero)


def _copysign(cx: NodeContext, a, b):
    a, b = binary_operands(cx, _float(cx, a) if is_tensor(a) else float(a), b)
    mag = _u(cx, "abs", a)
    return cx.build("where", _signbit(cx, b), _u(cx, "neg", mag), mag)


def _logaddexp(base2: bool):
    def handler(cx: NodeContext, a, b):
        a, b = binary_operands(cx, a, b)
        big = cx.build("maximum", a, b)
        gap = _u(cx, "neg", _u(cx, "abs", cx.build("sub", a, b)))
        if base2:
            tail = cx.build("div", _u(cx, "log1p", _u(cx, "exp2", gap)),
                            _k(cx, math.log(2.0), a))
        else:
            tail = _u(cx, "log1p", _u(cx, "exp", gap))
        same_inf = cx.build("logical_and", _u(cx, "isinf", a), _binary(cx, a, b, op="eq"))
        return cx.build("where", same_inf, a, cx.build("add", big, tail))
    return handler


def _logit(cx: NodeContext, x, eps=None):
    x = _float(cx, x)
    if eps is not None:
        x = _clamp(cx, x, float(eps), 1.0 - float(eps))
    return _u(cx, "log", cx.build("div", x, cx.build("sub", _k(cx, 1.0, x), x)))


def _sinc(cx: NodeContext, x):
    x = _float(cx, x)
    px = cx.build("mul", x, _k(cx, math.pi, x))
    return cx.build("where", _binary(cx, x, 0, op="eq"), _k(cx, 1.0, x),
                    cx.build("div", _u(cx, "sin", px), px))


def _xlogy(cx: NodeContext, x, y):
    x, y = binary_operands(cx, x, y)
    x, y = _float(cx, x), _float(cx, y)
    product = cx.build("mul", x, _u(cx, "log", y))
    zero_x = cx.build("logical_and", _binary(cx, x, 0, op="eq"),
                      _u(cx, "logical_not", _u(cx, "isnan", y)))
    return cx.build("where", zero_x, _zero(cx, product), product)


def _fminmax(op: str):
    """fmax / fmin: a NaN on one side gives the other side."""
    def handler(cx: NodeContext, a, b):
        a, b = binary_operands(cx, a, b)
        both = cx.build(op, a, b)
        if not cx.type(a).dtype.is_floating_point:
            return both
        return cx.build("where", _u(cx, "isnan", a), b,
                        cx.build("where", _u(cx, "isnan", b), a, both))
    return handler


def _float_power(cx: NodeContext, a, b):
    a = cast(cx, a, torch.float64) if is_tensor(a) else float(a)
    b = cast(cx, b, torch.float64) if is_tensor(b) else float(b)
    return _binary(cx, a, b, op="pow")


# -- distances -----------------------------------------------------------------------
def _cosine_similarity(cx: NodeContext, x1, x2, dim=1, eps=1e-8):
    x1, x2 = _broadcast_tensors(cx, [x1, x2])
    unit = [cx.build("div", x, _clamp(cx, _vector_norm(cx, x, 2, [dim], True), float(eps)))
            for x in (x1, x2)]
    return cx.build("sum", cx.build("mul", *unit), dims=[dim + cx.type(x1).rank if dim < 0
                                                         else dim], keepdim=False)


def _pairwise_distance(cx: NodeContext, x1, x2, p=2.0, eps=1e-6, keepdim=False):
    diff = cx.build("add", cx.build("sub", x1, x2), cx.scalar(float(eps), x1))
    return _vector_norm(cx, diff, p, [-1], keepdim)


def _dist(cx: NodeContext, a, b, p=2):
    return _vector_norm(cx, cx.build("sub", a, b), p, None, False)


def _cdist(cx: NodeContext, x1, x2, p=2.0, compute_mode=None):
    t1, t2 = cx.type(x1), cx.type(x2)
    if t1.rank < 2 or t2.rank < 2 or t1.shape[-1] != t2.shape[-1]:
        cx.fail(f"cdist expects (..., P, M) and (..., R, M) inputs, got {t1} and {t2}")
    rows = (t1.shape[-2], t2.shape[-2])
    # compute_mode 0 / None: the matmul form above 25 rows; 1: always; 2: never
    mm = compute_mode in (None, 0, 1) and p == 2 and (compute_mode == 1 or any(
        r < 0 or r > 25 for r in rows))
    if mm:  # ATen's _euclidean_dist
        n1, n2 = (_vector_norm(cx, x, 2, [-1], True) for x in (x1, x2))
        n1, n2 = (cx.build("mul", n, n) for n in (n1, n2))
        ones1, ones2 = (cx.build("add", cx.build("mul", n, _zero(cx, n)), _k(cx, 1.0, n))
                        for n in (n1, n2))
        a = _cat(cx, [cx.build("mul", x1, _k(cx, -2.0, x1)), n1, ones1], -1)
        b = _cat(cx, [x2, ones2, n2], -1)
        rank = cx.type(b).rank
        perm = list(range(rank - 2)) + [rank - 1, rank - 2]
        product = cx.build("matmul", a, cx.build("permute", b, perm=perm))
        return _u(cx, "sqrt", cx.build("maximum", product, _zero(cx, product)))
    left = _unsqueeze(cx, x1, t1.rank - 1)    # (..., P, 1, M)
    right = _unsqueeze(cx, x2, t2.rank - 2)   # (..., 1, R, M)
    return _vector_norm(cx, cx.build("sub", left, right), p, [-1], False)


HANDLERS = {
    "aten::absolute": lambda cx, x: _u(cx, "abs", x),
    "aten::clip": _clamp,
    "aten::clip.Tensor": _clamp,
    "aten::asinh": _asinh,
    "aten::acosh": _acosh,
    "aten::atanh": _atanh,
    "aten::arcsinh": _asinh,
    "aten::arccosh": _acosh,
    "aten::arctanh": _atanh,
    "aten::deg2rad": _scaled(math.pi / 180.0),
    "aten::rad2deg": _scaled(180.0 / math.pi),
    "aten::frac": _frac,
    "aten::celu": _celu,
    "aten::hardshrink": _hardshrink,
    "aten::softshrink": _softshrink,
    "aten::tanhshrink": _tanhshrink,
    "aten::softsign": _softsign,
    "aten::log_sigmoid": _log_sigmoid,
    "aten::threshold": _threshold,
    "aten::heaviside": _heaviside,
    "aten::hypot": _hypot,
    "aten::isfinite": _isfinite,
    "aten::isposinf": _isinf_signed(True),
    "aten::isneginf": _isinf_signed(False),
    "aten::signbit": _signbit,
    "aten::copysign.Tensor": _copysign,
    "aten::copysign.Scalar": _copysign,
    "aten::logaddexp": _logaddexp(False),
    "aten::logaddexp2": _logaddexp(True),
    "aten::logit": _logit,
    "aten::sinc": _sinc,
    "aten::xlogy.Tensor": _xlogy,
    "aten::xlogy.Scalar_Other": _xlogy,
    "aten::xlogy.Scalar_Self": _xlogy,
    "aten::fmax": _fminmax("maximum"),
    "aten::fmin": _fminmax("minimum"),
    "aten::float_power.Tensor_Tensor": _float_power,
    "aten::float_power.Tensor_Scalar": _float_power,
    "aten::float_power.Scalar": _float_power,
    "aten::cosine_similarity": _cosine_similarity,
    "aten::pairwise_distance": _pairwise_distance,
    "aten::dist": _dist,
    "aten::cdist": _cdist,
    "aten::_cdist_forward": _cdist,
}
