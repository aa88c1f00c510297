"""Tensor types as the type rules see them, and their MLIR spelling.

Type rules work on `TensorT` (a shape tuple with -1 for a dynamic dim and a
torch dtype) so that they can use PyTorch's own promotion rules; `to_mlir` /
`from_mlir` convert at the IR boundary.  torch.uint8 is MLIR's unsigned
`ui8` at the tensor level (so that its signedness survives to the lowering,
which computes on it as signless i8: see `lowering.builders.convert`).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from mlir import ir

DYN = -1

_DTYPES = {
    torch.float32: "f32", torch.float64: "f64", torch.float16: "f16",
    torch.bfloat16: "bf16", torch.int64: "i64", torch.int32: "i32",
    torch.int16: "i16", torch.int8: "i8", torch.uint8: "ui8", torch.bool: "i1",
}
_BY_NAME = {v: k for k, v in _DTYPES.items()}
SUPPORTED_DTYPES = tuple(_DTYPES)


@dataclass(frozen=True)
class TensorT:
    shape: tuple[int, ...]
    dtype: torch.dtype

    @property
    def rank(self) -> int:
        return len(self.shape)

    def is_float(self) -> bool:
        return self.dtype.is_floating_point

    def __str__(self) -> str:
        dims = "x".join("?" if d == DYN else str(d) for d in self.shape)
        return f"tensor<{dims + 'x' if dims else ''}{_DTYPES[self.dtype]}>"


def element_type(dtype: torch.dtype) -> ir.Type:
    try:
        return ir.Type.parse(_DTYPES[dtype])
    except KeyError:
        raise TypeError(f"dtype {dtype} is not supported "
                        f"(supported: {', '.join(map(str, SUPPORTED_DTYPES))})") from None


def dtype_of(elem: ir.Type) -> torch.dtype:
    return _BY_NAME[str(elem)]


def to_mlir(t: TensorT) -> ir.RankedTensorType:
    dyn = ir.ShapedType.get_dynamic_size()
    return ir.RankedTensorType.get([dyn if d == DYN else d for d in t.shape],
                                   element_type(t.dtype))


def from_mlir(ty: ir.Type) -> TensorT:
    rt = ir.RankedTensorType(ty)
    shape = tuple(DYN if rt.is_dynamic_dim(i) else rt.shape[i] for i in range(rt.rank))
    return TensorT(shape, dtype_of(rt.element_type))


def normalize_dim(dim: int, rank: int) -> int:
    if not -max(rank, 1) <= dim < max(rank, 1):
        raise ValueError(f"dimension {dim} out of range for rank {rank}")
    return dim % max(rank, 1)


def broadcast_shapes(*shapes: tuple[int, ...]) -> tuple[int, ...]:
    """NumPy/PyTorch broadcasting; a dynamic dim is assumed not to broadcast
    (it must equal the other side, checked at run time)."""
    rank = max((len(s) for s in shapes), default=0)
    out = []
    for i in range(rank):
        dims = [s[len(s) - rank + i] for s in shapes if len(s) - rank + i >= 0]
        static = {d for d in dims if d not in (1, DYN)}
        if len(static) > 1:
            raise ValueError(f"shapes {' and '.join(map(str, shapes))} are not broadcastable")
        if static:
            out.append(static.pop())
        elif DYN in dims:
            out.append(DYN)
        else:
            out.append(1)
    return tuple(out)
