"""A reflect or replicate pad's borders written with its rows, one pass.

In (met by `copies_to_linalg`): a `memref.copy` of a source S (unit inner
stride, rows of a vector or more, static width W, 32- or 64-bit elements)
into a unit-stride `memref.subview` of a buffer D at static offsets (the
interior: columns lo..lo+W of D, rows top..top+H), followed in its block
by the `linalg.generic`s that `resampling._edge_pad_regions` made for the
borders: each reads S through an identity map but for the last two dims,
`base - k` (reflect) or a constant (replicate), and writes a subview of D.
The generics of the columns beside the interior rows must all be there;
those of the rows above and below (one per column part, corners included)
are taken when all are there and read S's columns as the interior rows'
columns do, else left as they are.
Out: one call `tsm_pad_edges_<elem>_<rank>d_<numbers>[_par](S, P)` at the
copy, P the view of D's planes (all rows when the rows are taken, else
the interior rows; full width), both with the dims contiguous in each
merged (as row_copy does): a private, noinline function per pad, whose
border sizes and sources are constants (LLVM unrolls the border columns: a
loop of one or two steps per row cost as much as the row's vectors), that
per plane writes D's rows in order, each from a row of S with its columns:
the rows above (row k from S's row tbase + tstep * k), S's rows, the rows
below (bbase + bstep * k); in each, column k < lo from S's column lbase +
lstep * k, the row by whole vectors, column lo + W + k from rbase + rstep *
k.  `_par` (threads > 1, enough elements, planes in a dim of their own or
no rows taken): the threads take chunks of the outermost dim.
Why: each column generic was a scalar loop over every row of D, touching one
cache line per row, and the rows and corners scalar loops of their own
(8 x 64 x 56 x 56, 1 thread: 0.46 ms, now 0.29, eager 0.40); written plane
by plane in order, each line of D leaves the core once."""
from __future__ import annotations

import itertools
from dataclasses import dataclass

from mlir import ir
from mlir.dialects import func, memref

from .ir_walk import as_op, has_unit_inner_stride, indexing_maps, is_identity_map, owner_op
from .kernel_emit import append_once
from .pad_copy import _root, _Text
from .parallel import MIN_PARALLEL_ELEMENTS
from .row_copy import VECTOR_BYTES, _bits, collapse_memref, _collapsed_type, _groups, \
    _static_count, chunked_text, kernel_head, view_type


#: (side of the dim, offset and size in D, the source index as base + step
#: * k of the region's index k, that affine expr): how a pad fills a dim.
Part = tuple[str, int, int, tuple[int, int], ir.AffineExpr]


@dataclass
class EdgePad:
    """What `match` found: the copy; the generics it replaces; each
    border's source index as (base, step); `rows` when the rows above and
    below are taken ((0, 0) for a side without rows)."""
    copy: ir.Operation
    erased: list[ir.Operation]
    lo: int
    left: tuple[int, int]
    right: tuple[int, int]
    rows: tuple[tuple[int, int], tuple[int, int]] | None


def _static(op: ir.Operation, name: str) -> list[int]:
    return list(ir.DenseI64ArrayAttr(op.attributes[name]))


def _parts(lo: int, n: int, hi: int, d: ir.AffineExpr) -> list[Part]:
    """The middle of a dim, and its reflected and replicated borders."""
    c = ir.AffineConstantExpr.get
    parts: list[Part] = [("mid", lo, n, (0, 1), d)]
    if lo:
        parts += [("low", 0, lo, (lo, -1), c(lo) - d), ("low", 0, lo, (0, 0), c(0))]
    if hi:
        parts += [("high", lo + n, hi, (n - 2, -1), c(n - 2) - d),
                  ("high", lo + n, hi, (n - 1, 0), c(n - 1))]
    return parts


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
    if s.rank != d.rank or s.rank < 2 or \
            not has_unit_inner_stride(s) or not has_unit_inner_stride(d) or \
            s.shape[-1] == dyn or s.shape[-1] < lanes or d.shape[-1] == dyn or \
            _root(src) == _root(dst):
        return None
    offsets = _static(sub, "static_offsets")
    if ir.ShapedType.get_dynamic_stride_or_offset() in offsets or \
            _static(sub, "static_strides") != [1] * s.rank:
        return None
    if not _border_read(src, dst):
        return None
    dims = [_dim_parts(s, d, offsets, -2), _dim_parts(s, d, offsets, -1)]
    regions = _regions(copy, sub, src, dims)
    if regions is None:
        return None
    lo, hi = (any(p[0] == side for p in dims[-1]) for side in ("low", "high"))
    columns = {side: regions.get(("mid", side))
               for side in ("low", "high") if (lo, hi)[side == "high"]}
    if not columns or None in columns.values():
        return None
    erased = [op for op, _ in columns.values()]
    left, right = (columns[k][1][-1] if k in columns else (0, 0) for k in ("low", "high"))
    rows = _rows(regions, dims, columns, erased)
    return EdgePad(copy, erased, offsets[-1], left, right, rows)


