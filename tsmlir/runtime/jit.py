"""JIT execution: an ExecutionEngine function called with torch tensors.

In: an LLVM-dialect module whose `@<name>` has `llvm.emit_c_interface`.
Out: `CompiledModule`, called like the eager module (one `JitFunction` per
compiled method).  Inputs are checked against the compiled specs before any
native code runs (count, type, dtype, rank, static dims, device, contiguity,
Noneness, Static values) and passed without copies; a run-time scalar is
passed in a 0-d buffer owned by the function; parameters (freeze=False)
come from the module's state dict after the user's arguments.  Run-time
checks inside the code (e.g. dynamic-shape mismatches) raise
`RuntimeCheckError` after the call instead of aborting the process.
Results are rebuilt into the eager structure (tensors, Python numbers read
from 0-d results, compile-time literals, tuples/lists/NamedTuples).

A call costs a few microseconds (issue 5): the work that depends only on the
signature is planned once per function (`_plan_calls`): plain tensor and
scalar arguments are checked by a few comparisons (anything else falls back
to the full `check`, which words the errors), each descriptor is written
by one `struct.pack_into` (only the pointers for static shapes), all results
are read by one `unpack_from`, and a small dense result is copied into a
fresh tensor (`empty_like` of a planned template for static shapes) and its
buffer freed, instead of adopting the buffer through numpy.  Functions of
tensors only (no write-backs or scalar results) take the shorter
`fast_call` path first; where their results are static and the module has
no run-time checks, the copies are made by a wrapper compiled into the
module (`fast_call.add_copy_wrapper`).
"""
from __future__ import annotations

import ctypes
import io
import threading
from functools import partial
from math import prod
from operator import itemgetter
from typing import Any, Sequence

import mlir
import torch
from mlir import ir
from mlir.execution_engine import ExecutionEngine

from ..context import new_context
from ..dialects.types import DYN, TensorT
from ..errors import InputError, TsmlirError
from ..specs import (Literal, NamedTupleResult, RowsResult, ScalarResult, ScalarSpec, Static,
                     TensorSpec, describe, runtime_leaves)
from ..lowering.runtime_errors import CALLBACK, MESSAGES_ATTR
from . import callbacks, fast_call, memref, native_libs, object_jit, weights

SHARED_LIBS = [mlir.__path__[0] + "/lib/libmlir_c_runner_utils.so"]


class RuntimeCheckError(TsmlirError, RuntimeError):
    """A run-time check in compiled code failed (e.g. mismatched dynamic sizes)."""


_CALLBACK_TYPE = ctypes.CFUNCTYPE(None, ctypes.c_int64)


