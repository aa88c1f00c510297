// RUN: tsmlir-opt %s --split-input-file --tsm-lower-nn | filecheck %s

// Constant filters, row stride 1: an im2col over the 3 kernel columns only
// (rows 0..OH+1 of the padded input, read from the unpadded input: zeros,
// then 3 slices; see tsm-lower-nn-im2col.mlir), then one matmul per kernel
// row on a column range of that (C*KW, rows*OW) view, accumulating from the
// bias; row i's filters W_i[f, (c, j)] = w[f, c, i, j] are new constants.
// CHECK-LABEL: func.func @conv2d$kernel_rows
// CHECK-DAG: %[[W0:.*]] = arith.constant dense<{{\[}}[0.000000e+00, 1.000000e+00, 2.000000e+00], [9.000000e+00, 1.000000e+01, 1.100000e+01]]> : tensor<2x3xf32>
// CHECK-DAG: %[[W1:.*]] = arith.constant dense<{{\[}}[3.000000e+00, 4.000000e+00, 5.000000e+00], [1.200000e+01, 1.300000e+01, 1.400000e+01]]> : tensor<2x3xf32>
// CHECK-DAG: %[[W2:.*]] = arith.constant dense<{{\[}}[6.000000e+00, 7.000000e+00, 8.000000e+00], [1.500000e+01, 1.600000e+01, 1.700000e+01]]> : tensor<2x3xf32>
// CHECK-NOT: tensor.pad
// CHECK: %[[COL:.*]] = tensor.empty() : tensor<1x1x3x6x5xf32>
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%[[COL]] : tensor<1x1x3x6x5xf32>)
// CHECK: tensor.insert_slice {{.*}}[0, 0, 0, 1, 1] [1, 1, 1, 4, 4] [1, 1, 1, 1, 1] : tensor<1x1x1x4x4xf32> into tensor<1x1x3x6x5xf32>
// CHECK: tensor.insert_slice {{.*}}[0, 0, 1, 1, 0] [1, 1, 1, 4, 5] [1, 1, 1, 1, 1] : tensor<1x1x1x4x5xf32> into tensor<1x1x3x6x5xf32>
// CHECK: tensor.insert_slice {{.*}}[0, 0, 2, 1, 0] [1, 1, 1, 4, 4] [1, 1, 1, 1, 1] : tensor<1x1x1x4x4xf32> into tensor<1x1x3x6x5xf32>
// CHECK-NOT: tensor.insert_slice
// CHECK: %[[COL2:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0, 1, 2], [3, 4]] : tensor<1x1x3x6x5xf32> into tensor<3x30xf32>
// CHECK: %[[ACC:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<2xf32>)
// CHECK: %[[T0:.*]] = tensor.extract_slice %[[COL2]][0, 0] [3, 20] [1, 1]
// CHECK: %[[M0:.*]] = linalg.matmul {tsm.conv_rows} ins(%[[W0]], %[[T0]] : tensor<2x3xf32>, tensor<3x20xf32>) outs(%[[ACC]] : tensor<2x20xf32>)
// CHECK: %[[T1:.*]] = tensor.extract_slice %[[COL2]][0, 5] [3, 20] [1, 1]
// CHECK: %[[M1:.*]] = linalg.matmul {tsm.conv_rows} ins(%[[W1]], %[[T1]] : {{.*}}) outs(%[[M0]] : tensor<2x20xf32>)
// CHECK: %[[T2:.*]] = tensor.extract_slice %[[COL2]][0, 10] [3, 20] [1, 1]
// CHECK: %[[M2:.*]] = linalg.matmul {tsm.conv_rows} ins(%[[W2]], %[[T2]] : {{.*}}) outs(%[[M1]] : tensor<2x20xf32>)
// CHECK: tensor.expand_shape %[[M2]] {{\[}}[0, 1], [2, 3]] output_shape [1, 2, 4, 5]
func.func @conv2d$kernel_rows(%x: tensor<1x1x4x5xf32>) -> tensor<1x2x4x5xf32> {
  %w = arith.constant dense<[[[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]]], [[[9.0, 10.0, 11.0], [12.0, 13.0, 14.0], [15.0, 16.0, 17.0]]]]> : tensor<2x1x3x3xf32>
  %b = arith.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %0 = "tsm.conv2d"(%x, %w, %b) {stride = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, dilation = array<i64: 1, 1>, groups = 1} : (tensor<1x1x4x5xf32>, tensor<2x1x3x3xf32>, tensor<2xf32>) -> tensor<1x2x4x5xf32>
  return %0 : tensor<1x2x4x5xf32>
}

