"""A padded buffer's fill and the copy into its interior as one pass.

In (met by `copies_to_linalg`): a `linalg.fill` of a view D (unit inner
stride, 32- or 64-bit elements), then, with only view ops between, a
`memref.copy` of a source S (unit inner stride, not a view of D) into a
unit-stride `memref.subview` of D at static offsets of the same rank: what
a bufferized `tensor.pad` leaves (every convolution's padded input, the
max pool's -inf border), where it pays (`_pays`: D of MIN_ELEMENTS or
more, S's rows at least one vector wide).
Out: one call `tsm_pad_<elem>_<rank>d[_par](value, S, D, base, offsets...)`
on dynamic views with D's and S's unit dims dropped: a private, noinline
function per element type and rank that walks D's rows once, in three
loops: rows before the interior get the value, rows in it their left
border, S's row and their right border (unmasked 32-byte vectors, the
borders first and the row over them; masked tails where a row is narrower
than a vector), rows after it the value.  `_par` (threads > 1, a
big enough D): the threads take chunks of D's outermost dim (`base` is the
chunk's first index in D).
Why: the fill wrote all of D and the copy most of it again, each a pass
over memory once D outgrows the L2 (ResNet-18 224 fills ~11 MB of padded
buffers per call, at about the speed of its copies); written row by row,
each line of D leaves the core once.
"""
from __future__ import annotations

import math

from mlir import ir
from mlir.dialects import arith, func, memref

from .ir_walk import as_op, has_unit_inner_stride, owner_op
from .kernel_emit import append_once
from .parallel import MIN_PARALLEL_ELEMENTS
from .row_copy import (VECTOR_BYTES, _bits, chunked_text, collapse_memref, kernel_head,
                       view_type)

_VIEW_OPS = ("memref.subview", "memref.collapse_shape", "memref.expand_shape", "memref.cast")
_DYN = ir.ShapedType.get_dynamic_stride_or_offset()
#: Elements of the padded buffer from which one pass beats fill + copy.
MIN_ELEMENTS = 1 << 16


def _root(v: ir.Value) -> ir.Value:
    """The buffer a view is taken of (through view ops)."""
    op = owner_op(v)
    while op is not None and op.name in _VIEW_OPS:
        v = op.operands[0]
        op = owner_op(v)
    return v


def match(fill: ir.Operation) -> tuple[ir.Operation, ir.Operation] | None:
    """(subview, copy) when `fill` (a linalg.fill on a memref) is followed
    by the copy into its interior that a bufferized tensor.pad makes."""
    value, dst = fill.operands
    t = dst.type
    if not isinstance(t, ir.MemRefType) or not has_unit_inner_stride(ir.MemRefType(t)):
        return None
    t = ir.MemRefType(t)
    if value.type != t.element_type or _bits(t.element_type) not in (32, 64):
        return None
    copy = _next_effect(fill)
    if copy is None or copy.name != "memref.copy":
        return None
    src, view = copy.operands
    sub = owner_op(view)
    if sub is None or sub.name != "memref.subview" or sub.operands[0] != dst or \
            _root(src) == _root(dst) or not has_unit_inner_stride(ir.MemRefType(src.type)):
        return None
    offsets = list(ir.DenseI64ArrayAttr(sub.attributes["static_offsets"]))
    strides = list(ir.DenseI64ArrayAttr(sub.attributes["static_strides"]))
    if _DYN in offsets:
        return None
    if strides != [1] * t.rank or ir.MemRefType(view.type).rank != t.rank:
        return None
    return (sub, copy) if _pays(t, ir.MemRefType(src.type)) else None


def _pays(dst: ir.MemRefType, src: ir.MemRefType) -> bool:
    """A buffer big enough to outgrow the L2 between the two passes (the
    one-pass rows cost a few cycles more each: 64 x 18 x 18 ran 10% slower,
    64 x 58 x 58 and 128 x 30 x 30 13-16% faster), with rows of the source
    at least one vector wide (narrower ones need masked stores, which are
    slow on AMD: 512 x 9 x 9 ran 2x slower)."""
    lanes = VECTOR_BYTES * 8 // _bits(dst.element_type)
    count = math.prod(dst.shape) if dst.has_static_shape else None
    return src.shape[-1] != ir.ShapedType.get_dynamic_size() and src.shape[-1] >= lanes and \
        (count is None or count >= MIN_ELEMENTS)


