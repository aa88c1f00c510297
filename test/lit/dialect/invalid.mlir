// RUN: tsmlir-opt %s --split-input-file --verify-diagnostics
// IRDL rejects structurally wrong tsm ops at parse time.

func.func @operand$not_a_tensor(%a: tensor<4xf32>, %b: f32) -> tensor<4xf32> {
  // expected-error @+1 {{expected base type 'builtin.tensor' but got 'builtin.f32'}}
  %0 = "tsm.add"(%a, %b) : (tensor<4xf32>, f32) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @cast$missing_attribute(%a: tensor<4xf32>) -> tensor<4xi64> {
  // expected-error @+1 {{attribute "dtype" is expected but not provided}}
  %0 = "tsm.cast"(%a) : (tensor<4xf32>) -> tensor<4xi64>
  return %0 : tensor<4xi64>
}
