"""Copies and fills of views with unit innermost stride, as calls of shared functions.

In: a `memref.copy` (met by `copies_to_linalg`) whose source and destination
both have a unit innermost stride, or a `linalg.fill` of such a view (a
pad's border, a constructor), with an element type of 8 to 64 bits (not
i1): the im2col slices of a stride-1 convolution (9 per 3x3 conv), the copy
of an activation into its padded buffer, concatenations, slices.
Out: the views lose their unit dims and have the dims that are contiguous in
all of them merged (`memref.collapse_shape`: the copy into a padded buffer
keeps its rows, a dense copy or fill becomes one row), are cast to fully
dynamic views and passed to `tsm_copy_<elem>_<rank>d(src, dst)` or
`tsm_fill_<elem>_<rank>d(value, dst)`: one private, noinline function per
kind, element type and rank, whose rows are written by a 32-byte vector
loop and a masked (32/64-bit types) or scalar remainder.  With
`tsm.num_threads` > 1 a call of enough elements (or of unknown size) goes to
`..._par` instead: the threads take chunks of the outermost dim
(`scf.parallel`, then OpenMP), each running the serial function; under
`MIN_PARALLEL_ELEMENTS` it runs serially.  A copy of one row per step of a
loop (a gather's rows: embedding, index_select) calls `..._1d_inline`
instead, the same function without noinline, serial: LLVM inlines it (a
call cost about as much as a 64-float row's vectors).
Why: inlined as tiled vector loops with constant sizes, each copy or fill
cost LLVM its own code (and, with threads, its own outlined OpenMP region):
ResNet-18 has ~140 copies and ~20 fills; one body per kind, type and rank
serves them all.
"""
from __future__ import annotations

from mlir import ir
from mlir.dialects import func, memref

from .builders import reassociation
from .kernel_emit import append_once
from .parallel import MIN_PARALLEL_ELEMENTS

VECTOR_BYTES = 32  # one AVX2 register; AVX-512 hosts split nothing
_BITS = (8, 16, 32, 64)
_MASKED_BITS = (32, 64)  # masked loads/stores without a scalar expansion on x86
_NOINLINE = ' attributes {passthrough = ["noinline"]}'


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



def collapse_memref(value: ir.Value, groups: list[list[int]]) -> ir.Value:
    """memref.collapse_shape of `value` by `groups` (identity or strided
    layouts; no groups: a rank-0 view), or `value` when nothing merges."""
    t = ir.MemRefType(value.type)
    if len(groups) == t.rank:
        return value
    return memref.collapse_shape(_collapsed_type(t, groups), value, reassociation(groups))


def view_type(rank: int, elem: str) -> str:
    dims = "x".join(["?"] * rank)
    return f"memref<{dims}x{elem}, strided<[{', '.join(['?'] * (rank - 1) + ['1'])}], offset: ?>>"


def _signature(rank: int, elem: str, fill: bool) -> tuple[str, str]:
    """The first argument (the source view, or the fill value) and the view type."""
    view = view_type(rank, elem)
    return (f"%value: {elem}" if fill else f"%src: {view}"), view


def kernel_head(name: str, args: str, rank: int, lanes: int, noinline: bool = True) -> str:
    """The first lines of a private kernel function: its signature, then
    the index constants %c0 ... %c<max(rank, 2) - 1> and %clanes (the body
    and the closing brace follow)."""
    consts = "\n    ".join(f"%c{d} = arith.constant {d} : index" for d in range(max(rank, 2)))
    return f"""func.func private @{name}({args}){_NOINLINE if noinline else ""} {{
    {consts}
    %clanes = arith.constant {lanes} : index"""