def _next_effect(op: ir.Operation) -> ir.Operation | None:
    """The first op after `op` in its block that is not a view op."""
    ops = [as_op(o) for o in op.block.operations]
    for o in ops[ops.index(op) + 1:]:
        if o.name not in _VIEW_OPS:
            return o
    return None


def _groups(shape: list[int]) -> list[list[int]]:
    """Reassociation dropping the unit dims (each joins the next real dim,
    trailing ones the last); [] when every dim is a unit."""
    groups: list[list[int]] = []
    pending: list[int] = []
    for d, n in enumerate(shape):
        pending.append(d)
        if n != 1:
            groups.append(pending)
            pending = []
    if groups and pending:
        groups[-1].extend(pending)
    return groups


def call(module_op: ir.Operation, helpers: set[str], fill: ir.Operation, sub: ir.Operation,
         copy: ir.Operation, threads: int) -> bool:
    """Replace fill + copy by one call of the pad function (at the copy);
    False (nothing changed) when every dim of the buffer is a unit."""
    value, dst = fill.operands
    src = copy.operands[0]
    t = ir.MemRefType(dst.type)
    groups = _groups(list(t.shape))
    if not groups:
        return False
    offsets = list(ir.DenseI64ArrayAttr(sub.attributes["static_offsets"]))
    kept = [next(d for d in g if t.shape[d] != 1) for g in groups]
    rank, elem, bits = len(groups), str(t.element_type), _bits(t.element_type)
    serial = f"tsm_pad_{elem}_{rank}d"
    append_once(module_op, helpers, serial, lambda f: serial_text(f, rank, elem, bits))
    name = serial
    count = None if not t.has_static_shape else math.prod(t.shape)
    if threads > 1 and rank > 1 and (count is None or count >= MIN_PARALLEL_ELEMENTS):
        name = f"{serial}_par"
        append_once(module_op, helpers, name,
                    lambda f: parallel_text(f, serial, rank, elem, threads))
    view = ir.Type.parse(view_type(rank, elem))
    with ir.InsertionPoint(copy), copy.location:
        index = ir.IndexType.get()
        args = [value, memref.cast(view, collapse_memref(src, groups)),
                memref.cast(view, collapse_memref(dst, groups)),
                *(arith.constant(index, v) for v in [0, *(offsets[d] for d in kept)])]
        func.CallOp([], ir.FlatSymbolRefAttr.get(name), args)
    copy.erase()
    fill.erase()
    return True


def _signature(rank: int, elem: str) -> str:
    view = view_type(rank, elem)
    offsets = "".join(f", %o{d}: index" for d in range(rank))
    return f"%value: {elem}, %src: {view}, %dst: {view}, %base: index{offsets}"


def _at(row: list[str], j: str) -> str:
    return ", ".join([*row, j])


