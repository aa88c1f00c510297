"""Op-test registry: every supported elementwise op, on several shape cases
and each dtype it supports, compared with eager PyTorch.

Each `OpCase` gives an eager function (traced by the test), its arity, its
dtypes and how to make inputs valid for it.  One compile per op: the
traced module applies the op to every dtype and shape case at once (0-d,
size-1 broadcast dims, empty tensors, rank 3), over the ten dtypes
(f32, f64, f16, bf16, i64, i32, i16, i8, u8, bool) where eager supports
them; uint8 inputs span the whole unsigned range.  Integer and bool
results must match exactly; floats use the per-dtype tolerances of conftest,
NaN included (`equal_nan`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import pytest
import torch
import torch.nn.functional as F

import tsmlir
from conftest import TOLERANCES

pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.trace_method` is deprecated")

F32, F64, F16, BF16 = torch.float32, torch.float64, torch.float16, torch.bfloat16
I64, I32, I16, I8, U8, BOOL = torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8, torch.bool
FLOATS = (F32, F64, F16, BF16)
INTS = (I64, I32, I16, I8, U8)
NUMERIC = FLOATS + INTS
ALL = NUMERIC + (BOOL,)
INTEGRAL = INTS + (BOOL,)

SHAPES = {
    1: [(), (0,), (1, 5), (2, 3, 4)],
    2: [((), ()), ((3, 1), (1, 4)), ((0, 3), (3,)), ((2, 3), ()), ((1,), (2, 3))],
    3: [((2, 3), (2, 3), (2, 3)), ((2, 1), (3,), ()), ((0, 3), (3,), (1, 3))],
}


def _any(shape, dtype):
    if dtype == BOOL:
        return torch.rand(shape) > 0.5
    if dtype.is_floating_point:
        return torch.randn(shape, dtype=dtype) * 3
    if dtype == U8:  # both halves of the unsigned range
        return torch.randint(0, 256, shape, dtype=dtype)
    return torch.randint(-9, 10, shape, dtype=dtype)


def _nonzero(shape, dtype):
    x = _any(shape, dtype)
    return torch.where(x == 0, torch.ones((), dtype=dtype), x)


def _positive(shape, dtype):
    if dtype == BOOL:
        return _any(shape, dtype)
    return _any(shape, dtype).abs() + (0.25 if dtype.is_floating_point else 1)


def _unit(shape, dtype):
    return torch.rand(shape, dtype=dtype) * 1.98 - 0.99


def _with_specials(shape, dtype):
    """Floats with NaN and infinities (where the shape has room)."""
    x = _any(shape, dtype)
    if dtype.is_floating_point and x.numel() >= 3:
        flat = x.view(-1)
        flat[0], flat[1], flat[2] = float("nan"), float("inf"), -float("inf")
    return x


def _halves(shape, dtype):
    """Values on .5 boundaries, to pin round-half-to-even."""
    return torch.randint(-8, 9, shape).to(dtype) / 2


def _small_exponent(shape, dtype):
    return torch.randint(0, 4, shape, dtype=dtype) if not dtype.is_floating_point \
        else torch.randn(shape, dtype=dtype)


def _shift_amount(shape, dtype):
    """Shift amounts including negative ones and ones past the bit width."""
    return torch.randint(0 if dtype == U8 else -2, 12, shape, dtype=dtype)


@dataclass(frozen=True)
class OpCase:
    name: str
    fn: Callable
    arity: int
    dtypes: tuple
    inputs: tuple = ()  # one input maker per operand (default: _any)
    tol: dict = field(default_factory=dict)

    def make(self, shapes, dtype):
        makers = self.inputs or (_any,) * self.arity
        return [m(s, dtype) for m, s in zip(makers, shapes)]


def _unary(name, fn, dtypes=ALL, maker=_any, **tol):
    return OpCase(name, fn, 1, dtypes, (maker,), tol)


def _binary(name, fn, dtypes=NUMERIC, rhs=_any, lhs=_any, **tol):
    return OpCase(name, fn, 2, dtypes, (lhs, rhs), tol)


REGISTRY = [
    # unary math: integers and bools compute in the default float dtype
    _unary("abs", torch.abs, NUMERIC),
    _unary("neg", torch.neg, NUMERIC),
    _unary("sign", torch.sign, ALL, _with_specials),
    _unary("ceil", torch.ceil, NUMERIC, _with_specials),
    _unary("floor", torch.floor, NUMERIC, _with_specials),
    _unary("trunc", torch.trunc, NUMERIC, _with_specials),
    _unary("round", torch.round, NUMERIC, _halves),
    _unary("round.decimals", lambda x: torch.round(x, decimals=2), FLOATS),
    _unary("sqrt", torch.sqrt, ALL, _positive),
    _unary("rsqrt", torch.rsqrt, FLOATS, _positive),
    _unary("reciprocal", torch.reciprocal, ALL, _nonzero),
    _unary("exp", torch.exp, ALL),
    _unary("exp2", torch.exp2, ALL),
    _unary("expm1", torch.expm1, ALL),
    _unary("log", torch.log, ALL, _positive),
    _unary("log2", torch.log2, NUMERIC, _positive),
    _unary("log10", torch.log10, NUMERIC, _positive),
    _unary("log1p", torch.log1p, NUMERIC, _positive),
    _unary("sin", torch.sin, ALL),
    _unary("cos", torch.cos, ALL),
    _unary("tan", torch.tan, FLOATS, _unit),
    _unary("asin", torch.asin, FLOATS, _unit),
    _unary("acos", torch.acos, FLOATS, _unit),
    _unary("atan", torch.atan, NUMERIC),
    _unary("sinh", torch.sinh, NUMERIC),
    _unary("cosh", torch.cosh, NUMERIC),
    _unary("tanh", torch.tanh, NUMERIC),
    _unary("erf", torch.erf, NUMERIC),
    _unary("sigmoid", torch.sigmoid, NUMERIC),
    # activations (floating point only)
    _unary("relu", torch.relu, NUMERIC),
    _unary("silu", F.silu, FLOATS),
    _unary("gelu", F.gelu, FLOATS),
    _unary("hardswish", F.hardswish, FLOATS),
    _unary("hardsigmoid", F.hardsigmoid, FLOATS),
    _unary("hardtanh", lambda x: F.hardtanh(x, -2.0, 1.5), FLOATS, _with_specials),
    _unary("relu6", F.relu6, FLOATS, _with_specials),
    _unary("leaky_relu", lambda x: F.leaky_relu(x, 0.2), FLOATS),
    _unary("elu", lambda x: F.elu(x, 0.7), FLOATS),
    _unary("softplus", lambda x: F.softplus(x, 2.0, 4.0), FLOATS),
    _unary("mish", F.mish, FLOATS),
    # predicates and logic
    _unary("logical_not", torch.logical_not, ALL, _with_specials),
    _unary("bitwise_not", torch.bitwise_not, INTEGRAL),
    _unary("isnan", torch.isnan, ALL, _with_specials),
    _unary("isinf", torch.isinf, ALL, _with_specials),
    # conversions
    _unary("float", lambda x: x.float(), ALL, _with_specials),
    _unary("double", lambda x: x.double(), ALL),
    _unary("long", lambda x: x.long(), ALL),
    _unary("int", lambda x: x.int(), ALL),
    _unary("bool", lambda x: x.bool(), ALL, _with_specials),
    _unary("to.dtype", lambda x: x.to(torch.float64), ALL),
    # scalar operands: PyTorch's tensor-scalar promotion
    _unary("add.Scalar", lambda x: x + 2, NUMERIC),
    _unary("mul.float_scalar", lambda x: x * 2.5, NUMERIC),
    _unary("sub.Scalar", lambda x: x - 1.5, NUMERIC),
    _unary("rsub.Scalar", lambda x: 3 - x, NUMERIC),
    _unary("div.Scalar", lambda x: x / 4, NUMERIC),
    _unary("div.Scalar_mode", lambda x: torch.div(x, -3, rounding_mode="floor"), NUMERIC),
    _unary("remainder.Scalar", lambda x: x % 3, NUMERIC),
    _unary("fmod.Scalar", lambda x: torch.fmod(x, -2.5), NUMERIC),
    _unary("pow.Tensor_Scalar", lambda x: x ** 2, NUMERIC),
    _unary("pow.cube", lambda x: x ** 3, NUMERIC),
    _unary("pow.sqrt", lambda x: x ** 0.5, FLOATS, _positive),
    _unary("pow.Tensor_Scalar_float", lambda x: x ** 1.7, NUMERIC, _positive),
    _unary("pow.Scalar", lambda x: 2 ** x, NUMERIC, _small_exponent),
    _unary("eq.Scalar", lambda x: x == 2, ALL),
    _unary("lt.Scalar", lambda x: x < 0.5, ALL),
    _unary("ge.Scalar", lambda x: x >= -1, NUMERIC),
    _unary("clamp", lambda x: torch.clamp(x, -1.5, 2), NUMERIC, _with_specials),
    _unary("clamp_min", lambda x: torch.clamp_min(x, 0), NUMERIC, _with_specials),
    _unary("clamp_max", lambda x: torch.clamp(x, max=0.5), NUMERIC, _with_specials),
    _unary("bitwise_and.Scalar", lambda x: x & 6, (I64, I32)),
    _unary("where.ScalarOther", lambda x: torch.where(x > 0, x, 0), NUMERIC),
    _unary("where.Scalar", lambda x: torch.where(x > 0, 1.0, -1.0), NUMERIC),
    # binary tensor ops
    _binary("add", torch.add, ALL),
    _binary("sub", torch.sub),
    _binary("mul", torch.mul, ALL),
    _binary("div", torch.div, NUMERIC, _nonzero),
    _binary("div.trunc", lambda x, y: torch.div(x, y, rounding_mode="trunc"), NUMERIC, _nonzero),
    _binary("div.floor", lambda x, y: torch.div(x, y, rounding_mode="floor"), NUMERIC, _nonzero),
    _binary("floor_divide", torch.floor_divide, NUMERIC, _nonzero),
    _binary("remainder", torch.remainder, NUMERIC, _nonzero),
    _binary("fmod", torch.fmod, NUMERIC, _nonzero),
    _binary("pow", torch.pow, NUMERIC, _small_exponent),
    _binary("maximum", torch.maximum, ALL, _with_specials, _with_specials),
    _binary("minimum", torch.minimum, ALL, _with_specials, _with_specials),
    _binary("atan2", torch.atan2, NUMERIC),
    _binary("clamp.Tensor", lambda x, y: torch.clamp(x, min=y), NUMERIC, _with_specials),
    _binary("eq", torch.eq, ALL), _binary("ne", torch.ne, ALL),
    _binary("lt", torch.lt, ALL), _binary("le", torch.le, ALL),
    _binary("gt", torch.gt, ALL), _binary("ge", torch.ge, ALL),
    _binary("logical_and", torch.logical_and, ALL), _binary("logical_or", torch.logical_or, ALL),
    _binary("logical_xor", torch.logical_xor, ALL),
    _binary("bitwise_and", torch.bitwise_and, INTEGRAL), _binary("bitwise_or", torch.bitwise_or, INTEGRAL),
    _binary("bitwise_xor", torch.bitwise_xor, INTEGRAL),
    _binary("bitwise_left_shift", torch.bitwise_left_shift, INTS, _shift_amount),
    _binary("bitwise_right_shift", lambda x, y: x >> y, INTS, _shift_amount),
    _unary("lshift.Scalar", lambda x: x << 3, INTS),
    _unary("rshift.Scalar", lambda x: x >> 2, INTS),
    _binary("masked_fill", lambda x, m: x.masked_fill(m > 0, -7), ALL),
    # ternary
    OpCase("where", lambda c, x, y: torch.where(c > 0, x, y), 3, ALL),
    OpCase("lerp", torch.lerp, 3, FLOATS),
    OpCase("addcmul", lambda x, a, b: torch.addcmul(x, a, b, value=0.5), 3, NUMERIC),
    OpCase("addcdiv", lambda x, a, b: torch.addcdiv(x, a, b, value=2), 3, FLOATS, (_any, _any, _nonzero)),
]


class _AllCases(torch.nn.Module):
    """Applies `fn` to consecutive groups of `arity` inputs."""

    def __init__(self, fn, arity):
        super().__init__()
        self.fn, self.arity = fn, arity

    def forward(self, *args):
        return tuple(self.fn(*args[i:i + self.arity]) for i in range(0, len(args), self.arity))


def _shape_cases(arity):
    return [s if arity > 1 else (s,) for s in SHAPES[arity]]


@pytest.mark.parametrize("case", REGISTRY, ids=lambda c: c.name)
def test_op(case: OpCase):
    """One compile per op: every dtype it supports times every shape case."""
    labels, args = [], []
    for dtype in case.dtypes:
        for shapes in _shape_cases(case.arity):
            labels.append(f"{dtype}, shapes {shapes}")
            args += case.make(shapes, dtype)
    module = torch.jit.trace(_AllCases(case.fn, case.arity), tuple(args), check_trace=False)
    compiled = tsmlir.compile_module(module, args)
    expected, got = module(*args), compiled(*args)
    for label, e, g in zip(labels, expected, got):
        tol = dict(TOLERANCES.get(e.dtype, {}), **case.tol) if e.dtype.is_floating_point else {}
        torch.testing.assert_close(g, e, equal_nan=True, msg=lambda m: f"{label}: {m}", **tol)


PROMOTIONS = [(I32, I64), (I64, F32), (BOOL, I32), (F32, F64), (BOOL, F64), (I32, F32),
              (U8, I8), (F16, BF16), (U8, F16), (I8, BF16), (I16, U8)]


@pytest.mark.parametrize("dtypes", PROMOTIONS, ids=lambda d: f"{str(d[0])[6:]}-{str(d[1])[6:]}")
def test_binary_type_promotion(dtypes):
    """Tensor-tensor promotion across categories and widths, one compile for
    a set of binary ops; 0-d operands beside dimensioned ones keep the
    dimensioned dtype unless their category is higher."""
    def fn(x, y, s):
        return (x + y, x * y, torch.maximum(x, y), x == y, x < y, torch.where(x > y, x, y),
                x + s, s * y, torch.lt(s, x))
    lhs, rhs, zero_d = _nonzero((2, 3), dtypes[0]), _nonzero((3,), dtypes[1]), _nonzero((), dtypes[1])
    args = (lhs, rhs, zero_d)
    module = torch.jit.trace(_AllCases(fn, 3), args, check_trace=False)
    compiled = tsmlir.compile_module(module, list(args))
    for e, g in zip(module(*args)[0], compiled(*args)[0]):
        torch.testing.assert_close(g, e, **TOLERANCES.get(e.dtype, {}))
