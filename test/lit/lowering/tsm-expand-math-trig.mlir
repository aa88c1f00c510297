// RUN: tsmlir-opt %s --split-input-file --tsm-expand-math | filecheck %s

// sin: n = round(x 2/pi) through the 1.5 2^23 constant, a three-part
// Cody-Waite reduction (all fused multiply-adds), both polynomials, n's
// low bits picking one of them and the sign (an xor); sin(r) copies r's
// sign (sin(-0) = -0); libm only in an
// scf.if taken when |x| is beyond the Cody-Waite bound.
// CHECK-LABEL: func.func @sin$f32
// CHECK-SAME: (%[[X:.*]]: f32)
// CHECK-NOT: math.sin
// CHECK: %[[T:.*]] = math.fma %[[X]], %{{.*}}, %{{.*}} : f32
// CHECK: %[[N:.*]] = arith.subf %[[T]]
// CHECK: %[[R1:.*]] = math.fma %[[N]], %{{.*}}, %[[X]]
// CHECK: %[[R2:.*]] = math.fma %[[N]], %{{.*}}, %[[R1]]
// CHECK: %[[R:.*]] = math.fma %[[N]], %{{.*}}, %[[R2]]
// CHECK: arith.bitcast %[[T]] : f32 to i32
// CHECK: %[[SIN0:.*]] = math.fma %{{.*}}, %{{.*}}, %[[R]] : f32
// CHECK: %[[SIN:.*]] = math.copysign %[[SIN0]], %[[R]] : f32
// CHECK: %[[COS:.*]] = math.fma
// CHECK: %[[PICK:.*]] = arith.select %{{.*}}, %[[COS]], %[[SIN]] : f32
// CHECK: %[[BITS:.*]] = arith.bitcast %[[PICK]] : f32 to i32
// CHECK: arith.xori %[[BITS]]
// CHECK: %[[Y:.*]] = arith.bitcast {{.*}} : i32 to f32
// CHECK: %[[A:.*]] = math.absf %[[X]]
// CHECK: %[[FAR:.*]] = arith.cmpf ogt, %[[A]]
// CHECK-NOT: math.sin
// CHECK: %[[RES:.*]] = scf.if %[[FAR]] -> (f32) {
// CHECK-NEXT: %[[LIBM:.*]] = math.sin %[[X]] : f32
// CHECK-NEXT: scf.yield %[[LIBM]]
// CHECK-NEXT: } else {
// CHECK-NEXT: scf.yield %[[Y]]
// CHECK: return %[[RES]] : f32
func.func @sin$f32(%x: f32) -> f32 {
  %0 = math.sin %x : f32
  return %0 : f32
}

// -----

// Vectors: the libm branch is taken when any lane is beyond the bound, and
// keeps the polynomial's result in the other lanes.  cos is the same
// arithmetic for quadrant n + 1.
// CHECK-LABEL: func.func @cos$vector
// CHECK-SAME: (%[[X:.*]]: vector<8xf32>)
// CHECK-NOT: math.cos
// CHECK: math.fma {{.*}} : vector<8xf32>
// CHECK: arith.addi {{.*}} : vector<8xi32>
// CHECK: %[[Y:.*]] = arith.bitcast {{.*}} : vector<8xi32> to vector<8xf32>
// CHECK: %[[FAR:.*]] = arith.cmpf ogt, {{.*}} : vector<8xf32>
// CHECK: %[[ANY:.*]] = vector.reduction <or>, %[[FAR]] : vector<8xi1> into i1
// CHECK-NOT: math.cos
// CHECK: scf.if %[[ANY]] -> (vector<8xf32>) {
// CHECK-NEXT: %[[LIBM:.*]] = math.cos %[[X]] : vector<8xf32>
// CHECK-NEXT: %[[MIX:.*]] = arith.select %[[FAR]], %[[LIBM]], %[[Y]]
// CHECK-NEXT: scf.yield %[[MIX]]
// CHECK-NEXT: } else {
// CHECK-NEXT: scf.yield %[[Y]]
func.func @cos$vector(%x: vector<8xf32>) -> vector<8xf32> {
  %0 = math.cos %x : vector<8xf32>
  return %0 : vector<8xf32>
}

// -----

