"""TorchScript graph -> tsm `func.func`.

The importer walks the (non-inlined) graph of a method, inlining
`prim::CallMethod` / `prim::CallFunction` itself so that every op keeps the
chain of call sites (user line first in errors).  Module attributes are read
at import: parameters and buffers become constants (frozen) or, with
`freeze=False`, extra function arguments after the user's (named by their
state-dict key, see `ImportedMethod.params`); numbers and lists fold.

The function's arguments follow the specs (`tsmlir.specs`): a tensor is a
tensor argument, a run-time scalar a 0-d tensor argument read once at entry,
a `Static` value or None is no argument at all (folded).  Results are
tensors; a run-time scalar result is returned as a 0-d tensor and the
output structure says how the runtime rebuilds the Python value (tuples,
lists, NamedTuples, numbers known at compile time).  `prim::` nodes have
hand-written handlers (`prim`, `side_effects`, `containers`); `aten::` nodes
go through the schema table in `aten/` (one module per family).  Every
unsupported op of a program is collected and reported together.
"""
from __future__ import annotations

import operator
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from mlir import ir
from mlir.dialects import func

from ..dialects import build as build_op
from ..dialects.types import DYN, TensorT, element_type, to_mlir
from ..errors import (SourceLoc, StaticSizeRequired, StaticValueRequired, TorchScriptImportError,
                      UnsupportedOpError)
from ..specs import (SCALAR_DTYPES, Literal, NamedTupleResult, RowsResult, ScalarResult,
                     ScalarSpec, Static, TensorSpec, runtime_leaves)
from . import containers, prim, scalars, side_effects, signature
from .aten import ATEN
from .aten.data_movement import write_back
from .context import NodeContext
from .locations import mlir_location, node_frame, user_frame
from .values import (UNKNOWN, DynSize, ModuleRef, ObjectValue, RowBuffer,
                     is_runtime_scalar, is_tensor)

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
    # compile-time size lists: sliced and looped over by torch.nn.functional's
    # checks (group_norm, instance_norm)
    "aten::slice": lambda seq, start=None, end=None, step=1: seq[start:end:step],
    "aten::__range_length": lambda lo, hi, step: len(range(lo, hi, step)),
    "aten::__derive_index": lambda index, start, step: start + index * step,
    # any/all of a compile-time list (nn.MultiheadAttention's fast-path checks)
    "aten::any": lambda seq: any(_known_items(seq)),
    "aten::all": lambda seq: all(_known_items(seq)),
}


def _known_items(seq):
    if not isinstance(seq, list) or any(isinstance(v, ir.Value) for v in seq):
        raise ValueError(f"expected a list of compile-time values, got {seq!r}")
    return seq
# Nodes with no effect on a compiled inference program.
_IGNORED = {"aten::warn"}
_PY_KIND = {scalars.INT: int, scalars.FLOAT: float, scalars.BOOL: bool}


@dataclass
class ImportedMethod:
    """`func.func @<method>` and how to call it."""
    module: ir.Module
    structure: Any     # see tsmlir.specs (result indices, ScalarResult, Literal, ...)
    specs: list        # one per user argument (TensorSpec, ScalarSpec, Static, None)
    params: list[str]  # state-dict names of the trailing parameter arguments (freeze=False)
    # (argument, result) pairs: an argument's index, or the state-dict name of a
    # parameter or buffer the call changes for the next one (freeze=False)
    writebacks: list[tuple[int | str, int]] = field(default_factory=list)
    arg_names: list[str] = field(default_factory=list)
    # The data of each dense_resource constant, by the attribute's text (the
    # JIT binds them at run time instead of compiling them into the code).
    blobs: dict[str, Any] = field(default_factory=dict)


