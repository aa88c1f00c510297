// RUN: tsmlir-opt %s --split-input-file --tsm-verify --verify-diagnostics
// The matmul family's type rules: contraction sizes, ranks, dtypes, addend shapes.

func.func @matmul$contraction_mismatch(%a: tensor<3x4xf32>, %b: tensor<5x6xf32>) -> tensor<3x6xf32> {
  // expected-error @+1 {{'tsm.matmul' op shapes (3, 4) and (5, 6) cannot be multiplied (4 != 5)}}
  %0 = "tsm.matmul"(%a, %b) : (tensor<3x4xf32>, tensor<5x6xf32>) -> tensor<3x6xf32>
  return %0 : tensor<3x6xf32>
}

// -----

func.func @matmul$scalar(%a: tensor<f32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{both operands need at least 1 dimension}}
  %0 = "tsm.matmul"(%a, %b) : (tensor<f32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @matmul$batch_not_broadcastable(%a: tensor<2x3x4xf32>, %b: tensor<5x4x6xf32>) -> tensor<2x3x6xf32> {
  // expected-error @+1 {{shapes (2,) and (5,) are not broadcastable}}
  %0 = "tsm.matmul"(%a, %b) : (tensor<2x3x4xf32>, tensor<5x4x6xf32>) -> tensor<2x3x6xf32>
  return %0 : tensor<2x3x6xf32>
}

// -----

func.func @matmul$mixed_dtypes(%a: tensor<3x4xf32>, %b: tensor<4x5xf64>) -> tensor<3x5xf64> {
  // expected-error @+1 {{expected operands of one dtype, got tensor<3x4xf32>, tensor<4x5xf64>}}
  %0 = "tsm.matmul"(%a, %b) : (tensor<3x4xf32>, tensor<4x5xf64>) -> tensor<3x5xf64>
  return %0 : tensor<3x5xf64>
}

// -----

func.func @matmul$bool(%a: tensor<3x4xi1>, %b: tensor<4x5xi1>) -> tensor<3x5xi1> {
  // expected-error @+1 {{bool tensors are not supported}}
  %0 = "tsm.matmul"(%a, %b) : (tensor<3x4xi1>, tensor<4x5xi1>) -> tensor<3x5xi1>
  return %0 : tensor<3x5xi1>
}

// -----

func.func @matmul$wrong_result(%a: tensor<4xf32>, %b: tensor<4x5xf32>) -> tensor<1x5xf32> {
  // expected-error @+1 {{result type mismatch: expected tensor<5xf32> but got tensor<1x5xf32>}}
  %0 = "tsm.matmul"(%a, %b) : (tensor<4xf32>, tensor<4x5xf32>) -> tensor<1x5xf32>
  return %0 : tensor<1x5xf32>
}

// -----

func.func @linear$weight_rank(%x: tensor<3x4xf32>, %w: tensor<4xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{'tsm.linear' op weight must be 2-D (out_features, in_features), got tensor<4xf32>}}
  %0 = "tsm.linear"(%x, %w) : (tensor<3x4xf32>, tensor<4xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @linear$in_features(%x: tensor<3x4xf32>, %w: tensor<5x6xf32>) -> tensor<3x5xf32> {
  // expected-error @+1 {{shapes (3, 4) and (5, 6) cannot be multiplied (4 != 6)}}
  %0 = "tsm.linear"(%x, %w) : (tensor<3x4xf32>, tensor<5x6xf32>) -> tensor<3x5xf32>
  return %0 : tensor<3x5xf32>
}

// -----

func.func @linear$bias_shape(%x: tensor<3x4xf32>, %w: tensor<5x4xf32>, %bias: tensor<4xf32>) -> tensor<3x5xf32> {
  // expected-error @+1 {{bias of shape (4,) does not broadcast to the result shape (3, 5)}}
  %0 = "tsm.linear"(%x, %w, %bias) : (tensor<3x4xf32>, tensor<5x4xf32>, tensor<4xf32>) -> tensor<3x5xf32>
  return %0 : tensor<3x5xf32>
}

// -----

func.func @linear$bias_grows_result(%x: tensor<4xf32>, %w: tensor<5x4xf32>, %bias: tensor<2x5xf32>) -> tensor<5xf32> {
  // expected-error @+1 {{bias of shape (2, 5) does not broadcast to the result shape (5,)}}
  %0 = "tsm.linear"(%x, %w, %bias) : (tensor<4xf32>, tensor<5x4xf32>, tensor<2x5xf32>) -> tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

func.func @addmm$batched(%s: tensor<3x5xf32>, %a: tensor<2x3x4xf32>, %b: tensor<4x5xf32>) -> tensor<2x3x5xf32> {
  // expected-error @+1 {{'tsm.addmm' op mat1 and mat2 must be 2-D}}
  %0 = "tsm.addmm"(%s, %a, %b) : (tensor<3x5xf32>, tensor<2x3x4xf32>, tensor<4x5xf32>) -> tensor<2x3x5xf32>
  return %0 : tensor<2x3x5xf32>
}

// -----

func.func @addmm$fractional_alpha_int(%s: tensor<3x5xi64>, %a: tensor<3x4xi64>, %b: tensor<4x5xi64>) -> tensor<3x5xi64> {
  // expected-error @+1 {{beta and alpha must be integers for torch.int64 tensors, got beta=1.0, alpha=0.5}}
  %0 = "tsm.addmm"(%s, %a, %b) {alpha = 0.5 : f64} : (tensor<3x5xi64>, tensor<3x4xi64>, tensor<4x5xi64>) -> tensor<3x5xi64>
  return %0 : tensor<3x5xi64>
}

// -----

func.func @addmm$self_shape(%s: tensor<4x5xf32>, %a: tensor<3x4xf32>, %b: tensor<4x5xf32>) -> tensor<3x5xf32> {
  // expected-error @+1 {{self of shape (4, 5) does not broadcast to the result shape (3, 5)}}
  %0 = "tsm.addmm"(%s, %a, %b) : (tensor<4x5xf32>, tensor<3x4xf32>, tensor<4x5xf32>) -> tensor<3x5xf32>
  return %0 : tensor<3x5xf32>
}

// -----

func.func @addmm$mixed_ranks(%s: tensor<3xf32>, %a: tensor<2x3x4xf32>, %b: tensor<4x3xf32>) -> tensor<2x3x3xf32> {
  // expected-error @+1 {{mat1 and mat2 must be 2-D and 2-D, 3-D and 3-D or 2-D and 1-D}}
  %0 = "tsm.addmm"(%s, %a, %b) : (tensor<3xf32>, tensor<2x3x4xf32>, tensor<4x3xf32>) -> tensor<2x3x3xf32>
  return %0 : tensor<2x3x3xf32>
}

// -----

func.func @addmm$batch_mismatch(%s: tensor<3xf32>, %a: tensor<2x3x4xf32>, %b: tensor<5x4x3xf32>) -> tensor<2x3x3xf32> {
  // expected-error @+1 {{batch sizes of mat1 and mat2 differ}}
  %0 = "tsm.addmm"(%s, %a, %b) : (tensor<3xf32>, tensor<2x3x4xf32>, tensor<5x4x3xf32>) -> tensor<2x3x3xf32>
  return %0 : tensor<2x3x3xf32>
}

// -----

func.func @einsum$implicit_output(%a: tensor<3x4xf32>, %b: tensor<4x5xf32>) -> tensor<3x5xf32> {
  // expected-error @+1 {{is not of the form 'ab,bc->ac'}}
  %0 = "tsm.einsum"(%a, %b) {equation = "ij,jk"} : (tensor<3x4xf32>, tensor<4x5xf32>) -> tensor<3x5xf32>
  return %0 : tensor<3x5xf32>
}

// -----

func.func @einsum$size_mismatch(%a: tensor<3x4xf32>, %b: tensor<5x6xf32>) -> tensor<3x6xf32> {
  // expected-error @+1 {{subscript 'j' has sizes [4, 5] that do not broadcast}}
  %0 = "tsm.einsum"(%a, %b) {equation = "ij,jk->ik"} : (tensor<3x4xf32>, tensor<5x6xf32>) -> tensor<3x6xf32>
  return %0 : tensor<3x6xf32>
}

// -----

func.func @einsum$rank(%a: tensor<3x4xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{subscript 'ijk' has 3 letters for operand tensor<3x4xf32> of rank 2}}
  %0 = "tsm.einsum"(%a) {equation = "ijk->i"} : (tensor<3x4xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @einsum$operand_count(%a: tensor<3x4xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{equation 'ij,jk->i' names 2 operands, got 1}}
  %0 = "tsm.einsum"(%a) {equation = "ij,jk->i"} : (tensor<3x4xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @einsum$repeated_output(%a: tensor<3x3xf32>) -> tensor<3x3xf32> {
  // expected-error @+1 {{output subscript 'ii' repeats a letter}}
  %0 = "tsm.einsum"(%a) {equation = "ij->ii"} : (tensor<3x3xf32>) -> tensor<3x3xf32>
  return %0 : tensor<3x3xf32>
}

// -----

func.func @einsum$bool(%a: tensor<3x3xi1>) -> tensor<3xi1> {
  // expected-error @+1 {{bool tensors are not supported}}
  %0 = "tsm.einsum"(%a) {equation = "ij->i"} : (tensor<3x3xi1>) -> tensor<3xi1>
  return %0 : tensor<3xi1>
}
