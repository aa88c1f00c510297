"""Loss functions (torch.nn.functional's *_loss) -> tsm elementwise ops and reductions.

In: the aten loss schemas a traced or scripted F.*_loss leaves in the graph,
with `reduction` as ATen's int (0 none, 1 mean, 2 sum).
Out: the pointwise loss in tsm elementwise ops (the forms of ATen's
Loss.cpp / torch._decomp, e.g. binary_cross_entropy's logs clamped at -100,
with_logits through log_sigmoid), then a sum or mean over every element.
nll_loss reads the target class's value with tsm.gather along the class dim
(an ignored target reads class 0 and is masked out; an out-of-range target
fails the gather's run-time bounds check); `mean` divides by the summed
weights of the targets not ignored.  cross_entropy is log_softmax + that
(or, for class probabilities, the weighted sum over classes), with label
smoothing as ATen mixes it in.  binary_cross_entropy checks at run time that
its input lies in [0, 1], as PyTorch does.
"""
from __future__ import annotations

import math

import torch

from ..context import NodeContext
from ..values import is_tensor
from .composite_math import _log_sigmoid, _pairwise_distance, _xlogy
from .data_movement import expand_to
from .elementwise import _binary, binary_operands
from .shape import _sizes_of, reshape_to

_NONE, _MEAN, _SUM = 0, 1, 2


def _reduce(cx: NodeContext, loss, reduction):
    if reduction == _NONE:
        return loss
    if reduction not in (_MEAN, _SUM):
        cx.fail(f"{reduction!r} is not a valid value for reduction")
    dims = list(range(cx.type(loss).rank))
    return cx.build("mean" if reduction == _MEAN else "sum", loss, dims=dims, keepdim=False)


def _k(cx: NodeContext, value, like):
    return cx.scalar(value, like)


def _float_tensor(cx: NodeContext, x, what: str):
    if not is_tensor(x):
        cx.fail(f"{what} must be a tensor, got {x!r}")
    if not cx.type(x).dtype.is_floating_point:
        cx.fail(f"{what} must be a floating-point tensor, got {cx.type(x)}")
    return x


def _check_all(cx: NodeContext, cond, message: str) -> None:
    """A run-time check that every element of the bool tensor `cond` holds."""
    cx.check_all(cond, f"{cx.node.kind()}: {message}")


# -- regression losses --------------------------------------------------------------
def _difference(cx: NodeContext, x, target):
    x, target = binary_operands(cx, _float_tensor(cx, x, "input"), target)
    return cx.build("sub", x, target)


def _mse_loss(cx: NodeContext, x, target, reduction=_MEAN):
    d = _difference(cx, x, target)
    return _reduce(cx, cx.build("mul", d, d), reduction)


def _l1_loss(cx: NodeContext, x, target, reduction=_MEAN):
    return _reduce(cx, cx.build("abs", _difference(cx, x, target)), reduction)


def _smooth_l1_loss(cx: NodeContext, x, target, reduction=_MEAN, beta=1.0):
    if beta < 0:
        cx.fail("smooth_l1_loss does not support negative values for beta.")
    z = cx.build("abs", _difference(cx, x, target))
    if beta == 0:
        return _reduce(cx, z, reduction)
    near = cx.build("div", cx.build("mul", cx.build("mul", z, z), _k(cx, 0.5, z)),
                    _k(cx, float(beta), z))
    far = cx.build("sub", z, _k(cx, 0.5 * beta, z))
    return _reduce(cx, cx.build("where", _binary(cx, z, float(beta), op="lt"), near, far),
                   reduction)


def _huber_loss(cx: NodeContext, x, target, reduction=_MEAN, delta=1.0):
    if delta <= 0:
        cx.fail("huber_loss does not support non-positive values for delta.")
    z = cx.build("abs", _difference(cx, x, target))
    near = cx.build("mul", cx.build("mul", z, z), _k(cx, 0.5, z))
    far = cx.build("mul", cx.build("sub", z, _k(cx, 0.5 * delta, z)), _k(cx, float(delta), z))
    return _reduce(cx, cx.build("where", _binary(cx, z, float(delta), op="lt"), near, far),
                   reduction)


