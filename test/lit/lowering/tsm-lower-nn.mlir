// RUN: tsmlir-opt %s --split-input-file --tsm-lower-nn | filecheck %s

// Batch > 1: zero padding is a tensor.pad; the broadcast bias is the accumulator's initial value.
// CHECK-DAG: #[[CHANNEL:.*]] = affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @conv2d$bias_padding
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x8x8xf32>, %[[W:.*]]: tensor<4x3x3x3xf32>, %[[B:.*]]: tensor<4xf32>)
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[XP:.*]] = tensor.pad %[[X]] low[0, 0, 1, 2] high[0, 0, 1, 2]
// CHECK: tensor.yield %[[ZERO]] : f32
// CHECK: } : tensor<2x3x8x8xf32> to tensor<2x3x10x12xf32>
// CHECK: %[[EMPTY:.*]] = tensor.empty() : tensor<2x4x4x5xf32>
// CHECK: %[[ACC:.*]] = linalg.generic {indexing_maps = [#[[CHANNEL]], #[[ID]]]
// CHECK-SAME: ins(%[[B]] : tensor<4xf32>) outs(%[[EMPTY]] : tensor<2x4x4x5xf32>)
// CHECK: %[[OUT:.*]] = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
// CHECK-SAME: ins(%[[XP]], %[[W]] : tensor<2x3x10x12xf32>, tensor<4x3x3x3xf32>) outs(%[[ACC]] : tensor<2x4x4x5xf32>)
// CHECK: return %[[OUT]]
// CHECK-NOT: tsm.conv2d
func.func @conv2d$bias_padding(%x: tensor<2x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>) -> tensor<2x4x4x5xf32> {
  %0 = "tsm.conv2d"(%x, %w, %b) {stride = array<i64: 2, 2>, padding = array<i64: 1, 2, 1, 2>, dilation = array<i64: 1, 1>, groups = 1} : (tensor<2x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<2x4x4x5xf32>
  return %0 : tensor<2x4x4x5xf32>
}

// -----

// padding='same' with an even kernel pads one more row/column at the bottom/right;
// dilation passes through. Without bias the accumulator starts at zero.
// CHECK-LABEL: func.func @conv2d$same_even_kernel
// CHECK: %[[XP:.*]] = tensor.pad %{{.*}} low[0, 0, 1, 1] high[0, 0, 2, 2]
// CHECK: %[[ACC:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<2x2x6x6xf32>)
// CHECK: linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
// CHECK-SAME: ins(%[[XP]], %{{.*}} : tensor<2x2x9x9xf32>, tensor<2x2x4x4xf32>) outs(%[[ACC]]
func.func @conv2d$same_even_kernel(%x: tensor<2x2x6x6xf32>, %w: tensor<2x2x4x4xf32>) -> tensor<2x2x6x6xf32> {
  %0 = "tsm.conv2d"(%x, %w) {stride = array<i64: 1, 1>, padding = array<i64: 1, 1, 2, 2>, dilation = array<i64: 1, 1>, groups = 1} : (tensor<2x2x6x6xf32>, tensor<2x2x4x4xf32>) -> tensor<2x2x6x6xf32>
  return %0 : tensor<2x2x6x6xf32>
}

// -----

// Batch 1 (float): im2col from one strided slice per kernel position, then one
// linalg.matmul of the (F, C*KH*KW) filter view by the (C*KH*KW, OH*OW) columns,
// starting from the broadcast bias.
// CHECK-LABEL: func.func @conv2d$batch1_im2col
// CHECK-SAME: (%[[X:.*]]: tensor<1x3x8x8xf32>, %[[W:.*]]: tensor<4x3x3x3xf32>, %[[B:.*]]: tensor<4xf32>)
// CHECK: %[[XP:.*]] = tensor.pad %[[X]] low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: %[[COL0:.*]] = tensor.empty() : tensor<3x3x3x4x4xf32>
// CHECK: %[[P00:.*]] = tensor.extract_slice %[[XP]][0, 0, 0, 0] [1, 3, 4, 4] [1, 1, 2, 2] : tensor<1x3x10x10xf32> to tensor<3x4x4xf32>
// CHECK: %[[COL1:.*]] = tensor.insert_slice %[[P00]] into %[[COL0]][0, 0, 0, 0, 0] [3, 1, 1, 4, 4] [1, 1, 1, 1, 1]
// CHECK-COUNT-8: tensor.insert_slice
// CHECK: %[[COLS:.*]] = tensor.collapse_shape %{{.*}} {{\[\[}}0, 1, 2], [3, 4]] : tensor<3x3x3x4x4xf32> into tensor<27x16xf32>
// CHECK: %[[FILTER:.*]] = tensor.collapse_shape %[[W]] {{\[\[}}0], [1, 2, 3]] : tensor<4x3x3x3xf32> into tensor<4x27xf32>
// CHECK: %[[ACC:.*]] = linalg.generic
// CHECK-SAME: ins(%[[B]] : tensor<4xf32>) outs(%{{.*}} : tensor<4x16xf32>)
// CHECK: %[[MM:.*]] = linalg.matmul ins(%[[FILTER]], %[[COLS]] : tensor<4x27xf32>, tensor<27x16xf32>) outs(%[[ACC]] : tensor<4x16xf32>)
// CHECK: %[[OUT:.*]] = tensor.expand_shape %[[MM]] {{\[\[}}0, 1], [2, 3]] output_shape [1, 4, 4, 4] : tensor<4x16xf32> into tensor<1x4x4x4xf32>
// CHECK: return %[[OUT]]
func.func @conv2d$batch1_im2col(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>) -> tensor<1x4x4x4xf32> {
  %0 = "tsm.conv2d"(%x, %w, %b) {stride = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>, dilation = array<i64: 1, 1>, groups = 1} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
  return %0 : tensor<1x4x4x4xf32>
}

// -----

// groups == C == F: the (C, 1, KH, KW) filter collapses for the depthwise op;
// the dynamic batch size comes from the input.
// CHECK-LABEL: func.func @conv2d$depthwise
// CHECK-SAME: (%[[X:.*]]: tensor<?x4x8x8xf32>, %[[W:.*]]: tensor<4x1x3x3xf32>)
// CHECK: %[[N:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x4x8x8xf32>
// CHECK: %[[EMPTY:.*]] = tensor.empty(%[[N]]) : tensor<?x4x4x4xf32>
// CHECK: %[[ACC:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[EMPTY]] : tensor<?x4x4x4xf32>)
// CHECK: %[[WD:.*]] = tensor.collapse_shape %[[W]] {{\[}}[0, 1], [2], [3]] : tensor<4x1x3x3xf32> into tensor<4x3x3xf32>
// CHECK: linalg.depthwise_conv_2d_nchw_chw {dilations = dense<2> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
// CHECK-SAME: ins(%[[X]], %[[WD]] : tensor<?x4x8x8xf32>, tensor<4x3x3xf32>) outs(%[[ACC]] : tensor<?x4x4x4xf32>)
func.func @conv2d$depthwise(%x: tensor<?x4x8x8xf32>, %w: tensor<4x1x3x3xf32>) -> tensor<?x4x4x4xf32> {
  %0 = "tsm.conv2d"(%x, %w) {stride = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilation = array<i64: 2, 2>, groups = 4} : (tensor<?x4x8x8xf32>, tensor<4x1x3x3xf32>) -> tensor<?x4x4x4xf32>
  return %0 : tensor<?x4x4x4xf32>
}

// -----

// Other groups: input and filter gain a group dim, the bias is read at g * F/G + f.
// CHECK-DAG: #[[GROUPED_BIAS:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d1 * 3 + d2)>
// CHECK-LABEL: func.func @conv2d$groups
// CHECK-SAME: (%[[X:.*]]: tensor<?x4x8x8xf32>, %[[W:.*]]: tensor<6x2x3x3xf32>, %[[B:.*]]: tensor<6xf32>)
// CHECK: %[[N:.*]] = tensor.dim %[[X]]
// CHECK: %[[XG:.*]] = tensor.expand_shape %[[X]] {{\[}}[0], [1, 2], [3], [4]] output_shape [%[[N]], 2, 2, 8, 8] : tensor<?x4x8x8xf32> into tensor<?x2x2x8x8xf32>
// CHECK: %[[WG:.*]] = tensor.expand_shape %[[W]] {{\[}}[0, 1], [2], [3], [4]] output_shape [2, 3, 2, 3, 3] : tensor<6x2x3x3xf32> into tensor<2x3x2x3x3xf32>
// CHECK: %[[ACC:.*]] = linalg.generic {indexing_maps = [#[[GROUPED_BIAS]], #{{.*}}]
// CHECK-SAME: ins(%[[B]] : tensor<6xf32>) outs(%{{.*}} : tensor<?x2x3x6x6xf32>)
// CHECK: %[[OUT:.*]] = linalg.conv_2d_ngchw_gfchw
// CHECK-SAME: ins(%[[XG]], %[[WG]] : tensor<?x2x2x8x8xf32>, tensor<2x3x2x3x3xf32>) outs(%[[ACC]] : tensor<?x2x3x6x6xf32>)
// CHECK: %[[RES:.*]] = tensor.collapse_shape %[[OUT]] {{\[}}[0], [1, 2], [3], [4]] : tensor<?x2x3x6x6xf32> into tensor<?x6x6x6xf32>
// CHECK: return %[[RES]]
func.func @conv2d$groups(%x: tensor<?x4x8x8xf32>, %w: tensor<6x2x3x3xf32>, %b: tensor<6xf32>) -> tensor<?x6x6x6xf32> {
  %0 = "tsm.conv2d"(%x, %w, %b) {stride = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilation = array<i64: 1, 1>, groups = 2} : (tensor<?x4x8x8xf32>, tensor<6x2x3x3xf32>, tensor<6xf32>) -> tensor<?x6x6x6xf32>
  return %0 : tensor<?x6x6x6xf32>
}

// -----

// Padding and the init are -inf; ceil_mode adds the bottom/right rows the last
// window needs (5 windows of 3 at stride 2 need 11 rows: 8 + 1 + 1 + 1 extra).
// CHECK-LABEL: func.func @max_pool2d$ceil
// CHECK-SAME: (%[[X:.*]]: tensor<1x2x8x8xf32>)
// CHECK: %[[NEG_INF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[XP:.*]] = tensor.pad %[[X]] low[0, 0, 1, 1] high[0, 0, 2, 2]
// CHECK: tensor.yield %[[NEG_INF]] : f32
// CHECK: } : tensor<1x2x8x8xf32> to tensor<1x2x11x11xf32>
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[NEG_INF]] : f32) outs(%{{.*}} : tensor<1x2x5x5xf32>)
// CHECK: %[[WINDOW:.*]] = tensor.empty() : tensor<3x3xf32>
// CHECK: linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
// CHECK-SAME: ins(%[[XP]], %[[WINDOW]] : tensor<1x2x11x11xf32>, tensor<3x3xf32>) outs(%[[INIT]] : tensor<1x2x5x5xf32>)
func.func @max_pool2d$ceil(%x: tensor<1x2x8x8xf32>) -> tensor<1x2x5x5xf32> {
  %0 = "tsm.max_pool2d"(%x) {kernel_size = array<i64: 3, 3>, stride = array<i64: 2, 2>, padding = array<i64: 1, 1>, dilation = array<i64: 1, 1>, ceil_mode = 1 : i1} : (tensor<1x2x8x8xf32>) -> tensor<1x2x5x5xf32>
  return %0 : tensor<1x2x5x5xf32>
}

