// RUN: tsmlir-opt %s --target-cpu x86-64-v3 --split-input-file --tsm-to-linalg --tsm-linalg-to-loops | filecheck %s

// F.linear with a run-time weight W (65 x 300, read as (N, K)) and 35 rows:
// no transposed copy of W; the packed kernel takes W itself and packs each
// block's panels from W's rows: panel p of the block (columns n0 + 16p ..)
// is the transpose of W's rows there, k0 .. k0 + kb, written by the shared
// 8 x 8 block-transpose function into the stack block; the last panel (65
// columns: 1 row of W) is zeroed first (its padding lanes stay 0).
// CHECK-LABEL: func.func private @tsm_matmul_packed_0(
// CHECK-SAME: %[[A:[^:]*]]: memref<35x300xf32>, %[[B:[^:]*]]: memref<65x300xf32>, %[[C:[^:]*]]: memref<35x65xf32>,
// CHECK: %[[BP:.*]] = memref.alloca() {alignment = 64 : i64} : memref<{{[0-9]+}}x256x[[L:16|32]]xf32>
// CHECK: scf.for %[[N0:.*]] = %{{.*}} to %{{.*}} step
// CHECK: scf.for %[[K0:.*]] = %c0 to %c300 step %c256
// CHECK: %[[KB:.*]] = arith.minsi
// CHECK: scf.for %[[P:.*]] = %c0 to %[[NP:.*]] step %c1
// CHECK: %[[OFF:.*]] = arith.muli %[[P]], %c[[L]]
// CHECK: %[[COL:.*]] = arith.addi %[[N0]], %[[OFF]]
// CHECK: %[[W:.*]] = arith.subi %{{.*}}, %[[COL]]
// CHECK: %[[FULL:.*]] = arith.cmpi sge, %[[W]], %c[[L]]
// CHECK: %[[WC:.*]] = arith.minsi %[[W]], %c[[L]]
// CHECK: scf.if %[[FULL]] {
// CHECK-NEXT: } else {
// CHECK: vector.store %{{.*}}, %[[BP]][%[[P]], %{{.*}}, %c0] : memref<{{.*}}>, vector<[[L]]xf32>
// CHECK: %[[SRC:.*]] = memref.subview %[[B]][%[[COL]], %[[K0]]] [%[[WC]], %[[KB]]] [1, 1] : memref<65x300xf32> to memref<?x?xf32, strided<[300, 1], offset: ?>>
// CHECK: %[[DST:.*]] = memref.subview %[[BP]][%[[P]], 0, 0] [1, %[[KB]], %[[WC]]] [1, 1, 1] : memref<{{.*}}> to memref<?x?xf32, strided<[[[L]], 1], offset: ?>>
// CHECK: %[[SV:.*]] = memref.cast %[[SRC]]
// CHECK: %[[DV:.*]] = memref.cast %[[DST]]
// CHECK: func.call @tsm_transpose_f32_2d(%[[SV]], %[[DV]])
// The micro-kernel reads the packed block as for a plain B.
// CHECK: vector.load %[[BP]][%{{.*}}, %{{.*}}, %c0]
// CHECK: vector.fma
// CHECK-NOT: linalg.transpose
// CHECK: return
// The forward passes W itself to the driver: no transposed copy.
// CHECK-LABEL: func.func @linear$runtime_weight
// CHECK-SAME: (%[[X:.*]]: memref<35x300xf32>, %[[WT:.*]]: memref<65x300xf32>, %[[BIAS:.*]]: memref<65xf32>)
// CHECK-NOT: tsm_transpose_f32_2d
// CHECK: call @tsm_matmul_packed_0_driver_f0(%[[X]], %[[WT]], %{{.*}}, %[[BIAS]])
// CHECK-NOT: tsm_transpose_f32_2d
// CHECK: return
// CHECK: func.func private @tsm_transpose_f32_2d(
func.func @linear$runtime_weight(%x: tensor<35x300xf32>, %w: tensor<65x300xf32>, %b: tensor<65xf32>) -> tensor<35x65xf32> {
  %0 = "tsm.linear"(%x, %w, %b) : (tensor<35x300xf32>, tensor<65x300xf32>, tensor<65xf32>) -> tensor<35x65xf32>
  return %0 : tensor<35x65xf32>
}

// -----

