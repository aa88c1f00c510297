"""bfloat16 products on AMX tiles (tsm-amx-matmul) against eager and against
the float32 product of the same operands rounded once: edge tiles of every
size, constant and run-time weights, threads, batched inputs and attention,
convolutions, NaN and inf, the fallbacks to float32, and a program compiled
ahead of time.  Skipped where the host has no AMX-BF16 (the lit tests
tsm-amx-matmul.mlir and tsm-amx-target.mlir pin the IR on any host)."""
import re
import shutil

import pytest
import torch
import torch.nn.functional as F

import tsmlir
from tsmlir import TensorSpec
from tsmlir.lowering.target import host_grants_amx

pytestmark = pytest.mark.skipif(not host_grants_amx(),
                                reason="the host has no AMX-BF16, or Linux does not grant it")
# one rounding of a float32 result (eager's accumulation order differs)
CLOSE = dict(rtol=1.6e-2, atol=1e-2)


def _kernel_ir(tmp_path) -> str:
    return next(tmp_path.glob("2-*.mlir")).read_text()


def _check(got, want, once):
    assert got.dtype == torch.bfloat16
    torch.testing.assert_close(got, want, **CLOSE)
    torch.testing.assert_close(got, once.bfloat16(), **CLOSE)


@pytest.mark.parametrize("m, n, k", [(1, 256, 32), (5, 50, 64), (16, 16, 32), (17, 33, 64),
                                     (33, 48, 128), (40, 50, 96), (64, 2048, 512), (3, 1000, 256)],
                         ids=str)
def test_linear_constant_weight(m, n, k, tmp_path):
    """Edge blocks of 1-31 rows and of 1-31 columns (16 + a narrow tile)."""
    torch.manual_seed(0)
    layer = torch.nn.Linear(k, n).bfloat16().eval()
    x = torch.randn(m, k).bfloat16()
    compiled = tsmlir.compile_module(layer, [x], dump_dir=str(tmp_path))
    with torch.no_grad():
        once = F.linear(x.float(), layer.weight.float(), layer.bias.float())
        _check(compiled(x), layer(x), once)
        x2 = torch.randn(m, k).bfloat16()  # the packed weight is reused
        _check(compiled(x2), layer(x2), F.linear(x2.float(), layer.weight.float(),
                                                 layer.bias.float()))
    assert "amx.tile_mulf" in _kernel_ir(tmp_path)


class Product(torch.nn.Module):
    def forward(self, a, b):
        return a @ b


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("m, n, k", [(37, 29, 64), (128, 256, 128), (64, 200, 512)], ids=str)
def test_run_time_weight(m, n, k, threads, tmp_path):
    """B packed on every call (it changes); with threads the column blocks
    are shared when there is enough work."""
    torch.manual_seed(1)
    a, b = torch.randn(m, k).bfloat16(), torch.randn(k, n).bfloat16()
    compiled = tsmlir.compile_module(torch.jit.script(Product()), [a, b], threads=threads,
                                     dump_dir=str(tmp_path))
    for _ in range(2):
        with torch.no_grad():
            _check(compiled(a, b), a @ b, a.float() @ b.float())
        a, b = torch.randn(m, k).bfloat16(), torch.randn(k, n).bfloat16()
    kernel = _kernel_ir(tmp_path)
    assert "amx.tile_mulf" in kernel
    assert ("scf.parallel" in kernel) == (threads > 1 and m * n * k >= 1 << 20 and n >= 64)


