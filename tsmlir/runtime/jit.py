"""JIT execution: an ExecutionEngine function called with torch tensors.

In: an LLVM-dialect module whose `@<name>` has `llvm.emit_c_interface`.
Out: `CompiledModule`, called like the eager module.  Inputs are checked
against the compiled specs before any native code runs (count, type, dtype,
rank, static dims, device, contiguity) and passed without copies; run-time
checks inside the code (e.g. dynamic-shape mismatches) raise
`RuntimeCheckError` after the call instead of aborting the process.
"""
from __future__ import annotations

import ctypes
import threading
from typing import Any, Sequence

import mlir
import torch
from mlir import ir
from mlir.execution_engine import ExecutionEngine

from ..dialects.types import DYN, TensorT
from ..errors import InputError, TsmlirError
from ..lowering.runtime_errors import CALLBACK, MESSAGES_ATTR
from . import memref

SHARED_LIBS = [mlir.__path__[0] + "/lib/libmlir_c_runner_utils.so"]


class RuntimeCheckError(TsmlirError, RuntimeError):
    """A run-time check in compiled code failed (e.g. mismatched dynamic sizes)."""


_CALLBACK_TYPE = ctypes.CFUNCTYPE(None, ctypes.c_int64)


class JitFunction:
    """One compiled entry point and its calling convention."""

    def __init__(self, ctx: ir.Context, module: ir.Module, name: str, specs, result_types:
                 list[TensorT], structure: Any, opt_level: int = 3):
        self.name, self.specs = name, list(specs)
        self.result_types, self.structure = result_types, structure
        with ctx:
            attrs = module.operation.attributes
            self.messages = [ir.StringAttr(a).value for a in attrs[MESSAGES_ATTR]] \
                if MESSAGES_ATTR in attrs else []
            self.engine = ExecutionEngine(module, opt_level=opt_level, shared_libs=SHARED_LIBS)
        self._errors: list[int] = []
        self._callback = _CALLBACK_TYPE(self._errors.append)
        if self.messages:
            self.engine.raw_register_runtime(CALLBACK, ctypes.cast(self._callback, ctypes.c_void_p))
        addr = self.engine.raw_lookup("_mlir_ciface_" + name)
        if not addr:
            raise TsmlirError(f"compiled code has no entry point '{name}'")
        self._fn = ctypes.CFUNCTYPE(None, ctypes.c_void_p)(addr)
        self._ctx, self._module = ctx, module  # the engine's code lives as long as these
        self._lock = threading.Lock()
        self._results = memref.results_type([t.rank for t in result_types])()
        self._result_descs = [getattr(self._results, f"r{i}") for i in range(len(result_types))]
        self._args = [memref.descriptor_type(len(s.shape))() for s in self.specs]
        holders = [ctypes.c_void_p(ctypes.addressof(self._results))] + \
                  [ctypes.c_void_p(ctypes.addressof(d)) for d in self._args]
        self._holders = holders
        self._packed = (ctypes.c_void_p * len(holders))(*[ctypes.addressof(h) for h in holders])

    def check(self, args: Sequence[Any]) -> None:
        if len(args) != len(self.specs):
            raise InputError(f"{self.name}() takes {len(self.specs)} tensor argument(s), "
                             f"got {len(args)}")
        for i, (a, s) in enumerate(zip(args, self.specs)):
            where = f"{self.name}() argument {i}"
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

    def __call__(self, *args: torch.Tensor):
        self.check(args)
        with self._lock:
            for desc, t in zip(self._args, args):
                memref.fill(desc, t)
            self._errors.clear()
            self._fn(self._packed)
            if self._errors:
                msg = self.messages[self._errors[0]] if self._errors[0] < len(self.messages) \
                    else "run-time check failed"
                raise RuntimeCheckError(msg)
            owners: dict[int, torch.Tensor] = {}
            flat = [memref.to_tensor(desc, t.rank, t.dtype, args, owners)
                    for desc, t in zip(self._result_descs, self.result_types)]
        return _unflatten(self.structure, flat)


def _unflatten(structure, flat):
    if isinstance(structure, int):
        return flat[structure]
    return type(structure)(_unflatten(s, flat) for s in structure)


class CompiledModule:
    """A compiled TorchScript module: call it like the eager module."""

    def __init__(self, forward: JitFunction, compile_times: dict[str, float]):
        self.forward = forward
        self.compile_times = compile_times

    @property
    def input_specs(self):
        return self.forward.specs

    def __call__(self, *args):
        return self.forward(*args)
