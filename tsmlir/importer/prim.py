"""prim:: nodes (and the few aten:: nodes on compile-time values) -> tsm.

In: a TorchScript node whose kind is a key of `PRIM`, its inputs already
translated (MLIR values, compile-time Python values, module/object
references).  Out: the node's value (or, for the kinds in `MULTI_OUTPUT`, the
list of its outputs).  Calls (prim::CallMethod / CallFunction) are inlined
through `Importer.run_graph`; if/loop go to `control_flow`.  Handlers take
(importer, node, args, env, frames) like the dispatch in `graph.Importer`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from mlir import ir

from ..errors import SourceLoc, TorchScriptImportError
from . import control_flow, scalars
from .locations import node_frame, user_frame
from .values import (UNINIT, UNKNOWN, DynSize, FunctionRef, ModuleRef, ObjectValue,
                     is_runtime_scalar)

if TYPE_CHECKING:
    from .graph import Importer

#: Marks a module attribute the program has not assigned (see _prim_getattr).
NOT_WRITTEN = object()


def _prim_constant(imp: Importer, node, args, env, frames):
    out = node.output()
    kind = out.type().kind()
    if kind == "NoneType":
        return None
    if kind == "FunctionType":
        return FunctionRef(out.type().annotation_str)
    value = out.toIValue()
    if isinstance(value, torch.Tensor):
        return imp.constant(value)
    return value


def _prim_getattr(imp: Importer, node, args, env, frames):
    (owner,) = args
    name = node.s("name")
    if isinstance(owner, ObjectValue):
        if name not in owner.fields:
            raise TorchScriptImportError(f"field '{name}' of {owner!r} is read before it is set",
                                         user_frame(frames))
        return owner.fields[name]
    if not isinstance(owner, ModuleRef):
        raise TorchScriptImportError(f"prim::GetAttr on {owner!r} is not supported",
                                     user_frame(frames))
    written = imp.attribute_writes.get((id(owner.obj), name), NOT_WRITTEN)
    if written is not NOT_WRITTEN:
        value, block, where, _ = written
        if block == imp._entry or block == ir.InsertionPoint.current.block:
            return value
        raise TorchScriptImportError(
            f"self.{name} is assigned inside a run-time branch or loop (at {where}) and read "
            "outside it: not supported; return the value instead",
            user_frame(frames) or _first_use_frame(node))
    value = getattr(owner.obj, name)
    if isinstance(value, torch.jit.ScriptModule):
        return ModuleRef(value, owner.child(name))
    imp.attribute_reads.add((id(owner.obj), name))
    if isinstance(value, torch.Tensor):
        param = imp.parameter(owner, name, value)
        return param if param is not None else \
            imp.constant(value, f"{owner.obj.original_name}.{name}")
    t = node.output().type()
    if t.kind() == "ClassType" and hasattr(value, "__dict__"):  # a TorchScript class instance
        return imp.object_value(value, t.qualified_name())
    return value


def _first_use_frame(node) -> SourceLoc | None:
    """Where a node without a source position (e.g. an attribute read) is used."""
    return next((f for f in (node_frame(u.user) for u in node.output().uses()) if f), None)


def _prim_setattr(imp: Importer, node, args, env, frames):
    """Fields of TorchScript objects.  A module attribute written by the
    program is seen by later reads of the same call where the value is
    visible (see _prim_getattr); one the call read first is state for the
    next call (Importer.write_attribute)."""
    owner, value = args
    if isinstance(owner, ObjectValue):
        owner.fields[node.s("name")] = value
    elif isinstance(owner, ModuleRef):
        imp.write_attribute(owner, node.s("name"), value,
                            user_frame(frames) or node_frame(node.inputsAt(1).node()))
    return None


def _prim_createobject(imp: Importer, node, args, env, frames):
    return ObjectValue(node.output().type().qualified_name())


def _prim_callmethod(imp: Importer, node, args, env, frames):
    owner, name = args[0], node.s("name")
    if isinstance(owner, ObjectValue):
        fn = _find_function(f"{owner.qualified_name}.{name}")
        if fn is None:
            raise TorchScriptImportError(f"cannot find the method '{name}' of class "
                                         f"{owner.qualified_name}", user_frame(frames))
        return _call(imp, node, fn.graph, args, env, frames)
    if name == "__len__" and not owner.obj._c._has_method(name):
        # ModuleList / Sequential length, known at compile time; scripted
        # containers (and those of a loaded archive, whose Python objects
        # have no len()) carry it as a compiled method returning a constant
        return [len(owner.obj)]
    # _get_method: the compiled method even where the Python attribute is a
    # plain function (traced submodules).
    return _call(imp, node, owner.obj._c._get_method(name).graph, args, env, frames)


def _find_function(qualified: str):
    return torch.jit._state._python_cu.find_function(qualified)


def has_unresolvable_calls(graph) -> bool:
    return any(n.kind() == "prim::CallFunction"
               and _find_function(n.inputsAt(0).type().annotation_str) is None
               for n in graph.findAllNodes("prim::CallFunction", True))


def _causal_hint(mask, is_causal=None, size=None):
    """nn.Transformer*'s `_detect_is_causal_mask`: whether `mask` is the causal
    mask, by comparing it with one at run time.  The answer is only a hint
    (is_causal lets attention skip reading the mask; with the mask itself
    the result is the same), so it is False unless the caller says True: a
    run-time answer would make the attention mask None on one path and a
    tensor on the other, which has no single type."""
    return is_causal if is_causal is not None else False


#: TorchScript library functions replaced by their value at import.
_KNOWN_FUNCTIONS = {
    "__torch__.torch.nn.modules.transformer._detect_is_causal_mask": _causal_hint,
}


def _prim_callfunction(imp: Importer, node, args, env, frames):
    qualified = args[0].qualified_name
    if qualified in _KNOWN_FUNCTIONS:
        return [_KNOWN_FUNCTIONS[qualified](*args[1:])]
    fn = _find_function(qualified)
    if fn is None:
        raise TorchScriptImportError(f"cannot find the TorchScript function '{qualified}'",
                                     user_frame(frames))
    return _call(imp, node, fn.graph, args[1:], env, frames, first_input=1)


def _call(imp: Importer, node, graph, args, env, frames, first_input: int = 0) -> list:
    """Inline a call; a tensor argument the callee mutates in place is
    rebound in the caller too."""
    rebinds: list = []
    outs = imp.run_graph(graph, args, frames, rebinds)
    for i, new in rebinds:
        env[node.inputsAt(first_input + i).unique()] = new
    return outs


def _prim_list(imp, node, args, env, frames):
    return list(args)


def _aten_is(imp, node, args, env, frames):
    """`x is None` / `x is not None`: known at compile time, since a value is
    None only where it was compiled for None (Optional arguments)."""
    a, b = args
    if isinstance(a, ir.Value) or isinstance(b, ir.Value) or is_runtime_scalar(a) \
            or is_runtime_scalar(b):
        same = a == b if isinstance(a, ir.Value) and isinstance(b, ir.Value) else False
    else:
        same = a is b
    return same if node.kind() == "aten::__is__" else not same


def _unchecked_cast(imp, node, args, env, frames):
    return args[0]


def _prim_unpack(imp, node, args, env, frames):
    return list(args[0])


def _prim_if(imp: Importer, node, args, env, frames):
    cond = args[0]
    if cond is UNKNOWN:
        return [UNKNOWN] * node.outputsSize()
    if not isinstance(cond, bool):
        return control_flow.import_if(imp, node, scalars.value(cond, scalars.BOOL), env, frames)
    blocks = list(node.blocks())
    return imp.run_block(blocks[0] if cond else blocks[1], env, frames)


def _prim_loop(imp: Importer, node, args, env, frames):
    return control_flow.import_loop(imp, node, args, env, frames)


def _prim_uninitialized(imp, node, args, env, frames):
    return UNINIT


def _aten_size(imp, node, args, env, frames):
    x, *dim = args
    t = ir.RankedTensorType(x.type)
    sizes = [DynSize(x, i) if t.is_dynamic_dim(i) else t.shape[i] for i in range(t.rank)]
    if not dim:
        return sizes
    (d,) = dim
    if not isinstance(d, int):
        # x.size(i) with i known only at run time: reported with the unsupported
        # ops, which makes a loop over compile-time dims unroll (`i` then known).
        imp.unsupported.append(("aten::size.int (a dim known only at run time)",
                                user_frame(frames)))
        return UNKNOWN
    if not -t.rank <= d < t.rank:
        raise TorchScriptImportError(
            f"dimension {d} out of range for a tensor of rank {t.rank}", user_frame(frames))
    return sizes[d]


def _num_to_tensor(imp, node, args, env, frames):
    """Traced graphs wrap sizes as 0-d tensors and unwrap them with aten::Int:
    a compile-time number (or a run-time size) stays what it is."""
    (value,) = args
    if isinstance(value, (bool, int, float, DynSize)):
        return value
    return scalars.num_to_tensor(value)


def _aten_int(imp, node, args, env, frames):
    (value,) = args
    if isinstance(value, DynSize):
        return value
    if isinstance(value, (bool, int, float)):
        return int(value)
    return scalars.build("aten::Int", [value])


def _aten_dim(imp, node, args, env, frames):
    return ir.RankedTensorType(args[0].type).rank


# prim handlers that return the list of node outputs (graph calls, unpacking).
MULTI_OUTPUT = {"prim::CallMethod", "prim::CallFunction", "prim::If", "prim::Loop",
                 "prim::ListUnpack", "prim::TupleUnpack"}
PRIM = {
    "prim::Constant": _prim_constant,
    "prim::GetAttr": _prim_getattr,
    "prim::CallMethod": _prim_callmethod,
    "prim::CallFunction": _prim_callfunction,
    "prim::ListConstruct": _prim_list,
    "prim::CreateObject": _prim_createobject,
    "prim::SetAttr": _prim_setattr,
    "aten::__is__": _aten_is,
    "aten::__isnot__": _aten_is,
    "prim::unchecked_cast": _unchecked_cast,
    "prim::ListUnpack": _prim_unpack,
    "prim::TupleUnpack": _prim_unpack,
    "prim::If": _prim_if,
    "prim::Loop": _prim_loop,
    "prim::Uninitialized": _prim_uninitialized,
    "aten::size": _aten_size,
    "aten::dim": _aten_dim,
    "prim::NumToTensor": _num_to_tensor,
    "aten::Int": _aten_int,
}
