"""Trigonometry for tsm-expand-math: f32 sin, cos, tan, atan, atan2, asin
and acos, f64 sin, cos and tan, as inline range reduction plus polynomials.

In: `math.sin`, `math.cos`, `math.tan` on `f32`, `f64` or a fixed-size
vector of them; `math.atan`, `math.atan2`, `math.asin`, `math.acos` on f32
or `vector<...xf32>` (the ops tsm-expand-math finds through
`math_approx.EXPANSIONS`, which merges this module's table).
Out: `arith` ops, `math.fma`, `math.absf`, `math.copysign`, `math.sqrt`
(asin, acos) and one division (tan, atan, atan2), branch-free and lane-wise.
sin, cos and tan also hold an `scf.if` that is taken only when some lane's
|x| is beyond the bound (`REDUCE_BOUND`, f64 `REDUCE_BOUND_F64`): it calls
libm for the whole value (the op itself, left for convert-math-to-libm) and
keeps libm's result in those lanes.  So the pass's output needs
convert-scf-to-cf before it reaches LLVM.

sin, cos, tan: x = n pi/2 + r with n = round(x 2/pi) (through the constant
1.5 2^m, m the mantissa bits) and r reduced by Cody-Waite with fused
multiply-adds against pi/2 = c1 + c2 + c3 (`CodyWaite`; c1 and c2
truncated, so all three are positive: n = 0 then gives products of -0 and
r = x for x = -0).  n c1 is exact inside the fma and x - n c1 is exact
while |x - n c1| < 2; c3's own error (f32 9.5e-23, f64 6.3e-49) times n must
stay far below |r| at the points closest to a multiple of pi/2.  r is
rounded twice (after c2 and after c3): up to 1 ulp of r, which is most of
the error below.  f32: `REDUCE_BOUND` = 2^18 is where every f32 still
meets 1.6-1.8 ulp (2^21: 5 ulp, checked over all of them); f64: 2^30, far
inside the bound above (checked with mpmath next to multiples of pi/2).
Beyond the bound, and for +-inf, the libm branch.  Polynomials on
|r| <= pi/4: sin r = r + r^3 S(r^2), cos r = 1 + r^2 C(r^2) (C ending in
-1/2); n's low two bits pick sin or cos and the sign (an xor of the sign
bit); cos is sin of quadrant n + 1; tan is s / c or -c / s by n's parity.
sin and cos of the same x emit the same reduction and polynomials (one
copy after LLVM's CSE in one loop body: tsm-split-math-chains keeps them
in one stage, `SHARED_REDUCTION`).

atan: t = min(|x|, 1) / max(|x|, 1), atan(t) = t + t^3 A(t^2), and for
|x| > 1 pi/2 - atan(t), as (lo - p) + hi with pi/2 = hi + lo (one rounding
at the end); the sign copied from x.  atan2(y, x): t = min / max of |x|,
|y|, then off - p or off + p with off in {0, pi/2, pi} by the quadrant,
sign copied from y; 0 / 0 counts as t = 0 and inf / inf as 1, so signed
zeros and infinities come out as C99 (and torch) define them.  asin: for
|x| <= 1/2 asin(x) = x + x^3 B(x^2); beyond, asin(x) = pi/2 - 2 asin(s),
s = sqrt((1 - |x|) / 2), the same polynomial at s.  acos from the same
polynomial: pi/2 - asin(x), 2 asin(s) or pi - 2 asin(s).

Coefficients: ours.  f32: relative-error minimax fits (Lawson's
iteratively reweighted least squares on 3000 Chebyshev points in 80-bit
long double, values from mpmath at 40 digits) of S, C, A, B above, rounded
to f32; fit errors (relative) sin 3.9e-9, cos 1.2e-10, atan 1.7e-8, asin
4.8e-9.  f64 S and C: mpmath chebyfit at 50 digits (see F64).

Accuracy, max error in ulps of the result.  f32 over every f32 input
against float64 (specials, signed zeros and NaN exactly as torch): sin
1.57, cos 1.74, tan 3.44 (s / c: two polynomials' errors and a division),
atan 1.57, asin 2.36 (pi/2 - 2 p doubles p's error), acos 1.13; atan2
(sampled: a grid of specials, 16M random pairs over 60 decades) 1.62.  f64
against mpmath on samples (dense, next to multiples of pi/2 up to 2^30,
tiny): sin 1.41, cos 1.43, tan 2.83.
"""
from __future__ import annotations

