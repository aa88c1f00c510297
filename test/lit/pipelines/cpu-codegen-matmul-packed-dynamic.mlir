// RUN: tsmlir-opt %s --split-input-file --target-cpu x86-64-v3 --tsm-to-linalg --tsm-linalg-to-loops | filecheck %s
// RUN: tsmlir-opt %s --split-input-file --target-cpu x86-64-v4 --tsm-to-linalg --tsm-linalg-to-loops | filecheck %s --check-prefix=V4

// Sizes known only at run time (here the rows: a dynamic batch through a
// linear layer): the packed kernel, in its shared form (any sizes and row
// strides), whose last strips are chosen when it runs.  Where the rows left
// after the full strips can be spread over strips one row shorter (the
// static rule of 49 = 4 x 6 + 5 x 5), full strips end early and strips of
// 5 (7 with AVX-512) follow; else one micro-kernel for the rest, through an
// scf.index_switch on it with a case for each count 1-4 (1-6).  A K of 0
// still runs one k block (the one that writes C's start).  The driver
// reads the rows off C.
// CHECK-LABEL: func.func private @tsm_matmul_packed_0(
// CHECK-SAME: %{{[^:]*}}: memref<?x?xf32, strided<[?, 1], offset: ?>>,
// CHECK-SAME: %[[MLO:[^:]*]]: index, %[[MHI:[^:]*]]: index, %{{[^:]*}}: index, %{{[^:]*}}: index)
// CHECK: %[[K:.*]] = memref.dim %{{.*}}, %c1
// CHECK: %[[MROWS:.*]] = arith.subi %[[MHI]], %[[MLO]] : index
// CHECK: %[[STRIPS:.*]] = arith.divui %[[MROWS]], %c6 : index
// CHECK: %[[FULL:.*]] = arith.muli %[[STRIPS]], %c6 : index
// CHECK: %[[FULL_END:.*]] = arith.addi %[[MLO]], %[[FULL]] : index
// CHECK: %[[KLOOP:.*]] = arith.maxsi %[[K]], %c1 : index
// CHECK: %[[REST:.*]] = arith.subi %[[MROWS]], %[[FULL]] : index
// CHECK: %[[HAS_REST:.*]] = arith.cmpi sgt, %[[REST]], %c0 : index
// CHECK: %[[MISSING:.*]] = arith.subi %c6, %[[REST]] : index
// CHECK: %[[ALL:.*]] = arith.addi %[[STRIPS]], %c1 : index
// CHECK: %[[SPREADS:.*]] = arith.cmpi sle, %[[MISSING]], %[[ALL]] : index
// CHECK: %[[NARROWING:.*]] = arith.andi %[[HAS_REST]], %[[SPREADS]] : i1
// CHECK: %[[WIDE:.*]] = arith.subi %[[ALL]], %[[MISSING]] : index
// CHECK: %[[WIDE_ROWS:.*]] = arith.muli %[[WIDE]], %c6 : index
// CHECK: %[[WIDE_AT:.*]] = arith.addi %[[MLO]], %[[WIDE_ROWS]] : index
// CHECK: %[[WIDE_END:.*]] = arith.select %[[NARROWING]], %[[WIDE_AT]], %[[FULL_END]] : index
// CHECK: %[[SHORT_END:.*]] = arith.select %[[NARROWING]], %[[MHI]], %[[FULL_END]] : index
// CHECK: %[[LEFT:.*]] = arith.select %[[NARROWING]], %c0, %[[REST]] : index
// CHECK: scf.for %{{.*}} = %c0 to %[[KLOOP]] step %c256
// CHECK: scf.for %{{.*}} = %[[MLO]] to %[[WIDE_END]] step %c6
// CHECK: %{{.*}}:6 = scf.for
// CHECK: scf.for %{{.*}} = %[[WIDE_END]] to %[[SHORT_END]] step %c5
// CHECK: %{{.*}}:5 = scf.for
// A tile of 1 or 2 rows (a batch of 1 or 2) has too few accumulators to
// hide the FMA's latency: its k loop adds 4 (2) k's at a time into as
// many sums, added up before the k's left.
// CHECK: scf.index_switch %[[LEFT]]
// CHECK: case 1 {
// CHECK: %[[KR:.*]] = arith.remui %[[KB:.*]], %[[C4:.*]] : index
// CHECK: %[[KE:.*]] = arith.subi %[[KB]], %[[KR]] : index
// CHECK: %[[S:.*]]:4 = scf.for %{{.*}} = %c0 to %[[KE]] step %[[C4]] iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %[[Z:[^,]*]], %{{.*}} = %[[Z]], %{{.*}} = %[[Z]]) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK-COUNT-4: vector.fma
// CHECK: %[[S01:.*]] = arith.addf %[[S]]#0, %[[S]]#1 : vector<16xf32>
// CHECK: %[[S012:.*]] = arith.addf %[[S01]], %[[S]]#2 : vector<16xf32>
// CHECK: %[[SUM:.*]] = arith.addf %[[S012]], %[[S]]#3 : vector<16xf32>
// CHECK: %{{.*}} = scf.for %{{.*}} = %[[KE]] to %[[KB]] step %c1 iter_args(%{{.*}} = %[[SUM]]) -> (vector<16xf32>)
// CHECK: case 2 {
// CHECK: %{{.*}}:4 = scf.for %{{.*}} step %c2 iter_args
// CHECK: case 3 {
// CHECK-NOT: arith.remui
// CHECK: case 4 {
// CHECK: %{{.*}}:4 = scf.for
// CHECK-NOT: case 5
// CHECK: default {
// CHECK-LABEL: func.func private @tsm_matmul_packed_0_driver(
// CHECK-SAME: %{{[^:]*}}: memref<?x40xf32>, %{{[^:]*}}: memref<40x20xf32>, %[[C:[^:]*]]: memref<?x20xf32>)
// CHECK: %[[M:.*]] = memref.dim %[[C]], %c0 : memref<?x20xf32>
// CHECK: call @tsm_matmul_packed_0(%{{.*}}, %c3, %false, %false, %c0, %[[M]], %c0, %c20)
// CHECK-LABEL: func.func @rows_at_run_time
// CHECK: call @tsm_matmul_packed_0_driver(
// V4-LABEL: func.func private @tsm_matmul_packed_0(
// V4: scf.for %{{.*}} step %c8
// V4: %{{.*}}:8 = scf.for
// V4: scf.for %{{.*}} step %c7
// V4: %{{.*}}:7 = scf.for
// V4: scf.index_switch
// V4: case 6 {
// V4: %{{.*}}:6 = scf.for
// V4-NOT: case 7
func.func @rows_at_run_time(%a: tensor<?x40xf32>, %b: tensor<40x20xf32>) -> tensor<?x20xf32> {
  %0 = "tsm.matmul"(%a, %b) : (tensor<?x40xf32>, tensor<40x20xf32>) -> tensor<?x20xf32>
  return %0 : tensor<?x20xf32>
}

