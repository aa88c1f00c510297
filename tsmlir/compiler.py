"""compile_module: TorchScript module -> tsm -> (stages) -> LLVM -> JIT.

Each stage is a named pass list from `lowering.pipelines`; with
`dump_dir`, the IR after import and after every stage is written to
`<dump_dir>/<n>-<stage>.mlir`.  A failing stage raises PipelineError with the
rendered diagnostics, the IR saved at the failure and a `tsmlir-opt`
command that reproduces it.
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import Any, Sequence

import torch
from mlir import ir

from . import lowering  # noqa: F401  (registers the passes)
from .context import new_context
from .diagnostics import DiagnosticCollector
from .dialects.types import from_mlir
from .errors import PipelineError, TsmlirError
from .importer import import_module
from .lowering.pipelines import pass_manager
from .options import CompileOptions
from .runtime.jit import CompiledModule, JitFunction
from .specs import TensorSpec


def script(module) -> torch.jit.ScriptModule:
    if isinstance(module, (str, os.PathLike)):
        try:
            return torch.jit.load(os.fspath(module), map_location="cpu")
        except Exception as e:
            raise TsmlirError(f"cannot load TorchScript archive '{module}': {e}") from e
    if isinstance(module, torch.jit.ScriptModule):
        return module
    if isinstance(module, torch.nn.Module):
        try:
            return torch.jit.script(module)
        except Exception as e:
            raise TsmlirError(f"torch.jit.script failed on {type(module).__name__}: {e}") from e
    raise TsmlirError(f"expected a torch.nn.Module or ScriptModule, got {type(module).__name__}")


def resolve_specs(example_inputs, input_specs) -> list[TensorSpec]:
    if (example_inputs is None) == (input_specs is None):
        raise TsmlirError("give exactly one of example_inputs= or input_specs=")
    if example_inputs is not None:
        if isinstance(example_inputs, torch.Tensor):
            example_inputs = [example_inputs]
        specs = []
        for i, t in enumerate(example_inputs):
            if not isinstance(t, torch.Tensor):
                raise TsmlirError(f"example input {i} is a {type(t).__name__}; only tensors are supported")
            specs.append(TensorSpec.like(t))
        return specs
    out = []
    for s in input_specs:
        out.append(s if isinstance(s, TensorSpec) else TensorSpec(*s) if isinstance(s, tuple) and
                   len(s) == 2 and isinstance(s[1], torch.dtype) else TensorSpec(s))
    return out


def to_tsm(module, specs: Sequence[TensorSpec], method: str = "forward"):
    """Import into a fresh context; returns (context, ir.Module, output structure)."""
    ctx = new_context()
    with ctx:
        mlir_module, structure = import_module(script(module), [s.tensor_type() for s in specs], method)
    return ctx, mlir_module, structure


def run_stages(ctx: ir.Context, module: ir.Module, stages: Sequence[str],
               options: CompileOptions, timings: dict[str, float] | None = None) -> None:
    for n, stage in enumerate(stages, start=1):
        start = time.perf_counter()
        with ctx, DiagnosticCollector(ctx) as diags:
            try:
                pass_manager([stage], context=ctx).run(module.operation)
            except Exception as e:
                raise _pipeline_error(stage, module, diags.messages, e) from None
        if timings is not None:
            timings[stage] = time.perf_counter() - start
        if options.dump_dir:
            _dump(module, options.dump_dir, f"{n}-{stage}", options.dump_weights)


def _dump(module: ir.Module, dump_dir: str, name: str, weights: bool = True) -> str:
    os.makedirs(dump_dir, exist_ok=True)
    path = os.path.join(dump_dir, f"{name}.mlir")
    with open(path, "w") as f:
        module.operation.print(file=f, enable_debug_info=True,
                               large_resource_limit=None if weights else 64)
    return path


def _pipeline_error(stage: str, module: ir.Module, messages: list[str], exc: Exception):
    where = tempfile.mkdtemp(prefix="tsmlir-failure-")
    path = _dump(module, where, "at-failure")
    return PipelineError(
        f"stage '{stage}' failed (IR at the failure saved to {path})",
        diagnostics=messages or [str(exc)],
        reproducer=f"tsmlir-opt --{stage} {path}")


@dataclass
class LoweredProgram:
    """A program lowered to the LLVM dialect, ready for the JIT or an object file."""
    context: ir.Context
    module: ir.Module
    method: str
    specs: list[TensorSpec]
    result_types: list
    structure: Any
    timings: dict[str, float]


def _apply_overrides(options: CompileOptions | None, overrides: dict) -> CompileOptions:
    options = options or CompileOptions()
    for k, v in overrides.items():
        if not hasattr(options, k):
            raise TsmlirError(f"unknown compile option '{k}'")
        setattr(options, k, v)
    return options


def lower_module(module, example_inputs=None, *, input_specs=None,
                 options: CompileOptions | None = None, method: str = "forward",
                 **overrides) -> LoweredProgram:
    """Import `module.<method>` and run every stage down to the LLVM dialect."""
    options = _apply_overrides(options, overrides)
    specs = resolve_specs(example_inputs, input_specs)
    timings: dict[str, float] = {}
    start = time.perf_counter()
    ctx, mlir_module, structure = to_tsm(module, specs, method)
    timings["import"] = time.perf_counter() - start
    if options.dump_dir:
        _dump(mlir_module, options.dump_dir, "0-tsm", options.dump_weights)
    result_types = _result_types(ctx, mlir_module, method)
    run_stages(ctx, mlir_module, options.stages, options, timings)
    return LoweredProgram(ctx, mlir_module, method, specs, result_types, structure, timings)


def compile_module(module, example_inputs=None, *, input_specs=None,
                   options: CompileOptions | None = None, method: str = "forward",
                   **overrides) -> CompiledModule:
    """Compile `module.<method>` for the given inputs into native code.

    `module`: a torch.nn.Module (scripted automatically), a ScriptModule
    (scripted or traced) or the path of a `torch.jit.save`d archive.
    `example_inputs`: tensors whose shapes/dtypes fix the compiled signature, or
    `input_specs`: `TensorSpec(shape, dtype)` per input, -1 for a dynamic dim.
    Keyword overrides set fields of `CompileOptions` (e.g. dump_dir=, timing=).
    """
    options = _apply_overrides(options, overrides)
    p = lower_module(module, example_inputs, input_specs=input_specs, options=options,
                     method=method)
    start = time.perf_counter()
    fn = JitFunction(p.context, p.module, method, p.specs, p.result_types, p.structure,
                     options.opt_level)
    p.timings["jit"] = time.perf_counter() - start
    if options.timing:
        for k, v in p.timings.items():
            print(f"[tsmlir] {k:24s} {v * 1000:9.1f} ms", file=sys.stderr)
    return CompiledModule(fn, p.timings)


def load(path, example_inputs=None, *, input_specs=None, **kwargs) -> CompiledModule:
    """Compile a saved TorchScript archive (`torch.jit.save`) for the given inputs."""
    return compile_module(os.fspath(path), example_inputs, input_specs=input_specs, **kwargs)


def _result_types(ctx, mlir_module: ir.Module, method: str):
    with ctx:
        for op in mlir_module.body.operations:
            if op.operation.name == "func.func" and ir.StringAttr(op.attributes["sym_name"]).value == method:
                ft = ir.FunctionType(ir.TypeAttr(op.attributes["function_type"]).value)
                return [from_mlir(t) for t in ft.results]
    raise TsmlirError(f"no function '{method}' was produced")
