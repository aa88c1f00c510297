"""tsm-vectorize-max-pools: 2-D f32 max pools as vector loops.

In: bufferized IR where `linalg.pooling_nchw_max` (what tsm-lower-nn makes of
tsm.max_pool2d: an input already padded with -inf, a static KH x KW window)
works on f32 memrefs with unit innermost strides and static dilations.
Out: a call of `tsm_max_pool_f32_<KH>x<KW>_s<SH>x<SW>_d<DH>x<DW>[_par]`
(private, noinline, on dynamic views, so one function serves every pool of
that shape), which computes 8 outputs of a row at a time: it starts from the
output's values (the -inf fill), and for each of the KH * KW taps loads the
8 inputs (width stride 2: 16 contiguous floats, the last lane masked off so
that no load passes the row's last needed input, and one `vector.shuffle`
keeping the even lanes) and takes `arith.maximumf` (NaN-propagating, as
PyTorch).  The last OW % 8 outputs of a row are scalar, and so are all of
them for width strides past 2 (the function still shares the channels among
the threads: adaptive max pools whose windows tile the input, 28 -> 7, were
a serial loop nest).  `_par`: the
channels are an `scf.parallel` loop (threads > 1 and a pool big enough).

Why: convert-linalg-to-loops left a scalar 7-deep loop nest with a
NaN-checking max per tap and element; ResNet-18's 3x3 stride-2 stem pool
(64 x 56 x 56 outputs at 224) took about 2% of the network's time.
"""
from __future__ import annotations

from mlir import ir
from mlir.dialects import func, memref

from .ir_walk import collect, dense_ints
from .kernel_emit import append_once
from .parallel import MIN_PARALLEL_ELEMENTS, num_threads
from .passes import register

LANES = 8
_VIEW = "memref<?x?x?x?xf32, strided<[?, ?, ?, 1], offset: ?>>"


def _applies(op: ir.Operation) -> bool:
    if op.results or len(op.operands) != 3:
        return False  # still on tensors
    x, window, out = (v.type for v in op.operands)
    if not all(isinstance(t, ir.MemRefType) for t in (x, window, out)):
        return False
    x, window, out = ir.MemRefType(x), ir.MemRefType(window), ir.MemRefType(out)
    if not (isinstance(x.element_type, ir.F32Type) and isinstance(out.element_type, ir.F32Type)):
        return False
    if not window.has_static_shape or x.rank != 4 or out.rank != 4:
        return False
    inner = [t.get_strides_and_offset()[0][-1] for t in (x, out)]
    return inner == [1, 1]


def _tap(kh: int, kw: int, sw: int, n: int) -> list[str]:
    """Lines computing %v{n}: the 8 inputs of tap (kh, kw) for outputs %j.."""
    idx = f"%i0, %i1, %row{kh}, %col{n}"
    lines = [f"%col{n} = arith.addi %xs, %cw{kw} : index"]
    vec = f"vector<{LANES}xf32>"
    if sw == 1:
        return lines + [f"%v{n} = vector.load %x[{idx}] : {_VIEW}, {vec}"]
    evens = ", ".join(str(2 * i) for i in range(LANES))
    return lines + [
        f"%lo{n} = vector.load %x[{idx}] : {_VIEW}, {vec}",
        f"%colhi{n} = arith.addi %col{n}, %clanes : index",
        f"%hi{n} = vector.maskedload %x[%i0, %i1, %row{kh}, %colhi{n}], %mask, %ninf : "
        f"{_VIEW}, vector<{LANES}xi1>, {vec} into {vec}",
        f"%v{n} = vector.shuffle %lo{n}, %hi{n} [{evens}] : {vec}, {vec}"]


#: A depthwise convolution's filters (C, KH, KW), any strides.
WEIGHTS_VIEW = "memref<?x?x?xf32, strided<[?, ?, ?], offset: ?>>"


