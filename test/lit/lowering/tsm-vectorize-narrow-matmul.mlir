// RUN: tsmlir-opt %s --target-cpu x86-64-v3 --tsm-vectorize-narrow-matmul --split-input-file | filecheck %s
// RUN: tsmlir-opt %s --target-cpu x86-64-v4 --tsm-vectorize-narrow-matmul --split-input-file | filecheck %s --check-prefix=V4

// A constant A (40 x 70: 3 panels of 16 rows, the last one 8 rows short)
// times 3 columns, with a ReLU epilogue: A is packed once into
// [3][70][16]; per panel, 2 x 3 accumulators over all of k (two panel
// vectors, a broadcast of B[k, j] per column), then C += the sums through a
// [3][16] stack buffer, rows below m only, max(., 0) at the store.
// With AVX-512 (x86-64-v4) a panel is 32 rows, two 16-lane vectors; its
// rows are 128 bytes, two cache lines, each prefetched.
// V4-LABEL: func.func private @tsm_matmul_narrow_pack_0(
// V4-SAME: memref<40x70xf32>, %{{[^:]*}}: memref<2x70x32xf32>)
// V4: vector.from_elements {{.*}} : vector<32xf32>
// V4-LABEL: func.func private @tsm_matmul_narrow_0(
// V4: memref.prefetch %{{.*}}[%{{.*}}, %{{.*}}, %c0], read
// V4: memref.prefetch %{{.*}}[%{{.*}}, %{{.*}}, %c16], read
// V4: vector.load %{{.*}}[%{{.*}}, %{{.*}}, %c0] : memref<2x70x32xf32>, vector<16xf32>
// V4: vector.load %{{.*}}[%{{.*}}, %{{.*}}, %c16] : memref<2x70x32xf32>, vector<16xf32>
// V4-COUNT-6: vector.fma {{.*}} : vector<16xf32>
// CHECK-LABEL: func.func private @tsm_matmul_narrow_pack_0(
// CHECK-SAME: %[[A:[^:]*]]: memref<40x70xf32>, %[[AP:[^:]*]]: memref<3x70x16xf32>)
// CHECK: %[[ZERO:.*]] = arith.constant 0.0{{.*}} : f32
// CHECK: scf.for %[[P:.*]] = %c0 to %c2 step %c1 {
// CHECK: scf.for %[[KK:.*]] = %c0 to %c70 step %c1 {
// CHECK-COUNT-16: memref.load %[[A]][%{{.*}}, %[[KK]]] : memref<40x70xf32>
// CHECK: %[[COL:.*]] = vector.from_elements {{.*}} : vector<16xf32>
// CHECK: vector.store %[[COL]], %[[AP]][%[[P]], %[[KK]], %c0] : memref<3x70x16xf32>, vector<16xf32>
// The last panel: 8 rows, 8 zeros.
// CHECK: scf.for %[[KE:.*]] = %c0 to %c70 step %c1 {
// CHECK-COUNT-8: memref.load %[[A]][%{{.*}}, %[[KE]]] : memref<40x70xf32>
// CHECK: vector.from_elements {{.*}}, %[[ZERO]], %[[ZERO]], %[[ZERO]], %[[ZERO]], %[[ZERO]], %[[ZERO]], %[[ZERO]], %[[ZERO]] : vector<16xf32>
// CHECK: vector.store %{{.*}}, %[[AP]][%c2, %[[KE]], %c0]
// CHECK-LABEL: func.func private @tsm_matmul_narrow_0(
// CHECK-SAME: %[[PACKED:[^:]*]]: memref<3x70x16xf32>, %[[B:[^:]*]]: memref<70x3xf32>, %[[C:[^:]*]]: memref<40x3xf32>
// CHECK: %[[BUF:.*]] = memref.alloca() {alignment = 64 : i64} : memref<3x16xf32>
// CHECK: scf.for %[[PANEL:.*]] = %{{.*}} to %{{.*}} step %c1 {
// CHECK: %[[R:.*]]:6 = scf.for %[[K:.*]] = %c0 to %{{.*}} step %{{.*}} iter_args(
// The panel's row 32 ahead (at most its last row) is prefetched: the
// weights stream from memory.
// CHECK: %[[AHEAD:.*]] = arith.addi %[[K]], %c32
// CHECK: %[[PF:.*]] = arith.minsi %[[AHEAD]], %c69
// CHECK: memref.prefetch %[[PACKED]][%[[PANEL]], %[[PF]], %c0], read, locality<3>, data : memref<3x70x16xf32>
// CHECK: %[[A0:.*]] = vector.load %[[PACKED]][%[[PANEL]], %[[K]], %c0] : memref<3x70x16xf32>, vector<8xf32>
// CHECK: %[[A1:.*]] = vector.load %[[PACKED]][%[[PANEL]], %[[K]], %c8] : memref<3x70x16xf32>, vector<8xf32>
// CHECK: %[[X:.*]] = memref.load %[[B]][%[[K]], %{{.*}}] : memref<70x3xf32>
// CHECK: %[[XB:.*]] = vector.broadcast %[[X]] : f32 to vector<8xf32>
// CHECK: vector.fma %[[A0]], %[[XB]], %{{.*}} : vector<8xf32>
// CHECK: vector.fma %[[A1]], %[[XB]], %{{.*}} : vector<8xf32>
// CHECK-COUNT-4: vector.fma
// CHECK: scf.yield
// CHECK: vector.store %[[R]]#0, %[[BUF]][%c0, %c0]
// CHECK: vector.store %[[R]]#1, %[[BUF]][%c0, %c8]
// CHECK: %[[M0:.*]] = arith.muli %[[PANEL]], %c16
// CHECK: %[[LEFT:.*]] = arith.subi %c40, %[[M0]]
// CHECK: %[[ROWS:.*]] = arith.minsi %[[LEFT]], %c16
// CHECK: scf.for %[[ROW:.*]] = %c0 to %[[ROWS]] step %c1 {
// CHECK: %[[S:.*]] = memref.load %[[BUF]][%c0, %[[ROW]]]
// CHECK: %[[OLD:.*]] = memref.load %[[C]]
// CHECK: %[[SUM:.*]] = arith.addf %[[OLD]], %[[S]] : f32
// CHECK: %[[RELU:.*]] = arith.maximumf %[[SUM]], %{{.*}} : f32
// CHECK: memref.store %[[RELU]], %[[C]]
// CHECK: memref.global "private" @tsm_matmul_narrow_w0_a : memref<3x70x16xf32> = uninitialized
// CHECK-LABEL: func.func private @tsm_matmul_narrow_w0(
// CHECK: %[[G:.*]] = memref.get_global @tsm_matmul_narrow_w0_a
// CHECK: scf.if
// CHECK: func.call @tsm_matmul_narrow_pack_0(%{{.*}}, %[[G]])
// CHECK: call @tsm_matmul_narrow_0(%[[G]], %{{.*}}, %{{.*}}, %c0{{.*}}, %c3)
// CHECK-LABEL: func.func @narrow$relu(
// CHECK: call @tsm_matmul_narrow_w0(
// CHECK-NOT: linalg.matmul
memref.global "private" constant @w : memref<40x70xf32> = dense<1.0>
func.func @narrow$relu(%b: memref<70x3xf32>, %c: memref<40x3xf32>) {
  %w = memref.get_global @w : memref<40x70xf32>
  linalg.matmul {tsm.epilogue = "relu"} ins(%w, %b : memref<40x70xf32>, memref<70x3xf32>) outs(%c : memref<40x3xf32>)
  return
}

