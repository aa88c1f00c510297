"""Padding (F.pad constant/reflect/replicate/circular, the fixed-size aten pad ops) and
upsampling (F.interpolate nearest, nearest-exact, (bi)linear with size or
scale_factor, align_corners) against eager: 0-d-free ranks 1-5, negative
(cropping) pads, empty and size-1 dims, integer dtypes, dynamic dims (checked
at run time), and the errors for what stays unsupported."""
from typing import List, Optional

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

import tsmlir
from tsmlir.compiler import lower_module
from conftest import check_against_eager
from tsmlir import TensorSpec


class Pads(nn.Module):
    def forward(self, x):
        return (F.pad(x, [1, 2]), F.pad(x, [1, 2, -1, 0], value=2.5),
                F.pad(x, [2, 1, 1, 2], mode="reflect"), F.pad(x, [3, 1, 0, 2], mode="replicate"),
                F.pad(x[0], [0, 1], mode="reflect"), F.pad(x[0], [2, 0], mode="replicate"),
                F.pad(x, [3, 1, 2, 0], mode="circular"))


@pytest.mark.parametrize("shape", [(2, 3, 5, 6), (3, 4, 3), (1, 1, 3, 4)], ids=str)
def test_pad_modes(shape):
    check_against_eager(torch.jit.script(Pads()), [torch.randn(shape)])


class DtypePads(nn.Module):
    def forward(self, x):
        return (F.pad(x, [1, -1, 2, 0], value=3.0), F.pad(x, [2, 1, 1, 2], mode="reflect"),
                F.pad(x, [3, 1, 0, 2], mode="replicate"), F.pad(x, [1, 2, 4, 1], mode="circular"))


@pytest.mark.parametrize("dtype", [torch.int64, torch.int32, torch.uint8, torch.float16], ids=str)
def test_pad_other_dtypes(dtype):
    x = torch.randint(0 if dtype == torch.uint8 else -9, 9, (2, 3, 4, 5)).to(dtype)
    check_against_eager(torch.jit.script(DtypePads()), [x])


def test_constant_pad_bool():
    x = torch.randint(0, 2, (2, 3, 4), dtype=torch.bool)
    check_against_eager(torch.jit.script(ConstantPads()), [x])


class ConstantPads(nn.Module):
    def forward(self, x):
        return (F.pad(x, [1, 1, 0, 0, 2, -1]), F.pad(x, [-1, -2], value=1.0),
                torch.constant_pad_nd(x, [0, 3], 1))


@pytest.mark.parametrize("shape", [(4, 0, 3), (1, 2, 5), (2, 3, 4, 5, 6)], ids=str)
def test_constant_pad_any_rank_and_empty(shape):
    check_against_eager(torch.jit.script(ConstantPads()), [torch.randn(shape)])


class FixedPads(nn.Module):
    def forward(self, x):
        return (torch.ops.aten.reflection_pad1d(x[0], [2, 1]),
                torch.ops.aten.reflection_pad2d(x, [1, 2, 2, 1]),
                torch.ops.aten.replication_pad1d(x[0], [0, 3]),
                torch.ops.aten.replication_pad2d(x, [1, 0, 2, 3]),
                torch.ops.aten.reflection_pad3d(x.unsqueeze(0), [1, 1, 1, 1, 1, 1]))


def test_fixed_size_pad_ops_and_modules():
    check_against_eager(torch.jit.script(FixedPads()), [torch.randn(2, 4, 5)])
    modules = nn.Sequential(nn.ReflectionPad2d((1, 2, 0, 1)), nn.ReplicationPad2d(2),
                            nn.ConstantPad2d((1, -1, 2, 0), 0.5), nn.ZeroPad2d(1))
    x = torch.randn(1, 2, 4, 4)
    check_against_eager(torch.jit.script(modules), [x])
    check_against_eager(torch.jit.trace(modules.eval(), x), [x])


