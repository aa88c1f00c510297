"""f64 transcendental math ops as inline polynomials (part of tsm-expand-math).

In: `math.exp`, `math.exp2`, `math.expm1`, `math.log`, `math.log1p`,
`math.log2`, `math.log10`, `math.tanh`, `math.erf`, `math.sinh` and
`math.cosh` on `f64` or a fixed-size `vector<...xf64>`, as tsm-expand-math
finds them (it runs once before math-expand-ops, whose exp formulas for
sinh, cosh and exp2 lose accuracy, and once after).
Out: range reduction plus polynomials built from `arith` ops, `math.fma`,
`math.absf` and `math.copysign` (one `arith.divf` in log, log1p, log2,
log10, tanh, erf, sinh and cosh); nothing calls libm.  Every branch is
computed and one select picks the result.  `EXPANSIONS` is merged into
math_approx.EXPANSIONS, keyed (op name, 64).

Why: without them every f64 op is one scalar libm call per element inside
the vector loop (1.7-3.9x slower than eager's SLEEF kernels on 1M elements).

Methods (coefficients ours: Chebyshev fits in mpmath at 50 digits, see the
tables below):
- exp, exp2, expm1, tanh share one reduction x = n ln2 + r (|r| <= ln2/2,
  ln2 in two parts) and one polynomial e^r - 1 = r + r^2 Q(r).
- log, log1p, log2, log10 share one reduction x = 2^k (1 + f) with
  1 + f in [sqrt(1/2), sqrt 2) and log(1 + f) = f - f^2/2 + s (f^2/2 + R),
  s = f / (2 + f), R = s^2 P(s^2) (the atanh series, refitted).
- tanh: x + x^3 P(x^2) below 0.55; 1 - 2v / (1 + v), v = e^(-2|x|),
  above.
- sinh: x + x^3 P(x^2) below 1, (E + E / (E + 1)) / 2 with E = expm1(|x|)
  below 22, e^|x| / 2 above; cosh: e^|x| / 2 + 1 / (4 e^|x| / 2).
- erf: x + x P(x^2) below 0.9; above, 1 - e^(-x^2) F(t), F a polynomial in
  t = (|x| - 3) / (|x| + 3) fitted to erfc(x) e^(x^2) on [0.9, 6].

Accuracy, measured against numpy's 80-bit long double (mpmath for erf):
max error in ulp of the result over dense samples of each domain, every
magnitude, special values and the branch points (test_math_f64.py keeps
a sample): exp 0.96, exp2 1.03, expm1 1.24, log 0.85, log1p 1.12, log2 1.08,
log10 0.88, tanh 1.49, erf 1.35, sinh 1.61, cosh 1.52 (torch's sinh and
cosh overflow early, past 709.78; these at 710.48 as they should).
Denormal results of exp and exp2 are within one denormal ulp.  Special
values (+-0, +-inf, NaN, overflow, underflow through the denormals, log of
x <= 0) behave as in torch.
"""
from __future__ import annotations

from mlir import ir

from .math_emitter import INF, NAN, Emitter, Pred

LOG2E = 1.4426950408889634
LN2 = 0.6931471805599453
# ln 2 = LN2_HI + LN2_LO; LN2_HI has 32 significant bits, so n * LN2_HI is
# exact for every |n| < 2^21.
LN2_HI, LN2_LO = 0.6931471803691238, 1.9082149292705877e-10
ROUND_MAGIC = 6755399441055744.0  # 1.5 * 2**52: adding it rounds |v| < 2**51 to an integer
MANTISSA = 52
BIAS = 1023

# e^r - 1 = r + r^2 Q(r) on |r| <= ln2/2 (fit error 1.4e-18).
EXPM1_Q = (2.0914717341716378e-09, 2.5105259538448494e-08, 2.755727357010214e-07,
           2.7557255297969643e-06, 2.4801587325605324e-05, 0.0001984126987490126,
           0.001388888888888373, 0.008333333333326112, 0.04166666666666667,
           0.1666666666666667, 0.5)
# exp(x) is inf above EXP_HI and rounds to 0 below EXP_LO; clamping there
# keeps n in [-1076, 1025].  The result is p 2^(n-1), p = 2 e^r: below
# EXP_TINY (n <= -1021) 2^(n-1) is not normal, so the scale is
# 2^(n-1+TINY_BIAS) and a second multiply by 2^-TINY_BIAS rounds once into
# the denormals; below EXP_LO that factor is 0 (see math_approx.EXP_LO).
EXP_HI, EXP_LO, EXP_TINY = 710.0, -746.0, -707.0
EXP2_TINY = -1020.0
TINY_BIAS = 64
# expm1(x) rounds to -1 below EXPM1_LO; above, n >= -58, so 2^(n-1) is normal.
EXPM1_LO = -40.0


