// RUN: tsmlir-opt %s --split-input-file --tsm-lower-nn | filecheck %s

// Batch > 1 (float): an scf.for over the images whose body is the batch-1
// im2col + matmul of image n (starting from the broadcast bias), inserted
// into the output at n.  The image is padded inside the loop, as much as
// the output reads (clipped slices of 8x8 planes would cost more, see
// tsm-lower-nn-im2col.mlir).
// CHECK-DAG: #[[CHANNEL:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @conv2d$bias_padding
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x8x8xf32>, %[[W:.*]]: tensor<4x3x3x3xf32>, %[[B:.*]]: tensor<4xf32>)
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[EMPTY:.*]] = tensor.empty() : tensor<2x4x4x5xf32>
// CHECK: %[[OUT:.*]] = scf.for %[[I:[a-z0-9_]+]] = %{{.*}} to %[[C2]] step %{{.*}} iter_args(%[[ACC_OUT:[a-z0-9_]+]] = %[[EMPTY]]) -> (tensor<2x4x4x5xf32>)
// CHECK: %[[IMAGE:.*]] = tensor.extract_slice %[[X]][%[[I]], 0, 0, 0] [1, 3, 8, 8] [1, 1, 1, 1] : tensor<2x3x8x8xf32> to tensor<1x3x8x8xf32>
// CHECK: %[[PLANES:.*]] = tensor.collapse_shape %[[IMAGE]] {{\[}}[0, 1], [2], [3]]
// CHECK: %[[XP:.*]] = tensor.pad %[[PLANES]] low[0, 1, 2] high[0, 0, 1]
// CHECK: tensor.yield %[[ZERO]] : f32
// CHECK: } : tensor<3x8x8xf32> to tensor<3x9x11xf32>
// CHECK: tensor.extract_slice %[[XP]][0, 0, 0] [3, 4, 5] [1, 2, 2]
// CHECK-COUNT-9: tensor.insert_slice
// CHECK: %[[ACC:.*]] = linalg.generic {indexing_maps = [#[[CHANNEL]], {{.*}}]
// CHECK-SAME: ins(%[[B]] : tensor<4xf32>) outs(%{{.*}} : tensor<4x20xf32>)
// CHECK: %[[MM:.*]] = linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<4x27xf32>, tensor<27x20xf32>) outs(%[[ACC]] : tensor<4x20xf32>)
// CHECK: %[[Y:.*]] = tensor.expand_shape %[[MM]] {{.*}} into tensor<1x4x4x5xf32>
// CHECK: %[[NEXT:.*]] = tensor.insert_slice %[[Y]] into %[[ACC_OUT]][%[[I]], 0, 0, 0] [1, 4, 4, 5] [1, 1, 1, 1]
// CHECK: scf.yield %[[NEXT]]
// CHECK: return %[[OUT]]
// CHECK-NOT: tsm.conv2d
// CHECK-NOT: linalg.conv_2d_nchw_fchw
func.func @conv2d$bias_padding(%x: tensor<2x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>) -> tensor<2x4x4x5xf32> {
  %0 = "tsm.conv2d"(%x, %w, %b) {stride = array<i64: 2, 2>, padding = array<i64: 1, 2, 1, 2>, dilation = array<i64: 1, 1>, groups = 1} : (tensor<2x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<2x4x4x5xf32>
  return %0 : tensor<2x4x4x5xf32>
}

// -----

// padding='same' with an even kernel pads one more row/column at the bottom/right;
// dilation passes through. Without bias the accumulator starts at zero.
// (Row stride 1: one matmul per kernel row, see tsm-lower-nn-conv-rows.mlir:
// 4 kernel columns, each slice clipped by the 1 + 2 padding columns.)
// CHECK-LABEL: func.func @conv2d$same_even_kernel
// CHECK-NOT: tensor.pad
// CHECK: scf.for
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<2x1x4x9x6xf32>)
// CHECK: tensor.insert_slice {{.*}}[0, 0, 0, 1, 1] [2, 1, 1, 6, 5]
// CHECK: tensor.insert_slice {{.*}}[0, 0, 3, 1, 0] [2, 1, 1, 6, 4]
// CHECK: %[[ACC:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<2x36xf32>)
// CHECK: linalg.matmul {tsm.conv_rows} ins(%{{.*}}, %{{.*}} : tensor<2x8xf32>, tensor<8x36xf32>) outs(%[[ACC]]
func.func @conv2d$same_even_kernel(%x: tensor<2x2x6x6xf32>, %w: tensor<2x2x4x4xf32>) -> tensor<2x2x6x6xf32> {
  %0 = "tsm.conv2d"(%x, %w) {stride = array<i64: 1, 1>, padding = array<i64: 1, 1, 2, 2>, dilation = array<i64: 1, 1>, groups = 1} : (tensor<2x2x6x6xf32>, tensor<2x2x4x4xf32>) -> tensor<2x2x6x6xf32>
  return %0 : tensor<2x2x6x6xf32>
}

// -----

// Batch 1 (float): im2col from one strided slice of the unpadded input per
// kernel position (into the output positions that read inside it, zeros
// round it), then one linalg.matmul of the (F, C*KH*KW) filter view by the
// (C*KH*KW, OH*OW) columns, starting from the broadcast bias.
// CHECK-LABEL: func.func @conv2d$batch1_im2col
// CHECK-SAME: (%[[X:.*]]: tensor<1x3x8x8xf32>, %[[W:.*]]: tensor<4x3x3x3xf32>, %[[B:.*]]: tensor<4xf32>)
// CHECK-NOT: tensor.pad
// CHECK: %[[PLANES:.*]] = tensor.collapse_shape %[[X]] {{\[}}[0, 1], [2], [3]]
// CHECK: %[[COL0:.*]] = tensor.empty() : tensor<3x3x3x4x4xf32>
// CHECK: %[[ZEROS:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[COL0]] : tensor<3x3x3x4x4xf32>)
// CHECK: %[[P00:.*]] = tensor.extract_slice %[[PLANES]][0, 1, 1] [3, 3, 3] [1, 2, 2] : tensor<3x8x8xf32> to tensor<3x3x3xf32>
// CHECK: %[[E00:.*]] = tensor.expand_shape %[[P00]] {{\[}}[0, 1, 2], [3], [4]] output_shape [3, 1, 1, 3, 3]
// CHECK: %[[COL1:.*]] = tensor.insert_slice %[[E00]] into %[[ZEROS]][0, 0, 0, 1, 1] [3, 1, 1, 3, 3] [1, 1, 1, 1, 1]
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

// Other groups: an scf.for over the groups whose body is the groups-1
// convolution (here per image: a dynamic batch) of the group's channels of x
// by its filters and bias (tensor.extract_slice at g * C/G and g * F/G),
// its result inserted at the group's filters.
// CHECK-LABEL: func.func @conv2d$groups
// CHECK-SAME: (%[[X:.*]]: tensor<?x4x8x8xf32>, %[[W:.*]]: tensor<6x2x3x3xf32>, %[[B:.*]]: tensor<6xf32>)
// CHECK: %[[GROUPS:.*]] = scf.for %[[G:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[OUT:.*]] = %{{.*}}) -> (tensor<?x6x6x6xf32>)
// CHECK: %[[C0:.*]] = arith.muli %[[G]], %{{.*}} : index
// CHECK: %[[XG:.*]] = tensor.extract_slice %[[X]][0, %[[C0]], 0, 0] [%{{.*}}, 2, 8, 8] [1, 1, 1, 1] : tensor<?x4x8x8xf32> to tensor<?x2x8x8xf32>
// CHECK: %[[F0:.*]] = arith.muli %[[G]], %{{.*}} : index
// CHECK: %[[WG:.*]] = tensor.extract_slice %[[W]][%[[F0]], 0, 0, 0] [3, 2, 3, 3] [1, 1, 1, 1] : tensor<6x2x3x3xf32> to tensor<3x2x3x3xf32>
// CHECK: %[[BG:.*]] = tensor.extract_slice %[[B]][%{{.*}}] [3] [1] : tensor<6xf32> to tensor<3xf32>
// CHECK: %[[IMAGES:.*]] = scf.for
// CHECK: tensor.extract_slice %[[XG]]
// CHECK: linalg.generic {{.*}} ins(%[[BG]] : tensor<3xf32>)
// CHECK: linalg.transpose ins(%[[WG]] : tensor<3x2x3x3xf32>)
// CHECK: linalg.matmul
// CHECK: %[[AT:.*]] = arith.muli %[[G]], %{{.*}} : index
// CHECK: %[[NEW:.*]] = tensor.insert_slice %[[IMAGES]] into %[[OUT]][0, %[[AT]], 0, 0] [%{{.*}}, 3, 6, 6] [1, 1, 1, 1] : tensor<?x3x6x6xf32> into tensor<?x6x6x6xf32>
// CHECK: scf.yield %[[NEW]]
// CHECK: return %[[GROUPS]]
func.func @conv2d$groups(%x: tensor<?x4x8x8xf32>, %w: tensor<6x2x3x3xf32>, %b: tensor<6xf32>) -> tensor<?x6x6x6xf32> {
  %0 = "tsm.conv2d"(%x, %w, %b) {stride = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilation = array<i64: 1, 1>, groups = 2} : (tensor<?x4x8x8xf32>, tensor<6x2x3x3xf32>, tensor<6xf32>) -> tensor<?x6x6x6xf32>
  return %0 : tensor<?x6x6x6xf32>
}

