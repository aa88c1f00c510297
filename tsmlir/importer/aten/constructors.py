"""aten constructors -> tsm.full / tsm.arange / constants.

zeros/ones/full/empty and their _like/new_ forms become `tsm.full` (empty
is filled with zeros: its contents are unspecified, zeros are one valid
choice); fill_/zero_ are full_like rebound to the tensor.  Sizes may be
known only at run time (`x.size(0)`, an int argument): those go into the
`sizes` operand.  arange becomes `tsm.arange`, its length computed here
(by eager PyTorch when start/end/step are compile-time numbers, with arith
ops otherwise).  linspace, small eyes and torch.tensor of compile-time
numbers are computed by eager PyTorch into a constant (exact by
construction); other eyes (big, or of run-time size) compare two aranges;
torch.tensor of a list holding run-time scalars is a `tensor.from_elements`.
dtype=None picks PyTorch's default (the fill value's type for full);
layout/device/pin_memory/memory_format are accepted at their CPU defaults,
rejected otherwise.
"""
from __future__ import annotations

import torch
from mlir import ir
from mlir.dialects import arith, tensor
from mlir.dialects import math as mmath

from ...dialects.types import element_type
from ...lowering.builders import assert_true, convert
from .. import scalars
from ..context import NodeContext
from ..values import DynSize, RowBuffer, is_tensor
from .elementwise import cast
from .reduction import _dtype as scalar_type

I64 = torch.int64
# Tables up to this many elements are computed here into a constant (printed
# inline); bigger ones are computed by the program.
_SMALL = 16
# c10::MemoryFormat codes: contiguous_format and preserve_format are what a
# dense CPU result has anyway.
_DENSE_FORMATS = (0, 1, torch.contiguous_format, torch.preserve_format)


# -- arguments -------------------------------------------------------------------------
def _check_options(cx: NodeContext, layout=None, device=None, pin_memory=None,
                   memory_format=None):
    if layout not in (None, 0, torch.strided):
        cx.fail(f"only the strided layout is supported, got layout={layout!r}")
    if device is not None and torch.device(device).type != "cpu":
        cx.fail(f"only CPU tensors can be created, got device={device!r}")
    if pin_memory:
        cx.fail("pin_memory=True is not supported")
    if memory_format not in (None, *_DENSE_FORMATS):
        cx.fail(f"only contiguous results are supported, got memory_format={memory_format!r}")


def _shape(cx: NodeContext, size) -> tuple[list[int], list[ir.Value]]:
    """A size list as (shape with -1 for run-time sizes, their i64 values)."""
    if isinstance(size, (int, DynSize)) or scalars.kind_of(size) == scalars.INT:
        size = [size]  # torch.zeros(n) in a traced graph
    if not isinstance(size, (list, tuple)):
        cx.fail(f"expected a list of sizes, got {size!r}")
    shape, dynamic = [], []
    for i, d in enumerate(size):
        if isinstance(d, bool) or scalars.kind_of(d) != scalars.INT:
            cx.fail(f"size {i} must be an int, got {d!r}")
        if isinstance(d, int):
            if d < 0:
                cx.fail(f"negative size {d} for dimension {i}")
            shape.append(d)
        else:
            shape.append(-1)
            dynamic.append(scalars.value(d, scalars.INT))
    return shape, dynamic


def _sizes_operand(dynamic: list[ir.Value]) -> ir.Value | None:
    if not dynamic:
        return None
    i64 = ir.IntegerType.get_signless(64)
    return tensor.from_elements(ir.RankedTensorType.get([len(dynamic)], i64), dynamic)


def _fill_value(cx: NodeContext, value, dtype: torch.dtype) -> ir.Value:
    """A number (compile-time or run-time) or 0-d tensor as a 0-d tensor of dtype."""
    if is_tensor(value):
        if cx.type(value).rank != 0:
            cx.fail(f"the fill value must be a 0-d tensor, got {cx.type(value)}")
        return cast(cx, value, dtype)
    if isinstance(value, (bool, int, float)):  # from a 64-bit value: one rounding, ints wrap
        wide = torch.float64 if isinstance(value, float) else I64
        return cx.constant(torch.tensor(value, dtype=wide).to(dtype))
    if scalars.is_scalar(value):
        return scalars.to_tensor(value, dtype)
    cx.fail(f"the fill value must be a number, got {value!r}")


def _full(cx: NodeContext, size, value, dtype: torch.dtype) -> ir.Value:
    shape, dynamic = _shape(cx, size)
    return cx.build("full", _fill_value(cx, value, dtype), _sizes_operand(dynamic), shape=shape)


