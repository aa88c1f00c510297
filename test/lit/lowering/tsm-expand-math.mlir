// RUN: tsmlir-opt %s --split-input-file --tsm-expand-math | filecheck %s

// exp: Cody-Waite reduction with fused multiply-adds, one polynomial, and
// one 2^(n-1) scale built from the rounding's bits; a second, constant scale
// (1 or 2^-64, by select) takes tiny results into the denormals, and is 0 at
// x below the low clamp (-104, -inf), by the clamp's own compare: no
// multiply that underflows, which is slow.
// CHECK-LABEL: func.func @exp$f32
// CHECK-SAME: (%[[X:.*]]: f32)
// CHECK-NOT: math.exp
// CHECK: %[[LO:.*]] = arith.constant -1.040000e+02 : f32
// CHECK: %[[BELOW:.*]] = arith.cmpf olt, %[[X]], %[[LO]]
// CHECK: math.fma
// CHECK: %[[TINY:.*]] = arith.cmpf olt
// CHECK: arith.bitcast {{.*}} : f32 to i32
// CHECK: arith.shli
// CHECK-NOT: arith.shli
// CHECK: %[[SCALE:.*]] = arith.bitcast {{.*}} : i32 to f32
// CHECK: %[[Y0:.*]] = arith.mulf %{{.*}}, %[[SCALE]] : f32
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[LOW:.*]] = arith.select %[[BELOW]], %[[ZERO]], %{{.*}} : f32
// CHECK: %[[S2:.*]] = arith.select %[[TINY]], %[[LOW]]
// CHECK-NEXT: %[[Y:.*]] = arith.mulf %[[Y0]], %[[S2]] : f32
// CHECK-NEXT: return %[[Y]] : f32
func.func @exp$f32(%x: f32) -> f32 {
  %0 = math.exp %x : f32
  return %0 : f32
}

// -----

// Vectors get splat constants and the same arithmetic lane-wise.
// CHECK-LABEL: func.func @exp$vector
// CHECK-NOT: math.exp
// CHECK: arith.constant dense<{{.*}}> : vector<16xf32>
// CHECK: math.fma {{.*}} : vector<16xf32>
// CHECK: arith.bitcast {{.*}} : vector<16xf32> to vector<16xi32>
// CHECK-NOT: math.exp
// CHECK: return {{.*}} : vector<16xf32>
func.func @exp$vector(%x: vector<16xf32>) -> vector<16xf32> {
  %0 = math.exp %x : vector<16xf32>
  return %0 : vector<16xf32>
}

// -----

// tanh: the input clamped (x itself, not |x|: the rational is odd), then
// one rational x P(x^2) / Q(x^2) with a single division and no select.
// P is monic: its Horner chain starts with an add, not a multiply-add.
// The Horner steps of P and Q take turns, the shorter P starting later so
// that both end together (LLVM then keeps the FMA ports busier).
// CHECK-LABEL: func.func @tanh$f32
// CHECK-SAME: (%[[X:.*]]: f32)
// CHECK-NOT: math.tanh
// CHECK-NOT: math.exp
// CHECK: %[[LO:.*]] = arith.cmpf olt, %[[X]]
// CHECK: %[[A0:.*]] = arith.select %[[LO]], %{{.*}}, %[[X]]
// CHECK: %[[HI:.*]] = arith.cmpf ogt, %[[A0]]
// CHECK: %[[A:.*]] = arith.select %[[HI]], %{{.*}}, %[[A0]]
// CHECK: %[[S:.*]] = arith.mulf %[[A]], %[[A]]
// CHECK: %[[Q1:.*]] = math.fma %{{.*}}, %[[S]]
// CHECK: %[[Q2:.*]] = math.fma %[[Q1]], %[[S]]
// CHECK: %[[P0:.*]] = arith.addf %[[S]], %{{.*}} : f32
// CHECK: %[[Q3:.*]] = math.fma %[[Q2]], %[[S]]
// CHECK: %[[P1:.*]] = math.fma %[[P0]], %[[S]]
// CHECK: %[[Q4:.*]] = math.fma %[[Q3]], %[[S]]
// CHECK: %[[P2:.*]] = math.fma %[[P1]], %[[S]]
// CHECK: %[[Q5:.*]] = math.fma %[[Q4]], %[[S]]
// CHECK: %[[NUM:.*]] = arith.mulf %[[A]], %[[P2]]
// CHECK: %[[Y:.*]] = arith.divf %[[NUM]], %[[Q5]] : f32
// CHECK-NEXT: return %[[Y]]
func.func @tanh$f32(%x: f32) -> f32 {
  %0 = math.tanh %x : f32
  return %0 : f32
}

// -----

// CHECK-LABEL: func.func @tanh$vector
// CHECK-NOT: math.tanh
// CHECK-NOT: math.exp
// CHECK: math.fma {{.*}} : vector<16xf32>
// CHECK-COUNT-1: arith.divf
// CHECK-NOT: arith.divf
// CHECK-NOT: arith.select
// CHECK: return {{.*}} : vector<16xf32>
func.func @tanh$vector(%x: vector<16xf32>) -> vector<16xf32> {
  %0 = math.tanh %x : vector<16xf32>
  return %0 : vector<16xf32>
}