class JitFunction:
    """One compiled entry point and its calling convention."""

    def __init__(self, ctx: ir.Context, module: ir.Module, name: str, specs, result_types:
                 list[TensorT], structure: Any, opt_level: int = 2, *,
                 params: Sequence[str] = (), state: dict[str, torch.Tensor] | None = None,
                 writebacks: Sequence[tuple[int | str, int]] = (), arg_names: Sequence[str] = (),
                 blobs: dict[str, Any] | None = None, parallel_codegen: bool | None = None):
        self.name, self.specs = name, list(specs)
        self.result_types, self.structure = result_types, structure
        self.params, self._state = list(params), state if state is not None else {}
        # (argument, result): in-place updates of arguments (an index) and of
        # the module's state (a state-dict name)
        self.writebacks = list(writebacks)
        self.arg_names = list(arg_names)
        missing = [p for p in self.params if p not in self._state]
        if missing:
            raise TsmlirError(f"{name}(): no value for the parameter(s) {', '.join(missing)}")
        with ctx:
            attrs = module.operation.attributes
            self.messages = [ir.StringAttr(a).value for a in attrs[MESSAGES_ATTR]] \
                if MESSAGES_ATTR in attrs else []
            native_libs.keep_freed_memory()
            # big constants: bound at run time, not compiled (see weights.py)
            self._weights = weights.externalize(module, blobs or {})
        self._scalar_results = _scalar_results(structure)
        ctx, module = _fresh_copy(module)
        if not self.messages and fast_call.serves(self.specs, result_types, self.params,
                                                  self.writebacks, self._scalar_results):
            with ctx:  # results copied by compiled code (no poison results to guard against)
                fast_call.add_copy_wrapper(module, name, len(self.specs) + len(self.params),
                                           result_types)
        # The engine's code uses the large code model (constants addressed by
        # movabs, so LLVM hoists and spills them where the small model would
        # reload them RIP-relative).  Measured on the elementwise bench, the
        # same IR through opt + llc with the small model runs 1.0-1.2% faster
        # (thread CPU time, 3 runs): too little to matter.  What made a second
        # way pay is compile time: object_jit's pieces, compiled in parallel
        # (small code model), for big modules.
        with ctx:
            self.engine = _engine(module, opt_level, parallel_codegen)
        #: "objects" (object_jit's library) or "engine" (the ExecutionEngine)
        self.codegen = "objects" if isinstance(self.engine, object_jit.ObjectEngine) else "engine"
        self._errors: list[int] = []
        self._callback = _CALLBACK_TYPE(self._errors.append)
        if self.messages:
            self.engine.raw_register_runtime(CALLBACK, ctypes.cast(self._callback, ctypes.c_void_p))
        with ctx:  # print callbacks; the exception of a failed check or raise
            self._effects = callbacks.JitCallbacks(self.engine, module, self.messages)
        self._weights.bind(self.engine)  # a lookup: after every callback is registered
        self.engine.initialize()  # global constructors (matmul_amx's request for AMX)
        addr = self.engine.raw_lookup("_mlir_ciface_" + name)
        if not addr:
            raise TsmlirError(f"compiled code has no entry point '{name}'")
        self._fn = ctypes.CFUNCTYPE(None, ctypes.c_void_p)(addr)
        self._ctx, self._module = ctx, module  # the engine's code lives as long as these
        self._lock = threading.Lock()
        self._results = memref.results_type([t.rank for t in result_types])()
        self._result_descs = [getattr(self._results, f"r{i}") for i in range(len(result_types))]
        runtime = [leaf for s in self.specs for leaf in runtime_leaves(s)]
        self._args = [memref.descriptor_type(len(s.shape))() for s in runtime]
        self._params = [memref.descriptor_type(self._state[p].dim())() for p in self.params]
        # One 0-d buffer per run-time scalar argument, pointed at once.
        self._scalars: dict[int, ctypes._SimpleCData] = {}
        for i, (s, d) in enumerate(zip(runtime, self._args)):
            if isinstance(s, ScalarSpec):
                buf = _CTYPES[s.type]()
                self._scalars[i] = buf
                d.allocated = d.aligned = ctypes.addressof(buf)
                d.offset = 0
        self._scalar_ptrs = {ctypes.addressof(b): b for b in self._scalars.values()}
        holders = [ctypes.c_void_p(ctypes.addressof(self._results))] + \
                  [ctypes.c_void_p(ctypes.addressof(d)) for d in self._args + self._params]
        self._holders = holders
        self._packed = (ctypes.c_void_p * len(holders))(*[ctypes.addressof(h) for h in holders])
        self._packed_ptr = ctypes.c_void_p(ctypes.addressof(self._packed))
        self._plan_calls(runtime)
        self._rebuild = _rebuilder(structure)
        self._fast = fast_call.plan(self)  # None where the general path below is needed

    def _plan_calls(self, runtime: list) -> None:
        """Per-call work decided once: how each argument is checked and written
        into its descriptor, and where each result lies in the results struct."""
        # Arguments: every spec a tensor or run-time scalar lets a call check
        # its arguments with a few comparisons (`_quick_check`).
        self._flat = all(isinstance(s, (TensorSpec, ScalarSpec)) for s in self.specs)
        self._guards = [(s.dtype, torch.Size(s.shape) if DYN not in s.shape else None,
                         len(s.shape), [(d, n) for d, n in enumerate(s.shape) if n != DYN])
                        if isinstance(s, TensorSpec) else s for s in self.specs]
        self._read_arguments = fast_call.argument_reader(self._guards)
        # Writers: (scalar buffer, None) or (descriptor, packer, static).
        self._writers: list[tuple] = []
        for i, (s, d) in enumerate(zip(runtime, self._args)):
            if i in self._scalars:
                self._writers.append((self._scalars[i], None, False))
            elif DYN in s.shape:
                self._writers.append((d, memref.descriptor_struct(len(s.shape)).pack_into, False))
            else:
                memref.fill_static(d, s.shape)
                self._writers.append((d, memref.POINTERS.pack_into, True))
        # Parameters: their actual sizes and strides each call, as before.
        self._param_writers = [(d, memref.descriptor_struct(self._state[p].dim()).pack_into,
                                False) for p, d in zip(self.params, self._params)]
        # Results: (start in the unpacked results struct, rank, dtype, itemsize,
        # and for a static shape its dense sizes and strides, an empty tensor to
        # copy it into with `empty_like` (half the cost of `empty(sizes,
        # dtype=...)`) and its size in bytes).
        ranks = [t.rank for t in self.result_types]
        self._results_struct = memref.results_struct(ranks)
        self._result_plan, start = [], 0
        for t in self.result_types:
            static = DYN not in t.shape
            layout = tuple(t.shape) + memref.contiguous_strides(t.shape) if static else None
            nbytes = prod(t.shape) * t.dtype.itemsize if static else None
            # no template for a result that is adopted, not copied (a 16 MB
            # tensor held for nothing): such results take the dynamic branch
            template = torch.empty(t.shape, dtype=t.dtype) \
                if static and nbytes <= memref.COPY_LIMIT else None
            self._result_plan.append((start, t.rank, t.dtype, t.dtype.itemsize, layout, template,
                                      nbytes))
            start += 3 + 2 * t.rank

    def check(self, args: Sequence[Any]) -> None:
        if len(args) < len(self.specs) and all(_is_fixed(s) for s in self.specs[len(args):]):
            return self.check(_with_defaults(args, self.specs))
        if len(args) != len(self.specs):
            raise InputError(f"{self.name}() takes {len(self.specs)} argument(s), got {len(args)}")
        for i, (a, s) in enumerate(zip(args, self.specs)):
            _check_arg(a, s, f"{self.name}() argument {i}")

    def __call__(self, *args, **kwargs):
        if self._fast is not None and not kwargs:
            out = self._fast(args)
            if out is not fast_call.SLOW:
                return out
        if kwargs:
            args = self._positional(args, kwargs)
        if self._flat and len(args) == len(self.specs) and self._quick_check(args):
            runtime = args
        else:  # the full check: its errors, defaults, nested arguments
            self.check(args)
            if len(args) < len(self.specs):  # trailing arguments fixed at compile time left out
                args = _with_defaults(args, self.specs)
            runtime = [leaf for a, s in zip(args, self.specs) for leaf in _runtime_values(a, s)]
        params = [self._state[p] for p in self.params] if self.params else []
        with self._lock:
            input_ptrs = self._write_args(self._writers, runtime)
            if params:
                input_ptrs += self._write_args(self._param_writers, params)
            self._errors.clear()
            self._fn(self._packed_ptr)
            if self._errors:
                raise self._effects.error(self._errors[0])
            flat = self._take_results(runtime, params, input_ptrs)
            if self.writebacks:
                with torch.no_grad():
                    for arg, result in self.writebacks:  # an argument, or state
                        (self._state[arg] if isinstance(arg, str) else args[arg]).copy_(
                            flat[result])
        return self._rebuild(flat)

    def _quick_check(self, args: Sequence[Any]) -> bool:
        """Whether every argument plainly matches its spec (a plain CPU tensor
        of the spec's dtype and shape, contiguous, or a scalar of its type).
        False sends the call through `check`, which names what is wrong."""
        return self._read_arguments(args) is not None

    @staticmethod
    def _write_args(writers: list[tuple], values: Sequence[Any]) -> list[int]:
        """Each run-time value into its descriptor (or scalar buffer); returns
        the tensors' data pointers."""
        ptrs = []
        for (desc, pack, static), a in zip(writers, values):
            if pack is None:
                desc.value = a
                continue
            p = a.data_ptr()
            ptrs.append(p)
            if static:
                pack(desc, 0, p, p)
            else:
                pack(desc, 0, p, p, 0, *a.shape, *a.stride())
        return ptrs

    def _take_results(self, runtime: Sequence[Any], params: list, input_ptrs: list[int]) -> list:
        """The returned descriptors as tensors (and Python numbers).  A small
        contiguous buffer of the compiled code is copied and freed; a large
        one is adopted; one of an argument is copied (results never alias
        arguments); a constant's is copied."""
        raw = self._results_struct.unpack_from(self._results)
        flat: list[Any] = [None] * len(self.result_types)
        plans = self._result_plan
        allocs = [raw[plan[0]] or 0 for plan in plans]
        shared = len(allocs) > 1 and len(set(allocs)) < len(allocs)  # adopt such buffers once
        owners: dict[int, torch.Tensor] = {}
        inputs = None
        for i, (start, rank, dtype, itemsize, layout, template, nbytes) in enumerate(plans):
            if i in self._scalar_results:
                continue
            alloc = allocs[i]
            if alloc in self._scalar_ptrs:  # our own argument buffer: copy it
                flat[i] = torch.tensor(self._scalar_ptrs[alloc].value, dtype=dtype)
                continue
            got = raw[start + 3:start + 3 + 2 * rank]  # sizes, then strides
            if template is not None:
                dense = got == layout
            else:
                nbytes = prod(got[:rank]) * itemsize
                dense = memref.is_contiguous(got[:rank], got[rank:])
            if dense and not shared and alloc not in input_ptrs and \
                    (nbytes <= memref.COPY_LIMIT or alloc == memref.GLOBAL_MARKER):
                # empty_like / empty_strided: cheaper than empty(sizes, dtype=...)
                out = torch.empty_like(template) if template is not None else \
                    torch.empty_strided(got[:rank], got[rank:], dtype=dtype) if nbytes else \
                    torch.empty(got[:rank], dtype=dtype)
                if nbytes:
                    src = (raw[start + 1] or 0) + raw[start + 2] * itemsize
                    memref.memmove(out.data_ptr(), src, nbytes)
                if alloc != memref.GLOBAL_MARKER:
                    memref.free(alloc)
                flat[i] = out
                continue
            if inputs is None:
                inputs = [a for a in runtime if isinstance(a, torch.Tensor)] + params
            flat[i] = memref.to_tensor(self._result_descs[i], rank, dtype, inputs, owners)
            if alloc in input_ptrs:  # results never alias arguments
                flat[i] = flat[i].clone()
        if self._scalar_results:
            if inputs is None:
                inputs = [a for a in runtime if isinstance(a, torch.Tensor)] + params
            self._read_scalars(flat, inputs, owners)
        return flat

    def _positional(self, args: tuple, kwargs: dict) -> tuple:
        return positional(self.name, self.arg_names, self.specs, args, kwargs)

    def _read_scalars(self, flat: list, inputs: list[torch.Tensor], owners: dict) -> None:
        """Scalar results: read from their 0-d buffer, which is freed unless it
        is a constant, an input or shared with a tensor result."""
        if not self._scalar_results:
            return
        keep = {t.data_ptr() for t in inputs} | set(self._scalar_ptrs) | set(owners) | \
            {memref.GLOBAL_MARKER}
        for i, py in self._scalar_results.items():
            desc, t = self._result_descs[i], self.result_types[i]
            ctype = _CTYPES[py]
            flat[i] = py(ctype.from_address(desc.aligned + desc.offset * t.dtype.itemsize).value)
        for i in self._scalar_results:  # after every read: results may share a buffer
            alloc = self._result_descs[i].allocated or 0
            if alloc not in keep:
                _LIBC.free(alloc)
                keep.add(alloc)


