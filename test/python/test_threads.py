"""Multithreaded code (OpenMP) against eager: matmuls and elementwise ops with
enough work run on `threads=` threads; sizes that the thread chunks, cache
tiles and vectors do not divide, 1-element dims and dynamic dims; the same
module compiled serial and parallel agrees."""
import contextlib

import pytest
import torch

import tsmlir
from conftest import check_against_eager
from tsmlir import TensorSpec
from tsmlir.errors import TsmlirError
from tsmlir.runtime import native_libs

TOL = dict(rtol=1e-4, atol=1e-4)


class Mm(torch.nn.Module):
    def forward(self, x, y):
        return torch.mm(x, y)


class Linear(torch.nn.Module):
    """A constant weight (the common case) and a fused elementwise epilogue."""
    def __init__(self, k, n):
        super().__init__()
        self.fc = torch.nn.Linear(k, n)

    def forward(self, x):
        return torch.relu(self.fc(x)) * 0.5


class Chain(torch.nn.Module):
    def forward(self, x):
        return torch.tanh(x * 1.5 + 0.25) * torch.sigmoid(x)


class BiasAdd(torch.nn.Module):
    def forward(self, x, b):
        return x + b


def _compile(module, inputs, threads, **kw):
    return tsmlir.compile_module(module.eval(), inputs, threads=threads, **kw)


def _uses_openmp(compiled) -> bool:
    return native_libs.uses_openmp(compiled.forward._module.operation)


# (m, k, n): odd sizes around the register (6 x 16) and cache tiles, a
# single row (threads split the columns, even when they fit one cache
# tile), sizes the thread count divides.
@pytest.mark.parametrize("m,k,n", [(200, 100, 129), (1, 2048, 1025), (1, 8192, 256),
                                   (97, 301, 270), (256, 64, 256), (1000, 40, 70),
                                   # packed kernel: pieces of columns, strips of rows
                                   (64, 784, 512), (257, 300, 33), (601, 256, 20),
                                   (5001, 500, 1), (16, 4096, 100),
                                   # more rows than columns: strips of rows
                                   (301, 150, 70), (512, 288, 49)])
def test_matmul_threads(m, k, n):
    x, y = torch.randn(m, k), torch.randn(k, n)
    compiled = _compile(Mm(), [x, y], threads=2)
    assert _uses_openmp(compiled)
    with torch.no_grad():
        torch.testing.assert_close(compiled(x, y), torch.mm(x, y), **TOL)


def test_matmul_threads_dynamic():
    """Dynamic sizes: the tile count is only known at run time (1 tile, odd tiles)."""
    compiled = tsmlir.compile_module(Mm(), input_specs=[TensorSpec((-1, -1)), TensorSpec((-1, -1))],
                                     threads=2)
    assert _uses_openmp(compiled)
    for m, k, n in [(97, 300, 270), (1, 1, 1), (300, 17, 33), (0, 5, 3)]:
        x, y = torch.randn(m, k), torch.randn(k, n)
        with torch.no_grad():
            torch.testing.assert_close(compiled(x, y), torch.mm(x, y), **TOL)


def test_linear_serial_and_parallel_agree():
    model, x = Linear(300, 257).eval(), torch.randn(130, 300)
    serial, parallel = _compile(model, [x], threads=1), _compile(model, [x], threads=2)
    assert not _uses_openmp(serial) and _uses_openmp(parallel)
    with torch.no_grad():
        torch.testing.assert_close(parallel(x), serial(x), **TOL)
        torch.testing.assert_close(parallel(x), model(x), **TOL)