// -----

// erf: the same odd-rational shape, one division, no branch to select;
// here Q is the monic one (its chain starts with an add).
// CHECK-LABEL: func.func @erf$f32
// CHECK-SAME: (%[[X:.*]]: f32)
// CHECK-NOT: math.erf
// CHECK: arith.cmpf olt, %[[X]]
// CHECK: arith.cmpf ogt
// CHECK: %[[A:.*]] = arith.select
// CHECK: %[[S:.*]] = arith.mulf %[[A]], %[[A]]
// CHECK: math.fma {{.*}}, %[[S]]
// CHECK: math.fma {{.*}}, %[[S]]
// CHECK: math.fma {{.*}}, %[[S]]
// CHECK: %[[Q0:.*]] = arith.addf %[[S]], %{{.*}} : f32
// CHECK: math.fma {{.*}}, %[[S]]
// CHECK: %[[Q1:.*]] = math.fma %[[Q0]], %[[S]]
// CHECK: math.fma {{.*}}, %[[S]]
// CHECK: %[[Q2:.*]] = math.fma %[[Q1]], %[[S]]
// CHECK: %[[P6:.*]] = math.fma {{.*}}, %[[S]]
// CHECK: %[[Q3:.*]] = math.fma %[[Q2]], %[[S]]
// CHECK: %[[NUM:.*]] = arith.mulf %[[A]], %[[P6]] : f32
// CHECK: %[[Y:.*]] = arith.divf %[[NUM]], %[[Q3]] : f32
// CHECK-NEXT: return %[[Y]]
func.func @erf$f32(%x: f32) -> f32 {
  %0 = math.erf %x : f32
  return %0 : f32
}

// -----

// CHECK-LABEL: func.func @erf$vector
// CHECK-NOT: math.erf
// CHECK: math.fma {{.*}} : vector<16xf32>
func.func @erf$vector(%x: vector<16xf32>) -> vector<16xf32> {
  %0 = math.erf %x : vector<16xf32>
  return %0 : vector<16xf32>
}

// -----

// log: exponent and mantissa split through the bits, then special values
// (inf, 0 -> -inf, x < 0 or NaN -> NaN) by select.
// CHECK-LABEL: func.func @log$f32
// CHECK-SAME: (%[[X:.*]]: f32)
// CHECK-NOT: math.log
// CHECK: arith.bitcast {{.*}} : f32 to i32
// CHECK: arith.shrsi
// CHECK: arith.andi
// CHECK: math.fma
// CHECK: arith.cmpf oeq, %[[X]]
// CHECK: arith.cmpf ult, %[[X]]
// CHECK: %[[Y:.*]] = arith.select
// CHECK: return %[[Y]]
func.func @log$f32(%x: f32) -> f32 {
  %0 = math.log %x : f32
  return %0 : f32
}

// -----

// CHECK-LABEL: func.func @log$vector
// CHECK-NOT: math.log
// CHECK: arith.bitcast {{.*}} : vector<16xf32> to vector<16xi32>
// CHECK: math.fma {{.*}} : vector<16xf32>
func.func @log$vector(%x: vector<16xf32>) -> vector<16xf32> {
  %0 = math.log %x : vector<16xf32>
  return %0 : vector<16xf32>
}

// -----

// log1p and expm1 reuse log and exp.
// CHECK-LABEL: func.func @log1p_expm1$f32
// CHECK-NOT: math.log1p
// CHECK-NOT: math.expm1
// CHECK-NOT: math.log
// CHECK-NOT: math.exp
// CHECK: return
func.func @log1p_expm1$f32(%x: f32) -> (f32, f32) {
  %0 = math.log1p %x : f32
  %1 = math.expm1 %x : f32
  return %0, %1 : f32, f32
}

// -----

// Other element types (f16) and math ops without an expansion (f64 cbrt
// and sqrt) are left alone; f64 exp, log, tanh, erf: tsm-expand-math-f64.mlir.
// CHECK-LABEL: func.func @untouched
// CHECK-NOT: math.fma
// CHECK: math.cbrt %{{.*}} : f64
// CHECK: math.sqrt %{{.*}} : vector<4xf64>
// CHECK: math.erf %{{.*}} : f16
// CHECK: math.cbrt %{{.*}} : f64
// CHECK: math.cbrt %{{.*}} : f32
func.func @untouched(%d: f64, %v: vector<4xf64>, %h: f16, %s: f32) -> (f64, vector<4xf64>, f16, f64, f32) {
  %0 = math.cbrt %d : f64
  %1 = math.sqrt %v : vector<4xf64>
  %2 = math.erf %h : f16
  %3 = math.cbrt %d : f64
  %4 = math.cbrt %s : f32
  return %0, %1, %2, %3, %4 : f64, vector<4xf64>, f16, f64, f32
}

// -----

