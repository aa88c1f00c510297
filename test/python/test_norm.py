"""Normalization ops against eager: layer_norm (one or several normalized
dims, with and without affine parameters), rms_norm, group_norm,
instance_norm (input statistics or running statistics), the alpha-dropout
variants at inference; static, size-1, empty, odd and dynamic shapes,
float32 and float64; clear errors at the user's line for what is refused."""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

import tsmlir
from conftest import check_against_eager
from tsmlir import TensorSpec


class LayerNorms(nn.Module):
    """Every layer_norm form at once: module (affine over two dims), functional
    without affine, weight only, and sizes read from the input."""

    def __init__(self, dtype=torch.float32):
        super().__init__()
        self.ln = nn.LayerNorm([3, 5]).to(dtype)
        self.ln.weight.data.normal_()
        self.ln.bias.data.normal_()
        self.w = nn.Parameter(torch.randn(5, dtype=dtype))

    def forward(self, x):
        return (self.ln(x), F.layer_norm(x, [5]), F.layer_norm(x, [5], self.w, eps=1e-3),
                F.layer_norm(x, [x.size(-2), x.size(-1)]))


@pytest.mark.parametrize("shape", [(2, 3, 5), (1, 3, 5), (4, 2, 3, 5), (0, 3, 5)], ids=str)
def test_layer_norm(shape):
    x = torch.randn(shape) * 3 + 1
    check_against_eager(torch.jit.script(LayerNorms()), [x])


def test_layer_norm_float64_and_dynamic_batch():
    module = torch.jit.script(LayerNorms(torch.float64).double())
    runs = [[torch.randn(n, 3, 5, dtype=torch.float64)] for n in (1, 7, 0)]
    check_against_eager(module, runs[0], input_specs=[TensorSpec((-1, 3, 5), torch.float64)],
                        runs=runs[1:])