def _poisson_nll_loss(cx: NodeContext, x, target, log_input, full, eps, reduction):
    x, target = binary_operands(cx, _float_tensor(cx, x, "input"), target)
    if log_input:
        loss = cx.build("sub", cx.build("exp", x), cx.build("mul", target, x))
    else:
        loss = cx.build("sub", x, cx.build("mul", target, cx.build(
            "log", cx.build("add", x, _k(cx, float(eps), x)))))
    if full:
        two_pi_t = cx.build("mul", target, _k(cx, 2.0 * math.pi, target))
        stirling = cx.build("add", cx.build("sub", cx.build("mul", target, cx.build("log", target)),
                                            target),
                            cx.build("mul", cx.build("log", two_pi_t), _k(cx, 0.5, target)))
        stirling = cx.build("where", _binary(cx, target, 1, op="le"), _k(cx, 0.0, stirling),
                            stirling)
        loss = cx.build("add", loss, stirling)
    return _reduce(cx, loss, reduction)


def _kl_div(cx: NodeContext, x, target, reduction=_MEAN, log_target=False):
    x, target = binary_operands(cx, _float_tensor(cx, x, "input"), target)
    if log_target:
        loss = cx.build("mul", cx.build("exp", target), cx.build("sub", target, x))
    else:
        loss = cx.build("sub", _xlogy(cx, target, target), cx.build("mul", target, x))
    return _reduce(cx, loss, reduction)


# -- binary classification ----------------------------------------------------------
def _binary_cross_entropy(cx: NodeContext, x, target, weight=None, reduction=_MEAN):
    x = _float_tensor(cx, x, "input")
    if cx.type(x).shape != cx.type(target).shape:
        cx.fail(f"Using a target size ({list(cx.type(target).shape)}) that is different to the "
                f"input size ({list(cx.type(x).shape)}) is deprecated. Please ensure they have "
                "the same size.")
    inside = cx.build("logical_and", _binary(cx, x, 0, op="ge"), _binary(cx, x, 1, op="le"))
    _check_all(cx, inside, "all elements of input should be between 0 and 1")
    floor = _k(cx, -100.0, x)
    log_x = cx.build("maximum", cx.build("log", x), floor)
    log_1mx = cx.build("maximum", cx.build("log1p", cx.build("neg", x)), floor)
    loss = cx.build("sub", cx.build("mul", _binary(cx, target, 1, op="sub"), log_1mx),
                    cx.build("mul", target, log_x))
    if weight is not None:
        loss = cx.build("mul", loss, weight)
    return _reduce(cx, loss, reduction)


def _bce_with_logits(cx: NodeContext, x, target, weight=None, pos_weight=None, reduction=_MEAN):
    x = _float_tensor(cx, x, "input")
    if cx.type(x).shape != cx.type(target).shape:
        cx.fail(f"Target size ({list(cx.type(target).shape)}) must be the same as input size "
                f"({list(cx.type(x).shape)})")
    one = _k(cx, 1.0, x)
    log_sig = _log_sigmoid(cx, x)
    if pos_weight is not None:
        log_weight = cx.build("add", cx.build("mul", _binary(cx, pos_weight, 1, op="sub"),
                                              target), one)
        log_sig = cx.build("mul", log_weight, log_sig)
    loss = cx.build("sub", cx.build("mul", cx.build("sub", one, target), x), log_sig)
    if weight is not None:
        loss = cx.build("mul", loss, weight)
    return _reduce(cx, loss, reduction)


