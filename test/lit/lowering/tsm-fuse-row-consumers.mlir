// RUN: tsmlir-opt %s --split-input-file --tsm-to-linalg --tsm-fuse-row-consumers | filecheck %s

// layer_norm with its weight and bias over a 3 MB tensor: the row sums, the
// sums of squared deviations, var + eps, rsqrt and the final generic (the
// weight's mul and the bias's add fused in) run in one scf.forall over
// blocks of rows (4 rows of 3 KB: within 16 KB); the per-row values are
// slices of shared outputs of their own (one buffer, not one per row); the
// zero fill the two sums shared is one each.
// CHECK-LABEL: func.func @layer_norm$affine
// CHECK: scf.forall (%[[I:[a-z0-9_]+]], %[[JB:[a-z0-9_]+]]) in (8, 32) shared_outs(%[[OUT:[a-z0-9_]+]] = %{{.*}}, %[[S1:[a-z0-9_]+]] = %{{.*}}, %[[S2:[a-z0-9_]+]] = %{{.*}}, %[[S3:[a-z0-9_]+]] = %{{.*}})
// CHECK: %[[J:.*]] = affine.apply #{{.*}}(%[[JB]])
// CHECK: %[[ROWS:.*]] = tensor.extract_slice %{{.*}}[%[[I]], %[[J]], 0] [1, 4, 768] [1, 1, 1]
// CHECK: %[[F1:.*]] = linalg.fill ins(%{{.*}}) outs(%{{.*}} : tensor<1x4xf32>)
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[ROWS]] : tensor<1x4x768xf32>) outs(%[[F1]] : tensor<1x4xf32>)
// CHECK: %[[F2:.*]] = linalg.fill ins(%{{.*}}) outs(%{{.*}} : tensor<1x4xf32>)
// CHECK: %[[SQ:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[ROWS]], %[[SUM]] : tensor<1x4x768xf32>, tensor<1x4xf32>) outs(%[[F2]] : tensor<1x4xf32>)
// CHECK: %[[VAR:.*]] = linalg.generic {{.*}} outs(%[[SQ]] : tensor<1x4xf32>)
// CHECK: %[[Z3:.*]] = tensor.extract_slice %[[S3]][%[[I]], %[[J]]] [1, 4]
// CHECK: %[[RSTD:.*]] = linalg.rsqrt ins(%[[VAR]] : tensor<1x4xf32>) outs(%[[Z3]] : tensor<1x4xf32>)
// CHECK: %[[Y:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[ROWS]], %[[SUM]], %[[RSTD]], %{{.*}}, %{{.*}} : tensor<1x4x768xf32>, tensor<1x4xf32>, tensor<1x4xf32>, tensor<768xf32>, tensor<768xf32>)
// CHECK: scf.forall.in_parallel
// CHECK-NEXT: tensor.parallel_insert_slice %[[Y]] into %[[OUT]][%[[I]], %[[J]], 0] [1, 4, 768]
// CHECK-DAG: tensor.parallel_insert_slice %[[SUM]] into %{{.*}}[%[[I]], %[[J]]] [1, 4]
// CHECK-DAG: tensor.parallel_insert_slice %[[VAR]] into %{{.*}}[%[[I]], %[[J]]] [1, 4]
// CHECK-DAG: tensor.parallel_insert_slice %[[RSTD]] into %[[S3]][%[[I]], %[[J]]] [1, 4]
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @layer_norm$affine(%x: tensor<8x128x768xf32>, %w: tensor<768xf32>, %b: tensor<768xf32>) -> tensor<8x128x768xf32> {
  %0 = "tsm.layer_norm"(%x) {eps = 1.000000e-05 : f64, ndim = 1 : i64} : (tensor<8x128x768xf32>) -> tensor<8x128x768xf32>
  %1 = "tsm.mul"(%0, %w) : (tensor<8x128x768xf32>, tensor<768xf32>) -> tensor<8x128x768xf32>
  %2 = "tsm.add"(%1, %b) : (tensor<8x128x768xf32>, tensor<768xf32>) -> tensor<8x128x768xf32>
  return %2 : tensor<8x128x768xf32>
}

// -----

// softmax over 512-float rows (8 rows a block): the row max, the
// exps-and-sums op (once: the copies upstream fusion makes for its two
// uses are merged) writing the exps into the result's slice, 1 / sum, and
// the scale in place.
// CHECK-LABEL: func.func @softmax$rows
// CHECK: scf.forall (%[[I:[a-z0-9_]+]], %[[JB:[a-z0-9_]+]]) in (12, 64) shared_outs(%[[OUT:[a-z0-9_]+]] = %{{.*}},
// CHECK: %[[MAX:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]} ins(%{{.*}} : tensor<1x8x512xf32>)
// CHECK: arith.maxnumf
// CHECK: %[[DST:.*]] = tensor.extract_slice %[[OUT]]
// CHECK: %[[EXPS:.*]]:2 = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]} ins(%{{.*}}, %[[MAX]] : tensor<1x8x512xf32>, tensor<1x8xf32>) outs(%[[DST]], %{{.*}} : tensor<1x8x512xf32>, tensor<1x8xf32>)
// CHECK: math.exp
// CHECK-NOT: math.exp
// CHECK: %[[INV:.*]] = linalg.reciprocal ins(%[[EXPS]]#1 : tensor<1x8xf32>)
// CHECK: %[[P:.*]] = linalg.generic {{.*}} ins(%[[INV]] : tensor<1x8xf32>) outs(%[[EXPS]]#0 : tensor<1x8x512xf32>)
// CHECK: scf.forall.in_parallel
// CHECK-NEXT: tensor.parallel_insert_slice %[[P]] into %[[OUT]]
// CHECK: return
func.func @softmax$rows(%x: tensor<12x512x512xf32>) -> tensor<12x512x512xf32> {
  %0 = "tsm.softmax"(%x) {dim = -1 : i64} : (tensor<12x512x512xf32>) -> tensor<12x512x512xf32>
  return %0 : tensor<12x512x512xf32>
}

