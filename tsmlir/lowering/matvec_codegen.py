"""tsm-vectorize-matvec: few-row matmuls by a narrow constant matrix as dot products.

In: bufferized IR (linalg ops on memrefs), before `tsm-cpu-vectorize`.
Out: each static f32 `linalg.matmul` C[m, n] += A[m, k] @ B[k, n] with a few
rows (m <= MAX_ROWS), a narrow B (n <= MAX_COLUMNS, k >= MIN_DEPTH) that is
a constant global (a linear layer's weight, which the importer stores
transposed, as K x N) and plain row-major operands becomes a call to a
generated function that
- copies B once, on its first call, transposed into a global of its own
  (N x K: each output's weights one contiguous row), and
- computes each C[m, n] as one dot product of A's row m with row n of that
  copy: a loop over k in vectors of LANES floats (several accumulators per
  row of A, the A vectors shared by them), the tail masked, then one
  horizontal sum added into C.
Also a `linalg.matmul` of at most MAX_ROWS_B_TRANSPOSED rows whose
indexing maps read B as N x K (a linear layer with a run-time weight, see
matmul.lower_linear): the same dot products read that B in place (no
copy), on views of any row stride, one call per block of MAX_ROWS rows
(with AVX-512: of 8 rows, in 16-float vectors, `AVX512_DOTS`).
With `tsm.num_threads` > 1 and a B of at least MIN_PARALLEL_WEIGHTS
elements, the threads share the n loop in blocks of columns (an
scf.parallel; PIECES_PER_THREAD): the product is bound by the memory
bandwidth of streaming B, which two cores raise.

A matmul of that kind whose rows are counted only at run time (a batch of
run-time size through a classifier) gets two versions, chosen when it runs:
`scf.if (rows == 1)` the product on 1-row casts of A and C, which the dot
products take, else the matmul as it was, for the packed kernels
(`matmul_codegen`); the fill or broadcast bias that starts C goes into each
branch, so that the packed kernel still starts its sums from it.

Why: with B as K x N, a row of B (n floats, 10 for seed_conv's classifier)
fills less than two vectors, so the broadcast-and-FMA kernel of
`tsm-cpu-vectorize` runs masked, half-empty vectors down 86528 rows; the
transposed copy is read once, front to back, in full vectors.
"""
from __future__ import annotations

from mlir import ir
from mlir.dialects import arith, func, memref, scf

from . import cpu_codegen
from .ir_walk import as_op, collect, has_unit_inner_stride, indexing_maps, matmul_maps
from .kernel_emit import (Emitter, constant_global, copy_globals, enclosing_function,
                          filled_once, shape_of)
from .matmul_bias import bias_init, zero_init
from .parallel import num_threads
from .passes import register
from .target import target_has_avx512

#: f32 lanes of one AVX2 register.
LANES = 8
MAX_ROWS = 4
#: Rows of a B read transposed: dot products on groups of MAX_ROWS rows, B
#: streamed once per group; more rows go to the packed kernel, which packs
#: from B as it lies (matmul_codegen).  Measured, rows x 1024 @ (1024 x
#: 1024)^T + bias, 1 thread, ratio to eager: 8 rows 0.76 dots / 0.80 packed,
#: 9: 0.80 / 0.71, 12: 0.95 / 0.77, 16: 1.09 / 0.80.
MAX_ROWS_B_TRANSPOSED = 8
#: With AVX-512 (32 registers) those dot products take 16-float vectors and
#: all 8 rows in one pass over B (8 accumulators).  Sapphire Rapids, rows x
#: 1024 @ (1024 x 1024)^T + bias, medians, 1 | 2 threads, ms: 8 rows
#: 0.668 -> 0.505 | 0.378 -> 0.279 (eager 0.632 | 0.297), 4 rows 0.377 ->
#: 0.312 | 0.202 -> 0.168, 1 row 0.268 -> 0.244 | 0.132 -> 0.131; 16
#: floats with groups of 4 rows, or 8 floats with 8 rows, gained half that.
AVX512_DOTS = (16, 8)  # (lanes, rows per pass)
#: Wider B have full vectors along n: the broadcast-and-FMA kernels win there.
MAX_COLUMNS = 32
MIN_DEPTH = 64
#: B elements from which the threads share the columns (bandwidth-bound work
#: pays for waking them from well below the flop threshold of `parallel`).
MIN_PARALLEL_WEIGHTS = 1 << 16
#: Blocks of columns per thread when the threads share them: OpenMP hands
#: out the iterations one at a time (dynamic schedule), so one column an
#: iteration paid a shared counter's round trip per 4 KB row of a 1024-deep
#: B.  F.linear by a run-time (1024, 1024) weight, 2 threads, medians of
#: alternated blocks in one process, ms, one column -> 4 blocks a thread:
#: 1 row 0.067-0.086 -> 0.057-0.068, 4 rows 0.107-0.136 -> 0.099-0.122; a
#: constant weight, 1 row, unchanged (0.085-0.095).
PIECES_PER_THREAD = 4
PREFIX = "tsm_matvec"


