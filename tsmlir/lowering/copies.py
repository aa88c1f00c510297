"""tsm-copies-to-linalg: memref.copy and linalg.fill -> vectorizable forms.

In: memrefs after bufferization, where tensor.insert_slice / extract_slice
left `memref.copy` between (possibly strided) views.
Out: those whose views have a unit innermost stride as `linalg.copy`, which
tsm-cpu-vectorize tiles and vectorizes; `memref.copy` of non-contiguous views
would otherwise call the runner utils' element-by-element `memrefCopy`.
Gathers (strided innermost dim, e.g. the im2col slices of a strided
convolution) call one loop-nest function per element type and rank,
`tsm_strided_copy_<elem>_<rank>d` on fully dynamic strided views (never
inlined): `memrefCopy` calls memcpy once per element (ResNet-18 224: ~13% of
its time), MLIR's vector code for gathers is large, and a loop nest per
gather, inlined with its constant sizes, tripled LLVM's time (unrolling).
An f32 gather of every other element into a contiguous row (the im2col
slices of a stride-2 convolution: ResNet-18 224 copies 7 MB that way per
call) calls `tsm_strided_copy_f32_<rank>d_s2` instead: 8 results per two
vector loads and one shuffle (see `gather_s2`).
Copies between views with unit inner stride call the shared vectorized
(and, with threads, parallel, unless inside a parallel loop already) copy function of their element type and
collapsed rank instead (see `row_copy`); those row_copy cannot take (i1,
0-d) become `linalg.copy`.  A reflect or replicate pad's copy into its
interior calls one function with the generics of its left and right columns
(see `pad_edges`).
Also the fills that bufferized `tensor.pad`s leave: a `linalg.map` without
inputs whose body yields the padding value (after unused `linalg.index`
ops) becomes a fill (convert-linalg-to-loops made the map a scalar loop of
stores; ResNet-18 224 zero-fills 5 padded inputs per call, 2 MB for the
largest); every `linalg.fill` on a view with unit inner stride then calls
row_copy's shared fill function, except the zero fill of a matmul's
accumulator (left to the matmul codegen) and i1 / 0-d fills, which
tsm-cpu-vectorize or convert-linalg-to-loops lower.
"""
from mlir import ir
from mlir.dialects import arith, func, linalg, memref, scf

from . import builders as b
from . import pad_copy, pad_edges, row_copy
from .gather_s2 import applies as _stride2_applies, call as _call_stride2
from .ir_walk import collect
from .parallel import num_threads, threads_at
from .passes import register


def _unit_inner_stride(t: ir.Type) -> bool:
    strides, _ = ir.MemRefType(t).get_strides_and_offset()
    return not strides or strides[-1] == 1


@register("tsm-copies-to-linalg",
          "Rewrite memref.copy as linalg.copy and pad fills as linalg.fill (vectorizable)")
def copies_to_linalg(module_op: ir.Operation) -> None:
    for op in collect(module_op, lambda op: op.name == "linalg.map"):
        _map_to_fill(op)
    helpers: set[str] = set()
    threads = num_threads(module_op)
    for op in collect(module_op, lambda op: op.name == "linalg.fill"):
        pad = pad_copy.match(op)
        if pad is not None:
            pad_copy.call(module_op, helpers, op, *pad, threads)
    for op in collect(module_op, lambda op: op.name == "memref.copy"):
        edges = pad_edges.match(op)
        if edges is not None:
            pad_edges.call(module_op, helpers, edges, threads)
    copies = collect(module_op, lambda op: op.name == "memref.copy")
    for op in _fills(module_op):
        value, dst = op.operands
        with ir.InsertionPoint(op), op.location:
            row_copy.call_fill(module_op, helpers, value, dst, threads_at(op, threads))
        op.erase()
    for op in copies:
        src, dst = op.operands
        gather = not (_unit_inner_stride(src.type) and _unit_inner_stride(dst.type))
        with ir.InsertionPoint(op), op.location:
            if gather:
                src, dst = _without_unit_dims(src, dst)
            if gather and _stride2_applies(src.type, dst.type):
                _call_stride2(module_op, helpers, src, dst)
            elif gather:
                _call_copy(module_op, helpers, src, dst)
            elif row_copy.applies(src.type, dst.type):
                # a row per step of a loop (a gather's rows): the call costs
                # as much as a short row's vectors, so LLVM may inline it
                row_copy.call(module_op, helpers, src, dst, threads_at(op, threads),
                              inline=op.parent.name == "scf.for")
            else:
                linalg.copy(src, outs=[dst])
        op.erase()


