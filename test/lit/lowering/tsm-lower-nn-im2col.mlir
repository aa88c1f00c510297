// RUN: tsmlir-opt %s --split-input-file --tsm-lower-nn | filecheck %s

// Two threads, 256 channels of 4x4 (rows of 3-4 floats: enough rows to pay
// for a parallel loop): the im2col is an scf.forall over two chunks of 128
// channels, each filling its chunk (padding reaches into every kernel
// column) and inserting the three slices of the unpadded input: no
// tensor.pad, no padded copy.
// CHECK-LABEL: func.func @conv2d$threads
// CHECK-NOT: tensor.pad
// CHECK: %[[C128:.*]] = arith.constant 128 : index
// CHECK: %[[X:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0, 1], [2], [3]] : tensor<1x256x4x4xf32> into tensor<256x4x4xf32>
// CHECK: %[[COL0:.*]] = tensor.empty() : tensor<256x1x3x6x4xf32>
// CHECK: %[[COL:.*]] = scf.forall (%[[T:.*]]) in (2) shared_outs(%[[OUT:.*]] = %[[COL0]])
// CHECK: %[[C0:.*]] = arith.muli %[[T]], %[[C128]] : index
// CHECK: %[[CHUNK:.*]] = tensor.extract_slice %[[OUT]][%[[C0]], 0, 0, 0, 0] [128, 1, 3, 6, 4]
// CHECK: %[[ZEROS:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[CHUNK]] : tensor<128x1x3x6x4xf32>)
// CHECK: tensor.extract_slice %[[X]][%[[C0]], 0, 0] [128, 4, 3] [1, 1, 1]
// CHECK: tensor.insert_slice %{{.*}} into %[[ZEROS]][0, 0, 0, 1, 1] [128, 1, 1, 4, 3]
// CHECK: tensor.extract_slice %[[X]][%[[C0]], 0, 0] [128, 4, 4] [1, 1, 1]
// CHECK: tensor.insert_slice %{{.*}}[0, 0, 1, 1, 0] [128, 1, 1, 4, 4]
// CHECK: tensor.extract_slice %[[X]][%[[C0]], 0, 1] [128, 4, 3] [1, 1, 1]
// CHECK: %[[PIECE:.*]] = tensor.insert_slice %{{.*}}[0, 0, 2, 1, 0] [128, 1, 1, 4, 3]
// CHECK: scf.forall.in_parallel
// CHECK-NEXT: tensor.parallel_insert_slice %[[PIECE]] into %[[OUT]][%[[C0]], 0, 0, 0, 0] [128, 1, 3, 6, 4]
// CHECK: tensor.collapse_shape %[[COL]] {{\[}}[0, 1, 2], [3, 4]] : tensor<256x1x3x6x4xf32> into tensor<768x24xf32>
// CHECK-COUNT-3: linalg.matmul {tsm.conv_rows}
module attributes {tsm.num_threads = 2 : i64} {
func.func @conv2d$threads(%x: tensor<1x256x4x4xf32>, %w: tensor<8x256x3x3xf32>) -> tensor<1x8x4x4xf32> {
  %0 = "tsm.conv2d"(%x, %w) {stride = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, dilation = array<i64: 1, 1>, groups = 1} : (tensor<1x256x4x4xf32>, tensor<8x256x3x3xf32>) -> tensor<1x8x4x4xf32>
  return %0 : tensor<1x8x4x4xf32>
}
}

// -----

// 255 channels (odd) at stride 2, the full im2col: chunks of 128, the last
// one 127 (a dynamic size, min(128, 255 - c0)); kernel position (0, 0)
// reads x only at output position (1, 1), position (1, 1) reads x[:, ::2,
// ::2] everywhere (stride-2 slices).
// CHECK-LABEL: func.func @conv2d$threads_odd
// CHECK-DAG: %[[C255:.*]] = arith.constant 255 : index
// CHECK-DAG: %[[C128:.*]] = arith.constant 128 : index
// CHECK: scf.forall (%[[T:.*]]) in (2) shared_outs(%[[OUT:.*]] = %{{.*}}) -> (tensor<255x3x3x2x2xf32>)
// CHECK: %[[C0:.*]] = arith.muli %[[T]], %[[C128]] : index
// CHECK: %[[REST:.*]] = arith.subi %[[C255]], %[[C0]] : index
// CHECK: %[[LEN:.*]] = arith.minui %[[REST]], %[[C128]] : index
// CHECK: tensor.extract_slice %[[OUT]][%[[C0]], 0, 0, 0, 0] [%[[LEN]], 3, 3, 2, 2]
// CHECK: linalg.fill
// CHECK: tensor.extract_slice %{{.*}}[%[[C0]], 1, 1] [%[[LEN]], 1, 1] [1, 2, 2]
// CHECK: tensor.insert_slice %{{.*}}[0, 0, 0, 1, 1] [%[[LEN]], 1, 1, 1, 1]
// CHECK: tensor.extract_slice %{{.*}}[%[[C0]], 0, 0] [%[[LEN]], 2, 2] [1, 2, 2]
// CHECK: tensor.insert_slice %{{.*}}[0, 1, 1, 0, 0] [%[[LEN]], 1, 1, 2, 2]
// CHECK: tensor.parallel_insert_slice %{{.*}} into %[[OUT]][%[[C0]], 0, 0, 0, 0] [%[[LEN]], 3, 3, 2, 2]
// CHECK: linalg.matmul
module attributes {tsm.num_threads = 2 : i64} {
func.func @conv2d$threads_odd(%x: tensor<1x255x4x4xf32>, %w: tensor<8x255x3x3xf32>) -> tensor<1x8x2x2xf32> {
  %0 = "tsm.conv2d"(%x, %w) {stride = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>, dilation = array<i64: 1, 1>, groups = 1} : (tensor<1x255x4x4xf32>, tensor<8x255x3x3xf32>) -> tensor<1x8x2x2xf32>
  return %0 : tensor<1x8x2x2xf32>
}
}

