// RUN: tsmlir-opt %s --split-input-file --tsm-verify --verify-diagnostics
// Type rules of dtypes: uint8 promotion, shifts, casts.

func.func @add$uint8_int8_promotes_to_int16(%a: tensor<4xui8>, %b: tensor<4xi8>) -> tensor<4xui8> {
  // expected-error @+1 {{expected tensor<4xi16> but got tensor<4xui8>}}
  %0 = "tsm.add"(%a, %b) : (tensor<4xui8>, tensor<4xi8>) -> tensor<4xui8>
  return %0 : tensor<4xui8>
}

// -----

func.func @add$f16_bf16_promotes_to_f32(%a: tensor<4xf16>, %b: tensor<4xbf16>) -> tensor<4xf16> {
  // expected-error @+1 {{expected tensor<4xf32> but got tensor<4xf16>}}
  %0 = "tsm.add"(%a, %b) : (tensor<4xf16>, tensor<4xbf16>) -> tensor<4xf16>
  return %0 : tensor<4xf16>
}

// -----

func.func @div$uint8_true_division_is_float(%a: tensor<4xui8>, %b: tensor<4xui8>) -> tensor<4xui8> {
  // expected-error @+1 {{expected tensor<4xf32> but got tensor<4xui8>}}
  %0 = "tsm.div"(%a, %b) : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  return %0 : tensor<4xui8>
}

// -----

func.func @bitwise_left_shift$bool(%a: tensor<4xi1>, %b: tensor<4xi1>) -> tensor<4xi1> {
  // expected-error @+1 {{shifts are not defined for bool tensors}}
  %0 = "tsm.bitwise_left_shift"(%a, %b) : (tensor<4xi1>, tensor<4xi1>) -> tensor<4xi1>
  return %0 : tensor<4xi1>
}

// -----

func.func @bitwise_right_shift$float(%a: tensor<4xf32>, %b: tensor<4xi64>) -> tensor<4xf32> {
  // expected-error @+1 {{expects integer or bool tensors, got torch.float32}}
  %0 = "tsm.bitwise_right_shift"(%a, %b) : (tensor<4xf32>, tensor<4xi64>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @cast$unknown_dtype(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{cannot cast to 'complex64' (supported: float32, float64, float16, bfloat16, int64, int32, int16, int8, uint8, bool)}}
  %0 = "tsm.cast"(%a) {dtype = "complex64"} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @cast$not_a_dtype(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{cannot cast to 'nonsense'}}
  %0 = "tsm.cast"(%a) {dtype = "nonsense"} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