from typing import NamedTuple

from mlir import ir
from mlir.dialects import arith, scf, vector
from mlir.dialects import math as math_d

from .math_emitter import Emitter, Pred


class CodyWaite(NamedTuple):
    """sin/cos/tan constants of one float width: 2/pi, the rounding
    constant 1.5 2^(mantissa bits), pi/2 = c1 + c2 + c3 (c1, c2 truncated),
    the |x| bound of the fast path, and the polynomials S and C."""
    two_over_pi: float
    magic: float
    c1: float
    c2: float
    c3: float
    bound: float
    sin_s: list[float]
    cos_c: list[float]

# f32 hi + lo pairs for the offsets of atan, atan2, asin and acos.
PIO2_HI, PIO2_LO = 1.5707963705062866, -4.371138828673793e-08
PI_HI, PI_LO = 3.1415927410125732, -8.742277657347586e-08
#: Ops whose expansions of one value share all but their last selects
#: (tsm-split-math-chains keeps them in one stage).
SHARED_REDUCTION = ("math.sin", "math.cos", "math.tan")
#: |x| up to which f32 (f64) sin, cos and tan stay on the Cody-Waite path.
REDUCE_BOUND = 262144.0
REDUCE_BOUND_F64 = 2.0 ** 30

# Polynomials highest degree first.  sin r = r + r^3 S(r^2); cos r = 1 + r^2 C(r^2).
# f32: pi/2 - c1 - c2 - c3 = 9.5e-23.
F32 = CodyWaite(0.6366197466850281, 1.5 * 2 ** 23, 1.570796251296997, 7.549789415861596e-08,
                5.390302953474238e-15, REDUCE_BOUND,
                [-0.0001951398007804528, 0.008332150988280773, -0.16666653752326965],
                [2.44316688622348e-05, -0.0013887303648516536, 0.04166664555668831, -0.5])
# f64: pi/2 - c1 - c2 - c3 = -6.3e-49; S and C Chebyshev fits (mpmath
# chebyfit, 50 digits): relative errors 6.3e-18 and 6.1e-19 with the
# coefficients rounded to f64.
F64 = CodyWaite(0.6366197723675814, 1.5 * 2 ** 52, 1.5707963267948966, 6.123233995736765e-17,
                1.082856673921914e-32, REDUCE_BOUND_F64,
                [-7.586685070091267e-13, 1.605853141458901e-10, -2.5052106231157904e-08,
                 2.7557319219335453e-06, -0.0001984126984126506, 0.008333333333333331,
                 -0.16666666666666666],
                [-1.1367978191553177e-11, 2.0875886390883725e-09, -2.755731556415141e-07,
                 2.480158729368715e-05, -0.0013888888888880767, 0.04166666666666664, -0.5])
# atan t = t + t^3 A(t^2) on [0, 1].
ATAN_A = [0.002920688595622778, -0.016367914155125618, 0.043211836367845535,
          -0.07552212476730347, 0.10666003823280334, -0.14211055636405945,
          0.19993773102760315, -0.33333152532577515]
# asin s = s + s^3 B(s^2) on [0, 1/2].
ASIN_B = [0.04216630756855011, 0.02417951636016369, 0.04547037556767464,
          0.07495297491550446, 0.16666752099990845]


def _xor_sign(e: Emitter, y, bit):
    """y with its sign bit flipped where `bit` (an integer, 0 or 1 << 31) is set."""
    return e.to_float(arith.xori(e.to_int(y), bit))


def _is_negative(e: Emitter, x):
    """The sign bit of x (true for -0 too)."""
    return arith.cmpi(arith.CmpIPredicate.slt, e.to_int(x), e.ci(0))


