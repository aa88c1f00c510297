"""print / raise / assert in compiled code, compared with TorchScript.

TorchScript's `print` writes to Python's `sys.stdout`, and so do the JIT's
print callbacks: `capsys` captures both the same way.
"""
from __future__ import annotations

import ctypes
import inspect
import math
import warnings

import pytest
import torch

import tsmlir
from tsmlir.runtime.callbacks import format_float, format_tensor

DYN_ROWS = [tsmlir.TensorSpec((-1, 3), torch.float32)]


def _line_of(fn, text: str) -> int:
    lines, start = inspect.getsourcelines(fn)
    return start + next(i for i, s in enumerate(lines) if text in s)


def _outputs(capsys, fn, *args):
    capsys.readouterr()
    result = fn(*args)
    return result, capsys.readouterr().out


class Printer(torch.nn.Module):
    """Every kind of value a print writes, in a loop and a data-dependent branch."""

    def forward(self, x):
        h = x * 0.5  # exact: the same digits as eager whatever the summation order
        n = x.size(0)
        s = x.sum().item()
        for t in range(12):
            if t % 5 == 0 and n > 0:
                print("stats: ", h.mean(), h.var(), t)
        print("consts", 1, -2, 0.1, 1.0, -0.0, 2.5e-7, 1e20, True, None, [1, 2], (3, 0.5), (7,), "s")
        print("scalars", s, s > 0.0, n, x.shape, [n, 2], (s, n))
        print(f"step {n}: sum={s} ok={s > 1.0}")
        print("tensors", x, x.to(torch.float64) * 1e6, x.to(torch.int64), x > 0,
              x.reshape(-1, 1, 3), x[:0], (x * 1000.5).sum(0), torch.zeros(2, 2, 2))
        print()
        if s > 100.0:
            print("big", s)
        else:
            print("small", str(s), "{}|{}".format(n, "x"))
        return h


def test_print_matches_torchscript(capsys):
    scripted = torch.jit.script(Printer())
    compiled = tsmlir.compile_module(scripted, input_specs=DYN_ROWS)
    for x in [torch.tensor([[-2.0, -1, 0], [1, 2, 6]]) / 4, torch.full((1, 3), 50.0),
              torch.zeros(0, 3)]:
        expected, want = _outputs(capsys, scripted, x)
        got, text = _outputs(capsys, compiled, x)
        assert text == want
        torch.testing.assert_close(got, expected)


def _float_text(v: float) -> str:
    return str(v)


def test_float_format_matches_torchscript():
    to_text = torch.jit.script(_float_text)  # TorchScript's own float printing
    for v in [0.0, -0.0, 1.0, -2.0, 0.1, 1 / 3, 2.5, 1e10, 1e16, 1e17, 2.0 ** 62, 2.0 ** 63,
              -2.0 ** 63, 1e19, 1.5e-7, 5e-324, math.inf, -math.inf, math.nan, 123456789.125]:
        assert format_float(v) == to_text(v), v


class RaiseInBranch(torch.nn.Module):
    def forward(self, x):
        y = x * 2
        if x.sum() > 100:
            raise ValueError("too big")
        return y + 1


def test_raise_is_a_python_exception_at_the_users_line(capsys):
    compiled = tsmlir.compile_module(RaiseInBranch(), input_specs=DYN_ROWS)
    with pytest.raises(ValueError) as info:
        compiled(torch.full((2, 3), 50.0))
    e = info.value
    assert isinstance(e, tsmlir.RuntimeCheckError)
    assert e.message == "ValueError: too big"
    assert e.loc.file == __file__
    assert e.loc.line == _line_of(RaiseInBranch.forward, 'raise ValueError("too big")')
    assert 'raise ValueError("too big")' in str(e)
    # The module keeps working after an error.
    x = torch.ones(4, 3)
    torch.testing.assert_close(compiled(x), RaiseInBranch()(x))


class AssertInLoop(torch.nn.Module):
    """An assert that fires at a data-dependent iteration, after some prints."""

    def forward(self, x):
        h = x
        for t in range(6):
            h = h * 2
            print("step", t, h.sum())
            assert h.sum() < 100.0, "diverged"
        return h


