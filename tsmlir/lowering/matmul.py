"""tsm matmul ops -> linalg contractions.

In: tsm.matmul (torch.matmul ranks, broadcasting batch dims), tsm.linear
(x @ weight.T + bias), tsm.addmm (beta * self + alpha * mat1 @ mat2) and
tsm.einsum (explicit equation), all operands of one dtype.
Out: one contraction accumulating into an init tensor: linalg.dot / matvec /
vecmat / matmul / batch_matmul when the operand ranks are exactly theirs
(linalg.matmul with a transposed-weight indexing map for a 2-D linear; a
batched lhs times a 2-D rhs is one linalg.matmul over the collapsed rows; an
f32 or f64 batch matmul, broadcast batch dims included, is one loop over
its batches of 2-D linalg.matmuls on views of each batch, the form the CPU
backend's kernels take: see batch_matmul), otherwise a linalg.generic
whose indexing maps carry the batch broadcasting.  An einsum is
linalg.matmul / batch_matmul when it is one, an f32 or f64 one that
rearranges into (batch) matmuls is those (einsum_matmul), others one
linalg.generic
(output letters parallel, the others reductions; a static size-1 dim
broadcasts).  The init is linalg.fill of zero, or the broadcast bias /
beta * self, which the contraction then accumulates into.  addmm with
alpha != 1 scales in a separate elementwise linalg.generic.  Sizes that
must agree at run time (contraction sizes, batch dims, addend dims) get a
`cf.assert` naming the op.  float16/bfloat16 products are the float32 op
between conversions (accumulated in float, rounded once, as PyTorch's);
on a target with AMX-BF16, a static bfloat16 matmul / addmm is bf16 x bf16
-> f32 linalg.matmuls for tsm-amx-matmul's tile kernel (one over the rows
of lhs for a 2-D rhs, else a loop over the batches), plus the f32 addend,
rounded once.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

from mlir import ir
from mlir.dialects import arith, linalg

from ..dialects.ops.matmul import einsum_sizes, parse_einsum
from ..dialects.types import DYN, from_mlir
from . import builders as b
from . import matmul_codegen
from .accumulate import protect_arguments
from .batch_matmul import batch_of_matmuls, transpose_of
from .einsum_matmul import as_matmul
from .ir_walk import matmul_maps
from .matmul_amx import takes as amx_takes
from .nn_support import (_converted, collapse, expand, expand_fresh, half_in_f32,
                         half_source_type, narrowed, rounded_sum, widened_row_scale)
from .target import target_has_amx_bf16
from .passes import pattern_pass


#: Element types whose 2-D matmuls have vector kernels (tsm-cpu-vectorize:
#: packed and tiled for f32, tiled for f64): batches and einsums become
#: loops of them.
KERNEL_TYPES = ("f32", "f64")


def _shape(v: ir.Value) -> list[int]:
    t = b.rtt(v)
    return [DYN if t.is_dynamic_dim(i) else t.shape[i] for i in range(t.rank)]


def _agree(sizes: Sequence[b.IntOrValue], op: ir.Operation, what: str) -> b.IntOrValue:
    """The one size that several dims must share: the static one if any (the
    type rule saw to it that they agree), else the first dynamic one.  Every
    other dynamic size is asserted equal to it at run time."""
    static = [s for s in sizes if isinstance(s, int)]
    target = static[0] if static else sizes[0]
    for s in sizes:
        if not isinstance(s, int) and s is not target:
            b.assert_same_size(s, b.as_index(target), op.name, what)
    return target


@dataclass
class _Contraction:
    """One contraction's iteration space: batch dims, then M (if lhs has
    rows), N (if rhs has columns), then the reduction K."""
    maps: list[ir.AffineMap]  # lhs, rhs, result
    sizes: list[b.IntOrValue]  # result sizes
    broadcasts: bool  # some batch dim reads a size-1 operand dim at index 0


def _plan(op: ir.Operation, lhs: ir.Value, rhs: ir.Value, out_shape: Sequence[int], *,
          transpose_rhs: bool) -> _Contraction:
    """Indexing maps and result sizes of `lhs @ rhs` (rhs read as (N, K) when
    `transpose_rhs`); emits the run-time size checks."""
    l_shape, r_shape = _shape(lhs), _shape(rhs)
    has_m, has_n = len(l_shape) >= 2, len(r_shape) >= 2
    l_batch = l_shape[:-2] if has_m else []
    r_batch = r_shape[:-2] if has_n else []
    n_batch = len(out_shape) - has_m - has_n
    m, n, k = n_batch, n_batch + has_m, n_batch + has_m + has_n
    d = ir.AffineDimExpr.get

    sizes: list[b.IntOrValue] = []
    broadcasts = False
    l_exprs, r_exprs = [], []
    for i in range(n_batch):
        dims = []  # sizes of the operand dims that batch dim i reads (not broadcast)
        for v, batch, exprs in ((lhs, l_batch, l_exprs), (rhs, r_batch, r_exprs)):
            j = i - (n_batch - len(batch))
            if j < 0:
                continue
            if batch[j] == 1 and out_shape[i] != 1:
                exprs.append(ir.AffineConstantExpr.get(0))
                broadcasts = True
            else:
                exprs.append(d(i))
                dims.append(b.dim(v, j))
        sizes.append(_agree(dims, op, f"batch dimension {i} of the operands must match "
                                      "(dynamic dims do not broadcast)"))
    if has_m:
        l_exprs.append(d(m))
        sizes.append(b.dim(lhs, len(l_shape) - 2))
    l_exprs.append(d(k))
    if has_n:
        r_exprs += [d(n), d(k)] if transpose_rhs else [d(k), d(n)]
        sizes.append(b.dim(rhs, len(r_shape) - 2 if transpose_rhs else len(r_shape) - 1))
    else:
        r_exprs.append(d(k))
    r_k = len(r_shape) - 1 if transpose_rhs or not has_n else len(r_shape) - 2
    _agree([b.dim(lhs, len(l_shape) - 1), b.dim(rhs, r_k)], op,
           "contraction dimensions of the operands must match")
    n_loops = k + 1
    maps = [ir.AffineMap.get(n_loops, 0, l_exprs), ir.AffineMap.get(n_loops, 0, r_exprs),
            ir.AffineMap.get(n_loops, 0, [d(i) for i in range(k)])]
    return _Contraction(maps, sizes, broadcasts)


def _named(lhs: ir.Value, rhs: ir.Value, c: _Contraction,
           transpose_rhs: bool) -> Callable[[ir.Value], ir.Value] | None:
    """The named linalg op computing the contraction, if there is one."""
    ranks = (b.rtt(lhs).rank, b.rtt(rhs).rank)
    if transpose_rhs:
        if ranks == (1, 2) and str(b.rtt(lhs).element_type) == "f32":
            # one row of dot products (tsm-vectorize-matvec), as a few-row linear
            return lambda init: _row_matmul(lhs, rhs, init)
        if ranks == (1, 2):  # x @ W.T == W @ x
            return lambda init: linalg.matvec(rhs, lhs, outs=[init])
        if ranks == (2, 2):
            return lambda init: linalg.matmul(lhs, rhs, outs=[init], indexing_maps=c.maps)
        return None
    if ranks == (2, 1) and str(b.rtt(lhs).element_type) == "f32" \
            and b.rtt(lhs).has_static_shape:
        # A @ v: one row of dot products of v with A's contiguous rows
        # (tsm-vectorize-matvec; static sizes): linalg.matvec's loops ran
        # 4.6x slower than eager at 2048 x 2048
        return lambda init: _row_matmul(rhs, lhs, init)
    named = {(1, 1): linalg.dot, (2, 1): linalg.matvec, (1, 2): linalg.vecmat,
             (2, 2): linalg.matmul}.get(ranks)
    if ranks == (3, 3) and not c.broadcasts:
        named = linalg.batch_matmul
    return None if named is None else lambda init: named(lhs, rhs, outs=[init])


def _row_matmul(x: ir.Value, w: ir.Value, init: ir.Value) -> ir.Value:
    """x (K) @ W (N, K).T as a one-row matmul reading W transposed."""
    row = [[0, 1]]
    product = linalg.matmul(expand(x, row, [1, b.dim(x, 0)]), w,
                            outs=[expand(init, row, [1, b.dim(init, 0)])],
                            indexing_maps=matmul_maps(b_transposed=True))
    return collapse(product, row)


def _multiply_add(acc: ir.Value, x: ir.Value, y: ir.Value) -> ir.Value:
    if b.is_float(acc.type):
        return arith.addf(acc, arith.mulf(x, y))
    return arith.addi(acc, arith.muli(x, y))


def _contract(op: ir.Operation, lhs: ir.Value, rhs: ir.Value, *, transpose_rhs: bool = False,
              addend: ir.Value | None = None, beta: float = 1.0) -> ir.Value:
    """`lhs @ rhs` accumulated into zero, or into `beta * addend` broadcast
    to the result."""
    out_t = b.rtt(op.result)
    out_shape = _shape(op.result)
    c = _plan(op, lhs, rhs, out_shape, transpose_rhs=transpose_rhs)
    elem = out_t.element_type
    if _per_batch(lhs, rhs, c, transpose_rhs):
        product = batch_of_matmuls(op, lhs, rhs, c.sizes, elem)
        if addend is None or beta == 0:
            return product
        # baddbmm: the addend joins the batches' products in one pass (the
        # generic batched contraction ran ~40x slower than eager)
        return _plus_addend(op, product, addend, beta)
    if addend is None or beta == 0:
        init = b.filled(c.sizes, elem, 0)
    else:
        init = _broadcast(op, addend, c.sizes, out_shape, lambda x: _scale(x, beta))
        if beta == 1 and _shape(addend) == list(out_shape):
            # canonicalize folds the identity copy: the product then
            # accumulates into the addend itself, which may be an argument
            protect_arguments(op)
    if b.rtt(lhs).rank >= 3 and b.rtt(rhs).rank == 2:
        # (..., M, K) @ (K, N) is one 2-D matmul over the rows of every batch:
        # collapsing contiguous dims is free and the 2-D op has the fast kernel.
        rows = [list(range(b.rtt(lhs).rank - 1)), [b.rtt(lhs).rank - 1]]
        maps = matmul_maps(b_transposed=True) if transpose_rhs else None
        flat = linalg.matmul(collapse(lhs, rows), rhs, outs=[collapse(init, rows)],
                             indexing_maps=maps)
        return expand_fresh(flat, rows, c.sizes)
    named = _named(lhs, rhs, c, transpose_rhs)
    if named is not None:
        return named(init)
    iterators = ["parallel"] * (c.maps[0].n_dims - 1) + ["reduction"]
    return b.generic([lhs, rhs], init, c.maps, iterators,
                     lambda x, y, acc: _multiply_add(acc, x, y))


def _per_batch(lhs: ir.Value, rhs: ir.Value, c: _Contraction, transpose_rhs: bool) -> bool:
    """An f32 or f64 product with batch dims and both operands at least 2-D: one
    2-D matmul per batch, an operand's batch dims broadcast where it has
    fewer or size 1 (not a batched lhs times a 2-D rhs: one matmul over its
    collapsed rows is better; not for static empty operands, whose slices
    could not be taken)."""
    l_rank, r_rank = b.rtt(lhs).rank, b.rtt(rhs).rank
    return min(l_rank, r_rank) >= 2 and max(l_rank, r_rank) >= 3 \
        and not (r_rank == 2 and not c.broadcasts) \
        and not transpose_rhs and str(b.rtt(lhs).element_type) in KERNEL_TYPES \
        and 0 not in _shape(lhs) + _shape(rhs)


def _scale(x: ir.Value, factor: float) -> ir.Value:
    if factor == 1:
        return x
    if b.is_float(x.type):
        return arith.mulf(x, b.constant(factor, x.type))
    return arith.muli(x, b.constant(int(factor), x.type))


def _check_fits(op: ir.Operation, v: ir.Value, sizes: Sequence[b.IntOrValue]) -> None:
    """A dim of the addend `v` that is dynamic, or that is not 1 against a
    dynamic result dim, must equal the result's (dynamic dims do not broadcast)."""
    offset = len(sizes) - b.rtt(v).rank
    for j, size in enumerate(_shape(v)):
        if size == DYN or size != 1 and not isinstance(sizes[offset + j], int):
            _agree([b.dim(v, j), sizes[offset + j]], op,
                   f"dimension {j} of the addend must match the result size")


