// RUN: tsmlir-opt %s --split-input-file --tsm-lower-shape | filecheck %s

// A reshape that merges whole dims is a collapse (a view after bufferization).
// CHECK-LABEL: func.func @reshape$collapse
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK: %[[R:.*]] = tensor.collapse_shape %[[X]] {{\[}}[0], [1, 2]] : tensor<2x3x4xf32> into tensor<2x12xf32>
// CHECK: return %[[R]]
func.func @reshape$collapse(%x: tensor<2x3x4xf32>) -> tensor<2x12xf32> {
  %0 = "tsm.reshape"(%x) {shape = array<i64: 2, 12>, from_dims = array<i64: -1, -1>} : (tensor<2x3x4xf32>) -> tensor<2x12xf32>
  return %0 : tensor<2x12xf32>
}

// -----

// x.view(x.size(0), -1) with a dynamic batch: the batch dim is its own group.
// CHECK-LABEL: func.func @reshape$dynamic_batch
// CHECK-SAME: (%[[X:.*]]: tensor<?x4x5xf32>)
// CHECK-NOT: cf.assert
// CHECK: tensor.collapse_shape %[[X]] {{\[}}[0], [1, 2]] : tensor<?x4x5xf32> into tensor<?x20xf32>
func.func @reshape$dynamic_batch(%x: tensor<?x4x5xf32>) -> tensor<?x20xf32> {
  %0 = "tsm.reshape"(%x) {shape = array<i64: -1, 20>, from_dims = array<i64: 0, -1>} : (tensor<?x4x5xf32>) -> tensor<?x20xf32>
  return %0 : tensor<?x20xf32>
}

// -----

// Splitting a dim is an expand; the dynamic result size is read from the input.
// CHECK-LABEL: func.func @reshape$expand
// CHECK-SAME: (%[[X:.*]]: tensor<?x20xf32>)
// CHECK: %[[B:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x20xf32>
// CHECK: tensor.expand_shape %[[X]] {{\[}}[0], [1, 2]] output_shape [%[[B]], 4, 5] : tensor<?x20xf32> into tensor<?x4x5xf32>
func.func @reshape$expand(%x: tensor<?x20xf32>) -> tensor<?x4x5xf32> {
  %0 = "tsm.reshape"(%x) {shape = array<i64: -1, 4, 5>, from_dims = array<i64: 0, -1, -1>} : (tensor<?x20xf32>) -> tensor<?x4x5xf32>
  return %0 : tensor<?x4x5xf32>
}

// -----

