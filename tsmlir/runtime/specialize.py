"""Specialization: a compiled method whose dynamic dims (or number
arguments) the code cannot keep run-time values is compiled again for each
new set of sizes (or values) it is called with.

In: the user's specs (see tsmlir.specs) with dynamic dims that some op of the
program needs static (today: the spatial dims of convolution, pooling and
resizing, `nn_support.STATIC_SPATIAL`), the argument names, and a function
that compiles the method for fully static specs.
Out: `SpecializingFunction`, called like a `JitFunction`: each call reads the
sizes of the arguments declared dynamic, compiles a `JitFunction` for them on
the first call with those sizes (a fully convolutional network fed images of
a few sizes compiles once per size, like torch.compile's recompilation), and
runs it.  Number arguments listed in `values` (an int that an op needs at
compile time: `torch.topk(x, k)`, a repeat count) are compiled as
`Static(value)`, one compilation per value.  Compiled sizes and values are
kept, the least recently used dropped beyond `limit`.  An argument of the wrong kind or rank is rejected before any
compilation, with the same InputError wording as a JitFunction's check.

Why not keep the sizes dynamic: the kernels that make convolutions fast
(packed filters, register tiles over output rows, pad-free borders) are
planned for known sizes; code with run-time spatial sizes would be slow
generic loops, and most programs see few distinct image sizes.  Ahead-of-time
compilation has no compiler at run time, so there the refusal stands.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Callable, Sequence

import torch

from ..errors import InputError
from ..specs import DYN, ScalarSpec, Static, TensorSpec, describe
from .jit import positional

#: Specialized sizes kept per method (the least recently used beyond are dropped).
DEFAULT_LIMIT = 8


class SpecializingFunction:
    """A method compiled per distinct set of dynamic sizes (see module doc)."""

    _fast = None  # CompiledModule's fast path: none here (compiling may happen on any call)

    def __init__(self, name: str, specs: Sequence[Any], arg_names: Sequence[str],
                 compile_for: Callable[[list], Any], limit: int = DEFAULT_LIMIT,
                 values: Sequence[int] = ()):
        self.name, self.specs, self.arg_names = name, list(specs), list(arg_names)
        self.values = frozenset(values)  # positions of number arguments compiled per value
        if any(not isinstance(self.specs[i], ScalarSpec) for i in self.values):
            raise ValueError("only number arguments (ScalarSpec) are compiled per value")
        self._compile_for, self.limit = compile_for, limit
        self._compiled: OrderedDict[tuple, Any] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def specializations(self) -> list[tuple]:
        """What was compiled so far: one tuple each, of the shapes of the
        dynamic tensor arguments and the values of the numbers compiled per
        value, in argument order."""
        return list(self._compiled)

    def _concrete(self, args: tuple) -> tuple[tuple, list]:
        """(the cache key: shapes of the dynamic arguments, the static specs)."""
        key, specs = [], []
        for i, spec in enumerate(self.specs):
            if i in self.values:
                value = self._number(i, args[i] if i < len(args) else None)
                key.append(value if value == value else "nan")  # nan != nan
                specs.append(Static(value))
                continue
            if not (isinstance(spec, TensorSpec) and DYN in spec.shape):
                specs.append(spec)
                continue
            arg = args[i] if i < len(args) else None
            if not isinstance(arg, torch.Tensor) or arg.dim() != len(spec.shape):
                got = f"a {arg.dim()}-d tensor" if isinstance(arg, torch.Tensor) \
                    else type(arg).__name__
                raise InputError(f"{self.name}() argument {i}: expected {describe(spec)}, "
                                 f"got {got}")
            if arg.dtype != spec.dtype:
                raise InputError(f"{self.name}() argument {i}: expected {describe(spec)}, "
                                 f"got dtype {arg.dtype}")
            shape = tuple(int(d) for d in arg.shape)
            key.append(shape)
            # dims declared static keep their size: the compiled check rejects others
            specs.append(TensorSpec(tuple(s if s != DYN else d for s, d in zip(spec.shape, shape)),
                                    spec.dtype))
        return tuple(key), specs

    def _number(self, i: int, arg):
        """Argument i, a number compiled per value, as its declared type
        (an int passed for a float argument is compiled as that float)."""
        spec = self.specs[i]
        if not spec.accepts(arg):
            raise InputError(f"{self.name}() argument {i}: expected a Python "
                             f"{spec.type.__name__}, got {type(arg).__name__}")
        return spec.type(arg)

    def _args(self, args: tuple, kwargs: dict) -> tuple:
        """The arguments by position, the per-value numbers as their declared type."""
        if kwargs:
            args = positional(self.name, self.arg_names, self.specs, args, kwargs)
        return tuple(self._number(i, a) if i in self.values else a for i, a in enumerate(args))

    def function_for(self, *args, **kwargs):
        """The JitFunction for these arguments' sizes (compiled on first use)."""
        key, specs = self._concrete(self._args(args, kwargs))
        with self._lock:
            fn = self._compiled.get(key)
            if fn is None:
                fn = self._compile_for(specs)
                self._compiled[key] = fn
                while len(self._compiled) > self.limit:
                    self._compiled.popitem(last=False)
            else:
                self._compiled.move_to_end(key)
        return fn

    def __call__(self, *args, **kwargs):
        args = self._args(args, kwargs)
        return self.function_for(*args)(*args)
