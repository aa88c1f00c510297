"""TorchScript graph -> tsm `func.func`.

The importer walks the (non-inlined) graph of a method, inlining
`prim::CallMethod` / `prim::CallFunction` itself so that every op keeps the
chain of call sites (user line first in errors).  Module attributes are read
at import: parameters and buffers become constants (frozen), numbers and
lists fold.  `prim::` nodes have hand-written handlers here; `aten::` nodes go
through the schema table in `aten/` (one module per family).  Every
unsupported op of a program is collected and reported together.
"""
from __future__ import annotations

import operator
from typing import Any

import numpy as np
import torch
from mlir import ir
from mlir.dialects import func

from ..dialects import build as build_op
from ..dialects.types import DYN, TensorT, element_type, to_mlir
from ..errors import SourceLoc, TorchScriptImportError, UnsupportedOpError
from . import control_flow, scalars
from .aten import ATEN
from .context import NodeContext
from .locations import mlir_location, node_frame, user_frame
from .values import UNINIT, UNKNOWN, DynSize, FunctionRef, ModuleRef, is_runtime_scalar, is_tensor

# Small constants print inline; bigger ones become dense_resource blobs.
_INLINE_LIMIT = 16

# Python-level ops on compile-time constants (ints, floats, bools, lists, None).
_FOLDABLE = {
    "aten::add": operator.add, "aten::sub": operator.sub, "aten::mul": operator.mul,
    "aten::floordiv": operator.floordiv, "aten::remainder": operator.mod,
    "aten::neg": operator.neg, "aten::div": operator.truediv,
    "aten::eq": operator.eq, "aten::ne": operator.ne, "aten::lt": operator.lt,
    "aten::le": operator.le, "aten::gt": operator.gt, "aten::ge": operator.ge,
    "aten::__not__": operator.not_, "aten::__and__": operator.and_, "aten::__or__": operator.or_,
    "aten::__is__": operator.is_, "aten::__isnot__": operator.is_not,
    "aten::__contains__": operator.contains,
    "aten::__getitem__": operator.getitem, "aten::len": len,
    "aten::Float": float, "aten::Bool": bool,
    "aten::list": list, "prim::unchecked_cast": lambda x: x, "prim::min": min, "prim::max": max,
}
# Nodes with no effect on a compiled inference program.
_IGNORED = {"aten::warn", "prim::SetAttr"}


