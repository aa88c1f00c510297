"""Constructors: tensors made from sizes and numbers, not from other tensors' values.

Sizes known only at run time come in one optional operand `sizes`: a 1-D
i64 tensor holding, in order, the size of each dynamic (-1) dim of `shape`.
Numbers (fill value, arange's start and step) are 0-d tensor operands, so
that compile-time constants and run-time scalars take the same path.
"""
import torch

from ..opdef import Attr, OpDef, define
from ..types import DYN, TensorT


def _check_sizes(shape, sizes: TensorT | None) -> tuple[int, ...]:
    shape = tuple(shape)
    if any(d < DYN for d in shape):
        raise ValueError(f"invalid shape {list(shape)}: sizes must be >= 0 (or -1 for a dynamic dim)")
    n_dyn = shape.count(DYN)
    if sizes is None:
        if n_dyn:
            raise ValueError(f"shape {list(shape)} has {n_dyn} dynamic dim(s) but no 'sizes' operand")
        return shape
    if sizes.dtype != torch.int64 or sizes.shape != (n_dyn,):
        raise ValueError(f"'sizes' must be a tensor<{n_dyn}xi64> (one size per dynamic dim of "
                         f"{list(shape)}), got {sizes}")
    return shape


def _full(value: TensorT, sizes: TensorT | None = None, *, shape) -> list[TensorT]:
    if value.rank != 0:
        raise ValueError(f"the fill value must be a 0-d tensor, got {value}")
    return [TensorT(_check_sizes(shape, sizes), value.dtype)]


def _arange(start: TensorT, step: TensorT, sizes: TensorT | None = None, *, size,
            dtype) -> list[TensorT]:
    for name, t in (("start", start), ("step", step)):
        if t.rank != 0 or t.dtype not in (torch.int64, torch.float64):
            raise ValueError(f"'{name}' must be a 0-d i64 or f64 tensor, got {t}")
    try:
        result = getattr(torch, dtype)
    except AttributeError:
        raise ValueError(f"unknown dtype '{dtype}'") from None
    if not isinstance(result, torch.dtype) or result == torch.bool:
        raise ValueError(f"arange cannot produce dtype '{dtype}'")
    return [TensorT(_check_sizes((size,), sizes), result)]


OPS = define("constructors", [
    OpDef("full", ("value", "sizes?"), _full, attrs=(Attr("shape", "ints"),),
          aten=("aten::full(SymInt[] size, Scalar fill_value, *, ScalarType? dtype=None, "
                "Layout? layout=None, Device? device=None, bool? pin_memory=None) -> Tensor",),
          doc="A tensor of `shape` with every element equal to the 0-d `value` (the result "
              "dtype is value's); dynamic dims (-1) take their sizes from `sizes`, which must "
              "be >= 0 at run time (checked)."),
    OpDef("arange", ("start", "step", "sizes?"), _arange,
          attrs=(Attr("size", "int"), Attr("dtype", "str")),
          aten=("aten::arange.start_step(Scalar start, Scalar end, Scalar step=1, *, "
                "ScalarType? dtype=None, Layout? layout=None, Device? device=None, "
                "bool? pin_memory=None) -> Tensor",),
          doc="1-D tensor of `size` elements start + i * step, computed as PyTorch does in "
              "the accumulate type of `dtype` (f64 for f32/f64, f32 for f16/bf16, i64 for "
              "integers: start and step are truncated first); a dynamic size (-1) comes from "
              "`sizes` and must be >= 0 at run time (checked)."),
])
