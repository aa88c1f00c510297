"""Elementwise ops: broadcasting arithmetic, comparisons, logic, selection,
unary math and activations.

Operands broadcast as in PyTorch and the result dtype follows PyTorch's
type promotion of the operands' dtypes.  Python scalars reach these ops as
0-d tensors whose dtype the importer chose by PyTorch's tensor-scalar rule,
so the rules here only promote tensor dtypes.  Result dtypes by kind:
arithmetic keeps the promoted dtype (true division and transcendental ops of
integers give the default float dtype); comparisons, logical ops and
isnan/isinf give bool.  Ops PyTorch only defines for floating-point inputs
(activations, lerp) or for integers (bitwise ops) reject other dtypes.
"""
import torch

from ..opdef import Attr, OpDef, define
from ..types import SUPPORTED_DTYPES, TensorT, broadcast_shapes


def _promoted(*xs: TensorT) -> TensorT:
    dtype = xs[0].dtype
    for x in xs[1:]:
        dtype = torch.promote_types(dtype, x.dtype)
    return TensorT(broadcast_shapes(*(x.shape for x in xs)), dtype)


def _float_result(t: TensorT) -> TensorT:
    return t if t.is_float() else TensorT(t.shape, torch.get_default_dtype())


def _binary(lhs: TensorT, rhs: TensorT) -> list[TensorT]:
    return [_promoted(lhs, rhs)]


def _float_binary(lhs: TensorT, rhs: TensorT) -> list[TensorT]:
    """True division, atan2: integers compute in the default float dtype."""
    return [_float_result(_promoted(lhs, rhs))]


def _numeric_binary(lhs: TensorT, rhs: TensorT) -> list[TensorT]:
    """remainder, fmod, floor division: not defined for bool."""
    (out,) = _binary(lhs, rhs)
    if out.dtype == torch.bool:
        raise TypeError("not defined for bool tensors")
    return [out]


def _div(lhs: TensorT, rhs: TensorT, *, rounding_mode: str | None) -> list[TensorT]:
    if rounding_mode is None:
        return _float_binary(lhs, rhs)
    if rounding_mode not in ("trunc", "floor"):
        raise ValueError(f"rounding_mode must be 'trunc' or 'floor' (or absent), got '{rounding_mode}'")
    return _numeric_binary(lhs, rhs)


def _bitwise(lhs: TensorT, rhs: TensorT) -> list[TensorT]:
    (out,) = _binary(lhs, rhs)
    if out.is_float():
        raise TypeError(f"expects integer or bool tensors, got {out.dtype}")
    return [out]


def _shift(lhs: TensorT, rhs: TensorT) -> list[TensorT]:
    (out,) = _bitwise(lhs, rhs)
    if out.dtype == torch.bool:
        raise TypeError("shifts are not defined for bool tensors")
    return [out]


def _to_bool(*xs: TensorT) -> list[TensorT]:
    """Comparisons and logical ops: broadcast shape, bool result."""
    return [TensorT(broadcast_shapes(*(x.shape for x in xs)), torch.bool)]


def _where(cond: TensorT, lhs: TensorT, rhs: TensorT) -> list[TensorT]:
    if cond.dtype != torch.bool:
        raise TypeError(f"the condition must be a bool tensor, got {cond}")
    out = _promoted(lhs, rhs)
    return [TensorT(broadcast_shapes(cond.shape, out.shape), out.dtype)]


def _lerp(start: TensorT, end: TensorT, weight: TensorT) -> list[TensorT]:
    if not start.is_float() or start.dtype != end.dtype or not weight.is_float():
        raise TypeError(f"expects floating-point start and end of one dtype and a floating-point "
                        f"weight, got {start}, {end}, {weight}")
    return [TensorT(broadcast_shapes(start.shape, end.shape, weight.shape), start.dtype)]


def _same(x: TensorT, **_) -> list[TensorT]:
    return [x]


def _numeric(x: TensorT, **_) -> list[TensorT]:
    if x.dtype == torch.bool:
        raise TypeError("not defined for bool tensors")
    return [x]


def _integral(x: TensorT) -> list[TensorT]:
    if x.is_float():
        raise TypeError(f"expects an integer or bool tensor, got {x}")
    return [x]


