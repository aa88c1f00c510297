"""f32 batch matmuls -> a loop of 2-D linalg.matmuls on views of each batch.

In: the already-lowered operands of an f32 (*B, M, K) @ (*B, K, N) product
without broadcasting, and the tsm op it implements.
Out: one loop over the batches (their indices flattened, split back with
divui/remui) whose body is one linalg.matmul, the form the CPU backend's
tiled kernel takes (it reads row-major views: rows of unit stride, any row
stride).  Each operand's batch is
 - a rank-reduced tensor.extract_slice of the operand (bufferized: a view,
   no copy) when its rows have unit stride;
 - when the operand is a linalg.transpose (attention's head split
   (S, H, D) -> (H, S, D) or (B, S, H, D) -> (B, H, S, D), and k^T), a slice
   of the transpose's input instead: a view when the batch keeps the
   input's row order (q, v); when it swaps it (k^T, a^T) and the sizes are
   static, the (N, K) (or, with at least matmul_codegen.MIN_ROWS rows, the
   (K, M)) view itself, which the batch's matmul reads transposed (its
   indexing maps; the packed kernel packs B from it / broadcasts A from
   it, a B of few rows takes dot products), else a transposed copy per batch (2-D
   linalg.transposes of blocks of 8 source rows, cache-friendly on
   row-strided views), so that the whole tensor is never transposed (and
   then copied again per batch);
 - a linalg.copy into a contiguous tensor when its rows may be strided.
The product accumulates into the batch's slice of the result, zero-filled
in place.  An lhs that is x * s[row] (softmax's exps times 1 / sum) used
only here multiplies as x, and the product's rows are scaled instead (a
pass over (M, N) rather than (M, K)).  When the product's only user is a
linalg.transpose that keeps each batch's rows contiguous (attention's head
merge (H, S, D) -> (S, H, D)), the loop writes the transposed layout
directly and that transpose's uses take the loop's result.  With
`tsm.num_threads` > 1 and more than one batch, the loop is an scf.forall
the threads share (one matmul per thread at a time: each is too small to
split) when the sizes are dynamic or the work is enough
(parallel.MIN_PARALLEL_FLOPS).
"""
from __future__ import annotations

import math
from typing import Sequence

from mlir import ir
from mlir.dialects import arith, linalg, scf, tensor

from . import builders as b
from . import matmul_codegen
from .parallel import MIN_PARALLEL_FLOPS, num_threads

_DYN = ir.ShapedType.get_dynamic_size()


def _slice_args(v: ir.Value, fixed: dict[int, ir.Value]):
    """extract/insert_slice arguments of the 2-D part of v at the indices
    `fixed` (dim -> index) of its other dims."""
    sizes = [b.dim(v, d) for d in range(b.rtt(v).rank)]
    offsets = [_DYN if d in fixed else 0 for d in range(len(sizes))]
    static_sizes = [1 if d in fixed else _cols(s) for d, s in enumerate(sizes)]
    dynamic_sizes = [s for d, s in enumerate(sizes) if d not in fixed and not isinstance(s, int)]
    kept = [_cols(s) for d, s in enumerate(sizes) if d not in fixed]
    return kept, ([fixed[d] for d in sorted(fixed)], dynamic_sizes, [], offsets, static_sizes,
                  [1] * len(sizes))


def _slice(v: ir.Value, fixed: dict[int, ir.Value]) -> ir.Value:
    """v at the indices `fixed` (dim -> index value), rank-reduced to its two
    other dims."""
    kept, args = _slice_args(v, fixed)
    return tensor.extract_slice(ir.RankedTensorType.get(kept, b.rtt(v).element_type), v, *args)


def _place(part: ir.Value, into: ir.Value, fixed: dict[int, ir.Value], args, *,
           parallel: bool) -> ir.Value | None:
    """Insert the 2-D `part` into `into` at the indices `fixed` (`args`:
    _slice_args(into, fixed)[1], built outside an in_parallel block)."""
    if parallel:
        tensor.parallel_insert_slice(part, into, *args)
        return None
    return tensor.insert_slice(part, into, *args)


def transpose_of(v: ir.Value) -> tuple[ir.Value, list[int]] | None:
    """(input, permutation) when v is a linalg.transpose's result."""
    owner = v.owner
    if isinstance(owner, ir.Block):
        return None
    owner = owner.operation
    if owner.name != "linalg.transpose":
        return None
    perm = list(ir.DenseI64ArrayAttr(owner.attributes["permutation"]))
    return owner.operands[0], perm


