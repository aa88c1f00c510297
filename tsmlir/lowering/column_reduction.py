"""tsm-vectorize-column-reductions: reductions over outer dims as vector
loops with the accumulators in registers.

In: bufferized IR (linalg ops on memrefs), before `convert-linalg-to-loops`.
Out: each `linalg.generic` whose innermost loop dim is parallel and read
contiguously, and which folds one or more other dims (`x.sum(0)`,
`x.mean(1)` on (N, C, L), softmax's max and exp-sum over dim 1), becomes
scf.for loops over the kept dims, then over the innermost dim in chunks of
`n` lanes (64 f32: 8 AVX2 registers of independent add chains; 32 when the
body holds math ops, which need registers of their own), and per chunk an
scf.for nest over the reduced dims (in their order) carrying the chunk's
accumulators as vectors: loaded from the outputs once, stored once.  The
last chunk of a row that `n` does not divide is masked.  Each lane folds
its own column in the scalar loop's order, so sums are bit for bit those of
`convert-linalg-to-loops` (which loaded and stored the accumulator for
every element).  Generics that fold the innermost dim are
tsm-vectorize-reductions' (`reduction_codegen`); others are left for
`convert-linalg-to-loops`.

A generic qualifies when its operand types and body pass
`reduction_body.vectorizable`; each input and output is read along the
innermost dim as its unit-stride innermost index (inputs may also not read
along it: one value broadcast to every lane); each output holds the
innermost dim and is either a fold over every parallel dim (its block
argument used once, by the yielded combiner) or written along every dim,
like an input is read (softmax's exps beside their sum).  With
`tsm.num_threads` > 1 and enough static work, the threads share the
outermost kept dim that has a row for each of them, else the chunks of the
innermost dim (`thread_split.column_split`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from mlir import ir
from mlir.dialects import arith, memref, scf, vector

from .ir_walk import collect, indexing_maps, iterators
from .kernel_emit import ceil_div
from .parallel import num_threads
from .passes import register
from .reduction_body import (Combiner, broadcasts, clone_body, combine, combiners,
                             contiguous_along, dim_sizes, index, indices, lanes, loop_nest,
                             num_outputs, reads_along, splat, vectorizable, vector_operand)
from .thread_split import column_split

#: Lanes per chunk: 8 AVX2 registers (4 AVX-512) of accumulators, enough
#: independent add chains to hide the adder's latency on two pipes.
_LANES_BITS = 2048
#: ... and for bodies with math ops (exp: a polynomial with temporaries of
#: its own per register) or NaN-propagating max/min (AVX2: a blend, max,
#: compare and blend, two temporaries each), half as many: 8 ymm
#: accumulators left too few registers and spilled (amax over dim 1 of
#: (8, 512, 196), 1 thread: 0.106 -> 0.089 ms; scalar loops 0.080).
_MATH_LANES_BITS = 1024
_WIDE_OPS = ("math.", "arith.maximumf", "arith.minimumf")
#: Rows of the outermost reduced dim per band: each chunk's accumulators
#: are loaded and stored once a band, and a band's rows are read as a few
#: streams, not one row per page across the whole dim (x.sum(0) on
#: (2048, 1024), 1 thread: 0.29 ms unbanded, 0.17-0.18 banded by 8-32).
#: A band spans about _BAND_BYTES of the input (sum(0) on (2048, 1024),
#: same process, min of 7: 4 rows 0.151 ms, 16 rows 0.165, 64 rows 0.180;
#: scalar loops 0.157), 4 to 32 rows, a power of two; 16 where sizes are dynamic.
_BAND_BYTES = 16 << 10
_BAND_ROWS = (4, 16, 32)


def _dims(m: ir.AffineMap) -> set[int]:
    return {e.position for e in m.results if isinstance(e, ir.AffineDimExpr)}


def _is_column_reduction(op: ir.Operation) -> bool:
    if not vectorizable(op):
        return False
    its = iterators(op)
    if not its or its[-1] != "parallel" or "reduction" not in its:
        return False
    last = len(its) - 1
    reduced = [d for d, it in enumerate(its) if it == "reduction"]
    parallel = {d for d, it in enumerate(its) if it == "parallel"}
    maps = indexing_maps(op)
    n_in = len(maps) - num_outputs(op)
    if not all(contiguous_along(m, v.type, last) for m, v in zip(maps, op.operands)):
        return False
    for m in maps[n_in:]:
        if not m.is_projected_permutation or not reads_along(m, [last]):
            return False
        if _dims(m) not in (parallel, set(range(len(its)))):
            return False
    return combiners(op, lambda m: reads_along(m, reduced), maps) is not None


@dataclass
class _Generic:
    """What the loops of one column reduction are built from."""
    block: ir.Block
    maps: list[ir.AffineMap]
    operands: list[ir.Value]
    elem_of: list[ir.Type]
    folds: list[tuple[int, ir.Operation, int]]  # (output, combiner, other operand)
    stores: list[int]  # outputs written along every dim
    reduced: list[int]
    sizes: list[ir.Value]
    n: int
    outside: dict
    band: int
    whole: bool  # static columns that the chunks divide: no masked rest

    @property
    def n_in(self) -> int:
        return len(self.operands) - len(self.folds) - len(self.stores)

    def vt(self, k: int) -> ir.VectorType:
        return ir.VectorType.get([self.n], self.elem_of[k])

    def load(self, k: int, ivs: Sequence[ir.Value], mask: ir.Value | None) -> ir.Value:
        idx = indices(self.maps[k], ivs)
        if mask is None:
            return vector.load(self.vt(k), self.operands[k], idx)
        pad = splat(self.elem_of[k], 0, self.n)
        return vector.maskedload(self.vt(k), self.operands[k], idx, mask, pad)

    def store(self, k: int, value: ir.Value, ivs: Sequence[ir.Value],
              mask: ir.Value | None) -> None:
        idx = indices(self.maps[k], ivs)
        if mask is None:
            vector.store(value, self.operands[k], idx)
        else:
            vector.maskedstore(self.operands[k], idx, mask, value)


def _lanes(op: ir.Operation, elem_of: Sequence[ir.Type]) -> int:
    """Lanes of the widest element type in the chunk's registers."""
    wide = any(o.operation.name.startswith(_WIDE_OPS)
               for o in op.regions[0].blocks[0].operations)
    bits = _MATH_LANES_BITS if wide else _LANES_BITS
    return min(lanes(t, bits) for t in elem_of)