def serial_text(name: str, rank: int, elem: str, bits: int, fill: bool = False,
                inline: bool = False) -> str:
    """dst[i..., j] = src[i..., j] (or the value): a loop per outer dim,
    vectors along rows; noinline unless `inline`."""
    first, view = _signature(rank, elem, fill)
    lanes, last = VECTOR_BYTES * 8 // bits, rank - 1
    vec = f"vector<{lanes}x{elem}>"
    outer = [f"%i{d}" for d in range(last)]
    at = {k: f"[{', '.join(outer + [k])}]" for k in ("%j", "%nv", "%t", "%last")}
    dims = "\n    ".join(f"%n{d} = memref.dim %dst, %c{d} : {view}" for d in range(rank))
    loops = [f"scf.for %i{d} = %c0 to %n{d} step %c1 {{" for d in range(last)]
    mask = f"vector<{lanes}xi1>"
    if fill:
        setup = f"%v = vector.broadcast %value : {elem} to {vec}"
        row, masked, scalar = [], [], "%value"
        tail_value = "%v"
    else:
        zero = "0" if elem.startswith("i") else "0.0"
        setup = f"%pad = arith.constant dense<{zero}> : {vec}" if bits in _MASKED_BITS else ""
        row = [f"  %v = vector.load %src{at['%j']} : {view}, {vec}"]
        masked = [f"  %tv = vector.maskedload %src{at['%nv']}, %m, %pad : "
                  f"{view}, {mask}, {vec} into {vec}"]
        scalar = "%x"
        tail_value = "%tv"
    if bits in _MASKED_BITS:
        tail = ["%has_tail = arith.cmpi ne, %rem, %c0 : index",
                "scf.if %has_tail {",
                # a row of a vector or more: its last vector, overlapping
                # the loop's last one, unmasked (masked stores cost ~5x a
                # store on AMD Zen)
                "  scf.if %wide {",
                *([] if fill else [f"    %lv = vector.load %src{at['%last']} : {view}, {vec}"]),
                f"    vector.store {'%v' if fill else '%lv'}, %dst{at['%last']} : {view}, {vec}",
                "  } else {",
                *("  " + line for line in _narrow_row(outer, elem, view, vec, mask, masked,
                                                      tail_value)),
                "  }",
                "}"]
    else:
        tail = [f"scf.for %t = %nv to %n{last} step %c1 {{",
                *([] if fill else [f"  %x = memref.load %src{at['%t']} : {view}"]),
                f"  memref.store {scalar}, %dst{at['%t']} : {view}",
                "}"]
    body = ["scf.for %j = %c0 to %nv step %clanes {", *row,
            f"  vector.store %v, %dst{at['%j']} : {view}, {vec}",
            "}", *tail]
    nest = "\n    ".join(loops + body + ["}"] * last)
    return f"""
{kernel_head(name, f"{first}, %dst: {view}", rank, lanes, not inline)}
    {setup}
    {dims}
    %rem = arith.remui %n{last}, %clanes : index
    %nv = arith.subi %n{last}, %rem : index
    %last = arith.subi %n{last}, %clanes : index
    %wide = arith.cmpi sge, %last, %c0 : index{_dense_text(rank, elem, view) if bits in _MASKED_BITS else ""}
    {nest}
    return
}}
"""


def _dense_text(rank: int, elem: str, view: str) -> str:
    """Lines defining %flat (dst's elements as one run, from its first to
    its last) and %dense: whether dst's rows follow each other without gaps
    within the next dim out (%block elements), so that a row narrower than a
    vector may be stored as a whole vector that runs into the rows after it
    (which are written later).  A 1-D dst has no rows to run into."""
    sizes = ", ".join(["index"] * rank)
    last = rank - 1
    text = [f"%dbase, %doff, %dsizes:{rank}, %dstrides:{rank} = memref.extract_strided_metadata "
            f"%dst : {view} -> memref<{elem}>, index, {sizes}, {sizes}"]
    extent = "%c1"
    for d in range(rank):
        text += [f"%dl{d} = arith.subi %n{d}, %c1 : index",
                 f"%de{d} = arith.muli %dl{d}, %dstrides#{d} : index",
                 f"%dx{d} = arith.addi {extent}, %de{d} : index"]
        extent = f"%dx{d}"
    if rank > 1:
        text += [f"%dense = arith.cmpi eq, %dstrides#{last - 1}, %n{last} : index",
                 f"%block = arith.muli %n{last - 1}, %n{last} : index"]
    else:
        text += ["%dense = arith.constant false", "%block = arith.addi %c0, %c0 : index"]
    text.append(f"%flat = memref.reinterpret_cast %dst to offset: [%doff], sizes: [{extent}], "
                f"strides: [1] : {view} to {_flat(elem)}")
    return "\n    " + "\n    ".join(text)


