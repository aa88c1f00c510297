// RUN: tsmlir-opt %s --split-input-file --tsm-lower-reduction | filecheck %s

// 2 threads, 64 rows of 4096 scanned along the innermost dim: each thread
// takes 32 rows and scans them in blocks of 512 columns (16K elements: the
// block's transposes stay in L2), each block transposed, scanned along its
// outermost dim from the running sums of the block before, and transposed
// back into the thread's rows.
// CHECK-LABEL: func.func @cumsum$rows_shared
// CHECK-SAME: (%[[X:.*]]: tensor<64x4096xf32>)
// CHECK: %[[INIT:.*]] = tensor.empty() : tensor<64x4096xf32>
// CHECK: %[[ALL:.*]] = scf.forall (%[[T:.*]]) in (2) shared_outs(%[[OUT:.*]] = %[[INIT]]) -> (tensor<64x4096xf32>)
// CHECK: %[[LO:.*]] = arith.muli %[[T]], %{{.*}} : index
// CHECK: %[[MINE:.*]] = tensor.extract_slice %[[X]][%[[LO]], 0] [32, 4096] [1, 1] : tensor<64x4096xf32> to tensor<32x4096xf32>
// CHECK: %[[ZEROS:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<32xf32>)
// CHECK: %[[BLOCKS:.*]]:2 = scf.for %[[J:.*]] = %{{.*}} to %[[C8:.*]] step %{{.*}} iter_args(%[[SUMS:.*]] = %[[ZEROS]], %[[ROWS:.*]] = %{{.*}}) -> (tensor<32xf32>, tensor<32x4096xf32>)
// CHECK: %[[COL:.*]] = arith.muli %[[J]], %{{.*}} : index
// CHECK: %[[BLOCK:.*]] = tensor.extract_slice %[[MINE]][0, %[[COL]]] [32, 512] [1, 1] : tensor<32x4096xf32> to tensor<32x512xf32>
// CHECK: %[[XT:.*]] = linalg.transpose ins(%[[BLOCK]] : tensor<32x512xf32>) outs(%{{.*}} : tensor<512x32xf32>) permutation = [1, 0]
// CHECK: %[[SCAN:.*]]:2 = scf.for %{{.*}} iter_args(%{{.*}} = %[[SUMS]], %{{.*}} = %{{.*}}) -> (tensor<32xf32>, tensor<512x32xf32>)
// CHECK: tensor.extract_slice %[[XT]][%{{.*}}, 0] [1, 32] [1, 1] : tensor<512x32xf32> to tensor<1x32xf32>
// CHECK: arith.addf
// CHECK: %[[BACK:.*]] = linalg.transpose ins(%[[SCAN]]#1 : tensor<512x32xf32>) outs(%{{.*}} : tensor<32x512xf32>) permutation = [1, 0]
// CHECK: %[[PLACED:.*]] = tensor.insert_slice %[[BACK]] into %[[ROWS]][0, %[[COL]]] [32, 512] [1, 1]
// CHECK: scf.yield %[[SCAN]]#0, %[[PLACED]]
// CHECK: scf.forall.in_parallel
// CHECK: tensor.parallel_insert_slice %[[BLOCKS]]#1 into %[[OUT]][%[[LO]], 0] [32, 4096] [1, 1]
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

// -----

// One thread, rows too long for one block (63 x 1000: blocks of 256
// columns, the last one 232), the running sums carried from block to block.
// CHECK-LABEL: func.func @cumsum$blocks
// CHECK-NOT: scf.forall
// CHECK: %[[ZEROS:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<63xf32>)
// CHECK: scf.for %[[J:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[SUMS:.*]] = %[[ZEROS]], %{{.*}} = %{{.*}})
// CHECK: %[[COL:.*]] = arith.muli %[[J]], %[[C256:.*]] : index
// CHECK: %[[LEFT:.*]] = arith.subi %{{.*}}, %[[COL]] : index
// CHECK: %[[LEN:.*]] = arith.minui %[[LEFT]], %[[C256]] : index
// CHECK: tensor.extract_slice %{{.*}}[0, %[[COL]]] [63, %[[LEN]]] [1, 1] : tensor<63x1000xf32> to tensor<63x?xf32>
// CHECK: linalg.transpose
// CHECK: scf.for %{{.*}} iter_args(%{{.*}} = %[[SUMS]],
// CHECK: linalg.transpose
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[0, %[[COL]]] [63, %[[LEN]]] [1, 1] : tensor<63x?xf32> into tensor<63x1000xf32>
// CHECK-NOT: scf.forall
module attributes {tsm.num_threads = 1 : i64} {
func.func @cumsum$blocks(%x: tensor<63x1000xf32>) -> tensor<63x1000xf32> {
  %0 = "tsm.cumsum"(%x) {dim = 1 : i64} : (tensor<63x1000xf32>) -> tensor<63x1000xf32>
  return %0 : tensor<63x1000xf32>
}
}
