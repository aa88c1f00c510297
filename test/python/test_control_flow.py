"""Control flow and run-time scalars against eager: data-dependent if, while
loops with a data-dependent exit, counted loops, early return / break /
continue, loop-carried tensors whose shape changes, scalar arithmetic."""
from typing import List

import pytest
import torch

import tsmlir
from conftest import check_against_eager
from tsmlir import TensorSpec


class DataIf(torch.nn.Module):
    def forward(self, x):
        n = x.size(0)
        if float(x.sum()) > 0.0:
            y = x * (n * 2 + 1)
        else:
            y = x - float(x.sum()) / 3.0
        return y


def test_data_dependent_if():
    x = torch.randn(5, 4)
    check_against_eager(DataIf(), [x], input_specs=[TensorSpec((-1, 4))],
                        runs=[(-x.abs(),), (x.abs()[:2],), (-x[:1].abs(),)])


class NestedIf(torch.nn.Module):
    def forward(self, x):
        s = float(x.sum())
        if s > 0.0:
            if s > 10.0:
                y = x * 10.0
            else:
                y = torch.cat([x, x], 0)
        else:
            y = x - 1.0
        return y


def test_nested_if_with_differing_shapes():
    x = torch.rand(3, 2)
    check_against_eager(NestedIf(), [x], runs=[(x * 10,), (-x,)])


class Halve(torch.nn.Module):
    def forward(self, x):
        while float((x * x).sum()) > 1.0:
            x = x / 2
        return x


def test_while_halving_until_small():
    x = torch.randn(7) * 10
    check_against_eager(Halve(), [x], input_specs=[TensorSpec((-1,))],
                        runs=[(torch.randn(3) * 100,), (torch.full((4,), 0.1),)])


class EarlyReturn(torch.nn.Module):
    def forward(self, x):
        for i in range(10):
            if float(x.sum()) > 5.0:
                return x * i
            x = x + 1
        return x


def test_early_return_inside_loop():
    check_against_eager(EarlyReturn(), [torch.zeros(3)], runs=[(torch.full((3,), -100.0),),
                                                               (torch.full((3,), 3.0),)])


class BreakContinue(torch.nn.Module):
    def forward(self, x):
        acc = x
        for i in range(x.size(0)):
            if i == 1:
                continue
            if float(acc.sum()) > 40.0:
                break
            acc = acc + x[i]
        return acc


def test_break_continue_dynamic_trip_count():
    x = torch.arange(12.0).view(6, 2)
    check_against_eager(BreakContinue(), [x], input_specs=[TensorSpec((-1, 2))],
                        runs=[(x[:2],), (x[:1],), (-x,)])


class Grow(torch.nn.Module):
    def forward(self, x):
        for _ in range(3):
            x = torch.cat([x, x * 2.0], 0)
        return x


def test_loop_carried_tensor_changes_shape():
    check_against_eager(Grow(), [torch.randn(2, 3)])


class ScalarLoop(torch.nn.Module):
    def forward(self, x):
        total = 0
        k = 1.5
        for i in range(x.size(0)):
            total += i * i // 2 % 5
            k = k * 0.5 + float(i)
        return x * total + k


def test_scalar_arithmetic_in_loop():
    x = torch.randn(6)
    check_against_eager(ScalarLoop(), [x], input_specs=[TensorSpec((-1,))], runs=[(x[:1],),
                                                                                 (torch.randn(11),)])


