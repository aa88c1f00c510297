// RUN: tsmlir-opt %s --split-input-file --target-cpu x86-64-v3 --tsm-to-linalg --tsm-linalg-to-loops | filecheck %s

// Static matmuls whose rows end in a strip shorter than the tile's (6 rows
// with AVX2) get a kernel per shape, unless their kernels together would be
// twice the code of the kernel of run-time rows (its strips chosen when it
// runs: see cpu-codegen-matmul-packed-dynamic.mlir) or more: then they all
// share that one kernel, as a network's many layer shapes do.  Here 35, 49,
// 43 and 40 rows (about 12 rows of micro-kernel code each, 47 against the
// shared kernel's 22); 48 rows (no short strip) joins them.
// CHECK-LABEL: func.func private @tsm_matmul_packed_0(
// CHECK-SAME: %{{[^:]*}}: memref<?x?xf32, strided<[?, 1], offset: ?>>,
// CHECK: arith.select
// CHECK: scf.index_switch
// CHECK-NOT: func.func private @tsm_matmul_packed_1(
// CHECK-LABEL: func.func private @tsm_matmul_packed_0_driver(
// CHECK-SAME: memref<35x30xf32>
// CHECK: call @tsm_matmul_packed_0(%{{.*}}, %c0, %c35, %c0, %c20)
// CHECK-LABEL: func.func private @tsm_matmul_packed_0_driver1(
// CHECK: call @tsm_matmul_packed_0(%{{.*}}, %c0, %c49, %c0, %c20)
// CHECK-LABEL: func.func private @tsm_matmul_packed_0_driver2(
// CHECK: call @tsm_matmul_packed_0(%{{.*}}, %c0, %c43, %c0, %c20)
// CHECK-LABEL: func.func private @tsm_matmul_packed_0_driver3(
// CHECK: call @tsm_matmul_packed_0(%{{.*}}, %c0, %c40, %c0, %c20)
// CHECK-LABEL: func.func private @tsm_matmul_packed_0_driver4(
// CHECK: call @tsm_matmul_packed_0(%{{.*}}, %c0, %c48, %c0, %c20)
// CHECK-LABEL: func.func @many_shapes
// CHECK-NOT: func.func private @tsm_matmul_packed_1
func.func @many_shapes(%a: tensor<35x30xf32>, %b: tensor<49x30xf32>, %c: tensor<43x30xf32>,
                       %d: tensor<40x30xf32>, %e: tensor<48x30xf32>, %w: tensor<30x20xf32>)
    -> (tensor<35x20xf32>, tensor<49x20xf32>, tensor<43x20xf32>, tensor<40x20xf32>,
        tensor<48x20xf32>) {
  %0 = "tsm.matmul"(%a, %w) : (tensor<35x30xf32>, tensor<30x20xf32>) -> tensor<35x20xf32>
  %1 = "tsm.matmul"(%b, %w) : (tensor<49x30xf32>, tensor<30x20xf32>) -> tensor<49x20xf32>
  %2 = "tsm.matmul"(%c, %w) : (tensor<43x30xf32>, tensor<30x20xf32>) -> tensor<43x20xf32>
  %3 = "tsm.matmul"(%d, %w) : (tensor<40x30xf32>, tensor<30x20xf32>) -> tensor<40x20xf32>
  %4 = "tsm.matmul"(%e, %w) : (tensor<48x30xf32>, tensor<30x20xf32>) -> tensor<48x20xf32>
  return %0, %1, %2, %3, %4 : tensor<35x20xf32>, tensor<49x20xf32>, tensor<43x20xf32>,
                              tensor<40x20xf32>, tensor<48x20xf32>
}

// -----

// Two shapes (24 rows of code): a kernel each, made for its sizes (it runs
// small matmuls a little faster: constant loop bounds and row strides).
// CHECK-LABEL: func.func private @tsm_matmul_packed_0(
// CHECK-SAME: memref<35x30xf32>
// CHECK-NOT: scf.index_switch
// CHECK-LABEL: func.func private @tsm_matmul_packed_1(
// CHECK-SAME: memref<49x30xf32>
// CHECK-NOT: scf.index_switch
// CHECK-LABEL: func.func @two_shapes
func.func @two_shapes(%a: tensor<35x30xf32>, %b: tensor<49x30xf32>, %w: tensor<30x20xf32>)
    -> (tensor<35x20xf32>, tensor<49x20xf32>) {
  %0 = "tsm.matmul"(%a, %w) : (tensor<35x30xf32>, tensor<30x20xf32>) -> tensor<35x20xf32>
  %1 = "tsm.matmul"(%b, %w) : (tensor<49x30xf32>, tensor<30x20xf32>) -> tensor<49x20xf32>
  return %0, %1 : tensor<35x20xf32>, tensor<49x20xf32>
}
