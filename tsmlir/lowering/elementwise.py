"""tsm elementwise ops -> one linalg.generic each (broadcast through indexing maps).

In: the tsm elementwise family (arithmetic, comparisons, logic, where, lerp,
unary math, activations, cast) on ranked tensors.
Out: linalg.generic over the result shape.  Inside the body, operands are
first converted to the op's compute type (the result dtype for arithmetic,
the operands' promoted dtype for comparisons, i1 for logical ops; f16/bf16
math computes in f32, as PyTorch does), then a per-op scalar body computes
PyTorch's scalar semantics, and the value is converted to the result dtype.
uint8 computes in i32 on zero-extended values (see `_signless`), except
the wrapping ops, which compute on its i8 bits (`_wrapping`); bf16 computes
in f32 and rounds with integer ops (`builders.convert`).
Dynamic dims shared by several operands get a run-time `cf.assert` that they
agree (broadcasting a dynamic dim is not supported and is caught by that
assert); integer division by zero is a run-time error as in PyTorch.
"""
from __future__ import annotations

import math
from functools import partial
from typing import Callable

import torch
from mlir import ir
from mlir.dialects import arith, linalg, scf
from mlir.dialects import math as mmath

from ..dialects import REGISTRY
from ..dialects.types import dtype_of, element_type
from . import builders as b
from .ir_walk import as_op, iterators
from .passes import pattern_pass

FP = arith.CmpFPredicate
IP = arith.CmpIPredicate


def _result_sizes(op: ir.Operation) -> list[b.IntOrValue]:
    out = b.rtt(op.result)
    rank = out.rank
    sizes: list[b.IntOrValue] = []
    for i in range(rank):
        if not out.is_dynamic_dim(i):
            sizes.append(out.shape[i])
            continue
        dyn = []
        for v in op.operands:
            t = b.rtt(v)
            j = i - (rank - t.rank)
            if j >= 0 and t.is_dynamic_dim(j):
                dyn.append(b.dim(v, j))
        for other in dyn[1:]:
            b.assert_same_size(dyn[0], other, op.name,
                               f"dynamic dimension {i} of the operands must match (no broadcasting of dynamic dims)")
        sizes.append(dyn[0])
    return sizes


def lower_elementwise(op: ir.Operation, body: Callable[..., ir.Value],
                      compute: ir.Type | list[ir.Type] | None = None) -> ir.Value:
    """`body(t, *scalars)` computes one element from the operands converted
    to `compute` (one type, or one per operand; default: the result's element
    type), `t` being the first compute type; its value is converted to the
    result's element type."""
    out_t = b.rtt(op.result)
    elem = out_t.element_type
    computes = compute if isinstance(compute, list) else [compute or elem] * len(op.operands)
    computes = [_signless(c) for c in computes]
    # Static operand dims must be 1 or equal the output's; dynamic dims vs a
    # static output dim are checked at run time.
    for v in op.operands:
        t = b.rtt(v)
        for j in range(t.rank):
            i = j + out_t.rank - t.rank
            if t.is_dynamic_dim(j) and not out_t.is_dynamic_dim(i):
                got = b.dim(v, j)
                b.assert_same_size(got, b.index(out_t.shape[i]), op.name,
                                   f"operand dimension {j} does not match the result size {out_t.shape[i]}")
    init = b.empty(_result_sizes(op), elem)
    out_shape = [-1 if out_t.is_dynamic_dim(i) else out_t.shape[i] for i in range(out_t.rank)]
    maps = []
    for v in op.operands:
        t = b.rtt(v)
        shape = [-1 if t.is_dynamic_dim(i) else t.shape[i] for i in range(t.rank)]
        maps.append(b.broadcast_map(shape, out_shape))
    maps.append(b.identity_map(out_t.rank))

    def region(*args):
        xs = [b.convert(a, c) for a, c in zip(args[:-1], computes)]
        return b.convert(body(computes[0] if computes else elem, *xs), elem)

    return b.generic(list(op.operands), init, maps, ["parallel"] * out_t.rank, region)