def _float_unary(x: TensorT) -> list[TensorT]:
    """Transcendental ops: integer inputs give the default float dtype."""
    return [_float_result(x)]


def _float_only(x: TensorT, **_) -> list[TensorT]:
    """Activations PyTorch defines for floating-point tensors only."""
    if not x.is_float():
        raise TypeError(f"expects a floating-point tensor, got {x}")
    return [x]


def _predicate(x: TensorT) -> list[TensorT]:
    return [TensorT(x.shape, torch.bool)]


def _gelu(x: TensorT, *, approximate: str) -> list[TensorT]:
    if approximate not in ("none", "tanh"):
        raise ValueError(f"approximate must be 'none' or 'tanh', got '{approximate}'")
    return _float_only(x)


def _cast(x: TensorT, *, dtype: str) -> list[TensorT]:
    target = getattr(torch, dtype, None)
    if target not in SUPPORTED_DTYPES:
        raise ValueError(f"cannot cast to '{dtype}' (supported: "
                         f"{', '.join(str(d).split('.')[1] for d in SUPPORTED_DTYPES)})")
    return [TensorT(x.shape, target)]


def _binop(name, schemas, rule=_binary, doc=None, attrs=()):
    return OpDef(name, ("lhs", "rhs"), rule, attrs=attrs, aten=tuple(schemas),
                 doc=doc or f"Elementwise {name} with broadcasting and type promotion.")


def _unop(name, schema, rule=_float_unary, doc=None, attrs=()):
    return OpDef(name, ("x",), rule, attrs=attrs, aten=(schema,), doc=doc or f"Elementwise {name}.")


def _compare(name, doc):
    return _binop(name, (f"aten::{name}.Tensor(Tensor self, Tensor other) -> Tensor",), _to_bool,
                  f"{doc}, computed in the promoted dtype; bool result.")


def _logical(name):
    return _binop(f"logical_{name}", (f"aten::logical_{name}(Tensor self, Tensor other) -> Tensor",),
                  _to_bool, f"Logical {name} of the operands' truth values; bool result.")


def _bitwise_op(name):
    return _binop(f"bitwise_{name}", (f"aten::bitwise_{name}.Tensor(Tensor self, Tensor other) -> Tensor",),
                  _bitwise, f"Bitwise {name} of integer or bool tensors.")


