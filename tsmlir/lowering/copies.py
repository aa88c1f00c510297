"""tsm-copies-to-linalg: memref.copy -> linalg.copy.

In: memrefs after bufferization, where tensor.insert_slice / extract_slice
left `memref.copy` between (possibly strided) views.
Out: those whose views have a unit innermost stride as `linalg.copy`, which
tsm-cpu-vectorize tiles and vectorizes; `memref.copy` of non-contiguous views
would otherwise call the runner utils' element-by-element `memrefCopy`.
Gathers (strided innermost dim) stay memref.copy: their vector code is large
(compile time) for little gain.
"""
from mlir import ir
from mlir.dialects import linalg

from .passes import register


def _unit_inner_stride(t: ir.Type) -> bool:
    strides, _ = ir.MemRefType(t).get_strides_and_offset()
    return not strides or strides[-1] == 1


@register("tsm-copies-to-linalg", "Rewrite memref.copy as linalg.copy (vectorizable)")
def copies_to_linalg(module_op: ir.Operation) -> None:
    copies = []
    module_op.walk(lambda op: (copies.append(op.operation) if op.operation.name == "memref.copy"
                               else None) or ir.WalkResult.ADVANCE)
    for op in copies:
        src, dst = op.operands
        if not (_unit_inner_stride(src.type) and _unit_inner_stride(dst.type)):
            continue  # gathers: vectorized code would be large for little gain
        with ir.InsertionPoint(op), op.location:
            linalg.copy(src, outs=[dst])
        op.erase()