# -- compute types ---------------------------------------------------------------
def _signless(t: ir.Type) -> ir.Type:
    """uint8 computes in i32 on zero-extended values (arith has no unsigned
    types); truncating the i32 result gives uint8's wrapping arithmetic, and
    division, comparisons, min/max, abs and sign come out unsigned.
    bf16 computes in f32 and rounds once per op, as PyTorch does (LLVM
    would round every bf16 operation through a libcall)."""
    if isinstance(t, ir.BF16Type):
        return ir.F32Type.get()
    return ir.IntegerType.get_signless(32) if b.is_unsigned(t) else t


def _promoted(op: ir.Operation) -> ir.Type:
    """The operands' promoted element type (comparisons compute in it)."""
    dtype = dtype_of(b.rtt(op.operands[0]).element_type)
    for v in op.operands[1:]:
        dtype = torch.promote_types(dtype, dtype_of(b.rtt(v).element_type))
    return element_type(dtype)


def _widened(op: ir.Operation) -> ir.Type:
    """Math on f16/bf16 computes in f32 (PyTorch's CPU kernels do too)."""
    elem = b.rtt(op.result).element_type
    return ir.F32Type.get() if isinstance(elem, (ir.F16Type, ir.BF16Type)) else elem


def _is_bool(t: ir.Type) -> bool:
    return not b.is_float(t) and ir.IntegerType(t).width == 1


def _cmp(fpred, ipred, t, x, y):
    if b.is_float(t):
        return arith.cmpf(fpred, x, y)
    if _is_bool(t):  # i1 is unsigned here: true > false
        ipred = {IP.slt: IP.ult, IP.sle: IP.ule, IP.sgt: IP.ugt, IP.sge: IP.uge}.get(ipred, ipred)
    return arith.cmpi(ipred, x, y)


def _select(c, x, y):
    return arith.select(c, x, y)


# -- arithmetic bodies: (compute_type, *operands) -> value -------------------------------
def _arith(ffn, ifn, t, x, y, bfn=None):
    if b.is_float(t):
        return ffn(x, y)
    return (bfn or ifn)(x, y) if _is_bool(t) else ifn(x, y)


def _safe_divisor(t, y, what: str):
    """Integer division by zero is an error (PyTorch raises); a divisor of -1
    is handled by the caller, so that INT_MIN / -1 wraps instead of trapping."""
    zero, one = b.zero(t), b.constant(1, t)
    b.assert_true(arith.cmpi(IP.ne, y, zero), f"ZeroDivisionError: integer {what} by zero")
    minus_one = arith.cmpi(IP.eq, y, b.constant(-1, t))
    return arith.select(minus_one, one, y), minus_one


def _int_divrem(t, x, y, what: str):
    """(quotient, remainder) truncated toward zero, without trapping."""
    safe, minus_one = _safe_divisor(t, y, what)
    q = _select(minus_one, arith.subi(b.zero(t), x), arith.divsi(x, safe))
    r = _select(minus_one, b.zero(t), arith.remsi(x, safe))
    return q, r


def _signs_differ(t, r, y):
    """r != 0 and sign(r) != sign(y): where floor and truncation disagree."""
    zero = b.zero(t)
    if b.is_float(t):
        differ = arith.xori(arith.cmpf(FP.OLT, r, zero), arith.cmpf(FP.OLT, y, zero))
        return arith.andi(arith.cmpf(FP.UNE, r, zero), differ)
    differ = arith.xori(arith.cmpi(IP.slt, r, zero), arith.cmpi(IP.slt, y, zero))
    return arith.andi(arith.cmpi(IP.ne, r, zero), differ)


def _div(mode, t, x, y):
    if b.is_float(t):
        if mode is None:
            return arith.divf(x, y)
        if mode == "trunc":
            return mmath.trunc(arith.divf(x, y))
        return _float_floor_div(t, x, y)
    q, r = _int_divrem(t, x, y, "division")
    if mode == "floor":
        q = _select(_signs_differ(t, r, y), arith.subi(q, b.constant(1, t)), q)
    return q


