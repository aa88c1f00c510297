// RUN: tsmlir-opt %s --split-input-file --tsm-unshare-fills | filecheck %s
// RUN: tsmlir-opt %s --split-input-file --tsm-unshare-fills --tsm-linalg-to-loops | filecheck %s --check-prefix=LOOPS

// Two matmuls of one shape share the fill of zero that CSE left: each gets
// a fill (and an empty tensor) of its own, made right before it.
// CHECK-LABEL: func.func @two_matmuls
// CHECK-NOT: linalg.fill
// CHECK: %[[E1:.*]] = tensor.empty() : tensor<40x30xf32>
// CHECK-NEXT: %[[F1:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E1]] : tensor<40x30xf32>)
// CHECK-NEXT: %[[M1:.*]] = linalg.matmul ins(%{{.*}}, %{{.*}} : {{.*}}) outs(%[[F1]] : tensor<40x30xf32>)
// CHECK-NEXT: %[[E2:.*]] = tensor.empty() : tensor<40x30xf32>
// CHECK-NEXT: %[[F2:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E2]] : tensor<40x30xf32>)
// CHECK-NEXT: linalg.matmul ins(%[[M1]], %{{.*}} : {{.*}}) outs(%[[F2]] : tensor<40x30xf32>)
// CHECK-NOT: linalg.fill
// Bufferized: no copy of a filled buffer; both packed kernels start from
// zero in registers (the driver of a plain product), no fill is left.
// LOOPS-LABEL: func.func @two_matmuls
// LOOPS-NOT: tsm_copy
// LOOPS-NOT: tsm_fill
// LOOPS: call @tsm_matmul_packed_0_driver(
// LOOPS-NOT: tsm_copy
// LOOPS-NOT: tsm_fill
// LOOPS: call @tsm_matmul_packed_0_driver(
// LOOPS: return
func.func @two_matmuls(%a: tensor<40x30xf32>, %b: tensor<30x30xf32>) -> tensor<40x30xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<40x30xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<40x30xf32>) -> tensor<40x30xf32>
  %0 = linalg.matmul ins(%a, %b : tensor<40x30xf32>, tensor<30x30xf32>) outs(%z : tensor<40x30xf32>) -> tensor<40x30xf32>
  %1 = linalg.matmul ins(%0, %b : tensor<40x30xf32>, tensor<30x30xf32>) outs(%z : tensor<40x30xf32>) -> tensor<40x30xf32>
  return %1 : tensor<40x30xf32>
}

// -----

// A fill with one use, and a fill also read as an input: unchanged (only
// uses as inits are given fills of their own, and a single use needs none).
// CHECK-LABEL: func.func @single_and_read
// CHECK: %[[F:.*]] = linalg.fill
// CHECK-NEXT: linalg.matmul ins(%{{.*}}, %{{.*}} : {{.*}}) outs(%[[F]] : tensor<4x4xf32>)
// CHECK: %[[G:.*]] = linalg.fill
// CHECK-NEXT: linalg.add ins(%[[G]], %[[G]] : tensor<4x4xf32>, tensor<4x4xf32>) outs(%{{.*}} : tensor<4x4xf32>)
// CHECK-NOT: linalg.fill
// LOOPS-LABEL: func.func @single_and_read
func.func @single_and_read(%a: tensor<4x4xf32>) -> (tensor<4x4xf32>, tensor<4x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %e = tensor.empty() : tensor<4x4xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<4x4xf32>) -> tensor<4x4xf32>
  %0 = linalg.matmul ins(%a, %a : tensor<4x4xf32>, tensor<4x4xf32>) outs(%z : tensor<4x4xf32>) -> tensor<4x4xf32>
  %e2 = tensor.empty() : tensor<4x4xf32>
  %o = linalg.fill ins(%one : f32) outs(%e2 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %1 = linalg.add ins(%o, %o : tensor<4x4xf32>, tensor<4x4xf32>) outs(%e : tensor<4x4xf32>) -> tensor<4x4xf32>
  return %0, %1 : tensor<4x4xf32>, tensor<4x4xf32>
}

// -----

// Shared by a reduction's init inside a loop and one outside: each use gets
// its fill; the one in the loop fills its buffer every step (where the
// shared fill was copied every step).
// CHECK-LABEL: func.func @in_loop
// CHECK-NOT: linalg.fill
// CHECK: scf.for
// CHECK: %[[F1:.*]] = linalg.fill
// CHECK-NEXT: linalg.reduce ins(%{{.*}} : tensor<8x4xf32>) outs(%[[F1]] : tensor<8xf32>)
// CHECK: }
// CHECK: %[[F2:.*]] = linalg.fill
// CHECK-NEXT: linalg.reduce ins(%{{.*}} : tensor<8x4xf32>) outs(%[[F2]] : tensor<8xf32>)
// LOOPS-LABEL: func.func @in_loop
func.func @in_loop(%x: tensor<8x4xf32>, %n: index) -> (tensor<8xf32>, tensor<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<8xf32>) -> tensor<8xf32>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %x) -> (tensor<8x4xf32>) {
    %s = linalg.reduce ins(%acc : tensor<8x4xf32>) outs(%z : tensor<8xf32>) dimensions = [1]
      (%in: f32, %init: f32) {
        %t = arith.addf %in, %init : f32
        linalg.yield %t : f32
      }
    %b = linalg.broadcast ins(%s : tensor<8xf32>) outs(%acc : tensor<8x4xf32>) dimensions = [1]
    scf.yield %b : tensor<8x4xf32>
  }
  %s2 = linalg.reduce ins(%r : tensor<8x4xf32>) outs(%z : tensor<8xf32>) dimensions = [1]
    (%in: f32, %init: f32) {
      %t = arith.addf %in, %init : f32
      linalg.yield %t : f32
    }
  return %s2, %s2 : tensor<8xf32>, tensor<8xf32>
}