def _unit_rows(v: ir.Value) -> bool:
    """Whether v's buffer will have unit-stride rows: everything but a slice
    with a non-unit innermost step (reshapes of one keep its stride)."""
    owner = v.owner
    if isinstance(owner, ir.Block):
        return True
    owner = owner.operation
    if owner.name in ("tensor.expand_shape", "tensor.collapse_shape"):
        return _unit_rows(owner.operands[0])
    if owner.name == "tensor.extract_slice":
        strides = list(ir.DenseI64ArrayAttr(owner.attributes["static_strides"]))
        return strides[-1] == 1 and _unit_rows(owner.operands[0])
    return True


def _contiguous(part: ir.Value) -> ir.Value:
    sizes = [b.dim(part, d) for d in range(2)]
    return linalg.copy(part, outs=[b.empty(sizes, b.rtt(part).element_type)])


#: Source rows per block of a 2-D transpose.
_BLOCK = 8


def _transposed(part: ir.Value) -> ir.Value:
    """A contiguous (C, R) copy of the 2-D (R, C) `part`, a block of source
    rows at a time: reading whole columns of a row-strided view (attention's
    k rows are 3 * d apart) maps every read to the same few cache sets,
    while a block's rows stay in cache for all its columns."""
    rows, cols = b.dim(part, 0), b.dim(part, 1)
    elem = b.rtt(part).element_type
    if isinstance(rows, int) and rows <= _BLOCK:
        return _transpose_2d(part, [cols, rows])
    loop = scf.ForOp(b.index(0), b.as_index(rows), b.index(_BLOCK), [b.empty([cols, rows], elem)])
    with ir.InsertionPoint(loop.body):
        r = loop.induction_variable
        # static blocks where they tile the rows: constant inner trip counts
        count = _BLOCK if isinstance(rows, int) and rows % _BLOCK == 0 else \
            arith.minsi(arith.subi(b.as_index(rows), r), b.index(_BLOCK))
        block = tensor.extract_slice(ir.RankedTensorType.get([_cols(count), _cols(cols)], elem),
                                     part, [r], _dynamic(count) + _dynamic(cols), [], [_DYN, 0],
                                     [_cols(count), _cols(cols)], [1, 1])
        flipped = _transpose_2d(block, [cols, count])
        scf.YieldOp([tensor.insert_slice(flipped, loop.inner_iter_args[0], [r],
                                         _dynamic(cols) + _dynamic(count), [], [0, _DYN],
                                         [_cols(cols), _cols(count)], [1, 1])])
    return loop.results[0]


def _cols(size: b.IntOrValue) -> int:
    return size if isinstance(size, int) else _DYN


def _dynamic(size: b.IntOrValue) -> list[ir.Value]:
    return [] if isinstance(size, int) else [size]


def _transpose_2d(v: ir.Value, sizes: list[b.IntOrValue]) -> ir.Value:
    return linalg.transpose(v, outs=[b.empty(sizes, b.rtt(v).element_type)],
                            permutation=[1, 0]).results[0]


def _batch_operand(v: ir.Value, idx: list[ir.Value], *, flipped_ok: bool = False
                   ) -> tuple[ir.Value, bool]:
    """Batch `idx` of the (*B, R, C) operand v as an (R, C) tensor with
    row-major rows (a view where it can be one), and False; or, where
    `flipped_ok` and the batch of v is the transpose of a static row-major
    slice of v's source (k^T, or a^T in bmm(a^T, b)), that slice itself,
    (C, R), and True: the matmul reads it through transposed indexing maps
    (no copy)."""
    rank = b.rtt(v).rank
    transposed = transpose_of(v)
    if transposed is None:
        part = _slice(v, dict(enumerate(idx)))
        return (part if _unit_rows(v) else _contiguous(part)), False
    source, perm = transposed
    # the batch dims of v are the source's perm[j]; the rest keep its order
    part = _slice(source, {perm[j]: i for j, i in enumerate(idx)})
    rows, cols = perm[rank - 2], perm[rank - 1]
    if rows > cols:  # the batch's rows are the source's columns (k^T)
        if flipped_ok and rows == rank - 1 and _unit_rows(source) \
                and b.rtt(part).has_static_shape:
            return part, True
        return _transposed(part), False
    return (part if cols == rank - 1 and _unit_rows(source) else _contiguous(part)), False


