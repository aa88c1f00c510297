"""Every MLIR context tsmlir creates: upstream dialects plus tsm (via IRDL)."""
from __future__ import annotations

import sys
import types
from functools import lru_cache

from mlir import ir
from mlir.dialects import irdl

from .dialects import irdl_text


#: Dialects of our IR with no Python module in MLIR's bindings: tsm (IRDL)
#: and amx (matmul_amx).  The bindings import `mlir.dialects.<namespace>`
#: whenever Python touches an op of a dialect whose module they have not
#: loaded, and a failed import is not remembered: each such op cost a failed
#: import (~100 us; 2 s of a bfloat16 ResNet-18's compile, 20000 amx ops
#: visited by the passes).  An empty module stands in for each.
for _namespace in ("tsm", "amx"):
    _name = f"mlir.dialects.{_namespace}"
    sys.modules.setdefault(_name, types.ModuleType(_name))


@lru_cache(maxsize=1)
def _dialect_source() -> str:
    return irdl_text()


def new_context() -> ir.Context:
    ctx = ir.Context()
    with ctx, ir.Location.unknown():
        irdl.load_dialects(ir.Module.parse(_dialect_source()))
    return ctx