def _engine(module: ir.Module, opt_level: int, parallel: bool | None):
    """The ExecutionEngine of `module`, or its code compiled in parallel
    pieces (object_jit) where that pays (`parallel` None) or is asked for
    (True: its failures are raised, not fallen back from)."""
    libs = native_libs.jit_libs(module.operation)
    if parallel or parallel is None and object_jit.worth_translating(module):
        try:
            llvm_ir = object_jit.translate(module, [CALLBACK, *callbacks.SYMBOLS])
            if parallel or object_jit.pays(llvm_ir):
                return object_jit.ObjectEngine(llvm_ir, opt_level, libs)
        except object_jit.CodegenUnavailable:
            if parallel:
                raise
    return ExecutionEngine(module, opt_level=opt_level, shared_libs=libs, enable_object_dump=False)


def _fresh_copy(module: ir.Module) -> tuple[ir.Context, ir.Module]:
    """`module` moved into a context of its own (through bytecode).  The
    compiling context holds every weight array that lowering made or
    replaced (the importer's copies of the parameters, filters before
    batch-norm folding, before transposing...) until it dies: MLIR keeps
    resource blobs for the context's lifetime.  The JIT keeps only this copy,
    whose code reads just the weights bound at run time; ResNet-18 224 holds
    about 90 MB less."""
    buffer = io.BytesIO()
    module.operation.write_bytecode(buffer)
    ctx = new_context()
    with ctx:
        return ctx, ir.Module.parse(buffer.getvalue())