def _round(e: Emitter, v: ir.Value) -> tuple[ir.Value, ir.Value]:
    """(t, n): t = v + ROUND_MAGIC, whose low bits hold the integer n =
    round(v), and n as a float.  A NaN v gives garbage bits (not poison)."""
    t = e.add(v, e.c(ROUND_MAGIC))
    return t, e.sub(t, e.c(ROUND_MAGIC))


def _pow2(e: Emitter, t: ir.Value, bias: ir.Value | int) -> ir.Value:
    """2^(n + bias - BIAS) for the n that `_round` left in t's low bits."""
    bias = e.ci(bias << MANTISSA) if isinstance(bias, int) else bias
    return e.to_float(e.iadd(e.shl(e.to_int(t), MANTISSA), bias))


def _reduce_exp(e: Emitter, x: ir.Value) -> tuple[ir.Value, ir.Value]:
    """(t, e^r - 1) with x = n ln2 + r (Cody-Waite), n held in t as by `_round`."""
    t = e.fma(x, e.c(LOG2E), e.c(ROUND_MAGIC))
    nf = e.sub(t, e.c(ROUND_MAGIC))
    r = e.fma(nf, e.c(-LN2_HI), x)
    r = e.fma(nf, e.c(-LN2_LO), r)
    return t, _expm1_small(e, r)


def _expm1_small(e: Emitter, r: ir.Value) -> ir.Value:
    return e.fma(e.mul(r, r), e.poly(r, EXPM1_Q), r)


def _scale_exp(e: Emitter, x: ir.Value, tiny_below: float, zero: ir.Value, t: ir.Value,
               em: ir.Value) -> ir.Value:
    """2^n (1 + em) as (2 + 2 em) 2^(n-1), n in [-1076, 1024]; tiny (the
    clamped x < tiny_below) where n <= -1021; 0 where `zero` (x was below
    the low clamp)."""
    tiny = e.cmp(Pred.OLT, x, e.c(tiny_below))
    bias = e.select(tiny, e.ci((BIAS - 1 + TINY_BIAS) << MANTISSA), e.ci((BIAS - 1) << MANTISSA))
    y = e.mul(e.fma(em, e.c(2.0), e.c(2.0)), _pow2(e, t, bias))
    return e.mul(y, e.denormal_factor(tiny, zero, 2.0 ** -TINY_BIAS))


def _tiny_is_x(e: Emitter, x: ir.Value, y: ir.Value) -> ir.Value:
    """x where |x| < 2^-54 (expm1(x) and log1p(x) round to x there: -0 and
    denormals, which the scaled steps would lose), else y."""
    return e.select(e.cmp(Pred.OLT, e.abs(x), e.c(2.0 ** -54)), x, y)


def expand_exp(e: Emitter, x: ir.Value) -> ir.Value:
    x, below = e.clamped(x, EXP_LO, EXP_HI)
    t, em = _reduce_exp(e, x)
    return _scale_exp(e, x, EXP_TINY, below, t, em)


def expand_exp2(e: Emitter, x: ir.Value) -> ir.Value:
    """2^x = 2^n e^(r ln2), n = round(x), r = x - n exact."""
    x, below = e.clamped(x, EXP_LO * LOG2E, EXP_HI * LOG2E)
    t, nf = _round(e, x)
    em = _expm1_small(e, e.mul(e.sub(x, nf), e.c(LN2)))
    return _scale_exp(e, x, EXP2_TINY, below, t, em)


def _expm1_parts(e: Emitter, x: ir.Value, k: int = 1) -> tuple[ir.Value, ir.Value, ir.Value]:
    """(s, r, h) with x = n ln2 + r, s = 2^(n-k) and e^r - 1 = r + h, for x
    in [EXPM1_LO, EXP_HI] (k = 1: s is normal, also at n = 1024).  r's rounding
    error goes into h: at n = 1, where expm1's sum cancels, it would cost
    0.5-0.7 ulp."""
    t = e.fma(x, e.c(LOG2E), e.c(ROUND_MAGIC))
    nf = e.sub(t, e.c(ROUND_MAGIC))
    rh = e.fma(nf, e.c(-LN2_HI), x)  # exact
    r = e.fma(nf, e.c(-LN2_LO), rh)
    c = e.fma(nf, e.c(-LN2_LO), e.sub(rh, r))  # rh - n LN2_LO - r, to first order
    h = e.add(e.mul(e.mul(r, r), e.poly(r, EXPM1_Q)), e.fma(c, r, c))
    return _pow2(e, t, BIAS - k), r, h


