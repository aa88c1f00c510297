"""Every MLIR context tsmlir creates: upstream dialects plus tsm (via IRDL)."""
from __future__ import annotations

from functools import lru_cache

from mlir import ir
from mlir.dialects import irdl

from .dialects import irdl_text


@lru_cache(maxsize=1)
def _dialect_source() -> str:
    return irdl_text()


def new_context() -> ir.Context:
    ctx = ir.Context()
    with ctx, ir.Location.unknown():
        irdl.load_dialects(ir.Module.parse(_dialect_source()))
    return ctx