def _by_narrow_constant(module_op: ir.Operation, op: ir.Operation) -> bool:
    """A plain f32 matmul on identity-layout memrefs whose B is a narrow,
    deep enough constant (of static shape)."""
    if not cpu_codegen.is_plain_matmul(op) or not all(
            cpu_codegen.is_identity_layout(v.type) for v in op.operands):
        return False
    b = ir.MemRefType(op.operands[1].type)
    if not b.has_static_shape:
        return False
    k, n = b.shape
    return 1 <= n <= MAX_COLUMNS and k >= MIN_DEPTH \
        and constant_global(module_op, op.operands[1]) is not None


def _applies(module_op: ir.Operation, op: ir.Operation) -> bool:
    """Static shapes, few rows, a narrow constant B."""
    return _by_narrow_constant(module_op, op) and all(
        ir.MemRefType(v.type).has_static_shape for v in op.operands) \
        and 1 <= shape_of(op)[0] <= MAX_ROWS


def _one_row_version_applies(module_op: ir.Operation, op: ir.Operation) -> bool:
    """A and C with a run-time count of rows, and what `_applies` would take
    with one row."""
    if not _by_narrow_constant(module_op, op):
        return False
    a, c = ir.MemRefType(op.operands[0].type), ir.MemRefType(op.operands[2].type)
    return a.is_dynamic_dim(0) and c.is_dynamic_dim(0) \
        and not a.is_dynamic_dim(1) and not c.is_dynamic_dim(1)


def _version_one_row(op: ir.Operation) -> None:
    """Wrap matmul op (and the fill or bias broadcast right before it) in
    `scf.if (rows == 1)`: the then-branch multiplies 1-row casts of A and C
    (static: `_applies` takes it), without an epilogue mark (applied after
    it), the else-branch is op as it was (see the module docstring)."""
    from .matmul_epilogue import materialize  # (that module imports this one)
    bias = bias_init(op)
    init = bias.fill if bias is not None else zero_init(op)
    a, _, c = op.operands
    index, f32 = ir.IndexType.get(), ir.F32Type.get()
    with ir.InsertionPoint(op), op.location:
        rows = memref.dim(a, arith.constant(index, 0))
        one = arith.cmpi(arith.CmpIPredicate.eq, rows, arith.constant(index, 1))
        branch = scf.IfOp(one, [], has_else=True)
    with ir.InsertionPoint(branch.then_block), op.location:
        yielded = scf.YieldOp([])
    with ir.InsertionPoint(yielded), op.location:
        if init is not None:
            init.clone()
        a1, c1 = (memref.cast(ir.MemRefType.get([1, ir.MemRefType(v.type).shape[1]], f32), v)
                  for v in (a, c))
    one_row = as_op(op.clone(ip=ir.InsertionPoint(yielded)))
    one_row.operands[0], one_row.operands[2] = a1, c1
    materialize(one_row)
    with ir.InsertionPoint(branch.else_block), op.location:
        else_yield = scf.YieldOp([])
    for moved in ([init] if init is not None else []) + [op]:
        moved.move_before(else_yield)


def _reads_b_transposed(op: ir.Operation) -> bool:
    """C[m, n] += A[m, k] * B[n, k] on static f32 row-major memrefs with few rows."""
    if op.name != "linalg.matmul" or op.results or "indexing_maps" not in op.attributes:
        return False
    types = [ir.MemRefType(v.type) for v in op.operands]
    if indexing_maps(op) != matmul_maps(b_transposed=True) or not all(
            str(t.element_type) == "f32" and t.has_static_shape and has_unit_inner_stride(t)
            for t in types):
        return False
    (m, k), (n, _) = types[0].shape, types[1].shape
    return 1 <= m <= MAX_ROWS_B_TRANSPOSED and n >= 1 and k >= 1


