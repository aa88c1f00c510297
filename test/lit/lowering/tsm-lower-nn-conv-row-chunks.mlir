// RUN: tsmlir-opt %s --split-input-file --tsm-lower-nn | filecheck %s

// The stem of a ResNet (7x7 filters, stride 2, 3 channels, 224 x 224): its
// whole im2col would be 147 x 12544 floats (7.4 MB).  The input is padded
// once (by the rows and columns the outputs read: 229 x 229); an scf.for over chunks of one output row (112 positions: 147 x 112
// floats, 64 KB) makes each chunk's im2col from 7 input rows and multiplies
// it into the chunk's columns of the output, filled with the bias first.
// CHECK-LABEL: func.func @conv2d$stem
// CHECK: %[[XP:.*]] = tensor.pad %{{.*}} low[0, 3, 3] high[0, 2, 2]
// CHECK: %[[OUT:.*]] = tensor.empty() : tensor<64x12544xf32>
// CHECK: %[[LOOP:.*]] = scf.for %[[P:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC:.*]] = %[[OUT]]) -> (tensor<64x12544xf32>)
// CHECK: %[[DEST:.*]] = tensor.extract_slice %[[ACC]][0, %[[P]]] [64, 112] [1, 1]
// CHECK: %[[ROW:.*]] = arith.divui %[[P]], %[[C112:.*]] : index
// CHECK: %[[FIRST:.*]] = arith.muli %[[ROW]], %[[C2:.*]] : index
// CHECK: %[[XR:.*]] = tensor.extract_slice %[[XP]][0, %[[FIRST]], 0] [3, 7, 229] [1, 1, 1]
// CHECK: %[[COL:.*]] = tensor.empty() : tensor<3x7x7x1x112xf32>
// CHECK-COUNT-49: tensor.insert_slice %{{.*}} into %{{.*}}{{\[}}0, {{[0-6]}}, {{[0-6]}}, 0, 0] [3, 1, 1, 1, 112] [1, 1, 1, 1, 1] : tensor<3x1x1x1x112xf32> into tensor<3x7x7x1x112xf32>
// CHECK: %[[BIAS:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<64xf32>) outs(%[[DEST]] : tensor<64x112xf32>)
// CHECK: %[[COL2:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0, 1, 2], [3, 4]] : tensor<3x7x7x1x112xf32> into tensor<147x112xf32>
// CHECK: %[[MM:.*]] = linalg.matmul ins(%{{.*}}, %[[COL2]] : tensor<64x147xf32>, tensor<147x112xf32>) outs(%[[BIAS]] : tensor<64x112xf32>)
// CHECK: %[[NEXT:.*]] = tensor.insert_slice %[[MM]] into %[[ACC]][0, %[[P]]] [64, 112] [1, 1]
// CHECK: scf.yield %[[NEXT]]
// CHECK: tensor.expand_shape %[[LOOP]] {{\[}}[0, 1], [2, 3]] output_shape [1, 64, 112, 112]
func.func @conv2d$stem(%x: tensor<1x3x224x224xf32>, %w: tensor<64x3x7x7xf32>, %b: tensor<64xf32>) -> tensor<1x64x112x112xf32> {
  %0 = "tsm.conv2d"(%x, %w, %b) {stride = array<i64: 2, 2>, padding = array<i64: 3, 3, 3, 3>, dilation = array<i64: 1, 1>, groups = 1} : (tensor<1x3x224x224xf32>, tensor<64x3x7x7xf32>, tensor<64xf32>) -> tensor<1x64x112x112xf32>
  return %0 : tensor<1x64x112x112xf32>
}

// -----

// With threads, an scf.forall over the chunks: each thread makes its
// chunks' im2cols and products (the product of one chunk, 2 MFLOP, is too
// small to share).  No bias: each chunk's columns start from zeros.
// CHECK-LABEL: func.func @conv2d$stem_threads
// CHECK: %[[XP:.*]] = tensor.pad
// CHECK: %[[OUT:.*]] = tensor.empty() : tensor<64x12544xf32>
// CHECK: scf.forall (%[[I:.*]]) in (112) shared_outs(%[[ACC:.*]] = %[[OUT]]) -> (tensor<64x12544xf32>)
// CHECK: %[[P:.*]] = arith.muli %[[I]], %{{.*}} : index
// CHECK: %[[DEST:.*]] = tensor.extract_slice %[[ACC]][0, %[[P]]] [64, 112] [1, 1]
// CHECK: tensor.extract_slice %[[XP]][0, %{{.*}}, 0] [3, 7, 229] [1, 1, 1]
// CHECK-COUNT-49: tensor.insert_slice %{{.*}} : tensor<3x1x1x1x112xf32> into tensor<3x7x7x1x112xf32>
// CHECK: %[[ZERO:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[DEST]] : tensor<64x112xf32>)
// CHECK: %[[MM:.*]] = linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<64x147xf32>, tensor<147x112xf32>) outs(%[[ZERO]] : tensor<64x112xf32>)
// CHECK: scf.forall.in_parallel
// CHECK: tensor.parallel_insert_slice %[[MM]] into %[[ACC]][0, %[[P]]] [64, 112] [1, 1]
module attributes {tsm.num_threads = 2 : i64} {
func.func @conv2d$stem_threads(%x: tensor<1x3x224x224xf32>, %w: tensor<64x3x7x7xf32>) -> tensor<1x64x112x112xf32> {
  %0 = "tsm.conv2d"(%x, %w) {stride = array<i64: 2, 2>, padding = array<i64: 3, 3, 3, 3>, dilation = array<i64: 1, 1>, groups = 1} : (tensor<1x3x224x224xf32>, tensor<64x3x7x7xf32>) -> tensor<1x64x112x112xf32>
  return %0 : tensor<1x64x112x112xf32>
}
}

// -----

// A strided convolution whose whole im2col is small (576 x 784 floats, 1.8 MB:
// ResNet-18 224's first of layer 2) keeps it whole.
// CHECK-LABEL: func.func @conv2d$whole
// CHECK-NOT: scf.for
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<128x576xf32>, tensor<576x784xf32>)
func.func @conv2d$whole(%x: tensor<1x64x56x56xf32>, %w: tensor<128x64x3x3xf32>) -> tensor<1x128x28x28xf32> {
  %0 = "tsm.conv2d"(%x, %w) {stride = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>, dilation = array<i64: 1, 1>, groups = 1} : (tensor<1x64x56x56xf32>, tensor<128x64x3x3xf32>) -> tensor<1x128x28x28xf32>
  return %0 : tensor<1x128x28x28xf32>
}
