// RUN: tsmlir-opt %s --split-input-file --tsm-vectorize-transposes | filecheck %s

// A 2-D f32 transpose: a call of the shared block-transpose function on
// dynamic views; per 8 x 8 block 8 row loads, 24 shuffles (unpack, 64-bit
// shuffle, 128-bit halves) and 8 stores, in tiles of 64 source columns; the
// edges that are not whole blocks are scalar loops.
// CHECK-LABEL: func.func @t2d
// CHECK-SAME: (%[[X:.*]]: memref<5x9xf32>, %[[Y:.*]]: memref<9x5xf32>)
// CHECK: %[[XV:.*]] = memref.cast %[[X]] : memref<5x9xf32> to memref<?x?xf32, strided<[?, 1], offset: ?>>
// CHECK: %[[YV:.*]] = memref.cast %[[Y]]
// CHECK: call @tsm_transpose_f32_2d(%[[XV]], %[[YV]])
// CHECK-NOT: linalg.transpose
// CHECK-LABEL: func.func private @tsm_transpose_f32_2d
// CHECK-SAME: attributes {passthrough = ["noinline"]}
// Tiles of 64 source columns, or 8 where dst's rows lie a multiple of 1024
// floats (4 KB) apart and src's rows have at most 256 elements.
// CHECK: %[[NB:.*]] = memref.dim %arg0, %c1
// CHECK: %{{.*}}, %{{.*}}, %{{.*}}:2, %[[DSTRIDES:.*]]:2 = memref.extract_strided_metadata %arg1
// CHECK: %[[C1024:.*]] = arith.constant 1024 : index
// CHECK: %[[C256:.*]] = arith.constant 256 : index
// CHECK: %[[C64:.*]] = arith.constant 64 : index
// CHECK: %[[PHASE:.*]] = arith.remui %[[DSTRIDES]]#0, %[[C1024]] : index
// CHECK: %[[ALIGNED:.*]] = arith.cmpi eq, %[[PHASE]], %{{.*}} : index
// CHECK: %[[SHORT:.*]] = arith.cmpi ule, %[[NB]], %[[C256]] : index
// CHECK: %[[NARROW:.*]] = arith.andi %[[ALIGNED]], %[[SHORT]] : i1
// CHECK: %[[TILE:.*]] = arith.select %[[NARROW]], %{{.*}}, %[[C64]] : index
// CHECK: scf.for %[[BT:.*]] = %{{.*}} to %{{.*}} step %[[TILE]]
// CHECK: scf.for %[[A0:.*]] = %{{.*}} to %{{.*}} step %[[C8:.*]] {
// CHECK: scf.for %[[B0:.*]] = %[[BT]] to %{{.*}} step %[[C8]]
// CHECK: vector.load %arg0[%[[A0]], %[[B0]]] {{.*}} vector<8xf32>
// CHECK-COUNT-7: vector.load
// CHECK-COUNT-8: vector.shuffle {{.*}} [{{0, 8, 1, 9, 4, 12, 5, 13|2, 10, 3, 11, 6, 14, 7, 15}}]
// CHECK-COUNT-8: vector.shuffle {{.*}} [{{0, 1, 8, 9, 4, 5, 12, 13|2, 3, 10, 11, 6, 7, 14, 15}}]
// CHECK-COUNT-8: vector.shuffle {{.*}} [{{0, 1, 2, 3, 8, 9, 10, 11|4, 5, 6, 7, 12, 13, 14, 15}}]
// CHECK: vector.store %{{.*}}, %arg1[%[[B0]], %[[A0]]]
// CHECK-COUNT-7: vector.store
// CHECK: memref.load
// CHECK: memref.store
// CHECK: memref.load
// CHECK: memref.store
func.func @t2d(%x: memref<5x9xf32>, %y: memref<9x5xf32>) {
  linalg.transpose ins(%x : memref<5x9xf32>) outs(%y : memref<9x5xf32>) permutation = [1, 0]
  return
}

// -----