// -----

// Without padding or ceil_mode there is no tensor.pad; integers start at their minimum.
// CHECK-LABEL: func.func @max_pool2d$int
// CHECK-SAME: (%[[X:.*]]: tensor<1x1x4x6xi64>)
// CHECK: %[[MIN:.*]] = arith.constant -9223372036854775808 : i64
// CHECK-NOT: tensor.pad
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[MIN]] : i64)
// CHECK: linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<[2, 3]> : tensor<2xi64>}
// CHECK-SAME: ins(%[[X]], %{{.*}} : tensor<1x1x4x6xi64>, tensor<2x3xi64>) outs(%[[INIT]] : tensor<1x1x2x2xi64>)
func.func @max_pool2d$int(%x: tensor<1x1x4x6xi64>) -> tensor<1x1x2x2xi64> {
  %0 = "tsm.max_pool2d"(%x) {kernel_size = array<i64: 2, 3>, stride = array<i64: 2, 3>, padding = array<i64: 0, 0>, dilation = array<i64: 1, 1>} : (tensor<1x1x4x6xi64>) -> tensor<1x1x2x2xi64>
  return %0 : tensor<1x1x2x2xi64>
}

// -----

// Divisible sizes: a fixed-window sum pool, then a division by the window area.
// CHECK-DAG: #[[SPATIAL:.*]] = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
// CHECK-LABEL: func.func @adaptive_avg_pool2d$divisible
// CHECK-SAME: (%[[X:.*]]: tensor<?x2x8x6xf32>)
// CHECK: %[[AREA:.*]] = arith.constant dense<8.000000e+00> : tensor<2x3xf32>
// CHECK: %[[WINDOW:.*]] = tensor.empty() : tensor<4x2xf32>
// CHECK: %[[SUM:.*]] = linalg.pooling_nchw_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<[4, 2]> : tensor<2xi64>}
// CHECK-SAME: ins(%[[X]], %[[WINDOW]] : tensor<?x2x8x6xf32>, tensor<4x2xf32>) outs(%{{.*}} : tensor<?x2x2x3xf32>)
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[SPATIAL]], #{{.*}}]
// CHECK-SAME: ins(%[[SUM]], %[[AREA]] : tensor<?x2x2x3xf32>, tensor<2x3xf32>)
// CHECK: arith.divf
func.func @adaptive_avg_pool2d$divisible(%x: tensor<?x2x8x6xf32>) -> tensor<?x2x2x3xf32> {
  %0 = "tsm.adaptive_avg_pool2d"(%x) {output_size = array<i64: 2, 3>} : (tensor<?x2x8x6xf32>) -> tensor<?x2x2x3xf32>
  return %0 : tensor<?x2x2x3xf32>
}

