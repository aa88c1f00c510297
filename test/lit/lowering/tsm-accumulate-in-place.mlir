// RUN: tsmlir-opt %s --split-input-file --tsm-accumulate-in-place | filecheck %s

// tanh(x @ W + h @ U + b): both matmuls accumulate, into the broadcast
// bias (the zero fill is left unused, for canonicalize); the pointwise tanh
// then writes over the chain's result.
// CHECK-LABEL: func.func @rnn$step
// CHECK-SAME: (%[[X:.*]]: tensor<3x5xf32>, %[[H:.*]]: tensor<3x7xf32>, %[[W:.*]]: tensor<5x7xf32>, %[[U:.*]]: tensor<7x7xf32>, %[[B:.*]]: tensor<7xf32>)
// CHECK: %[[BIAS:.*]] = linalg.generic {{.*}} ins(%[[B]] : tensor<7xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: linalg.yield %[[IN]]
// CHECK: %[[HU:.*]] = linalg.matmul ins(%[[H]], %[[U]] : {{.*}}) outs(%[[BIAS]] : tensor<3x7xf32>)
// CHECK: %[[XW:.*]] = linalg.matmul ins(%[[X]], %[[W]] : {{.*}}) outs(%[[HU]] : tensor<3x7xf32>)
// CHECK: %[[T:.*]] = linalg.generic {{.*}} outs(%[[XW]] : tensor<3x7xf32>)
// CHECK-NEXT: ^bb0(%[[OUT:.*]]: f32):
// CHECK-NEXT: %[[TANH:.*]] = math.tanh %[[OUT]]
// CHECK-NEXT: linalg.yield %[[TANH]]
// CHECK: return %[[T]]
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d1)>
func.func @rnn$step(%x: tensor<3x5xf32>, %h: tensor<3x7xf32>, %w: tensor<5x7xf32>,
                    %u: tensor<7x7xf32>, %b: tensor<7xf32>) -> tensor<3x7xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x7xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<3x7xf32>) -> tensor<3x7xf32>
  %xw = linalg.matmul ins(%x, %w : tensor<3x5xf32>, tensor<5x7xf32>) outs(%z : tensor<3x7xf32>) -> tensor<3x7xf32>
  %hu = linalg.matmul ins(%h, %u : tensor<3x7xf32>, tensor<7x7xf32>) outs(%z : tensor<3x7xf32>) -> tensor<3x7xf32>
  %r = linalg.generic {indexing_maps = [#id, #id, #row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%xw, %hu, %b : tensor<3x7xf32>, tensor<3x7xf32>, tensor<7xf32>) outs(%e : tensor<3x7xf32>) {
  ^bb0(%a: f32, %c: f32, %d: f32, %o: f32):
    %s = arith.addf %a, %c : f32
    %t = arith.addf %s, %d : f32
    %y = math.tanh %t : f32
    linalg.yield %y : f32
  } -> tensor<3x7xf32>
  return %r : tensor<3x7xf32>
}

// -----

// A full-size addend accumulates as is; the function's arguments become
// read-only for bufferization, which copies y first instead of writing the
// caller's tensor.
// CHECK-LABEL: func.func @addend$argument
// CHECK-SAME: (%[[A:.*]]: tensor<4x8xf32> {bufferization.writable = false}, %[[B:.*]]: tensor<8x6xf32> {bufferization.writable = false}, %[[Y:.*]]: tensor<4x6xf32> {bufferization.writable = false})
// CHECK: %[[MM:.*]] = linalg.matmul ins(%[[A]], %[[B]] : {{.*}}) outs(%[[Y]] : tensor<4x6xf32>)
// CHECK: linalg.generic {{.*}} outs(%[[MM]] : tensor<4x6xf32>)
// CHECK: arith.mulf
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @addend$argument(%a: tensor<4x8xf32>, %b: tensor<8x6xf32>, %y: tensor<4x6xf32>) -> tensor<4x6xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x6xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<4x6xf32>) -> tensor<4x6xf32>
  %ab = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x6xf32>) outs(%z : tensor<4x6xf32>) -> tensor<4x6xf32>
  %r = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%y, %ab : tensor<4x6xf32>, tensor<4x6xf32>) outs(%e : tensor<4x6xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %s = arith.addf %p, %q : f32
    %m = arith.mulf %s, %s : f32
    linalg.yield %m : f32
  } -> tensor<4x6xf32>
  return %r : tensor<4x6xf32>
}

// -----

// Dynamic rows: the broadcast bias takes its size from the zero fill.
// CHECK-LABEL: func.func @rows$dynamic
// CHECK: %[[N:.*]] = tensor.dim %{{.*}}, %{{.*}} : tensor<?x6xf32>
// CHECK: %[[E:.*]] = tensor.empty(%[[N]]) : tensor<?x6xf32>
// CHECK: %[[BIAS:.*]] = linalg.generic {{.*}} outs(%[[E]] : tensor<?x6xf32>)
// CHECK: linalg.matmul {{.*}} outs(%[[BIAS]] : tensor<?x6xf32>)
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d1)>
func.func @rows$dynamic(%a: tensor<?x8xf32>, %b: tensor<8x6xf32>, %bias: tensor<6xf32>) -> tensor<?x6xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %a, %c0 : tensor<?x8xf32>
  %e = tensor.empty(%n) : tensor<?x6xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?x6xf32>) -> tensor<?x6xf32>
  %ab = linalg.matmul ins(%a, %b : tensor<?x8xf32>, tensor<8x6xf32>) outs(%z : tensor<?x6xf32>) -> tensor<?x6xf32>
  %r = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%ab, %bias : tensor<?x6xf32>, tensor<6xf32>) outs(%e : tensor<?x6xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %s = arith.addf %p, %q : f32
    linalg.yield %s : f32
  } -> tensor<?x6xf32>
  return %r : tensor<?x6xf32>
}