def _scaled_sum(e: Emitter, s, r, h, d) -> ir.Value:
    """s (r + h) + d, rounded twice."""
    return e.fma(h, s, e.fma(r, s, d))


def expand_expm1(e: Emitter, x: ir.Value) -> ir.Value:
    """expm1(x) = 2 (s (r + h) + (s - 1/2)): s - 1/2 is exact for |n| <= 53;
    e^r - 1 itself for n = 0."""
    s, r, h = _expm1_parts(e, e.clamp(x, EXPM1_LO, EXP_HI))
    y = _scaled_sum(e, s, r, h, e.sub(s, e.c(0.5)))
    return _tiny_is_x(e, x, e.add(y, y))


#: sinh(x) and cosh(x) are e^|x| / 2 (to the last bit) from here on.
HYPERBOLIC_LARGE = 22.0
#: ... and overflow past this (sinh(710.4758) = 1.797e308); n <= 1025.
HYPERBOLIC_HI = 710.5


def _hyperbolic(e: Emitter, x: ir.Value):
    """(a, E, half): a = |x|, E = expm1(a) for a < HYPERBOLIC_LARGE (else
    garbage), half = e^a / 2 = 2 (2^(n-2) e^r) (inf past overflow)."""
    a = e.abs(x)
    quarter, r, h = _expm1_parts(e, e.at_most(a, HYPERBOLIC_HI), k=2)
    s = e.add(quarter, quarter)
    big = _scaled_sum(e, s, r, h, e.sub(s, e.c(0.5)))
    half = _scaled_sum(e, quarter, r, h, quarter)
    return a, e.add(big, big), e.add(half, half)


# sinh(x) = x + x z P(z), z = x^2, below 1 (fit error 3.5e-19).
SINH_P = (7.746188556142327e-13, 1.605767934982023e-10, 2.5052117698709824e-08,
          2.755731919136874e-06, 0.00019841269841324225, 0.008333333333333299,
          0.16666666666666666)


def expand_sinh(e: Emitter, x: ir.Value) -> ir.Value:
    """A polynomial below 1; (E + E / (E + 1)) / 2, E = expm1(|x|), up to
    HYPERBOLIC_LARGE; e^|x| / 2 beyond.  math-expand-ops' (e^x - e^-x) / 2
    would lose all relative accuracy near 0."""
    a, big_e, half = _hyperbolic(e, x)
    z = e.mul(a, a)
    small = e.fma(a, e.mul(z, e.poly(z, SINH_P)), a)
    mid = e.mul(e.add(big_e, e.div(big_e, e.add(big_e, e.c(1.0)))), e.c(0.5))
    y = e.select(e.cmp(Pred.OLT, a, e.c(HYPERBOLIC_LARGE)), mid, half)
    return e.copysign(e.select(e.cmp(Pred.OLT, a, e.c(1.0)), small, y), x)


def expand_cosh(e: Emitter, x: ir.Value) -> ir.Value:
    """cosh(x) = e^|x| / 2 + 1 / (4 e^|x| / 2)  (the second part rounds away
    past HYPERBOLIC_LARGE, and 1/inf = 0)."""
    _, _, half = _hyperbolic(e, x)
    return e.add(half, e.div(e.c(0.25), half))


# log(1 + f) = f - f^2/2 + s (f^2/2 + s^2 P(s^2)), s = f / (2 + f), on
# 1 + f in [sqrt(1/2), sqrt 2): s^2 <= 0.0295 (fit error 3.1e-16 in P,
# 1e-17 relative to the result).
LOG_P = (0.14617807153417325, 0.15331611722055008, 0.1818289243253687, 0.22222211089379496,
         0.28571428626253836, 0.3999999999989889, 0.666666666666667)