// -----

// With threads: the driver shares the work only where it pays, by the
// static rule (parallel.pays_to_share) on the sizes it reads: 2 M N K >= 4
// MFLOP, or 4 (M K + K N) >= 512 KB of A and B; else one call.  1000
// columns: the threads take pieces of whole panels.
// CHECK-LABEL: func.func private @tsm_matmul_packed_0_driver(
// CHECK-SAME: %[[C:[^:]*]]: memref<?x1000xf32>)
// CHECK: %[[M:.*]] = memref.dim %[[C]], %c0
// CHECK-DAG: %[[MK:.*]] = arith.muli %[[M]], %c40 : index
// CHECK-DAG: %[[MNK:.*]] = arith.muli %[[M]], %c40000 : index
// CHECK: %[[BY_FLOPS:.*]] = arith.cmpi sge, %[[MNK]], %c2097152 : index
// CHECK: %[[AB:.*]] = arith.addi %[[MK]], %c40000 : index
// CHECK: %[[BY_BYTES:.*]] = arith.cmpi sge, %[[AB]], %c131072 : index
// CHECK: %[[SHARE:.*]] = arith.ori %[[BY_FLOPS]], %[[BY_BYTES]] : i1
// CHECK: scf.if %[[SHARE]] {
// CHECK: scf.parallel (%{{.*}}) = (%c0) to (%c4) step (%c1) {
// CHECK: call @tsm_matmul_packed_0(%{{.*}}, %c0, %[[M]], %{{.*}}, %{{.*}})
// CHECK: } else {
// CHECK: call @tsm_matmul_packed_0(%{{.*}}, %c0, %[[M]], %c0, %c1000)
module attributes {tsm.num_threads = 2 : i64} {
  func.func @columns(%a: tensor<?x40xf32>, %b: tensor<40x1000xf32>) -> tensor<?x1000xf32> {
    %0 = "tsm.matmul"(%a, %b) : (tensor<?x40xf32>, tensor<40x1000xf32>) -> tensor<?x1000xf32>
    return %0 : tensor<?x1000xf32>
  }
}