class SeedRNN(torch.nn.Module):
    """The seed example: outputs appended in a loop over x.size(0), stacked."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.W_h = torch.nn.Parameter(torch.randn(8, 8) * 0.3)
        self.W_x = torch.nn.Parameter(torch.randn(5, 8) * 0.3)
        self.W_y = torch.nn.Parameter(torch.randn(8, 4) * 0.3)
        self.b_y = torch.nn.Parameter(torch.randn(4))

    def forward(self, x, h):
        y: List[torch.Tensor] = []
        for t in range(x.size(0)):
            h = torch.tanh(x[t] @ self.W_x + h @ self.W_h)
            y += [torch.tanh(h @ self.W_y + self.b_y)]
        return torch.stack(y), h


def test_seed_rnn_one_artifact_for_every_sequence_length():
    m = SeedRNN().eval()
    h = torch.randn(3, 8)
    compiled = tsmlir.compile_module(m, input_specs=[TensorSpec((-1, 3, 5)), TensorSpec((3, 8))])
    for n in (1, 2, 7, 20):
        x = torch.randn(n, 3, 5)
        with torch.no_grad():
            expected = m(x, h)
        got = compiled(x, h)
        torch.testing.assert_close(got[0], expected[0], rtol=1e-4, atol=1e-5)
        torch.testing.assert_close(got[1], expected[1], rtol=1e-4, atol=1e-5)


class StackStatic(torch.nn.Module):
    def forward(self, x):
        y: List[torch.Tensor] = []
        for i in range(4):
            y += [x * float(i)]
        return torch.stack(y, 1) * len(y)


def test_stack_along_dim1_of_a_counted_loop():
    x = torch.randn(2, 3)
    check_against_eager(StackStatic(), [x])


class AppendOutside(torch.nn.Module):
    def forward(self, x):
        y = []
        for i in range(x.size(0)):
            y.append(x[i])
        return torch.stack(y)


def test_append_to_an_outer_list_in_a_counted_loop():
    check_against_eager(AppendOutside(), [torch.randn(4, 3)], input_specs=[TensorSpec((-1, 3))],
                        runs=[(torch.randn(1, 3),)])


class HalveBelow(torch.nn.Module):
    """The issue's loop: halve until the norm is below a run-time threshold."""

    def forward(self, x, threshold: float):
        steps = 0
        while bool((x * x).sum().sqrt() > threshold):
            x = x / 2
            steps += 1
        return x, steps


def test_while_halving_until_norm_below_threshold():
    x = torch.randn(6) * 10
    compiled = tsmlir.compile_module(HalveBelow(), [TensorSpec((-1,)), 1.0])
    for args in [(x, 1.0), (x[:2], 0.01), (torch.zeros(3), 0.5), (x * 100, 3)]:
        got, expected = compiled(*args), HalveBelow()(*args)
        torch.testing.assert_close(got[0], expected[0])
        assert got[1] == expected[1] and type(got[1]) is int


class RowsOut(torch.nn.Module):
    def forward(self, x):
        ys: List[torch.Tensor] = []
        for i in range(3):
            ys.append(x * i)
        return ys


def test_list_built_in_a_loop_is_returned_as_a_list():
    check_against_eager(RowsOut(), [torch.randn(2, 3)])


class CarriedLists(torch.nn.Module):
    def forward(self, x):
        state = [x, x * 0]
        stats = [0, 0]
        while float(state[0].sum()) > 1.0:
            state = [state[0] / 2, state[1] + 1]
            stats = [stats[0] + 1, stats[1] + 2]
        return state, stats


def test_lists_of_fixed_length_carried_by_a_while_loop():
    check_scalars = tsmlir.compile_module(CarriedLists(), input_specs=[TensorSpec((-1,))])
    for x in (torch.full((3,), 5.0), torch.zeros(2)):
        got, expected = check_scalars(x), CarriedLists()(x)
        for g, e in zip(got[0], expected[0]):
            torch.testing.assert_close(g, e)
        assert got[1] == expected[1]


class GrowsInWhile(torch.nn.Module):
    def forward(self, x):
        ys = [x]
        while float(x.sum()) > 1.0:
            x = x / 2
            ys = ys + [x]
        return ys


def test_list_growing_in_a_while_loop_is_reported():
    with pytest.raises(tsmlir.TorchScriptImportError, match=r"a list of 1 item\(s\) and a list "
                                                            r"of 2 item\(s\)"):
        tsmlir.compile_module(GrowsInWhile(), [torch.ones(3)])
