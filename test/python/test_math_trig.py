"""math_trig: f32 sin, cos, tan, atan, atan2, asin, acos expansions match the
truth (torch in float64) within a few ulp and torch's special values exactly.

Each op runs as a JIT-compiled loop over memrefs, once on f32 scalars and
once on vector<16xf32>; then whole models (odd sizes, dynamic dims, two
threads, a rotary embedding) go through the pipeline against eager.
"""
from __future__ import annotations

import ctypes
import functools
import math

import numpy as np
import pytest
import mpmath
import torch
from mlir import ir
from mlir.execution_engine import ExecutionEngine
from mlir.runtime import get_ranked_memref_descriptor

import tsmlir
from conftest import check_against_eager
from tsmlir import TensorSpec
from tsmlir.context import new_context
from tsmlir.lowering.math_trig import REDUCE_BOUND, REDUCE_BOUND_F64
from tsmlir.lowering.pipelines import pass_manager

LANES = 16
LOWERING = [
    "tsm-expand-math", "convert-scf-to-cf", "convert-vector-to-llvm", "convert-math-to-llvm",
    "convert-math-to-libm", "finalize-memref-to-llvm", "convert-arith-to-llvm",
    "convert-cf-to-llvm", "convert-func-to-llvm", "reconcile-unrealized-casts",
]
UNARY = {"sin": torch.sin, "cos": torch.cos, "tan": torch.tan, "atan": torch.atan,
         "asin": torch.asin, "acos": torch.acos}
#: Max error in ulps of the f32 result (over every f32 input: see math_trig).
ULPS = {"sin": 1.6, "cos": 1.8, "tan": 3.5, "atan": 1.6, "asin": 2.5, "acos": 1.6, "atan2": 2.0}


def _loop(name: str, arity: int, vector: bool, ty: str) -> str:
    t = f"vector<{LANES}x{ty}>" if vector else ty
    step = LANES if vector else 1
    load = "vector.load" if vector else "memref.load"
    store = "vector.store" if vector else "memref.store"
    suffix = f" : memref<?x{ty}>, {t}" if vector else f" : memref<?x{ty}>"
    args = ", ".join(f"%in{i}: memref<?x{ty}>" for i in range(arity))
    loads = "\n".join(f"    %x{i} = {load} %in{i}[%i]{suffix}" for i in range(arity))
    operands = ", ".join(f"%x{i}" for i in range(arity))
    return f"""
func.func @f({args}, %out: memref<?x{ty}>) attributes {{llvm.emit_c_interface}} {{
  %c0 = arith.constant 0 : index
  %step = arith.constant {step} : index
  %n = memref.dim %in0, %c0 : memref<?x{ty}>
  scf.for %i = %c0 to %n step %step {{
{loads}
    %y = math.{name} {operands} : {t}
    {store} %y, %out[%i]{suffix}
  }}
  return
}}"""


@functools.lru_cache(maxsize=None)
def _compiled(name: str, arity: int, vector: bool, ty: str):
    ctx = new_context()
    with ctx, ir.Location.unknown():
        module = ir.Module.parse(_loop(name, arity, vector, ty))
        pass_manager(LOWERING).run(module.operation)
        engine = ExecutionEngine(module, opt_level=3)
    return ctx, module, engine


def run(name: str, *xs: torch.Tensor, vector: bool = False) -> torch.Tensor:
    dtype = xs[0].dtype
    _, _, engine = _compiled(name, len(xs), vector, "f64" if dtype == torch.float64 else "f32")
    n = xs[0].numel()
    pad = (-n) % LANES if vector else 0
    arrays = [np.ascontiguousarray(torch.cat([x.to(dtype), torch.ones(pad, dtype=dtype)]).numpy())
              for x in xs]
    out = np.empty_like(arrays[0])
    engine.invoke("f", *[ctypes.pointer(ctypes.pointer(get_ranked_memref_descriptor(a)))
                         for a in (*arrays, out)])
    return torch.from_numpy(out[:n].copy())