DBL_MIN = 2.0 ** -1022
DENORMAL_SCALE = 54
# Subtracting the bits of sqrt(1/2) from x's splits x = 2^k m, m in [sqrt(1/2), sqrt 2).
SQRT_HALF_BITS = 0x3FE6A09E667F3BCD
LOG2E_LO = 2.0355273740931033e-17
LOG10E, LOG10E_LO = 0.4342944819032518, 1.098319650216765e-17
# log10(2) = LOG10_2_HI + LOG10_2_LO, k * LOG10_2_HI exact.
LOG10_2_HI, LOG10_2_LO = 0.3010299955494702, 1.1451100898021838e-10


def _split(e: Emitter, x: ir.Value) -> tuple[ir.Value, ir.Value]:
    """(k, m) with x = 2^k m, m in [sqrt(1/2), sqrt 2), for normal x > 0;
    k as an integer."""
    bits = e.to_int(x)
    k = e.ashr(e.isub(bits, e.ci(SQRT_HALF_BITS)), MANTISSA)
    return k, e.to_float(e.isub(bits, e.shl(k, MANTISSA)))


def _log_terms(e: Emitter, f: ir.Value) -> ir.Value:
    """w with log(1 + f) = f - w, |w| well below |f|."""
    s = e.div(f, e.add(f, e.c(2.0)))
    z = e.mul(s, s)
    hfsq = e.mul(e.mul(f, f), e.c(0.5))
    r = e.mul(z, e.poly(z, LOG_P))
    return e.sub(hfsq, e.mul(s, e.add(hfsq, r)))


def _log_reduce(e: Emitter, x: ir.Value) -> tuple[ir.Value, ir.Value]:
    """(k, f) as floats with x = 2^k (1 + f), denormals included."""
    tiny = e.cmp(Pred.OLT, x, e.c(DBL_MIN))
    k, m = _split(e, e.select(tiny, e.mul(x, e.c(2.0 ** DENORMAL_SCALE)), x))
    kf = e.sub(e.itof(k), e.select(tiny, e.c(float(DENORMAL_SCALE)), e.c(0.0)))
    return kf, e.sub(m, e.c(1.0))


def _log_specials(e: Emitter, x: ir.Value, y: ir.Value) -> ir.Value:
    """log's result at x = +inf, 0 and below 0 or NaN; y elsewhere."""
    y = e.select(e.cmp(Pred.OEQ, x, e.c(INF)), x, y)
    y = e.select(e.cmp(Pred.OEQ, x, e.c(0.0)), e.c(-INF), y)
    return e.select(e.cmp(Pred.ULT, x, e.c(0.0)), e.c(NAN), y)


def expand_log(e: Emitter, x: ir.Value) -> ir.Value:
    kf, f = _log_reduce(e, x)
    w = e.fma(kf, e.c(-LN2_LO), _log_terms(e, f))
    return _log_specials(e, x, e.fma(kf, e.c(LN2_HI), e.sub(f, w)))


def expand_log2(e: Emitter, x: ir.Value) -> ir.Value:
    """k + (f - w) log2(e), f log2(e) kept to more than double precision."""
    kf, f = _log_reduce(e, x)
    w = _log_terms(e, f)
    lo = e.fma(f, e.c(LOG2E_LO), e.mul(w, e.c(-LOG2E)))
    return _log_specials(e, x, e.add(kf, e.fma(f, e.c(LOG2E), lo)))


def expand_log10(e: Emitter, x: ir.Value) -> ir.Value:
    kf, f = _log_reduce(e, x)
    w = _log_terms(e, f)
    lo = e.fma(kf, e.c(LOG10_2_LO), e.fma(f, e.c(LOG10E_LO), e.mul(w, e.c(-LOG10E))))
    y = e.fma(kf, e.c(LOG10_2_HI), e.fma(f, e.c(LOG10E), lo))
    return _log_specials(e, x, y)


def expand_log1p(e: Emitter, x: ir.Value) -> ir.Value:
    """log(u), u = 1 + x, with u's rounding error c = x - (u - 1) put back
    into f (exact steps for u < 2^53, where c matters)."""
    u = e.add(x, e.c(1.0))
    c = e.sub(x, e.sub(u, e.c(1.0)))
    k, m = _split(e, u)  # u is 0 or at least 2^-53: never denormal
    inv = e.to_float(e.isub(e.ci(BIAS << MANTISSA), e.shl(k, MANTISSA)))  # 2^-k
    small = e.cmp(Pred.OLT, u, e.c(2.0 ** 53))
    f = e.add(e.sub(m, e.c(1.0)), e.select(small, e.mul(c, inv), e.c(0.0)))
    kf = e.itof(k)
    w = e.fma(kf, e.c(-LN2_LO), _log_terms(e, f))
    y = _log_specials(e, u, e.fma(kf, e.c(LN2_HI), e.sub(f, w)))
    return _tiny_is_x(e, x, y)


