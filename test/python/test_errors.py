"""Error paths: bad inputs at call time, unsupported programs at compile time.
Every one must raise a tsmlir exception with a clear message, never crash."""
import pytest
import torch

import tsmlir
from tsmlir import TensorSpec


class AddOne(torch.nn.Module):
    def forward(self, x):
        return x + 1.0


@pytest.fixture(scope="module")
def compiled():
    return tsmlir.compile_module(AddOne(), input_specs=[TensorSpec((-1, 4))])


@pytest.mark.parametrize("args, message", [
    ((), r"takes 1 argument\(s\), got 0"),
    ((torch.zeros(2, 4), torch.zeros(2, 4)), r"takes 1 argument\(s\), got 2"),
    (([1.0, 2.0],), "expected a torch.Tensor, got list"),
    ((torch.zeros(2, 4, dtype=torch.float64),), "expected dtype torch.float32, got torch.float64"),
    ((torch.zeros(4),), r"expected rank 2"),
    ((torch.zeros(2, 5),), r"dim 1 must be 4"),
    ((torch.zeros(4, 2).t(),), "expected a contiguous tensor"),
])
def test_bad_call_arguments(compiled, args, message):
    with pytest.raises(tsmlir.InputError, match=message):
        compiled(*args)
    x = torch.zeros(3, 4)
    torch.testing.assert_close(compiled(x), x + 1.0)  # still usable


def test_requires_grad_input_is_rejected(compiled):
    with pytest.raises(tsmlir.InputError, match="requiring grad"):
        compiled(torch.zeros(2, 4, requires_grad=True))
    with torch.no_grad():
        compiled(torch.zeros(2, 4, requires_grad=True))


def test_every_unsupported_op_is_listed_with_its_line():
    class Unsupported(torch.nn.Module):
        def forward(self, x):
            y = torch.fft.fft(x).abs()  # line A
            z = torch.special.bessel_y0(x)  # line B
            return torch.fft.fft(y + z).abs()  # line C

    with pytest.raises(tsmlir.UnsupportedOpError) as info:
        tsmlir.compile_module(Unsupported(), [torch.zeros(2, 2)])
    err = info.value
    kinds = [k for k, _ in err.unsupported]
    assert sorted(kinds) == ["aten::fft_fft", "aten::fft_fft", "aten::special_bessel_y0"]
    lines = {loc.line for _, loc in err.unsupported}
    assert len(lines) == 3 and all(loc.file == __file__ for _, loc in err.unsupported)
    text = str(err)
    assert "3 unsupported operator use(s)" in text and "test_errors.py" in text
    assert "y = torch.fft.fft(x).abs()  # line A" in text  # the source line is shown


def test_specs_are_validated():
    with pytest.raises(tsmlir.TsmlirError, match="unknown rank"):
        TensorSpec(None)
    with pytest.raises(tsmlir.TsmlirError, match="sizes must be >= 0"):
        TensorSpec((-2, 3))
    with pytest.raises(tsmlir.TsmlirError, match="dtype"):
        TensorSpec((2,), torch.complex64)
    with pytest.raises(tsmlir.TsmlirError, match="exactly one of"):
        tsmlir.compile_module(AddOne())
    with pytest.raises(tsmlir.TsmlirError, match=r"takes 1 argument\(s\) but 2 were given"):
        tsmlir.compile_module(AddOne(), [torch.zeros(1), torch.zeros(1)])


def test_unknown_option():
    with pytest.raises(tsmlir.TsmlirError, match="unknown compile option 'bogus'"):
        tsmlir.compile_module(AddOne(), [torch.zeros(1)], bogus=1)


def test_saved_archive_round_trip(tmp_path):
    path = tmp_path / "m.pt"
    torch.jit.script(AddOne()).save(str(path))
    compiled = tsmlir.load(path, [torch.zeros(3)])
    torch.testing.assert_close(compiled(torch.ones(3)), torch.full((3,), 2.0))
    with pytest.raises(tsmlir.TsmlirError, match="cannot load TorchScript archive"):
        tsmlir.load(tmp_path / "missing.pt", [torch.zeros(3)])


def test_stage_dumps(tmp_path):
    tsmlir.compile_module(AddOne(), [torch.zeros(3)], dump_dir=str(tmp_path))
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["0-tsm.mlir", "1-tsm-to-linalg.mlir", "2-tsm-linalg-to-loops.mlir",
                     "3-tsm-loops-to-llvm.mlir"]
    assert '"tsm.add"' in (tmp_path / "0-tsm.mlir").read_text()
    assert "llvm.func @forward" in (tmp_path / "3-tsm-loops-to-llvm.mlir").read_text()


def test_scalar_and_example_specs_are_validated():
    with pytest.raises(tsmlir.TsmlirError, match="must be int, float or bool"):
        tsmlir.ScalarSpec(str)
    with pytest.raises(tsmlir.TsmlirError, match="example input 0 is a object"):
        tsmlir.compile_module(AddOne(), [object()])
    with pytest.raises(tsmlir.TsmlirError, match="input spec .*expected a TensorSpec"):
        tsmlir.compile_module(AddOne(), input_specs=[object()])
    with pytest.raises(tsmlir.TorchScriptImportError, match=r"missing 'x'"):
        tsmlir.compile_module(AddOne(), [])


class ReturnsNumber(torch.nn.Module):
    def forward(self, x):
        return x + 1.0, 3


def test_aot_refuses_results_only_the_jit_rebuilds(tmp_path):
    from tsmlir.runtime.aot import AotError, EntryPoint, compile_aot
    torch.jit.script(ReturnsNumber()).save(str(tmp_path / "m.pt"))
    with pytest.raises(AotError, match="only tensors .* can be returned"):
        compile_aot(str(tmp_path / "m.pt"), [EntryPoint("forward", [TensorSpec((2,))])],
                    str(tmp_path / "out"))
