"""PyTorch's type promotion, end to end: result dtypes and values of compiled
binary ops against eager over a table of dtype pairs (tensor-tensor, tensor
with a 0-d tensor, tensor with a Python int/float/bool), for the ten
supported dtypes, plus uint8's unsigned semantics and narrow-integer
wrapping.  Each table is one compile (one traced module returning every
case); a mismatch names the dtype pair."""
from __future__ import annotations

import itertools

import pytest
import torch

import tsmlir
from conftest import TOLERANCES
from tsmlir.errors import InputError

pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.trace_method` is deprecated")

F32, F64, F16, BF16 = torch.float32, torch.float64, torch.float16, torch.bfloat16
I64, I32, I16, I8, U8, BOOL = torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8, torch.bool
DTYPES = (F32, F64, F16, BF16, I64, I32, I16, I8, U8, BOOL)


def _values(shape, dtype):
    """Nonzero values (divisors), spanning uint8's upper half."""
    if dtype == BOOL:
        return torch.ones(shape, dtype=BOOL)
    if dtype == U8:
        return torch.randint(1, 256, shape, dtype=dtype)
    if dtype.is_floating_point:
        x = torch.randn(shape, dtype=dtype) * 3
        return torch.where(x == 0, torch.ones((), dtype=dtype), x)
    x = torch.randint(-9, 10, shape, dtype=dtype)
    return torch.where(x == 0, torch.ones((), dtype=dtype), x)


class _Table(torch.nn.Module):
    """Applies `fn(i, *inputs)` for each case index i; returns all results."""

    def __init__(self, fn, n):
        super().__init__()
        self.fn, self.n = fn, n

    def forward(self, *xs):
        return tuple(self.fn(i, *xs) for i in range(self.n))


def _check(fn, labels, inputs):
    module = torch.jit.trace(_Table(fn, len(labels)), tuple(inputs), check_trace=False)
    compiled = tsmlir.compile_module(module, list(inputs))
    expected, got = module(*inputs), compiled(*inputs)
    for label, e, g in zip(labels, expected, got):
        for ee, gg in zip(e, g):
            assert gg.dtype == ee.dtype, f"{label}: dtype {gg.dtype}, eager {ee.dtype}"
            tol = TOLERANCES.get(ee.dtype, {}) if ee.dtype.is_floating_point else {}
            torch.testing.assert_close(gg, ee, equal_nan=True, msg=lambda m: f"{label}: {m}", **tol)


def _arith(a, b):
    """Addition and comparison for every pair; the other ops for a sample."""
    return a + b, a < b


def _more(a, b):
    out = [a * b, a / b, torch.maximum(a, b), a == b]
    if BOOL not in (a.dtype, b.dtype):  # subtracting bools is an error in eager
        out.append(a - b)
    return tuple(out)


PAIRS = list(itertools.product(DTYPES, DTYPES))
# Across categories and widths, signed with unsigned, the two 16-bit floats.
SAMPLE = [(I32, I64), (I64, F32), (BOOL, I32), (F32, F64), (BOOL, F64), (U8, I8), (F16, BF16),
          (U8, F16), (I8, BF16), (I16, U8), (U8, BOOL), (I8, F64), (BF16, F32), (U8, U8)]


def test_tensor_tensor():
    """Every pair of dtypes, both dimensioned: the promoted dtype."""
    inputs = [_values((2, 3), d) for d in DTYPES]
    index = {d: i for i, d in enumerate(DTYPES)}
    cases = [(a, b, _arith) for a, b in PAIRS] + [(a, b, _more) for a, b in SAMPLE]
    labels = [f"{a} {fn.__name__} {b}" for a, b, fn in cases]
    _check(lambda i, *xs: cases[i][2](xs[index[cases[i][0]]], xs[index[cases[i][1]]]), labels, inputs)


def test_tensor_zero_dim():
    """A 0-d tensor only changes the result's category, never its width:
    int8 + 0-d int64 is int8, int8 + 0-d float64 is float32; true division
    converts each integer straight to float (int8 / 0-d uint8 200 is / 200.0)."""
    inputs = [_values((3,), d) for d in DTYPES] + [_values((), d) for d in DTYPES]
    index = {d: i for i, d in enumerate(DTYPES)}
    n = len(DTYPES)
    cases = [(a, b, _arith) for a, b in PAIRS] + [(a, b, _more) for a, b in SAMPLE]
    labels = [f"{a} {fn.__name__} 0-d {b}" for a, b, fn in cases]
    _check(lambda i, *xs: cases[i][2](xs[index[cases[i][0]]], xs[n + index[cases[i][1]]]),
           labels, inputs)


SCALARS = (3, -2, 2.5, 300)  # bool scalars: test_bool_scalar (tracing mistypes them)


def test_tensor_scalar():
    """Python numbers beside a tensor: int keeps integer dtypes (wrapping
    into narrow ones), float gives the default float dtype for integers."""
    cases = list(itertools.product(DTYPES, SCALARS))
    inputs = [_values((4,), d) for d in DTYPES]
    index = {d: i for i, d in enumerate(DTYPES)}

    def fn(i, *xs):
        dtype, s = cases[i]
        x = xs[index[dtype]]
        out = [x + s, s * x, x / s, x < s, s >= x, x / (s * 100)]
        if dtype != BOOL:
            out += [x - s, s - x]
        return tuple(out)

    _check(fn, [f"{d} op {s!r}" for d, s in cases], inputs)


class BoolScalar(torch.nn.Module):
    def forward(self, x):
        return x + True, x * False, x < True, x == False  # noqa: E712


@pytest.mark.parametrize("dtype", [U8, I8, BF16, BOOL])
def test_bool_scalar(dtype):
    """A bool scalar never changes a tensor's dtype."""
    x = _values((4,), dtype)
    module = torch.jit.script(BoolScalar())
    for g, e in zip(tsmlir.compile_module(module, [x])(x), module(x)):
        assert g.dtype == e.dtype
        torch.testing.assert_close(g, e)


def test_uint8_semantics():
    """uint8 is unsigned: division, remainder, comparisons, shifts, negation,
    casts to and from float and signed types, and wrap-around of results and
    of out-of-range scalars."""
    x = torch.tensor([0, 1, 7, 127, 128, 200, 255], dtype=U8)
    y = torch.tensor([1, 255, 2, 128, 3, 7, 16], dtype=U8)

    minus_one = torch.tensor([-1])

    def fn(i, x, y, minus_one, minus_one_0d):
        return (x // y, x % y, x / y, x < y, x > 100, x >= -1, torch.maximum(x, y), x >> 3,
                x << 2, -x, x + y, x * y, x - y, x.float(), (x.float() * 1.5 - 50).to(U8),
                x.to(I8), x.to(I8).to(U8), x.to(I64), x + 300, x.abs(), torch.sign(x),
                x + minus_one, x + minus_one_0d, x < minus_one_0d, x.to(F16), x.to(BF16),
                (x.double() * 3e7).to(U8))  # beyond int32: wraps through int64

    _check(fn, ["uint8"], [x, y, minus_one, minus_one[0].clone()])


def test_dynamic_dims_with_mixed_dtypes():
    """Promotion does not depend on static shapes."""
    class M(torch.nn.Module):
        def forward(self, a, b, c):
            return a + b, b * c, a / c, (a > c).to(torch.uint8) + b

    args = [torch.randn(5, 3, dtype=F16), torch.randint(0, 256, (5, 3), dtype=U8),
            torch.randint(-5, 5, (3,), dtype=I16)]
    specs = [tsmlir.TensorSpec((-1, 3), F16), tsmlir.TensorSpec((-1, 3), U8),
             tsmlir.TensorSpec((-1,), I16)]
    compiled = tsmlir.compile_module(torch.jit.script(M()), input_specs=specs)
    for rows in (5, 1, 0):
        xs = [args[0][:rows], args[1][:rows], args[2]]
        for g, e in zip(compiled(*xs), M()(*xs)):
            assert g.dtype == e.dtype
            torch.testing.assert_close(g, e, **TOLERANCES.get(e.dtype, {}))


def test_input_dtype_checked_at_call():
    compiled = tsmlir.compile_module(torch.jit.script(torch.nn.ReLU()),
                                     input_specs=[tsmlir.TensorSpec((2,), I8)])
    with pytest.raises(InputError, match="expected dtype torch.int8, got torch.uint8"):
        compiled(torch.zeros(2, dtype=U8))


class ToBFloat16(torch.nn.Module):
    def forward(self, a, b, c, d, e):
        bf16 = torch.bfloat16
        return (a.to(bf16), b.to(bf16), c.to(bf16), d.to(bf16), e.to(bf16), a.to(bf16) * 3 + 1)


def test_bfloat16_rounding_is_bit_exact():
    """f32/f64/f16/int64/uint8 -> bf16 rounds as c10 does (to nearest even,
    through f32, NaN 0x7FC0), including infinities, overflow and subnormals."""
    n = 4096
    a = torch.randn(n) * torch.logspace(-40, 38, n)
    a[:6] = torch.tensor([float("nan"), float("inf"), -float("inf"), 3.4e38, -3.4e38, 1e-45])
    args = [a, a.double() * 1.0000001, (torch.randn(n) * 100).to(F16),
            torch.randint(-2**62, 2**62, (n,)), torch.randint(0, 256, (n,), dtype=U8)]
    module = torch.jit.script(ToBFloat16())
    for g, e in zip(tsmlir.compile_module(module, args)(*args), module(*args)):
        same = (g.view(I16) == e.view(I16)) | (g.isnan() & e.isnan())
        assert bool(same.all()), f"{int((~same).sum())} differ: {g[~same][:4]} vs {e[~same][:4]}"
