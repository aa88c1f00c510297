"""tsmlir-compile: archives compiled ahead of time, called from C programs
built with the system compiler and run without Python, compared with eager
PyTorch."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest
import torch

from tools.tsmlir_compile import main as compile_main
from tsmlir.runtime.aot import AotArtifacts, EntryPoint, compile_aot, parse_input_spec
from tsmlir.specs import TensorSpec

CC = shutil.which("cc")
pytestmark = [pytest.mark.skipif(CC is None, reason="needs a C compiler (cc)"),
              pytest.mark.filterwarnings("ignore:`torch.jit.load` is deprecated:DeprecationWarning")]
CFLAGS = ["-std=c11", "-Wall", "-Wextra", "-Werror", "-O1"]

# Included by every test program: read inputs from raw files, print outputs as
# `label dims... | values...` after checking the layout the API promises.
C_HELPERS = r"""
#include <stdio.h>
#include <stdlib.h>

static float *load(const char *path, long count) {
  float *data = malloc(count * sizeof(float) + 1);
  FILE *f = fopen(path, "rb");
  if (!data || !f || fread(data, sizeof(float), count, f) != (size_t)count) {
    fprintf(stderr, "cannot read %s\n", path);
    exit(2);
  }
  fclose(f);
  return data;
}

static void print_tensor(const char *label, const float *allocated, const float *aligned,
                         long offset, const int64_t *sizes, const int64_t *strides, int rank) {
  long count = 1, stride = 1;
  if (!allocated || offset != 0) {
    printf("%s BAD-BUFFER\n", label);
    return;
  }
  for (int d = rank - 1; d >= 0; --d) {
    if (sizes[d] != 1 && strides[d] != stride)
      printf("%s BAD-STRIDES\n", label);
    stride *= sizes[d];
  }
  printf("%s", label);
  for (int d = 0; d < rank; ++d) {
    printf(" %ld", (long)sizes[d]);
    count *= sizes[d];
  }
  printf(" |");
  for (long i = 0; i < count; ++i)
    printf(" %.9g", aligned[i]);
  printf("\n");
}
#define PRINT(label, m, rank) \
  print_tensor(label, (m).allocated, (m).aligned, (long)(m).offset, (m).sizes, (m).strides, rank)
#define PRINT0(label, m) print_tensor(label, (m).allocated, (m).aligned, (long)(m).offset, 0, 0, 0)
"""


def _save(module: torch.nn.Module, path) -> str:
    torch.jit.script(module).save(str(path))
    return str(path)


def _write_input(tmp_path, name: str, t: torch.Tensor) -> str:
    path = tmp_path / f"{name}.bin"
    path.write_bytes(t.contiguous().numpy().tobytes())
    return str(path)


def _build(tmp_path, main_c: str, artifacts, *, shared: bool = False, sanitize: bool = False) -> str:
    """Compile main.c against the generated API; returns the executable."""
    src = tmp_path / "main.c"
    src.write_text(f'#include "{artifacts.name}.h"\n{C_HELPERS}\n{main_c}')
    exe = str(tmp_path / "main")
    out_dir = os.path.dirname(artifacts.header)
    flags = CFLAGS + (["-fsanitize=address", "-fno-omit-frame-pointer"] if sanitize else [])
    if shared:
        link = [artifacts.shared_library, f"-Wl,-rpath,{out_dir}"]
    else:
        link = [artifacts.runtime_source, artifacts.object_file, "-lm"]
    subprocess.run([CC, *flags, "-I", out_dir, str(src), *link, "-o", exe], check=True,
                   capture_output=True, text=True)
    return exe


def _run(exe: str, *args, env: dict | None = None) -> subprocess.CompletedProcess:
    # A clean environment: the program must not need Python, torch or MLIR.
    env = {"PATH": "/usr/bin:/bin", "ASAN_OPTIONS": "detect_leaks=1", **(env or {})}
    return subprocess.run([exe, *map(str, args)], capture_output=True, text=True, env=env,
                          timeout=60)


def _outputs(stdout: str) -> dict[str, torch.Tensor]:
    out = {}
    for line in stdout.splitlines():
        head, _, values = line.partition(" |")
        assert _, f"unexpected output line: {line}"
        label, *dims = head.split()
        out[label] = torch.tensor([float(v) for v in values.split()]).reshape(
            [int(d) for d in dims])
    return out


def matrix_main(name: str, rows: int, cols: int) -> str:
    """The C main of a program whose entry point `name`_forward takes one
    (rows, cols) f32 matrix (read from argv[1]) and returns one 2-D f32
    output, printed as "out"."""
    return rf"""
