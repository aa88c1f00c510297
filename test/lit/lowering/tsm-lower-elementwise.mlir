// RUN: tsmlir-opt %s --split-input-file --tsm-lower-elementwise | filecheck %s

// Broadcasting is expressed in the indexing maps; no intermediate broadcast tensor.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @add$broadcast
// CHECK-SAME: (%[[LHS:.*]]: tensor<3x4xf32>, %[[RHS:.*]]: tensor<4xf32>)
// CHECK: %[[INIT:.*]] = tensor.empty() : tensor<3x4xf32>
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: ins(%[[LHS]], %[[RHS]] : tensor<3x4xf32>, tensor<4xf32>) outs(%[[INIT]] : tensor<3x4xf32>)
// CHECK: arith.addf
// CHECK-NOT: tsm.add
func.func @add$broadcast(%a: tensor<3x4xf32>, %b: tensor<4xf32>) -> tensor<3x4xf32> {
  %0 = "tsm.add"(%a, %b) : (tensor<3x4xf32>, tensor<4xf32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// A 0-d scalar operand reads through a map with no results.
// CHECK-DAG: #[[SCALAR:.*]] = affine_map<(d0) -> ()>
// CHECK-LABEL: func.func @mul$scalar
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[SCALAR]], #{{.*}}]
// CHECK: arith.muli
func.func @mul$scalar(%a: tensor<8xi64>, %b: tensor<i64>) -> tensor<8xi64> {
  %0 = "tsm.mul"(%a, %b) : (tensor<8xi64>, tensor<i64>) -> tensor<8xi64>
  return %0 : tensor<8xi64>
}

// -----

// Integer true division converts both operands to the float result type first.
// CHECK-LABEL: func.func @div$int
// CHECK: ^bb0(%[[A:.*]]: i64, %[[B:.*]]: i64, %{{.*}}: f32):
// CHECK-DAG: %[[FA:.*]] = arith.sitofp %[[A]] : i64 to f32
// CHECK-DAG: %[[FB:.*]] = arith.sitofp %[[B]] : i64 to f32
// CHECK: arith.divf %[[FA]], %[[FB]] : f32
func.func @div$int(%a: tensor<4xi64>, %b: tensor<4xi64>) -> tensor<4xf32> {
  %0 = "tsm.div"(%a, %b) : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Dynamic dims come from the operands; two dynamic operands get a run-time check.
// CHECK-LABEL: func.func @sub$dynamic
// CHECK: %[[D0:.*]] = tensor.dim %arg0, %{{.*}} : tensor<?x4xf32>
// CHECK: %[[D1:.*]] = tensor.dim %arg1, %{{.*}} : tensor<?x4xf32>
// CHECK: %[[EQ:.*]] = arith.cmpi eq, %[[D0]], %[[D1]] : index
// CHECK: cf.assert %[[EQ]], "{{.*}}tsm.sub: dynamic dimension 0 of the operands must match
// CHECK: tensor.empty(%[[D0]]) : tensor<?x4xf32>
// CHECK: arith.subf
func.func @sub$dynamic(%a: tensor<?x4xf32>, %b: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %0 = "tsm.sub"(%a, %b) : (tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// CHECK-LABEL: func.func @activations
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: arith.divf
// CHECK: math.erf
// CHECK: math.tanh
func.func @activations(%a: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "tsm.relu"(%a) : (tensor<4xf32>) -> tensor<4xf32>
  %1 = "tsm.sigmoid"(%0) : (tensor<4xf32>) -> tensor<4xf32>
  %2 = "tsm.gelu"(%1) {approximate = "none"} : (tensor<4xf32>) -> tensor<4xf32>
  %3 = "tsm.tanh"(%2) : (tensor<4xf32>) -> tensor<4xf32>
  return %3 : tensor<4xf32>
}
