"""What a TorchScript value becomes during import.

Tensors become MLIR SSA values; numbers, strings, None, dtypes and lists of
them that are known at compile time stay Python values (folded); module
objects become `ModuleRef`; a dynamic tensor size becomes `DynSize`; anything
downstream of an unsupported op is `UNKNOWN` (so that every unsupported op of
a program is reported at once).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from mlir import ir


@dataclass(frozen=True)
class ModuleRef:
    obj: torch.jit.ScriptModule


@dataclass(frozen=True)
class FunctionRef:
    qualified_name: str


@dataclass(frozen=True)
class DynSize:
    """`tensor.size(dim)` of a dynamic dim: known only at run time."""
    tensor: ir.Value
    dim: int


class _Unknown:
    def __repr__(self):
        return "UNKNOWN"


UNKNOWN = _Unknown()


def is_tensor(v) -> bool:
    return isinstance(v, ir.Value) and isinstance(v.type, ir.RankedTensorType)
