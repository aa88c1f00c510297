"""`NodeContext`: what an aten handler sees while translating one node."""
from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from mlir import ir

from .. import dialects
from ..dialects.types import TensorT, from_mlir
from ..errors import SourceLoc, TorchScriptImportError
from ..lowering.builders import assert_true
from . import scalars
from .locations import user_frame
from .values import is_tensor

if TYPE_CHECKING:
    from .graph import Importer


class NodeContext:
    def __init__(self, importer: "Importer", node: torch._C.Node, frames: list[SourceLoc]):
        self.importer, self.node, self.frames = importer, node, frames

    @property
    def loc(self) -> SourceLoc | None:
        return user_frame(self.frames)

    def fail(self, message: str):
        raise TorchScriptImportError(f"{self.node.kind()}: {message}", self.loc)

    def aten(self, schema: str, *args):
        """Another aten op's handler on these arguments (its checks and type
        rules included): for ops composed of others."""
        from .aten import ATEN
        return ATEN[schema](self, *args)

    def check_all(self, cond: ir.Value, message: str) -> None:
        """A run-time error with `message` unless every element of the bool
        tensor `cond` holds."""
        every = self.build("all", cond, dims=list(range(self.type(cond).rank)), keepdim=False)
        assert_true(scalars.item(every), message)

    def build(self, name: str, *operands: ir.Value | None, **attrs) -> ir.Value:
        """Build a single-result tsm op; a type-rule error becomes an import error."""
        try:
            (result,) = dialects.build(name, list(operands), **attrs)
        except (ValueError, TypeError) as e:
            self.fail(str(e))
        return result

    def type(self, v: ir.Value) -> TensorT:
        return from_mlir(v.type)

    def constant(self, value: torch.Tensor, name: str = "") -> ir.Value:
        return self.importer.constant(value, name)

    def scalar(self, value, like: ir.Value) -> ir.Value:
        """A Python number as a 0-d tensor, typed by PyTorch's tensor-scalar rule
        (an int out of the dtype's range wraps, as PyTorch's conversion does)."""
        wide = torch.float64 if isinstance(value, float) else torch.int64
        return self.constant(torch.tensor(value, dtype=wide).to(
            scalar_dtype(value, self.type(like).dtype)))

    def tensor(self, v, like: ir.Value) -> ir.Value:
        """Accept a tensor value or a Python number (made a 0-d tensor)."""
        if is_tensor(v):
            return v
        if isinstance(v, (bool, int, float)):
            return self.scalar(v, like)
        kind = scalars.kind_of(v)
        if kind is not None:  # a run-time scalar: a 0-d tensor, same promotion rule
            sample = {scalars.INT: 0, scalars.FLOAT: 0.0, scalars.BOOL: False}[kind]
            return scalars.to_tensor(v, scalar_dtype(sample, self.type(like).dtype))
        self.fail(f"expected a tensor or a number, got {type(v).__name__}")


def scalar_dtype(value, tensor_dtype: torch.dtype) -> torch.dtype:
    """dtype a Python scalar takes next to a tensor (PyTorch's promotion:
    scalars only change the category, never the width)."""
    if isinstance(value, bool):
        return tensor_dtype
    if isinstance(value, int):
        return torch.int64 if tensor_dtype == torch.bool else tensor_dtype
    if isinstance(value, float):
        return tensor_dtype if tensor_dtype.is_floating_point else torch.get_default_dtype()
    raise TypeError(f"not a scalar: {value!r}")
