"""Side effects at run time: `print`, string formatting, `raise` and `assert`.

In: `prim::Print`, `aten::format`, `aten::str`, `aten::warn` and
`prim::RaiseException` nodes (TorchScript's `assert cond, msg` is a
`prim::If` whose false branch raises).
Out:
- a print becomes calls of the print callbacks (`runtime/callbacks.py`) in
  program order: one `tsmlir_print_text(ptr)` per run of text known at
  compile time (an `llvm.mlir.global` string, formatted here as TorchScript
  formats it), one `tsmlir_print_{i64,f64,bool}` per run-time scalar and one
  `tsmlir_print_tensor_<elem>(dtype_code, tensor<*x elem>)` per tensor (its
  argument marked read-only for bufferization; bool tensors are passed as
  int8).  A print inside `scf.if`/loops prints only when it runs.
- `aten::format`/`aten::str` fold to a Python str when every argument is
  known at compile time, else to a `RuntimeStr` (text and run-time values)
  that a print writes piece by piece;
- `warnings.warn(msg)` (aten::warn) is written the same way between
  `tsmlir_print_warning(where)` and `tsmlir_print_to_error(0)`: a Python
  UserWarning at the user's line (stderr in the C runtime);
- a raise inside a run-time branch becomes `cf.assert false, "<Class>:
  <message>"` tagged with the exception class; tsm-asserts-to-errors turns it
  into an early exit that the runtime reports as a Python exception at the
  user's line.  A message with run-time values (an f-string) is written by
  the print callbacks between `tsmlir_print_to_error(1)` and `(0)` just
  before; the static message has "{}" in their place.  A raise reached
  unconditionally is a compile-time error.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import torch
from mlir import ir
from mlir.dialects import arith, cf, func, llvm, tensor

from ..dialects import build as build_op
from ..dialects.types import from_mlir
from ..errors import TorchScriptImportError
from ..lowering.runtime_errors import RAISE_ATTR
from ..runtime import callbacks
from . import scalars
from .context import NodeContext
from .locations import user_frame
from .values import DynSize, is_tensor

_TEXT_PREFIX = "tsmlir_text_"


@dataclass(frozen=True)
class RuntimeStr:
    """A string with parts known only at run time: text and run-time values
    (tensors, scalars), in order."""
    pieces: tuple

    def __add__(self, other):
        if isinstance(other, (str, RuntimeStr)):
            return _join([self, other])
        return NotImplemented

    def __radd__(self, other):
        if isinstance(other, str):
            return _join([other, self])
        return NotImplemented


def _is_runtime(v) -> bool:
    return isinstance(v, (ir.Value, DynSize))


def pieces(v) -> list:
    """The text of `v` as TorchScript prints it: strings and run-time leaves."""
    if isinstance(v, RuntimeStr):
        return list(v.pieces)
    if _is_runtime(v):
        return [v]
    if isinstance(v, (list, tuple)) and any(_has_runtime(x) for x in v):
        out: list = ["[" if isinstance(v, list) else "("]
        for i, x in enumerate(v):
            out += ([", "] if i else []) + pieces(x)
        out.append("]" if isinstance(v, list) else ",)" if len(v) == 1 else ")")
        return out
    return [callbacks.format_value(v)]


def _has_runtime(v) -> bool:
    if isinstance(v, (list, tuple)):
        return any(_has_runtime(x) for x in v)
    return isinstance(v, RuntimeStr) or _is_runtime(v)


def _join(parts: list):
    """Concatenate texts and runtime strings: a str when nothing is left for run time."""
    flat: list = []
    for p in parts:
        for x in (p.pieces if isinstance(p, RuntimeStr) else [p]):
            if isinstance(x, str) and flat and isinstance(flat[-1], str):
                flat[-1] += x
            elif not (isinstance(x, str) and not x):
                flat.append(x)
    if all(isinstance(x, str) for x in flat):
        return "".join(flat)
    return RuntimeStr(tuple(flat))


def _text_of(cx: NodeContext, v) -> list:
    try:
        return pieces(v)
    except TypeError as e:
        cx.fail(str(e))


# -- prim::Print -------------------------------------------------------------------
def _print(imp, node, args, env, frames):
    cx = NodeContext(imp, node, frames)
    parts: list = []
    for i, a in enumerate(args):
        parts += ([" "] if i else []) + _text_of(cx, a)
    line = _join(parts + ["\n"])
    for piece in (line.pieces if isinstance(line, RuntimeStr) else [line]):
        _emit(cx, piece)
    return None


def _emit(cx: NodeContext, piece) -> None:
    if isinstance(piece, str):
        _call(cx, callbacks.PRINT_TEXT, [_text_pointer(cx, piece)])
    elif is_tensor(piece):
        _print_tensor(cx, piece)
    else:
        kind = scalars.kind_of(piece)
        if kind == scalars.FLOAT:
            _call(cx, callbacks.PRINT_SCALARS["f64"], [scalars.value(piece, kind)])
        elif kind == scalars.BOOL:
            v = arith.extui(ir.IntegerType.get_signless(64), scalars.value(piece, kind))
            _call(cx, callbacks.PRINT_SCALARS["bool"], [v])
        elif kind == scalars.INT:
            _call(cx, callbacks.PRINT_SCALARS["i64"], [scalars.value(piece, kind)])
        else:
            cx.fail(f"cannot print a value of type {piece.type}")


def _print_tensor(cx: NodeContext, t: ir.Value) -> None:
    dtype = from_mlir(t.type).dtype
    code = callbacks.DTYPE_CODE.get(dtype)
    if code is None:
        cx.fail(f"printing a {dtype} tensor is not supported")
    if dtype == torch.bool:  # stored as int8 (see tsm-widen-bool-memrefs)
        (t,) = build_op("cast", [t], dtype="int8")
    rt = ir.RankedTensorType(t.type)
    elem = str(rt.element_type)
    unranked = tensor.cast(ir.UnrankedTensorType.get(rt.element_type), t)
    i64 = ir.IntegerType.get_signless(64)
    _call(cx, callbacks.PRINT_TENSOR[elem], [arith.constant(i64, code), unranked],
          read_only=True)


def _call(cx: NodeContext, name: str, operands: list[ir.Value], read_only: bool = False) -> None:
    _declare(cx, name, [v.type for v in operands], read_only)
    func.call([], name, operands)


def _module_body(cx: NodeContext) -> ir.Block:
    op = ir.InsertionPoint.current.block.owner.operation
    while op.name != "builtin.module":
        op = op.parent
    return op.regions[0].blocks[0]


def _symbols(body: ir.Block) -> dict[str, ir.Operation]:
    return {ir.StringAttr(op.attributes["sym_name"]).value: op
            for op in body.operations if "sym_name" in op.attributes}


def _declare(cx: NodeContext, name: str, types: list[ir.Type], read_only: bool) -> None:
    body = _module_body(cx)
    if name in _symbols(body):
        return
    with ir.InsertionPoint.at_block_begin(body), ir.Location.unknown():
        fn = func.FuncOp(name, ir.FunctionType.get(types, []), visibility="private")
        if read_only:  # one-shot-bufferize then neither copies nor assumes a write
            access = ir.DictAttr.get({"bufferization.access": ir.StringAttr.get("read")})
            fn.arg_attrs = ir.ArrayAttr.get(
                [access if isinstance(t, ir.UnrankedTensorType) else ir.DictAttr.get({})
                 for t in types])


def _text_pointer(cx: NodeContext, text: str) -> ir.Value:
    """The address of a NUL-terminated global holding `text` (one per distinct text)."""
    data = text.encode("utf-8") + b"\0"
    name = _TEXT_PREFIX + hashlib.sha1(data).hexdigest()[:16]
    body = _module_body(cx)
    if name not in _symbols(body):
        with ir.InsertionPoint.at_block_begin(body), ir.Location.unknown():
            llvm.GlobalOp(ir.Type.parse(f"!llvm.array<{len(data)} x i8>"), name,
                          ir.Attribute.parse("#llvm.linkage<internal>"), constant=True,
                          value=ir.StringAttr.get(data))
    return llvm.AddressOfOp(ir.Type.parse("!llvm.ptr"), name).result


# -- aten::format / aten::str -------------------------------------------------------
def _format(imp, node, args, env, frames):
    cx = NodeContext(imp, node, frames)
    fmt, *values = args
    if not isinstance(fmt, str):
        cx.fail("the format string must be known at compile time")
    parts: list = []
    begin = used = 0
    while True:
        at = fmt.find("{}", begin)
        if at < 0:
            parts.append(fmt[begin:])
            break
        parts.append(fmt[begin:at])
        if used >= len(values):
            cx.fail(f"too few arguments for format string: {fmt}")
        parts += _text_of(cx, values[used])
        used += 1
        begin = at + 2
    return _join(parts)


def _str(imp, node, args, env, frames):
    return _join(_text_of(NodeContext(imp, node, frames), args[0]))


# -- prim::RaiseException -------------------------------------------------------------
def _raise(imp, node, args, env, frames):
    """`raise Cls(msg)` (msg, "builtins.Cls") or a failed `assert`
    ("AssertionError: msg", None)."""
    msg, cls = args[0], args[1] if len(args) > 1 else None
    cx = NodeContext(imp, node, frames)
    if isinstance(cls, str):
        name = cls.rsplit(".", 1)[-1]
        msg = _join([name + ": ", msg]) if msg != "" else name
    message = msg if isinstance(msg, RuntimeStr) else RuntimeStr((msg,))
    # The static message: "{}" where values known at run time only go.
    text = "".join(p if isinstance(p, str) else "{}" for p in _text_of(cx, message))
    if not isinstance(cls, str):  # an assert: "AssertionError: msg"
        name = text.partition(":")[0]
        name = name if name.isidentifier() else "Exception"
    if isinstance(ir.InsertionPoint.current.block.owner.operation.opview, func.FuncOp):
        raise TorchScriptImportError(f"the program always raises here: {text}",
                                     user_frame(frames))
    if isinstance(msg, RuntimeStr):  # written by the print callbacks into the error message
        i64 = ir.IntegerType.get_signless(64)
        _call(cx, callbacks.PRINT_TO_ERROR, [arith.constant(i64, 1)])
        for piece in msg.pieces:
            _emit(cx, piece)
        _call(cx, callbacks.PRINT_TO_ERROR, [arith.constant(i64, 0)])
    false = arith.constant(ir.IntegerType.get_signless(1), 0)
    op = cf.AssertOp(false, text)
    op.operation.attributes[RAISE_ATTR] = ir.StringAttr.get(name)
    return None


def _warn(imp, node, args, env, frames):
    """`warnings.warn(msg)`: a UserWarning at the user's line each time it runs."""
    cx = NodeContext(imp, node, frames)
    try:
        text = pieces(args[0])
    except TypeError:  # a message we cannot write: the warning is dropped, not the program
        return None
    where = user_frame(frames)
    _call(cx, callbacks.PRINT_WARNING, [_text_pointer(cx, str(where) if where else "")])
    for piece in text:
        _emit(cx, piece)
    _call(cx, callbacks.PRINT_TO_ERROR, [arith.constant(ir.IntegerType.get_signless(64), 0)])
    return None


PRIM = {
    "prim::Print": _print,
    "aten::warn": _warn,
    "aten::format": _format,
    "aten::str": _str,
    "prim::RaiseException": _raise,
}
