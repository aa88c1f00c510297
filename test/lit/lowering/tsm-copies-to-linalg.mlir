// RUN: tsmlir-opt %s --tsm-copies-to-linalg | filecheck %s

// Copies between views with unit innermost stride become linalg.copy (which
// tsm-cpu-vectorize vectorizes).
// CHECK-LABEL: func.func @copy$strided
// CHECK-SAME: (%[[SRC:.*]]: memref<4x8xf32, strided<[32, 1]>>, %[[DST:.*]]: memref<4x8xf32>)
// CHECK: linalg.copy {{.*}}ins(%[[SRC]] : memref<4x8xf32, strided<[32, 1]>>) outs(%[[DST]] : memref<4x8xf32>)
// CHECK-NOT: memref.copy
func.func @copy$strided(%src: memref<4x8xf32, strided<[32, 1]>>, %dst: memref<4x8xf32>) {
  memref.copy %src, %dst : memref<4x8xf32, strided<[32, 1]>> to memref<4x8xf32>
  return
}

// Copies whose innermost dim is strided (gathers) call one loop-nest function
// per element type and rank on fully dynamic views, never inlined (LLVM would
// unroll each inlined copy); a rank-0 copy is no gather.
// CHECK-LABEL: func.func @copy$gather
// CHECK-SAME: (%[[SRC:.*]]: memref<4x8xf32, strided<[32, 2]>>, %[[DST:.*]]: memref<4x8xf32>, %[[SRC2:.*]]: memref<3x5xf32, strided<[10, 2], offset: 1>>, %[[DST2:.*]]: memref<3x5xf32>, %[[S0:.*]]: memref<f32>, %[[D0:.*]]: memref<f32>)
// CHECK: %[[VS:.*]] = memref.cast %[[SRC]] : memref<4x8xf32, strided<[32, 2]>> to memref<?x?xf32, strided<[?, ?], offset: ?>>
// CHECK: %[[VD:.*]] = memref.cast %[[DST]] : memref<4x8xf32> to memref<?x?xf32, strided<[?, ?], offset: ?>>
// CHECK: call @tsm_strided_copy_f32_2d(%[[VS]], %[[VD]])
// CHECK: %[[VS2:.*]] = memref.cast %[[SRC2]]
// CHECK: %[[VD2:.*]] = memref.cast %[[DST2]]
// CHECK: call @tsm_strided_copy_f32_2d(%[[VS2]], %[[VD2]])
// CHECK: linalg.copy {{.*}}ins(%[[S0]] : memref<f32>) outs(%[[D0]] : memref<f32>)
// CHECK-NOT: memref.copy
// CHECK: func.func private @tsm_strided_copy_f32_2d(%[[A:.*]]: memref<?x?xf32, strided<[?, ?], offset: ?>>, %[[B:.*]]: memref<?x?xf32, strided<[?, ?], offset: ?>>)
// CHECK-SAME: passthrough = ["noinline"]
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step
// CHECK: scf.for %[[J:.*]] = %{{.*}} to %{{.*}} step
// CHECK: %[[V:.*]] = memref.load %[[A]][%[[I]], %[[J]]]
// CHECK: memref.store %[[V]], %[[B]][%[[I]], %[[J]]]
// CHECK-NOT: func.func private @tsm_strided_copy
func.func @copy$gather(%src: memref<4x8xf32, strided<[32, 2]>>, %dst: memref<4x8xf32>,
                       %src2: memref<3x5xf32, strided<[10, 2], offset: 1>>, %dst2: memref<3x5xf32>,
                       %s0: memref<f32>, %d0: memref<f32>) {
  memref.copy %src, %dst : memref<4x8xf32, strided<[32, 2]>> to memref<4x8xf32>
  memref.copy %src2, %dst2 : memref<3x5xf32, strided<[10, 2], offset: 1>> to memref<3x5xf32>
  memref.copy %s0, %d0 : memref<f32> to memref<f32>
  return
}
