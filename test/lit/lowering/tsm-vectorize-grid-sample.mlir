// RUN: tsmlir-opt %s --split-input-file --pass-pipeline="builtin.module(tsm-lower-nn,canonicalize,cse,one-shot-bufferize{bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map},tsm-vectorize-grid-sample)" | filecheck %s

// Bilinear, float32: the generic becomes a call of one function per kind
// and input size, on the input flattened to (N, C, H * W), the grid's points
// flattened to (N, 2 * H_out * W_out) and the output's to (N, C, H_out *
// W_out).  Per block of 16 points: two masked loads of the grid, two
// shuffles (x: even lanes, y: odd ones), the corners computed once, then per
// channel 4 masked gathers and the weighted sum, stored under the mask of
// the points left.
// CHECK-LABEL: func.func @bilinear
// CHECK-SAME: (%[[X:.*]]: memref<2x3x5x7xf32>, %[[G:.*]]: memref<2x4x6x2xf32>)
// CHECK: %[[FLAT:.*]] = memref.collapse_shape %[[X]] {{\[\[}}0], [1], [2, 3]] : memref<2x3x5x7xf32> into memref<2x3x35xf32>
// CHECK: %[[OUT:.*]] = memref.alloc() {{.*}} : memref<2x3x4x6xf32>
// CHECK: %[[POINTS:.*]] = memref.collapse_shape %[[G]] {{\[\[}}0], [1, 2, 3]] : memref<2x4x6x2xf32> into memref<2x48xf32>
// CHECK: %[[ROWS:.*]] = memref.collapse_shape %[[OUT]] {{\[\[}}0], [1], [2, 3]] : memref<2x3x4x6xf32> into memref<2x3x24xf32>
// CHECK: %[[XV:.*]] = memref.cast %[[FLAT]] : memref<2x3x35xf32> to memref<?x?x?xf32, strided<[?, ?, 1], offset: ?>>
// CHECK: %[[GV:.*]] = memref.cast %[[POINTS]] : memref<2x48xf32> to memref<?x?xf32, strided<[?, 1], offset: ?>>
// CHECK: %[[YV:.*]] = memref.cast %[[ROWS]]
// CHECK: call @tsm_grid_sample_f32_bilinear_zeros_noalign_5x7(%[[XV]], %[[GV]], %[[YV]])
// CHECK-NOT: linalg.generic
// CHECK-LABEL: func.func private @tsm_grid_sample_f32_bilinear_zeros_noalign_5x7
// CHECK-SAME: attributes {passthrough = ["noinline"]}
// CHECK: scf.for %[[N:.*]] =
// CHECK: scf.for %[[B:.*]] =
// CHECK: %[[TAIL:.*]] = vector.create_mask %{{.*}} : vector<16xi1>
// CHECK: %[[LO:.*]] = vector.maskedload
// CHECK: %[[HI:.*]] = vector.maskedload
// CHECK: vector.shuffle %[[LO]], %[[HI]] [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30]
// CHECK: vector.shuffle %[[LO]], %[[HI]] [1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31]
// CHECK-COUNT-2: math.floor %{{.*}} : vector<16xf32>
// CHECK-COUNT-4: arith.select %{{.*}}, %{{.*}}, %{{.*}} : vector<16xi1>, vector<16xi32>
// CHECK-COUNT-4: arith.andi %{{.*}}, %[[TAIL]] : vector<16xi1>
// CHECK: scf.for %[[C:.*]] =
// CHECK-COUNT-4: vector.gather %{{.*}}[%[[N]], %[[C]], %{{.*}}] [%{{.*}}], %{{.*}}, %{{.*}} : memref<?x?x?xf32, strided<[?, ?, 1], offset: ?>>, vector<16xi32>, vector<16xi1>, vector<16xf32> into vector<16xf32>
// CHECK: arith.mulf
// CHECK-COUNT-3: arith.addf
// CHECK: vector.maskedstore %{{.*}}[%[[N]], %[[C]], %{{.*}}], %[[TAIL]]
func.func @bilinear(%x: tensor<2x3x5x7xf32>, %g: tensor<2x4x6x2xf32>) -> tensor<2x3x4x6xf32> {
  %0 = "tsm.grid_sample"(%x, %g) {mode = "bilinear", padding = "zeros", align_corners = false} : (tensor<2x3x5x7xf32>, tensor<2x4x6x2xf32>) -> tensor<2x3x4x6xf32>
  return %0 : tensor<2x3x4x6xf32>
}

// -----

// Nearest: one gather per channel, its value stored as it is.
// CHECK-LABEL: func.func @nearest
// CHECK: call @tsm_grid_sample_f32_nearest_border_align_5x7(
// CHECK-LABEL: func.func private @tsm_grid_sample_f32_nearest_border_align_5x7
// CHECK-COUNT-2: math.roundeven %{{.*}} : vector<16xf32>
// CHECK: scf.for
// CHECK: %[[V:.*]] = vector.gather
// CHECK-NOT: vector.gather
// CHECK: vector.maskedstore %{{.*}}, %{{.*}}, %[[V]]
func.func @nearest(%x: tensor<2x3x5x7xf32>, %g: tensor<2x4x6x2xf32>) -> tensor<2x3x4x6xf32> {
  %0 = "tsm.grid_sample"(%x, %g) {mode = "nearest", padding = "border", align_corners = true} : (tensor<2x3x5x7xf32>, tensor<2x4x6x2xf32>) -> tensor<2x3x4x6xf32>
  return %0 : tensor<2x3x4x6xf32>
}

// -----

// 2 threads and 2^16 outputs or more: the blocks of points are an scf.parallel.
// CHECK-LABEL: func.func @threads
// CHECK: call @tsm_grid_sample_f32_bilinear_zeros_noalign_32x32_par(
// CHECK-LABEL: func.func private @tsm_grid_sample_f32_bilinear_zeros_noalign_32x32_par
// CHECK: scf.for
// CHECK: scf.parallel
// CHECK: vector.gather
// CHECK: scf.reduce
module attributes {tsm.num_threads = 2 : i64} {
  func.func @threads(%x: tensor<1x16x32x32xf32>, %g: tensor<1x64x64x2xf32>) -> tensor<1x16x64x64xf32> {
    %0 = "tsm.grid_sample"(%x, %g) {mode = "bilinear", padding = "zeros", align_corners = false} : (tensor<1x16x32x32xf32>, tensor<1x64x64x2xf32>) -> tensor<1x16x64x64xf32>
    return %0 : tensor<1x16x64x64xf32>
  }
}

// -----

// float64: left to the generic's scalar loops.
// CHECK-LABEL: func.func @float64
// CHECK: linalg.generic
// CHECK-SAME: tsm.grid_sample
// CHECK: memref.load
// CHECK-NOT: call
func.func @float64(%x: tensor<1x2x5x7xf64>, %g: tensor<1x4x6x2xf64>) -> tensor<1x2x4x6xf64> {
  %0 = "tsm.grid_sample"(%x, %g) {mode = "bilinear", padding = "zeros", align_corners = false} : (tensor<1x2x5x7xf64>, tensor<1x4x6x2xf64>) -> tensor<1x2x4x6xf64>
  return %0 : tensor<1x2x4x6xf64>
}
