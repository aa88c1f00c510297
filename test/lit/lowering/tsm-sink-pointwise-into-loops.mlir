// RUN: tsmlir-opt %s --split-input-file --tsm-sink-pointwise-into-loops | filecheck %s

// A per-image loop over a run-time batch (a convolution's (F, P) product
// seen as (1, F, H, W), inserted at [n]) and the bias + ReLU after it (one
// generic, a bias broadcast over the batch): the generic moves into the
// loop, on the image's slice, into the carried tensor's slice [n]; the
// product starts from that slice too (through the inverse reshape), so
// nothing is copied into the result.
// CHECK-LABEL: func.func @images$bias_relu
// CHECK-SAME: (%[[X:.*]]: tensor<?x3x4xf32>, %[[W:.*]]: tensor<2x3xf32>, %[[B:.*]]: tensor<2xf32>)
// CHECK: %[[N:.*]] = tensor.dim %[[X]]
// CHECK: %[[OUT:.*]] = tensor.empty(%[[N]]) : tensor<?x2x2x2xf32>
// CHECK: %[[LOOP:.*]] = scf.for %[[I:.*]] = %{{.*}} to %[[N]] step %{{.*}} iter_args(%[[ACC:.*]] = %[[OUT]])
// CHECK: %[[SLOT:.*]] = tensor.extract_slice %[[ACC]][%[[I]], 0, 0, 0] [1, 2, 2, 2] [1, 1, 1, 1]
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %[[SLOT]] {{\[}}[0, 1], [2, 3]] : tensor<1x2x2x2xf32> into tensor<2x4xf32>
// CHECK: %[[ZERO:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[FLAT]] : tensor<2x4xf32>)
// CHECK: %[[MM:.*]] = linalg.matmul ins(%[[W]], %{{.*}} : tensor<2x3xf32>, tensor<3x4xf32>) outs(%[[ZERO]] : tensor<2x4xf32>)
// CHECK: %[[IMG:.*]] = tensor.expand_shape %[[MM]]
// CHECK: %[[DEST:.*]] = tensor.extract_slice %[[ACC]][%[[I]], 0, 0, 0] [1, 2, 2, 2] [1, 1, 1, 1]
// CHECK: %[[ACT:.*]] = linalg.generic {{.*}} ins(%[[IMG]], %[[B]] : tensor<1x2x2x2xf32>, tensor<2xf32>) outs(%[[DEST]] : tensor<1x2x2x2xf32>)
// CHECK: arith.maximumf
// CHECK: %[[NEXT:.*]] = tensor.insert_slice %[[ACT]] into %[[ACC]][%[[I]], 0, 0, 0] [1, 2, 2, 2] [1, 1, 1, 1]
// CHECK: scf.yield %[[NEXT]]
// CHECK-NOT: linalg.generic
// CHECK: return %[[LOOP]]
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#ch = affine_map<(d0, d1, d2, d3) -> (d1)>
func.func @images$bias_relu(%x: tensor<?x3x4xf32>, %w: tensor<2x3xf32>, %bias: tensor<2xf32>) -> tensor<?x2x2x2xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x3x4xf32>
  %out = tensor.empty(%n) : tensor<?x2x2x2xf32>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %out) -> (tensor<?x2x2x2xf32>) {
    %s = tensor.extract_slice %x[%i, 0, 0] [1, 3, 4] [1, 1, 1] : tensor<?x3x4xf32> to tensor<1x3x4xf32>
    %xi = tensor.collapse_shape %s [[0, 1], [2]] : tensor<1x3x4xf32> into tensor<3x4xf32>
    %e = tensor.empty() : tensor<2x4xf32>
    %z = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
    %mm = linalg.matmul ins(%w, %xi : tensor<2x3xf32>, tensor<3x4xf32>) outs(%z : tensor<2x4xf32>) -> tensor<2x4xf32>
    %img = tensor.expand_shape %mm [[0, 1], [2, 3]] output_shape [1, 2, 2, 2] : tensor<2x4xf32> into tensor<1x2x2x2xf32>
    %next = tensor.insert_slice %img into %acc[%i, 0, 0, 0] [1, 2, 2, 2] [1, 1, 1, 1] : tensor<1x2x2x2xf32> into tensor<?x2x2x2xf32>
    scf.yield %next : tensor<?x2x2x2xf32>
  }
  %n2 = tensor.dim %r, %c0 : tensor<?x2x2x2xf32>
  %e2 = tensor.empty(%n2) : tensor<?x2x2x2xf32>
  %act = linalg.generic {indexing_maps = [#id4, #ch, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%r, %bias : tensor<?x2x2x2xf32>, tensor<2xf32>) outs(%e2 : tensor<?x2x2x2xf32>) {
  ^bb0(%a: f32, %bb: f32, %o: f32):
    %sum = arith.addf %a, %bb : f32
    %m = arith.maximumf %sum, %zero : f32
    linalg.yield %m : f32
  } -> tensor<?x2x2x2xf32>
  return %act : tensor<?x2x2x2xf32>
}

// -----

