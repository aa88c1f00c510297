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
// LINALG: arith.constant dense<2.000000e+00> : tensor<f32>
// LINALG: linalg.generic
// LINALG-NOT: "tsm.

// LOOPS-LABEL: func.func @forward
// LOOPS: scf.for
// LOOPS: memref.load
// LOOPS: memref.store
func.func @forward(%x: tensor<2x3xf32>) -> tensor<2x3xf32> attributes {llvm.emit_c_interface} {
  %c = "tsm.constant"() {value = dense<2.0> : tensor<f32>} : () -> tensor<f32>
  %0 = "tsm.mul"(%x, %c) : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}
