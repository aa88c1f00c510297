"""Elementwise ops: broadcasting binary arithmetic and unary activations.

Binary ops follow PyTorch broadcasting and type promotion (true division of
integers gives the default float dtype).  Scalars reach these ops as 0-d
tensors of the dtype the importer chose by PyTorch's scalar rules.
"""
import torch

from ..opdef import Attr, OpDef, define
from ..types import TensorT, broadcast_shapes


def _binary(lhs: TensorT, rhs: TensorT) -> list[TensorT]:
    return [TensorT(broadcast_shapes(lhs.shape, rhs.shape),
                    torch.promote_types(lhs.dtype, rhs.dtype))]


def _true_div(lhs: TensorT, rhs: TensorT) -> list[TensorT]:
    (out,) = _binary(lhs, rhs)
    if not out.dtype.is_floating_point:
        out = TensorT(out.shape, torch.get_default_dtype())
    return [out]


def _same(x: TensorT) -> list[TensorT]:
    return [x]


def _float_unary(x: TensorT) -> list[TensorT]:
    """Transcendental ops: integer inputs give the default float dtype."""
    return [x if x.is_float() else TensorT(x.shape, torch.get_default_dtype())]


def _gelu(x: TensorT, *, approximate: str) -> list[TensorT]:
    if approximate not in ("none", "tanh"):
        raise ValueError(f"approximate must be 'none' or 'tanh', got '{approximate}'")
    if not x.is_float():
        raise TypeError(f"expects a floating-point tensor, got {x}")
    return [x]


def _cast(x: TensorT, *, dtype: str) -> list[TensorT]:
    return [TensorT(x.shape, getattr(torch, dtype))]


def _binop(name, schema):
    return OpDef(name, ("lhs", "rhs"), _binary, aten=(schema,),
                 doc=f"Elementwise {name} with broadcasting and type promotion.")


def _unop(name, schema, rule=_float_unary):
    return OpDef(name, ("x",), rule, aten=(schema,), doc=f"Elementwise {name}.")


OPS = define("elementwise", [
    _binop("add", "aten::add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor"),
    _binop("sub", "aten::sub.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor"),
    _binop("mul", "aten::mul.Tensor(Tensor self, Tensor other) -> Tensor"),
    OpDef("div", ("lhs", "rhs"), _true_div,
          aten=("aten::div.Tensor(Tensor self, Tensor other) -> Tensor",),
          doc="Elementwise true division with broadcasting; integers divide as floats."),
    _unop("neg", "aten::neg(Tensor self) -> Tensor", _same),
    _unop("relu", "aten::relu(Tensor self) -> Tensor", _same),
    _unop("sigmoid", "aten::sigmoid(Tensor self) -> Tensor"),
    _unop("tanh", "aten::tanh(Tensor self) -> Tensor"),
    _unop("exp", "aten::exp(Tensor self) -> Tensor"),
    _unop("log", "aten::log(Tensor self) -> Tensor"),
    OpDef("gelu", ("x",), _gelu, attrs=(Attr("approximate", "str", "none"),),
          aten=("aten::gelu(Tensor self, *, str approximate='none') -> Tensor",),
          doc="Gaussian error linear unit, exact (erf) or tanh approximation."),
    OpDef("cast", ("x",), _cast, attrs=(Attr("dtype", "str"),),
          aten=("aten::to.dtype(Tensor self, ScalarType dtype, ...) -> Tensor",),
          doc="Elementwise conversion to another dtype (torch.dtype name, e.g. 'float32')."),
])
