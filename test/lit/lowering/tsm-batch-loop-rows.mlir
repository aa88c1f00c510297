// RUN: tsmlir-opt %s --split-input-file --tsm-batch-loop-rows | filecheck %s

// An RNN over 6 steps of 3 rows: x[t] @ W moves before the loop as one
// 18x5 @ 5x7 matmul (the step reads its row block t); y[t] = tanh(h_t @ Wy
// + by), stored as row block t of the stacked output, moves after the loop
// as one chain over 18 rows, the loop stacking h_t instead.
// CHECK-LABEL: func.func @rnn$rows
// CHECK-SAME: (%[[X:.*]]: tensor<6x3x5xf32>, %[[H0:.*]]: tensor<3x7xf32>, %[[W:.*]]: tensor<5x7xf32>, %[[U:.*]]: tensor<7x7xf32>, %[[WY:.*]]: tensor<7x7xf32>, %[[BY:.*]]: tensor<7xf32>)
// CHECK: %[[E:.*]] = tensor.empty() : tensor<18x7xf32>
// CHECK: %[[Z:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E]] : tensor<18x7xf32>)
// CHECK: %[[XS:.*]] = tensor.collapse_shape %[[X]] {{\[\[}}0, 1], [2]] : tensor<6x3x5xf32> into tensor<18x5xf32>
// CHECK: %[[XW:.*]] = linalg.matmul ins(%[[XS]], %[[W]] : tensor<18x5xf32>, tensor<5x7xf32>) outs(%[[Z]] : tensor<18x7xf32>)
// CHECK: %[[XW3:.*]] = tensor.expand_shape %[[XW]] {{\[\[}}0, 1], [2]] output_shape [6, 3, 7]
// CHECK: %[[HS0:.*]] = tensor.empty() : tensor<6x3x7xf32>
// CHECK: %[[LOOP:.*]]:3 = scf.for %[[T:.*]] = {{.*}} iter_args(%[[H:.*]] = %[[H0]], %{{.*}} = %{{.*}}, %[[HS:.*]] = %[[HS0]])
// CHECK: %[[ROW:.*]] = tensor.extract_slice %[[XW3]][%[[T]], 0, 0] [1, 3, 7] [1, 1, 1]
// CHECK: %[[XT:.*]] = tensor.collapse_shape %[[ROW]]
// CHECK: %[[HU:.*]] = linalg.matmul ins(%[[H]], %[[U]]
// CHECK: %[[HN:.*]] = linalg.generic {{.*}} ins(%[[XT]], %[[HU]] :
// CHECK-NOT: %[[WY]]
// CHECK: %[[HSN:.*]] = tensor.insert_slice %[[HN]] into %[[HS]][%[[T]], 0, 0] [1, 3, 7] [1, 1, 1]
// CHECK: scf.yield %[[HN]], %{{.*}}, %[[HSN]]
// CHECK: %[[HALL:.*]] = tensor.collapse_shape %[[LOOP]]#2 {{\[\[}}0, 1], [2]] : tensor<6x3x7xf32> into tensor<18x7xf32>
// CHECK: %[[E2:.*]] = tensor.empty() : tensor<18x7xf32>
// CHECK: %[[Z2:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E2]] : tensor<18x7xf32>)
// CHECK: %[[HW:.*]] = linalg.matmul ins(%[[HALL]], %[[WY]] : tensor<18x7xf32>, tensor<7x7xf32>) outs(%[[Z2]] : tensor<18x7xf32>)
// CHECK: %[[YS:.*]] = linalg.generic {{.*}} ins(%[[HW]], %[[BY]] : tensor<18x7xf32>, tensor<7xf32>)
// CHECK: math.tanh
// CHECK: %[[Y:.*]] = tensor.expand_shape %[[YS]] {{\[\[}}0, 1], [2]] output_shape [6, 3, 7]
// CHECK: return %[[Y]], %[[LOOP]]#0
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d1)>
func.func @rnn$rows(%x: tensor<6x3x5xf32>, %h0: tensor<3x7xf32>, %w: tensor<5x7xf32>, %u: tensor<7x7xf32>,
                    %wy: tensor<7x7xf32>, %by: tensor<7xf32>) -> (tensor<6x3x7xf32>, tensor<3x7xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c6 = arith.constant 6 : index
  %zero = arith.constant 0.0 : f32
  %ys0 = tensor.empty() : tensor<6x3x7xf32>
  %r:2 = scf.for %t = %c0 to %c6 step %c1 iter_args(%h = %h0, %ys = %ys0) -> (tensor<3x7xf32>, tensor<6x3x7xf32>) {
    %s = tensor.extract_slice %x[%t, 0, 0] [1, 3, 5] [1, 1, 1] : tensor<6x3x5xf32> to tensor<1x3x5xf32>
    %xt = tensor.collapse_shape %s [[0, 1], [2]] : tensor<1x3x5xf32> into tensor<3x5xf32>
    %e = tensor.empty() : tensor<3x7xf32>
    %z = linalg.fill ins(%zero : f32) outs(%e : tensor<3x7xf32>) -> tensor<3x7xf32>
    %xw = linalg.matmul ins(%xt, %w : tensor<3x5xf32>, tensor<5x7xf32>) outs(%z : tensor<3x7xf32>) -> tensor<3x7xf32>
    %hu = linalg.matmul ins(%h, %u : tensor<3x7xf32>, tensor<7x7xf32>) outs(%z : tensor<3x7xf32>) -> tensor<3x7xf32>
    %hn = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
        ins(%xw, %hu : tensor<3x7xf32>, tensor<3x7xf32>) outs(%e : tensor<3x7xf32>) {
    ^bb0(%a: f32, %b: f32, %o: f32):
      %sum = arith.addf %a, %b : f32
      %th = math.tanh %sum : f32
      linalg.yield %th : f32
    } -> tensor<3x7xf32>
    %hw = linalg.matmul ins(%hn, %wy : tensor<3x7xf32>, tensor<7x7xf32>) outs(%z : tensor<3x7xf32>) -> tensor<3x7xf32>
    %y = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
        ins(%hw, %by : tensor<3x7xf32>, tensor<7xf32>) outs(%e : tensor<3x7xf32>) {
    ^bb0(%a: f32, %b: f32, %o: f32):
      %sum = arith.addf %a, %b : f32
      %th = math.tanh %sum : f32
      linalg.yield %th : f32
    } -> tensor<3x7xf32>
    %ys1 = tensor.insert_slice %y into %ys[%t, 0, 0] [1, 3, 7] [1, 1, 1] : tensor<3x7xf32> into tensor<6x3x7xf32>
    scf.yield %hn, %ys1 : tensor<3x7xf32>, tensor<6x3x7xf32>
  }
  return %r#1, %r#0 : tensor<6x3x7xf32>, tensor<3x7xf32>
}