_MISSING = object()


def positional(name: str, arg_names: Sequence[str], specs: Sequence[Any], args: tuple,
               kwargs: dict) -> tuple:
    """Keyword arguments put in place by the method's argument names; a gap
    at an argument fixed at compile time (its spec) gets that value."""
    out = list(args)
    for key, value in kwargs.items():
        if key not in arg_names:
            raise InputError(f"{name}() got an unexpected keyword argument '{key}'")
        i = arg_names.index(key)
        if i < len(args):
            raise InputError(f"{name}() got multiple values for argument '{key}'")
        out += [_MISSING] * (i + 1 - len(out))
        out[i] = value
    for i, a in enumerate(out):
        if a is _MISSING and i < len(specs) and _is_fixed(specs[i]):
            out[i] = _with_defaults((), specs[i:i + 1])[0]
    if any(a is _MISSING for a in out):
        missing = [arg_names[i] for i, a in enumerate(out) if a is _MISSING]
        raise InputError(f"{name}() missing argument(s): {', '.join(missing)}")
    return tuple(out)
_LIBC = ctypes.CDLL(None)
_LIBC.free.argtypes = [ctypes.c_void_p]
_CTYPES = {int: ctypes.c_int64, float: ctypes.c_double, bool: ctypes.c_bool}


