// RUN: tsmlir-opt %s --split-input-file --tsm-vectorize-max-pools | filecheck %s

// 3x3 stride 2 (ResNet's stem pool): a call of one function per window
// shape on dynamic views; per 8 outputs and tap, 16 inputs (the last lane
// masked) whose even lanes one shuffle keeps; a scalar loop for the rest.
// CHECK-LABEL: func.func @pool$k3_s2
// CHECK-SAME: (%[[X:.*]]: memref<1x4x9x21xf32>, %[[W:.*]]: memref<3x3xf32>, %[[Y:.*]]: memref<1x4x4x10xf32>)
// CHECK: %[[XV:.*]] = memref.cast %[[X]] : memref<1x4x9x21xf32> to memref<?x?x?x?xf32, strided<[?, ?, ?, 1], offset: ?>>
// CHECK: %[[YV:.*]] = memref.cast %[[Y]]
// CHECK: call @tsm_max_pool_f32_3x3_s2x2_d1x1(%[[XV]], %[[YV]])
// CHECK-NOT: linalg.pooling_nchw_max
// CHECK-LABEL: func.func private @tsm_max_pool_f32_3x3_s2x2_d1x1
// CHECK-SAME: attributes {passthrough = ["noinline"]}
// CHECK: vector.constant_mask [7] : vector<8xi1>
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.for
// CHECK: vector.load {{.*}} vector<8xf32>
// CHECK-COUNT-9: vector.shuffle {{.*}} [0, 2, 4, 6, 8, 10, 12, 14]
// CHECK: vector.store
// CHECK: scf.for
// CHECK-COUNT-9: arith.maximumf {{.*}} : f32
// CHECK: memref.store
func.func @pool$k3_s2(%x: memref<1x4x9x21xf32>, %w: memref<3x3xf32>, %y: memref<1x4x4x10xf32>) {
  linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%x, %w : memref<1x4x9x21xf32>, memref<3x3xf32>) outs(%y : memref<1x4x4x10xf32>)
  return
}

// -----

// Width stride 1: plain vector loads, no shuffle; one function per shape.
// CHECK-LABEL: func.func @pool$k2_s1
// CHECK: call @tsm_max_pool_f32_2x2_s1x1_d1x1
// CHECK: call @tsm_max_pool_f32_2x2_s1x1_d1x1
// CHECK-LABEL: func.func private @tsm_max_pool_f32_2x2_s1x1_d1x1
// CHECK-NOT: vector.shuffle
// CHECK-COUNT-4: arith.maximumf {{.*}} : vector<8xf32>
// CHECK-NOT: func.func private @tsm_max_pool
func.func @pool$k2_s1(%x: memref<2x3x5x9xf32>, %w: memref<2x2xf32>, %y: memref<2x3x4x8xf32>, %y2: memref<2x3x4x8xf32>) {
  linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : memref<2x3x5x9xf32>, memref<2x2xf32>) outs(%y : memref<2x3x4x8xf32>)
  linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : memref<2x3x5x9xf32>, memref<2x2xf32>) outs(%y2 : memref<2x3x4x8xf32>)
  return
}

// -----

// Width stride 4 (an adaptive max pool whose windows tile the input, 32 ->
// 8): scalar outputs only (a gather per tap ran 3x slower), still one
// function whose channel loop threads can share.
// CHECK-LABEL: func.func @pool$k4_s4
// CHECK: call @tsm_max_pool_f32_4x4_s4x4_d1x1(
// CHECK-LABEL: func.func private @tsm_max_pool_f32_4x4_s4x4_d1x1
// CHECK-NOT: vector.load
// CHECK: %[[NV:.*]] = arith.constant 0 : index
// CHECK: scf.for %{{.*}} = %[[NV]] to %{{.*}} step %c1
// CHECK-COUNT-16: arith.maximumf %{{.*}} : f32
// CHECK-NOT: vector.load
// CHECK: return
func.func @pool$k4_s4(%x: memref<1x2x32x32xf32>, %w: memref<4x4xf32>, %y: memref<1x2x8x8xf32>) {
  linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<4> : tensor<2xi64>} ins(%x, %w : memref<1x2x32x32xf32>, memref<4x4xf32>) outs(%y : memref<1x2x8x8xf32>)
  return
}

// -----

// Left alone: pools still on tensors.
// CHECK-LABEL: func.func @pool$not_vectorized
// CHECK: linalg.pooling_nchw_max
// CHECK-NOT: call
func.func @pool$not_vectorized(%t: tensor<1x2x9x10xf32>, %tw: tensor<3x3xf32>, %ty: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %r = linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<3> : tensor<2xi64>} ins(%t, %tw : tensor<1x2x9x10xf32>, tensor<3x3xf32>) outs(%ty : tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  return %r : tensor<1x2x3x3xf32>
}

// -----

// With threads, a pool of at least 2^16 outputs calls the parallel variant:
// the channels are an scf.parallel loop; a small one stays serial.
// CHECK-LABEL: func.func @pool$threads
// CHECK: call @tsm_max_pool_f32_3x3_s2x2_d1x1_par(
// CHECK: call @tsm_max_pool_f32_3x3_s2x2_d1x1(
// CHECK-LABEL: func.func private @tsm_max_pool_f32_3x3_s2x2_d1x1_par(
// CHECK: scf.for
// CHECK-NEXT: scf.parallel
// CHECK: arith.maximumf {{.*}} : vector<8xf32>
// CHECK: scf.reduce
// CHECK-LABEL: func.func private @tsm_max_pool_f32_3x3_s2x2_d1x1(
// CHECK-NOT: scf.parallel
module attributes {tsm.num_threads = 2 : i64} {
func.func @pool$threads(%x: memref<1x64x113x113xf32>, %w: memref<3x3xf32>, %y: memref<1x64x56x56xf32>, %x2: memref<1x2x9x9xf32>, %y2: memref<1x2x4x4xf32>) {
  linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%x, %w : memref<1x64x113x113xf32>, memref<3x3xf32>) outs(%y : memref<1x64x56x56xf32>)
  linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%x2, %w : memref<1x2x9x9xf32>, memref<3x3xf32>) outs(%y2 : memref<1x2x4x4xf32>)
  return
}
}