def _operand_index(v: ir.Value, idx: list[ir.Value], sizes: Sequence[b.IntOrValue]
                   ) -> list[ir.Value]:
    """The batch index of operand v (its dims but the last two, aligned to
    the result's last batch dims) for the result's batch index `idx`: 0 in
    a static size-1 dim that the result's batch dim broadcasts."""
    t = b.rtt(v)
    lead = len(idx) - (t.rank - 2)
    def broadcast(j: int) -> bool:
        out = sizes[lead + j]
        return not t.is_dynamic_dim(j) and t.shape[j] == 1 and not (isinstance(out, int) and out == 1)
    return [b.index(0) if broadcast(j) else idx[lead + j] for j in range(t.rank - 2)]


def _merging_transpose(result: ir.Value) -> tuple[ir.Operation, list[int]] | None:
    """The result's only user when it is a linalg.transpose under which each
    batch stays a row-major 2-D slice: (B, M, N) -> (M, B, N), (B, H, M, N)
    -> (B, M, H, N), ..."""
    uses = list(result.uses)
    if len(uses) != 1:
        return None
    user = uses[0].owner
    user = user.operation if not isinstance(user, ir.Operation) else user
    if user.name != "linalg.transpose" or uses[0].operand_number != 0:
        return None
    perm = list(ir.DenseI64ArrayAttr(user.attributes["permutation"]))
    rank = len(perm)
    if perm[-1] != rank - 1 or perm.index(rank - 2) > rank - 1:
        return None
    return user, perm


def _row_scaled(v: ir.Value) -> tuple[ir.Value, ir.Value] | None:
    """(x, scale) when v, used only here, is an f32 linalg.generic x * scale
    with scale read per row ((b, m, k) -> (b, m)): softmax's normalization
    of its exps by 1 / sum."""
    owner = v.owner
    if isinstance(owner, ir.Block) or len(list(v.uses)) != 1:
        return None
    owner = owner.operation
    if owner.name != "linalg.generic" or len(owner.operands) != 3 or len(owner.results) != 1:
        return None
    if any("parallel" not in str(it) for it in ir.ArrayAttr(owner.attributes["iterator_types"])):
        return None
    d = ir.AffineDimExpr.get
    maps = [ir.AffineMapAttr(m).value for m in ir.ArrayAttr(owner.attributes["indexing_maps"])]
    r = maps[0].n_dims
    row = ir.AffineMap.get(r, 0, [d(j) for j in range(r - 1)])
    if maps != [b.identity_map(r), row, b.identity_map(r)]:
        return None
    block = owner.regions[0].blocks[0]
    ops = [o.operation for o in block.operations]
    if len(ops) != 2 or ops[0].name != "arith.mulf" or ops[1].operands[0] != ops[0].results[0] \
            or any(str(ir.ShapedType(t.type).element_type) != "f32" for t in owner.operands):
        return None
    x, s = block.arguments[0], block.arguments[1]
    if list(ops[0].operands) not in ([x, s], [s, x]):
        return None
    return owner.operands[0], owner.operands[1]


def _scale_rows(prod: ir.Value, scale: ir.Value, idx: list[ir.Value]) -> ir.Value:
    """prod (M, N) with row m multiplied by scale[*idx, m], in place."""
    rank = b.rtt(scale).rank
    kept, args = _slice_args(scale, dict(enumerate(idx)))
    per_row = tensor.extract_slice(ir.RankedTensorType.get(kept, b.rtt(scale).element_type),
                                   scale, *args)
    assert rank == len(idx) + 1
    d = ir.AffineDimExpr.get
    return b.generic([per_row], prod, [ir.AffineMap.get(2, 0, [d(0)]), b.identity_map(2)],
                     ["parallel", "parallel"], lambda s, p: arith.mulf(p, s))


def _parallel(op: ir.Operation, sizes: Sequence[b.IntOrValue], k: b.IntOrValue) -> bool:
    """Threads share the batch loop: with static sizes, for a batch of two or
    more and enough work; with dynamic ones (unknown work, as for the matmul
    kernels' own tiles), unless the batch is statically one."""
    module = op
    while module.name != "builtin.module":
        module = module.parent
    batch = sizes[:-2]
    if num_threads(module) <= 1 or all(isinstance(s, int) for s in batch) \
            and math.prod(batch) < 2:
        return False
    if not all(isinstance(s, int) for s in (*sizes, k)):
        return True
    return 2 * math.prod(sizes) * k >= MIN_PARALLEL_FLOPS


def _delinearize(i: ir.Value, sizes: Sequence[b.IntOrValue]) -> list[ir.Value]:
    """The multi-index (row-major over `sizes`) of the flat index i."""
    idx = []
    for size in reversed(sizes[1:]):
        n = b.as_index(size)
        idx.append(arith.remui(i, n))
        i = arith.divui(i, n)
    return [i] + idx[::-1]