def test_pad_dynamic_dims_checked_at_run_time():
    pads = torch.jit.script(Pads())
    compiled = check_against_eager(pads, [torch.randn(2, 3, 5, 6)],
                                   input_specs=[TensorSpec((-1, 3, -1, -1))],
                                   runs=[[torch.randn(1, 3, 3, 4)]])
    with pytest.raises(tsmlir.TsmlirError, match="reflect padding"):
        compiled(torch.randn(1, 3, 5, 2))  # reflect by 2 needs a width of at least 3
    # Only the batch dynamic: the padded dims take the slice-based lowering.
    check_against_eager(pads, [torch.randn(2, 3, 5, 6)], input_specs=[TensorSpec((-1, 3, 5, 6))],
                        runs=[[torch.randn(1, 3, 5, 6)]])


def test_pad_errors():
    class NegativeCircular(nn.Module):
        def forward(self, x):
            return F.pad(x, [-1, 1], mode="circular")

    class TooMuchReflection(nn.Module):
        def forward(self, x):
            return F.pad(x, [3, 0], mode="reflect")

    with pytest.raises(tsmlir.TorchScriptImportError,
                       match=r"test_resampling.py:\d+:\d+: error: aten::pad: circular padding "
                             r"must be >= 0, got -1, 1 on dim 2"):
        tsmlir.compile_module(torch.jit.script(NegativeCircular()), [torch.randn(1, 2, 4)])
    with pytest.raises(tsmlir.TorchScriptImportError,
                       match=r"reflect padding \(3, 0\) must be smaller than the size 3"):
        tsmlir.compile_module(torch.jit.script(TooMuchReflection()), [torch.randn(1, 2, 3)])


class Upsample(nn.Module):
    size: Optional[List[int]]
    scale_factor: Optional[List[float]]
    align_corners: Optional[bool]

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None):
        super().__init__()
        self.size, self.scale_factor, self.mode = size, scale_factor, mode
        self.align_corners = align_corners

    def forward(self, x):
        return F.interpolate(x, size=self.size, scale_factor=self.scale_factor, mode=self.mode,
                             align_corners=self.align_corners)


UPSAMPLES = {
    "nearest_size": dict(size=[7, 9]),
    "nearest_x2": dict(scale_factor=[2.0, 2.0]),
    "nearest_fraction": dict(scale_factor=[1.7, 0.6]),
    "nearest_exact": dict(size=[3, 11], mode="nearest-exact"),
    "bilinear_size": dict(size=[7, 9], mode="bilinear"),
    "bilinear_down": dict(size=[3, 2], mode="bilinear"),
    "bilinear_align": dict(size=[7, 9], mode="bilinear", align_corners=True),
    "bilinear_scale": dict(scale_factor=[1.5, 2.5], mode="bilinear"),
    "bilinear_align_scale": dict(scale_factor=[1.3, 0.7], mode="bilinear", align_corners=True),
}


@pytest.mark.parametrize("name", UPSAMPLES)
@pytest.mark.parametrize("how", ["script", "trace"])
def test_upsample2d(name, how):
    x = torch.randn(2, 3, 5, 6)
    module = Upsample(**UPSAMPLES[name])
    module = torch.jit.script(module) if how == "script" else torch.jit.trace(module, x)
    check_against_eager(module, [x])


def test_upsample_float64_size1_uint8_and_dynamic_batch():
    up = torch.jit.script(Upsample(size=[4, 6], mode="bilinear"))
    check_against_eager(up, [torch.randn(1, 2, 1, 3, dtype=torch.float64)])
    near = torch.jit.script(Upsample(scale_factor=[3.0, 1.5]))
    check_against_eager(near, [torch.randint(0, 256, (2, 2, 3, 4), dtype=torch.uint8)])
    check_against_eager(near, [torch.randn(2, 3, 4, 4)], input_specs=[TensorSpec((-1, 3, 4, 4))],
                        runs=[[torch.randn(1, 3, 4, 4)]])