def test_assert_in_a_loop_fires_at_that_iteration(capsys):
    scripted = torch.jit.script(AssertInLoop())
    compiled = tsmlir.compile_module(scripted, input_specs=DYN_ROWS)
    x = torch.ones(2, 3)  # sum 6 -> 12, 24, 48, 96, 192: fails at t == 4
    with pytest.raises(torch.jit.Error, match="AssertionError: diverged"):
        scripted(x)
    want = capsys.readouterr().out
    with pytest.raises(AssertionError) as info:
        compiled(x)
    assert capsys.readouterr().out == want
    assert want.count("step") == 5
    assert info.value.message == "AssertionError: diverged"
    assert info.value.loc.line == _line_of(AssertInLoop.forward, "assert h.sum()")
    # Not firing: the result of the whole loop, same as eager.
    small = torch.full((1, 3), 0.01)
    expected, want = _outputs(capsys, scripted, small)
    got, text = _outputs(capsys, compiled, small)
    assert text == want
    torch.testing.assert_close(got, expected)


class AlwaysRaises(torch.nn.Module):
    def forward(self, x):
        raise RuntimeError("not implemented")


def test_a_raise_reached_unconditionally_is_a_compile_error():
    with pytest.raises(tsmlir.TorchScriptImportError, match="always raises here: "
                       "RuntimeError: not implemented") as info:
        tsmlir.compile_module(AlwaysRaises(), [torch.ones(2)])
    assert info.value.loc.line == _line_of(AlwaysRaises.forward, "raise RuntimeError")


class PrintDict(torch.nn.Module):
    def forward(self, x):
        print({"a": 1})
        return x


class FormatTooFew(torch.nn.Module):
    def forward(self, x):
        template = "{} and {}"
        print(template.format(x.size(0)))
        return x


@pytest.mark.parametrize("module, message", [
    (PrintDict(), "cannot print a value of type dict"),
    (FormatTooFew(), "too few arguments for format string: {} and {}"),
])
def test_unsupported_prints_fail_at_the_users_line(module, message):
    with pytest.raises(tsmlir.TorchScriptImportError, match=message) as info:
        tsmlir.compile_module(module, [torch.ones(2)])
    assert info.value.loc.file == __file__


class AotPrinter(torch.nn.Module):
    """What the C print callbacks of an AOT library must write like ATen."""

    def forward(self, x):
        n = x.size(0)
        s = x.sum().item()
        for t in range(3):
            print("t", t, s * t, t > 1, (x * t).sum())
        print("layouts", x, x[0], x * 1e-3, x * 1e6, x.to(torch.int64) * 123456789,
              x.to(torch.float64) / 3, x > 2, x.reshape(2, 1, 3, 1), x[:, :0])
        print(x.reshape(1, 6).repeat(1, 8) / 3, f"{n} rows")
        print(x.to(torch.float16), x.to(torch.float64) * -3, x.to(torch.int32),
              x.to(torch.int16), x.to(torch.int8))
        warnings.warn(f"{n} rows")  # C runtime: to stderr
        y = x.repeat(100, 100) * 3  # held while raising: freed (AddressSanitizer checks)
        if s > 100.0:
            raise ValueError(f"too big: {s}")
        return y + 1


