"""Input specifications: what a compiled function accepts."""
from __future__ import annotations

from dataclasses import dataclass

import torch

from .dialects.types import DYN, SUPPORTED_DTYPES, TensorT
from .errors import TsmlirError


@dataclass(frozen=True)
class TensorSpec:
    """Shape (-1 marks a dynamic dim) and dtype of one tensor input."""
    shape: tuple[int, ...]
    dtype: torch.dtype = torch.float32

    def __init__(self, shape, dtype: torch.dtype = torch.float32):
        if shape is None:
            raise TsmlirError("TensorSpec needs a shape: tensors of unknown rank are not supported")
        shape = tuple(int(d) for d in shape)
        if any(d < DYN for d in shape):
            raise TsmlirError(f"TensorSpec shape {shape}: sizes must be >= 0, or -1 for a dynamic dim")
        if dtype not in SUPPORTED_DTYPES:
            raise TsmlirError(f"TensorSpec dtype {dtype} is not supported "
                              f"(supported: {', '.join(map(str, SUPPORTED_DTYPES))})")
        object.__setattr__(self, "shape", shape)
        object.__setattr__(self, "dtype", dtype)

    @classmethod
    def like(cls, t: torch.Tensor) -> "TensorSpec":
        return cls(tuple(t.shape), t.dtype)

    def tensor_type(self) -> TensorT:
        return TensorT(self.shape, self.dtype)

    def __str__(self) -> str:
        dims = ", ".join("?" if d == DYN else str(d) for d in self.shape)
        return f"TensorSpec(({dims}), {self.dtype})"
