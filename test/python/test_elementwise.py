"""Elementwise ops against eager: broadcasting, scalars, dtypes, dynamic dims."""
import pytest
import torch
import torch.nn.functional as F

import tsmlir
from conftest import _assert_close, check_against_eager, eager_with_float64_specials
from tsmlir import TensorSpec


class Binary(torch.nn.Module):
    def __init__(self, op):
        super().__init__()
        self.op = op

    def forward(self, x, y):
        if self.op == "add":
            return x + y
        if self.op == "sub":
            return x - y
        if self.op == "mul":
            return x * y
        return x / y


class Scalars(torch.nn.Module):
    def forward(self, x):
        return (x + 1) * 2.5 - 3 / (x * x + 1.0) - 0.5 * x.sub(2, alpha=3) + torch.add(x, x, alpha=2)


class Unary(torch.nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x)


SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 5), (3, 1)), ((7,), ()), ((1,), (2, 3)),
          ((), ())]


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div"])
@pytest.mark.parametrize("shapes", SHAPES, ids=str)
def test_binary_broadcasting(op, shapes):
    x, y = torch.randn(shapes[0]), torch.randn(shapes[1]) + 3.0
    check_against_eager(torch.jit.script(Binary(op)), [x, y])


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_scalar_arithmetic(dtype):
    check_against_eager(Scalars(), [torch.randn(5, 6, dtype=dtype)])


@pytest.mark.parametrize("op", ["add", "mul", "div"])
def test_integer_promotion(op):
    x, y = torch.randint(-5, 5, (4, 3)), torch.randint(1, 5, (3,))
    check_against_eager(torch.jit.script(Binary(op)), [x, y])
    check_against_eager(torch.jit.script(Binary(op)), [x, torch.randn(3)])


UNARY = {
    "neg": torch.neg, "relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh,
    "exp": torch.exp, "log": lambda x: torch.log(x * x + 0.1), "gelu": F.gelu,
    "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("shape", [(17,), (2, 3, 5), ()], ids=str)
def test_unary(name, shape):
    x = torch.randn(shape) * 3
    check_against_eager(torch.jit.trace(Unary(UNARY[name]), x), [x])


ACTIVATIONS = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "gelu": F.gelu,
               "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"), "silu": F.silu}
SPECIAL = [0.0, -0.0, float("inf"), -float("inf"), float("nan"), 1e-45, -1e-40, 3e38, -3e38,
           9.0, -9.0, 20.0, -20.0, 3.92, -3.92, 50.0, -50.0, 100.0, -100.0]


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_f32_activations_match_float64(name):
    """The f32 polynomial paths (one vectorized pass; 4099 elements leave a
    remainder to every vector width) against the float64 truth: absolute
    error and special values (inf, NaN, signed zero, saturation)."""
    fn = ACTIVATIONS[name]
    x = torch.cat([torch.linspace(-30, 30, 4080), torch.tensor(SPECIAL)])
    got = tsmlir.compile_module(torch.jit.trace(Unary(fn), x), [x])(x)
    want = fn(x.double())
    finite = want.isfinite()
    # gelu and silu are x times a function in [0, 1]: their error scales with |x|
    scale = (x.double().abs().clamp(min=1) if name.startswith(("gelu", "silu"))
             else torch.ones_like(want))[finite]
    assert ((got.double()[finite] - want[finite]).abs() / scale).max() <= 4e-7
    # the float64 truth, not eager float32: eager's gelu(inf) is inf with its
    # AVX2 kernels and NaN with its AVX-512 ones (torch 2.13)
    torch.testing.assert_close(got[~finite], want[~finite].float(), rtol=0, atol=0,
                               equal_nan=True)
    if name in ("sigmoid", "tanh"):  # torch's gelu(-0) is -0 in float64, +0 in float32
        zero = want == 0
        assert torch.equal(got[zero].signbit(), want[zero].signbit())


@pytest.mark.parametrize("dtype", [torch.float64, torch.float16, torch.bfloat16], ids=str)
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activations_other_float_types(name, dtype):
    """f64 keeps libm; f16/bf16 compute in f32 through the same expansions."""
    x = (torch.cat([torch.linspace(-12, 12, 37), torch.tensor([float("inf"), -float("inf")])])
         .to(dtype))
    module = torch.jit.trace(Unary(ACTIVATIONS[name]), x)
    _assert_close(tsmlir.compile_module(module, [x])(x), eager_with_float64_specials(module, x),
                  equal_nan=True)