def ulp_errors(got: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
    """|got - ref| in ulps of ref rounded to f32, over finite nonzero refs."""
    r32 = ref.float()
    ok = r32.isfinite() & (r32 != 0)
    ulp = np.spacing(np.abs(r32[ok].numpy())).astype(np.float64)
    return (got[ok].double() - ref[ok]).abs() / torch.from_numpy(ulp)


def _near_multiples_of_half_pi(count: int) -> torch.Tensor:
    """f32 neighbours (+-3 ulp) of k pi/2 up to REDUCE_BOUND: the smallest
    reduced arguments, where the reduction's error shows most."""
    k = torch.randint(1, int(REDUCE_BOUND * 2 / math.pi), (count,), dtype=torch.float64)
    up = down = (k * (math.pi / 2)).float().numpy()
    near = [up]
    for _ in range(3):
        up, down = np.nextafter(up, np.float32(np.inf)), np.nextafter(down, np.float32(-np.inf))
        near += [up, down]
    return torch.from_numpy(np.concatenate(near))


SPECIALS = [0.0, -0.0, float("inf"), -float("inf"), float("nan"), 1e-45, -1e-45, 1e-40, -1e-38,
            1.0, -1.0, 0.5, -0.5, 1.0000001, -1.0000001, 0.99999994, 2.0, 3.4e38, -3.4e38, 1e10,
            REDUCE_BOUND, -REDUCE_BOUND, np.nextafter(np.float32(REDUCE_BOUND), np.float32(1e9)),
            np.float32(math.pi / 2), np.float32(math.pi), 1e-4, 3e-4]


def _points(name: str) -> torch.Tensor:
    g = torch.Generator().manual_seed(1)
    if name in ("asin", "acos"):
        parts = [torch.linspace(-1, 1, 200_001), torch.rand(50_000, generator=g) * 0.02 + 0.49,
                 1 - torch.logspace(-8, -1, 10_000), -1 + torch.logspace(-8, -1, 10_000)]
    else:
        parts = [torch.linspace(-10, 10, 200_001), torch.linspace(-1000, 1000, 100_001),
                 (torch.rand(100_000, generator=g) * 2 - 1) * REDUCE_BOUND]
        if name in ("sin", "cos", "tan"):
            parts.append(_near_multiples_of_half_pi(20_000))
    tiny = torch.logspace(-45, 38, 20_000, dtype=torch.float64).float()
    x = torch.cat([*parts, tiny, -tiny, torch.tensor(SPECIALS, dtype=torch.float32)])
    return x.float()


@pytest.mark.parametrize("vector", [False, True], ids=["f32", "vector16"])
@pytest.mark.parametrize("name", list(UNARY))
def test_accuracy(name, vector):
    x = _points(name)
    err = ulp_errors(run(name, x, vector=vector), UNARY[name](x.double()))
    assert err.max().item() <= ULPS[name], f"{name}: {err.max().item():.3f} ulp"


@pytest.mark.parametrize("vector", [False, True], ids=["f32", "vector16"])
@pytest.mark.parametrize("name", list(UNARY))
def test_special_values(name, vector):
    """NaN for inf/NaN and outside [-1, 1], signed zeros, saturation (atan
    of huge |x|, acos(-1)): the same f32 as torch."""
    x = _points(name)
    got, want = run(name, x, vector=vector), UNARY[name](x)
    special = ~want.isfinite() | ~got.isfinite() | (want == 0) | (got == 0)
    torch.testing.assert_close(got[special], want[special], rtol=0, atol=0, equal_nan=True)
    zero = special & (want == 0)
    assert torch.equal(got[zero].signbit(), want[zero].signbit()), "sign of zero differs"


@pytest.mark.parametrize("name", ["sin", "cos", "tan"])
def test_huge_lanes_beside_small_ones(name):
    """Lanes beyond REDUCE_BOUND take libm, the others keep the polynomial;
    a vector mixing both is right in every lane, also at the bound."""
    bound = np.float32(REDUCE_BOUND)
    huge = [3.4e38, -1e30, 1e10, float(np.nextafter(bound, np.float32(1e9))), 8e6, -3e5]
    small = [0.3, -2.0, 100.0, float(bound), -float(bound), 1e-3]
    x = torch.tensor([v for pair in zip(huge, small) for v in pair] * 3 + [0.7] * 4)
    got = run(name, x, vector=True)
    assert ulp_errors(got, UNARY[name](x.double())).max().item() <= ULPS[name]


def _special_grid() -> tuple[torch.Tensor, torch.Tensor]:
    values = torch.tensor([0.0, -0.0, 1.0, -1.0, 2.5, -2.5, 1e-45, -1e-45, 3e38, -3e38,
                           float("inf"), -float("inf"), float("nan")])
    y, x = torch.meshgrid(values, values, indexing="ij")
    return y.flatten(), x.flatten()


@pytest.mark.parametrize("vector", [False, True], ids=["f32", "vector16"])
def test_atan2(vector):
    """Every quadrant, signed zeros, infinities, NaN and tiny/huge ratios as
    torch (C99); dense samples within ULPS of the truth."""
    y, x = _special_grid()
    got, want = run("atan2", y, x, vector=vector), torch.atan2(y, x)
    exact = ~want.isfinite() | (want == 0) | (x.abs() == float("inf")) | \
        (y.abs() == float("inf")) | (x == 0) | (y == 0)
    torch.testing.assert_close(got[exact], want[exact], rtol=0, atol=0, equal_nan=True)
    assert torch.equal(got[want == 0].signbit(), want[want == 0].signbit())
    assert ulp_errors(got, torch.atan2(y.double(), x.double())).max().item() <= ULPS["atan2"]
    g = torch.Generator().manual_seed(2)
    scale = torch.logspace(-30, 30, 400_000, dtype=torch.float64).float()
    y = torch.randn(400_000, generator=g) * scale
    x = torch.randn(400_000, generator=g) * scale.flip(0)
    y, x = torch.cat([y, x, y]), torch.cat([x, y, torch.randn(400_000, generator=g)])
    err = ulp_errors(run("atan2", y, x, vector=vector), torch.atan2(y.double(), x.double()))
    assert err.max().item() <= ULPS["atan2"], f"atan2: {err.max().item():.3f} ulp"


class Unary(torch.nn.Module):
    def forward(self, x):
        return x.sin(), x.cos(), x.tan(), x.atan(), torch.atan2(x, x - 0.3)


class InverseSine(torch.nn.Module):
    def forward(self, x):
        return x.asin(), x.acos()


@pytest.mark.parametrize("shape", [(1,), (15,), (33,), (1, 1), (3, 1, 65), (257,)], ids=str)
def test_models_around_vector_widths(shape):
    x = torch.rand(shape) * 20 - 10
    check_against_eager(torch.jit.trace(Unary(), x), [x], equal_nan=True)
    u = torch.rand(shape) * 2 - 1
    check_against_eager(torch.jit.trace(InverseSine(), u), [u], equal_nan=True)


def test_models_dynamic_and_two_threads():
    specs = [TensorSpec((-1, 37))]
    runs = [[torch.rand(n, 37) * 20 - 10] for n in (1, 5, 300)]
    check_against_eager(torch.jit.trace(Unary(), runs[0][0]), runs[0], input_specs=specs,
                        runs=runs[1:], equal_nan=True)
    old = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        x = torch.rand(64, 1000) * 2 - 1
        check_against_eager(torch.jit.trace(InverseSine(), x), [x])
        check_against_eager(torch.jit.trace(Unary(), x * 50), [x * 50])
        # most lanes beyond REDUCE_BOUND: the libm branch inside the OpenMP loop
        huge = x * 1e6
        huge[3, 7], huge[5, 9] = float("inf"), 3e38
        check_against_eager(torch.jit.trace(Unary(), huge), [huge], equal_nan=True)
    finally:
        torch.set_num_threads(old)


class Rope(torch.nn.Module):
    """Rotary position embedding computed at run time (the angles too)."""

    def forward(self, x, pos, inv_freq):
        angle = pos[:, None] * inv_freq[None, :]
        angle = torch.cat([angle, angle], dim=-1)
        rotated = torch.cat([-x[..., 32:], x[..., :32]], dim=-1)
        return x * angle.cos() + rotated * angle.sin()


def test_rope():
    x = torch.randn(1, 8, 129, 64)
    pos = torch.arange(129, dtype=torch.float32) * 40  # angles up to ~5e3
    inv_freq = 1.0 / (10000 ** (torch.arange(0, 64, 2, dtype=torch.float32) / 64))
    check_against_eager(torch.jit.trace(Rope(), (x, pos, inv_freq)), [x, pos, inv_freq])


class LoopOfScalars(torch.nn.Module):
    def forward(self, x):
        acc = torch.zeros(1)
        for i in range(x.shape[0]):
            acc = acc + torch.sin(x[i]) * torch.atan2(x[i], acc + 1.0)
        return acc


def test_inside_a_loop():
    m = torch.jit.script(LoopOfScalars())
    runs = [[torch.randn(n) * 3] for n in (1, 7)]
    check_against_eager(m, runs[0], input_specs=[TensorSpec((-1,))], runs=runs[1:])


#: f64: max error in ulps against mpmath (sampled).
ULPS_F64 = {"sin": 1.5, "cos": 1.5, "tan": 3.0}
MPMATH = {"sin": mpmath.sin, "cos": mpmath.cos, "tan": mpmath.tan}


def _f64_points() -> torch.Tensor:
    g = torch.Generator().manual_seed(3)
    k = torch.randint(1, int(REDUCE_BOUND_F64 * 2 / math.pi), (300,), generator=g)
    near = (k.double() * (math.pi / 2)).numpy()
    parts = [torch.rand(1500, generator=g, dtype=torch.float64) * 20 - 10,
             (torch.rand(500, generator=g, dtype=torch.float64) * 2 - 1) * REDUCE_BOUND_F64,
             torch.from_numpy(np.concatenate([near, np.nextafter(near, np.inf),
                                              np.nextafter(near, -np.inf)])),
             torch.logspace(-300, 9, 500, dtype=torch.float64),
             -torch.logspace(-300, 9, 300, dtype=torch.float64)]
    return torch.cat(parts)


@pytest.mark.parametrize("vector", [False, True], ids=["f64", "vector16"])
@pytest.mark.parametrize("name", list(ULPS_F64))
def test_f64_accuracy(name, vector):
    """f64 sin, cos, tan within a few ulp of mpmath (50 digits), also next
    to multiples of pi/2 up to REDUCE_BOUND_F64."""
    x = _f64_points()
    got = run(name, x, vector=vector)
    worst = 0.0
    with mpmath.workdps(50):
        for g, v in zip(got.tolist(), x.tolist()):
            want = MPMATH[name](mpmath.mpf(v))
            if float(want) != 0:
                worst = max(worst, float(abs(mpmath.mpf(g) - want)) / math.ulp(abs(float(want))))
    assert worst <= ULPS_F64[name], f"{name}: {worst:.3f} ulp"


@pytest.mark.parametrize("name", list(ULPS_F64))
def test_f64_special_values(name):
    x = torch.tensor([0.0, -0.0, float("inf"), -float("inf"), float("nan"), 5e-324, -5e-324, 1e-310,
                      1e300, -1e300, REDUCE_BOUND_F64, -REDUCE_BOUND_F64, 3e9, 1.0, 0.5],
                     dtype=torch.float64).repeat(3)
    for vector in (False, True):
        got, want = run(name, x, vector=vector), UNARY[name](x)
        special = ~want.isfinite() | (want == 0) | (x.abs() < 1e-300)
        torch.testing.assert_close(got[special], want[special], rtol=0, atol=0, equal_nan=True)
        assert torch.equal(got[want == 0].signbit(), want[want == 0].signbit())
        torch.testing.assert_close(got, want, rtol=5e-16, atol=0, equal_nan=True)


def test_f64_models():
    x = torch.rand(3, 1, 65, dtype=torch.float64) * 200 - 100
    check_against_eager(torch.jit.trace(Unary(), x), [x], equal_nan=True)
    specs = [TensorSpec((-1,), torch.float64)]
    runs = [[torch.rand(n, dtype=torch.float64) * 20 - 10] for n in (1, 17)]
    check_against_eager(torch.jit.trace(Unary(), runs[0][0]), runs[0], input_specs=specs,
                        runs=runs[1:], equal_nan=True)