class OddLayerNorm(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln = nn.LayerNorm(7, elementwise_affine=False)

    def forward(self, x):
        return self.ln(x)


@pytest.mark.parametrize("shape", [(7,), (1, 7), (3, 7)], ids=str)
def test_layer_norm_odd_size_and_1d(shape):
    check_against_eager(torch.jit.script(OddLayerNorm()), [torch.randn(shape)])


def test_layer_norm_constant_input_gives_beta():
    # Zero variance: (x - mean) is 0 exactly, so eps alone keeps it finite.
    check_against_eager(torch.jit.script(LayerNorms()), [torch.full((2, 3, 5), 4.0)])


class RMSNorms(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.randn(4))

    def forward(self, x):
        return F.rms_norm(x, [4]), F.rms_norm(x, [4], self.w, 1e-2), F.rms_norm(x, [3, 4])


def test_rms_norm():
    check_against_eager(torch.jit.script(RMSNorms()), [torch.randn(2, 3, 4)])


class GroupInstance(nn.Module):
    """Scripted, F.group_norm / F.instance_norm first run their Python size
    checks (slices of and loops over the size list), folded at import."""

    def __init__(self, channels: int, groups: int):
        super().__init__()
        self.gn = nn.GroupNorm(groups, channels)
        self.gn.weight.data.normal_()
        self.gn.bias.data.normal_()
        self.inorm = nn.InstanceNorm2d(channels, affine=True)
        self.inorm.weight.data.normal_()
        self.inorm.bias.data.normal_()
        self.tracked = nn.InstanceNorm2d(channels, track_running_stats=True)
        self.tracked.running_mean.normal_()
        self.tracked.running_var.uniform_(0.5, 2)

    def forward(self, x):
        return (self.gn(x), self.inorm(x), self.tracked(x), F.group_norm(x, 1),
                F.instance_norm(x))


@pytest.mark.parametrize("shape,groups", [((2, 6, 3, 5), 3), ((1, 4, 1, 2), 2), ((3, 5, 2, 7), 5)],
                         ids=str)
def test_group_norm_and_instance_norm(shape, groups):
    module = GroupInstance(shape[1], groups).eval()
    x = torch.randn(shape) * 2 + 0.5
    check_against_eager(torch.jit.script(module), [x])


class GroupNorm3d(nn.Module):
    def __init__(self):
        super().__init__()
        self.gn = nn.GroupNorm(2, 4, affine=False).double()

    def forward(self, x):
        return self.gn(x)


def test_group_norm_3d_input_dynamic_batch_float64_traced():
    x = torch.randn(3, 4, 5, dtype=torch.float64)
    module = torch.jit.trace(GroupNorm3d(), [x])
    check_against_eager(module, [x], input_specs=[TensorSpec((-1, 4, 5), torch.float64)],
                        runs=[[torch.randn(1, 4, 5, dtype=torch.float64)]])


class Dropouts(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.f = nn.AlphaDropout(0.3), nn.FeatureAlphaDropout(0.3)

    def forward(self, x):
        return self.a(x) * 2, self.f(x) + F.alpha_dropout(x, 0.5, training=False)


def test_alpha_dropout_is_identity_at_inference():
    check_against_eager(torch.jit.script(Dropouts().eval()), [torch.randn(2, 3, 4)])


def test_alpha_dropout_in_training_mode_is_an_error():
    with pytest.raises(tsmlir.TorchScriptImportError,
                       match="alpha_dropout in training mode is not supported") as err:
        tsmlir.compile_module(torch.jit.script(Dropouts().train()), [torch.randn(2, 3)])
    assert err.value.loc.file == __file__


class WrongShape(nn.Module):
    def forward(self, x):
        return F.layer_norm(x, [4])


class IntInput(nn.Module):
    def forward(self, x):
        return F.layer_norm(x.long(), [5])


class BadWeight(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.randn(3))

    def forward(self, x):
        return F.layer_norm(x, [5], self.w)


class Groups(nn.Module):
    def forward(self, x):
        return torch.group_norm(x, 4)


class NoStats(nn.Module):
    def forward(self, x):
        return torch.instance_norm(x, None, None, None, None, False, 0.1, 1e-5, False)


@pytest.mark.parametrize("module,specs,message", [
    (WrongShape(), [(2, 5)], r"given normalized_shape=\[4\], expected input with shape \[\*, 4\]"),
    (IntInput(), [(2, 5)], "layer_norm expects a floating-point input"),
    (BadWeight(), [(2, 5)], r"expected weight of shape \[5\]"),
    (WrongShape(), [(2, -1)], "the normalized dims of tensor<2x\\?xf32> must be static"),
    (Groups(), [(2, 6, 3)], "divisible by num_groups, but got input of shape \\[2, 6, 3\\] and "
                            "num_groups=4"),
    (NoStats(), [(2, 3, 4)], "Expected running_mean and running_var to be defined"),
], ids=["normalized_shape", "int", "weight", "dynamic", "groups", "no_stats"])
def test_norm_errors(module, specs, message):
    with pytest.raises(tsmlir.TorchScriptImportError, match=message) as err:
        tsmlir.compile_module(torch.jit.script(module), input_specs=[TensorSpec(s) for s in specs])
    assert err.value.loc.file == __file__


class Encoderish(nn.Module):
    """The bench encoder's norm + attention pattern: LayerNorm, qkv split,
    heads, softmax attention, GELU MLP."""

    def __init__(self, d: int = 16, heads: int = 2):
        super().__init__()
        self.heads, self.d = heads, d
        self.qkv = nn.Linear(d, 3 * d)
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.fc = nn.Linear(d, d)

    def forward(self, x):
        s, d, h = x.size(0), self.d, self.heads
        q, k, v = self.qkv(self.ln1(x)).chunk(3, dim=-1)
        q = q.reshape(s, h, d // h).transpose(0, 1)
        k = k.reshape(s, h, d // h).transpose(0, 1)
        v = v.reshape(s, h, d // h).transpose(0, 1)
        att = torch.softmax(q @ k.transpose(1, 2) / (d // h) ** 0.5, dim=-1)
        x = x + (att @ v).transpose(0, 1).reshape(s, d)
        return x + F.gelu(self.fc(self.ln2(x)))


def test_encoder_block_dynamic_sequence():
    runs = [[torch.randn(n, 16)] for n in (5, 1, 9)]
    check_against_eager(torch.jit.script(Encoderish()), runs[0],
                        input_specs=[TensorSpec((-1, 16))], runs=runs[1:])


class RowNorm(nn.Module):
    def __init__(self, d: int, dtype=torch.float32):
        super().__init__()
        self.ln = nn.LayerNorm(d).to(dtype)
        self.ln.weight.data.normal_()
        self.ln.bias.data.normal_()

    def forward(self, x):
        return self.ln(x)


# Rows as wide as the vector loops' steps, wider with a tail, narrower, one element.
@pytest.mark.parametrize("rows,d", [(128, 256), (5, 37), (3, 300), (1, 1), (2, 3)], ids=str)
@pytest.mark.parametrize("threads", [1, 2])
def test_layer_norm_rows(rows, d, threads):
    module = torch.jit.script(RowNorm(d).eval())
    x = torch.randn(rows, d) * 4 - 2
    compiled = tsmlir.compile_module(module, [x], options=tsmlir.CompileOptions(threads=threads))
    torch.testing.assert_close(compiled(x), module(x), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16], ids=str)
def test_layer_norm_half_precision_accumulates_in_float(dtype):
    # A large offset: the statistics in the input's precision would lose it.
    x = (torch.randn(4, 300) + 50).to(dtype)
    check_against_eager(torch.jit.script(RowNorm(300, dtype).eval()), [x])


class InstanceNorm(nn.Module):
    def forward(self, x):
        return F.instance_norm(x)


def test_instance_norm_two_dynamic_spatial_dims():
    # Two dynamic normalized dims are not collapsed into one row: the
    # statistics reduce both dims.
    runs = [[torch.randn(n, 3, h, w) * 2 + 1] for n, h, w in ((2, 5, 7), (1, 1, 3), (3, 4, 1))]
    check_against_eager(torch.jit.script(InstanceNorm()), runs[0],
                        input_specs=[TensorSpec((-1, 3, -1, -1))], runs=runs[1:])


# -- statistics and normalization row by row (row_fusion) -------------------------------
@pytest.fixture
def row_by_row(monkeypatch):
    """Fuse row by row whatever the sizes (the thresholds keep small tensors
    on whole passes), one row an iteration."""
    from tsmlir.lowering import row_fusion
    monkeypatch.setattr(row_fusion, "MIN_ROW_BYTES", 0)
    monkeypatch.setattr(row_fusion, "MIN_TENSOR_BYTES", 0)
    monkeypatch.setattr(row_fusion, "TILE_BYTES", 0)


def _by_row(module, inputs, tmp_path, **kw) -> bool:
    """Whether tsm-fuse-row-consumers makes a row loop of the compiled
    module's linalg (the dump after tsm-to-linalg)."""
    from mlir import ir
    from tsmlir.context import new_context
    from tsmlir.lowering.pipelines import pass_manager
    tsmlir.compile_module(module, inputs, dump_dir=str(tmp_path), **kw)
    with new_context() as ctx:
        m = ir.Module.parse((tmp_path / "1-tsm-to-linalg.mlir").read_text())
        pass_manager(["tsm-fuse-row-consumers"], context=ctx).run(m.operation)
        return "scf.forall" in str(m)


class GroupNormAffine(nn.Module):
    def forward(self, x, w, b):
        return F.group_norm(x, 3, w, b)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("rows,d", [(37, 45), (1, 9), (64, 300), (3, 1)], ids=str)
def test_layer_norm_row_by_row(row_by_row, rows, d, threads, tmp_path):
    # a large offset: the two passes' centered sum of squares keeps it
    module = torch.jit.script(RowNorm(d).eval())
    x = torch.randn(rows, d) * 4 + 100
    compiled = tsmlir.compile_module(module, [x], threads=threads)
    torch.testing.assert_close(compiled(x), module(x), rtol=1e-4, atol=1e-4)
    # (a loop of one row is folded away by canonicalization)
    assert _by_row(module, [x], tmp_path, threads=threads) == (rows > 1)


@pytest.mark.parametrize("threads", [1, 2])
def test_group_norm_row_by_row_dynamic_batch(row_by_row, threads):
    specs = [TensorSpec((-1, 9, 5, 11)), TensorSpec((9,)), TensorSpec((9,))]
    runs = [[torch.randn(n, 9, 5, 11) * 3 + 1, torch.randn(9), torch.randn(9)] for n in (2, 1, 6)]
    module = torch.jit.script(GroupNormAffine())
    compiled = tsmlir.compile_module(module, input_specs=specs, threads=threads)
    for args in runs:
        torch.testing.assert_close(compiled(*args), module(*args), rtol=1e-4, atol=1e-4)


def test_row_by_row_thresholds(tmp_path):
    """Rows of 256 B or more in a tensor over 512 KB go row by row; narrower
    rows, or a tensor the L2 holds, keep whole passes."""
    module = torch.jit.script(GroupNormAffine())
    w, b = torch.randn(6), torch.randn(6)
    for shape, by_row in (((16, 6, 64, 64), True), ((2, 6, 64, 64), False),
                          ((1024, 6, 4, 4), False), ((1024, 6, 4, 8), True)):
        x = torch.randn(shape)
        assert _by_row(module, [x, w, b], tmp_path / str(shape[0]), threads=1) == by_row
        compiled = tsmlir.compile_module(module, [x, w, b], threads=1)
        torch.testing.assert_close(compiled(x, w, b), module(x, w, b), rtol=1e-4, atol=1e-4)