// -----

// With threads and static sizes each thread takes a chunk of the groups (a
// group's convolution is too small to share): an scf.forall over chunks of
// ceil(G / threads) groups, each a loop over its groups from lo / (F/G).
// CHECK-LABEL: func.func @conv2d$groups_threads
// CHECK-SAME: (%[[X:.*]]: tensor<1x4x8x8xf32>, %[[W:.*]]: tensor<6x2x3x3xf32>)
// CHECK: %[[ALL:.*]] = scf.forall (%[[P:.*]]) in (2) shared_outs(%[[OUT:.*]] = %{{.*}}) -> (tensor<1x6x6x6xf32>)
// CHECK: %[[LO:.*]] = arith.muli %[[P]], %{{.*}} : index
// CHECK: %[[CHUNK:.*]] = tensor.extract_slice %[[OUT]][0, %[[LO]], 0, 0] [1, 3, 6, 6] [1, 1, 1, 1] : tensor<1x6x6x6xf32> to tensor<1x3x6x6xf32>
// CHECK: %[[FIRST:.*]] = arith.divui %[[LO]], %{{.*}} : index
// CHECK: %[[MINE:.*]] = scf.for %[[J:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %[[CHUNK]]) -> (tensor<1x3x6x6xf32>)
// CHECK: %[[G:.*]] = arith.addi %[[FIRST]], %[[J]] : index
// CHECK: tensor.extract_slice %[[X]]
// CHECK: linalg.matmul
// CHECK: scf.forall.in_parallel
// CHECK: tensor.parallel_insert_slice %[[MINE]] into %[[OUT]][0, %[[LO]], 0, 0] [1, 3, 6, 6] [1, 1, 1, 1] : tensor<1x3x6x6xf32> into tensor<1x6x6x6xf32>
// CHECK: return %[[ALL]]
module attributes {tsm.num_threads = 2 : i64} {
func.func @conv2d$groups_threads(%x: tensor<1x4x8x8xf32>, %w: tensor<6x2x3x3xf32>) -> tensor<1x6x6x6xf32> {
  %0 = "tsm.conv2d"(%x, %w) {stride = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilation = array<i64: 1, 1>, groups = 2} : (tensor<1x4x8x8xf32>, tensor<6x2x3x3xf32>) -> tensor<1x6x6x6xf32>
  return %0 : tensor<1x6x6x6xf32>
}
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

// Global average pooling (an output of ones): a sum over the last dim of
// the (N, C, H*W) view, then one division by the window's size.
// CHECK-DAG: #[[ROWS:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[KEPT:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @adaptive_avg_pool2d$global
// CHECK-SAME: (%[[X:.*]]: tensor<?x3x7x5xf32>)
// CHECK-DAG: %[[AREA:.*]] = arith.constant 3.500000e+01 : f32
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %[[X]] {{\[\[}}0], [1], [2, 3]] : tensor<?x3x7x5xf32> into tensor<?x3x35xf32>
// CHECK: %[[ZERO:.*]] = linalg.fill
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[ROWS]], #[[KEPT]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%[[FLAT]] : tensor<?x3x35xf32>) outs(%[[ZERO]] : tensor<?x3xf32>)
// CHECK: %[[MEAN:.*]] = linalg.generic
// CHECK-SAME: ins(%[[SUM]] : tensor<?x3xf32>)
// CHECK: arith.divf %{{.*}}, %[[AREA]] : f32
// CHECK: tensor.expand_shape %[[MEAN]] {{\[\[}}0], [1, 2, 3]] output_shape [%{{.*}}, 3, 1, 1] : tensor<?x3xf32> into tensor<?x3x1x1xf32>
// CHECK-NOT: linalg.pooling_nchw_sum
func.func @adaptive_avg_pool2d$global(%x: tensor<?x3x7x5xf32>) -> tensor<?x3x1x1xf32> {
  %0 = "tsm.adaptive_avg_pool2d"(%x) {output_size = array<i64: 1, 1>} : (tensor<?x3x7x5xf32>) -> tensor<?x3x1x1xf32>
  return %0 : tensor<?x3x1x1xf32>
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

// The per-channel scale is computed once over C, then one pass over the
// input viewed as (N, C, H*W): its rows are long, whole vectors but for one
// tail (a masked tail per 4-wide row would be slow).
// CHECK-DAG: #[[CHANNEL:.*]] = affine_map<(d0, d1, d2) -> (d1)>
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @batch_norm
// CHECK-SAME: (%[[X:.*]]: tensor<?x3x4x4xf32>, %[[W:.*]]: tensor<3xf32>, %[[B:.*]]: tensor<3xf32>, %[[MEAN:.*]]: tensor<3xf32>, %[[VAR:.*]]: tensor<3xf32>)
// CHECK: %[[EPS:.*]] = arith.constant 9.99999974E-6 : f32
// CHECK: %[[SCALE:.*]] = linalg.generic
// CHECK-SAME: ins(%[[W]], %[[VAR]] : tensor<3xf32>, tensor<3xf32>)
// CHECK: ^bb0(%[[WV:.*]]: f32, %[[VV:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[SHIFTED:.*]] = arith.addf %[[VV]], %[[EPS]] : f32
// CHECK: %[[STD:.*]] = math.sqrt %[[SHIFTED]] : f32
// CHECK: arith.divf %[[WV]], %[[STD]] : f32
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %[[X]] {{\[\[}}0], [1], [2, 3]] : tensor<?x3x4x4xf32> into tensor<?x3x16xf32>
// CHECK: %[[Y:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[CHANNEL]], #[[CHANNEL]], #[[CHANNEL]], #[[ID]]]
// CHECK-SAME: ins(%[[FLAT]], %[[MEAN]], %[[SCALE]], %[[B]] : tensor<?x3x16xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>)
// CHECK: ^bb0(%[[XV:.*]]: f32, %[[MV:.*]]: f32, %[[SV:.*]]: f32, %[[BV:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[CENTERED:.*]] = arith.subf %[[XV]], %[[MV]] : f32
// CHECK: %[[SCALED:.*]] = arith.mulf %[[CENTERED]], %[[SV]] : f32
// CHECK: arith.addf %[[SCALED]], %[[BV]] : f32
// CHECK: tensor.expand_shape %[[Y]] {{\[\[}}0], [1], [2, 3]] output_shape [%{{.*}}, 3, 4, 4] : tensor<?x3x16xf32> into tensor<?x3x4x4xf32>
func.func @batch_norm(%x: tensor<?x3x4x4xf32>, %w: tensor<3xf32>, %b: tensor<3xf32>, %m: tensor<3xf32>, %v: tensor<3xf32>) -> tensor<?x3x4x4xf32> {
  %0 = "tsm.batch_norm"(%x, %w, %b, %m, %v) {eps = 1.0e-05 : f64} : (tensor<?x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<?x3x4x4xf32>
  return %0 : tensor<?x3x4x4xf32>
}

// -----

// conv3d with groups: the same loop over the groups, each a groups-1 conv3d
// (im2col + matmul per image) of the group's channels.
// CHECK-LABEL: func.func @conv3d$grouped
// CHECK-SAME: (%[[X:.*]]: tensor<?x4x5x5x5xf32>, %[[W:.*]]: tensor<6x2x2x2x2xf32>, %[[B:.*]]: tensor<6xf32>)
// CHECK: %[[GROUPS:.*]] = scf.for %[[G:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[OUT:.*]] = %{{.*}}) -> (tensor<?x6x2x4x4xf32>)
// CHECK: tensor.extract_slice %[[X]][0, %{{.*}}, 0, 0, 0] [%{{.*}}, 2, 5, 5, 5] [1, 1, 1, 1, 1] : tensor<?x4x5x5x5xf32> to tensor<?x2x5x5x5xf32>
// CHECK: tensor.extract_slice %[[W]][%{{.*}}, 0, 0, 0, 0] [3, 2, 2, 2, 2] [1, 1, 1, 1, 1] : tensor<6x2x2x2x2xf32> to tensor<3x2x2x2x2xf32>
// CHECK: %[[IMAGES:.*]] = scf.for
// CHECK: linalg.matmul
// CHECK: tensor.insert_slice %[[IMAGES]] into %[[OUT]][0, %{{.*}}, 0, 0, 0] [%{{.*}}, 3, 2, 4, 4] [1, 1, 1, 1, 1] : tensor<?x3x2x4x4xf32> into tensor<?x6x2x4x4xf32>
// CHECK: return %[[GROUPS]]
func.func @conv3d$grouped(%x: tensor<?x4x5x5x5xf32>, %w: tensor<6x2x2x2x2xf32>, %b: tensor<6xf32>) -> tensor<?x6x2x4x4xf32> {
  %0 = "tsm.conv3d"(%x, %w, %b) {stride = array<i64: 2, 1, 1>, padding = array<i64: 0, 0, 0, 0, 0, 0>, dilation = array<i64: 1, 1, 1>, groups = 2} : (tensor<?x4x5x5x5xf32>, tensor<6x2x2x2x2xf32>, tensor<6xf32>) -> tensor<?x6x2x4x4xf32>
  return %0 : tensor<?x6x2x4x4xf32>
}

// -----

// conv3d without groups, batch 2 (float): im2col + matmul per image in an
// scf.for; the im2col reads the unpadded image (zeros, then 27 clipped
// slices).
// CHECK-LABEL: func.func @conv3d$plain
// CHECK-NOT: tensor.pad
// CHECK: scf.for %[[I:[a-z0-9_]+]] = {{.*}} -> (tensor<2x2x4x4x4xf32>)
// CHECK: tensor.extract_slice %{{.*}}[%[[I]], 0, 0, 0, 0] [1, 3, 4, 4, 4]
// CHECK: linalg.fill {{.*}} -> tensor<3x3x3x3x4x4x4xf32>
// CHECK-COUNT-27: tensor.insert_slice
// CHECK: %[[ACC:.*]] = linalg.fill
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<2x81xf32>, tensor<81x64xf32>) outs(%[[ACC]] : tensor<2x64xf32>)
// CHECK: tensor.insert_slice %{{.*}}[%[[I]], 0, 0, 0, 0] [1, 2, 4, 4, 4]
// CHECK-NOT: linalg.conv_3d_ncdhw_fcdhw
func.func @conv3d$plain(%x: tensor<2x3x4x4x4xf32>, %w: tensor<2x3x3x3x3xf32>) -> tensor<2x2x4x4x4xf32> {
  %0 = "tsm.conv3d"(%x, %w) {stride = array<i64: 1, 1, 1>, padding = array<i64: 1, 1, 1, 1, 1, 1>, dilation = array<i64: 1, 1, 1>, groups = 1} : (tensor<2x3x4x4x4xf32>, tensor<2x3x3x3x3xf32>) -> tensor<2x2x4x4x4xf32>
  return %0 : tensor<2x2x4x4x4xf32>
}

// -----

// Transposed: stride 3 spreads the 3 inputs of a row to 0, 3, 6; padding 2 >
// dilation * (k - 1) = 1 crops: only input 1 lands inside the 5-long row (at 2).
// The filters are flipped (1 - kh, 1 - kw) with in/out channels swapped, and a
// stride-1 convolution follows (one matmul per kernel row).
// CHECK-DAG: #[[FLIP:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d2, d1, -d3 + 1, -d4 + 1)>
// CHECK-LABEL: func.func @conv_transpose2d$stride_crop
// CHECK-SAME: (%[[X:.*]]: tensor<?x2x3x3xf32>, %[[W:.*]]: tensor<2x3x2x2xf32>)
// CHECK: %[[N:.*]] = tensor.dim %[[X]]
// CHECK: %[[ZEROS:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<?x2x5x5xf32>)
// CHECK: %[[KEPT:.*]] = tensor.extract_slice %[[X]][0, 0, 1, 1] [%[[N]], 2, 1, 1] [1, 1, 1, 1]
// CHECK: %[[SPREAD:.*]] = tensor.insert_slice %[[KEPT]] into %[[ZEROS]][0, 0, 2, 2] [%[[N]], 2, 1, 1] [1, 1, 3, 3]
// CHECK: %[[WG:.*]] = tensor.expand_shape %[[W]] {{.*}} into tensor<1x2x3x2x2xf32>
// CHECK: %[[FLIPPED:.*]] = linalg.generic {indexing_maps = [#[[FLIP]], {{.*}}]{{.*}} ins(%[[WG]] : {{.*}}) outs(%{{.*}} : tensor<1x3x2x2x2xf32>)
// CHECK: %[[FILTERS:.*]] = tensor.collapse_shape %[[FLIPPED]] {{.*}} into tensor<3x2x2x2xf32>
// CHECK: scf.for %[[I:[a-z0-9_]+]] = %{{.*}} to %[[N]]
// CHECK: tensor.extract_slice %[[SPREAD]][%[[I]], 0, 0, 0] [1, 2, 5, 5]
// CHECK: linalg.transpose ins(%[[FILTERS]] : tensor<3x2x2x2xf32>) {{.*}} permutation = [2, 0, 1, 3]
// CHECK: linalg.matmul {tsm.conv_rows} ins(%{{.*}}, %{{.*}} : tensor<3x4xf32>, tensor<4x16xf32>)
// CHECK: linalg.matmul {tsm.conv_rows} ins(%{{.*}}, %{{.*}} : tensor<3x4xf32>, tensor<4x16xf32>)
func.func @conv_transpose2d$stride_crop(%x: tensor<?x2x3x3xf32>, %w: tensor<2x3x2x2xf32>) -> tensor<?x3x4x4xf32> {
  %0 = "tsm.conv_transpose2d"(%x, %w) {stride = array<i64: 3, 3>, padding = array<i64: 2, 2>, output_padding = array<i64: 0, 0>, dilation = array<i64: 1, 1>, groups = 1} : (tensor<?x2x3x3xf32>, tensor<2x3x2x2xf32>) -> tensor<?x3x4x4xf32>
  return %0 : tensor<?x3x4x4xf32>
}

// -----

// max_pool3d: -inf padding (one extra depth row for the ceil_mode window),
// then a window reduction with a (2, 2, 2) window operand.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d2 * 2 + d5, d3 * 2 + d6, d4 * 2 + d7)>
// CHECK-LABEL: func.func @max_pool3d$ceil
// CHECK: %[[NEG_INF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[XP:.*]] = tensor.pad %{{.*}} low[0, 0, 0, 0, 0] high[0, 0, 1, 0, 0]
// CHECK: tensor.yield %[[NEG_INF]]
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[NEG_INF]] : f32)
// CHECK: %[[WINDOW:.*]] = tensor.empty() : tensor<2x2x2xf32>
// CHECK: linalg.generic {indexing_maps = [#[[IN]], {{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
// CHECK-SAME: ins(%[[XP]], %[[WINDOW]] : tensor<1x2x6x4x4xf32>, tensor<2x2x2xf32>) outs(%[[INIT]] : tensor<1x2x3x2x2xf32>)
// CHECK: arith.maximumf
func.func @max_pool3d$ceil(%x: tensor<1x2x5x4x4xf32>) -> tensor<1x2x3x2x2xf32> {
  %0 = "tsm.max_pool3d"(%x) {kernel_size = array<i64: 2, 2, 2>, stride = array<i64: 2, 2, 2>, padding = array<i64: 0, 0, 0>, dilation = array<i64: 1, 1, 1>, ceil_mode = 1 : i1} : (tensor<1x2x5x4x4xf32>) -> tensor<1x2x3x2x2xf32>
  return %0 : tensor<1x2x3x2x2xf32>
}

