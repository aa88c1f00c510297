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
