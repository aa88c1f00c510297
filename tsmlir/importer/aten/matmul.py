"""aten matmul ops -> tsm.matmul/linear/addmm.

aten::matmul maps to tsm.matmul as is; the ops with stricter ranks (mm, bmm,
mv, dot) check them here, so that a wrong rank is reported as PyTorch would
rather than silently taking matmul's more general meaning.  addmm's beta and
alpha must be compile-time numbers.

aten::linear with a constant weight (a parameter) is pre-packed at import:
the weight becomes a transposed constant, so the product is a plain matmul
(addmm with the bias for a 2-D input, matmul then add otherwise) and no
transpose runs at all at run time.  Other weights keep tsm.linear.
"""
from __future__ import annotations

from mlir import ir

from ...dialects import REGISTRY
from ...dialects.types import DYN
from ..context import NodeContext


def _tensors(cx: NodeContext, *values):
    for v in values:
        if not isinstance(v, ir.Value):
            cx.fail(f"expected tensor operands, got {type(v).__name__}")


def _check_ranks(cx: NodeContext, name: str, lhs, rhs, ranks: tuple[int, int]):
    _tensors(cx, lhs, rhs)
    if (cx.type(lhs).rank, cx.type(rhs).rank) != ranks:
        cx.fail(f"{name} expects {'-D and '.join(map(str, ranks))}-D tensors, "
                f"got {cx.type(lhs)} and {cx.type(rhs)}")


def _ranked(name: str, *ranks: int):
    """A handler for a tsm.matmul whose operands must have exactly `ranks`."""
    def handler(cx: NodeContext, lhs, rhs):
        _check_ranks(cx, name, lhs, rhs, ranks)
        return cx.build("matmul", lhs, rhs)
    return handler


def _matmul(cx: NodeContext, lhs, rhs):
    _tensors(cx, lhs, rhs)
    return cx.build("matmul", lhs, rhs)


def _bmm(cx: NodeContext, lhs, rhs):
    _check_ranks(cx, "bmm", lhs, rhs, (3, 3))
    # bmm does not broadcast: a static batch of 1 against another size is an error.
    b1, b2 = cx.type(lhs).shape[0], cx.type(rhs).shape[0]
    if DYN not in (b1, b2) and b1 != b2:
        cx.fail(f"batch sizes differ: {cx.type(lhs)} and {cx.type(rhs)}")
    return cx.build("matmul", lhs, rhs)


def _linear(cx: NodeContext, x, weight, bias=None):
    _tensors(cx, x, weight, *([] if bias is None else [bias]))
    w = cx.importer.tensors.get(weight)
    if w is None or w.dim() != 2 or cx.type(x).rank < 1:
        return cx.build("linear", x, weight, bias)
    try:  # linear's own type rule reports wrong shapes, as for tsm.linear
        REGISTRY["tsm.linear"].infer_types(
            [cx.type(v) for v in (x, weight)] + [None if bias is None else cx.type(bias)], {})
    except (ValueError, TypeError) as e:
        cx.fail(str(e))
    # A view: its constant is deduplicated per weight, its blob holds W.T contiguous.
    weight_t = cx.constant(w.t(), "linear.weight_t")
    if bias is not None and cx.type(x).rank == 2:
        return cx.build("addmm", bias, x, weight_t, beta=1.0, alpha=1.0)
    out = cx.build("matmul", x, weight_t)
    return out if bias is None else cx.build("add", out, bias)


def _addmm(cx: NodeContext, self, mat1, mat2, beta=1, alpha=1):
    _tensors(cx, self, mat1, mat2)
    for name, v in (("beta", beta), ("alpha", alpha)):
        if not isinstance(v, (bool, int, float)):
            cx.fail(f"{name} must be a compile-time number, got {type(v).__name__}")
    return cx.build("addmm", self, mat1, mat2, beta=float(beta), alpha=float(alpha))


HANDLERS = {
    "aten::matmul": _matmul,
    "aten::mm": _ranked("mm", 2, 2),
    "aten::bmm": _bmm,
    "aten::mv": _ranked("mv", 2, 1),
    "aten::dot": _ranked("dot", 1, 1),
    "aten::linear": _linear,
    "aten::addmm": _addmm,
}
