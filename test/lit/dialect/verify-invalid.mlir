// RUN: tsmlir-opt %s --split-input-file --verify-diagnostics
// RUN: tsmlir-opt %s --split-input-file --no-tsm-verify --tsm-verify --verify-diagnostics
// tsm-verify re-runs each op's type rule: wrong shapes and dtypes are rejected.

func.func @add$not_broadcastable(%a: tensor<3x4xf32>, %b: tensor<5xf32>) -> tensor<3x4xf32> {
  // expected-error @+1 {{'tsm.add' op shapes (3, 4) and (5,) are not broadcastable}}
  %0 = "tsm.add"(%a, %b) : (tensor<3x4xf32>, tensor<5xf32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

func.func @add$wrong_result(%a: tensor<3x4xf32>, %b: tensor<4xf32>) -> tensor<3x5xf32> {
  // expected-error @+1 {{result type mismatch: expected tensor<3x4xf32> but got tensor<3x5xf32>}}
  %0 = "tsm.add"(%a, %b) : (tensor<3x4xf32>, tensor<4xf32>) -> tensor<3x5xf32>
  return %0 : tensor<3x5xf32>
}

// -----

func.func @div$int_gives_float(%a: tensor<4xi64>, %b: tensor<4xi64>) -> tensor<4xi64> {
  // expected-error @+1 {{expected tensor<4xf32> but got tensor<4xi64>}}
  %0 = "tsm.div"(%a, %b) : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
  return %0 : tensor<4xi64>
}

// -----

func.func @gelu$bad_mode(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{approximate must be 'none' or 'tanh'}}
  %0 = "tsm.gelu"(%a) {approximate = "fast"} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @constant$bad_shape() -> tensor<2x3xf32> {
  // expected-error @+1 {{'shape' [2, 3] needs a 1-D value of 6 elements, got tensor<4xf32>}}
  %0 = "tsm.constant"() {value = dense<1.0> : tensor<4xf32>, shape = array<i64: 2, 3>} : () -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @div$bad_rounding_mode(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{rounding_mode must be 'trunc' or 'floor' (or absent), got 'ceil'}}
  %0 = "tsm.div"(%a, %b) {rounding_mode = "ceil"} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @eq$not_bool(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{expected tensor<4xi1> but got tensor<4xf32>}}
  %0 = "tsm.eq"(%a, %b) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @bitwise_and$float(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{expects integer or bool tensors, got torch.float32}}
  %0 = "tsm.bitwise_and"(%a, %b) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @where$int_condition(%c: tensor<4xi64>, %a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{the condition must be a bool tensor, got tensor<4xi64>}}
  %0 = "tsm.where"(%c, %a, %a) : (tensor<4xi64>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @silu$int(%a: tensor<4xi64>) -> tensor<4xi64> {
  // expected-error @+1 {{expects a floating-point tensor, got tensor<4xi64>}}
  %0 = "tsm.silu"(%a) : (tensor<4xi64>) -> tensor<4xi64>
  return %0 : tensor<4xi64>
}

// -----

func.func @remainder$bool(%a: tensor<4xi1>, %b: tensor<4xi1>) -> tensor<4xi1> {
  // expected-error @+1 {{not defined for bool tensors}}
  %0 = "tsm.remainder"(%a, %b) : (tensor<4xi1>, tensor<4xi1>) -> tensor<4xi1>
  return %0 : tensor<4xi1>
}
