"""aten reductions -> tsm reduction ops (sum, mean, prod, amax/amin, max/min,
argmax/argmin, any/all, var/std, logsumexp, softmax, log_softmax).

`dim=None` and `dim=[]` reduce every dim (PyTorch's rule for the IntList
overloads).  A `dtype=` argument becomes a `tsm.cast` of the input before the
reduction, as in PyTorch; mean of an integer tensor is rejected as PyTorch
does.  max/min without a dim are amax/amin over every dim; max.dim/min.dim
return (values, indices).  var/std's `unbiased` is `correction` 1 or 0.
logsumexp of an integer tensor computes in the default float dtype.
"""
from __future__ import annotations

import torch
from mlir import ir

from ... import dialects

from ..context import NodeContext

# c10::ScalarType codes as TorchScript constants carry them (`dtype=torch.float64` is 7).
_SCALAR_TYPES = {
    0: torch.uint8, 1: torch.int8, 2: torch.int16, 3: torch.int32, 4: torch.int64,
    5: torch.float16, 6: torch.float32, 7: torch.float64, 11: torch.bool, 15: torch.bfloat16,
}


def _dtype(cx: NodeContext, code) -> torch.dtype | None:
    if code is None or isinstance(code, torch.dtype):
        return code
    if isinstance(code, int) and code in _SCALAR_TYPES:
        return _SCALAR_TYPES[code]
    cx.fail(f"dtype {code!r} is not supported")


def _cast(cx: NodeContext, x: ir.Value, dtype: torch.dtype | None) -> ir.Value:
    if dtype is None or cx.type(x).dtype == dtype:
        return x
    return cx.build("cast", x, dtype=str(dtype).split(".")[1])


def _dims(cx: NodeContext, x: ir.Value, dims) -> list[int]:
    if dims is None or dims == []:
        return list(range(cx.type(x).rank))
    if isinstance(dims, int):
        return [dims]
    if isinstance(dims, (list, tuple)) and all(isinstance(d, int) for d in dims):
        return list(dims)
    cx.fail(f"dims must be a list of ints known at compile time, got {dims!r}")


def _flag(cx: NodeContext, value, name: str) -> bool:
    if not isinstance(value, bool):
        cx.fail(f"{name} must be a bool known at compile time, got {value!r}")
    return value


def _require_float_mean(cx: NodeContext, x: ir.Value, dtype: torch.dtype | None) -> None:
    """PyTorch refuses to guess a mean's dtype for integer inputs."""
    if dtype is not None and not dtype.is_floating_point:
        cx.fail(f"mean(): the dtype argument must be floating point, got {dtype}")
    if dtype is None and not cx.type(x).is_float():
        cx.fail(f"mean(): the input must be floating point, got {cx.type(x).dtype}; "
                f"pass dtype=torch.float32 or convert it with .float()")


def _reduce_dims(name: str):
    def handler(cx: NodeContext, x, dims, keepdim=False, dtype=None):
        dtype = _dtype(cx, dtype)
        if name == "mean":
            _require_float_mean(cx, x, dtype)
        return cx.build(name, _cast(cx, x, dtype), dims=_dims(cx, x, dims),
                        keepdim=_flag(cx, keepdim, "keepdim"))
    return handler


def _reduce_all(name: str):
    over_dims = _reduce_dims(name)

    def handler(cx: NodeContext, x, dtype=None):
        return over_dims(cx, x, None, False, dtype)
    return handler


def _softmax(name: str):
    def handler(cx: NodeContext, x, dim, dtype=None):
        if not isinstance(dim, int):
            cx.fail(f"dim must be an int known at compile time, got {dim!r}")
        return cx.build(name, _cast(cx, x, _dtype(cx, dtype)), dim=dim)
    return handler


def _internal_softmax(name: str):
    """`aten::_softmax(self, dim, half_to_float)`: what traced graphs may hold."""
    public = _softmax(name)

    def handler(cx: NodeContext, x, dim, half_to_float):
        dtype = None
        if _flag(cx, half_to_float, "half_to_float"):
            if cx.type(x).dtype not in (torch.float16, torch.bfloat16):
                cx.fail("half_to_float conversion is supported for half inputs only")
            dtype = torch.float32
        return public(cx, x, dim, dtype)
    return handler