int main(int argc, char **argv) {{
  (void)argc;
  tsmlir_memref_f32_2d x = {{0}}, out;
  x.allocated = x.aligned = load(argv[1], {rows} * {cols});
  x.sizes[0] = {rows}, x.sizes[1] = {cols}, x.strides[0] = {cols}, x.strides[1] = 1;
  int status = {name}_forward(&x, &out);
  if (status) {{
    printf("error %d: %s\n", status, {name}_error_message(status));
    return 1;
  }}
  PRINT("out", out, 2);
  {name}_free(out.allocated);
  free(x.allocated);
  return 0;
}}
"""


def _artifacts_in(out_dir, name) -> AotArtifacts:
    """What a tsmlir-compile run wrote, as compile_aot describes it."""
    so = out_dir / f"{name}.so"
    return AotArtifacts(name, str(out_dir / f"{name}.o"), str(out_dir / f"{name}.h"),
                        str(out_dir / f"{name}_runtime.c"), str(so) if so.exists() else None, {})


class Activations(torch.nn.Module):
    def forward(self, x, y):
        a = torch.nn.functional.gelu(x) * torch.sigmoid(y) - torch.tanh(x) / (torch.exp(y) + 1.0)
        return torch.relu(a + x), (x - y, x * y)


def test_shared_library_from_the_command_line_matches_eager(tmp_path):
    model = _save(Activations(), tmp_path / "act.pt")
    out_dir = tmp_path / "out"
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "tsmlir-compile"), model,
                           "--input", "2x3x4xf32", "--input", "2x3x4xf32", "--name", "act",
                           "--shared", "-o", str(out_dir)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    for f in ("act.o", "act.h", "act_runtime.c", "act.so"):
        assert (out_dir / f).is_file(), f
    artifacts = _artifacts_in(out_dir, "act")
    exe = _build(tmp_path, r"""