def _broadcast(op: ir.Operation, v: ir.Value, sizes: Sequence[b.IntOrValue],
               out_shape: Sequence[int], body: Callable[[ir.Value], ir.Value]) -> ir.Value:
    """`body(v)` broadcast to the result shape."""
    _check_fits(op, v, sizes)
    init = b.empty(sizes, b.rtt(v).element_type)
    maps = [b.broadcast_map(_shape(v), out_shape), b.identity_map(len(out_shape))]
    return b.generic([v], init, maps, ["parallel"] * len(out_shape), lambda x, _: body(x))


def _attr(op: ir.Operation, name: str) -> float:
    return ir.FloatAttr(op.attributes[name]).value if name in op.attributes else 1.0


def _static_transposed(lhs: ir.Value, rhs: ir.Value) -> ir.Value | None:
    """The (N, K) tensor that the 2-D f32 rhs is the transpose of (x @ w.t()),
    where every size is static: the product then reads it in place
    (matmul_codegen packs its blocks from it, few rows take dot products)
    instead of a transposed copy."""
    flipped = transpose_of(rhs)
    if flipped is None or flipped[1] != [1, 0] or str(b.rtt(rhs).element_type) != "f32" \
            or DYN in _shape(lhs) + _shape(rhs):
        return None
    return flipped[0]


