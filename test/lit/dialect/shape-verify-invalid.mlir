// RUN: tsmlir-opt %s --split-input-file --tsm-verify --verify-diagnostics
// tsm-verify re-runs the shape ops' type rules.

func.func @reshape$element_count(%x: tensor<2x3xf32>) -> tensor<4x2xf32> {
  // expected-error @+1 {{cannot reshape tensor<2x3xf32> (6 elements) to shape [4, 2] (8 elements)}}
  %0 = "tsm.reshape"(%x) {shape = array<i64: 4, 2>, from_dims = array<i64: -1, -1>} : (tensor<2x3xf32>) -> tensor<4x2xf32>
  return %0 : tensor<4x2xf32>
}

// -----

func.func @reshape$two_inferred(%x: tensor<?x4xf32>) -> tensor<?x?xf32> {
  // expected-error @+1 {{at most one result dim may be inferred from the element count}}
  %0 = "tsm.reshape"(%x) {shape = array<i64: -1, -1>, from_dims = array<i64: -1, -1>} : (tensor<?x4xf32>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

func.func @reshape$source_not_dynamic(%x: tensor<?x4xf32>) -> tensor<?x?xf32> {
  // expected-error @+1 {{result dim 1 takes its size from dim 1, which is not a dynamic dim of tensor<?x4xf32>}}
  %0 = "tsm.reshape"(%x) {shape = array<i64: -1, -1>, from_dims = array<i64: 0, 1>} : (tensor<?x4xf32>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

func.func @reshape$static_input_dynamic_result(%x: tensor<2x6xf32>) -> tensor<?x3xf32> {
  // expected-error @+1 {{the reshape of a static tensor tensor<2x6xf32> must have a static shape}}
  %0 = "tsm.reshape"(%x) {shape = array<i64: -1, 3>, from_dims = array<i64: -1, -1>} : (tensor<2x6xf32>) -> tensor<?x3xf32>
  return %0 : tensor<?x3xf32>
}

// -----

func.func @reshape$wrong_result(%x: tensor<?x20xf32>) -> tensor<?x4x4xf32> {
  // expected-error @+1 {{result type mismatch: expected tensor<?x4x5xf32> but got tensor<?x4x4xf32>}}
  %0 = "tsm.reshape"(%x) {shape = array<i64: -1, 4, 5>, from_dims = array<i64: 0, -1, -1>} : (tensor<?x20xf32>) -> tensor<?x4x4xf32>
  return %0 : tensor<?x4x4xf32>
}

// -----

func.func @permute$not_a_permutation(%x: tensor<2x3x4xf32>) -> tensor<2x2x4xf32> {
  // expected-error @+1 {{perm [0, 0, 2] is not a permutation of the 3 dims of tensor<2x3x4xf32>}}
  %0 = "tsm.permute"(%x) {perm = array<i64: 0, 0, 2>} : (tensor<2x3x4xf32>) -> tensor<2x2x4xf32>
  return %0 : tensor<2x2x4xf32>
}

// -----

func.func @squeeze$keeps_ones(%x: tensor<3x1xf32>) -> tensor<3x1xf32> {
  // expected-error @+1 {{expected tensor<3xf32> but got tensor<3x1xf32>}}
  %0 = "tsm.squeeze"(%x) : (tensor<3x1xf32>) -> tensor<3x1xf32>
  return %0 : tensor<3x1xf32>
}

// -----

func.func @cat$sizes_differ(%x: tensor<2x3xf32>, %y: tensor<2x4xf32>) -> tensor<4x3xf32> {
  // expected-error @+1 {{sizes of dim 1 differ: tensor<2x3xf32>, tensor<2x4xf32>}}
  %0 = "tsm.cat"(%x, %y) {dim = 0} : (tensor<2x3xf32>, tensor<2x4xf32>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

func.func @cat$promotes(%x: tensor<2xi64>, %y: tensor<3xf32>) -> tensor<5xi64> {
  // expected-error @+1 {{expected tensor<5xf32> but got tensor<5xi64>}}
  %0 = "tsm.cat"(%x, %y) {dim = 0} : (tensor<2xi64>, tensor<3xf32>) -> tensor<5xi64>
  return %0 : tensor<5xi64>
}

// -----

func.func @cat$rank0(%x: tensor<f32>, %y: tensor<f32>) -> tensor<2xf32> {
  // expected-error @+1 {{zero-dimensional tensors cannot be concatenated}}
  %0 = "tsm.cat"(%x, %y) {dim = 0} : (tensor<f32>, tensor<f32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}