int main(int argc, char **argv) {
  (void)argc;
  tsmlir_memref_f32_3d x = {0}, y = {0}, r, d, p;
  x.allocated = x.aligned = load(argv[1], 24);
  y.allocated = y.aligned = load(argv[2], 24);
  int64_t sizes[3] = {2, 3, 4}, strides[3] = {12, 4, 1};
  for (int i = 0; i < 3; ++i) {
    x.sizes[i] = y.sizes[i] = sizes[i];
    x.strides[i] = y.strides[i] = strides[i];
  }
  int status = act_forward(&x, &y, &r, &d, &p);
  if (status) {
    printf("error %d: %s\n", status, act_error_message(status));
    return 1;
  }
  PRINT("relu", r, 3);
  PRINT("diff", d, 3);
  PRINT("prod", p, 3);
  act_free(r.allocated);
  act_free(d.allocated);
  act_free(p.allocated);
  free(x.allocated);
  free(y.allocated);
  return 0;
}
""", artifacts, shared=True)
    x, y = torch.randn(2, 3, 4), torch.randn(2, 3, 4)
    run = _run(exe, _write_input(tmp_path, "x", x), _write_input(tmp_path, "y", y))
    assert run.returncode == 0, run.stdout + run.stderr
    got = _outputs(run.stdout)
    relu, (diff, prod) = Activations()(x, y)
    torch.testing.assert_close(got["relu"], relu, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(got["diff"], diff)
    torch.testing.assert_close(got["prod"], prod)


class AddTanh(torch.nn.Module):
    def forward(self, x, y):
        return torch.tanh(x + y) * 0.5


DYNAMIC_MAIN = r"""
int main(int argc, char **argv) {
  (void)argc;
  long rows_x = atol(argv[3]), rows_y = atol(argv[4]), cols = atol(argv[5]);
  tsmlir_memref_f32_2d x = {0}, y = {0}, out;
  x.allocated = x.aligned = load(argv[1], rows_x * cols);
  y.allocated = y.aligned = load(argv[2], rows_y * cols);
  x.sizes[0] = rows_x, x.sizes[1] = cols, x.strides[0] = cols, x.strides[1] = 1;
  y.sizes[0] = rows_y, y.sizes[1] = cols, y.strides[0] = cols, y.strides[1] = 1;
  int status = dyn_forward(&x, &y, &out);
  free(x.allocated);
  free(y.allocated);
  if (status) {
    printf("status %d: %s\n", status, dyn_error_message(status));
    return out.allocated == NULL && out.aligned == NULL ? 3 : 4;
  }
  PRINT("out", out, 2);
  dyn_free(out.allocated);
  return 0;
}
"""


@pytest.fixture(scope="module")
def dynamic_program(tmp_path_factory):
    """AddTanh compiled for ?x4xf32 inputs and linked (object + runtime source) with ASan."""
    tmp_path = tmp_path_factory.mktemp("dynamic")
    artifacts = compile_aot(_save(AddTanh(), tmp_path / "dyn.pt"),
                            [EntryPoint("forward", [TensorSpec((-1, 4))] * 2)], tmp_path / "out")
    return tmp_path, _build(tmp_path, DYNAMIC_MAIN, artifacts, sanitize=True)


def _run_dynamic(program, x, y):
    tmp_path, exe = program
    return _run(exe, _write_input(tmp_path, "x", x), _write_input(tmp_path, "y", y),
                x.shape[0], y.shape[0], x.shape[1])


@pytest.mark.parametrize("rows", [1, 3, 17, 0])
def test_dynamic_dim(dynamic_program, rows):
    x, y = torch.randn(rows, 4), torch.randn(rows, 4)
    run = _run_dynamic(dynamic_program, x, y)
    assert run.returncode == 0, run.stdout + run.stderr
    torch.testing.assert_close(_outputs(run.stdout)["out"], AddTanh()(x, y))


def test_failed_runtime_check_returns_a_status_and_its_message(dynamic_program):
    run = _run_dynamic(dynamic_program, torch.randn(3, 4), torch.randn(5, 4))
    assert run.returncode == 3, run.stdout + run.stderr  # a status, zeroed output, no crash
    assert "dyn_forward:" in run.stdout and "tsm.add" in run.stdout
    assert "dynamic dimension 0" in run.stdout
    assert "AddressSanitizer" not in run.stderr


def test_static_dim_mismatch_is_rejected_before_the_call(dynamic_program):
    run = _run_dynamic(dynamic_program, torch.randn(2, 5), torch.randn(2, 5))
    assert run.returncode == 3, run.stdout + run.stderr
    assert "argument 'x' (input 0, compiled for ?x4xf32) must have size 4 in dim 1" in run.stdout


class Aliasing(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.w = torch.arange(6.0).reshape(2, 3)

    def forward(self, x):
        y = x * 2.0
        return x, self.w, y, y, x + self.w


def test_every_output_is_owned_by_the_caller(tmp_path):
    """Constants, views of inputs and repeated outputs come back as separate
    malloc'ed buffers: freeing each one is valid (checked by AddressSanitizer)."""
    artifacts = compile_aot(_save(Aliasing(), tmp_path / "alias.pt"),
                            [EntryPoint("forward", [TensorSpec((2, 3))])], tmp_path / "out")
    exe = _build(tmp_path, r"""
int main(int argc, char **argv) {
  (void)argc;
  tsmlir_memref_f32_2d x = {0}, o[5];
  x.allocated = x.aligned = load(argv[1], 6);
  x.sizes[0] = 2, x.sizes[1] = 3, x.strides[0] = 3, x.strides[1] = 1;
  int status = alias_forward(&x, &o[0], &o[1], &o[2], &o[3], &o[4]);
  if (status) {
    printf("error %d: %s\n", status, alias_error_message(status));
    return 1;
  }
  x.aligned[0] = 1000.0f; /* outputs must not alias the input */
  const char *labels[5] = {"x", "w", "y", "y2", "sum"};
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < i; ++j)
      if (o[i].allocated == o[j].allocated)
        printf("SHARED %d %d\n", i, j);
  for (int i = 0; i < 5; ++i) {
    PRINT(labels[i], o[i], 2);
    alias_free(o[i].allocated);
  }
  free(x.allocated);
  return 0;
}
""", artifacts, sanitize=True)
    x = torch.randn(2, 3)
    run = _run(exe, _write_input(tmp_path, "x", x))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "SHARED" not in run.stdout and "BAD" not in run.stdout
    got = _outputs(run.stdout)
    for label, expected in zip(["x", "w", "y", "y2", "sum"], Aliasing()(x)):
        torch.testing.assert_close(got[label], expected)


