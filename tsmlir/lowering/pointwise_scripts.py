"""The transform-dialect scripts of `tsm-cpu-vectorize`'s pointwise,
gather and pooling groups (cpu_codegen tags each op with its group's name,
TAG, and applies the scripts).

- `flat_script`: a contiguous op flattened to one loop, tiled by vectors
  of `width`, optionally split among the threads first (chunks of whole
  vectors, or, sizes known only at run time, one chunk a thread);
- `elementwise_script`: the same on the innermost dim of an op of any
  layout, the threads taking rows of a dim;
- `gather_script`, `pooling_script`: only the split among the threads.
A loop whose extent is dynamic or not a multiple of the width is peeled
(`partial_vectors`): only its last, partial vector is masked.
"""
from __future__ import annotations

import math

from mlir import ir

#: f32 lanes of one AVX-512 register; the vector width for every element type.
VECTOR_WIDTH = 16
TAG = "tsm_codegen"


def _forall_text(handle: str, tile_sizes: str, by: str = "tile_sizes") -> tuple[str, str]:
    """Script text that splits `handle`'s op into one chunk per thread (an
    scf.forall), and the handle of the chunk's op; `by` "num_threads": the
    sizes are the threads per dim (chunks computed when it runs)."""
    text = f"""
    {handle}_c, {handle}_forall = transform.structured.tile_using_forall {handle}
        {by} [{tile_sizes}] : (!transform.any_op) -> (!transform.any_op, !transform.any_op)"""
    return text, f"{handle}_c"


def _vectorize_text(group: str, tile: str, loop: str, sizes: str, peel: bool) -> str:
    """Vectorize the tiled op; `peel`: first split its loop into the whole
    vectors and the rest, so that only the rest is masked (a loop whose
    extent is dynamic or not a multiple of the width would otherwise mask
    every vector: masked stores cost about 5x a plain one on Zen3)."""
    if not peel:
        return f"""
    transform.structured.vectorize {tile} vector_sizes [{sizes}] : !transform.any_op"""
    return f"""
    transform.foreach {loop} : !transform.any_op {{
    ^bb0(%ew_{group}_one: !transform.any_op):
      %ew_{group}_lf = transform.cast %ew_{group}_one : !transform.any_op to !transform.op<"scf.for">
      %ew_{group}_main, %ew_{group}_rest = transform.loop.peel %ew_{group}_lf
          : (!transform.op<"scf.for">) -> (!transform.any_op, !transform.any_op)
      %ew_{group}_m = transform.structured.match interface{{LinalgOp}} in %ew_{group}_main
          : (!transform.any_op) -> !transform.any_op
      %ew_{group}_r = transform.structured.match interface{{LinalgOp}} in %ew_{group}_rest
          : (!transform.any_op) -> !transform.any_op
      transform.structured.vectorize %ew_{group}_m vector_sizes [{sizes}] : !transform.any_op
      transform.structured.vectorize %ew_{group}_r vector_sizes [{sizes}] : !transform.any_op
      transform.yield
    }}"""


def flat_script(group: str, chunk: int = 0, width: int = VECTOR_WIDTH,
                 peel: bool = False, threads: int = 0) -> str:
    """`chunk` > 0: threads take chunks of that many elements; `threads` >
    0: that many threads take a chunk each (sizes known when it runs)."""
    split, tiled = _forall_text(f"%ew_{group}_f", str(chunk)) if chunk else \
        _forall_text(f"%ew_{group}_f", str(threads), "num_threads") if threads else \
        ("", f"%ew_{group}_f")
    return f"""
    %ew_{group} = transform.structured.match attributes {{{TAG} = "{group}"}} in %root
        : (!transform.any_op) -> !transform.any_op
    %ew_{group}_f = transform.structured.flatten_elementwise %ew_{group}
        : (!transform.any_op) -> !transform.any_op{split}
    %ew_{group}_t, %ew_{group}_l = transform.structured.tile_using_for {tiled}
        tile_sizes [{width}] : (!transform.any_op) -> (!transform.any_op, !transform.any_op)\
{_vectorize_text(group, f"%ew_{group}_t", f"%ew_{group}_l", str(width), peel)}
"""


def elementwise_script(group: str, rank: int, chunk: int = 0, width: int = VECTOR_WIDTH,
                        dim: int = 0, peel: bool = False, threads: int = 0) -> str:
    """`chunk` > 0: threads take chunks of that many rows of dim `dim`;
    `threads` > 0: that many threads take a chunk each of dim `dim` (sizes
    known when it runs)."""
    sizes = ", ".join(["1"] * (rank - 1) + [str(width)])
    loops = ", ".join(["!transform.any_op"] * rank)
    forall = ["0"] * rank
    forall[dim] = str(chunk or threads)
    split, tiled = _forall_text(f"%ew_{group}", ", ".join(forall),
                                "num_threads" if threads else "tile_sizes") \
        if chunk or threads else ("", f"%ew_{group}")
    return f"""
    %ew_{group} = transform.structured.match attributes {{{TAG} = "{group}"}} in %root
        : (!transform.any_op) -> !transform.any_op{split}
    %ew_{group}_t, %ew_{group}_l:{rank} = transform.structured.tile_using_for {tiled}
        tile_sizes [{sizes}] : (!transform.any_op) -> (!transform.any_op, {loops})\
{_vectorize_text(group, f"%ew_{group}_t", f"%ew_{group}_l#{rank - 1}", sizes, peel)}
"""


def flat_extent(op: ir.Operation) -> int | None:
    """The element count of a flattenable op's output; None when dynamic."""
    out = ir.MemRefType(op.operands[-1].type)
    return math.prod(out.shape) if out.has_static_shape else None


def partial_vectors(extent: int | None, width: int, chunk: int) -> bool:
    """Whether the vectorized loop over `extent` elements (None: dynamic; in
    chunks of `chunk` per thread, a multiple of width) has a partial vector
    somewhere: then it is peeled.  A loop that divides evenly must not be
    (there is nothing to peel, and transform.loop.peel fails on it)."""
    if extent is None:
        return True
    return extent % width != 0 or (chunk and extent % chunk != 0)


def width_suffix(width: int) -> str:
    return "" if width == VECTOR_WIDTH else f"_w{width}"


def gather_script(group: str, rank: int, dim: int, chunk: int) -> str:
    """Only the split among the threads: chunks of `chunk` rows of `dim`."""
    sizes = ["0"] * rank
    sizes[dim] = str(chunk)
    split, _ = _forall_text(f"%gather_{group}", ", ".join(sizes))
    return f"""
    %gather_{group} = transform.structured.match attributes {{{TAG} = "{group}"}} in %root
        : (!transform.any_op) -> !transform.any_op{split}
"""


def pooling_script(group: str, chunk: int) -> str:
    split, _ = _forall_text(f"%pool_{group}", f"0, {chunk}")
    return f"""
    %pool_{group} = transform.structured.match attributes {{{TAG} = "{group}"}} in %root
        : (!transform.any_op) -> !transform.any_op{split}
"""
