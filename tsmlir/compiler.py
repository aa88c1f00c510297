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
import warnings
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Sequence

import torch
from mlir import ir

from . import lowering  # noqa: F401  (registers the passes)
from .context import new_context
from .diagnostics import DiagnosticCollector
from .dialects.types import from_mlir
from .errors import PipelineError, StaticSizeRequired, StaticValueRequired, TsmlirError
from .importer import import_module, signature
from .lowering import constant_data
from .lowering.nn_support import STATIC_SPATIAL
from .lowering.parallel import set_num_threads
from .lowering.pipelines import pass_manager
from .lowering.target import AMX_BF16_CPUS, set_target_amx_bf16, set_target_avx512
from .options import CompileOptions
from .runtime import native_libs
from .runtime.jit import CompiledModule, JitFunction
from .runtime.specialize import SpecializingFunction
from .runtime.llvm_tools import cpu_has_avx512
from .specs import ScalarSpec, Static, TensorSpec, spec_of_example


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


def resolve_specs(example_inputs, input_specs) -> list:
    """One spec per argument given (see tsmlir.specs): example values (tensors,
    numbers, None) or specs, or `input_specs` (specs or tensor shapes)."""
    if (example_inputs is None) == (input_specs is None):
        raise TsmlirError("give exactly one of example_inputs= or input_specs=")
    if example_inputs is not None:
        if isinstance(example_inputs, torch.Tensor):
            example_inputs = [example_inputs]
        return [spec_of_example(v, f"example input {i}") for i, v in enumerate(example_inputs)]
    return [_spec(s) for s in input_specs]


def _spec(s):
    """An input spec; a bare shape or (shape, dtype) pair is a TensorSpec."""
    if isinstance(s, (TensorSpec, ScalarSpec, Static)) or s is None:
        return s
    if isinstance(s, tuple) and len(s) == 2 and isinstance(s[1], torch.dtype):
        return TensorSpec(*s)
    if isinstance(s, (tuple, list)) and all(isinstance(d, int) for d in s):
        return TensorSpec(s)
    if isinstance(s, (tuple, list)):  # a Tuple/List argument
        return type(s)(_spec(x) for x in s)
    raise TsmlirError(f"input spec {s!r}: expected a TensorSpec, ScalarSpec, Static, None, "
                      "a shape, or a tuple/list of these")


def to_tsm(module, specs: Sequence, method: str = "forward", freeze: bool = True):
    """Import into a fresh context; returns (context, ir.Module, output structure)."""
    ctx, imported = _import(script(module), specs, method, freeze)
    return ctx, imported.module, imported.structure


def _import(module: torch.jit.ScriptModule, specs: Sequence, method: str, freeze: bool):
    ctx = new_context()
    with ctx:
        imported = import_module(module, list(specs), method, freeze)
    return ctx, imported


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
    messages = messages or [str(exc)]
    if all(STATIC_SPATIAL in m for m in messages):
        # a refusal the JIT answers by compiling per size: no IR to keep
        return PipelineError(f"stage '{stage}' failed", diagnostics=messages)
    where = tempfile.mkdtemp(prefix="tsmlir-failure-")
    path = _dump(module, where, "at-failure")
    return PipelineError(
        f"stage '{stage}' failed (IR at the failure saved to {path})",
        diagnostics=messages,
        reproducer=f"tsmlir-opt --{stage} {path}")


@dataclass
class LoweredProgram:
    """A program lowered to the LLVM dialect, ready for the JIT or an object file."""
    context: ir.Context
    module: ir.Module
    method: str
    specs: list            # per user argument: TensorSpec, ScalarSpec, Static or None
    result_types: list
    structure: Any
    timings: dict[str, float]
    params: list[str] = field(default_factory=list)  # trailing run-time parameters (freeze=False)
    # (argument, result) pairs: arguments mutated in place, their new value
    writebacks: list[tuple[int, int]] = field(default_factory=list)
    arg_names: list[str] = field(default_factory=list)
    # dense_resource data by attribute text: the JIT binds big weights at run time
    blobs: dict[str, Any] = field(default_factory=dict)


def _apply_overrides(options: CompileOptions | None, overrides: dict) -> CompileOptions:
    options = options or CompileOptions()
    for k, v in overrides.items():
        if not hasattr(options, k):
            raise TsmlirError(f"unknown compile option '{k}'")
        setattr(options, k, v)
    return options


