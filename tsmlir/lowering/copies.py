"""tsm-copies-to-linalg: memref.copy -> linalg.copy.

In: memrefs after bufferization, where tensor.insert_slice / extract_slice
left `memref.copy` between (possibly strided) views.
Out: the same copies as `linalg.copy`, which tsm-cpu-vectorize tiles and
vectorizes; `memref.copy` of non-contiguous views would otherwise become a
call to the generic element-by-element `memrefCopy` of the runner utils.
"""
from mlir import ir
from mlir.dialects import linalg

from .passes import register


@register("tsm-copies-to-linalg", "Rewrite memref.copy as linalg.copy (vectorizable)")
def copies_to_linalg(module_op: ir.Operation) -> None:
    copies = []
    module_op.walk(lambda op: (copies.append(op.operation) if op.operation.name == "memref.copy"
                               else None) or ir.WalkResult.ADVANCE)
    for op in copies:
        src, dst = op.operands
        with ir.InsertionPoint(op), op.location:
            linalg.copy(src, outs=[dst])
        op.erase()
