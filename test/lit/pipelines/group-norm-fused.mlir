// RUN: tsmlir-opt %s --tsm-to-linalg --split-input-file | filecheck %s

// group_norm as the importer emits it (static batch): the normalized
// (N, G, C/G*S) rows viewed as (N, G, C/G, S) by an expand_shape, and the
// weight and bias (G, C/G, 1) applied on that view.  Elementwise fusion
// folds the view through, so that normalization, scale and shift are one
// 4-D generic (one pass over the tensor) reading the per-(n, g) sum and
// rstd and the per-(g, c) weight and bias.

// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[STAT:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
// CHECK-DAG: #[[AFF:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d2, 0)>
// CHECK-LABEL: func.func @group_norm$static
// CHECK: %[[RSTD:.*]] = linalg.rsqrt
// CHECK: %[[ROWS:.*]] = tensor.expand_shape %{{.*}} {{\[}}[0], [1, 2, 3]] output_shape [2, 2, 3, 35]
// CHECK-DAG: %[[W:.*]] = tensor.expand_shape %arg1 {{.*}} into tensor<2x3x1xf32>
// CHECK-DAG: %[[B:.*]] = tensor.expand_shape %arg2 {{.*}} into tensor<2x3x1xf32>
// CHECK: %[[Y:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[STAT]], #[[STAT]], #[[AFF]], #[[AFF]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[ROWS]], %{{.*}}, %[[RSTD]], %[[W]], %[[B]] :
// CHECK: arith.subf
// CHECK: arith.mulf
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: linalg.yield
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @group_norm$static(%arg0: tensor<2x6x5x7xf32>, %arg1: tensor<6xf32>, %arg2: tensor<6xf32>) -> tensor<2x6x5x7xf32> {
  %0 = "tsm.reshape"(%arg0) {from_dims = array<i64: -1, -1, -1>, shape = array<i64: 2, 2, 105>} : (tensor<2x6x5x7xf32>) -> tensor<2x2x105xf32>
  %1 = "tsm.layer_norm"(%0) {eps = 1.000000e-05 : f64, ndim = 1 : i64} : (tensor<2x2x105xf32>) -> tensor<2x2x105xf32>
  %2 = "tsm.reshape"(%1) {from_dims = array<i64: -1, -1, -1, -1>, shape = array<i64: 2, 2, 3, 35>} : (tensor<2x2x105xf32>) -> tensor<2x2x3x35xf32>
  %3 = "tsm.reshape"(%arg1) {from_dims = array<i64: -1, -1, -1>, shape = array<i64: 2, 3, 1>} : (tensor<6xf32>) -> tensor<2x3x1xf32>
  %4 = "tsm.reshape"(%arg2) {from_dims = array<i64: -1, -1, -1>, shape = array<i64: 2, 3, 1>} : (tensor<6xf32>) -> tensor<2x3x1xf32>
  %5 = "tsm.mul"(%2, %3) : (tensor<2x2x3x35xf32>, tensor<2x3x1xf32>) -> tensor<2x2x3x35xf32>
  %6 = "tsm.add"(%5, %4) : (tensor<2x2x3x35xf32>, tensor<2x3x1xf32>) -> tensor<2x2x3x35xf32>
  %7 = "tsm.reshape"(%6) {from_dims = array<i64: -1, -1, -1, -1>, shape = array<i64: 2, 6, 5, 7>} : (tensor<2x2x3x35xf32>) -> tensor<2x6x5x7xf32>
  return %7 : tensor<2x6x5x7xf32>
}

// -----

// The same with a dynamic batch.  The mul's init is sized by a tensor.dim of
// the reshaped normalization; resolved to the input's dim before fusion, it
// no longer holds the normalization back, so this is one 4-D pass too.

// CHECK-DAG: #[[ID4:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[STAT4:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
// CHECK-DAG: #[[AFF4:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d2, 0)>
// CHECK-LABEL: func.func @group_norm$dynamic_batch
// CHECK: %[[N:.*]] = tensor.dim %arg0, %c0
// CHECK: %[[RSTD:.*]] = linalg.rsqrt
// CHECK: %[[ROWS:.*]] = tensor.expand_shape %{{.*}} {{\[}}[0], [1, 2, 3]] output_shape [%[[N]], 3, 3, 55]
// CHECK: %[[INIT:.*]] = tensor.empty(%[[N]]) : tensor<?x3x3x55xf32>
// CHECK: %[[Y:.*]] = linalg.generic {indexing_maps = [#[[ID4]], #[[STAT4]], #[[STAT4]], #[[AFF4]], #[[AFF4]], #[[ID4]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[ROWS]], %{{.*}}, %[[RSTD]], %{{.*}}, %{{.*}} : {{.*}}) outs(%[[INIT]] :
// CHECK: arith.subf
// CHECK: arith.mulf
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: linalg.yield
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @group_norm$dynamic_batch(%arg0: tensor<?x9x5x11xf32>, %arg1: tensor<9xf32>, %arg2: tensor<9xf32>) -> tensor<?x9x5x11xf32> {
  %0 = "tsm.reshape"(%arg0) {from_dims = array<i64: 0, -1, -1>, shape = array<i64: -1, 3, 165>} : (tensor<?x9x5x11xf32>) -> tensor<?x3x165xf32>
  %1 = "tsm.layer_norm"(%0) {eps = 1.000000e-05 : f64, ndim = 1 : i64} : (tensor<?x3x165xf32>) -> tensor<?x3x165xf32>
  %2 = "tsm.reshape"(%1) {from_dims = array<i64: 0, -1, -1, -1>, shape = array<i64: -1, 3, 3, 55>} : (tensor<?x3x165xf32>) -> tensor<?x3x3x55xf32>
  %3 = "tsm.reshape"(%arg1) {from_dims = array<i64: -1, -1, -1>, shape = array<i64: 3, 3, 1>} : (tensor<9xf32>) -> tensor<3x3x1xf32>
  %4 = "tsm.reshape"(%arg2) {from_dims = array<i64: -1, -1, -1>, shape = array<i64: 3, 3, 1>} : (tensor<9xf32>) -> tensor<3x3x1xf32>
  %5 = "tsm.mul"(%2, %3) : (tensor<?x3x3x55xf32>, tensor<3x3x1xf32>) -> tensor<?x3x3x55xf32>
  %6 = "tsm.add"(%5, %4) : (tensor<?x3x3x55xf32>, tensor<3x3x1xf32>) -> tensor<?x3x3x55xf32>
  %7 = "tsm.reshape"(%6) {from_dims = array<i64: 0, -1, -1, -1>, shape = array<i64: -1, 9, 5, 11>} : (tensor<?x3x3x55xf32>) -> tensor<?x9x5x11xf32>
  return %7 : tensor<?x9x5x11xf32>
}