def _soft_margin_loss(cx: NodeContext, x, target, reduction=_MEAN):
    x, target = binary_operands(cx, _float_tensor(cx, x, "input"), target)
    prod = cx.build("neg", cx.build("mul", x, target))
    return _reduce(cx, cx.build("log1p", cx.build("exp", prod)), reduction)


def _hinge_embedding_loss(cx: NodeContext, x, target, margin=1.0, reduction=_MEAN):
    x = _float_tensor(cx, x, "input")
    zero = _k(cx, 0.0, x)
    clamped = cx.build("maximum", cx.build("sub", _k(cx, float(margin), x), x), zero)
    from_margin = cx.build("where", _binary(cx, target, 1, op="ne"), clamped, zero)
    from_self = cx.build("where", _binary(cx, target, -1, op="ne"), x, zero)
    return _reduce(cx, cx.build("add", from_margin, from_self), reduction)


def _margin_ranking_loss(cx: NodeContext, x1, x2, target, margin=0.0, reduction=_MEAN):
    diff = _difference(cx, x1, x2)
    value = cx.build("add", cx.build("mul", cx.build("neg", target), diff),
                     _k(cx, float(margin), diff))
    return _reduce(cx, cx.build("maximum", value, _k(cx, 0.0, value)), reduction)


def _cosine_embedding_loss(cx: NodeContext, x1, x2, target, margin=0.0, reduction=_MEAN):
    t1, t2, tt = cx.type(x1), cx.type(x2), cx.type(target)
    if t1.rank != t2.rank or t1.rank not in (1, 2) or tt.rank != t1.rank - 1:
        cx.fail(f"cosine_embedding_loss expects 1-D or 2-D inputs of one rank and a target of "
                f"one dim less, got {t1}, {t2} and {tt}")
    dim = tt.rank

    def sq_sum(a, b):
        return cx.build("sum", cx.build("mul", a, b), dims=[dim], keepdim=False)
    prod = sq_sum(x1, x2)
    mag1 = cx.build("add", sq_sum(x1, x1), _k(cx, 1e-12, prod))
    mag2 = cx.build("add", sq_sum(x2, x2), _k(cx, 1e-12, prod))
    cos = cx.build("div", prod, cx.build("sqrt", cx.build("mul", mag1, mag2)))
    zero = _k(cx, 0.0, cos)
    pos = cx.build("where", _binary(cx, target, 1, op="eq"),
                   cx.build("sub", _k(cx, 1.0, cos), cos), zero)
    neg = cx.build("where", _binary(cx, target, -1, op="eq"),
                   cx.build("maximum", cx.build("sub", cos, _k(cx, float(margin), cos)), zero),
                   zero)
    return _reduce(cx, cx.build("add", pos, neg), reduction)


def _triplet_margin_loss(cx: NodeContext, anchor, positive, negative, margin=1.0, p=2.0,
                         eps=1e-6, swap=False, reduction=_MEAN):
    ranks = {cx.type(v).rank for v in (anchor, positive, negative)}
    if len(ranks) != 1:
        cx.fail(f"The anchor, positive, and negative tensors are expected to have the same "
                f"number of dimensions, but got: anchor {cx.type(anchor).rank}D, positive "
                f"{cx.type(positive).rank}D, and negative {cx.type(negative).rank}D inputs")
    d_pos = _pairwise_distance(cx, anchor, positive, p, eps)
    d_neg = _pairwise_distance(cx, anchor, negative, p, eps)
    if swap:
        d_neg = cx.build("minimum", d_neg, _pairwise_distance(cx, positive, negative, p, eps))
    value = cx.build("add", cx.build("sub", d_pos, d_neg), _k(cx, float(margin), d_pos))
    return _reduce(cx, cx.build("maximum", value, _k(cx, 0.0, value)), reduction)


