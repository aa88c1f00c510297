// RUN: tsmlir-opt %s --tsm-cpu-vectorize | filecheck %s

// A matmul whose A is a row-major view (x[t] of a stacked input: unit
// innermost stride, dynamic offset) takes the register-tiled kernel, not the
// scalar loops of convert-linalg-to-loops.
// The kernel is outlined ahead of the function that calls it.
// CHECK: func.func private @[[KERNEL:tsm_matmul_kernel[^(]*]](%{{.*}}: memref<7x64xf32, strided<[64, 1], offset: ?>>
// CHECK: vector.fma
// CHECK-NOT: linalg.matmul
// CHECK-LABEL: func.func @matmul$row_view
// CHECK-SAME: (%[[X:.*]]: memref<4x7x64xf32>, %[[T:.*]]: index, %[[W:.*]]: memref<64x128xf32>, %[[C:.*]]: memref<7x128xf32>)
// CHECK: %[[SLICE:.*]] = memref.subview %[[X]][%[[T]], 0, 0]
// CHECK: %[[A:.*]] = memref.collapse_shape %[[SLICE]]
// CHECK-NOT: linalg.matmul
// CHECK: call @[[KERNEL]](%[[A]], %[[W]], %[[C]],
func.func @matmul$row_view(%x: memref<4x7x64xf32>, %t: index, %w: memref<64x128xf32>,
                           %c: memref<7x128xf32>) {
  %s = memref.subview %x[%t, 0, 0] [1, 7, 64] [1, 1, 1]
      : memref<4x7x64xf32> to memref<1x7x64xf32, strided<[448, 64, 1], offset: ?>>
  %a = memref.collapse_shape %s [[0, 1], [2]]
      : memref<1x7x64xf32, strided<[448, 64, 1], offset: ?>> into memref<7x64xf32, strided<[64, 1], offset: ?>>
  linalg.matmul ins(%a, %w : memref<7x64xf32, strided<[64, 1], offset: ?>>, memref<64x128xf32>)
                outs(%c : memref<7x128xf32>)
  return
}

// A column view (innermost stride 2: its rows are not contiguous) is left to
// convert-linalg-to-loops.
// CHECK-LABEL: func.func @matmul$column_view
// CHECK: linalg.matmul
// CHECK-NOT: call @tsm_matmul_kernel
func.func @matmul$column_view(%a: memref<7x64xf32, strided<[128, 2]>>, %w: memref<64x128xf32>,
                              %c: memref<7x128xf32>) {
  linalg.matmul ins(%a, %w : memref<7x64xf32, strided<[128, 2]>>, memref<64x128xf32>)
                outs(%c : memref<7x128xf32>)
  return
}
