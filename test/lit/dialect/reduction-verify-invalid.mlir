// RUN: tsmlir-opt %s --split-input-file --tsm-verify --verify-diagnostics
// tsm-verify re-runs the reduction type rules: dims, result shapes and dtypes.

func.func @sum$dim_out_of_range(%x: tensor<3x4xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{'tsm.sum' op dimension 2 out of range for rank 2}}
  %0 = "tsm.sum"(%x) {dims = array<i64: 2>, keepdim = false} : (tensor<3x4xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @sum$repeated_dim(%x: tensor<3x4xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{'tsm.sum' op dim 1 appears multiple times in the list of dims}}
  %0 = "tsm.sum"(%x) {dims = array<i64: 1, -1>, keepdim = false} : (tensor<3x4xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @sum$int_is_int64(%x: tensor<3x4xi32>) -> tensor<3xi32> {
  // expected-error @+1 {{result type mismatch: expected tensor<3xi64> but got tensor<3xi32>}}
  %0 = "tsm.sum"(%x) {dims = array<i64: 1>, keepdim = false} : (tensor<3x4xi32>) -> tensor<3xi32>
  return %0 : tensor<3xi32>
}

// -----

func.func @sum$keepdim_shape(%x: tensor<3x4xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{result type mismatch: expected tensor<3x1xf32> but got tensor<3xf32>}}
  %0 = "tsm.sum"(%x) {dims = array<i64: 1>, keepdim = true} : (tensor<3x4xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @mean$int(%x: tensor<3x4xi64>) -> tensor<3xi64> {
  // expected-error @+1 {{'tsm.mean' op mean expects a floating-point tensor, got tensor<3x4xi64>}}
  %0 = "tsm.mean"(%x) {dims = array<i64: 1>, keepdim = false} : (tensor<3x4xi64>) -> tensor<3xi64>
  return %0 : tensor<3xi64>
}

// -----

func.func @softmax$dim_out_of_range(%x: tensor<3x4xf32>) -> tensor<3x4xf32> {
  // expected-error @+1 {{'tsm.softmax' op dimension -3 out of range for rank 2}}
  %0 = "tsm.softmax"(%x) {dim = -3} : (tensor<3x4xf32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

func.func @log_softmax$int(%x: tensor<4xi32>) -> tensor<4xi32> {
  // expected-error @+1 {{'tsm.log_softmax' op log_softmax expects a floating-point tensor}}
  %0 = "tsm.log_softmax"(%x) {dim = 0} : (tensor<4xi32>) -> tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

func.func @softmax$shape_changed(%x: tensor<3x4xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{result type mismatch: expected tensor<3x4xf32> but got tensor<3xf32>}}
  %0 = "tsm.softmax"(%x) {dim = 1} : (tensor<3x4xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}