class Importer:
    def __init__(self, module: torch.jit.ScriptModule):
        self.root = module
        self.unsupported: list[tuple[str, SourceLoc | None]] = []
        self._constants: dict[tuple, ir.Value] = {}
        # The tensor behind each constant, for handlers that fold at import.
        self.tensors: dict[ir.Value, torch.Tensor] = {}
        self._blobs = 0

    # -- entry ---------------------------------------------------------------
    def import_method(self, name: str, specs: list[TensorT]) -> tuple[ir.Module, Any]:
        """Build `func.func @<name>`; returns the module and the output structure
        (nested tuples/lists of result indices)."""
        graph = getattr(self.root, name).graph
        n_user = len(list(graph.inputs())) - 1
        if len(specs) != n_user:
            raise TorchScriptImportError(
                f"'{name}' takes {n_user} input(s) but {len(specs)} spec(s) were given")
        module = ir.Module.create()
        arg_types = [to_mlir(s) for s in specs]
        with ir.InsertionPoint(module.body):
            fn = func.FuncOp(name, ir.FunctionType.get(arg_types, []))
            fn.attributes["llvm.emit_c_interface"] = ir.UnitAttr.get()
            entry = fn.add_entry_block()
        self._entry = entry
        with ir.InsertionPoint(entry):
            outs = self.run_graph(graph, [ModuleRef(self.root), *entry.arguments], [])
            if self.unsupported:
                raise UnsupportedOpError(self.unsupported)
            flat: list[ir.Value] = []
            structure = _flatten(outs[0] if len(outs) == 1 else tuple(outs), flat)
            func.ReturnOp(flat)
            for op in list(entry.operations):  # e.g. weights only read pre-packed
                if op.name == "tsm.constant" and not list(op.result.uses):
                    op.erase()
        fn.attributes["function_type"] = ir.TypeAttr.get(
            ir.FunctionType.get(arg_types, [v.type for v in flat]))
        return module, structure

    # -- graphs ----------------------------------------------------------------
    def run_graph(self, graph: torch._C.Graph, args: list, frames: list[SourceLoc]) -> list:
        if _has_unresolvable_calls(graph):
            # Functions of a loaded archive live in its own compilation unit,
            # which Python cannot reach: let TorchScript inline them instead
            # (the inlined ops keep their innermost source position only).
            graph = graph.copy()
            torch._C._jit_pass_inline(graph)
        env: dict[int, Any] = {}
        for v, a in zip(graph.inputs(), args):
            env[v.unique()] = a
        return self.run_block(graph, env, frames)

    def run_block(self, block, env: dict[int, Any], frames: list[SourceLoc]) -> list:
        for node in block.nodes():
            self.visit(node, env, frames)
        return [env[v.unique()] for v in block.outputs()]

    def visit(self, node: torch._C.Node, env: dict[int, Any], frames: list[SourceLoc]):
        kind = node.kind()
        own = node_frame(node)
        here = [own, *frames] if own else list(frames)
        args = [env[v.unique()] for v in node.inputs()]
        outputs = list(node.outputs())
        if any(a is UNKNOWN for a in args) and kind != "prim::If":
            # Downstream of an unsupported op: still report this op if it is
            # unsupported too, so the user sees every missing op at once.
            if not _is_supported(node):
                self.unsupported.append((_schema_name(node), user_frame(here)))
            results = [UNKNOWN] * len(outputs)
        else:
            with mlir_location(kind, here):
                results = self.dispatch(node, kind, args, env, here)
        for v, r in zip(outputs, results):
            env[v.unique()] = r

    def dispatch(self, node, kind: str, args: list, env, frames) -> list:
        """Translate one node; returns the list of its outputs' values."""
        n = node.outputsSize()
        handler = _PRIM.get(kind)
        if handler is not None:
            value = handler(self, node, args, env, frames)
            return list(value) if kind in _MULTI_OUTPUT else _as_outputs(value, n)
        if kind in _IGNORED:
            return [None] * n
        cx = NodeContext(self, node, frames)
        schema = _schema_name(node)
        fn = ATEN.get(schema)
        if fn is not None:
            return _as_outputs(fn(cx, *args), n)
        if schema.split(".")[0].endswith("_"):  # in-place variant: out-of-place + rebind
            base, _, overload = schema.partition(".")
            fn = ATEN.get(base[:-1] + ("." + overload if overload else ""))
            if fn is not None and is_tensor(args[0]):
                result = fn(cx, *args)
                env[node.inputsAt(0).unique()] = result
                return _as_outputs(result, n)
        if scalars.applies(kind, args):
            return _as_outputs(scalars.build(kind, args), n)
        fold = _FOLDABLE.get(kind) or scalars.SCALAR_OPS.get(kind, (None,))[0]
        if fold is not None and not any(isinstance(a, ir.Value) or is_runtime_scalar(a)
                                        for a in args):
            try:
                return _as_outputs(fold(*args), n)
            except Exception as e:
                cx.fail(f"could not evaluate at compile time: {e}")
        self.unsupported.append((schema, user_frame(frames)))
        return [UNKNOWN] * n

    # -- constants ---------------------------------------------------------------
    def constant(self, value: torch.Tensor, name: str = "") -> ir.Value:
        """A tensor constant, hoisted to the function entry and deduplicated."""
        value = value.detach()
        key = (value.data_ptr(), value.dtype, tuple(value.shape), tuple(value.stride())) \
            if value.numel() > _INLINE_LIMIT else None
        if key is not None and key in self._constants:
            return self._constants[key]
        t = to_mlir(TensorT(tuple(value.shape), value.dtype))
        shape = None
        if value.numel() <= _INLINE_LIMIT:
            attr = _dense_attr(value, t)
        else:
            self._blobs += 1
            blob = _buffer(value).reshape(-1)
            if value.dim() != 1:  # stored flat, see tsm.constant
                shape = list(value.shape)
                t = to_mlir(TensorT((value.numel(),), value.dtype))
            attr = ir.DenseResourceElementsAttr.get_from_buffer(
                blob, _resource_name(name, self._blobs), t)
        first = self._entry.operations[0] if len(self._entry.operations) else None
        ip = ir.InsertionPoint(first) if first is not None else ir.InsertionPoint(self._entry)
        with ip:
            (result,) = build_op("constant", [], value=attr, shape=shape)
        if key is not None:
            self._constants[key] = result
        self.tensors[result] = value
        return result


def _resource_name(name: str, n: int) -> str:
    clean = "".join(c if c.isalnum() or c in "._" else "_" for c in name) or "const"
    return f"{clean}_{n}"


def _buffer(value: torch.Tensor) -> np.ndarray:
    v = value.contiguous().clone()
    if v.dtype == torch.bfloat16:
        return v.view(torch.int16).numpy()
    if v.dtype == torch.bool:
        return v.to(torch.uint8).numpy()
    return v.numpy()


def _dense_attr(value: torch.Tensor, t: ir.RankedTensorType) -> ir.Attribute:
    elem = t.element_type
    flat = value.flatten().tolist()
    if value.dtype.is_floating_point:
        attrs = [ir.FloatAttr.get(elem, float(x)) for x in flat]
    else:
        attrs = [ir.IntegerAttr.get(elem, int(x)) for x in flat]
    if value.dim() == 0 or len(set(flat)) == 1 and flat:
        return ir.DenseElementsAttr.get_splat(t, attrs[0])
    return ir.DenseElementsAttr.get(attrs, type=t) if attrs else \
        ir.DenseElementsAttr.get(np.zeros(tuple(value.shape), dtype=np.float32), type=t)


