"""Small helpers for passes that walk and rewrite IR by hand.

The Python bindings hand out `OpView`s or `Operation`s depending on where an
op comes from; these helpers give `Operation`s, which compare equal when
they are the same op.
"""
from __future__ import annotations

from typing import Callable

from mlir import ir


def as_op(x) -> ir.Operation:
    """The `Operation` of an op or OpView."""
    return x if isinstance(x, ir.Operation) else x.operation


def owner_op(v: ir.Value) -> ir.Operation | None:
    """The op that defines `v`; None for a block argument."""
    return None if isinstance(v.owner, ir.Block) else as_op(v.owner)


def collect(root: ir.Operation, keep: Callable[[ir.Operation], bool]) -> list[ir.Operation]:
    """The ops nested in `root` (pre-order) for which `keep` holds: a list
    taken before any rewrite, so that rewriting does not disturb the walk."""
    found: list[ir.Operation] = []

    def visit(op):
        op = as_op(op)
        if keep(op):
            found.append(op)
        return ir.WalkResult.ADVANCE

    root.walk(visit)
    return found


def defined_inside(v: ir.Value, op: ir.Operation) -> bool:
    """Whether `v` is defined in `op`'s regions (at any depth)."""
    owner = v.owner.owner if isinstance(v.owner, ir.Block) else v.owner
    owner = as_op(owner) if owner is not None else None
    while owner is not None:
        if owner == op:
            return True
        owner = owner.parent
    return False


def constant_index(v: ir.Value) -> int | None:
    """The value of an index `arith.constant` (a static bound or step), else None."""
    op = owner_op(v)
    if op is None or op.name != "arith.constant" or not isinstance(v.type, ir.IndexType):
        return None
    return ir.IntegerAttr(op.attributes["value"]).value


def step_slice_store(loop: ir.Operation, k: int, starts: Callable[[ir.Value], bool],
                     reads_box: bool = False) -> ir.Operation | None:
    """The tensor.insert_slice by which each step i of the scf.for `loop`
    stores the box [i] (offsets [i, 0, ...], sizes [1, the other dims],
    unit strides) of its carried tensor k, which starts as a tensor.empty
    that `starts` accepts; None unless that insert is the carried tensor's
    only use (`reads_box`: besides extract_slices of the same box) and its
    result is only yielded.  The stored value is the caller's to check (it
    may drop the unit dim)."""
    body = loop.regions[0].blocks[0]
    iv, arg, init = body.arguments[0], body.arguments[1 + k], loop.operands[3 + k]
    empty, t = owner_op(init), init.type
    if empty is None or empty.name != "tensor.empty" or not isinstance(t, ir.RankedTensorType) \
            or t.rank == 0 or not starts(init):
        return None
    users = [as_op(u.owner) for u in arg.uses]
    inserts = [u for u in users if u.name == "tensor.insert_slice"]
    if len(inserts) != 1:
        return None
    ins = inserts[0]
    if any(u != ins and not (reads_box and _same_box(u, ins)) for u in users):
        return None
    if len(ins.operands) != 3 or ins.operands[1] != arg or ins.operands[2] != iv \
            or use_count(ins.results[0]) != 1 \
            or as_op(list(body.operations)[-1]).operands[k] != ins.results[0]:
        return None
    dyn = ir.ShapedType.get_dynamic_size()
    if list(ir.DenseI64ArrayAttr(ins.attributes["static_offsets"])) != [dyn] + [0] * (t.rank - 1) \
            or list(ir.DenseI64ArrayAttr(ins.attributes["static_sizes"])) != [1, *t.shape[1:]] \
            or any(s != 1 for s in ir.DenseI64ArrayAttr(ins.attributes["static_strides"])):
        return None
    return ins


def _same_box(extract: ir.Operation, ins: ir.Operation) -> bool:
    """Whether `extract` is an extract_slice of the box that `ins` inserts."""
    return extract.name == "tensor.extract_slice" and len(extract.operands) == 2 \
        and extract.operands[1] == ins.operands[2] and all(
            str(extract.attributes[a]) == str(ins.attributes[a])
            for a in ("static_offsets", "static_sizes", "static_strides"))


def dense_ints(attr: ir.Attribute) -> list[int]:
    """The integers of a dense integer elements attribute (strides, dilations...)."""
    return [int(v) for v in ir.DenseIntElementsAttr(attr)]


def use_count(v: ir.Value) -> int:
    """How many operands read `v`."""
    return len(list(v.uses))


def iterators(op: ir.Operation) -> list[str]:
    """A linalg op's iterator types, "parallel" or "reduction" each."""
    return ["parallel" if "parallel" in str(it) else "reduction"
            for it in ir.ArrayAttr(op.attributes["iterator_types"])]


def indexing_maps(op: ir.Operation) -> list[ir.AffineMap]:
    """A linalg op's indexing maps, inputs then outputs."""
    return [ir.AffineMapAttr(a).value for a in ir.ArrayAttr(op.attributes["indexing_maps"])]


def is_identity_map(m: ir.AffineMap) -> bool:
    """(d0, ..., dn) -> (d0, ..., dn), no symbols."""
    return m == ir.AffineMap.get_identity(m.n_dims)


def matmul_maps(b_transposed: bool = False) -> list[ir.AffineMap]:
    """linalg.matmul's indexing maps: C[m, n] += A[m, k] * B[k, n], or with
    `b_transposed` B read as (N, K): C[m, n] += A[m, k] * B[n, k]."""
    d = ir.AffineDimExpr.get
    b = [d(1), d(2)] if b_transposed else [d(2), d(1)]
    return [ir.AffineMap.get(3, 0, [d(0), d(2)]), ir.AffineMap.get(3, 0, b),
            ir.AffineMap.get(3, 0, [d(0), d(1)])]


def has_unit_inner_stride(t: ir.MemRefType) -> bool:
    """A memref of rank >= 1 whose innermost stride is 1 (rows read as vectors)."""
    return t.rank >= 1 and t.get_strides_and_offset()[0][-1] == 1