// -----

// avg_pool2d, count_include_pad=False: window sums divided by the number of
// real (unpadded) inputs in each window: corners 2x2, edges 2x3 / 3x2, middle 3x3.
// CHECK-LABEL: func.func @avg_pool2d$exclude_pad
// CHECK: %[[DIVISORS:.*]] = arith.constant dense<{{\[\[}}4.000000e+00, 6.000000e+00, 4.000000e+00], [6.000000e+00, 9.000000e+00, 6.000000e+00]]> : tensor<2x3xf32>
// CHECK: %[[XP:.*]] = tensor.pad %{{.*}} low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: %[[SUMS:.*]] = linalg.pooling_nchw_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%[[XP]], %{{.*}} : tensor<1x1x6x7xf32>, tensor<3x3xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[SUMS]], %[[DIVISORS]] : tensor<1x1x2x3xf32>, tensor<2x3xf32>)
// CHECK: arith.divf
func.func @avg_pool2d$exclude_pad(%x: tensor<1x1x4x5xf32>) -> tensor<1x1x2x3xf32> {
  %0 = "tsm.avg_pool2d"(%x) {kernel_size = array<i64: 3, 3>, stride = array<i64: 2, 2>, padding = array<i64: 1, 1>, count_include_pad = 0 : i1} : (tensor<1x1x4x5xf32>) -> tensor<1x1x2x3xf32>
  return %0 : tensor<1x1x2x3xf32>
}

// -----

