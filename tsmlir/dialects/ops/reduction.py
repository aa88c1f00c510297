"""Reduction ops: sum, mean, prod, amax/amin, any/all, var/std,
logsumexp and vector_norm over a list of dims; max/min (values and indices)
and argmax/argmin along one dim; softmax, log_softmax and the scans
cumsum/cumprod/logcumsumexp and cummax/cummin (values and indices) along
one dim.

Dims may be negative (counted from the end) and are validated by the type
rules; `reduced_dims` is the one place that normalizes them, used by the
rules and by the lowering.  An optional `dtype=` of the aten op is not an
attribute here: the importer casts the input first (`tsm.cast`), which is
what PyTorch does.  Sums of integer and bool tensors are int64, like
PyTorch's (so are products and the scans); mean, var, std, logsumexp,
vector_norm, softmax and log_softmax need a floating-point input.  Indices
are int64.
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


def _same_dtype(x: TensorT, *, dims: list[int], keepdim: bool) -> list[TensorT]:
    return [TensorT(reduced_shape(x.shape, dims, keepdim), x.dtype)]


def _float_reduction(name: str):
    def rule(x: TensorT, **attrs) -> list[TensorT]:
        _require_float(name, x)
        return [TensorT(reduced_shape(x.shape, attrs["dims"], attrs["keepdim"]), x.dtype)]
    return rule


def _logical(x: TensorT, *, dims: list[int], keepdim: bool) -> list[TensorT]:
    return [TensorT(reduced_shape(x.shape, dims, keepdim), torch.bool)]


def _values_indices(x: TensorT, *, dim: int, keepdim: bool) -> list[TensorT]:
    shape = reduced_shape(x.shape, [dim], keepdim)
    return [TensorT(shape, x.dtype), TensorT(shape, torch.int64)]


def _arg(x: TensorT, *, dim: int | None, keepdim: bool) -> list[TensorT]:
    """dim=None indexes the flattened tensor; keepdim then keeps every dim as 1."""
    if x.dtype == torch.bool:
        raise TypeError(f"argmax/argmin are not defined for bool tensors, got {x}")
    if dim is None:
        shape = (1,) * x.rank if keepdim else ()
    else:
        shape = reduced_shape(x.shape, [dim], keepdim)
    return [TensorT(shape, torch.int64)]


def _scan(x: TensorT, *, dim: int) -> list[TensorT]:
    normalize_dim(dim, x.rank)
    return [TensorT(x.shape, x.dtype if x.is_float() else torch.int64)]


def _float_scan(x: TensorT, *, dim: int) -> list[TensorT]:
    normalize_dim(dim, x.rank)
    _require_float("logcumsumexp", x)
    return [x]


def _scan_values_indices(x: TensorT, *, dim: int) -> list[TensorT]:
    normalize_dim(dim, x.rank)
    return [x, TensorT(x.shape, torch.int64)]


def _vector_norm(x: TensorT, *, ord: float, dims: list[int], keepdim: bool) -> list[TensorT]:
    """inf and negative orders have no identity: an empty reduction is an error."""
    _require_float("vector_norm", x)
    if ord < 0 or ord == float("inf"):
        if any(x.shape[d] == 0 for d in reduced_dims(dims, x.rank)):
            raise ValueError(f"the {ord} norm of an empty tensor is undefined (no identity)")
    return [TensorT(reduced_shape(x.shape, dims, keepdim), x.dtype)]


def _cumulative(name: str, what: str) -> OpDef:
    """cumsum / cumprod: the same schema and attribute, mirrored."""
    return OpDef(name, ("x",), _scan, attrs=(Attr("dim", "int"),), aten=(
        f"aten::{name}(Tensor self, int dim, *, ScalarType? dtype=None) -> Tensor",),
        doc=f"Cumulative {what} along `dim`; integer and bool inputs accumulate and return "
            f"int64.")


_DIMS = (Attr("dims", "ints"), Attr("keepdim", "bool", False))
_DIM = (Attr("dim", "int"), Attr("keepdim", "bool", False))

_CORRECTED = (Attr("dims", "ints"), Attr("correction", "float", 1.0),
              Attr("keepdim", "bool", False))


def _corrected(name: str, doc: str) -> OpDef:
    """var / std: the same schemas and attributes, mirrored."""
    return OpDef(name, ("x",), _float_reduction(name), attrs=_CORRECTED, doc=doc, aten=(
        f"aten::{name}.correction(Tensor self, int[1]? dim=None, *, Scalar? correction=None, "
        "bool keepdim=False) -> Tensor",
        f"aten::{name}.dim(Tensor self, int[1]? dim, bool unbiased=True, bool keepdim=False) "
        "-> Tensor",
        f"aten::{name}(Tensor self, bool unbiased=True) -> Tensor"))


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
    OpDef("amax", ("x",), _same_dtype, attrs=_DIMS,
          aten=("aten::amax(Tensor self, int[1] dim=[], bool keepdim=False) -> Tensor",
                "aten::max(Tensor self) -> Tensor"),
          doc="Maximum over `dims`; NaN propagates."),
    OpDef("amin", ("x",), _same_dtype, attrs=_DIMS,
          aten=("aten::amin(Tensor self, int[1] dim=[], bool keepdim=False) -> Tensor",
                "aten::min(Tensor self) -> Tensor"),
          doc="Minimum over `dims`; NaN propagates."),
    OpDef("max", ("x",), _values_indices, attrs=_DIM, results=("values", "indices"),
          aten=("aten::max.dim(Tensor self, int dim, bool keepdim=False) -> "
                "(Tensor values, Tensor indices)",),
          doc="Maximum along `dim` and the int64 index of its first occurrence "
              "(a NaN wins and gives its own index)."),
    OpDef("min", ("x",), _values_indices, attrs=_DIM, results=("values", "indices"),
          aten=("aten::min.dim(Tensor self, int dim, bool keepdim=False) -> "
                "(Tensor values, Tensor indices)",),
          doc="Minimum along `dim` and the int64 index of its first occurrence "
              "(a NaN wins and gives its own index)."),
    OpDef("argmax", ("x",), _arg,
          attrs=(Attr("dim", "int", optional=True), Attr("keepdim", "bool", False)),
          aten=("aten::argmax(Tensor self, int? dim=None, bool keepdim=False) -> Tensor",),
          doc="int64 index of the first maximum along `dim`, or in the flattened tensor "
              "when `dim` is absent."),
    OpDef("argmin", ("x",), _arg,
          attrs=(Attr("dim", "int", optional=True), Attr("keepdim", "bool", False)),
          aten=("aten::argmin(Tensor self, int? dim=None, bool keepdim=False) -> Tensor",),
          doc="int64 index of the first minimum along `dim`, or in the flattened tensor "
              "when `dim` is absent."),
    OpDef("prod", ("x",), _sum, attrs=_DIMS,
          aten=("aten::prod.dim_int(Tensor self, int dim, bool keepdim=False, *, "
                "ScalarType? dtype=None) -> Tensor",
                "aten::prod(Tensor self, *, ScalarType? dtype=None) -> Tensor"),
          doc="Product over `dims`; integer and bool inputs accumulate and return int64."),
    OpDef("any", ("x",), _logical, attrs=_DIMS,
          aten=("aten::any.dims(Tensor self, int[]? dim=None, bool keepdim=False) -> Tensor",
                "aten::any.dim(Tensor self, int dim, bool keepdim=False) -> Tensor",
                "aten::any(Tensor self) -> Tensor"),
          doc="Whether any element over `dims` is nonzero (bool result)."),
    OpDef("all", ("x",), _logical, attrs=_DIMS,
          aten=("aten::all.dims(Tensor self, int[]? dim=None, bool keepdim=False) -> Tensor",
                "aten::all.dim(Tensor self, int dim, bool keepdim=False) -> Tensor",
                "aten::all(Tensor self) -> Tensor"),
          doc="Whether every element over `dims` is nonzero (bool result)."),
    _corrected("var", "Variance over `dims`: sum((x - mean)^2) / max(N - correction, 0)."),
    _corrected("std", "Standard deviation over `dims`: sqrt of `var`."),
    OpDef("logsumexp", ("x",), _float_reduction("logsumexp"), attrs=_DIMS,
          aten=("aten::logsumexp(Tensor self, int[1] dim, bool keepdim=False) -> Tensor",),
          doc="max + log(sum(exp(x - max))) over `dims` (numerically stable)."),
    _cumulative("cumsum", "sum"),
    _cumulative("cumprod", "product"),
    OpDef("logcumsumexp", ("x",), _float_scan, attrs=(Attr("dim", "int"),),
          aten=("aten::logcumsumexp(Tensor self, int dim) -> Tensor",),
          doc="log(cumsum(exp(x))) along `dim`, each step shifted by the larger operand."),
    OpDef("cummax", ("x",), _scan_values_indices, attrs=(Attr("dim", "int"),),
          results=("values", "indices"),
          aten=("aten::cummax(Tensor self, int dim) -> (Tensor values, Tensor indices)",),
          doc="Running maximum along `dim` and the int64 position of its last occurrence "
              "(a NaN takes over)."),
    OpDef("cummin", ("x",), _scan_values_indices, attrs=(Attr("dim", "int"),),
          results=("values", "indices"),
          aten=("aten::cummin(Tensor self, int dim) -> (Tensor values, Tensor indices)",),
          doc="Running minimum along `dim` and the int64 position of its last occurrence "
              "(a NaN takes over)."),
    OpDef("vector_norm", ("x",), _vector_norm,
          attrs=(Attr("ord", "float", 2.0), *_DIMS),
          aten=("aten::linalg_vector_norm(Tensor self, Scalar ord=2, int[1]? dim=None, "
                "bool keepdim=False, *, ScalarType? dtype=None) -> Tensor",
                "aten::norm.Scalar(Tensor self, Scalar p=2) -> Tensor",
                "aten::norm.ScalarOpt_dim(Tensor self, Scalar? p, int[1] dim, "
                "bool keepdim=False) -> Tensor",
                "aten::frobenius_norm.dim(Tensor self, int[1] dim, bool keepdim=False) -> Tensor"),
          doc="sum(|x|^ord)^(1/ord) over `dims`; ord inf/-inf is max/min |x|, ord 0 counts "
              "nonzeros."),
])
