"""tsm-expand-math: f32 transcendental math ops as inline polynomials.

In: any IR holding `math.exp`, `math.exp2`, `math.tanh`, `math.erf`,
`math.log`, `math.log1p` or `math.expm1` on `f32` or a fixed-size
`vector<...xf32>` (before or after vectorization).
Out: each such op is replaced by range reduction plus a polynomial or rational
approximation built from `arith` ops, `math.fma`, `math.absf` and
`math.copysign`, which LLVM lowers to vector instructions; nothing calls libm.
f64 ops have theirs in math_f64, f32 sin, cos, tan, atan, atan2, asin and
acos theirs in math_trig (both merged into EXPANSIONS; sin, cos and tan keep
an `scf.if` to libm for huge arguments, so convert-scf-to-cf runs after this
pass).  Other element types (f16, bf16) and other math ops are left untouched.
tanh and erf of `x * 2^k` (a constant), and gelu's erf(x * f32(1/sqrt 2)),
take the scale into their coefficients.
`expanded_math_count` tells tsm-cpu-vectorize (math_chain_split.loop_width)
how wide to vectorize a loop.

Why: this MLIR build has no polynomial-approximation pass and the JIT sets no
vector math library, so an f32 `math.exp` inside vector code becomes one
scalar libm call per lane.

Accuracy (max against float64; over every f32 input for tanh, erf and both
ends of exp, sampled elsewhere): relative 8.7e-8 for exp (within 1 denormal
ulp below FLT_MIN), 8.6e-8 for exp2 (4e6 samples), 8.5e-8 for log, 1.8e-7
for log1p and expm1; absolute 3.1e-7 for tanh, 3.2e-7 for erf and 3.4e-7
for gelu's erf(x / sqrt 2)
(relative 2.3e-7 near 0; |result| <= 1): one rational with one division
there buys speed over selecting between two branches.  Special values (+-0,
+-inf, NaN, overflow to inf, underflow through denormals to 0, log of
x <= 0) behave as in torch.

Placement: unrestricted `math-expand-ops` splits `math.fma` into mul + add
(still accurate, about 1.3-1.5x slower), and it rewrites f32 tanh into an exp
formula that loses relative accuracy near 0.  So run this pass after a
`math-expand-ops{ops=...}` whose list names neither fma nor tanh.
"""
from __future__ import annotations

import math
from typing import Callable, NamedTuple

from mlir import ir
from mlir.dialects import arith

from . import math_trig
from . import math_f64
from .math_emitter import INF, NAN, Emitter, Pred, float_bits
from .passes import register


LOG2E = 1.44269504088896341
LN2 = 0.693147180559945309
# ln 2 = LN2_HI + LN2_LO; LN2_HI has few mantissa bits so n * LN2_HI is exact.
LN2_HI, LN2_LO = 0.693359375, -2.12194440e-4
ROUND_MAGIC = 12582912.0  # 1.5 * 2**23: adding it rounds |v| < 2**22 to an integer

# exp(r) on |r| <= ln2/2 is P(r) / 2 with P a degree-6 minimax fit (ours) of
# 2 exp(r): the 2 lets the scale be 2^(n-1), a normal number for every n up
# to 128 (exp(88.7) = 2^128 * 0.99), where a 2^n scale would be inf.
EXP_P = [0.0027673589065670967, 0.016749713569879532, 0.08333645761013031,
         0.33332839608192444, 0.9999998211860657, 2.0, 2.0]
# Beyond these bounds exp(x) is +inf / rounds to 0 anyway; clamping keeps n in
# [-150, 128].  Below EXP_TINY (n <= -125) 2^(n-1) is not normal: the scale
# is 2^(n-1+64) and a second multiply by 2^-64 rounds once into the denormals.
# Below the low clamp (exp(-104) rounds to 0) that second factor is 0 instead:
# a multiply that underflows costs a microcode assist (~150 cycles on Intel
# cores without flush-to-zero), and -inf is what masked softmax and attention
# feed exp: a row half masked ran 4x slower than an unmasked one.
EXP_HI, EXP_LO, EXP_TINY = 89.0, -104.0, -86.5
TINY_BIAS = 64


