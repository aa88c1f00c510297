"""Weights bound at run time instead of compiled into JIT code.

In: an LLVM-dialect module whose big constants are `llvm.mlir.global`s
initialised by `dense_resource` blobs, and the blobs' data (the importer's
arrays, by the attribute's text).
Out: the same module where each such global is gone: every
`llvm.mlir.addressof` of it loads the address from a pointer variable
(`_mlir_<global>__ptr`, an external global so that LLVM cannot fold its value),
and a `WeightBinding` that writes each array's address into its variable
once the ExecutionEngine has placed them.

Why: LLVM emits a constant array element by element; ResNet-18's 44 MB of
weights took about a second of JIT time.  A load of the pointer per use is
all the code pays (it is hoisted out of loops).

Ahead of time, `as_object_data` takes the same globals out of the LLVM IR
the other way: each becomes a declaration of a hidden symbol, its bytes are
written to a file, and module-level assembly (`.incbin` of that file under a
local label of the same name) puts them into the object that llc writes.
The code addresses them PC-relative as before.  Why: mlir-translate prints a
constant array as text, one number at a time, and opt parses it back:
ResNet-18 64x64 spent 49 s translating and 32 s optimizing, of 88 s in all.
"""
from __future__ import annotations

import ctypes
import os
from typing import Any

import numpy as np
from mlir import ir

from ..lowering.constant_data import ALIGNMENT, aligned

#: Smaller blobs stay in the code: their emission costs nothing worth a load.
MIN_BYTES = 4096
_PREFIX = "_mlir_"


class WeightBinding:
    """Arrays to bind to pointer variables of the JIT code."""

    def __init__(self, arrays: dict[str, np.ndarray]):
        self.arrays = arrays  # pointer variable -> data (kept alive with the code)

    def bind(self, engine) -> None:
        """Write each array's address into its variable (before any call)."""
        for symbol, array in self.arrays.items():
            # raw_lookup prefixes `_mlir_` (the packed-function prefix)
            addr = engine.raw_lookup(symbol.removeprefix(_PREFIX))
            if not addr:
                raise RuntimeError(f"compiled code has no weight pointer '{symbol}'")
            ctypes.c_void_p.from_address(addr).value = array.ctypes.data


def externalize(module: ir.Module, blobs: dict[str, Any]) -> WeightBinding:
    """Rewrite `module` (see the module docstring); must run under its context."""
    targets = _resource_globals(module, blobs)
    if not targets:
        return WeightBinding({})
    uses: list[ir.Operation] = []

    def visit(op):
        if op.name == "llvm.mlir.addressof" and \
                ir.FlatSymbolRefAttr(op.attributes["global_name"]).value in targets:
            uses.append(op.opview.operation)
        return ir.WalkResult.ADVANCE

    for op in module.body.operations:
        if op.operation.name == "llvm.func" and op.regions[0].blocks:
            op.operation.walk(visit)
    ptr = ir.Type.parse("!llvm.ptr")
    for use in uses:
        name = ir.FlatSymbolRefAttr(use.attributes["global_name"]).value
        with ir.InsertionPoint(use), use.location:
            holder = ir.Operation.create("llvm.mlir.addressof", results=[ptr], attributes={
                "global_name": ir.FlatSymbolRefAttr.get(_pointer_name(name))}).result
            loaded = ir.Operation.create("llvm.load", results=[ptr], operands=[holder],
                                         attributes={"alignment": _i64(8)}).result
        use.result.replace_all_uses_with(loaded)
        use.erase()
    arrays = {}
    for name, (op, blob) in targets.items():
        op.erase()
        arrays[_pointer_name(name)] = aligned(blob)  # a copy only where it is not
    _declare_pointers(module, list(arrays))
    return WeightBinding(arrays)


def as_object_data(module: ir.Module, blobs: dict[str, Any], prefix: str,
                   directory: str) -> list[str]:
    """Rewrite `module` (under its context) so that its big constant globals
    are declarations of `<prefix><i>`, and return the module-level assembly
    that defines them from files written into `directory` (see module doc).
    Each symbol is local to the object, so objects of several models (and
    entry points linked into one module) never clash."""
    lines = []
    hidden = ir.IntegerAttr.get(ir.IntegerType.get_signless(64), 1)  # LLVM's hidden
    for i, (name, (op, blob)) in enumerate(_resource_globals(module, blobs).items()):
        symbol = f"{prefix}{i}"
        path = os.path.join(directory, f"{symbol}.bin")
        np.ascontiguousarray(blob).tofile(path)
        ir.SymbolTable.replace_all_symbol_uses(name, symbol, module.operation)
        ir.SymbolTable.set_symbol_name(op, symbol)
        del op.attributes["value"]
        op.attributes["linkage"] = ir.Attribute.parse("#llvm.linkage<external>")
        op.attributes["visibility_"] = hidden
        op.attributes["dso_local"] = ir.UnitAttr.get()
        align = ir.IntegerAttr(op.attributes["alignment"]).value \
            if "alignment" in op.attributes else ALIGNMENT
        lines += [f'.pushsection .rodata.{symbol},"a",@progbits',
                  f".p2align {max(align, 1).bit_length() - 1}",
                  f".type {symbol},@object", f".size {symbol}, {blob.nbytes}",
                  f"{symbol}:", f'.incbin "{path}"', ".popsection"]
    return lines


def module_asm(lines: list[str]) -> str:
    """LLVM IR `module asm` statements for `lines` (quotes and backslashes escaped)."""
    def escape(text: str) -> str:
        return "".join(f"\\{ord(c):02X}" if c in '"\\' or not c.isprintable() else c
                       for c in text)
    return "".join(f'module asm "{escape(line)}"\n' for line in lines)


def _resource_globals(module: ir.Module, blobs: dict[str, Any]) -> dict[str, tuple]:
    """Top-level globals initialised by a known blob of at least MIN_BYTES:
    name -> (op, array)."""
    found = {}
    for op in module.body.operations:
        if op.operation.name != "llvm.mlir.global" or "value" not in op.attributes:
            continue
        value = op.attributes["value"]
        try:  # dense_resource attributes come back undowncast: cast to tell
            value = ir.DenseResourceElementsAttr(value)
        except ValueError:
            continue
        blob = blobs.get(str(value))
        if blob is not None and blob.nbytes >= MIN_BYTES:
            found[ir.StringAttr(op.attributes["sym_name"]).value] = (op.operation, blob)
    return found


def _declare_pointers(module: ir.Module, names: list[str]) -> None:
    """One zero-initialised external pointer variable per name, at the module's top."""
    text = "\n".join(
        f"llvm.mlir.global external @{n}() {{addr_space = 0 : i32, alignment = 8 : i64}} "
        ": !llvm.ptr {\n  %0 = llvm.mlir.zero : !llvm.ptr\n  llvm.return %0 : !llvm.ptr\n}"
        for n in names)
    parsed = ir.Module.parse(text)
    first = module.body.operations[0]
    for op in list(parsed.body.operations):
        op.operation.move_before(first)


def _pointer_name(global_name: str) -> str:
    return f"{_PREFIX}{global_name}__ptr"


def _i64(v: int) -> ir.Attribute:
    return ir.IntegerAttr.get(ir.IntegerType.get_signless(64), v)
