"""A reflect or replicate pad's left and right columns written with its rows.

In (met by `copies_to_linalg`): a `memref.copy` of a source S (unit inner
stride, rows of a vector or more, static width W, 32- or 64-bit elements)
into a unit-stride `memref.subview` of a buffer D at static offsets, the
interior of D along its last dim from `lo` to `lo + W` (`hi` columns
after it), followed in its block by the `linalg.generic`s that
`resampling._edge_pad_regions` made for the columns beside those rows:
each reads S through an identity map but for the last dim, `lbase - j`
(reflect) or a constant (replicate), and writes the subview of D at the
same rows and columns 0..lo or lo+W..lo+W+hi.  Both columns that exist
must be there; the rows above and below (and their corners) are left to
their own generics (contiguous rows).
Out: one call `tsm_pad_edges_<elem>_<rank>d[_par](S, R, lo, lbase, lstep,
rbase, rstep)` at the copy, R the view of D's rows beside S (full width),
both with the dims contiguous in each merged (as row_copy does): a private,
noinline function that per row writes column k < lo from S[lbase + lstep *
k], S's row by whole vectors at lo, and column lo + W + k from S[rbase +
rstep * k].  `_par` (threads > 1, enough elements): the threads take chunks
of the outermost dim.
Why: each column generic was a scalar loop over every row of D, touching one
cache line per row, so the two columns cost two more passes over memory
(~0.1-0.2 ms at 8 x 64 x 56 x 56); written with the row, each line of D
leaves the core once.
"""
from __future__ import annotations

from dataclasses import dataclass

from mlir import ir
from mlir.dialects import arith, func, memref

from .ir_walk import as_op, has_unit_inner_stride, indexing_maps, is_identity_map, owner_op
from .kernel_emit import append_once
from .pad_copy import _root, _Text
from .parallel import MIN_PARALLEL_ELEMENTS
from .row_copy import VECTOR_BYTES, _bits, _collapse, _collapsed_type, _groups, chunked_text, \
    view_type


@dataclass
class EdgePad:
    """What `match` found: the copy, the column generics it replaces and
    each column's source column as base + step * k."""
    copy: ir.Operation
    columns: list[ir.Operation]
    lo: int
    left: tuple[int, int]
    right: tuple[int, int]


def _static(op: ir.Operation, name: str) -> list[int]:
    return list(ir.DenseI64ArrayAttr(op.attributes[name]))


def match(copy: ir.Operation) -> EdgePad | None:
    """The edge pad whose interior `copy` writes, if its columns are there."""
    src, interior = copy.operands
    sub = owner_op(interior)
    if sub is None or sub.name != "memref.subview":
        return None
    dst = sub.operands[0]
    s, d = src.type, dst.type
    if not (isinstance(s, ir.MemRefType) and isinstance(d, ir.MemRefType)):
        return None
    s, d = ir.MemRefType(s), ir.MemRefType(d)
    if _bits(s.element_type) not in (32, 64):
        return None
    lanes = VECTOR_BYTES * 8 // _bits(s.element_type)
    dyn = ir.ShapedType.get_dynamic_size()
    if s.rank != d.rank or \
            not has_unit_inner_stride(s) or not has_unit_inner_stride(d) or \
            s.shape[-1] == dyn or s.shape[-1] < lanes or d.shape[-1] == dyn or \
            _root(src) == _root(dst):
        return None
    offsets = _static(sub, "static_offsets")
    if ir.ShapedType.get_dynamic_stride_or_offset() in offsets or \
            _static(sub, "static_strides") != [1] * s.rank:
        return None
    width, lo = s.shape[-1], offsets[-1]
    hi = d.shape[-1] - lo - width
    wanted = {side: (at, size) for side, at, size in (("left", 0, lo), ("right", lo + width, hi))
              if size}
    if not wanted:
        return None
    found = _columns(copy, sub, src, dst, wanted, lo, width)
    if found is None or set(found) != set(wanted):
        return None
    return EdgePad(copy, [found[k][0] for k in found], lo,
                   found["left"][1] if lo else (0, 0), found["right"][1] if hi else (0, 0))


