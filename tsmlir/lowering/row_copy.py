"""Copies between views with unit innermost stride, as calls of shared functions.

In: a `memref.copy` (met by `copies_to_linalg`) whose source and destination
both have a unit innermost stride and an element type of 8 to 64 bits (not
i1): the im2col slices of a stride-1 convolution (9 per 3x3 conv), the copy
of an activation into its padded buffer, concatenations, slices.
Out: the views lose their unit dims and have the dims that are contiguous in
both merged (`memref.collapse_shape`: the copy into a padded buffer keeps
its rows, a dense copy becomes one row), are cast to fully dynamic views
and passed to `tsm_copy_<elem>_<rank>d`: one private, noinline function per
element type and rank, whose rows are copied by a 32-byte vector loop and a
masked (32/64-bit types) or scalar remainder.  With `tsm.num_threads` > 1 a
copy of enough elements (or of unknown size) calls `..._par` instead: the
threads take chunks of the outermost dim (`scf.parallel`, then OpenMP),
each running the serial function; under `MIN_PARALLEL_ELEMENTS` it runs
serially.
Why: inlined as tiled vector loops with constant sizes, each copy cost LLVM
its own code (and, with threads, its own outlined OpenMP region): ResNet-18
has 60 such copies; one body per type and rank serves them all.
"""
from __future__ import annotations

from mlir import ir
from mlir.dialects import func, memref

from .parallel import MIN_PARALLEL_ELEMENTS

VECTOR_BYTES = 32  # one AVX2 register; AVX-512 hosts split nothing
_BITS = (8, 16, 32, 64)
_MASKED_BITS = (32, 64)  # masked loads/stores without a scalar expansion on x86


def _bits(t: ir.Type) -> int | None:
    if isinstance(t, ir.IntegerType):
        return ir.IntegerType(t).width
    if isinstance(t, (ir.F16Type, ir.BF16Type)):
        return 16
    if isinstance(t, ir.F32Type):
        return 32
    if isinstance(t, ir.F64Type):
        return 64
    return None


def applies(src: ir.Type, dst: ir.Type) -> bool:
    """Both views with unit inner stride (rank >= 1), an element type we copy
    by vectors (i1 memrefs are widened later: left alone)."""
    s = ir.MemRefType(src)
    if s.rank < 1 or _bits(s.element_type) not in _BITS:
        return False
    return all(ir.MemRefType(t).get_strides_and_offset()[0][-1] == 1 for t in (src, dst))


def _groups(types: list[ir.MemRefType]) -> list[list[int]]:
    """Reassociation merging each dim into the previous group when it is a
    unit dim, or contiguous with it in every view (static sizes and strides)."""
    dyn = ir.ShapedType.get_dynamic_size()
    shape = [dyn if dyn in sizes else sizes[0] for sizes in zip(*(t.shape for t in types))]
    strides = [t.get_strides_and_offset()[0] for t in types]
    groups: list[list[int]] = []
    for d in range(len(shape)):
        # dynamic sizes stay apart: collapse_shape's strides assume they may be 1
        if groups and shape[d] != dyn and dyn not in (shape[i] for i in groups[-1]):
            real = [i for i in groups[-1] if shape[i] != 1]  # unit dims have any stride
            last = real[-1] if real else None
            if shape[d] == 1 or last is None or (all(
                    s[last] != dyn and s[d] != dyn and s[last] == s[d] * shape[d]
                    for s in strides)):
                groups[-1].append(d)
                continue
        groups.append([d])
    return groups


def _collapsed_type(t: ir.MemRefType, groups: list[list[int]]) -> ir.MemRefType:
    dyn = ir.ShapedType.get_dynamic_size()
    strides, offset = t.get_strides_and_offset()
    sizes, out_strides = [], []
    for g in groups:
        n = 1
        for d in g:
            n = dyn if dyn in (n, t.shape[d]) else n * t.shape[d]
        sizes.append(n)
        # the stride of the group's innermost non-unit dim (the first when all
        # are unit), as collapse_shape computes it
        real = [d for d in g if t.shape[d] != 1] or [g[0]]
        out_strides.append(strides[real[-1]])
    if not isinstance(t.layout, ir.StridedLayoutAttr):  # an identity layout stays one
        return ir.MemRefType.get(sizes, t.element_type, memory_space=t.memory_space)
    return ir.MemRefType.get(sizes, t.element_type,
                             ir.StridedLayoutAttr.get(offset, out_strides), t.memory_space)



