"""Emitter: the arithmetic that the math expansions (math_approx, ...) are
written in, on f32 or f64 scalars or fixed-size vectors of them.

Each expansion builds its polynomial, range reduction and bit tricks through
one Emitter made for the type of the op it replaces; constants are
materialized once per Emitter (splats for vectors).
"""
from __future__ import annotations

from typing import Sequence

from mlir import ir
from mlir.dialects import arith
from mlir.dialects import math as math_d

Pred = arith.CmpFPredicate
INF, NAN = float("inf"), float("nan")


def float_bits(t: ir.Type) -> int | None:
    """32 or 64 for f32 / f64 or a fixed-size vector of them, else None."""
    if isinstance(t, ir.VectorType):
        v = ir.VectorType(t)
        if any(v.scalable_dims):
            return None
        t = v.element_type
    if isinstance(t, ir.F32Type):
        return 32
    if isinstance(t, ir.F64Type):
        return 64
    return None


class Emitter:
    """Builds f32 or f64 arithmetic on scalars or vectors of one shape, at
    the current insertion point and location.  `bits` is the float width;
    the integer view (`i`, `ci`, `to_int`) has the same width."""

    def __init__(self, ftype: ir.Type):
        self.f = ftype
        self.vector = isinstance(ftype, ir.VectorType)
        elem = ir.VectorType(ftype).element_type if self.vector else ftype
        self.bits = float_bits(elem)
        if self.bits is None:
            raise TypeError(f"Emitter: {ftype} is not f32, f64 or a vector of them")
        ielem = ir.IntegerType.get_signless(self.bits)
        bool_ = ir.IntegerType.get_signless(1)
        shape = ir.VectorType(ftype).shape if self.vector else None
        self.i = ir.VectorType.get(shape, ielem) if self.vector else ielem
        self.i1 = ir.VectorType.get(shape, bool_) if self.vector else bool_
        self._scalar = {"f": elem, "i": ielem}
        self._cache: dict[tuple[str, float | int], ir.Value] = {}

    def _const(self, kind: str, value: float | int) -> ir.Value:
        key = (kind, value)
        if key not in self._cache:
            elem = self._scalar[kind]
            attr = ir.FloatAttr.get(elem, value) if kind == "f" else ir.IntegerAttr.get(elem, value)
            ty = self.f if kind == "f" else self.i
            if self.vector:
                attr = ir.DenseElementsAttr.get_splat(ty, attr)
            self._cache[key] = arith.ConstantOp(ty, attr).result
        return self._cache[key]

    def c(self, value: float) -> ir.Value:
        return self._const("f", float(value))

    def ci(self, value: int) -> ir.Value:
        return self._const("i", int(value))

    # Floating point.
    def add(self, a, b): return arith.addf(a, b)
    def sub(self, a, b): return arith.subf(a, b)
    def mul(self, a, b): return arith.mulf(a, b)
    def div(self, a, b): return arith.divf(a, b)
    def fma(self, a, b, c): return math_d.fma(a, b, c)
    def abs(self, a): return math_d.absf(a)
    def copysign(self, mag, sign): return math_d.copysign(mag, sign)
    def cmp(self, pred, a, b): return arith.cmpf(pred, a, b)
    def select(self, cond, a, b): return arith.select(cond, a, b)

    def denormal_factor(self, tiny, zero, scale: float):
        """The last factor of an exp built as p 2^(n-1) (math_approx,
        math_f64): 1, `scale` where `tiny` (the result is a denormal), and 0
        where `zero` (x below the low clamp, whose exp rounds to 0; see
        math_approx.EXP_LO: a multiply that underflows is slow)."""
        low = self.select(zero, self.c(0.0), self.c(scale))
        return self.select(tiny, low, self.c(1.0))

    def at_most(self, x, hi: float):
        """min(x, hi) by compare and select: a NaN stays NaN."""
        return self.select(self.cmp(Pred.OGT, x, self.c(hi)), self.c(hi), x)

    def clamp(self, x, lo: float, hi: float):
        return self.clamped(x, lo, hi)[0]

    def clamped(self, x, lo: float, hi: float):
        """(x clamped to [lo, hi], the mask of x < lo); a NaN stays NaN."""
        below = self.cmp(Pred.OLT, x, self.c(lo))
        return self.at_most(self.select(below, self.c(lo), x), hi), below

    def poly(self, u, coefs: Sequence[float]):
        """Horner with fused multiply-adds; coefficients highest degree first.
        A leading 1 (a monic polynomial) starts with an add."""
        return self.polys(u, coefs)[0]

    def polys(self, u, *polys: Sequence[float]) -> list:
        """Several polynomials in `u` (as `poly`), their Horner steps emitted
        in turn, the shorter ones starting later so that all end together.
        The same arithmetic as one after the other; in this order LLVM's
        schedule keeps the FMA ports busier: a rational's P and Q, 6% faster
        on the elementwise bench (Zen3, AVX2) than P then Q."""
        steps = [[("add", c[1])] + [("fma", k) for k in c[2:]] if c[0] == 1.0 and len(c) > 1
                 else [("fma", k) for k in c[1:]] for c in polys]
        ys = [None if c[0] == 1.0 and len(c) > 1 else self.c(c[0]) for c in polys]
        longest = max(len(s) for s in steps)
        for t in range(longest):
            for i, s in enumerate(steps):
                step = t - (longest - len(s))
                if step < 0:
                    continue
                kind, k = s[step]
                ys[i] = self.add(u, self.c(k)) if kind == "add" else self.fma(ys[i], u, self.c(k))
        return ys

    # Bit manipulation on the integer view of the same width.
    def to_int(self, x): return arith.bitcast(self.i, x)
    def to_float(self, n): return arith.bitcast(self.f, n)
    def iadd(self, a, b): return arith.addi(a, b)
    def isub(self, a, b): return arith.subi(a, b)
    def iand(self, a, b): return arith.andi(a, b)
    def ior(self, a, b): return arith.ori(a, b)
    def shl(self, a, k: int): return arith.shli(a, self.ci(k))
    def ashr(self, a, k: int): return arith.shrsi(a, self.ci(k))
    def itof(self, n): return arith.sitofp(self.f, n)