def _float_floor_div(t, x, y):
    """c10's div_floor_floating, which keeps floor(x / y) exact where the
    quotient rounds: (x - fmod(x, y)) / y, corrected by one and rounded."""
    zero, one, half = b.zero(t), b.constant(1.0, t), b.constant(0.5, t)
    mod = arith.remf(x, y)
    div = arith.divf(arith.subf(x, mod), y)
    div = _select(_signs_differ(t, mod, y), arith.subf(div, one), div)
    floor = mmath.floor(div)
    floor = _select(arith.cmpf(FP.OGT, arith.subf(div, floor), half), arith.addf(floor, one), floor)
    quotient = arith.divf(x, y)
    result = _select(arith.cmpf(FP.UNE, div, zero), floor, mmath.copysign(zero, quotient))
    return _select(arith.cmpf(FP.OEQ, y, zero), quotient, result)


def _remainder(t, x, y):
    if b.is_float(t):
        r = arith.remf(x, y)
        return _select(_signs_differ(t, r, y), arith.addf(r, y), r)
    _, r = _int_divrem(t, x, y, "remainder")
    return _select(_signs_differ(t, r, y), arith.addi(r, y), r)


def _fmod(t, x, y):
    return arith.remf(x, y) if b.is_float(t) else _int_divrem(t, x, y, "fmod")[1]


def _pow(t, x, y):
    return _float_pow(t, x, y) if b.is_float(t) else _int_pow(t, x, y)


def _float_pow(t, x, y):
    """C's pow through exp(y * log|x|) with its special cases: negative bases
    need an integral exponent (odd ones keep the sign), x**0 == 1**y == 1.
    (math.powf is not used: the CPU pipeline's expansion of it gives NaN for
    negative bases and for NaN ** 0.)"""
    zero, one = b.zero(t), b.constant(1.0, t)
    ax = mmath.absf(x)
    r = mmath.exp(arith.mulf(y, mmath.log(ax)))
    integral = arith.cmpf(FP.OEQ, mmath.floor(y), y)
    odd = arith.andi(integral, arith.cmpf(FP.ONE, arith.remf(y, b.constant(2.0, t)), zero))
    r = _select(odd, mmath.copysign(r, x), r)
    negative_fraction = arith.andi(arith.cmpf(FP.OLT, x, zero), arith.xori(integral, b.constant(1, integral.type)))
    r = _select(negative_fraction, b.constant(math.nan, t), r)
    unit = arith.andi(arith.cmpf(FP.OEQ, ax, one), _isinf(t, y))  # (-1) ** inf == 1
    ones = arith.ori(arith.ori(arith.cmpf(FP.OEQ, y, zero), arith.cmpf(FP.OEQ, x, one)), unit)
    return _select(ones, one, r)


def _int_pow(t, x, y):
    """Square-and-multiply; negative exponents give 0 except for bases 1 and
    -1 (PyTorch's powi)."""
    one, zero = b.constant(1, t), b.zero(t)
    loop = scf.WhileOp([t, t, t], [one, x, y])
    before = loop.before.blocks.append(t, t, t)
    with ir.InsertionPoint(before):
        scf.ConditionOp(arith.cmpi(IP.sgt, before.arguments[2], zero), list(before.arguments))
    after = loop.after.blocks.append(t, t, t)
    with ir.InsertionPoint(after):
        acc, base, e = after.arguments
        odd = arith.cmpi(IP.ne, arith.andi(e, one), zero)
        scf.YieldOp([_select(odd, arith.muli(acc, base), acc), arith.muli(base, base),
                     arith.shrsi(e, one)])
    positive = loop.results[0]
    odd = arith.cmpi(IP.ne, arith.andi(y, one), zero)
    minus_one = b.constant(-1, t)
    negative = _select(arith.cmpi(IP.eq, x, one), one,
                       _select(arith.cmpi(IP.eq, x, minus_one), _select(odd, minus_one, one), zero))
    return _select(arith.cmpi(IP.slt, y, zero), negative, positive)


