"""torch.special and the gamma / error-function family against eager, in
float32 and float64: the special values (0, -0.0, +-inf, NaN, poles, the
edges of each domain and of each approximation's branches), dense grids,
integer inputs, a dynamic batch, and the errors PyTorch raises."""
from __future__ import annotations

import math

import pytest
import torch

import tsmlir
from conftest import check_against_eager, check_traced

EDGES = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.5, -3.75, 1e-8, -1e-8, 30.0, -30.0, 1e30, -1e30,
         float("inf"), float("-inf"), float("nan"), 1.4616321, 2.0, 3.0, -2.0, 7.3, 0.1, 9.9999,
         10.0, 100.0, 1e5, 8.0, 7.99, 8.01, -0.3, -8.5, 0.999, -0.999, 0.7, 0.71, 1.5, -5.5]
UNIT = [0.0, -0.0, 0.5, -0.5, 0.7, -0.7, 0.7000001, 0.999, -0.999, 0.9999999, 1.0, -1.0, 1.5,
        -2.0, 1e-30, float("inf"), float("nan"), 0.135, 0.1353353, 0.8646647, 0.865, 1e-20,
        1e-300, 0.25, 0.75]

UNARY = {
    "lgamma": torch.lgamma, "digamma": torch.digamma, "erfinv": torch.erfinv,
    "erfc": torch.erfc, "erfcx": torch.special.erfcx, "ndtr": torch.special.ndtr, "log_ndtr": torch.special.log_ndtr,
    "ndtri": torch.special.ndtri, "i0": torch.i0, "i0e": torch.special.i0e,
    "i1": torch.special.i1, "i1e": torch.special.i1e, "entr": torch.special.entr,
    "polygamma0": lambda x: torch.polygamma(0, x),
}
DOMAIN = {"erfinv": (-1, 1), "ndtri": (0, 1)}


def _grid(name, dtype):
    lo, hi = DOMAIN.get(name, (-12, 40))
    return torch.linspace(lo, hi, 1003, dtype=dtype)[1:-1]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary(name, dtype):
    edges = torch.tensor(UNIT if name in DOMAIN else EDGES, dtype=dtype)
    check_traced(UNARY[name], edges)
    check_traced(UNARY[name], _grid(name, dtype).reshape(7, 11, 13))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_erfc_upper_tail_relative_error(dtype):
    """erfc where 1 - erf(x) loses every digit: relative error of a few ulps
    down to the underflow (float32: 0 from ~10.06; its denormals from ~9.2
    keep fewer digits), through half and integer inputs too."""
    class Erfc(torch.nn.Module):
        def forward(self, x):
            return torch.erfc(x)
    top = 10.2 if dtype == torch.float32 else 26.6
    x = torch.cat([torch.linspace(0.5, top, 2001, dtype=dtype),
                   torch.tensor([9.0, 9.2, 10.05, 10.06, 10.5, 11.0, 26.5, 27.5, 1e4], dtype=dtype)])
    compiled = tsmlir.compile_module(Erfc(), [x])
    tiny = torch.finfo(dtype).tiny
    torch.testing.assert_close(compiled(x), torch.erfc(x), rtol=8 * torch.finfo(dtype).eps,
                               atol=tiny * (2 ** -10 if dtype == torch.float32 else 1e-10))
    for ints in (torch.arange(-3, 12), torch.arange(-3, 12, dtype=torch.int32)):
        torch.testing.assert_close(tsmlir.compile_module(Erfc(), [ints])(ints), torch.erfc(ints))
    h = torch.linspace(-4, 5, 37).half()
    torch.testing.assert_close(tsmlir.compile_module(Erfc(), [h])(h), torch.erfc(h))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_trigamma(dtype):
    """polygamma(1, x); at the poles (0, negative integers) ATen's value is
    1 / sin(pi x)^2 of a rounded sin, not pinned here."""
    poles = [v for v in EDGES if math.isfinite(v) and v <= 0 and v == int(v)]
    x = torch.tensor([v for v in EDGES if v not in poles], dtype=dtype)
    check_traced(lambda v: torch.polygamma(1, v), x)
    grid = torch.linspace(-7.7, 30, 997, dtype=dtype)
    check_traced(lambda v: torch.special.polygamma(1, v), grid)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_polygamma_higher_orders_and_zeta(dtype):
    """n >= 2 through Hurwitz zeta(n + 1, x); zeta's poles, its NaN domain
    (x < 1; q <= 0 with x not an integer) and q down to -15.5."""
    x = torch.tensor([v for v in EDGES if abs(v) < 1e20 and v > -16], dtype=dtype)
    for n in (2, 3, 6):
        check_traced(lambda v: torch.polygamma(n, v), x)
    grid = torch.linspace(-7.7, 30, 997, dtype=dtype)
    check_traced(lambda v: torch.special.polygamma(3, v), grid)
    s = torch.tensor([[1.0], [0.5], [2.0], [3.0], [2.5], [7.0], [40.0], [float("inf")],
                      [float("nan")]], dtype=dtype)
    q = torch.tensor([0.5, 1.0, 2.0, 1e-3, 9.5, 100.0, 0.0, -1.0, -2.5, -15.5, 1e6],
                     dtype=dtype)
    check_traced(torch.special.zeta, s, q)
    check_traced(lambda v: (torch.special.zeta(v, 2.0), torch.special.zeta(3.0, v)),
                 torch.tensor([1.5, 2.0, 0.25, 5.0, -3.5], dtype=dtype))


