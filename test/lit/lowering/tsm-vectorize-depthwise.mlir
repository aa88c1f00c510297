// RUN: tsmlir-opt %s --split-input-file --tsm-vectorize-depthwise | filecheck %s

// 3x3 stride 2: a call of one function per filter shape on dynamic views
// (input, filters, output); per channel the 9 weights are broadcast once,
// per 8 outputs and tap 16 inputs (the last lane masked) whose even lanes
// one shuffle keeps, then one FMA into the output's values (the bias); a
// scalar loop of FMAs for the rest of the row.
// CHECK-LABEL: func.func @dw$k3_s2
// CHECK-SAME: (%[[X:.*]]: memref<1x4x9x21xf32>, %[[W:.*]]: memref<4x3x3xf32>, %[[Y:.*]]: memref<1x4x4x10xf32>)
// CHECK: %[[XV:.*]] = memref.cast %[[X]] : memref<1x4x9x21xf32> to memref<?x?x?x?xf32, strided<[?, ?, ?, 1], offset: ?>>
// CHECK: %[[WV:.*]] = memref.cast %[[W]] : memref<4x3x3xf32> to memref<?x?x?xf32, strided<[?, ?, ?], offset: ?>>
// CHECK: %[[YV:.*]] = memref.cast %[[Y]]
// CHECK: call @tsm_depthwise_f32_3x3_s2x2_d1x1(%[[XV]], %[[WV]], %[[YV]])
// CHECK-NOT: linalg.depthwise_conv_2d_nchw_chw
// CHECK-LABEL: func.func private @tsm_depthwise_f32_3x3_s2x2_d1x1
// CHECK-SAME: attributes {passthrough = ["noinline"]}
// CHECK: scf.for
// CHECK: scf.for %[[C:.*]] = %{{.*}} to %{{.*}} step
// CHECK-COUNT-9: vector.broadcast {{.*}} : f32 to vector<8xf32>
// CHECK: scf.for
// CHECK: scf.for
// CHECK: %[[ACC:.*]] = vector.load %arg2
// CHECK: vector.maskedload
// CHECK: %[[V:.*]] = vector.shuffle {{.*}} [0, 2, 4, 6, 8, 10, 12, 14]
// CHECK: vector.fma %[[V]], %{{.*}}, %[[ACC]] : vector<8xf32>
// CHECK-COUNT-8: vector.fma
// CHECK: vector.store
// CHECK: scf.for
// CHECK-COUNT-9: math.fma {{.*}} : f32
// CHECK: memref.store
// CHECK-NOT: arith.maximumf
func.func @dw$k3_s2(%x: memref<1x4x9x21xf32>, %w: memref<4x3x3xf32>, %y: memref<1x4x4x10xf32>) {
  linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%x, %w : memref<1x4x9x21xf32>, memref<4x3x3xf32>) outs(%y : memref<1x4x4x10xf32>)
  return
}

// -----

// Width stride 1: plain vector loads, no shuffle.  Width stride 3 and
// tensors (not yet bufferized) keep the linalg op.
// CHECK-LABEL: func.func @dw$k5_s1
// CHECK: call @tsm_depthwise_f32_5x5_s1x1_d2x2
// CHECK: linalg.depthwise_conv_2d_nchw_chw
// CHECK-LABEL: func.func @dw$tensors
// CHECK: linalg.depthwise_conv_2d_nchw_chw
// CHECK-LABEL: func.func private @tsm_depthwise_f32_5x5_s1x1_d2x2
// CHECK-NOT: vector.shuffle
// CHECK-COUNT-25: vector.fma
func.func @dw$k5_s1(%x: memref<2x3x20x30xf32>, %w: memref<3x5x5xf32>, %y: memref<2x3x12x22xf32>, %y3: memref<2x3x12x8xf32>) {
  linalg.depthwise_conv_2d_nchw_chw {dilations = dense<2> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : memref<2x3x20x30xf32>, memref<3x5x5xf32>) outs(%y : memref<2x3x12x22xf32>)
  linalg.depthwise_conv_2d_nchw_chw {dilations = dense<2> : tensor<2xi64>, strides = dense<[1, 3]> : tensor<2xi64>} ins(%x, %w : memref<2x3x20x30xf32>, memref<3x5x5xf32>) outs(%y3 : memref<2x3x12x8xf32>)
  return
}
func.func @dw$tensors(%x: tensor<1x2x5x5xf32>, %w: tensor<2x3x3xf32>, %y: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %0 = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x2x5x5xf32>, tensor<2x3x3xf32>) outs(%y : tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  return %0 : tensor<1x2x3x3xf32>
}
