"""JIT code compiled in parallel pieces into a shared library.

In: the LLVM-dialect module a `JitFunction` would give the ExecutionEngine,
its optimization level, the shared libraries its code calls, and the names
of the functions it declares for the runtime to register (the run-time
error and print callbacks).
Out: `ObjectEngine`, which offers the engine calls JitFunction makes
(`raw_lookup`, `raw_register_runtime`, `initialize`) over a library built
so:
1. a copy of the module gets a packed wrapper `_mlir_<f>(void **args)` for
   each C interface and fast-call wrapper (what the engine makes for every
   function), and each runtime callback becomes a function that calls
   through a pointer variable `<callback>__slot` (the library cannot name a
   ctypes function; `raw_register_runtime` writes the slot);
2. the module is translated to LLVM IR in this process, `llvm-split` cuts
   it into pieces of whole functions (round robin), and `opt` then `llc`
   (position-independent, small code model) compile the pieces in
   `workers` processes at once, the biggest first;
3. the system C compiler links the objects (`-Bsymbolic`: the library's
   own calls never bind elsewhere) and ctypes loads the library, whose
   undefined symbols (libc, libm, the OpenMP runtime and the MLIR runner
   utilities, all loaded globally before) resolve on loading; its global
   constructors run then.  The files go as soon as it is loaded, the code
   when the engine is collected (dlclose).

Why: the ExecutionEngine optimizes and generates code on one thread with
the GIL held, about half of a ResNet-18 compile (224 x 224: 2.0-2.5 s of
4.4-6 s on the 2-core AVX2 host).  Measured there on that module, LLVM IR
translated in process 0.1 s, split 0.1-0.15 s, four pieces on two
processes 0.95-1.1 s, link 0.03 s.

When: with at least two CPUs and MIN_FUNCTIONS functions
(`worth_translating`), for LLVM IR of at least MIN_IR_CHARS characters
(`pays`; smaller modules: the engine, without the tools' start-up), and
with the tools and a C compiler at hand (else the build raises
CodegenUnavailable and the caller falls back).  `CompileOptions.parallel_codegen`
forces either way.
"""
from __future__ import annotations

import _ctypes
import ctypes
import os
import re
import shutil
import tempfile
import weakref
from concurrent.futures import ThreadPoolExecutor
from typing import Sequence

from mlir import ir
from mlir.dialects import llvm

from ..errors import TsmlirError
from . import llvm_tools, native_libs

#: LLVM IR size from which the pieces pay for the tools' start-up (ResNet-18
#: 224: ~1.5M characters, the transformer block ~480K, the LSTM loop ~180K;
#: a ReLU ~40K; around 200K both ways took the same time).
MIN_IR_CHARS = 150_000
#: Pieces per worker: round robin gives pieces of uneven cost (a packed
#: matmul kernel takes ~0.3 s, a fill ~0.05 s); more, smaller ones balance
#: the workers.
PIECES_PER_WORKER = 2
SLOT_SUFFIX = "__slot"
PACKED_PREFIX = "_mlir_"


class CodegenUnavailable(TsmlirError):
    """The parallel object path cannot run here (no tool, no C compiler, a
    failed step): the caller falls back to the ExecutionEngine."""


#: Processes at most (a module has a few dozen functions to share out).
MAX_WORKERS = 8