// adaptive_max_pool2d 5x7 -> 2x3: windows start at floor(i * 5 / 2) and
// floor(j * 7 / 3) (floordiv maps) and are walked to the largest size (3x3);
// positions past ceil((i + 1) * 5 / 2) are masked; two results: max and flat index.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, (d2 * 5) floordiv 2 + d4, (d3 * 7) floordiv 3 + d5)>
// CHECK-LABEL: func.func @adaptive_max_pool2d$uneven
// CHECK: %[[VALUES:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<?x2x2x3xf32>)
// CHECK: %[[INDICES:.*]] = linalg.fill ins(%{{.*}} : i64) outs(%{{.*}} : tensor<?x2x2x3xi64>)
// CHECK: %[[WINDOW:.*]] = tensor.empty() : tensor<3x3xf32>
// CHECK: %[[OUT:.*]]:2 = linalg.generic {indexing_maps = [#[[IN]], {{.*}}]{{.*}} ins(%{{.*}}, %[[WINDOW]] : {{.*}}) outs(%[[VALUES]], %[[INDICES]] : {{.*}})
// CHECK: arith.ceildivui
// CHECK: arith.cmpf ogt
// CHECK: arith.cmpf uno
// CHECK: linalg.yield %{{.*}}, %{{.*}} : f32, i64
// CHECK: return %[[OUT]]#0, %[[OUT]]#1
func.func @adaptive_max_pool2d$uneven(%x: tensor<?x2x5x7xf32>) -> (tensor<?x2x2x3xf32>, tensor<?x2x2x3xi64>) {
  %0:2 = "tsm.adaptive_max_pool2d"(%x) {output_size = array<i64: 2, 3>} : (tensor<?x2x5x7xf32>) -> (tensor<?x2x2x3xf32>, tensor<?x2x2x3xi64>)
  return %0#0, %0#1 : tensor<?x2x2x3xf32>, tensor<?x2x2x3xi64>
}

// -----

// Windows that tile the input (8x6 -> 2x3: 4x2 windows) with the indices
// unused are a max pool of window = stride = 4x2; a tiling pool whose
// indices are used keeps the generic.
// CHECK-LABEL: func.func @adaptive_max_pool2d$tiles
// CHECK-SAME: (%[[X:.*]]: tensor<?x2x8x6xf32>)
// CHECK: %[[INIT:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<?x2x2x3xf32>)
// CHECK: %[[WINDOW:.*]] = tensor.empty() : tensor<4x2xf32>
// CHECK: %[[POOL:.*]] = linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<[4, 2]> : tensor<2xi64>} ins(%[[X]], %[[WINDOW]] : tensor<?x2x8x6xf32>, tensor<4x2xf32>) outs(%[[INIT]] : tensor<?x2x2x3xf32>)
// CHECK: return %[[POOL]]
// CHECK-LABEL: func.func @adaptive_max_pool2d$tiles_with_indices
// CHECK: linalg.generic
// CHECK: arith.cmpf uno
func.func @adaptive_max_pool2d$tiles(%x: tensor<?x2x8x6xf32>) -> tensor<?x2x2x3xf32> {
  %0:2 = "tsm.adaptive_max_pool2d"(%x) {output_size = array<i64: 2, 3>} : (tensor<?x2x8x6xf32>) -> (tensor<?x2x2x3xf32>, tensor<?x2x2x3xi64>)
  return %0#0 : tensor<?x2x2x3xf32>
}
func.func @adaptive_max_pool2d$tiles_with_indices(%x: tensor<?x2x8x6xf32>) -> (tensor<?x2x2x3xf32>, tensor<?x2x2x3xi64>) {
  %0:2 = "tsm.adaptive_max_pool2d"(%x) {output_size = array<i64: 2, 3>} : (tensor<?x2x8x6xf32>) -> (tensor<?x2x2x3xf32>, tensor<?x2x2x3xi64>)
  return %0#0, %0#1 : tensor<?x2x2x3xf32>, tensor<?x2x2x3xi64>
}

// -----

// Constant pad: a negative amount crops (extract_slice, with a run-time check
// on the dynamic dim), the rest is a tensor.pad; 2.7 truncates to 2 for i32.
// CHECK-LABEL: func.func @pad$constant_crop
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xi32>)
// CHECK: %[[VALUE:.*]] = arith.constant 2 : i32
// CHECK: %[[N:.*]] = tensor.dim %[[X]]
// CHECK: %[[KEPT:.*]] = arith.subi %[[N]]
// CHECK: cf.assert %{{.*}}, "{{.*}}pad: negative padding -1, 0 removes more than the size of dim 0"
// CHECK: %[[CROPPED:.*]] = tensor.extract_slice %[[X]][1, 0] [%[[KEPT]], 4] [1, 1]
// CHECK: tensor.pad %[[CROPPED]] low[0, 0] high[0, 2]
// CHECK: tensor.yield %[[VALUE]] : i32
func.func @pad$constant_crop(%x: tensor<?x4xi32>) -> tensor<?x6xi32> {
  %0 = "tsm.pad"(%x) {low = array<i64: -1, 0>, high = array<i64: 0, 2>, mode = "constant", value = 2.7 : f64} : (tensor<?x4xi32>) -> tensor<?x6xi32>
  return %0 : tensor<?x6xi32>
}

// -----

// Reflect of a dynamic dim: source column min(|j|, 2 (n - 1) - |j|) with
// j = i - 2, read by tensor.extract; the width must exceed the padding (checked).
// CHECK-LABEL: func.func @pad$reflect
// CHECK-SAME: (%[[X:.*]]: tensor<2x?xf32>)
// CHECK: %[[W:.*]] = tensor.dim %[[X]]
// CHECK: cf.assert %{{.*}}, "{{.*}}pad: reflect padding (2, 1) of dim 1 needs a size larger than 2"
// CHECK: linalg.generic
// CHECK-SAME: outs(%{{.*}} : tensor<2x?xf32>)
// CHECK: %[[ROW:.*]] = linalg.index 0
// CHECK: %[[COL:.*]] = linalg.index 1
// CHECK: %[[J:.*]] = arith.subi %[[COL]]
// CHECK: %[[LAST:.*]] = arith.subi %[[W]]
// CHECK: %[[ABS:.*]] = arith.maxsi %[[J]]
// CHECK: %[[TWICE:.*]] = arith.addi %[[LAST]], %[[LAST]]
// CHECK: %[[MIRROR:.*]] = arith.subi %[[TWICE]], %[[ABS]]
// CHECK: %[[SRC:.*]] = arith.minsi %[[ABS]], %[[MIRROR]]
// CHECK: tensor.extract %[[X]][%[[ROW]], %[[SRC]]]
func.func @pad$reflect(%x: tensor<2x?xf32>) -> tensor<2x?xf32> {
  %0 = "tsm.pad"(%x) {low = array<i64: 0, 2>, high = array<i64: 0, 1>, mode = "reflect"} : (tensor<2x?xf32>) -> tensor<2x?xf32>
  return %0 : tensor<2x?xf32>
}

// -----

// Static padded dims: one pass into the result without gathers.  The input
// is inserted in the middle, then each border region (per padded dim left,
// middle or right; corners included) is a generic reading the input itself
// (never a partly padded copy) through a constant (replicate: row 0,
// column 3) or reversed (reflect: 2 - j) index, written into its slice of
// the result.
// CHECK-DAG: #[[FIRST_ROW:.*]] = affine_map<(d0, d1) -> (0, d1)>
// CHECK-DAG: #[[LAST_COL:.*]] = affine_map<(d0, d1) -> (d0, 3)>
// CHECK-DAG: #[[CORNER:.*]] = affine_map<(d0, d1) -> (0, 3)>
// CHECK-DAG: #[[MIRROR:.*]] = affine_map<(d0, d1) -> (d0, -d1 + 2)>
// CHECK-DAG: #[[BOTH:.*]] = affine_map<(d0, d1, d2) -> (d0, -d1 + 1, -d2 + 2)>
// CHECK-LABEL: func.func @pad$replicate
// CHECK-SAME: (%[[X:.*]]: tensor<3x4xf32>)
// CHECK: %[[MIDDLE:.*]] = tensor.insert_slice %[[X]] into %{{.*}}[2, 0] [3, 4] [1, 1] : tensor<3x4xf32> into tensor<5x7xf32>
// CHECK: %[[RIGHT_SLOT:.*]] = tensor.extract_slice %[[MIDDLE]][2, 4] [3, 3] [1, 1]
// CHECK: %[[RIGHT:.*]] = linalg.generic {indexing_maps = [#[[LAST_COL]], {{.*}}]{{.*}} ins(%[[X]] : tensor<3x4xf32>) outs(%[[RIGHT_SLOT]] : tensor<3x3xf32>)
// CHECK: %[[WITH_RIGHT:.*]] = tensor.insert_slice %[[RIGHT]] into %[[MIDDLE]][2, 4] [3, 3] [1, 1]
// CHECK: %[[TOP_SLOT:.*]] = tensor.extract_slice %[[WITH_RIGHT]][0, 0] [2, 4] [1, 1]
// CHECK: %[[TOP:.*]] = linalg.generic {indexing_maps = [#[[FIRST_ROW]], {{.*}}]{{.*}} ins(%[[X]] : tensor<3x4xf32>) outs(%[[TOP_SLOT]] : tensor<2x4xf32>)
// CHECK: %[[WITH_TOP:.*]] = tensor.insert_slice %[[TOP]] into %[[WITH_RIGHT]][0, 0] [2, 4] [1, 1]
// CHECK: %[[CORNER_SLOT:.*]] = tensor.extract_slice %[[WITH_TOP]][0, 4] [2, 3] [1, 1]
// CHECK: %[[TOP_RIGHT:.*]] = linalg.generic {indexing_maps = [#[[CORNER]], {{.*}}]{{.*}} ins(%[[X]] : tensor<3x4xf32>) outs(%[[CORNER_SLOT]] : tensor<2x3xf32>)
// CHECK: %[[OUT:.*]] = tensor.insert_slice %[[TOP_RIGHT]] into %[[WITH_TOP]][0, 4] [2, 3] [1, 1]
// CHECK-NOT: linalg.generic
// CHECK: return %[[OUT]]
func.func @pad$replicate(%x: tensor<3x4xf32>) -> tensor<5x7xf32> {
  %0 = "tsm.pad"(%x) {low = array<i64: 2, 0>, high = array<i64: 0, 3>, mode = "replicate"} : (tensor<3x4xf32>) -> tensor<5x7xf32>
  return %0 : tensor<5x7xf32>
}