def lower_matmul(op: ir.Operation) -> ir.Value:
    lhs, rhs = op.operands
    source = _static_transposed(lhs, rhs)
    if source is not None:
        return _contract(op, lhs, source, transpose_rhs=True)
    return _contract(op, lhs, rhs)


def lower_linear(op: ir.Operation) -> ir.Value:
    x, weight, *bias = op.operands
    addend = bias[0] if bias else None
    elem = str(b.rtt(weight).element_type)
    # only the rows (x's leading dims) may be known at run time alone
    dynamic = DYN in _shape(x)[-1:] + _shape(weight)
    if b.rtt(x).rank >= 2 and (elem == "f64" or elem == "f32" and dynamic):
        # A run-time weight (a constant one was transposed at import) of
        # dynamic sizes, or f64: one transposed copy (N*K moves,
        # tsm-vectorize-transposes' block kernel) makes the product a plain
        # matmul, which has the tiled kernels; the transposed-weight
        # contraction would be scalar loops (~30x eager).
        return _contract(op, x, b.permuted(weight, [1, 0]), addend=addend)
    # Static sizes but maybe the rows: the product reads W as it lies,
    # (N, K): few static rows (matvec_codegen.MAX_ROWS_B_TRANSPOSED) as dot
    # products of contiguous rows (tsm-vectorize-matvec), more (or rows
    # known at run time) by the packed kernel, which packs its blocks of B
    # straight from W (matmul_codegen): no copy of W.
    return _contract(op, x, weight, transpose_rhs=True, addend=addend)


