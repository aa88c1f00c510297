"""What a TorchScript value becomes during import.

Tensors become MLIR SSA values of ranked tensor type; run-time scalars
become MLIR SSA values of type i64 (int), f64 (float) or i1 (bool).  Numbers,
strings, None, dtypes and lists, tuples and NamedTuples of them that are
known at compile time stay Python values (folded); module objects become
`ModuleRef`; instances of TorchScript classes become `ObjectValue`; a dynamic tensor
size becomes `DynSize` (materialized as an i64 only when arithmetic needs
it); `prim::Uninitialized` is `UNINIT`; a list of tensors filled one row per
loop iteration is a `RowBuffer`; anything downstream of an
unsupported op is `UNKNOWN` (so that every unsupported op of a program is
reported at once).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from mlir import ir


@dataclass(frozen=True)
class ModuleRef:
    obj: torch.jit.ScriptModule
    path: str = ""  # dotted name from the root module ("" for the root)

    def child(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name


class ObjectValue:
    """An instance of a TorchScript class (`@torch.jit.script class`): its
    fields, set by `prim::SetAttr` (in `__init__`), read by `prim::GetAttr`."""

    def __init__(self, qualified_name: str):
        self.qualified_name = qualified_name
        self.fields: dict[str, object] = {}

    def __repr__(self):
        return f"<{self.qualified_name} object>"


@dataclass(frozen=True)
class FunctionRef:
    qualified_name: str


@dataclass(frozen=True)
class DynSize:
    """`tensor.size(dim)` of a dynamic dim: known only at run time."""
    tensor: ir.Value
    dim: int


@dataclass(frozen=True)
class RowBuffer:
    """A list of tensors appended to once per iteration of a loop, stored as
    the stacked tensor (`buffer`, rows along dim 0; in a loop with a
    data-dependent trip count, a growable buffer with spare rows).  Inside the
    loop `index` (an index value) is the row the next append writes; after
    the loop (`filled`) it is None and every row is filled (`length` rows,
    an int or an index value).  A list of numbers stores them as 0-d rows
    (int64, float64, bool)."""
    buffer: ir.Value
    length: object
    index: ir.Value | None = None
    filled: bool = False


class _Marker:
    def __init__(self, name: str):
        self.name = name

    def __repr__(self):
        return self.name


UNKNOWN = _Marker("UNKNOWN")
UNINIT = _Marker("UNINIT")


def is_tensor(v) -> bool:
    return isinstance(v, ir.Value) and isinstance(v.type, ir.RankedTensorType)


def is_runtime_scalar(v) -> bool:
    """A scalar known only at run time (an i64/f64/i1 value or a dynamic size)."""
    return isinstance(v, DynSize) or isinstance(v, ir.Value) and not isinstance(
        v.type, ir.RankedTensorType)