// -----

// Too few panels for every thread (20 columns): pieces of row strips,
// counted when it runs (at most 2 a thread, none empty).
// CHECK-LABEL: func.func private @tsm_matmul_packed_0_driver(
// CHECK-SAME: %[[C:[^:]*]]: memref<?x20xf32>)
// CHECK: %[[M:.*]] = memref.dim %[[C]], %c0
// CHECK: scf.if
// CHECK: %[[UP:.*]] = arith.addi %[[M]], %c5 : index
// CHECK: %[[STRIPS:.*]] = arith.divui %[[UP]], %c6 : index
// CHECK: %[[PIECES:.*]] = arith.minsi %[[STRIPS]], %c4 : index
// CHECK: scf.parallel (%{{.*}}) = (%c0) to (%[[PIECES]]) step (%c1) {
// CHECK: %[[HI:.*]] = arith.minsi %{{.*}}, %[[M]] : index
// CHECK: call @tsm_matmul_packed_0(%{{.*}}, %{{.*}}, %[[HI]], %c0, %c20)
module attributes {tsm.num_threads = 2 : i64} {
  func.func @rows(%a: tensor<?x2000xf32>, %b: tensor<2000x20xf32>) -> tensor<?x20xf32> {
    %0 = "tsm.matmul"(%a, %b) : (tensor<?x2000xf32>, tensor<2000x20xf32>) -> tensor<?x20xf32>
    return %0 : tensor<?x20xf32>
  }
}

// -----

// Attention over a sequence of run-time length: p @ v, K (and M) known
// only at run time, read off A; v's 64 columns are too few panels for the
// threads' pieces (4 with AVX2's 16-wide panels): strips of rows.
// CHECK-LABEL: func.func private @tsm_matmul_packed_0_driver(
// CHECK-SAME: %[[A:[^:]*]]: memref<?x?xf32>, %{{[^:]*}}: memref<?x64xf32>, %[[C:[^:]*]]: memref<?x64xf32>)
// CHECK: %[[M:.*]] = memref.dim %[[C]], %c0
// CHECK: %[[K:.*]] = memref.dim %[[A]], %c1
// CHECK: %[[MK:.*]] = arith.muli %[[M]], %[[K]] : index
// CHECK: scf.if
// CHECK: scf.parallel
// CHECK: call @tsm_matmul_packed_0(%{{.*}}, %{{.*}}, %{{.*}}, %c0, %c64)
module attributes {tsm.num_threads = 2 : i64} {
  func.func @pv(%p: tensor<?x?xf32>, %v: tensor<?x64xf32>) -> tensor<?x64xf32> {
    %0 = "tsm.matmul"(%p, %v) : (tensor<?x?xf32>, tensor<?x64xf32>) -> tensor<?x64xf32>
    return %0 : tensor<?x64xf32>
  }
}
