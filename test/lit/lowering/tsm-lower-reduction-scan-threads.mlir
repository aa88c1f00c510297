// RUN: tsmlir-opt %s --split-input-file --tsm-lower-reduction | filecheck %s

// 2 threads, 64 rows of 4096 scanned along the innermost dim: each thread
// takes 32 rows, transposes them, scans them along its outermost dim and
// transposes its result back into its rows.
// CHECK-LABEL: func.func @cumsum$rows_shared
// CHECK-SAME: (%[[X:.*]]: tensor<64x4096xf32>)
// CHECK: %[[INIT:.*]] = tensor.empty() : tensor<64x4096xf32>
// CHECK: %[[ALL:.*]] = scf.forall (%[[T:.*]]) in (2) shared_outs(%[[OUT:.*]] = %[[INIT]]) -> (tensor<64x4096xf32>)
// CHECK: %[[LO:.*]] = arith.muli %[[T]], %{{.*}} : index
// CHECK: %[[MINE:.*]] = tensor.extract_slice %[[X]][%[[LO]], 0] [32, 4096] [1, 1] : tensor<64x4096xf32> to tensor<32x4096xf32>
// CHECK: %[[XT:.*]] = linalg.transpose ins(%[[MINE]] : tensor<32x4096xf32>) outs(%{{.*}} : tensor<4096x32xf32>) permutation = [1, 0]
// CHECK: %[[SCAN:.*]]:2 = scf.for
// CHECK: tensor.extract_slice %[[XT]][%{{.*}}, 0] [1, 32] [1, 1] : tensor<4096x32xf32> to tensor<1x32xf32>
// CHECK: arith.addf
// CHECK: %[[BACK:.*]] = linalg.transpose ins(%[[SCAN]]#1 : tensor<4096x32xf32>) outs(%{{.*}} : tensor<32x4096xf32>) permutation = [1, 0]
// CHECK: scf.forall.in_parallel
// CHECK: tensor.parallel_insert_slice %[[BACK]] into %[[OUT]][%[[LO]], 0] [32, 4096] [1, 1]
// CHECK: return %[[ALL]]
module attributes {tsm.num_threads = 2 : i64} {
func.func @cumsum$rows_shared(%x: tensor<64x4096xf32>) -> tensor<64x4096xf32> {
  %0 = "tsm.cumsum"(%x) {dim = -1 : i64} : (tensor<64x4096xf32>) -> tensor<64x4096xf32>
  return %0 : tensor<64x4096xf32>
}
}

// -----

// Along the outermost dim: the threads take the columns (an odd count: the
// last chunk's length is computed); cummax's two results are both shared.
// CHECK-LABEL: func.func @cummax$columns_shared
// CHECK: %[[ALL:.*]]:2 = scf.forall (%[[T:.*]]) in (2) shared_outs(%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) -> (tensor<1024x129xf32>, tensor<1024x129xi64>)
// CHECK: %[[LEN:.*]] = arith.minui
// CHECK: tensor.extract_slice %{{.*}}[0, %{{.*}}] [1024, %[[LEN]]] [1, 1] : tensor<1024x129xf32> to tensor<1024x?xf32>
// CHECK: scf.for
// CHECK: arith.select
// CHECK: scf.forall.in_parallel
// CHECK-COUNT-2: tensor.parallel_insert_slice
// CHECK: return %[[ALL]]#0, %[[ALL]]#1
module attributes {tsm.num_threads = 2 : i64} {
func.func @cummax$columns_shared(%x: tensor<1024x129xf32>) -> (tensor<1024x129xf32>, tensor<1024x129xi64>) {
  %0:2 = "tsm.cummax"(%x) {dim = 0 : i64} : (tensor<1024x129xf32>) -> (tensor<1024x129xf32>, tensor<1024x129xi64>)
  return %0#0, %0#1 : tensor<1024x129xf32>, tensor<1024x129xi64>
}
}

// -----

// Too few elements to share: one loop.
// CHECK-LABEL: func.func @cumsum$small
// CHECK-NOT: scf.forall
// CHECK: scf.for
// CHECK-NOT: scf.forall
module attributes {tsm.num_threads = 2 : i64} {
func.func @cumsum$small(%x: tensor<8x1024xf32>) -> tensor<8x1024xf32> {
  %0 = "tsm.cumsum"(%x) {dim = -1 : i64} : (tensor<8x1024xf32>) -> tensor<8x1024xf32>
  return %0 : tensor<8x1024xf32>
}
}

// -----

// One thread, or a dynamic size: one loop.
// CHECK-LABEL: func.func @cumsum$one_thread
// CHECK-NOT: scf.forall
// CHECK: scf.for
// CHECK-LABEL: func.func @cumsum$dynamic
// CHECK-NOT: scf.forall
// CHECK: scf.for
// CHECK-NOT: scf.forall
module attributes {tsm.num_threads = 1 : i64} {
func.func @cumsum$one_thread(%x: tensor<64x4096xf32>) -> tensor<64x4096xf32> {
  %0 = "tsm.cumsum"(%x) {dim = -1 : i64} : (tensor<64x4096xf32>) -> tensor<64x4096xf32>
  return %0 : tensor<64x4096xf32>
}
}
module attributes {tsm.num_threads = 2 : i64} {
func.func @cumsum$dynamic(%x: tensor<?x4096xf32>) -> tensor<?x4096xf32> {
  %0 = "tsm.cumsum"(%x) {dim = -1 : i64} : (tensor<?x4096xf32>) -> tensor<?x4096xf32>
  return %0 : tensor<?x4096xf32>
}
}
