// RUN: tsmlir-opt %s --tsm-copies-to-linalg | filecheck %s

// Copies between views with unit innermost stride become linalg.copy (which
// tsm-cpu-vectorize vectorizes).
// CHECK-LABEL: func.func @copy$strided
// CHECK-SAME: (%[[SRC:.*]]: memref<4x8xf32, strided<[32, 1]>>, %[[DST:.*]]: memref<4x8xf32>)
// CHECK: linalg.copy {{.*}}ins(%[[SRC]] : memref<4x8xf32, strided<[32, 1]>>) outs(%[[DST]] : memref<4x8xf32>)
// CHECK-NOT: memref.copy
func.func @copy$strided(%src: memref<4x8xf32, strided<[32, 1]>>, %dst: memref<4x8xf32>) {
  memref.copy %src, %dst : memref<4x8xf32, strided<[32, 1]>> to memref<4x8xf32>
  return
}

// A copy whose innermost dim is strided (a gather) stays a memref.copy.
// CHECK-LABEL: func.func @copy$gather
// CHECK: memref.copy
// CHECK-NOT: linalg.copy
func.func @copy$gather(%src: memref<4x8xf32, strided<[32, 2]>>, %dst: memref<4x8xf32>) {
  memref.copy %src, %dst : memref<4x8xf32, strided<[32, 2]>> to memref<4x8xf32>
  return
}
