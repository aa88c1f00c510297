// RUN: tsmlir-opt %s --tsm-conv-rows-erase-offsets | filecheck %s

// The kernel-row matmuls read their B views at a dynamic offset, so that
// the three share one kernel type; the tag goes.  Other matmuls are left.
// CHECK-LABEL: func.func @rows
// CHECK: %[[V0:.*]] = memref.subview %[[COL:.*]][0, 0] [3, 20] [1, 1] : memref<3x30xf32> to memref<3x20xf32, strided<[30, 1]>>
// CHECK: %[[C0:.*]] = memref.cast %[[V0]] : memref<3x20xf32, strided<[30, 1]>> to memref<3x20xf32, strided<[30, 1], offset: ?>>
// CHECK: linalg.matmul ins(%{{.*}}, %[[C0]] : memref<2x3xf32>, memref<3x20xf32, strided<[30, 1], offset: ?>>)
// CHECK: %[[V1:.*]] = memref.subview %[[COL]][0, 5] [3, 20] [1, 1]
// CHECK: %[[C1:.*]] = memref.cast %[[V1]] : memref<3x20xf32, strided<[30, 1], offset: 5>> to memref<3x20xf32, strided<[30, 1], offset: ?>>
// CHECK: linalg.matmul ins(%{{.*}}, %[[C1]] : memref<2x3xf32>, memref<3x20xf32, strided<[30, 1], offset: ?>>)
// CHECK: linalg.matmul ins(%{{.*}}, %[[V1]] : memref<2x3xf32>, memref<3x20xf32, strided<[30, 1], offset: 5>>)
// CHECK-NOT: tsm.conv_rows
func.func @rows(%w: memref<2x3xf32>, %col: memref<3x30xf32>, %out: memref<2x20xf32>) {
  %v0 = memref.subview %col[0, 0] [3, 20] [1, 1] : memref<3x30xf32> to memref<3x20xf32, strided<[30, 1]>>
  linalg.matmul {tsm.conv_rows} ins(%w, %v0 : memref<2x3xf32>, memref<3x20xf32, strided<[30, 1]>>) outs(%out : memref<2x20xf32>)
  %v1 = memref.subview %col[0, 5] [3, 20] [1, 1] : memref<3x30xf32> to memref<3x20xf32, strided<[30, 1], offset: 5>>
  linalg.matmul {tsm.conv_rows} ins(%w, %v1 : memref<2x3xf32>, memref<3x20xf32, strided<[30, 1], offset: 5>>) outs(%out : memref<2x20xf32>)
  linalg.matmul ins(%w, %v1 : memref<2x3xf32>, memref<3x20xf32, strided<[30, 1], offset: 5>>) outs(%out : memref<2x20xf32>)
  return
}
