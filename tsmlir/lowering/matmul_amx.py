"""tsm-amx-matmul: bfloat16 matmuls on the CPU's AMX tiles.

In: bufferized IR, before `tsm-cpu-vectorize`: a static `linalg.matmul`
C[m, n] += A[m, k] * B[k, n] with bfloat16 A and B, a float32 C (rows of
any stride, unit column stride) and k a multiple of 32; tsm-lower-matmul makes these from
bfloat16 matmul / addmm when the target has AMX-BF16 (`use_amx`).
Out: a call to a generated function that
- packs B into panels of 16 columns, each panel's rows in pairs (the VNNI
  layout that TDPBF16PS reads: B[k, n] at row k / 2, column 2 n + k % 2 of
  its panel; `_PACK`): once into a global of its own when B is a constant
  (a weight), else into a buffer on every call;
- walks C in blocks of 2 x 2 tiles of 16 x 16 floats (8 tile registers: 4
  of C, 2 of A, 2 of B), the tiles of C loaded from C (the matmul adds to
  it: a bias it was filled with) and carried through the loop over k in
  steps of 32, A's tiles read in place at its row stride, then stored back.
  Edge blocks (m or n not a multiple of 32) take smaller tiles; each kind
  of block is a function of its own (`_block_function`).
  With `tsm.num_threads` > 1 the threads share the column blocks.

Why: PyTorch runs bfloat16 products on these units (oneDNN), about 2.5x its
float32 rate here; converting to float32 and running the float32 kernel
(`half_in_f32`, the path without AMX) left a bfloat16 MLP at 2.6x eager.

Linux hands out AMX state only to a process that asks (arch_prctl
ARCH_REQ_XCOMP_PERM): `use_amx` asks for this process, and a module with
AMX code asks again from a global constructor (`request_amx_ctor`), which
runs when the JIT initializes the module or a compiled library is loaded.
"""
from __future__ import annotations

import ctypes

from mlir import ir
from mlir.dialects import func, memref

from .ir_walk import collect, has_unit_inner_stride, indexing_maps, matmul_maps
from .kernel_emit import Emitter, constant_global, copy_globals, enclosing_function, filled_once
from .parallel import num_threads
from .passes import register

PREFIX = "tsm_amx"
#: Rows and float32 columns of one tile of C; bfloat16 values of A per row of a tile.
TILE, DEPTH = 16, 32
#: Steps of k (DEPTH values each) between a load and a store of C's tiles.
UNROLL = 8
PREFETCH = 4
#: Multiply-adds from which the threads share the column blocks.
MIN_PARALLEL_MACS = 1 << 20
#: Products smaller than one tile's worth stay on the float32 path.
MIN_MACS = TILE * TILE * DEPTH

_SYS_ARCH_PRCTL, _ARCH_REQ_XCOMP_PERM, _XFEATURE_XTILEDATA = 158, 0x1023, 18
_granted: bool | None = None


def host_grants_amx() -> bool:
    """The host CPU has AMX-BF16 and Linux lets this process use it."""
    global _granted
    if _granted is None:
        try:
            with open("/proc/cpuinfo") as f:
                flags = next((line.split() for line in f if line.startswith("flags")), [])
        except OSError:
            flags = []
        _granted = "amx_bf16" in flags and "amx_tile" in flags and _request_permission()
    return _granted


def _request_permission() -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.syscall(_SYS_ARCH_PRCTL, _ARCH_REQ_XCOMP_PERM, _XFEATURE_XTILEDATA) == 0
    except (OSError, AttributeError):
        return False


def takes(m: int, n: int, k: int) -> bool:
    """Static sizes the AMX kernel takes: a depth in whole steps of DEPTH (a
    last, shallower step would need tiles of more shapes), enough work."""
    return min(m, n, k) > 0 and k % DEPTH == 0 and m * n * k >= MIN_MACS


def _applies(op: ir.Operation) -> bool:
    if op.name != "linalg.matmul" or op.results:
        return False
    if "indexing_maps" in op.attributes and indexing_maps(op) != matmul_maps():
        return False
    types = [ir.MemRefType(v.type) for v in op.operands]
    if [str(t.element_type) for t in types] != ["bf16", "bf16", "f32"] or not all(
            t.has_static_shape and has_unit_inner_stride(t) for t in types):
        return False
    (m, k), (_, n) = types[0].shape, types[1].shape
    return takes(m, n, k)


def _splits(size: int) -> tuple[int, list[int]]:
    """(extent of the whole blocks of 2 tiles, the tile sizes of the edge block)."""
    whole = size // (2 * TILE) * 2 * TILE
    rest = size - whole
    return whole, ([] if rest == 0 else [rest] if rest <= TILE else [TILE, rest - TILE])