class _Text:
    """Lines of the serial function, with unique SSA names per use."""

    def __init__(self, elem: str, lanes: int, view: str):
        self.count = 0
        self.vec, self.mask = f"vector<{lanes}x{elem}>", f"vector<{lanes}xi1>"
        self.view = view

    def name(self, stem: str) -> str:
        self.count += 1
        return f"%{stem}{self.count}"

    def _tail(self, rem: str, body: list[str]) -> list[str]:
        """`body` (which uses the mask %m<n>) under `rem` != 0."""
        has, m = self.name("has"), self.name("m")
        return [f"{has} = arith.cmpi ne, {rem}, %c0 : index", f"scf.if {has} {{",
                f"  {m} = vector.create_mask {rem} : {self.mask}",
                *(line.replace("%MASK", m) for line in body), "}"]

    def fill(self, row: list[str], lo: str, hi: str) -> list[str]:
        """dst[row..., lo:hi] = the value: vectors, then a masked tail."""
        n, rem, end, j = (self.name(s) for s in ("fn", "frem", "fend", "fj"))
        return [f"{n} = arith.subi {hi}, {lo} : index",
                f"{rem} = arith.remui {n}, %clanes : index",
                f"{end} = arith.subi {hi}, {rem} : index",
                f"scf.for {j} = {lo} to {end} step %clanes {{",
                f"  vector.store %v, %dst[{_at(row, j)}] : {self.view}, {self.vec}", "}",
                *self._tail(rem, [f"  vector.maskedstore %dst[{_at(row, end)}], %MASK, %v : "
                                  f"{self.view}, {self.mask}, {self.vec}"])]

    def cover(self, row: list[str], lo: str, hi: str, last: str) -> list[str]:
        """dst[row..., lo:hi] = the value by whole vectors, the last one at
        most at `last` (so it ends inside the row): it may write before lo,
        which is then either the value too or overwritten afterwards."""
        j, k = self.name("vj"), self.name("vk")
        return [f"scf.for {j} = {lo} to {hi} step %clanes {{",
                f"  {k} = arith.minsi {j}, {last} : index",
                f"  vector.store %v, %dst[{_at(row, k)}] : {self.view}, {self.vec}", "}"]

    def copy_wide(self, src_row: list[str], dst_row: list[str], at: str, n: str) -> list[str]:
        """dst[dst_row..., at:at+n] = src[src_row..., 0:n] by whole vectors
        (n >= lanes), the last one moved back to end at n."""
        j, k, x, d = (self.name(s) for s in ("wj", "wk", "wx", "wd"))
        return [f"scf.for {j} = %c0 to {n} step %clanes {{",
                f"  {k} = arith.minsi {j}, %slast : index",
                f"  {x} = vector.load %src[{_at(src_row, k)}] : {self.view}, {self.vec}",
                f"  {d} = arith.addi {at}, {k} : index",
                f"  vector.store {x}, %dst[{_at(dst_row, d)}] : {self.view}, {self.vec}", "}"]

    def copy(self, src_row: list[str], dst_row: list[str], at: str, n: str) -> list[str]:
        """dst[dst_row..., at:at+n] = src[src_row..., 0:n]: vectors, then
        a masked tail."""
        rem, end, j, k, x, t, kt = (
            self.name(s) for s in ("crem", "cend", "cj", "ck", "cx", "ct", "ckt"))
        return [f"{rem} = arith.remui {n}, %clanes : index",
                f"{end} = arith.subi {n}, {rem} : index",
                f"scf.for {j} = %c0 to {end} step %clanes {{",
                f"  {x} = vector.load %src[{_at(src_row, j)}] : {self.view}, {self.vec}",
                f"  {k} = arith.addi {at}, {j} : index",
                f"  vector.store {x}, %dst[{_at(dst_row, k)}] : {self.view}, {self.vec}", "}",
                *self._tail(rem, [
                    f"  {t} = vector.maskedload %src[{_at(src_row, end)}], %MASK, %pad : "
                    f"{self.view}, {self.mask}, {self.vec} into {self.vec}",
                    f"  {kt} = arith.addi {at}, {end} : index",
                    f"  vector.maskedstore %dst[{_at(dst_row, kt)}], %MASK, {t} : {self.view}, "
                    f"{self.mask}, {self.vec}"])]


def _rows(text: _Text, outer: list[str], lo: str, hi: str, interior: bool,
          row_dim: int) -> list[str]:
    """A loop over dst's rows lo..hi of the row dim (after the `outer`
    indices): the value, or (`interior`) left border, src's row, right
    border; whole unmasked vectors where rows (and src's rows) hold one."""
    i, r, g = text.name("row"), text.name("srow"), text.name("grow")
    at, src_at = [*outer, i], [f"%r{d}" for d in range(row_dim)] + [r]
    last = row_dim + 1
    if interior:
        wide = text.cover(at, "%oend", f"%n{last}", "%nlast") + \
            text.cover(at, "%c0", f"%o{last}", "%nlast") + \
            text.copy_wide(src_at, at, f"%o{last}", f"%s{last}")
        narrow = text.fill(at, "%c0", f"%o{last}") + \
            text.copy(src_at, at, f"%o{last}", f"%s{last}") + \
            text.fill(at, "%oend", f"%n{last}")
        flag, index = "%wide", [f"{g} = arith.addi {i}, %brow : index",
                                f"{r} = arith.subi {g}, %o{row_dim} : index"]
    else:
        wide = text.cover(at, "%c0", f"%n{last}", "%nlast")
        narrow = text.fill(at, "%c0", f"%n{last}")
        flag, index = "%row_wide", []
    return [f"scf.if {flag} {{", f"scf.for {i} = {lo} to {hi} step %c1 {{", *index, *wide, "}",
            "} else {", f"scf.for {i} = {lo} to {hi} step %c1 {{", *index, *narrow, "}", "}"]


def _single_row(text: _Text) -> list[str]:
    """A 1-D dst: left border, src, right border."""
    wide = text.cover([], "%oend", "%n0", "%nlast") + text.cover([], "%c0", "%o0", "%nlast") + \
        text.copy_wide([], [], "%o0", "%s0")
    narrow = text.fill([], "%c0", "%o0") + text.copy([], [], "%o0", "%s0") + \
        text.fill([], "%oend", "%n0")
    return ["scf.if %wide {", *wide, "} else {", *narrow, "}"]


