"""aten elementwise ops -> the tsm elementwise family.

Most schemas map one-to-one onto a tsm op (`_binary`/`_unary` tables); the
rest decompose into tsm ops with PyTorch's semantics: clamp/hardtanh/relu6
into maximum/minimum, rrelu at inference into leaky_relu, masked_fill into
where, addcmul/addcdiv into mul/div/add, floor_divide into div with rounding,
to/type_as into cast (to a CPU device only; .cpu() is the identity), and pow
with a small constant exponent into multiplications or sqrt.  Python scalars become
0-d constants typed by PyTorch's tensor-scalar promotion (`binary_operands`).
"""
from __future__ import annotations

from functools import partial

import torch
from mlir import ir

from ...dialects.types import TensorT
from .. import scalars
from ..context import NodeContext
from ..values import is_tensor
from .reduction import _dtype as scalar_type
from .shape import reshape_to


def _category(t: TensorT) -> int:
    return 2 if t.dtype.is_floating_point else 0 if t.dtype == torch.bool else 1


def _dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).split(".")[1]


def cast(cx: NodeContext, x: ir.Value, dtype: torch.dtype) -> ir.Value:
    return x if cx.type(x).dtype == dtype else cx.build("cast", x, dtype=_dtype_name(dtype))


def binary_operands(cx: NodeContext, a, b) -> tuple[ir.Value, ir.Value]:
    """Both operands as tensors with PyTorch's result-type rule applied: a
    number or a 0-d tensor beside a dimensioned tensor only changes the
    result's category (bool < int < float), never its width."""
    if not isinstance(a, ir.Value):
        a, b = b, a
        swapped = True
    else:
        swapped = False
    if not isinstance(a, ir.Value):
        cx.fail("expected at least one tensor operand")
    b = cx.tensor(b, a)
    ta, tb = cx.type(a), cx.type(b)
    if ta.dtype != tb.dtype and (ta.rank == 0) != (tb.rank == 0):
        dimmed, zero_d = (a, b) if tb.rank == 0 else (b, a)
        if _category(cx.type(dimmed)) >= _category(cx.type(zero_d)):
            zero_d = cast(cx, zero_d, cx.type(dimmed).dtype)
            a, b = (dimmed, zero_d) if tb.rank == 0 else (zero_d, dimmed)
    return (b, a) if swapped else (a, b)


