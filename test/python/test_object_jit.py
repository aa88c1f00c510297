"""runtime/object_jit.py: JIT code compiled in parallel pieces into a shared
library, against eager and against the ExecutionEngine's code: weights bound
at run time, the print and run-time error callbacks (through their slots),
the fast call's wrapper and adopted results, OpenMP loops, two libraries
loaded at once, the choice made by `pays` and the fall-back to the engine
when a tool is missing, and the library unloaded with its module."""
import gc
import os
import shutil

import pytest
import torch

import tsmlir
from conftest import _assert_close
from tsmlir.runtime import object_jit

pytestmark = pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler to link with")


def _compile(module, inputs=None, **kwargs):
    module = module.eval()
    if inputs is None:
        return tsmlir.compile_module(module, parallel_codegen=True, **kwargs)
    return tsmlir.compile_module(module, inputs, parallel_codegen=True, **kwargs)


class ConvNet(torch.nn.Module):
    """Weights over weights.MIN_BYTES (bound at run time), a bias, ReLU, pooling."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(8, 32, 3, padding=1)
        self.fc = torch.nn.Linear(32 * 8 * 8, 10)

    def forward(self, x):
        x = torch.max_pool2d(torch.relu(self.conv(x)), 2)
        return torch.softmax(self.fc(x.flatten(1)), dim=1)


@pytest.mark.parametrize("threads", [1, 2])
def test_weights_and_threads(threads):
    torch.manual_seed(0)
    m, x = ConvNet(), torch.randn(1, 8, 16, 16)
    compiled = _compile(m, [x], threads=threads)
    assert compiled.functions["forward"].codegen == "objects"
    assert compiled.functions["forward"]._weights.arrays  # some weights bound at run time
    with torch.no_grad():
        for _ in range(2):
            _assert_close(compiled(x), m(x))
            x = torch.randn_like(x)


def test_dynamic_batch_results_adopted():
    """Results of run-time size, small (copied) and over COPY_LIMIT (adopted)."""
    torch.manual_seed(0)
    m = torch.nn.Sequential(torch.nn.Conv2d(3, 64, 3, padding=1), torch.nn.ReLU())
    compiled = _compile(m, input_specs=[tsmlir.TensorSpec((-1, 3, 32, 32))])
    with torch.no_grad():
        for n in (1, 3, 0, 2):
            x = torch.randn(n, 3, 32, 32)
            _assert_close(compiled(x), m(x))


class Checked(torch.nn.Module):
    def forward(self, x, y):
        print("x sum", x.sum(), float(x.sum()), x.size(0), float(x.sum()) > 0.0)
        assert x.size(0) == y.size(0), "rows differ"
        return torch.relu(x) + y, x.sum().item()


def test_callbacks_through_slots(capsys):
    """print and a failing assert: the same output and error as the engine's
    code (the callbacks reach Python through the library's slots)."""
    specs = [tsmlir.TensorSpec((-1, 4)), tsmlir.TensorSpec((-1, 4))]
    by = {pc: tsmlir.compile_module(Checked(), input_specs=specs, parallel_codegen=pc)
          for pc in (True, False)}
    assert by[True].functions["forward"].codegen == "objects"
    assert by[False].functions["forward"].codegen == "engine"
    x, y = torch.randn(2, 4), torch.randn(2, 4)
    outputs, errors = {}, {}
    for pc, compiled in by.items():
        capsys.readouterr()
        got = compiled(x, y)
        outputs[pc] = capsys.readouterr().out
        assert torch.allclose(got[0], torch.relu(x) + y) and got[1] == pytest.approx(x.sum().item())
        with pytest.raises(tsmlir.TsmlirError) as info:
            compiled(x, torch.randn(3, 4))
        errors[pc] = (type(info.value), str(info.value))
    assert outputs[True] == outputs[False] and outputs[True].startswith("x sum ")
    assert errors[True] == errors[False] and "rows differ" in errors[True][1]


def test_two_libraries_at_once():
    """Two compiled modules (the same symbol names in each library) called
    in turn."""
    torch.manual_seed(0)
    a, b = ConvNet(), ConvNet()
    x = torch.randn(1, 8, 16, 16)
    ca, cb = _compile(a, [x]), _compile(b, [x])
    with torch.no_grad():
        for _ in range(2):
            _assert_close(ca(x), a(x))
            _assert_close(cb(x), b(x))


def _mapped_libraries() -> int:
    with open("/proc/self/maps") as f:
        return sum("tsmlir-jit-" in line for line in f)


@pytest.mark.skipif(not os.path.exists("/proc/self/maps"), reason="Linux only")
def test_library_unloaded_with_its_module():
    torch.manual_seed(0)
    m, x = ConvNet(), torch.randn(1, 8, 16, 16)
    gc.collect()  # (modules of earlier tests)
    before = _mapped_libraries()
    compiled = _compile(m, [x])
    compiled(x)
    assert _mapped_libraries() > before
    del compiled
    gc.collect()
    assert _mapped_libraries() == before


def test_chosen_by_size(monkeypatch):
    """Auto (None): small modules go to the engine; a module over
    MIN_IR_CHARS to the pieces on two or more CPUs, to the engine on one."""
    torch.manual_seed(0)
    m, x = ConvNet(), torch.randn(1, 8, 16, 16)
    small = tsmlir.compile_module(torch.nn.ReLU(), [torch.randn(4)])
    assert small.functions["forward"].codegen == "engine"
    monkeypatch.setattr(object_jit, "MIN_IR_CHARS", 1)
    monkeypatch.setattr(object_jit, "workers", lambda: 2)
    assert tsmlir.compile_module(m.eval(), [x]).functions["forward"].codegen == "objects"
    monkeypatch.setattr(object_jit, "workers", lambda: 1)
    assert tsmlir.compile_module(m.eval(), [x]).functions["forward"].codegen == "engine"


def _falls_back(m, x, match):
    """Auto falls back to the engine (and is right); parallel_codegen=True
    raises why it cannot."""
    compiled = tsmlir.compile_module(m.eval(), [x])
    assert compiled.functions["forward"].codegen == "engine"
    with torch.no_grad():
        _assert_close(compiled(x), m(x))
    with pytest.raises(object_jit.CodegenUnavailable, match=match):
        _compile(m, [x])


def test_falls_back_without_a_tool(monkeypatch):
    """No C compiler, or a tool that cannot run: the engine (`_falls_back`)."""
    torch.manual_seed(0)
    m, x = ConvNet(), torch.randn(1, 8, 16, 16)
    monkeypatch.setattr(object_jit, "MIN_IR_CHARS", 1)
    monkeypatch.setattr(object_jit, "workers", lambda: 2)
    real_which, real_tool = shutil.which, object_jit.llvm_tools.tool
    with monkeypatch.context() as patch:
        patch.setattr(object_jit.shutil, "which",
                      lambda name: None if name == "cc" else real_which(name))
        _falls_back(m, x, "C compiler")
    monkeypatch.setattr(object_jit.llvm_tools, "tool", lambda package, name: "/nonexistent/" + name
                        if name == "llvm-split" else real_tool(package, name))
    _falls_back(m, x, "cannot run")
