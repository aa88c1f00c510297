// RUN: tsmlir-opt %s --split-input-file --tsm-lower-sequence | filecheck %s

// x[i] with a run-time index: normalized (negative counts from the end),
// range-checked, then a rank-reducing extract_slice (a view).
// CHECK-LABEL: func.func @select$runtime_index
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xf32>, %[[I:.*]]: tensor<i64>)
// CHECK: %[[N:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x4xf32>
// CHECK: %[[E:.*]] = tensor.extract %[[I]][] : tensor<i64>
// CHECK: %[[IDX:.*]] = arith.index_cast %[[E]] : i64 to index
// CHECK: %[[NEG:.*]] = arith.cmpi slt, %[[IDX]]
// CHECK: %[[WRAP:.*]] = arith.addi %[[IDX]], %[[N]]
// CHECK: %[[K:.*]] = arith.select %[[NEG]], %[[WRAP]], %[[IDX]]
// CHECK: cf.assert %{{.*}}, "{{.*}}tsm.select: index out of range for dimension 0"
// CHECK: %[[R:.*]] = tensor.extract_slice %[[X]][%[[K]], 0] [1, 4] [1, 1] : tensor<?x4xf32> to tensor<4xf32>
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
// CHECK: tensor.extract_slice %[[X]][0, %{{.*}}, 0] [%[[D0]], 1, 5] [1, 1, 1] : tensor<?x3x5xf32> to tensor<?x5xf32>
func.func @select$inner_dim(%x: tensor<?x3x5xf32>, %i: tensor<i64>) -> tensor<?x5xf32> {
  %0 = "tsm.select"(%x, %i) {dim = 1 : i64} : (tensor<?x3x5xf32>, tensor<i64>) -> tensor<?x5xf32>
  return %0 : tensor<?x5xf32>
}
