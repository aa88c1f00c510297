"""Schema-driven aten handlers, one module per op family.

Each family module exports `HANDLERS = {"aten::name.overload": fn}` where
`fn(cx: NodeContext, *inputs)` returns the node's result(s).  Inputs arrive
resolved: tensors as MLIR values, compile-time numbers/lists/None as Python.
In-place variants (`aten::relu_`) reuse the out-of-place handler.
"""
from . import (assemble, composite_math, constructors, counting, data_movement, elementwise,
               embedding_bag, indexing, linalg, losses, matmul, metadata, nn, norm, rearrange,
               recurrent, reduction, resize, sampling, sequence, shape, sort, special)

ATEN: dict = {}
for _family in (elementwise, matmul, reduction, shape, nn, sequence, data_movement, norm,
                indexing, constructors, sort, metadata, recurrent, rearrange, resize, sampling,
                composite_math, assemble, losses, counting, special, linalg, embedding_bag):
    for _name, _fn in _family.HANDLERS.items():
        assert _name not in ATEN, f"{_name} handled twice"
        ATEN[_name] = _fn


def supported_schemas() -> list[str]:
    return sorted(ATEN)
