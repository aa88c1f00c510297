"""tsm-fuse-matmul-epilogue and tsm-matmul-epilogue-fallback: a ReLU after
a matmul applied by the matmul kernel as it stores C.

tsm-fuse-matmul-epilogue.  In: linalg on tensors (after tsm-to-linalg),
where `relu(x @ W + b)` is a `linalg.matmul` (accumulating into the
broadcast bias) whose result, directly or through tensor reshapes (a
convolution's im2col product expanded back to NCHW), has one user: a
pointwise `linalg.generic` computing max(x, 0) of it and nothing else.
Out: the matmul carries `kernel_emit.EPILOGUE_ATTR = "relu"` and the
generic is gone (its users read the matmul's result or the reshape): one
pass over C fewer per layer.

tsm-matmul-epilogue-fallback.  In: bufferized IR, right before
tsm-cpu-vectorize (the passes before it that lower matmuls honour the mark:
tsm-vectorize-narrow-matmul; or never see a marked one:
tsm-vectorize-matvec, whose few-row matmuls are not marked).  Out: a
marked matmul that the packed kernels of `matmul_codegen` will not take
(dynamic sizes, few rows, a layout they do not read) loses its mark and is followed by the ReLU as a pointwise
`linalg.generic` over C (which tsm-cpu-vectorize vectorizes like any other):
only the packed kernels honour the mark, every other path sees plain
matmuls.  Other code that lowers a marked matmul reads the mark with
`kernel_emit.epilogue_of` and either applies it or calls `materialize`.
"""
from __future__ import annotations

import math

from mlir import ir
from mlir.dialects import arith, linalg

from . import cpu_codegen, kernel_emit, matmul_codegen, matvec_codegen
from .ir_walk import as_op, collect, indexing_maps, is_identity_map, owner_op, use_count
from .passes import register

_RESHAPES = ("tensor.expand_shape", "tensor.collapse_shape")


def _is_positive_zero(v: ir.Value) -> bool:
    op = owner_op(v)
    if op is None or op.name != "arith.constant":
        return False
    attr = op.attributes["value"]
    return isinstance(attr, ir.FloatAttr) and attr.value == 0.0 and \
        math.copysign(1.0, attr.value) > 0


def _relu_input(g: ir.Operation) -> ir.Value | None:
    """The tensor that g computes max(x, 0) of, element by element, if g
    is exactly that: a linalg.generic on a float tensor, all loops
    parallel, identity maps, one input (or only its destination) read,
    a body of one arith.maximumf with +0.0 and the yield."""
    if g.name != "linalg.generic" or len(g.results) != 1:
        return None
    t = g.results[0].type
    if not isinstance(t, ir.RankedTensorType) or not isinstance(t.element_type, ir.FloatType):
        return None
    if any("parallel" not in str(it) for it in ir.ArrayAttr(g.attributes["iterator_types"])):
        return None
    if not all(map(is_identity_map, indexing_maps(g))):
        return None
    block = g.regions[0].blocks[0]
    args = list(block.arguments)
    if len(args) == 2 and use_count(args[1]) == 0:
        x, arg = g.operands[0], args[0]  # ins(x) outs(fresh)
    elif len(args) == 1:
        x, arg = g.operands[0], args[0]  # outs(x), in place
    else:
        return None
    body = [as_op(o) for o in block.operations]
    if len(body) != 2 or body[0].name != "arith.maximumf" or body[1].name != "linalg.yield":
        return None
    a, b = body[0].operands
    if not ((a == arg and _is_positive_zero(b)) or (b == arg and _is_positive_zero(a))):
        return None
    if body[1].operands[0] != body[0].results[0] or x.type != t:
        return None
    return x


def _few_rows(mm: ir.Operation) -> bool:
    """A static row count that tsm-vectorize-matvec may take (it runs
    before the fallback and knows no epilogue; a ReLU over so few rows
    costs next to nothing anyway)."""
    t = ir.RankedTensorType(mm.results[0].type)
    return not t.is_dynamic_dim(0) and t.shape[0] <= matvec_codegen.MAX_ROWS


def _single_use_matmul(x: ir.Value) -> ir.Operation | None:
    """The unmarked linalg.matmul (not a few-row one) whose result x is,
    directly or through reshapes, each value on the way used once."""
    while use_count(x) == 1:
        op = owner_op(x)
        if op is None:
            return None
        if op.name in _RESHAPES:
            x = op.operands[0]
            continue
        if op.name == "linalg.matmul" and kernel_emit.EPILOGUE_ATTR not in op.attributes \
                and not _few_rows(op):
            return op
        return None
    return None


def fuse_relu(g: ir.Operation) -> bool:
    """Mark the matmul that g is the ReLU of and drop g; False if g is not
    the only use of a matmul's ReLU."""
    x = _relu_input(g)
    mm = _single_use_matmul(x) if x is not None else None
    if mm is None:
        return False
    mm.attributes[kernel_emit.EPILOGUE_ATTR] = ir.StringAttr.get("relu")
    dest = owner_op(g.operands[-1]) if len(g.operands) == 2 else None
    g.results[0].replace_all_uses_with(x)
    g.erase()
    if dest is not None and dest.name == "tensor.empty" and use_count(dest.results[0]) == 0:
        dest.erase()
    return True


@register("tsm-fuse-matmul-epilogue",
          "Mark linalg.matmul whose only user is a ReLU; the matmul kernel applies it")
def fuse_matmul_epilogue(module_op: ir.Operation) -> None:
    for g in collect(module_op, lambda op: op.name == "linalg.generic"):
        fuse_relu(g)


def materialize(op: ir.Operation) -> None:
    """Drop op's epilogue mark and apply the epilogue as a pointwise
    linalg.generic over its C right after it (op is bufferized: C is a
    memref)."""
    epilogue = kernel_emit.epilogue_of(op)
    if epilogue is None:
        return
    if epilogue not in kernel_emit.EPILOGUES:
        raise ValueError(f"unknown matmul epilogue {epilogue!r}")
    del op.attributes[kernel_emit.EPILOGUE_ATTR]
    c = op.operands[2]
    t = ir.MemRefType(c.type)
    identity = ir.AffineMapAttr.get(ir.AffineMap.get_identity(t.rank))
    parallel = ir.Attribute.parse("#linalg.iterator_type<parallel>")
    with ir.InsertionPoint(op), op.location:
        relu = linalg.GenericOp(result_tensors=[], inputs=[], outputs=[c],
                                indexing_maps=ir.ArrayAttr.get([identity]),
                                iterator_types=ir.ArrayAttr.get([parallel] * t.rank))
        block = relu.regions[0].blocks.append(t.element_type)
        with ir.InsertionPoint(block):
            zero = arith.constant(t.element_type, 0.0)
            linalg.YieldOp([arith.maximumf(block.arguments[0], zero)])
    as_op(relu).move_after(op)


def packed_kernel_takes(module_op: ir.Operation, op: ir.Operation) -> bool:
    """Whether tsm-cpu-vectorize will hand op to the packed kernels."""
    return (cpu_codegen.is_plain_matmul(op) or matmul_codegen.reads_transposed(op)) \
        and matmul_codegen.applies(module_op, op)


@register("tsm-matmul-epilogue-fallback",
          "Apply the epilogue of marked matmuls that no kernel will honour as a loop after them")
def matmul_epilogue_fallback(module_op: ir.Operation) -> None:
    for op in collect(module_op, lambda op: op.name == "linalg.matmul"
                      and kernel_emit.epilogue_of(op) is not None):
        if not packed_kernel_takes(module_op, op):
            materialize(op)
