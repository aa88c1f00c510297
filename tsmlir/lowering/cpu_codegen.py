"""tsm-cpu-vectorize: tile and vectorize linalg ops on memrefs for the host CPU.

In: bufferized IR (linalg ops on memrefs, functions with identity-layout
memref arguments), before `convert-linalg-to-loops`.
Out: the linalg ops this pass knows how to speed up are replaced by scf.for
loop nests over `vector` ops (16 x f32 wide: one AVX-512 register):
- elementwise ops (all-parallel `linalg.generic`, `linalg.fill`,
  `linalg.copy`) on 32/64-bit element types: the innermost dim is tiled by one
  vector width and vectorized with masks, so sizes that the width does not
  divide and dynamic sizes are handled without a scalar tail;
- `linalg.matmul` (plain row-major operands, f32): static ones with enough
  rows (32; 2 for a constant B) become calls to the packed-B kernels of
  `matmul_codegen`;
  the others (dynamic sizes, a few rows), and f64 ones (register tiles of
  half the columns: as many vectors), are tiled here with the transform
  dialect (cache tiles, register tiles with the C tile hoisted into
  vectors, partial tiles masked) and outlined into kernel functions;
- with threads, all-parallel generics whose bodies load from memory
  (gathers, nearest upsampling) are only split among the threads.
Every other linalg op is left for `convert-linalg-to-loops`.  The vector ops
are lowered to 1-D transfers, FMAs and broadcasts here, so later stages need
only `convert-vector-to-scf` and `convert-vector-to-llvm`.

How: the pass tags each chosen op with an attribute naming its group, builds
one transform-dialect script for the module (one entry per group) and runs it
with the transform interpreter; the tags are removed afterwards.
"""
from __future__ import annotations

from dataclasses import dataclass

from mlir import ir, passmanager
from mlir.dialects.transform import interpreter

from . import matmul_codegen, size_versions, thread_split
from .ir_walk import collect, indexing_maps, is_identity_map, matmul_maps
from .kernel_emit import ceil_div
from .math_chain_split import loop_width, split_math_chains
from .parallel import num_threads, pays_to_share
from .passes import register
from .pointwise_scripts import (TAG, VECTOR_WIDTH, elementwise_script, flat_extent, flat_script,
                                gather_script, partial_vectors, pooling_script, width_suffix)
from .target import target_has_avx512

#: Name (prefix) of the functions that matmul loop nests are outlined into.
KERNEL_PREFIX = "tsm_matmul_kernel"

_ELEMENTWISE_OPS = ("linalg.generic", "linalg.fill", "linalg.copy")
#: f16/bf16 memrefs too: loaded as 16-bit vectors and widened (arith.extf:
#: their bodies compute in f32, see elementwise.py), narrowed to store.
_VECTOR_TYPES = ("f32", "f64", "i32", "i64", "f16", "bf16")
_BODY_DIALECTS = ("arith", "math", "linalg")


def _element_type_ok(t: ir.Type) -> bool:
    if isinstance(t, (ir.MemRefType, ir.ShapedType)):
        t = ir.ShapedType(t).element_type
    return str(t) in _VECTOR_TYPES


def is_identity_layout(t: ir.Type) -> bool:
    if not isinstance(t, ir.MemRefType):
        return False
    layout = ir.MemRefType(t).layout
    return isinstance(layout, ir.AffineMapAttr) and is_identity_map(layout.value)


def _is_flattenable(op: ir.Operation) -> bool:
    """Every operand is a contiguous memref read and written at the same
    index: the op is one loop over all elements."""
    if not all(is_identity_layout(v.type) for v in op.operands
               if isinstance(v.type, ir.ShapedType)):
        return False
    if op.name != "linalg.generic":
        return op.name == "linalg.copy" or op.name == "linalg.fill"
    return all(is_identity_map(ir.AffineMapAttr(m).value)
               for m in ir.ArrayAttr(op.attributes["indexing_maps"]))