def _border_read(src: ir.Value, dst: ir.Value) -> bool:
    """Whether a generic reading S writes a subview of D (a cheap test
    before the walk over the ops after the copy)."""
    for use in dst.uses:
        view = as_op(use.owner)
        if view.name == "memref.subview":
            for inner in view.results[0].uses:
                user = as_op(inner.owner)
                if user.name == "linalg.generic" and src in list(user.operands):
                    return True
    return False


def _dim_parts(s: ir.MemRefType, d: ir.MemRefType, offsets: list[int], dim: int) -> list[Part]:
    """The parts of dim `dim` (negative) of D, or its middle alone when
    its sizes are dynamic (not padded then)."""
    dyn = ir.ShapedType.get_dynamic_size()
    expr = ir.AffineDimExpr.get(s.rank + dim)
    if dyn in (s.shape[dim], d.shape[dim]):
        return [("mid", offsets[dim], s.shape[dim], (0, 1), expr)]
    return _parts(offsets[dim], s.shape[dim], d.shape[dim] - offsets[dim] - s.shape[dim], expr)


def _regions(copy: ir.Operation, sub: ir.Operation, src: ir.Value, dims: list[list[Part]]
             ) -> dict[tuple[str, ...], tuple[ir.Operation, list[tuple[int, int]]]] | None:
    """(row side, column side) -> (generic, [(base, step) per dim]) for the
    border generics that follow `copy` (subviews of D between them); None
    when one of them reads D (moving the others past it would matter)."""
    dst = sub.operands[0]
    found = {}
    ops = [as_op(o) for o in copy.block.operations]
    for op in ops[ops.index(copy) + 1:]:
        if op.name == "memref.subview" and op.operands[0] == dst:
            continue
        touches = any(_root(v) == dst for v in op.operands)
        if not touches and (op.name.startswith("arith.") or op.name == "memref.dim"):
            continue  # (sizes of the regions' views)
        if op.name != "linalg.generic" or not touches:
            break
        if any(_root(v) == dst for v in op.opview.inputs):
            return None
        region = _region(op, sub, src, dims)
        if region is not None:
            found[tuple(p[0] for p in region)] = (op, [p[3] for p in region])
    return found


def _region(op: ir.Operation, sub: ir.Operation, src: ir.Value,
            dims: list[list[Part]]) -> tuple[Part, ...] | None:
    """The parts of the last dims (rows, columns) that `op` fills from S
    (the dims before them: the interior's), else None."""
    generic = op.opview
    if list(generic.inputs) != [src] or len(generic.outputs) != 1:
        return None
    out = owner_op(generic.outputs[0])
    lead = len(dims)
    if out is None or out.name != "memref.subview" or out.operands[0] != sub.operands[0] or \
            list(out.operands[1:]) != list(sub.operands[1:]) or \
            _static(out, "static_strides") != _static(sub, "static_strides"):
        return None
    at, size = _static(out, "static_offsets"), _static(out, "static_sizes")
    if at[:-lead] != _static(sub, "static_offsets")[:-lead] or \
            size[:-lead] != _static(sub, "static_sizes")[:-lead]:
        return None
    block = op.regions[0].blocks[0]
    body = list(block.operations)
    src_map, out_map = indexing_maps(op)
    if len(body) != 1 or list(body[0].operands) != [block.arguments[0]] or \
            not is_identity_map(out_map):
        return None
    rank = src_map.n_dims
    keep = [ir.AffineDimExpr.get(i) for i in range(rank - lead)]
    options = [[p for p in parts if (p[1], p[2]) == (at[i], size[i])]
               for i, parts in zip(range(rank - lead, rank), dims)]
    for region in itertools.product(*options):
        if src_map == ir.AffineMap.get(rank, 0, [*keep, *(p[4] for p in region)]):
            return region
    return None