def _static_extents(op: ir.Operation, maps: Sequence[ir.AffineMap]) -> list[int] | None:
    """Each loop dim's extent, None if one is dynamic."""
    extents = []
    for d in range(maps[0].n_dims):
        for m, v in zip(maps, op.operands):
            exprs = list(m.results)
            pos = [i for i, e in enumerate(exprs)
                   if isinstance(e, ir.AffineDimExpr) and e.position == d]
            if pos:
                size = ir.MemRefType(v.type).shape[pos[0]]
                if ir.ShapedType.is_dynamic_size(size):
                    return None
                extents.append(size)
                break
    return extents


def _band_rows(extents: list[int] | None, outer: int, elem: ir.Type) -> int:
    """Rows per band: what one row of the outermost reduced dim spans of an
    input read along every dim below it, _BAND_BYTES in all."""
    low, default, high = _BAND_ROWS
    if extents is None:
        return default
    row = math.prod(extents[outer + 1:]) * (64 if str(elem) in ("f64", "i64") else 32) // 8
    rows = max(low, min(high, _BAND_BYTES // max(row, 1)))
    return 1 << (rows.bit_length() - 1)  # a power of two: LLVM unrolls the band whole


def _vectorize(op: ir.Operation, threads: int) -> None:
    """Replace the column reduction `op` by vector loops (see module doc)."""
    its = iterators(op)
    last = len(its) - 1
    maps = indexing_maps(op)
    reduced = [d for d, it in enumerate(its) if it == "reduction"]
    kept = [d for d in range(last) if its[d] == "parallel"]
    found: list[Combiner | None] = combiners(op, lambda m: reads_along(m, reduced), maps)
    n_out = len(found)
    elem_of = [ir.MemRefType(v.type).element_type for v in op.operands]
    n = _lanes(op, elem_of)
    extents = _static_extents(op, maps)
    split = None
    if extents is not None:
        split = column_split([extents[d] for d in kept], extents[last], math.prod(extents),
                             threads, n)
    groups = None
    if split is not None and split[0] == "kept":  # the shared dim outermost
        kept.insert(0, kept.pop(split[1]))
    elif split is not None:  # whole chunks per group, groups that hold some
        cols = ceil_div(extents[last], split[1] * n) * n
        groups = (ceil_div(extents[last], cols), cols)
    block = op.regions[0].blocks[0]
    n_in = len(op.operands) - n_out
    with op.location, ir.InsertionPoint(op):
        g = _Generic(block, maps, list(op.operands), elem_of,
                     [(n_in + k, c[0], c[1]) for k, c in enumerate(found) if c is not None],
                     [n_in + k for k, c in enumerate(found) if c is None],
                     reduced, dim_sizes(maps, op.operands), n, broadcasts(block, n),
                     _band_rows(extents, reduced[0], elem_of[0]),
                     extents is not None and extents[last] % n == 0)
        def columns(kept_ivs: list[ir.Value]) -> None:
            ivs: list[ir.Value | None] = [None] * len(its)
            for d, iv in zip(kept, kept_ivs):
                ivs[d] = iv
            _columns(g, ivs, groups)

        loop_nest([g.sizes[d] for d in kept], split is not None and split[0] == "kept", columns,
                  threads=threads)
    op.erase()


def _columns(g: _Generic, ivs: list, groups: tuple[int, int] | None) -> None:
    """One row of columns: all of it, or one scf.forall step per group of
    `groups` = (count, columns) whole chunks."""
    inner = g.sizes[len(ivs) - 1]
    if groups is None:
        _bands(g, ivs, index(0), inner)
        return
    forall = scf.ForallOp([0], [index(groups[0])], [1])
    with ir.InsertionPoint(forall.body):
        lo = arith.muli(forall.body.arguments[0], index(groups[1]))
        _bands(g, ivs, lo, arith.minui(arith.addi(lo, index(groups[1])), inner))
        scf.InParallelOp()


def _bands(g: _Generic, ivs: list, lo: ir.Value, hi: ir.Value) -> None:
    """Columns [lo, hi) in bands of the outermost reduced dim: per band,
    each chunk of whole vectors, then (if `hi` ends the row) the masked rest
    of the row, so that a band's rows are read in a few streams.  The rest
    goes with the row's last whole chunk where this group holds one: one
    pass reads the cache lines the two share (softmax over dim 1 of
    (32, 1000, 49): columns 0-31 and 32-48) once, and the rest's one or two
    registers' folds do not wait on each other's latency alone."""
    last = len(ivs) - 1
    inner = g.sizes[last]
    n = index(g.n)
    full = arith.muli(arith.divui(inner, n), n)
    extent = g.sizes[g.reduced[0]]
    bands = scf.ForOp(index(0), extent, index(g.band))
    with ir.InsertionPoint(bands.body):
        band = (bands.induction_variable,
                arith.minui(arith.addi(bands.induction_variable, index(g.band)), extent))
        stop = arith.minui(hi, full)
        if not g.whole:
            ends = arith.andi(arith.cmpi(arith.CmpIPredicate.eq, hi, inner),
                              arith.cmpi(arith.CmpIPredicate.ult, full, inner))
            pair = arith.andi(ends, arith.cmpi(arith.CmpIPredicate.uge, full, arith.addi(lo, n)))
            stop = arith.select(pair, arith.subi(full, n), stop)
        loop = scf.ForOp(lo, stop, n)
        with ir.InsertionPoint(loop.body):
            _chunk(g, ivs[:last], [(loop.induction_variable, None)], band)
            scf.yield_([])
        if not g.whole:
            with ir.InsertionPoint(_if(ends)):
                mask = vector.create_mask(ir.VectorType.get([g.n], ir.IntegerType.get_signless(1)),
                                          [arith.subi(inner, full)])
                branch = scf.IfOp(pair, has_else=True)
                with ir.InsertionPoint(branch.then_block):
                    _chunk(g, ivs[:last], [(arith.subi(full, n), None), (full, mask)], band)
                    scf.yield_([])
                with ir.InsertionPoint(branch.else_block):
                    _chunk(g, ivs[:last], [(full, mask)], band)
                    scf.yield_([])
                scf.yield_([])
        scf.yield_([])


def _if(cond: ir.Value) -> ir.Block:
    return scf.IfOp(cond).then_block


def _chunk(g: _Generic, prefix: list, parts: list, band) -> None:
    """Chunks of `n` columns, one per part (column, mask or None), folded
    together: accumulators loaded, folded over the band of reduced rows in
    registers, stored."""
    accs, hoisted = [], []
    for col, mask in parts:
        ivs = prefix + [col]
        accs += [g.load(k, ivs, mask) for k, _, _ in g.folds]
        # inputs that depend on no reduced dim: loaded once per chunk
        hoisted.append({k: _input(g, k, ivs, mask) for k in range(g.n_in)
                        if not reads_along(g.maps[k], g.reduced)})
    results = _reduced_loops(g, 0, prefix + [None], accs, parts, hoisted, band)
    for i, (col, mask) in enumerate(parts):
        for (k, _, _), value in zip(g.folds, results[i * len(g.folds):]):
            g.store(k, value, prefix + [col], mask)


def _input(g: _Generic, k: int, ivs: Sequence[ir.Value], mask: ir.Value | None) -> ir.Value:
    """Input k's vector: contiguous lanes, or one value for every lane."""
    if reads_along(g.maps[k], [len(ivs) - 1]):
        return g.load(k, ivs, mask)
    scalar = memref.load(g.operands[k], indices(g.maps[k], ivs))
    return vector.broadcast(g.vt(k), scalar)


def _reduced_loops(g: _Generic, level: int, ivs: list, accs: list[ir.Value],
                   parts: list, hoisted: list[dict], band) -> list[ir.Value]:
    """The reduced dims' loops (the outermost over `band`), in order."""
    if level == len(g.reduced):
        folds = len(g.folds)
        return [acc for i, (col, mask) in enumerate(parts)
                for acc in _step(g, ivs[:-1] + [col], accs[i * folds:(i + 1) * folds], mask,
                                 hoisted[i])]
    d = g.reduced[level]
    lo, hi = band if level == 0 else (index(0), g.sizes[d])
    loop = scf.ForOp(lo, hi, index(1), accs)
    with ir.InsertionPoint(loop.body):
        inner_ivs = list(ivs)
        inner_ivs[d] = loop.induction_variable
        scf.yield_(_reduced_loops(g, level + 1, inner_ivs, list(loop.inner_iter_args), parts,
                                  hoisted, band))
    return list(loop.results)


def _step(g: _Generic, ivs: list, accs: list[ir.Value], mask: ir.Value | None,
          hoisted: dict) -> list[ir.Value]:
    """The body on one vector of columns: loads, the cloned body, the
    stores of outputs written along every dim, the folds."""
    mapping = {g.block.arguments[k]: hoisted[k] if k in hoisted else _input(g, k, ivs, mask)
               for k in range(g.n_in)}
    clone_body(g.block, mapping, g.outside, g.n, [c for _, c, _ in g.folds])
    yielded = list(g.block.operations)[-1].operands
    for k in g.stores:
        g.store(k, vector_operand(yielded[k - g.n_in], mapping, g.outside), ivs, mask)
    return [combine(comb, other, vector_operand(comb.operands[other], mapping, g.outside), acc)
            for (_, comb, other), acc in zip(g.folds, accs)]


@register("tsm-vectorize-column-reductions",
          "Vectorize linalg reductions over outer dims (register accumulators per column "
          "chunk, masked tail)")
def vectorize_column_reductions(module_op: ir.Operation) -> None:
    threads = num_threads(module_op)
    for op in collect(module_op, _is_column_reduction):
        _vectorize(op, threads)