def _value_dtype(value) -> torch.dtype:
    """full()'s dtype when none is given: that of the fill value."""
    kind = scalars.kind_of(value)
    if kind == scalars.BOOL:
        return torch.bool
    if kind == scalars.INT:
        return I64
    return torch.get_default_dtype()


# -- zeros / ones / full / empty -----------------------------------------------------------
def _constant_fill(fill):
    """zeros/ones/empty(size, *, dtype, layout, device, pin_memory[, memory_format])."""
    def handler(cx: NodeContext, size, dtype=None, *options):
        _check_options(cx, *options)
        return _full(cx, size, fill, scalar_type(cx, dtype) or torch.get_default_dtype())
    return handler


def _full_handler(cx: NodeContext, size, value, dtype=None, *options):
    _check_options(cx, *options)
    dtype = scalar_type(cx, dtype)
    return _full(cx, size, value, dtype or (cx.type(value).dtype if is_tensor(value)
                                            else _value_dtype(value)))


def _like_shape(cx: NodeContext, x: ir.Value) -> list:
    t = cx.type(x)
    return [DynSize(x, i) if d == -1 else d for i, d in enumerate(t.shape)]


def _like(fill):
    """zeros_like/ones_like/empty_like(self, *, dtype, layout, device, pin_memory, memory_format)."""
    def handler(cx: NodeContext, x, dtype=None, *options):
        _check_options(cx, *options)
        return _full(cx, _like_shape(cx, x), fill, scalar_type(cx, dtype) or cx.type(x).dtype)
    return handler


def _full_like(cx: NodeContext, x, value, dtype=None, *options):
    _check_options(cx, *options)
    return _full(cx, _like_shape(cx, x), value, scalar_type(cx, dtype) or cx.type(x).dtype)


def _new(fill):
    """new_zeros/new_ones/new_empty(self, size, *, dtype, layout, device, pin_memory)."""
    def handler(cx: NodeContext, x, size, dtype=None, *options):
        _check_options(cx, *options)
        return _full(cx, size, fill, scalar_type(cx, dtype) or cx.type(x).dtype)
    return handler


def _new_full(cx: NodeContext, x, size, value, dtype=None, *options):
    _check_options(cx, *options)
    return _full(cx, size, value, scalar_type(cx, dtype) or cx.type(x).dtype)


def _fill(cx: NodeContext, x, value):
    """fill.Scalar/fill.Tensor (and fill_ through the in-place rule): x's dtype."""
    return _full(cx, _like_shape(cx, x), value, cx.type(x).dtype)


def _scalar_tensor(cx: NodeContext, value, dtype=None, *options):
    _check_options(cx, *options)
    return _full(cx, [], value, scalar_type(cx, dtype) or torch.get_default_dtype())


# -- arange ------------------------------------------------------------------------------
def _arange_dtype(cx: NodeContext, dtype, *numbers) -> torch.dtype:
    dtype = scalar_type(cx, dtype)
    if dtype is not None:
        return dtype
    if any(scalars.kind_of(n) == scalars.FLOAT for n in numbers):
        return torch.get_default_dtype()
    return I64


def _arange(cx: NodeContext, start, end, step, dtype, options):
    _check_options(cx, *options)
    for name, v in (("start", start), ("end", end), ("step", step)):
        if is_tensor(v) or scalars.kind_of(v) not in (scalars.INT, scalars.FLOAT):
            cx.fail(f"{name} must be a number, got {v!r}")
    if not isinstance(step, (int, float)):
        cx.fail("step must be known at compile time")
    dtype = _arange_dtype(cx, dtype, start, end, step)
    if dtype == torch.bool:
        cx.fail("arange cannot produce bool tensors")
    kind = scalars.FLOAT if any(scalars.kind_of(v) == scalars.FLOAT for v in (start, end, step)) \
        else scalars.INT
    operand_dtype = torch.float64 if kind == scalars.FLOAT else I64
    if isinstance(start, (int, float)) and isinstance(end, (int, float)):
        try:  # eager PyTorch decides the length (and rejects bad bounds)
            size = torch.arange(start, end, step, dtype=dtype).numel()
        except RuntimeError as e:
            cx.fail(str(e))
        sizes = None
    else:
        if step == 0:
            cx.fail("step must be nonzero")
        size, sizes = -1, _sizes_operand([_arange_length(start, end, step, kind)])
    operands = [_number(cx, v, operand_dtype) for v in (start, step)]
    return cx.build("arange", *operands, sizes, size=size, dtype=str(dtype).split(".")[1])