# -- classification over C classes --------------------------------------------------
def _class_weight(cx: NodeContext, weight, x, class_dim: int):
    """weight (C,) viewed to broadcast along x's class dim."""
    t = cx.type(x)
    c = t.shape[class_dim]
    wt = cx.type(weight)
    if wt.rank != 1 or wt.shape[0] != c:
        cx.fail(f"weight tensor should be defined either for all {c} classes or no classes but "
                f"got weight tensor of shape: {list(wt.shape)}")
    return reshape_to(cx, weight, [c if d == class_dim else 1 for d in range(t.rank)])


def _nll(cx: NodeContext, x, target, weight, reduction, ignore_index):
    """ATen's nll_loss_nd: x (C) or (N, C, d1, ...), target () or (N, d1, ...)."""
    t, tt = cx.type(x), cx.type(target)
    if t.rank < 1:
        cx.fail("input tensor should be 1D or more")
    class_dim = 0 if t.rank == 1 else 1
    if tt.dtype != torch.int64:
        cx.fail(f"expected scalar type Long but found {str(tt.dtype).split('.')[1].capitalize()}")
    expected = t.shape[:class_dim] + t.shape[class_dim + 1:]
    if tt.rank != len(expected) or any(-1 not in (a, b) and a != b
                                       for a, b in zip(tt.shape, expected)):
        cx.fail(f"Expected target size {list(expected)}, got {list(tt.shape)}")
    if not isinstance(ignore_index, int):
        cx.fail(f"ignore_index must be a compile-time int, got {ignore_index!r}")
    if weight is not None:
        w = _class_weight(cx, weight, x, class_dim)
        x = cx.build("mul", x, w)
    kept = _binary(cx, target, ignore_index, op="ne")
    safe = cx.build("where", kept, target, _k(cx, 0, target))
    tsizes = _sizes_of(safe, tt.shape)
    safe_col = reshape_to(cx, safe, tsizes[:class_dim] + [1] + tsizes[class_dim:])
    picked = reshape_to(cx, cx.build("gather", x, safe_col, dim=class_dim), tsizes)
    zero = _k(cx, 0.0, picked)
    loss = cx.build("where", kept, cx.build("neg", picked), zero)
    if reduction == _NONE and t.rank > 1:
        return loss
    if reduction == _SUM or reduction == _NONE:
        return _reduce(cx, loss, _SUM)
    if weight is not None:
        full_w = expand_to(cx, w, _sizes_of(x, t.shape))
        picked_w = reshape_to(cx, cx.build("gather", full_w, safe_col, dim=class_dim), tsizes)
        total = _reduce(cx, cx.build("where", kept, picked_w, zero), _SUM)
    else:
        total = _reduce(cx, cx.build("cast", kept, dtype=str(t.dtype).split(".")[1]), _SUM)
    return cx.build("div", _reduce(cx, loss, _SUM), total)


def _nll_loss(cx: NodeContext, x, target, weight=None, reduction=_MEAN, ignore_index=-100):
    return _nll(cx, _float_tensor(cx, x, "input"), target, weight, reduction, ignore_index)