// -----

// One column: 4 sets of 2 accumulators take interleaved k steps (to 68),
// are added up, and the 2 last k steps run in a tail loop; no epilogue.
// CHECK-LABEL: func.func private @tsm_matmul_narrow_0(
// CHECK-SAME: memref<2x70x16xf32>, %{{.*}}: memref<70x1xf32>, %{{.*}}: memref<32x1xf32>
// CHECK: %[[R:.*]]:8 = scf.for %{{.*}} = %c0 to %c68 step %c4{{.*}} iter_args(
// CHECK-COUNT-8: vector.fma
// CHECK: scf.yield
// CHECK-COUNT-6: arith.addf %{{.*}} : vector<8xf32>
// CHECK: scf.for %{{.*}} = %c68 to %c70 step %c1 iter_args(
// CHECK-COUNT-2: vector.fma
// CHECK: scf.yield
// CHECK-NOT: arith.maximumf
// CHECK: return
// CHECK-LABEL: func.func @narrow$one_column(
// CHECK: call @tsm_matmul_narrow_w0(
memref.global "private" constant @w : memref<32x70xf32> = dense<1.0>
func.func @narrow$one_column(%b: memref<70x1xf32>, %c: memref<32x1xf32>) {
  %w = memref.get_global @w : memref<32x70xf32>
  linalg.matmul ins(%w, %b : memref<32x70xf32>, memref<70x1xf32>) outs(%c : memref<32x1xf32>)
  return
}