// CHECK-LABEL: func.func @pad$reflect_static
// CHECK-SAME: (%[[X:.*]]: tensor<2x4xf32>)
// CHECK: %[[MIDDLE:.*]] = tensor.insert_slice %[[X]] into %{{.*}}[0, 2] [2, 4] [1, 1]
// CHECK: %[[LEFT:.*]] = linalg.generic {indexing_maps = [#[[MIRROR]], {{.*}}]{{.*}} ins(%[[X]] : tensor<2x4xf32>) outs(%{{.*}} : tensor<2x2xf32>)
// CHECK: %[[WITH_LEFT:.*]] = tensor.insert_slice %[[LEFT]] into %[[MIDDLE]][0, 0] [2, 2] [1, 1]
// CHECK: %[[RIGHT:.*]] = linalg.generic {indexing_maps = [#[[MIRROR]], {{.*}}]{{.*}} ins(%[[X]] : tensor<2x4xf32>) outs(%{{.*}} : tensor<2x1xf32>)
// CHECK: tensor.insert_slice %[[RIGHT]] into %[[WITH_LEFT]][0, 6] [2, 1] [1, 1]
func.func @pad$reflect_static(%x: tensor<2x4xf32>) -> tensor<2x7xf32> {
  %0 = "tsm.pad"(%x) {low = array<i64: 0, 2>, high = array<i64: 0, 1>, mode = "reflect"} : (tensor<2x4xf32>) -> tensor<2x7xf32>
  return %0 : tensor<2x7xf32>
}

// Reflect over two dims: 8 border regions, each read from the input; the
// top-left corner mirrors both dims (#BOTH above).
// CHECK-LABEL: func.func @pad$reflect_2d
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK: tensor.insert_slice %[[X]] into %{{.*}}[0, 1, 2] [2, 3, 4] [1, 1, 1]
// CHECK-COUNT-3: linalg.generic {{.*}} ins(%[[X]] : tensor<2x3x4xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[BOTH]], {{.*}}]{{.*}} ins(%[[X]] : tensor<2x3x4xf32>) outs(%{{.*}} : tensor<2x1x2xf32>)
// CHECK-COUNT-4: linalg.generic {{.*}} ins(%[[X]] : tensor<2x3x4xf32>)
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @pad$reflect_2d(%x: tensor<2x3x4xf32>) -> tensor<2x6x7xf32> {
  %0 = "tsm.pad"(%x) {low = array<i64: 0, 1, 2>, high = array<i64: 0, 2, 1>, mode = "reflect"} : (tensor<2x3x4xf32>) -> tensor<2x6x7xf32>
  return %0 : tensor<2x6x7xf32>
}

// -----

// Nearest: constant source-index tables, rows 3 -> 6 (i >> 1) and columns
// 4 -> 5 (floor(j * 0.8)).
// CHECK-LABEL: func.func @upsample2d$nearest
// CHECK-DAG: %[[ROWS:.*]] = arith.constant dense<[0, 0, 1, 1, 2, 2]> : tensor<6xi64>
// CHECK-DAG: %[[COLS:.*]] = arith.constant dense<[0, 0, 1, 2, 3]> : tensor<5xi64>
// CHECK: linalg.generic {{.*}} ins(%[[ROWS]], %[[COLS]] : tensor<6xi64>, tensor<5xi64>) outs(%{{.*}} : tensor<1x2x6x5xf32>)
// CHECK: tensor.extract
func.func @upsample2d$nearest(%x: tensor<1x2x3x4xf32>) -> tensor<1x2x6x5xf32> {
  %0 = "tsm.upsample2d"(%x) {size = array<i64: 6, 5>, mode = "nearest"} : (tensor<1x2x3x4xf32>) -> tensor<1x2x6x5xf32>
  return %0 : tensor<1x2x6x5xf32>
}

// -----

// Bilinear, align_corners: 2 -> 3 samples at 0, 0.5, 1: index tables i0, i1
// and weights 1 - l, l; four reads per output.
// CHECK-LABEL: func.func @upsample2d$bilinear
// CHECK-DAG: %[[I0:.*]] = arith.constant dense<[0, 0, 1]> : tensor<3xi64>
// CHECK-DAG: %[[I1:.*]] = arith.constant dense<1> : tensor<3xi64>
// CHECK-DAG: %[[L0:.*]] = arith.constant dense<[1.000000e+00, 5.000000e-01, 1.000000e+00]> : tensor<3xf32>
// CHECK-DAG: %[[L1:.*]] = arith.constant dense<[0.000000e+00, 5.000000e-01, 0.000000e+00]> : tensor<3xf32>
// CHECK: linalg.generic {{.*}} ins(%[[I0]], %[[I1]], %[[L0]], %[[L1]], %[[I0]], %[[I1]], %[[L0]], %[[L1]] :
// CHECK-COUNT-4: tensor.extract
func.func @upsample2d$bilinear(%x: tensor<1x2x2x2xf32>) -> tensor<1x2x3x3xf32> {
  %0 = "tsm.upsample2d"(%x) {size = array<i64: 3, 3>, mode = "bilinear", align_corners = 1 : i1} : (tensor<1x2x2x2xf32>) -> tensor<1x2x3x3xf32>
  return %0 : tensor<1x2x3x3xf32>
}

// -----

// conv3d, batch 1 (float): im2col over the 2x2x2 kernel positions (8 strided
// slices) and one matmul of the (F, C*8) filter view by the (C*8, OD*OH*OW) columns.
// CHECK-LABEL: func.func @conv3d$batch1_im2col
// CHECK-SAME: (%[[X:.*]]: tensor<1x2x4x5x5xf32>, %[[W:.*]]: tensor<3x2x2x2x2xf32>)
// CHECK: %[[PLANES:.*]] = tensor.collapse_shape %[[X]] {{\[\[}}0, 1], [2], [3], [4]]
// CHECK: %[[COL0:.*]] = tensor.empty() : tensor<2x2x2x2x3x2x2xf32>
// CHECK-NOT: linalg.fill
// CHECK: %[[P000:.*]] = tensor.extract_slice %[[PLANES]][0, 0, 0, 0] [2, 3, 2, 2] [1, 1, 2, 2] : tensor<2x4x5x5xf32> to tensor<2x3x2x2xf32>
// CHECK: %[[E000:.*]] = tensor.expand_shape %[[P000]]
// CHECK: tensor.insert_slice %[[E000]] into %[[COL0]][0, 0, 0, 0, 0, 0, 0] [2, 1, 1, 1, 3, 2, 2] [1, 1, 1, 1, 1, 1, 1]
// CHECK-COUNT-7: tensor.insert_slice
// CHECK: %[[COLS:.*]] = tensor.collapse_shape %{{.*}} {{\[\[}}0, 1, 2, 3], [4, 5, 6]] : tensor<2x2x2x2x3x2x2xf32> into tensor<16x12xf32>
// CHECK: %[[FILTER:.*]] = tensor.collapse_shape %[[W]] {{\[\[}}0], [1, 2, 3, 4]] : tensor<3x2x2x2x2xf32> into tensor<3x16xf32>
// CHECK: %[[MM:.*]] = linalg.matmul ins(%[[FILTER]], %[[COLS]] : tensor<3x16xf32>, tensor<16x12xf32>)
// CHECK: tensor.expand_shape %[[MM]] {{\[\[}}0, 1], [2, 3, 4]] output_shape [1, 3, 3, 2, 2] : tensor<3x12xf32> into tensor<1x3x3x2x2xf32>
func.func @conv3d$batch1_im2col(%x: tensor<1x2x4x5x5xf32>, %w: tensor<3x2x2x2x2xf32>) -> tensor<1x3x3x2x2xf32> {
  %0 = "tsm.conv3d"(%x, %w) {stride = array<i64: 1, 2, 2>, padding = array<i64: 0, 0, 0, 0, 0, 0>, dilation = array<i64: 1, 1, 1>, groups = 1} : (tensor<1x2x4x5x5xf32>, tensor<3x2x2x2x2xf32>) -> tensor<1x3x3x2x2xf32>
  return %0 : tensor<1x3x3x2x2xf32>
}