def expand_exp(e: Emitter, x: ir.Value) -> ir.Value:
    """exp(x) = 2^n exp(r), n = round(x log2 e), r = x - n ln2 (Cody-Waite)."""
    x, below = e.clamped(x, EXP_LO, EXP_HI)
    # n is rounded through the magic constant, not fptosi, so a NaN x gives
    # garbage bits (not poison) that the NaN polynomial result absorbs.
    t = e.fma(x, e.c(LOG2E), e.c(ROUND_MAGIC))
    nf = e.sub(t, e.c(ROUND_MAGIC))
    r = e.fma(nf, e.c(-LN2_HI), x)
    r = e.fma(nf, e.c(-LN2_LO), r)
    return _scale_exp(e, e.poly(r, EXP_P), t, x, EXP_TINY, below)


def expand_exp2(e: Emitter, x: ir.Value) -> ir.Value:
    """2^x = 2^n exp(r ln2), n = round(x), r = x - n exact.  (math-expand-ops'
    exp(x ln2) rounds x ln2: 4e-6 relative error at x = 127.)"""
    x, below = e.clamped(x, EXP_LO * LOG2E, EXP_HI * LOG2E)
    t = e.add(x, e.c(ROUND_MAGIC))
    p = e.poly(e.mul(e.sub(x, e.sub(t, e.c(ROUND_MAGIC))), e.c(LN2)), EXP_P)
    return _scale_exp(e, p, t, x, EXP_TINY * LOG2E, below)


def _scale_exp(e: Emitter, p: ir.Value, t: ir.Value, x: ir.Value, tiny_below: float,
               zero: ir.Value) -> ir.Value:
    """p 2^(n-1) for the n in t's low bits (ROUND_MAGIC's bits shift out):
    2^(n-1) is (n + 126) << 23, plus TINY_BIAS in the exponent where the
    clamped x < tiny_below; 0 where `zero` (x was below the low clamp)."""
    tiny = e.cmp(Pred.OLT, x, e.c(tiny_below))
    bias = e.select(tiny, e.ci((126 + TINY_BIAS) << 23), e.ci(126 << 23))
    y = e.mul(p, e.to_float(e.iadd(e.shl(e.to_int(t), 23), bias)))
    return e.mul(y, e.denormal_factor(tiny, zero, 2.0 ** -TINY_BIAS))


# tanh and erf are odd, so both are one clamped rational x P(x^2) / Q(x^2):
# one division and no select or copysign (the clamp keeps NaN and the sign,
# -0 stays -0, +-inf clamp to the ends).  Coefficients: relative-error
# minimax fits in x^2 (ours, rational Remez in high precision), P scaled to
# be monic (its first Horner step is then an add, not a multiply-add with a
# constant in a register: one FMA-pipe op less per rational), rounded to f32
# and nudged by a few ulps against the f32 evaluation.  The fit error is
# 3e-8 (tanh) and 5e-8 (erf); the rest of the max abs error (3.09e-7,
# 3.19e-7 over every f32) is the f32 rounding of evaluating P and Q.  The
# clamp is where the rational first rounds to exactly 1: beyond it, the f32
# rounding could give 1 + 1 ulp (and 1 - tanh, 1 + erf would turn
# negative), which no f32 input below the clamp does (checked over all).
class OddRational(NamedTuple):
    """y = a P(a^2) / Q(a^2), a = x clamped to [-clamp, clamp]; coefficients
    highest degree first, those of P or of Q led by exactly 1."""
    clamp: float
    p: tuple[float, ...]
    q: tuple[float, ...]

    def scaled(self, k: float) -> OddRational:
        """The rational of f(k x), divided through by the leading factor that
        keeps the monic polynomial monic.  Exact for a power of two k."""
        n, m = len(self.p) - 1, len(self.q) - 1
        p = [c * k ** (2 * (n - i) + 1) for i, c in enumerate(self.p)]
        q = [c * k ** (2 * (m - j)) for j, c in enumerate(self.q)]
        lead = p[0] if self.p[0] == 1.0 else q[0]
        return OddRational(self.clamp / k, tuple(c / lead for c in p), tuple(c / lead for c in q))

    def times(self, k: float) -> OddRational:
        """The rational of k f(x): k goes into the polynomial that is not
        monic (P times k, or Q divided by k), so no op is added.  Exact for
        a power of two k: every step of the evaluation is scaled by k."""
        if self.p[0] != 1.0:
            return self._replace(p=tuple(c * k for c in self.p))
        return self._replace(q=tuple(c / k for c in self.q))


