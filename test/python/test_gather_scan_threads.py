"""Gathers of whole rows (embedding, index_select, x[i]) and scans (cumsum,
cummax) shared by the threads, against eager at 1 and 2 threads: odd
counts that the chunks do not divide, negative indices, padding_idx,
1-element dims, dynamic sizes (which stay on one thread); the decisions of
thread_split.gather_rows_chunk / scan_split; an out-of-range index is still
a clear error."""
import pytest
import torch
import torch.nn.functional as F

import tsmlir
from tsmlir import TensorSpec
from tsmlir.lowering import scans, thread_split, transpose_codegen
from tsmlir.lowering.parallel import MIN_PARALLEL_BYTES, MIN_PARALLEL_ELEMENTS
from tsmlir.runtime import native_libs


class Embedding(torch.nn.Module):
    def forward(self, idx, table):
        return F.embedding(idx, table)


class EmbeddingPad(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = torch.nn.Embedding(3001, 96, padding_idx=0)

    def forward(self, idx):
        return self.emb(idx)


class IndexSelect(torch.nn.Module):
    def forward(self, x, idx):
        return torch.index_select(x, 0, idx)


class Rows(torch.nn.Module):
    def forward(self, x, idx):
        return x[idx]


class Cumsum(torch.nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return torch.cumsum(x, self.dim)


class Cummax(torch.nn.Module):
    def forward(self, x):
        values, indices = torch.cummax(x, 0)
        return values, indices


def _compile(module, inputs, threads, **kw):
    return tsmlir.compile_module(torch.jit.script(module.eval()), inputs, threads=threads, **kw)


def _uses_openmp(compiled) -> bool:
    return native_libs.uses_openmp(compiled.forward._module.operation)


# (indices' shape, table rows, row width): 1024 and 1001 indices (chunks of
# 512; 501 and 500), a leading 1-element dim, a big table with 1-element rows
# counted in (too few bytes: one thread).
@pytest.mark.parametrize("shape,rows,width", [((8, 128), 30000, 768), ((1001,), 5000, 257),
                                              ((1, 700), 900, 512), ((3, 1, 333), 40, 1000),
                                              ((5,), 7, 9)])
@pytest.mark.parametrize("threads", [1, 2])
def test_embedding_threads(shape, rows, width, threads):
    idx = torch.randint(-rows, rows, shape)  # negative rows count from the end (index)
    table = torch.randn(rows, width)
    compiled = _compile(Rows(), [table, idx], threads)
    torch.testing.assert_close(compiled(table, idx), table[idx], rtol=0, atol=0)
    pos = idx.abs() % rows
    compiled = _compile(Embedding(), [pos, table], threads)
    torch.testing.assert_close(compiled(pos, table), F.embedding(pos, table), rtol=0, atol=0)
    big = 2 * pos.numel() * width * 4 >= MIN_PARALLEL_BYTES and pos.numel() >= threads
    assert _uses_openmp(compiled) == (threads > 1 and big)


@pytest.mark.parametrize("threads", [1, 2])
def test_embedding_padding_idx_threads(threads):
    model = EmbeddingPad()
    idx = torch.randint(0, 3001, (4, 1000))
    idx[:, ::7] = 0
    compiled = _compile(model, [idx], threads)
    with torch.no_grad():
        torch.testing.assert_close(compiled(idx), model(idx), rtol=0, atol=0)


@pytest.mark.parametrize("threads", [1, 2])
def test_index_select_threads(threads):
    x, idx = torch.randn(3000, 301), torch.randint(0, 3000, (1999,))
    compiled = _compile(IndexSelect(), [x, idx], threads)
    torch.testing.assert_close(compiled(x, idx), torch.index_select(x, 0, idx), rtol=0, atol=0)
    assert _uses_openmp(compiled) == (threads > 1)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("spec,shapes", [((-1,), [(1,), (85,), (86,), (2048,), (0,)]),
                                         ((2, -1), [(2, 1), (2, 43), (2, 44), (2, 701)]),
                                         ((-1, -1), [(1, 1), (3, 701)])])
def test_gather_dynamic_count_threads(threads, spec, shapes):
    """A run-time number of indices: the threads share them from 86 rows of
    768 floats on (decided when it runs), one thread below, any count (1
    and 0 included).  Two run-time batch sizes stay on one thread."""
    compiled = tsmlir.compile_module(torch.jit.script(Rows()), threads=threads, input_specs=[
        TensorSpec((3000, 768)), TensorSpec(spec, dtype=torch.int64)])
    assert _uses_openmp(compiled) == (threads > 1 and spec.count(-1) == 1)
    assert thread_split.gather_rows_min_count(768 * 4, 2) == 86
    x = torch.randn(3000, 768)
    for shape in shapes:
        idx = torch.randint(-3000, 3000, shape)
        torch.testing.assert_close(compiled(x, idx), x[idx], rtol=0, atol=0)


def test_gather_out_of_range_threads():
    x, idx = torch.randn(3000, 768), torch.randint(0, 3000, (1024,))
    compiled = _compile(IndexSelect(), [x, idx], 2)
    assert _uses_openmp(compiled)
    idx[700] = 3000
    with pytest.raises(tsmlir.RuntimeCheckError, match="index out of range"):
        compiled(x, idx)


# cumsum along the innermost dim (threads take rows, each transposes its own),
# the outermost (threads take columns), odd sizes, a 1-element dim.
@pytest.mark.parametrize("shape,dim", [((64, 4096), -1), ((33, 3001), 1), ((1, 70000), -1),
                                       ((4097, 63), 0), ((2, 3, 20000), 1), ((9, 1, 9000), -1)])
@pytest.mark.parametrize("threads", [1, 2])
def test_cumsum_threads(shape, dim, threads):
    x = torch.randn(shape)
    compiled = _compile(Cumsum(dim), [x], threads)
    torch.testing.assert_close(compiled(x), torch.cumsum(x, dim), rtol=1e-4, atol=1e-3)


def test_cumsum_dynamic_threads():
    compiled = tsmlir.compile_module(torch.jit.script(Cumsum(-1)), threads=2,
                                     input_specs=[TensorSpec((-1, -1))])
    for shape in ((64, 4096), (3, 5), (1, 1)):
        x = torch.randn(shape)
        torch.testing.assert_close(compiled(x), torch.cumsum(x, -1), rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("threads", [1, 2])
def test_cummax_threads(threads):
    x = torch.randn(1025, 129)
    x[5, 3] = float("nan")
    compiled = _compile(Cummax(), [x], threads)
    values, indices = compiled(x)
    want_values, want_indices = torch.cummax(x, 0)
    torch.testing.assert_close(values, want_values, equal_nan=True)
    torch.testing.assert_close(indices, want_indices)
    assert _uses_openmp(compiled) == (threads > 1)


def test_gather_rows_chunk():
    row = 768 * 4
    assert thread_split.gather_rows_chunk(1024, row, 2) == 512
    assert thread_split.gather_rows_chunk(1001, row, 2) == 501
    assert thread_split.gather_rows_chunk(1024, row, 1) == 0
    assert thread_split.gather_rows_chunk(None, row, 2) == 0  # run-time count
    assert thread_split.gather_rows_chunk(1024, None, 2) == 0  # run-time row size
    assert thread_split.gather_rows_chunk(1, 1 << 22, 2) == 0  # one row
    small = MIN_PARALLEL_BYTES // (2 * row)  # rows moving just under the threshold
    assert thread_split.gather_rows_chunk(small, row - 4, 2) == 0
    assert thread_split.gather_rows_chunk(small + 1, row, 2) == -(-(small + 1) // 2)
    assert thread_split.gather_rows_min_count(row, 2) == small + 1
    assert thread_split.gather_rows_min_count(1 << 20, 2) == 2  # one row pays: one each
    assert thread_split.gather_rows_min_count(row, 1) is None
    assert thread_split.gather_rows_min_count(None, 2) is None


def test_scan_split():
    assert thread_split.scan_split([64, 4096], 1, 2) == (0, 32)
    assert thread_split.scan_split([4096, 63], 0, 2) == (1, 32)
    assert thread_split.scan_split([1, 70000], 1, 2) is None  # no other dim to share
    assert thread_split.scan_split([1, 3, 30000], 2, 2) == (1, 2)  # the first dim with a row each
    assert thread_split.scan_split([64, 4096], 1, 1) is None
    assert thread_split.scan_split([None, 4096], 1, 2) is None
    assert thread_split.scan_split([2, MIN_PARALLEL_ELEMENTS // 2 - 1], 1, 2) is None


class Transpose(torch.nn.Module):
    def forward(self, x):
        return x.t().contiguous()


# Destination rows a multiple of 1024 floats apart and short source rows
# (tiles of 8 columns), odd edges, and the usual tiles of 64.
@pytest.mark.parametrize("shape", [(4096, 64), (1024, 203), (2048, 256), (1027, 257), (64, 4096)])
def test_transpose_tiles(shape):
    x = torch.randn(shape)
    compiled = _compile(Transpose(), [x], 1)
    torch.testing.assert_close(compiled(x), x.t().contiguous(), rtol=0, atol=0)


def test_tile_columns():
    assert transpose_codegen.tile_columns(64, 4096) == transpose_codegen.LANES
    assert transpose_codegen.tile_columns(256, 1024) == transpose_codegen.LANES
    assert transpose_codegen.tile_columns(257, 1024) == transpose_codegen.TILE  # long rows
    assert transpose_codegen.tile_columns(64, 4000) == transpose_codegen.TILE  # no conflict


def test_block_columns():
    assert scans.block_columns(64, 4096) == 256
    assert scans.block_columns(32, 4096) == 512
    assert scans.block_columns(64, 256) == 0  # one block
    assert scans.block_columns(1, 70000) == scans.BLOCK_ELEMENTS
    assert scans.block_columns(5000, 100) == 8  # at least one vector of columns
    assert scans.block_columns(None, 4096) == 0
    assert scans.block_columns(64, None) == 0
