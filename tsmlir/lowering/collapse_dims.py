"""Adjacent dims of a linalg.generic that every operand reads together become one.

tsm-collapse-reduced-dims
  In: linalg on tensors, after `linalg-fuse-elementwise-ops`.
  Out: a generic whose iteration space has a run of two or more adjacent
  reduction dims that every operand reads together (all of them, side by
  side and in order, or none of them) iterates over one dim of their
  product instead: the inputs that read the run are collapsed with
  `tensor.collapse_shape`, maps and iterators renamed, the body moved over
  unchanged.  Generics that write along a reduced dim are left alone.
  Why: the reduction codegen (tsm-vectorize-reductions,
  tsm-vectorize-column-reductions) takes one reduced dim; `x.mean((2, 3))`
  on NCHW, a global average pool written by hand, was a scalar loop nest
  over 28 x 28, 4.3x eager's time (amax over (2, 3): 7.3x).  The lowering
  cannot collapse first: linalg-fuse-elementwise-ops folds a collapse
  before a generic back into it (reshape propagation by expansion; keepdim's
  unit dims land inside the iteration space too), hence a pass after it.

tsm-collapse-parallel-dims
  In: bufferized IR, before `tsm-cpu-vectorize` and the reduction codegen.
  Out: a generic on identity-layout memrefs that reads a broadcast operand
  (a size-1 dim read at index 0: `x * g` with g of shape (N, C, 1, 1), a
  mask (B, 1, 1, S)) reads it through a `memref.collapse_shape` without
  those unit dims, and runs of adjacent dims of one iterator kind that
  every operand reads together are merged, outputs included (H and W of
  `x * g` into one row of H * W; the kept H and W of `x.sum(1)` on NCHW
  into one row of columns).
  Why: tsm-cpu-vectorize takes projected permutations only, so such a
  generic was a scalar loop nest (an SE block's sigmoid gate: 1.6x eager),
  and merged dims give the vector loops long rows instead of 28-element
  ones with a masked tail each.

Both leave alone generics whose body reads `linalg.index` (the indices
would change meaning) and generics tagged for a later pass.
"""
from __future__ import annotations

from typing import Callable

from mlir import ir
from mlir.dialects import linalg

from .cpu_codegen import is_identity_layout
from .ir_walk import as_op, collect, indexing_maps, iterators
from .nn_support import collapse
from .passes import register
from .reduction_body import num_outputs
from .row_copy import collapse_memref


def _positions(m: ir.AffineMap) -> list[int | None] | None:
    """Each result's dim position (None for a constant); None for a map
    with any other expression."""
    out = []
    for e in m.results:
        if isinstance(e, ir.AffineDimExpr):
            out.append(e.position)
        elif isinstance(e, ir.AffineConstantExpr):
            out.append(None)
        else:
            return None
    return out


def _read_next(dims: list[int | None], i: int, skip_constants: bool) -> bool:
    """Whether a map reads neither dim i nor i + 1, or i + 1 right after i
    (with `skip_constants`, past constants read at unit dims)."""
    read = [d for d in dims if d is not None] if skip_constants else dims
    if i not in read and i + 1 not in read:
        return True
    return i in read and read.index(i) + 1 < len(read) and read[read.index(i) + 1] == i + 1


def _runs(kinds: list[str], dims: list[list[int | None]], kind: str,
          skip_constants: bool) -> list[list[int]]:
    """Maximal runs of adjacent dims of `kind` that every map reads
    together: all of a run, side by side and in order, or none of it."""
    runs: list[list[int]] = []
    for i in range(len(kinds) - 1):
        if kinds[i] == kinds[i + 1] == kind and \
                all(_read_next(d, i, skip_constants) for d in dims):
            if runs and runs[-1][-1] == i:
                runs[-1].append(i + 1)
            else:
                runs.append([i, i + 1])
    return runs


def _operand_plan(dims: list[int | None], runs: list[list[int]], new_dim: dict[int, int],
                  drop_constants: bool) -> tuple[list[list[int]], list[int | None]]:
    """The operand's collapse groups and its new map's results (new dim
    positions, None for a constant kept).  Each run becomes one group; with
    `drop_constants`, dims read at a constant join a neighbouring group
    (all of them: no group, a rank-0 operand)."""
    groups: list[list[int]] = []
    exprs: list[int | None] = []
    pending: list[int] = []
    for k, d in enumerate(dims):
        if d is None and drop_constants:
            (groups[-1] if groups else pending).append(k)
            continue
        run = next((r for r in runs if d in r), None)
        if run is not None and d != run[0]:
            groups[-1].append(k)
            continue
        groups.append(pending + [k])
        pending = []
        exprs.append(None if d is None else new_dim[d])
    return groups, exprs