# tanh: [7/10]; 1 - tanh(7.8689) = 2.9e-7.
TANH = OddRational(7.868872165679932,
                   (1.0, 198.78582763671875, 7948.94873046875, 60063.984375),
                   (-1.570831227581948e-05, 0.02859802171587944, 17.731285095214844,
                    1513.697021484375, 27970.26171875, 60063.984375))
# erf: [13/8], Q monic (P monic rounds worse here); 1 - erf(3.6174) = 3.1e-7.
ERF = OddRational(3.6173975467681885,
                  (2.0840047000092454e-05, -0.0020478360820561647, 0.1483723521232605,
                   3.8718202114105225, 52.8980712890625, 209.11537170410156, 1180.243408203125),
                  (1.0, 15.013069152832031, 120.28482055664062, 533.9764404296875,
                   1045.96337890625))
# erf(x k) for k = 1/sqrt 2 in f32 (exact gelu's erf(x / sqrt 2)): ERF.scaled(k)
# would round the coefficients anew, so this set is nudged and checked on
# its own against erf(x k) in float64 (max abs error 3.35e-7 over every f32).
ERF_SQRT_HALF = OddRational(5.1086835861206055,
                            (3.6840342545474414e-06, -0.0007240190752781928, 0.10491509735584259,
                             5.47558069229126, 149.61834716796875, 1182.935302734375,
                             13352.9296875),
                            (1.0, 30.026140213012695, 481.1392822265625, 4271.81201171875,
                             16735.41796875))
RATIONALS = {"math.tanh": TANH, "math.erf": ERF}
#: Non-power-of-two scales k with a rational of their own for f(x k).
SCALED_RATIONALS = {("math.erf", 0.7071067690849304): ERF_SQRT_HALF}


def expand_odd_rational(e: Emitter, x: ir.Value, r: OddRational) -> ir.Value:
    a = e.clamp(x, -r.clamp, r.clamp)
    s = e.mul(a, a)
    p, q = e.polys(s, r.p, r.q)
    return e.div(e.mul(a, p), q)


def expand_tanh(e: Emitter, x: ir.Value) -> ir.Value:
    return expand_odd_rational(e, x, TANH)


def expand_erf(e: Emitter, x: ir.Value) -> ir.Value:
    return expand_odd_rational(e, x, ERF)


# Cephes logf: log(1 + m) = m - m^2/2 + m^3 P(m) on sqrt(1/2) - 1 <= m < sqrt(2) - 1.
LOG_P = [7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1,
         1.4249322787e-1, -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1,
         3.3333331174e-1]
FLT_MIN = 1.17549435e-38
SQRT_HALF = 0.707106781186547524


def expand_log(e: Emitter, x: ir.Value) -> ir.Value:
    """log(x) = k ln2 + log(m), x = m 2^k with m in [sqrt(1/2), sqrt(2))."""
    # Denormals get scaled into the normal range first (exponent fixed below).
    tiny = e.cmp(Pred.OLT, x, e.c(FLT_MIN))
    xs = e.select(tiny, e.mul(x, e.c(2.0 ** 23)), x)
    bits = e.to_int(xs)
    k = e.itof(e.isub(e.ashr(bits, 23), e.ci(126)))
    k = e.sub(k, e.select(tiny, e.c(23.0), e.c(0.0)))
    m = e.to_float(e.ior(e.iand(bits, e.ci(0x007FFFFF)), e.ci(0x3F000000)))  # [0.5, 1)
    below = e.cmp(Pred.OLT, m, e.c(SQRT_HALF))
    k = e.sub(k, e.select(below, e.c(1.0), e.c(0.0)))
    m = e.add(e.sub(m, e.c(1.0)), e.select(below, m, e.c(0.0)))
    m2 = e.mul(m, m)
    y = e.mul(e.mul(e.poly(m, LOG_P), m), m2)
    y = e.fma(k, e.c(LN2_LO), y)
    y = e.fma(m2, e.c(-0.5), y)
    y = e.fma(k, e.c(LN2_HI), e.add(m, y))
    y = e.select(e.cmp(Pred.OEQ, x, e.c(INF)), x, y)
    y = e.select(e.cmp(Pred.OEQ, x, e.c(0.0)), e.c(-INF), y)
    return e.select(e.cmp(Pred.ULT, x, e.c(0.0)), e.c(NAN), y)  # x < 0 or NaN