def _as_outputs(value, n: int) -> list:
    """A handler returns the value of a single-output node, or a sequence of
    values for a multi-output node."""
    if n == 1:
        return [value]
    return [] if n == 0 else list(value)


def _is_supported(node: torch._C.Node) -> bool:
    kind, schema = node.kind(), _schema_name(node)
    if kind in _PRIM or kind in _IGNORED or kind in _FOLDABLE or schema in ATEN \
            or kind in scalars.SCALAR_OPS:
        return True
    base, _, overload = schema.partition(".")
    return base.endswith("_") and (base[:-1] + ("." + overload if overload else "")) in ATEN


def _schema_name(node: torch._C.Node) -> str:
    try:
        return node.schema().split("(")[0]
    except RuntimeError:  # prim:: nodes have no schema
        return node.kind()


def _flatten(value, flat: list[ir.Value]):
    if isinstance(value, (tuple, list)):
        return type(value)(_flatten(v, flat) for v in value)
    if is_tensor(value):
        flat.append(value)
        return len(flat) - 1
    raise TorchScriptImportError(
        f"only tensors (and tuples/lists of tensors) can be returned for now, got {value!r}")


# -- prim:: handlers -----------------------------------------------------------
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
    if not isinstance(owner, ModuleRef):
        raise TorchScriptImportError(f"prim::GetAttr on {owner!r} is not supported",
                                     user_frame(frames))
    name = node.s("name")
    value = getattr(owner.obj, name)
    if isinstance(value, torch.jit.ScriptModule):
        return ModuleRef(value)
    if isinstance(value, torch.Tensor):
        return imp.constant(value, f"{owner.obj.original_name}.{name}")
    return value


def _prim_callmethod(imp: Importer, node, args, env, frames):
    owner, name = args[0], node.s("name")
    if name == "__len__":  # ModuleList / Sequential length: known at compile time
        return [len(owner.obj)]
    # _get_method: the compiled method even where the Python attribute is a
    # plain function (traced submodules).
    return imp.run_graph(owner.obj._c._get_method(name).graph, args, frames)


def _find_function(qualified: str):
    return torch.jit._state._python_cu.find_function(qualified)


def _has_unresolvable_calls(graph) -> bool:
    return any(n.kind() == "prim::CallFunction"
               and _find_function(n.inputsAt(0).type().annotation_str) is None
               for n in graph.findAllNodes("prim::CallFunction", True))


def _prim_callfunction(imp: Importer, node, args, env, frames):
    qualified = args[0].qualified_name
    fn = _find_function(qualified)
    if fn is None:
        raise TorchScriptImportError(f"cannot find the TorchScript function '{qualified}'",
                                     user_frame(frames))
    return imp.run_graph(fn.graph, args[1:], frames)


def _prim_list(imp, node, args, env, frames):
    return list(args)


def _prim_tuple(imp, node, args, env, frames):
    return tuple(args)


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


def _prim_raise(imp, node, args, env, frames):
    msg = next((a for a in args if isinstance(a, str)), "exception")
    raise TorchScriptImportError(f"the program always raises here: {msg}", user_frame(frames))


def _aten_size(imp, node, args, env, frames):
    x, *dim = args
    t = ir.RankedTensorType(x.type)
    sizes = [DynSize(x, i) if t.is_dynamic_dim(i) else t.shape[i] for i in range(t.rank)]
    if dim:
        return sizes[dim[0]]
    return sizes


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
_MULTI_OUTPUT = {"prim::CallMethod", "prim::CallFunction", "prim::If", "prim::Loop",
                 "prim::ListUnpack", "prim::TupleUnpack"}
_PRIM = {
    "prim::Constant": _prim_constant,
    "prim::GetAttr": _prim_getattr,
    "prim::CallMethod": _prim_callmethod,
    "prim::CallFunction": _prim_callfunction,
    "prim::ListConstruct": _prim_list,
    "prim::TupleConstruct": _prim_tuple,
    "prim::ListUnpack": _prim_unpack,
    "prim::TupleUnpack": _prim_unpack,
    "prim::If": _prim_if,
    "prim::Loop": _prim_loop,
    "prim::Uninitialized": _prim_uninitialized,
    "prim::RaiseException": _prim_raise,
    "aten::size": _aten_size,
    "aten::dim": _aten_dim,
    "prim::NumToTensor": _num_to_tensor,
    "aten::Int": _aten_int,
}


def import_module(module: torch.jit.ScriptModule, specs: list[TensorT],
                  method: str = "forward") -> tuple[ir.Module, Any]:
    """Translate `module.<method>` for inputs of the given types; must be
    called with an MLIR context (tsmlir.context.new_context) active."""
    with ir.Location.unknown():
        return Importer(module).import_method(method, specs)


__all__ = ["import_module", "Importer", "DYN", "element_type"]