def lower_module(module, example_inputs=None, *, input_specs=None,
                 options: CompileOptions | None = None, method: str = "forward",
                 freeze: bool = True, **overrides) -> LoweredProgram:
    """Import `module.<method>` and run every stage down to the LLVM dialect."""
    options = _apply_overrides(options, overrides)
    specs = resolve_specs(example_inputs, input_specs)
    timings: dict[str, float] = {}
    start = time.perf_counter()
    ctx, imported = _import(script(module), specs, method, freeze)
    mlir_module, structure = imported.module, imported.structure
    timings["import"] = time.perf_counter() - start
    if options.dump_dir:
        _dump(mlir_module, options.dump_dir, "0-tsm", options.dump_weights)
    result_types = _result_types(ctx, mlir_module, method)
    set_num_threads(mlir_module.operation, options.threads or torch.get_num_threads())
    if options.target_cpu:
        set_target_avx512(mlir_module.operation, cpu_has_avx512(options.target_cpu))
        if options.target_cpu != "native":
            set_target_amx_bf16(mlir_module.operation, options.target_cpu in AMX_BF16_CPUS)
    with constant_data.provide(imported.blobs):  # weights readable by folding passes
        run_stages(ctx, mlir_module, options.stages, options, timings)
    return LoweredProgram(ctx, mlir_module, method, imported.specs, result_types, structure,
                          timings, imported.params, imported.writebacks, imported.arg_names,
                          imported.blobs)


def compile_module(module, example_inputs=None, *, input_specs=None,
                   options: CompileOptions | None = None, method: str = "forward",
                   methods: dict[str, Sequence] | None = None, freeze: bool = True,
                   **overrides) -> CompiledModule:
    """Compile `module.<method>` (and any `methods`) for the given inputs into
    native code.

    `module`: a torch.nn.Module (scripted automatically), a ScriptModule
    (scripted or traced) or the path of a `torch.jit.save`d archive.

    Arguments, one per argument of the method (trailing arguments with
    defaults may be left out: they are fixed to their default):
    `example_inputs` mixes example values and specs -- a tensor fixes shape
    and dtype (`TensorSpec(shape, dtype)`, -1 for a dynamic dim, says so
    explicitly); a Python int/float/bool makes a run-time scalar argument of
    that type (`ScalarSpec(int)` says so without a value; an int example for
    a `float` argument is a float); `Static(value)` folds a value into the
    code (a str example is Static); None compiles an `Optional` argument for
    None (`x is None` is then known at compile time); a tuple or list of
    these is a `Tuple[...]` / `List[...]` argument of that length.  Or
    `input_specs`: specs only.  Each call (positional or keyword arguments)
    checks every argument against what it was compiled for (type, dtype,
    shape, Noneness, lengths, Static values) and raises InputError otherwise.

    Results come back as eager returns them: tensors, Python numbers, str,
    None, and tuples, lists, dicts and NamedTuples (the user's class) of
    them.  Results never share memory with the arguments; tensor arguments
    the program changes in place are updated, as in eager.

    `methods`: {name: example inputs} compiles other methods too (e.g.
    `@torch.jit.export` ones), each for its own inputs; call them as
    `compiled.<name>(...)`.  With `example_inputs`/`input_specs` left out
    only `methods` are compiled.

    `freeze`: True (default) folds parameters and buffers into the code as
    constants.  False passes them at run time from the compiled module's own
    copy of the state dict: `compiled.load_state_dict(sd)` then swaps weights
    without recompiling (shapes and dtypes are checked).  A parameter or
    buffer that a call changes after reading it (`self.n += 1`, a running
    average) is state: with freeze=False the compiled copy is updated after
    each call, as eager updates the module; with freeze=True it is an error
    at that line (shape-changing state and plain-number attributes are
    refused either way).

    Dynamic dims that some op needs static (the image size of a convolution,
    pooling or resize) are compiled per size: the first call with new sizes
    compiles the method for them (see tsmlir.runtime.specialize).  Number
    arguments that an op needs at compile time (`torch.topk(x, k)`) are
    compiled per value the same way (the example's value at once).

    Keyword overrides set fields of `CompileOptions` (e.g. dump_dir=, timing=).
    """
    options = _apply_overrides(options, overrides)
    if options.target_cpu:
        raise TsmlirError(f"target_cpu='{options.target_cpu}': the JIT generates code for this "
                          "host's CPU; compile for another CPU ahead of time "
                          "(tsmlir-compile --target-cpu)")
    sm = script(module)
    entries = dict(methods or {})
    if example_inputs is not None or input_specs is not None or not entries:
        entries = {method: (example_inputs, input_specs), **{
            k: (v, None) for k, v in entries.items()}}
    else:
        entries = {k: (v, None) for k, v in entries.items()}
    state = {} if freeze else {k: v.detach().clone().contiguous()
                               for k, v in sm.state_dict().items()}
    functions, timings = {}, {}

    def jit(name: str, examples, specs) -> JitFunction:
        p = lower_module(sm, examples, input_specs=specs, options=options, method=name,
                         freeze=freeze)
        start = time.perf_counter()
        fn = JitFunction(p.context, p.module, name, p.specs, p.result_types, p.structure,
                         options.opt_level, params=p.params, state=state,
                         writebacks=p.writebacks, arg_names=p.arg_names, blobs=p.blobs,
                         parallel_codegen=options.parallel_codegen)
        p.timings["jit"] = time.perf_counter() - start
        for k, v in p.timings.items():
            timings[k if len(entries) == 1 else f"{name}:{k}"] = v
        return fn

    for name, (examples, specs) in entries.items():
        try:
            functions[name] = jit(name, examples, specs)
        except StaticValueRequired as e:
            functions[name] = _per_value(sm, jit, name, examples, specs, e)
        except (PipelineError, StaticSizeRequired) as e:
            if isinstance(e, PipelineError) and not any(STATIC_SPATIAL in d
                                                        for d in e.diagnostics):
                raise
            # some op needs these dynamic dims static: compile per size at call time
            reason = (e.diagnostics[0] if isinstance(e, PipelineError) else e.message)
            warnings.warn(f"{name}(): {reason.splitlines()[-1].strip()}; the method is compiled "
                          "per size, at the first call with each", stacklevel=2)
            generic = resolve_specs(examples, specs)
            functions[name] = SpecializingFunction(
                name, generic, method_arg_names(sm, name, generic), partial(_trimmed, jit, name))
    if options.timing:
        for k, v in timings.items():
            print(f"[tsmlir] {k:24s} {v * 1000:9.1f} ms", file=sys.stderr)
    native_libs.return_free_memory()  # the compiling contexts are gone with jit()'s frames
    return CompiledModule(functions, timings, state=state, main=method)