def batch_of_matmuls(op: ir.Operation, lhs: ir.Value, rhs: ir.Value,
                     sizes: list[b.IntOrValue], elem: ir.Type,
                     layout: Sequence[int] | None = None, flip_a: bool = True,
                     row_scale: ir.Value | None = None) -> ir.Value:
    """`lhs @ rhs` (each (*B, ., .), or (., .)) as one loop over the batches
    (flattened) of 2-D matmuls; sizes: the result's (*B, M, N).  An operand
    with fewer batch dims, or a static 1 where B is larger, is broadcast
    (matmul's rules): each batch reads its one slice.
    `layout`: return the product transposed so (linalg.transpose's
    permutation, N kept last: each batch a 2-D slice of it), written in
    place; else a transpose that is op's result's only user may be.
    `flip_a`: an A may be read transposed (the f32 kernels can; the AMX
    kernel of bfloat16 products, whose elem is f32, cannot).
    `row_scale`: each product's rows are multiplied by it (read per row as
    softmax's 1 / sum is: (*B, M)), lhs being the unscaled weights."""
    rank = len(sizes)
    k = b.dim(lhs, b.rtt(lhs).rank - 1)
    merge = _merging_transpose(op.result) if layout is None else None
    perm = list(layout) if layout is not None else merge[1] if merge else list(range(rank))
    result = b.empty([sizes[d] for d in perm], elem)
    if all(isinstance(size, int) for size in sizes[:-2]):
        count = math.prod(sizes[:-2])
    else:
        count = b.index(1)
        for size in sizes[:-2]:
            count = arith.muli(count, b.as_index(size))
    parallel = _parallel(op, sizes, k)
    if parallel:
        loop = scf.ForallOp([0], [count], [1], [result])
        i = loop.induction_variables[0]
    else:
        loop = scf.ForOp(b.index(0), b.as_index(count), b.index(1), [result])
        i = loop.induction_variable
    acc = loop.inner_iter_args[0]
    # (x * s[row]) @ w == (x @ w) * s[row]: scaling the product's rows is a
    # pass over (B, M, N) instead of over (B, M, K) (softmax @ v: N = head dim)
    scaled = _row_scaled(lhs) if row_scale is None else (lhs, row_scale)
    if scaled is not None:
        lhs = scaled[0]
    with ir.InsertionPoint(loop.body):
        idx = _delinearize(i, sizes[:-2])
        # Operands read transposed in place only where every size is static:
        # the kernels that read them so (matmul_codegen; matvec_codegen for
        # a B of few rows) need them; an A (K, M) only with the packed
        # kernel's rows (fewer: the tiled kernel on a copy).
        # (the kernels that read transposed operands are f32 ones)
        static = all(isinstance(s, int) for s in (*sizes[-2:], k)) and str(elem) == "f32"
        a_idx, w_idx = _operand_index(lhs, idx, sizes), _operand_index(rhs, idx, sizes)
        a, a_flipped = _batch_operand(
            lhs, a_idx, flipped_ok=flip_a and static and sizes[-2] >= matmul_codegen.MIN_ROWS)
        w, b_flipped = _batch_operand(rhs, w_idx, flipped_ok=static)
        # batch dim j of the product is dim perm.index(j) of the layout written
        fixed = {perm.index(j): v for j, v in enumerate(idx)}
        dest = linalg.fill(b.zero(elem), outs=[_slice(acc, fixed)])
        maps = matmul_codegen.transposed_maps(a_flipped, b_flipped) \
            if a_flipped or b_flipped else None
        prod = linalg.matmul(a, w, outs=[dest], indexing_maps=maps)
        if scaled is not None:
            prod = _scale_rows(prod, scaled[1], a_idx)
        args = _slice_args(acc, fixed)[1]  # not in the in_parallel block
        if parallel:
            with ir.InsertionPoint(loop.terminator().block):
                _place(prod, acc, fixed, args, parallel=True)
        else:
            scf.YieldOp([_place(prod, acc, fixed, args, parallel=False)])
    out = loop.results[0]
    if merge is None:
        return out
    # The merging transpose reads the loop's result as it is: its users take it,
    # and the product's own (now unused) value is the layout transposed back.
    merge[0].results[0].replace_all_uses_with(out)
    inverse = [perm.index(d) for d in range(rank)]
    return linalg.transpose(out, outs=[b.empty(sizes, elem)], permutation=inverse).results[0]