def test_aot_library_prints_and_raises_like_torchscript(tmp_path, capsys):
    import shutil
    import subprocess
    from tsmlir.runtime.aot import EntryPoint, compile_aot

    cc = shutil.which("cc")
    if cc is None:
        pytest.skip("needs a C compiler (cc)")
    scripted = torch.jit.script(AotPrinter())
    scripted.save(str(tmp_path / "printer.pt"))
    art = compile_aot(tmp_path / "printer.pt", [EntryPoint("forward", [tsmlir.TensorSpec((2, 3))])],
                      tmp_path, name="printer")
    main = tmp_path / "main.c"
    main.write_text(r'''
#include <stdio.h>
#include <stdlib.h>
#include "printer.h"
int main(int argc, char **argv) {
  if (argc != 7)
    return 2;
  float x[6];
  for (int i = 0; i < 6; ++i)
    x[i] = (float)atof(argv[1 + i]);
  tsmlir_memref_f32_2d in = {x, x, 0, {2, 3}, {3, 1}}, out;
  int status = printer_forward(&in, &out);
  if (status) {
    printf("ERROR %s\n", printer_error_message(status));
    return 0;
  }
  printer_free(out.allocated);
  return 0;
}
''')
    exe = str(tmp_path / "main")
    subprocess.run([cc, "-std=c11", "-Wall", "-Wextra", "-Werror", "-fsanitize=address", "-I",
                    str(tmp_path), str(main), art.runtime_source, art.object_file, "-lm", "-o", exe],
                   check=True)
    for x in [torch.tensor([[1.5, -2.0, 3.25], [0.5, 4.0, -1.0]]), torch.full((2, 3), 20.0)]:
        run = subprocess.run([exe, *map(str, x.flatten().tolist())], capture_output=True,
                             text=True, env={"PATH": "/usr/bin:/bin",
                                             "ASAN_OPTIONS": "detect_leaks=1"}, timeout=60)
        assert run.returncode == 0, run.stderr
        warning = f"{__file__}:{_line_of(AotPrinter.forward, 'warnings.warn')}:9: UserWarning: 2 rows\n"
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                scripted(x)
            error, detail = "", ""
        except torch.jit.Error as e:
            line = _line_of(AotPrinter.forward, 'raise ValueError(f"too big')
            error = f"ERROR printer_forward: {__file__}:{line}:13: ValueError: too big: {{}}\n"
            detail = str(e).splitlines()[-1].replace("builtins.", "") + "\n"
        want = capsys.readouterr().out + error
        assert run.stdout == want
        assert run.stderr == warning + detail  # the messages with their values


class FailsHoldingBuffers(torch.nn.Module):
    def forward(self, x):
        y = torch.relu(x) * 2
        z = x.sum(0) + 1
        for t in range(4):
            y = y + z
            assert y.sum() < 1e6, "diverged"
        return y


def _heap_in_use() -> int:
    """Bytes malloc'ed and not freed in this process (glibc's mallinfo2)."""
    libc = ctypes.CDLL(None)
    fields = ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
              "fordblks", "keepcost")
    info = type("MallInfo2", (ctypes.Structure,), {"_fields_": [(f, ctypes.c_size_t) for f in fields]})
    libc.mallinfo2.restype = info
    m = libc.mallinfo2()
    return m.uordblks + m.hblkhd


def test_a_failing_call_leaks_nothing():
    if not hasattr(ctypes.CDLL(None), "mallinfo2"):
        pytest.skip("needs glibc's mallinfo2")
    compiled = tsmlir.compile_module(FailsHoldingBuffers(), [torch.ones(256, 256)])
    big = torch.full((256, 256), 5.0)  # fails at t == 1, holding y and z (256 KiB each)
    for _ in range(3):
        with pytest.raises(AssertionError):
            compiled(big)
    before = _heap_in_use()
    for _ in range(40):
        with pytest.raises(AssertionError):
            compiled(big)
    assert _heap_in_use() - before < 2 ** 20  # a leak would be >= 40 * 256 KiB
    small = torch.full((256, 256), 1e-3)
    torch.testing.assert_close(compiled(small), FailsHoldingBuffers()(small))


class SeedRNN(torch.nn.Module):
    """The seed example, print included."""

    def __init__(self):
        super().__init__()
        self.W_h = torch.nn.Parameter(torch.randn(8, 8) * 0.3)
        self.U_h = torch.nn.Parameter(torch.randn(8, 8) * 0.3)
        self.W_y = torch.nn.Parameter(torch.randn(8, 4) * 0.3)
        self.b_h = torch.nn.Parameter(torch.randn(8))
        self.b_y = torch.nn.Parameter(torch.randn(4))

    def forward(self, x, h):
        y = []
        for t in range(x.size(0)):
            h = torch.tanh(x[t] @ self.W_h + h @ self.U_h + self.b_h)
            y += [torch.tanh(h @ self.W_y + self.b_y)]
            if t % 10 == 0:
                print("stats: ", h.mean(), h.var())
        return torch.stack(y), h


def _numbers(text: str) -> list[float]:
    return [float(w) for w in text.replace("[ CPUFloatType{} ]", " ").split()[1:]
            if w != "stats:"]