def _number(cx: NodeContext, value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        cx.fail(f"{name} must be a number known at compile time, got {value!r}")
    return value


# -- one-to-one ------------------------------------------------------------------------
def _binary(cx: NodeContext, a, b, *, op: str, **attrs):
    return cx.build(op, *binary_operands(cx, a, b), **attrs)


def _unary(cx: NodeContext, x, *, op: str):
    return cx.build(op, x)


def _with_scalars(name: str, *attrs: str):
    """Unary ops whose Scalar arguments become float attributes."""
    def handler(cx: NodeContext, x, *values):
        return cx.build(name, x, **{a: float(_number(cx, v, a)) for a, v in zip(attrs, values)})
    return handler


def _rrelu(cx: NodeContext, x, lower=0.125, upper=1.0 / 3.0, training=False, generator=None):
    """nn.RReLU at inference: leaky_relu with the mean slope (lower + upper) / 2."""
    if training is not False:
        cx.fail("rrelu in training mode draws random slopes, which is not supported: compile "
                "the module in eval mode (module.eval()) or pass training=False")
    lower, upper = _number(cx, lower, "lower"), _number(cx, upper, "upper")
    return cx.build("leaky_relu", x, negative_slope=(float(lower) + float(upper)) / 2)


def _gelu(cx: NodeContext, x, approximate="none"):
    return cx.build("gelu", x, approximate=approximate)


def _round(cx: NodeContext, x, decimals=None):
    if decimals is not None and not isinstance(decimals, int):
        cx.fail(f"decimals must be an int known at compile time, got {decimals!r}")
    return cx.build("round", x, decimals=decimals or None)


# -- arithmetic ------------------------------------------------------------------------
def _scaled(cx: NodeContext, other, alpha, like):
    if alpha is None or alpha == 1:
        return other
    return cx.build("mul", *binary_operands(cx, cx.tensor(other, like), alpha))


def _add(name):
    def handler(cx: NodeContext, a, b, alpha=1):
        a, b = binary_operands(cx, a, b)
        return cx.build(name, a, _scaled(cx, b, alpha, a))
    return handler


def _rsub(cx: NodeContext, a, b, alpha=1):
    a, b = binary_operands(cx, a, b)
    return cx.build("sub", b, _scaled(cx, a, alpha, b))


def _div(cx: NodeContext, a, b, rounding_mode=None):
    if rounding_mode not in (None, "trunc", "floor"):
        cx.fail(f"rounding_mode must be None, 'trunc' or 'floor', got {rounding_mode!r}")
    if rounding_mode is None:
        return cx.build("div", *_true_division_operands(cx, a, b))
    return _binary(cx, a, b, op="div", rounding_mode=rounding_mode)


def _true_division_operands(cx: NodeContext, a, b) -> tuple[ir.Value, ir.Value]:
    """Integers divide as floats, each converted from its own value: PyTorch
    promotes integer inputs of a true division straight to the float dtype,
    so x_int8 / 300 divides by 300.0, not by 300 wrapped into int8 (tensors
    stay as they are: the lowering converts each operand from its dtype)."""
    pa, pb = binary_operands(cx, a, b)
    if torch.promote_types(cx.type(pa).dtype, cx.type(pb).dtype).is_floating_point:
        return pa, pb
    out = torch.get_default_dtype()

    def to_float(v):
        if is_tensor(v):
            return v
        if isinstance(v, (bool, int, float)):
            return cx.constant(torch.tensor(v, dtype=torch.float64).to(out))
        return scalars.to_tensor(v, out)

    return to_float(a), to_float(b)


def _pow(cx: NodeContext, x, exponent):
    """Small constant exponents become exact multiplications (and sqrt),
    as PyTorch's pow_tensor_scalar does; others become tsm.pow."""
    if isinstance(exponent, ir.Value) or not isinstance(x, ir.Value) or isinstance(exponent, bool):
        return _binary(cx, x, exponent, op="pow")
    t = cx.type(x)
    if not t.is_float() and isinstance(exponent, int) and exponent < 0:
        cx.fail("integers to negative integer powers are not allowed")
    if not t.is_float() and isinstance(exponent, float):
        return _binary(cx, x, exponent, op="pow")
    if exponent in (1, 2, 3):
        out = x
        for _ in range(int(exponent) - 1):
            out = cx.build("mul", out, x)
        return out
    if t.is_float() and exponent in (0.5, -0.5, -1, -2):
        return {0.5: lambda: cx.build("sqrt", x), -0.5: lambda: cx.build("rsqrt", x),
                -1: lambda: cx.build("reciprocal", x),
                -2: lambda: cx.build("reciprocal", cx.build("mul", x, x))}[exponent]()
    return _binary(cx, x, exponent, op="pow")


def _addc(name):
    """addcmul / addcdiv: self + value * (tensor1 op tensor2); `value` is
    converted to the tensors' promoted dtype (0.5 is 0 for integers)."""
    def handler(cx: NodeContext, x, t1, t2, value=1):
        dtype = torch.promote_types(torch.promote_types(cx.type(x).dtype, cx.type(t1).dtype),
                                    cx.type(t2).dtype)
        if name == "div" and not dtype.is_floating_point:
            cx.fail("integer division with addcdiv is not supported (as in PyTorch)")
        prod = _binary(cx, t1, t2, op=name)
        if value != 1:
            value = _number(cx, value, "value")  # from 64 bits: one rounding (0.1 in float64)
            wide = torch.float64 if isinstance(value, float) else torch.int64
            prod = cx.build("mul", prod, cx.constant(torch.tensor(value, dtype=wide).to(dtype)))
        return _binary(cx, x, prod, op="add")
    return handler


# -- clamping --------------------------------------------------------------------------
def _clamp(cx: NodeContext, x, lo=None, hi=None):
    if lo is None and hi is None:
        cx.fail("at least one of 'min' or 'max' must not be None")
    if lo is not None:
        x = _binary(cx, x, lo, op="maximum")
    if hi is not None:
        x = _binary(cx, x, hi, op="minimum")
    return x


def _hardtanh(cx: NodeContext, x, lo=-1, hi=1):
    return _clamp(cx, x, _number(cx, lo, "min_val"), _number(cx, hi, "max_val"))


def _selu(cx: NodeContext, x):
    """scale * elu(x, alpha) with SELU's fixed constants (as PyTorch)."""
    return cx.build("elu", x, alpha=1.6732632423543772848170429916717,
                    scale=1.0507009873554804934193349852946, input_scale=1.0)


def _prelu(cx: NodeContext, x, weight):
    """x where x > 0, else weight * x; a weight of C > 1 values scales dim 1
    (the channels), one value scales every element."""
    if not is_tensor(x) or not is_tensor(weight) or cx.type(weight).rank > 1:
        cx.fail("prelu expects a tensor input and a 0-d or 1-d weight tensor")
    t, w = cx.type(x), cx.type(weight)
    n = w.shape[0] if w.rank else 1
    if n != 1:
        channels = t.shape[1] if t.rank >= 2 else 1  # PyTorch's: dim 1, else one channel
        if channels != n:
            cx.fail(f"prelu: the weight has {n} values but the input {t} has {channels} "
                    "channel(s)")
        if t.rank >= 2:
            weight = reshape_to(cx, weight, [n] + [1] * (t.rank - 2))
    scaled = _binary(cx, x, weight, op="mul")
    return cx.build("where", _binary(cx, x, 0, op="gt"), x, scaled)


def _glu(cx: NodeContext, x, dim=-1):
    """a * sigmoid(b), a and b the halves of x along dim."""
    t = cx.type(x)
    d = dim + t.rank if isinstance(dim, int) and dim < 0 else dim
    if not isinstance(d, int) or not 0 <= d < t.rank:
        cx.fail(f"glu: dimension {dim!r} out of range for {t}")
    size = t.shape[d]
    if size < 0 or size % 2:
        cx.fail(f"glu: halving dimension {dim} needs a static, even size, got {t}")
    a, b = (cx.build("slice", x, dim=d, start=lo, end=lo + size // 2, step=1)
            for lo in (0, size // 2))
    return cx.build("mul", a, cx.build("sigmoid", b))


def _nan_to_num(cx: NodeContext, x, nan=None, posinf=None, neginf=None):
    """NaN -> nan (0), +inf -> posinf, -inf -> neginf (the dtype's largest /
    lowest finite value by default); other values and integer tensors unchanged."""
    t = cx.type(x)
    if not t.dtype.is_floating_point:
        return x
    info = torch.finfo(t.dtype)
    for name, v in (("nan", nan), ("posinf", posinf), ("neginf", neginf)):
        if v is not None:
            _number(cx, v, name)
    big, small = (cx.constant(torch.tensor(v, dtype=t.dtype))
                  for v in (info.max if posinf is None else posinf,
                            info.min if neginf is None else neginf))
    y = cx.build("where", cx.build("isinf", x),
                 cx.build("where", _binary(cx, x, 0, op="gt"), big, small), x)
    return cx.build("where", cx.build("isnan", x),
                    cx.constant(torch.tensor(0.0 if nan is None else nan, dtype=t.dtype)), y)


# -- selection -------------------------------------------------------------------------
def _constant(cx: NodeContext, value) -> ir.Value:
    """A Python number alone (no tensor beside it): PyTorch's default dtypes."""
    return cx.constant(torch.tensor(value))


def _where(cx: NodeContext, cond, a, b):
    if not isinstance(a, ir.Value) and not isinstance(b, ir.Value):
        a, b = _constant(cx, a), _constant(cx, b)
    return cx.build("where", cond, *binary_operands(cx, a, b))


def _masked_fill(cx: NodeContext, x, mask, value):
    """The fill value takes x's dtype; the result always has x's dtype."""
    dtype = cx.type(x).dtype
    fill = cast(cx, value, dtype) if isinstance(value, ir.Value) else \
        cx.constant(torch.tensor(value, dtype=dtype))
    if cx.type(fill).rank != 0:
        cx.fail("masked_fill only supports a 0-dimensional value tensor")
    return cx.build("where", mask, fill, x)


def _lerp(cx: NodeContext, start, end, weight):
    if not isinstance(weight, ir.Value):
        weight = cx.constant(torch.tensor(weight, dtype=cx.type(start).dtype))
    return cx.build("lerp", start, end, weight)


# -- conversions -----------------------------------------------------------------------
def _to_dtype(cx: NodeContext, x, dtype, *_):
    dtype = scalar_type(cx, dtype)
    return x if dtype is None else cast(cx, x, dtype)


def _cpu_only(cx: NodeContext, device):
    if device is not None and torch.device(device).type != "cpu":
        cx.fail(f"only CPU tensors are supported, got device={device!r}")


def _to_device(cx: NodeContext, x, device, dtype=None, *_):
    """to.device / to.prim_Device: the device must be the CPU."""
    _cpu_only(cx, device)
    return _to_dtype(cx, x, dtype)


def _to_dtype_layout(cx: NodeContext, x, dtype=None, layout=None, device=None, *_):
    if layout not in (None, 0, torch.strided):
        cx.fail(f"only the strided layout is supported, got layout={layout!r}")
    _cpu_only(cx, device)
    return _to_dtype(cx, x, dtype)


def _type_as(cx: NodeContext, x, other, *_):
    return cast(cx, x, cx.type(other).dtype)


_UNARY = ("neg abs sign relu ceil floor trunc exp exp2 expm1 log log2 log10 log1p sqrt rsqrt "
          "reciprocal sin cos tan asin acos atan sinh cosh tanh erf sigmoid silu hardswish "
          "hardsigmoid mish logical_not bitwise_not isnan isinf").split()
_COMPARE = ("eq", "ne", "lt", "le", "gt", "ge")

HANDLERS = {
    **{f"aten::{n}": partial(_unary, op=n) for n in _UNARY},
    "aten::round": _round,
    "aten::round.decimals": _round,
    "aten::gelu": _gelu,
    "aten::leaky_relu": _with_scalars("leaky_relu", "negative_slope"),
    "aten::rrelu": _rrelu,
    "aten::elu": _with_scalars("elu", "alpha", "scale", "input_scale"),
    "aten::softplus": _with_scalars("softplus", "beta", "threshold"),
    "aten::hardtanh": _hardtanh,
    "aten::selu": _selu,
    "aten::prelu": _prelu,
    "aten::_prelu_kernel": _prelu,
    "aten::glu": _glu,
    "aten::relu6": lambda cx, x: _clamp(cx, x, 0, 6),
    "aten::square": lambda cx, x: cx.build("mul", x, x),
    "aten::add.Tensor": _add("add"),
    "aten::add.Scalar": _add("add"),
    "aten::sub.Tensor": _add("sub"),
    "aten::sub.Scalar": _add("sub"),
    "aten::rsub.Scalar": _rsub,
    "aten::rsub.Tensor": _rsub,
    "aten::mul.Tensor": partial(_binary, op="mul"),
    "aten::mul.Scalar": partial(_binary, op="mul"),
    "aten::div.Tensor": _div,
    "aten::div.Scalar": _div,
    "aten::div.Tensor_mode": _div,
    "aten::div.Scalar_mode": _div,
    "aten::true_divide.Tensor": _div,
    "aten::true_divide.Scalar": _div,
    "aten::floor_divide": partial(_binary, op="div", rounding_mode="floor"),
    "aten::floor_divide.Scalar": partial(_binary, op="div", rounding_mode="floor"),
    "aten::remainder.Tensor": partial(_binary, op="remainder"),
    "aten::remainder.Scalar": partial(_binary, op="remainder"),
    "aten::remainder.Scalar_Tensor": partial(_binary, op="remainder"),
    "aten::fmod.Tensor": partial(_binary, op="fmod"),
    "aten::fmod.Scalar": partial(_binary, op="fmod"),
    "aten::pow.Tensor_Tensor": _pow,
    "aten::pow.Tensor_Scalar": _pow,
    "aten::pow.Scalar": _pow,
    "aten::maximum": partial(_binary, op="maximum"),
    "aten::minimum": partial(_binary, op="minimum"),
    "aten::max.other": partial(_binary, op="maximum"),  # torch.max(a, b)
    "aten::min.other": partial(_binary, op="minimum"),
    "aten::nan_to_num": _nan_to_num,
    "aten::atan2": partial(_binary, op="atan2"),
    **{f"aten::logical_{n}": partial(_binary, op=f"logical_{n}") for n in ("and", "or", "xor")},
    **{f"aten::{prefix}{n}{suffix}.{overload}": partial(_binary, op=f"bitwise_{n}")
       for n in ("and", "or", "xor") for prefix, suffix in (("bitwise_", ""), ("__", "__"))
       for overload in ("Tensor", "Scalar")},
    **{f"aten::{name}.{overload}": partial(_binary, op=f"bitwise_{side}_shift")
       for side, dunder in (("left", "__lshift__"), ("right", "__rshift__"))
       for name, overloads in ((f"bitwise_{side}_shift", ("Tensor", "Tensor_Scalar", "Scalar_Tensor")),
                               (dunder, ("Tensor", "Scalar")))
       for overload in overloads},
    **{f"aten::{n}.{overload}": partial(_binary, op=n) for n in _COMPARE for overload in ("Tensor", "Scalar")},
    "aten::where.self": _where,
    "aten::where.ScalarSelf": _where,
    "aten::where.ScalarOther": _where,
    "aten::where.Scalar": _where,
    "aten::clamp": _clamp,
    "aten::clamp.Tensor": _clamp,
    "aten::clamp_min": lambda cx, x, lo: _clamp(cx, x, lo, None),
    "aten::clamp_min.Tensor": lambda cx, x, lo: _clamp(cx, x, lo, None),
    "aten::clamp_max": lambda cx, x, hi: _clamp(cx, x, None, hi),
    "aten::clamp_max.Tensor": lambda cx, x, hi: _clamp(cx, x, None, hi),
    "aten::lerp.Scalar": _lerp,
    "aten::lerp.Tensor": _lerp,
    "aten::addcmul": _addc("mul"),
    "aten::addcdiv": _addc("div"),
    "aten::masked_fill.Scalar": _masked_fill,
    "aten::masked_fill.Tensor": _masked_fill,
    "aten::to.dtype": _to_dtype,
    "aten::to.prim_dtype": _to_dtype,
    "aten::to.device": _to_device,
    "aten::to.prim_Device": _to_device,
    "aten::to.prim_other": lambda cx, x, *_: x,
    "aten::cpu": lambda cx, x: x,
    "aten::is_floating_point": lambda cx, x: cx.type(x).is_float(),
    "aten::to.dtype_layout": _to_dtype_layout,
    "aten::to.other": _type_as,
    "aten::type_as": _type_as,
}
