// RUN: tsmlir-opt %s --tsm-cpu-pipeline | filecheck %s
// RUN: tsmlir-opt %s --pass-pipeline='builtin.module(tsm-to-linalg)' | filecheck %s --check-prefix=LINALG
// RUN: tsmlir-opt %s --tsm-to-linalg --tsm-linalg-to-loops | filecheck %s --check-prefix=LOOPS

// The whole CPU pipeline ends in the LLVM dialect with a C interface wrapper.
// CHECK: llvm.func @forward
// CHECK: llvm.fmul
// CHECK: llvm.func @_mlir_ciface_forward
// CHECK-NOT: tsm.
// CHECK-NOT: linalg.

// LINALG-LABEL: func.func @forward
// The 0-d constant operand is folded into the generic's body by fusion.
// LINALG: arith.constant 2.000000e+00 : f32
// LINALG: linalg.generic
// LINALG-NOT: "tsm.

// The elementwise op is flattened and vectorized with a mask for the 6 elements.
// LOOPS-LABEL: func.func @forward
// LOOPS: memref.collapse_shape
// LOOPS: vector.maskedload
// LOOPS: arith.mulf {{.*}} : vector<16xf32>
// LOOPS: vector.maskedstore
func.func @forward(%x: tensor<2x3xf32>) -> tensor<2x3xf32> attributes {llvm.emit_c_interface} {
  %c = "tsm.constant"() {value = dense<2.0> : tensor<f32>} : () -> tensor<f32>
  %0 = "tsm.mul"(%x, %c) : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}
