// RUN: tsmlir-opt %s --tsm-to-linalg | filecheck %s --check-prefix=FUSED
// RUN: tsmlir-opt %s --tsm-to-linalg --tsm-linalg-to-loops | filecheck %s

// A chain of pointwise ops becomes one linalg.generic (fusion on tensors) ...
// FUSED-LABEL: func.func @chain$static
// FUSED: linalg.generic
// FUSED-NOT: linalg.generic
// FUSED: return

// ... then one loop over 32 x f32 vectors (tanh expands to a long
// polynomial chain: math_approx.EXPANDED_MATH_WIDTH), masked for the 101 elements.
// CHECK-LABEL: func.func @chain$static
// CHECK: scf.for
// CHECK: vector.create_mask
// CHECK: vector.maskedload {{.*}} into vector<32xf32>
// CHECK: math.tanh {{.*}} : vector<32xf32>
// CHECK: vector.maskedstore
// CHECK-NOT: linalg.
func.func @chain$static(%x: tensor<101xf32>) -> tensor<101xf32> {
  %0 = "tsm.tanh"(%x) : (tensor<101xf32>) -> tensor<101xf32>
  %1 = "tsm.mul"(%0, %x) : (tensor<101xf32>, tensor<101xf32>) -> tensor<101xf32>
  return %1 : tensor<101xf32>
}

// Dynamic dims: the same loop with a run-time trip count and mask.
// CHECK-LABEL: func.func @chain$dynamic
// CHECK: memref.collapse_shape {{.*}} into memref<?xf32>
// CHECK: scf.for
// CHECK: vector.maskedload {{.*}} into vector<32xf32>
// CHECK: vector.maskedstore
func.func @chain$dynamic(%x: tensor<?x5xf32>) -> tensor<?x5xf32> {
  %0 = "tsm.tanh"(%x) : (tensor<?x5xf32>) -> tensor<?x5xf32>
  %1 = "tsm.mul"(%0, %x) : (tensor<?x5xf32>, tensor<?x5xf32>) -> tensor<?x5xf32>
  return %1 : tensor<?x5xf32>
}

// Without math that expands to polynomials: 16 x f32 (one AVX-512 register).
// CHECK-LABEL: func.func @plain$static
// CHECK: scf.for
// CHECK: vector.maskedload {{.*}} into vector<16xf32>
// CHECK: arith.mulf {{.*}} : vector<16xf32>
// CHECK: vector.maskedstore
func.func @plain$static(%x: tensor<37xf32>) -> tensor<37xf32> {
  %0 = "tsm.mul"(%x, %x) : (tensor<37xf32>, tensor<37xf32>) -> tensor<37xf32>
  %1 = "tsm.add"(%0, %x) : (tensor<37xf32>, tensor<37xf32>) -> tensor<37xf32>
  return %1 : tensor<37xf32>
}

// Two ops that expand to polynomials in one loop: the loop is split into one stage loop per op over strips (math_chain_split):
// the first stage buffers tanh, the second reads it back for erf.
// CHECK-LABEL: func.func @chain2$static
// CHECK: call @tsm_math_chain_{{[0-9]+}}(
// CHECK: func.func private @tsm_math_chain_
// CHECK: %[[BUF:.*]] = memref.alloca() {alignment = 64 : i64} : memref<256xf32>
// CHECK: scf.for
// CHECK: scf.for
// CHECK: math.tanh {{.*}} : vector<32xf32>
// CHECK: vector.store {{.*}}, %[[BUF]]
// CHECK: scf.for
// CHECK: vector.load %[[BUF]]
// CHECK: math.erf {{.*}} : vector<32xf32>
// CHECK: vector.maskedstore
func.func @chain2$static(%x: tensor<1001xf32>) -> tensor<1001xf32> {
  %0 = "tsm.tanh"(%x) : (tensor<1001xf32>) -> tensor<1001xf32>
  %1 = "tsm.erf"(%0) : (tensor<1001xf32>) -> tensor<1001xf32>
  return %1 : tensor<1001xf32>
}