def lower_addmm(op: ir.Operation) -> ir.Value:
    self, mat1, mat2 = op.operands
    beta, alpha = _attr(op, "beta"), _attr(op, "alpha")
    if alpha == 1:
        return _contract(op, mat1, mat2, addend=self, beta=beta)
    # alpha scales the product only: a second pass updates it in place.
    product = _contract(op, mat1, mat2)
    if beta == 0:  # self is ignored, NaNs included
        rank = len(_shape(op.result))
        return b.generic([], product, [b.identity_map(rank)], ["parallel"] * rank,
                         lambda p: _scale(p, alpha))
    return _plus_addend(op, product, self, beta, alpha)


def _plus_addend(op: ir.Operation, product: ir.Value, addend: ir.Value, beta: float,
                 alpha: float = 1.0) -> ir.Value:
    """beta * addend (broadcast to the result) + alpha * product, one pass
    written over the product."""
    out_shape = _shape(op.result)
    rank = len(out_shape)
    _check_fits(op, addend, [b.dim(product, i) for i in range(rank)])
    maps = [b.broadcast_map(_shape(addend), out_shape), b.identity_map(rank)]
    return b.generic([addend], product, maps, ["parallel"] * rank,
                     lambda s, p: _add(_scale(s, beta), _scale(p, alpha)))


def _add(x: ir.Value, y: ir.Value) -> ir.Value:
    return arith.addf(x, y) if b.is_float(x.type) else arith.addi(x, y)


def _einsum_named(terms: list[str], output: str) -> Callable | None:
    """The named linalg op of an einsum that is a plain (batch) matmul."""
    if len(terms) != 2 or len(set("".join(terms))) != 3 + (len(output) == 3) \
            or not len(terms[0]) == len(terms[1]) == len(output):
        return None
    lhs, rhs = terms
    if len(output) == 2 and (lhs[0], lhs[1], rhs[0], rhs[1]) == (output[0], rhs[0], lhs[1], output[1]):
        return linalg.matmul
    if len(output) == 3 and lhs[0] == rhs[0] == output[0] and \
            (lhs[1], lhs[2], rhs[1], rhs[2]) == (output[1], rhs[1], lhs[2], output[2]):
        return linalg.batch_matmul
    return None


