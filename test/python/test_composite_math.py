"""Elementwise functions built from several tsm ops, and the distances,
against eager: ordinary values, the special ones (0, -0.0, +-inf, NaN, the
edges of each domain), broadcasting and integer inputs."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from conftest import check_traced


SPECIAL = torch.tensor([0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.5, -3.75, 1e-8, -1e-8, 30.0, -30.0,
                        1e30, -1e30, float("inf"), float("-inf"), float("nan")])
UNIT = torch.tensor([0.0, -0.0, 0.5, -0.5, 0.999, -0.999, 1.0, -1.0, 1.5, float("nan")])

UNARY = {
    "absolute": torch.absolute, "asinh": torch.asinh, "acosh": torch.acosh,
    "deg2rad": torch.deg2rad, "rad2deg": torch.rad2deg, "erfc": torch.erfc, "frac": torch.frac,
    "celu": lambda x: F.celu(x, 0.7), "hardshrink": lambda x: F.hardshrink(x, 0.6),
    "softshrink": F.softshrink, "tanhshrink": F.tanhshrink, "softsign": F.softsign,
    "logsigmoid": F.logsigmoid, "threshold": lambda x: F.threshold(x, 0.4, -2.0),
    "isfinite": torch.isfinite, "isposinf": torch.isposinf, "isneginf": torch.isneginf,
    "signbit": torch.signbit, "sinc": torch.sinc, "clip": lambda x: torch.clip(x, -1.0, 2.0),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary(name):
    check_traced(UNARY[name], SPECIAL.clone())


@pytest.mark.parametrize("name", ["atanh", "logit"])
def test_unit_interval(name):
    fn = {"atanh": torch.atanh, "logit": lambda x: torch.logit(x * 0.5 + 0.5, eps=1e-3)}[name]
    check_traced(fn, UNIT.clone())
    if name == "logit":
        check_traced(torch.logit, UNIT.abs().clone())


BINARY = {
    "hypot": torch.hypot, "copysign": torch.copysign, "logaddexp": torch.logaddexp,
    "logaddexp2": torch.logaddexp2, "xlogy": torch.xlogy, "fmax": torch.fmax, "fmin": torch.fmin,
    "heaviside": torch.heaviside, "float_power": torch.float_power,
}


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary(name):
    a = SPECIAL.clone()
    b = SPECIAL.flip(0).clone()
    if name == "float_power":
        a = a.abs()
    check_traced(BINARY[name], a, b)
    check_traced(BINARY[name], torch.randn(3, 1), torch.randn(4))  # broadcast


def test_integer_inputs():
    x = torch.tensor([[-3, 0, 2], [5, -1, 7]])
    check_traced(lambda v: (torch.isfinite(v), torch.isposinf(v), torch.signbit(v), torch.sinc(v),
                       torch.asinh(v), torch.fmax(v, v.flip(1))), x)


def test_distances():
    a, b = torch.randn(4, 30, 6), torch.randn(4, 27, 6)
    a5, b5, b7 = a[:, :5].contiguous(), b[:, :5].contiguous(), b[:, :7].contiguous()
    check_traced(lambda x, y: torch.cdist(x, y), a, b, rtol=1e-4, atol=1e-4)  # matmul form
    check_traced(lambda x, y: torch.cdist(x, y), a5, b7)           # difference form
    check_traced(lambda x, y: torch.cdist(x, y, p=1.0), a5, b7)
    check_traced(lambda x, y: torch.cdist(x, y, p=float("inf")), a[0], b[0])
    check_traced(lambda x, y: (F.cosine_similarity(x, y, dim=-1), F.pairwise_distance(x, y),
                          torch.dist(x, y, 3.0)), a5, b5)
    check_traced(lambda x, y: F.cosine_similarity(x, y), torch.randn(3, 8, 2), torch.randn(1, 8, 2))