def serial_text(name: str, rank: int, elem: str, bits: int) -> str:
    """dst = the value, with src at offsets %o... (dst's dim 0 starts at
    %base of the whole buffer): rows before, inside and after the interior
    as loops of their own (no test per row)."""
    view = view_type(rank, elem)
    lanes, last = VECTOR_BYTES * 8 // bits, rank - 1
    text = _Text(elem, lanes, view)
    row_dim = last - 1  # -1: a single row
    lines, conds = [], []
    for d in range(max(row_dim, 0)):
        lines.append(f"scf.for %i{d} = %c0 to %n{d} step %c1 {{")
        g = f"%i{d}"
        if d == 0:
            lines.append("%g0 = arith.addi %i0, %base : index")
            g = "%g0"
        # unsigned: an index before the interior wraps around to a huge one
        lines += [f"%r{d} = arith.subi {g}, %o{d} : index",
                  f"%in{d} = arith.cmpi ult, %r{d}, %s{d} : index"]
        conds.append(f"%in{d}")
    outer = [f"%i{d}" for d in range(max(row_dim, 0))]
    if row_dim < 0:
        body = _single_row(text)
    else:
        body = _rows(text, outer, "%c0", "%rlo", False, row_dim) + \
            _rows(text, outer, "%rlo", "%rhi", True, row_dim) + \
            _rows(text, outer, "%rhi", f"%n{row_dim}", False, row_dim)
    if conds:
        acc = conds[0]
        for d, c in enumerate(conds[1:], 1):
            lines.append(f"%all{d} = arith.andi {acc}, {c} : i1")
            acc = f"%all{d}"
        body = [f"scf.if {acc} {{", *body, "} else {",
                *_rows(text, outer, "%c0", f"%n{row_dim}", False, row_dim), "}"]
    lines += body + ["}"] * max(row_dim, 0)
    # the interior's rows in dst, clamped to the rows there are (dim 0 of
    # a chunk of the rows starts at %base)
    rows = "" if row_dim < 0 else f"""
    %brow = arith.addi %c0, {"%base" if row_dim == 0 else "%c0"} : index
    %rlo0 = arith.subi %o{row_dim}, %brow : index
    %rhi0 = arith.addi %rlo0, %s{row_dim} : index
    %rlo1 = arith.maxsi %rlo0, %c0 : index
    %rhi1 = arith.maxsi %rhi0, %c0 : index
    %rlo = arith.minsi %rlo1, %n{row_dim} : index
    %rhi = arith.minsi %rhi1, %n{row_dim} : index"""
    dims = "\n    ".join(f"%n{d} = memref.dim %dst, %c{d} : {view}\n    "
                         f"%s{d} = memref.dim %src, %c{d} : {view}" for d in range(rank))
    zero = "0" if elem.startswith("i") else "0.0"
    body = "\n    ".join(lines)
    return f"""
{kernel_head(name, _signature(rank, elem), rank, lanes)}
    %v = vector.broadcast %value : {elem} to {text.vec}
    %pad = arith.constant dense<{zero}> : {text.vec}
    {dims}
    %oend = arith.addi %o{last}, %s{last} : index
    %nlast = arith.subi %n{last}, %clanes : index
    %slast = arith.subi %s{last}, %clanes : index
    %row_wide = arith.cmpi sge, %nlast, %c0 : index
    %src_wide = arith.cmpi sge, %slast, %c0 : index
    %wide = arith.andi %row_wide, %src_wide : i1{rows}
    {body}
    return
}}
"""


def parallel_text(name: str, serial: str, rank: int, elem: str, threads: int) -> str:
    """The threads share dst's outermost dim in chunks (each a call of the
    serial function on its rows, `base` its first row); a dst under
    MIN_PARALLEL_ELEMENTS stays on one thread."""
    view = view_type(rank, elem)
    offsets = "".join(f", %o{d}" for d in range(rank))
    types = f"{elem}, {view}, {view}, index" + ", index" * rank
    call = f"func.call @{serial}(%value, %src, {{}}{offsets}) : ({types}) -> ()"
    return chunked_text(f"@{name}({_signature(rank, elem)})",
                        f"func.func private @{serial}({types})", view, rank, threads, 1,
                        call.format("%dst, %base"),
                        ["%b = arith.addi %base, %lo : index", call.format("%dchunk, %b")])