def expand_log1p(e: Emitter, x: ir.Value) -> ir.Value:
    """log1p(x) = log(u) * x / (u - 1), u = 1 + x (the rounding of u cancels)."""
    u = e.add(x, e.c(1.0))
    d = e.sub(u, e.c(1.0))
    y = e.mul(expand_log(e, u), e.div(x, d))
    y = e.select(e.cmp(Pred.OEQ, u, e.c(INF)), u, y)
    return e.select(e.cmp(Pred.OEQ, d, e.c(0.0)), x, y)  # |x| below half an ulp of 1


def expand_expm1(e: Emitter, x: ir.Value) -> ir.Value:
    """expm1(x) = (u - 1) * x / log(u), u = exp(x) (Kahan; the rounding of u cancels)."""
    u = expand_exp(e, x)
    d = e.sub(u, e.c(1.0))
    y = e.mul(d, e.div(x, expand_log(e, u)))
    y = e.select(e.cmp(Pred.OEQ, u, e.c(INF)), u, y)
    y = e.select(e.cmp(Pred.OEQ, d, e.c(-1.0)), d, y)  # u == 0: x very negative
    return e.select(e.cmp(Pred.OEQ, u, e.c(1.0)), x, y)


Expansion = Callable[..., ir.Value]  # (Emitter, the op's operands) -> result
#: (op name, float width) -> its expansion.  Other modules add theirs here
#: (f64, trigonometry) by merging their own tables below.
EXPANSIONS: dict[tuple[str, int], Expansion] = {
    ("math.exp", 32): expand_exp,
    ("math.exp2", 32): expand_exp2,
    ("math.tanh", 32): expand_tanh,
    ("math.erf", 32): expand_erf,
    ("math.log", 32): expand_log,
    ("math.log1p", 32): expand_log1p,
    ("math.expm1", 32): expand_expm1,
}
EXPANSIONS.update(math_f64.EXPANSIONS)
EXPANSIONS.update(math_trig.EXPANSIONS)


#: The op names some expansion is for (a cheap first test: the pass visits every op).
_EXPANDED_NAMES = frozenset(name for name, _ in EXPANSIONS)


def expansion_of(op: ir.Operation) -> Expansion | None:
    """The expansion this pass gives `op`, or None when it leaves it."""
    if op.name not in _EXPANDED_NAMES or len(op.results) != 1:
        return None
    return EXPANSIONS.get((op.name, float_bits(op.results[0].type)))


# tanh(k x) and erf(k x) for a constant k fold k into their coefficients and
# clamp: one multiply less.  A power of two k (sigmoid's tanh(x / 2)) gives
# the same f32 results, since scaling by 2^n is exact.  Other k would round
# the coefficients anew and could push the rational past 1 at the clamp
# (erf(-1e38 / sqrt 2) = -1 - 1 ulp turns gelu(-1e38) into +6e30): only
# those in SCALED_RATIONALS, with coefficients checked on their own, fold.
SCALE_RANGE = (1 / 16, 16.0)  # the scaled coefficients stay normal


def _defining_op(v: ir.Value) -> ir.Operation | None:
    return None if isinstance(v.owner, ir.Block) else v.owner.operation


def _splat_value(v: ir.Value) -> float | None:
    """The float an `arith.constant` (scalar or splat) holds, else None."""
    const = _defining_op(v)
    if const is None or const.name != "arith.constant":
        return None
    attr = const.attributes["value"]
    if isinstance(attr, ir.FloatAttr):
        return ir.FloatAttr(attr).value
    if isinstance(attr, ir.DenseFPElementsAttr) and ir.DenseFPElementsAttr(attr).is_splat:
        return ir.FloatAttr(ir.DenseFPElementsAttr(attr).get_splat_value()).value
    return None


