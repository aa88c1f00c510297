"""A method's TorchScript signature checked against the caller's specs.

In: the method's schema (argument names, types, defaults) and one spec per
argument given (`TensorSpec`, `ScalarSpec`, `Static` or None, see
`tsmlir.specs`); trailing arguments with defaults may be left out.
Out: one spec per argument, each matching its declared type: an int example
for a `float` argument becomes `ScalarSpec(float)`, an omitted defaulted
argument becomes `Static(default)`, None is accepted only for `Optional`
arguments.  A mismatch raises TorchScriptImportError naming the argument.

An overloaded method (`@torch.jit._overload_method`, as nn.LSTM/GRU/RNN's
forward for a Tensor or a PackedSequence) exists only as `name__0`,
`name__1`, ...: `resolve` picks the first overload the specs bind to.
"""
from __future__ import annotations

import torch

from ..errors import TorchScriptImportError
from ..specs import ScalarSpec, Static, TensorSpec, describe

_SCALAR_KINDS = {"IntType": int, "FloatType": float, "BoolType": bool}


def bind(method, name: str, specs: list) -> list:
    """Specs for every user argument of `method` (a ScriptMethod)."""
    args = list(method.schema.arguments)[1:]  # drop self
    if len(specs) > len(args):
        raise TorchScriptImportError(
            f"'{name}' takes {len(args)} argument(s) but {len(specs)} were given")
    out = []
    for i, a in enumerate(args):
        if i < len(specs):
            out.append(_match(name, a, specs[i]))
        elif a.has_default_value():
            out.append(None if a.default_value is None else Static(a.default_value))
        else:
            raise TorchScriptImportError(
                f"'{name}' takes {len(args)} argument(s) but {len(specs)} were given "
                f"(missing '{a.name}')")
    return out


def _match(name: str, arg, spec):
    t = arg.type
    where = f"'{name}' argument '{arg.name}' ({t.annotation_str})"
    if t.kind() == "OptionalType":
        if spec is None:
            return None
        t = t.getElementType()
    elif spec is None:
        raise TorchScriptImportError(f"{where}: None given for an argument that is not Optional")
    kind = t.kind()
    if isinstance(spec, Static):
        return spec
    if kind == "TupleType" and isinstance(spec, tuple) and len(spec) == len(t.elements()):
        return tuple(_match_element(name, arg, e, s) for e, s in zip(t.elements(), spec))
    if kind == "ListType" and isinstance(spec, (tuple, list)):
        return [_match_element(name, arg, t.getElementType(), s) for s in spec]
    if kind == "TensorType":
        if isinstance(spec, TensorSpec):
            return spec
    elif kind in _SCALAR_KINDS and isinstance(spec, ScalarSpec):
        want = _SCALAR_KINDS[kind]
        if want is spec.type or want is float and spec.type is int:
            return ScalarSpec(want)
    elif kind == "NumberType" and isinstance(spec, ScalarSpec):
        return spec
    raise TorchScriptImportError(f"{where}: cannot be given {describe(spec)}; "
                                 f"{_expected(kind)}")


class _Element:
    """An element of a Tuple/List argument, matched like an argument."""

    def __init__(self, name: str, type_):
        self.name, self.type = name, type_


def _match_element(name: str, arg, t, spec):
    return _match(name, _Element(arg.name, t), spec)


def _expected(kind: str) -> str:
    if kind == "TensorType":
        return "expected a tensor example or a TensorSpec"
    if kind in _SCALAR_KINDS:
        return f"expected a {_SCALAR_KINDS[kind].__name__} example, ScalarSpec or Static"
    if kind in ("TupleType", "ListType"):
        return "expected a tuple/list of examples or specs (of the tuple's length)"
    return "only tensors, int, float, bool, Optional, Tuple and List of them are supported " \
           "as run-time arguments; pass a compile-time value as tsmlir.Static(value)"


def is_script_method(module: torch.jit.ScriptModule, name: str) -> bool:
    return hasattr(module, name) and hasattr(getattr(module, name), "schema")


def overloads(module: torch.jit.ScriptModule, name: str) -> list[str]:
    """The compiled overloads of `name` (`name__0`, `name__1`, ...), in order."""
    found, i = [], 0
    while is_script_method(module, f"{name}__{i}"):
        found.append(f"{name}__{i}")
        i += 1
    return found


def resolve(module: torch.jit.ScriptModule, name: str, specs: list) -> tuple[str, list]:
    """(the compiled method to import for `name`, its bound specs): `name`
    itself, or the first of its overloads whose signature takes `specs`
    (the error of the first overload when none does)."""
    if is_script_method(module, name):
        return name, bind(getattr(module, name), name, specs)
    first = None
    for candidate in overloads(module, name):
        try:
            return candidate, bind(getattr(module, candidate), name, specs)
        except TorchScriptImportError as e:
            first = first or e
    if first is not None:
        raise first
    raise TorchScriptImportError(f"the module has no TorchScript method '{name}' "
                                 "(exported methods need @torch.jit.export)")
