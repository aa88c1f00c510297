"""tsm-expand-math on f64 (math_f64): results against mpmath-checked
references, special values as torch has them, and whole models in float64
against eager.

Each op runs as a JIT-compiled loop over a memref, once on f64 scalars and
once on vector<8xf64>.  The reference is numpy's long double (80-bit on
x86; its own error is ~1e-19, far below the 1e-16 measured) for exp, log
and the like, and mpmath for erf.
"""
from __future__ import annotations

import ctypes
import functools
import platform

import mpmath
import numpy as np
import pytest
import torch
from mlir import ir
from mlir.execution_engine import ExecutionEngine
from mlir.runtime import get_ranked_memref_descriptor

import tsmlir
import tsmlir.lowering.math_approx  # noqa: F401  (registers tsm-expand-math)
from tsmlir.context import new_context
from tsmlir.lowering.pipelines import pass_manager

from conftest import Fn

LANES = 8
LOOP = """
func.func @f(%in: memref<?xf64>, %out: memref<?xf64>) attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %step = arith.constant STEP : index
  %n = memref.dim %in, %c0 : memref<?xf64>
  scf.for %i = %c0 to %n step %step {
    %x = LOAD
    %y = OP %x : TYPE
    STORE
  }
  return
}
"""
SCALAR = {"STEP": "1", "TYPE": "f64", "LOAD": "memref.load %in[%i] : memref<?xf64>",
          "STORE": "memref.store %y, %out[%i] : memref<?xf64>"}
VECTOR = {"STEP": str(LANES), "TYPE": f"vector<{LANES}xf64>",
          "LOAD": f"vector.load %in[%i] : memref<?xf64>, vector<{LANES}xf64>",
          "STORE": f"vector.store %y, %out[%i] : memref<?xf64>, vector<{LANES}xf64>"}
LOWERING = [
    "tsm-expand-math", "convert-scf-to-cf", "convert-vector-to-llvm", "convert-math-to-llvm",
    "convert-math-to-libm", "finalize-memref-to-llvm", "convert-arith-to-llvm",
    "convert-cf-to-llvm", "convert-func-to-llvm", "reconcile-unrealized-casts",
]
NAMES = ("exp", "exp2", "expm1", "log", "log1p", "log2", "log10", "tanh", "erf", "sinh", "cosh")
TORCH = {name: getattr(torch, name) for name in NAMES}
#: Max error in ulp of the result measured over dense samples (math_f64's
#: docstring); the tests allow a little more for the samples they draw.
ULP_BOUND = {"exp": 1.0, "exp2": 1.1, "expm1": 1.5, "log": 1.0, "log1p": 1.5, "log2": 1.1,
             "log10": 1.5, "tanh": 2.0, "erf": 1.5, "sinh": 2.0, "cosh": 2.0}


def _loop(name: str, vector: bool) -> str:
    text = LOOP.replace("OP", f"math.{name}")
    for key, value in (VECTOR if vector else SCALAR).items():
        text = text.replace(key, value)
    return text


@functools.lru_cache(maxsize=None)
def _compiled(name: str, vector: bool):
    ctx = new_context()
    with ctx, ir.Location.unknown():
        module = ir.Module.parse(_loop(name, vector))
        pass_manager(LOWERING).run(module.operation)
        assert "llvm.func @" + name not in str(module), f"{name}: a libm call survived"
        engine = ExecutionEngine(module, opt_level=3)
    return ctx, module, engine


def run(name: str, x: np.ndarray, vector: bool = True) -> np.ndarray:
    _, _, engine = _compiled(name, vector)
    n = x.size
    pad = (-n) % LANES if vector else 0
    inp = np.ascontiguousarray(np.concatenate([x, np.ones(pad)]), dtype=np.float64)
    out = np.empty_like(inp)
    engine.invoke("f", *[ctypes.pointer(ctypes.pointer(get_ranked_memref_descriptor(a)))
                         for a in (inp, out)])
    return out[:n].copy()


LD = np.longdouble
LONG_DOUBLE = np.finfo(LD).nmant >= 63
def _mp_to_long_double(y) -> np.longdouble:
    hi = float(y)
    return LD(hi) + LD(float(y - hi)) if np.isfinite(hi) else LD(hi)


def _mp_erf_one(v: float) -> np.longdouble:
    with mpmath.workdps(30):
        return _mp_to_long_double(mpmath.erf(mpmath.mpf(v)))


_mp_erf = np.frompyfunc(_mp_erf_one, 1, 1)
REFERENCE = {"sinh": np.sinh, "cosh": np.cosh, "exp": np.exp, "exp2": np.exp2,
             "expm1": np.expm1, "log": np.log, "log1p": np.log1p, "log2": np.log2,
             "log10": np.log10, "tanh": np.tanh,
             "erf": lambda x: _mp_erf(x.astype(np.float64)).astype(LD)}