def test_seed_rnn_prints_its_stats_every_10_steps(capsys):
    scripted = torch.jit.script(SeedRNN().eval())
    compiled = tsmlir.compile_module(scripted, input_specs=[tsmlir.TensorSpec((-1, 3, 8)),
                                                            tsmlir.TensorSpec((3, 8))])
    x, h = torch.randn(25, 3, 8), torch.randn(3, 8)
    with torch.no_grad():
        expected, want = _outputs(capsys, scripted, x, h)
    got, text = _outputs(capsys, compiled, x, h)
    # Same lines and layout; the float32 values agree to rounding (tanh, matmul order).
    assert text.count("stats:  ") == want.count("stats:  ") == 3
    assert [len(line.split()) for line in text.splitlines()] == \
        [len(line.split()) for line in want.splitlines()]
    assert _numbers(text) == pytest.approx(_numbers(want), rel=1e-4, abs=1e-5)
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-5)


class RaiseWithValues(torch.nn.Module):
    def forward(self, x):
        if x.sum() > 0:
            y = x * 2
        else:
            raise ValueError(f"negative sum {x.sum().item()} with {x.size(0)} rows")
        assert x.size(0) < 5, f"too many rows: {x.size(0)} (shape {x.shape})"
        return y


def test_messages_with_run_time_values_match_torchscript(capsys):
    scripted = torch.jit.script(RaiseWithValues())
    compiled = tsmlir.compile_module(scripted, input_specs=DYN_ROWS)
    for x, cls in [(-torch.ones(2, 3), ValueError), (torch.ones(7, 3), AssertionError)]:
        with pytest.raises(torch.jit.Error) as eager:
            scripted(x)
        with pytest.raises(cls) as got:
            compiled(x)
        want = str(eager.value).splitlines()[-1].replace("builtins.", "")
        want = want.replace("RuntimeError: ", "")  # how TorchScript reports an assert
        assert got.value.message == want
    assert capsys.readouterr().out == ""
    torch.testing.assert_close(compiled(torch.ones(3, 3)), scripted(torch.ones(3, 3)))


def test_c_tensor_printer_matches_aten(tmp_path):
    """The AOT runtime's C printer against torch's, on layouts the models above miss."""
    import shutil
    import subprocess
    from tsmlir.runtime.callbacks import DTYPE_CODE, c_source

    cc = shutil.which("cc")
    if cc is None:
        pytest.skip("needs a C compiler (cc)")
    g = torch.Generator().manual_seed(0)
    cases = [
        torch.randn(3, 4, generator=g) * 1e5, torch.randn(5, generator=g) * 1e-4,
        torch.tensor([1.0, math.nan, -math.inf, 2.5]), torch.tensor([math.nan, math.inf]),
        torch.tensor([0.0, 0.0]), torch.tensor([[123456789.0, 1.0]]),
        torch.tensor([12345678901, -3]), torch.randn(2, 3, 2, 3, generator=g).double(),
        torch.randn(2, 30, generator=g), torch.tensor(-0.000123), torch.randint(-5, 5, (4, 3), generator=g).to(torch.int32),
        torch.tensor([[1e-3, 2e-3], [3.5e-3, 1e-3]]), torch.tensor([True, False]),
        torch.randn(2, 2, generator=g).half(), torch.zeros(0, 3), torch.zeros(2, 0, 4),
        torch.randn(6, 5, generator=g).t(),  # strided
        *(torch.tensor(v) for v in (1e-7, 1 / 3, 123456789.0, 1e17, -0.0, 2.0 ** 60, 1e-5, 0.0001,
                                    math.nan, -math.inf)),
        torch.tensor(1 / 3, dtype=torch.float64), torch.tensor(12345678901234567),
    ]
    lines = ['#include <stdint.h>', '#include <stdlib.h>', '#include <string.h>',
             c_source("t_"), "int main(void) {"]
    for i, t in enumerate(cases):
        # the memory t views: itself, or for the transposed case its contiguous base
        base = t if t.is_contiguous() else t.t().contiguous()
        base = base.to(torch.int8) if base.dtype == torch.bool else base
        raw = base.flatten().view(torch.uint8).tolist() if base.numel() else [0]
        lines.append(f"  static unsigned char d{i}[] = {{{', '.join(map(str, raw))}}};")
        fields = ["d" + str(i), "d" + str(i), "0", *map(str, t.shape), *map(str, t.stride())]
        lines.append(f"  int64_t desc{i}[] = {{(int64_t)(intptr_t){fields[0]}, "
                     f"(int64_t)(intptr_t){fields[1]}, {', '.join(fields[2:])}}};")
        lines.append(f"  t_print_tensor_({DTYPE_CODE[t.dtype]}, {t.dim()}, desc{i});")
        lines.append('  fputs("\\n@@\\n", stdout);')
    lines += ["  return 0;", "}"]
    src = tmp_path / "printer.c"
    src.write_text("\n".join(lines))
    exe = str(tmp_path / "printer")
    subprocess.run([cc, "-std=c11", "-Wall", "-Wextra", "-Werror", "-Wno-unused-function",
                    str(src), "-lm", "-o", exe], check=True)
    out = subprocess.run([exe], capture_output=True, text=True, check=True).stdout
    got = out.split("\n@@\n")[:-1]
    assert len(got) == len(cases)
    for text, t in zip(got, cases):
        assert text == format_tensor(t), t
    assert "100000 *" in got[0] and "nan" in got[2] and "Columns 1 to" in got[8]


