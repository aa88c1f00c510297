"""Ahead-of-time compilation: a TorchScript archive -> an object file and a C API.

In: the path of a `torch.jit.save`d archive and its entry points (a method
name and one `TensorSpec` per tensor argument, -1 for a dynamic dim).
Out, in `out_dir`:
- `<name>.o`: the compiled code, a position-independent relocatable object;
- `<name>.h`: the memref descriptor structs and, per entry point,
  `int <name>_<method>(const tsmlir_memref_<T>_<N>d *arg..., tsmlir_memref_<T>_<N>d *out...)`,
  plus `<name>_error_message(status)` and `<name>_free(allocated)`;
- `<name>_runtime.c`: the C side of that API (argument checks, the run-time
  error callback, ownership of the outputs);
- with `shared=True`, `<name>.so` linked from both by the system `cc`.
Nothing of it needs Python, torch or MLIR at run time: only libc and libm.
The code is serial unless `options.threads` > 1 asks for OpenMP loops; then
it also needs the OpenMP runtime libiomp5 (`-liomp5`; the `.so` is linked
with it and an rpath to the one found by `native_libs.openmp_library`).

Code generation.  Each entry point is lowered by `lower_module`; its symbols
are renamed so that several compiled models link into one program (every
defined function becomes internal except the C interface, renamed
`_tsmlir_<name>_<method>`; the run-time error callback becomes
`_tsmlir_<name>_<method>_error`, the print callbacks `_tsmlir_<name>_print_*`,
which write to stdout).  The LLVM dialect is translated by
`mlir-translate`, optimized by `opt` and compiled by `llc
-relocation-model=pic` (the tools shipped with the MLIR/LLVM wheels).
`ExecutionEngine.dump_to_object_file` is not used: its object uses the large
code model (absolute R_X86_64_64 relocations in `.ltext`), which puts text
relocations (DT_TEXTREL) in every PIE or shared library it is linked into.
The code targets the host CPU, another CPU with `target_cpu=` (an LLVM CPU
name: `x86-64-v4`, `sapphirerapids`, `znver4`...; the register tiles follow
that CPU's vector registers too), or x86-64-v2 with `portable=True`.

The generated functions return 0 on success.  Otherwise they return a status
(a bad argument, or a run-time check of the compiled code that failed, such
as mismatched dynamic sizes) whose text `<name>_error_message(status)` gives,
and their outputs are zeroed.  Every output is a contiguous row-major buffer
with offset 0 owned by the caller: the wrapper copies what the compiled code
does not hand over (constants, views of inputs, a second view of one buffer,
non-contiguous views) and frees what no output keeps.
"""
from __future__ import annotations

import dataclasses
import os
import platform
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from typing import Sequence

import torch
from mlir import ir

from ..compiler import lower_module, script
from ..dialects.types import DYN, TensorT
from ..errors import TsmlirError
from ..lowering.runtime_errors import CALLBACK, LOCATIONS_ATTR, MESSAGES_ATTR
from ..options import CompileOptions
from ..specs import TensorSpec, tensor_only
from . import llvm_tools, native_libs, weights
from .callbacks import SYMBOLS as PRINT_SYMBOLS
from .callbacks import aot_symbol
from .c_api import (_BY_DTYPE, _C_KEYWORDS, _HELPERS, ELEMENT_TYPES, LoweredEntry, header_source,
                    runtime_source)

PORTABLE_CPU = "x86-64-v2"
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_LLVM_HIDDEN = 1  # LLVM::Visibility::Hidden, the `visibility_` attribute of llvm.func


class AotError(TsmlirError):
    """Ahead-of-time compilation failed (bad spec, missing tool, link error...)."""


@dataclass
class EntryPoint:
    """One method to compile and the specs of its tensor arguments."""
    method: str
    specs: list[TensorSpec]


@dataclass
class AotArtifacts:
    """Paths of what `compile_aot` wrote (`shared_library` is None without shared=True)."""
    name: str
    object_file: str
    header: str
    runtime_source: str
    shared_library: str | None
    timings: dict[str, float]


def parse_input_spec(text: str) -> TensorSpec:
    """`1x3x64x64xf32`, `?x784xf32` (dynamic dim), `f32` (a 0-d tensor)."""
    *dims, elem = text.strip().split("x")
    if elem not in ELEMENT_TYPES:
        raise AotError(f"bad input spec '{text}': unknown element type '{elem}' "
                       f"(expected one of {', '.join(ELEMENT_TYPES)}; e.g. 1x3x64x64xf32, ?x784xf32)")
    shape = []
    for d in dims:
        if d == "?":
            shape.append(DYN)
        elif d.isdigit():
            shape.append(int(d))
        else:
            raise AotError(f"bad input spec '{text}': dimension '{d}' is neither a size nor '?' "
                           "(e.g. 1x3x64x64xf32, ?x784xf32)")
    return TensorSpec(tuple(shape), ELEMENT_TYPES[elem][0])