def _cross_entropy(cx: NodeContext, x, target, weight=None, reduction=_MEAN, ignore_index=-100,
                   label_smoothing=0.0):
    x = _float_tensor(cx, x, "input")
    t = cx.type(x)
    if t.rank < 1:
        cx.fail("cross_entropy expects an input of at least 1 dim")
    if not 0.0 <= label_smoothing <= 1.0:
        cx.fail(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    class_dim = 0 if t.rank == 1 else 1
    c = t.shape[class_dim]
    logp = cx.build("log_softmax", x, dim=class_dim)
    if cx.type(target).dtype.is_floating_point:
        return _cross_entropy_probs(cx, logp, target, weight, reduction, label_smoothing,
                                    class_dim)
    nll = _nll(cx, logp, target, weight, reduction, ignore_index)
    if label_smoothing == 0.0:
        return nll
    if c < 0:
        cx.fail("label_smoothing needs a static class count")
    w = _class_weight(cx, weight, logp, class_dim) if weight is not None else None
    scaled = logp if w is None else cx.build("mul", logp, w)
    smooth = cx.build("neg", cx.build("sum", scaled, dims=[class_dim], keepdim=False))
    kept = _binary(cx, target, ignore_index, op="ne")
    smooth = cx.build("where", kept, smooth, _k(cx, 0.0, smooth))
    if reduction == _MEAN:
        if weight is None:
            total = _reduce(cx, cx.build("cast", kept, dtype=str(t.dtype).split(".")[1]), _SUM)
        else:
            safe = cx.build("where", kept, target, _k(cx, 0, target))
            picked = cx.build("index", weight, reshape_to(
                cx, safe, _sizes_of(safe, cx.type(safe).shape) + [1]), dim=0)
            total = _reduce(cx, cx.build("where", kept, picked, _k(cx, 0.0, picked)), _SUM)
        smooth = cx.build("div", _reduce(cx, smooth, _SUM), total)
    else:
        smooth = _reduce(cx, smooth, reduction)
    return cx.build("add", cx.build("mul", nll, _k(cx, 1.0 - label_smoothing, nll)),
                    cx.build("mul", smooth, _k(cx, label_smoothing / c, smooth)))


def _cross_entropy_probs(cx: NodeContext, logp, target, weight, reduction, label_smoothing,
                         class_dim: int):
    t, tt = cx.type(logp), cx.type(target)
    if tt.shape != t.shape:
        cx.fail(f"Expected target size {list(t.shape)}, got {list(tt.shape)}")
    c = t.shape[class_dim]
    if label_smoothing > 0:
        target = cx.build("add", cx.build("mul", target, _k(cx, 1.0 - label_smoothing, target)),
                          _k(cx, label_smoothing / c, target))
    prod = cx.build("mul", logp, target)
    if weight is not None:
        prod = cx.build("mul", prod, _class_weight(cx, weight, logp, class_dim))
    loss = cx.build("neg", cx.build("sum", prod, dims=[class_dim], keepdim=False))
    if reduction == _MEAN:  # per sample (and position), not per element
        return _reduce(cx, loss, _MEAN) if cx.type(loss).rank else loss
    return _reduce(cx, loss, reduction)


def _margin_target(cx: NodeContext, x, target, what: str):
    """(x as (N, C), target as int64 (N, ...), whether x was 1-D)."""
    x = _float_tensor(cx, x, "input")
    t, tt = cx.type(x), cx.type(target)
    if t.rank not in (1, 2) or tt.dtype != torch.int64:
        cx.fail(f"{what}: expected a 1-D or 2-D input and an int64 target, got {t} and {tt}")
    flat = t.rank == 1
    if flat:
        x = reshape_to(cx, x, [1, -1])
    return x, flat


def _multi_margin_loss(cx: NodeContext, x, target, p=1, margin=1.0, weight=None,
                       reduction=_MEAN):
    """sum over classes d != y of max(0, margin - x[y] + x[d])^p (times
    weight[y]), divided by the class count."""
    if p not in (1, 2):
        cx.fail("only p == 1 and p == 2 supported")
    x, flat = _margin_target(cx, x, target, "multi_margin_loss")
    n, c = _sizes_of(x, cx.type(x).shape)
    if cx.type(target).rank != (0 if flat else 1):
        cx.fail(f"inconsistent target size: {list(cx.type(target).shape)} for input of size: "
                f"{list(cx.type(x).shape)}")
    col = reshape_to(cx, target, [n, 1])
    picked = cx.build("gather", x, col, dim=1)
    z = cx.build("add", cx.build("sub", x, picked), _k(cx, float(margin), x))
    z = cx.build("maximum", z, _k(cx, 0.0, z))
    if p == 2:
        z = cx.build("mul", z, z)
    classes = cx.constant(torch.arange(c, dtype=torch.int64)) if isinstance(c, int) else None
    if classes is None:
        cx.fail("multi_margin_loss needs a static class count")
    z = cx.build("where", cx.build("eq", col, classes), _k(cx, 0.0, z), z)
    if weight is not None:
        z = cx.build("mul", z, reshape_to(cx, cx.build("index", weight, col, dim=0), [n, 1]))
    loss = cx.build("div", cx.build("sum", z, dims=[1], keepdim=False), _k(cx, float(c), z))
    if flat:
        loss = reshape_to(cx, loss, [])
    return _reduce(cx, loss, reduction)


def _multilabel_margin_loss(cx: NodeContext, x, target, reduction=_MEAN):
    """For the target classes before the first -1 (j) and every class k not
    among them: max(0, 1 - (x[y_j] - x[k])), summed and divided by C."""
    x, flat = _margin_target(cx, x, target, "multilabel_margin_loss")
    if flat:
        target = reshape_to(cx, target, [1, -1])
    if cx.type(target).shape != cx.type(x).shape:
        cx.fail(f"inconsistent target size: {list(cx.type(target).shape)} for input of size: "
                f"{list(cx.type(x).shape)}")
    n, c = _sizes_of(x, cx.type(x).shape)
    if not isinstance(c, int):
        cx.fail("multilabel_margin_loss needs a static class count")
    ended = cx.build("cumsum", cx.build("cast", _binary(cx, target, -1, op="eq"), dtype="int64"),
                     dim=1)
    listed = _binary(cx, ended, 0, op="eq")                             # (N, J)
    safe = cx.build("where", listed, target, _k(cx, 0, target))
    classes = cx.constant(torch.arange(c, dtype=torch.int64).view(1, 1, c))
    hits = cx.build("logical_and", reshape_to(cx, listed, [n, c, 1]),
                    cx.build("eq", reshape_to(cx, safe, [n, c, 1]), classes))  # (N, J, K)
    is_target = cx.build("any", hits, dims=[1], keepdim=True)           # (N, 1, K)
    picked = reshape_to(cx, cx.build("gather", x, safe, dim=1), [n, c, 1])
    z = cx.build("add", cx.build("sub", reshape_to(cx, x, [n, 1, c]), picked), _k(cx, 1.0, x))
    z = cx.build("maximum", z, _k(cx, 0.0, z))
    keep = cx.build("logical_and", reshape_to(cx, listed, [n, c, 1]),
                    cx.build("logical_not", is_target))
    z = cx.build("where", keep, z, _k(cx, 0.0, z))
    loss = cx.build("div", cx.build("sum", z, dims=[1, 2], keepdim=False), _k(cx, float(c), z))
    if flat:
        loss = reshape_to(cx, loss, [])
    return _reduce(cx, loss, reduction)


HANDLERS = {
    "aten::mse_loss": _mse_loss,
    "aten::l1_loss": _l1_loss,
    "aten::smooth_l1_loss": _smooth_l1_loss,
    "aten::huber_loss": _huber_loss,
    "aten::poisson_nll_loss": _poisson_nll_loss,
    "aten::kl_div": _kl_div,
    "aten::binary_cross_entropy": _binary_cross_entropy,
    "aten::binary_cross_entropy_with_logits": _bce_with_logits,
    "aten::soft_margin_loss": _soft_margin_loss,
    "aten::hinge_embedding_loss": _hinge_embedding_loss,
    "aten::margin_ranking_loss": _margin_ranking_loss,
    "aten::cosine_embedding_loss": _cosine_embedding_loss,
    "aten::triplet_margin_loss": _triplet_margin_loss,
    "aten::nll_loss": _nll_loss,
    "aten::nll_loss_nd": _nll_loss,
    "aten::nll_loss2d": _nll_loss,
    "aten::cross_entropy_loss": _cross_entropy,
    "aten::multi_margin_loss": _multi_margin_loss,
    "aten::multilabel_margin_loss": _multilabel_margin_loss,
}