def _einsum_b_transposed(terms: list[str], output: str) -> bool:
    """An einsum that is a (batch) matmul reading rhs transposed:
    "...mk,...nk->...mn" (attention's q @ k^T as "bhqd,bhkd->bhqk")."""
    if len(terms) != 2 or not len(terms[0]) == len(terms[1]) == len(output) >= 2:
        return False
    lhs, rhs = terms
    batch = output[:-2]
    return lhs[:-2] == rhs[:-2] == batch and lhs[-1] == rhs[-1] \
        and (lhs[-2], rhs[-2]) == (output[-2], output[-1]) \
        and len(set(lhs + rhs)) == len(lhs) + 1


def lower_einsum(op: ir.Operation) -> ir.Value:
    terms, output = parse_einsum(ir.StringAttr(op.attributes["equation"]).value)
    operands = list(op.operands)
    letters = output + "".join(dict.fromkeys(c for c in "".join(terms) if c not in output))
    static_sizes = einsum_sizes(terms, [from_mlir(v.type) for v in operands])
    d = ir.AffineDimExpr.get
    sizes, broadcast = {}, False
    for c in letters:
        # The size-1 dims of a letter of another size broadcast (read at index 0).
        dims = [b.dim(v, j) for term, v in zip(terms, operands) for j, t in enumerate(term)
                if t == c and (_shape(v)[j] != 1 or static_sizes[c] == 1)]
        sizes[c] = _agree(dims, op, f"sizes of subscript '{c}' of the operands must match") \
            if dims else 1
    maps = []
    for term, v in zip(terms, operands):
        exprs = []
        for j, c in enumerate(term):
            reads_one = _shape(v)[j] == 1 and static_sizes[c] != 1
            broadcast |= reads_one
            exprs.append(ir.AffineConstantExpr.get(0) if reads_one else d(letters.index(c)))
        maps.append(ir.AffineMap.get(len(letters), 0, exprs))
    maps.append(ir.AffineMap.get(len(letters), 0, [d(i) for i in range(len(output))]))
    elem = b.rtt(op.result).element_type
    named = None if broadcast else _einsum_named(terms, output)
    if named is linalg.batch_matmul and str(elem) in KERNEL_TYPES \
            and 0 not in _shape(operands[0]) + _shape(operands[1]):
        return batch_of_matmuls(op, *operands, [sizes[c] for c in output], elem)
    if not broadcast and str(elem) == "f32" and _einsum_b_transposed(terms, output) \
            and 0 not in _shape(operands[0]) + _shape(operands[1]):
        # rhs^T as a linalg.transpose: the batch loop reads each batch of it
        # as a transposed block of rhs (never the whole transpose), a 2-D
        # product takes one transposed copy and the plain matmul kernels
        rank = len(output)
        rhs_t = b.permuted(operands[1], [*range(rank - 2), rank - 1, rank - 2])
        if rank >= 3:
            return batch_of_matmuls(op, operands[0], rhs_t, [sizes[c] for c in output], elem)
        return linalg.matmul(operands[0], rhs_t,
                             outs=[b.filled([sizes[c] for c in output], elem, 0)])
    if named is None and not broadcast and 0 not in _shape(operands[0]) + _shape(operands[-1]):
        product = as_matmul(op, terms, output, operands, sizes, elem)
        if product is not None:
            return product
    init = b.filled([sizes[c] for c in output], elem, 0)
    if named is not None:
        return named(*operands, outs=[init])
    iterators = ["parallel"] * len(output) + ["reduction"] * (len(letters) - len(output))
    if len(operands) == 1:
        return b.generic(operands, init, maps, iterators, lambda x, acc: _add(acc, x))
    return b.generic(operands, init, maps, iterators, lambda x, y, acc: _multiply_add(acc, x, y))