// -----

// Other sizes: each dim is summed through a constant window mask (overlapping
// windows of 5 -> 3: [0, 2), [1, 4), [3, 5)), then divided by each window's area.
// CHECK-DAG: #[[READ_W:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
// CHECK-DAG: #[[READ_H:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4, d3)>
// CHECK-DAG: #[[MASK_W:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d3, d4)>
// CHECK-DAG: #[[MASK_H:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d2, d4)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[SPATIAL:.*]] = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
// CHECK-LABEL: func.func @adaptive_avg_pool2d$general
// CHECK-SAME: (%[[X:.*]]: tensor<1x2x4x5xf32>)
// CHECK-DAG: %[[AREA:.*]] = arith.constant dense<{{\[}}[8.000000e+00, 1.200000e+01, 8.000000e+00]]> : tensor<1x3xf32>
// CHECK-DAG: %[[ROWS:.*]] = arith.constant dense<true> : tensor<1x4xi1>
// CHECK-DAG: %[[COLS:.*]] = arith.constant dense<{{\[}}[true, true, false, false, false], [false, true, true, true, false], [false, false, false, true, true]]> : tensor<3x5xi1>
// CHECK: %[[BY_COL:.*]] = linalg.generic {indexing_maps = [#[[READ_W]], #[[MASK_W]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%[[X]], %[[COLS]] : tensor<1x2x4x5xf32>, tensor<3x5xi1>) outs(%{{.*}} : tensor<1x2x4x3xf32>)
// CHECK: ^bb0(%[[V:.*]]: f32, %[[KEEP:.*]]: i1, %[[ACC:.*]]: f32):
// CHECK: %[[SEL:.*]] = arith.select %[[KEEP]], %[[V]], %{{.*}} : f32
// CHECK: arith.addf %[[ACC]], %[[SEL]] : f32
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[READ_H]], #[[MASK_H]], #[[OUT]]]
// CHECK-SAME: ins(%[[BY_COL]], %[[ROWS]] : tensor<1x2x4x3xf32>, tensor<1x4xi1>) outs(%{{.*}} : tensor<1x2x1x3xf32>)
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[SPATIAL]], #{{.*}}]
// CHECK-SAME: ins(%[[SUM]], %[[AREA]] : tensor<1x2x1x3xf32>, tensor<1x3xf32>)
// CHECK: arith.divf
func.func @adaptive_avg_pool2d$general(%x: tensor<1x2x4x5xf32>) -> tensor<1x2x1x3xf32> {
  %0 = "tsm.adaptive_avg_pool2d"(%x) {output_size = array<i64: 1, 3>} : (tensor<1x2x4x5xf32>) -> tensor<1x2x1x3xf32>
  return %0 : tensor<1x2x1x3xf32>
}