class Block(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.up, self.down = torch.nn.Linear(96, 192), torch.nn.Linear(192, 64)

    def forward(self, x):
        return self.down(F.gelu(self.up(x)))


def test_batched_mlp(tmp_path):
    """A 3-D input: its rows through both layers (matmul, then the bias)."""
    torch.manual_seed(2)
    model = Block().bfloat16().eval()
    x = torch.randn(2, 21, 96).bfloat16()
    compiled = tsmlir.compile_module(model, [x], dump_dir=str(tmp_path))
    with torch.no_grad():
        torch.testing.assert_close(compiled(x), model(x), rtol=3e-2, atol=3e-2)
    assert len(re.findall(r"call @tsm_amx_\d+\(", _kernel_ir(tmp_path))) == 2


def test_shallow_steps_take_float32_path(tmp_path):
    """A depth that is not a multiple of 32 would need tiles of more shapes."""
    layer = torch.nn.Linear(100, 48).bfloat16().eval()
    x = torch.randn(33, 100).bfloat16()
    compiled = tsmlir.compile_module(layer, [x], dump_dir=str(tmp_path))
    with torch.no_grad():
        torch.testing.assert_close(compiled(x), layer(x), **CLOSE)
    assert "amx." not in _kernel_ir(tmp_path)


def test_dynamic_rows_take_float32_path(tmp_path):
    layer = torch.nn.Linear(64, 48).bfloat16().eval()
    runs = [torch.randn(r, 64).bfloat16() for r in (1, 19)]
    compiled = tsmlir.compile_module(layer, input_specs=[TensorSpec((-1, 64), torch.bfloat16)],
                                     dump_dir=str(tmp_path))
    with torch.no_grad():
        for x in runs:
            torch.testing.assert_close(compiled(x), layer(x), **CLOSE)
    assert "amx." not in _kernel_ir(tmp_path)


def test_nan_and_inf_propagate():
    torch.manual_seed(3)
    a, b = torch.randn(20, 64).bfloat16(), torch.randn(64, 40).bfloat16()
    a[3, 5], a[7, 0], b[9, 11] = float("nan"), float("inf"), float("-inf")
    compiled = tsmlir.compile_module(torch.jit.script(Product()), [a, b])
    with torch.no_grad():
        got, want = compiled(a, b), a.float() @ b.float()
    assert torch.equal(got.isnan(), want.isnan()) and torch.equal(got.isinf(), want.isinf())
    finite = want.isfinite()
    torch.testing.assert_close(got[finite], want[finite].bfloat16(), **CLOSE)


class HalfLayer(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(64, 96).bfloat16()

    def forward(self, x):
        return self.layer(x.to(torch.bfloat16)).float()




@pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler (cc)")
def test_ahead_of_time_program_asks_for_amx(tmp_path):
    """A program built from the object file runs AMX code without Python:
    the object's constructor asks Linux for the AMX state (else SIGILL)."""
    from test_aot import _build, _outputs, _run, _write_input, matrix_main

    from tsmlir.runtime.aot import EntryPoint, compile_aot
    torch.manual_seed(4)
    model = HalfLayer().eval()
    path = str(tmp_path / "half.pt")
    torch.jit.script(model).save(path)
    artifacts = compile_aot(path, [EntryPoint("forward", [TensorSpec((32, 64))])],
                            tmp_path / "out", name="half")
    assert "amx" in open(artifacts.object_file, "rb").read().decode("latin-1")
    exe = _build(tmp_path, matrix_main("half", 32, 64), artifacts)
    x = torch.randn(32, 64)
    run = _run(exe, _write_input(tmp_path, "x", x))
    assert run.returncode == 0, run.stdout + run.stderr
    with torch.no_grad():
        torch.testing.assert_close(_outputs(run.stdout)["out"], model(x), **CLOSE)


class Batched(torch.nn.Module):
    def forward(self, a, b, q, k, v):
        return (torch.bmm(a, b), a @ b[0], q @ k.transpose(-2, -1),
                F.scaled_dot_product_attention(q, k, v))


@pytest.mark.parametrize("threads", [1, 2])
def test_batched_products(threads, tmp_path):
    """bmm, a batch times one matrix, q @ k^T (k read as it lies, packed
    from its rows) and attention: a loop of AMX products over the batches."""
    torch.manual_seed(5)
    inputs = [torch.randn(3, 40, 64).bfloat16(), torch.randn(3, 64, 72).bfloat16(),
              *(torch.randn(2, 4, 48, 32).bfloat16() for _ in range(3))]
    model = torch.jit.script(Batched())
    compiled = tsmlir.compile_module(model, inputs, threads=threads, dump_dir=str(tmp_path))
    with torch.no_grad():
        got, want = compiled(*inputs), model(*inputs)
        once = [torch.bmm(*[x.float() for x in inputs[:2]]),
                inputs[0].float() @ inputs[1][0].float(),
                inputs[2].float() @ inputs[3].float().transpose(-2, -1)]
    for g, w, r in zip(got, want, once):
        _check(g, w, r)
    torch.testing.assert_close(got[3], want[3], rtol=3e-2, atol=3e-2)
    kernel = _kernel_ir(tmp_path)
    # bmm, the rows of a @ b[0], q @ k^T (its two uses share the function)
    assert len(re.findall(r"func.func private @tsm_amx_\d+\(", kernel)) == 3
    assert PACKED_BY_WORDS in kernel  # k's rows packed as B's columns


class Widened(torch.nn.Module):
    def forward(self, a, b, q, k):
        return a.float() @ b.float(), q.float() @ k.float().transpose(-2, -1)


def test_widened_products_are_not_rounded(tmp_path):
    """float32 products of widened bfloat16 tensors run on AMX and stay
    float32: the products of bfloat16 values are exact, only the order of the
    sums differs from eager's float32 product."""
    torch.manual_seed(7)
    a, b = torch.randn(40, 96).bfloat16(), torch.randn(96, 50).bfloat16()
    q, k = torch.randn(2, 3, 48, 64).bfloat16(), torch.randn(2, 3, 40, 64).bfloat16()
    model = torch.jit.script(Widened())
    compiled = tsmlir.compile_module(model, [a, b, q, k], dump_dir=str(tmp_path))
    with torch.no_grad():
        got, want = compiled(a, b, q, k), model(a, b, q, k)
    for g, w in zip(got, want):
        assert g.dtype == torch.float32
        torch.testing.assert_close(g, w, rtol=1e-5, atol=1e-4)
    kernel = _kernel_ir(tmp_path)
    assert len(re.findall(r"func.func private @tsm_amx_\d+\(", kernel)) == 2
    assert PACKED_BY_WORDS in kernel  # k^T read as it lies, packed from k's rows


class RunTimeLinear(torch.nn.Module):
    def forward(self, x, w, bias):
        return F.linear(x, w, bias), F.linear(x, w)


#: The pack of a B read as (N, K) moves pairs of bfloat16 values as 32-bit words.
PACKED_BY_WORDS = "vector<16xbf16> to vector<8xf32>"


@pytest.mark.parametrize("n", [80, 72])
def test_linear_run_time_weight(n, tmp_path):
    """F.linear with a run-time weight: the weight read as (N, K), packed
    from its rows on every call (whole panels by 8 x 8 transposes of 32-bit
    words, 72 rows: a last panel of 8 column by column), the bias added as
    the product is rounded."""
    torch.manual_seed(6)
    x, w, bias = torch.randn(2, 24, 96).bfloat16(), torch.randn(n, 96).bfloat16(), \
        torch.randn(n).bfloat16()
    model = torch.jit.script(RunTimeLinear())
    compiled = tsmlir.compile_module(model, [x, w, bias], dump_dir=str(tmp_path))
    with torch.no_grad():
        got, want = compiled(x, w, bias), model(x, w, bias)
        once = F.linear(x.float(), w.float(), bias.float())
    _check(got[0], want[0], once)
    _check(got[1], want[1], F.linear(x.float(), w.float()))
    assert PACKED_BY_WORDS in _kernel_ir(tmp_path)


class ConvBlock(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv3 = torch.nn.Conv2d(32, 64, 3, padding=1)
        self.conv1 = torch.nn.Conv2d(64, 40, 1, bias=False)
        self.strided = torch.nn.Conv2d(64, 16, 3, stride=2, padding=(0, 1))
        self.wide = torch.nn.Conv2d(64, 24, (5, 3), padding=(1, 2), bias=False)
        self.dilated = torch.nn.Conv2d(64, 16, 3, dilation=2, padding=1)

    def forward(self, x, y):
        return (self.conv1(torch.relu(self.conv3(x))), self.strided(y), self.wide(y),
                self.dilated(y))


@pytest.mark.parametrize("batch, threads", [(1, 2), (2, 1)])
def test_convolutions(batch, threads, tmp_path):
    """bf16 convolutions on AMX, the bias added as the product is rounded:
    stride-1 ones with a kernel of several positions as windows of the
    packed padded image (conv3, wide: uneven padding, a 5 x 3 kernel), the
    others as im2col and one product per image (conv1, strided, dilated)."""
    torch.manual_seed(7)
    model = ConvBlock().bfloat16().eval()
    x, y = torch.randn(batch, 32, 13, 11).bfloat16(), torch.randn(batch, 64, 9, 14).bfloat16()
    compiled = tsmlir.compile_module(model, [x, y], threads=threads, dump_dir=str(tmp_path))
    reference = ConvBlock().eval()
    reference.load_state_dict({k: v.float() for k, v in model.state_dict().items()})
    with torch.no_grad():
        got, want = compiled(x, y), model(x, y)
        once = reference(x.float(), y.float())
    torch.testing.assert_close(got[0], want[0], rtol=3e-2, atol=3e-2)  # two roundings
    for g, w, r in zip(got[1:], want[1:], once[1:]):
        _check(g, w, r)
    kernel = _kernel_ir(tmp_path)
    assert len(re.findall(r"call @tsm_amx_\d+\(", kernel)) == 5
    assert len(re.findall(r"tsm.amx_conv = array<i64: (\d+), (\d+), (\d+)>",
                          next(tmp_path.glob("1-*.mlir")).read_text())) == 2