# tanh(x) = x + x z P(z), z = x^2, below TANH_SPLIT (fit error 7.7e-18);
# 1 - 2v / (1 + v), v = e^(-2|x|), above; beyond TANH_CLAMP it rounds to 1.
TANH_P = (-2.060149214083168e-05, 8.511130450065171e-05, -0.0002346336232753106,
          0.0005889356755666889, -0.001455661753739356, 0.003592110369136933,
          -0.00886323439708993, 0.021869488493635535, -0.05396825396743333,
          0.13333333333332714, -0.3333333333333333)
TANH_SPLIT, TANH_CLAMP = 0.55, 20.0


def expand_tanh(e: Emitter, x: ir.Value) -> ir.Value:
    a = e.abs(x)
    z = e.mul(a, a)
    small = e.fma(a, e.mul(z, e.poly(z, TANH_P)), a)
    t, em = _reduce_exp(e, e.mul(e.at_most(a, TANH_CLAMP), e.c(-2.0)))
    scale = _pow2(e, t, BIAS)  # 2^n, n in [-58, -1]
    v = e.fma(em, scale, scale)
    large = e.sub(e.c(1.0), e.div(e.add(v, v), e.add(v, e.c(1.0))))
    return e.copysign(e.select(e.cmp(Pred.OLT, a, e.c(TANH_SPLIT)), small, large), x)


# erf(x) = x + x P(x^2) for |x| < ERF_SPLIT (fit error 4.1e-17).
ERF_P = (1.026437031211953e-08, -1.55473420819137e-07, 1.6375982278350703e-06,
         -1.4919945935278755e-05, 0.00012055088633414177, -0.000854832027520332,
         0.0052239775089647274, -0.026866170633382345, 0.11283791670894268,
         -0.3761263890318252, 0.12837916709551253)
# erfc(x) e^(x^2) = F(t), t = (x - K) / (x + K), on [ERF_SPLIT, ERF_CLAMP]
# (fit error 3.3e-17); erf rounds to 1 beyond ERF_CLAMP.
ERFCX_K = 3.0
ERFCX_F = (1.2589889223002628e-06, 2.0026656976906917e-06, -8.004545965859936e-06,
           -1.2840730180517159e-05, 6.406227436615131e-05, 4.525346196157691e-05,
           -0.0005970624866224218, 0.0007077465424380466, 0.004269136357905199,
           -0.024392499322157233, 0.0716658371974382, -0.15011593650071817,
           0.24560380171233498, -0.32623356004303755, 0.17900115118138996)
ERF_SPLIT, ERF_CLAMP = 0.9, 6.0


def expand_erf(e: Emitter, x: ir.Value) -> ir.Value:
    a = e.abs(x)
    z = e.mul(a, a)
    small = e.fma(a, e.poly(z, ERF_P), a)
    b = e.at_most(a, ERF_CLAMP)
    t = e.div(e.sub(b, e.c(ERFCX_K)), e.add(b, e.c(ERFCX_K)))
    # z's rounding moves e^(-z) by at most 0.5 ulp(z) relative: times
    # erfc(x) <= 0.21 that is below 0.1 ulp of erf.
    tq, em = _reduce_exp(e, e.sub(e.c(0.0), e.at_most(z, ERF_CLAMP ** 2)))
    scale = _pow2(e, tq, BIAS)  # n in [-52, -1]
    erfc = e.mul(e.fma(em, scale, scale), e.poly(t, ERFCX_F))
    y = e.select(e.cmp(Pred.OLT, a, e.c(ERF_SPLIT)), small, e.sub(e.c(1.0), erfc))
    return e.copysign(y, x)


EXPANSIONS = {
    ("math.exp", 64): expand_exp,
    ("math.exp2", 64): expand_exp2,
    ("math.expm1", 64): expand_expm1,
    ("math.log", 64): expand_log,
    ("math.log1p", 64): expand_log1p,
    ("math.log2", 64): expand_log2,
    ("math.log10", 64): expand_log10,
    ("math.tanh", 64): expand_tanh,
    ("math.sinh", 64): expand_sinh,
    ("math.cosh", 64): expand_cosh,
    ("math.erf", 64): expand_erf,
}