def reference(name: str, x: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        return REFERENCE[name](x.astype(LD))


def to_f64(ref: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return ref.astype(np.float64)


def ulp_errors(got: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """|got - ref| in ulp of ref rounded to f64 (denormal ulp below 2^-1022),
    over finite ref; 0 where both are the same inf."""
    ref64 = to_f64(ref)
    finite = np.isfinite(ref64)
    ulp = np.spacing(np.abs(ref64[finite]))
    err = np.zeros(got.shape)
    err[finite] = np.abs((got[finite].astype(LD) - ref[finite]) / ulp.astype(LD)).astype(float)
    err[~finite] = np.where(got[~finite] == ref64[~finite], 0.0, np.inf)
    return err


def _samples(name: str) -> np.ndarray:
    """Dense uniform ranges over each domain and its branch points, plus
    every magnitude of both signs (denormals included)."""
    rng = np.random.default_rng(0)
    ranges = {"exp": [(-746, 710), (-1, 1), (-709, -707), (-747, -744)],
              "exp2": [(-1076, 1025), (-2, 2), (-1077, -1074)],
              "expm1": [(-1, 1), (-40, 710), (-1e-5, 1e-5)],
              "log": [(0, 3), (0.7, 1.5)], "log1p": [(-1, 1), (-1e-5, 1e-5), (-1, -0.5)],
              "log2": [(0, 3), (0.7, 1.5)], "log10": [(0, 3), (0.7, 1.5)],
              "tanh": [(-1, 1), (-25, 25), (0.5, 0.6), (-1e-4, 1e-4)],
              "erf": [(-1, 1), (-7, 7), (0.85, 0.95)],
              "sinh": [(-1, 1), (-1e-5, 1e-5), (-30, 30), (-711, 711)],
              "cosh": [(-1, 1), (-30, 30), (-711, 711)]}[name]
    n = 4_000 if name == "erf" else 100_000
    magnitudes = np.exp(rng.uniform(np.log(5e-324), np.log(1.7e308), n // 2))
    return np.concatenate([rng.uniform(lo, hi, n) for lo, hi in ranges] +
                          [magnitudes, -magnitudes])


SPECIALS = np.array(
    [0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, -5e-324, 2.2250738585072014e-308,
     2.225073858507201e-308, 1e-300, 1e300, -1e300, 1.7e308, -1.7e308, 709.78, 709.79, 710.0,
     -708.39, -708.4, -745.13, -745.14, -746.0, 1023.9, 1024.0, -1022.0, -1074.0, -1075.0,
     -1075.5, 1.0, -1.0, 0.5, -0.5, 2.0, 0.55, -0.55, 0.9, -0.9, 6.0, -6.0, 5.9, 19.0, 20.0,
     -20.0, 1e-20, -1e-20, 1e-200, -0.9999999999999999, -1.0000000000000002, 2.0 ** 53,
     -40.0, -37.0, 0.7071067811865476, 1.414213562373095])


needs_long_double = pytest.mark.skipif(not LONG_DOUBLE, reason=f"no 80-bit long double on "
                                       f"{platform.machine()}: the reference would be f64")


@needs_long_double
@pytest.mark.parametrize("vector", [False, True], ids=["f64", "vector8"])
@pytest.mark.parametrize("name", NAMES)
def test_accuracy_in_ulp(name, vector):
    x = np.concatenate([_samples(name), SPECIALS])
    got = run(name, x, vector)
    err = ulp_errors(got, reference(name, x))
    nan = np.isnan(to_f64(reference(name, x)))
    assert np.array_equal(np.isnan(got), nan), f"{name}: NaN where the reference has none"
    worst = np.nanargmax(np.where(nan, 0, err))
    assert err[worst] <= ULP_BOUND[name], f"{name}({x[worst]!r}): {err[worst]:.2f} ulp"


@pytest.mark.parametrize("vector", [False, True], ids=["f64", "vector8"])
@pytest.mark.parametrize("name", NAMES)
def test_special_values_as_torch(name, vector):
    """inf, NaN, signed zeros and overflow as torch has them; other results
    within torch's own distance from the truth (torch is not correctly
    rounded either: expm1(-37) = -1 there, 1 - 2^-53 in truth); denormal
    results (torch flushes log1p(5e-324) to 0) and torch's early overflow
    (sinh, cosh past 709.78) against the truth."""
    x = torch.from_numpy(SPECIALS)
    got, want = torch.from_numpy(run(name, SPECIALS, vector)), TORCH[name](x)
    truth = torch.from_numpy(to_f64(reference(name, SPECIALS))) if LONG_DOUBLE else want
    denormal = (truth != 0) & (truth.abs() < 2.0 ** -1022)
    early = want.isinf() & truth.isfinite()  # torch's sinh(710) = inf: truth 1.1e308
    exact = (~want.isfinite() | (want == 0) | ~got.isfinite() | (got == 0)) & ~denormal & ~early
    torch.testing.assert_close(got[exact], want[exact], rtol=0, atol=0, equal_nan=True)
    zero = exact & (want == 0)
    assert torch.equal(got[zero].signbit(), want[zero].signbit()), "sign of zero differs"
    torch.testing.assert_close(got[denormal], truth[denormal], rtol=0, atol=5e-324)
    torch.testing.assert_close(got[early], truth[early], rtol=5e-16, atol=0)
    torch.testing.assert_close(got[~early], want[~early], rtol=5e-16, atol=5e-324, equal_nan=True)


def test_references_agree_with_mpmath():
    """The long double reference holds against mpmath on a sample."""
    if not LONG_DOUBLE:
        pytest.skip("no 80-bit long double")
    x = np.array([-700.5, -3.3, -0.3, 1e-8, 0.4, 2.7, 500.25])
    checks = {"exp": mpmath.exp, "expm1": mpmath.expm1, "tanh": mpmath.tanh}
    for name, f in checks.items():
        want = [float(f(mpmath.mpf(v))) for v in x]
        np.testing.assert_array_equal(reference(name, x).astype(np.float64), want)


F = torch.nn.functional
#: float64 models through the whole pipeline, each now on the polynomials.
MODELS = {
    "exp": torch.exp, "log": lambda x: torch.log(x.abs()), "tanh": torch.tanh,
    "sigmoid": torch.sigmoid, "erf": torch.erf, "exp2": torch.exp2, "expm1": torch.expm1,
    "log1p": lambda x: torch.log1p(x.abs()), "log2": lambda x: torch.log2(x.abs()),
    "log10": lambda x: torch.log10(x.abs()), "sinh": torch.sinh, "cosh": torch.cosh,
    "silu": F.silu, "gelu": F.gelu, "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "mish": F.mish, "softplus": F.softplus, "erfc": torch.erfc,
    "chain": lambda x: F.gelu(x * 1.7 + 0.3, approximate="tanh").tanh() * torch.sigmoid(x),
}
#: Relative tolerance against eager: a few ulp of each side; the formulas
#: (mish, softplus, erfc: special.py) add their own rounding.
MODEL_RTOL = {"mish": 2e-15, "softplus": 2e-15, "erfc": 2e-14}
#: ... and absolute, where a formula cancels: gelu's 1 + erf(x / sqrt 2) and
#: 1 + tanh(...) at negative x (|x| <= 12: x ulp(1) <= 1.4e-15), eager's and
#: ours alike.
MODEL_ATOL = {"gelu": 2e-15, "gelu_tanh": 2e-15, "chain": 2e-15}


#: Specials for the models (torch's sinh overflows early: no 709.78-710.48).
MODEL_SPECIALS = torch.tensor([0.0, -0.0, float("inf"), -float("inf"), float("nan"), 5e-324,
                               -1e-300, 1e-20, 30.0, -30.0, 700.0, -700.0], dtype=torch.float64)


def _model_inputs(n: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(n)
    x = torch.randn(n, generator=g, dtype=torch.float64) * 4
    if n <= len(MODEL_SPECIALS):
        return x
    return torch.cat([x[: n - len(MODEL_SPECIALS)], MODEL_SPECIALS])


@pytest.mark.parametrize("name", sorted(MODELS))
def test_models_match_eager(name):
    """Odd sizes, one element, a dynamic dim; specials at the larger size."""
    fn = MODELS[name]
    tol = dict(rtol=MODEL_RTOL.get(name, 1e-15), atol=MODEL_ATOL.get(name, 1e-300), equal_nan=True)
    for n in (1, 7, 1001):
        x = _model_inputs(n)
        compiled = tsmlir.compile_module(torch.jit.trace(Fn(fn), [x]), [x])
        torch.testing.assert_close(compiled(x), fn(x), **tol)
    dynamic = tsmlir.compile_module(torch.jit.trace(Fn(fn), [x]),
                                    input_specs=[tsmlir.TensorSpec((-1,), torch.float64)])
    for n in (1, 33, 1001):
        x = _model_inputs(n)
        torch.testing.assert_close(dynamic(x), fn(x), **tol)


def test_small_sinh_keeps_relative_accuracy():
    """sinh near 0 is ours, not math-expand-ops' (e^x - e^-x) / 2."""
    x = torch.tensor([1e-300, 1e-12, -3e-9, 1e-5, 0.01, -0.3], dtype=torch.float64)
    compiled = tsmlir.compile_module(torch.jit.trace(Fn(torch.sinh), [x]), [x])
    torch.testing.assert_close(compiled(x), torch.sinh(x), rtol=3e-16, atol=0)


def test_scalar_loop():
    """f64 math on 0-d values inside a scripted loop (scalar code)."""
    def body(x: torch.Tensor, n: int) -> torch.Tensor:
        acc = torch.zeros((), dtype=torch.float64)
        for i in range(n):
            acc = acc + torch.tanh(x[i]) + torch.erf(x[i]) + torch.log1p(x[i].abs())
        return acc

    class Loop(torch.nn.Module):
        def forward(self, x):
            return body(x, x.shape[0])

    x = torch.randn(9, dtype=torch.float64)
    module = torch.jit.script(Loop())
    compiled = tsmlir.compile_module(module, [x])
    torch.testing.assert_close(compiled(x), module(x), rtol=1e-15, atol=1e-15)