def _check_arg(a, s, where: str) -> None:
    if a is None and s is not None and not (isinstance(s, Static) and s.value is None):
        raise InputError(f"{where}: compiled for {describe(s)}, got None (compile another "
                         "version with None for this argument)")
    if isinstance(s, TensorSpec):
        _check_tensor(a, s, where)
    elif isinstance(s, ScalarSpec):
        if not s.accepts(a):
            raise InputError(f"{where}: expected a Python {s.type.__name__}, got "
                             f"{type(a).__name__}")
    elif s is None:
        if a is not None:
            raise InputError(f"{where}: compiled for None, got {type(a).__name__} "
                             "(compile another version for a value)")
    elif isinstance(s, (tuple, list)):
        if not isinstance(a, (tuple, list)) or len(a) != len(s):
            raise InputError(f"{where}: expected a {type(s).__name__} of {len(s)} item(s) "
                             f"{describe(s)}, got {_short(a)}")
        for j, (x, sx) in enumerate(zip(a, s)):
            _check_arg(x, sx, f"{where}[{j}]")
    elif type(a) is not type(s.value) or a != s.value:
        raise InputError(f"{where}: compiled for {describe(s)}, got {a!r}")


def _short(a) -> str:
    return f"a {type(a).__name__} of {len(a)} item(s)" if isinstance(a, (tuple, list)) else \
        type(a).__name__


def _runtime_values(a, s) -> list:
    """The values of an argument passed to the native code, in leaf order."""
    if isinstance(s, (tuple, list)):
        return [v for x, sx in zip(a, s) for v in _runtime_values(x, sx)]
    return [a] if isinstance(s, (TensorSpec, ScalarSpec)) else []


def _is_fixed(spec) -> bool:
    return spec is None or isinstance(spec, Static)


def _with_defaults(args: Sequence[Any], specs: list) -> tuple:
    return tuple(args) + tuple(None if s is None else s.value for s in specs[len(args):])


def _check_tensor(a, s: TensorSpec, where: str) -> None:
    if not isinstance(a, torch.Tensor):
        raise InputError(f"{where}: expected a torch.Tensor, got {type(a).__name__}")
    if a.dtype != s.dtype:
        raise InputError(f"{where}: expected dtype {s.dtype}, got {a.dtype}")
    if a.dim() != len(s.shape):
        raise InputError(f"{where}: expected rank {len(s.shape)} (shape {s}), got shape "
                         f"{tuple(a.shape)}")
    for d, (got, want) in enumerate(zip(a.shape, s.shape)):
        if want != DYN and got != want:
            raise InputError(f"{where}: dim {d} must be {want} (compiled for {s}), got "
                             f"shape {tuple(a.shape)}")
    if a.device.type != "cpu":
        raise InputError(f"{where}: expected a CPU tensor, got device {a.device}")
    if not a.is_contiguous():
        raise InputError(f"{where}: expected a contiguous tensor (call .contiguous())")
    if a.requires_grad and torch.is_grad_enabled():
        raise InputError(f"{where}: tensors requiring grad are not supported "
                         "(use torch.no_grad() or .detach())")


def _scalar_results(structure) -> dict[int, type]:
    if isinstance(structure, ScalarResult):
        return {structure.index: structure.type}
    items = structure.items if isinstance(structure, NamedTupleResult) else \
        structure.values() if isinstance(structure, dict) else \
        structure if isinstance(structure, (tuple, list)) else ()
    out: dict[int, type] = {}
    for s in items:
        out.update(_scalar_results(s))
    return out