// tan: not sin / cos through libm (math-expand-ops no longer rewrites it)
// but the same reduction and polynomials with one division: s / c or -c / s.
// CHECK-LABEL: func.func @tan$f32
// CHECK-NOT: math.sin
// CHECK-NOT: math.cos
// CHECK: %[[NEG:.*]] = arith.negf
// CHECK: %[[NUM:.*]] = arith.select %{{.*}}, %[[NEG]], %{{.*}} : f32
// CHECK: %[[DEN:.*]] = arith.select
// CHECK: arith.divf %[[NUM]], %[[DEN]] : f32
// CHECK: scf.if
// CHECK-NEXT: math.tan
func.func @tan$f32(%x: f32) -> f32 {
  %0 = math.tan %x : f32
  return %0 : f32
}

// -----

// atan: one division min(|x|, 1) / max(|x|, 1), one polynomial, the pi/2
// offset added last, the sign copied from x.  No libm branch.
// CHECK-LABEL: func.func @atan$vector
// CHECK-SAME: (%[[X:.*]]: vector<4xf32>)
// CHECK-NOT: math.atan
// CHECK: %[[A:.*]] = math.absf %[[X]]
// CHECK: arith.divf
// CHECK-NOT: arith.divf
// CHECK: math.fma
// CHECK: %[[Y:.*]] = arith.addf
// CHECK-NEXT: %[[S:.*]] = math.copysign %[[Y]], %[[X]] : vector<4xf32>
// CHECK-NEXT: return %[[S]]
// CHECK-NOT: scf.if
func.func @atan$vector(%x: vector<4xf32>) -> vector<4xf32> {
  %0 = math.atan %x : vector<4xf32>
  return %0 : vector<4xf32>
}

// -----

// atan2(y, x): min / max of |x| and |y| (a NaN lands in either; 0 / 0 and inf / inf by
// selects), the offset by quadrant from x's sign bit, the sign from y.
// CHECK-LABEL: func.func @atan2$f32
// CHECK-SAME: (%[[Y:.*]]: f32, %[[X:.*]]: f32)
// CHECK-NOT: math.atan2
// CHECK: %[[AX:.*]] = math.absf %[[X]]
// CHECK: %[[AY:.*]] = math.absf %[[Y]]
// CHECK: %[[SWAP:.*]] = arith.cmpf ugt, %[[AY]], %[[AX]]
// CHECK: arith.divf
// CHECK-NOT: arith.divf
// CHECK: %[[XBITS:.*]] = arith.bitcast %[[X]] : f32 to i32
// CHECK: arith.cmpi slt, %[[XBITS]]
// CHECK: %[[R:.*]] = arith.addf
// CHECK-NEXT: %[[S:.*]] = math.copysign %[[R]], %[[Y]] : f32
// CHECK-NEXT: return %[[S]]
func.func @atan2$f32(%y: f32, %x: f32) -> f32 {
  %0 = math.atan2 %y, %x : f32
  return %0 : f32
}

// -----

// asin and acos: one polynomial at |x| or at sqrt((1 - |x|) / 2).
// CHECK-LABEL: func.func @asin_acos$f32
// CHECK-NOT: math.asin
// CHECK-NOT: math.acos
// CHECK: math.sqrt
// CHECK: math.copysign
// CHECK: math.sqrt
// CHECK-NOT: math.copysign
// CHECK: return
func.func @asin_acos$f32(%x: f32) -> (f32, f32) {
  %0 = math.asin %x : f32
  %1 = math.acos %x : f32
  return %0, %1 : f32, f32
}

// -----

// f64 sin, cos and tan: the same arithmetic on f64 (i64 view: bit 1 of n
// moves to bit 63), libm beyond their own bound (2^30).  f64 atan, atan2,
// asin and acos are left to libm.
// CHECK-LABEL: func.func @sin$f64
// CHECK-SAME: (%[[X:.*]]: f64, %[[A:.*]]: f64)
// CHECK-NOT: math.sin
// CHECK: math.fma %[[X]], %{{.*}}, %{{.*}} : f64
// CHECK: arith.bitcast {{.*}} : f64 to i64
// CHECK: %[[SIXTY_TWO:.*]] = arith.constant 62 : i64
// CHECK: arith.shli %{{.*}}, %[[SIXTY_TWO]] : i64
// CHECK: %[[BOUND:.*]] = arith.constant 0x41D0000000000000 : f64
// CHECK: arith.cmpf ogt, %{{.*}}, %[[BOUND]] : f64
// CHECK: scf.if
// CHECK-NEXT: math.sin %[[X]] : f64
// CHECK: math.atan %[[A]] : f64
func.func @sin$f64(%x: f64, %a: f64) -> (f64, f64) {
  %0 = math.sin %x : f64
  %1 = math.atan %a : f64
  return %0, %1 : f64, f64
}