def _rows(regions: dict, dims: list[list[Part]], columns: dict,
          erased: list[ir.Operation]) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """(base, step) of the rows above and below the interior ((0, 0) where
    there are none) when their generics (one per column part, corners too)
    read S's rows the same way and its columns as the interior rows' columns
    do: a row of D, corners included, then is the row of D it reads (which
    the interior rows wrote).  Their generics join `erased`; None (nothing
    added) when one is missing."""
    rows, found_all = dims[0], []
    sides = {}
    for side in ("low", "high"):
        if not any(p[0] == side for p in rows):
            sides[side] = (0, 0)
            continue
        found = [regions.get((side, c)) for c in ("mid", *columns)]
        if None in found:
            return None
        steps = {f[1][0] for f in found}
        if len(steps) != 1 or any(f[1][1] != columns[c][1][-1]
                                  for f, c in zip(found[1:], columns)):
            return None
        sides[side] = steps.pop()
        found_all += [f[0] for f in found]
    if not found_all:
        return None
    erased += found_all
    return sides["low"], sides["high"]


def call(module_op: ir.Operation, helpers: set[str], pad: EdgePad, threads: int) -> None:
    """Replace the copy and the border generics by one call (at the copy)."""
    src, interior = pad.copy.operands
    sub = owner_op(interior)
    d = ir.MemRefType(sub.operands[0].type)
    with ir.InsertionPoint(pad.copy), pad.copy.location:
        planes = _planes_view(sub, d, pad.rows is not None)
        types = [ir.MemRefType(src.type), ir.MemRefType(planes.type)]
        groups = _groups(types)
        if any(_collapsed_type(t, groups).get_strides_and_offset()[0][-1] != 1 for t in types):
            groups = [[i] for i in range(d.rank)]
        if len(groups) == 1:  # (only unit dims before the row) the kernel wants a row dim
            groups = [list(range(d.rank - 1)), [d.rank - 1]]
        rank, elem, bits = len(groups), str(d.element_type), _bits(d.element_type)
        view = ir.Type.parse(view_type(rank, elem))
        src, planes = (memref.cast(view, collapse_memref(v, groups)) for v in (src, planes))
        top = _static(sub, "static_offsets")[-2] if pad.rows is not None else 0
        rows = pad.rows or ((0, 0), (0, 0))
        numbers = dict(zip(_ARGS, [top, *rows[0], *rows[1], pad.lo, *pad.left, *pad.right]))
        # one function per pad: constant border sizes and sources, so that
        # LLVM unrolls the few border columns (a loop of one or two steps
        # per row cost more than the row's vector copy)
        tag = "_".join(str(n).replace("-", "m") for n in numbers.values())
        serial = f"tsm_pad_edges_{elem}_{rank}d_{tag}"
        append_once(module_op, helpers, serial,
                    lambda f: serial_text(f, rank, elem, bits, numbers))
        name = serial
        count = _static_count(types[1])
        if threads > 1 and (rank > 2 or pad.rows is None) and \
                (count is None or count >= MIN_PARALLEL_ELEMENTS):
            name = f"{serial}_par"
            append_once(module_op, helpers, name,
                        lambda f: parallel_text(f, serial, rank, elem, threads))
        func.CallOp([], ir.FlatSymbolRefAttr.get(name), [src, planes])
    for op in pad.erased:
        op.erase()
    pad.copy.erase()


def _planes_view(sub: ir.Operation, d: ir.MemRefType, rows: bool) -> ir.Value:
    """D's rows beside the interior, full width (the interior's subview
    with the last dim's offset 0 and D's width), and with `rows` all of D's
    rows (the planes of D)."""
    offsets, sizes = _static(sub, "static_offsets"), _static(sub, "static_sizes")
    dyn = ir.ShapedType.get_dynamic_size()
    dynamic = iter(sub.operands[1:])
    mixed = [next(dynamic) if n == dyn else n for n in sizes[:-1]] + [d.shape[-1]]
    at = [*offsets[:-1], 0]
    if rows:
        at[-2], mixed[-2] = 0, d.shape[-2]
    strides, offset = d.get_strides_and_offset()
    unknown = ir.ShapedType.get_dynamic_stride_or_offset()
    view_offset = unknown if unknown in (offset, *strides) else \
        offset + sum(o * s for o, s in zip(at, strides))
    result = ir.MemRefType.get([dyn if isinstance(n, ir.Value) else n for n in mixed],
                               d.element_type, ir.StridedLayoutAttr.get(view_offset, strides),
                               d.memory_space)
    return memref.subview(sub.operands[0], at, mixed, [1] * d.rank, result_type=result)


_ARGS = ("top", "tbase", "tstep", "bbase", "bstep", "nleft", "lbase", "lstep", "rbase", "rstep")


def _signature(rank: int, elem: str) -> str:
    view = view_type(rank, elem)
    return f"%src: {view}, %dst: {view}"


