// RUN: tsmlir-opt %s --target-cpu x86-64-v3 --tsm-to-linalg --tsm-linalg-to-loops | filecheck %s

// Matmuls whose rows are a multiple of the register tile's (6 with AVX2)
// share one packed kernel whatever their shapes: it takes any sizes and row
// strides, reads K off A, and blocks B by the target's full 256 x 128 (the
// stack block), which it clamps to K and to its columns.  Each shape keeps
// a driver of its own, which casts its operands to the kernel's types.
// CHECK-LABEL: func.func private @tsm_matmul_packed_0(
// CHECK-SAME: %[[A:[^:]*]]: memref<?x?xf32, strided<[?, 1], offset: ?>>, %{{[^:]*}}: memref<?x?xf32, strided<[?, 1], offset: ?>>, %{{[^:]*}}: memref<?x?xf32, strided<[?, 1], offset: ?>>,
// CHECK: %[[K:.*]] = memref.dim %[[A]], %c1
// CHECK: memref.alloca() {alignment = 64 : i64} : memref<8x256x16xf32>
// CHECK: scf.for %[[K0:.*]] = %c0 to %[[K]] step %c256
// CHECK: vector.fma
// CHECK-LABEL: func.func private @tsm_matmul_packed_0_driver(
// CHECK-SAME: %[[DA:[^:]*]]: memref<36x40xf32>, %[[DB:[^:]*]]: memref<40x20xf32>, %[[DC:[^:]*]]: memref<36x20xf32>)
// CHECK-DAG: %[[CA:.*]] = memref.cast %[[DA]] : memref<36x40xf32> to memref<?x?xf32, strided<[?, 1], offset: ?>>
// CHECK-DAG: %[[CB:.*]] = memref.cast %[[DB]] : memref<40x20xf32> to memref<?x?xf32, strided<[?, 1], offset: ?>>
// CHECK-DAG: %[[CC:.*]] = memref.cast %[[DC]] : memref<36x20xf32> to memref<?x?xf32, strided<[?, 1], offset: ?>>
// CHECK: call @tsm_matmul_packed_0(%[[CA]], %[[CB]], %[[CC]], {{.*}}, %c0, %c36, %c0, %c20)
// The second shape: the same kernel, a driver of its own.
// CHECK-NOT: func.func private @tsm_matmul_packed_1(
// CHECK-LABEL: func.func private @tsm_matmul_packed_0_driver1(
// CHECK-SAME: memref<48x300xf32>
// CHECK: call @tsm_matmul_packed_0(%{{.*}}, %c0, %c48, %c0, %c70)
// 35 rows leave a tail strip: that matmul gets a kernel for its shape.
// CHECK-LABEL: func.func private @tsm_matmul_packed_1(
// CHECK-SAME: memref<35x300xf32>
// CHECK: %[[K35:.*]] = arith.constant 300 : index
// CHECK-LABEL: func.func @shapes
// CHECK: call @tsm_matmul_packed_0_driver(
// CHECK: call @tsm_matmul_packed_0_driver1(
// CHECK: call @tsm_matmul_packed_1_driver(
func.func @shapes(%a: tensor<36x40xf32>, %b: tensor<40x20xf32>, %c: tensor<48x300xf32>,
                  %d: tensor<300x70xf32>, %e: tensor<35x300xf32>)
    -> (tensor<36x20xf32>, tensor<48x70xf32>, tensor<35x70xf32>) {
  %0 = "tsm.matmul"(%a, %b) : (tensor<36x40xf32>, tensor<40x20xf32>) -> tensor<36x20xf32>
  %1 = "tsm.matmul"(%c, %d) : (tensor<48x300xf32>, tensor<300x70xf32>) -> tensor<48x70xf32>
  %2 = "tsm.matmul"(%e, %d) : (tensor<35x300xf32>, tensor<300x70xf32>) -> tensor<35x70xf32>
  return %0, %1, %2 : tensor<36x20xf32>, tensor<48x70xf32>, tensor<35x70xf32>
}
