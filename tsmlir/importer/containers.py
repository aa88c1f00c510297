"""Compile-time containers: tuples, NamedTuples, lists and dicts whose
structure is known at import.

In: prim/aten nodes building, reading or changing such containers
(`prim::TupleConstruct` / `TupleIndex`, `prim::DictConstruct`, item
assignment, `dict.get/keys/values/items`, `list.insert/pop/reverse/clear`,
`sum` of a list of numbers) and `prim::isinstance` left to run time.
Out: Python containers holding importer values (tensors as MLIR values,
numbers, nested containers); a NamedTuple is an instance of the user's
own class.  Nothing is emitted except the additions of `sum` over run-time
numbers.  A dict with keys other than compile-time strings is reported as
unsupported; changing a list known only at run time is an error at the
user's line.
"""
from __future__ import annotations

import sys

from ..errors import TorchScriptImportError
from . import scalars
from .locations import node_frame, user_frame
from .values import UNKNOWN, ObjectValue, RowBuffer, is_runtime_scalar, is_tensor


def is_namedtuple(value) -> bool:
    return isinstance(value, tuple) and hasattr(type(value), "_fields")


def describe(value) -> str:
    if isinstance(value, RowBuffer):
        return "a list built in a loop with a run-time trip count"
    if isinstance(value, ObjectValue):
        return f"an object of class {value.qualified_name}"
    return repr(value)


def namedtuple_class(t) -> type | None:
    """The Python class of a TorchScript NamedTuple type (None for a plain tuple
    or a class Python cannot reach, e.g. from a loaded archive)."""
    name = getattr(t, "annotation_str", "")
    if t.kind() != "TupleType" or not name.startswith("__torch__."):
        return None
    parts = name[len("__torch__."):].split(".")
    candidates = [(".".join(parts[:i]), parts[i:]) for i in range(len(parts) - 1, -1, -1)]
    for mod_name, attrs in candidates:
        obj = sys.modules.get(mod_name or "__main__")
        for a in attrs:
            obj = getattr(obj, a, None)
        if isinstance(obj, type) and issubclass(obj, tuple) and hasattr(obj, "_fields"):
            return obj
    return None


def keep_shape(kind: str, args: list) -> None:
    """A compile-time container still grows by an unknown item, so that the
    rest of the program imports on and reports its own unsupported ops."""
    if kind == "aten::append" and isinstance(args[0], list):
        args[0].append(UNKNOWN)
    elif kind == "aten::_set_item" and isinstance(args[0], (list, dict)) and args[1] is not UNKNOWN:
        try:
            args[0][args[1]] = UNKNOWN
        except (IndexError, TypeError):
            pass


def _prim_tuple(imp, node, args, env, frames):
    cls = namedtuple_class(node.output().type())
    return cls(*args) if cls is not None else tuple(args)


def _prim_tuple_index(imp, node, args, env, frames):
    tup, i = args
    if not isinstance(i, int):
        raise TorchScriptImportError("a tuple indexed at run time is not supported",
                                     user_frame(frames))
    return tup[i]


def _prim_dict(imp, node, args, env, frames):
    """A dict with string keys known at compile time (reads fold); other keys
    are reported as unsupported."""
    keys, values = args[0::2], args[1::2]
    if not all(isinstance(k, str) for k in keys):
        key_type = node.output().type().getKeyType().annotation_str
        # TorchScript gives DictConstruct no position: its keys' constants have it.
        own = next((f for f in map(node_frame, (v.node() for v in node.inputs())) if f), None)
        imp.unsupported.append((f"prim::DictConstruct (Dict[{key_type}, ...]: only str keys "
                                "known at compile time are supported)",
                                user_frame([own, *frames] if own else frames)))
        return UNKNOWN
    return dict(zip(keys, values))