def _column_loop(row: list[str], drow: list[str], count: str, base: str, step: str, at: str,
                 view: str, tag: str) -> list[str]:
    """dst[drow..., at + k] = src[row..., base + step * k] for k < count."""
    k, s, x, o, t = (f"%{tag}{n}" for n in ("k", "s", "x", "off", "to"))
    return [f"scf.for {k} = %c0 to {count} step %c1 {{",
            f"  {o} = arith.muli {k}, {step} : index",
            f"  {s} = arith.addi {base}, {o} : index",
            f"  {x} = memref.load %src[{', '.join([*row, s])}] : {view}",
            f"  {t} = arith.addi {at}, {k} : index",
            f"  memref.store {x}, %dst[{', '.join([*drow, t])}] : {view}", "}"]


def _row(text: _Text, outer: list[str], srow: str, drow: str, view: str, tag: str) -> list[str]:
    """dst row `drow` = src row `srow` with its columns: the left ones, the
    row by whole vectors (the last one moved back), the right ones."""
    row, at = [*outer, srow], [*outer, drow]
    return [*_column_loop(row, at, "%nleft", "%lbase", "%lstep", "%c0", view, f"{tag}l"),
            *text.copy_wide(row, at, "%nleft", "%w"),
            *_column_loop(row, at, "%nright", "%rbase", "%rstep", "%rat", view, f"{tag}r")]


def _rows_loop(text: _Text, outer: list[str], count: str, first: str, base: str, step: str,
               view: str, tag: str) -> list[str]:
    """dst rows first + k = src rows base + step * k (with their columns)
    for k < count."""
    k, o, s, d = (f"%{tag}{n}" for n in ("k", "off", "srow", "drow"))
    return [f"scf.for {k} = %c0 to {count} step %c1 {{",
            f"  {o} = arith.muli {k}, {step} : index",
            f"  {s} = arith.addi {base}, {o} : index",
            f"  {d} = arith.addi {first}, {k} : index",
            *_row(text, outer, s, d, view, tag), "}"]


def serial_text(name: str, rank: int, elem: str, bits: int, numbers: dict[str, int]) -> str:
    """Per plane, dst's rows in order (each from a row of src, with its
    columns): the rows above, src's rows, the rows below (rank >= 2: the
    last two dims are rows and columns); `numbers` gives the constants
    named in _ARGS."""
    view = view_type(rank, elem)
    lanes, last = VECTOR_BYTES * 8 // bits, rank - 1
    text = _Text(elem, lanes, view)
    outer = [f"%i{d}" for d in range(last - 1)]
    lines = [f"scf.for %i{d} = %c0 to %n{d} step %c1 {{" for d in range(last - 1)]
    lines += _rows_loop(text, outer, "%top", "%c0", "%tbase", "%tstep", view, "t")
    lines += _rows_loop(text, outer, f"%n{last - 1}", "%top", "%c0", "%c1", view, "m")
    lines += _rows_loop(text, outer, "%nbottom", "%bat", "%bbase", "%bstep", view, "b")
    lines += ["}"] * (last - 1)
    dims = "\n    ".join(f"%n{d} = memref.dim %src, %c{d} : {view}" for d in range(rank))
    constants = "\n    ".join(f"%{a} = arith.constant {numbers[a]} : index" for a in _ARGS)
    body = "\n    ".join(lines)
    return f"""
{kernel_head(name, _signature(rank, elem), rank, lanes)}
    {constants}
    {dims}
    %w = arith.addi %n{last}, %c0 : index
    %height = memref.dim %dst, %c{last - 1} : {view}
    %width = memref.dim %dst, %c{last} : {view}
    %rat = arith.addi %nleft, %w : index
    %nright = arith.subi %width, %rat : index
    %bat = arith.addi %top, %n{last - 1} : index
    %nbottom = arith.subi %height, %bat : index
    %slast = arith.subi %w, %clanes : index
    {body}
    return
}}
"""


def parallel_text(name: str, serial: str, rank: int, elem: str, threads: int) -> str:
    """The threads share the outermost dim in chunks, each a call of the
    serial function on its part of src and dst (`call` takes this only
    where that dim is not the rows' or no rows are taken)."""
    view = view_type(rank, elem)
    call = f"func.call @{serial}({{}}) : ({view}, {view}) -> ()"
    sizes = "".join(f", %sd{d}" for d in range(1, rank))
    zeros, ones = ", 0" * (rank - 1), ", ".join(["1"] * rank)
    return chunked_text(f"@{name}({_signature(rank, elem)})",
                        f"func.func private @{serial}({view}, {view})", view, rank, threads, 1,
                        call.format("%src, %dst"),
                        [*(f"%sd{d} = memref.dim %src, %c{d} : {view}" for d in range(1, rank)),
                         f"%s = memref.subview %src[%lo{zeros}] [%len{sizes}] [{ones}] : "
                         f"{view} to {view}",
                         call.format("%s, %dchunk")])