def default_name(path: str) -> str:
    stem = os.path.splitext(os.path.basename(path))[0]
    name = re.sub(r"\W", "_", stem, flags=re.ASCII) or "model"
    return "m_" + name if name[0].isdigit() else name


def compile_aot(archive, entries: Sequence[EntryPoint], out_dir, *, name: str | None = None,
                shared: bool = False, portable: bool = False, target_cpu: str | None = None,
                options: CompileOptions | None = None, cc: str = "cc") -> AotArtifacts:
    """Compile `entries` of a saved TorchScript archive into `out_dir` (see module doc).

    `options`: opt_level and dump_dir are honoured (stage dumps go to
    `<dump_dir>/<method>/`, the LLVM IR to `<dump_dir>/<method>.ll` and `<name>.opt.ll`).
    """
    path = os.fspath(archive)
    if not os.path.isfile(path):
        raise AotError(f"no such file: '{path}'")
    name = name or default_name(path)
    if not _IDENTIFIER.match(name) or name in _C_KEYWORDS:
        raise AotError(f"name '{name}' (the prefix of the C symbols) is not a C identifier")
    entries = list(entries)
    if not entries:
        raise AotError("no entry point to compile")
    methods = [e.method for e in entries]
    if len(set(methods)) != len(methods):
        raise AotError(f"entry points must be distinct, got {', '.join(methods)}")
    for m in set(methods) & _HELPERS:
        raise AotError(f"a method named '{m}' would clash with the helper {name}_{m}()")
    if portable and target_cpu:
        raise AotError(f"portable code targets {PORTABLE_CPU}: "
                       "name either portable or a target CPU")
    if portable and platform.machine() not in ("x86_64", "AMD64"):
        raise AotError(f"portable code targets {PORTABLE_CPU}; this host is {platform.machine()}")
    options = dataclasses.replace(options or CompileOptions(),
                                  target_cpu=PORTABLE_CPU if portable else target_cpu)
    if options.target_cpu:
        llvm_tools.cpu_has_avx512(options.target_cpu)  # an unknown name fails here, first
    out_dir = os.fspath(out_dir)
    os.makedirs(out_dir, exist_ok=True)
    timings: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="tsmlir-aot-") as work:
        start = time.perf_counter()
        signatures = _signatures(script(path), entries)
        lowered = [_lower(path, e, names, name, options, work) for e, names in zip(entries, signatures)]
        timings["lower"] = time.perf_counter() - start
        start = time.perf_counter()
        obj = os.path.join(out_dir, f"{name}.o")
        _codegen([lw.llvm_ir for lw in lowered], obj, name, options, work)
        timings["codegen"] = time.perf_counter() - start
    header = os.path.join(out_dir, f"{name}.h")
    runtime = os.path.join(out_dir, f"{name}_runtime.c")
    target = options.target_cpu or "the host CPU"
    with open(header, "w") as f:
        f.write(header_source(name, lowered, os.path.basename(path), target))
    with open(runtime, "w") as f:
        f.write(runtime_source(name, lowered, openmp=_threads(options) > 1))
    so = None
    if shared:
        start = time.perf_counter()
        so = os.path.join(out_dir, f"{name}.so")
        _run([_which(cc), "-shared", "-fPIC", "-O2", "-o", so, runtime, obj, "-lm",
              *_openmp_link_flags(options), "-Wl,--no-undefined"], "linking the shared library")
        timings["link"] = time.perf_counter() - start
    return AotArtifacts(name, obj, header, runtime, so, timings)


def _threads(options: CompileOptions) -> int:
    """Serial by default: an object file with OpenMP calls would need the
    OpenMP runtime wherever it is linked."""
    return options.threads or 1


def _openmp_link_flags(options: CompileOptions) -> list[str]:
    if _threads(options) <= 1:
        return []
    lib_dir = os.path.dirname(native_libs.openmp_library())
    return [f"-L{lib_dir}", f"-Wl,-rpath,{lib_dir}", "-Wl,--as-needed", "-liomp5",
            "-Wl,--no-as-needed"]


# ---------------------------------------------------------------------------
# Lowering and code generation


def _signatures(sm: torch.jit.ScriptModule, entries: Sequence[EntryPoint]) -> list[list[str]]:
    """C parameter names of each entry point, after checking its arguments."""
    available = list(sm._c._method_names())
    out = []
    for e in entries:
        if e.method not in available:
            raise AotError(f"the archive has no method '{e.method}' "
                           f"(methods: {', '.join(available) or 'none'})")
        args = getattr(sm, e.method).schema.arguments[1:]
        for a in args:
            if str(a.type) != "Tensor":
                raise AotError(f"{e.method}(): argument '{a.name}' has type {a.type}; "
                               "compiled entry points take tensor arguments only")
        if len(args) != len(e.specs):
            raise AotError(f"{e.method}({', '.join(a.name for a in args)}) takes {len(args)} "
                           f"tensor argument(s); {len(e.specs)} input spec(s) given")
        taken: set[str] = set()
        names = []
        for a in args:
            n = re.sub(r"\W", "_", a.name, flags=re.ASCII)
            n = "arg_" + n if not n or n[0].isdigit() else n
            while n in _C_KEYWORDS or n in taken or re.fullmatch(r"out\d+", n):
                n += "_"
            taken.add(n)
            names.append(n)
        out.append(names)
    return out


