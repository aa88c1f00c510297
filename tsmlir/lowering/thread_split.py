"""How the threads share the ops that tsm-cpu-vectorize rewrites: the
decisions, no IR changes.

In: one linalg op on memrefs and the module's thread count
(`parallel.num_threads`).  Out: how many rows, elements, channels or tiles
each thread takes, or that the op stays on one thread: too little work for
a parallel loop (`parallel.pays_to_share`, MIN_PARALLEL_ELEMENTS) or sizes
known only at run time.  cpu_codegen turns the answers into
`tile_using_forall` steps of its transform scripts.
"""
from __future__ import annotations

import math

from mlir import ir

from .kernel_emit import ceil_div
from .parallel import (MIN_PARALLEL_BYTES, MIN_PARALLEL_ELEMENTS, MIN_PARALLEL_FLOPS,
                       pays_to_share)


def elementwise_chunk(op: ir.Operation, threads: int, flat: bool, width: int) -> int:
    """Elements (flat: whole vectors of `width`) or rows per thread; 0: one
    thread (too little work, or dynamic sizes: unknown work)."""
    out = ir.MemRefType(op.operands[-1].type)
    if threads <= 1 or not out.has_static_shape:
        return 0
    count = math.prod(out.shape)
    if count < MIN_PARALLEL_ELEMENTS:
        return 0
    if flat or out.rank == 1:  # whole vectors per thread
        return ceil_div(ceil_div(count, threads), width) * width
    dim = split_dim(out, threads)
    return ceil_div(out.shape[dim], threads) if dim is not None else 0


def split_dim(out: ir.MemRefType, threads: int) -> int | None:
    """The outermost dim (not the vectorized innermost) with a row for each
    thread: a batch of 1 (the copy of an image into its padded buffer, a
    strided view) splits its channels."""
    return next((d for d in range(out.rank - 1) if out.shape[d] >= threads), None)


#: Window ops that stay scalar loops (convert-linalg-to-loops), but whose
#: channels the threads share (ResNet's stem max pool: 64 x 56 x 56 windows).
POOLING_OPS = ("linalg.pooling_nchw_max", "linalg.pooling_nchw_sum")


def pooling_chunk(op: ir.Operation, threads: int) -> int:
    """Channels per thread for an NCHW pooling op on static memrefs with
    enough outputs; 0: one thread."""
    if op.results or not isinstance(op.operands[-1].type, ir.MemRefType):
        return 0
    out = ir.MemRefType(op.operands[-1].type)
    if threads <= 1 or not out.has_static_shape or out.shape[1] < threads:
        return 0
    if math.prod(out.shape) < MIN_PARALLEL_ELEMENTS:
        return 0
    return ceil_div(out.shape[1], threads)


#: Body ops of an all-parallel generic that the threads may share without
#: vectorizing it: pure arithmetic, index math and loads (a gather).
SHARED_BODY_OPS = ("arith.", "math.", "index.", "linalg.index", "linalg.yield", "memref.load")


def gather_split(op: ir.Operation, threads: int) -> tuple[int, int] | None:
    """(dim, rows per thread) for an all-parallel linalg.generic on static
    memrefs that tsm-cpu-vectorize does not vectorize (the caller rules
    those out): its body loads from memory (nearest-neighbour upsampling,
    index lookups).  None: one thread (few results, dynamic sizes).  The chunks stay linalg ops for convert-linalg-to-loops:
    scalar loops, but on every thread (upsample 8x64x56x56 by 2 at 2
    threads: 2.8 -> 1.25 ms)."""
    if op.name != "linalg.generic" or op.results:
        return None
    if any("parallel" not in str(it) for it in ir.ArrayAttr(op.attributes["iterator_types"])):
        return None
    if not all(isinstance(v.type, ir.MemRefType) for v in op.operands):
        return None
    if not all(body_op.operation.name.startswith(SHARED_BODY_OPS)
               for body_op in op.regions[0].blocks[0].operations):
        return None
    out = ir.MemRefType(op.operands[-1].type)
    if threads <= 1 or out.rank == 0 or not out.has_static_shape \
            or math.prod(out.shape) < MIN_PARALLEL_ELEMENTS:
        return None
    dim = split_dim(out, threads) if out.rank > 1 else 0
    if dim is None or out.shape[dim] < threads:
        return None
    return dim, ceil_div(out.shape[dim], threads)