class RaiseKinds(torch.nn.Module):
    def forward(self, x):
        s = x.sum()
        if s > 3:
            raise KeyError("k")
        if s > 2:
            raise IndexError("i")
        if s > 1:
            raise NotImplementedError("n")
        if s > 0:
            raise Exception("e")
        return x


@pytest.mark.parametrize("value, cls, message", [
    (4.0, KeyError, "KeyError: k"), (3.0, IndexError, "IndexError: i"),
    (2.0, NotImplementedError, "NotImplementedError: n"), (1.0, Exception, "Exception: e"),
])
def test_each_builtin_exception_class_is_raised_as_itself(value, cls, message, compiled_kinds):
    with pytest.raises(cls) as info:
        compiled_kinds(torch.full((1,), value))
    assert isinstance(info.value, tsmlir.RuntimeCheckError)
    assert info.value.message == message
    assert str(info.value).startswith(f"{__file__}:{info.value.loc.line}:")


@pytest.fixture(scope="module")
def compiled_kinds():
    return tsmlir.compile_module(RaiseKinds(), [torch.zeros(1)])


def test_0d_tensors_print_like_aten_without_torch():
    from tsmlir.runtime.callbacks import format_scalar_tensor
    values = [0.0, -0.0, 1.0, -2.5, 1 / 3, 1e-7, 123456789.0, 1e17, 2.0 ** 60, math.inf, -math.inf,
              math.nan, -math.nan]
    for dtype in (torch.float32, torch.float64, torch.int64, torch.int32, torch.int16, torch.int8,
                  torch.bool):
        for v in values:
            if not dtype.is_floating_point and not math.isfinite(v):
                continue
            t = torch.tensor(v).to(dtype)
            assert format_scalar_tensor(float(t.item()), dtype) == format_tensor(t), (v, dtype)


class Warns(torch.nn.Module):
    def forward(self, x):
        if x.sum() > 0:
            warnings.warn(f"positive sum with {x.size(0)} rows")
        warnings.warn("always")
        return x


def test_warnings_are_python_warnings_at_the_users_line():
    scripted = torch.jit.script(Warns())
    compiled = tsmlir.compile_module(scripted, input_specs=[tsmlir.TensorSpec((-1,))])
    for x in [torch.ones(2), -torch.ones(3)]:
        with warnings.catch_warnings(record=True) as want:
            warnings.simplefilter("always")
            scripted(x)
        with warnings.catch_warnings(record=True) as got:
            warnings.simplefilter("always")
            compiled(x)
        assert [(w.category, str(w.message), w.filename, w.lineno) for w in got] == \
            [(w.category, str(w.message), w.filename, w.lineno) for w in want]
        assert len(got) == (2 if x.sum() > 0 else 1)


class SizeListCheck(torch.nn.Module):
    """nn.LSTM's form of check: a size list compared with a list holding a
    size known only at run time."""
    def forward(self, x, h):
        if list(h.size()) != [2, x.size(0), 3]:
            raise RuntimeError("hidden size mismatch")
        return x.sum(1, keepdim=True) + h[0]


def test_size_list_compared_at_run_time():
    specs = [tsmlir.TensorSpec((-1, 3)), tsmlir.TensorSpec((2, -1, 3))]
    compiled = tsmlir.compile_module(SizeListCheck(), input_specs=specs)
    x, h = torch.randn(4, 3), torch.randn(2, 4, 3)
    torch.testing.assert_close(compiled(x, h), SizeListCheck()(x, h))
    with pytest.raises(RuntimeError, match="hidden size mismatch"):
        compiled(x, torch.randn(2, 5, 3))