_MATH = ("exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt", "reciprocal",
         "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "erf", "sigmoid")
_ROUNDING = ("ceil", "floor", "trunc")
_ACTIVATIONS = ("silu", "hardswish", "hardsigmoid", "mish")

OPS = define("elementwise", [
    _binop("add", ["aten::add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor"]),
    _binop("sub", ["aten::sub.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor"]),
    _binop("mul", ["aten::mul.Tensor(Tensor self, Tensor other) -> Tensor"]),
    _binop("div", ["aten::div.Tensor(Tensor self, Tensor other) -> Tensor",
                   "aten::div.Tensor_mode(Tensor self, Tensor other, *, str? rounding_mode) -> Tensor"],
           _div, "Elementwise division: true division (integers divide as floats) or, with "
                 "rounding_mode, 'trunc' or 'floor' (integer division by zero is a run-time error).",
           (Attr("rounding_mode", "str", optional=True),)),
    _binop("remainder", ["aten::remainder.Tensor(Tensor self, Tensor other) -> Tensor"],
           _numeric_binary, "Python-style remainder: the result has the divisor's sign."),
    _binop("fmod", ["aten::fmod.Tensor(Tensor self, Tensor other) -> Tensor"],
           _numeric_binary, "C-style remainder: the result has the dividend's sign."),
    _binop("pow", ["aten::pow.Tensor_Tensor(Tensor self, Tensor exponent) -> Tensor"]),
    _binop("maximum", ["aten::maximum(Tensor self, Tensor other) -> Tensor"],
           doc="Elementwise maximum; NaN propagates."),
    _binop("minimum", ["aten::minimum(Tensor self, Tensor other) -> Tensor"],
           doc="Elementwise minimum; NaN propagates."),
    _binop("atan2", ["aten::atan2(Tensor self, Tensor other) -> Tensor"], _float_binary,
           "Elementwise atan2(lhs, rhs); integers compute in the default float dtype."),
    _compare("eq", "lhs == rhs"), _compare("ne", "lhs != rhs"), _compare("lt", "lhs < rhs"),
    _compare("le", "lhs <= rhs"), _compare("gt", "lhs > rhs"), _compare("ge", "lhs >= rhs"),
    _logical("and"), _logical("or"), _logical("xor"),
    _bitwise_op("and"), _bitwise_op("or"), _bitwise_op("xor"),
    *(_binop(f"bitwise_{side}_shift", (f"aten::bitwise_{side}_shift.Tensor(Tensor self, Tensor other) -> Tensor",),
             _shift, f"Bitwise {side} shift of integers; a shift by a negative amount or by the "
                     f"bit width or more gives 0{' (-1 for negative signed lhs)' if side == 'right' else ''}.")
      for side in ("left", "right")),
    OpDef("where", ("condition", "lhs", "rhs"), _where,
          aten=("aten::where.self(Tensor condition, Tensor self, Tensor other) -> Tensor",),
          doc="condition ? lhs : rhs, broadcasting all three; promoted dtype."),
    OpDef("lerp", ("start", "end", "weight"), _lerp,
          aten=("aten::lerp.Tensor(Tensor self, Tensor end, Tensor weight) -> Tensor",),
          doc="Linear interpolation start + weight * (end - start), PyTorch's two-sided formula."),
    _unop("neg", "aten::neg(Tensor self) -> Tensor", _numeric),
    _unop("abs", "aten::abs(Tensor self) -> Tensor", _numeric),
    _unop("sign", "aten::sign(Tensor self) -> Tensor", _same, "Elementwise sign (-1, 0 or 1; 0 for NaN)."),
    _unop("relu", "aten::relu(Tensor self) -> Tensor", _numeric),
    *(_unop(n, f"aten::{n}(Tensor self) -> Tensor", _numeric, f"Elementwise {n}; identity on integers.")
      for n in _ROUNDING),
    _unop("round", "aten::round.decimals(Tensor self, *, int decimals) -> Tensor", _numeric,
          "Round half to even, optionally to `decimals` decimal places; identity on integers.",
          (Attr("decimals", "int", optional=True),)),
    *(_unop(n, f"aten::{n}(Tensor self) -> Tensor") for n in _MATH),
    *(_unop(n, f"aten::{n}(Tensor self) -> Tensor", _float_only) for n in _ACTIVATIONS),
    _unop("leaky_relu", "aten::leaky_relu(Tensor self, Scalar negative_slope=0.01) -> Tensor",
          _float_only, attrs=(Attr("negative_slope", "float", 0.01),)),
    _unop("elu", "aten::elu(Tensor self, Scalar alpha=1, Scalar scale=1, Scalar input_scale=1) -> Tensor",
          _float_only, attrs=(Attr("alpha", "float", 1.0), Attr("scale", "float", 1.0),
                              Attr("input_scale", "float", 1.0))),
    _unop("softplus", "aten::softplus(Tensor self, Scalar beta=1, Scalar threshold=20) -> Tensor",
          _float_only, attrs=(Attr("beta", "float", 1.0), Attr("threshold", "float", 20.0))),
    OpDef("gelu", ("x",), _gelu, attrs=(Attr("approximate", "str", "none"),),
          aten=("aten::gelu(Tensor self, *, str approximate='none') -> Tensor",),
          doc="Gaussian error linear unit, exact (erf) or tanh approximation."),
    _unop("logical_not", "aten::logical_not(Tensor self) -> Tensor", _predicate, "x == 0; bool result."),
    _unop("bitwise_not", "aten::bitwise_not(Tensor self) -> Tensor", _integral,
          "Bitwise complement of an integer tensor; logical not of a bool tensor."),
    _unop("isnan", "aten::isnan(Tensor self) -> Tensor", _predicate, "x is NaN; bool result."),
    _unop("isinf", "aten::isinf(Tensor self) -> Tensor", _predicate, "x is +-inf; bool result."),
    OpDef("cast", ("x",), _cast, attrs=(Attr("dtype", "str"),),
          aten=("aten::to.dtype(Tensor self, ScalarType dtype, ...) -> Tensor",),
          doc="Elementwise conversion to another dtype (torch.dtype name, e.g. 'float32')."),
])