// -----

// Not folded: a matmul result read elsewhere, and an integer matmul (the
// fold reassociates float additions only).  The generic over the shared
// result keeps its empty destination (it may not write over %ab).
// CHECK-LABEL: func.func @matmul$shared
// CHECK: %[[E:.*]] = tensor.empty
// CHECK: %[[Z:.*]] = linalg.fill
// CHECK: %[[AB:.*]] = linalg.matmul {{.*}} outs(%[[Z]] : tensor<4x6xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[AB]], %{{.*}} : tensor<4x6xf32>, tensor<4x6xf32>) outs(%[[E]] : tensor<4x6xf32>)
// CHECK: arith.addf
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @matmul$shared(%a: tensor<4x8xf32>, %b: tensor<8x6xf32>, %y: tensor<4x6xf32>) -> (tensor<4x6xf32>, tensor<4x6xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x6xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<4x6xf32>) -> tensor<4x6xf32>
  %ab = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x6xf32>) outs(%z : tensor<4x6xf32>) -> tensor<4x6xf32>
  %r = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%ab, %y : tensor<4x6xf32>, tensor<4x6xf32>) outs(%e : tensor<4x6xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %s = arith.addf %p, %q : f32
    linalg.yield %s : f32
  } -> tensor<4x6xf32>
  return %r, %ab : tensor<4x6xf32>, tensor<4x6xf32>
}

// CHECK-LABEL: func.func @matmul$integer
// CHECK: linalg.fill
// CHECK: arith.addi
func.func @matmul$integer(%a: tensor<4x8xi32>, %b: tensor<8x6xi32>, %y: tensor<4x6xi32>) -> tensor<4x6xi32> {
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<4x6xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<4x6xi32>) -> tensor<4x6xi32>
  %ab = linalg.matmul ins(%a, %b : tensor<4x8xi32>, tensor<8x6xi32>) outs(%z : tensor<4x6xi32>) -> tensor<4x6xi32>
  %r = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%ab, %y : tensor<4x6xi32>, tensor<4x6xi32>) outs(%e : tensor<4x6xi32>) {
  ^bb0(%p: i32, %q: i32, %o: i32):
    %s = arith.addi %p, %q : i32
    linalg.yield %s : i32
  } -> tensor<4x6xi32>
  return %r : tensor<4x6xi32>
}

// -----

// relu(conv(x) + bias + y): a convolution's chain of im2col matmuls (each
// accumulating into the next) starting from the broadcast bias, reshaped
// to NCHW.  The chain now starts from y (collapsed to the product's shape)
// plus the bias, added over it in one pass; the pointwise op reads only
// the product.
// CHECK-LABEL: func.func @residual$conv
// CHECK-SAME: %[[Y:[^:]*]]: tensor<1x8x4x4xf32>
// CHECK: %[[Y2:.*]] = tensor.collapse_shape %[[Y]] {{\[}}[0, 1], [2, 3]] : tensor<1x8x4x4xf32> into tensor<8x16xf32>
// CHECK: %[[INIT:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<8xf32>) outs(%[[Y2]] : tensor<8x16xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.*]]: f32, %[[OUT:.*]]: f32):
// CHECK-NEXT: %[[S:.*]] = arith.addf %[[OUT]], %[[IN]]
// CHECK-NEXT: linalg.yield %[[S]]
// CHECK: %[[M1:.*]] = linalg.matmul {{.*}} outs(%[[INIT]] : tensor<8x16xf32>)
// CHECK: %[[M2:.*]] = linalg.matmul {{.*}} outs(%[[M1]] : tensor<8x16xf32>)
// CHECK: %[[E:.*]] = tensor.expand_shape %[[M2]]
// CHECK: linalg.generic {{.*}} ins(%[[E]] : tensor<1x8x4x4xf32>)
// CHECK-NEXT: ^bb0(%[[X:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[R:.*]] = arith.maximumf %[[X]]
// CHECK-NEXT: linalg.yield %[[R]]
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#rows = affine_map<(d0, d1) -> (d0)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @residual$conv(%w1: tensor<8x9xf32>, %c1: tensor<9x16xf32>, %w2: tensor<8x9xf32>,
                         %c2: tensor<9x16xf32>, %b: tensor<8xf32>, %y: tensor<1x8x4x4xf32>)
    -> tensor<1x8x4x4xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x16xf32>
  %bias = linalg.generic {indexing_maps = [#rows, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%b : tensor<8xf32>) outs(%e : tensor<8x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<8x16xf32>
  %m1 = linalg.matmul ins(%w1, %c1 : tensor<8x9xf32>, tensor<9x16xf32>) outs(%bias : tensor<8x16xf32>) -> tensor<8x16xf32>
  %m2 = linalg.matmul ins(%w2, %c2 : tensor<8x9xf32>, tensor<9x16xf32>) outs(%m1 : tensor<8x16xf32>) -> tensor<8x16xf32>
  %x = tensor.expand_shape %m2 [[0, 1], [2, 3]] output_shape [1, 8, 4, 4] : tensor<8x16xf32> into tensor<1x8x4x4xf32>
  %e4 = tensor.empty() : tensor<1x8x4x4xf32>
  %r = linalg.generic {indexing_maps = [#id4, #id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x, %y : tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>) outs(%e4 : tensor<1x8x4x4xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %s = arith.addf %p, %q : f32
    %m = arith.maximumf %s, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x8x4x4xf32>
  return %r : tensor<1x8x4x4xf32>
}
