"""Questions a program asks about a tensor or its context, answered at import.

Compiled code sees contiguous CPU tensors in strided layout, never nested,
never under autocast or autograd: `x.dtype`, `x.device`, `x.layout`,
`device.type`, `x.is_nested`, `torch.is_autocast_enabled()` and
`torch.is_grad_enabled()` fold to compile-time values (and `x.numel()`
where the shape is static; a run-time product of the sizes otherwise), which lets the
checks in scripted library code (torch.norm, nn.MultiheadAttention's fast
path, `x[i] = 2.0`) fold away with them.
"""
from __future__ import annotations

import torch

from ...dialects.types import DYN
from .. import scalars
from ..context import NodeContext
from ..values import DynSize, is_tensor
from .reduction import _SCALAR_TYPES

_SCALAR_TYPE_CODES = {dtype: code for code, dtype in _SCALAR_TYPES.items()}


def _tensor(cx: NodeContext, x, what: str):
    if not is_tensor(x):
        cx.fail(f"{what} needs a tensor, got {x!r}")
    return x


def _dtype(cx: NodeContext, x) -> int:
    """x.dtype as TorchScript has it: the c10::ScalarType code, an int, so that
    it compares equal to a `torch.bool` constant (`mask.dtype == torch.bool`
    in nn.MultiheadAttention) and feeds dtype= arguments like one
    (`x[i] = 2.0` scripts torch.tensor(2.0, dtype=x.dtype, device=x.device))."""
    return _SCALAR_TYPE_CODES[cx.type(_tensor(cx, x, "x.dtype")).dtype]


def _device(cx: NodeContext, x) -> torch.device:
    _tensor(cx, x, "x.device")
    return torch.device("cpu")


def _layout(cx: NodeContext, x) -> int:
    """0: torch.strided, the only layout compiled code sees."""
    _tensor(cx, x, "x.layout")
    return 0


def _device_type(cx: NodeContext, device) -> str:
    if not isinstance(device, torch.device):
        cx.fail(f"expected a device known at compile time, got {device!r}")
    return device.type


def _is_nested(cx: NodeContext, x) -> bool:
    _tensor(cx, x, "x.is_nested")
    return False


def _numel(cx: NodeContext, x):
    """The element count: an int for static shapes, else the run-time
    product of the sizes (LocalResponseNorm's and EmbeddingBag's checks)."""
    count = 1
    for i, d in enumerate(cx.type(_tensor(cx, x, "x.numel()")).shape):
        size = DynSize(x, i) if d == DYN else d
        count = size * count if isinstance(size, int) and isinstance(count, int) \
            else scalars.build("aten::mul", [count, size])
    return count


def _never(cx: NodeContext, *device_type) -> bool:
    return False


HANDLERS = {
    "prim::dtype": _dtype,
    "prim::device": _device,
    "prim::layout": _layout,
    "prim::type": _device_type,
    "prim::is_nested": _is_nested,
    "aten::is_autocast_enabled": _never,
    "aten::is_grad_enabled": _never,
    "aten::numel": _numel,
}