def _unroll(m: int) -> int:
    """Accumulators per row of A: 4 vectors for one row, fewer for more
    rows (at most ~8 accumulators, of the 16 ymm registers)."""
    return max(1, 4 // m)


def _dot_body(m: int, k: int, unroll: int, lanes: int) -> str:
    """Loop body text for one n (`%n`): C[:, n] += A @ Bt[n, :], in vectors
    of `lanes` floats."""
    step = lanes * unroll
    main = k // step * step
    accs = [f"%acc{i}_{u}" for i in range(m) for u in range(unroll)]
    vec = f"vector<{lanes}xf32>"
    iters = ", ".join(f"{a}i = %zero" for a in accs)
    types = ", ".join([vec] * len(accs))
    lines = [f"    %r:{len(accs)} = scf.for %k = %c0 to %cmain step %cstep iter_args({iters}) -> ({types}) {{"]
    for u in range(unroll):
        lines.append(f"      %ku{u} = arith.addi %k, %c{lanes * u} : index")
        lines.append(f"      %w{u} = vector.load %bt[%n, %ku{u}] : !tbt, {vec}")
    for i in range(m):
        for u in range(unroll):
            lines.append(f"      %x{i}_{u} = vector.load %A[%c{i}, %ku{u}] : !ta, {vec}")
            lines.append(f"      %f{i}_{u} = vector.fma %x{i}_{u}, %w{u}, %acc{i}_{u}i : {vec}")
    lines.append(f"      scf.yield {', '.join(f'%f{i}_{u}' for i in range(m) for u in range(unroll))}"
                 f" : {types}")
    lines.append("    }")
    for i in range(m):
        total = f"%r#{i * unroll}"
        for u in range(1, unroll):
            lines.append(f"    %s{i}_{u} = arith.addf {total}, %r#{i * unroll + u} : {vec}")
            total = f"%s{i}_{u}"
        # the tail: whole vectors, then one masked vector
        for j, start in enumerate(range(main, k, lanes)):
            width = min(lanes, k - start)
            lines.append(f"    %t{i}_{j}k = arith.constant {start} : index")
            if width == lanes:
                load = "vector.load {mem}[{row}, %t{i}_{j}k] : {t}, " + vec
            else:
                lines.append(f"    %t{i}_{j}m = vector.constant_mask [{width}] : vector<{lanes}xi1>")
                load = ("vector.maskedload {mem}[{row}, %t{i}_{j}k], %t{i}_{j}m, %zero : {t}, "
                        f"vector<{lanes}xi1>, {vec} into {vec}")
            lines.append(f"    %t{i}_{j}w = " + load.format(mem="%bt", row="%n", t="!tbt", i=i, j=j))
            lines.append(f"    %t{i}_{j}x = " + load.format(mem="%A", row=f"%c{i}", t="!ta", i=i, j=j))
            lines.append(f"    %t{i}_{j}f = vector.fma %t{i}_{j}x, %t{i}_{j}w, {total} : {vec}")
            total = f"%t{i}_{j}f"
        lines.append(f"    %h{i} = vector.reduction <add>, {total} : {vec} into f32")
        lines.append(f"    %c{i}old = memref.load %C[%c{i}, %n] : !tc")
        lines.append(f"    %c{i}new = arith.addf %c{i}old, %h{i} : f32")
        lines.append(f"    memref.store %c{i}new, %C[%c{i}, %n] : !tc")
    return "\n".join(lines)


#: The first call's copy of B, transposed (`filled_once` text).
_TRANSPOSE = """    scf.for %kk = %c0 to %c{k} step %c1 {{
      scf.for %nn = %c0 to %c{n} step %c1 {{
        %v = memref.load %B[%kk, %nn] : !tb
        memref.store %v, %bt[%nn, %kk] : !tbt
      }}
    }}"""


def pieces_of(threads: int, n: int, k: int) -> int:
    """How many blocks of columns the threads share (0: one thread)."""
    if threads <= 1 or n * k < MIN_PARALLEL_WEIGHTS or n <= 1:
        return 0
    return min(n, threads * PIECES_PER_THREAD)


def function_text(name: str, m: int, n: int, k: int, pieces: int,
                  b_transposed: bool = False, lanes: int = LANES) -> str:
    """The transposed-weight global, its ready flag and the function
    `@name(A, B, C)` that fills the copy once and computes C += A @ B; or,
    `b_transposed`, `@name(A, Bt, C)` (views of any row stride) computing
    C += A @ Bt^T from Bt itself.  Vectors of `lanes` floats; with `pieces`
    the columns in that many blocks that the threads share."""
    unroll = _unroll(m)
    step = lanes * unroll
    block = -(-n // pieces) if pieces else n
    consts = {0, 1, m, n, k, step, k // step * step, block,
              *(lanes * u for u in range(unroll)), *range(m)}
    const_lines = "\n".join(f"  %c{v} = arith.constant {v} : index" for v in sorted(consts))
    loop = (f"""  scf.parallel (%nb) = (%c0) to (%c{n}) step (%c{block}) {{
  %nb_end = arith.addi %nb, %c{block} : index
  %n_end = arith.minsi %nb_end, %c{n} : index
  scf.for %n = %nb to %n_end step %c1 {{""" if pieces else
            f"  scf.for %n = %c0 to %c{n} step %c1 {{")
    if b_transposed:
        layout, copy, args = ", strided<[?, 1], offset: ?>", "", "%A: !ta, %bt: !tbt, %C: !tc"
    else:
        layout, copy = "", filled_once(f"{name}_bt", "bt", "!tbt", _TRANSPOSE.format(k=k, n=n))
        args = "%A: !ta, %B: !tb, %C: !tc"
    return f"""
!ta = memref<{m}x{k}xf32{layout}>
!tb = memref<{k}x{n}xf32>
!tc = memref<{m}x{n}xf32{layout}>
!tbt = memref<{n}x{k}xf32{layout}>
{"" if b_transposed else copy_globals(f"{name}_bt", "!tbt")}
func.func private @{name}({args}) attributes {{passthrough = ["noinline"]}} {{
{const_lines}
  %cmain = arith.constant {k // step * step} : index
  %cstep = arith.constant {step} : index
  %zero = arith.constant dense<0.0> : vector<{lanes}xf32>
{copy}
{loop}
{_dot_body(m, k, unroll, lanes)}
  {"}" if pieces else ""}
  {"scf.reduce" if pieces else "}"}
  {"}" if pieces else ""}
  return
}}
"""


@register("tsm-vectorize-matvec",
          "Few-row matmuls by a narrow constant B (dot products against a transposed "
          "copy) or by a B read transposed (dot products in place)")
def vectorize_matvec(module_op: ir.Operation) -> None:
    threads = num_threads(module_op)
    emit = Emitter()
    for op in collect(module_op, lambda op: _one_row_version_applies(module_op, op)):
        _version_one_row(op)
    for op in collect(module_op, lambda op: _applies(module_op, op)):
        m, n, k = shape_of(op)
        pieces = pieces_of(threads, n, k)
        # one transposed copy per weight (and row count)
        name = emit.get((m, constant_global(module_op, op.operands[1])), PREFIX + "_{}",
                        lambda f: function_text(f, m, n, k, pieces), enclosing_function(op))
        with ir.InsertionPoint(op), op.location:
            func.CallOp([], ir.FlatSymbolRefAttr.get(name), list(op.operands))
        op.erase()
    for op in collect(module_op, _reads_b_transposed):
        _call_transposed(module_op, emit, op, threads)


def _rows_view(shape: list[int]) -> ir.MemRefType:
    dyn = ir.ShapedType.get_dynamic_stride_or_offset()
    return ir.MemRefType.get(shape, ir.F32Type.get(), ir.StridedLayoutAttr.get(dyn, [dyn, 1]))


def _row_block(v: ir.Value, first: int, rows: int) -> ir.Value:
    """Rows [first, first + rows) of the 2-D view v."""
    cols = ir.MemRefType(v.type).shape[1]
    return memref.SubViewOp(_rows_view([rows, cols]), v, [], [], [], [first, 0], [rows, cols],
                            [1, 1]).result


def _call_transposed(module_op: ir.Operation, emit: Emitter, op: ir.Operation,
                     threads: int) -> None:
    """C += A @ Bt^T by the dot-product function of each block of at most
    MAX_ROWS rows (AVX512_DOTS' with AVX-512; one function per block
    shape)."""
    from .matmul_epilogue import materialize  # (that module imports this one)
    materialize(op)  # the dot products know no epilogue: a loop after them
    (m, k), (n, _) = (ir.MemRefType(v.type).shape for v in op.operands[:2])
    pieces = pieces_of(threads, n, k)
    lanes, group = AVX512_DOTS if target_has_avx512(module_op) else (LANES, MAX_ROWS)
    with ir.InsertionPoint(op), op.location:
        a, bt, c = (memref.cast(_rows_view(list(ir.MemRefType(v.type).shape)), v)
                    for v in op.operands)
        for first in range(0, m, group):
            rows = min(group, m - first)
            name = emit.get(("bt", rows, n, k, pieces, lanes), PREFIX + "_bt_{}",
                            lambda f: function_text(f, rows, n, k, pieces, b_transposed=True,
                                                    lanes=lanes),
                            enclosing_function(op))
            blocks = (a, c) if rows == m else (_row_block(a, first, rows),
                                               _row_block(c, first, rows))
            func.CallOp([], ir.FlatSymbolRefAttr.get(name), [blocks[0], bt, blocks[1]])
    op.erase()