@pytest.mark.parametrize("shape", [(300, 301), (65537,), (2, 1, 40000), (1, 70001)])
def test_elementwise_threads(shape):
    x = torch.randn(shape)
    compiled = _compile(Chain(), [x], threads=2)
    assert _uses_openmp(compiled)
    with torch.no_grad():
        torch.testing.assert_close(compiled(x), Chain()(x), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("shape", [(1, 67, 61, 59), (1, 1, 301, 299), (1, 3, 230, 230)])
def test_pad_threads(shape):
    """A padded batch-1 image: the pad's fill is one flat range per thread,
    the copy of the interior (a strided view) is split on its first dim with
    a row for each thread (channels; rows for a single channel)."""
    x = torch.randn(shape)
    pad = torch.nn.ZeroPad2d((1, 2, 3, 1))
    compiled = _compile(pad, [x], threads=2)
    with torch.no_grad():
        torch.testing.assert_close(compiled(x), pad(x))


class Cat(torch.nn.Module):
    def forward(self, x, y):
        return torch.cat([x, y], 0), torch.cat([y, x], -1)


@pytest.mark.parametrize("shape", [(70001,), (3, 40001), (2, 97, 401), (1, 1, 65536)], ids=str)
def test_row_copies_threads(shape):
    """Copies with enough elements call the shared parallel row copy: the
    threads take chunks of the outermost (collapsed) dim, whole vectors when
    it is the only one (odd sizes, fewer rows than chunks for a thread)."""
    x, y = torch.randn(shape), torch.randn(shape)
    compiled = _compile(Cat(), [x, y], threads=2)
    assert _uses_openmp(compiled)
    with torch.no_grad():
        for got, want in zip(compiled(x, y), Cat()(x, y)):
            torch.testing.assert_close(got, want)


def test_row_copies_threads_dynamic():
    """Sizes known at run time: the parallel row copy decides then (serial
    under the threshold)."""
    compiled = tsmlir.compile_module(Cat(), input_specs=[TensorSpec((-1, 301))] * 2, threads=2)
    assert _uses_openmp(compiled)
    for n in (1, 3, 257):
        x, y = torch.randn(n, 301), torch.randn(n, 301)
        for got, want in zip(compiled(x, y), Cat()(x, y)):
            torch.testing.assert_close(got, want)


class Upsample(torch.nn.Module):
    def __init__(self, scale: float):
        super().__init__()
        self.scale = scale

    def forward(self, x):
        return torch.nn.functional.interpolate(x, scale_factor=self.scale, mode="nearest")


# a batch (images split), one image (channels), one channel (rows); odd
# sizes the thread count does not divide; a scale of 3
@pytest.mark.parametrize("shape,scale", [((3, 5, 64, 64), 2.0), ((1, 3, 101, 99), 2.0),
                                         ((1, 1, 257, 255), 2.0), ((1, 7, 45, 33), 3.0)], ids=str)
def test_gather_threads(shape, scale):
    """Nearest upsampling is an all-parallel generic that loads its source
    element through an index table: not vectorized, but with enough results
    the threads share its outer dim (a chunk each, scalar loops)."""
    x = torch.randn(shape)
    compiled = _compile(Upsample(scale), [x], threads=2)
    assert _uses_openmp(compiled)
    with torch.no_grad():
        torch.testing.assert_close(compiled(x), Upsample(scale)(x))


@pytest.mark.parametrize("model,specs,row", [
    (Chain(), [TensorSpec((-1, 301))], 301),               # flat: one loop over all
    (BiasAdd(), [TensorSpec((-1, 257)), (257,)], 257),      # a broadcast: rows
    (Chain(), [TensorSpec((-1,))], 1)], ids=["flat", "rows", "1d"])
def test_elementwise_threads_dynamic(model, specs, row):
    """Sizes known at run time: a parallel and a serial version, chosen
    then (from parallel.MIN_PARALLEL_ELEMENTS elements); sizes around
    that threshold, and the threads' chunks not whole vectors."""
    compiled = tsmlir.compile_module(model, input_specs=specs, threads=2)
    assert _uses_openmp(compiled)
    for n in (0, 1, 65535 // row, 65536 // row + 1, 70001 // row + 3, 100003 // row):
        args = [torch.randn(n, row) if row > 1 else torch.randn(n)] + \
            [torch.randn(257)] * (len(specs) - 1)
        with torch.no_grad():
            torch.testing.assert_close(compiled(*args), model(*args), rtol=1e-5, atol=1e-6)


class RowStats(torch.nn.Module):
    """Row reductions (a sum, a max) beside an elementwise op."""
    def forward(self, x):
        return x.sum(-1), x.amax(-1), x * 2.0


def test_row_reductions_threads_dynamic():
    """Rows of run-time count: the reductions' parallel version from
    parallel.MIN_PARALLEL_ELEMENTS elements read, the serial one below."""
    compiled = tsmlir.compile_module(RowStats(), input_specs=[TensorSpec((-1, 301))], threads=2)
    assert _uses_openmp(compiled)
    for n in (0, 1, 217, 218, 1001):
        x = torch.randn(n, 301)
        with torch.no_grad():
            torch.testing.assert_close(compiled(x), RowStats()(x), rtol=1e-5, atol=1e-4)


def test_elementwise_rows_threads():
    """A broadcast operand: threads take rows (an odd row count)."""
    check_against_eager(BiasAdd(), [torch.randn(301, 257), torch.randn(257)])


def test_small_work_stays_serial():
    x, y = torch.randn(8, 8), torch.randn(8, 8)
    assert not _uses_openmp(_compile(Mm(), [x, y], threads=2))
    assert not _uses_openmp(_compile(Chain(), [torch.randn(100)], threads=2))
    assert not _uses_openmp(_compile(Upsample(2.0), [torch.randn(1, 2, 20, 20)], threads=2))


def test_threads_default_follows_torch():
    """threads=None: torch.get_num_threads() at compile time."""
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        x = torch.randn(300, 301)
        assert not _uses_openmp(tsmlir.compile_module(Chain(), [x]))
    finally:
        torch.set_num_threads(before)


_SETTINGS_PROBE = """
import ctypes, torch, tsmlir
from tsmlir.runtime import native_libs
x = torch.randn(300, 301)
compiled = tsmlir.compile_module(torch.nn.Tanh(), [x], threads=2)
assert native_libs.uses_openmp(compiled.forward._module.operation)
compiled(x)
lib = ctypes.CDLL(native_libs.openmp_library())
print(lib.omp_get_dynamic(), lib.kmp_get_blocktime())
"""


@pytest.mark.parametrize("env,expected", [({}, "0 1"),
                                          ({"OMP_DYNAMIC": "true", "KMP_BLOCKTIME": "7"}, "1 7")])
def test_openmp_settings(env, expected):
    """Compiled code runs under native_libs.OPENMP_SETTINGS (1 ms of spinning,
    a fixed team), unless the environment says otherwise (OMP_DYNAMIC=true:
    threads only for idle cores); a fresh process each, as the runtime reads
    them once."""
    import os
    import subprocess
    import sys
    clean = {k: v for k, v in os.environ.items()
             if k not in ("OMP_DYNAMIC", "KMP_BLOCKTIME", "KMP_DYNAMIC_MODE")}
    out = subprocess.run([sys.executable, "-c", _SETTINGS_PROBE], env={**clean, **env},
                         capture_output=True, text=True, check=True).stdout
    assert out.split()[-2:] == expected.split()


def test_missing_openmp_runtime_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(native_libs.sys, "prefix", "/nonexistent")
    monkeypatch.setattr(native_libs.sys, "base_prefix", "/nonexistent")
    monkeypatch.setattr(native_libs.sys, "exec_prefix", "/nonexistent")
    with pytest.raises(TsmlirError, match="libiomp5.*intel-openmp.*threads=1"):
        native_libs.openmp_library()


@contextlib.contextmanager
def _matmul_on_memrefs(m, k, n):
    """(module, op): an m x k @ k x n linalg.matmul on memrefs, in a live context."""
    from mlir import ir
    with ir.Context(), ir.Location.unknown():
        module = ir.Module.parse(f"""
func.func @f(%a: memref<{m}x{k}xf32>, %b: memref<{k}x{n}xf32>, %c: memref<{m}x{n}xf32>) {{
  linalg.matmul ins(%a, %b : memref<{m}x{k}xf32>, memref<{k}x{n}xf32>)
                outs(%c : memref<{m}x{n}xf32>)
  return
}}""")
        op = module.body.operations[0].regions[0].blocks[0].operations[0].operation
        assert op.name == "linalg.matmul"
        yield module, op


def _plan(m, k, n, tiles, threads):
    """tsm-cpu-vectorize's plan for an m x k @ k x n matmul on memrefs: the
    number of parallel cache tiles and the tiles (threads share them when
    the count is > 0)."""
    from tsmlir.lowering import cpu_codegen
    with _matmul_on_memrefs(m, k, n) as (_, op):
        plan, parallel = cpu_codegen._matmul_plan(op, tiles, threads)
    (m1, n1, _), _ = plan.cache, plan.registers
    count = -(-m // m1) * -(-n // n1)
    return (count if parallel else 0), plan


@pytest.mark.parametrize("avx512", [False, True])
@pytest.mark.parametrize("threads", [2, 3, 4])
# a matmul that fits one cache tile (256^3), the MLP's layer (few rows),
# ResNet's im2col convolutions (64 output channels x 3136 or 256 pixels, and
# 512 channels x 4 pixels), a single row, a matrix times a few columns
@pytest.mark.parametrize("m,k,n", [(256, 256, 256), (64, 784, 512), (64, 576, 3136),
                                   (64, 576, 256), (512, 4608, 4), (1, 8192, 256),
                                   (40, 8192, 20)])
def test_matmul_tiles_cover_the_threads(m, k, n, threads, avx512):
    """Work over the threshold is cut into at least one cache tile per
    thread (as far as the register tiles go: a single row has few), in
    tiles that are whole register tiles (but the last)."""
    from tsmlir.lowering.cpu_codegen import MatmulTiles
    tiles = MatmulTiles((128, 256, 128), (8, 32)) if avx512 else \
        MatmulTiles((96, 256, 128), (6, 16))
    count, plan = _plan(m, k, n, tiles, threads)
    (m1, n1, _), (mr, nr) = plan.cache, plan.registers
    assert count >= min(threads, max(-(-m // mr), -(-n // nr))), plan
    assert m1 % mr == 0 and n1 % nr == 0, plan


def test_matmul_under_threshold_has_one_tile():
    from tsmlir.lowering.cpu_codegen import MatmulTiles
    tiles = MatmulTiles((96, 256, 128), (6, 16))
    assert _plan(64, 64, 64, tiles, 2)[0] == 0  # 2^19 flops: serial
    assert _plan(256, 256, 256, tiles, 1)[0] == 0
    assert _plan(1, 256, 256, tiles, 2)[0] == 0  # 256 KB of B: serial


@pytest.mark.parametrize("m,k,n", [(1, 512, 1000), (1, 784, 512), (3, 500, 333)])
def test_memory_bound_matmul_is_shared(m, k, n):
    """Few rows, under the flop threshold, but B is over MIN_PARALLEL_BYTES:
    the threads share its column tiles (the product runs at memory speed,
    and two cores read more of it per second than one)."""
    from tsmlir.lowering.cpu_codegen import MatmulTiles
    from tsmlir.lowering.parallel import MIN_PARALLEL_BYTES, MIN_PARALLEL_FLOPS
    assert 2 * m * n * k < MIN_PARALLEL_FLOPS and 4 * (m * k + k * n) >= MIN_PARALLEL_BYTES
    count, _ = _plan(m, k, n, MatmulTiles((96, 256, 128), (6, 16)), 2)
    assert count >= 2


# a classifier layer on one sample (ResNet's), odd sizes around the column
# tiles and vectors, a few rows
@pytest.mark.parametrize("m,k,n", [(1, 512, 1000), (1, 777, 1001), (3, 500, 333), (2, 1300, 129)])
def test_memory_bound_linear_threads(m, k, n):
    model, x = Linear(k, n).eval(), torch.randn(m, k)
    compiled = _compile(model, [x], threads=2)
    assert _uses_openmp(compiled)
    with torch.no_grad():
        torch.testing.assert_close(compiled(x), model(x), **TOL)


def _packed_plan(m, k, n, registers, threads, block=(256, 128)):
    from tsmlir.lowering import matmul_codegen
    from tsmlir.lowering.parallel import MIN_PARALLEL_FLOPS
    with _matmul_on_memrefs(m, k, n) as (module, op):
        assert matmul_codegen.applies(module.operation, op)
        return matmul_codegen.plan(op, registers, threads, MIN_PARALLEL_FLOPS, *block)


@pytest.mark.parametrize("registers", [(6, 16), (8, 32)])
@pytest.mark.parametrize("threads", [2, 3, 4])
# the bench's squares, the MLP's layers, ResNet's im2col convolutions, a
# narrow B (row strips), a single column
@pytest.mark.parametrize("m,k,n", [(256, 256, 256), (1024, 1024, 1024), (64, 784, 512),
                                   (64, 512, 512), (3136, 576, 64), (256, 576, 256),
                                   (600, 256, 20), (4096, 600, 1)])
def test_packed_matmul_pieces_cover_the_threads(m, k, n, registers, threads):
    """Work over the threshold is cut into at least one piece per thread, of
    whole panels (columns) or whole row strips, that cover the matrix."""
    plan = _packed_plan(m, k, n, registers, threads)
    rows, lanes = registers
    extent = n if plan.split == "n" else m
    assert plan.pieces >= threads and plan.pieces % threads == 0, plan
    assert plan.unit == (lanes if plan.split == "n" else rows)
    assert plan.units == -(-extent // plan.unit), plan
    bounds = [plan.piece_bounds(i, extent) for i in range(plan.pieces)]
    assert bounds[0][0] == 0 and bounds[-1][1] == extent, bounds
    assert all(hi == next_lo for (_, hi), (next_lo, _) in zip(bounds, bounds[1:])), bounds
    sizes = [-(-(hi - lo) // plan.unit) for lo, hi in bounds]
    assert max(sizes) - min(sizes) <= 1 and min(sizes) >= 1, (plan, sizes)
    assert plan.n1 % lanes == 0, plan
    if plan.split == "n":  # a piece's panels fill its blocks of B
        assert plan.n1 >= (max(sizes) - 1) * lanes or plan.n1 >= 4 * lanes, plan


@pytest.mark.parametrize("registers,m,n,pieces,n1", [
    # AVX-512 tiles: 8 panels of 32 columns, blocks of 8 panels: one piece of
    # 4 panels a thread, not 4 pieces of 2 (measured 180 -> 250 GFLOP/s)
    ((8, 32), 256, 256, 2, 128), ((8, 32), 512, 512, 2, 256), ((8, 32), 1024, 1024, 4, 256),
    # AVX2 tiles: 16 panels of 16 columns, blocks of 8
    ((6, 16), 256, 256, 2, 128), ((6, 16), 1024, 1024, 4, 128)])
def test_packed_matmul_pieces_keep_whole_blocks(registers, m, n, pieces, n1):
    block = (256, 256) if registers == (8, 32) else (256, 128)  # cpu_codegen.matmul_tiles
    plan = _packed_plan(m, 256, n, registers, 2, block)
    assert (plan.split, plan.pieces, plan.n1) == ("n", pieces, n1), plan


def test_packed_matmul_row_pieces_are_balanced():
    """22 row strips (ResNet-18 64's 128-row convolutions at 6 rows) over 2
    threads: pieces of 6 and 5 strips (11 a thread), not 6, 6, 6 and 4."""
    plan = _packed_plan(132, 1152, 64, (6, 16), 2)
    assert plan.split == "m" and plan.units == 22 and plan.pieces == 4, plan
    sizes = [hi - lo for lo, hi in (plan.piece_bounds(i, 132) for i in range(4))]
    assert sizes == [30, 36, 30, 36], sizes


def test_packed_matmul_under_threshold_is_serial():
    assert _packed_plan(64, 64, 64, (6, 16), 2).pieces == 1  # 2^19 flops
    assert _packed_plan(256, 256, 256, (6, 16), 1).pieces == 1
