"""A two-operand f32 or f64 einsum as one matmul or batch of matmuls.

tsm.einsum's general lowering is one linalg.generic: scalar loops with the
reduction innermost, 10-80x slower than eager on einsums people write
("bnd,dk->bnk", "bhqk,bkhd->bqhd", "bchw,oc->bohw", MoE's "nd,edf->nef").
Here, as torch.einsum does, the letters are grouped:
- B: in both operands and the result (batch),
- M: in one operand and the result (the product's rows),
- N: in the other operand and the result (its columns),
- K: in both operands, not the result (summed);
the row operand is rearranged to (B..., M, K) and the other to (B..., K, N),
M, K and N each collapsed to one dim, their product (batch_of_matmuls, or a
linalg.matmul without B) expanded back to (B..., M..., N...) and rearranged
to the result's order.

A rearrangement is nothing when the letters are in place, a reshape when
only letters of static size 1 move, else a transpose: batch_of_matmuls reads
a transposed operand batch by batch from its source and can write its
result transposed (each batch a 2-D slice), so a transpose beside B costs a
slice per batch; elsewhere it is a copy.  Either operand can give the rows;
the assignment with fewer copies is taken ("bchw,oc->bohw" at batch 1 is
then W (o, c) @ X (c, h*w): no copy at all).

Taken when: f32 or f64, two operands, no letter twice in a term, every letter in at
least two of the three terms, M, N and K each non-empty, no broadcasting
(size-1 dims against larger ones) and no empty operand.  Other einsums keep
the linalg.generic.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from mlir import ir
from mlir.dialects import arith, linalg

from . import builders as b
from .batch_matmul import batch_of_matmuls
from .nn_support import collapse, expand, expand_fresh

#: Relative cost of a rearrangement: none, slices per batch, a whole copy.
_FREE, _PER_BATCH, _COPY = 0.0, 0.25, 1.0


@dataclass
class _Plan:
    rows: int  # which operand gives M (0: lhs, 1: rhs)
    batch: str
    m: str
    n: str
    k: str
    cost: float


def _unit(c: str, sizes: dict) -> bool:
    return isinstance(sizes[c], int) and sizes[c] == 1


def _moves_data(src: str, dst: str, sizes: dict) -> bool:
    """Whether rearranging letters `src` into `dst` is more than a reshape."""
    return [c for c in src if not _unit(c, sizes)] != [c for c in dst if not _unit(c, sizes)]


def _plan(terms: Sequence[str], output: str, rows: int, sizes: dict) -> _Plan | None:
    a, w = terms[rows], terms[1 - rows]
    batch = "".join(c for c in output if c in a and c in w)
    m = "".join(c for c in output if c in a and c not in w)
    n = "".join(c for c in output if c in w and c not in a)
    k = "".join(c for c in a if c in w and c not in output)
    if set(a) != set(batch + m + k) or set(w) != set(batch + n + k) or not (m and n and k):
        return None
    singles = len(m) == len(k) == len(n) == 1

    def cost(src: str, dst: str, inner_ok: bool) -> float:
        if not _moves_data(src, dst, sizes):
            return _FREE
        return _PER_BATCH if batch and singles and inner_ok else _COPY

    product = batch + m + n
    total = cost(a, batch + m + k, True) + cost(w, batch + k + n, True) \
        + cost(product, output, output.endswith(n))
    return _Plan(rows, batch, m, n, k, total)


def _size_of(letters: str, sizes: dict) -> b.IntOrValue:
    total: b.IntOrValue = math.prod(sizes[c] for c in letters if isinstance(sizes[c], int))
    for c in letters:
        if isinstance(sizes[c], int):
            continue
        if isinstance(total, int) and total == 1:
            total = sizes[c]
        else:
            total = arith.muli(b.as_index(total), b.as_index(sizes[c]))
    return total


def _rearranged(x: ir.Value, src: str, dst: str, sizes: dict) -> ir.Value:
    """x (letters src) with its dims in the order dst: as it is, reshaped
    (only unit letters move) or transposed."""
    if src == dst:
        return x
    if _moves_data(src, dst, sizes):
        return b.permuted(x, [src.index(c) for c in dst])
    kept = [i for i, c in enumerate(src) if not _unit(c, sizes)]
    if kept:
        flat = collapse(x, b.unit_dim_groups(len(src), [i for i in range(len(src))
                                                        if i not in kept]))
        groups = b.unit_dim_groups(len(dst), [i for i, c in enumerate(dst) if _unit(c, sizes)])
    else:  # every letter of size 1
        flat, groups = collapse(x, [list(range(len(src)))]), [list(range(len(dst)))]
    return expand(flat, groups, [sizes[c] for c in dst])


def _grouped(x: ir.Value, lead: int, tail: Sequence[int]) -> ir.Value:
    """x with its dims after the `lead` batch dims collapsed into groups of
    the lengths `tail`."""
    groups = [[i] for i in range(lead)]
    start = lead
    for length in tail:
        groups.append(list(range(start, start + length)))
        start += length
    return x if all(len(g) == 1 for g in groups) else collapse(x, groups)


def as_matmul(op: ir.Operation, terms: Sequence[str], output: str,
              operands: Sequence[ir.Value], sizes: dict, elem: ir.Type) -> ir.Value | None:
    """The einsum as (batch) matmuls (see module doc), or None when it is not
    one of them.  sizes: each letter's size (int or index value)."""
    if len(terms) != 2 or str(elem) not in ("f32", "f64") \
            or any(len(set(t)) != len(t) for t in terms):
        return None
    plans = [p for p in (_plan(terms, output, r, sizes) for r in (0, 1)) if p is not None]
    if not plans:
        return None
    p = min(plans, key=lambda q: q.cost)  # the lhs-rows plan first: kept on a tie
    a = _rearranged(operands[p.rows], terms[p.rows], p.batch + p.m + p.k, sizes)
    w = _rearranged(operands[1 - p.rows], terms[1 - p.rows], p.batch + p.k + p.n, sizes)
    lead = len(p.batch)
    a = _grouped(a, lead, [len(p.m), len(p.k)])
    w = _grouped(w, lead, [len(p.k), len(p.n)])
    rows, cols = _size_of(p.m, sizes), _size_of(p.n, sizes)
    product_letters = p.batch + p.m + p.n
    if not p.batch:
        product = linalg.matmul(a, w, outs=[b.filled([rows, cols], elem, 0)])
        return _rearranged(_split(product, p, sizes), product_letters, output, sizes)
    batch_sizes = [sizes[c] for c in p.batch]
    layout = [product_letters.index(c) for c in output]
    writes_output = len(p.m) == len(p.n) == 1 and layout[-1] == len(output) - 1
    product = batch_of_matmuls(op, a, w, batch_sizes + [rows, cols], elem,
                               layout=layout if writes_output else None)
    if writes_output:
        return product
    return _rearranged(_split(product, p, sizes), product_letters, output, sizes)


def _split(product: ir.Value, p: _Plan, sizes: dict) -> ir.Value:
    """The product (B..., M, N) expanded to (B..., M..., N...)."""
    if len(p.m) == len(p.n) == 1:
        return product
    lead = len(p.batch)
    groups = [[i] for i in range(lead)]
    groups.append(list(range(lead, lead + len(p.m))))
    groups.append(list(range(lead + len(p.m), lead + len(p.m) + len(p.n))))
    return expand_fresh(product, groups, [sizes[c] for c in p.batch + p.m + p.n])