// -----

// Transposed, batch 1: the (F*KH*KW, C) transposed filters times the (C, H*W)
// input; then per output phase (rows and columns mod the stride 2) a grid
// started from the bias (4x4, 4x3, 3x4, 3x3 of the 7x7 full output), into
// which each of the phase's kernel positions adds its (F, H, W) slab as a
// contiguous block (here one position per phase, at offset 0), and which is
// copied into the full output's stride-2 rows/columns from the phase;
// padding 1 is cropped from each side.
// CHECK-DAG: #[[WT:.*]] = affine_map<(d0, d1, d2, d3) -> (d3, d0, d1, d2)>
// CHECK-LABEL: func.func @conv_transpose2d$batch1_col2im
// CHECK-SAME: (%[[X:.*]]: tensor<1x2x3x3xf32>, %[[W:.*]]: tensor<2x3x2x2xf32>, %[[B:.*]]: tensor<3xf32>)
// CHECK: %[[WT_T:.*]] = linalg.generic {indexing_maps = [#[[WT]], {{.*}}]{{.*}} ins(%[[W]] : tensor<2x3x2x2xf32>) outs(%{{.*}} : tensor<3x2x2x2xf32>)
// CHECK: %[[FILTERS:.*]] = tensor.collapse_shape %[[WT_T]] {{.*}} into tensor<12x2xf32>
// CHECK: %[[INPUT:.*]] = tensor.collapse_shape %[[X]] {{.*}} into tensor<2x9xf32>
// CHECK: %[[COLS:.*]] = linalg.matmul ins(%[[FILTERS]], %[[INPUT]] : tensor<12x2xf32>, tensor<2x9xf32>)
// CHECK: %[[COLS5:.*]] = tensor.expand_shape %[[COLS]] {{.*}} into tensor<3x2x2x3x3xf32>
// CHECK: %[[FULL0:.*]] = linalg.generic {{.*}} ins(%[[B]] : tensor<3xf32>) outs(%{{.*}} : tensor<3x7x7xf32>)
// CHECK: %[[GRID:.*]] = linalg.generic {{.*}} ins(%[[B]] : tensor<3xf32>) outs(%{{.*}} : tensor<3x4x4xf32>)
// CHECK: %[[SLAB5:.*]] = tensor.extract_slice %[[COLS5]][0, 0, 0, 0, 0] [3, 1, 1, 3, 3] [1, 1, 1, 1, 1]
// CHECK: %[[SLAB:.*]] = tensor.collapse_shape %[[SLAB5]] {{.*}} into tensor<3x3x3xf32>
// CHECK: %[[REGION:.*]] = tensor.extract_slice %[[GRID]][0, 0, 0] [3, 3, 3] [1, 1, 1]
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} ins(%[[SLAB]] : tensor<3x3x3xf32>) outs(%[[REGION]] : tensor<3x3x3xf32>)
// CHECK: arith.addf
// CHECK: %[[GRID1:.*]] = tensor.insert_slice %[[SUM]] into %[[GRID]][0, 0, 0] [3, 3, 3] [1, 1, 1]
// CHECK: %[[FULL1:.*]] = tensor.insert_slice %[[GRID1]] into %[[FULL0]][0, 0, 0] [3, 4, 4] [1, 2, 2]
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<3x4x3xf32>)
// CHECK: tensor.insert_slice %{{.*}} into %[[FULL1]][0, 0, 1] [3, 4, 3] [1, 2, 2]
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<3x3x4xf32>)
// CHECK: tensor.insert_slice %{{.*}}[0, 1, 0] [3, 3, 4] [1, 2, 2]
// CHECK: %[[FULL:.*]] = tensor.insert_slice %{{.*}}[0, 1, 1] [3, 3, 3] [1, 2, 2]
// CHECK: %[[OUT:.*]] = tensor.extract_slice %[[FULL]][0, 1, 1] [3, 5, 5] [1, 1, 1]
// CHECK: tensor.expand_shape %[[OUT]] {{.*}} into tensor<1x3x5x5xf32>
func.func @conv_transpose2d$batch1_col2im(%x: tensor<1x2x3x3xf32>, %w: tensor<2x3x2x2xf32>, %b: tensor<3xf32>) -> tensor<1x3x5x5xf32> {
  %0 = "tsm.conv_transpose2d"(%x, %w, %b) {stride = array<i64: 2, 2>, padding = array<i64: 1, 1>, output_padding = array<i64: 1, 1>, dilation = array<i64: 1, 1>, groups = 1} : (tensor<1x2x3x3xf32>, tensor<2x3x2x2xf32>, tensor<3xf32>) -> tensor<1x3x5x5xf32>
  return %0 : tensor<1x3x5x5xf32>
}

// -----

// With 2 threads and an output of 32 x 57 x 57 (from 65,536 elements) the
// col2im runs in an scf.forall over 2 chunks of 16 filters: each thread adds
// its filters' slabs (sliced at the chunk's first filter) and copies its
// phases into its chunk of the full output.
// (A 3x3 kernel of stride 2: its phases have 2 or 1 taps, not for conv_transpose_phases.)
// CHECK-LABEL: func.func @conv_transpose2d$threads
// CHECK: %[[COLS5:.*]] = tensor.expand_shape {{.*}} into tensor<32x3x3x28x28xf32>
// CHECK: scf.forall (%[[I:.*]]) in (2) shared_outs(%[[FULL:.*]] = %{{.*}}) -> (tensor<32x58x58xf32>)
// CHECK: %[[F0:.*]] = arith.muli %[[I]], %c16
// CHECK: tensor.extract_slice %[[FULL]][%[[F0]], 0, 0] [16, 58, 58]
// CHECK: tensor.extract_slice %[[COLS5]][%[[F0]], 0, 0, 0, 0] [16, 1, 1, 28, 28]
// CHECK: scf.forall.in_parallel
// CHECK-NEXT: tensor.parallel_insert_slice %{{.*}} into %[[FULL]][%[[F0]], 0, 0] [16, 58, 58]
module attributes {tsm.num_threads = 2 : i64} {
  func.func @conv_transpose2d$threads(%x: tensor<1x64x28x28xf32>, %w: tensor<64x32x3x3xf32>) -> tensor<1x32x56x56xf32> {
    %0 = "tsm.conv_transpose2d"(%x, %w) {stride = array<i64: 2, 2>, padding = array<i64: 1, 1>, output_padding = array<i64: 1, 1>, dilation = array<i64: 1, 1>, groups = 1} : (tensor<1x64x28x28xf32>, tensor<64x32x3x3xf32>) -> tensor<1x32x56x56xf32>
    return %0 : tensor<1x32x56x56xf32>
  }
}

// -----

// float16: the op runs in float32 between conversions (PyTorch accumulates
// in float), the float32 op lowered by the same pass.
// CHECK-LABEL: func.func @avg_pool2d$f16
// CHECK-SAME: (%[[X:.*]]: tensor<1x1x4x4xf16>)
// CHECK: %[[WIDE:.*]] = linalg.generic {{.*}} ins(%[[X]] : tensor<1x1x4x4xf16>) outs(%{{.*}} : tensor<1x1x4x4xf32>)
// CHECK: arith.extf
// CHECK: %[[SUMS:.*]] = linalg.pooling_nchw_sum {{.*}} ins(%[[WIDE]], %{{.*}} : tensor<1x1x4x4xf32>, tensor<2x2xf32>)
// CHECK: %[[MEAN:.*]] = linalg.generic {{.*}} ins(%[[SUMS]], %{{.*}} : tensor<1x1x2x2xf32>, tensor<2x2xf32>)
// CHECK: %[[OUT:.*]] = linalg.generic {{.*}} ins(%[[MEAN]] : tensor<1x1x2x2xf32>) outs(%{{.*}} : tensor<1x1x2x2xf16>)
// CHECK: arith.truncf
// CHECK: return %[[OUT]]
// CHECK-NOT: tsm.avg_pool2d
func.func @avg_pool2d$f16(%x: tensor<1x1x4x4xf16>) -> tensor<1x1x2x2xf16> {
  %0 = "tsm.avg_pool2d"(%x) {kernel_size = array<i64: 2, 2>, stride = array<i64: 2, 2>, padding = array<i64: 0, 0>} : (tensor<1x1x4x4xf16>) -> tensor<1x1x2x2xf16>
  return %0 : tensor<1x1x2x2xf16>
}

