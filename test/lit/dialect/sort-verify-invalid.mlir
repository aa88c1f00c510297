// RUN: tsmlir-opt %s --split-input-file --tsm-verify --verify-diagnostics
// tsm-verify re-runs the sort type rules: dim, k and result shapes/dtypes.

func.func @sort$dim_out_of_range(%x: tensor<3x4xf32>) -> (tensor<3x4xf32>, tensor<3x4xi64>) {
  // expected-error @+1 {{'tsm.sort' op dimension 2 out of range for rank 2}}
  %v, %i = "tsm.sort"(%x) {dim = 2 : i64, descending = false} : (tensor<3x4xf32>) -> (tensor<3x4xf32>, tensor<3x4xi64>)
  return %v, %i : tensor<3x4xf32>, tensor<3x4xi64>
}

// -----

func.func @sort$indices_are_int64(%x: tensor<3x4xf32>) -> (tensor<3x4xf32>, tensor<3x4xi32>) {
  // expected-error @+1 {{result type mismatch: expected tensor<3x4xf32>, tensor<3x4xi64> but got tensor<3x4xf32>, tensor<3x4xi32>}}
  %v, %i = "tsm.sort"(%x) {dim = 0 : i64} : (tensor<3x4xf32>) -> (tensor<3x4xf32>, tensor<3x4xi32>)
  return %v, %i : tensor<3x4xf32>, tensor<3x4xi32>
}

// -----

func.func @topk$k_too_large(%x: tensor<3x4xf32>) -> (tensor<3x5xf32>, tensor<3x5xi64>) {
  // expected-error @+1 {{'tsm.topk' op selected index k=5 out of range for a dim of size 4}}
  %v, %i = "tsm.topk"(%x) {k = 5 : i64, dim = 1 : i64} : (tensor<3x4xf32>) -> (tensor<3x5xf32>, tensor<3x5xi64>)
  return %v, %i : tensor<3x5xf32>, tensor<3x5xi64>
}

// -----

func.func @topk$k_shapes_the_dim(%x: tensor<3x4xf32>) -> (tensor<3x4xf32>, tensor<3x4xi64>) {
  // expected-error @+1 {{result type mismatch: expected tensor<3x2xf32>, tensor<3x2xi64>}}
  %v, %i = "tsm.topk"(%x) {k = 2 : i64, dim = -1 : i64} : (tensor<3x4xf32>) -> (tensor<3x4xf32>, tensor<3x4xi64>)
  return %v, %i : tensor<3x4xf32>, tensor<3x4xi64>
}

// -----

func.func @kthvalue$k_is_one_based(%x: tensor<4xf32>) -> (tensor<f32>, tensor<i64>) {
  // expected-error @+1 {{'tsm.kthvalue' op k=0 out of range for a dim of size 4 (1 <= k <= size)}}
  %v, %i = "tsm.kthvalue"(%x) {k = 0 : i64, dim = 0 : i64} : (tensor<4xf32>) -> (tensor<f32>, tensor<i64>)
  return %v, %i : tensor<f32>, tensor<i64>
}

// -----

func.func @median$empty_dim(%x: tensor<0x4xf32>) -> (tensor<4xf32>, tensor<4xi64>) {
  // expected-error @+1 {{'tsm.median' op expected reduction dim 0 to have non-zero size}}
  %v, %i = "tsm.median"(%x) {dim = 0 : i64} : (tensor<0x4xf32>) -> (tensor<4xf32>, tensor<4xi64>)
  return %v, %i : tensor<4xf32>, tensor<4xi64>
}

// -----

func.func @searchsorted$dtypes_differ(%s: tensor<4xf32>, %v: tensor<3xf64>) -> tensor<3xi64> {
  // expected-error @+1 {{'tsm.searchsorted' op the sorted sequence and the values must have one dtype, got tensor<4xf32> and tensor<3xf64>}}
  %0 = "tsm.searchsorted"(%s, %v) : (tensor<4xf32>, tensor<3xf64>) -> tensor<3xi64>
  return %0 : tensor<3xi64>
}

// -----

func.func @searchsorted$rows_differ(%s: tensor<2x4xf32>, %v: tensor<3x5xf32>) -> tensor<3x5xi64> {
  // expected-error @+1 {{'tsm.searchsorted' op the leading dims of the sorted sequence tensor<2x4xf32> and the values tensor<3x5xf32> differ}}
  %0 = "tsm.searchsorted"(%s, %v) : (tensor<2x4xf32>, tensor<3x5xf32>) -> tensor<3x5xi64>
  return %0 : tensor<3x5xi64>
}

// -----

func.func @searchsorted$out_int32(%s: tensor<4xf32>, %v: tensor<3xf32>) -> tensor<3xi64> {
  // expected-error @+1 {{result type mismatch: expected tensor<3xi32> but got tensor<3xi64>}}
  %0 = "tsm.searchsorted"(%s, %v) {out_int32 = true} : (tensor<4xf32>, tensor<3xf32>) -> tensor<3xi64>
  return %0 : tensor<3xi64>
}
