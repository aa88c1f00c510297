// RUN: tsmlir-opt %s --tsm-to-linalg --tsm-linalg-to-loops | filecheck %s

// tsm-vectorize-matvec: a matmul of a few rows by a narrow constant B
// (a linear layer's K x N weight) becomes a call to a function that copies
// B transposed (N x K) into a global on its first call, then computes each
// output as a dot product along a contiguous row of that copy.
// 1 x 100 @ 100 x 10: 4 accumulators of 8 lanes (k steps of 32 up to 96),
// then a masked tail of 4 columns and a horizontal sum into C.
// CHECK-LABEL: func.func private @tsm_matvec_0(
// CHECK-SAME: %[[A:[^:]*]]: memref<1x100xf32>, %[[B:[^:]*]]: memref<100x10xf32>, %[[C:[^:]*]]: memref<1x10xf32>)
// CHECK: %[[BT:.*]] = memref.get_global @tsm_matvec_0_bt : memref<10x100xf32>
// CHECK: scf.if
// CHECK: %[[V:.*]] = memref.load %[[B]][%[[KK:.*]], %[[NN:.*]]] : memref<100x10xf32>
// CHECK: memref.store %[[V]], %[[BT]][%[[NN]], %[[KK]]] : memref<10x100xf32>
// CHECK: %[[MASK:.*]] = vector.constant_mask [4] : vector<8xi1>
// CHECK: scf.for %[[N:.*]] = %c0 to %c10 step %c1
// CHECK: %[[R:.*]]:4 = scf.for %[[K:.*]] = %c0 to %c96 step %c32 iter_args(
// CHECK-COUNT-4: vector.fma {{.*}} : vector<8xf32>
// CHECK: scf.yield
// CHECK: vector.maskedload %[[BT]][%[[N]], %c96], %[[MASK]]
// CHECK: vector.maskedload %[[A]][%c0, %c96], %[[MASK]]
// CHECK: %[[H:.*]] = vector.reduction <add>, %{{.*}} : vector<8xf32> into f32
// CHECK: %[[OLD:.*]] = memref.load %[[C]][%c0, %[[N]]]
// CHECK: %[[NEW:.*]] = arith.addf %[[OLD]], %[[H]] : f32
// CHECK: memref.store %[[NEW]], %[[C]][%c0, %[[N]]]
// CHECK-LABEL: func.func @mv$narrow
// CHECK: call @tsm_matvec_0(
// CHECK-NOT: linalg.matmul
func.func @mv$narrow(%x: tensor<1x100xf32>) -> tensor<1x10xf32> {
  %w = arith.constant dense_resource<w> : tensor<100x10xf32>
  %0 = "tsm.matmul"(%x, %w) : (tensor<1x100xf32>, tensor<100x10xf32>) -> tensor<1x10xf32>
  return %0 : tensor<1x10xf32>
}

// 3 rows: one accumulator per row (the B vector shared by the rows).
// CHECK-LABEL: func.func private @tsm_matvec_1(
// CHECK-SAME: memref<3x70xf32>
// CHECK: scf.for %{{.*}} = %c0 to %c64 step %c8 iter_args(
// CHECK-COUNT-3: vector.fma
// CHECK: scf.yield
// CHECK-COUNT-3: vector.reduction <add>
// CHECK-LABEL: func.func @mv$rows
// CHECK: call @tsm_matvec_1(
func.func @mv$rows(%x: tensor<3x70xf32>) -> tensor<3x5xf32> {
  %w = arith.constant dense_resource<w2> : tensor<70x5xf32>
  %0 = "tsm.matmul"(%x, %w) : (tensor<3x70xf32>, tensor<70x5xf32>) -> tensor<3x5xf32>
  return %0 : tensor<3x5xf32>
}