// A permutation of rank 4 that moves the innermost dim: both views permuted
// (free) so that the exchanged dims come last, then the 4-D function.
// CHECK-LABEL: func.func @t4d
// CHECK-SAME: (%[[X:.*]]: memref<2x3x4x5xf32>, %[[Y:.*]]: memref<5x4x2x3xf32>)
// CHECK: %[[YT:.*]] = memref.transpose %[[Y]] (d0, d1, d2, d3) -> (d1, d2, d0, d3) : memref<5x4x2x3xf32> to memref<4x2x5x3xf32, strided<[6, 3, 24, 1]>>
// CHECK: %[[XT:.*]] = memref.transpose %[[X]] (d0, d1, d2, d3) -> (d2, d0, d1, d3) : memref<2x3x4x5xf32> to memref<4x2x3x5xf32, strided<[5, 60, 20, 1]>>
// CHECK: %[[XV:.*]] = memref.cast %[[XT]]
// CHECK: %[[YV:.*]] = memref.cast %[[YT]]
// CHECK: call @tsm_transpose_f32_4d(%[[XV]], %[[YV]])
// CHECK-LABEL: func.func private @tsm_transpose_f32_4d
func.func @t4d(%x: memref<2x3x4x5xf32>, %y: memref<5x4x2x3xf32>) {
  linalg.transpose ins(%x : memref<2x3x4x5xf32>) outs(%y : memref<5x4x2x3xf32>) permutation = [3, 2, 0, 1]
  return
}

// -----

// The innermost dim stays (merging attention heads): a copy from the
// permuted view, which tsm-copies-to-linalg makes a vectorized row copy.
// CHECK-LABEL: func.func @heads
// CHECK: %[[XT:.*]] = memref.transpose %arg0 (d0, d1, d2, d3) -> (d0, d2, d1, d3)
// CHECK: memref.copy %[[XT]], %arg1
// CHECK-NOT: linalg.transpose
func.func @heads(%x: memref<2x3x4x5xf64>, %y: memref<2x4x3x5xf64>) {
  linalg.transpose ins(%x : memref<2x3x4x5xf64>) outs(%y : memref<2x4x3x5xf64>) permutation = [0, 2, 1, 3]
  return
}

// -----

// Other element types keep their transpose when it moves the innermost dim;
// so does a view whose innermost stride is not 1.
// CHECK-LABEL: func.func @kept
// CHECK: linalg.transpose
// CHECK: linalg.transpose
// CHECK-NOT: call
func.func @kept(%x: memref<5x9xf64>, %y: memref<9x5xf64>, %s: memref<5x9xf32, strided<[18, 2]>>, %t: memref<9x5xf32>) {
  linalg.transpose ins(%x : memref<5x9xf64>) outs(%y : memref<9x5xf64>) permutation = [1, 0]
  linalg.transpose ins(%s : memref<5x9xf32, strided<[18, 2]>>) outs(%t : memref<9x5xf32>) permutation = [1, 0]
  return
}

// -----

// With 2 threads a big transpose calls the parallel driver, but one inside a
// parallel loop (a scan's chunk of rows) calls the serial function: the
// thread transposes its own share.
// CHECK-LABEL: func.func @threads
// CHECK: call @tsm_transpose_f32_2d_par(
// CHECK: scf.parallel
// CHECK: call @tsm_transpose_f32_2d(
// CHECK-NOT: call @tsm_transpose_f32_2d_par(
// CHECK: scf.reduce
module attributes {tsm.num_threads = 2 : i64} {
func.func @threads(%x: memref<512x256xf32>, %y: memref<256x512xf32>, %p: memref<2x32x4096xf32>,
                   %q: memref<2x4096x32xf32>) {
  linalg.transpose ins(%x : memref<512x256xf32>) outs(%y : memref<256x512xf32>) permutation = [1, 0]
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  scf.parallel (%t) = (%c0) to (%c2) step (%c1) {
    %a = memref.subview %p[%t, 0, 0] [1, 32, 4096] [1, 1, 1] : memref<2x32x4096xf32> to memref<32x4096xf32, strided<[4096, 1], offset: ?>>
    %b = memref.subview %q[%t, 0, 0] [1, 4096, 32] [1, 1, 1] : memref<2x4096x32xf32> to memref<4096x32xf32, strided<[32, 1], offset: ?>>
    linalg.transpose ins(%a : memref<32x4096xf32, strided<[4096, 1], offset: ?>>) outs(%b : memref<4096x32xf32, strided<[32, 1], offset: ?>>) permutation = [1, 0]
    scf.reduce
  }
  return
}
}