// -----

// Rows of unknown count (16 KB each): one row an iteration.
// CHECK-LABEL: func.func @layer_norm$dynamic$rows
// CHECK: %[[N:.*]] = tensor.dim
// CHECK: scf.forall (%[[R:[a-z0-9_]+]]) in (%[[N]])
// CHECK: tensor.extract_slice %{{.*}}[%[[R]], 0] [1, 4096] [1, 1]
// CHECK: linalg.rsqrt
// CHECK: scf.forall.in_parallel
func.func @layer_norm$dynamic$rows(%x: tensor<?x4096xf32>) -> tensor<?x4096xf32> {
  %0 = "tsm.layer_norm"(%x) {eps = 1.000000e-05 : f64, ndim = 1 : i64} : (tensor<?x4096xf32>) -> tensor<?x4096xf32>
  return %0 : tensor<?x4096xf32>
}

// -----

// RMSNorm written by hand: the keepdim mean reduces (rows, 1, n) into
// (rows, 1); its rsqrt, a named op (read broadcast: once per row), joins the
// chain.
// CHECK-LABEL: func.func @rms_norm
// CHECK: scf.forall (%[[R:[a-z0-9_]+]]) in (64)
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]} ins(%{{.*}} : tensor<1x1x4096xf32>)
// CHECK: linalg.rsqrt ins(%{{.*}} : tensor<1x1xf32>)
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]} ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<1x4096xf32>, tensor<1x1xf32>, tensor<4096xf32>)
// CHECK: scf.forall.in_parallel
func.func @rms_norm(%x: tensor<64x4096xf32>, %w: tensor<4096xf32>) -> tensor<64x4096xf32> {
  %eps = "tsm.constant"() {value = dense<9.99999997E-7> : tensor<f32>} : () -> tensor<f32>
  %0 = "tsm.mul"(%x, %x) : (tensor<64x4096xf32>, tensor<64x4096xf32>) -> tensor<64x4096xf32>
  %1 = "tsm.mean"(%0) {dims = array<i64: -1>, keepdim = true} : (tensor<64x4096xf32>) -> tensor<64x1xf32>
  %2 = "tsm.add"(%1, %eps) : (tensor<64x1xf32>, tensor<f32>) -> tensor<64x1xf32>
  %3 = "tsm.rsqrt"(%2) : (tensor<64x1xf32>) -> tensor<64x1xf32>
  %4 = "tsm.mul"(%x, %3) : (tensor<64x4096xf32>, tensor<64x1xf32>) -> tensor<64x4096xf32>
  %5 = "tsm.mul"(%4, %w) : (tensor<64x4096xf32>, tensor<4096xf32>) -> tensor<64x4096xf32>
  return %5 : tensor<64x4096xf32>
}

// -----

// Left as they are: a tensor the L2 holds (256 KB), softmax over a dim that
// is not the last (no row reduction of the last dim), and a row sum used
// by another op as well (fusing it would leave the whole pass in place).
// CHECK-LABEL: func.func @small$tensor
// CHECK-NOT: scf.forall
// CHECK: return
func.func @small$tensor(%x: tensor<128x512xf32>) -> tensor<128x512xf32> {
  %0 = "tsm.softmax"(%x) {dim = -1 : i64} : (tensor<128x512xf32>) -> tensor<128x512xf32>
  return %0 : tensor<128x512xf32>
}

// -----

// CHECK-LABEL: func.func @softmax$dim1
// CHECK-NOT: scf.forall
// CHECK: return
func.func @softmax$dim1(%x: tensor<32x1000x49xf32>) -> tensor<32x1000x49xf32> {
  %0 = "tsm.softmax"(%x) {dim = 1 : i64} : (tensor<32x1000x49xf32>) -> tensor<32x1000x49xf32>
  return %0 : tensor<32x1000x49xf32>
}

// -----

// CHECK-LABEL: func.func @sum$used$twice
// CHECK-NOT: scf.forall
// CHECK: return
func.func @sum$used$twice(%x: tensor<1024x512xf32>) -> (tensor<1024x512xf32>, tensor<1024x1xf32>) {
  %s = "tsm.sum"(%x) {dims = array<i64: 1>, keepdim = true} : (tensor<1024x512xf32>) -> tensor<1024x1xf32>
  %y = "tsm.sub"(%x, %s) : (tensor<1024x512xf32>, tensor<1024x1xf32>) -> tensor<1024x512xf32>
  return %y, %s : tensor<1024x512xf32>, tensor<1024x1xf32>
}