class MathChain(torch.nn.Module):
    def forward(self, x):
        return F.gelu(x * 1.7 + 0.3).tanh() * torch.sigmoid(x) + torch.exp(-x * x)


@pytest.mark.parametrize("shape", [(1,), (31,), (33,), (95,), (3, 37), (2, 1, 70), (5, 1)], ids=str)
def test_math_chain_at_32_lanes(shape):
    """Loops with expanded math run 32 lanes wide: sizes around and below
    multiples of 32, rows shorter than a vector."""
    x = torch.randn(shape) * 4
    check_against_eager(torch.jit.trace(MathChain(), x), [x])


def test_math_chain_dynamic():
    specs = [TensorSpec((-1, 33))]
    runs = [[torch.randn(n, 33) * 4] for n in (1, 2, 7)]
    check_against_eager(torch.jit.trace(MathChain(), runs[0][0]), runs[0], input_specs=specs,
                        runs=runs[1:])


def test_sigmoid_dynamic_and_size_one():
    specs = [TensorSpec((-1, 3))]
    runs = [[torch.randn(n, 3) * 8] for n in (1, 17, 100)]
    check_against_eager(torch.jit.trace(Unary(torch.sigmoid), runs[0][0]), runs[0],
                        input_specs=specs, runs=runs[1:])


def test_dynamic_dims_one_artifact_many_sizes():
    specs = [TensorSpec((-1, 4)), TensorSpec((4,))]
    runs = [[torch.randn(n, 4), torch.randn(4)] for n in (1, 5, 64)]
    check_against_eager(torch.jit.script(Binary("mul")), runs[0], input_specs=specs, runs=runs[1:])


def test_dynamic_mismatch_raises_cleanly():
    specs = [TensorSpec((-1, 4)), TensorSpec((-1, 4))]
    compiled = tsmlir.compile_module(torch.jit.script(Binary("add")), input_specs=specs)
    with pytest.raises(tsmlir.RuntimeCheckError, match="dynamic dimension 0 of the operands must match"):
        compiled(torch.randn(3, 4), torch.randn(5, 4))
    # the process and the compiled function are still fine afterwards
    x = torch.randn(3, 4)
    torch.testing.assert_close(compiled(x, x), x + x)


def test_inplace_ops_rebind():
    class InPlace(torch.nn.Module):
        def forward(self, x):
            y = x * 2
            y.relu_()
            y += x
            return y
    check_against_eager(InPlace(), [torch.randn(4, 4)])


DTYPES = [torch.float32, torch.float64, torch.float16, torch.bfloat16, torch.int64, torch.int32,
          torch.int16, torch.int8, torch.uint8, torch.bool]


class RoundTrip(torch.nn.Module):
    """An input returned as is (a view of the input), a computed result (a
    buffer the compiled code allocated) and a constant (a global)."""

    def forward(self, x):
        return x, x.to(torch.float32).to(x.dtype), torch.ones(2, dtype=x.dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_dtype_round_trip_through_runtime(dtype):
    x = (torch.randn(3, 4) * 100).to(dtype)
    got = tsmlir.compile_module(torch.jit.script(RoundTrip()), [x])(x)
    for g, e in zip(got, RoundTrip()(x)):
        assert g.dtype == dtype
        torch.testing.assert_close(g, e, rtol=0, atol=0)


class Conversions(torch.nn.Module):
    def forward(self, x, y):
        z = x * 3 if x.is_floating_point() else x + 1
        return (x.to(y.dtype), x.half(), x.byte(), x.char(), x.short(), x.to("cpu"), x.cpu(),
                x.to(device="cpu", dtype=torch.float64), x.to(x.device), z, x.type_as(y),
                x.int(), x.long(), x.double(), x.to(torch.bool))


@pytest.mark.parametrize("dtypes", [(torch.float32, torch.int8), (torch.uint8, torch.bfloat16),
                                    (torch.int16, torch.float16)], ids=str)
def test_conversions(dtypes):
    x = (torch.randn(2, 5) * 60).to(dtypes[0])
    y = torch.zeros(1, dtype=dtypes[1])
    check_against_eager(torch.jit.script(Conversions()), [x, y])


class ToDevice(torch.nn.Module):
    def forward(self, x):
        return x.to("meta")


def test_to_other_device_is_rejected_at_the_user_line():
    with pytest.raises(tsmlir.errors.TorchScriptImportError, match="only CPU tensors are supported") as info:
        tsmlir.compile_module(torch.jit.script(ToDevice()), [torch.zeros(2)])
    assert "test_elementwise.py" in str(info.value)
