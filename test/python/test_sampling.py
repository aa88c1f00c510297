"""F.affine_grid and F.grid_sample (2-D) against eager: a spatial transformer,
both interpolation modes, zeros and border padding, align_corners, points
outside the input (far outside, for reflection), dynamic batch, and the
refusals; the float32 vector loop
(tsm-vectorize-grid-sample) on point counts that are not multiples of 16,
on 1 and 2 threads, with NaN and inf in the input and the grid, and the
other dtypes and layouts that keep the scalar loop."""
from __future__ import annotations

import os
import shutil

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

import tsmlir
from conftest import check_against_eager, load_bench
from tsmlir import TensorSpec
from tsmlir.errors import TsmlirError


class Sample(nn.Module):
    def __init__(self, mode: str, padding: str, align: bool):
        super().__init__()
        self.mode, self.padding, self.align = mode, padding, align

    def forward(self, x, grid):
        return F.grid_sample(x, grid, mode=self.mode, padding_mode=self.padding,
                             align_corners=self.align)


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align", [False, True])
def test_grid_sample(mode, padding, align):
    x = torch.randn(2, 3, 5, 7)
    grid = torch.rand(2, 4, 6, 2) * 2.6 - 1.3  # some points outside [-1, 1]
    grid[0, 0, 0] = torch.tensor([0.25, -0.5])  # on pixel centres / edges
    check_against_eager(Sample(mode, padding, align), [x, grid])


class STN(nn.Module):
    """A spatial transformer: localization net -> theta -> warp."""
    def __init__(self):
        super().__init__()
        self.loc = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(2),
                                 nn.Flatten(), nn.Linear(16, 6))

    def forward(self, x):
        theta = self.loc(x).view(-1, 2, 3)
        grid = F.affine_grid(theta, [x.size(0), 1, 6, 8], align_corners=False)
        return F.grid_sample(x, grid, align_corners=False)


def test_spatial_transformer():
    check_against_eager(STN(), [torch.randn(3, 1, 10, 12)])


def test_spatial_transformer_dynamic_batch():
    check_against_eager(STN(), [torch.randn(2, 1, 10, 12)],
                        input_specs=[TensorSpec((-1, 1, 10, 12))],
                        runs=[(torch.randn(5, 1, 10, 12),)])


class Affine(nn.Module):
    def forward(self, theta):
        return (F.affine_grid(theta, [2, 3, 4, 5], align_corners=True),
                F.affine_grid(theta, [2, 3, 1, 3], align_corners=False))


def test_affine_grid():
    check_against_eager(Affine(), [torch.randn(2, 2, 3)])


def _compile(module, inputs, threads=1):
    compiled = tsmlir.compile_module(module, inputs, threads=threads)
    with torch.no_grad():
        expected = module(*inputs)
    return compiled, expected


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align", [False, True])
@pytest.mark.parametrize("threads", [1, 2])
def test_vector_loop(mode, padding, align, threads):
    """Big enough for the parallel loop at 2 threads; 37 x 29 points: 67
    blocks of 16 and a last one of 1."""
    x = torch.randn(2, 40, 33, 31)
    grid = torch.rand(2, 37, 29, 2) * 2.4 - 1.2
    grid[1, 3, 5] = torch.tensor([1.0, -1.0])  # the corners of the input
    grid[1, 3, 6] = torch.tensor([-1.0, 1.0])
    compiled, expected = _compile(Sample(mode, padding, align), [x, grid], threads)
    # reflection's coordinates round differently from eager's (ours 8e-6 off the
    # float64 result here, eager's 1.1e-5): up to 1.4e-5 apart
    torch.testing.assert_close(compiled(x, grid), expected, rtol=1e-4, atol=5e-5)