// -----

// The per-channel scale is computed once over C, then one pass over the input.
// CHECK-DAG: #[[CHANNEL:.*]] = affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @batch_norm
// CHECK-SAME: (%[[X:.*]]: tensor<?x3x4x4xf32>, %[[W:.*]]: tensor<3xf32>, %[[B:.*]]: tensor<3xf32>, %[[MEAN:.*]]: tensor<3xf32>, %[[VAR:.*]]: tensor<3xf32>)
// CHECK: %[[EPS:.*]] = arith.constant 9.99999974E-6 : f32
// CHECK: %[[SCALE:.*]] = linalg.generic
// CHECK-SAME: ins(%[[W]], %[[VAR]] : tensor<3xf32>, tensor<3xf32>)
// CHECK: ^bb0(%[[WV:.*]]: f32, %[[VV:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[SHIFTED:.*]] = arith.addf %[[VV]], %[[EPS]] : f32
// CHECK: %[[STD:.*]] = math.sqrt %[[SHIFTED]] : f32
// CHECK: arith.divf %[[WV]], %[[STD]] : f32
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[CHANNEL]], #[[CHANNEL]], #[[CHANNEL]], #[[ID]]]
// CHECK-SAME: ins(%[[X]], %[[MEAN]], %[[SCALE]], %[[B]] : tensor<?x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>)
// CHECK: ^bb0(%[[XV:.*]]: f32, %[[MV:.*]]: f32, %[[SV:.*]]: f32, %[[BV:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[CENTERED:.*]] = arith.subf %[[XV]], %[[MV]] : f32
// CHECK: %[[SCALED:.*]] = arith.mulf %[[CENTERED]], %[[SV]] : f32
// CHECK: arith.addf %[[SCALED]], %[[BV]] : f32
func.func @batch_norm(%x: tensor<?x3x4x4xf32>, %w: tensor<3xf32>, %b: tensor<3xf32>, %m: tensor<3xf32>, %v: tensor<3xf32>) -> tensor<?x3x4x4xf32> {
  %0 = "tsm.batch_norm"(%x, %w, %b, %m, %v) {eps = 1.0e-05 : f64} : (tensor<?x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<?x3x4x4xf32>
  return %0 : tensor<?x3x4x4xf32>
}