// -----

// avg_pool3d, ceil_mode: the last depth window is cut by the input end, so its
// divisor counts one plane (4 = 1 * 2 * 2) rather than two (8).
// CHECK-DAG: #[[WIN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d2 * 2 + d5, d3 * 2 + d6, d4 * 2 + d7)>
// CHECK-LABEL: func.func @avg_pool3d$ceil
// CHECK: %[[DIVISORS:.*]] = arith.constant dense<{{\[\[\[}}8.000000e+00, 8.000000e+00], [8.000000e+00, 8.000000e+00]], {{\[\[}}4.000000e+00, 4.000000e+00], [4.000000e+00, 4.000000e+00]]]> : tensor<2x2x2xf32>
// CHECK: %[[XP:.*]] = tensor.pad %{{.*}} low[0, 0, 0, 0, 0] high[0, 0, 1, 0, 0]
// CHECK: %[[SUMS:.*]] = linalg.generic {indexing_maps = [#[[WIN]], {{.*}}]{{.*}} ins(%[[XP]], %{{.*}} : tensor<?x2x4x4x4xf32>, tensor<2x2x2xf32>)
// CHECK: arith.addf
// CHECK: linalg.generic {{.*}} ins(%[[SUMS]], %[[DIVISORS]] : tensor<?x2x2x2x2xf32>, tensor<2x2x2xf32>)
// CHECK: arith.divf
func.func @avg_pool3d$ceil(%x: tensor<?x2x3x4x4xf32>) -> tensor<?x2x2x2x2xf32> {
  %0 = "tsm.avg_pool3d"(%x) {kernel_size = array<i64: 2, 2, 2>, stride = array<i64: 2, 2, 2>, padding = array<i64: 0, 0, 0>, ceil_mode = 1 : i1} : (tensor<?x2x3x4x4xf32>) -> tensor<?x2x2x2x2xf32>
  return %0 : tensor<?x2x2x2x2xf32>
}

// -----

// adaptive_avg_pool3d with uneven windows: one masked reduction per dim
// (width 5 -> 3, height 4 -> 2, depth 3 -> 2), then the window volumes.
// CHECK-LABEL: func.func @adaptive_avg_pool3d$uneven
// CHECK-DAG: %[[VOLUMES:.*]] = arith.constant dense<{{.*}}> : tensor<2x2x3xf32>
// CHECK-DAG: %[[DEPTH:.*]] = arith.constant dense<{{\[\[}}true, true, false], [false, true, true]]> : tensor<2x3xi1>
// CHECK-DAG: %[[WIDTH:.*]] = arith.constant dense<{{\[\[}}true, true, false, false, false], [false, true, true, true, false], [false, false, false, true, true]]> : tensor<3x5xi1>
// CHECK: %[[W:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %[[WIDTH]] : tensor<1x2x3x4x5xf32>, tensor<3x5xi1>) outs(%{{.*}} : tensor<1x2x3x4x3xf32>)
// CHECK: %[[H:.*]] = linalg.generic {{.*}} ins(%[[W]], %{{.*}} : tensor<1x2x3x4x3xf32>, tensor<2x4xi1>) outs(%{{.*}} : tensor<1x2x3x2x3xf32>)
// CHECK: %[[D:.*]] = linalg.generic {{.*}} ins(%[[H]], %[[DEPTH]] : tensor<1x2x3x2x3xf32>, tensor<2x3xi1>) outs(%{{.*}} : tensor<1x2x2x2x3xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[D]], %[[VOLUMES]] :
func.func @adaptive_avg_pool3d$uneven(%x: tensor<1x2x3x4x5xf32>) -> tensor<1x2x2x2x3xf32> {
  %0 = "tsm.adaptive_avg_pool3d"(%x) {output_size = array<i64: 2, 2, 3>} : (tensor<1x2x3x4x5xf32>) -> tensor<1x2x2x2x3xf32>
  return %0 : tensor<1x2x2x2x3xf32>
}

// -----

// conv_transpose3d: inputs spread 2 apart from (1, 1, 1) in zeros
// (lo = k - 1 = 1), filters flipped on all three kernel dims with in/out
// channels swapped, then a stride-1 conv3d.
// CHECK-DAG: #[[FLIP3:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d2, d1, -d3 + 1, -d4 + 1, -d5 + 1)>
// CHECK-LABEL: func.func @conv_transpose3d$stride
// CHECK-SAME: (%[[X:.*]]: tensor<2x2x2x2x2xf32>, %[[W:.*]]: tensor<2x1x2x2x2xf32>)
// CHECK: %[[ZEROS:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<2x2x5x5x5xf32>)
// CHECK: %[[SPREAD:.*]] = tensor.insert_slice %[[X]] into %[[ZEROS]][0, 0, 1, 1, 1] [2, 2, 2, 2, 2] [1, 1, 2, 2, 2]
// CHECK: %[[FLIPPED:.*]] = linalg.generic {indexing_maps = [#[[FLIP3]], {{.*}}]
// CHECK: %[[FILTERS:.*]] = tensor.collapse_shape %[[FLIPPED]] {{.*}} into tensor<1x2x2x2x2xf32>
// CHECK: scf.for %[[I:[a-z0-9_]+]] =
// CHECK: tensor.extract_slice %[[SPREAD]][%[[I]], 0, 0, 0, 0] [1, 2, 5, 5, 5]
// CHECK: tensor.collapse_shape %[[FILTERS]] {{.*}} into tensor<1x16xf32>
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<1x16xf32>, tensor<16x64xf32>)
func.func @conv_transpose3d$stride(%x: tensor<2x2x2x2x2xf32>, %w: tensor<2x1x2x2x2xf32>) -> tensor<2x1x4x4x4xf32> {
  %0 = "tsm.conv_transpose3d"(%x, %w) {stride = array<i64: 2, 2, 2>, padding = array<i64: 0, 0, 0>, output_padding = array<i64: 0, 0, 0>, dilation = array<i64: 1, 1, 1>, groups = 1} : (tensor<2x2x2x2x2xf32>, tensor<2x1x2x2x2xf32>) -> tensor<2x1x4x4x4xf32>
  return %0 : tensor<2x1x4x4x4xf32>
}

// -----

// Circular: the left border is the input's last 2 columns, the right border
// its first column (slices copied, no generic).
// CHECK-LABEL: func.func @pad$circular
// CHECK-SAME: (%[[X:.*]]: tensor<2x4xf32>)
// CHECK: %[[MIDDLE:.*]] = tensor.insert_slice %[[X]] into %{{.*}}[0, 2] [2, 4] [1, 1]
// CHECK: %[[END:.*]] = tensor.extract_slice %[[X]][0, 2] [2, 2] [1, 1]
// CHECK: %[[WITH_LEFT:.*]] = tensor.insert_slice %[[END]] into %[[MIDDLE]][0, 0] [2, 2] [1, 1]
// CHECK: %[[START:.*]] = tensor.extract_slice %[[X]][0, 0] [2, 1] [1, 1]
// CHECK: %[[OUT:.*]] = tensor.insert_slice %[[START]] into %[[WITH_LEFT]][0, 6] [2, 1] [1, 1]
// CHECK: return %[[OUT]]
func.func @pad$circular(%x: tensor<2x4xf32>) -> tensor<2x7xf32> {
  %0 = "tsm.pad"(%x) {low = array<i64: 0, 2>, high = array<i64: 0, 1>, mode = "circular"} : (tensor<2x4xf32>) -> tensor<2x7xf32>
  return %0 : tensor<2x7xf32>
}

// -----