class Importer:
    def __init__(self, module: torch.jit.ScriptModule, freeze: bool = True):
        self.root = module
        self.freeze = freeze
        # Run-time parameters by state-dict name (freeze=False), in argument order.
        self.params: dict[str, ir.Value] = {}
        self._param_names: dict[int, set[str]] = {}
        # Module attributes assigned by the program so far: (id(module), name) ->
        # (value, block, where, owner ModuleRef).
        self.attribute_writes: dict[tuple[int, str], Any] = {}
        # Attributes whose value before any write was read (a read after a
        # write sees the written value): those also written are state.
        self.attribute_reads: set[tuple[int, str]] = set()
        self._objects: dict[int, ObjectValue] = {}
        self._return_loc: SourceLoc | None = None
        self.unsupported: list[tuple[str, SourceLoc | None]] = []
        self._constants: dict[tuple, ir.Value] = {}
        # The tensor behind each constant, for handlers that fold at import.
        self.tensors: dict[ir.Value, torch.Tensor] = {}
        self._blobs = 0
        self.blobs: dict[str, np.ndarray] = {}

    # -- entry ---------------------------------------------------------------
    def import_method(self, name: str, specs: list) -> ImportedMethod:
        """Build `func.func @<name>` for arguments described by `specs`."""
        compiled, specs = signature.resolve(self.root, name, list(specs))
        method = getattr(self.root, compiled)
        module = ir.Module.create()
        arg_types = [to_mlir(s.tensor_type()) for spec in specs for s in runtime_leaves(spec)]
        with ir.InsertionPoint(module.body):
            fn = func.FuncOp(name, ir.FunctionType.get(arg_types, []))
            fn.attributes["llvm.emit_c_interface"] = ir.UnitAttr.get()
            entry = fn.add_entry_block()
        self._entry = entry
        with ir.InsertionPoint(entry):
            args = _bind_arguments(specs, list(entry.arguments))
            rebinds: list = []
            outs = self.run_graph(method.graph, [ModuleRef(self.root), *args], [], rebinds)
            if self.unsupported:
                raise UnsupportedOpError(self.unsupported)
            flat: list[ir.Value] = []
            returned = method.graph.return_node().inputsAt(0).node()
            self._return_loc = node_frame(returned) or node_frame(method.graph.return_node())
            structure = self._flatten(outs[0] if len(outs) == 1 else tuple(outs), flat)
            # Arguments mutated in place come back as extra results, copied
            # into the caller's tensors by the runtime.
            writebacks = []
            for i, new in rebinds:
                flat.append(new)
                writebacks.append((i - 1, len(flat) - 1))
            # Module state changed for the next call: copied into the
            # compiled module's state after the call.
            for key, new in self._state_results():
                flat.append(new)
                writebacks.append((key, len(flat) - 1))
            func.ReturnOp(flat)
            for op in list(entry.operations):  # e.g. weights only read pre-packed
                if op.name == "tsm.constant" and not list(op.result.uses):
                    op.erase()
        fn.attributes["function_type"] = ir.TypeAttr.get(
            ir.FunctionType.get([a.type for a in entry.arguments], [v.type for v in flat]))
        names = [a.name for a in list(method.schema.arguments)[1:]]
        return ImportedMethod(module, structure, specs, list(self.params), writebacks, names,
                              self.blobs)

    def write_attribute(self, owner: ModuleRef, name: str, value, where: SourceLoc | None):
        """`self.<name> = value` (or an in-place change of it): seen by later
        reads of this call; if this call read the old value first, the next
        call reads the new one (state, see _state_results)."""
        self.attribute_writes[(id(owner.obj), name)] = \
            (value, ir.InsertionPoint.current.block, where, owner)

    def _state_results(self) -> list[tuple[str, ir.Value]]:
        """(state-dict name, new value) of each parameter or buffer the call
        changes after reading it; anything else kept between calls is refused
        (with freeze=True such values are folded into the code)."""
        out = []
        for (_, name), (value, block, where, owner) in self.attribute_writes.items():
            if (id(owner.obj), name) not in self.attribute_reads:
                continue
            current = getattr(owner.obj, name)
            what = f"self.{name} is changed here and the next call reads the new value"
            if not isinstance(current, torch.Tensor):
                raise TorchScriptImportError(
                    f"{what}: only parameters and buffers can be kept between calls "
                    "(as state with freeze=False)", where)
            param = self.parameter(owner, name, current)
            if param is None:
                raise TorchScriptImportError(
                    f"{what}: " + ("compile with freeze=False to keep it as the compiled "
                                   "module's state (freeze=True folds it into the code; "
                                   "ahead-of-time code keeps no state)"
                                   if self.freeze else "only parameters and buffers can be "
                                   "kept between calls (register it as a buffer)"), where)
            if block != self._entry:
                raise TorchScriptImportError(
                    f"{what}, but it is assigned inside a run-time branch or loop: not "
                    "supported", where)
            if not is_tensor(value) or value.type != param.type:
                got = value.type if is_tensor(value) else value
                raise TorchScriptImportError(
                    f"{what}, with another shape or dtype ({got} instead of {param.type}): "
                    "not supported", where)
            out.append((owner.child(name), value))
        return out

    def parameter(self, owner: ModuleRef, name: str, value: torch.Tensor) -> ir.Value | None:
        """With freeze=False, a parameter or buffer of `owner` as a run-time
        argument (added once per state-dict name); None for other tensors."""
        if self.freeze:
            return None
        obj = owner.obj
        names = self._param_names.get(id(obj))
        if names is None:
            names = {n for n, _ in obj.named_parameters(recurse=False)} | \
                {n for n, _ in obj.named_buffers(recurse=False)}
            self._param_names[id(obj)] = names
        if name not in names:
            return None
        key = owner.child(name)
        if key not in self.params:
            t = to_mlir(TensorT(tuple(value.shape), value.dtype))
            self.params[key] = self._entry.add_argument(t, ir.Location.unknown())
        return self.params[key]

    def object_value(self, obj, qualified_name: str) -> ObjectValue:
        """A TorchScript class instance held by a module, as an ObjectValue
        (one per instance, so that field writes are seen by later reads)."""
        found = self._objects.get(id(obj))
        if found is None:
            found = ObjectValue(qualified_name)
            for k, v in vars(obj).items():
                found.fields[k] = self.constant(v, k) if isinstance(v, torch.Tensor) else v
            self._objects[id(obj)] = found
        return found

    def _flatten(self, value, flat: list[ir.Value]):
        """The output structure of `value`; its tensors appended to `flat`."""
        if is_tensor(value):
            flat.append(value)
            return len(flat) - 1
        if containers.is_namedtuple(value):
            return NamedTupleResult(type(value), tuple(self._flatten(v, flat) for v in value))
        if isinstance(value, (tuple, list)):
            return type(value)(self._flatten(v, flat) for v in value)
        if isinstance(value, dict):
            return {k: self._flatten(v, flat) for k, v in value.items()}
        if isinstance(value, (bool, int, float, str)) or value is None:
            return Literal(value)
        kind = scalars.kind_of(value)
        if kind is not None:
            py = _PY_KIND[kind]
            flat.append(scalars.to_tensor(value, SCALAR_DTYPES[py]))
            return ScalarResult(len(flat) - 1, py)
        if isinstance(value, RowBuffer) and value.index is None and isinstance(value.length, int):
            rows = [build_op("select", [value.buffer, self.constant(torch.tensor(i))], dim=0)[0]
                    for i in range(value.length)]
            return self._flatten(rows, flat)
        if isinstance(value, RowBuffer) and value.index is None:  # run-time length
            flat.append(value.buffer)
            return RowsResult(len(flat) - 1)
        raise TorchScriptImportError(
            "only tensors, numbers, strings, None and tuples/lists/NamedTuples/dicts of them "
            f"can be returned, got {containers.describe(value)}", self._return_loc)

    # -- graphs ----------------------------------------------------------------
    def run_graph(self, graph: torch._C.Graph, args: list, frames: list[SourceLoc],
                  rebinds: list | None = None) -> list:
        """The graph's outputs; with `rebinds`, appends (input position, new
        value) for each tensor input an in-place op rebound (the caller's
        tensor is mutated too)."""
        if prim.has_unresolvable_calls(graph):
            # Functions of a loaded archive live in its own compilation unit,
            # which Python cannot reach: let TorchScript inline them instead
            # (the inlined ops keep their innermost source position only).
            graph = graph.copy()
            torch._C._jit_pass_inline(graph)
        env: dict[int, Any] = {}
        for v, a in zip(graph.inputs(), args):
            env[v.unique()] = a
        outs = self.run_block(graph, env, frames)
        if rebinds is not None:
            rebinds += [(i, env[v.unique()]) for i, (v, a) in enumerate(zip(graph.inputs(), args))
                        if is_tensor(a) and env[v.unique()] is not a]
        return outs

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
            containers.keep_shape(kind, args)
        else:
            with mlir_location(kind, here):
                try:
                    results = self.dispatch(node, kind, args, env, here)
                except TorchScriptImportError as e:
                    if type(e) is TorchScriptImportError and kind in _NO_STATIC_HINT:
                        raise UnsupportedListUse(e.message, e.loc) from None
                    if type(e) is not TorchScriptImportError or not _has_runtime_scalar(args) \
                            or _HINTED in e.message:  # (hinted at an inner call already)
                        raise
                    raise _static_hint(e, args) from None
        for v, r in zip(outputs, results):
            env[v.unique()] = r
        if kind == "aten::append" and isinstance(args[0], RowBuffer):
            # a list built in a loop is a value: later reads of the list (after
            # the if that appended, at the loop's yield) see the new rows
            env[node.inputsAt(0).unique()] = results[0]

    def dispatch(self, node, kind: str, args: list, env, frames) -> list:
        """Translate one node; returns the list of its outputs' values."""
        n = node.outputsSize()
        handler = _PRIM.get(kind)
        if handler is not None:
            value = handler(self, node, args, env, frames)
            return list(value) if kind in prim.MULTI_OUTPUT else _as_outputs(value, n)
        if kind in _IGNORED:
            return [None] * n
        cx = NodeContext(self, node, frames)
        schema = _schema_name(node)
        if schema in containers.BY_SCHEMA:  # overloads on compile-time containers
            return _as_outputs(containers.BY_SCHEMA[schema](self, node, args, env, frames), n)
        fn = ATEN.get(schema)
        if fn is not None:
            return _as_outputs(fn(cx, *args), n)
        if schema.split(".")[0].endswith("_"):  # in-place variant: out-of-place + rebind
            base, _, overload = schema.partition(".")
            fn = ATEN.get(base[:-1] + ("." + overload if overload else ""))
            if fn is not None and is_tensor(args[0]):
                result = fn(cx, *args)
                env[node.inputsAt(0).unique()] = result
                write_back(cx, env, node.inputsAt(0), result)  # into x of x[1:3] / x[0]
                return _as_outputs(result, n)
        if scalars.applies(kind, args):
            return _as_outputs(scalars.build(kind, args), n)
        if kind in ("aten::eq", "aten::ne") and len(args) == 2:
            same = scalars.compare_sequences(*args, equal=kind == "aten::eq")
            if same is not None:
                return _as_outputs(same, n)
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
            self.blobs[str(attr)] = blob
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
            or kind in scalars.SCALAR_OPS or schema in containers.BY_SCHEMA:
        return True
    base, _, overload = schema.partition(".")
    return base.endswith("_") and (base[:-1] + ("." + overload if overload else "")) in ATEN