// -----

// Left in the loop: a loop that does not start at 0 (batching would
// compute row blocks the loop never visits).
// CHECK-LABEL: func.func @rows$partial
// CHECK: scf.for
// CHECK: linalg.matmul
// CHECK: tensor.insert_slice
// CHECK: scf.yield
// CHECK-NOT: linalg.matmul
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @rows$partial(%x: tensor<6x3x5xf32>, %w: tensor<5x7xf32>) -> tensor<6x3x7xf32> {
  %c1 = arith.constant 1 : index
  %c6 = arith.constant 6 : index
  %zero = arith.constant 0.0 : f32
  %ys0 = tensor.empty() : tensor<6x3x7xf32>
  %r = scf.for %t = %c1 to %c6 step %c1 iter_args(%ys = %ys0) -> (tensor<6x3x7xf32>) {
    %s = tensor.extract_slice %x[%t, 0, 0] [1, 3, 5] [1, 1, 1] : tensor<6x3x5xf32> to tensor<1x3x5xf32>
    %xt = tensor.collapse_shape %s [[0, 1], [2]] : tensor<1x3x5xf32> into tensor<3x5xf32>
    %e = tensor.empty() : tensor<3x7xf32>
    %z = linalg.fill ins(%zero : f32) outs(%e : tensor<3x7xf32>) -> tensor<3x7xf32>
    %xw = linalg.matmul ins(%xt, %w : tensor<3x5xf32>, tensor<5x7xf32>) outs(%z : tensor<3x7xf32>) -> tensor<3x7xf32>
    %ys1 = tensor.insert_slice %xw into %ys[%t, 0, 0] [1, 3, 7] [1, 1, 1] : tensor<3x7xf32> into tensor<6x3x7xf32>
    scf.yield %ys1 : tensor<6x3x7xf32>
  }
  return %r : tensor<6x3x7xf32>
}