class TwoMethods(torch.nn.Module):
    def forward(self, x):
        return torch.sigmoid(x)

    @torch.jit.export
    def scale(self, x, s):
        return x * s + 1.0


def test_two_entry_points_portable(tmp_path):
    """Two methods in one object, code for any x86-64-v2 CPU, a 0-d argument."""
    if os.uname().machine != "x86_64":
        pytest.skip("--portable targets x86-64-v2")
    artifacts = compile_aot(
        _save(TwoMethods(), tmp_path / "two.pt"),
        [EntryPoint("forward", [TensorSpec((5,))]),
         EntryPoint("scale", [TensorSpec((-1,)), TensorSpec(())])],
        tmp_path / "out", portable=True)
    header = " ".join(open(artifacts.header).read().split())
    assert "int two_forward(const tsmlir_memref_f32_1d *x, tsmlir_memref_f32_1d *out0);" in header
    assert ("int two_scale(const tsmlir_memref_f32_1d *x, const tsmlir_memref_f32_0d *s, "
            "tsmlir_memref_f32_1d *out0);") in header
    exe = _build(tmp_path, r"""
int main(int argc, char **argv) {
  (void)argc;
  float s_value = 2.5f;
  tsmlir_memref_f32_1d x = {0}, a, b;
  tsmlir_memref_f32_0d s = {&s_value, &s_value, 0};
  x.allocated = x.aligned = load(argv[1], 5);
  x.sizes[0] = 5, x.strides[0] = 1;
  if (two_forward(&x, &a) || two_scale(&x, &s, &b))
    return 1;
  PRINT("sigmoid", a, 1);
  PRINT("scale", b, 1);
  two_free(a.allocated);
  two_free(b.allocated);
  free(x.allocated);
  return 0;
}
""", artifacts)
    objdump = shutil.which("objdump")
    if objdump:  # x86-64-v2 has no AVX: no VEX-encoded (v...) instruction
        code = subprocess.run([objdump, "-d", "--no-show-raw-insn", artifacts.object_file],
                              capture_output=True, text=True, check=True).stdout
        assert not re.search(r"^\s+[0-9a-f]+:\s+v[a-z0-9]+\s", code, re.MULTILINE)
    x = torch.randn(5)
    run = _run(exe, _write_input(tmp_path, "x", x))
    assert run.returncode == 0, run.stdout + run.stderr
    got = _outputs(run.stdout)
    torch.testing.assert_close(got["sigmoid"], torch.sigmoid(x))
    torch.testing.assert_close(got["scale"], x * 2.5 + 1.0)


# --- the command line: user errors exit 1 with a message, never a traceback