// Not taken: a B that is an argument, 5 rows, 33 columns.
// CHECK-LABEL: func.func @mv$others
// CHECK-NOT: call @tsm_matvec
// CHECK: return
func.func @mv$others(%x: tensor<1x100xf32>, %b: tensor<100x10xf32>, %y: tensor<5x100xf32>) -> (tensor<1x10xf32>, tensor<5x10xf32>, tensor<1x33xf32>) {
  %w = arith.constant dense_resource<w> : tensor<100x10xf32>
  %w33 = arith.constant dense_resource<w3> : tensor<100x33xf32>
  %0 = "tsm.matmul"(%x, %b) : (tensor<1x100xf32>, tensor<100x10xf32>) -> tensor<1x10xf32>
  %1 = "tsm.matmul"(%y, %w) : (tensor<5x100xf32>, tensor<100x10xf32>) -> tensor<5x10xf32>
  %2 = "tsm.matmul"(%x, %w33) : (tensor<1x100xf32>, tensor<100x33xf32>) -> tensor<1x33xf32>
  return %0, %1, %2 : tensor<1x10xf32>, tensor<5x10xf32>, tensor<1x33xf32>
}

// Rows counted at run time (a classifier on a batch of run-time size): two
// versions.  One row: the bias broadcast, then the dot products on 1-row
// casts of A and C; other counts: the packed kernel, which still starts C
// from the bias (its last operand; no broadcast in that branch).
// CHECK-LABEL: func.func @mv$run_time_rows(
// CHECK-SAME: %[[X:[^:]*]]: memref<?x120xf32>
// CHECK: %[[B:.*]] = memref.get_global @__constant_10xf32
// CHECK: %[[M:.*]] = memref.dim %[[X]], %c0
// CHECK: %[[C:.*]] = memref.alloc(%[[M]])
// CHECK: %[[ONE:.*]] = arith.cmpi eq, %[[M]], %c1
// CHECK: scf.if %[[ONE]] {
// CHECK: vector.transfer_read %[[B]]
// CHECK: vector.transfer_write
// CHECK: %[[X1:.*]] = memref.cast %[[X]] : memref<?x120xf32> to memref<1x120xf32>
// CHECK: %[[C1:.*]] = memref.cast %[[C]] : memref<?x10xf32> to memref<1x10xf32>
// CHECK: call @tsm_matvec_{{[0-9]+}}(%[[X1]], %{{.*}}, %[[C1]])
// CHECK-NEXT: } else {
// CHECK-NEXT: call @tsm_matmul_packed_{{[0-9]+}}_w0(%[[X]], %{{.*}}, %[[C]], %[[B]])
// CHECK-NEXT: }
func.func @mv$run_time_rows(%x: tensor<?x120xf32>) -> tensor<?x10xf32> {
  %w = arith.constant dense_resource<w4> : tensor<120x10xf32>
  %b = arith.constant dense_resource<b4> : tensor<10xf32>
  %0 = "tsm.matmul"(%x, %w) : (tensor<?x120xf32>, tensor<120x10xf32>) -> tensor<?x10xf32>
  %1 = "tsm.add"(%0, %b) : (tensor<?x10xf32>, tensor<10xf32>) -> tensor<?x10xf32>
  return %1 : tensor<?x10xf32>
}

// Rows at run time but 33 columns: one version, the packed kernel.
// CHECK-LABEL: func.func @mv$run_time_rows_wide
// CHECK-NOT: scf.if
// CHECK-NOT: call @tsm_matvec
// CHECK: call @tsm_matmul_packed_
// CHECK-NOT: call @tsm_matvec
// CHECK: return
func.func @mv$run_time_rows_wide(%x: tensor<?x120xf32>) -> tensor<?x33xf32> {
  %w33 = arith.constant dense_resource<w3> : tensor<120x33xf32>
  %0 = "tsm.matmul"(%x, %w33) : (tensor<?x120xf32>, tensor<120x33xf32>) -> tensor<?x33xf32>
  return %0 : tensor<?x33xf32>
}
