// RUN: tsmlir-opt %s --tsm-to-linalg | filecheck %s --check-prefix=FUSED
// RUN: tsmlir-opt %s --tsm-to-linalg --tsm-linalg-to-loops | filecheck %s

// A chain of pointwise ops becomes one linalg.generic (fusion on tensors) ...
// FUSED-LABEL: func.func @chain$static
// FUSED: linalg.generic
// FUSED-NOT: linalg.generic
// FUSED: return

// ... then one loop over 32 x f32 vectors (tanh expands to a long
// polynomial chain: math_approx.EXPANDED_MATH_WIDTH), peeled: whole vectors
// without masks for 96 of the 101 elements, one masked vector for the last 5.
// CHECK-LABEL: func.func @chain$static
// CHECK: scf.for %{{.*}} = %{{.*}} to %c96 step %c32
// CHECK-NOT: vector.mask
// CHECK: vector.load {{.*}} vector<32xf32>
// CHECK: math.tanh {{.*}} : vector<32xf32>
// CHECK: vector.store
// CHECK: vector.constant_mask [5] : vector<32xi1>
// CHECK: vector.maskedload {{.*}} into vector<32xf32>
// CHECK: vector.maskedstore
// CHECK-NOT: linalg.
func.func @chain$static(%x: tensor<101xf32>) -> tensor<101xf32> {
  %0 = "tsm.tanh"(%x) : (tensor<101xf32>) -> tensor<101xf32>
  %1 = "tsm.mul"(%0, %x) : (tensor<101xf32>, tensor<101xf32>) -> tensor<101xf32>
  return %1 : tensor<101xf32>
}

// Dynamic dims: the same two loops with run-time bounds: whole vectors up to
// the last multiple of 32, then the rest masked.
// CHECK-LABEL: func.func @chain$dynamic
// CHECK: memref.collapse_shape {{.*}} into memref<?xf32>
// CHECK: %[[N:.*]] = memref.dim {{.*}} : memref<?xf32>
// CHECK: %[[WHOLE:.*]] = affine.apply #{{.*}}()[%[[N]]]
// CHECK: scf.for %{{.*}} = %c0 to %[[WHOLE]] step %c32
// CHECK-NOT: vector.mask
// CHECK: vector.load {{.*}} vector<32xf32>
// CHECK: vector.store
// CHECK: scf.for %{{.*}} = %[[WHOLE]] to %[[N]] step %c32
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
// CHECK: vector.load {{.*}} vector<16xf32>
// CHECK: arith.mulf {{.*}} : vector<16xf32>
// CHECK: vector.store
// CHECK: vector.constant_mask [5] : vector<16xi1>
// CHECK: vector.maskedstore
func.func @plain$static(%x: tensor<37xf32>) -> tensor<37xf32> {
  %0 = "tsm.mul"(%x, %x) : (tensor<37xf32>, tensor<37xf32>) -> tensor<37xf32>
  %1 = "tsm.add"(%0, %x) : (tensor<37xf32>, tensor<37xf32>) -> tensor<37xf32>
  return %1 : tensor<37xf32>
}

// Two ops that expand to polynomials in one loop: the loop of whole vectors is split into
// one stage loop per op over strips (math_chain_split): the first stage buffers tanh, the
// second reads it back for erf.  The 9 elements left after the peeled whole vectors are one
// masked vector through both.
// CHECK-LABEL: func.func @chain2$static
// CHECK: call @tsm_math_chain_{{[0-9]+}}(
// CHECK: vector.constant_mask [9] : vector<32xi1>
// CHECK: math.tanh {{.*}} : vector<32xf32>
// CHECK: math.erf {{.*}} : vector<32xf32>
// CHECK: vector.maskedstore
// CHECK: func.func private @tsm_math_chain_
// CHECK: %[[BUF:.*]] = memref.alloca() {alignment = 64 : i64} : memref<256xf32>
// CHECK: scf.for %{{.*}} = %c0 to %c992 step %c256
// CHECK: scf.for
// CHECK: math.tanh {{.*}} : vector<32xf32>
// CHECK: vector.store {{.*}}, %[[BUF]]
// CHECK: scf.for
// CHECK: vector.load %[[BUF]]
// CHECK: math.erf {{.*}} : vector<32xf32>
// CHECK: vector.store
func.func @chain2$static(%x: tensor<1001xf32>) -> tensor<1001xf32> {
  %0 = "tsm.tanh"(%x) : (tensor<1001xf32>) -> tensor<1001xf32>
  %1 = "tsm.erf"(%0) : (tensor<1001xf32>) -> tensor<1001xf32>
  return %1 : tensor<1001xf32>
}
