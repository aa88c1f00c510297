"""tsm-expand-math: the f32 polynomial math matches torch numerically.

Each op runs as a JIT-compiled loop over a memref, once on f32 scalars and
once on vector<16xf32>, and is compared with torch in float64 (the truth) on
~2e5 points plus special values, and with torch in float32 on the special values.
"""
from __future__ import annotations

import ctypes
import functools

import numpy as np
import pytest
import torch
from mlir import ir
from mlir.execution_engine import ExecutionEngine
from mlir.runtime import get_ranked_memref_descriptor

import tsmlir.lowering.math_approx  # noqa: F401  (registers tsm-expand-math)
from tsmlir.context import new_context
from tsmlir.lowering.pipelines import pass_manager

LANES = 16
SCALAR_LOOP = """
func.func @f(%in: memref<?xf32>, %out: memref<?xf32>) attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %in, %c0 : memref<?xf32>
  scf.for %i = %c0 to %n step %c1 {
    %x = memref.load %in[%i] : memref<?xf32>
    %y = OP %x : f32
    memref.store %y, %out[%i] : memref<?xf32>
  }
  return
}
"""
VECTOR_LOOP = """
func.func @f(%in: memref<?xf32>, %out: memref<?xf32>) attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %step = arith.constant LANES : index
  %n = memref.dim %in, %c0 : memref<?xf32>
  scf.for %i = %c0 to %n step %step {
    %x = vector.load %in[%i] : memref<?xf32>, vector<LANESxf32>
    %y = OP %x : vector<LANESxf32>
    vector.store %y, %out[%i] : memref<?xf32>, vector<LANESxf32>
  }
  return
}
""".replace("LANES", str(LANES))
# Loops to LLVM with the expansion first: math-expand-ops is left out, since
# it would split math.fma into a multiply and an add.
LOWERING = [
    "tsm-expand-math", "convert-scf-to-cf", "convert-vector-to-llvm", "convert-math-to-llvm",
    "convert-math-to-libm", "finalize-memref-to-llvm", "convert-arith-to-llvm",
    "convert-cf-to-llvm", "convert-func-to-llvm", "reconcile-unrealized-casts",
]

TORCH = {"exp": torch.exp, "tanh": torch.tanh, "erf": torch.erf, "log": torch.log,
         "log1p": torch.log1p, "expm1": torch.expm1, "exp2": torch.exp2}
# (max abs error, max relative error) against float64, over normal outputs.
BOUNDS = {"exp": (None, 3e-7), "log": (None, 3e-7), "tanh": (3.2e-7, None),
          "erf": (3.4e-7, None), "log1p": (None, 4e-7), "expm1": (None, 4e-7),
          "exp2": (None, 3e-7)}
FLT_MIN = torch.finfo(torch.float32).tiny
SPECIALS = torch.tensor(
    [0.0, -0.0, float("inf"), -float("inf"), float("nan"), 1e-45, -1e-45, 1e-40, 1e-38, -1e-38,
     3.4e38, -3.4e38, 1.0, -1.0, 0.5, 2.0, 88.72, 88.7228, 88.723, 89.0, -87.3, -103.9, -103.98,
     -104.0, 8.0, 9.0, 10.0, -9.0, 4.0, -4.0, 3.9, 1e-4, -1e-4, 4e-4, 1e-30, 1e30, -0.999999,
     -1.0000001],
    dtype=torch.float32)


@functools.lru_cache(maxsize=None)
def _compiled(name: str, vector: bool):
    ctx = new_context()
    with ctx, ir.Location.unknown():
        text = (VECTOR_LOOP if vector else SCALAR_LOOP).replace("OP", f"math.{name}")
        module = ir.Module.parse(text)
        pass_manager(LOWERING).run(module.operation)
        assert "@expf" not in str(module) and f"@{name}f" not in str(module), \
            "a libm call survived"
        engine = ExecutionEngine(module, opt_level=3)
    return ctx, module, engine


def run(name: str, x: torch.Tensor, vector: bool = False) -> torch.Tensor:
    _, _, engine = _compiled(name, vector)
    n = x.numel()
    pad = (-n) % LANES if vector else 0
    inp = np.ascontiguousarray(torch.cat([x, torch.ones(pad)]).numpy(), dtype=np.float32)
    out = np.empty_like(inp)
    args = [ctypes.pointer(ctypes.pointer(get_ranked_memref_descriptor(a))) for a in (inp, out)]
    engine.invoke("f", *args)
    return torch.from_numpy(out[:n].copy())


def _points() -> torch.Tensor:
    g = torch.Generator().manual_seed(0)
    parts = [
        torch.linspace(-100, 100, 100_001),
        torch.linspace(-10, 10, 100_001),
        torch.rand(50_000, generator=g) * 2 - 1,
        # where exp and exp2 round into the denormals and to 0 (the low clamp)
        torch.linspace(-106, -85, 20_001),
        torch.linspace(-152, -124, 20_001),
        # every magnitude, both signs, including denormals
        torch.logspace(-45, 38, 20_000, dtype=torch.float64).float(),
        -torch.logspace(-45, 38, 20_000, dtype=torch.float64).float(),
    ]
    return torch.cat([*parts, SPECIALS]).float()