// bmm(q, k^T) with static sizes: each batch's matmul reads k's slice (36 x
// 24, a strided view) as its (N, K) B, and the kernel packs from that view.
// CHECK-LABEL: func.func private @tsm_matmul_packed_0(
// CHECK-SAME: %{{[^:]*}}: memref<40x24xf32, strided<[24, 1], offset: ?>>, %[[B:[^:]*]]: memref<36x24xf32, strided<[24, 1], offset: ?>>,
// CHECK: %[[SRC:.*]] = memref.subview %[[B]][
// CHECK-SAME: : memref<36x24xf32, strided<[24, 1], offset: ?>> to memref<?x24xf32, strided<[24, 1], offset: ?>>
// CHECK: %[[SV:.*]] = memref.cast %[[SRC]]
// CHECK: func.call @tsm_transpose_f32_2d(%[[SV]], %{{.*}})
// CHECK-LABEL: func.func @bmm$k_transposed
// CHECK-SAME: (%[[Q:.*]]: memref<2x40x24xf32>, %[[K:.*]]: memref<2x36x24xf32>)
// CHECK-NOT: tsm_transpose_f32_2d
// CHECK: scf.for %[[I:.*]] =
// CHECK: %[[QI:.*]] = memref.subview %[[Q]][%[[I]], 0, 0] [1, 40, 24]
// CHECK: %[[KI:.*]] = memref.subview %[[K]][%[[I]], 0, 0] [1, 36, 24]
// CHECK: call @tsm_matmul_packed_0_driver(%[[QI]], %[[KI]], %{{.*}})
// CHECK-NOT: tsm_transpose_f32_2d
// CHECK: return
func.func @bmm$k_transposed(%q: tensor<2x40x24xf32>, %k: tensor<2x36x24xf32>) -> tensor<2x40x36xf32> {
  %0 = tensor.empty() : tensor<2x24x36xf32>
  %kt = linalg.transpose ins(%k : tensor<2x36x24xf32>) outs(%0 : tensor<2x24x36xf32>) permutation = [0, 2, 1]
  %s = "tsm.matmul"(%q, %kt) : (tensor<2x40x24xf32>, tensor<2x24x36xf32>) -> tensor<2x40x36xf32>
  return %s : tensor<2x40x36xf32>
}

// -----

// bmm(a^T, b) with static sizes and 40 rows: each batch's matmul reads a's
// slice (24 x 40, (K, M)) as its A; the micro-kernel broadcasts A[k, m]
// (a strip's rows are adjacent floats of row k), no transposed copy.
// CHECK-LABEL: func.func private @tsm_matmul_packed_0(
// CHECK-SAME: %[[A:[^:]*]]: memref<24x40xf32, strided<[40, 1], offset: ?>>, %{{[^:]*}}: memref<24x36xf32, strided<[36, 1], offset: ?>>,
// CHECK: scf.for %[[M0:.*]] = %{{.*}} to %{{.*}} step %c{{6|8}}
// CHECK: scf.for %[[K:[^ ]*]] = %c0 to %c24 step %c1 iter_args(
// CHECK: %[[X:.*]] = memref.load %[[A]][%[[K]], %[[M0]]] : memref<24x40xf32, strided<[40, 1], offset: ?>>
// CHECK: vector.broadcast %[[X]]
// CHECK-LABEL: func.func @bmm$a_transposed
// CHECK-SAME: (%[[AA:.*]]: memref<2x24x40xf32>, %[[B:.*]]: memref<2x24x36xf32>)
// CHECK-NOT: tsm_transpose_f32_2d
// CHECK: scf.for %[[I:.*]] =
// CHECK: %[[AI:.*]] = memref.subview %[[AA]][%[[I]], 0, 0] [1, 24, 40]
// CHECK: call @tsm_matmul_packed_0_driver(%[[AI]],
// CHECK-NOT: tsm_transpose_f32_2d
// CHECK: return
func.func @bmm$a_transposed(%a: tensor<2x24x40xf32>, %b: tensor<2x24x36xf32>) -> tensor<2x40x36xf32> {
  %0 = tensor.empty() : tensor<2x40x24xf32>
  %at = linalg.transpose ins(%a : tensor<2x24x40xf32>) outs(%0 : tensor<2x40x24xf32>) permutation = [0, 2, 1]
  %s = "tsm.matmul"(%at, %b) : (tensor<2x40x24xf32>, tensor<2x24x36xf32>) -> tensor<2x40x36xf32>
  return %s : tensor<2x40x36xf32>
}
