// RUN: tsmlir-opt %s --target-cpu x86-64-v3 --split-input-file --tsm-vectorize-matvec | filecheck %s
// RUN: tsmlir-opt %s --target-cpu x86-64-v4 --split-input-file --tsm-vectorize-matvec | filecheck %s --check-prefix=V4

// A few-row matmul reading B as (N, K) (a linear layer's run-time weight):
// a call of a dot-product function on views of any row stride that reads B
// in place (no transposed global, no first-call copy); per n, the rows of
// A share each loaded vector of B's row n, the tail is masked, and one
// horizontal sum per row is added into C.
// CHECK-LABEL: func.func private @tsm_matvec_bt_0
// CHECK-SAME: (%[[A:.*]]: memref<3x20xf32, strided<[?, 1], offset: ?>>, %[[B:.*]]: memref<5x20xf32, strided<[?, 1], offset: ?>>, %[[C:.*]]: memref<3x5xf32, strided<[?, 1], offset: ?>>)
// CHECK-NOT: memref.get_global
// CHECK: scf.for %[[N:.*]] = %{{.*}} to %c5 step %c1
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK: %[[W:.*]] = vector.load %[[B]][%[[N]], %{{.*}}]
// CHECK: vector.load %[[A]][%c0,
// CHECK: vector.fma %{{.*}}, %[[W]]
// CHECK: vector.maskedload %[[B]]
// CHECK: vector.reduction <add>
// CHECK: memref.store %{{.*}}, %[[C]][%c0, %[[N]]]
// CHECK-LABEL: func.func @bt
// CHECK: %[[AV:.*]] = memref.cast %arg0 : memref<3x20xf32> to memref<3x20xf32, strided<[?, 1], offset: ?>>
// CHECK: %[[BV:.*]] = memref.cast %arg1
// CHECK: %[[CV:.*]] = memref.cast %arg2
// CHECK: call @tsm_matvec_bt_0(%[[AV]], %[[BV]], %[[CV]])
// CHECK-NOT: linalg.matmul
#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#b = affine_map<(d0, d1, d2) -> (d1, d2)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>
func.func @bt(%x: memref<3x20xf32>, %w: memref<5x20xf32>, %y: memref<3x5xf32>) {
  linalg.matmul indexing_maps = [#a, #b, #c] ins(%x, %w : memref<3x20xf32>, memref<5x20xf32>) outs(%y : memref<3x5xf32>)
  return
}

// -----

// 6 rows: blocks of 4 and 2 rows (row views of A and C), one function per
// block shape, B shared; the ReLU epilogue becomes a loop after them.
// CHECK-LABEL: func.func @blocks
// CHECK-SAME: (%[[X:.*]]: memref<6x20xf32>, %[[W:.*]]: memref<5x20xf32>, %[[Y:.*]]: memref<6x5xf32>)
// CHECK: %[[AV:.*]] = memref.cast %[[X]]
// CHECK: %[[BV:.*]] = memref.cast %[[W]]
// CHECK: %[[CV:.*]] = memref.cast %[[Y]]
// CHECK: %[[A0:.*]] = memref.subview %[[AV]][0, 0] [4, 20] [1, 1]
// CHECK: %[[C0:.*]] = memref.subview %[[CV]][0, 0] [4, 5] [1, 1]
// CHECK: call @[[F4:tsm_matvec_bt_[0-9]+]](%[[A0]], %[[BV]], %[[C0]])
// CHECK: %[[A1:.*]] = memref.subview %[[AV]][4, 0] [2, 20] [1, 1]
// CHECK: %[[C1:.*]] = memref.subview %[[CV]][4, 0] [2, 5] [1, 1]
// CHECK: call @[[F2:tsm_matvec_bt_[0-9]+]](%[[A1]], %[[BV]], %[[C1]])
// CHECK: arith.maximumf
// CHECK-NOT: linalg.matmul
// With AVX-512: 16-float vectors and all 6 rows in one pass over B (up to 8).
// V4-LABEL: func.func @bt
// V4: func.func private @tsm_matvec_bt_0(%{{[^:]*}}: memref<6x20xf32
// V4: scf.for {{.*}} iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// V4: vector.maskedload
// V4-LABEL: func.func @blocks
// V4-NOT: memref.subview
// V4: call @tsm_matvec_bt_0(
// V4-NOT: call @tsm_matvec_bt
// V4: arith.maximumf
#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#b = affine_map<(d0, d1, d2) -> (d1, d2)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>
func.func @blocks(%x: memref<6x20xf32>, %w: memref<5x20xf32>, %y: memref<6x5xf32>) {
  linalg.matmul indexing_maps = [#a, #b, #c] {tsm.epilogue = "relu"} ins(%x, %w : memref<6x20xf32>, memref<5x20xf32>) outs(%y : memref<6x5xf32>)
  return
}

// -----

// More rows than MAX_ROWS_B_TRANSPOSED, or a dynamic shape, stay linalg.matmul.
// CHECK-LABEL: func.func @kept
// CHECK: linalg.matmul
// CHECK: linalg.matmul
// CHECK-NOT: call
#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#b = affine_map<(d0, d1, d2) -> (d1, d2)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>
func.func @kept(%x: memref<17x20xf32>, %w: memref<5x20xf32>, %y: memref<17x5xf32>, %xd: memref<?x20xf32>, %yd: memref<?x5xf32>) {
  linalg.matmul indexing_maps = [#a, #b, #c] ins(%x, %w : memref<17x20xf32>, memref<5x20xf32>) outs(%y : memref<17x5xf32>)
  linalg.matmul indexing_maps = [#a, #b, #c] ins(%xd, %w : memref<?x20xf32>, memref<5x20xf32>) outs(%yd : memref<?x5xf32>)
  return
}

// -----

// With 2 threads and a B of 100,000 weights (from 65,536) the threads share
// the columns in 8 blocks of 125 (4 a thread, handed out dynamically), not
// one column an iteration.
// CHECK-LABEL: func.func private @tsm_matvec_bt_0
// CHECK: scf.parallel (%[[NB:.*]]) = (%c0) to (%c1000) step (%c125)
// CHECK: %[[END:.*]] = arith.addi %[[NB]], %c125
// CHECK: %[[HI:.*]] = arith.minsi %[[END]], %c1000
// CHECK: scf.for %{{.*}} = %[[NB]] to %[[HI]] step %c1
module attributes {tsm.num_threads = 2 : i64} {
  func.func @threads(%x: memref<1x100xf32>, %w: memref<1000x100xf32>, %y: memref<1x1000xf32>) {
    linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%x, %w : memref<1x100xf32>, memref<1000x100xf32>) outs(%y : memref<1x1000xf32>)
    return
  }
}