def _shift(left: bool, t, x, y):
    """c10's shifts: amounts outside [0, width) give 0 (left) or the sign
    fill (right).  uint8 computes in i32 on zero-extended values, where both
    results come out right after truncation."""
    width = b.constant(b.bitwidth(t), t)
    outside = arith.ori(arith.cmpi(IP.slt, y, b.zero(t)), arith.cmpi(IP.sge, y, width))
    safe = _select(outside, b.zero(t), y)
    if left:
        return _select(outside, b.zero(t), arith.shli(x, safe))
    sign_fill = arith.shrsi(x, b.constant(b.bitwidth(t) - 1, t))
    return _select(outside, sign_fill, arith.shrsi(x, safe))


def _extremum(fop, sop, uop, t, x, y):
    if b.is_float(t):
        return fop(x, y)  # maximumf/minimumf propagate NaN
    return uop(x, y) if _is_bool(t) else sop(x, y)


def _where(t, c, x, y):
    return _select(c, x, y)


def _lerp(t, start, end, weight):
    """PyTorch's lerp: exact at both ends (weight 0 and 1)."""
    diff = arith.subf(end, start)
    low = arith.addf(start, arith.mulf(weight, diff))
    high = arith.subf(end, arith.mulf(diff, arith.subf(b.constant(1.0, t), weight)))
    small = arith.cmpf(FP.OLT, mmath.absf(weight), b.constant(0.5, t))
    return _select(small, low, high)


# -- unary bodies ------------------------------------------------------------------
def _neg(t, x):
    return arith.negf(x) if b.is_float(t) else arith.subi(b.zero(t), x)


def _abs(t, x):
    return mmath.absf(x) if b.is_float(t) else _select(arith.cmpi(IP.slt, x, b.zero(t)), _neg(t, x), x)


def _sign(t, x):
    if _is_bool(t):
        return x
    zero = b.zero(t)
    pos, neg = _cmp(FP.OGT, IP.sgt, t, x, zero), _cmp(FP.OLT, IP.slt, t, x, zero)
    return _select(pos, b.constant(1, t), _select(neg, b.constant(-1, t), zero))


def _relu(t, x):
    return arith.maximumf(x, b.zero(t)) if b.is_float(t) else arith.maxsi(x, b.zero(t))


def _rounding(fn, t, x):
    return fn(x) if b.is_float(t) else x  # integers are already whole


def _ceil(t, x):
    # -floor(-x): math.ceil is expanded by the CPU pipeline into an integer
    # conversion that loses NaN and infinities.
    return arith.negf(mmath.floor(arith.negf(x))) if b.is_float(t) else x


def _round(decimals, t, x):
    if not b.is_float(t) or not decimals:
        return _rounding(mmath.roundeven, t, x)
    # PyTorch scales by 10**|decimals| and divides back (or the reverse).
    scale = b.constant(10.0 ** abs(decimals), t)
    if decimals > 0:
        return arith.divf(mmath.roundeven(arith.mulf(x, scale)), scale)
    return arith.mulf(mmath.roundeven(arith.divf(x, scale)), scale)


def _sigmoid(t, x):
    if isinstance(t, ir.F32Type):
        # 0.5 + 0.5 tanh(x / 2): f32 tanh expands to one rational
        # (math_approx), cheaper than exp and a division; the absolute error
        # stays below 2e-7, the relative one grows where sigmoid nears 0.
        half = b.constant(0.5, t)
        return mmath.fma(mmath.tanh(arith.mulf(x, half)), half, half)
    one = b.constant(1.0, t)
    return arith.divf(one, arith.addf(one, mmath.exp(arith.negf(x))))


#: A unary op whose every user reads it broadcast over at least this many
#: times its elements is left a named op (see `_per_row`).
BROADCAST_FACTOR = 8


