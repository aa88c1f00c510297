"""Reduction ops: sum and mean over a list of dims, softmax and log_softmax
along one dim.

Dims may be negative (counted from the end) and are validated by the type
rules; `reduced_dims` is the one place that normalizes them, used by the
rules and by the lowering.  An optional `dtype=` of the aten op is not an
attribute here: the importer casts the input first (`tsm.cast`), which is
what PyTorch does.  Sums of integer and bool tensors are int64, like
PyTorch's; mean, softmax and log_softmax need a floating-point input.
"""
from __future__ import annotations

from typing import Sequence

import torch

from ..opdef import Attr, OpDef, define
from ..types import TensorT, normalize_dim


def reduced_dims(dims: Sequence[int], rank: int) -> tuple[int, ...]:
    """`dims` normalized (non-negative, sorted); a 0-d tensor accepts dims 0
    and -1 and has nothing to reduce."""
    normalized = [normalize_dim(d, rank) for d in dims]
    seen = set()
    for d in normalized:
        if d in seen:
            raise ValueError(f"dim {d} appears multiple times in the list of dims")
        seen.add(d)
    return tuple(sorted(normalized)) if rank else ()


def reduced_shape(shape: tuple[int, ...], dims: Sequence[int], keepdim: bool) -> tuple[int, ...]:
    red = reduced_dims(dims, len(shape))
    if keepdim:
        return tuple(1 if i in red else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in red)


def _require_float(what: str, x: TensorT) -> None:
    if not x.is_float():
        raise TypeError(f"{what} expects a floating-point tensor, got {x} "
                        f"(pass dtype= or convert the input with .float())")


def _sum(x: TensorT, *, dims: list[int], keepdim: bool) -> list[TensorT]:
    dtype = x.dtype if x.is_float() else torch.int64
    return [TensorT(reduced_shape(x.shape, dims, keepdim), dtype)]


def _mean(x: TensorT, *, dims: list[int], keepdim: bool) -> list[TensorT]:
    _require_float("mean", x)
    return [TensorT(reduced_shape(x.shape, dims, keepdim), x.dtype)]


def _softmax_like(name: str):
    def rule(x: TensorT, *, dim: int) -> list[TensorT]:
        normalize_dim(dim, x.rank)
        _require_float(name, x)
        return [x]
    return rule


_DIMS = (Attr("dims", "ints"), Attr("keepdim", "bool", False))

OPS = define("reduction", [
    OpDef("sum", ("x",), _sum, attrs=_DIMS,
          aten=("aten::sum.dim_IntList(Tensor self, int[1]? dim, bool keepdim=False, *, "
                "ScalarType? dtype=None) -> Tensor",
                "aten::sum(Tensor self, *, ScalarType? dtype=None) -> Tensor"),
          doc="Sum over `dims`; integer and bool inputs accumulate and return int64."),
    OpDef("mean", ("x",), _mean, attrs=_DIMS,
          aten=("aten::mean.dim(Tensor self, int[1]? dim, bool keepdim=False, *, "
                "ScalarType? dtype=None) -> Tensor",
                "aten::mean(Tensor self, *, ScalarType? dtype=None) -> Tensor"),
          doc="Arithmetic mean over `dims` of a floating-point tensor."),
    OpDef("softmax", ("x",), _softmax_like("softmax"), attrs=(Attr("dim", "int"),),
          aten=("aten::softmax.int(Tensor self, int dim, ScalarType? dtype=None) -> Tensor",
                "aten::_softmax(Tensor self, int dim, bool half_to_float) -> Tensor"),
          doc="exp(x - max) / sum(exp(x - max)) along `dim` (numerically stable)."),
    OpDef("log_softmax", ("x",), _softmax_like("log_softmax"), attrs=(Attr("dim", "int"),),
          aten=("aten::log_softmax.int(Tensor self, int dim, ScalarType? dtype=None) -> Tensor",
                "aten::_log_softmax(Tensor self, int dim, bool half_to_float) -> Tensor"),
          doc="x - max - log(sum(exp(x - max))) along `dim` (numerically stable)."),
])