def _tile(rows: int, cols: int, elem: str) -> str:
    return f"!amx.tile<{rows}x{cols}x{elem}>"


def _block(rows: list[int], cols: list[int], k: int) -> str:
    """Body text: C[m0 : m0 + sum(rows), n0 : n0 + sum(cols)] += A @ Bp, one
    tile of C per (row, col) pair.  Tiles cannot be loop-carried values (the
    LLVM conversion of branches does not know their type), so a loop step
    covers UNROLL steps of k between a load and a store of C's tiles."""
    m0, n0, tag = "%m0", "%n0", "b"
    lines = []
    ms = [f"%{tag}m{i}" for i in range(len(rows))]
    ns = [f"%{tag}n{j}" for j in range(len(cols))]
    bs = [f"%{tag}bn{j}" for j in range(len(cols))]
    for i, name in enumerate(ms):
        lines.append(f"{name} = arith.addi {m0}, %c{TILE * i} : index")
    for j, name in enumerate(ns):
        lines.append(f"{name} = arith.addi {n0}, %c{TILE * j} : index")
        lines.append(f"{bs[j]}p = arith.divui {name}, %c{TILE} : index")
        lines.append(f"{bs[j]} = arith.muli {bs[j]}p, %chalf : index")
    pairs = [(i, j) for i in range(len(rows)) for j in range(len(cols))]
    c_types = [_tile(rows[i], cols[j], "f32") for i, j in pairs]

    def chunk(k0: str, depths: list[int], out: str) -> list[str]:
        """Load C's tiles, multiply-add the steps of `depths` values of k
        from k0 on, store C's tiles."""
        body = [f"%{out}c{i}{j} = amx.tile_load %C[{ms[i]}, {ns[j]}] : !tc into {t}"
                for (i, j), t in zip(pairs, c_types)]
        acc = [f"%{out}c{i}{j}" for i, j in pairs]
        offset = 0
        for s, depth in enumerate(depths):
            p = f"%{out}s{s}"
            a_t = [_tile(r, depth, "bf16") for r in rows]
            b_t = [_tile(depth // 2, 2 * c, "bf16") for c in cols]
            body.append(f"{p}k = arith.addi {k0}, %c{offset} : index")
            body.append(f"{p}k2 = arith.divui {p}k, %c2 : index")
            body += [f"{p}kb{j} = arith.addi {bs[j]}, {p}k2 : index" for j in range(len(cols))]
            body += [f"{p}a{i} = amx.tile_load %A[{ms[i]}, {p}k] : !ta into {a_t[i]}"
                     for i in range(len(rows))]
            body += [f"{p}b{j} = amx.tile_load %Bp[{p}kb{j}, %c0] : !tbp into {b_t[j]}"
                     for j in range(len(cols))]
            for j in range(len(cols)):  # the panel's tile PREFETCH steps ahead
                for r in range(depth // 2):
                    body.append(f"{p}f{j}_{r} = arith.addi {p}kb{j}, %c{PREFETCH * DEPTH // 2 + r} : index")
                    body.append(f"memref.prefetch %Bp[{p}f{j}_{r}, %c0], read, locality<3>, data : !tbp")
            for q, ((i, j), t) in enumerate(zip(pairs, c_types)):
                body.append(f"{p}r{i}{j} = amx.tile_mulf {p}a{i}, {p}b{j}, {acc[q]} : "
                            f"{a_t[i]}, {b_t[j]}, {t}")
            acc = [f"{p}r{i}{j}" for i, j in pairs]
            offset += depth
        body += [f"amx.tile_store %C[{ms[i]}, {ns[j]}], {a} : !tc, {t}"
                 for (i, j), a, t in zip(pairs, acc, c_types)]
        return body

    span = UNROLL * DEPTH
    looped = k // span * span
    if looped:
        lines.append(f"scf.for %{tag}k = %c0 to %c{looped} step %c{span} {{")
        lines += ["  " + s for s in chunk(f"%{tag}k", [DEPTH] * UNROLL, f"{tag}l")]
        lines.append("}")
    if k > looped:
        lines += chunk(f"%c{looped}", [DEPTH] * ((k - looped) // DEPTH), f"{tag}r")
    return "\n".join(lines)


def _indent(text: str, spaces: int) -> str:
    return "\n".join(" " * spaces + line for line in text.splitlines())


def _block_function(name: str, rows: list[int], cols: list[int], k: int) -> str:
    """`@name(A, Bp, C, m0, n0)`: one block of C.  Each kind of block (whole
    or edge rows, whole or edge columns) is a function of its own: AMX
    configures each of the 8 tile registers for one shape, and LLVM's tile
    register allocation runs out of registers (a fatal error) on a function
    whose blocks of several kinds need more shapes than that."""
    consts = sorted({0, 2, TILE, UNROLL * DEPTH, k // (UNROLL * DEPTH) * UNROLL * DEPTH,
                     *range(0, UNROLL * DEPTH, DEPTH), *range(0, k, DEPTH),
                     *range(PREFETCH * DEPTH // 2, PREFETCH * DEPTH // 2 + DEPTH // 2)})
    return f"""
func.func private @{name}(%A: !ta, %Bp: !tbp, %C: !tc, %m0: index, %n0: index)
    attributes {{passthrough = ["noinline"]}} {{
{chr(10).join(f"  %c{v} = arith.constant {v} : index" for v in consts)}
  %chalf = arith.constant {k // 2} : index
{_indent(_block(rows, cols, k), 2)}
  return
}}
"""


def _rows_loop(name: str, n0: str, col_kind: str, m: int, tag: str) -> str:
    """Calls of the block functions for all blocks of rows at columns n0."""
    whole, edge = _splits(m)
    call = "func.call @{}_{}{}(%A, %Bp, %C, {}, {}) : (!ta, !tbp, !tc, index, index) -> ()"
    parts = []
    if whole:
        parts.append(f"scf.for %{tag}mb = %c0 to %c{whole} step %c{2 * TILE} {{\n  "
                     + call.format(name, "w", col_kind, f"%{tag}mb", n0) + "\n}")
    if edge:
        parts.append(f"%{tag}me = arith.constant {whole} : index\n"
                     + call.format(name, "e", col_kind, f"%{tag}me", n0))
    return "\n".join(parts)


#: B in panels of 16 columns, each panel's pairs of rows interleaved (Bp
#: row p * k / 2 + k2 holds B[2 k2 : 2 k2 + 2, 16 p : 16 p + 16]): a tile of
#: B is 1 KiB in one piece and the steps of k read a panel front to back.
#: Whole panels a vector pair at a time; the last panel's columns one by one
#: (the rest of its rows is never read: its tiles are narrower).
_PACK = """scf.for %pk = %c0 to %chalf step %c1 {{
  %pk0 = arith.muli %pk, %c2 : index
  %pk1 = arith.addi %pk0, %c1 : index
  scf.for %pn = %c0 to %c{vec_end} step %c16 {{
    %r0 = vector.load %B[%pk0, %pn] : !tb, vector<16xbf16>
    %r1 = vector.load %B[%pk1, %pn] : !tb, vector<16xbf16>
    %pair = vector.interleave %r0, %r1 : vector<16xbf16> -> vector<32xbf16>
    %pp = arith.divui %pn, %c16 : index
    %pbase = arith.muli %pp, %chalf : index
    %prow = arith.addi %pbase, %pk : index
    vector.store %pair, %Bp[%prow, %c0] : !tbp, vector<32xbf16>
  }}
  %tbase = arith.muli %c{panels_before_tail}, %chalf : index
  %trow = arith.addi %tbase, %pk : index
  scf.for %pn = %c{vec_end} to %c{n} step %c1 {{
    %e0 = memref.load %B[%pk0, %pn] : !tb
    %e1 = memref.load %B[%pk1, %pn] : !tb
    %pc = arith.subi %pn, %c{vec_end} : index
    %pc0 = arith.muli %pc, %c2 : index
    %pc1 = arith.addi %pc0, %c1 : index
    memref.store %e0, %Bp[%trow, %pc0] : !tbp
    memref.store %e1, %Bp[%trow, %pc1] : !tbp
  }}
}}"""


def function_text(name: str, m: int, n: int, k: int, constant_b: bool, parallel: bool) -> str:
    """`@name(A, B, C)`: C += A @ B on AMX tiles, B packed once into a
    global (`constant_b`) or into a buffer on every call."""
    pack = _PACK.format(n=n, vec_end=n // 16 * 16, panels_before_tail=n // 16)
    if constant_b:
        start = filled_once(f"{name}_bp", "Bp", "!tbp", _indent(pack, 4))
        end = ""
    else:
        start = "  %Bp = memref.alloc() {alignment = 64 : i64} : !tbp\n" + _indent(pack, 2)
        end = "  memref.dealloc %Bp : !tbp"
    whole, edge = _splits(n)
    parts = []
    if whole:
        head = (f"scf.parallel (%nb) = (%c0) to (%c{whole}) step (%c{2 * TILE}) {{" if parallel
                else f"scf.for %nb = %c0 to %c{whole} step %c{2 * TILE} {{")
        parts.append(head + "\n" + _indent(_rows_loop(name, "%nb", "w", m, "w"), 2)
                     + ("\n  scf.reduce\n}" if parallel else "\n}"))
    if edge:
        parts.append(f"%ne = arith.constant {whole} : index\n"
                     + _rows_loop(name, "%ne", "e", m, "e"))
    row_kinds = [(kind, tiles) for kind, tiles in (("w", [TILE, TILE]), ("e", _splits(m)[1]))
                 if tiles and (kind == "e" or _splits(m)[0])]
    col_kinds = [(kind, tiles) for kind, tiles in (("w", [TILE, TILE]), ("e", edge))
                 if tiles and (kind == "e" or whole)]
    blocks = "".join(_block_function(f"{name}_{rk}{ck}", rows, cols, k)
                     for rk, rows in row_kinds for ck, cols in col_kinds)
    consts = "\n".join(f"  %c{v} = arith.constant {v} : index"
                       for v in sorted({0, 1, 2, 16, 2 * TILE, whole, n, n // 16, n // 16 * 16,
                                        _splits(m)[0]}))
    layout = "strided<[?, 1], offset: ?>"
    return f"""
!ta = memref<{m}x{k}xbf16, {layout}>
!tb = memref<{k}x{n}xbf16, {layout}>
!tbp = memref<{-(-n // 16) * k // 2}x32xbf16>
!tc = memref<{m}x{n}xf32, {layout}>
{copy_globals(f"{name}_bp", "!tbp") if constant_b else ""}
{blocks}
func.func private @{name}(%A: !ta, %B: !tb, %C: !tc) attributes {{passthrough = ["noinline"]}} {{
{consts}
  %chalf = arith.constant {k // 2} : index
{start}
{_indent(chr(10).join(parts), 2)}
{end}
  return
}}
"""


#: The global constructor that asks Linux for the AMX state (see the module doc).
_REQUEST_AMX = f"""
llvm.func @syscall(i64, ...) -> i64
llvm.func @{PREFIX}_request() {{
  %nr = llvm.mlir.constant({_SYS_ARCH_PRCTL} : i64) : i64
  %code = llvm.mlir.constant({_ARCH_REQ_XCOMP_PERM} : i64) : i64
  %feature = llvm.mlir.constant({_XFEATURE_XTILEDATA} : i64) : i64
  %r = llvm.call @syscall(%nr, %code, %feature) vararg(!llvm.func<i64 (i64, ...)>)
      : (i64, i64, i64) -> i64
  llvm.return
}}
llvm.mlir.global_ctors ctors = [@{PREFIX}_request], priorities = [0 : i32], data = [#llvm.zero]
"""


def request_amx_ctor(module_op: ir.Operation) -> None:
    """Add the constructor that asks for the AMX state, once per module."""
    table = ir.SymbolTable(module_op)
    if f"{PREFIX}_request" in table:
        return
    parsed = ir.Module.parse(_REQUEST_AMX)  # alive while its ops move
    first = module_op.regions[0].blocks[0].operations[0]
    for op in list(parsed.body.operations):
        if "sym_name" in op.attributes and ir.StringAttr(op.attributes["sym_name"]).value in table:
            continue  # a declaration of syscall made elsewhere
        op.operation.move_before(first)


def _view(v: ir.Value) -> ir.Value:
    """v as a memref of any row stride and offset (the function's argument type)."""
    t = ir.MemRefType(v.type)
    dyn = ir.ShapedType.get_dynamic_stride_or_offset()
    return memref.cast(ir.MemRefType.get(t.shape, t.element_type,
                                         ir.StridedLayoutAttr.get(dyn, [dyn, 1])), v)


@register("tsm-amx-matmul",
          "bfloat16 x bfloat16 -> float32 matmuls on AMX tiles (B packed into row pairs)")
def amx_matmul(module_op: ir.Operation) -> None:
    threads = num_threads(module_op)
    emit = Emitter()
    for op in collect(module_op, _applies):
        (m, k), (_, n) = (ir.MemRefType(v.type).shape for v in op.operands[:2])
        weight = constant_global(module_op, op.operands[1])
        parallel = threads > 1 and m * n * k >= MIN_PARALLEL_MACS and n >= 4 * TILE
        name = emit.get((m, n, k, weight, parallel), PREFIX + "_{}",
                        lambda f: function_text(f, m, n, k, weight is not None, parallel),
                        enclosing_function(op))
        with ir.InsertionPoint(op), op.location:
            func.CallOp([], ir.FlatSymbolRefAttr.get(name), [_view(v) for v in op.operands])
        op.erase()
        request_amx_ctor(module_op)