def _collapse(value: ir.Value, groups: list[list[int]]) -> ir.Value:
    t = ir.MemRefType(value.type)
    if len(groups) == t.rank:
        return value
    return memref.collapse_shape(_collapsed_type(t, groups), value,
                                 ir.ArrayAttr.get([ir.ArrayAttr.get(
                                     [ir.IntegerAttr.get(ir.IntegerType.get_signless(64), d)
                                      for d in g]) for g in groups]))


def view_type(rank: int, elem: str) -> str:
    dims = "x".join(["?"] * rank)
    return f"memref<{dims}x{elem}, strided<[{', '.join(['?'] * (rank - 1) + ['1'])}], offset: ?>>"


def serial_text(name: str, rank: int, elem: str, bits: int) -> str:
    """dst[i..., j] = src[i..., j]: a loop per outer dim, vectors along rows."""
    view, lanes, last = view_type(rank, elem), VECTOR_BYTES * 8 // bits, rank - 1
    vec = f"vector<{lanes}x{elem}>"
    outer = [f"%i{d}" for d in range(last)]
    dims = "\n    ".join(f"%n{d} = memref.dim %src, %c{d} : {view}" for d in range(rank))
    consts = "\n    ".join(f"%c{d} = arith.constant {d} : index" for d in range(2, rank))
    loops = [f"scf.for %i{d} = %c0 to %n{d} step %c1 {{" for d in range(last)]
    if bits in _MASKED_BITS:
        tail = [
            "%has_tail = arith.cmpi ne, %rem, %c0 : index",
            "scf.if %has_tail {",
            f"  %m = vector.create_mask %rem : vector<{lanes}xi1>",
            f"  %t = vector.maskedload %src[{', '.join(outer + ['%nv'])}], %m, %pad : "
            f"{view}, vector<{lanes}xi1>, {vec} into {vec}",
            f"  vector.maskedstore %dst[{', '.join(outer + ['%nv'])}], %m, %t : "
            f"{view}, vector<{lanes}xi1>, {vec}",
            "}"]
        zero = "0" if elem.startswith("i") else "0.0"
        pad = f"%pad = arith.constant dense<{zero}> : {vec}"
    else:
        tail = [
            f"scf.for %t = %nv to %n{last} step %c1 {{",
            f"  %x = memref.load %src[{', '.join(outer + ['%t'])}] : {view}",
            f"  memref.store %x, %dst[{', '.join(outer + ['%t'])}] : {view}",
            "}"]
        pad = ""
    body = [
        "scf.for %j = %c0 to %nv step %clanes {",
        f"  %v = vector.load %src[{', '.join(outer + ['%j'])}] : {view}, {vec}",
        f"  vector.store %v, %dst[{', '.join(outer + ['%j'])}] : {view}, {vec}",
        "}", *tail]
    nest = "\n    ".join(loops + body + ["}"] * last)
    return f"""
func.func private @{name}(%src: {view}, %dst: {view}) attributes {{passthrough = ["noinline"]}} {{
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    {consts}
    %clanes = arith.constant {lanes} : index
    {pad}
    {dims}
    %rem = arith.remui %n{last}, %clanes : index
    %nv = arith.subi %n{last}, %rem : index
    {nest}
    return
}}
"""


