// RUN: tsmlir-opt %s --tsm-to-linalg --tsm-linalg-to-loops | filecheck %s

// With 2 threads and enough static work (2^16 elements, rows >= threads),
// the outermost row loop of a vectorized reduction is shared by the threads
// (scf.forall, then scf.parallel for tsm-scf-to-openmp) in 8 blocks of 8
// rows; the per-row vector loop is unchanged.
module attributes {tsm.num_threads = 2 : i64} {
  // CHECK-LABEL: func.func @sum$parallel_rows
  // CHECK: scf.parallel (%[[FIRST:.*]]) = (%c0) to (%c64) step (%c8)
  // CHECK: scf.for %[[ROW:.*]] = %[[FIRST]] to
  // CHECK: scf.for {{.*}} -> (vector<32xf32>)
  // CHECK: vector.load {{.*}}[%[[ROW]], {{.*}}] : memref<64x1024xf32>, vector<32xf32>
  // CHECK: vector.reduction <add>
  func.func @sum$parallel_rows(%x: tensor<64x1024xf32>) -> tensor<64xf32> {
    %0 = "tsm.sum"(%x) {dims = array<i64: -1>, keepdim = false} : (tensor<64x1024xf32>) -> tensor<64xf32>
    return %0 : tensor<64xf32>
  }

  // Too little work to wake a second thread: serial rows.
  // CHECK-LABEL: func.func @sum$serial_rows
  // CHECK-NOT: scf.parallel
  // CHECK: vector.reduction <add>
  // CHECK: return
  func.func @sum$serial_rows(%x: tensor<64x100xf32>) -> tensor<64xf32> {
    %0 = "tsm.sum"(%x) {dims = array<i64: -1>, keepdim = false} : (tensor<64x100xf32>) -> tensor<64xf32>
    return %0 : tensor<64xf32>
  }

  // Rows of run-time count: the work is known only when it runs.  Two
  // versions, chosen then by the elements read (2^16 or more: blocks of
  // rows shared by the threads, their size computed from the row count).
  // CHECK-LABEL: func.func @sum$dynamic_rows
  // CHECK: %[[N:.*]] = memref.dim %{{.*}}, %c0 : memref<?x301xf32>
  // CHECK: %[[COUNT:.*]] = arith.muli %[[N]], %c301 : index
  // CHECK: %[[BIG:.*]] = arith.cmpi sge, %[[COUNT]], %c65536 : index
  // CHECK: scf.if %[[BIG]] {
  // CHECK: scf.parallel (%{{.*}}) = (%c0) to (%{{.*}}) step (%{{.*}})
  // CHECK: vector.reduction <add>
  // CHECK: } else {
  // CHECK-NOT: scf.parallel
  // CHECK: vector.reduction <add>
  // CHECK: return
  func.func @sum$dynamic_rows(%x: tensor<?x301xf32>) -> tensor<?xf32> {
    %0 = "tsm.sum"(%x) {dims = array<i64: -1>, keepdim = false} : (tensor<?x301xf32>) -> tensor<?xf32>
    return %0 : tensor<?xf32>
  }
}