def _schema_name(node: torch._C.Node) -> str:
    try:
        name = node.schema().split("(")[0]
    except RuntimeError:  # prim:: nodes have no schema
        return node.kind()
    return name or node.kind()  # "(no schema)"


def _has_runtime_scalar(args) -> bool:
    return any(is_runtime_scalar(a) or isinstance(a, (list, tuple)) and _has_runtime_scalar(a)
               for a in args)


_VALUE_REPR = re.compile(r"<mlir\._mlir_libs\._mlir\.ir\.\w+ object at 0x[0-9a-f]+>"
                         r"|OpResult\(%\S+ = .*? -> [^)]*\)")


_HINTED = "hint: a number known only at run time reaches this op"
#: List ops whose refusals (two appends in an iteration, an append after the
#: loop that built the list) a static number cannot cure: no hint.  An `if`
#: or a loop keeps it: a static condition or trip count folds or unrolls it
#: (a loop over a dynamic dim is compiled per size that way).
_NO_STATIC_HINT = ("aten::append", "aten::add_.t", "aten::add.t")


class UnsupportedListUse(TorchScriptImportError):
    """A list op's refusal (two appends in an iteration, an append after the
    loop that built the list): no static number cures it, so it passes up
    through the enclosing loops and ifs without the hint."""