def _rebuild(op: ir.Operation, runs: list[list[int]], drop_constants: bool,
             collapse_operand: Callable[[ir.Value, list[list[int]]], ir.Value]) -> ir.Operation:
    """`op` over the merged iteration space; the body block moves over."""
    kinds = iterators(op)
    merged = {d: run[0] for run in runs for d in run}
    kept = [i for i in range(len(kinds)) if merged.get(i, i) == i]
    new_dim = {old: kept.index(merged.get(old, old)) for old in range(len(kinds))}
    n_in = len(op.operands) - num_outputs(op)
    operands, maps = [], []
    with ir.InsertionPoint(op), op.location:
        for v, m in zip(op.operands, indexing_maps(op)):
            groups, exprs = _operand_plan(_positions(m), runs, new_dim, drop_constants)
            rank = len(m.results)
            operands.append(collapse_operand(v, groups) if len(groups) < rank else v)
            maps.append(ir.AffineMap.get(len(kept), 0, [
                ir.AffineConstantExpr.get(0) if e is None else ir.AffineDimExpr.get(e)
                for e in exprs]))
        new = linalg.GenericOp(
            result_tensors=[r.type for r in op.results],
            inputs=operands[:n_in], outputs=operands[n_in:],
            indexing_maps=ir.ArrayAttr.get([ir.AffineMapAttr.get(m) for m in maps]),
            iterator_types=ir.ArrayAttr.get([
                ir.Attribute.parse(f"#linalg.iterator_type<{kinds[i]}>") for i in kept]))
    op.regions[0].blocks[0].append_to(new.regions[0])
    for old, result in zip(op.results, new.results):
        old.replace_all_uses_with(result)
    op.erase()
    return as_op(new)


def _repeats(dims: list[int | None]) -> bool:
    """A map that reads some dim twice (a diagonal)."""
    read = [d for d in dims if d is not None]
    return len(set(read)) < len(read)


#: A generic's own attributes; any other is a tag that a later pass reads
#: (tsm.direct_conv: its maps and dims are that pass's contract).
_GENERIC_ATTRS = {"indexing_maps", "iterator_types", "operandSegmentSizes"}


def _left_alone(op: ir.Operation) -> bool:
    """Not a plain generic: a body that reads linalg.index (the indices
    would change meaning) or a tagged one."""
    if op.name != "linalg.generic":
        return True
    if any(op.attributes[i].name not in _GENERIC_ATTRS for i in range(len(op.attributes))):
        return True
    return any(as_op(o).name == "linalg.index" for o in op.regions[0].blocks[0].operations)


def _planned(module_op: ir.Operation,
             plan: Callable[[ir.Operation], list[list[int]] | None]):
    """The generics with their plan (the runs to merge), each planned once."""
    for op in collect(module_op, lambda o: o.name == "linalg.generic"):
        runs = plan(op)
        if runs is not None:
            yield op, runs


# -- reductions, on tensors ------------------------------------------------------------
def _reduced_runs(op: ir.Operation) -> list[list[int]] | None:
    """The runs of reduced dims to merge in a tensor generic; None to leave it."""
    if _left_alone(op) or not op.results:
        return None
    dims = [_positions(m) for m in indexing_maps(op)]
    if any(d is None or _repeats(d) for d in dims):
        return None
    outputs = dims[len(dims) - num_outputs(op):]
    return [run for run in _runs(iterators(op), dims, "reduction", False)
            if not any(d in run for o in outputs for d in o)] or None


@register("tsm-collapse-reduced-dims",
          "Merge runs of adjacent reduction dims of linalg.generic ops into one dim")
def collapse_reduced_dims(module_op: ir.Operation) -> None:
    for op, runs in _planned(module_op, _reduced_runs):
        _rebuild(op, runs, False, collapse)


# -- elementwise, on memrefs -----------------------------------------------------------
def _unit_constants(v: ir.Value, dims: list[int | None]) -> bool:
    """Every dim read at a constant is a static size 1 (a broadcast)."""
    t = ir.MemRefType(v.type)
    return all(d is not None or t.shape[k] == 1 for k, d in enumerate(dims))


def _memref_plan(op: ir.Operation) -> list[list[int]] | None:
    """The runs to merge in a memref generic that reads a broadcast or has
    runs to merge; None to leave it."""
    if _left_alone(op) or op.results:
        return None
    kinds = iterators(op)
    if not all(isinstance(v.type, ir.MemRefType) and is_identity_layout(v.type)
               for v in op.operands):
        return None
    dims = [_positions(m) for m in indexing_maps(op)]
    if any(d is None or _repeats(d) or not _unit_constants(v, d)
           for d, v in zip(dims, op.operands)):
        return None
    runs = sorted(_runs(kinds, dims, "parallel", True) + _runs(kinds, dims, "reduction", True))
    broadcast = any(e is None for d in dims for e in d)
    return runs if runs or broadcast else None


@register("tsm-collapse-parallel-dims",
          "Drop the broadcast unit dims of elementwise generics on memrefs and merge "
          "adjacent dims that every operand reads together")
def collapse_parallel_dims(module_op: ir.Operation) -> None:
    for op, runs in _planned(module_op, _memref_plan):
        _rebuild(op, runs, True, collapse_memref)
