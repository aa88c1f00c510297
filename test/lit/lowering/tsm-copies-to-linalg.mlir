// RUN: tsmlir-opt %s --tsm-copies-to-linalg | filecheck %s

// Copies between strided views become linalg.copy (which tsm-cpu-vectorize vectorizes).
// CHECK-LABEL: func.func @copy$strided
// CHECK-SAME: (%[[SRC:.*]]: memref<4x8xf32, strided<[32, 2]>>, %[[DST:.*]]: memref<4x8xf32>)
// CHECK: linalg.copy {{.*}}ins(%[[SRC]] : memref<4x8xf32, strided<[32, 2]>>) outs(%[[DST]] : memref<4x8xf32>)
// CHECK-NOT: memref.copy
func.func @copy$strided(%src: memref<4x8xf32, strided<[32, 2]>>, %dst: memref<4x8xf32>) {
  memref.copy %src, %dst : memref<4x8xf32, strided<[32, 2]>> to memref<4x8xf32>
  return
}