def workers() -> int:
    """Processes to compile in: the CPUs this process may run on, at most
    MAX_WORKERS."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    return min(cpus, MAX_WORKERS)


#: Function definitions below which a module is not even translated to see
#: whether the pieces pay (a ReLU: 3).
MIN_FUNCTIONS = 6


def worth_translating(module: ir.Module) -> bool:
    """Two CPUs or more, and at least MIN_FUNCTIONS function definitions."""
    return workers() >= 2 and sum(
        op.operation.name == "llvm.func" and len(op.regions[0].blocks) > 0
        for op in module.body.operations) >= MIN_FUNCTIONS


def pays(llvm_ir: str) -> bool:
    """Enough code to pay for the tools' start-up (whether the tools and a C
    compiler are at hand, `ObjectEngine` finds out)."""
    return len(llvm_ir) >= MIN_IR_CHARS


def translate(module: ir.Module, runtime_symbols: Sequence[str]) -> str:
    """LLVM IR of a copy of `module` (under its context) with the packed
    wrappers and callback slots of the module docstring."""
    clone = module.operation.clone().operation
    try:
        _add_slots(clone, set(runtime_symbols))
        _add_packed_wrappers(clone)
        return llvm.translate_module_to_llvmir(clone)
    except CodegenUnavailable:
        raise
    except Exception as e:  # a translation error: the engine's would say the same
        raise CodegenUnavailable(f"translating to LLVM IR failed: {e}") from None
    finally:
        clone.erase()


class ObjectEngine:
    """The engine interface of JitFunction over a library built from
    `llvm_ir` (see the module docstring)."""

    def __init__(self, llvm_ir: str, opt_level: int, shared_libs: Sequence[str]):
        for lib in shared_libs:
            native_libs.load_global(lib)
        with tempfile.TemporaryDirectory(prefix="tsmlir-jit-") as work:
            path = _build(llvm_ir, opt_level, work)
            try:
                self._lib = ctypes.CDLL(path, mode=os.RTLD_NOW | os.RTLD_LOCAL)
            except OSError as e:
                raise CodegenUnavailable(f"loading the compiled library failed: {e}") from None
        # the code stays mapped until the engine goes (files already removed)
        self._finalizer = weakref.finalize(self, _ctypes.dlclose, self._lib._handle)

    def raw_lookup(self, name: str) -> int:
        """The address of `_mlir_<name>` (a packed wrapper or, for weights'
        pointer variables, the variable itself), as the engine's lookup;
        0 if the library has none."""
        return self._address(PACKED_PREFIX + name)

    def raw_register_runtime(self, name: str, address) -> None:
        """Point `name`'s slot at `address` (an int or a ctypes c_void_p)."""
        address = getattr(address, "value", address)
        slot = self._address(name + SLOT_SUFFIX)
        if not slot:
            raise TsmlirError(f"compiled code has no slot for the runtime function '{name}'")
        ctypes.c_void_p.from_address(slot).value = address

    def initialize(self) -> None:
        """Nothing: the loader ran the global constructors."""

    def _address(self, symbol: str) -> int:
        try:
            return ctypes.cast(getattr(self._lib, symbol), ctypes.c_void_p).value or 0
        except AttributeError:
            return 0


def _build(llvm_ir: str, opt_level: int, work: str) -> str:
    cc = shutil.which("cc")
    if cc is None:
        raise CodegenUnavailable("no C compiler (cc) to link the compiled code")
    try:
        split = llvm_tools.tool("llvm", "llvm-split")
    except TsmlirError as e:
        raise CodegenUnavailable(str(e)) from None
    source = os.path.join(work, "module.ll")
    with open(source, "w") as f:
        f.write(llvm_ir)
    count = max(1, workers()) * PIECES_PER_WORKER
    prefix = os.path.join(work, "piece")
    _run([split, f"-j{count}", "--round-robin", source, "-o", prefix], "splitting LLVM IR")
    pieces = sorted((p for p in (f"{prefix}{i}" for i in range(count)) if os.path.exists(p)),
                    key=os.path.getsize, reverse=True)  # the biggest first

    def compile_piece(piece: str) -> str:
        llvm_tools.compile_object(piece, piece + ".bc", piece + ".o", opt_level, "native",
                                  CodegenUnavailable)
        return piece + ".o"

    with ThreadPoolExecutor(max(1, workers())) as pool:
        objects = list(pool.map(compile_piece, pieces))
    library = os.path.join(work, "code.so")
    _run([cc, "-shared", "-Wl,-Bsymbolic", "-o", library, *objects], "linking the compiled code")
    return library


def _run(cmd: list[str], what: str) -> None:
    llvm_tools.run(cmd, what, CodegenUnavailable)


_FUNC_TYPE = re.compile(r"!llvm\.func<(.*) \((.*)\)>")


def _signature(op: ir.Operation) -> tuple[str | None, list[str]] | None:
    """(result type or None for void, argument types) of an llvm.func, as
    LLVM-dialect type text; None for a variadic one or argument types with
    commas of their own (structs, vectors)."""
    m = _FUNC_TYPE.fullmatch(str(ir.TypeAttr(op.attributes["function_type"]).value))
    if m is None or "..." in m.group(2) or "<" in m.group(2) or "(" in m.group(2):
        return None
    args = [_llvm_type(a.strip()) for a in m.group(2).split(",")] if m.group(2).strip() else []
    result = m.group(1).strip()
    return (None if result == "void" else _llvm_type(result)), args


def _functions(module_op: ir.Operation) -> dict[str, ir.Operation]:
    return {ir.StringAttr(op.attributes["sym_name"]).value: op.operation
            for op in module_op.regions[0].blocks[0].operations
            if op.operation.name == "llvm.func"}