def _scaled_rational(op: ir.Operation) -> tuple[ir.Operation, ir.Value, OddRational] | None:
    """(the mulf, x, the rational of f(x k)) when `op` (tanh or erf) takes
    x * k for a constant k that folds, and is that product's only user."""
    v = op.operands[0]
    mul = _defining_op(v)
    if mul is None or mul.name != "arith.mulf" or len(list(v.uses)) != 1:
        return None
    for i in (0, 1):
        k = _splat_value(mul.operands[i])
        if k is None:
            continue
        if (op.name, k) in SCALED_RATIONALS:
            return mul, mul.operands[1 - i], SCALED_RATIONALS[op.name, k]
        if SCALE_RANGE[0] <= k <= SCALE_RANGE[1] and math.frexp(k)[0] == 0.5:
            return mul, mul.operands[1 - i], RATIONALS[op.name].scaled(k)
    return None


def _is_power_of_two_scale(k: float | None) -> bool:
    return k is not None and SCALE_RANGE[0] <= abs(k) <= SCALE_RANGE[1] and \
        abs(math.frexp(k)[0]) == 0.5


def _affine_user(op: ir.Operation) -> tuple[ir.Operation, float, ir.Value] | None:
    """(the fma, k, d) when the only user of `op`'s result f is fma(f, k, d)
    (or fma(k, f, d)) for a constant power of two k (sigmoid's
    0.5 tanh(x / 2) + 0.5).  The rational of k f then feeds one add of d:
    bit for bit the fma's result, and one multiply-add less on the FMA
    ports."""
    uses = list(op.results[0].uses)
    if len(uses) != 1:
        return None
    fma, i = uses[0].owner, uses[0].operand_number
    fma = fma if isinstance(fma, ir.Operation) else fma.operation
    if fma.name != "math.fma" or i == 2 or fma.operands[2] == op.results[0]:
        return None
    k = _splat_value(fma.operands[1 - i])
    return (fma, k, fma.operands[2]) if _is_power_of_two_scale(k) else None


def _expand(op: ir.Operation) -> None:
    e = Emitter(op.results[0].type)
    folds = op.name in RATIONALS and e.bits == 32
    scaled = _scaled_rational(op) if folds else None
    affine = _affine_user(op) if folds else None
    with ir.InsertionPoint(op), op.location:
        if scaled or affine:
            x, r = (scaled[1], scaled[2]) if scaled else (op.operands[0], RATIONALS[op.name])
            new = expand_odd_rational(e, x, r.times(affine[1]) if affine else r)
        else:
            new = expansion_of(op)(e, *op.operands)
    if affine:
        fma, _, d = affine
        with ir.InsertionPoint(fma), fma.location:
            fma.results[0].replace_all_uses_with(arith.addf(new, d))
        fma.erase()
    else:
        op.results[0].replace_all_uses_with(new)
    op.erase()
    if scaled:
        scaled[0].erase()  # its only user is gone


#: Vector width (f32 lanes) of elementwise loops whose body holds an op that
#: this pass expands (math_chain_split.loop_width; a loop with several is
#: then split, one loop per op).  Each expansion is a long dependency chain
#: (clamp, polynomials, a division): with the usual 16 lanes (two AVX2
#: registers) the core waits on latency; four chains keep the FMA ports busy
#: without spills.  Measured on Zen3 (AVX2, 1 thread): gelu alone over 1M f32
#: 0.42 ns/element at 32 lanes, 0.44-0.45 at 64 (tanh, sigmoid: 32 as fast
#: or faster); the elementwise bench's chain, split: 4.15 ms at 32 lanes,
#: 4.35 at 16, 4.38 at 64 (spills); unsplit it was best at 64 (4.1-4.4 ms:
#: eight chains in one loop body, the spills cheaper than the waiting).
EXPANDED_MATH_WIDTH = 32


def expanded_math_count(op: ir.Operation) -> int:
    """How many ops that this pass expands a (linalg) op's body computes."""
    return sum(expansion_of(inner.operation) is not None
               for region in op.regions for block in region.blocks
               for inner in block.operations)


@register("tsm-expand-math",
          "Expand f32/f64 transcendental math ops (scalar or vector) into inline polynomials")
def expand_math(module_op: ir.Operation) -> None:
    found: list[ir.Operation] = []

    def visit(op):
        op = op.operation
        if expansion_of(op) is not None:
            found.append(op)
        return ir.WalkResult.ADVANCE

    module_op.walk(visit, ir.WalkOrder.POST_ORDER)
    for op in found:
        _expand(op)