// A residual add of a tensor made before the loop (read by the identity
// map: sliced at [i] too) onto a loop of 3 static steps, then a sigmoid:
// both ops move in, one after the other.
// CHECK-LABEL: func.func @steps$residual
// CHECK-SAME: (%[[X:.*]]: tensor<3x5xf32>, %[[Y:.*]]: tensor<3x5xf32>)
// CHECK: scf.for %[[I:.*]] = {{.*}} iter_args(%[[ACC:.*]] =
// CHECK: %[[ROW:.*]] = math.exp
// CHECK: %[[YI:.*]] = tensor.extract_slice %[[Y]][%[[I]], 0] [1, 5] [1, 1]
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %[[YI]] : tensor<1x5xf32>, tensor<1x5xf32>)
// CHECK: arith.addf
// CHECK: %[[SIG:.*]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<1x5xf32>)
// CHECK: arith.negf
// CHECK: tensor.insert_slice %[[SIG]] into %[[ACC]][%[[I]], 0] [1, 5] [1, 1]
// CHECK-NOT: linalg.generic
#id2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @steps$residual(%x: tensor<3x5xf32>, %y: tensor<3x5xf32>) -> tensor<3x5xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %one = arith.constant 1.0 : f32
  %out = tensor.empty() : tensor<3x5xf32>
  %r = scf.for %i = %c0 to %c3 step %c1 iter_args(%acc = %out) -> (tensor<3x5xf32>) {
    %s = tensor.extract_slice %x[%i, 0] [1, 5] [1, 1] : tensor<3x5xf32> to tensor<1x5xf32>
    %ex = math.exp %s : tensor<1x5xf32>
    %next = tensor.insert_slice %ex into %acc[%i, 0] [1, 5] [1, 1] : tensor<1x5xf32> into tensor<3x5xf32>
    scf.yield %next : tensor<3x5xf32>
  }
  %e = tensor.empty() : tensor<3x5xf32>
  %sum = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%r, %y : tensor<3x5xf32>, tensor<3x5xf32>) outs(%e : tensor<3x5xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %t = arith.addf %a, %b : f32
    linalg.yield %t : f32
  } -> tensor<3x5xf32>
  %sig = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%sum : tensor<3x5xf32>) outs(%e : tensor<3x5xf32>) {
  ^bb0(%a: f32, %o: f32):
    %n = arith.negf %a : f32
    %ex = math.exp %n : f32
    %d = arith.addf %ex, %one : f32
    %q = arith.divf %one, %d : f32
    linalg.yield %q : f32
  } -> tensor<3x5xf32>
  return %sig : tensor<3x5xf32>
}

// -----

// Left after the loop: an op whose body reads its indices (each slice
// would see index 0 in dim 0), one reading a tensor made after the loop,
// and a loop over fewer steps than the result's rows.
// CHECK-LABEL: func.func @left$index_late_partial
// CHECK: scf.for
// CHECK: scf.yield
// CHECK: linalg.generic
// CHECK: linalg.index 0
// CHECK: %[[LATE:.*]] = math.exp
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[LATE]] :
// CHECK: scf.for
// CHECK: scf.yield
// CHECK: linalg.generic
#id2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @left$index_late_partial(%x: tensor<3x5xf32>) -> (tensor<3x5xf32>, tensor<3x5xf32>, tensor<3x5xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %out = tensor.empty() : tensor<3x5xf32>
  %r = scf.for %i = %c0 to %c3 step %c1 iter_args(%acc = %out) -> (tensor<3x5xf32>) {
    %s = tensor.extract_slice %x[%i, 0] [1, 5] [1, 1] : tensor<3x5xf32> to tensor<1x5xf32>
    %next = tensor.insert_slice %s into %acc[%i, 0] [1, 5] [1, 1] : tensor<1x5xf32> into tensor<3x5xf32>
    scf.yield %next : tensor<3x5xf32>
  }
  %e = tensor.empty() : tensor<3x5xf32>
  %idx = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%r : tensor<3x5xf32>) outs(%e : tensor<3x5xf32>) {
  ^bb0(%a: f32, %o: f32):
    %row = linalg.index 0 : index
    %ri = arith.index_cast %row : index to i32
    %rf = arith.sitofp %ri : i32 to f32
    %t = arith.addf %a, %rf : f32
    linalg.yield %t : f32
  } -> tensor<3x5xf32>
  %r2 = scf.for %i = %c0 to %c3 step %c1 iter_args(%acc = %out) -> (tensor<3x5xf32>) {
    %s = tensor.extract_slice %x[%i, 0] [1, 5] [1, 1] : tensor<3x5xf32> to tensor<1x5xf32>
    %next = tensor.insert_slice %s into %acc[%i, 0] [1, 5] [1, 1] : tensor<1x5xf32> into tensor<3x5xf32>
    scf.yield %next : tensor<3x5xf32>
  }
  %late = math.exp %x : tensor<3x5xf32>
  %sum = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%r2, %late : tensor<3x5xf32>, tensor<3x5xf32>) outs(%e : tensor<3x5xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %t = arith.addf %a, %b : f32
    linalg.yield %t : f32
  } -> tensor<3x5xf32>
  %r3 = scf.for %i = %c0 to %c2 step %c1 iter_args(%acc = %out) -> (tensor<3x5xf32>) {
    %s = tensor.extract_slice %x[%i, 0] [1, 5] [1, 1] : tensor<3x5xf32> to tensor<1x5xf32>
    %next = tensor.insert_slice %s into %acc[%i, 0] [1, 5] [1, 1] : tensor<1x5xf32> into tensor<3x5xf32>
    scf.yield %next : tensor<3x5xf32>
  }
  %neg = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%r3 : tensor<3x5xf32>) outs(%e : tensor<3x5xf32>) {
  ^bb0(%a: f32, %o: f32):
    %t = arith.negf %a : f32
    linalg.yield %t : f32
  } -> tensor<3x5xf32>
  return %idx, %sum, %neg : tensor<3x5xf32>, tensor<3x5xf32>, tensor<3x5xf32>
}
