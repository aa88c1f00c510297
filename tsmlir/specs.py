"""Input specifications (what a compiled function accepts) and output
descriptions (how its flat results are put back together).

An argument of a compiled method is described by one of:
- `TensorSpec(shape, dtype)`: a tensor (-1 marks a dynamic dim);
- `ScalarSpec(int | float | bool)`: a Python number known only at run time
  (passed to the native code as a 0-d int64 / float64 / bool buffer);
- `Static(value)`: a number fixed at compile time (folded into the code;
  each call checks that the same value is passed);
- `None`: an `Optional[...]` argument compiled for None (each call checks
  that None is passed);
- a tuple or list of these: a `Tuple[...]` / `List[...]` argument of that
  length (its leaves passed one by one).

Results come back as a structure whose leaves are result indices (tensors),
`ScalarResult`s (a 0-d result read back as a Python number) and `Literal`s
(values known at compile time); inner nodes are tuples, lists, dicts and
`NamedTupleResult`s.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from .dialects.types import DYN, SUPPORTED_DTYPES, TensorT
from .errors import TsmlirError


@dataclass(frozen=True)
class TensorSpec:
    """Shape (-1 marks a dynamic dim) and dtype of one tensor input."""
    shape: tuple[int, ...]
    dtype: torch.dtype = torch.float32

    def __init__(self, shape, dtype: torch.dtype = torch.float32):
        if shape is None:
            raise TsmlirError("TensorSpec needs a shape: tensors of unknown rank are not supported")
        shape = tuple(int(d) for d in shape)
        if any(d < DYN for d in shape):
            raise TsmlirError(f"TensorSpec shape {shape}: sizes must be >= 0, or -1 for a dynamic dim")
        if dtype not in SUPPORTED_DTYPES:
            raise TsmlirError(f"TensorSpec dtype {dtype} is not supported "
                              f"(supported: {', '.join(map(str, SUPPORTED_DTYPES))})")
        object.__setattr__(self, "shape", shape)
        object.__setattr__(self, "dtype", dtype)

    @classmethod
    def like(cls, t: torch.Tensor) -> "TensorSpec":
        return cls(tuple(t.shape), t.dtype)

    def tensor_type(self) -> TensorT:
        return TensorT(self.shape, self.dtype)

    def __str__(self) -> str:
        dims = ", ".join("?" if d == DYN else str(d) for d in self.shape)
        return f"TensorSpec(({dims}{',' if len(self.shape) == 1 else ''}), {self.dtype})"


# The 0-d buffer dtype a run-time scalar of each Python type travels in.
SCALAR_DTYPES = {int: torch.int64, float: torch.float64, bool: torch.bool}


@dataclass(frozen=True)
class ScalarSpec:
    """A Python int, float or bool argument whose value is known only at run time."""
    type: type

    def __post_init__(self):
        if self.type not in SCALAR_DTYPES:
            raise TsmlirError(f"ScalarSpec({self.type!r}): the type must be int, float or bool")

    @property
    def dtype(self) -> torch.dtype:
        return SCALAR_DTYPES[self.type]

    @property
    def shape(self) -> tuple[int, ...]:
        return ()

    def tensor_type(self) -> TensorT:
        return TensorT((), self.dtype)

    def accepts(self, value) -> bool:
        if self.type is bool:
            return isinstance(value, bool)
        if self.type is int:
            return isinstance(value, int) and not isinstance(value, bool)
        return isinstance(value, (int, float)) and not isinstance(value, bool)

    def __str__(self) -> str:
        return f"ScalarSpec({self.type.__name__})"


@dataclass(frozen=True)
class Static:
    """A number (or string) argument specialized at compile time."""
    value: Any

    def __str__(self) -> str:
        return f"Static({self.value!r})"


def is_runtime_arg(spec) -> bool:
    """Whether an argument is passed to the native code (tensors and run-time scalars)."""
    return isinstance(spec, (TensorSpec, ScalarSpec))


def runtime_leaves(spec) -> list:
    """The TensorSpecs and ScalarSpecs of an argument, in argument order."""
    if isinstance(spec, (tuple, list)):
        return [leaf for s in spec for leaf in runtime_leaves(s)]
    return [spec] if is_runtime_arg(spec) else []


def describe(spec) -> str:
    if isinstance(spec, (tuple, list)):
        inner = ", ".join(describe(s) for s in spec)
        return f"[{inner}]" if isinstance(spec, list) else f"({inner})"
    return "None" if spec is None else str(spec)


# -- results -------------------------------------------------------------------
@dataclass(frozen=True)
class ScalarResult:
    """Result `index` (a 0-d buffer) read back as a Python `type`."""
    index: int
    type: type


@dataclass(frozen=True)
class Literal:
    """A result known at compile time."""
    value: Any


@dataclass(frozen=True)
class RowsResult:
    """A list of the rows of result `index`: a list built in a loop, whose
    length is known only at run time, comes back stacked."""
    index: int


@dataclass(frozen=True)
class NamedTupleResult:
    """A NamedTuple of the user's class `cls` with these items."""
    cls: type
    items: tuple


def spec_of_example(value, where: str):
    """The spec an example input stands for (a spec passes through)."""
    if isinstance(value, (TensorSpec, ScalarSpec, Static)) or value is None:
        return value
    if isinstance(value, (tuple, list)):  # a NamedTuple example is a tuple argument
        kind = list if isinstance(value, list) else tuple
        return kind(spec_of_example(v, f"{where}[{i}]") for i, v in enumerate(value))
    if isinstance(value, torch.Tensor):
        return TensorSpec.like(value)
    if isinstance(value, (bool, int, float)):
        return ScalarSpec(type(value))
    if isinstance(value, str):  # strings only exist at compile time
        return Static(value)
    raise TsmlirError(f"{where} is a {type(value).__name__}; expected a tensor, a number, None, "
                      "or a TensorSpec / ScalarSpec / Static")


def tensor_only(structure) -> bool:
    """Whether a result structure holds only tensors in tuples and lists."""
    if isinstance(structure, int):
        return True
    return type(structure) in (tuple, list) and all(tensor_only(s) for s in structure)
