"""Module state a call changes for the next one (a counter, a running
average buffer): kept by the compiled module with freeze=False, refused with
freeze=True (which folds it into the code); in-place chains."""
from __future__ import annotations

import pytest
import torch
import torch.nn as nn

import tsmlir


class Counter(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("n", torch.zeros(1))

    def forward(self, x):
        self.n += 1
        return x * self.n


class Reassigned(Counter):
    def forward(self, x):
        self.n = self.n + 1
        return x * self.n


class RunningMean(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("avg", torch.zeros(3))

    def forward(self, x):
        self.avg.mul_(0.9).add_(x, alpha=0.1)  # in-place ops chained on the buffer
        return self.avg.clone()


@pytest.mark.parametrize("cls", [Counter, Reassigned, RunningMean])
def test_state_is_kept_between_calls(cls):
    eager, compiled_from = cls(), cls()
    compiled = tsmlir.compile_module(compiled_from, [torch.randn(3)], freeze=False)
    for _ in range(4):
        x = torch.randn(3)
        torch.testing.assert_close(compiled(x), eager(x))
    for k, v in eager.state_dict().items():
        torch.testing.assert_close(compiled.state_dict()[k], v)
    assert all(v.abs().sum() == 0 for v in compiled_from.state_dict().values())  # a copy


@pytest.mark.parametrize("cls, line", [(Counter, "self.n += 1"), (Reassigned, "self.n + 1"),
                                       (RunningMean, "self.avg.mul_")])
def test_frozen_state_is_refused_at_the_line(cls, line):
    with pytest.raises(tsmlir.TorchScriptImportError, match="compile with freeze=False") as e:
        tsmlir.compile_module(cls(), [torch.randn(3)])
    assert line in str(e.value)


class Scratch(nn.Module):
    """An attribute written before it is read: no state between calls."""

    def __init__(self):
        super().__init__()
        self.register_buffer("last", torch.zeros(3))

    def forward(self, x):
        self.last = x * 2
        return self.last + 1


def test_written_before_read_is_no_state():
    compiled = tsmlir.compile_module(Scratch(), [torch.randn(3)])
    x = torch.randn(3)
    torch.testing.assert_close(compiled(x), x * 2 + 1)


class GrowingCache(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("cache", torch.zeros(0, 4))

    def forward(self, x):
        self.cache = torch.cat([self.cache, x])
        return self.cache.sum(0)


class Steps(nn.Module):
    def __init__(self):
        super().__init__()
        self.steps = 0

    def forward(self, x):
        self.steps += 1
        return x * self.steps


def test_unsupported_state_is_refused():
    with pytest.raises(tsmlir.TorchScriptImportError, match="another shape or dtype"):
        tsmlir.compile_module(GrowingCache(), [torch.randn(1, 4)], freeze=False)
    with pytest.raises(tsmlir.TorchScriptImportError, match="only parameters and buffers"):
        tsmlir.compile_module(Steps(), [torch.randn(3)], freeze=False)


class Chained(nn.Module):
    def forward(self, x, y):
        z = x.clone()
        z.mul_(0.9).add_(y, alpha=0.1).clamp_(max=0.5)
        w = x.clone()
        v = w.mul_(2)
        v[0] = 7.0
        x.mul_(3).sub_(1)  # the caller's tensor, through the chain
        return z, w, v


def test_in_place_chains():
    x, y = torch.randn(4), torch.randn(4)
    compiled = tsmlir.compile_module(Chained(), [x, y])
    xc, xe = x.clone(), x.clone()
    got, want = compiled(xc, y), Chained()(xe, y)
    for g, w in zip(got, want):
        torch.testing.assert_close(g, w)
    torch.testing.assert_close(xc, xe)