def _flat(elem: str) -> str:
    return f"memref<?x{elem}, strided<[1], offset: ?>>"


def _narrow_row(outer: list[str], elem: str, view: str, vec: str, mask: str,
                masked: list[str], tail_value: str) -> list[str]:
    """A row narrower than a vector: within a dense block of rows, a whole
    vector whose lanes past the row the next rows overwrite, where it ends
    inside the block; else a masked store."""
    lines = [f"%m = vector.create_mask %rem : {mask}", *masked]
    if not outer:
        return lines + [f"vector.maskedstore %dst[%nv], %m, {tail_value} : {view}, {mask}, "
                        f"{vec}"]
    acc = "%c0"
    for d, i in enumerate(outer):
        lines += [f"%rs{d} = arith.muli {i}, %dstrides#{d} : index",
                  f"%ra{d} = arith.addi {acc}, %rs{d} : index"]
        acc = f"%ra{d}"
    row = outer[-1]
    return lines + [
        f"%rin = arith.muli {row}, %n{len(outer)} : index",
        "%rend = arith.addi %rin, %clanes : index",
        "%fits = arith.cmpi sle, %rend, %block : index",
        "%whole = arith.andi %dense, %fits : i1",
        "scf.if %whole {",
        f"  vector.store {tail_value}, %flat[{acc}] : {_flat(elem)}, {vec}",
        "} else {",
        f"  vector.maskedstore %dst[{', '.join(outer + ['%nv'])}], %m, {tail_value} : "
        f"{view}, {mask}, {vec}",
        "}"]


def chunked_text(header: str, serial_decl: str, view: str, rank: int, threads: int, unit: int,
                 whole: str, piece: list[str]) -> str:
    """A function (`header`: `@name(args)`, with a %dst of type `view`)
    that runs the call `whole` when %dst has fewer than
    MIN_PARALLEL_ELEMENTS elements, else lets the threads take chunks of
    %dst's outermost dim (whole `unit`s of it) and run `piece` on each:
    lines that may use %lo, %len (the chunk), %dchunk (%dst's chunk, a
    view of the same type) and the dims %n<d>."""
    dims = "\n    ".join(f"%n{d} = memref.dim %dst, %c{d} : {view}" for d in range(rank))
    consts = "\n    ".join(f"%c{d} = arith.constant {d} : index" for d in range(2, rank))
    count = "%count0 = arith.addi %n0, %c0 : index\n    " + "\n    ".join(
        f"%count{d} = arith.muli %count{d - 1}, %n{d} : index" for d in range(1, rank))
    body = "\n        ".join([f"%dchunk = memref.subview %dst{chunk_subview(rank, view)}",
                               *piece])
    return f"""
{serial_decl}
func.func private {header} attributes {{passthrough = ["noinline"]}} {{
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
      {whole}
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
        {body}
        scf.reduce
      }}
    }}
    return
}}
"""


def chunk_subview(rank: int, view: str) -> str:
    """The offsets, sizes, strides and types of a view's chunk %lo..%lo+%len
    of its outermost dim."""
    rest_sizes = "".join(f", %n{d}" for d in range(1, rank))
    zeros = "".join(", 0" for _ in range(1, rank))
    ones = ", ".join(["1"] * rank)
    return f"[%lo{zeros}] [%len{rest_sizes}] [{ones}] : {view} to {view}"


