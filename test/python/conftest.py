"""Shared helpers: compile a module with tsmlir and compare with eager PyTorch."""
from __future__ import annotations

import importlib.util
import os

import pytest
import torch

import tsmlir

# Tolerances per dtype (compiled vs eager).
# f16/bf16 compute in f32 and round once per op (as PyTorch's CPU kernels
# do): about two units in the last place.
TOLERANCES = {torch.float32: dict(rtol=1e-4, atol=1e-5), torch.float64: dict(rtol=1e-7, atol=1e-9),
              torch.float16: dict(rtol=2e-3, atol=1e-3), torch.bfloat16: dict(rtol=1.6e-2, atol=1e-2)}


def check_against_eager(module, inputs, *, input_specs=None, runs=None, threads=None, **tol):
    """Compile `module` (with example `inputs` or `input_specs`; on
    `threads` threads when given), run it on `inputs` (None with specs: no
    example) and on each tuple in `runs`, and assert it matches eager."""
    module = module.eval() if isinstance(module, torch.nn.Module) else module
    options = {} if threads is None else {"threads": threads}
    if input_specs is None:
        compiled = tsmlir.compile_module(module, inputs, **options)
    else:
        compiled = tsmlir.compile_module(module, input_specs=input_specs, **options)
    for args in ([] if inputs is None else [inputs]) + list(runs or []):
        with torch.no_grad():
            expected = module(*args)
            got = compiled(*args)
        _assert_close(got, expected, **tol)
    return compiled


def eager_with_float64_specials(module, x):
    """Eager's results for `x`, except where the input or eager's result is
    inf or NaN: there eager's float64 result (cast back).  Eager's float32
    gelu(inf) is inf with its AVX2 kernels and NaN with its AVX-512 ones,
    and gelu(3.4e38) overflows to inf in the latter (torch 2.13); specials
    are checked against the host-independent truth."""
    with torch.no_grad():
        want, want64 = module(x), module(x.double())

    def fixed(w, w64):
        return torch.where(~x.isfinite() | ~w.isfinite(), w64.to(w.dtype), w)
    if isinstance(want, (tuple, list)):
        return type(want)(fixed(w, w64) for w, w64 in zip(want, want64))
    return fixed(want, want64)


def _assert_close(got, expected, **tol):
    if isinstance(expected, (tuple, list)):
        assert isinstance(got, (tuple, list)) and len(got) == len(expected)
        for g, e in zip(got, expected):
            _assert_close(g, e, **tol)
        return
    kw = dict(TOLERANCES.get(expected.dtype, {}))
    kw.update(tol)
    torch.testing.assert_close(got, expected, **kw)


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


class Fn(torch.nn.Module):
    """A module whose forward is `fn` (for tracing torch functions)."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, *xs):
        return self.fn(*xs)


def check_traced(fn, *inputs, **tol):
    """Trace `fn(*inputs)` (a lambda over torch functions) into a module,
    compile it and assert it matches eager (NaNs compare equal)."""
    module = torch.jit.trace(Fn(fn), inputs)
    return check_against_eager(module, list(inputs), equal_nan=True, **tol)


def load_bench(name: str):
    """bench/<name>.py as a module (aot_bench's AotModel runs a library
    built ahead of time through ctypes; run's run_model times the peers)."""
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    spec = importlib.util.spec_from_file_location(f"bench_{name}",
                                                  os.path.join(repo, "bench", f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(params=[False, True], ids=["avx2", "avx512"])
def avx512(request, monkeypatch):
    """Both register tiles, whatever the host (the 8 x 32 tile is the same
    code with other sizes; LLVM splits its vectors where AVX-512 is
    missing)."""
    from tsmlir.lowering import target
    monkeypatch.setattr(target, "_host_has_avx512", lambda: request.param)
    return request.param