def _cli_error(capsys, *argv) -> str:
    assert compile_main([*map(str, argv)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("tsmlir-compile: ") and "error: " in err and "Traceback" not in err
    return err


def test_bad_input_spec(tmp_path, capsys):
    model = _save(AddTanh(), tmp_path / "m.pt")
    err = _cli_error(capsys, model, "--input", "4xq32", "-o", tmp_path / "out")
    assert "bad input spec '4xq32': unknown element type 'q32'" in err
    err = _cli_error(capsys, model, "--input", "4xnx4xf32", "-o", tmp_path / "out")
    assert "dimension 'n' is neither a size nor '?'" in err


def test_wrong_number_of_inputs(tmp_path, capsys):
    model = _save(AddTanh(), tmp_path / "m.pt")
    err = _cli_error(capsys, model, "--input", "4xf32", "-o", tmp_path / "out")
    assert "forward(x, y) takes 2 tensor argument(s); 1 input spec(s) given" in err


def test_missing_archive(tmp_path, capsys):
    err = _cli_error(capsys, tmp_path / "nope.pt", "--input", "4xf32", "-o", tmp_path / "out")
    assert "no such file" in err and "nope.pt" in err


def test_not_an_archive(tmp_path, capsys):
    bogus = tmp_path / "bogus.pt"
    bogus.write_text("not a zip")
    err = _cli_error(capsys, bogus, "--input", "4xf32", "-o", tmp_path / "out")
    assert "cannot load TorchScript archive" in err


class Unsupported(torch.nn.Module):
    def forward(self, x):
        return torch.fft.rfft(x).abs()


def test_unsupported_model(tmp_path, capsys):
    err = _cli_error(capsys, _save(Unsupported(), tmp_path / "u.pt"), "--input", "4xf32",
                     "-o", tmp_path / "out")
    assert "aten::fft_rfft" in err


def test_unknown_method(tmp_path, capsys):
    err = _cli_error(capsys, _save(AddTanh(), tmp_path / "m.pt"), "--method", "encode",
                     "--input", "4xf32", "-o", tmp_path / "out")
    assert "the archive has no method 'encode' (methods: forward)" in err


def test_parse_input_spec():
    assert parse_input_spec("1x3x64x64xf32") == TensorSpec((1, 3, 64, 64), torch.float32)
    assert parse_input_spec("?x784xi64") == TensorSpec((-1, 784), torch.int64)
    assert parse_input_spec("bf16") == TensorSpec((), torch.bfloat16)


def test_inputs_group_by_method():
    from tools.tsmlir_compile import _entries
    one = _entries([("input", "4xf32"), ("method", "encode"), ("input", "f32")])
    assert one == [EntryPoint("encode", [TensorSpec((4,)), TensorSpec(())])]
    two = _entries([("method", "a"), ("input", "4xf32"), ("method", "b"), ("input", "?xi64")])
    assert two == [EntryPoint("a", [TensorSpec((4,))]), EntryPoint("b", [TensorSpec((-1,), torch.int64)])]


class Projection(torch.nn.Module):
    """Enough matmul work for threads (a constant weight: one input)."""
    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.randn(100, 129))

    def forward(self, x):
        return torch.relu(torch.mm(x, self.w))


PROJECTION_MAIN = r"""
extern int kmp_get_blocktime(void) __attribute__((weak));
int main(int argc, char **argv) {
  (void)argc;
  tsmlir_memref_f32_2d x = {0}, out;
  x.allocated = x.aligned = load(argv[1], 200 * 100);
  x.sizes[0] = 200, x.sizes[1] = 100, x.strides[0] = 100, x.strides[1] = 1;
  int status = proj_forward(&x, &out);
  free(x.allocated);
  if (status) {
    printf("status %d: %s\n", status, proj_error_message(status));
    return 1;
  }
  PRINT("out", out, 2);
  proj_free(out.allocated);
  if (kmp_get_blocktime) fprintf(stderr, "blocktime %d\n", kmp_get_blocktime());
  return 0;
}
"""


def test_serial_by_default_threads_on_request(tmp_path):
    """AOT code is serial unless threads > 1; then the .so links the OpenMP
    runtime (found through its rpath) and matches eager."""
    from tsmlir.options import CompileOptions
    model = Projection().eval()
    archive = _save(model, tmp_path / "proj.pt")
    entry = [EntryPoint("forward", [TensorSpec((200, 100))])]
    serial = compile_aot(archive, entry, tmp_path / "serial", name="proj")
    assert "__kmpc_fork_call" not in subprocess.run(["nm", serial.object_file], text=True,
                                                    capture_output=True).stdout
    threaded = compile_aot(archive, entry, tmp_path / "threaded", name="proj", shared=True,
                           options=CompileOptions(threads=2))
    assert "__kmpc_fork_call" in subprocess.run(["nm", threaded.object_file], text=True,
                                                capture_output=True).stdout
    exe = _build(tmp_path, PROJECTION_MAIN, threaded, shared=True)
    x = torch.randn(200, 100)
    run = _run(exe, _write_input(tmp_path, "x", x))
    assert run.returncode == 0, run.stdout + run.stderr
    with torch.no_grad():
        torch.testing.assert_close(_outputs(run.stdout)["out"], model(x), rtol=1e-4, atol=1e-4)
    # the JIT's OpenMP settings (KMP_BLOCKTIME=1), unless the environment sets them
    assert "blocktime 1\n" in run.stderr
    assert "blocktime 7\n" in _run(exe, _write_input(tmp_path, "x", x),
                                    env={"KMP_BLOCKTIME": "7"}).stderr
    assert "kmp_set_defaults" not in open(serial.runtime_source).read()


class ZeroPad(torch.nn.Module):
    def forward(self, x):
        return torch.nn.functional.pad(x, (1, 1, 1, 1)) * 2.0


def test_large_fills_call_the_c_library(tmp_path):
    """The object names its target triple: llc then calls memset for the
    zero fill of a padded buffer instead of expanding it into a loop of
    byte stores (which cost ResNet-18 ~4 ms a call).  Rows 4 wide, narrower
    than a vector: the fill stays a pass of its own (wide rows are padded
    and copied in one pass, pad_copy.py)."""
    archive = _save(ZeroPad(), tmp_path / "pad.pt")
    art = compile_aot(archive, [EntryPoint("forward", [TensorSpec((1, 64, 256, 4))])],
                      tmp_path / "out", name="pad")
    undefined = subprocess.run(["nm", "-u", art.object_file], text=True,
                               capture_output=True).stdout.split()
    assert "memset" in undefined, undefined


# --- code for another CPU (--target-cpu)


class MatMulOnly(torch.nn.Module):
    def forward(self, a, b):
        return a @ b


def _fma_registers(obj: str) -> set[str]:
    """The vector registers (xmm3, ymm0, zmm17...) the FMAs of an object use."""
    from tsmlir.runtime.llvm_tools import tool
    code = subprocess.run([tool("llvm", "llvm-objdump"), "-d", "--no-show-raw-insn", obj],
                          capture_output=True, text=True, check=True).stdout
    return {r for line in code.splitlines() if "vfmadd" in line
            for r in re.findall(r"%([xyz]mm\d+)", line)}


@pytest.mark.skipif(os.uname().machine != "x86_64", reason="x86-64 CPU names")
@pytest.mark.parametrize("cpu", ["x86-64-v4", "x86-64-v3"])
def test_target_cpu_sets_the_register_tile(tmp_path, cpu):
    """Code for another CPU takes that CPU's register tile, whatever this host
    has: AVX-512 (x86-64-v4) the 8 x 32 tile in zmm registers, whose 16
    accumulators and B rows need the registers AVX2 lacks (zmm16 and up);
    AVX2 (x86-64-v3) the 6 x 16 tile in ymm registers."""
    archive = _save(MatMulOnly(), tmp_path / "mm.pt")
    entry = EntryPoint("forward", [TensorSpec((96, 64)), TensorSpec((64, 64))])
    art = compile_aot(archive, [entry], tmp_path / "out", name="mm", target_cpu=cpu)
    registers = _fma_registers(art.object_file)
    assert f"compiled by tsmlir-compile for {cpu}." in open(art.header).read()
    if cpu == "x86-64-v4":
        assert registers and all(r.startswith("zmm") for r in registers), registers
        assert max(int(r[3:]) for r in registers) >= 16, registers
    else:
        assert registers and all(r.startswith("ymm") for r in registers), registers


def test_target_cpu_errors(tmp_path, capsys):
    archive = _save(MatMulOnly(), tmp_path / "mm.pt")
    err = _cli_error(capsys, archive, "--input", "4x4xf32", "--input", "4x4xf32",
                     "--target-cpu", "pentium9", "-o", tmp_path / "out")
    assert "'pentium9' is not a CPU LLVM knows" in err
    with pytest.raises(SystemExit):  # argparse: the two flags exclude each other
        compile_main([archive, "--input", "4x4xf32", "--input", "4x4xf32", "--portable",
                      "--target-cpu", "x86-64-v4", "-o", str(tmp_path / "out")])
    assert "not allowed with argument" in capsys.readouterr().err
    from tsmlir.runtime.aot import AotError
    with pytest.raises(AotError, match="either portable or a target CPU"):
        compile_aot(archive, [EntryPoint("forward", [TensorSpec((4, 4))] * 2)], tmp_path / "o",
                    portable=True, target_cpu="x86-64-v4")


def test_the_jit_runs_on_this_host_only():
    import tsmlir
    with pytest.raises(tsmlir.TsmlirError, match="the JIT generates code for this host"):
        tsmlir.compile_module(MatMulOnly(), [torch.ones(2, 2), torch.ones(2, 2)],
                              target_cpu="x86-64-v4")


# --- weights: raw data in the object, not constants of the LLVM IR


class Scaled(torch.nn.Module):
    """A weight of the same shape in every instance (the same constant name
    before renaming) and a second method that reads it too."""

    def __init__(self, seed: int):
        super().__init__()
        torch.manual_seed(seed)
        self.w = torch.nn.Parameter(torch.randn(64, 48))

    def forward(self, x):
        return torch.mm(x, self.w)

    @torch.jit.export
    def shifted(self, x):
        return torch.mm(x, self.w) + 1.0


def test_weights_are_object_data_of_each_model(tmp_path):
    """Two models whose weights had the same constant name, each with two
    entry points, linked into one program: every call reads its own model's
    weights, which lie in the object as local symbols of their exact size
    (the LLVM IR only declares them)."""
    models = {"a": Scaled(1).eval(), "b": Scaled(2).eval()}
    arts = {}
    for name, model in models.items():
        entries = [EntryPoint(m, [TensorSpec((3, 64))]) for m in ("forward", "shifted")]
        arts[name] = compile_aot(_save(model, tmp_path / f"{name}.pt"), entries, tmp_path / "out",
                                 name=name, options=_dump_options(tmp_path / f"dump_{name}"))
        symbols = subprocess.run(["nm", "-S", arts[name].object_file], text=True,
                                 capture_output=True, check=True).stdout
        data = [line.split() for line in symbols.splitlines() if f"_tsmlir_{name}_" in line
                and "_w" in line.split()[-1]]
        assert {d[-1] for d in data} == {f"_tsmlir_{name}_forward_w0", f"_tsmlir_{name}_shifted_w0"}
        assert all(d[2] == "r" and int(d[1], 16) == 64 * 48 * 4 for d in data), data  # local
        ll = open(tmp_path / f"dump_{name}" / "forward.ll").read()
        assert f"@_tsmlir_{name}_forward_w0 = external hidden constant [3072 x float]" in ll
    src = tmp_path / "main.c"
    src.write_text('#include "a.h"\n#include "b.h"\n' + C_HELPERS + r"""
int main(int argc, char **argv) {
  (void)argc;
  tsmlir_memref_f32_2d x = {0}, out[4];
  x.allocated = x.aligned = load(argv[1], 3 * 64);
  x.sizes[0] = 3, x.sizes[1] = 64, x.strides[0] = 64, x.strides[1] = 1;
  if (a_forward(&x, &out[0]) || a_shifted(&x, &out[1]) || b_forward(&x, &out[2]) ||
      b_shifted(&x, &out[3]))
    return 1;
  PRINT("a", out[0], 2);
  PRINT("a_shifted", out[1], 2);
  PRINT("b", out[2], 2);
  PRINT("b_shifted", out[3], 2);
  return 0;
}
""")
    exe = str(tmp_path / "main")
    subprocess.run([CC, *CFLAGS, "-I", str(tmp_path / "out"), str(src),
                    *(p for a in arts.values() for p in (a.runtime_source, a.object_file)),
                    "-lm", "-o", exe], check=True, capture_output=True, text=True)
    x = torch.randn(3, 64)
    run = _run(exe, _write_input(tmp_path, "x", x))
    assert run.returncode == 0, run.stdout + run.stderr
    got = _outputs(run.stdout)
    with torch.no_grad():
        for name, model in models.items():
            torch.testing.assert_close(got[name], model(x), rtol=1e-4, atol=1e-4)
            torch.testing.assert_close(got[f"{name}_shifted"], model.shifted(x), rtol=1e-4,
                                       atol=1e-4)


def _dump_options(path):
    from tsmlir.options import CompileOptions
    return CompileOptions(dump_dir=str(path))