def _errors(name: str, got: torch.Tensor, x: torch.Tensor) -> tuple[float, float]:
    """Max abs and max relative error against torch in float64 over normal outputs."""
    ref = TORCH[name](x.double())
    ok = ref.isfinite() & (ref.abs() >= FLT_MIN) & (ref.abs() <= torch.finfo(torch.float32).max)
    err = (got.double() - ref)[ok].abs()
    return err.max().item(), (err / ref[ok].abs()).max().item()


@pytest.mark.parametrize("vector", [False, True], ids=["f32", "vector16"])
@pytest.mark.parametrize("name", list(TORCH))
def test_accuracy(name, vector):
    x = _points()
    got = run(name, x, vector)
    max_abs, max_rel = _errors(name, got, x)
    abs_bound, rel_bound = BOUNDS[name]
    if abs_bound is not None:
        assert max_abs <= abs_bound, f"{name}: max abs error {max_abs:.3g}"
    if rel_bound is not None:
        assert max_rel <= rel_bound, f"{name}: max relative error {max_rel:.3g}"


@pytest.mark.parametrize("vector", [False, True], ids=["f32", "vector16"])
@pytest.mark.parametrize("name", list(TORCH))
def test_special_values(name, vector):
    """inf, NaN, signed zeros and over/underflow exactly as torch has them."""
    x = _points()
    got, want, ref = run(name, x, vector), TORCH[name](x), TORCH[name](x.double())
    # Denormal results are compared with the truth: torch flushes some of
    # them (log1p(1e-45) = 0), and their relative precision is low anyway.
    denormal = (ref != 0) & (ref.abs() < FLT_MIN)
    torch.testing.assert_close(got[denormal].double(), ref[denormal], rtol=0, atol=3e-45)
    special = (~want.isfinite() | (want == 0) | ~got.isfinite() | (got == 0)) & ~denormal
    torch.testing.assert_close(got[special], want[special], rtol=0, atol=0, equal_nan=True)
    zero = special & (want == 0)
    assert torch.equal(got[zero].signbit(), want[zero].signbit()), "sign of zero differs"


def test_small_tanh_and_erf_are_relatively_accurate():
    """Near 0 the results keep their relative accuracy (no 1 - exp cancellation)."""
    x = torch.logspace(-30, -0.01, 10_000, dtype=torch.float64).float()
    x = torch.cat([x, -x])
    for name in ("tanh", "erf", "log1p", "expm1"):
        ref = TORCH[name](x.double())
        rel = ((run(name, x).double() - ref) / ref).abs().max().item()
        assert rel <= 4e-7, f"{name}: relative error {rel:.3g} near 0"


def test_f16_is_left_alone():
    ctx = new_context()
    with ctx, ir.Location.unknown():
        module = ir.Module.parse(SCALAR_LOOP.replace("OP", "math.exp").replace("f32", "f16"))
        pass_manager(["tsm-expand-math"]).run(module.operation)
        assert "math.exp" in str(module) and "math.fma" not in str(module)


@pytest.mark.parametrize("vector", [False, True], ids=["f32", "vector16"])
def test_tanh_and_erf_saturate_at_exactly_one(vector):
    """Past the clamp the rationals give exactly +-1, never beyond (1 + erf
    and 1 - tanh must not turn negative: gelu(-inf) and sigmoid(-inf))."""
    x = torch.cat([torch.linspace(0, 30, 30_001), torch.tensor([3e38, float("inf")])])
    x = torch.cat([x, -x])
    for name, saturated in (("tanh", 7.8689), ("erf", 3.6174)):
        got = run(name, x, vector)
        assert got.abs().max().item() <= 1.0, name
        far = x.abs() >= saturated
        torch.testing.assert_close(got[far], x[far].sign(), rtol=0, atol=0)


def _scaled(name: str, k: float) -> str:
    """VECTOR_LOOP computing math.<name>(x * k)."""
    loop = VECTOR_LOOP.replace("%y = OP %x", f"%h = arith.mulf %x, %k : vector<{LANES}xf32>\n"
                               f"    %y = math.{name} %h")
    constant = f"%k = arith.constant dense<{k!r}> : vector<{LANES}xf32>"
    return loop.replace("%n = memref.dim", f"{constant}\n  %n = memref.dim")


def _multiplies_after_expansion(text: str) -> int:
    module = ir.Module.parse(text)
    pass_manager(["tsm-expand-math"]).run(module.operation)
    return str(module).count("arith.mulf")


def _run_text(text: str, x: torch.Tensor) -> torch.Tensor:
    module = ir.Module.parse(text)
    pass_manager(LOWERING).run(module.operation)
    engine = ExecutionEngine(module, opt_level=3)
    n = x.numel()
    inp = np.ascontiguousarray(torch.cat([x, torch.ones((-n) % LANES)]).numpy())
    out = np.empty_like(inp)
    engine.invoke("f", *[ctypes.pointer(ctypes.pointer(get_ranked_memref_descriptor(a)))
                         for a in (inp, out)])
    return torch.from_numpy(out[:n].copy())