// Dims that do not line up are collapsed to their common block, then expanded.
// CHECK-LABEL: func.func @reshape$regroup
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0, 1]] : tensor<2x3xf32> into tensor<6xf32>
// CHECK: tensor.expand_shape %[[FLAT]] {{\[}}[0, 1]] output_shape [3, 2] : tensor<6xf32> into tensor<3x2xf32>
func.func @reshape$regroup(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  %0 = "tsm.reshape"(%x) {shape = array<i64: 3, 2>, from_dims = array<i64: -1, -1>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// An inferred dim that is an exact quotient (6n / 3 = 2n) stays a view: no check needed.
// CHECK-LABEL: func.func @reshape$inferred
// CHECK-SAME: (%[[X:.*]]: tensor<?x6xf32>)
// CHECK-NOT: cf.assert
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %[[X]] {{\[}}[0, 1]] : tensor<?x6xf32> into tensor<?xf32>
// CHECK: %[[N:.*]] = tensor.dim %[[X]]
// CHECK: %[[NUMEL:.*]] = arith.muli %[[N]], %{{.*}} : index
// CHECK: %[[ROWS:.*]] = arith.divui %[[NUMEL]], %{{.*}} : index
// CHECK: tensor.expand_shape %[[FLAT]] {{\[}}[0, 1]] output_shape [%[[ROWS]], 3]
func.func @reshape$inferred(%x: tensor<?x6xf32>) -> tensor<?x3xf32> {
  %0 = "tsm.reshape"(%x) {shape = array<i64: -1, 3>, from_dims = array<i64: -1, -1>} : (tensor<?x6xf32>) -> tensor<?x3xf32>
  return %0 : tensor<?x3xf32>
}

// -----

// To and from rank 0: empty reassociations.
// CHECK-LABEL: func.func @reshape$rank0
// CHECK: %[[S:.*]] = tensor.collapse_shape %{{.*}} [] : tensor<1x1xf32> into tensor<f32>
// CHECK: tensor.expand_shape %[[S]] [] output_shape [1] : tensor<f32> into tensor<1xf32>
func.func @reshape$rank0(%x: tensor<1x1xf32>) -> tensor<1xf32> {
  %0 = "tsm.reshape"(%x) {shape = array<i64>, from_dims = array<i64>} : (tensor<1x1xf32>) -> tensor<f32>
  %1 = "tsm.reshape"(%0) {shape = array<i64: 1>, from_dims = array<i64: -1>} : (tensor<f32>) -> tensor<1xf32>
  return %1 : tensor<1xf32>
}

// -----

// ?x3 viewed as 2x?: not a collapse/expand; the element count must divide (checked).
// CHECK-LABEL: func.func @reshape$general
// CHECK-SAME: (%[[X:.*]]: tensor<?x3xf32>)
// CHECK: %[[NUMEL:.*]] = arith.muli
// CHECK: %[[REM:.*]] = arith.remui %[[NUMEL]], %[[C2:.*]] : index
// CHECK: %[[OK:.*]] = arith.cmpi eq, %[[REM]], %{{.*}} : index
// CHECK: cf.assert %[[OK]], "{{.*}}tsm.reshape: the element count is not a multiple of the product of the other sizes of the shape [2, ?]"
// CHECK: %[[COLS:.*]] = arith.divui %[[NUMEL]], %[[C2]] : index
// CHECK: %[[SHAPE:.*]] = tensor.from_elements %[[C2]], %[[COLS]] : tensor<2xindex>
// CHECK: tensor.reshape %[[X]](%[[SHAPE]]) : (tensor<?x3xf32>, tensor<2xindex>) -> tensor<2x?xf32>
func.func @reshape$general(%x: tensor<?x3xf32>) -> tensor<2x?xf32> {
  %0 = "tsm.reshape"(%x) {shape = array<i64: 2, -1>, from_dims = array<i64: -1, -1>} : (tensor<?x3xf32>) -> tensor<2x?xf32>
  return %0 : tensor<2x?xf32>
}

// -----

// y.view(x.size(0), -1): the size is read from x at run time.
// CHECK-LABEL: func.func @reshape$sizes_of
// CHECK-SAME: (%[[Y:.*]]: tensor<?x4xf32>, %[[X:.*]]: tensor<?xf32>)
// CHECK: %[[B:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?xf32>
// CHECK: cf.assert
// CHECK: %[[SHAPE:.*]] = tensor.from_elements %[[B]], %{{.*}} : tensor<2xindex>
// CHECK: tensor.reshape %[[Y]](%[[SHAPE]])
func.func @reshape$sizes_of(%y: tensor<?x4xf32>, %x: tensor<?xf32>) -> tensor<?x?xf32> {
  %0 = "tsm.reshape"(%y, %x) {shape = array<i64: -1, -1>, from_dims = array<i64: 0, -1>} : (tensor<?x4xf32>, tensor<?xf32>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// squeeze() keeps a dynamic dim but checks it is not 1 (that would change the rank).
// CHECK-LABEL: func.func @squeeze$dynamic
// CHECK-SAME: (%[[X:.*]]: tensor<?x1x4x1xf32>)
// CHECK: %[[B:.*]] = tensor.dim %[[X]]
// CHECK: %[[NOT1:.*]] = arith.cmpi ne, %[[B]], %{{.*}} : index
// CHECK: cf.assert %[[NOT1]], "{{.*}}tsm.squeeze: dynamic dimension 0 is 1 at run time
// CHECK: tensor.collapse_shape %[[X]] {{\[}}[0], [1, 2, 3]] : tensor<?x1x4x1xf32> into tensor<?x4xf32>
func.func @squeeze$dynamic(%x: tensor<?x1x4x1xf32>) -> tensor<?x4xf32> {
  %0 = "tsm.squeeze"(%x) : (tensor<?x1x4x1xf32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// CHECK-LABEL: func.func @permute
// CHECK-SAME: (%[[X:.*]]: tensor<?x3x4xf32>)
// CHECK: %[[B:.*]] = tensor.dim %[[X]]
// CHECK: %[[INIT:.*]] = tensor.empty(%[[B]]) : tensor<4x?x3xf32>
// CHECK: linalg.transpose ins(%[[X]] : tensor<?x3x4xf32>) outs(%[[INIT]] : tensor<4x?x3xf32>) permutation = [2, 0, 1]
func.func @permute(%x: tensor<?x3x4xf32>) -> tensor<4x?x3xf32> {
  %0 = "tsm.permute"(%x) {perm = array<i64: 2, 0, 1>} : (tensor<?x3x4xf32>) -> tensor<4x?x3xf32>
  return %0 : tensor<4x?x3xf32>
}

// -----

// A chain of tsm.cat becomes one result; the i64 input is converted first;
// the dynamic rows of all inputs must agree.
// CHECK-LABEL: func.func @cat$chain_promote
// CHECK-SAME: (%[[X:.*]]: tensor<?x3xf32>, %[[Y:.*]]: tensor<?x2xi64>)
// CHECK-NOT: tsm.cat
// CHECK: %[[ROWS:.*]] = tensor.dim %[[X]]
// CHECK: cf.assert {{.*}}tsm.cat: sizes of dimension 0 of the inputs must match
// CHECK: %[[INIT:.*]] = tensor.empty(%[[ROWS]]) : tensor<?x8xf32>
// CHECK: %[[S0:.*]] = tensor.insert_slice %[[X]] into %[[INIT]][0, 0] [%[[ROWS]], 3] [1, 1]
// CHECK: %[[YF:.*]] = linalg.generic
// CHECK: arith.sitofp
// CHECK: %[[S1:.*]] = tensor.insert_slice %[[YF]] into %[[S0]][0, 3] [%[[ROWS]], 2] [1, 1]
// CHECK: %[[S2:.*]] = tensor.insert_slice %[[X]] into %[[S1]][0, 5] [%[[ROWS]], 3] [1, 1]
// CHECK: return %[[S2]]
func.func @cat$chain_promote(%x: tensor<?x3xf32>, %y: tensor<?x2xi64>) -> tensor<?x8xf32> {
  %0 = "tsm.cat"(%x, %y) {dim = 1} : (tensor<?x3xf32>, tensor<?x2xi64>) -> tensor<?x5xf32>
  %1 = "tsm.cat"(%0, %x) {dim = 1} : (tensor<?x5xf32>, tensor<?x3xf32>) -> tensor<?x8xf32>
  return %1 : tensor<?x8xf32>
}

// -----

// Along a dynamic dim the offsets are computed at run time.
// CHECK-LABEL: func.func @cat$dynamic_offsets
// CHECK-SAME: (%[[X:.*]]: tensor<?x3xf32>, %[[Y:.*]]: tensor<2x3xf32>)
// CHECK: %[[N:.*]] = tensor.dim %[[X]]
// CHECK: %[[TOTAL:.*]] = arith.addi %[[N]], %{{.*}} : index
// CHECK: %[[INIT:.*]] = tensor.empty(%[[TOTAL]]) : tensor<?x3xf32>
// CHECK: %[[S0:.*]] = tensor.insert_slice %[[X]] into %[[INIT]][0, 0] [%[[N]], 3] [1, 1]
// CHECK: tensor.insert_slice %[[Y]] into %[[S0]][%[[N]], 0] [2, 3] [1, 1]
func.func @cat$dynamic_offsets(%x: tensor<?x3xf32>, %y: tensor<2x3xf32>) -> tensor<?x3xf32> {
  %0 = "tsm.cat"(%x, %y) {dim = 0} : (tensor<?x3xf32>, tensor<2x3xf32>) -> tensor<?x3xf32>
  return %0 : tensor<?x3xf32>
}
