"""tsm-collapse-reduced-dims: adjacent reduced dims of a generic become one.

In: linalg on tensors, after `linalg-fuse-elementwise-ops`.
Out: a `linalg.generic` whose iteration space has a run of two or more
adjacent reduction dims that every operand reads together (all of them,
next to each other and in order, or none of them) iterates over one dim of
their product instead: the operands that read the run are collapsed with
`tensor.collapse_shape`, the maps and iterators renamed, the body moved
over unchanged.  Generics whose body reads `linalg.index`, or that write
along a reduced dim, are left alone.

Why: the reduction codegen (tsm-vectorize-reductions,
tsm-vectorize-column-reductions) takes one reduced dim; `x.mean((2, 3))` on
NCHW, a global average pool written by hand, was a scalar loop nest over
28 x 28, 4.3x eager's time (amax over (2, 3): 7.3x).  The reductions are
built with their dims in the importer's shape, and linalg-fuse-elementwise-ops
folds a collapse before a generic back into it (reshape propagation by
expansion: keepdim's unit dims land inside the iteration space too), so the
collapse is made after that pass, here.
"""
from __future__ import annotations

from mlir import ir
from mlir.dialects import linalg

from .ir_walk import as_op, collect, indexing_maps, iterators
from .nn_support import collapse
from .passes import register


def _runs(kinds: list[str]) -> list[list[int]]:
    """Maximal runs of at least two adjacent reduction dims."""
    runs, current = [], []
    for i, kind in enumerate(kinds + ["parallel"]):
        if kind == "reduction":
            current.append(i)
            continue
        if len(current) > 1:
            runs.append(current)
        current = []
    return runs


def _positions(m: ir.AffineMap) -> list[int | None]:
    """Each result's dim position (None for a constant), or raise ValueError
    on any other expression."""
    out = []
    for e in m.results:
        if isinstance(e, ir.AffineDimExpr):
            out.append(e.position)
        elif isinstance(e, ir.AffineConstantExpr):
            out.append(None)
        else:
            raise ValueError(e)
    return out


def _reads_together(dims: list[int | None], run: list[int]) -> bool:
    """Whether a map reads none of `run`, or all of it in order side by side."""
    hits = [k for k, d in enumerate(dims) if d in run]
    if not hits:
        return True
    return [dims[k] for k in hits] == run and hits == list(range(hits[0], hits[0] + len(run)))


def _collapsible_runs(op: ir.Operation) -> list[list[int]]:
    if op.name != "linalg.generic" or any(
            not isinstance(r.type, ir.RankedTensorType) for r in op.results):
        return []
    block = op.regions[0].blocks[0]
    if any(as_op(o).name == "linalg.index" for o in block.operations):
        return []
    runs = _runs(iterators(op))
    if not runs:
        return []
    try:
        dims = [_positions(m) for m in indexing_maps(op)]
    except ValueError:
        return []
    n_out = len(op.results)
    outputs = dims[len(dims) - n_out:]
    return [run for run in runs
            if all(_reads_together(d, run) for d in dims)
            and not any(d in run for o in outputs for d in o)]


def _collapse_generic(op: ir.Operation, runs: list[list[int]]) -> None:
    kinds = iterators(op)
    rank = len(kinds)
    merged = {d: run[0] for run in runs for d in run}
    kept = [i for i in range(rank) if merged.get(i, i) == i]
    new_dim = {old: kept.index(merged.get(old, old)) for old in range(rank)}
    maps = indexing_maps(op)
    n_out = len(op.results)
    n_in = len(op.operands) - n_out
    operands, new_maps = [], []
    with ir.InsertionPoint(op), op.location:
        for v, m in zip(op.operands, maps):
            dims = _positions(m)
            groups, exprs, k = [], [], 0
            while k < len(dims):
                d = dims[k]
                width = len(next((r for r in runs if r[0] == d), [d]))
                groups.append(list(range(k, k + width)))
                exprs.append(ir.AffineConstantExpr.get(0) if d is None
                             else ir.AffineDimExpr.get(new_dim[d]))
                k += width
            operands.append(collapse(v, groups) if len(groups) < len(dims) else v)
            new_maps.append(ir.AffineMap.get(len(kept), 0, exprs))
        new = linalg.GenericOp(
            result_tensors=[r.type for r in op.results],
            inputs=operands[:n_in], outputs=operands[n_in:],
            indexing_maps=ir.ArrayAttr.get([ir.AffineMapAttr.get(m) for m in new_maps]),
            iterator_types=ir.ArrayAttr.get([
                ir.Attribute.parse(f"#linalg.iterator_type<{kinds[i]}>") for i in kept]))
    op.regions[0].blocks[0].append_to(new.regions[0])
    for old, result in zip(op.results, new.results):
        old.replace_all_uses_with(result)
    op.erase()


@register("tsm-collapse-reduced-dims",
          "Merge runs of adjacent reduction dims of linalg.generic ops into one dim")
def collapse_reduced_dims(module_op: ir.Operation) -> None:
    for op in collect(module_op, lambda o: bool(_collapsible_runs(o))):
        _collapse_generic(op, _collapsible_runs(op))
