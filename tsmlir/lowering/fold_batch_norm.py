"""tsm-fold-batch-norm: inference batch norms folded into the convolution before them.

In: tsm.batch_norm(conv(x, W, b?), gamma, beta, mean, var) {eps} where conv is
a tsm.conv2d/conv3d whose only user is the batch norm, and W, b, gamma, beta,
mean, var are tsm.constants whose data is at hand (see constant_data), in
float32 or float64.
Out: conv(x, W * s[f], (b - mean) * s + beta) with s = gamma / sqrt(var + eps)
per output channel f, computed in float64 and rounded once; the batch norm,
the old conv and the constants nothing uses any more are gone.

Why: the batch norm was a full pass over the conv's output ((x - mean) *
scale + beta per channel); folded, its arithmetic is the conv's bias, which
the matmul starts its accumulation from, so a following ReLU is the only
pass left (TorchScript's freeze folds the same way).  Grouped convs fold too:
W's dim 0 is the output channel whatever the groups.
"""
from __future__ import annotations

import numpy as np
from mlir import ir

from . import constant_data
from .ir_walk import collect, owner_op, use_count
from .passes import register

_CONVS = ("tsm.conv2d", "tsm.conv3d")
_DTYPES = (np.float32, np.float64)


def _constant(v: ir.Value) -> tuple[ir.Operation, np.ndarray] | None:
    owner = owner_op(v)
    if owner is None or owner.name != "tsm.constant":
        return None
    data = constant_data.value_of(owner)
    return None if data is None else (owner, data)


def _foldable(bn: ir.Operation):
    """(conv, [(op, data)] for W, b or None, gamma, beta, mean, var) or None."""
    x = bn.operands[0]
    conv = owner_op(x)
    if conv is None or conv.name not in _CONVS:
        return None
    if use_count(x) != 1:
        return None
    consts = [_constant(v) for v in (conv.operands[1], *bn.operands[1:])]
    bias = _constant(conv.operands[2]) if len(conv.operands) > 2 else None
    if any(c is None for c in consts) or (len(conv.operands) > 2 and bias is None):
        return None
    if consts[0][1].dtype not in _DTYPES:
        return None
    w, gamma, beta, mean, var = consts
    return conv, w, bias, gamma, beta, mean, var


def _fold(bn: ir.Operation, conv: ir.Operation, w, bias, gamma, beta, mean, var) -> None:
    eps = ir.FloatAttr(bn.attributes["eps"]).value
    dtype = w[1].dtype
    s = gamma[1].astype(np.float64) / np.sqrt(var[1].astype(np.float64) + eps)
    # float32 W times float64 s: numpy multiplies in float64, rounded once
    # into new_w (buffered: no float64 copy of W; ResNet-18's 11M weights
    # took 0.17 s through a float64 product and astype, 0.02 s so)
    new_w = constant_data.empty_aligned(w[1].shape, w[1].dtype)  # taken as it is
    np.multiply(w[1], s.reshape(-1, *[1] * (w[1].ndim - 1)), out=new_w)
    b64 = bias[1].astype(np.float64) if bias is not None else 0.0
    new_b = ((b64 - mean[1].astype(np.float64)) * s + beta[1].astype(np.float64)).astype(dtype)
    with ir.InsertionPoint(w[0]), w[0].location:
        w_value = constant_data.build(new_w, w[0], _name(w[0], "bn_folded"))
        b_value = constant_data.build(new_b, beta[0], _name(beta[0], "conv_bias"))
    with ir.InsertionPoint(conv), conv.location:
        new = ir.Operation.create(
            conv.name, results=[conv.result.type], operands=[conv.operands[0], w_value, b_value],
            attributes={k: conv.attributes[k] for k in conv.attributes})
    bn.result.replace_all_uses_with(new.result)
    bn.erase()
    conv.erase()
    unused: list[ir.Operation] = []  # once each: one constant may feed two operands
    for op, _ in filter(None, (w, bias, gamma, beta, mean, var)):
        if op not in unused and not list(op.result.uses):
            unused.append(op)
    for op in unused:
        op.erase()


def _name(op: ir.Operation, suffix: str) -> str:
    """A resource name after the constant it replaces (MLIR uniquifies it)."""
    text = str(op.attributes["value"])
    base = text[len("dense_resource<"):text.index(">")] if text.startswith("dense_resource<") \
        else "const"
    return f"{base}.{suffix}"


@register("tsm-fold-batch-norm",
          "Fold inference batch norms with constant parameters into the conv before them")
def fold_batch_norm(module_op: ir.Operation) -> None:
    for bn in collect(module_op, lambda op: op.name == "tsm.batch_norm"):
        parts = _foldable(bn)
        if parts is not None:
            _fold(bn, *parts)
