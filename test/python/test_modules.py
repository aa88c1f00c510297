"""Modules as programs against eager: submodules, `@torch.jit.export`
methods compiled next to forward (`methods=`), NamedTuple results, and
parameters kept as run-time inputs (`freeze=False`) swapped with
`load_state_dict` without recompiling."""
from typing import NamedTuple

import pytest
import torch

import tsmlir
from tsmlir import TensorSpec


class EncoderOutput(NamedTuple):
    hidden: torch.Tensor
    pooled: torch.Tensor
    steps: int


class Encoder(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = torch.nn.Linear(6, 8)
        self.blocks = torch.nn.Sequential(torch.nn.Linear(8, 8), torch.nn.ReLU(),
                                          torch.nn.Linear(8, 8))
        self.head = torch.nn.Linear(8, 3)
        self.register_buffer("shift", torch.linspace(-1.0, 1.0, 8))

    def forward(self, x) -> EncoderOutput:
        h = self.encode(x)
        return EncoderOutput(h, self.head(h.mean(0)), x.size(0))

    @torch.jit.export
    def encode(self, x):
        return self.blocks(torch.tanh(self.embed(x))) + self.shift

    @torch.jit.export
    def classify(self, h, temperature: float):
        return torch.softmax(self.head(h) / temperature, -1)


def _same(got, expected):
    assert type(got) is type(expected)
    if isinstance(expected, tuple):
        for g, e in zip(got, expected):
            _same(g, e)
    elif isinstance(expected, torch.Tensor):
        torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-5)
    else:
        assert got == expected


@pytest.fixture(scope="module")
def encoder():
    torch.manual_seed(0)
    return Encoder().eval()


def test_exported_methods_and_namedtuple_output(encoder):
    x, h = torch.randn(5, 6), torch.randn(2, 8)
    compiled = tsmlir.compile_module(encoder, input_specs=[TensorSpec((-1, 6))],
                                     methods={"encode": [x], "classify": [h, 2.0]})
    with torch.no_grad():
        for xs in (x, x[:2]):
            out = compiled(xs)
            assert isinstance(out, EncoderOutput)
            _same(out, encoder(xs))
        _same(compiled.encode(x), encoder.encode(x))
        _same(compiled.classify(h, 0.5), encoder.classify(h, 0.5))
    assert set(compiled.functions) == {"forward", "encode", "classify"}
    with pytest.raises(tsmlir.InputError, match=r"encode\(\) argument 0: dim 0 must be 5"):
        compiled.encode(x[:2])
    with pytest.raises(tsmlir.InputError, match=r"classify\(\) argument 1: expected a Python "
                                                r"float, got str"):
        compiled.classify(h, "hot")
    with pytest.raises(AttributeError, match="no compiled method 'decode'"):
        compiled.decode(x)


def test_only_the_listed_methods_are_compiled(encoder):
    compiled = tsmlir.compile_module(encoder, methods={"encode": [torch.zeros(1, 6)]})
    with pytest.raises(tsmlir.InputError, match="'forward' was not compiled"):
        compiled(torch.zeros(1, 6))
    with pytest.raises(tsmlir.TorchScriptImportError, match="no TorchScript method 'decode'"):
        tsmlir.compile_module(encoder, methods={"decode": [torch.zeros(1, 6)]})


def test_parameters_as_runtime_arguments(encoder):
    x = torch.randn(4, 6)
    compiled = tsmlir.compile_module(encoder, [x], freeze=False, methods={"encode": [x]})
    with torch.no_grad():
        _same(compiled(x), encoder(x))
        other = Encoder().eval()
        for p in other.parameters():
            p.data.normal_()
        other.shift.data.fill_(3.0)
        compiled.load_state_dict(other.state_dict())  # no recompilation
        _same(compiled(x), other(x))
        _same(compiled.encode(x), other.encode(x))
        # a partial update, e.g. one fine-tuned layer
        compiled.load_state_dict({"head.bias": torch.ones(3)}, strict=False)
        other.head.bias.data.fill_(1.0)
        _same(compiled(x), other(x))
    assert set(compiled.state_dict()) == set(encoder.state_dict())


@pytest.mark.parametrize("state, strict, message", [
    ({"head.bias": torch.ones(4)}, False, r"'head.bias' has shape \(4,\).*compiled for shape \(3,\)"),
    ({"head.bias": torch.ones(3, dtype=torch.float64)}, False, "dtype torch.float64"),
    ({"nope": torch.ones(3)}, False, "unexpected key"),
    ({"head.bias": torch.ones(3)}, True, "missing key"),
])
def test_bad_state_dicts_are_rejected(encoder, state, strict, message):
    compiled = _runtime_weights(encoder)
    with pytest.raises(tsmlir.InputError, match=message):
        compiled.load_state_dict(state, strict=strict)


def test_frozen_modules_refuse_new_weights(encoder):
    compiled = tsmlir.compile_module(encoder, methods={"encode": [torch.zeros(1, 6)]})
    with pytest.raises(tsmlir.InputError, match="freeze=False"):
        compiled.load_state_dict(encoder.state_dict())


_CACHE = {}


def _runtime_weights(encoder):
    if "rt" not in _CACHE:
        _CACHE["rt"] = tsmlir.compile_module(encoder, methods={"encode": [torch.zeros(1, 6)]},
                                             freeze=False)
    return _CACHE["rt"]


def test_saved_archive_with_methods_and_runtime_weights(encoder, tmp_path):
    path = tmp_path / "encoder.pt"
    torch.jit.script(encoder).save(str(path))
    x = torch.randn(3, 6)
    compiled = tsmlir.load(path, [x], methods={"encode": [x]}, freeze=False)
    with torch.no_grad():
        _same(compiled(x), encoder(x))
        _same(compiled.encode(x), encoder.encode(x))
        compiled.load_state_dict({"shift": torch.zeros(8)}, strict=False)
        torch.testing.assert_close(compiled.encode(x), encoder.encode(x) - encoder.shift)


def test_runtime_weights_of_a_small_cnn_with_batchnorm_buffers():
    torch.manual_seed(0)
    m = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.BatchNorm2d(4),
                            torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(4 * 6 * 6, 5),
                            torch.nn.LayerNorm(5)).eval()
    x = torch.randn(2, 3, 6, 6)
    compiled = tsmlir.compile_module(m, [x], freeze=False)
    with torch.no_grad():
        _same(compiled(x), m(x))
        for p in m.parameters():
            p.data.normal_()
        m[1].running_mean.data.normal_()
        m[1].running_var.data.uniform_(0.5, 2.0)
        compiled.load_state_dict(m.state_dict())
        _same(compiled(x), m(x))


@pytest.mark.parametrize("saved", [False, True])
def test_len_of_a_module_list(saved, tmp_path):
    """A loaded archive's ModuleList has no Python len(): its length comes
    from the compiled __len__ method (the bundled MLP iterates its layers
    and asks their number)."""
    from tsmlir.examples.models import MLP
    torch.manual_seed(0)
    m = MLP((5, 5, 5, 5)).eval()
    module = m
    if saved:
        path = tmp_path / "stack.pt"
        torch.jit.script(m).save(str(path))
        module = torch.jit.load(str(path))
    x = torch.randn(4, 5)
    with torch.no_grad():
        _same(tsmlir.compile_module(module, [x])(x), m(x))