// tanh(x * 0.5) (sigmoid's) folds the power-of-two scale into the clamp and
// the coefficients: the clamp takes x itself and the multiply is gone.  Any
// other scale stays a multiply in front of the clamp.
// CHECK-LABEL: func.func @tanh_scaled
// CHECK-SAME: (%[[X:.*]]: vector<16xf32>)
// CHECK-NOT: arith.mulf %[[X]]
// CHECK: arith.cmpf olt, %[[X]]
// CHECK: %[[Y:.*]] = arith.mulf %[[X]], %{{.*}} : vector<16xf32>
// CHECK: arith.cmpf olt, %[[Y]]
func.func @tanh_scaled(%x: vector<16xf32>) -> (vector<16xf32>, vector<16xf32>) {
  %half = arith.constant dense<0.5> : vector<16xf32>
  %other = arith.constant dense<0.7> : vector<16xf32>
  %0 = arith.mulf %x, %half : vector<16xf32>
  %1 = math.tanh %0 : vector<16xf32>
  %2 = arith.mulf %x, %other : vector<16xf32>
  %3 = math.tanh %2 : vector<16xf32>
  return %1, %3 : vector<16xf32>, vector<16xf32>
}

// -----

// gelu's erf(x * f32(1/sqrt 2)) has a rational of its own (not a power of
// two: the scaled coefficients are rounded and checked anew), so that
// multiply goes too; erf(x * 0.7) keeps it.
// CHECK-LABEL: func.func @erf_scaled
// CHECK-SAME: (%[[X:.*]]: vector<16xf32>)
// CHECK-NOT: arith.mulf %[[X]]
// CHECK: arith.cmpf olt, %[[X]]
// CHECK: %[[Y:.*]] = arith.mulf %[[X]], %{{.*}} : vector<16xf32>
// CHECK: arith.cmpf olt, %[[Y]]
func.func @erf_scaled(%x: vector<16xf32>) -> (vector<16xf32>, vector<16xf32>) {
  %k = arith.constant dense<0.707106769> : vector<16xf32>
  %other = arith.constant dense<0.7> : vector<16xf32>
  %0 = arith.mulf %x, %k : vector<16xf32>
  %1 = math.erf %0 : vector<16xf32>
  %2 = arith.mulf %x, %other : vector<16xf32>
  %3 = math.erf %2 : vector<16xf32>
  return %1, %3 : vector<16xf32>, vector<16xf32>
}

// -----

// sigmoid's 0.5 tanh(x / 2) + 0.5 (an fma by a power-of-two constant): the
// 0.5 goes into the rational's coefficients and the fma becomes an add of
// the rational and its third operand (bit for bit the same, one FMA-port op
// less).  An fma by another constant stays.
// CHECK-LABEL: func.func @tanh_affine
// CHECK-SAME: (%[[X:.*]]: vector<8xf32>, %[[D:.*]]: vector<8xf32>)
// CHECK: %[[T:.*]] = arith.divf
// CHECK-NEXT: %[[S:.*]] = arith.addf %[[T]], %[[D]] : vector<8xf32>
// CHECK: %[[U:.*]] = arith.divf
// CHECK-NEXT: %[[F:.*]] = math.fma %[[U]], %{{.*}}, %[[D]] : vector<8xf32>
// CHECK: return %[[S]], %[[F]]
func.func @tanh_affine(%x: vector<8xf32>, %d: vector<8xf32>) -> (vector<8xf32>, vector<8xf32>) {
  %half = arith.constant dense<0.5> : vector<8xf32>
  %other = arith.constant dense<0.7> : vector<8xf32>
  %0 = arith.mulf %x, %half : vector<8xf32>
  %1 = math.tanh %0 : vector<8xf32>
  %2 = math.fma %1, %half, %d : vector<8xf32>
  %3 = math.tanh %x : vector<8xf32>
  %4 = math.fma %3, %other, %d : vector<8xf32>
  return %2, %4 : vector<8xf32>, vector<8xf32>
}

// -----

// exp2: n = round(x) by the magic constant and r = x - n exactly (no
// Cody-Waite), then exp's polynomial of r ln2 and its 2^(n-1) scale.
// CHECK-LABEL: func.func @exp2$vector
// CHECK-SAME: (%[[X:.*]]: vector<8xf32>)
// CHECK-NOT: math.exp2
// CHECK: %[[T:.*]] = arith.addf %{{.*}}, %{{.*}} : vector<8xf32>
// CHECK: %[[N:.*]] = arith.subf %[[T]], %{{.*}} : vector<8xf32>
// CHECK: %[[R:.*]] = arith.subf %{{.*}}, %[[N]] : vector<8xf32>
// CHECK: arith.mulf %[[R]], %{{.*}} : vector<8xf32>
// CHECK: math.fma
// CHECK: arith.shli
// CHECK-NOT: math.exp
// CHECK: return
func.func @exp2$vector(%x: vector<8xf32>) -> vector<8xf32> {
  %0 = math.exp2 %x : vector<8xf32>
  return %0 : vector<8xf32>
}
