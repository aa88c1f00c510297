"""aten elementwise ops -> tsm.add/sub/mul/div/neg/relu/sigmoid/tanh/exp/log/gelu."""
from __future__ import annotations

import torch
from mlir import ir

from ...dialects.types import TensorT
from ..context import NodeContext


def _category(t: TensorT) -> int:
    return 2 if t.dtype.is_floating_point else 0 if t.dtype == torch.bool else 1


def binary_operands(cx: NodeContext, a, b) -> tuple[ir.Value, ir.Value]:
    """Both operands as tensors with PyTorch's result-type rule applied: a
    number or a 0-d tensor beside a dimensioned tensor only changes the
    result's category (bool < int < float), never its width."""
    if not isinstance(a, ir.Value):
        a, b = b, a
        swapped = True
    else:
        swapped = False
    b = cx.tensor(b, a)
    ta, tb = cx.type(a), cx.type(b)
    if ta.dtype != tb.dtype and (ta.rank == 0) != (tb.rank == 0):
        dimmed, zero_d = (a, b) if tb.rank == 0 else (b, a)
        if _category(cx.type(dimmed)) >= _category(cx.type(zero_d)):
            zero_d = cx.build("cast", zero_d, dtype=str(cx.type(dimmed).dtype).split(".")[1])
            a, b = (dimmed, zero_d) if tb.rank == 0 else (zero_d, dimmed)
    return (b, a) if swapped else (a, b)


def _scaled(cx: NodeContext, other, alpha, like):
    if alpha is None or alpha == 1:
        return other
    return cx.build("mul", *binary_operands(cx, cx.tensor(other, like), alpha))


def _add(name):
    def handler(cx: NodeContext, a, b, alpha=1):
        a, b = binary_operands(cx, a, b)
        return cx.build(name, a, _scaled(cx, b, alpha, a))
    return handler


def _binary(name):
    def handler(cx: NodeContext, a, b):
        return cx.build(name, *binary_operands(cx, a, b))
    return handler


def _unary(name):
    def handler(cx: NodeContext, x):
        return cx.build(name, x)
    return handler


def _gelu(cx: NodeContext, x, approximate="none"):
    return cx.build("gelu", x, approximate=approximate)


def _rsub(cx: NodeContext, a, b, alpha=1):
    a, b = binary_operands(cx, a, b)
    return cx.build("sub", b, _scaled(cx, a, alpha, b))


def _reciprocal(cx: NodeContext, x):
    return cx.build("div", cx.constant(torch.tensor(1, dtype=cx.type(x).dtype)), x)


HANDLERS = {
    "aten::reciprocal": _reciprocal,
    "aten::add.Tensor": _add("add"),
    "aten::add.Scalar": _add("add"),
    "aten::sub.Tensor": _add("sub"),
    "aten::sub.Scalar": _add("sub"),
    "aten::rsub.Scalar": _rsub,
    "aten::rsub.Tensor": _rsub,
    "aten::mul.Tensor": _binary("mul"),
    "aten::mul.Scalar": _binary("mul"),
    "aten::div.Tensor": _binary("div"),
    "aten::div.Scalar": _binary("div"),
    "aten::neg": _unary("neg"),
    "aten::relu": _unary("relu"),
    "aten::sigmoid": _unary("sigmoid"),
    "aten::tanh": _unary("tanh"),
    "aten::exp": _unary("exp"),
    "aten::log": _unary("log"),
    "aten::gelu": _gelu,
}
