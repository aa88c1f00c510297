"""Lists built in a loop by appends inside an `if` (or after a `continue`):
at most one row per iteration, the loop carrying the rows and their count;
lists of numbers (`keep.append(i)`) as 0-d rows, read back by torch.tensor,
indexing, len and `+ [...]` after the loop.  Against eager: static and
dynamic sizes, while and for loops, growth past the first buffer, empty
results."""
from typing import List

import pytest
import torch

import tsmlir
from conftest import _assert_close
from tsmlir import TensorSpec


def check_against_eager(module, inputs, *, input_specs=None, runs=()):
    """conftest's check, with numbers among the results (len of a list)."""
    compiled = tsmlir.compile_module(module, inputs if input_specs is None else None,
                                     input_specs=input_specs)
    for args in [inputs, *runs]:
        got, expected = compiled(*args), module(*args)
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            if isinstance(e, torch.Tensor):
                _assert_close(g, e)
            else:
                assert type(g) is type(e) and g == e, (g, e)
    return compiled


class Halvings(torch.nn.Module):
    """A while loop keeping the steps whose first element is still > 1."""

    def forward(self, x):
        ys: List[torch.Tensor] = []
        while float(x.sum()) > 1.0:
            x = x / 2
            if float(x[0]) > 1.0:
                ys.append(x)
        return torch.stack(ys), len(ys)


def test_while_loop_conditional_append():
    """1e7 halves ~23 times: the buffer (16 rows at first) grows once."""
    x = torch.tensor([20.0, 3.0, 1.0])
    check_against_eager(torch.jit.script(Halvings()), [x],
                        runs=[(torch.tensor([1e7, 0.5, 0.25]),), (torch.tensor([5.0, 0.1, 0.1]),)])


class SignSplit(torch.nn.Module):
    """Both branches append (one row either way), then a continue skips rows;
    len() inside the loop counts the rows kept so far."""

    def forward(self, x):
        ys: List[torch.Tensor] = []
        for i in range(x.size(0)):
            if bool(x[i].sum() > 0):
                ys.append(x[i] * 2)
            else:
                ys.append(-x[i])
        zs: List[torch.Tensor] = []
        for i in range(x.size(0)):
            if bool(x[i, 0] > 0):
                continue
            zs.append(x[i] + len(zs))
        return torch.stack(ys), torch.stack(zs), len(zs)


@pytest.mark.parametrize("rows", [1, 7, 40])
def test_for_loop_conditional_and_continue(rows):
    x = torch.randn(rows, 3)
    x[0, 0] = -1.0  # at least one row kept by the continue loop
    check_against_eager(torch.jit.script(SignSplit()), [x])


def test_dynamic_rows():
    x = torch.randn(9, 3)
    x[0, 0] = -1.0
    y = torch.randn(30, 3)
    y[0, 0] = -1.0
    check_against_eager(torch.jit.script(SignSplit()), [x], input_specs=[TensorSpec((-1, 3))],
                        runs=[(y,)])


class NMS(torch.nn.Module):
    """Greedy non-maximum suppression written in TorchScript: box indices
    kept in a list of ints, in score order."""

    def forward(self, boxes, scores, threshold: float):
        order = scores.argsort(descending=True)
        keep: List[int] = []
        suppressed = torch.zeros(boxes.size(0), dtype=torch.bool)
        x1, y1, x2, y2 = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]
        area = (x2 - x1) * (y2 - y1)
        for j in range(order.size(0)):
            i = int(order[j])
            if bool(suppressed[i]):
                continue
            keep.append(i)
            w = (torch.minimum(x2[i], x2) - torch.maximum(x1[i], x1)).clamp(min=0)
            h = (torch.minimum(y2[i], y2) - torch.maximum(y1[i], y1)).clamp(min=0)
            inter = w * h
            suppressed = suppressed | (inter / (area[i] + area - inter) > threshold)
        first = keep[0] if len(keep) > 0 else -1
        return torch.tensor(keep + [-1]), first, len(keep)