// grid_sample, bilinear: one generic over (n, h_out, w_out, c), the channels
// innermost, tagged [mode, padding, align_corners, H, W]; its body takes the
// point's x and y from the grid, unnormalizes them (((g + 1) * 7 - 1) / 2),
// and reads the input flattened to (N, C, H * W) at its 4 corners (0 where
// a corner's index is -1: outside).
// CHECK-DAG: #[[GX:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>
// CHECK-DAG: #[[GY:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 1)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d3, d1, d2)>
// CHECK-LABEL: func.func @grid_sample$bilinear
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x5x7xf32>, %[[G:.*]]: tensor<2x4x6x2xf32>)
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %[[X]] {{\[\[}}0], [1], [2, 3]] : tensor<2x3x5x7xf32> into tensor<2x3x35xf32>
// CHECK: linalg.generic {indexing_maps = [#[[GX]], #[[GY]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%[[G]], %[[G]] : tensor<2x4x6x2xf32>, tensor<2x4x6x2xf32>) outs(%{{.*}} : tensor<2x3x4x6xf32>)
// CHECK-SAME: attrs = {tsm.grid_sample = ["bilinear", "zeros", false, 5, 7]}
// CHECK: ^bb0(%[[GXV:.*]]: f32, %[[GYV:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[P:.*]] = arith.addf %[[GXV]], %{{.*}} : f32
// CHECK: arith.mulf %[[P]]
// CHECK: math.floor
// CHECK: math.floor
// CHECK-COUNT-4: arith.select %{{.*}}, %{{.*}}, %{{.*}} : i32
// CHECK-DAG: %[[N:.*]] = linalg.index 0 : index
// CHECK-DAG: %[[C:.*]] = linalg.index 3 : index
// CHECK: tensor.extract %[[FLAT]][%[[N]], %[[C]], %{{.*}}] : tensor<2x3x35xf32>
// CHECK-COUNT-3: tensor.extract %[[FLAT]]
// CHECK-NOT: tensor.extract
// CHECK: linalg.yield
func.func @grid_sample$bilinear(%x: tensor<2x3x5x7xf32>, %g: tensor<2x4x6x2xf32>) -> tensor<2x3x4x6xf32> {
  %0 = "tsm.grid_sample"(%x, %g) {mode = "bilinear", padding = "zeros", align_corners = false} : (tensor<2x3x5x7xf32>, tensor<2x4x6x2xf32>) -> tensor<2x3x4x6xf32>
  return %0 : tensor<2x3x4x6xf32>
}

// -----

// grid_sample, nearest with border padding and align_corners: the point is
// unnormalized ((g + 1) * 3), clamped to the input, rounded half to even,
// and read once.
// CHECK-LABEL: func.func @grid_sample$nearest_border
// CHECK: linalg.generic
// CHECK-SAME: attrs = {tsm.grid_sample = ["nearest", "border", true, 7, 5]}
// CHECK: arith.maximumf
// CHECK: arith.minimumf
// CHECK: math.roundeven
// CHECK: tensor.extract
// CHECK-NOT: tensor.extract
// CHECK: linalg.yield
func.func @grid_sample$nearest_border(%x: tensor<1x2x7x5xf64>, %g: tensor<1x3x3x2xf64>) -> tensor<1x2x3x3xf64> {
  %0 = "tsm.grid_sample"(%x, %g) {mode = "nearest", padding = "border", align_corners = true} : (tensor<1x2x7x5xf64>, tensor<1x3x3x2xf64>) -> tensor<1x2x3x3xf64>
  return %0 : tensor<1x2x3x3xf64>
}

// -----

// grid_sample of bfloat16: sampled in float32 and rounded once.
// CHECK-LABEL: func.func @grid_sample$bf16
// CHECK: arith.extf {{.*}} : bf16 to f32
// CHECK: arith.extf {{.*}} : bf16 to f32
// CHECK: %[[F32:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<1x2x3x3xf32>) attrs = {tsm.grid_sample
// CHECK: %[[BF16:.*]] = linalg.generic {{.*}} ins(%[[F32]] : tensor<1x2x3x3xf32>) outs(%{{.*}} : tensor<1x2x3x3xbf16>)
// CHECK: return %[[BF16]]
func.func @grid_sample$bf16(%x: tensor<1x2x4x4xbf16>, %g: tensor<1x3x3x2xbf16>) -> tensor<1x2x3x3xbf16> {
  %0 = "tsm.grid_sample"(%x, %g) {mode = "bilinear", padding = "zeros", align_corners = false} : (tensor<1x2x4x4xbf16>, tensor<1x3x3x2xbf16>) -> tensor<1x2x3x3xbf16>
  return %0 : tensor<1x2x3x3xbf16>
}

// -----

// conv_transpose2d, float32, 4x4 kernel of stride 2 (conv_transpose_phases):
// output phase (p, q) (rows 2a + p - 1, columns 2b + q - 1) is a 2x2
// convolution of x with taps (p + 2 (1 - t'), q + 2 (1 - u')), channels
// swapped; the 4 phases' filters stacked along F (a generic over run-time
// filters) make one direct convolution of 128 filters (132 where AVX2's
// strips of 6 filters pad them) over x padded by 1, 29 x 29 positions (the
// union of the phases' 28 x 28).  Each phase's 28 x 28 block, plus the
// bias, goes to its strided place in the output.
// CHECK-DAG: #[[TAPS:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d3, d2, d0 - d4 * 2 + 2, d1 - d5 * 2 + 2)>
// CHECK-LABEL: func.func @conv_transpose2d$phases
// CHECK-SAME: (%[[X:.*]]: tensor<1x64x28x28xf32>, %[[W:.*]]: tensor<64x32x4x4xf32>, %[[B:.*]]: tensor<32xf32>)
// CHECK: %[[G:.*]] = linalg.generic {indexing_maps = [#[[TAPS]], {{.*}}]{{.*}} ins(%[[W]] : tensor<64x32x4x4xf32>) outs(%{{.*}} : tensor<2x2x32x64x2x2xf32>)
// CHECK: tensor.collapse_shape %[[G]] {{\[\[}}0, 1, 2], [3], [4], [5]] : tensor<2x2x32x64x2x2xf32> into tensor<128x64x2x2xf32>
// CHECK: tensor.pad %[[X]] low[0, 0, 1, 1] high[0, 0, 2, 1]
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<1x{{128|132}}x896xf32>) attrs = {tsm.direct_conv = array<i64: 30, 1, 1>}
// CHECK: %[[ALL:.*]] = tensor.extract_slice {{.*}} [1, {{128|132}}, 29, 29] [1, 1, 1, 1]
// CHECK: %[[P00:.*]] = tensor.extract_slice %[[ALL]][0, 0, 1, 1] [1, 32, 28, 28]
// CHECK: %[[O00:.*]] = linalg.generic {{.*}} ins(%[[P00]], %[[B]] :
// CHECK: %[[R00:.*]] = tensor.insert_slice %[[O00]] into %{{.*}}[0, 0, 1, 1] [1, 32, 28, 28] [1, 1, 2, 2]
// CHECK: tensor.extract_slice %[[ALL]][0, 32, 1, 0] [1, 32, 28, 28]
// CHECK: %[[R01:.*]] = tensor.insert_slice %{{.*}} into %[[R00]][0, 0, 1, 0] [1, 32, 28, 28] [1, 1, 2, 2]
// CHECK: tensor.extract_slice %[[ALL]][0, 64, 0, 1] [1, 32, 28, 28]
// CHECK: %[[R10:.*]] = tensor.insert_slice %{{.*}} into %[[R01]][0, 0, 0, 1] [1, 32, 28, 28] [1, 1, 2, 2]
// CHECK: tensor.extract_slice %[[ALL]][0, 96, 0, 0] [1, 32, 28, 28]
// CHECK: %[[R11:.*]] = tensor.insert_slice %{{.*}} into %[[R10]][0, 0, 0, 0] [1, 32, 28, 28] [1, 1, 2, 2]
// CHECK: return %[[R11]]
func.func @conv_transpose2d$phases(%x: tensor<1x64x28x28xf32>, %w: tensor<64x32x4x4xf32>, %b: tensor<32xf32>) -> tensor<1x32x56x56xf32> {
  %0 = "tsm.conv_transpose2d"(%x, %w, %b) {stride = array<i64: 2, 2>, padding = array<i64: 1, 1>, output_padding = array<i64: 0, 0>, dilation = array<i64: 1, 1>, groups = 1} : (tensor<1x64x28x28xf32>, tensor<64x32x4x4xf32>, tensor<32xf32>) -> tensor<1x32x56x56xf32>
  return %0 : tensor<1x32x56x56xf32>
}

// -----

// grid_sample, reflection padding: the pixel coordinate mirrored into the
// input (|p - low|, its flips = floor(|p - low| / span), the remainder taken
// forward on even flips and back on odd ones), then clamped to it.
// CHECK-LABEL: func.func @grid_sample$reflection
// CHECK: linalg.generic
// CHECK-SAME: attrs = {tsm.grid_sample = ["bilinear", "reflection", false, 5, 7]}
// CHECK: math.absf
// CHECK: arith.divf
// CHECK: math.floor
// CHECK: arith.cmpf one
// CHECK: arith.select
// CHECK: arith.maximumf
// CHECK: arith.minimumf
// CHECK: linalg.yield
func.func @grid_sample$reflection(%x: tensor<1x2x5x7xf32>, %g: tensor<1x3x3x2xf32>) -> tensor<1x2x3x3xf32> {
  %0 = "tsm.grid_sample"(%x, %g) {mode = "bilinear", padding = "reflection", align_corners = false} : (tensor<1x2x5x7xf32>, tensor<1x3x3x2xf32>) -> tensor<1x2x3x3xf32>
  return %0 : tensor<1x2x3x3xf32>
}
