"""The single declaration of a tsm op, and everything derived from it.

An `OpDef` names the op, its operands, attributes and results, gives its type
rule (operand `TensorT`s + attribute values -> result `TensorT`s), a one-line
doc and the aten schemas it implements.  From the registry of OpDefs we derive:
the IRDL dialect text (loaded into every context), the Python builder
(`build`), the type verifier (`verify_op`) and the docs/supported-op lists.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

from mlir import ir

from .types import TensorT, from_mlir, to_mlir

# Attribute kinds: IRDL base constraint, Python -> MLIR, MLIR -> Python.
_ATTR_KINDS: dict[str, tuple[str, Callable[[Any], ir.Attribute], Callable[[ir.Attribute], Any]]] = {
    "int": ("#builtin.integer",
            lambda v: ir.IntegerAttr.get(ir.IntegerType.get_signless(64), int(v)),
            lambda a: ir.IntegerAttr(a).value),
    "bool": ("#builtin.integer",
             lambda v: ir.IntegerAttr.get(ir.IntegerType.get_signless(1), int(bool(v))),
             lambda a: bool(ir.IntegerAttr(a).value)),
    "float": ("#builtin.float",
              lambda v: ir.FloatAttr.get_f64(float(v)),
              lambda a: ir.FloatAttr(a).value),
    "ints": ("#builtin.dense_array",
             lambda v: ir.DenseI64ArrayAttr.get([int(x) for x in v]),
             lambda a: list(ir.DenseI64ArrayAttr(a))),
    "str": ("#builtin.string",
            lambda v: ir.StringAttr.get(str(v)),
            lambda a: ir.StringAttr(a).value),
    # Tensor contents; kept as the MLIR attribute (dense or dense_resource).
    "elements": ("", lambda v: v, lambda a: a),
}


@dataclass(frozen=True)
class Attr:
    name: str
    kind: str
    default: Any = None  # None: required (unless optional)
    optional: bool = False  # may be absent; the type rule then gets None

    def __post_init__(self):
        assert self.kind in _ATTR_KINDS, self.kind


@dataclass(frozen=True)
class OpDef:
    """One tsm op.  Operand names may end in '?' (optional, at most one per op)
    or '*' (variadic, at most one per op; IRDL gives every operand of a
    variadic group the same type, so use it only for same-typed operands)."""
    name: str
    operands: tuple[str, ...]
    infer: Callable[..., list[TensorT]]
    doc: str
    attrs: tuple[Attr, ...] = ()
    results: tuple[str, ...] = ("result",)
    aten: tuple[str, ...] = ()
    family: str = ""

    @property
    def full_name(self) -> str:
        return f"tsm.{self.name}"

    def attr_values(self, op: ir.Operation) -> dict[str, Any]:
        out = {}
        for a in self.attrs:
            if a.name in op.attributes:
                out[a.name] = _ATTR_KINDS[a.kind][2](op.attributes[a.name])
            elif a.default is not None or a.optional:
                out[a.name] = a.default
            else:
                raise KeyError(f"'{self.full_name}' is missing attribute '{a.name}'")
        return out

    def infer_types(self, operand_types: Sequence[TensorT | None], attrs: dict) -> list[TensorT]:
        return list(self.infer(*operand_types, **attrs))


REGISTRY: dict[str, OpDef] = {}


def define(family: str, defs: Sequence[OpDef]) -> dict[str, OpDef]:
    """Register a family's op declarations (called once per ops module)."""
    table = {}
    for d in defs:
        d = OpDef(**{**d.__dict__, "family": family})
        assert d.full_name not in REGISTRY, f"{d.full_name} declared twice"
        REGISTRY[d.full_name] = d
        table[d.full_name] = d
    return table


def irdl_text() -> str:
    """The IRDL declaration of the whole tsm dialect."""
    lines = ["irdl.dialect @tsm {"]
    for d in REGISTRY.values():
        lines.append(f"  irdl.operation @{d.name} {{")
        ops, res = [], []
        for i, name in enumerate(d.operands):
            lines.append(f'    %o{i} = irdl.base "!builtin.tensor"')
            clean = name.rstrip("?*")
            mod = "optional " if name.endswith("?") else "variadic " if name.endswith("*") else ""
            ops.append(f"{clean}: {mod}%o{i}")
        attrs = []
        for i, a in enumerate(d.attrs):
            base = _ATTR_KINDS[a.kind][0]
            lines.append(f'    %a{i} = irdl.base "{base}"' if base else f"    %a{i} = irdl.any")
            attrs.append(f'"{a.name}" = %a{i}')
        for i, name in enumerate(d.results):
            lines.append(f'    %r{i} = irdl.base "!builtin.tensor"')
            res.append(f"{name}: %r{i}")
        if ops:
            lines.append(f"    irdl.operands({', '.join(ops)})")
        # Attributes with defaults may be absent, IRDL attributes are required:
        # only required ones are declared; the verifier checks the others.
        required = [s for s, a in zip(attrs, d.attrs) if a.default is None and not a.optional]
        if required:
            lines.append(f"    irdl.attributes {{{', '.join(required)}}}")
        lines.append(f"    irdl.results({', '.join(res)})")
        lines.append("  }")
    lines.append("}")
    return "\n".join(lines)


def build(name: str, operands: Sequence[ir.Value | None], loc: ir.Location | None = None,
          **attrs) -> list[ir.Value]:
    """Create `tsm.<name>` at the current insertion point; result types come
    from the op's type rule.  Raises ValueError/TypeError from the rule."""
    d = REGISTRY[f"tsm.{name}"]
    values = {}
    for a in d.attrs:
        v = attrs.pop(a.name, a.default)
        if v is None and not a.optional:
            raise TypeError(f"tsm.{name}: attribute '{a.name}' is required")
        values[a.name] = v
    if attrs:
        raise TypeError(f"tsm.{name}: unknown attributes {sorted(attrs)}")
    if any(n.endswith("*") for n in d.operands):
        types = [[from_mlir(v.type) for v in operands]]
    else:
        types = [None if v is None else from_mlir(v.type) for v in operands]
    result_types = d.infer_types(types, values)
    present = [v for v in operands if v is not None]
    op = ir.Operation.create(
        d.full_name, results=[to_mlir(t) for t in result_types], operands=present,
        attributes={a.name: _ATTR_KINDS[a.kind][1](values[a.name]) for a in d.attrs
                    if values[a.name] is not None},
        loc=loc)
    return list(op.results)


def operand_types(d: OpDef, op: ir.Operation) -> list[TensorT | None]:
    """Operand types in declaration order, None for an absent optional operand."""
    vals = [from_mlir(v.type) for v in op.operands]
    if any(n.endswith("*") for n in d.operands):
        return [vals]  # single variadic group
    if len(vals) < len(d.operands):
        vals = vals + [None] * (len(d.operands) - len(vals))
    return vals


def verify_op(op: ir.Operation) -> str | None:
    """Re-run the type rule; return a message if the op is ill-typed."""
    d = REGISTRY.get(op.name)
    if d is None:
        return f"unknown tsm op '{op.name}'"
    try:
        attrs = d.attr_values(op)
        expected = d.infer_types(operand_types(d, op), attrs)
    except (ValueError, TypeError, KeyError, IndexError) as e:
        return f"'{op.name}' op {e}"
    actual = [from_mlir(r.type) for r in op.results]
    if expected != actual:
        return (f"'{op.name}' op result type mismatch: expected "
                f"{', '.join(map(str, expected))} but got {', '.join(map(str, actual))}")
    return None
