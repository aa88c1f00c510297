"""The data behind tsm.constant values, for passes that compute new constants.

In: a `tsm.constant` op (or, after tsm-lower-constant, an `arith.constant`
maybe expanded to its shape): an inline dense value, or a `dense_resource`
blob whose array the importer keeps (`blobs`: attribute text -> flat numpy
array; MLIR 22's Python bindings cannot read a resource back).
Out: its value as a numpy array of the op's shape (None where the data is
not at hand: a resource read from a .mlir file), and new constants (tsm or
arith) built the way the importer builds them (inline up to INLINE_LIMIT
elements, else a resource registered in the same `blobs`, so that the JIT
binds it at run time like any weight: see runtime/weights.py).

The compiler makes the importer's blobs available for the duration of the
pipeline (`provide`); passes run on the thread that runs the pipeline.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

import numpy as np
from mlir import ir
from mlir.dialects import arith, tensor

#: As the importer's: bigger constants are resources.
INLINE_LIMIT = 16
#: Byte alignment of every registered blob: the JIT binds a blob's own memory
#: as its weight (runtime/weights.py), which the code reads as 64-byte aligned.
ALIGNMENT = 64

_active: list[dict[str, Any]] = []


@contextmanager
def provide(blobs: dict[str, Any]) -> Iterator[None]:
    """Make `blobs` readable (and extensible) by passes run inside the block."""
    _active.append(blobs)
    try:
        yield
    finally:
        _active.pop()


def _blobs() -> dict[str, Any] | None:
    return _active[-1] if _active else None


def value_of(op: ir.Operation) -> np.ndarray | None:
    """The value of a tsm.constant, shaped as its result; None if unknown."""
    if op.name != "tsm.constant":
        return None
    return attr_array(op.attributes["value"], tuple(ir.RankedTensorType(op.result.type).shape))


def attr_array(attr: ir.Attribute, shape: tuple[int, ...]) -> np.ndarray | None:
    """A constant's value attribute as an array of `shape`: an inline dense
    value (a splat broadcast), or a resource's data from the blobs (None
    where it is not at hand, or inline bfloat16 data)."""
    if isinstance(attr, ir.DenseElementsAttr):
        try:
            flat = np.array(attr).reshape(-1)
        except TypeError:  # an inline bfloat16 value: numpy has no bfloat16
            return None
        return np.broadcast_to(flat[:1], shape) if attr.is_splat else flat.reshape(shape)
    blobs = _blobs()
    data = blobs.get(str(attr)) if blobs is not None else None
    return None if data is None else np.asarray(data).reshape(shape)


def build(array: np.ndarray, like: ir.Operation, name: str) -> ir.Value:
    """A tsm.constant of `array` (dtype and shape of `like`'s result), at the
    current insertion point.  Big values become resources named `name`,
    stored flat with a `shape` attribute (as the importer stores them)."""
    t = ir.RankedTensorType(like.result.type)
    value = value_attr(aligned(array.reshape(t.shape)), t, name)
    attrs = {"value": value}
    if isinstance(value, ir.DenseResourceElementsAttr) and t.rank != 1:
        attrs["shape"] = ir.DenseI64ArrayAttr.get(list(t.shape))
    return ir.Operation.create("tsm.constant", results=[t], attributes=attrs).result


def value_attr(array: np.ndarray, t: ir.RankedTensorType, name: str) -> ir.Attribute:
    """`array` (contiguous, of type t) as a constant's value: inline up to
    INLINE_LIMIT elements (or with no blobs to register in), else a flat
    resource named `name` registered in the blobs."""
    blobs = _blobs()
    if array.size <= INLINE_LIMIT or blobs is None:
        return ir.DenseElementsAttr.get(array, type=t)
    flat = aligned(array.reshape(-1))
    flat_t = ir.RankedTensorType.get([flat.size], t.element_type)
    value = ir.DenseResourceElementsAttr.get_from_buffer(flat, name, flat_t)
    blobs[str(value)] = flat
    return value


def aligned(array: np.ndarray) -> np.ndarray:
    """`array` itself where it is contiguous and ALIGNMENT-aligned, else an
    aligned copy (numpy aligns new arrays to 16 bytes only), made in one
    pass from any strides (a transposed view is not copied twice)."""
    if array.flags.c_contiguous and array.ctypes.data % ALIGNMENT == 0:
        return array
    out = empty_aligned(array.shape, array.dtype)
    out[...] = array
    return out


def empty_aligned(shape, dtype) -> np.ndarray:
    """An uninitialised C-contiguous array whose data is ALIGNMENT-aligned:
    computed constants written into it are taken by `value_attr` as they
    are (ResNet-18's folded and transposed filters, 72 MB, had been copied
    once more for alignment, ~0.15 s of its compile)."""
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    raw = np.empty(nbytes + ALIGNMENT, dtype=np.uint8)
    start = -raw.ctypes.data % ALIGNMENT
    return raw[start:start + nbytes].view(dtype).reshape(shape)


def array_of(v: ir.Value) -> np.ndarray | None:
    """The value of a constant tensor after tsm-lower-constant (an
    arith.constant, possibly a flat one expanded to its shape) or before it
    (a tsm.constant); None for anything else or data not at hand."""
    owner = v.owner
    if isinstance(owner, ir.Block):
        return None
    op = owner.operation
    if op.name == "tensor.expand_shape":
        flat = array_of(op.operands[0])
        return None if flat is None else flat.reshape(ir.RankedTensorType(v.type).shape)
    if op.name == "tsm.constant":
        return value_of(op)
    if op.name != "arith.constant" or not isinstance(v.type, ir.RankedTensorType):
        return None
    return attr_array(op.attributes["value"], tuple(ir.RankedTensorType(v.type).shape))


def arith_constant(array: np.ndarray, elem: ir.Type, name: str) -> ir.Value:
    """An arith.constant of `array` as tsm-lower-constant makes them: inline
    up to INLINE_LIMIT elements, else a flat resource (registered in the
    blobs) expanded to the array's shape."""
    array = aligned(array)
    t = ir.RankedTensorType.get(list(array.shape), elem)
    value = value_attr(array, t, name)
    if not isinstance(value, ir.DenseResourceElementsAttr):
        return arith.constant(t, value)
    result = arith.constant(ir.RankedTensorType.get([array.size], elem), value)
    if array.ndim == 1:
        return result
    return tensor.expand_shape(t, result, [list(range(array.ndim))], [], list(array.shape))
