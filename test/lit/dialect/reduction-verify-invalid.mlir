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

// -----

func.func @max$indices_not_int64(%x: tensor<3x4xf32>) -> (tensor<3xf32>, tensor<3xi32>) {
  // expected-error @+1 {{result type mismatch: expected tensor<3xf32>, tensor<3xi64> but got tensor<3xf32>, tensor<3xi32>}}
  %0:2 = "tsm.max"(%x) {dim = 1, keepdim = false} : (tensor<3x4xf32>) -> (tensor<3xf32>, tensor<3xi32>)
  return %0#0, %0#1 : tensor<3xf32>, tensor<3xi32>
}

// -----

func.func @min$dim_out_of_range(%x: tensor<3x4xf32>) -> (tensor<3xf32>, tensor<3xi64>) {
  // expected-error @+1 {{'tsm.min' op dimension 2 out of range for rank 2}}
  %0:2 = "tsm.min"(%x) {dim = 2, keepdim = false} : (tensor<3x4xf32>) -> (tensor<3xf32>, tensor<3xi64>)
  return %0#0, %0#1 : tensor<3xf32>, tensor<3xi64>
}

// -----

func.func @argmax$flat_keepdim_keeps_rank(%x: tensor<3x4xf32>) -> tensor<i64> {
  // expected-error @+1 {{result type mismatch: expected tensor<1x1xi64> but got tensor<i64>}}
  %0 = "tsm.argmax"(%x) {keepdim = true} : (tensor<3x4xf32>) -> tensor<i64>
  return %0 : tensor<i64>
}

// -----

func.func @argmin$bool(%x: tensor<4xi1>) -> tensor<i64> {
  // expected-error @+1 {{'tsm.argmin' op argmax/argmin are not defined for bool tensors}}
  %0 = "tsm.argmin"(%x) {dim = 0} : (tensor<4xi1>) -> tensor<i64>
  return %0 : tensor<i64>
}

// -----

func.func @amax$keeps_dtype(%x: tensor<3x4xi32>) -> tensor<3xi64> {
  // expected-error @+1 {{result type mismatch: expected tensor<3xi32> but got tensor<3xi64>}}
  %0 = "tsm.amax"(%x) {dims = array<i64: 1>} : (tensor<3x4xi32>) -> tensor<3xi64>
  return %0 : tensor<3xi64>
}

// -----

func.func @any$is_bool(%x: tensor<3x4xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{result type mismatch: expected tensor<3xi1> but got tensor<3xf32>}}
  %0 = "tsm.any"(%x) {dims = array<i64: 1>} : (tensor<3x4xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @prod$int_is_int64(%x: tensor<3x4xi1>) -> tensor<3xi1> {
  // expected-error @+1 {{result type mismatch: expected tensor<3xi64> but got tensor<3xi1>}}
  %0 = "tsm.prod"(%x) {dims = array<i64: 1>} : (tensor<3x4xi1>) -> tensor<3xi1>
  return %0 : tensor<3xi1>
}

// -----

func.func @var$int(%x: tensor<3x4xi64>) -> tensor<3xi64> {
  // expected-error @+1 {{'tsm.var' op var expects a floating-point tensor, got tensor<3x4xi64>}}
  %0 = "tsm.var"(%x) {dims = array<i64: 1>, correction = 1.0 : f64} : (tensor<3x4xi64>) -> tensor<3xi64>
  return %0 : tensor<3xi64>
}

// -----

func.func @logsumexp$repeated_dim(%x: tensor<3x4xf32>) -> tensor<f32> {
  // expected-error @+1 {{'tsm.logsumexp' op dim 0 appears multiple times in the list of dims}}
  %0 = "tsm.logsumexp"(%x) {dims = array<i64: 0, -2>} : (tensor<3x4xf32>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @cumsum$int_is_int64(%x: tensor<3x4xi32>) -> tensor<3x4xi32> {
  // expected-error @+1 {{result type mismatch: expected tensor<3x4xi64> but got tensor<3x4xi32>}}
  %0 = "tsm.cumsum"(%x) {dim = 1 : i64} : (tensor<3x4xi32>) -> tensor<3x4xi32>
  return %0 : tensor<3x4xi32>
}

// -----

func.func @cumprod$dim_out_of_range(%x: tensor<3x4xf32>) -> tensor<3x4xf32> {
  // expected-error @+1 {{'tsm.cumprod' op dimension -3 out of range for rank 2}}
  %0 = "tsm.cumprod"(%x) {dim = -3 : i64} : (tensor<3x4xf32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

func.func @vector_norm$int(%x: tensor<3xi64>) -> tensor<i64> {
  // expected-error @+1 {{'tsm.vector_norm' op vector_norm expects a floating-point tensor, got tensor<3xi64>}}
  %0 = "tsm.vector_norm"(%x) {ord = 2.0 : f64, dims = array<i64: 0>} : (tensor<3xi64>) -> tensor<i64>
  return %0 : tensor<i64>
}

// -----

func.func @vector_norm$empty_negative_order(%x: tensor<2x0xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'tsm.vector_norm' op the -1.0 norm of an empty tensor is undefined (no identity)}}
  %0 = "tsm.vector_norm"(%x) {ord = -1.0 : f64, dims = array<i64: 1>} : (tensor<2x0xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @logcumsumexp$int(%x: tensor<3xi64>) -> tensor<3xi64> {
  // expected-error @+1 {{'tsm.logcumsumexp' op logcumsumexp expects a floating-point tensor, got tensor<3xi64>}}
  %0 = "tsm.logcumsumexp"(%x) {dim = 0 : i64} : (tensor<3xi64>) -> tensor<3xi64>
  return %0 : tensor<3xi64>
}

// -----

func.func @cummax$indices_are_int64(%x: tensor<3xf32>) -> (tensor<3xf32>, tensor<3xi32>) {
  // expected-error @+1 {{result type mismatch: expected tensor<3xf32>, tensor<3xi64> but got tensor<3xf32>, tensor<3xi32>}}
  %v, %i = "tsm.cummax"(%x) {dim = 0 : i64} : (tensor<3xf32>) -> (tensor<3xf32>, tensor<3xi32>)
  return %v, %i : tensor<3xf32>, tensor<3xi32>
}