// -----

// One thread (no tsm.num_threads), one channel of 8x64: no loop; the zeros
// round each slice are boxes of their own (two rows, and a column for the
// outer kernel columns), which write less than a fill of all of col, and
// the clipped slices cost less than a padded copy.
// CHECK-LABEL: func.func @conv2d$borders
// CHECK-NOT: scf.forall
// CHECK-NOT: tensor.pad
// CHECK: %[[COL0:.*]] = tensor.empty() : tensor<1x1x3x10x64xf32>
// CHECK: tensor.extract_slice %[[COL0]][0, 0, 0, 0, 0] [1, 1, 1, 1, 64]
// CHECK: linalg.fill {{.*}} -> tensor<1x1x1x1x64xf32>
// CHECK: tensor.insert_slice {{.*}}[0, 0, 0, 9, 0] [1, 1, 1, 1, 64]
// CHECK: tensor.insert_slice {{.*}}[0, 0, 0, 1, 0] [1, 1, 1, 8, 1]
// CHECK-NOT: linalg.fill {{.*}} -> tensor<1x1x3x10x64xf32>
// CHECK: linalg.matmul {tsm.conv_rows}
func.func @conv2d$borders(%x: tensor<1x1x8x64xf32>, %w: tensor<2x1x3x3xf32>) -> tensor<1x2x8x64xf32> {
  %0 = "tsm.conv2d"(%x, %w) {stride = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, dilation = array<i64: 1, 1>, groups = 1} : (tensor<1x1x8x64xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x8x64xf32>
  return %0 : tensor<1x2x8x64xf32>
}

// -----

// A 7x7 stride-2 stem on 3 channels: the zeros round 49 slices would cost
// more than a padded copy of x, so the slices read a tensor.pad.
// CHECK-LABEL: func.func @conv2d$padded_stem
// CHECK: %[[XP:.*]] = tensor.pad %{{.*}} low[0, 3, 3] high[0, 2, 2]
// CHECK-NOT: linalg.fill
// CHECK-COUNT-49: tensor.extract_slice %[[XP]]
// CHECK: linalg.matmul
func.func @conv2d$padded_stem(%x: tensor<1x3x64x64xf32>, %w: tensor<4x3x7x7xf32>) -> tensor<1x4x32x32xf32> {
  %0 = "tsm.conv2d"(%x, %w) {stride = array<i64: 2, 2>, padding = array<i64: 3, 3, 3, 3>, dilation = array<i64: 1, 1>, groups = 1} : (tensor<1x3x64x64xf32>, tensor<4x3x7x7xf32>) -> tensor<1x4x32x32xf32>
  return %0 : tensor<1x4x32x32xf32>
}

// -----

// Patches (stride = kernel, no padding: a vision transformer's patch
// embedding): the windows tile x, so col is x's used part (30 of 32 rows
// and columns: 7 patches of 4, 2 left over) seen as (C, O, K, O, K) and
// transposed: one copy, not a slice per kernel position.
// CHECK-LABEL: func.func @conv2d$patches
// CHECK-NOT: tensor.insert_slice
// CHECK: %[[USED:.*]] = tensor.extract_slice %{{.*}}[0, 0, 0] [3, 28, 28] [1, 1, 1] : tensor<3x30x30xf32> to tensor<3x28x28xf32>
// CHECK: %[[GRID:.*]] = tensor.expand_shape %[[USED]] {{\[}}[0], [1, 2], [3, 4]] output_shape [3, 7, 4, 7, 4]
// CHECK: %[[COL:.*]] = linalg.transpose ins(%[[GRID]] : tensor<3x7x4x7x4xf32>) outs(%{{.*}} : tensor<3x4x4x7x7xf32>) permutation = [0, 2, 4, 1, 3]
// CHECK: tensor.collapse_shape %[[COL]] {{\[}}[0, 1, 2], [3, 4]] : tensor<3x4x4x7x7xf32> into tensor<48x49xf32>
// CHECK: linalg.matmul
func.func @conv2d$patches(%x: tensor<1x3x30x30xf32>, %w: tensor<16x3x4x4xf32>) -> tensor<1x16x7x7xf32> {
  %0 = "tsm.conv2d"(%x, %w) {stride = array<i64: 4, 4>, padding = array<i64: 0, 0, 0, 0>, dilation = array<i64: 1, 1>, groups = 1} : (tensor<1x3x30x30xf32>, tensor<16x3x4x4xf32>) -> tensor<1x16x7x7xf32>
  return %0 : tensor<1x16x7x7xf32>
}
