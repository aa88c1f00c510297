// RUN: tsmlir-opt %s --split-input-file --tsm-expand-math | filecheck %s

// f64 exp: Cody-Waite reduction (ln2 in two parts) by fused multiply-adds,
// the e^r - 1 polynomial, and a 2^(n-1) scale from the rounding's bits
// shifted by 52; a second scale (1 or 2^-64) takes tiny results into the
// denormals, and is 0 below the low clamp (no multiply that underflows).
// CHECK-LABEL: func.func @exp$vector
// CHECK-SAME: (%[[X:.*]]: vector<4xf64>)
// CHECK-NOT: math.exp
// CHECK: %[[BELOW:.*]] = arith.cmpf olt, %[[X]], %{{.*}} : vector<4xf64>
// CHECK: %[[T:.*]] = math.fma %{{.*}}, %{{.*}}, %{{.*}} : vector<4xf64>
// CHECK: %[[N:.*]] = arith.subf %[[T]], %{{.*}} : vector<4xf64>
// CHECK: math.fma %[[N]], %{{.*}}, %{{.*}} : vector<4xf64>
// CHECK: %[[BITS:.*]] = arith.bitcast %[[T]] : vector<4xf64> to vector<4xi64>
// CHECK: arith.shli %[[BITS]], %{{.*}} : vector<4xi64>
// CHECK: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<4xf64>
// CHECK: arith.constant dense<5.4210108624275222E-20> : vector<4xf64>
// CHECK: arith.select %[[BELOW]], %[[ZERO]], %{{.*}} : vector<4xi1>, vector<4xf64>
// CHECK-NOT: math.exp
// CHECK-NOT: call
// CHECK: return
func.func @exp$vector(%x: vector<4xf64>) -> vector<4xf64> {
  %0 = math.exp %x : vector<4xf64>
  return %0 : vector<4xf64>
}

// -----

// log and its family: the exponent split by subtracting sqrt(1/2)'s bits,
// one division s = f / (2 + f), then the polynomial in s^2; the special
// values last (+inf, 0, below 0 or NaN).
// CHECK-LABEL: func.func @log$f64
// CHECK-NOT: math.log
// CHECK: arith.constant 4604544271217802189 : i64
// CHECK: arith.shrsi
// CHECK: arith.divf
// CHECK: math.fma
// CHECK: arith.cmpf ult
// CHECK-NOT: math.log
// CHECK-NOT: call
// CHECK: return
func.func @log$f64(%x: f64) -> f64 {
  %0 = math.log %x : f64
  return %0 : f64
}

// -----

// Every op of the family is expanded, scalars and vectors, each with fused
// multiply-adds and none calling libm.
// CHECK-LABEL: func.func @family
// CHECK-NOT: math.exp2
// CHECK-NOT: math.expm1
// CHECK-NOT: math.log1p
// CHECK-NOT: math.log2
// CHECK-NOT: math.log10
// CHECK-NOT: math.tanh
// CHECK-NOT: math.erf
// CHECK-NOT: math.sinh
// CHECK-NOT: math.cosh
// CHECK-NOT: call
// CHECK: math.fma %{{.*}} : vector<8xf64>
// CHECK: return
func.func @family(%x: f64, %v: vector<8xf64>) -> (f64, f64, f64, f64, f64, vector<8xf64>, vector<8xf64>, f64, vector<8xf64>) {
  %0 = math.exp2 %x : f64
  %1 = math.expm1 %x : f64
  %2 = math.log1p %x : f64
  %3 = math.log2 %x : f64
  %4 = math.log10 %x : f64
  %5 = math.tanh %v : vector<8xf64>
  %6 = math.erf %v : vector<8xf64>
  %7 = math.sinh %x : f64
  %8 = math.cosh %v : vector<8xf64>
  return %0, %1, %2, %3, %4, %5, %6, %7, %8 : f64, f64, f64, f64, f64, vector<8xf64>, vector<8xf64>, f64, vector<8xf64>
}

// -----

// tanh: the small-|x| polynomial and the exp form 1 - 2v / (1 + v), chosen
// by one select; the sign comes back by copysign.
// CHECK-LABEL: func.func @tanh$f64
// CHECK-SAME: (%[[X:.*]]: f64)
// CHECK: %[[A:.*]] = math.absf %[[X]] : f64
// CHECK: arith.divf
// CHECK: %[[SMALL:.*]] = arith.cmpf olt, %[[A]], %{{.*}} : f64
// CHECK: %[[Y:.*]] = arith.select %[[SMALL]]
// CHECK: math.copysign %[[Y]], %[[X]] : f64
// CHECK-NOT: math.tanh
func.func @tanh$f64(%x: f64) -> f64 {
  %0 = math.tanh %x : f64
  return %0 : f64
}