def _broadcast_factor(small: ir.RankedTensorType, big: ir.RankedTensorType) -> int:
    """How many times `big` repeats `small` by broadcasting (right-aligned
    dims; sizes unknown in both are taken as equal): its static dims where
    `small` has 1 or none."""
    factor = 1
    lead = big.rank - small.rank
    for i in range(big.rank):
        own = small.shape[i - lead] if i >= lead else 1
        if own == 1 and not big.is_dynamic_dim(i):
            factor *= big.shape[i]
    return factor


def _per_row(op: ir.Operation) -> bool:
    """f32/f64 x whose every user is an elementwise op that broadcasts
    the result over BROADCAST_FACTOR times its size (RMSNorm's
    x * rsqrt(mean(x^2) + eps)): computed once per row, not per element."""
    t = b.rtt(op.result)
    if t.element_type not in (ir.F32Type.get(), ir.F64Type.get()) or \
            b.rtt(op.operands[0]).element_type != t.element_type:
        return False
    users = [as_op(u.owner) for u in op.result.uses]
    return bool(users) and all(
        _is_elementwise(u) and len(u.results) == 1 and
        isinstance(u.results[0].type, ir.RankedTensorType) and
        _broadcast_factor(t, ir.RankedTensorType(u.results[0].type)) >= BROADCAST_FACTOR
        for u in users)


def _is_elementwise(op: ir.Operation) -> bool:
    """A tsm elementwise op, or one this pass already lowered (the greedy
    rewriter may take a user first)."""
    if op.name == "linalg.generic":
        return all(it == "parallel" for it in iterators(op))
    return op.name in LOWERINGS


def _row_math(body, named):
    """rsqrt and sqrt read broadcast (see `_per_row`) as the named linalg
    op: linalg-fuse-elementwise-ops fuses generics only, so the root and
    division stay per row instead of being recomputed for every element
    of the consumer (RMSNorm on (64, 4096): 2 x 4096 divisions and roots
    less per row)."""
    def lower(op):
        if not _per_row(op):
            return lower_elementwise(op, body, _widened(op))
        x = op.operands[0]
        return named(x, outs=[b.empty(b.sizes_of(x), b.rtt(x).element_type)])
    return lower


def _reciprocal(t, x):
    return arith.divf(b.constant(1.0, t), x)


def _rsqrt(t, x):
    return arith.divf(b.constant(1.0, t), mmath.sqrt(x))


def _silu(t, x):
    if isinstance(t, ir.F32Type):
        # x sigmoid(x) = h + h tanh(h), h = x / 2: as for sigmoid, the f32
        # tanh rational instead of exp and a division.
        h = arith.mulf(x, b.constant(0.5, t))
        return mmath.fma(h, mmath.tanh(h), h)
    return arith.divf(x, arith.addf(b.constant(1.0, t), mmath.exp(arith.negf(x))))


def _hard(t, x):
    """min(max(x + 3, 0), 6) / 6, shared by hardsigmoid and hardswish."""
    return arith.minimumf(arith.maximumf(arith.addf(x, b.constant(3.0, t)), b.zero(t)),
                          b.constant(6.0, t))


def _hardsigmoid(t, x):
    return arith.divf(_hard(t, x), b.constant(6.0, t))


def _hardswish(t, x):
    return arith.divf(arith.mulf(x, _hard(t, x)), b.constant(6.0, t))


def _softplus_1(t, x):
    return mmath.log1p(mmath.exp(x))


def _mish(t, x):
    return arith.mulf(x, mmath.tanh(_softplus_1(t, x)))


def _leaky_relu(slope, t, x):
    return _select(arith.cmpf(FP.OGT, x, b.zero(t)), x, arith.mulf(x, b.constant(slope, t)))


def _elu(alpha, scale, input_scale, t, x):
    negative = arith.mulf(b.constant(alpha * scale, t),
                          mmath.expm1(arith.mulf(x, b.constant(input_scale, t))))
    return _select(arith.cmpf(FP.OGT, x, b.zero(t)), arith.mulf(x, b.constant(scale, t)), negative)