def parallel_text(name: str, serial: str, rank: int, elem: str, bits: int, threads: int) -> str:
    """The threads share the outermost dim in chunks (whole vectors when it
    is the only dim); under MIN_PARALLEL_ELEMENTS one thread copies."""
    view, lanes = view_type(rank, elem), VECTOR_BYTES * 8 // bits
    dims = "\n    ".join(f"%n{d} = memref.dim %src, %c{d} : {view}" for d in range(rank))
    consts = "\n    ".join(f"%c{d} = arith.constant {d} : index" for d in range(2, rank))
    count = "%count0 = arith.addi %n0, %c0 : index\n    " + "\n    ".join(
        f"%count{d} = arith.muli %count{d - 1}, %n{d} : index" for d in range(1, rank))
    unit = lanes if rank == 1 else 1
    rest_sizes = "".join(f", %n{d}" for d in range(1, rank))
    zeros = "".join(", 0" for _ in range(1, rank))
    ones = ", ".join(["1"] * rank)
    return f"""
func.func private @{serial}({view}, {view})
func.func private @{name}(%src: {view}, %dst: {view}) attributes {{passthrough = ["noinline"]}} {{
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    {consts}
    %cthreads = arith.constant {threads} : index
    %cmin = arith.constant {MIN_PARALLEL_ELEMENTS} : index
    %cunit = arith.constant {unit} : index
    {dims}
    {count}
    %small = arith.cmpi ult, %count{rank - 1}, %cmin : index
    scf.if %small {{
      func.call @{serial}(%src, %dst) : ({view}, {view}) -> ()
    }} else {{
      %units = arith.ceildivui %n0, %cunit : index
      %per = arith.ceildivui %units, %cthreads : index
      %chunk = arith.muli %per, %cunit : index
      scf.parallel (%t) = (%c0) to (%cthreads) step (%c1) {{
        %lo0 = arith.muli %t, %chunk : index
        %lo = arith.minui %lo0, %n0 : index
        %hi0 = arith.addi %lo, %chunk : index
        %hi = arith.minui %hi0, %n0 : index
        %len = arith.subi %hi, %lo : index
        %s = memref.subview %src[%lo{zeros}] [%len{rest_sizes}] [{ones}] : {view} to {view}
        %d = memref.subview %dst[%lo{zeros}] [%len{rest_sizes}] [{ones}] : {view} to {view}
        func.call @{serial}(%s, %d) : ({view}, {view}) -> ()
        scf.reduce
      }}
    }}
    return
}}
"""


def _add_function(module_op: ir.Operation, helpers: dict, name: str, text: str) -> None:
    if name in helpers:
        return
    parsed = ir.Module.parse(text)  # alive while its op moves
    for f in list(parsed.body.operations):
        if f.regions[0].blocks:  # not the declaration of a callee
            module_op.regions[0].blocks[0].append(f.operation)
    helpers[name] = True


def _static_count(t: ir.MemRefType) -> int | None:
    if not t.has_static_shape:
        return None
    n = 1
    for d in t.shape:
        n *= d
    return n


def call(module_op: ir.Operation, helpers: dict, src: ir.Value, dst: ir.Value,
         threads: int) -> None:
    """A call of the copy function of the (collapsed) views' element type and
    rank, at the insertion point; the functions are parsed into the module's
    end the first time."""
    s, d = ir.MemRefType(src.type), ir.MemRefType(dst.type)
    groups = _groups([s, d])
    if any(_collapsed_type(t, groups).get_strides_and_offset()[0][-1] != 1 for t in (s, d)):
        groups = [[i] for i in range(s.rank)]  # a trailing unit dim of a strided row
    src, dst = _collapse(src, groups), _collapse(dst, groups)
    rank, elem, bits = len(groups), str(s.element_type), _bits(s.element_type)
    serial = f"tsm_copy_{elem}_{rank}d"
    _add_function(module_op, helpers, serial, serial_text(serial, rank, elem, bits))
    name = serial
    count = _static_count(s) if s.has_static_shape else _static_count(d)
    if threads > 1 and (count is None or count >= MIN_PARALLEL_ELEMENTS):
        name = f"{serial}_par"
        _add_function(module_op, helpers, name,
                      parallel_text(name, serial, rank, elem, bits, threads))
    view = ir.Type.parse(view_type(rank, elem))
    func.CallOp([], ir.FlatSymbolRefAttr.get(name), [memref.cast(view, src),
                                                      memref.cast(view, dst)])