def parallel_text(name: str, serial: str, rank: int, elem: str, bits: int, threads: int,
                  fill: bool = False) -> str:
    """The threads share the outermost dim in chunks (whole vectors when it
    is the only dim); under MIN_PARALLEL_ELEMENTS one thread does it all."""
    first, view = _signature(rank, elem, fill)
    lanes = VECTOR_BYTES * 8 // bits
    arg, arg_type = ("%value", elem) if fill else ("%src", view)
    piece = [] if fill else [f"%s = memref.subview %src{chunk_subview(rank, view)}"]
    piece.append(f"func.call @{serial}({'%value' if fill else '%s'}, %dchunk) : "
                 f"({arg_type}, {view}) -> ()")
    return chunked_text(f"@{name}({first}, %dst: {view})",
                        f"func.func private @{serial}({arg_type}, {view})", view, rank, threads,
                        lanes if rank == 1 else 1,
                        f"func.call @{serial}({arg}, %dst) : ({arg_type}, {view}) -> ()", piece)


def _static_count(t: ir.MemRefType) -> int | None:
    if not t.has_static_shape:
        return None
    n = 1
    for d in t.shape:
        n *= d
    return n


def _call_rows(module_op: ir.Operation, helpers: set[str], first: ir.Value | None, dst: ir.Value,
               views: list[ir.Value], threads: int, kind: str, inline: bool = False) -> None:
    """A call of the `kind` function ("copy" or "fill") of the collapsed
    views' element type and rank, at the insertion point; the functions are
    parsed into the module's end the first time.  `inline`: a one-row call
    (the collapsed views 1-D) goes to a copy of the function that LLVM may
    inline, serial."""
    types = [ir.MemRefType(v.type) for v in views]
    d = ir.MemRefType(dst.type)
    groups = _groups(types)
    if any(_collapsed_type(t, groups).get_strides_and_offset()[0][-1] != 1 for t in types):
        groups = [[i] for i in range(d.rank)]  # a trailing unit dim of a strided row
    rank, elem, bits = len(groups), str(d.element_type), _bits(d.element_type)
    fill = kind == "fill"
    inline = inline and rank == 1
    serial = f"tsm_{kind}_{elem}_{rank}d{'_inline' if inline else ''}"
    append_once(module_op, helpers, serial,
                lambda f: serial_text(f, rank, elem, bits, fill, inline))
    name = serial
    count = next((_static_count(t) for t in types if t.has_static_shape), None)
    if threads > 1 and not inline and (count is None or count >= MIN_PARALLEL_ELEMENTS):
        name = f"{serial}_par"
        append_once(module_op, helpers, name,
                    lambda f: parallel_text(f, serial, rank, elem, bits, threads, fill))
    view = ir.Type.parse(view_type(rank, elem))
    src = first if fill else collapse_memref(first, groups)
    dst = collapse_memref(dst, groups)
    args = [first if fill else memref.cast(view, src), memref.cast(view, dst)]
    func.CallOp([], ir.FlatSymbolRefAttr.get(name), args)


def call(module_op: ir.Operation, helpers: set[str], src: ir.Value, dst: ir.Value,
         threads: int, inline: bool = False) -> None:
    """dst = src by the shared copy function (see the module docstring;
    `inline`: see _call_rows)."""
    _call_rows(module_op, helpers, src, dst, [src, dst], threads, "copy", inline)


def fill_applies(dst: ir.Type) -> bool:
    d = ir.MemRefType(dst)
    return d.rank >= 1 and _bits(d.element_type) in _BITS and \
        d.get_strides_and_offset()[0][-1] == 1


def call_fill(module_op: ir.Operation, helpers: set[str], value: ir.Value, dst: ir.Value,
              threads: int) -> None:
    """dst = value by the shared fill function."""
    _call_rows(module_op, helpers, value, dst, [dst], threads, "fill")
