"""Sorting and selection ops along one dim: sort (values and indices), topk,
kthvalue, median and nanmedian; searchsorted (bucketize) into sorted rows.

All share PyTorch's order: NaN is greater than every number (it comes last
ascending, first descending), equal elements keep their input order (a
stable sort), bool sorts false before true.  Indices are int64 positions
along `dim` in the input.  `dim` may be negative; a 0-d tensor behaves as one
element along dim 0 or -1.  kthvalue and the medians need a non-empty dim.
"""
from __future__ import annotations

import torch

from ..opdef import Attr, OpDef, define
from ..types import DYN, TensorT, normalize_dim
from .reduction import reduced_shape


def _sort(x: TensorT, *, dim: int, descending: bool) -> list[TensorT]:
    normalize_dim(dim, x.rank)
    return [x, TensorT(x.shape, torch.int64)]


def _size_along(x: TensorT, dim: int) -> int:
    """Static size of `dim` (1 for a 0-d tensor), or DYN."""
    return x.shape[normalize_dim(dim, x.rank)] if x.rank else 1


def _topk(x: TensorT, *, k: int, dim: int, largest: bool) -> list[TensorT]:
    n = _size_along(x, dim)
    if k < 0 or (n != DYN and k > n):
        raise ValueError(f"selected index k={k} out of range for a dim of size {n}")
    shape = list(x.shape)
    if x.rank:
        shape[normalize_dim(dim, x.rank)] = k
    elif k != 1:
        raise ValueError(f"k must be 1 for a 0-d tensor, got {k}")
    return [TensorT(tuple(shape), x.dtype), TensorT(tuple(shape), torch.int64)]


def _selected(x: TensorT, dim: int, keepdim: bool) -> list[TensorT]:
    if _size_along(x, dim) == 0:
        raise ValueError(f"expected reduction dim {dim} to have non-zero size")
    shape = reduced_shape(x.shape, [dim], keepdim)
    return [TensorT(shape, x.dtype), TensorT(shape, torch.int64)]


def _kthvalue(x: TensorT, *, k: int, dim: int, keepdim: bool) -> list[TensorT]:
    n = _size_along(x, dim)
    if k < 1 or (n != DYN and k > n):
        raise ValueError(f"k={k} out of range for a dim of size {n} (1 <= k <= size)")
    return _selected(x, dim, keepdim)


def _median(x: TensorT, *, dim: int, keepdim: bool) -> list[TensorT]:
    return _selected(x, dim, keepdim)


def _searchsorted(sorted_sequence: TensorT, values: TensorT, *, right: bool,
                  out_int32: bool) -> list[TensorT]:
    """A 1-d sorted sequence serves every value; an N-d one has one row per
    row of `values` (the same leading dims)."""
    s = sorted_sequence
    if s.dtype != values.dtype:
        raise TypeError(f"the sorted sequence and the values must have one dtype, got {s} "
                        f"and {values}")
    if s.rank == 0:
        raise ValueError("the sorted sequence must have at least one dim")
    if s.rank > 1:
        if s.rank != values.rank:
            raise ValueError(f"an N-d sorted sequence {s} needs values of the same rank, "
                             f"got {values}")
        for a, c in zip(s.shape[:-1], values.shape[:-1]):
            if DYN not in (a, c) and a != c:
                raise ValueError(f"the leading dims of the sorted sequence {s} and the values "
                                 f"{values} differ")
    return [TensorT(values.shape, torch.int32 if out_int32 else torch.int64)]


_VALUES_INDICES = ("values", "indices")

OPS = define("sort", [
    OpDef("sort", ("x",), _sort, results=_VALUES_INDICES,
          attrs=(Attr("dim", "int"), Attr("descending", "bool", False)),
          aten=("aten::sort(Tensor self, int dim=-1, bool descending=False) -> "
                "(Tensor values, Tensor indices)",
                "aten::sort.stable(Tensor self, *, bool? stable, int dim=-1, "
                "bool descending=False) -> (Tensor values, Tensor indices)",
                "aten::argsort(Tensor self, int dim=-1, bool descending=False) -> Tensor",
                "aten::argsort.stable(Tensor self, *, bool stable, int dim=-1, "
                "bool descending=False) -> Tensor",
                "aten::msort(Tensor self) -> Tensor"),
          doc="Stable sort along `dim` (NaN last ascending, first descending) and the "
              "int64 input positions of the sorted values."),
    OpDef("topk", ("x",), _topk, results=_VALUES_INDICES,
          attrs=(Attr("k", "int"), Attr("dim", "int"), Attr("largest", "bool", True)),
          aten=("aten::topk(Tensor self, SymInt k, int dim=-1, bool largest=True, "
                "bool sorted=True) -> (Tensor values, Tensor indices)",),
          doc="The k largest (or smallest) elements along `dim`, in sorted order (ties "
              "in input order), and their int64 positions."),
    OpDef("kthvalue", ("x",), _kthvalue, results=_VALUES_INDICES,
          attrs=(Attr("k", "int"), Attr("dim", "int"), Attr("keepdim", "bool", False)),
          aten=("aten::kthvalue(Tensor self, SymInt k, int dim=-1, bool keepdim=False) -> "
                "(Tensor values, Tensor indices)",),
          doc="The k-th smallest element (1-based) along `dim` and its int64 position."),
    OpDef("median", ("x",), _median, results=_VALUES_INDICES,
          attrs=(Attr("dim", "int"), Attr("keepdim", "bool", False)),
          aten=("aten::median.dim(Tensor self, int dim, bool keepdim=False) -> "
                "(Tensor values, Tensor indices)",
                "aten::median(Tensor self) -> Tensor"),
          doc="The lower median along `dim` and its int64 position; a NaN in the slice "
              "gives NaN and the position of the first NaN."),
    OpDef("nanmedian", ("x",), _median, results=_VALUES_INDICES,
          attrs=(Attr("dim", "int"), Attr("keepdim", "bool", False)),
          aten=("aten::nanmedian.dim(Tensor self, int dim, bool keepdim=False) -> "
                "(Tensor values, Tensor indices)",
                "aten::nanmedian(Tensor self) -> Tensor"),
          doc="The lower median of the non-NaN elements along `dim` and its int64 "
              "position (NaN and 0 when all are NaN)."),
    OpDef("searchsorted", ("sorted_sequence", "values"), _searchsorted,
          attrs=(Attr("right", "bool", False), Attr("out_int32", "bool", False)),
          aten=("aten::searchsorted.Tensor(Tensor sorted_sequence, Tensor self, *, "
                "bool out_int32=False, bool right=False, str? side=None, Tensor? sorter=None) "
                "-> Tensor",
                "aten::bucketize.Tensor(Tensor self, Tensor boundaries, *, bool out_int32=False, "
                "bool right=False) -> Tensor"),
          doc="For each value, the position PyTorch's binary search finds in its sorted "
              "row: the elements < it (<= with `right`); a NaN value goes last."),
])
