"""Descriptions of values that leave scf regions: the results of a run-time
`if` and the values a loop carries.

In: the Python-side values of the importer (MLIR values, compile-time
numbers, tuples/lists, UNINIT placeholders) on two paths (both branches, or
a loop's entry and its yield).
Out: a description (`Const`, `Slot`, `Rows`, `Seq`) of the joined value,
the SSA slot types it needs, the values to yield for it (`coerce`: casts,
scalar conversions, placeholders) and the value rebuilt from the region's
results (`rebuild`).  `control_flow` builds the scf ops around these.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mlir import ir
from mlir.dialects import arith, tensor

from . import scalars
from .values import UNINIT, UNKNOWN, RowBuffer, is_tensor


@dataclass(frozen=True)
class Const:
    """A result known at compile time (the same Python value on every path)."""
    value: Any


@dataclass(frozen=True)
class Slot:
    """A result carried as an SSA value of this type."""
    type: ir.Type


@dataclass(frozen=True)
class Rows:
    """A list filled with one row of this type per loop iteration or, where
    `conditional`, at most one (appended inside an `if`): then the loop
    carries the count of rows too."""
    row: ir.RankedTensorType
    conditional: bool = False


@dataclass(frozen=True)
class Appended:
    """A list built in a loop that one branch of an `if` appended to: its
    stacked rows (a tensor of this type) and their count (an i64)."""
    buffer: ir.RankedTensorType


@dataclass(frozen=True)
class Seq:
    """A tuple or list joined element by element."""
    kind: type
    items: tuple


class Mismatch(Exception):
    """Two paths give values that cannot share one type."""


def join_tensor_types(a: ir.RankedTensorType, b: ir.RankedTensorType) -> ir.RankedTensorType:
    if a == b:
        return a
    if a.rank != b.rank or a.element_type != b.element_type:
        raise Mismatch(f"{a} and {b} (rank or dtype differ)")
    dyn = ir.ShapedType.get_dynamic_size()
    shape = [a.shape[i] if not a.is_dynamic_dim(i) and not b.is_dynamic_dim(i)
             and a.shape[i] == b.shape[i] else dyn for i in range(a.rank)]
    return ir.RankedTensorType.get(shape, a.element_type)


def join(a, b):
    """The description of a value that is `a` on one path and `b` on another."""
    if a is UNKNOWN or b is UNKNOWN:
        return Const(UNKNOWN)
    if a is UNINIT:
        a, b = b, a
    if b is UNINIT:
        return Const(UNINIT) if a is UNINIT else join(a, a)
    if is_tensor(a) and is_tensor(b):
        return Slot(join_tensor_types(ir.RankedTensorType(a.type), ir.RankedTensorType(b.type)))
    if isinstance(a, RowBuffer) and isinstance(b, RowBuffer):
        return Appended(join_tensor_types(ir.RankedTensorType(a.buffer.type),
                                          ir.RankedTensorType(b.buffer.type)))
    ka, kb = scalars.kind_of(a), scalars.kind_of(b)
    if ka and kb:
        if not isinstance(a, ir.Value) and not isinstance(b, ir.Value) and type(a) is type(b) \
                and a == b and not scalars.is_runtime_scalar(a) and not scalars.is_runtime_scalar(b):
            return Const(a)
        kind = scalars.BOOL if ka == kb == scalars.BOOL else scalars.FLOAT \
            if scalars.FLOAT in (ka, kb) else scalars.INT
        return Slot(scalars.mlir_type(kind))
    if isinstance(a, (tuple, list)) and type(a) is type(b) and len(a) == len(b):
        return Seq(type(a), tuple(join(x, y) for x, y in zip(a, b)))
    if not isinstance(a, ir.Value) and a is b or (type(a) is type(b) and a == b):
        return Const(a)
    raise Mismatch(f"{_describe(a)} and {_describe(b)}")


def _describe(v) -> str:
    if is_tensor(v):
        return str(v.type)
    if isinstance(v, ir.Value):
        return str(v.type)
    if isinstance(v, (tuple, list)):
        return f"a {type(v).__name__} of {len(v)} item(s)"
    return "None" if v is None else type(v).__name__


def widen(desc, v):
    """Join a description with another value of the same program point."""
    if v is UNKNOWN:  # downstream of an unsupported op (reported on its own)
        return desc
    if isinstance(desc, Slot):
        if is_tensor(v) and isinstance(desc.type, ir.RankedTensorType):
            return Slot(join_tensor_types(desc.type, ir.RankedTensorType(v.type)))
        if v is UNINIT:
            return desc
        k = scalars.kind_of(v)
        if k and not isinstance(desc.type, ir.RankedTensorType):
            mine = _kind_of_type(desc.type)
            joined = scalars.BOOL if mine == k == scalars.BOOL else scalars.FLOAT \
                if scalars.FLOAT in (mine, k) else scalars.INT
            return Slot(scalars.mlir_type(joined))
        raise Mismatch(f"{desc.type} and {_describe(v)}")
    if isinstance(desc, Seq):
        if not isinstance(v, (tuple, list)) or len(v) != len(desc.items):
            raise Mismatch(f"a {desc.kind.__name__} of {len(desc.items)} item(s) and "
                            f"{_describe(v)} (a list that grows in a loop with a run-time trip "
                            "count must start empty and get one tensor or number appended per "
                            "iteration, at most one inside an `if`)")
        return Seq(desc.kind, tuple(widen(d, x) for d, x in zip(desc.items, v)))
    if isinstance(desc, Const):
        return join(desc.value, v)
    if isinstance(desc, Appended) and isinstance(v, RowBuffer):
        return Appended(join_tensor_types(desc.buffer, ir.RankedTensorType(v.buffer.type)))
    raise Mismatch(str(desc))


def _kind_of_type(t: ir.Type) -> str:
    if isinstance(t, ir.F64Type):
        return scalars.FLOAT
    return scalars.BOOL if ir.IntegerType(t).width == 1 else scalars.INT


def slot_types(desc) -> list[ir.Type]:
    if isinstance(desc, Slot):
        return [desc.type]
    if isinstance(desc, Appended):
        return [desc.buffer, scalars.mlir_type(scalars.INT)]
    if isinstance(desc, Seq):
        return [t for d in desc.items for t in slot_types(d)]
    return []


def cast_to(v: ir.Value, t: ir.Type) -> ir.Value:
    """Tensor v as type t (a loop yields its carried types exactly): v itself,
    or a tensor.cast where the two differ in what they know of the shape."""
    return v if v.type == t else tensor.cast(t, v)


def coerce(desc, v) -> list[ir.Value]:
    """The SSA values yielded for `v` under `desc` (cast / converted / placeholder)."""
    if isinstance(desc, Slot):
        if v is UNINIT or v is UNKNOWN:
            return [placeholder(desc.type)]
        if isinstance(desc.type, ir.RankedTensorType):
            return [cast_to(v, desc.type)]
        return [scalars.value(v, _kind_of_type(desc.type))]
    if isinstance(desc, Seq):
        if v is UNINIT or v is UNKNOWN:
            return [placeholder(t) for t in slot_types(desc)]
        return [x for d, item in zip(desc.items, v) for x in coerce(d, item)]
    if isinstance(desc, Appended):
        return [cast_to(v.buffer, desc.buffer), scalars.value(v.length, scalars.INT)]
    return []


def rebuild(desc, values):
    """The TorchScript value for `desc` given an iterator over its SSA values."""
    if isinstance(desc, Slot):
        return next(values)
    if isinstance(desc, Seq):
        return make_sequence(desc.kind, [rebuild(d, values) for d in desc.items])
    if isinstance(desc, Appended):
        # no second append in this iteration: the buffer has one row per iteration
        return RowBuffer(next(values), next(values), None)
    return desc.value


def make_sequence(kind: type, items: list):
    """A tuple, list or NamedTuple of type `kind` holding `items`."""
    return kind._make(items) if hasattr(kind, "_fields") else kind(items)


def placeholder(t: ir.Type) -> ir.Value:
    """A value of type t for a path where it is never read."""
    if isinstance(t, ir.RankedTensorType):
        sizes = [scalars.index(0) if t.is_dynamic_dim(i) else t.shape[i] for i in range(t.rank)]
        return tensor.empty(sizes, t.element_type)
    return arith.constant(t, 0.0 if isinstance(t, ir.F64Type) else 0)
