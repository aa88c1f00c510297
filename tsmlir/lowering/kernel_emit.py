"""What every generated matmul kernel shares (the packed kernel of
matmul_codegen, the narrow kernel of matmul_narrow, the dot products of
matvec_codegen): the epilogue contract on `linalg.matmul`, the operands'
shape, the constant weight behind an operand, and the Emitter that parses
generated functions and globals into the module once each; and
`append_once`, which does the same at the module's end for the shared loop
functions of copies, fills, gathers and pools.

In/out: helpers on bufferized IR (linalg.matmul on memrefs); no pass here.
"""
from __future__ import annotations

from mlir import ir

#: Discardable attribute on a `linalg.matmul`: the pointwise function that
#: its kernel applies to the finished sums as it stores them (set by
#: tsm-fuse-matmul-epilogue; read it with `epilogue_of`).
EPILOGUE_ATTR = "tsm.epilogue"
#: The epilogues a kernel knows: "relu" is max(x, 0) (NaN stays NaN).
EPILOGUES = ("relu",)


def ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def epilogue_of(op: ir.Operation) -> str | None:
    """The epilogue that lowering this `linalg.matmul` must apply to its
    final C (one of `EPILOGUES`), or None.  Contract for every path that
    lowers linalg.matmul after tsm-fuse-matmul-epilogue: apply it to the
    finished sums only (never to a partial sum that later k steps add to),
    or first call `matmul_epilogue.materialize(op)`, which emits it as a
    loop over C after the matmul and drops the mark."""
    if EPILOGUE_ATTR not in op.attributes:
        return None
    return ir.StringAttr(op.attributes[EPILOGUE_ATTR]).value


def shape_of(op: ir.Operation) -> tuple[int, int, int]:
    a, c = ir.MemRefType(op.operands[0].type), ir.MemRefType(op.operands[2].type)
    return c.shape[0], c.shape[1], a.shape[1]


def constant_global(module_op: ir.Operation, value: ir.Value) -> str | None:
    """The name of the constant memref.global that `value` views (through
    reshapes), else None."""
    owner = value.owner
    while isinstance(owner, (ir.Operation, ir.OpView)) and \
            owner.operation.name in ("memref.expand_shape", "memref.collapse_shape", "memref.cast"):
        owner = owner.operation.operands[0].owner
    if not isinstance(owner, (ir.Operation, ir.OpView)) or \
            owner.operation.name != "memref.get_global":
        return None
    name = ir.FlatSymbolRefAttr(owner.operation.attributes["name"]).value
    glob = ir.SymbolTable(module_op)[name]
    return name if "constant" in glob.attributes else None


class Emitter:
    """Parses generated functions and globals into the module, each once
    (keyed by what it depends on), ahead of the function that first uses it."""

    def __init__(self):
        self.made: dict[tuple, str] = {}
        self.counts: dict[str, int] = {}

    def get(self, key: tuple, name: str, text, before: ir.Operation,
            bare_first: bool = False) -> str:
        """`name` may hold "{}": a count of the names made from it (nothing
        for the first one if `bare_first`)."""
        if key not in self.made:
            if "{}" in name:
                count = self.counts[name] = self.counts.get(name, -1) + 1
                name = name.format("" if bare_first and count == 0 else count)
            self.made[key] = name
            parsed = ir.Module.parse(text(name))  # alive while its ops move
            for f in list(parsed.body.operations):
                if not is_declaration(f.operation):
                    f.operation.move_before(before)
        return self.made[key]


def is_declaration(op: ir.Operation) -> bool:
    return op.name == "func.func" and not op.regions[0].blocks


def declare(name: str, types: list[str]) -> str:
    """A declaration of a function emitted earlier (the text that calls it
    must parse on its own; declarations are not moved into the module)."""
    return f"func.func private @{name}({', '.join(types)})\n"


def piece_units(first: str, end: str, indent: str) -> str:
    """Lines in an scf.parallel over %i < %cpieces: piece %i's units
    [first, end) = [i * %cunits / %cpieces, (i + 1) * %cunits / %cpieces),
    sizes that differ by at most one unit."""
    return f"\n{indent}".join([
        "%i1 = arith.addi %i, %c1 : index",
        "%u_lo = arith.muli %i, %cunits : index",
        "%u_hi = arith.muli %i1, %cunits : index",
        f"{first} = arith.divui %u_lo, %cpieces : index",
        f"{end} = arith.divui %u_hi, %cpieces : index"])


def enclosing_function(op: ir.Operation) -> ir.Operation:
    while op.name != "func.func":
        op = op.parent
    return op


def copy_globals(name: str, type_: str) -> str:
    """Module text: the global `@name` for a copy of a constant weight that
    the first call makes (packed, transposed), and its ready flag."""
    return f"""
memref.global "private" @{name} : {type_} = uninitialized {{alignment = 64 : i64}}
memref.global "private" @{name}_ready : memref<i8> = dense<0>
"""


def filled_once(name: str, value: str, type_: str, fill: str) -> str:
    """Function-body text: `%value` is the global `@name` (see copy_globals),
    which the text `fill` writes on the first call only.  The weight never
    changes; two first calls at once from two threads would both write the
    same values."""
    return f"""
  %{value} = memref.get_global @{name} : {type_}
  %ready = memref.get_global @{name}_ready : memref<i8>
  %flag = memref.load %ready[] : memref<i8>
  %no = arith.constant 0 : i8
  %todo = arith.cmpi eq, %flag, %no : i8
  scf.if %todo {{
{fill}
    %yes = arith.constant 1 : i8
    memref.store %yes, %ready[] : memref<i8>
  }}"""


def append_once(module_op: ir.Operation, made: set[str], name: str, text) -> None:
    """Parse the functions of `text(name)` (declarations of callees left
    out) into the end of the module, the first time `name` is asked for;
    `made` holds the names parsed so far."""
    if name in made:
        return
    parsed = ir.Module.parse(text(name))  # alive while its ops move
    for f in list(parsed.body.operations):
        if not is_declaration(f.operation):
            module_op.regions[0].blocks[0].append(f.operation)
    made.add(name)