def _without_unit_dims(src: ir.Value, dst: ir.Value) -> tuple[ir.Value, ir.Value]:
    """A gather's views with their unit dims (an im2col slice's kernel
    position) and the dims contiguous in both merged: fewer loops in the
    gather functions."""
    types = [ir.MemRefType(v.type) for v in (src, dst)]
    groups = row_copy._groups(types)
    if len(groups) == types[0].rank or \
            row_copy._collapsed_type(types[0], groups).get_strides_and_offset()[0][-1] != \
            types[0].get_strides_and_offset()[0][-1]:
        return src, dst  # nothing to merge, or a merge that changes the inner stride
    return row_copy.collapse_memref(src, groups), row_copy.collapse_memref(dst, groups)


def _fills(module_op: ir.Operation) -> list[ir.Operation]:
    """The linalg.fills on memrefs that the shared fill function serves:
    not those initialising a matmul's accumulator (its codegen may fold
    them), not 0-d or i1 ones."""
    return [op for op in collect(module_op, lambda op: op.name == "linalg.fill") if isinstance(op.operands[1].type, ir.MemRefType) and
            op.operands[0].type == ir.MemRefType(op.operands[1].type).element_type and
            row_copy.fill_applies(op.operands[1].type) and not _inits_matmul(op)]


def _inits_matmul(fill: ir.Operation) -> bool:
    """Whether the next op using the filled buffer is a matmul."""
    dst, seen = fill.operands[1], False
    for op in fill.block.operations:
        op = op.operation
        if op == fill:
            seen = True
        elif seen and any(v == dst for v in op.operands):
            return "matmul" in op.name
    return False


def _call_copy(module_op: ir.Operation, helpers: set[str], src: ir.Value, dst: ir.Value) -> None:
    """A call of the strided-copy function of src's element type and rank
    (created at the module's end the first time)."""
    t = ir.MemRefType(src.type)
    dyn, rank = ir.ShapedType.get_dynamic_size(), t.rank
    view = ir.MemRefType.get([dyn] * rank, t.element_type, ir.StridedLayoutAttr.get(
        dyn, [dyn] * rank), t.memory_space)
    name = f"tsm_strided_copy_{t.element_type}_{rank}d"
    if name not in helpers:
        with ir.InsertionPoint(module_op.regions[0].blocks[0]):
            fn = func.FuncOp(name, ir.FunctionType.get([view, view], []))
        fn.sym_visibility = ir.StringAttr.get("private")
        fn.attributes["passthrough"] = ir.ArrayAttr.get([ir.StringAttr.get("noinline")])
        entry = fn.add_entry_block()
        with ir.InsertionPoint(entry):
            _copy_loops(*entry.arguments)
            func.ReturnOp([])
        helpers.add(name)
    func.CallOp([], ir.FlatSymbolRefAttr.get(name), [memref.cast(view, src),
                                                      memref.cast(view, dst)])


def _copy_loops(src: ir.Value, dst: ir.Value, ivs: tuple = ()) -> None:
    """dst[i...] = src[i...] by one scf.for per dim (at the insertion point)."""
    rank = ir.MemRefType(src.type).rank
    d = len(ivs)
    if d == rank:
        memref.store(memref.load(src, list(ivs)), dst, list(ivs))
        return
    loop = scf.ForOp(b.index(0), memref.dim(src, b.index(d)), b.index(1))
    with ir.InsertionPoint(loop.body):
        _copy_loops(src, dst, (*ivs, loop.induction_variable))
        scf.YieldOp([])


def _map_to_fill(op: ir.Operation) -> None:
    """linalg.map outs(%m) { (linalg.index | arith.constant)* ; yield %v }
    with %v a value from above or one of its constants -> linalg.fill."""
    if len(op.operands) != 1 or not isinstance(op.operands[0].type, ir.MemRefType):
        return  # inputs, or still on tensors
    body = list(op.regions[0].blocks[0].operations)
    if any(o.operation.name not in ("linalg.index", "arith.constant") for o in body[:-1]):
        return
    value = body[-1].operands[0]
    owner = value.owner
    if isinstance(owner, ir.Block):
        if owner == op.regions[0].blocks[0]:
            return  # the output's own element: a no-op map we do not meet
    elif owner.operation.parent == op:
        if owner.operation.name != "linalg.index":  # a constant: moves out
            value = None
        else:
            return
    with ir.InsertionPoint(op), op.location:
        if value is None:
            const = owner.operation
            value = arith.constant(const.results[0].type, const.attributes["value"])
        linalg.fill(value, outs=[op.operands[0]])
    op.erase()