def _softplus(beta, threshold, t, x):
    scaled = arith.mulf(x, b.constant(beta, t))
    soft = arith.divf(_softplus_1(t, scaled), b.constant(beta, t))
    return _select(arith.cmpf(FP.OGT, scaled, b.constant(threshold, t)), x, soft)


def _gelu(approximate, t, x):
    """x/2 (1 + f) as x/2 + x/2 f, one fma (gelu(-inf) = -inf + inf is NaN, as
    in PyTorch); the tanh form's k (x + 0.044715 x^3) as x (k + 0.044715 k x^2)."""
    h = arith.mulf(b.constant(0.5, t), x)
    if approximate == "tanh":
        k = math.sqrt(2 / math.pi)
        inner = arith.mulf(x, mmath.fma(arith.mulf(x, x), b.constant(0.044715 * k, t),
                                        b.constant(k, t)))
        return mmath.fma(h, mmath.tanh(inner), h)
    scaled = arith.mulf(x, b.constant(1 / math.sqrt(2), t))
    return mmath.fma(h, mmath.erf(scaled), h)


def _logical_not(t, x):
    return arith.xori(x, b.constant(1, t))


def _bitwise_not(t, x):
    return arith.xori(x, b.constant(-1, t))  # all ones; 1 for i1


def _isnan(t, x):
    return arith.cmpf(FP.UNO, x, x) if b.is_float(t) else b.constant(0, ir.IntegerType.get_signless(1))


def _isinf(t, x):
    if not b.is_float(t):
        return b.constant(0, ir.IntegerType.get_signless(1))
    return arith.cmpf(FP.OEQ, mmath.absf(x), b.constant(math.inf, t))


def _apply(fn, t, *xs):
    return fn(*xs)


def _identity(t, x):
    return x


# -- the table -------------------------------------------------------------------------
def _lower(body, compute=None):
    return lambda op: lower_elementwise(op, body, compute(op) if compute else None)


def _attr(op: ir.Operation, name: str):
    return REGISTRY[op.name].attr_values(op)[name]


def _lower_with_attrs(body, *names, compute=_widened):
    return lambda op: lower_elementwise(op, partial(body, *(_attr(op, n) for n in names)), compute(op))


def _wrapping(op):
    """Ops whose low bits do not depend on signedness (add, sub, mul, neg,
    bitwise) compute uint8 directly on its signless bits: 4x the lanes of
    the i32 that `_signless` gives the others."""
    elem = b.rtt(op.result).element_type
    return ir.IntegerType.get_signless(elem.width) if b.is_unsigned(elem) else None


def _own(op):
    return b.rtt(op.operands[0]).element_type


def _bool(op):
    return ir.IntegerType.get_signless(1)


def _where_types(op):
    elem = b.rtt(op.result).element_type
    return [_bool(op), elem, elem]


_MATH = {
    "exp": mmath.exp, "exp2": mmath.exp2, "expm1": mmath.expm1, "log": mmath.log,
    "log2": mmath.log2, "log10": mmath.log10, "log1p": mmath.log1p, "sqrt": mmath.sqrt,
    "sin": mmath.sin, "cos": mmath.cos, "tan": mmath.tan, "asin": mmath.asin, "acos": mmath.acos,
    "atan": mmath.atan, "sinh": mmath.sinh, "cosh": mmath.cosh, "tanh": mmath.tanh, "erf": mmath.erf,
}
_COMPARE = {
    "eq": (FP.OEQ, IP.eq), "ne": (FP.UNE, IP.ne), "lt": (FP.OLT, IP.slt),
    "le": (FP.OLE, IP.sle), "gt": (FP.OGT, IP.sgt), "ge": (FP.OGE, IP.sge),
}