def _rebuilder(structure):
    """`_unflatten` for this structure; a plain tensor or a tuple of tensors
    (the common results) by one itemgetter."""
    if isinstance(structure, int):
        return itemgetter(structure)
    if type(structure) is tuple and len(structure) > 1 and \
            all(isinstance(s, int) for s in structure):
        return itemgetter(*structure)
    return partial(_unflatten, structure)


def _unflatten(structure, flat):
    if isinstance(structure, int):
        return flat[structure]
    if isinstance(structure, ScalarResult):
        return flat[structure.index]
    if isinstance(structure, RowsResult):
        return list(flat[structure.index].unbind(0))
    if isinstance(structure, Literal):
        return structure.value
    if isinstance(structure, NamedTupleResult):
        return structure.cls(*(_unflatten(s, flat) for s in structure.items))
    if isinstance(structure, dict):
        return {k: _unflatten(v, flat) for k, v in structure.items()}
    return type(structure)(_unflatten(s, flat) for s in structure)


class CompiledModule:
    """A compiled TorchScript module: call it like the eager module; other
    compiled methods are attributes (`compiled.encode(x)`)."""

    def __init__(self, functions: dict[str, JitFunction] | JitFunction,
                 compile_times: dict[str, float], *, state: dict[str, torch.Tensor] | None = None,
                 main: str = "forward"):
        if isinstance(functions, JitFunction):
            functions = {functions.name: functions}
        self.functions = dict(functions)
        self.compile_times = compile_times
        self.main = main
        # The run-time parameters (freeze=False), shared by every function.
        self._state = state if state is not None else {}

    def __getattr__(self, name: str):
        functions = self.__dict__.get("functions", {})
        if name in functions:
            return functions[name]
        raise AttributeError(f"no compiled method '{name}' (compiled: {', '.join(functions)}; "
                             "compile others with methods={name: example_inputs})")

    @property
    def input_specs(self):
        return self.functions[self.main].specs if self.main in self.functions else None

    def __call__(self, *args, **kwargs):
        if self.main not in self.functions:
            raise InputError(f"'{self.main}' was not compiled (compiled: "
                             f"{', '.join(self.functions)})")
        fn = self.functions[self.main]
        if fn._fast is not None and not kwargs:  # one Python call less on the fast path
            out = fn._fast(args)
            if out is not fast_call.SLOW:
                return out
        return fn(*args, **kwargs)

    def __repr__(self) -> str:
        lines = [f"CompiledModule({'run-time' if self._state else 'frozen'} weights)"]
        for name, fn in self.functions.items():
            args = ", ".join(f"{n}: {describe(s)}" for n, s in zip(fn.arg_names, fn.specs)) \
                if fn.arg_names else ", ".join(describe(s) for s in fn.specs)
            lines.append(f"  {name}({args})")
        return "\n".join(lines)

    def state_dict(self) -> dict[str, torch.Tensor]:
        """The run-time parameters and buffers (freeze=False), by state-dict name."""
        return dict(self._state)

    def load_state_dict(self, state_dict: dict[str, torch.Tensor], strict: bool = True) -> None:
        """Copy new weights in (no recompilation).  Every key must be one of the
        module's and match its shape and dtype; with strict, every key must be given."""
        if not self._state:
            raise InputError("this module was compiled with its parameters frozen into the code; "
                             "compile it with freeze=False to load new weights")
        unknown = [k for k in state_dict if k not in self._state]
        if unknown:
            raise InputError(f"load_state_dict: unexpected key(s) {', '.join(unknown)}")
        missing = [k for k in self._state if k not in state_dict]
        if strict and missing:
            raise InputError(f"load_state_dict: missing key(s) {', '.join(missing)}")
        for k, v in state_dict.items():
            have = self._state[k]
            if not isinstance(v, torch.Tensor):
                raise InputError(f"load_state_dict: '{k}' must be a tensor, got {type(v).__name__}")
            if v.shape != have.shape or v.dtype != have.dtype:
                raise InputError(f"load_state_dict: '{k}' has shape {tuple(v.shape)} and dtype "
                                 f"{v.dtype}; compiled for shape {tuple(have.shape)} and dtype "
                                 f"{have.dtype}")
        with torch.no_grad():
            for k, v in state_dict.items():
                self._state[k].copy_(v)