def _constants(e: Emitter) -> CodyWaite:
    return F64 if e.bits == 64 else F32


def _reduce(e: Emitter, x):
    """(r, n's integer view, r^2): x = n pi/2 + r, |r| <= pi/4 (Cody-Waite)."""
    k = _constants(e)
    t = e.fma(x, e.c(k.two_over_pi), e.c(k.magic))
    nf = e.sub(t, e.c(k.magic))
    r = e.fma(nf, e.c(-k.c1), x)
    r = e.fma(nf, e.c(-k.c2), r)
    r = e.fma(nf, e.c(-k.c3), r)
    return r, e.to_int(t), e.mul(r, r)


def _sin_cos_poly(e: Emitter, r, s):
    """(sin r, cos r) on |r| <= pi/4.  r + r^3 S(r^2) is +0 for r = -0
    ((-0)^3 times S(0) < 0 is +0): copying r's sign keeps sin(-0) = -0."""
    k = _constants(e)
    sp, cp = e.polys(s, k.sin_s, k.cos_c)
    return e.copysign(e.fma(e.mul(r, s), sp, r), r), e.fma(s, cp, e.c(1.0))


def _quadrant_bits(e: Emitter, n, shift: int):
    """(n + shift) is odd, and its bit 1 moved to the sign bit."""
    if shift:
        n = e.iadd(n, e.ci(shift))
    odd = arith.cmpi(arith.CmpIPredicate.ne, e.iand(n, e.ci(1)), e.ci(0))
    return odd, e.shl(e.iand(n, e.ci(2)), e.bits - 2)


def _with_libm_beyond_bound(e: Emitter, x, y, name: str):
    """y, except in lanes with |x| beyond the bound (or inf, not NaN): there
    the libm result of `name`, computed only when such a lane exists."""
    far = e.cmp(Pred.OGT, e.abs(x), e.c(_constants(e).bound))
    cond = vector.reduction(ir.IntegerType.get_signless(1), vector.CombiningKind.OR, far) \
        if e.vector else far
    branch = scf.IfOp(cond, [y.type], has_else=True)
    with ir.InsertionPoint(branch.then_block):
        libm = ir.Operation.create(name, results=[y.type], operands=[x]).result
        scf.YieldOp([e.select(far, libm, y) if e.vector else libm])
    with ir.InsertionPoint(branch.else_block):
        scf.YieldOp([y])
    return branch.results[0]


def _sin_or_cos(e: Emitter, x, shift: int, name: str):
    r, n, s = _reduce(e, x)
    sin_r, cos_r = _sin_cos_poly(e, r, s)
    odd, sign = _quadrant_bits(e, n, shift)
    y = _xor_sign(e, e.select(odd, cos_r, sin_r), sign)
    return _with_libm_beyond_bound(e, x, y, name)


def expand_sin(e: Emitter, x):
    return _sin_or_cos(e, x, 0, "math.sin")


def expand_cos(e: Emitter, x):
    return _sin_or_cos(e, x, 1, "math.cos")


def expand_tan(e: Emitter, x):
    """tan(x) = sin r / cos r, or -cos r / sin r for odd n."""
    r, n, s = _reduce(e, x)
    sin_r, cos_r = _sin_cos_poly(e, r, s)
    odd, _ = _quadrant_bits(e, n, 0)
    num = e.select(odd, arith.negf(cos_r), sin_r)
    y = e.div(num, e.select(odd, sin_r, cos_r))
    return _with_libm_beyond_bound(e, x, y, "math.tan")


def _atan_poly(e: Emitter, t):
    """atan t on [0, 1] (t >= 0, or NaN)."""
    t2 = e.mul(t, t)
    return e.fma(e.mul(t, t2), e.poly(t2, ATAN_A), t)


def _offset_plus(e: Emitter, p, k, hi, lo):
    """k p + (hi + lo): the small terms first, one rounding at the end."""
    return e.add(e.fma(k, p, lo), hi)