@pytest.mark.parametrize("align", [False, True])
def test_reflection_far_outside(align):
    """Points several widths outside the input mirror back and forth (odd
    and even numbers of flips); a 1-pixel-wide input with align_corners
    reflects every point onto its one column."""
    grid = torch.stack([torch.linspace(-7.3, 6.9, 64), torch.linspace(5.2, -8.1, 64)], -1)
    for x in (torch.randn(1, 3, 5, 7), torch.randn(1, 3, 5, 1)):
        g = grid.reshape(1, 8, 8, 2)
        compiled, expected = _compile(Sample("bilinear", "reflection", align), [x, g])
        torch.testing.assert_close(compiled(x, g), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("points", [(1, 1), (1, 15), (4, 4), (1, 17), (3, 11)])
def test_vector_loop_tails(points):
    x = torch.randn(1, 3, 7, 9)
    grid = torch.rand(1, *points, 2) * 2.2 - 1.1
    compiled, expected = _compile(Sample("bilinear", "zeros", False), [x, grid])
    torch.testing.assert_close(compiled(x, grid), expected, rtol=1e-5, atol=1e-5)


def test_non_finite_values():
    """A NaN or inf pixel reaches only the points that read it (a corner
    outside the input reads 0, not a clamped neighbour times 0); a NaN grid
    point gives NaN, as in eager's vector kernel."""
    x = torch.randn(1, 2, 6, 6)
    x[0, 0, 0, 0], x[0, 1, 5, 5], x[0, 0, 2, 3] = float("nan"), float("inf"), float("-inf")
    grid = torch.rand(1, 5, 7, 2) * 3 - 1.5
    grid[0, 0, 0] = torch.tensor([-1.2, -1.2])  # reads pixel (0, 0) as its south-east corner
    grid[0, 0, 1] = torch.tensor([float("nan"), 0.0])
    for mode in ("bilinear", "nearest"):
        compiled, expected = _compile(Sample(mode, "zeros", False), [x, grid])
        torch.testing.assert_close(compiled(x, grid), expected, equal_nan=True)


def test_float64():
    """float64 keeps the scalar loop."""
    x, grid = torch.randn(2, 3, 8, 9).double(), (torch.rand(2, 5, 19, 2) * 2.4 - 1.2).double()
    check_against_eager(Sample("bilinear", "zeros", False), [x, grid])
    check_against_eager(Sample("nearest", "border", True), [x, grid])


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
def test_halves(dtype, mode):
    """Halves are sampled in float32 and rounded once: eager's float32
    result of the same (half) values, rounded.  (Eager's own half kernel
    rounds every step: 0.008 (float16) and 0.1 (bfloat16) off the float64
    result here, ten times our error.)"""
    x = torch.randn(2, 3, 8, 9).to(dtype)
    grid = (torch.rand(2, 5, 19, 2) * 2.4 - 1.2).to(dtype)
    module = Sample(mode, "zeros", False)
    got = tsmlir.compile_module(module, [x, grid])(x, grid)
    assert got.dtype == dtype
    torch.testing.assert_close(got, module(x.float(), grid.float()).to(dtype), rtol=0, atol=0)


class SampleChannelsSlice(nn.Module):
    """The input a strided view (every other channel) and the grid a
    permuted one: the vector loop takes any channel stride, the grid's points
    must be contiguous."""
    def forward(self, x, grid):
        return (F.grid_sample(x[:, ::2], grid, align_corners=False),
                F.grid_sample(x, grid.transpose(1, 2), align_corners=False))


def test_views():
    x, grid = torch.randn(1, 6, 9, 10), torch.rand(1, 7, 7, 2) * 2 - 1
    check_against_eager(SampleChannelsSlice(), [x, grid])


def test_is_a_vector_loop(tmp_path):
    """float32: one call of the vector kernel (4 gathers of 16 lanes), no
    scalar loads of the input."""
    x, grid = torch.randn(1, 4, 10, 12), torch.rand(1, 6, 8, 2) * 2 - 1
    tsmlir.compile_module(Sample("bilinear", "zeros", False), [x, grid], dump_dir=str(tmp_path))
    loops = (tmp_path / "2-tsm-linalg-to-loops.mlir").read_text()
    assert "call @tsm_grid_sample_f32_bilinear_zeros_noalign_10x12(" in loops
    assert loops.count("vector.gather") == 4 and "memref.load" not in loops


@pytest.mark.skipif(os.uname().machine != "x86_64" or shutil.which("cc") is None,
                    reason="x86-64 CPU names and a C compiler")
def test_vector_loop_avx2(tmp_path):
    """Ahead-of-time code for an AVX2 CPU (runs on any x86-64-v3 host): LLVM
    legalizes the 16-lane masked gathers its own way there (x86-64-v3's
    tuning loads lane by lane), with the same results."""
    from tsmlir.runtime.aot import EntryPoint, compile_aot
    module = Sample("bilinear", "zeros", False)
    x, grid = torch.randn(1, 5, 9, 11), torch.rand(1, 7, 5, 2) * 2.4 - 1.2
    archive = str(tmp_path / "sample.pt")
    torch.jit.script(module).save(archive)
    specs = [TensorSpec(tuple(x.shape)), TensorSpec(tuple(grid.shape))]
    compile_aot(archive, [EntryPoint("forward", specs)], tmp_path, name="sample", shared=True,
                target_cpu="x86-64-v3")
    want = module(x, grid)
    aot_model = load_bench("aot_bench").AotModel
    got = aot_model(str(tmp_path / "sample.so"), "sample_forward", "sample_free",
                    [x, grid], [want])(x, grid)[0]
    torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-5)


def test_refusals():
    x, grid = torch.randn(1, 1, 4, 4), torch.rand(1, 2, 2, 2)
    with pytest.raises(TsmlirError, match="mode 'bicubic' is not supported"):
        tsmlir.compile_module(Sample("bicubic", "zeros", False), [x, grid])