def _amx_product(op: ir.Operation) -> ir.Value | None:
    """A bfloat16 matmul, linear (a run-time weight) or addmm (beta = alpha =
    1), all sizes static, on a target with AMX-BF16: bf16 x bf16 -> f32
    linalg.matmuls into zeros (which the kernel's first tiles are) for
    tsm-amx-matmul, plus the addend widened to f32, rounded to bfloat16
    once.  A float32 matmul of two bfloat16 tensors widened (half
    attention's products, `a.float() @ b.float()`) is the same product, not
    rounded: a product of two bfloat16 values is exact in float32, so only
    the order of the sums differs from the float32 kernel's.  A 2-D rhs
    takes the rows of lhs as one product; batches (attention) a loop of
    products on views of each batch (batch_of_matmuls: a k^T read as it
    lies, as (N, K)).  None where the kernel would not take the products."""
    flipped = op.name == "tsm.linear"  # x @ weight^T: the weight read as (N, K)
    if op.name == "tsm.addmm":
        addend, lhs, rhs = op.operands
        if (_attr(op, "beta"), _attr(op, "alpha")) != (1.0, 1.0) or b.rtt(lhs).rank != 2:
            return None
    elif flipped:
        lhs, rhs, *bias = op.operands
        addend = bias[0] if bias else None
    else:
        (lhs, rhs), addend = op.operands, None
    widened = op.name == "tsm.matmul" and str(b.rtt(op.result).element_type) == "f32"
    if widened:
        if any(str(half_source_type(v)) != "bf16" for v in (lhs, rhs)):
            return None
        values = [lhs, rhs]
    else:
        values = [lhs, rhs, op.result] + ([addend] if addend is not None else [])
        if any(str(b.rtt(v).element_type) != "bf16" for v in values):
            return None
    if any(DYN in _shape(v) for v in values) or b.rtt(lhs).rank < 2 or b.rtt(rhs).rank < 2:
        return None
    out_shape = _shape(op.result)
    n, k = out_shape[-1], _shape(lhs)[-1]
    # a 2-D rhs: the rows of lhs in one product
    m = math.prod(_shape(lhs)[:-1]) if b.rtt(rhs).rank == 2 else out_shape[-2]
    if not amx_takes(m, n, k) or not target_has_amx_bf16(b.current_module()):
        return None
    # half attention's weights: rounded exps, their rows scaled by 1 / sum
    # in the product (as PyTorch's flash kernel does), not before rounding
    row_scale = widened_row_scale(lhs) if widened and b.rtt(rhs).rank != 2 else None
    if widened:
        lhs, rhs = narrowed(lhs, unscaled=row_scale is not None), narrowed(rhs)
    f32, out_type = ir.F32Type.get(), b.rtt(op.result).element_type
    if b.rtt(rhs).rank != 2:
        product = batch_of_matmuls(op, lhs, rhs, out_shape, f32,
                                   layout=list(range(len(out_shape))), flip_a=False,
                                   row_scale=row_scale)
        return product if widened else _converted(product, out_type)
    rows = collapse(lhs, [list(range(b.rtt(lhs).rank - 1)), [b.rtt(lhs).rank - 1]])
    maps = matmul_codegen.transposed_maps(False, True) if flipped else None
    product = linalg.matmul(rows, rhs, outs=[b.filled([m, n], f32, 0.0)], indexing_maps=maps)
    if not widened:
        addend_map = None if addend is None else b.broadcast_map(_shape(addend), [m, n])
        product = rounded_sum(product, addend, addend_map, out_type)
    if len(out_shape) != 2:
        product = expand(product, [list(range(len(out_shape) - 1)), [len(out_shape) - 1]],
                         out_shape)
    return product


def _matmul_or_widened(op: ir.Operation) -> ir.Value:
    """A float32 matmul: on AMX where both operands are widened bfloat16
    (_amx_product), else lower_matmul."""
    product = _amx_product(op)
    return product if product is not None else lower_matmul(op)


# float16/bfloat16 products are the float32 op between conversions: PyTorch's
# CPU kernels accumulate them in float and round once, and the float32 op has
# the kernels (a bf16 MLP's generic contractions ran 700x slower than eager);
# on AMX, bfloat16 ones are products of their own (_amx_product).
LOWERINGS = {
    "tsm.matmul": half_in_f32(_matmul_or_widened, native=_amx_product),
    "tsm.linear": half_in_f32(lower_linear, native=_amx_product),
    "tsm.addmm": half_in_f32(lower_addmm, native=_amx_product),
    "tsm.einsum": half_in_f32(lower_einsum),
}

lower_matmul_pass = pattern_pass(
    "tsm-lower-matmul", "Lower tsm matmul ops to linalg contractions", LOWERINGS)