def _is_elementwise(op: ir.Operation) -> int | None:
    """The rank of an elementwise op this pass vectorizes, else None."""
    if op.name not in _ELEMENTWISE_OPS or op.results:  # results: still on tensors
        return None
    if not all(_element_type_ok(v.type) for v in op.operands):
        return None
    out = ir.MemRefType(op.operands[-1].type)
    if out.rank == 0:
        return None
    if op.name == "linalg.generic":
        iterators = ir.ArrayAttr(op.attributes["iterator_types"])
        if any("parallel" not in str(it) for it in iterators):
            return None
        maps = [ir.AffineMapAttr(m).value for m in ir.ArrayAttr(op.attributes["indexing_maps"])]
        if not all(m.is_projected_permutation for m in maps):
            return None
        for body_op in op.regions[0].blocks[0].operations:
            if body_op.operation.name.split(".")[0] not in _BODY_DIALECTS:
                return None
    return out.rank


_LOWER_VECTORS = """
    %funcs = transform.structured.match ops{["func.func"]} in %root
        : (!transform.any_op) -> !transform.any_op
    transform.apply_patterns to %funcs {
      transform.apply_patterns.vector.cast_away_vector_leading_one_dim
      transform.apply_patterns.vector.drop_unit_dims_with_shape_cast
      transform.apply_patterns.canonicalization
    } : !transform.any_op
    transform.apply_patterns to %funcs {
      transform.apply_patterns.vector.lower_masked_transfers
      transform.apply_patterns.vector.lower_transfer max_transfer_rank = 1
      transform.apply_patterns.vector.lower_transpose
      transform.apply_patterns.vector.lower_broadcast
      transform.apply_patterns.vector.lower_shape_cast
    } : !transform.any_op
"""


@dataclass(frozen=True)
class MatmulTiles:
    """Cache-level tile (m, n, k) and register-level tile (m, n) of a matmul,
    and the blocks of B (k1 rows x n1 columns) of the packed kernel."""
    cache: tuple[int, int, int]
    registers: tuple[int, int]
    packed_block: tuple[int, int] = (256, 128)


def matmul_tiles(module_op: ir.Operation) -> MatmulTiles:
    """8 x 32 accumulators fill 16 of AVX-512's 32 zmm registers; with AVX2's
    16 ymm registers, 6 x 16 leaves room for the B row and the A broadcast.
    The packed kernel's B block holds 8 panels either way, so that each
    strip of A read into L1 meets as many panels: 256 x 128 floats (128 KB of
    Zen3's 512 KB L2) with 16-wide panels, 256 x 256 (256 KB of Sapphire
    Rapids' 2 MB) with 32-wide ones (1024^3 there, 1 thread: 82 -> 142
    GFLOP/s; 512 x 128 and 128 x 256 blocks: 86 and 89)."""
    if target_has_avx512(module_op):
        return MatmulTiles((128, 256, 128), (8, 32), (256, 256))
    return MatmulTiles((96, 256, 128), (6, 16), (256, 128))


