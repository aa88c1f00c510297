// RUN: tsmlir-opt %s --split-input-file --tsm-lower-nn | filecheck %s

// Batch 1, constant filters, 4x5 = 20 output positions (32 panel columns,
// 1.6x waste) and F = 16: the transposed product out^T (20, 16) = col^T
// (20, 2) @ Wt (2, 16).  col^T is built channels-last (a transpose of the
// input, then one slice per kernel position); Wt[j, f] = w[f, 0, 0, j] is a
// new constant; the bias broadcasts along out^T's columns right before the
// matmul; one generic transposes out^T into the (1, F, OH, OW) result.
// CHECK-DAG: #[[T2:.*]] = affine_map<(d0, d1) -> (d1, d0)>
// CHECK-DAG: #[[ID2:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[COLS:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[BACK:.*]] = affine_map<(d0, d1, d2, d3) -> (d2, d3, d1)>
// CHECK-LABEL: func.func @conv2d$transposed
// CHECK-DAG: %[[BIAS:.*]] = arith.constant dense<[0.000000e+00, 1.000000e+00, {{.*}}]> : tensor<16xf32>
// CHECK-DAG: %[[WT:.*]] = arith.constant dense<{{\[}}[0.000000e+00, 2.000000e+00, 4.000000e+00, {{.*}}, 3.000000e+01], [1.000000e+00, 3.000000e+00, {{.*}}, 3.100000e+01]]> : tensor<2x16xf32>
// CHECK: %[[XL:.*]] = linalg.generic {indexing_maps = [#[[T2]], #[[ID2]]], {{.*}} ins(%{{.*}} : tensor<1x24xf32>) outs(%{{.*}} : tensor<24x1xf32>)
// CHECK: tensor.expand_shape %[[XL]] {{\[}}[0, 1], [2]] output_shape [4, 6, 1]
// CHECK: tensor.empty() : tensor<4x5x1x2x1xf32>
// CHECK-COUNT-2: tensor.insert_slice {{.*}} [4, 5, 1, 1, 1] [1, 1, 1, 1, 1] : tensor<4x5x1x1x1xf32> into tensor<4x5x1x2x1xf32>
// CHECK: %[[COLT:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0, 1], [2, 3, 4]] : tensor<4x5x1x2x1xf32> into tensor<20x2xf32>
// CHECK: %[[ACC:.*]] = linalg.generic {indexing_maps = [#[[COLS]], #[[ID2]]], {{.*}} ins(%[[BIAS]] : tensor<16xf32>) outs(%{{.*}} : tensor<20x16xf32>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: linalg.yield
// CHECK-NEXT: }
// CHECK-NEXT: %[[OUTT:.*]] = linalg.matmul ins(%[[COLT]], %[[WT]] : tensor<20x2xf32>, tensor<2x16xf32>) outs(%[[ACC]] : tensor<20x16xf32>)
// CHECK: %[[E:.*]] = tensor.expand_shape %[[OUTT]] {{\[}}[0, 1], [2]] output_shape [4, 5, 16]
// CHECK: %[[OUT:.*]] = linalg.generic {indexing_maps = [#[[BACK]], #{{.*}}], {{.*}} ins(%[[E]] : tensor<4x5x16xf32>) outs(%{{.*}} : tensor<1x16x4x5xf32>)
// CHECK: return %[[OUT]]
func.func @conv2d$transposed(%x: tensor<1x1x4x6xf32>) -> tensor<1x16x4x5xf32> {
  %w = arith.constant dense<[[[[0.0, 1.0]]], [[[2.0, 3.0]]], [[[4.0, 5.0]]], [[[6.0, 7.0]]], [[[8.0, 9.0]]], [[[10.0, 11.0]]], [[[12.0, 13.0]]], [[[14.0, 15.0]]], [[[16.0, 17.0]]], [[[18.0, 19.0]]], [[[20.0, 21.0]]], [[[22.0, 23.0]]], [[[24.0, 25.0]]], [[[26.0, 27.0]]], [[[28.0, 29.0]]], [[[30.0, 31.0]]]]> : tensor<16x1x1x2xf32>
  %b = arith.constant dense<[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0]> : tensor<16xf32>
  %0 = "tsm.conv2d"(%x, %w, %b) {stride = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilation = array<i64: 1, 1>, groups = 1} : (tensor<1x1x4x6xf32>, tensor<16x1x1x2xf32>, tensor<16xf32>) -> tensor<1x16x4x5xf32>
  return %0 : tensor<1x16x4x5xf32>
}

// -----

// Batch 2 (the per-image loop) or 16 positions (no panel waste): the
// direct form W (16, 2) @ col (2, N).
// CHECK-LABEL: func.func @conv2d$direct
// CHECK: scf.for
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<16x2xf32>, tensor<2x20xf32>)
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<16x2xf32>, tensor<2x16xf32>)
// CHECK-NOT: linalg.matmul
func.func @conv2d$direct(%x: tensor<2x1x4x6xf32>, %y: tensor<1x1x4x5xf32>) -> (tensor<2x16x4x5xf32>, tensor<1x16x4x4xf32>) {
  %w = arith.constant dense<[[[[0.0, 1.0]]], [[[2.0, 3.0]]], [[[4.0, 5.0]]], [[[6.0, 7.0]]], [[[8.0, 9.0]]], [[[10.0, 11.0]]], [[[12.0, 13.0]]], [[[14.0, 15.0]]], [[[16.0, 17.0]]], [[[18.0, 19.0]]], [[[20.0, 21.0]]], [[[22.0, 23.0]]], [[[24.0, 25.0]]], [[[26.0, 27.0]]], [[[28.0, 29.0]]], [[[30.0, 31.0]]]]> : tensor<16x1x1x2xf32>
  %0 = "tsm.conv2d"(%x, %w) {stride = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilation = array<i64: 1, 1>, groups = 1} : (tensor<2x1x4x6xf32>, tensor<16x1x1x2xf32>) -> tensor<2x16x4x5xf32>
  %1 = "tsm.conv2d"(%y, %w) {stride = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilation = array<i64: 1, 1>, groups = 1} : (tensor<1x1x4x5xf32>, tensor<16x1x1x2xf32>) -> tensor<1x16x4x4xf32>
  return %0, %1 : tensor<2x16x4x5xf32>, tensor<1x16x4x4xf32>
}