def _boxes(n: int):
    corner = torch.rand(n, 2) * 10
    return torch.cat([corner, corner + torch.rand(n, 2) * 5 + 1], 1), torch.rand(n)


@pytest.mark.parametrize("n", [1, 30])
def test_nms_list_of_ints(n):
    boxes, scores = _boxes(n)
    compiled = check_against_eager(torch.jit.script(NMS()), [boxes, scores, 0.5],
                                   runs=[(boxes, scores, 0.1), (boxes, scores, 0.99)])
    kept, _, count = compiled(boxes, scores, 0.5)
    assert kept.dtype == torch.int64 and kept.shape == (count + 1,)


def test_nms_dynamic_box_count():
    boxes, scores = _boxes(12)
    more, more_scores = _boxes(50)
    check_against_eager(torch.jit.script(NMS()), [boxes, scores, 0.5],
                        input_specs=[TensorSpec((-1, 4)), TensorSpec((-1,)),
                                     tsmlir.ScalarSpec(float)],
                        runs=[(more, more_scores, 0.3)])


class Thresholds(torch.nn.Module):
    """Floats and bools appended under a condition; torch.tensor's dtypes."""

    def forward(self, x):
        big: List[float] = []
        flags: List[bool] = []
        for i in range(x.size(0)):
            v = float(x[i])
            if v > 0.0:
                big.append(v * 2.0)
                flags.append(v > 1.0)
        return torch.tensor(big), torch.tensor(flags), torch.tensor(big, dtype=torch.float64)


def test_lists_of_floats_and_bools():
    x = torch.randn(20)
    check_against_eager(torch.jit.script(Thresholds()), [x], runs=[(-x.abs() - 1,)])


class AppendsTwice(torch.nn.Module):
    def forward(self, x):
        ys: List[torch.Tensor] = []
        for i in range(x.size(0)):
            if bool(x[i] > 0):
                ys.append(x[i])
            if bool(x[i] > 1):
                ys.append(x[i] * 2)
        return torch.stack(ys)


class NestedLoops(torch.nn.Module):
    def forward(self, x):
        out: List[int] = []
        for i in range(x.size(0)):
            for j in range(x.size(1)):
                if bool(x[i, j] > 0):
                    out.append(j)
        return torch.tensor(out)


@pytest.mark.parametrize("module,message", [
    (AppendsTwice(), "at most one, inside an `if`"),
    (NestedLoops(), "after the loop that built it"),
], ids=["two-appends", "nested-loops"])
def test_unsupported_appends_are_errors(module, message):
    """(An append refused by the list itself carries no hint to make a number
    static; one refused by its `if` does, which the JIT tries: a static
    condition would fold the `if`.)"""
    with pytest.raises(tsmlir.TorchScriptImportError, match=message) as err:
        tsmlir.compile_module(torch.jit.script(module), [torch.randn(4, 3)])
    assert err.value.loc.file == __file__
    if isinstance(module, NestedLoops):  # refused by the list op, through two loops
        assert "tsmlir.Static" not in str(err.value)


class EvenSteps(torch.nn.Module):
    """A compile-time `if` in a compile-time loop: unrolled, not carried."""

    def forward(self, x):
        ys: List[torch.Tensor] = []
        sizes: List[int] = []
        for i in range(5):
            if i % 2 == 0:
                ys.append(x * i)
                sizes.append(i)
        return torch.stack(ys), torch.tensor(sizes)


def test_compile_time_conditions_keep_static_counts():
    from tsmlir.compiler import to_tsm
    x = torch.randn(3)
    module = torch.jit.script(EvenSteps())
    check_against_eager(module, [x])
    _, imported, _ = to_tsm(module, [TensorSpec((3,))])
    text = str(imported)
    assert "tensor<3x3xf32>" in text and "scf.for" not in text and "scf.while" not in text