def function_text(name: str, kernel: list[int], stride: list[int], dilation: list[int],
                  parallel: bool, weighted: bool = False) -> str:
    """y[n, c, i, j] = max(y[n, c, i, j], x[n, c, i*sh + kh*dh, j*sw + kw*dw] over the taps);
    `weighted` (a depthwise convolution, see depthwise_codegen): `@name(x, w, y)`
    and y[n, c, i, j] += x[...] * w[c, kh, kw] over the taps instead."""
    (kh_n, kw_n), (sh, sw), (dh, dw) = kernel, stride, dilation
    vec = f"vector<{LANES}xf32>"
    taps = [(kh, kw) for kh in range(kh_n) for kw in range(kw_n)]
    # per channel: each tap's weight, as a scalar and broadcast
    weights = [line for n, (kh, kw) in enumerate(taps) for line in (
        f"%ws{n} = memref.load %w[%i1, %k{kh}, %k{kw}] : {WEIGHTS_VIEW}",
        f"%wb{n} = vector.broadcast %ws{n} : f32 to {vec}")] if weighted else []
    consts = [f"%cw{kw} = arith.constant {kw * dw} : index" for kw in range(kw_n)]
    rows = [f"%row{kh} = arith.addi %r0, %ch{kh} : index" for kh in range(kh_n)]
    consts += [f"%ch{kh} = arith.constant {kh * dh} : index" for kh in range(kh_n)]
    vector_body = [f"%acc0 = vector.load %y[%i0, %i1, %i2, %j] : {_VIEW}, {vec}",
                   "%xs = arith.muli %j, %csw : index"]
    scalar_body = ["%s0 = memref.load %y[%i0, %i1, %i2, %t] : " + _VIEW,
                   "%ts = arith.muli %t, %csw : index"]
    # Width strides past 2: scalar outputs only (a vector.gather per tap ran
    # 3x slower than the scalar loop, which LLVM unrolls).
    vectors = sw <= 2
    for n, (kh, kw) in enumerate(taps):
        vector_body += _tap(kh, kw, sw, n) if vectors else []
        vector_body.append(f"%acc{n + 1} = vector.fma %v{n}, %wb{n}, %acc{n} : {vec}" if weighted
                           else f"%acc{n + 1} = arith.maximumf %acc{n}, %v{n} : {vec}")
        scalar_body += [f"%tc{n} = arith.addi %ts, %cw{kw} : index",
                        f"%e{n} = memref.load %x[%i0, %i1, %row{kh}, %tc{n}] : {_VIEW}",
                        f"%s{n + 1} = math.fma %e{n}, %ws{n}, %s{n} : f32" if weighted
                        else f"%s{n + 1} = arith.maximumf %s{n}, %e{n} : f32"]
    consts += [f"%k{i} = arith.constant {i} : index" for i in range(max(kernel))] \
        if weighted else []
    vector_body.append(f"vector.store %acc{len(taps)}, %y[%i0, %i1, %i2, %j] : {_VIEW}, {vec}")
    scalar_body.append(f"memref.store %s{len(taps)}, %y[%i0, %i1, %i2, %t] : {_VIEW}")
    channels = ("scf.parallel (%i1) = (%c0) to (%nc) step (%c1) {" if parallel
                else "scf.for %i1 = %c0 to %nc step %c1 {")
    nl = "\n      "
    vector_loop = (f"scf.for %j = %c0 to %nv step %clanes {{{nl}    "
                   + (nl + "    ").join(vector_body) + f"{nl}  }}") if vectors else ""
    return f"""
func.func private @{name}(%x: {_VIEW}, {f"%w: {WEIGHTS_VIEW}, " if weighted else ""}%y: {_VIEW}) attributes {{passthrough = ["noinline"]}} {{
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %csh = arith.constant {sh} : index
  %csw = arith.constant {sw} : index
  %clanes = arith.constant {LANES} : index
  {nl.join(consts)}
  %ninf = arith.constant dense<0xFF800000> : {vec}
  %mask = vector.constant_mask [{LANES - 1}] : vector<{LANES}xi1>
  %nb = memref.dim %y, %c0 : {_VIEW}
  %nc = memref.dim %y, %c1 : {_VIEW}
  %oh = memref.dim %y, %c2 : {_VIEW}
  %ow = memref.dim %y, %c3 : {_VIEW}
  %rem = arith.remui %ow, %clanes : index
  %nv = {"arith.subi %ow, %rem : index" if vectors else "arith.constant 0 : index"}
  scf.for %i0 = %c0 to %nb step %c1 {{
    {channels}
      {nl.join(weights)}
      scf.for %i2 = %c0 to %oh step %c1 {{
        %r0 = arith.muli %i2, %csh : index
        {(nl + "  ").join(rows)}
        {vector_loop}
        scf.for %t = %nv to %ow step %c1 {{
          {(nl + "    ").join(scalar_body)}
        }}
      }}
      {"scf.reduce" if parallel else "scf.yield"}
    }}
  }}
  return
}}
"""


def _call(module_op: ir.Operation, helpers: set[str], op: ir.Operation, parallel: bool) -> None:
    kernel = list(ir.MemRefType(op.operands[1].type).shape)
    stride, dilation = dense_ints(op.attributes["strides"]), dense_ints(op.attributes["dilations"])
    name = (f"tsm_max_pool_f32_{kernel[0]}x{kernel[1]}_s{stride[0]}x{stride[1]}"
            f"_d{dilation[0]}x{dilation[1]}{'_par' if parallel else ''}")
    append_once(module_op, helpers, name,
                lambda f: function_text(f, kernel, stride, dilation, parallel))
    view = ir.Type.parse(_VIEW)
    func.CallOp([], ir.FlatSymbolRefAttr.get(name),
                [memref.cast(view, op.operands[0]), memref.cast(view, op.operands[2])])


@register("tsm-vectorize-max-pools",
          "2-D f32 max pools as calls of vectorized loop functions")
def vectorize_max_pools(module_op: ir.Operation) -> None:
    pools = collect(module_op, lambda op: op.name == "linalg.pooling_nchw_max" and _applies(op))
    threads = num_threads(module_op)
    helpers: set[str] = set()
    for op in pools:
        out = ir.MemRefType(op.operands[2].type)
        big = out.has_static_shape and out.shape[1] > 1 and \
            out.shape[0] * out.shape[1] * out.shape[2] * out.shape[3] >= MIN_PARALLEL_ELEMENTS
        with ir.InsertionPoint(op), op.location:
            _call(module_op, helpers, op, threads > 1 and big)
        op.erase()