def _columns(copy: ir.Operation, sub: ir.Operation, src: ir.Value, dst: ir.Value,
             wanted: dict[str, tuple[int, int]], lo: int,
             width: int) -> dict[str, tuple[ir.Operation, tuple[int, int]]] | None:
    """side -> (generic, (base, step)) for the column generics after `copy`
    (None when an op in between reads D, so that moving them would matter)."""
    found: dict[str, tuple[ir.Operation, tuple[int, int]]] = {}
    ops = [as_op(o) for o in copy.block.operations]
    for op in ops[ops.index(copy) + 1:]:
        if len(found) == len(wanted):
            break
        touches = [v for v in op.operands if _root(v) == dst]
        if not touches or op.name == "memref.subview":
            continue
        if op.name != "linalg.generic":
            return None
        generic = op.opview
        if any(_root(v) == dst for v in generic.inputs):
            return None
        column = _column(op, sub, src, wanted, lo, width)
        if column is not None:
            found[column[0]] = (op, column[1])
    return found


def _column(op: ir.Operation, sub: ir.Operation, src: ir.Value,
            wanted: dict[str, tuple[int, int]], lo: int,
            width: int) -> tuple[str, tuple[int, int]] | None:
    """(side, (base, step)) when `op` copies S's columns into the D columns
    beside the interior rows (reflected or replicated), else None."""
    generic = op.opview
    if list(generic.inputs) != [src] or len(generic.outputs) != 1:
        return None
    out = owner_op(generic.outputs[0])
    if out is None or out.name != "memref.subview" or out.operands[0] != sub.operands[0] or \
            list(out.operands[1:]) != list(sub.operands[1:]) or \
            _static(out, "static_strides") != _static(sub, "static_strides"):
        return None
    at, size = _static(out, "static_offsets"), _static(out, "static_sizes")
    if at[:-1] != _static(sub, "static_offsets")[:-1] or \
            size[:-1] != _static(sub, "static_sizes")[:-1]:
        return None
    body = list(op.regions[0].blocks[0].operations)
    block = op.regions[0].blocks[0]
    if len(body) != 1 or list(body[0].operands) != [block.arguments[0]]:
        return None
    side = next((k for k, v in wanted.items() if v == (at[-1], size[-1])), None)
    src_map, out_map = indexing_maps(op)
    if side is None or not is_identity_map(out_map):
        return None
    rank = src_map.n_dims
    j, c = ir.AffineDimExpr.get(rank - 1), ir.AffineConstantExpr.get
    lead = [ir.AffineDimExpr.get(i) for i in range(rank - 1)]
    first = lo if side == "left" else width - 2  # reflect: the column next to the edge
    edge = 0 if side == "left" else width - 1  # replicate: the edge column
    for base, step, expr in ((first, -1, c(first) - j), (edge, 0, c(edge))):
        if src_map == ir.AffineMap.get(rank, 0, [*lead, expr]):
            return side, (base, step)
    return None


def call(module_op: ir.Operation, helpers: set[str], pad: EdgePad, threads: int) -> None:
    """Replace the copy and the column generics by one call (at the copy)."""
    src, interior = pad.copy.operands
    sub = owner_op(interior)
    dst = sub.operands[0]
    d = ir.MemRefType(dst.type)
    with ir.InsertionPoint(pad.copy), pad.copy.location:
        rows = _rows_view(sub, d)
        types = [ir.MemRefType(src.type), ir.MemRefType(rows.type)]
        groups = _groups(types)
        if any(_collapsed_type(t, groups).get_strides_and_offset()[0][-1] != 1 for t in types):
            groups = [[i] for i in range(d.rank)]
        rank, elem, bits = len(groups), str(d.element_type), _bits(d.element_type)
        serial = f"tsm_pad_edges_{elem}_{rank}d"
        append_once(module_op, helpers, serial, lambda f: serial_text(f, rank, elem, bits))
        name = serial
        count = None if not types[1].has_static_shape else _count(types[1])
        if threads > 1 and rank > 1 and (count is None or count >= MIN_PARALLEL_ELEMENTS):
            name = f"{serial}_par"
            append_once(module_op, helpers, name,
                        lambda f: parallel_text(f, serial, rank, elem, threads))
        view = ir.Type.parse(view_type(rank, elem))
        index = ir.IndexType.get()
        numbers = [pad.lo, *pad.left, *pad.right]
        func.CallOp([], ir.FlatSymbolRefAttr.get(name), [
            memref.cast(view, _collapse(src, groups)), memref.cast(view, _collapse(rows, groups)),
            *(arith.constant(index, n) for n in numbers)])
    for op in pad.columns:
        op.erase()
    pad.copy.erase()


def _count(t: ir.MemRefType) -> int:
    n = 1
    for s in t.shape:
        n *= s
    return n


