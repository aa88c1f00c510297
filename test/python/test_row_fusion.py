"""tsm-fuse-row-consumers: softmax, log_softmax, layer_norm and group_norm
run row by row (row reductions, per-row math and the final
elementwise op in one loop over blocks of rows) and match eager: odd sizes,
one row, dynamic rows, both thread counts, half precision, masks, and
special values.  The thresholds are lowered so that small tensors take the
fused path too; one test keeps them and checks which shapes are fused."""
from __future__ import annotations

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mlir import ir

import tsmlir
from conftest import check_against_eager
from tsmlir import TensorSpec
from tsmlir.context import new_context
from tsmlir.lowering import row_fusion
from tsmlir.lowering.pipelines import pass_manager


@pytest.fixture(params=["row", "block"])
def fused(request, monkeypatch):
    """Fuse whatever the sizes: one row an iteration, or the usual blocks."""
    monkeypatch.setattr(row_fusion, "MIN_ROW_BYTES", 0)
    monkeypatch.setattr(row_fusion, "MIN_TENSOR_BYTES", 0)
    if request.param == "row":
        monkeypatch.setattr(row_fusion, "TILE_BYTES", 0)
    return request.param


def row_loops(module, inputs, tmp_path, **kw) -> int:
    """How many row loops tsm-fuse-row-consumers makes of the module's
    linalg (the dump after tsm-to-linalg)."""
    tsmlir.compile_module(module, inputs, dump_dir=str(tmp_path), **kw)
    with new_context() as ctx:
        m = ir.Module.parse((tmp_path / "1-tsm-to-linalg.mlir").read_text())
        pass_manager(["tsm-fuse-row-consumers"], context=ctx).run(m.operation)
        return str(m).count("scf.forall (")


class Softmax(nn.Module):
    def __init__(self, log: bool = False):
        super().__init__()
        self.log = log

    def forward(self, x):
        return F.log_softmax(x, -1) if self.log else F.softmax(x, -1)


class MaskedSoftmax(nn.Module):
    def forward(self, s, lengths):
        keep = torch.arange(s.size(-1)).unsqueeze(0) < lengths.unsqueeze(1)
        return torch.softmax(s.masked_fill(~keep.unsqueeze(1), float("-inf")), -1)


class RMSNorm(nn.Module):
    def __init__(self, d: int):
        super().__init__()
        self.w = nn.Parameter(torch.randn(d))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6) * self.w


class LayerNormResidual(nn.Module):
    """The residual add before the norm stays one whole pass (not per row)."""
    def __init__(self, d: int):
        super().__init__()
        self.ln = nn.LayerNorm(d)
        self.ln.weight.data.normal_()
        self.ln.bias.data.normal_()

    def forward(self, x, y):
        return self.ln(x + y)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("log", [False, True], ids=["softmax", "log_softmax"])
@pytest.mark.parametrize("shape", [(7, 13), (1, 33), (3, 5, 96), (2, 3, 4, 129), (5, 1)],
                         ids=str)
def test_softmax(fused, shape, log, threads, tmp_path):
    x = torch.randn(shape) * 3
    module = Softmax(log)
    compiled = tsmlir.compile_module(module, [x], threads=threads)
    torch.testing.assert_close(compiled(x), module(x), rtol=1e-5, atol=1e-6)
    if fused == "row" and shape[-1] > 1:  # (blocks: these fit one; softmax of 1 is 1)
        assert row_loops(module, [x], tmp_path, threads=threads) == (x.numel() > shape[-1])


@pytest.mark.parametrize("threads", [1, 2])
def test_softmax_special_values(fused, threads):
    x = torch.randn(6, 40)
    x[0] = float("-inf")  # all masked: NaN, as eager
    x[1, 3] = float("nan")
    x[2, :20] = float("-inf")
    x[3, 5] = float("inf")
    x[4] = 0.0
    x[5, 7] = 88.0
    module = Softmax()
    compiled = tsmlir.compile_module(module, [x], threads=threads)
    torch.testing.assert_close(compiled(x), module(x), rtol=1e-5, atol=1e-6, equal_nan=True)


def test_masked_softmax(fused):
    s, lengths = torch.randn(4, 9, 50), torch.tensor([1, 50, 17, 3])
    check_against_eager(MaskedSoftmax(), [s, lengths], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("threads", [1, 2])
def test_softmax_dynamic_rows(fused, threads):
    module = torch.jit.script(Softmax())
    compiled = tsmlir.compile_module(module, input_specs=[TensorSpec((-1, 3, 70))],
                                     threads=threads)
    for n in (1, 4, 9):
        x = torch.randn(n, 3, 70)
        torch.testing.assert_close(compiled(x), module(x), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("shape", [(37, 45), (2, 9, 300), (4, 1, 64)], ids=str)
def test_layer_norm_and_rms_norm(fused, shape, threads, tmp_path):
    x = torch.randn(shape) * 4 + 100  # a large offset: the centered second pass keeps it
    for module in (nn.LayerNorm(shape[-1]), RMSNorm(shape[-1])):
        module = module.eval()
        compiled = tsmlir.compile_module(module, [x], threads=threads)
        torch.testing.assert_close(compiled(x), module(x), rtol=1e-4, atol=1e-4)
        # (RMSNorm: a keepdim mean of (rows, 1, n) into (rows, 1), its rsqrt
        # per row; blocks: the whole tensor is one)
        if fused == "row":
            assert row_loops(module, [x], tmp_path / type(module).__name__,
                             threads=threads) == 1


def test_layer_norm_after_residual(fused, tmp_path):
    x, y = torch.randn(16, 80), torch.randn(16, 80)
    module = LayerNormResidual(80).eval()
    check_against_eager(module, [x, y], rtol=1e-4, atol=1e-4)
    if fused == "row":
        assert row_loops(module, [x, y], tmp_path) == 1


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16], ids=str)
def test_half_layer_norm(fused, dtype):
    x = torch.randn(24, 200).to(dtype)
    module = nn.LayerNorm(200).to(dtype).eval()
    module.weight.data.normal_()
    compiled = tsmlir.compile_module(module, [x])
    tol = 2e-2 if dtype == torch.bfloat16 else 2e-3
    torch.testing.assert_close(compiled(x), module(x), rtol=tol, atol=tol)


def test_group_norm(fused, tmp_path):
    """group_norm's rows are (batch, group), its normalize generic 4-D."""
    x, w, b = torch.randn(3, 6, 5, 7), torch.randn(6), torch.randn(6)
    module = torch.jit.script(GroupNorm())
    check_against_eager(module, [x, w, b], rtol=1e-4, atol=1e-4)
    if fused == "row":
        assert row_loops(module, [x, w, b], tmp_path) == 1


class GroupNorm(nn.Module):
    def forward(self, x, w, b):
        return F.group_norm(x, 3, w, b)


def test_thresholds(tmp_path):
    """The default thresholds: rows of 256 B to 128 KB in a tensor over
    512 KB; a row sum that is also a result stays a whole pass."""
    cases = [((1024, 512), 1), ((255, 512), 0), ((8192, 32), 0), ((4, 65536), 0)]
    for i, (shape, loops) in enumerate(cases):
        x = torch.randn(shape)
        assert row_loops(Softmax(), [x], tmp_path / str(i)) == loops, shape
    module = SumAndCenter()
    x = torch.randn(1024, 512)
    check_against_eager(module, [x])
    assert row_loops(module, [x], tmp_path / "both") == 0


class SumAndCenter(nn.Module):
    def forward(self, x):
        s = x.sum(-1, keepdim=True)
        return x - s, s
