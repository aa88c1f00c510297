// RUN: tsmlir-opt %s --split-input-file --tsm-collapse-parallel-dims | filecheck %s
// RUN: tsmlir-opt %s --split-input-file --tsm-collapse-parallel-dims --tsm-cpu-vectorize | filecheck %s --check-prefix=VEC

// x * g with g of shape (N, C, 1, 1): g loses its unit dims (read at 0);
// N and C, which every operand reads side by side, merge, and so do H and
// W, which g does not read: 128 rows of 784.
// CHECK-DAG: #[[X:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[G:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @mul$gate
// CHECK-DAG: %[[XF:.*]] = memref.collapse_shape %arg0 {{\[}}[0, 1], [2, 3]] : memref<8x16x28x28xf32> into memref<128x784xf32>
// CHECK-DAG: %[[GF:.*]] = memref.collapse_shape %arg1 {{\[}}[0, 1, 2, 3]] : memref<8x16x1x1xf32> into memref<128xf32>
// CHECK-DAG: %[[OF:.*]] = memref.collapse_shape %arg2 {{\[}}[0, 1], [2, 3]] : memref<8x16x28x28xf32> into memref<128x784xf32>
// CHECK: linalg.generic {indexing_maps = [#[[X]], #[[G]], #[[X]]], iterator_types = ["parallel", "parallel"]} ins(%[[XF]], %[[GF]] : memref<128x784xf32>, memref<128xf32>) outs(%[[OF]] : memref<128x784xf32>)
// CHECK-NEXT: ^bb0(%[[A:.*]]: f32, %[[B:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: arith.mulf %[[A]], %[[B]]
// The generic is a vector loop: rows of 784 in 49 whole vectors, g's
// element broadcast.
// VEC-LABEL: func.func @mul$gate
// VEC-NOT: linalg.generic
// VEC: scf.for %{{.*}} = %c0 to %c784 step %c16
// VEC: vector.broadcast %{{.*}} : f32 to vector<16xf32>
// VEC: arith.mulf %{{.*}} : vector<16xf32>
#x4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#g4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, 0, 0)>
func.func @mul$gate(%x: memref<8x16x28x28xf32>, %g: memref<8x16x1x1xf32>, %out: memref<8x16x28x28xf32>) {
  linalg.generic {indexing_maps = [#x4, #g4, #x4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x, %g : memref<8x16x28x28xf32>, memref<8x16x1x1xf32>) outs(%out : memref<8x16x28x28xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    linalg.yield %m : f32
  }
  return
}

// -----

// An attention mask (B, 1, 1, S) added to scores (B, H, L, S): the mask
// keeps (d0, d3); H and L merge, and the dynamic batch stays dynamic.
// CHECK-DAG: #[[S:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[M:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func.func @add$mask
// CHECK-DAG: memref.collapse_shape %arg0 {{\[}}[0], [1, 2], [3]] : memref<?x4x8x64xf32> into memref<?x32x64xf32>
// CHECK-DAG: memref.collapse_shape %arg1 {{\[}}[0, 1, 2], [3]] : memref<?x1x1x64xf32> into memref<?x64xf32>
// CHECK: linalg.generic {indexing_maps = [#[[S]], #[[M]], #[[S]]]
#s4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#m4 = affine_map<(d0, d1, d2, d3) -> (d0, 0, 0, d3)>
func.func @add$mask(%s: memref<?x4x8x64xf32>, %m: memref<?x1x1x64xf32>, %out: memref<?x4x8x64xf32>) {
  linalg.generic {indexing_maps = [#s4, #m4, #s4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s, %m : memref<?x4x8x64xf32>, memref<?x1x1x64xf32>) outs(%out : memref<?x4x8x64xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = arith.addf %a, %b : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// A (1, 1, 1) operand: all its dims read at 0, a rank-0 view read by every
// element; the iteration space is one dim of 105.
// CHECK-DAG: #[[ALL:.*]] = affine_map<(d0) -> (d0)>
// CHECK-DAG: #[[NONE:.*]] = affine_map<(d0) -> ()>
// CHECK-LABEL: func.func @mul$scalar_like
// CHECK-DAG: memref.collapse_shape %arg0 {{\[}}[0, 1, 2]] : memref<3x5x7xf32> into memref<105xf32>
// CHECK-DAG: memref.collapse_shape %arg1 [] : memref<1x1x1xf32> into memref<f32>
// CHECK: linalg.generic {indexing_maps = [#[[ALL]], #[[NONE]], #[[ALL]]], iterator_types = ["parallel"]}
#a3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#c3 = affine_map<(d0, d1, d2) -> (0, 0, 0)>
func.func @mul$scalar_like(%x: memref<3x5x7xf32>, %k: memref<1x1x1xf32>, %out: memref<3x5x7xf32>) {
  linalg.generic {indexing_maps = [#a3, #c3, #a3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x, %k : memref<3x5x7xf32>, memref<1x1x1xf32>) outs(%out : memref<3x5x7xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    linalg.yield %m : f32
  }
  return
}

// -----

// Left alone: a transposed input (no run is read in order by all), a
// strided view and a body that reads linalg.index.
// CHECK-LABEL: func.func @add$transposed
// CHECK-NOT: memref.collapse_shape
// CHECK: iterator_types = ["parallel", "parallel", "parallel"]
#i3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#t3 = affine_map<(d0, d1, d2) -> (d0, d2, d1)>
func.func @add$transposed(%x: memref<4x5x5xf32>, %y: memref<4x5x5xf32>, %out: memref<4x5x5xf32>) {
  linalg.generic {indexing_maps = [#i3, #t3, #i3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x, %y : memref<4x5x5xf32>, memref<4x5x5xf32>) outs(%out : memref<4x5x5xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = arith.addf %a, %b : f32
    linalg.yield %r : f32
  }
  return
}

// CHECK-LABEL: func.func @mul$strided
// CHECK-NOT: memref.collapse_shape
// CHECK: iterator_types = ["parallel", "parallel", "parallel"]
#b3 = affine_map<(d0, d1, d2) -> (d0, 0, 0)>
func.func @mul$strided(%x: memref<4x5x6xf32, strided<[60, 12, 1]>>, %g: memref<4x1x1xf32>, %out: memref<4x5x6xf32>) {
  linalg.generic {indexing_maps = [#i3, #b3, #i3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x, %g : memref<4x5x6xf32, strided<[60, 12, 1]>>, memref<4x1x1xf32>) outs(%out : memref<4x5x6xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    linalg.yield %m : f32
  }
  return
}

// CHECK-LABEL: func.func @iota$index
// CHECK-NOT: memref.collapse_shape
// CHECK: iterator_types = ["parallel", "parallel"]
#i2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @iota$index(%out: memref<4x6xi64>) {
  linalg.generic {indexing_maps = [#i2], iterator_types = ["parallel", "parallel"]} outs(%out : memref<4x6xi64>) {
  ^bb0(%o: i64):
    %i = linalg.index 1 : index
    %v = arith.index_cast %i : index to i64
    linalg.yield %v : i64
  }
  return
}

// -----

// A reduction over dim 1 of NCHW: the kept H and W merge (in the input and
// the output), a column reduction over rows of 784.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func.func @sum$channels
// CHECK-DAG: %[[X:.*]] = memref.collapse_shape %arg0 {{\[}}[0], [1], [2, 3]] : memref<8x16x28x28xf32> into memref<8x16x784xf32>
// CHECK-DAG: %[[O:.*]] = memref.collapse_shape %arg1 {{\[}}[0], [1, 2]] : memref<8x28x28xf32> into memref<8x784xf32>
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #[[OUT]]], iterator_types = ["parallel", "reduction", "parallel"]} ins(%[[X]] : memref<8x16x784xf32>) outs(%[[O]] : memref<8x784xf32>)
#n4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#k4 = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
func.func @sum$channels(%x: memref<8x16x28x28xf32>, %out: memref<8x28x28xf32>) {
  linalg.generic {indexing_maps = [#n4, #k4], iterator_types = ["parallel", "reduction", "parallel", "parallel"]}
      ins(%x : memref<8x16x28x28xf32>) outs(%out : memref<8x28x28xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.addf %a, %o : f32
    linalg.yield %r : f32
  }
  return
}