// -----

// f32 filters known only at run time: the same kernel rows; row i's filters
// are slices of one copy of w permuted to (KH, F, C, KW).
// CHECK-LABEL: func.func @conv2d$kernel_rows_runtime
// CHECK-SAME: (%{{.*}}: tensor<1x1x4x5xf32>, %[[W:.*]]: tensor<2x1x3x3xf32>)
// CHECK-COUNT-3: tensor.insert_slice {{.*}} into tensor<1x1x3x6x5xf32>
// CHECK-NOT: tensor.insert_slice
// CHECK: %[[COL2:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0, 1, 2], [3, 4]] : tensor<1x1x3x6x5xf32> into tensor<3x30xf32>
// CHECK: %[[WT:.*]] = linalg.transpose ins(%[[W]] : tensor<2x1x3x3xf32>) outs(%{{.*}} : tensor<3x2x1x3xf32>) permutation = [2, 0, 1, 3]
// CHECK: %[[ROWS:.*]] = tensor.collapse_shape %[[WT]] {{\[}}[0], [1], [2, 3]] : tensor<3x2x1x3xf32> into tensor<3x2x3xf32>
// CHECK: %[[R0:.*]] = tensor.extract_slice %[[ROWS]][0, 0, 0] [1, 2, 3]
// CHECK: %[[W0:.*]] = tensor.collapse_shape %[[R0]]
// CHECK: tensor.extract_slice %[[ROWS]][1, 0, 0] [1, 2, 3]
// CHECK: tensor.extract_slice %[[ROWS]][2, 0, 0] [1, 2, 3]
// CHECK-NOT: linalg.transpose
// CHECK: %[[T0:.*]] = tensor.extract_slice %[[COL2]][0, 0] [3, 20] [1, 1]
// CHECK: linalg.matmul {tsm.conv_rows} ins(%[[W0]], %[[T0]] : tensor<2x3xf32>, tensor<3x20xf32>)
// CHECK-COUNT-2: linalg.matmul {tsm.conv_rows}
func.func @conv2d$kernel_rows_runtime(%x: tensor<1x1x4x5xf32>, %w: tensor<2x1x3x3xf32>) -> tensor<1x2x4x5xf32> {
  %0 = "tsm.conv2d"(%x, %w) {stride = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, dilation = array<i64: 1, 1>, groups = 1} : (tensor<1x1x4x5xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x4x5xf32>
  return %0 : tensor<1x2x4x5xf32>
}

// -----

// float64 filters known only at run time, or a row stride of 2: the full im2col.
// CHECK-LABEL: func.func @conv2d$full_im2col
// CHECK-COUNT-9: tensor.insert_slice
// CHECK: linalg.matmul ins
// CHECK-COUNT-9: tensor.insert_slice
// CHECK: linalg.matmul ins
// CHECK-NOT: tsm.conv_rows
func.func @conv2d$full_im2col(%x: tensor<1x1x5x5xf64>, %w: tensor<2x1x3x3xf64>) -> (tensor<1x2x3x3xf64>, tensor<1x2x2x3xf64>) {
  %wc = arith.constant dense<1.0> : tensor<2x1x3x3xf64>
  %0 = "tsm.conv2d"(%x, %w) {stride = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilation = array<i64: 1, 1>, groups = 1} : (tensor<1x1x5x5xf64>, tensor<2x1x3x3xf64>) -> tensor<1x2x3x3xf64>
  %1 = "tsm.conv2d"(%x, %wc) {stride = array<i64: 2, 1>, padding = array<i64: 0, 0, 0, 0>, dilation = array<i64: 1, 1>, groups = 1} : (tensor<1x1x5x5xf64>, tensor<2x1x3x3xf64>) -> tensor<1x2x2x3xf64>
  return %0, %1 : tensor<1x2x3x3xf64>, tensor<1x2x2x3xf64>
}