def _set_item(imp, node, args, env, frames):
    """`d[k] = v` / `xs[i] = v` on a compile-time dict or list (in place)."""
    container, key, value = args
    if isinstance(container, list) and not isinstance(key, int):
        imp.unsupported.append(("aten::_set_item.t (a list indexed at run time)",
                                user_frame(frames)))
        return UNKNOWN
    if not isinstance(container, (list, dict)):
        raise TorchScriptImportError(f"item assignment on {describe(container)} is not supported",
                                     user_frame(frames))
    try:
        container[key] = value
    except IndexError:
        raise TorchScriptImportError(f"list assignment index {key} out of range",
                                     user_frame(frames)) from None
    return container


def _dict_get(imp, node, args, env, frames):
    """`d.get(key[, default])` on a compile-time dict (the default may be a tensor)."""
    d, key, *default = args
    if not isinstance(d, dict) or not isinstance(key, str):
        raise TorchScriptImportError("dict.get needs a dict with str keys and a str key known at "
                                     "compile time", user_frame(frames))
    return d.get(key, default[0] if default else None)


def _isinstance(imp, node, args, env, frames):
    """`isinstance(v, T)` where TorchScript left it to run time (Optional,
    Union): every value's type is known at import."""
    (v,) = args
    return any(_has_type(v, t) for t in node.tys("types"))


def _has_type(v, t) -> bool:
    kind = t.kind()
    if kind == "TensorType":
        return is_tensor(v)
    if kind == "NoneType":
        return v is None
    if kind in ("IntType", "FloatType", "BoolType"):
        return scalars.kind_of(v) == {"IntType": scalars.INT, "FloatType": scalars.FLOAT,
                                      "BoolType": scalars.BOOL}[kind]
    if kind == "ListType":
        return isinstance(v, (list, RowBuffer))
    if kind == "TupleType":
        return isinstance(v, tuple)
    if kind == "StringType":
        return isinstance(v, str)
    if kind == "DictType":
        return isinstance(v, dict)
    return False


def _compile_time_list(imp, frames, lst, what: str):
    if not isinstance(lst, list):
        raise TorchScriptImportError(f"{what} on {describe(lst)}: only lists known at compile "
                                     "time can be changed this way", user_frame(frames))
    return lst


def _list_insert(imp, node, args, env, frames):
    lst, i, v = args
    _compile_time_list(imp, frames, lst, "list.insert").insert(i, v)
    return None


def _list_pop(imp, node, args, env, frames):
    lst, *i = args
    lst = _compile_time_list(imp, frames, lst, "list.pop")
    try:
        return lst.pop(*i)
    except IndexError:
        raise TorchScriptImportError("pop from an empty list or out of range",
                                     user_frame(frames)) from None


def _list_reverse(imp, node, args, env, frames):
    _compile_time_list(imp, frames, args[0], "list.reverse").reverse()
    return None


def _list_clear(imp, node, args, env, frames):
    _compile_time_list(imp, frames, args[0], "list.clear").clear()
    return None


def _sum_list(imp, node, args, env, frames):
    """`sum(xs)` of a list of numbers (some may be known only at run time)."""
    (lst,) = args
    total = 0
    for v in lst:
        total = total + v if not (is_runtime_scalar(v) or is_runtime_scalar(total)) else \
            scalars.build("aten::add", [total, v])
    return total


# Folded like the other compile-time Python operations.
FOLDABLE = {
    "aten::keys": lambda d: list(d.keys()), "aten::values": lambda d: list(d.values()),
    "aten::items": lambda d: list(d.items()),
}
# By node kind.
PRIM = {
    "prim::TupleConstruct": _prim_tuple,
    "prim::TupleIndex": _prim_tuple_index,
    "prim::DictConstruct": _prim_dict,
    "aten::_set_item": _set_item,
    "aten::get": _dict_get,
    "prim::isinstance": _isinstance,
    "aten::insert": _list_insert,
    "aten::pop": _list_pop,
    "aten::reverse": _list_reverse,
    "aten::clear": _list_clear,
}
# Overloads of aten ops whose other overloads take tensors.
BY_SCHEMA = {
    "aten::sum.int": _sum_list,
    "aten::sum.float": _sum_list,
}
