"""tsm-vectorize-depthwise: 2-D f32 depthwise convolutions as vector loops.

In: bufferized IR where `linalg.depthwise_conv_2d_nchw_chw` (what tsm-lower-nn
makes of a conv2d with groups == channels: an input already padded, filters
(C, KH, KW) and an output holding the bias) works on f32 memrefs with unit
innermost strides, a width stride of 1 or 2 and static filter sizes.
Out: a call of `tsm_depthwise_f32_<KH>x<KW>_s<SH>x<SW>_d<DH>x<DW>[_par](x, w, y)`
(private, noinline, on dynamic views: one function per filter shape), the
max-pool kernel of pool_codegen with a weighted sum for its max: per
channel it broadcasts the KH * KW weights once, then per 8 outputs of a row
loads the 8 inputs of each tap (width stride 2: 16 floats and one shuffle)
and accumulates `vector.fma`s into the output's values; the last OW % 8
outputs of a row are scalar.  `_par`: the threads share the channels.

Why: convert-linalg-to-loops made a scalar loop nest with the channels
inside the output positions (every load a channel plane apart): a 3x3
depthwise conv on 144 x 56 x 56 (MobileNet-like) ran ~5.7x slower than eager.
"""
from __future__ import annotations

import math

from mlir import ir
from mlir.dialects import func, memref

from .ir_walk import collect, dense_ints
from .kernel_emit import append_once
from .parallel import MIN_PARALLEL_ELEMENTS, num_threads
from .passes import register
from .pool_codegen import WEIGHTS_VIEW, function_text

_VIEW = "memref<?x?x?x?xf32, strided<[?, ?, ?, 1], offset: ?>>"


def _applies(op: ir.Operation) -> bool:
    if op.name != "linalg.depthwise_conv_2d_nchw_chw" or op.results or len(op.operands) != 3:
        return False  # still on tensors
    if not all(isinstance(v.type, ir.MemRefType) for v in op.operands):
        return False
    x, w, y = (ir.MemRefType(v.type) for v in op.operands)
    if not all(isinstance(t.element_type, ir.F32Type) for t in (x, w, y)):
        return False
    if x.rank != 4 or y.rank != 4 or w.rank != 3 or any(w.is_dynamic_dim(i) for i in (1, 2)):
        return False
    inner = [t.get_strides_and_offset()[0][-1] for t in (x, y)]
    return inner == [1, 1] and dense_ints(op.attributes["strides"])[1] in (1, 2)


def _call(module_op: ir.Operation, helpers: set[str], op: ir.Operation, parallel: bool) -> None:
    kernel = list(ir.MemRefType(op.operands[1].type).shape[1:])
    stride, dilation = dense_ints(op.attributes["strides"]), dense_ints(op.attributes["dilations"])
    name = (f"tsm_depthwise_f32_{kernel[0]}x{kernel[1]}_s{stride[0]}x{stride[1]}"
            f"_d{dilation[0]}x{dilation[1]}{'_par' if parallel else ''}")
    append_once(module_op, helpers, name,
                lambda f: function_text(f, kernel, stride, dilation, parallel, weighted=True))
    x, w, y = op.operands
    func.CallOp([], ir.FlatSymbolRefAttr.get(name),
                [memref.cast(ir.Type.parse(_VIEW), x), memref.cast(ir.Type.parse(WEIGHTS_VIEW), w),
                 memref.cast(ir.Type.parse(_VIEW), y)])


@register("tsm-vectorize-depthwise",
          "2-D f32 depthwise convolutions (width stride 1 or 2) as calls of vector loop functions")
def vectorize_depthwise(module_op: ir.Operation) -> None:
    threads = num_threads(module_op)
    helpers: set[str] = set()
    for op in collect(module_op, _applies):
        out = ir.MemRefType(op.operands[2].type)
        big = out.has_static_shape and out.shape[1] > 1 and \
            math.prod(out.shape) >= MIN_PARALLEL_ELEMENTS
        with ir.InsertionPoint(op), op.location:
            _call(module_op, helpers, op, threads > 1 and big)
        op.erase()
