"""Helpers for tests: import a module and print its tsm (for FileCheck)."""
from __future__ import annotations

from .compiler import resolve_specs, to_tsm


def print_tsm(module, example_inputs=None, *, input_specs=None, debug_info: bool = False) -> None:
    """Import `module` and print the tsm IR (what importer lit tests check)."""
    ctx, mlir_module, _ = to_tsm(module, resolve_specs(example_inputs, input_specs))
    with ctx:
        print(mlir_module.operation.get_asm(enable_debug_info=debug_info, large_elements_limit=16))