def expand_atan(e: Emitter, x):
    a = e.abs(x)
    big = e.cmp(Pred.OGT, a, e.c(1.0))
    t = e.div(e.select(big, e.c(1.0), a), e.select(big, a, e.c(1.0)))
    p = _atan_poly(e, t)
    y = _offset_plus(e, p, e.select(big, e.c(-1.0), e.c(1.0)),
                     e.select(big, e.c(PIO2_HI), e.c(0.0)), e.select(big, e.c(PIO2_LO), e.c(0.0)))
    return e.copysign(y, x)


def expand_atan2(e: Emitter, y, x):
    """atan2(y, x) = +-(off +- atan(min / max)), by the quadrant."""
    ax, ay = e.abs(x), e.abs(y)
    # A NaN |x| or |y| ends up in num or den (swap is true when unordered).
    swap = e.cmp(Pred.UGT, ay, ax)
    num, den = e.select(swap, ax, ay), e.select(swap, ay, ax)
    den = e.select(e.cmp(Pred.OEQ, den, e.c(0.0)), e.c(1.0), den)  # 0 / 0 -> 0
    t = e.div(num, den)
    t = e.select(e.cmp(Pred.OEQ, num, den), e.c(1.0), t)  # inf / inf -> 1
    p = _atan_poly(e, t)
    neg = _is_negative(e, x)
    # off: pi/2 if swapped, pi for x < 0 not swapped, else 0; p subtracted
    # where exactly one of swap, neg holds.
    hi = e.select(swap, e.c(PIO2_HI), e.select(neg, e.c(PI_HI), e.c(0.0)))
    lo = e.select(swap, e.c(PIO2_LO), e.select(neg, e.c(PI_LO), e.c(0.0)))
    k = e.select(arith.xori(swap, neg), e.c(-1.0), e.c(1.0))
    return e.copysign(_offset_plus(e, p, k, hi, lo), y)


def _asin_parts(e: Emitter, x):
    """(|x| > 1/2, p): p = asin(|x|) for |x| <= 1/2, else asin(s) with
    s = sqrt((1 - |x|) / 2) (NaN for |x| > 1)."""
    a = e.abs(x)
    big = e.cmp(Pred.OGT, a, e.c(0.5))
    z = e.select(big, e.fma(a, e.c(-0.5), e.c(0.5)), e.mul(a, a))
    s = e.select(big, math_d.sqrt(z), a)
    return big, e.fma(e.mul(s, z), e.poly(z, ASIN_B), s)


def expand_asin(e: Emitter, x):
    big, p = _asin_parts(e, x)
    y = _offset_plus(e, p, e.select(big, e.c(-2.0), e.c(1.0)),
                     e.select(big, e.c(PIO2_HI), e.c(0.0)), e.select(big, e.c(PIO2_LO), e.c(0.0)))
    return e.copysign(y, x)


def expand_acos(e: Emitter, x):
    """pi/2 -+ p for |x| <= 1/2, 2 p for x > 1/2, pi - 2 p for x < -1/2."""
    big, p = _asin_parts(e, x)
    neg = e.cmp(Pred.OLT, x, e.c(0.0))
    k = e.select(big, e.select(neg, e.c(-2.0), e.c(2.0)), e.select(neg, e.c(1.0), e.c(-1.0)))
    hi = e.select(big, e.select(neg, e.c(PI_HI), e.c(0.0)), e.c(PIO2_HI))
    lo = e.select(big, e.select(neg, e.c(PI_LO), e.c(0.0)), e.c(PIO2_LO))
    # |x| > 1 is NaN through the sqrt, a NaN x through p.
    return _offset_plus(e, p, k, hi, lo)


EXPANSIONS = {
    ("math.sin", 32): expand_sin,
    ("math.cos", 32): expand_cos,
    ("math.tan", 32): expand_tan,
    ("math.atan", 32): expand_atan,
    ("math.atan2", 32): expand_atan2,
    ("math.asin", 32): expand_asin,
    ("math.acos", 32): expand_acos,
    ("math.sin", 64): expand_sin,
    ("math.cos", 64): expand_cos,
    ("math.tan", 64): expand_tan,
}
