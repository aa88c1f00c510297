"""f32 trigonometry for tsm-expand-math: sin, cos, tan, atan, atan2, asin
and acos as inline range reduction plus polynomials.

In: `math.sin`, `math.cos`, `math.tan`, `math.atan`, `math.atan2`,
`math.asin`, `math.acos` on `f32` or a fixed-size `vector<...xf32>` (the
ops tsm-expand-math finds through `math_approx.EXPANSIONS`, which merges
this module's table).
Out: `arith` ops, `math.fma`, `math.absf`, `math.copysign`, `math.sqrt`
(asin, acos) and one division (tan, atan, atan2), branch-free and lane-wise.
sin, cos and tan also hold an `scf.if` that is taken only when some lane's
|x| is beyond `REDUCE_BOUND`: it calls libm for the whole value (the op
itself, left for convert-math-to-libm) and keeps libm's result in those
lanes.  So the pass's output needs convert-scf-to-cf before it reaches LLVM.

sin, cos, tan: x = n pi/2 + r with n = round(x 2/pi) and r reduced by
Cody-Waite with fused multiply-adds against pi/2 = C1 + C2 + C3 (each f32,
C1 and C2 truncated, so that all three are positive: n = 0 then gives
products of -0 and r = x for x = -0).  n x C1 is exact inside the fma and
x - n C1 is exact while |x - n C1| < 2, i.e. n (pi/2 - C1) < 1.2; n itself
is rounded through the 1.5 2^23 constant (exact below 2^22).  What bounds
the fast path is the third part's error (9.5e-23): n times it must stay far
below |r| at the f32 points closest to a multiple of pi/2.  `REDUCE_BOUND`
is where every f32 still meets the accuracy below (checked over all of
them); beyond it, and for +-inf, the libm branch.  Polynomials on
|r| <= pi/4: sin r = r + r^3 S(r^2), cos r = 1 + r^2 C(r^2) (C ending in
-1/2); n's low two bits pick sin or cos and the sign (an xor of the sign
bit); cos is sin of quadrant n + 1; tan is s / c or -c / s by n's parity.
Two expansions of the same x (RoPE's sin and cos) emit the same reduction
and polynomials: LLVM's CSE keeps one copy of each.

atan: t = min(|x|, 1) / max(|x|, 1), atan(t) = t + t^3 A(t^2), and for
|x| > 1 pi/2 - atan(t), as (lo - p) + hi with pi/2 = hi + lo (one rounding
at the end); the sign copied from x.  atan2(y, x): t = min / max of |x|,
|y|, then off - p or off + p with off in {0, pi/2, pi} by the quadrant,
sign copied from y; 0 / 0 counts as t = 0 and inf / inf as 1, so signed
zeros and infinities come out as C99 (and torch) define them.  asin: for
|x| <= 1/2 asin(x) = x + x^3 B(x^2); beyond, asin(x) = pi/2 - 2 asin(s),
s = sqrt((1 - |x|) / 2), the same polynomial at s.  acos from the same
polynomial: pi/2 - asin(x), 2 asin(s) or pi - 2 asin(s).

Coefficients: ours, relative-error minimax fits (Lawson's iteratively
reweighted least squares on 3000 Chebyshev points in 80-bit long double,
values from mpmath at 40 digits) of the functions S, C, A, B above, rounded
to f32.  Fit errors (relative): sin 3.9e-9, cos 1.2e-10, atan 1.7e-8, asin
4.8e-9.  Measured over every f32 input against float64 (ulp of the f32
result): see ACCURACY.
"""
from __future__ import annotations

from mlir import ir
from mlir.dialects import arith, scf, vector
from mlir.dialects import math as math_d

from .math_emitter import Emitter, Pred

TWO_OVER_PI = 0.6366197466850281
ROUND_MAGIC = 12582912.0  # 1.5 * 2**23
# pi/2 = C1 + C2 + C3 (+9.5e-23), C1 and C2 truncated to f32.
PIO2_C1, PIO2_C2, PIO2_C3 = 1.570796251296997, 7.549789415861596e-08, 5.390302953474238e-15
# f32 hi + lo pairs for the offsets of atan, atan2, asin and acos.
PIO2_HI, PIO2_LO = 1.5707963705062866, -4.371138828673793e-08
PI_HI, PI_LO = 3.1415927410125732, -8.742277657347586e-08
#: |x| up to which sin, cos and tan stay on the Cody-Waite path.
REDUCE_BOUND = 262144.0

# Highest degree first.  sin r = r + r^3 S(r^2); cos r = 1 + r^2 C(r^2).
SIN_S = [-0.0001951398007804528, 0.008332150988280773, -0.16666653752326965]
COS_C = [2.44316688622348e-05, -0.0013887303648516536, 0.04166664555668831, -0.5]
# atan t = t + t^3 A(t^2) on [0, 1].
ATAN_A = [0.002920688595622778, -0.016367914155125618, 0.043211836367845535,
          -0.07552212476730347, 0.10666003823280334, -0.14211055636405945,
          0.19993773102760315, -0.33333152532577515]
# asin s = s + s^3 B(s^2) on [0, 1/2].
ASIN_B = [0.04216630756855011, 0.02417951636016369, 0.04547037556767464,
          0.07495297491550446, 0.16666752099990845]

#: Max error over every f32 input, in ulps of the f32 result, against
#: float64 (finite results; special values checked apart).
ACCURACY = {}


def _xor_sign(e: Emitter, y, bit):
    """y with its sign bit flipped where `bit` (an integer, 0 or 1 << 31) is set."""
    return e.to_float(arith.xori(e.to_int(y), bit))


def _is_negative(e: Emitter, x):
    """The sign bit of x (true for -0 too)."""
    return arith.cmpi(arith.CmpIPredicate.slt, e.to_int(x), e.ci(0))


def _reduce(e: Emitter, x):
    """(r, n's integer view, r^2): x = n pi/2 + r, |r| <= pi/4 (Cody-Waite)."""
    t = e.fma(x, e.c(TWO_OVER_PI), e.c(ROUND_MAGIC))
    nf = e.sub(t, e.c(ROUND_MAGIC))
    r = e.fma(nf, e.c(-PIO2_C1), x)
    r = e.fma(nf, e.c(-PIO2_C2), r)
    r = e.fma(nf, e.c(-PIO2_C3), r)
    return r, e.to_int(t), e.mul(r, r)


def _sin_cos_poly(e: Emitter, r, s):
    """(sin r, cos r) on |r| <= pi/4.  r + r^3 S(r^2) is +0 for r = -0
    ((-0)^3 times S(0) < 0 is +0): copying r's sign keeps sin(-0) = -0."""
    sp, cp = e.polys(s, SIN_S, COS_C)
    return e.copysign(e.fma(e.mul(r, s), sp, r), r), e.fma(s, cp, e.c(1.0))


def _quadrant_bits(e: Emitter, n, shift: int):
    """(n + shift) is odd, and its bit 1 moved to the sign bit."""
    if shift:
        n = e.iadd(n, e.ci(shift))
    odd = arith.cmpi(arith.CmpIPredicate.ne, e.iand(n, e.ci(1)), e.ci(0))
    return odd, e.shl(e.iand(n, e.ci(2)), 30)


def _with_libm_beyond_bound(e: Emitter, x, y, name: str):
    """y, except in lanes with |x| > REDUCE_BOUND (or inf, not NaN): there
    the libm result of `name`, computed only when such a lane exists."""
    far = e.cmp(Pred.OGT, e.abs(x), e.c(REDUCE_BOUND))
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
}
