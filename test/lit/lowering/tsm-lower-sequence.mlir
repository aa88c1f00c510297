// RUN: tsmlir-opt %s --split-input-file --tsm-lower-sequence | filecheck %s
// RUN: tsmlir-opt %s --split-input-file --tsm-lower-sequence --canonicalize | filecheck %s --check-prefix=CANON

// x[i] with a run-time index: normalized (negative counts from the end),
// range-checked, then a full-rank extract_slice and a collapse of the unit dim (views).
// CHECK-LABEL: func.func @select$runtime_index
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xf32>, %[[I:.*]]: tensor<i64>)
// CHECK: %[[N:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x4xf32>
// CHECK: %[[E:.*]] = tensor.extract %[[I]][] : tensor<i64>
// CHECK: %[[IDX:.*]] = arith.index_cast %[[E]] : i64 to index
// CHECK: %[[NEG:.*]] = arith.cmpi slt, %[[IDX]]
// CHECK: %[[WRAP:.*]] = arith.addi %[[IDX]], %[[N]]
// CHECK: %[[K:.*]] = arith.select %[[NEG]], %[[WRAP]], %[[IDX]]
// CHECK: cf.assert %{{.*}}, "{{.*}}tsm.select: index out of range for dimension 0"
// CHECK: %[[S:.*]] = tensor.extract_slice %[[X]][%[[K]], 0] [1, 4] [1, 1] : tensor<?x4xf32> to tensor<1x4xf32>
// CHECK: %[[R:.*]] = tensor.collapse_shape %[[S]] {{\[}}[0, 1]] : tensor<1x4xf32> into tensor<4xf32>
// CHECK: return %[[R]]
func.func @select$runtime_index(%x: tensor<?x4xf32>, %i: tensor<i64>) -> tensor<4xf32> {
  %0 = "tsm.select"(%x, %i) {dim = 0 : i64} : (tensor<?x4xf32>, tensor<i64>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Along an inner dim, with a dynamic dim kept.
// CHECK-LABEL: func.func @select$inner_dim
// CHECK-SAME: (%[[X:.*]]: tensor<?x3x5xf32>, %[[I:.*]]: tensor<i64>)
// CHECK: %[[D0:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x3x5xf32>
// CHECK: %[[S:.*]] = tensor.extract_slice %[[X]][0, %{{.*}}, 0] [%[[D0]], 1, 5] [1, 1, 1] : tensor<?x3x5xf32> to tensor<?x1x5xf32>
// CHECK: tensor.collapse_shape %[[S]] {{\[}}[0], [1, 2]] : tensor<?x1x5xf32> into tensor<?x5xf32>
func.func @select$inner_dim(%x: tensor<?x3x5xf32>, %i: tensor<i64>) -> tensor<?x5xf32> {
  %0 = "tsm.select"(%x, %i) {dim = 1 : i64} : (tensor<?x3x5xf32>, tensor<i64>) -> tensor<?x5xf32>
  return %0 : tensor<?x5xf32>
}

// -----

// A constant index with another unit dim before the selected one: the slice
// must keep its sizes [1, 3, 1, 6] through canonicalization (MLIR 22 rewrote a
// rank-reducing slice here to [1, 1, 3, 6], reading the wrong elements).
// CHECK-LABEL: func.func @select$constant_index_after_unit_dim
// CANON-LABEL: func.func @select$constant_index_after_unit_dim
// CANON: %[[S:.*]] = tensor.extract_slice %{{.*}}[0, 0, 2, 0] [1, 3, 1, 6] [1, 1, 1, 1] : tensor<1x3x5x6xf32> to tensor<1x3x1x6xf32>
// CANON: tensor.collapse_shape %[[S]] {{\[}}[0], [1], [2, 3]] : tensor<1x3x1x6xf32> into tensor<1x3x6xf32>
func.func @select$constant_index_after_unit_dim(%x: tensor<1x3x5x6xf32>) -> tensor<1x3x6xf32> {
  %i = arith.constant dense<2> : tensor<i64>
  %0 = "tsm.select"(%x, %i) {dim = 2 : i64} : (tensor<1x3x5x6xf32>, tensor<i64>) -> tensor<1x3x6xf32>
  return %0 : tensor<1x3x6xf32>
}