def test_power_of_two_scale_folds_into_tanh():
    """tanh(x * 0.5) (sigmoid's) takes the 0.5 into the coefficients, with the
    same results as the multiply (but for denormal x, where the multiply
    rounds x / 2 first: one denormal ulp); a scale of 0.7 stays a multiply."""
    x = _points()
    halved = run("tanh", x * 0.5, vector=True)
    with new_context(), ir.Location.unknown():
        multiplies = {k: _multiplies_after_expansion(_scaled("tanh", k)) for k in (0.5, 0.7)}
        assert multiplies[0.7] == multiplies[0.5] + 1
        got = _run_text(_scaled("tanh", 0.5), x)
    tiny = x.abs() < 2 * FLT_MIN
    torch.testing.assert_close(got[~tiny], halved[~tiny], rtol=0, atol=0, equal_nan=True)
    torch.testing.assert_close(got[tiny], halved[tiny], rtol=0, atol=1.5e-45)
    assert torch.equal(got[tiny].signbit(), halved[tiny].signbit())


#: gelu's erf(x / sqrt 2), the scale as f32: it folds through a rational of its own.
SQRT_HALF = float(np.float32(2 ** -0.5))


def test_gelu_scale_folds_into_erf():
    """erf(x * f32(1/sqrt 2)) loses the multiply and keeps erf's accuracy
    against erf(x k) in float64, its special values and its saturation at
    exactly +-1 (gelu(-1e38) would otherwise be h + h (-1 - ulp) > 0)."""
    x = _points()
    far = torch.cat([torch.linspace(4.5, 40, 20_000), torch.tensor([1e38, 3.4e38, float("inf")])])
    x = torch.cat([x, far, -far])
    with new_context(), ir.Location.unknown():
        scaled = {k: _multiplies_after_expansion(_scaled("erf", k)) for k in (SQRT_HALF, 0.7)}
        assert scaled[0.7] == scaled[SQRT_HALF] + 1
        got = _run_text(_scaled("erf", SQRT_HALF), x)
    ref = torch.erf(x.double() * SQRT_HALF)
    number = ~x.isnan()
    assert (got.double() - ref)[number].abs().max().item() <= BOUNDS["erf"][0]
    assert got[number].abs().max().item() <= 1.0
    saturated = x.abs() >= 5.1087
    torch.testing.assert_close(got[saturated], x[saturated].sign(), rtol=0, atol=0)
    special = torch.tensor([0.0, -0.0, float("nan"), 1e-45, -1e-45])
    with new_context(), ir.Location.unknown():
        got = _run_text(_scaled("erf", SQRT_HALF), special)
    want = torch.erf(special * SQRT_HALF)
    torch.testing.assert_close(got[[0, 1, 2]], want[[0, 1, 2]], rtol=0, atol=0, equal_nan=True)
    assert got[1].signbit() and not got[0].signbit()
    assert got[3] >= 0 and got[4] <= 0  # denormal inputs keep their sign


def _sigmoid_text(k: float) -> str:
    """VECTOR_LOOP computing fma(tanh(x * 0.5), k, 0.5) (sigmoid for k = 0.5)."""
    text = _scaled("tanh", 0.5).replace(
        "vector.store %y", f"%z = math.fma %y, %k2, %half : vector<{LANES}xf32>\n"
        "    vector.store %z")
    constants = (f"%k2 = arith.constant dense<{k!r}> : vector<{LANES}xf32>\n"
                 f"  %half = arith.constant dense<0.5> : vector<{LANES}xf32>")
    return text.replace("%n = memref.dim", f"{constants}\n  %n = memref.dim")


def test_power_of_two_fma_folds_into_tanh():
    """sigmoid's fma(tanh(x / 2), 0.5, 0.5): the 0.5 goes into the rational
    and the fma becomes an add, bit for bit the fma of the unfolded tanh
    (0.5 t + 0.5 is exact in float64), saturating at exactly 0 and 1; a
    factor of 0.7 keeps its fma."""
    x = _points()
    t = run("tanh", x * 0.5, vector=True).double()
    want = (0.5 * t + 0.5).float()
    with new_context(), ir.Location.unknown():
        got = _run_text(_sigmoid_text(0.5), x)
        fmas = {}
        for k in (0.5, 0.7):
            module = ir.Module.parse(_sigmoid_text(k))
            pass_manager(["tsm-expand-math"]).run(module.operation)
            fmas[k] = str(module).count("math.fma")
        assert fmas[0.7] == fmas[0.5] + 1
    normal = ~(x.abs() < 2 * FLT_MIN)  # x * 0.5 rounds denormal x (result 0.5 either way)
    torch.testing.assert_close(got[normal], want[normal], rtol=0, atol=0, equal_nan=True)
    torch.testing.assert_close(got[~normal], torch.full_like(got[~normal], 0.5))
    far = x.abs() >= 16
    torch.testing.assert_close(got[far], (x[far] > 0).float(), rtol=0, atol=0)