LOWERINGS = {
    "tsm.add": _lower(partial(_arith, arith.addf, arith.addi, bfn=arith.ori), _wrapping),
    "tsm.sub": _lower(partial(_arith, arith.subf, arith.subi), _wrapping),
    "tsm.mul": _lower(partial(_arith, arith.mulf, arith.muli), _wrapping),
    "tsm.div": _lower_with_attrs(_div, "rounding_mode", compute=lambda op: None),
    "tsm.remainder": _lower(_remainder),
    "tsm.fmod": _lower(_fmod),
    "tsm.pow": _lower(_pow, _widened),
    "tsm.maximum": _lower(partial(_extremum, arith.maximumf, arith.maxsi, arith.maxui)),
    "tsm.minimum": _lower(partial(_extremum, arith.minimumf, arith.minsi, arith.minui)),
    "tsm.atan2": _lower(partial(_apply, mmath.atan2), _widened),
    **{f"tsm.{name}": _lower(partial(_cmp, *preds), _promoted) for name, preds in _COMPARE.items()},
    "tsm.logical_and": _lower(partial(_apply, arith.andi), _bool),
    "tsm.logical_or": _lower(partial(_apply, arith.ori), _bool),
    "tsm.logical_xor": _lower(partial(_apply, arith.xori), _bool),
    "tsm.bitwise_and": _lower(partial(_apply, arith.andi), _wrapping),
    "tsm.bitwise_or": _lower(partial(_apply, arith.ori), _wrapping),
    "tsm.bitwise_xor": _lower(partial(_apply, arith.xori), _wrapping),
    "tsm.bitwise_left_shift": _lower(partial(_shift, True)),
    "tsm.bitwise_right_shift": _lower(partial(_shift, False)),
    "tsm.where": _lower(_where, _where_types),
    "tsm.lerp": _lower(_lerp, lambda op: [_widened(op)] * 3),
    "tsm.neg": _lower(_neg, _wrapping),
    "tsm.abs": _lower(_abs),
    "tsm.sign": _lower(_sign),
    "tsm.relu": _lower(_relu),
    "tsm.ceil": _lower(_ceil),
    "tsm.floor": _lower(partial(_rounding, mmath.floor)),
    "tsm.trunc": _lower(partial(_rounding, mmath.trunc)),
    "tsm.round": _lower_with_attrs(_round, "decimals"),
    **{f"tsm.{name}": _lower(partial(_apply, fn), _widened) for name, fn in _MATH.items()},
    "tsm.rsqrt": _row_math(_rsqrt, linalg.rsqrt),
    "tsm.sqrt": _row_math(partial(_apply, mmath.sqrt), linalg.sqrt),
    "tsm.reciprocal": _lower(_reciprocal, _widened),
    "tsm.sigmoid": _lower(_sigmoid, _widened),
    "tsm.silu": _lower(_silu, _widened),
    "tsm.hardsigmoid": _lower(_hardsigmoid, _widened),
    "tsm.hardswish": _lower(_hardswish, _widened),
    "tsm.mish": _lower(_mish, _widened),
    "tsm.leaky_relu": _lower_with_attrs(_leaky_relu, "negative_slope"),
    "tsm.elu": _lower_with_attrs(_elu, "alpha", "scale", "input_scale"),
    "tsm.softplus": _lower_with_attrs(_softplus, "beta", "threshold"),
    "tsm.gelu": _lower_with_attrs(_gelu, "approximate"),
    "tsm.logical_not": _lower(_logical_not, _bool),
    "tsm.bitwise_not": _lower(_bitwise_not, _wrapping),
    "tsm.isnan": _lower(_isnan, _own),
    "tsm.isinf": _lower(_isinf, _own),
    # The conversion happens in the body's convert; uint8 converts through
    # i64 as c10 does (floats out of i32's range still wrap, never poison).
    "tsm.cast": _lower(_identity, lambda op: ir.IntegerType.get_signless(64) if b.is_unsigned(
        b.rtt(op.result).element_type) else None),
}

lower_elementwise_pass = pattern_pass(
    "tsm-lower-elementwise", "Lower tsm elementwise ops to linalg.generic", LOWERINGS)
