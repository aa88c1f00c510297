"""Matmul ops: torch.matmul's contraction, linear layers and addmm.

`tsm.matmul` carries the whole `torch.matmul` rank logic (1-D operands are
vectors, leading dims are batch dims that broadcast), so aten::mm, aten::bmm
and aten::matmul all import to it.  All operands share one dtype (PyTorch
does not promote here); bool is rejected, as in PyTorch.  A contraction size
that is dynamic on either side is checked at run time by the lowering.
"""
import torch

from ..opdef import Attr, OpDef, define
from ..types import DYN, TensorT, broadcast_shapes


def _same_dtype(*ts: TensorT) -> torch.dtype:
    dtypes = {t.dtype for t in ts}
    if len(dtypes) > 1:
        raise TypeError(f"expected operands of one dtype, got {', '.join(map(str, ts))}")
    (dtype,) = dtypes
    if dtype == torch.bool:
        raise TypeError(f"bool tensors are not supported, got {ts[0]}")
    return dtype


def _check_contraction(lhs: tuple[int, ...], rhs: tuple[int, ...], k_lhs: int, k_rhs: int):
    if DYN not in (k_lhs, k_rhs) and k_lhs != k_rhs:
        raise ValueError(f"shapes {lhs} and {rhs} cannot be multiplied ({k_lhs} != {k_rhs})")


def matmul_shape(lhs: tuple[int, ...], rhs: tuple[int, ...]) -> tuple[int, ...]:
    """torch.matmul's result shape (batch dims broadcast; a 1-D operand
    contributes no batch, row or column dim)."""
    if not lhs or not rhs:
        raise ValueError(f"both operands need at least 1 dimension, got {lhs} and {rhs}")
    k_rhs = rhs[-2] if len(rhs) >= 2 else rhs[0]
    _check_contraction(lhs, rhs, lhs[-1], k_rhs)
    batch = broadcast_shapes(lhs[:-2], rhs[:-2])
    rows = lhs[-2:-1]
    cols = rhs[-1:] if len(rhs) >= 2 else ()
    return batch + rows + cols


def _matmul(lhs: TensorT, rhs: TensorT) -> list[TensorT]:
    return [TensorT(matmul_shape(lhs.shape, rhs.shape), _same_dtype(lhs, rhs))]


def _fits(addend: TensorT, out: tuple[int, ...], what: str):
    """`addend` must broadcast to `out` without growing it; where either side
    is dynamic the sizes are checked at run time."""
    aligned = zip(addend.shape, out[len(out) - addend.rank:])
    if addend.rank > len(out) or not all(a in (1, o, DYN) or o == DYN for a, o in aligned):
        raise ValueError(f"{what} of shape {addend.shape} does not broadcast to the result "
                         f"shape {out}")


def _linear(x: TensorT, weight: TensorT, bias: TensorT | None) -> list[TensorT]:
    if x.rank < 1:
        raise ValueError(f"input needs at least 1 dimension, got {x}")
    if weight.rank != 2:
        raise ValueError(f"weight must be 2-D (out_features, in_features), got {weight}")
    _check_contraction(x.shape, weight.shape, x.shape[-1], weight.shape[1])
    dtype = _same_dtype(x, weight, *([] if bias is None else [bias]))
    out = x.shape[:-1] + weight.shape[:1]
    if bias is not None:
        _fits(bias, out, "bias")
    return [TensorT(out, dtype)]


def _addmm(self: TensorT, mat1: TensorT, mat2: TensorT, *, beta: float,
           alpha: float) -> list[TensorT]:
    if mat1.rank != 2 or mat2.rank != 2:
        raise ValueError(f"mat1 and mat2 must be 2-D, got {mat1} and {mat2}")
    dtype = _same_dtype(self, mat1, mat2)
    if not dtype.is_floating_point and not (float(beta).is_integer() and float(alpha).is_integer()):
        raise TypeError(f"beta and alpha must be integers for {dtype} tensors, "
                        f"got beta={beta}, alpha={alpha}")
    out = matmul_shape(mat1.shape, mat2.shape)
    _fits(self, out, "self")
    return [TensorT(out, dtype)]


OPS = define("matmul", [
    OpDef("matmul", ("lhs", "rhs"), _matmul,
          aten=("aten::matmul(Tensor self, Tensor other) -> Tensor",
                "aten::mm(Tensor self, Tensor mat2) -> Tensor",
                "aten::bmm(Tensor self, Tensor mat2) -> Tensor"),
          doc="Matrix product with torch.matmul's rules: 1-D operands are vectors, "
              "leading dims are broadcasting batch dims."),
    OpDef("linear", ("x", "weight", "bias?"), _linear,
          aten=("aten::linear(Tensor input, Tensor weight, Tensor? bias=None) -> Tensor",),
          doc="x @ weight.T + bias over the last dim of x; weight is "
              "(out_features, in_features), bias broadcasts to the result."),
    OpDef("addmm", ("self", "mat1", "mat2"), _addmm,
          attrs=(Attr("beta", "float", 1.0), Attr("alpha", "float", 1.0)),
          aten=("aten::addmm(Tensor self, Tensor mat1, Tensor mat2, *, Scalar beta=1, "
                "Scalar alpha=1) -> Tensor",),
          doc="beta * self + alpha * (mat1 @ mat2) for 2-D mat1, mat2; self broadcasts; "
              "beta = 0 ignores self (NaNs in it do not propagate)."),
])