def _has_dynamic_size(args) -> bool:
    return any(isinstance(a, DynSize) or isinstance(a, (list, tuple)) and _has_dynamic_size(a)
               for a in args)


def _static_hint(e: TorchScriptImportError, args) -> TorchScriptImportError:
    """An op refused a number known only at run time: say so, and how to fix
    it at compile time.  A dynamic dim's size: StaticSizeRequired."""
    message = _VALUE_REPR.sub("<a number known only at run time>", e.message)
    if _has_dynamic_size(args):
        return StaticSizeRequired(
            f"{message}\n  hint: the size of a dynamic dim reaches this op, which needs it at "
            "compile time; give that dim a static size", e.loc)
    return StaticValueRequired(
        f"{message}\n  {_HINTED}; if it comes from "
        "an argument, compile that argument as tsmlir.Static(value)", e.loc)


def _bind_arguments(specs: list, arguments: list[ir.Value]) -> list:
    """The graph's input values: tensors, run-time scalars read from their 0-d
    argument, compile-time values and None."""
    it = iter(arguments)

    def bind(s):
        if isinstance(s, TensorSpec):
            return next(it)
        if isinstance(s, ScalarSpec):
            return scalars.item(next(it))
        if isinstance(s, (tuple, list)):
            return type(s)(bind(x) for x in s)
        return s.value if isinstance(s, Static) else None
    return [bind(s) for s in specs]


_PRIM = dict(prim.PRIM)
_PRIM.update(side_effects.PRIM)  # print, format/str, raise
_PRIM.update(containers.PRIM)  # tuples, NamedTuples, dicts, list methods, isinstance
_FOLDABLE.update(containers.FOLDABLE)


def import_module(module: torch.jit.ScriptModule, specs: list, method: str = "forward",
                  freeze: bool = True) -> ImportedMethod:
    """Translate `module.<method>` for arguments described by `specs`
    (tsmlir.specs; a bare TensorT is taken as a TensorSpec); must be called
    with an MLIR context (tsmlir.context.new_context) active."""
    specs = [TensorSpec(s.shape, s.dtype) if isinstance(s, TensorT) else s for s in specs]
    with ir.Location.unknown():
        return Importer(module, freeze).import_method(method, specs)


__all__ = ["import_module", "ImportedMethod", "Importer", "DYN", "element_type"]