def _number(cx: NodeContext, v, dtype: torch.dtype) -> ir.Value:
    if isinstance(v, (int, float)):
        return cx.constant(torch.tensor(v, dtype=dtype))
    return scalars.to_tensor(v, dtype)


def _arange_length(start, end, step, kind: str) -> ir.Value:
    """PyTorch's length at run time: ceil((end - start) / step) (in integer
    arithmetic for ints), after PyTorch's check that the bounds agree with
    the sign of step (a run-time error otherwise)."""
    integer = kind == scalars.INT
    span = arith.subi(scalars.value(end, kind), scalars.value(start, kind)) if integer else \
        arith.subf(scalars.value(end, kind), scalars.value(start, kind))
    zero = scalars.value(0, kind)
    if integer:
        ok = arith.cmpi(arith.CmpIPredicate.sge if step > 0 else arith.CmpIPredicate.sle, span, zero)
    else:
        ok = arith.cmpf(arith.CmpFPredicate.OGE if step > 0 else arith.CmpFPredicate.OLE, span, zero)
    assert_true(ok, "aten::arange: upper bound and lower bound inconsistent with step sign")
    if integer:
        biased = arith.addi(span, scalars.value(step - (1 if step > 0 else -1), kind))
        return arith.divsi(biased, scalars.value(step, kind))
    quotient = mmath.ceil(arith.divf(span, scalars.value(float(step), kind)))
    return arith.fptosi(ir.IntegerType.get_signless(64), quotient)


def _arange_end(cx: NodeContext, end, dtype=None, *options):
    return _arange(cx, 0, end, 1, dtype, options)


def _arange_start(cx: NodeContext, start, end, dtype=None, *options):
    return _arange(cx, start, end, 1, dtype, options)


def _arange_start_step(cx: NodeContext, start, end, step=1, dtype=None, *options):
    return _arange(cx, start, end, step, dtype, options)


# -- computed at compile time ------------------------------------------------------------------
def _compile_time(cx: NodeContext, what: str, *values):
    for v in values:
        if not isinstance(v, (bool, int, float)):
            cx.fail(f"{what} must be known at compile time, got {v!r}")


def _linspace(cx: NodeContext, start, end, steps, dtype=None, *options):
    _check_options(cx, *options)
    _compile_time(cx, "start, end and steps", start, end, steps)
    try:
        return cx.constant(torch.linspace(start, end, steps, dtype=scalar_type(cx, dtype)))
    except RuntimeError as e:
        cx.fail(str(e))


def _eye(cx: NodeContext, n, m=None, dtype=None, *options):
    _check_options(cx, *options)
    dtype = scalar_type(cx, dtype) or torch.get_default_dtype()
    m = n if m is None else m
    for name, v in (("n", n), ("m", m)):
        if isinstance(v, int) and v < 0:
            cx.fail(f"{name} must be greater or equal to 0, got {v}")
    if isinstance(n, int) and isinstance(m, int) and n * m <= _SMALL:
        return cx.constant(torch.eye(n, m, dtype=dtype))
    # Row index == column index, from two aranges: no n x m blob, and the
    # sizes may be known only at run time.
    static = isinstance(n, int)
    rows = cx.build("reshape", _arange(cx, 0, n, 1, I64, ()), shape=[n if static else -1, 1],
                    from_dims=[-1 if static else 0, -1])
    cols = _arange(cx, 0, m, 1, I64, ())
    return cast(cx, cx.build("eq", rows, cols), dtype)


def _eye_n(cx: NodeContext, n, dtype=None, *options):
    return _eye(cx, n, None, dtype, *options)


def _flatten(data, out: list) -> list[int]:
    """Nested lists -> flat values; returns the shape (rectangular only)."""
    if not isinstance(data, (list, tuple)):
        out.append(data)
        return []
    shapes = [_flatten(d, out) for d in data]
    if any(s != shapes[0] for s in shapes[1:]):
        raise ValueError("expected a rectangular (non-ragged) nested list")
    return [len(data), *(shapes[0] if shapes else [])]