// -----

// An LSTM-like gate: cat([x[t], h]) @ W + b.  The matmul splits along the
// concatenation (x[t] @ W[0:5] into the bias, then h @ W[5:12] onto it), and
// the x[t] part, with its bias broadcast, is hoisted for all 6 steps (the
// concatenation is left unused, for canonicalize).
// CHECK-LABEL: func.func @gate$concat
// CHECK-SAME: (%[[X:.*]]: tensor<6x1x5xf32>, %[[H0:.*]]: tensor<1x7xf32>, %[[W:.*]]: tensor<12x7xf32>, %[[B:.*]]: tensor<7xf32>)
// CHECK: %[[WX:.*]] = tensor.extract_slice %[[W]][0, 0] [5, 7] [1, 1]
// CHECK: %[[WH:.*]] = tensor.extract_slice %[[W]][5, 0] [7, 7] [1, 1]
// CHECK: %[[E:.*]] = tensor.empty() : tensor<6x7xf32>
// CHECK: %[[BIAS:.*]] = linalg.generic {{.*}} ins(%[[B]] : tensor<7xf32>) outs(%[[E]] : tensor<6x7xf32>)
// CHECK: %[[XS:.*]] = tensor.collapse_shape %[[X]]
// CHECK: %[[XW:.*]] = linalg.matmul ins(%[[XS]], %[[WX]] : tensor<6x5xf32>, tensor<5x7xf32>) outs(%[[BIAS]] : tensor<6x7xf32>)
// CHECK: %[[XW3:.*]] = tensor.expand_shape %[[XW]]
// CHECK: scf.for %[[T:.*]] = {{.*}} iter_args(%[[H:.*]] = %[[H0]])
// CHECK: %[[ROW:.*]] = tensor.extract_slice %[[XW3]][%[[T]], 0, 0] [1, 1, 7]
// CHECK: %[[XT:.*]] = tensor.collapse_shape %[[ROW]]
// CHECK: %[[G:.*]] = linalg.matmul ins(%[[H]], %[[WH]] : tensor<1x7xf32>, tensor<7x7xf32>) outs(%[[XT]] : tensor<1x7xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[G]] : tensor<1x7xf32>)
// CHECK: math.tanh
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d1)>
func.func @gate$concat(%x: tensor<6x1x5xf32>, %h0: tensor<1x7xf32>, %w: tensor<12x7xf32>, %bias: tensor<7xf32>) -> tensor<1x7xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c6 = arith.constant 6 : index
  %r = scf.for %t = %c0 to %c6 step %c1 iter_args(%h = %h0) -> (tensor<1x7xf32>) {
    %s = tensor.extract_slice %x[%t, 0, 0] [1, 1, 5] [1, 1, 1] : tensor<6x1x5xf32> to tensor<1x1x5xf32>
    %xt = tensor.collapse_shape %s [[0, 1], [2]] : tensor<1x1x5xf32> into tensor<1x5xf32>
    %cat0 = tensor.empty() : tensor<1x12xf32>
    %cat1 = tensor.insert_slice %xt into %cat0[0, 0] [1, 5] [1, 1] : tensor<1x5xf32> into tensor<1x12xf32>
    %cat = tensor.insert_slice %h into %cat1[0, 5] [1, 7] [1, 1] : tensor<1x7xf32> into tensor<1x12xf32>
    %e = tensor.empty() : tensor<1x7xf32>
    %bb = linalg.generic {indexing_maps = [#row, #id], iterator_types = ["parallel", "parallel"]}
        ins(%bias : tensor<7xf32>) outs(%e : tensor<1x7xf32>) {
    ^bb0(%a: f32, %o: f32):
      linalg.yield %a : f32
    } -> tensor<1x7xf32>
    %g = linalg.matmul ins(%cat, %w : tensor<1x12xf32>, tensor<12x7xf32>) outs(%bb : tensor<1x7xf32>) -> tensor<1x7xf32>
    %hn = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
        ins(%g : tensor<1x7xf32>) outs(%e : tensor<1x7xf32>) {
    ^bb0(%a: f32, %o: f32):
      %th = math.tanh %a : f32
      linalg.yield %th : f32
    } -> tensor<1x7xf32>
    scf.yield %hn : tensor<1x7xf32>
  }
  return %r : tensor<1x7xf32>
}

// -----

// The RNN over a run-time count of steps (`range(x.size(0))`: the bound is
// tensor.dim %x, 0 and the stack starts as tensor.empty of it): the same
// hoisting and sinking, over T*3 rows counted before the loop.
// CHECK-LABEL: func.func @rnn$dynamic_steps
// CHECK-SAME: (%[[X:.*]]: tensor<?x3x5xf32>, %[[H0:.*]]: tensor<3x7xf32>, %[[W:.*]]: tensor<5x7xf32>, %[[U:.*]]: tensor<7x7xf32>, %[[WY:.*]]: tensor<7x7xf32>, %[[BY:.*]]: tensor<7xf32>)
// CHECK: %[[N:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x3x5xf32>
// CHECK: %[[C3:.*]] = arith.constant 3 : index
// CHECK: %[[ROWS:.*]] = arith.muli %[[N]], %[[C3]] : index
// CHECK: %[[E:.*]] = tensor.empty(%[[ROWS]]) : tensor<?x7xf32>
// CHECK: %[[Z:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E]] : tensor<?x7xf32>)
// CHECK: %[[XS:.*]] = tensor.collapse_shape %[[X]] {{\[\[}}0, 1], [2]] : tensor<?x3x5xf32> into tensor<?x5xf32>
// CHECK: %[[XW:.*]] = linalg.matmul ins(%[[XS]], %[[W]] : tensor<?x5xf32>, tensor<5x7xf32>) outs(%[[Z]] : tensor<?x7xf32>)
// CHECK: %[[XW3:.*]] = tensor.expand_shape %[[XW]] {{\[\[}}0, 1], [2]] output_shape [%[[N]], 3, 7]
// CHECK: %[[HS0:.*]] = tensor.empty(%[[N]]) : tensor<?x3x7xf32>
// CHECK: %[[LOOP:.*]]:3 = scf.for %[[T:.*]] = %{{.*}} to %[[N]] step %{{.*}} iter_args(%[[H:.*]] = %[[H0]], %{{.*}} = %{{.*}}, %[[HS:.*]] = %[[HS0]])
// CHECK: %[[ROW:.*]] = tensor.extract_slice %[[XW3]][%[[T]], 0, 0] [1, 3, 7] [1, 1, 1]
// CHECK: linalg.matmul ins(%[[H]], %[[U]]
// CHECK-NOT: %[[WY]]
// CHECK: tensor.insert_slice %{{.*}} into %[[HS]][%[[T]], 0, 0] [1, 3, 7] [1, 1, 1] : tensor<3x7xf32> into tensor<?x3x7xf32>
// CHECK: %[[HALL:.*]] = tensor.collapse_shape %[[LOOP]]#2 {{\[\[}}0, 1], [2]] : tensor<?x3x7xf32> into tensor<?x7xf32>
// CHECK: %[[ROWS2:.*]] = arith.muli %[[N]], %{{.*}} : index
// CHECK: %[[E2:.*]] = tensor.empty(%[[ROWS2]]) : tensor<?x7xf32>
// CHECK: %[[HW:.*]] = linalg.matmul ins(%[[HALL]], %[[WY]] : tensor<?x7xf32>, tensor<7x7xf32>)
// CHECK: %[[YS:.*]] = linalg.generic {{.*}} ins(%[[HW]], %[[BY]] : tensor<?x7xf32>, tensor<7xf32>)
// CHECK: %[[Y:.*]] = tensor.expand_shape %[[YS]] {{\[\[}}0, 1], [2]] output_shape [%[[N]], 3, 7]
// CHECK: return %[[Y]], %[[LOOP]]#0
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d1)>
func.func @rnn$dynamic_steps(%x: tensor<?x3x5xf32>, %h0: tensor<3x7xf32>, %w: tensor<5x7xf32>, %u: tensor<7x7xf32>,
                             %wy: tensor<7x7xf32>, %by: tensor<7xf32>) -> (tensor<?x3x7xf32>, tensor<3x7xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = tensor.dim %x, %c0 : tensor<?x3x5xf32>
  %zero = arith.constant 0.0 : f32
  %ys0 = tensor.empty(%n) : tensor<?x3x7xf32>
  %r:2 = scf.for %t = %c0 to %n step %c1 iter_args(%h = %h0, %ys = %ys0) -> (tensor<3x7xf32>, tensor<?x3x7xf32>) {
    %s = tensor.extract_slice %x[%t, 0, 0] [1, 3, 5] [1, 1, 1] : tensor<?x3x5xf32> to tensor<1x3x5xf32>
    %xt = tensor.collapse_shape %s [[0, 1], [2]] : tensor<1x3x5xf32> into tensor<3x5xf32>
    %e = tensor.empty() : tensor<3x7xf32>
    %z = linalg.fill ins(%zero : f32) outs(%e : tensor<3x7xf32>) -> tensor<3x7xf32>
    %xw = linalg.matmul ins(%xt, %w : tensor<3x5xf32>, tensor<5x7xf32>) outs(%z : tensor<3x7xf32>) -> tensor<3x7xf32>
    %hu = linalg.matmul ins(%h, %u : tensor<3x7xf32>, tensor<7x7xf32>) outs(%z : tensor<3x7xf32>) -> tensor<3x7xf32>
    %hn = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
        ins(%xw, %hu : tensor<3x7xf32>, tensor<3x7xf32>) outs(%e : tensor<3x7xf32>) {
    ^bb0(%a: f32, %b: f32, %o: f32):
      %sum = arith.addf %a, %b : f32
      %th = math.tanh %sum : f32
      linalg.yield %th : f32
    } -> tensor<3x7xf32>
    %hw = linalg.matmul ins(%hn, %wy : tensor<3x7xf32>, tensor<7x7xf32>) outs(%z : tensor<3x7xf32>) -> tensor<3x7xf32>
    %y = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
        ins(%hw, %by : tensor<3x7xf32>, tensor<7xf32>) outs(%e : tensor<3x7xf32>) {
    ^bb0(%a: f32, %b: f32, %o: f32):
      %sum = arith.addf %a, %b : f32
      %th = math.tanh %sum : f32
      linalg.yield %th : f32
    } -> tensor<3x7xf32>
    %ys1 = tensor.insert_slice %y into %ys[%t, 0, 0] [1, 3, 7] [1, 1, 1] : tensor<3x7xf32> into tensor<?x3x7xf32>
    scf.yield %hn, %ys1 : tensor<3x7xf32>, tensor<?x3x7xf32>
  }
  return %r#1, %r#0 : tensor<?x3x7xf32>, tensor<3x7xf32>
}

