// RUN: tsmlir-opt %s --split-input-file --tsm-loop-carried-in-place | filecheck %s

// The new h is a matmul chain that reads the old h: it is copied into the
// old h's tensor at the end of the step (the chain's buffer no longer
// leaves the iteration), and the function's arguments become read-only for
// bufferization (the loop starts from %h).
// CHECK-LABEL: func.func @carried$read_by_chain
// CHECK-SAME: %{{.*}}: tensor<2x4xf32> {bufferization.writable = false}
// CHECK: scf.for {{.*}} iter_args(%[[OLD:.*]] = %{{.*}})
// CHECK: %[[MM:.*]] = linalg.matmul ins(%[[OLD]], %{{.*}}) outs(%{{.*}} : tensor<2x4xf32>)
// CHECK: %[[NEW:.*]] = linalg.generic {{.*}} outs(%[[MM]] : tensor<2x4xf32>)
// CHECK: %[[COPY:.*]] = linalg.copy {{.*}}ins(%[[NEW]] : tensor<2x4xf32>) outs(%[[OLD]] : tensor<2x4xf32>)
// CHECK: scf.yield %[[COPY]]
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @carried$read_by_chain(%h0: tensor<2x4xf32>, %u: tensor<4x4xf32>, %n: index) -> tensor<2x4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%h = %h0) -> (tensor<2x4xf32>) {
    %e = tensor.empty() : tensor<2x4xf32>
    %z = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
    %mm = linalg.matmul ins(%h, %u : tensor<2x4xf32>, tensor<4x4xf32>) outs(%z : tensor<2x4xf32>) -> tensor<2x4xf32>
    %t = linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel"]} outs(%mm : tensor<2x4xf32>) {
    ^bb0(%o: f32):
      %y = math.tanh %o : f32
      linalg.yield %y : f32
    } -> tensor<2x4xf32>
    scf.yield %t : tensor<2x4xf32>
  }
  return %r : tensor<2x4xf32>
}

// -----

// The old value is read only before the chain that computes the new one
// (an LSTM's h, read by the concatenation of [x, h]): the chain starts from
// the old value's tensor instead of an empty one; no copy.
// CHECK-LABEL: func.func @carried$read_before_chain
// CHECK: scf.for {{.*}} iter_args(%[[OLD:.*]] = %{{.*}})
// CHECK: %[[CAT:.*]] = tensor.insert_slice %[[OLD]]
// CHECK: %[[Z:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[OLD]] : tensor<1x4xf32>)
// CHECK: %[[MM:.*]] = linalg.matmul ins(%[[CAT]], %{{.*}}) outs(%[[Z]] : tensor<1x4xf32>)
// CHECK-NOT: linalg.copy
// CHECK: scf.yield %[[MM]]
func.func @carried$read_before_chain(%h0: tensor<1x4xf32>, %x: tensor<1x4xf32>, %w: tensor<8x4xf32>, %n: index) -> tensor<1x4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%h = %h0) -> (tensor<1x4xf32>) {
    %xh0 = tensor.empty() : tensor<1x8xf32>
    %xh1 = tensor.insert_slice %x into %xh0[0, 0] [1, 4] [1, 1] : tensor<1x4xf32> into tensor<1x8xf32>
    %xh = tensor.insert_slice %h into %xh1[0, 4] [1, 4] [1, 1] : tensor<1x4xf32> into tensor<1x8xf32>
    %e = tensor.empty() : tensor<1x4xf32>
    %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4xf32>) -> tensor<1x4xf32>
    %mm = linalg.matmul ins(%xh, %w : tensor<1x8xf32>, tensor<8x4xf32>) outs(%z : tensor<1x4xf32>) -> tensor<1x4xf32>
    scf.yield %mm : tensor<1x4xf32>
  }
  return %r : tensor<1x4xf32>
}

// -----

// Left alone: a new value that is no destination chain (a slice), and a
// carried value yielded unchanged.
// CHECK-LABEL: func.func @carried$not_a_chain
// CHECK-NOT: bufferization.writable
// CHECK-NOT: linalg.copy
// CHECK: scf.yield %{{.*}}, %{{.*}} : tensor<2x4xf32>, tensor<2x4xf32>
func.func @carried$not_a_chain(%a0: tensor<2x4xf32>, %src: tensor<8x4xf32>, %n: index) -> tensor<2x4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r:2 = scf.for %i = %c0 to %n step %c1 iter_args(%a = %a0, %b = %a0) -> (tensor<2x4xf32>, tensor<2x4xf32>) {
    %s = tensor.extract_slice %src[%i, 0] [2, 4] [1, 1] : tensor<8x4xf32> to tensor<2x4xf32>
    scf.yield %s, %b : tensor<2x4xf32>, tensor<2x4xf32>
  }
  return %r#0 : tensor<2x4xf32>
}