def _tensor(cx: NodeContext, data, dtype=None, device=None, requires_grad=False):
    """torch.tensor(number or nested list of numbers)."""
    _check_options(cx, device=device)
    if requires_grad:
        cx.fail("requires_grad=True is not supported")
    dtype = scalar_type(cx, dtype)
    if isinstance(data, RowBuffer):  # numbers appended in a loop: their 0-d rows
        if not data.filled or cx.type(data.buffer).rank != 1:
            cx.fail("torch.tensor of a list built in a loop takes its numbers after the loop")
        default = {torch.float64: torch.get_default_dtype()}
        want = dtype or default.get(cx.type(data.buffer).dtype, cx.type(data.buffer).dtype)
        return data.buffer if want == cx.type(data.buffer).dtype else cast(cx, data.buffer, want)
    flat: list = []
    try:
        shape = _flatten(data, flat)
    except ValueError as e:
        cx.fail(str(e))
    if any(is_tensor(v) for v in flat):
        cx.fail("torch.tensor of a list of tensors is not supported (use torch.stack)")
    if all(isinstance(v, (bool, int, float)) for v in flat):
        return cx.constant(torch.tensor(data, dtype=dtype))
    if any(not scalars.is_scalar(v) for v in flat):
        cx.fail(f"expected numbers, got {data!r}")
    # Some elements known only at run time: PyTorch's dtype for the list.
    sample = [{scalars.INT: 0, scalars.FLOAT: 0.0, scalars.BOOL: False}[scalars.kind_of(v)]
              for v in flat]
    dtype = dtype or torch.tensor(sample).dtype
    elem = element_type(dtype)
    values = [convert(scalars.value(v), elem) for v in flat]
    return tensor.from_elements(ir.RankedTensorType.get(shape, elem), values)


def _as_tensor(cx: NodeContext, x, dtype=None, device=None):
    """as_tensor of a tensor: the tensor itself, converted to dtype."""
    _check_options(cx, device=device)
    dtype = scalar_type(cx, dtype)
    return x if dtype is None else cast(cx, x, dtype)


def _window(name: str, n_params: int):
    """torch.<name>_window(window_length, [periodic, parameters], *, dtype, ...):
    a constant computed by torch itself (its arguments are compile-time values)."""
    def handler(cx: NodeContext, *args):
        params, (dtype, *options) = args[:n_params], args[n_params:]
        _check_options(cx, *options)
        if any(not isinstance(p, (bool, int, float)) for p in params):
            cx.fail(f"{name}_window: the window length and parameters must be known at "
                    f"compile time, got {list(params)!r}")
        try:
            window = getattr(torch, f"{name}_window")(*params, dtype=scalar_type(cx, dtype))
        except (RuntimeError, ValueError) as e:
            cx.fail(str(e))
        return cx.constant(window)
    return handler


_WINDOWS = {"hann_window": 1, "hann_window.periodic": 2, "hamming_window": 1,
            "hamming_window.periodic": 2, "hamming_window.periodic_alpha": 3,
            "hamming_window.periodic_alpha_beta": 4, "blackman_window": 1,
            "blackman_window.periodic": 2, "bartlett_window": 1, "bartlett_window.periodic": 2,
            "kaiser_window": 1, "kaiser_window.periodic": 2, "kaiser_window.beta": 3}

_ZERO_LIKE = {"zeros": 0, "ones": 1, "empty": 0}

HANDLERS = {
    **{f"aten::{n}": _constant_fill(v) for n, v in _ZERO_LIKE.items() if n != "empty"},
    "aten::empty.memory_format": _constant_fill(0),
    "aten::full": _full_handler,
    **{f"aten::{n}_like": _like(v) for n, v in _ZERO_LIKE.items()},
    "aten::full_like": _full_like,
    **{f"aten::new_{n}": _new(v) for n, v in _ZERO_LIKE.items()},
    "aten::new_full": _new_full,
    "aten::fill.Scalar": _fill,
    "aten::fill.Tensor": _fill,
    "aten::zero": lambda cx, x: _fill(cx, x, 0),
    "aten::scalar_tensor": _scalar_tensor,
    "aten::arange": _arange_end,
    "aten::arange.start": _arange_start,
    "aten::arange.start_step": _arange_start_step,
    "aten::linspace": _linspace,
    "aten::eye": _eye_n,
    "aten::eye.m": _eye,
    "aten::tensor": _tensor,
    "aten::tensor.int": _tensor,
    "aten::tensor.float": _tensor,
    "aten::tensor.bool": _tensor,
    "aten::as_tensor": _as_tensor,
    "aten::as_tensor.list": _tensor,
    "aten::as_tensor.int": _tensor,
    "aten::as_tensor.float": _tensor,
    "aten::as_tensor.bool": _tensor,
    **{f"aten::{n}": _window(n.split("_")[0], k) for n, k in _WINDOWS.items()},
}
