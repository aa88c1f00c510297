"""The TorchScript language against eager: scalar arguments and results,
Optional arguments, NamedTuples and TorchScript classes, compile-time
containers (lists of numbers, lists of tuples, dicts with str keys), module
attributes, loops unrolled over compile-time lists, outputs that are inputs."""
from typing import Dict, List, NamedTuple, Optional, Tuple

import pytest
import torch

import tsmlir
from tsmlir import ScalarSpec, Static, TensorSpec


def assert_same(got, expected):
    """Compiled vs eager: same structure and Python types; tensors close,
    ints/bools exact."""
    assert type(got) is type(expected), (type(got), type(expected))
    if isinstance(expected, (tuple, list)):
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            assert_same(g, e)
    elif isinstance(expected, torch.Tensor):
        torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-6)
    elif isinstance(expected, float):
        assert got == pytest.approx(expected, rel=1e-9, abs=1e-12)
    else:
        assert got == expected


def check(module, examples, runs=(), **kwargs):
    module = module.eval()
    compiled = tsmlir.compile_module(module, examples, **kwargs)
    scripted = torch.jit.script(module)
    specs = (TensorSpec, ScalarSpec, Static)
    for args in ([] if any(isinstance(a, specs) for a in examples) else [examples]) + list(runs):
        args = [a.value if isinstance(a, Static) else a for a in args]
        with torch.no_grad():
            assert_same(compiled(*args), module(*args))
            assert_same(compiled(*args), scripted(*args))
    return compiled


# -- scalars as arguments and results ---------------------------------------------
class ScalarArgs(torch.nn.Module):
    def forward(self, x, n: int, alpha: float, flag: bool):
        y = x * alpha + n
        if flag:
            y = y - 1.0
        return y, n * 2 + 1, alpha / 2.0, not flag, float(y.sum()) > 0.0


def test_scalar_arguments_and_results():
    x = torch.randn(2, 3)
    compiled = check(ScalarArgs(), [x, 3, 0.5, True],
                     runs=[(x, -7, 2.0, False), (-x * 5, 0, -1.25, True)])
    assert compiled.input_specs[1:] == [ScalarSpec(int), ScalarSpec(float), ScalarSpec(bool)]


def test_scalar_specs_and_int_example_for_a_float_argument():
    x = torch.randn(4)
    compiled = check(ScalarArgs(), [TensorSpec((-1,)), ScalarSpec(int), 2, ScalarSpec(bool)],
                     runs=[(x, 1, 2.5, True), (x[:1], 5, 3, False)])
    assert compiled.input_specs[2] == ScalarSpec(float)


class ScalarOnly(torch.nn.Module):
    def forward(self, a: int, b: int):
        return a // b, a % b, max(a, b), a == b


def test_scalar_only_program():
    check(ScalarOnly(), [7, 2], runs=[(-7, 2), (7, -3), (4, 4)])


class Returned(torch.nn.Module):
    def forward(self, x, k: int):
        return x, k, 3, None, x.view(-1), x.clone(), (x, x)


def test_output_is_input_and_literal_results():
    """Results that are (views of) inputs come back as copies, consistently:
    never a buffer the caller can still write through."""
    x = torch.randn(3, 2)
    compiled = check(Returned(), [x, 2])
    y, k, three, none, flat, cloned, (a, b) = compiled(x, 5)
    assert (k, three, none) == (5, 3, None)
    before = [t.clone() for t in (y, flat, cloned, a, b)]
    x.add_(1.0)  # writing the input changes no result
    for t, t0 in zip((y, flat, cloned, a, b), before):
        assert t.data_ptr() != x.data_ptr()
        torch.testing.assert_close(t, t0)


def test_static_argument_is_folded_and_checked():
    x = torch.randn(2, 3)
    compiled = check(ScalarArgs(), [x, Static(4), 0.5, Static(False)])
    assert compiled.input_specs[1] == Static(4)
    with pytest.raises(tsmlir.InputError, match=r"argument 1: compiled for Static\(4\), got 5"):
        compiled(x, 5, 0.5, False)


@pytest.mark.parametrize("args, message", [
    ((torch.zeros(2, 3), 1.5, 0.5, True), "argument 1: expected a Python int, got float"),
    ((torch.zeros(2, 3), True, 0.5, True), "argument 1: expected a Python int, got bool"),
    ((torch.zeros(2, 3), 1, "a", True), "argument 2: expected a Python float, got str"),
    ((torch.zeros(2, 3), 1, 0.5, 1), "argument 3: expected a Python bool, got int"),
    ((torch.zeros(2, 3), 1, 0.5), r"takes 4 argument\(s\), got 3"),
    ((1, 1, 0.5, True), "argument 0: expected a torch.Tensor, got int"),
])
def test_wrong_scalar_arguments_are_rejected(args, message):
    compiled = _scalar_args_compiled()
    with pytest.raises(tsmlir.InputError, match=message):
        compiled(*args)


_CACHE = {}


def _scalar_args_compiled():
    if "scalar" not in _CACHE:
        _CACHE["scalar"] = tsmlir.compile_module(ScalarArgs(), [torch.zeros(2, 3), 1, 0.5, True])
    return _CACHE["scalar"]


def test_specs_must_match_the_signature():
    with pytest.raises(tsmlir.TorchScriptImportError, match="argument 'n' .*cannot be given "
                                                            "TensorSpec"):
        tsmlir.compile_module(ScalarArgs(), [torch.zeros(2), torch.zeros(2), 0.5, True])
    with pytest.raises(tsmlir.TorchScriptImportError, match="argument 'x' .*not Optional"):
        tsmlir.compile_module(ScalarArgs(), [None, 1, 0.5, True])
