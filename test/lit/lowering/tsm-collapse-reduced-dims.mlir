// RUN: tsmlir-opt %s --split-input-file --tsm-collapse-reduced-dims | filecheck %s

// x.mean((2, 3)) on NCHW: the two reduced dims read side by side become one
// of 28 * 28; the kept dims and the output are unchanged.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @sum$hw
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0], [1], [2, 3]] : tensor<8x16x28x28xf32> into tensor<8x16x784xf32>
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #[[OUT]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[FLAT]] : tensor<8x16x784xf32>) outs(%{{.*}} : tensor<8x16xf32>)
// CHECK-NEXT: ^bb0(%[[V:.*]]: f32, %[[A:.*]]: f32):
// CHECK-NEXT: arith.addf %[[V]], %[[A]]
#in4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#out2 = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
func.func @sum$hw(%x: tensor<8x16x28x28xf32>, %init: tensor<8x16xf32>) -> tensor<8x16xf32> {
  %0 = linalg.generic {indexing_maps = [#in4, #out2], iterator_types = ["parallel", "parallel", "reduction", "reduction"]}
      ins(%x : tensor<8x16x28x28xf32>) outs(%init : tensor<8x16xf32>) {
  ^bb0(%v: f32, %a: f32):
    %s = arith.addf %v, %a : f32
    linalg.yield %s : f32
  } -> tensor<8x16xf32>
  return %0 : tensor<8x16xf32>
}

// -----

// keepdim's unit dims inside the iteration space (linalg-fuse-elementwise-ops
// folds the expand_shape into the generic) and a per-row input read with
// the kept dims only (a fused centering): the reduced run merges, the unit
// dims and the per-row operand stay.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @var$keepdim_units
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0], [1], [2], [3], [4, 5]] : tensor<2x3x1x1x5x7xf32> into tensor<2x3x1x1x35xf32>
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #[[ROW]], #[[ROW]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%[[FLAT]], %{{.*}} : tensor<2x3x1x1x35xf32>, tensor<2x3x1x1xf32>)
#in6 = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d4, d5)>
#row6 = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3)>
func.func @var$keepdim_units(%x: tensor<2x3x1x1x5x7xf32>, %mean: tensor<2x3x1x1xf32>,
                             %init: tensor<2x3x1x1xf32>) -> tensor<2x3x1x1xf32> {
  %0 = linalg.generic {indexing_maps = [#in6, #row6, #row6], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
      ins(%x, %mean : tensor<2x3x1x1x5x7xf32>, tensor<2x3x1x1xf32>) outs(%init : tensor<2x3x1x1xf32>) {
  ^bb0(%v: f32, %m: f32, %a: f32):
    %d = arith.subf %v, %m : f32
    %sq = arith.mulf %d, %d : f32
    %s = arith.addf %sq, %a : f32
    linalg.yield %s : f32
  } -> tensor<2x3x1x1xf32>
  return %0 : tensor<2x3x1x1xf32>
}

// -----

// Leading reduced dims (a sum over (0, 1)) and dynamic sizes: a column
// reduction over one dim of rows.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @sum$leading_dynamic
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0, 1], [2]] : tensor<?x?x64xf32> into tensor<?x64xf32>
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #[[OUT]]], iterator_types = ["reduction", "parallel"]} ins(%[[FLAT]] : tensor<?x64xf32>)
#in3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#out1 = affine_map<(d0, d1, d2) -> (d2)>
func.func @sum$leading_dynamic(%x: tensor<?x?x64xf32>, %init: tensor<64xf32>) -> tensor<64xf32> {
  %0 = linalg.generic {indexing_maps = [#in3, #out1], iterator_types = ["reduction", "reduction", "parallel"]}
      ins(%x : tensor<?x?x64xf32>) outs(%init : tensor<64xf32>) {
  ^bb0(%v: f32, %a: f32):
    %s = arith.addf %v, %a : f32
    linalg.yield %s : f32
  } -> tensor<64xf32>
  return %0 : tensor<64xf32>
}

// -----

// Two runs at once, a broadcast input that reads one run whole (a weight
// per (h, w)) and a constant index: each operand collapses what it reads.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[HW:.*]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2) -> (0, d1)>
// CHECK-LABEL: func.func @sum$two_runs
// CHECK-DAG: %[[X:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0, 1], [2], [3, 4]] : tensor<2x3x4x5x6xf32> into tensor<6x4x30xf32>
// CHECK-DAG: %[[W:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0, 1]] : tensor<5x6xf32> into tensor<30xf32>
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #[[HW]], #[[OUT]]], iterator_types = ["reduction", "parallel", "reduction"]} ins(%[[X]], %[[W]] : tensor<6x4x30xf32>, tensor<30xf32>) outs(%{{.*}} : tensor<1x4xf32>)
#in5 = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>
#hw5 = affine_map<(d0, d1, d2, d3, d4) -> (d3, d4)>
#out5 = affine_map<(d0, d1, d2, d3, d4) -> (0, d2)>
func.func @sum$two_runs(%x: tensor<2x3x4x5x6xf32>, %w: tensor<5x6xf32>, %init: tensor<1x4xf32>) -> tensor<1x4xf32> {
  %0 = linalg.generic {indexing_maps = [#in5, #hw5, #out5], iterator_types = ["reduction", "reduction", "parallel", "reduction", "reduction"]}
      ins(%x, %w : tensor<2x3x4x5x6xf32>, tensor<5x6xf32>) outs(%init : tensor<1x4xf32>) {
  ^bb0(%v: f32, %k: f32, %a: f32):
    %p = arith.mulf %v, %k : f32
    %s = arith.addf %p, %a : f32
    linalg.yield %s : f32
  } -> tensor<1x4xf32>
  return %0 : tensor<1x4xf32>
}

// -----

// Left alone: an input that reads the run transposed (w, h), a body that
// reads linalg.index, a single reduced dim, and a generic tagged for a
// later pass.
// CHECK-LABEL: func.func @sum$transposed
// CHECK-NOT: tensor.collapse_shape
// CHECK: iterator_types = ["parallel", "reduction", "reduction"]
#t3 = affine_map<(d0, d1, d2) -> (d0, d2, d1)>
#o3 = affine_map<(d0, d1, d2) -> (d0)>
func.func @sum$transposed(%x: tensor<4x5x6xf32>, %init: tensor<4xf32>) -> tensor<4xf32> {
  %0 = linalg.generic {indexing_maps = [#t3, #o3], iterator_types = ["parallel", "reduction", "reduction"]}
      ins(%x : tensor<4x5x6xf32>) outs(%init : tensor<4xf32>) {
  ^bb0(%v: f32, %a: f32):
    %s = arith.addf %v, %a : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// CHECK-LABEL: func.func @argmax$index
// CHECK-NOT: tensor.collapse_shape
// CHECK: iterator_types = ["parallel", "reduction", "reduction"]
#i3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @argmax$index(%x: tensor<4x5x6xf32>, %init: tensor<4xi64>) -> tensor<4xi64> {
  %0 = linalg.generic {indexing_maps = [#i3, #o3], iterator_types = ["parallel", "reduction", "reduction"]}
      ins(%x : tensor<4x5x6xf32>) outs(%init : tensor<4xi64>) {
  ^bb0(%v: f32, %a: i64):
    %i = linalg.index 2 : index
    %j = arith.index_cast %i : index to i64
    %s = arith.addi %j, %a : i64
    linalg.yield %s : i64
  } -> tensor<4xi64>
  return %0 : tensor<4xi64>
}

// CHECK-LABEL: func.func @sum$one_dim
// CHECK-NOT: tensor.collapse_shape
// CHECK: iterator_types = ["parallel", "reduction"]
#i2 = affine_map<(d0, d1) -> (d0, d1)>
#o2 = affine_map<(d0, d1) -> (d0)>
func.func @sum$one_dim(%x: tensor<4x5xf32>, %init: tensor<4xf32>) -> tensor<4xf32> {
  %0 = linalg.generic {indexing_maps = [#i2, #o2], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<4x5xf32>) outs(%init : tensor<4xf32>) {
  ^bb0(%v: f32, %a: f32):
    %s = arith.addf %v, %a : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// CHECK-LABEL: func.func @conv$tagged
// CHECK-NOT: tensor.collapse_shape
// CHECK: iterator_types = ["parallel", "reduction", "reduction"]
// CHECK-SAME: tsm.direct_conv
func.func @conv$tagged(%x: tensor<4x5x6xf32>, %init: tensor<4xf32>) -> tensor<4xf32> {
  %0 = linalg.generic {indexing_maps = [#i3, #o3], iterator_types = ["parallel", "reduction", "reduction"]}
      ins(%x : tensor<4x5x6xf32>) outs(%init : tensor<4xf32>) attrs = {tsm.direct_conv = array<i64: 1, 1, 1>} {
  ^bb0(%v: f32, %a: f32):
    %s = arith.addf %v, %a : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