def balanced_tile(extent: int, tile: int, multiple: int, threads: int) -> int:
    """A tile size near `tile` (a multiple of `multiple`) that cuts `extent`
    into a number of tiles that `threads` divides, of near-equal sizes.
    Where rounding up to `multiple` leaves fewer tiles than threads (few
    multiples in `extent`), tiles of fewer multiples, so that every thread
    gets one (the busiest thread has no more work than with the bigger
    tiles)."""
    count = ceil_div(ceil_div(extent, tile), threads) * threads
    balanced = max(multiple, ceil_div(ceil_div(extent, count), multiple) * multiple)
    if ceil_div(extent, balanced) < threads:
        return max(multiple, extent // threads // multiple * multiple)
    return balanced


def split_rows(m: int, n: int, cache: tuple[int, int], registers: tuple[int, int],
               threads: int) -> bool:
    """Whether the threads share the matmul's rows (else its columns): rows
    when there are enough row tiles for every thread, else columns when
    there are enough of those; when neither dim fills the threads with cache
    tiles (a matrix that fits one tile), the dim with more register tiles,
    so that tiles as small as one register tile still give every thread
    work."""
    if ceil_div(m, cache[0]) >= threads:
        return True
    if ceil_div(n, cache[1]) >= threads:
        return False
    return ceil_div(m, registers[0]) >= ceil_div(n, registers[1])


def bytes_read(op: ir.Operation) -> int:
    """Bytes of a static f32 matmul's A and B (what it reads from memory)."""
    a, b = (ir.MemRefType(v.type) for v in op.operands[:2])
    return 4 * (a.shape[0] * a.shape[1] + b.shape[0] * b.shape[1])


def min_parallel_flops(op: ir.Operation) -> int:
    """The flop threshold for the packed kernel's thread split: none for a
    product that reads enough memory to be worth sharing on its own (a few
    rows times a big weight), else parallel.MIN_PARALLEL_FLOPS."""
    return 0 if pays_to_share(0, bytes_read(op)) else MIN_PARALLEL_FLOPS


def gather_rows_chunk(count: int | None, row_bytes: int | None, threads: int) -> int:
    """Indices per thread for a gather of `count` whole rows of `row_bytes`
    each (embedding, index_select): each row is read once and written once,
    so the copy moves 2 * count * row_bytes bytes.  0: one thread (sizes
    known only at run time, fewer rows than threads, or too few bytes for a
    parallel loop to pay: 128 tokens of BERT's 768-float embedding, 768 KB,
    are shared; 64 tokens are not)."""
    least = gather_rows_min_count(row_bytes, threads)
    if count is None or least is None or count < least:
        return 0
    return ceil_div(count, threads)


def gather_rows_min_count(row_bytes: int | None, threads: int) -> int | None:
    """The fewest rows of `row_bytes` that a gather shares among the
    threads (see gather_rows_chunk; a gather of a run-time count compares
    the count with it when it runs); None: never (one thread, or rows of a
    run-time size)."""
    if threads <= 1 or row_bytes is None:
        return None
    least = ceil_div(MIN_PARALLEL_BYTES, 2 * row_bytes)
    return max(threads, least)


def scan_split(shape: list[int | None], dim: int, threads: int) -> tuple[int, int] | None:
    """(dim, rows per thread) for a scan along `dim` of a tensor of `shape`
    (None: a dynamic size): the threads take chunks of the outermost other
    dim that gives each thread a share, each scanning its own lines.  None:
    one thread (dynamic sizes, too few elements, no dim to split)."""
    if threads <= 1 or None in shape or math.prod(shape) < MIN_PARALLEL_ELEMENTS:
        return None
    split = next((d for d in range(len(shape)) if d != dim and shape[d] >= threads), None)
    if split is None:
        return None
    return split, ceil_div(shape[split], threads)


def column_split(kept: list[int], inner: int, elements: int, threads: int,
                 width: int) -> tuple[str, int] | None:
    """How the threads share a column reduction (tsm-vectorize-column-
    reductions) of static extents: `kept` the kept dims' but the innermost's,
    outermost first, `inner` the innermost (columns, in chunks of `width`),
    `elements` the elements it reads.  ("kept", i): the outermost kept dim i
    with a row for each thread; else ("columns", groups): the columns cut in
    `groups` runs of whole chunks, one a thread (x.sum(0) on (2048, 1024), 2
    threads: 2 x 512); None: one thread (too little work, or too few rows
    and chunks)."""
    if threads <= 1 or elements < MIN_PARALLEL_ELEMENTS:
        return None
    dim = next((i for i, extent in enumerate(kept) if extent >= threads), None)
    if dim is not None:
        return "kept", dim
    return ("columns", threads) if ceil_div(inner, width) >= threads else None