def _rows_view(sub: ir.Operation, d: ir.MemRefType) -> ir.Value:
    """D's rows beside the interior, full width: the interior's subview
    with the last dim's offset 0 and D's width."""
    offsets, sizes = _static(sub, "static_offsets"), _static(sub, "static_sizes")
    dyn = ir.ShapedType.get_dynamic_size()
    dynamic = iter(sub.operands[1:])
    mixed = [next(dynamic) if n == dyn else n for n in sizes[:-1]] + [d.shape[-1]]
    strides, offset = d.get_strides_and_offset()
    unknown = ir.ShapedType.get_dynamic_stride_or_offset()
    rows_offset = unknown if unknown in (offset, *strides) else \
        offset + sum(o * s for o, s in zip(offsets[:-1], strides))
    result = ir.MemRefType.get([dyn if isinstance(n, ir.Value) else n for n in mixed],
                               d.element_type, ir.StridedLayoutAttr.get(rows_offset, strides),
                               d.memory_space)
    return memref.subview(sub.operands[0], [*offsets[:-1], 0], mixed, [1] * d.rank,
                          result_type=result)


def _signature(rank: int, elem: str) -> str:
    view = view_type(rank, elem)
    return f"%src: {view}, %dst: {view}, %nleft: index, %lbase: index, %lstep: index, " \
        "%rbase: index, %rstep: index"


def _column_loop(row: list[str], count: str, base: str, step: str, at: str, elem: str,
                 view: str, tag: str) -> list[str]:
    """dst[row..., at + k] = src[row..., base + step * k] for k < count."""
    k, s, x, o = (f"%{tag}{n}" for n in ("k", "s", "x", "off"))
    src_at = ", ".join([*row, s])
    return [f"scf.for {k} = %c0 to {count} step %c1 {{",
            f"  {o} = arith.muli {k}, {step} : index",
            f"  {s} = arith.addi {base}, {o} : index",
            f"  {x} = memref.load %src[{src_at}] : {view}",
            f"  {o}d = arith.addi {at}, {k} : index",
            f"  memref.store {x}, %dst[{', '.join([*row, f'{o}d'])}] : {view}", "}"]


def serial_text(name: str, rank: int, elem: str, bits: int) -> str:
    """Per row of src: the left columns, the row at %nleft, the right columns."""
    view = view_type(rank, elem)
    lanes, last = VECTOR_BYTES * 8 // bits, rank - 1
    text = _Text(elem, lanes, view)
    row = [f"%i{d}" for d in range(last)]
    lines = [f"scf.for %i{d} = %c0 to %n{d} step %c1 {{" for d in range(last)]
    lines += _column_loop(row, "%nleft", "%lbase", "%lstep", "%c0", elem, view, "l")
    lines += text.copy_wide(row, row, "%nleft", f"%n{last}")
    lines += _column_loop(row, "%hi", "%rbase", "%rstep", "%rat", elem, view, "r")
    lines += ["}"] * last
    dims = "\n    ".join(f"%n{d} = memref.dim %src, %c{d} : {view}" for d in range(rank))
    consts = "\n    ".join(f"%c{d} = arith.constant {d} : index" for d in range(2, rank))
    body = "\n    ".join(lines)
    return f"""
func.func private @{name}({_signature(rank, elem)}) attributes {{passthrough = ["noinline"]}} {{
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    {consts}
    %clanes = arith.constant {lanes} : index
    {dims}
    %width = memref.dim %dst, %c{last} : {view}
    %rat = arith.addi %nleft, %n{last} : index
    %hi = arith.subi %width, %rat : index
    %slast = arith.subi %n{last}, %clanes : index
    {body}
    return
}}
"""


def parallel_text(name: str, serial: str, rank: int, elem: str, threads: int) -> str:
    """The threads share the outermost dim in chunks, each a call of the
    serial function on its rows of src and dst (chunked_text's %lo is the
    chunk's first row)."""
    view = view_type(rank, elem)
    last = rank - 1
    args = "%nleft, %lbase, %lstep, %rbase, %rstep"
    types = f"{view}, {view}" + ", index" * 5
    call = f"func.call @{serial}({{}}, {args}) : ({types}) -> ()"
    rest = "".join(f", %n{d}" for d in range(1, last))
    zeros, ones = ", 0" * last, ", ".join(["1"] * rank)
    return chunked_text(f"@{name}({_signature(rank, elem)})",
                        f"func.func private @{serial}({types})", view, rank, threads, 1,
                        call.format("%src, %dst"),
                        [f"%swidth = memref.dim %src, %c{last} : {view}",
                         f"%s = memref.subview %src[%lo{zeros}] [%len{rest}, %swidth] "
                         f"[{ones}] : {view} to {view}",
                         call.format("%s, %dchunk")])