def test_upsample_1d_and_modules():
    class Up1d(nn.Module):
        def forward(self, x):
            return (F.interpolate(x, size=[9]), F.interpolate(x, scale_factor=[2.0]),
                    F.interpolate(x, size=[8], mode="linear"),
                    F.interpolate(x, size=[3], mode="linear", align_corners=True),
                    F.interpolate(x, size=[4], mode="nearest-exact"))

    check_against_eager(torch.jit.script(Up1d()), [torch.randn(2, 3, 5)])
    x = torch.randn(1, 2, 4, 5)
    modules = nn.Sequential(nn.Upsample(size=(6, 7), mode="bilinear"),
                            nn.UpsamplingNearest2d(size=(9, 8)),
                            nn.UpsamplingBilinear2d(scale_factor=2))
    check_against_eager(torch.jit.trace(modules.eval(), x), [x])


class ScalarForms(nn.Module):
    """An int size and a float scale factor: interpolate repeats them per dim."""
    def forward(self, x):
        return (F.interpolate(x, scale_factor=2.0), F.interpolate(x, size=7, mode="bilinear"),
                F.interpolate(x, scale_factor=1.5, mode="bilinear", align_corners=True))


def test_upsample_scalar_forms_and_scripted_modules():
    x = torch.randn(2, 3, 5, 6)
    check_against_eager(torch.jit.script(ScalarForms()), [x])
    ups = nn.Sequential(nn.Upsample(scale_factor=2), nn.Upsample(scale_factor=(1.5, 0.5),
                                                                 mode="bilinear"))
    check_against_eager(torch.jit.script(ups), [x])
    check_against_eager(torch.jit.script(nn.Upsample(scale_factor=3)), [torch.randn(2, 3, 5)])


class NonVecForms(nn.Module):
    """The aten forms with explicit sizes and optional per-dim scales."""
    def forward(self, x):
        return (torch.ops.aten.upsample_nearest2d(x, [7, 9], 1.5, 1.6),
                torch.ops.aten.upsample_bilinear2d(x, [7, 9], False, 1.5, 1.6),
                torch.ops.aten.upsample_bilinear2d(x, [4, 4], True),
                torch.ops.aten._upsample_nearest_exact2d(x, [7, 3]),
                torch.ops.aten.upsample_nearest1d(x[0], [9], 1.9),
                torch.ops.aten.upsample_linear1d(x[0], [9], False),
                torch.ops.aten._upsample_nearest_exact1d(x[0], [4]))


def test_upsample_non_vec_forms():
    check_against_eager(torch.jit.script(NonVecForms()), [torch.randn(2, 3, 5, 6)])


def test_upsample_errors():
    # a dynamic spatial dim: compiled per size by the JIT, refused ahead of time
    scaled = torch.jit.script(Upsample(scale_factor=[2.0, 2.0]))
    compiled = tsmlir.compile_module(scaled, input_specs=[TensorSpec((1, 3, -1, 4))])
    x = torch.randn(1, 3, 5, 4)
    torch.testing.assert_close(compiled(x), scaled(x))
    with pytest.raises(tsmlir.StaticSizeRequired,
                       match="upsampling by a scale factor needs static spatial dims"):
        lower_module(scaled, input_specs=[TensorSpec((1, 3, -1, 4))])
    for mode, dtype, allowed in (("nearest", torch.int64, "floating-point or uint8"),
                                 ("bilinear", torch.uint8, "floating-point")):
        with pytest.raises(tsmlir.TorchScriptImportError, match=f"expects a {allowed} input"):
            tsmlir.compile_module(torch.jit.script(Upsample(size=[4, 4], mode=mode)),
                                  [torch.ones(1, 1, 2, 2, dtype=dtype)])
    with pytest.raises(tsmlir.TorchScriptImportError,
                       match="cubic resizing expects a floating-point input"):
        tsmlir.compile_module(torch.jit.script(Upsample(size=[4, 4], mode="bicubic")),
                              [torch.ones(1, 1, 2, 2, dtype=torch.uint8)])
