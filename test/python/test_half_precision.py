"""float16 / bfloat16 models against eager: products are the float32 product
between conversions (accumulated in float, rounded once, as PyTorch's CPU
kernels), half constants are widened at compile time, and the elementwise
and row-reduction vectorizers load and store half vectors."""
import re

import pytest
import torch
import torch.nn.functional as F

import tsmlir
from tsmlir.lowering.target import host_grants_amx

HALF = [torch.float16, torch.bfloat16]
# one rounding of a float32 result, and eager's own accumulation order
TOLERANCE = {torch.float16: dict(rtol=2e-3, atol=2e-3), torch.bfloat16: dict(rtol=2e-2, atol=2e-2)}


class Products(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.up, self.down = torch.nn.Linear(96, 160), torch.nn.Linear(160, 48)

    def forward(self, x, a, b, s):
        y = self.down(F.gelu(self.up(x)))
        return (y, torch.bmm(a, b), torch.einsum("bij,bjk->bik", a, b),
                torch.addmm(s, x[:, :64], b[0]), torch.baddbmm(s, a, b, alpha=0.5),
                torch.mv(b[0].t().contiguous(), x[0, :64]))


def _inputs(dtype):
    torch.manual_seed(0)
    return [torch.randn(37, 96).to(dtype), torch.randn(3, 37, 64).to(dtype),
            torch.randn(3, 64, 29).to(dtype), torch.randn(37, 29).to(dtype)]


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("dtype", HALF, ids=str)
def test_half_products(dtype, threads, tmp_path):
    """Linear, bmm, einsum, addmm, baddbmm and mv on half operands: each
    the float32 product of the widened operands (or, on AMX, of bfloat16
    tiles accumulated in float32), rounded once (equal to
    that reference within one rounding, close to eager); the linear layers'
    half weights and biases are float32 constants, not converted per call."""
    model = Products().to(dtype).eval()
    inputs = _inputs(dtype)
    compiled = tsmlir.compile_module(model, inputs, threads=threads, dump_dir=str(tmp_path))
    reference = Products().eval()
    reference.load_state_dict({k: v.float() for k, v in model.state_dict().items()})
    with torch.no_grad():
        got, want = compiled(*inputs), model(*inputs)
        once = reference(*[x.float() for x in inputs])
    for g, w, r in zip(got, want, once):
        assert g.dtype == dtype
        torch.testing.assert_close(g, w, **TOLERANCE[dtype])
        torch.testing.assert_close(g, r.to(dtype), **TOLERANCE[dtype])
    linalg = next(tmp_path.glob("1-*.mlir")).read_text()
    # 2 biases and 2 weights; on AMX the bfloat16 weights stay bfloat16 (test_matmul_amx)
    amx = dtype == torch.bfloat16 and host_grants_amx()
    assert len(set(re.findall(r"dense_resource<(half_as_f32\w*)>", linalg))) >= (2 if amx else 4)


class Rows(torch.nn.Module):
    def __init__(self, n: int):
        super().__init__()
        self.norm = torch.nn.LayerNorm(n)

    def forward(self, x):
        return self.norm(x), torch.softmax(x, -1), x.sum(-1), torch.tanh(x) * 2 + x


@pytest.mark.parametrize("n", [77, 768])
@pytest.mark.parametrize("dtype", HALF, ids=str)
def test_half_rows_and_elementwise_are_vector_loops(dtype, n, tmp_path):
    """A layer norm, a softmax, a row sum and an elementwise chain of half
    rows (77: a masked tail) read and write half vectors, widened to f32."""
    model = Rows(n).to(dtype).eval()
    torch.manual_seed(1)
    x = torch.randn(5, 3, n).to(dtype)
    compiled = tsmlir.compile_module(model, [x], dump_dir=str(tmp_path))
    with torch.no_grad():
        for g, w in zip(compiled(x), model(x)):
            torch.testing.assert_close(g, w, **TOLERANCE[dtype])
    loops = next(tmp_path.glob("2-*.mlir")).read_text()
    half = "bf16" if dtype == torch.bfloat16 else "f16"
    assert re.search(rf"vector\.(load|maskedload|transfer_read) .*vector<\d+x{half}>", loops)
    assert re.search(rf"vector\.(store|maskedstore|transfer_write) .*vector<\d+x{half}>", loops)
    assert not re.search(rf"memref\.load %\w+\[[^\]]*\] : memref<[^>]*x{half}>", loops)


class Small(torch.nn.Module):
    """Weights small enough to be inline constants (a bfloat16 one has no
    numpy type: it is converted at run time)."""

    def __init__(self):
        super().__init__()
        self.fc, self.conv = torch.nn.Linear(3, 4), torch.nn.Conv2d(3, 4, 3)

    def forward(self, x, image):
        return self.fc(x), self.conv(image), x @ torch.full((3, 5), 0.5, dtype=x.dtype)


@pytest.mark.parametrize("dtype", HALF, ids=str)
def test_small_half_constants(dtype):
    model = Small().to(dtype).eval()
    x, image = torch.randn(2, 3).to(dtype), torch.randn(1, 3, 6, 6).to(dtype)
    compiled = tsmlir.compile_module(model, [x, image])
    with torch.no_grad():
        for g, w in zip(compiled(x, image), model(x, image)):
            torch.testing.assert_close(g, w, **TOLERANCE[dtype])