def _halved(tiles: MatmulTiles) -> MatmulTiles:
    """The tiles of an f64 matmul: the f32 tiles' registers hold half the
    columns (the same number of vectors)."""
    m, n, k = tiles.cache
    return MatmulTiles((m, n // 2, k), (tiles.registers[0], tiles.registers[1] // 2),
                       tiles.packed_block)


def _is_row_major(t: ir.Type) -> bool:
    """A memref whose rows are contiguous: identity layout, or a strided view
    with a static unit innermost stride (a slice such as x[t] of a stacked
    input, or a row block of a larger result).  The kernel reads its rows
    as vectors either way."""
    if is_identity_layout(t):
        return True
    if not isinstance(t, ir.MemRefType):
        return False
    layout = ir.MemRefType(t).layout
    return isinstance(layout, ir.StridedLayoutAttr) and \
        ir.StridedLayoutAttr(layout).strides[-1:] == [1]


def is_plain_matmul(op: ir.Operation, elem: str = "f32") -> bool:
    """linalg.matmul on `elem` row-major memrefs with the default indexing maps."""
    if op.name != "linalg.matmul" or op.results:
        return False
    if not all(_is_row_major(v.type) and str(ir.MemRefType(v.type).element_type) == elem
               for v in op.operands):
        return False
    return "indexing_maps" not in op.attributes or indexing_maps(op) == matmul_maps()


def _matmul_tile_script(group: str, tiles: MatmulTiles, peel_m: bool, peel_n: bool,
                        parallel: bool = False) -> str:
    """Phase 1: cache tiles, then register tiles whose m and n loops are
    peeled, so that the full register tiles get static shapes.  (Peeling a
    loop whose trip count is a static multiple of its step fails: the caller
    says which loops need it.)  `parallel`: the cache tiles' m and n loops are
    one `scf.forall` (threads share the tiles), the k loop stays serial."""
    m1, n1, k1 = tiles.cache
    mr, nr = tiles.registers
    ops4 = "!transform.any_op, !transform.any_op, !transform.any_op, !transform.any_op"
    for_ = '!transform.op<"scf.for">'
    peel_n_text = f"""
    %mm_nl = transform.cast %mm2_l#1 : !transform.any_op to {for_}
    %mm_nmain, %mm_nrest = transform.loop.peel %mm_nl
        : ({for_}) -> (!transform.any_op, !transform.any_op)""" if peel_n else ""
    peel_m_text = f"""
    %mm_ml = transform.cast %mm2_l#0 : !transform.any_op to {for_}
    %mm_mmain, %mm_mrest = transform.loop.peel %mm_ml
        : ({for_}) -> (!transform.any_op, !transform.any_op)""" if peel_m else ""
    outer = "%mm0_forall" if parallel else "%mm1_l#0"
    if parallel:
        cache_text = f"""
    %mm0, %mm0_forall = transform.structured.tile_using_forall %mm tile_sizes [{m1}, {n1}]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    %mm1, %mm1_l = transform.structured.tile_using_for %mm0 tile_sizes [0, 0, {k1}]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op)"""
    else:
        cache_text = f"""
    %mm1, %mm1_l:3 = transform.structured.tile_using_for %mm tile_sizes [{m1}, {n1}, {k1}]
        : (!transform.any_op) -> ({ops4})"""
    return f"""
    %mm = transform.structured.match attributes {{{TAG} = "{group}"}} in %root
        : (!transform.any_op) -> !transform.any_op{cache_text}
    %mm2, %mm2_l:3 = transform.structured.tile_using_for %mm1 tile_sizes [{mr}, {nr}, 1]
        : (!transform.any_op) -> ({ops4})
    // Inner loop first: casting or peeling the outer loop consumes its
    // handle and so invalidates the handles to the loops nested in it.{peel_n_text}{peel_m_text}
    %mm_kernel, %mm_call = transform.loop.outline {outer} {{func_name = "{KERNEL_PREFIX}_{group}"}}
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
""".replace("%mm", f"%{group}_")  # one script tiles every matmul: distinct handles


#: After the matmuls' tiling scripts (once: it walks the whole module).
_TILING_CLEANUP = """
    %mm_funcs = transform.structured.match ops{["func.func"]} in %root
        : (!transform.any_op) -> !transform.any_op
    transform.apply_patterns to %mm_funcs {
      transform.apply_patterns.linalg.tiling_canonicalization
      transform.apply_patterns.canonicalization
    } : !transform.any_op
"""


def _matmul_plan(op: ir.Operation, tiles: MatmulTiles, threads: int) -> tuple[MatmulTiles, bool]:
    """The cache tiles for this matmul and whether threads share them: only
    for enough work (flops, or bytes read: see parallel.pays_to_share), with
    the m (else n) tiles balanced over the threads."""
    a, out = ir.MemRefType(op.operands[0].type), ir.MemRefType(op.operands[2].type)
    (m1, n1, k1), (mr, nr) = tiles.cache, tiles.registers
    m, n, k = out.shape[0], out.shape[1], a.shape[1]
    if not ir.ShapedType.is_dynamic_size(m) and m < mr:
        # few rows (a matrix-vector product): wider rows keep as many
        # accumulators busy and read longer runs of B per k
        mr, nr = m, nr * {1: 4, 2: 2}.get(m, 1)
    tiles = MatmulTiles((m1, n1, k1), (mr, nr))
    if threads <= 1:
        return tiles, False
    if not any(ir.ShapedType.is_dynamic_size(d) for d in (m, n, k)):
        if not pays_to_share(2 * m * n * k, thread_split.bytes_read(op)):
            return tiles, False
        if thread_split.split_rows(m, n, (m1, n1), (mr, nr), threads):
            m1 = thread_split.balanced_tile(m, m1, mr, threads)
        else:
            n1 = thread_split.balanced_tile(n, n1, nr, threads)
    elif not ir.ShapedType.is_dynamic_size(m) and ceil_div(m, m1) < threads \
            and not ir.ShapedType.is_dynamic_size(n):
        n1 = thread_split.balanced_tile(n, n1, nr, threads)
    return MatmulTiles((m1, n1, k1), (mr, nr)), True


def _matmul_vector_script(group: str, widths: list[int]) -> str:
    """Phase 2, on the full register tiles (static shapes): vectorize, fold
    the subviews into the transfers, hoist the C tile into registers across
    the k loop, then contraction -> outer products -> FMAs.  The partial
    tiles at the edges go one row at a time, masked along n: masked 2-D
    tiles lowered to FMAs along m, element by element (~1 GFLOP/s, and
    most of the compile time of a matmul).  `widths`: the register tiles'
    n sizes (the vector sizes of the partial tiles)."""
    partial = "".join(f"""
    %mmr{w} = transform.structured.match attributes {{{TAG} = "{group}_partial_{w}"}} in %root
        : (!transform.any_op) -> !transform.any_op
    %mmr{w}_1, %mmr{w}_l = transform.structured.tile_using_for %mmr{w} tile_sizes [1, 0, 0]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.structured.vectorize %mmr{w}_1 vector_sizes [1, {w}, 1] : !transform.any_op"""
                      for w in widths)
    return f"""
    %mmv = transform.structured.match attributes {{{TAG} = "{group}"}} in %root
        : (!transform.any_op) -> !transform.any_op
    transform.structured.vectorize %mmv : !transform.any_op{partial}
    %mmv_funcs = transform.structured.match ops{{["func.func"]}} in %root
        : (!transform.any_op) -> !transform.any_op
    transform.apply_patterns to %mmv_funcs {{
      transform.apply_patterns.vector.reduction_to_contract
      transform.apply_patterns.vector.transfer_permutation_patterns
    }} : !transform.any_op
    transform.apply_patterns to %mmv_funcs {{
      transform.apply_patterns.vector.lower_masked_transfers
      transform.apply_patterns.vector.lower_multi_reduction lowering_strategy = "innerparallel"
    }} : !transform.any_op
    // (pass: tsm-cpu-vectorize folds the subviews between the two scripts)
"""


def _matmul_hoist_script() -> str:
    """Phase 2b: hoist the C tile into registers across the k loop, then
    contraction -> outer products -> FMAs."""
    return """
    %mmv_funcs = transform.structured.match ops{["func.func"]} in %root
        : (!transform.any_op) -> !transform.any_op
    %mmv_h = transform.structured.hoist_redundant_vector_transfers %mmv_funcs
        : (!transform.any_op) -> !transform.any_op
    transform.apply_patterns to %mmv_h {
      transform.apply_patterns.vector.lower_contraction lowering_strategy = "outerproduct"
      transform.apply_patterns.vector.lower_outerproduct
    } : !transform.any_op
"""


def _needs_peeling(op: ir.Operation, tiles: MatmulTiles) -> tuple[bool, bool]:
    """Whether the register-level m and n loops may have a partial last tile."""
    out = ir.MemRefType(op.operands[2].type)

    def needs(i):
        dim, cache, reg = out.shape[i], tiles.cache[i], tiles.registers[i]
        if reg == 1:
            return False  # a loop of step 1 has no partial tile
        return out.is_dynamic_dim(i) or dim % cache != 0 or cache % reg != 0
    return needs(0), needs(1)


def _is_static(op: ir.Operation) -> bool:
    return all(ir.ShapedType(v.type).has_static_shape for v in op.operands
               if isinstance(v.type, ir.ShapedType))


def _script(entries: list[str], *, lower: bool = True) -> str:
    body = "".join(entries) + (_LOWER_VECTORS if lower else "")
    return f"""
module attributes {{transform.with_named_sequence}} {{
  transform.named_sequence @__transform_main(%root: !transform.any_op {{transform.readonly}}) {{
{body}
    transform.yield
  }}
}}
"""


@register("tsm-cpu-vectorize",
          "Tile and vectorize elementwise linalg ops and matmuls on memrefs (AVX-512 widths)")
def cpu_vectorize(module_op: ir.Operation) -> None:
    groups: dict[str, str] = {}
    matmuls: list[str] = []
    widths: set[int] = set()
    tiles = matmul_tiles(module_op)
    threads = num_threads(module_op)
    packed: list[tuple[ir.Operation, matmul_codegen.PackedPlan]] = []

    def visit(op):
        op = op.operation
        rank = _is_elementwise(op)
        if (is_plain_matmul(op) or matmul_codegen.reads_transposed(op)) \
                and matmul_codegen.applies(module_op, op):
            # sizes known only at run time: the driver decides then (its
            # bytes are not known here)
            min_flops = 0 if None in matmul_codegen.sizes_of(op) else \
                thread_split.min_parallel_flops(op)
            packed.append((op, matmul_codegen.plan(op, tiles.registers, threads, min_flops,
                                                   *tiles.packed_block)))
        elif is_plain_matmul(op) or is_plain_matmul(op, "f64"):
            op_tiles, parallel = _matmul_plan(op, tiles if is_plain_matmul(op) else
                                              _halved(tiles), threads)
            group = f"mm{len(matmuls)}_{op_tiles.registers[1]}"
            widths.add(op_tiles.registers[1])
            matmuls.append(_matmul_tile_script(group, op_tiles, *_needs_peeling(op, op_tiles),
                                               parallel=parallel))
            op.attributes[TAG] = ir.StringAttr.get(group)
        elif op.name in thread_split.POOLING_OPS and thread_split.pooling_chunk(op, threads):
            chunk = thread_split.pooling_chunk(op, threads)
            group = f"pool_{chunk}"
            groups[group] = pooling_script(group, chunk)
            op.attributes[TAG] = ir.StringAttr.get(group)
        elif rank is None and (split := thread_split.gather_split(op, threads)) is not None:
            rank_out = ir.MemRefType(op.operands[-1].type).rank
            group = f"gather{rank_out}_d{split[0]}_{split[1]}"
            groups[group] = gather_script(group, rank_out, *split)
            op.attributes[TAG] = ir.StringAttr.get(group)
        elif rank is not None and rank > 1 and _is_flattenable(op):
            width = loop_width(op, VECTOR_WIDTH)
            chunk = thread_split.elementwise_chunk(op, threads, flat=True, width=width)
            peel = partial_vectors(flat_extent(op), width, chunk)
            group = (f"flat_{chunk}" if chunk else "flat") + width_suffix(width) + \
                ("_peel" if peel else "")
            groups[group] = flat_script(group, chunk, width, peel)
            op.attributes[TAG] = ir.StringAttr.get(group)
            if size_versions.versioned(op, threads):
                par = f"flat_t{threads}" + width_suffix(width) + "_peel"
                by_size[group] = (par, flat_script(par, 0, width, True, threads))
        elif rank is not None:
            width = loop_width(op, VECTOR_WIDTH)
            chunk = thread_split.elementwise_chunk(op, threads, flat=False, width=width)
            out = ir.MemRefType(op.operands[-1].type)
            dim = (thread_split.split_dim(out, threads) or 0) if chunk else 0
            inner = None if out.is_dynamic_dim(out.rank - 1) else out.shape[-1]
            peel = partial_vectors(inner, width, 0)
            group = (f"ew{rank}_d{dim}_{chunk}" if chunk else f"ew{rank}") + \
                width_suffix(width) + ("_peel" if peel else "")
            groups[group] = elementwise_script(group, rank, chunk, width, dim, peel)
            op.attributes[TAG] = ir.StringAttr.get(group)
            if size_versions.versioned(op, threads):
                par = f"ew{rank}_t{threads}" + width_suffix(width) + ("_peel" if peel else "")
                by_size[group] = (par, elementwise_script(par, rank, 0, width, 0, peel, threads))
        return ir.WalkResult.ADVANCE

    # serial group -> the parallel version's group and script, for run-time sizes
    by_size: dict[str, tuple[str, str]] = {}
    module_op.walk(visit)
    matmul_codegen.rewrite(module_op, packed, tiles.packed_block)
    _version_by_size(module_op, by_size, groups, threads)
    if matmuls:
        _apply(module_op, matmuls + [_TILING_CLEANUP], lower=False)
    kernels = _kernel_calls(module_op)
    for call in kernels:
        _sink_constants(module_op, call)
    if matmuls:
        # Full register tiles are static now; the partial ones at the edges
        # are vectorized with masks.  Before the elementwise ops: those add
        # views of the matmul's result buffer, which stop the hoisting of the
        # C tile into registers.
        module_op.walk(_retag_matmul_tiles)
        _apply(module_op, [_matmul_vector_script("mmv", sorted(widths))], lower=False)
        # As a pass, not as transform patterns: inside the interpreter these
        # patterns did not terminate on views of expand_shape'd weights.
        passmanager.PassManager.parse(
            "builtin.module(fold-memref-alias-ops,canonicalize,cse)").run(module_op)
        _apply(module_op, [_matmul_hoist_script()], lower=False)
    if groups:
        _apply(module_op, list(groups.values()), lower=True)
        split_math_chains(module_op)
    module_op.walk(_untag)
    _share_kernels(module_op, kernels)


def _version_by_size(module_op: ir.Operation, by_size: dict[str, tuple[str, str]],
                     groups: dict[str, str], threads: int) -> None:
    """Give each op of run-time size of the `by_size` groups its parallel
    version (`size_versions`), after the matmul rewrite: a zero fill of a
    matmul's C is gone by then (the kernel starts from zero)."""
    ops = collect(module_op, lambda op: TAG in op.attributes and
                  ir.StringAttr(op.attributes[TAG]).value in by_size and
                  size_versions.versioned(op, threads))
    for op in ops:
        par, script = by_size[ir.StringAttr(op.attributes[TAG]).value]
        groups[par] = script
        size_versions.split_by_size(op).attributes[TAG] = ir.StringAttr.get(par)


def _apply(module_op: ir.Operation, entries: list[str], *, lower: bool) -> None:
    script = ir.Module.parse(_script(entries, lower=lower))
    interpreter.apply_named_sequence(module_op, script.body.operations[0], script)


def _kernel_calls(module_op: ir.Operation) -> list[ir.Operation]:
    calls = []

    def visit(op):
        op = op.operation
        if op.name == "func.call" and \
                ir.FlatSymbolRefAttr(op.attributes["callee"]).value.startswith(KERNEL_PREFIX):
            calls.append(op)
        return ir.WalkResult.ADVANCE

    module_op.walk(visit)
    return calls


def _callee(module_op: ir.Operation, call: ir.Operation) -> ir.Operation:
    return ir.SymbolTable(module_op)[ir.FlatSymbolRefAttr(call.attributes["callee"]).value]


def _sink_constants(module_op: ir.Operation, call: ir.Operation) -> None:
    """An outlined loop nest gets its loop bounds and tile sizes as
    arguments: clone the constant ones into the kernel (static shapes and
    trip counts for what follows) and keep the kernel out of the inliner
    (functions of their own are what keep LLVM's compile time down)."""
    kernel = _callee(module_op, call)
    kernel.attributes["sym_visibility"] = ir.StringAttr.get("private")
    kernel.attributes["passthrough"] = ir.ArrayAttr.get([ir.StringAttr.get("noinline")])
    entry = kernel.regions[0].blocks[0]
    for arg, value in zip(entry.arguments, call.operands):
        owner = value.owner
        if isinstance(owner, ir.OpView):
            owner = owner.operation
        if isinstance(owner, ir.Operation) and owner.name == "arith.constant":
            with ir.InsertionPoint.at_block_begin(entry):
                clone = owner.clone()
            arg.replace_all_uses_with(clone.result)


def _share_kernels(module_op: ir.Operation, calls: list[ir.Operation]) -> None:
    """Same-shaped matmuls (a network's repeated layers) call one kernel."""
    table = ir.SymbolTable(module_op)
    first: dict[str, str] = {}
    for call in calls:
        name = ir.FlatSymbolRefAttr(call.attributes["callee"]).value
        kernel = table[name]
        body = str(kernel.operation).replace(f"@{name}(", "@kernel(", 1)
        if body not in first:
            first[body] = name
            continue
        call.attributes["callee"] = ir.FlatSymbolRefAttr.get(first[body])
        table.erase(kernel)


def _retag_matmul_tiles(op):
    op = op.operation
    if op.name == "linalg.matmul" and TAG in op.attributes:
        # a full register tile has a static shape, a partial one a dynamic
        # size (the original tag "mm<i>_<width>" says its vector width)
        width = ir.StringAttr(op.attributes[TAG]).value.rsplit("_", 1)[1]
        op.attributes[TAG] = ir.StringAttr.get("mmv" if _is_static(op) else f"mmv_partial_{width}")
    return ir.WalkResult.ADVANCE


def _untag(op):
    if TAG in op.operation.attributes:
        del op.operation.attributes[TAG]
    return ir.WalkResult.ADVANCE