def _per_value(sm, jit, name: str, examples, specs, error: StaticValueRequired):
    """The method compiled per value of its number arguments, where an op
    needs one at compile time (`error`); the example values are compiled at
    once, so that an error that per-value compilation does not cure (the
    number comes from a tensor, not an argument) is raised here."""
    generic = resolve_specs(examples, specs)
    values = [i for i, s in enumerate(generic) if isinstance(s, ScalarSpec)]
    if not values:
        raise error
    arg_names = method_arg_names(sm, name, generic)
    fn = SpecializingFunction(name, generic, arg_names, partial(_trimmed, jit, name),
                              values=values)
    if examples is not None:
        args = [examples] if isinstance(examples, torch.Tensor) else list(examples)
        if all(not isinstance(args[i], ScalarSpec) for i in values):
            try:
                fn.function_for(*args)
            except StaticValueRequired:
                raise error from None
    names = ", ".join(arg_names[i] for i in values)
    warnings.warn(f"{name}(): {error.message.splitlines()[0]}; the method is compiled per "
                  f"value of {names}, at the first call with each", stacklevel=3)
    return fn


def _trimmed(jit, name: str, specs: list) -> JitFunction:
    """jit(name, specs) for a specialization compiled at call time, then the
    compiling context's memory handed back as at the end of compile_module."""
    fn = jit(name, None, specs)
    native_libs.return_free_memory()
    return fn


def method_arg_names(sm, method: str, specs: list) -> list[str]:
    """The argument names of the compiled method (or overload) `specs` bind to."""
    compiled, _ = signature.resolve(sm, method, list(specs))
    return [a.name for a in getattr(sm, compiled).schema.arguments[1:]]


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
