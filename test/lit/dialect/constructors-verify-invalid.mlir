// RUN: tsmlir-opt %s --split-input-file --tsm-verify --verify-diagnostics
// tsm-verify re-runs the constructors' type rules.

func.func @full$value_not_0d(%v: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{the fill value must be a 0-d tensor, got tensor<2xf32>}}
  %0 = "tsm.full"(%v) {shape = array<i64: 2>} : (tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @full$missing_sizes(%v: tensor<f32>) -> tensor<?xf32> {
  // expected-error @+1 {{shape [-1] has 1 dynamic dim(s) but no 'sizes' operand}}
  %0 = "tsm.full"(%v) {shape = array<i64: -1>} : (tensor<f32>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

func.func @full$sizes_count(%v: tensor<f32>, %s: tensor<2xi64>) -> tensor<?x3xf32> {
  // expected-error @+1 {{'sizes' must be a tensor<1xi64> (one size per dynamic dim of [-1, 3]), got tensor<2xi64>}}
  %0 = "tsm.full"(%v, %s) {shape = array<i64: -1, 3>} : (tensor<f32>, tensor<2xi64>) -> tensor<?x3xf32>
  return %0 : tensor<?x3xf32>
}

// -----

func.func @full$negative_size(%v: tensor<f32>) -> tensor<2xf32> {
  // expected-error @+1 {{invalid shape [2, -3]: sizes must be >= 0}}
  %0 = "tsm.full"(%v) {shape = array<i64: 2, -3>} : (tensor<f32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @full$result_dtype(%v: tensor<f32>) -> tensor<2xf64> {
  // expected-error @+1 {{result type mismatch: expected tensor<2xf32> but got tensor<2xf64>}}
  %0 = "tsm.full"(%v) {shape = array<i64: 2>} : (tensor<f32>) -> tensor<2xf64>
  return %0 : tensor<2xf64>
}

// -----

func.func @arange$start_type(%a: tensor<f32>, %b: tensor<f64>) -> tensor<3xf32> {
  // expected-error @+1 {{'start' must be a 0-d i64 or f64 tensor, got tensor<f32>}}
  %0 = "tsm.arange"(%a, %b) {size = 3 : i64, dtype = "float32"} : (tensor<f32>, tensor<f64>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @arange$bool(%a: tensor<i64>, %b: tensor<i64>) -> tensor<3xi1> {
  // expected-error @+1 {{arange cannot produce dtype 'bool'}}
  %0 = "tsm.arange"(%a, %b) {size = 3 : i64, dtype = "bool"} : (tensor<i64>, tensor<i64>) -> tensor<3xi1>
  return %0 : tensor<3xi1>
}

// -----

func.func @arange$unknown_dtype(%a: tensor<i64>, %b: tensor<i64>) -> tensor<3xi64> {
  // expected-error @+1 {{unknown dtype 'int65'}}
  %0 = "tsm.arange"(%a, %b) {size = 3 : i64, dtype = "int65"} : (tensor<i64>, tensor<i64>) -> tensor<3xi64>
  return %0 : tensor<3xi64>
}