def _llvm_type(t: str) -> str:
    """A type as printed inside !llvm.func<...> (`ptr`, `i64`, `f64`) as it
    is written elsewhere (`!llvm.ptr`, `i64`, `f64`)."""
    return t if t.startswith("!") or t[0] in "if" else f"!llvm.{t}"


def _call_text(callee: str, args: list[str], arg_types: list[str], result: str | None) -> str:
    """An llvm.call of `callee` (a symbol `@f` or a pointer value `%f`)."""
    callee_type = "!llvm.ptr, " if callee.startswith("%") else ""
    return (f"llvm.call {callee}({', '.join(args)}) : {callee_type}({', '.join(arg_types)}) "
            f"-> {result or '()'}")


def _add_slots(module_op: ir.Operation, names: set[str]) -> None:
    """Each declared function of `names` becomes a definition calling through
    the pointer variable `<name>__slot`."""
    text = []
    for name, op in _functions(module_op).items():
        if name not in names or op.regions[0].blocks:
            continue
        sig = _signature(op)
        if sig is None:
            raise CodegenUnavailable(f"runtime function '{name}' has an unsupported signature")
        result, types = sig
        args = [f"%a{i}" for i in range(len(types))]
        params = ", ".join(f"{a}: {t}" for a, t in zip(args, types))
        slot = name + SLOT_SUFFIX
        text.append("\n".join([
            f"llvm.mlir.global external @{slot}() {{addr_space = 0 : i32, alignment = 8 : i64}}"
            " : !llvm.ptr {",
            "  %0 = llvm.mlir.zero : !llvm.ptr",
            "  llvm.return %0 : !llvm.ptr",
            "}",
            f"llvm.func internal @{name}({params}){f' -> {result}' if result else ''} {{",
            f"  %s = llvm.mlir.addressof @{slot} : !llvm.ptr",
            "  %f = llvm.load %s : !llvm.ptr -> !llvm.ptr",
            f"  {'%r = ' if result else ''}{_call_text('%f', args, types, result)}",
            f"  llvm.return{f' %r : {result}' if result else ''}",
            "}"]))
        op.erase()
    _insert(module_op, "\n".join(text))


def _add_packed_wrappers(module_op: ir.Operation) -> None:
    """`_mlir_<f>(!llvm.ptr args)` for each defined C interface
    (`_mlir_ciface_*`) and fast-call wrapper: argument i is read from the
    pointer at args[i], a result stored through the pointer after them."""
    from .fast_call import WRAPPER_PREFIX
    text, wrapped = [], set()
    for name, op in _functions(module_op).items():
        if not op.regions[0].blocks or not (name.startswith("_mlir_ciface_")
                                            or name.startswith(WRAPPER_PREFIX)):
            continue
        sig = _signature(op)
        if sig is None:
            raise CodegenUnavailable(f"'{name}' has a signature the packed wrapper cannot take")
        result, types = sig
        wrapped.add(PACKED_PREFIX + name)
        # a declaration of the callee for the snippet to parse (not moved)
        lines = [f"llvm.func @{name}({', '.join(types)}){f' -> {result}' if result else ''}",
                 f"llvm.func @{PACKED_PREFIX}{name}(%args: !llvm.ptr) {{"]
        for i in range(len(types) + bool(result)):
            lines += [f"  %p{i} = llvm.getelementptr %args[{i}] : (!llvm.ptr) -> !llvm.ptr, "
                      "!llvm.ptr",
                      f"  %q{i} = llvm.load %p{i} : !llvm.ptr -> !llvm.ptr"]
            if i < len(types):
                lines.append(f"  %a{i} = llvm.load %q{i} : !llvm.ptr -> {types[i]}")
        call = _call_text(f"@{name}", [f"%a{i}" for i in range(len(types))], types, result)
        if result:
            lines += [f"  %r = {call}", f"  llvm.store %r, %q{len(types)} : {result}, !llvm.ptr"]
        else:
            lines.append(f"  {call}")
        lines += ["  llvm.return", "}"]
        text.append("\n".join(lines))
    _insert(module_op, "\n".join(text), wrapped)


def _insert(module_op: ir.Operation, text: str, only: set[str] | None = None) -> None:
    """Parse `text` and move its ops (those named in `only`, if given) into
    the module."""
    if not text:
        return
    parsed = ir.Module.parse(text)
    first = module_op.regions[0].blocks[0].operations[0]
    for op in list(parsed.body.operations):
        if only is None or ir.StringAttr(op.attributes["sym_name"]).value in only:
            op.operation.move_before(first)