def test_half_inputs_compute_in_float32():
    grid = torch.linspace(-0.999, 0.999, 201).half()
    check_traced(lambda v: (torch.erfinv(v), torch.polygamma(1, v + 2), torch.lgamma(v * 9)), grid)
    check_traced(torch.erfinv, grid.bfloat16())


def test_integer_and_broadcast_inputs():
    n = torch.tensor([[-3, 0, 2], [5, 1, 7]])
    check_traced(lambda v: (torch.lgamma(v), torch.digamma(v), torch.i0(v), torch.special.i1e(v),
                            torch.special.ndtr(v), torch.special.entr(v)), n)
    x = torch.tensor([0.0, -0.0, 1.0, -1.0, 2.5, float("inf"), float("nan"), -0.5])
    y = torch.tensor([[0.0], [-1.0], [float("nan")], [3.0], [float("inf")]])
    check_traced(torch.special.xlog1py, x, y)
    check_traced(torch.special.xlog1py, x.double(), y)


def test_aliases_and_multigammaln():
    """torch.special's aliases (gammaln, psi, softmax, log_softmax, ...) are
    recorded as their canonical aten ops."""
    x = torch.rand(4, 6) * 5 + 2.0
    check_traced(lambda v: (torch.special.gammaln(v), torch.special.psi(v),
                            torch.special.softmax(v, 1), torch.special.log_softmax(v, 0),
                            torch.special.multigammaln(v, 3), torch.mvlgamma(v.double(), 1),
                            torch.special.erfinv(v / 8), torch.special.i0(v)), x)


class _Xlog1pyScalars(torch.nn.Module):
    def forward(self, v):
        return torch.special.xlog1py(v, 2.0), torch.special.xlog1py(0.0, v), \
            torch.special.xlog1py(3, v)


def test_xlog1py_scalar_overloads():
    x = torch.tensor([0.0, -0.0, 1.0, -1.0, 2.5, float("inf"), float("nan"), -0.5, -2.0])
    check_against_eager(torch.jit.script(_Xlog1pyScalars()), [x], equal_nan=True)
    check_against_eager(torch.jit.script(_Xlog1pyScalars()), [x.double()], equal_nan=True)


def test_dynamic_batch_scripted():
    class M(torch.nn.Module):
        def forward(self, x):
            return torch.lgamma(x), torch.special.ndtri(x.sigmoid()), torch.special.i1(x)
    specs = [tsmlir.TensorSpec((-1, 3))]
    check_against_eager(torch.jit.script(M()), [torch.randn(2, 3)], input_specs=specs,
                        runs=[[torch.randn(7, 3) * 5]])


def test_multigammaln_below_its_domain():
    """PyTorch no longer checks x > (p - 1) / 2: lgamma's values there."""
    check_traced(lambda v: torch.mvlgamma(v, 3), torch.tensor([4.0, 0.9, 3.0, -0.5, 1.0]))


class _PolygammaNegative(torch.nn.Module):
    def forward(self, x):
        return torch.polygamma(-1, x)


class _MultigammalnP0(torch.nn.Module):
    def forward(self, x):
        return torch.mvlgamma(x, 0)


@pytest.mark.parametrize("module, message, eager_raises", [
    (_PolygammaNegative, "does not support negative n", True),
    (_MultigammalnP0, "p has to be greater than or equal to 1", True),
])
def test_bad_arguments(module, message, eager_raises):
    x = torch.rand(3) + 2
    if eager_raises:
        with pytest.raises(RuntimeError):
            module()(x)
    with pytest.raises(tsmlir.TsmlirError, match=message) as info:
        tsmlir.compile_module(torch.jit.script(module()), [x])
    assert "test_special_functions.py" in str(info.value)