// -----

// Left in the loop: a run-time bound that is not the sliced tensor's first
// dim (the loop may run fewer steps than x has rows).
// CHECK-LABEL: func.func @rows$other_bound
// CHECK: scf.for
// CHECK: tensor.extract_slice
// CHECK: linalg.matmul
// CHECK: scf.yield

func.func @rows$other_bound(%x: tensor<?x3x5xf32>, %y: tensor<?xf32>, %w: tensor<5x7xf32>, %h0: tensor<3x7xf32>) -> tensor<3x7xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = tensor.dim %y, %c0 : tensor<?xf32>
  %zero = arith.constant 0.0 : f32
  %r = scf.for %t = %c0 to %n step %c1 iter_args(%h = %h0) -> (tensor<3x7xf32>) {
    %s = tensor.extract_slice %x[%t, 0, 0] [1, 3, 5] [1, 1, 1] : tensor<?x3x5xf32> to tensor<1x3x5xf32>
    %xt = tensor.collapse_shape %s [[0, 1], [2]] : tensor<1x3x5xf32> into tensor<3x5xf32>
    %e = tensor.empty() : tensor<3x7xf32>
    %z = linalg.fill ins(%zero : f32) outs(%e : tensor<3x7xf32>) -> tensor<3x7xf32>
    %xw = linalg.matmul ins(%xt, %w : tensor<3x5xf32>, tensor<5x7xf32>) outs(%z : tensor<3x7xf32>) -> tensor<3x7xf32>
    scf.yield %xw : tensor<3x7xf32>
  }
  return %r : tensor<3x7xf32>
}
