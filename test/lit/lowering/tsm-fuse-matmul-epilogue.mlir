// RUN: tsmlir-opt %s --split-input-file --tsm-fuse-matmul-epilogue | filecheck %s

// relu(x @ W + b), the ReLU writing over the matmul's result: the matmul is
// marked, the ReLU generic is gone and its users read the matmul.
// CHECK-LABEL: func.func @in_place
// CHECK: %[[MM:.*]] = linalg.matmul {tsm.epilogue = "relu"}
// CHECK-NOT: linalg.generic
// CHECK: return %[[MM]]
func.func @in_place(%a: tensor<64x30xf32>, %w: tensor<30x20xf32>, %init: tensor<64x20xf32>)
    -> tensor<64x20xf32> {
  %zero = arith.constant 0.0 : f32
  %mm = linalg.matmul ins(%a, %w : tensor<64x30xf32>, tensor<30x20xf32>)
                      outs(%init : tensor<64x20xf32>) -> tensor<64x20xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]} outs(%mm : tensor<64x20xf32>) {
  ^bb0(%out: f32):
    %m = arith.maximumf %out, %zero : f32
    linalg.yield %m : f32
  } -> tensor<64x20xf32>
  return %r : tensor<64x20xf32>
}

// -----

// A convolution's product reshaped to NCHW, the ReLU reading it into a
// fresh tensor (zero first in the max): marked through the reshape; the
// fresh tensor goes with the generic.
// CHECK-LABEL: func.func @through_reshape
// CHECK: %[[MM:.*]] = linalg.matmul {tsm.epilogue = "relu"}
// CHECK: %[[E:.*]] = tensor.expand_shape %[[MM]]
// CHECK-NOT: tensor.empty
// CHECK-NOT: linalg.generic
// CHECK: return %[[E]]
func.func @through_reshape(%w: tensor<8x27xf32>, %cols: tensor<27x36xf32>, %init: tensor<8x36xf32>)
    -> tensor<1x8x6x6xf32> {
  %zero = arith.constant 0.0 : f32
  %mm = linalg.matmul ins(%w, %cols : tensor<8x27xf32>, tensor<27x36xf32>)
                      outs(%init : tensor<8x36xf32>) -> tensor<8x36xf32>
  %e = tensor.expand_shape %mm [[0, 1], [2, 3]] output_shape [1, 8, 6, 6]
      : tensor<8x36xf32> into tensor<1x8x6x6xf32>
  %empty = tensor.empty() : tensor<1x8x6x6xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>,
                                        affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%e : tensor<1x8x6x6xf32>) outs(%empty : tensor<1x8x6x6xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %zero, %in : f32
    linalg.yield %m : f32
  } -> tensor<1x8x6x6xf32>
  return %r : tensor<1x8x6x6xf32>
}

// -----

// Not fused: the product has another user; the max is with -0.0 (not
// ReLU for -0.0 inputs); a matmul of 4 rows (tsm-vectorize-matvec's, which
// applies no epilogue).
// CHECK-LABEL: func.func @not_fused
// CHECK-NOT: tsm.epilogue
// CHECK-COUNT-3: arith.maximumf
// CHECK: return
func.func @not_fused(%a: tensor<64x30xf32>, %w: tensor<30x20xf32>, %init: tensor<64x20xf32>,
                     %a4: tensor<4x30xf32>, %init4: tensor<4x20xf32>)
    -> (tensor<64x20xf32>, tensor<64x20xf32>, tensor<64x20xf32>, tensor<4x20xf32>) {
  %zero = arith.constant 0.0 : f32
  %negzero = arith.constant -0.0 : f32
  %empty = tensor.empty() : tensor<64x20xf32>
  %mm = linalg.matmul ins(%a, %w : tensor<64x30xf32>, tensor<30x20xf32>)
                      outs(%init : tensor<64x20xf32>) -> tensor<64x20xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>,
                                        affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%mm : tensor<64x20xf32>) outs(%empty : tensor<64x20xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<64x20xf32>
  %mm2 = linalg.matmul ins(%a, %w : tensor<64x30xf32>, tensor<30x20xf32>)
                       outs(%init : tensor<64x20xf32>) -> tensor<64x20xf32>
  %r2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>],
                        iterator_types = ["parallel", "parallel"]} outs(%mm2 : tensor<64x20xf32>) {
  ^bb0(%out: f32):
    %m = arith.maximumf %out, %negzero : f32
    linalg.yield %m : f32
  } -> tensor<64x20xf32>
  %mm4 = linalg.matmul ins(%a4, %w : tensor<4x30xf32>, tensor<30x20xf32>)
                       outs(%init4 : tensor<4x20xf32>) -> tensor<4x20xf32>
  %r4 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>],
                        iterator_types = ["parallel", "parallel"]} outs(%mm4 : tensor<4x20xf32>) {
  ^bb0(%out: f32):
    %m = arith.maximumf %out, %zero : f32
    linalg.yield %m : f32
  } -> tensor<4x20xf32>
  return %r, %mm, %r2, %r4 : tensor<64x20xf32>, tensor<64x20xf32>, tensor<64x20xf32>, tensor<4x20xf32>
}
