"""aten reductions -> tsm.sum/mean/softmax/log_softmax.

`dim=None` and `dim=[]` reduce every dim (PyTorch's rule for the IntList
overloads).  A `dtype=` argument becomes a `tsm.cast` of the input before the
reduction, as in PyTorch; mean of an integer tensor is rejected as PyTorch
does.
"""
from __future__ import annotations

import torch
from mlir import ir

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


HANDLERS = {
    "aten::sum.dim_IntList": _reduce_dims("sum"),
    "aten::sum": _reduce_all("sum"),
    "aten::mean.dim": _reduce_dims("mean"),
    "aten::mean": _reduce_all("mean"),
    "aten::softmax.int": _softmax("softmax"),
    "aten::log_softmax.int": _softmax("log_softmax"),
    "aten::_softmax": _internal_softmax("softmax"),
    "aten::_log_softmax": _internal_softmax("log_softmax"),
}