def _lower(path: str, entry: EntryPoint, arg_names: list[str], name: str,
           options: CompileOptions, work: str) -> LoweredEntry:
    dump_dir = options.dump_dir
    stage_options = dataclasses.replace(
        options, dump_dir=os.path.join(dump_dir, entry.method) if dump_dir else None,
        threads=_threads(options))
    p = lower_module(path, input_specs=entry.specs, options=stage_options, method=entry.method)
    for i, t in enumerate(p.result_types):
        if not isinstance(t, TensorT) or t.dtype not in _BY_DTYPE:
            raise AotError(f"{entry.method}(): result {i} is {t}; only tensor results are supported")
    if not tensor_only(p.structure) or p.writebacks:
        raise AotError(f"{entry.method}(): only tensors (in tuples/lists) can be returned and no "
                       "argument can be changed in place ahead of time")
    with p.context:
        attrs = p.module.operation.attributes
        messages = [ir.StringAttr(a).value for a in attrs[MESSAGES_ATTR]] \
            if MESSAGES_ATTR in attrs else []
        locations = [ir.StringAttr(a).value for a in attrs[LOCATIONS_ATTR]] \
            if LOCATIONS_ATTR in attrs else []
        messages = [f"{loc}: {m}" if loc else m for m, loc in zip(messages, locations)] + \
            messages[len(locations):]  # the user's file:line first
        _rename_symbols(p.module, name, entry.method)
        if dump_dir:
            os.makedirs(dump_dir, exist_ok=True)
        data = weights.as_object_data(p.module, p.blobs, f"_tsmlir_{name}_{entry.method}_w",
                                      dump_dir or work)
        bytecode = os.path.join(work, f"{entry.method}.mlirbc")
        with open(bytecode, "wb") as f:
            p.module.operation.write_bytecode(f)
    ll = os.path.join(dump_dir or work, f"{entry.method}.ll")
    _run([llvm_tools.tool("mlir", "mlir-translate"), "--mlir-to-llvmir", bytecode, "-o", ll],
         f"translating {entry.method} to LLVM IR")
    with open(ll, "a") as f:  # the weights' bytes, as data of the object (weights.py)
        f.write(weights.module_asm(data))
    return LoweredEntry(entry, arg_names, list(p.result_types), p.structure, messages, ll)


def _rename_symbols(module: ir.Module, name: str, method: str) -> None:
    """Keep only `_tsmlir_<name>_<method>` (hidden) and the error callback global."""
    table = ir.SymbolTable(module.operation)
    try:
        entry = table[f"_mlir_ciface_{method}"]
    except KeyError:
        raise AotError(f"the lowered module has no C interface for '{method}'") from None
    internal = ir.Attribute.parse("#llvm.linkage<internal>")
    hidden = ir.IntegerAttr.get(ir.IntegerType.get_signless(64), _LLVM_HIDDEN)
    for op in module.body.operations:
        if op.operation.name == "llvm.func" and len(op.regions[0].blocks):
            op.attributes["linkage"] = internal
    renames = {f"_mlir_ciface_{method}": f"_tsmlir_{name}_{method}",
               CALLBACK: f"_tsmlir_{name}_{method}_error",
               **{s: aot_symbol(s, f"_tsmlir_{name}_") for s in PRINT_SYMBOLS}}
    for old, new in renames.items():
        try:
            op = table[old]
        except KeyError:
            continue  # no run-time checks: no callback
        ir.SymbolTable.replace_all_symbol_uses(old, new, module.operation)
        ir.SymbolTable.set_symbol_name(op, new)
        op.attributes["visibility_"] = hidden
    entry.attributes["linkage"] = ir.Attribute.parse("#llvm.linkage<external>")


def _codegen(llvm_ir: list[str], obj: str, name: str, options: CompileOptions,
             work: str) -> None:
    linked = llvm_ir[0]
    if len(llvm_ir) > 1:
        linked = os.path.join(work, "linked.bc")
        _run([llvm_tools.tool("llvm", "llvm-link"), *llvm_ir, "-o", linked],
             "linking the entry points")
    optimized = os.path.join(options.dump_dir, f"{name}.opt.ll") if options.dump_dir \
        else os.path.join(work, "optimized.bc")
    llvm_tools.compile_object(linked, optimized, obj, options.opt_level,
                              options.target_cpu or "native", AotError)


def _which(program: str) -> str:
    found = shutil.which(program)
    if not found:
        raise AotError(f"C compiler '{program}' not found on PATH (needed to link the shared library)")
    return found


def _run(cmd: list[str], what: str) -> None:
    llvm_tools.run(cmd, what, AotError)


# ---------------------------------------------------------------------------
# C sources


