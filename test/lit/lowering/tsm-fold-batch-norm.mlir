// RUN: tsmlir-opt %s --split-input-file --tsm-fold-batch-norm | filecheck %s

// s = gamma / sqrt(var + eps) = [4, 2] / sqrt([3, 3] + 1) = [2, 1];
// W' = W * s per output channel; no conv bias: b' = (0 - mean) * s + beta.
// The batch norm, the old conv and the constants only they used are gone.
// CHECK-LABEL: func.func @conv2d$no_bias
// CHECK-SAME: (%[[X:.*]]: tensor<1x1x3x3xf32>)
// CHECK-DAG: %[[W:.*]] = "tsm.constant"() {value = dense<{{\[}}[{{\[}}[4.000000e+00]]], {{\[}}[{{\[}}3.000000e+00]]]]> : tensor<2x1x1x1xf32>}
// CHECK-DAG: %[[B:.*]] = "tsm.constant"() {value = dense<[-1.500000e+00, -1.000000e+00]> : tensor<2xf32>}
// CHECK: %[[Y:.*]] = "tsm.conv2d"(%[[X]], %[[W]], %[[B]]) {dilation = array<i64: 1, 1>, groups = 1 : i64, padding = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>}
// CHECK-NEXT: return %[[Y]]
// CHECK-NOT: tsm.batch_norm
func.func @conv2d$no_bias(%x: tensor<1x1x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %w = "tsm.constant"() {value = dense<[[[[2.0]]], [[[3.0]]]]> : tensor<2x1x1x1xf32>} : () -> tensor<2x1x1x1xf32>
  %gamma = "tsm.constant"() {value = dense<[4.0, 2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %beta = "tsm.constant"() {value = dense<[0.5, 1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %mean = "tsm.constant"() {value = dense<[1.0, 2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %var = "tsm.constant"() {value = dense<3.0> : tensor<2xf32>} : () -> tensor<2xf32>
  %c = "tsm.conv2d"(%x, %w) {stride = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilation = array<i64: 1, 1>, groups = 1} : (tensor<1x1x3x3xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x3x3xf32>
  %y = "tsm.batch_norm"(%c, %gamma, %beta, %mean, %var) {eps = 1.0 : f64} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  return %y : tensor<1x2x3x3xf32>
}

// -----

// A conv bias folds too: b' = (b - mean) * s + beta = ([1, 1] - [1, 2]) * [2, 1] + 0.
// A constant something else still uses (the weight, returned) stays.
// CHECK-LABEL: func.func @conv2d$bias
// CHECK-DAG: %[[W_OLD:.*]] = "tsm.constant"() {value = dense<{{\[}}[{{\[}}[2.000000e+00]]], {{\[}}[{{\[}}3.000000e+00]]]]>
// CHECK-DAG: %[[B:.*]] = "tsm.constant"() {value = dense<[0.000000e+00, -1.000000e+00]> : tensor<2xf32>}
// CHECK-DAG: %[[W:.*]] = "tsm.constant"() {value = dense<{{\[}}[{{\[}}[4.000000e+00]]], {{\[}}[{{\[}}3.000000e+00]]]]>
// CHECK: %[[Y:.*]] = "tsm.conv2d"(%{{.*}}, %[[W]], %[[B]])
// CHECK-NEXT: return %[[Y]], %[[W_OLD]]
// CHECK-NOT: tsm.batch_norm
func.func @conv2d$bias(%x: tensor<1x1x3x3xf32>) -> (tensor<1x2x3x3xf32>, tensor<2x1x1x1xf32>) {
  %w = "tsm.constant"() {value = dense<[[[[2.0]]], [[[3.0]]]]> : tensor<2x1x1x1xf32>} : () -> tensor<2x1x1x1xf32>
  %b = "tsm.constant"() {value = dense<1.0> : tensor<2xf32>} : () -> tensor<2xf32>
  %gamma = "tsm.constant"() {value = dense<[4.0, 2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %beta = "tsm.constant"() {value = dense<0.0> : tensor<2xf32>} : () -> tensor<2xf32>
  %mean = "tsm.constant"() {value = dense<[1.0, 2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %var = "tsm.constant"() {value = dense<3.0> : tensor<2xf32>} : () -> tensor<2xf32>
  %c = "tsm.conv2d"(%x, %w, %b) {stride = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilation = array<i64: 1, 1>, groups = 1} : (tensor<1x1x3x3xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  %y = "tsm.batch_norm"(%c, %gamma, %beta, %mean, %var) {eps = 1.0 : f64} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  return %y, %w : tensor<1x2x3x3xf32>, tensor<2x1x1x1xf32>
}

// -----

// Not folded: the conv result has another user; the filters are an argument.
// CHECK-LABEL: func.func @not_folded
// CHECK: %[[C:.*]] = "tsm.conv2d"
// CHECK: "tsm.batch_norm"(%[[C]]
// CHECK: %[[C2:.*]] = "tsm.conv2d"
// CHECK: "tsm.batch_norm"(%[[C2]]
func.func @not_folded(%x: tensor<1x1x3x3xf32>, %w2: tensor<2x1x1x1xf32>) -> (tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>) {
  %w = "tsm.constant"() {value = dense<[[[[2.0]]], [[[3.0]]]]> : tensor<2x1x1x1xf32>} : () -> tensor<2x1x1x1xf32>
  %one = "tsm.constant"() {value = dense<1.0> : tensor<2xf32>} : () -> tensor<2xf32>
  %c = "tsm.conv2d"(%x, %w) {stride = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilation = array<i64: 1, 1>, groups = 1} : (tensor<1x1x3x3xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x3x3xf32>
  %y = "tsm.batch_norm"(%c, %one, %one, %one, %one) {eps = 1.0 : f64} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  %c2 = "tsm.conv2d"(%x, %w2) {stride = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilation = array<i64: 1, 1>, groups = 1} : (tensor<1x1x3x3xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x3x3xf32>
  %y2 = "tsm.batch_norm"(%c2, %one, %one, %one, %one) {eps = 1.0 : f64} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  return %y, %c, %y2 : tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>
}

// -----

// One constant for all four parameters: s = 1 / sqrt(1 + 3) = 0.5,
// b' = (0 - 1) * 0.5 + 1; the shared constant is erased once.
// CHECK-LABEL: func.func @conv2d$shared_parameters
// CHECK-DAG: %[[W:.*]] = "tsm.constant"() {value = dense<{{\[}}[{{\[}}[1.000000e+00]]], {{\[}}[{{\[}}1.500000e+00]]]]>
// CHECK-DAG: %[[B:.*]] = "tsm.constant"() {value = dense<5.000000e-01> : tensor<2xf32>}
// CHECK: %[[Y:.*]] = "tsm.conv2d"(%{{.*}}, %[[W]], %[[B]])
// CHECK-NEXT: return %[[Y]]
func.func @conv2d$shared_parameters(%x: tensor<1x1x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %w = "tsm.constant"() {value = dense<[[[[2.0]]], [[[3.0]]]]> : tensor<2x1x1x1xf32>} : () -> tensor<2x1x1x1xf32>
  %one = "tsm.constant"() {value = dense<1.0> : tensor<2xf32>} : () -> tensor<2xf32>
  %c = "tsm.conv2d"(%x, %w) {stride = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilation = array<i64: 1, 1>, groups = 1} : (tensor<1x1x3x3xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x3x3xf32>
  %y = "tsm.batch_norm"(%c, %one, %one, %one, %one) {eps = 3.0 : f64} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  return %y : tensor<1x2x3x3xf32>
}
