// RUN: tsmlir-opt %s --split-input-file --tsm-verify --verify-diagnostics
// tsm-verify re-runs the data-movement ops' type rules.

func.func @slice$step(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{slice step must be positive, got -1}}
  %0 = "tsm.slice"(%x) {dim = 0 : i64, start = 0 : i64, end = 4 : i64, step = -1 : i64} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @slice$size(%x: tensor<5x7xf32>) -> tensor<5x4xf32> {
  // expected-error @+1 {{result type mismatch: expected tensor<5x3xf32> but got tensor<5x4xf32>}}
  %0 = "tsm.slice"(%x) {dim = 1 : i64, start = 1 : i64, end = -1 : i64, step = 2 : i64} : (tensor<5x7xf32>) -> tensor<5x4xf32>
  return %0 : tensor<5x4xf32>
}

// -----

func.func @expand$non_singleton(%x: tensor<3x2xf32>) -> tensor<3x4xf32> {
  // expected-error @+1 {{cannot expand dim 1 of tensor<3x2xf32> (size 2) to 4}}
  %0 = "tsm.expand"(%x) {shape = array<i64: 3, 4>, from_dims = array<i64: -1, -1>} : (tensor<3x2xf32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

func.func @expand$static_source(%x: tensor<3x1xf32>) -> tensor<?x3xf32> {
  // expected-error @+1 {{result dim 0 takes its size from dim 0, which is not a dynamic dim of tensor<3x1xf32>}}
  %0 = "tsm.expand"(%x) {shape = array<i64: -1, 3>, from_dims = array<i64: 0, -1>} : (tensor<3x1xf32>) -> tensor<?x3xf32>
  return %0 : tensor<?x3xf32>
}

// -----

func.func @expand$fewer_dims(%x: tensor<3x1xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{cannot expand tensor<3x1xf32> to 1 dims}}
  %0 = "tsm.expand"(%x) {shape = array<i64: 3>, from_dims = array<i64: -1>} : (tensor<3x1xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @flip$repeated(%x: tensor<3x4xf32>) -> tensor<3x4xf32> {
  // expected-error @+1 {{dims [1, 1] appear more than once}}
  %0 = "tsm.flip"(%x) {dims = array<i64: 1, 1>} : (tensor<3x4xf32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

func.func @roll$shifts(%x: tensor<3x4xf32>) -> tensor<3x4xf32> {
  // expected-error @+1 {{2 shifts for 1 dims}}
  %0 = "tsm.roll"(%x) {shifts = array<i64: 1, 2>, dims = array<i64: 0>} : (tensor<3x4xf32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

func.func @triu$vector(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{expects a tensor with at least 2 dims, got tensor<4xf32>}}
  %0 = "tsm.triu"(%x) {diagonal = 0 : i64} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @index$float(%x: tensor<4x3xf32>, %i: tensor<2x1xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{indices must be int64 or int32, got tensor<2x1xf32>}}
  %0 = "tsm.index"(%x, %i) {dim = 0 : i64} : (tensor<4x3xf32>, tensor<2x1xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @index$too_many(%x: tensor<4x3xf32>, %i: tensor<2x2xi64>) -> tensor<2xf32> {
  // expected-error @+1 {{2 coordinates from dim 1 do not fit tensor<4x3xf32>}}
  %0 = "tsm.index"(%x, %i) {dim = 1 : i64} : (tensor<4x3xf32>, tensor<2x2xi64>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @index$dynamic_coordinates(%x: tensor<4x3xf32>, %i: tensor<2x?xi64>) -> tensor<2xf32> {
  // expected-error @+1 {{must have a static, non-zero last dim}}
  %0 = "tsm.index"(%x, %i) {dim = 0 : i64} : (tensor<4x3xf32>, tensor<2x?xi64>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @index_put$values(%x: tensor<4x3xf32>, %i: tensor<2x1xi64>, %v: tensor<2x2xf32>) -> tensor<4x3xf32> {
  // expected-error @+1 {{values tensor<2x2xf32> do not broadcast to the indexed elements tensor<2x3xf32>}}
  %0 = "tsm.index_put"(%x, %i, %v) {dim = 0 : i64, accumulate = false} : (tensor<4x3xf32>, tensor<2x1xi64>, tensor<2x2xf32>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

func.func @index_put$dtype(%x: tensor<4x3xf32>, %i: tensor<2x1xi64>, %v: tensor<3xf64>) -> tensor<4x3xf32> {
  // expected-error @+1 {{values tensor<3xf64> must have the dtype of tensor<4x3xf32>}}
  %0 = "tsm.index_put"(%x, %i, %v) {dim = 0 : i64, accumulate = false} : (tensor<4x3xf32>, tensor<2x1xi64>, tensor<3xf64>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

func.func @gather$rank(%x: tensor<4x3xf32>, %i: tensor<2xi64>) -> tensor<2xf32> {
  // expected-error @+1 {{index tensor<2xi64> must have the rank of tensor<4x3xf32>}}
  %0 = "tsm.gather"(%x, %i) {dim = 0 : i64} : (tensor<4x3xf32>, tensor<2xi64>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @gather$larger_index(%x: tensor<4x3xf32>, %i: tensor<2x5xi64>) -> tensor<2x5xf32> {
  // expected-error @+1 {{size 5 of index tensor<2x5xi64> exceeds size 3 of tensor<4x3xf32> at dim 1}}
  %0 = "tsm.gather"(%x, %i) {dim = 0 : i64} : (tensor<4x3xf32>, tensor<2x5xi64>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

func.func @scatter$reduce(%x: tensor<4x3xf32>, %i: tensor<2x3xi64>, %s: tensor<2x3xf32>) -> tensor<4x3xf32> {
  // expected-error @+1 {{reduce must be one of none, add, multiply, amax, amin, got 'max'}}
  %0 = "tsm.scatter"(%x, %i, %s) {dim = 0 : i64, reduce = "max"} : (tensor<4x3xf32>, tensor<2x3xi64>, tensor<2x3xf32>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

func.func @scatter$small_src(%x: tensor<4x3xf32>, %i: tensor<2x3xi64>, %s: tensor<1x3xf32>) -> tensor<4x3xf32> {
  // expected-error @+1 {{index tensor<2x3xi64> is larger than src tensor<1x3xf32>}}
  %0 = "tsm.scatter"(%x, %i, %s) {dim = 0 : i64} : (tensor<4x3xf32>, tensor<2x3xi64>, tensor<1x3xf32>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

func.func @slice_scatter$shape(%x: tensor<5x7xf32>, %v: tensor<5x4xf32>) -> tensor<5x7xf32> {
  // expected-error @+1 {{src tensor<5x4xf32> must have the type of the slice tensor<5x3xf32>}}
  %0 = "tsm.slice_scatter"(%x, %v) {dim = 1 : i64, start = 1 : i64, end = -1 : i64, step = 2 : i64} : (tensor<5x7xf32>, tensor<5x4xf32>) -> tensor<5x7xf32>
  return %0 : tensor<5x7xf32>
}

// -----

func.func @slice_dynamic$bound(%x: tensor<10x4xf32>, %start: tensor<i32>, %end: tensor<i64>) -> tensor<?x4xf32> {
  // expected-error @+1 {{start must be a 0-d i64 tensor, got tensor<i32>}}
  %0 = "tsm.slice_dynamic"(%x, %start, %end) {dim = 0 : i64, step = 1 : i64} : (tensor<10x4xf32>, tensor<i32>, tensor<i64>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}