// -----

// 8 columns: two groups of 4, one after the other on each panel (the
// second reads the panel from L2), then one store of the 8 columns; with
// 2 threads and 300 x 300 weights, the threads share the 19 panels in
// an scf.parallel over 4 pieces of 5.
// CHECK-LABEL: func.func private @tsm_matmul_narrow_0(
// CHECK-SAME: %{{.*}}: index, %{{.*}}: index)
// CHECK: scf.for %[[P:.*]] = %{{.*}} to %{{.*}} step %c1 {
// CHECK: scf.for %{{.*}} = %c0 to %c300{{.*}} step %c1{{.*}} iter_args(
// CHECK-COUNT-8: vector.fma
// CHECK: scf.yield
// CHECK: scf.for %{{.*}} = %c0 to %c300{{.*}} step %c1{{.*}} iter_args(
// CHECK-COUNT-8: vector.fma
// CHECK: scf.yield
// CHECK: vector.store %{{.*}}, %{{.*}}[%c7, %c8]
// CHECK: scf.for
// CHECK-COUNT-8: memref.store
// CHECK-LABEL: func.func private @tsm_matmul_narrow_w0(
// CHECK-DAG: %[[PIECES:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[CHUNK:.*]] = arith.constant 5 : index
// CHECK-DAG: %[[PANELS:.*]] = arith.constant 19 : index
// CHECK: scf.parallel (%[[I:.*]]) = (%{{.*}}) to (%[[PIECES]])
// CHECK: %[[LO:.*]] = arith.muli %[[I]], %[[CHUNK]]
// CHECK: %[[END:.*]] = arith.addi %[[LO]], %[[CHUNK]]
// CHECK: %[[HI:.*]] = arith.minsi %[[END]], %[[PANELS]]
// CHECK: call @tsm_matmul_narrow_0(%{{.*}}, %{{.*}}, %{{.*}}, %[[LO]], %[[HI]])
// CHECK: scf.reduce
module attributes {tsm.num_threads = 2 : i64} {
  memref.global "private" constant @big : memref<300x300xf32> = dense<1.0>
  func.func @narrow$threads(%b: memref<300x8xf32>, %c: memref<300x8xf32>) {
    %w = memref.get_global @big : memref<300x300xf32>
    linalg.matmul ins(%w, %b : memref<300x300xf32>, memref<300x8xf32>) outs(%c : memref<300x8xf32>)
    return
  }
}

// -----

// Not taken: A an argument (B constant), 15 rows, 17 columns (AVX2; with
// AVX-512 up to 24 columns are taken), another epilogue.
// V4-LABEL: func.func @narrow$others(
// V4: linalg.matmul ins(%{{.*}}, %{{.*}} : memref<64x70xf32>, memref<70x4xf32>)
// V4: linalg.matmul ins(%{{.*}}, %{{.*}} : memref<15x70xf32>, memref<70x4xf32>)
// V4: call @tsm_matmul_narrow_w0(
// V4: linalg.matmul {tsm.epilogue = "gelu"}
// CHECK-LABEL: func.func @narrow$others(
// CHECK-NOT: call @tsm_matmul_narrow
// CHECK-COUNT-4: linalg.matmul
memref.global "private" constant @w : memref<64x70xf32> = dense<1.0>
memref.global "private" constant @w15 : memref<15x70xf32> = dense<1.0>
func.func @narrow$others(%a: memref<64x70xf32>, %b: memref<70x4xf32>, %b9: memref<70x17xf32>,
                         %c: memref<64x4xf32>, %c15: memref<15x4xf32>, %c9: memref<64x17xf32>) {
  %w = memref.get_global @w : memref<64x70xf32>
  %w15 = memref.get_global @w15 : memref<15x70xf32>
  %wb = memref.get_global @w : memref<64x70xf32>
  linalg.matmul ins(%a, %b : memref<64x70xf32>, memref<70x4xf32>) outs(%c : memref<64x4xf32>)
  linalg.matmul ins(%w15, %b : memref<15x70xf32>, memref<70x4xf32>) outs(%c15 : memref<15x4xf32>)
  linalg.matmul ins(%w, %b9 : memref<64x70xf32>, memref<70x17xf32>) outs(%c9 : memref<64x17xf32>)
  linalg.matmul {tsm.epilogue = "gelu"} ins(%wb, %b : memref<64x70xf32>, memref<70x4xf32>) outs(%c : memref<64x4xf32>)
  return
}
