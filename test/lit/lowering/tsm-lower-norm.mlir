// RUN: tsmlir-opt %s --split-input-file --tsm-lower-norm | filecheck %s

// Per row: the sum, the sum of squared deviations from sum * (1/n), then
// rstd = rsqrt(var * (1/n) + eps) as the named linalg.rsqrt (so that
// elementwise fusion cannot copy the root into the per-element loop), and
// one elementwise generic reading the per-row values through (d0, d1) -> (d0).
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @layer_norm$rows
// CHECK-SAME: (%[[X:.*]]: tensor<?x6xf32>)
// CHECK-DAG: %[[INV_N:.*]] = arith.constant 0.166666672 : f32
// CHECK-DAG: %[[EPS:.*]] = arith.constant 9.99999974E-6 : f32
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]]], iterator_types = ["parallel", "reduction"]} ins(%[[X]] : tensor<?x6xf32>)
// CHECK: arith.addf
// CHECK: %[[SQ:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ROW]]], iterator_types = ["parallel", "reduction"]} ins(%[[X]], %[[SUM]] : tensor<?x6xf32>, tensor<?xf32>)
// CHECK: %[[MEAN:.*]] = arith.mulf %{{.*}}, %[[INV_N]]
// CHECK: %[[C:.*]] = arith.subf %{{.*}}, %[[MEAN]]
// CHECK: %[[C2:.*]] = arith.mulf %[[C]], %[[C]]
// CHECK: arith.addf %[[C2]]
// CHECK: %[[VAR:.*]] = linalg.generic {{.*}} ins(%[[SQ]] : tensor<?xf32>)
// CHECK: %[[V:.*]] = arith.mulf %{{.*}}, %[[INV_N]]
// CHECK: arith.addf %[[V]], %[[EPS]]
// CHECK: %[[RSTD:.*]] = linalg.rsqrt ins(%[[VAR]] : tensor<?xf32>)
// CHECK: %[[Y:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[X]], %[[SUM]], %[[RSTD]] : tensor<?x6xf32>, tensor<?xf32>, tensor<?xf32>)
// CHECK: arith.subf
// CHECK-NOT: math.
// CHECK: return %[[Y]]
func.func @layer_norm$rows(%x: tensor<?x6xf32>) -> tensor<?x6xf32> {
  %0 = "tsm.layer_norm"(%x) {eps = 1.000000e-05 : f64, ndim = 1 : i64} : (tensor<?x6xf32>) -> tensor<?x6xf32>
  return %0 : tensor<?x6xf32>
}

// -----

// Several static normalized dims are one row (the reductions run along a
// contiguous innermost dim); bf16 computes in f32 and rounds once.
// CHECK-LABEL: func.func @layer_norm$two_dims
// CHECK: %[[ROWS:.*]] = tensor.collapse_shape %{{.*}} {{\[\[}}0], [1, 2]] : tensor<2x3x4xbf16> into tensor<2x12xbf16>
// CHECK: linalg.generic {{.*}} ins(%[[ROWS]] : tensor<2x12xbf16>) outs(%{{.*}} : tensor<2xf32>)
// CHECK: arith.extf
// CHECK: linalg.rsqrt ins(%{{.*}} : tensor<2xf32>)
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<2x12xbf16>)
// CHECK: %[[OUT:.*]] = tensor.expand_shape %[[Y]] {{\[\[}}0], [1, 2]] output_shape [2, 3, 4]
// CHECK: return %[[OUT]]
func.func @layer_norm$two_dims(%x: tensor<2x3x4xbf16>) -> tensor<2x3x4xbf16> {
  %0 = "tsm.layer_norm"(%x) {eps = 1.000000e-05 : f64, ndim = 2 : i64} : (tensor<2x3x4xbf16>) -> tensor<2x3x4xbf16>
  return %0 : tensor<2x3x4xbf16>
}

// -----

// Two dynamic normalized dims stay two reduction dims (one collapsed
// group could not hold both sizes once bufferized); 1/n is computed from them.
// CHECK-LABEL: func.func @layer_norm$two_dynamic
// CHECK-NOT: tensor.collapse_shape
// CHECK: %[[N:.*]] = arith.muli
// CHECK: %[[NF:.*]] = arith.sitofp
// CHECK: %[[INV_N:.*]] = arith.divf %{{.*}}, %[[NF]] : f32
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "reduction"]
// CHECK: linalg.rsqrt
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel"]
func.func @layer_norm$two_dynamic(%x: tensor<2x?x?xf32>) -> tensor<2x?x?xf32> {
  %0 = "tsm.layer_norm"(%x) {eps = 1.000000e-05 : f64, ndim = 2 : i64} : (tensor<2x?x?xf32>) -> tensor<2x?x?xf32>
  return %0 : tensor<2x?x?xf32>
}