def _int(cx: NodeContext, value, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        cx.fail(f"{name} must be an int known at compile time, got {value!r}")
    return value


def _values_indices(name: str):
    """max.dim/min.dim: a two-result op, returned as (values, indices)."""
    def handler(cx: NodeContext, x, dim, keepdim=False):
        try:
            values, indices = dialects.build(name, [x], dim=_int(cx, dim, "dim"),
                                             keepdim=_flag(cx, keepdim, "keepdim"))
        except (ValueError, TypeError) as e:
            cx.fail(str(e))
        return values, indices
    return handler


def _arg(name: str):
    def handler(cx: NodeContext, x, dim=None, keepdim=False):
        if dim is not None:
            dim = _int(cx, dim, "dim")
        return cx.build(name, x, dim=dim, keepdim=_flag(cx, keepdim, "keepdim"))
    return handler


def _logical(name: str):
    def handler(cx: NodeContext, x, dims=None, keepdim=False):
        return cx.build(name, x, dims=_dims(cx, x, dims), keepdim=_flag(cx, keepdim, "keepdim"))
    return handler


def _correction(cx: NodeContext, value) -> float:
    if value is None:
        return 1.0
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    cx.fail(f"correction must be a number known at compile time, got {value!r}")


def _spread(name: str):
    """var/std: the `correction` overload; `dim`/`all` adapt `unbiased` to it."""
    def correction(cx: NodeContext, x, dims=None, correction=None, keepdim=False):
        return cx.build(name, x, dims=_dims(cx, x, dims), correction=_correction(cx, correction),
                        keepdim=_flag(cx, keepdim, "keepdim"))

    def with_dims(cx: NodeContext, x, dims, unbiased=True, keepdim=False):
        return correction(cx, x, dims, int(_flag(cx, unbiased, "unbiased")), keepdim)

    def over_all(cx: NodeContext, x, unbiased=True):
        return with_dims(cx, x, None, unbiased, False)
    return correction, with_dims, over_all


def _logsumexp(cx: NodeContext, x, dims, keepdim=False):
    if not cx.type(x).is_float():
        x = _cast(cx, x, torch.get_default_dtype())
    return cx.build("logsumexp", x, dims=_dims(cx, x, dims), keepdim=_flag(cx, keepdim, "keepdim"))


_var, _var_dim, _var_all = _spread("var")
_std, _std_dim, _std_all = _spread("std")

HANDLERS = {
    "aten::sum.dim_IntList": _reduce_dims("sum"),
    "aten::sum": _reduce_all("sum"),
    "aten::mean.dim": _reduce_dims("mean"),
    "aten::mean": _reduce_all("mean"),
    "aten::softmax.int": _softmax("softmax"),
    "aten::log_softmax.int": _softmax("log_softmax"),
    "aten::_softmax": _internal_softmax("softmax"),
    "aten::_log_softmax": _internal_softmax("log_softmax"),
    "aten::amax": _reduce_dims("amax"),
    "aten::amin": _reduce_dims("amin"),
    "aten::max": _reduce_all("amax"),
    "aten::min": _reduce_all("amin"),
    "aten::max.dim": _values_indices("max"),
    "aten::min.dim": _values_indices("min"),
    "aten::argmax": _arg("argmax"),
    "aten::argmin": _arg("argmin"),
    "aten::prod.dim_int": _reduce_dims("prod"),
    "aten::prod": _reduce_all("prod"),
    "aten::any.dims": _logical("any"),
    "aten::any.dim": _logical("any"),
    "aten::any": _logical("any"),
    "aten::all.dims": _logical("all"),
    "aten::all.dim": _logical("all"),
    "aten::all": _logical("all"),
    "aten::var.correction": _var,
    "aten::var.dim": _var_dim,
    "aten::var": _var_all,
    "aten::std.correction": _std,
    "aten::std.dim": _std_dim,
    "aten::std": _std_all,
    "aten::logsumexp": _logsumexp,
}
