// RUN: tsmlir-opt --target-cpu x86-64-v4 %s --split-input-file --tsm-lower-direct-conv | filecheck %s --check-prefixes=CHECK,V4
// RUN: tsmlir-opt --target-cpu x86-64-v3 %s --split-input-file --tsm-lower-direct-conv | filecheck %s --check-prefixes=CHECK,V3

// A stride-1 f32 conv on the padded input's flat rows: x padded to Wp = 16
// columns and 11 rows (enough for every read of the last tile of 32
// positions), viewed as (N, C, 11 * 16); the filters in strips of the
// register rows (8 with AVX-512, 6 with AVX2: 24 = 3 x 8 = 4 x 6); one
// generic over (n, f, p, c, i, j) reading xp[n, c, p + i * 16 + j] from
// zero into (N, 24, 128): 8 output rows of 16 positions; then its first 14
// columns of each row plus the bias, a pointwise generic.
// V4-DAG: #[[W:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d1 floordiv 8, d3, d4, d5, d1 mod 8)>
// V3-DAG: #[[W:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d1 floordiv 6, d3, d4, d5, d1 mod 6)>
// CHECK-DAG: #[[X:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d3, d2 + d4 * 16 + d5)>
// CHECK-LABEL: func.func @conv2d$direct
// V4-DAG: %[[F:.*]] = arith.constant dense<5.000000e-01> : tensor<3x4x3x3x8xf32>
// V3-DAG: %[[F:.*]] = arith.constant dense<5.000000e-01> : tensor<4x4x3x3x6xf32>
// CHECK: %[[P:.*]] = tensor.pad %{{.*}} low[0, 0, 1, 1] high[0, 0, 2, 1]
// CHECK: tensor<1x4x8x14xf32> to tensor<1x4x11x16xf32>
// CHECK: %[[XP:.*]] = tensor.collapse_shape %[[P]] {{\[}}[0], [1], [2, 3]] : tensor<1x4x11x16xf32> into tensor<1x4x176xf32>
// CHECK: %[[Z:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<1x24x128xf32>)
// CHECK: %[[C:.*]] = linalg.generic {indexing_maps = [#[[W]], #[[X]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%[[F]], %[[XP]] : {{.*}}) outs(%[[Z]] : tensor<1x24x128xf32>) attrs = {tsm.direct_conv = array<i64: 16, 1, 1>}
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: %[[ROWS:.*]] = tensor.expand_shape %[[C]] {{\[}}[0], [1], [2, 3]] output_shape [1, 24, 8, 16]
// CHECK: %[[VIEW:.*]] = tensor.extract_slice %[[ROWS]][0, 0, 0, 0] [1, 24, 8, 14] [1, 1, 1, 1]
// CHECK: %[[OUT:.*]] = linalg.generic {{.*}} ins(%[[VIEW]], %{{.*}} : tensor<1x24x8x14xf32>, tensor<24xf32>)
// CHECK: arith.addf
// CHECK: return %[[OUT]]
func.func @conv2d$direct(%x: tensor<1x4x8x14xf32>) -> tensor<1x24x8x14xf32> {
  %w = arith.constant dense<0.5> : tensor<24x4x3x3xf32>
  %b = arith.constant dense<1.0> : tensor<24xf32>
  %0 = "tsm.conv2d"(%x, %w, %b) {stride = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, dilation = array<i64: 1, 1>, groups = 1} : (tensor<1x4x8x14xf32>, tensor<24x4x3x3xf32>, tensor<24xf32>) -> tensor<1x24x8x14xf32>
  return %0 : tensor<1x24x8x14xf32>
}

// -----

// Filters known at run time, from 28 x 28 outputs: zero filters pad F = 22
// to whole strips (24), and a linalg.transpose (not a generic, which
// elementwise fusion would merge into the convolution) puts them in strips.
// CHECK-LABEL: func.func @conv2d$direct_runtime
// CHECK-SAME: (%{{.*}}: tensor<1x4x28x30xf32>, %[[W:.*]]: tensor<22x4x3x3xf32>)
// CHECK: %[[WP:.*]] = tensor.pad %[[W]] low[0, 0, 0, 0] high[2, 0, 0, 0]
// V4: %[[G:.*]] = tensor.expand_shape %[[WP]] {{\[}}[0, 1], [2], [3], [4]] output_shape [3, 8, 4, 3, 3]
// V3: %[[G:.*]] = tensor.expand_shape %[[WP]] {{\[}}[0, 1], [2], [3], [4]] output_shape [4, 6, 4, 3, 3]
// CHECK: %[[S:.*]] = linalg.transpose ins(%[[G]] : {{.*}}) outs(%{{.*}}) permutation = [0, 2, 3, 4, 1]
// CHECK: linalg.generic {{.*}} ins(%[[S]], %{{.*}} : {{.*}}) outs(%{{.*}} : tensor<1x24x896xf32>) attrs = {tsm.direct_conv = array<i64: 32, 1, 1>}
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 0] [1, 22, 896] [1, 1, 1]
func.func @conv2d$direct_runtime(%x: tensor<1x4x28x30xf32>, %w: tensor<22x4x3x3xf32>) -> tensor<1x22x28x30xf32> {
  %0 = "tsm.conv2d"(%x, %w) {stride = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, dilation = array<i64: 1, 1>, groups = 1} : (tensor<1x4x28x30xf32>, tensor<22x4x3x3xf32>) -> tensor<1x22x28x30xf32>
  return %0 : tensor<1x22x28x30xf32>
}

// -----

// A static batch: one generic over the images (the kernel's driver takes them
// one after the other), the bias added to all of them in one pass.
// CHECK-LABEL: func.func @conv2d$direct_batch
// CHECK: tensor.collapse_shape %{{.*}} {{\[}}[0], [1], [2, 3]] : tensor<3x4x11x16xf32> into tensor<3x4x176xf32>
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<3x24x128xf32>) attrs = {tsm.direct_conv = array<i64: 16, 1, 1>}
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<3x24x8x14xf32>, tensor<24xf32>)
// CHECK-NOT: linalg.generic
func.func @conv2d$direct_batch(%x: tensor<3x4x8x14xf32>, %b: tensor<24xf32>) -> tensor<3x24x8x14xf32> {
  %w = arith.constant dense<0.5> : tensor<24x4x3x3xf32>
  %0 = "tsm.conv2d"(%x, %w, %b) {stride = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, dilation = array<i64: 1, 1>, groups = 1} : (tensor<3x4x8x14xf32>, tensor<24x4x3x3xf32>, tensor<24xf32>) -> tensor<3x24x8x14xf32>
  return %0 : tensor<3x24x8x14xf32>
}

// -----

// Dilations (2, 3): Wp = 30 + 2 * 3 = 36, tap (i, j) at p + i * 2 * 36 + j *
// 3, the tag holds [Wp, DH, DW].
// CHECK-DAG: #[[XD:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d3, d2 + d4 * 72 + d5 * 3)>
// CHECK-LABEL: func.func @conv2d$direct_dilated
// CHECK: tensor.pad %{{.*}} low[0, 0, 2, 3] high[0, 0, {{[0-9]+}}, 3]
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[XD]], #{{.*}}], {{.*}} outs(%{{.*}} : tensor<1x24x288xf32>) attrs = {tsm.direct_conv = array<i64: 36, 2, 3>}
func.func @conv2d$direct_dilated(%x: tensor<1x4x8x30xf32>) -> tensor<1x24x8x30xf32> {
  %w = arith.constant dense<0.5> : tensor<24x4x3x3xf32>
  %0 = "tsm.conv2d"(%x, %w) {stride = array<i64: 1, 1>, padding = array<i64: 2, 3, 2, 3>, dilation = array<i64: 2, 3>, groups = 1} : (tensor<1x4x8x30xf32>, tensor<24x4x3x3xf32>) -> tensor<1x24x8x30xf32>
  return %0 : tensor<1x24x8x30xf32>
}

// -----

// Left to tsm-lower-nn: a row stride of 2, a dynamic batch (tsm-lower-nn
// takes this form for each image), 12 x 12 outputs of rows 14 wide (192
// positions computed for 144: 1.33 > 1.25).
// CHECK-LABEL: func.func @conv2d$declined
// CHECK-COUNT-3: "tsm.conv2d"
// CHECK-NOT: tsm.direct_conv
func.func @conv2d$declined(%x: tensor<1x4x24x24xf32>, %x2: tensor<?x4x8x14xf32>, %x3: tensor<1x4x12x12xf32>, %w: tensor<24x4x3x3xf32>) -> (tensor<1x24x12x12xf32>, tensor<?x24x8x14xf32>, tensor<1x24x12x12xf32>) {
  %0 = "tsm.conv2d"(%x, %w) {stride = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>, dilation = array<i64: 1, 1>, groups = 1} : (tensor<1x4x24x24xf32>, tensor<24x4x3x3xf32>) -> tensor<1x24x12x12xf32>
  %1 = "tsm.conv2d"(%x2, %w) {stride = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, dilation = array<i64: 1, 1>, groups = 1} : (tensor<?x4x8x14xf32>, tensor<24x4x3x3xf32>) -> tensor<?x24x8x14xf32>
  %2 = "tsm.conv2d"(%x3, %w) {stride = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, dilation = array<i64: 1, 1>, groups = 1} : (tensor<1x4x12x12xf32>, tensor<24x4x3x3xf32>) -> tensor<1x24x12x12xf32>
  return %0, %1, %2 : tensor<1x24x12x12xf32>, tensor<?x24x8x14xf32>, tensor<1x24x12x12xf32>
}

// -----

// 1x1 with fewer than 128 filters (a projection, 64 -> 40 on 16 x 16): the
// direct form reads the input's rows in place (Wp = 16, 256 positions, no
// padding); 128 filters stay with the packed matmul, which packs the input
// once for 16 strips of rows.
// CHECK-LABEL: func.func @conv2d$pointwise
// CHECK-NOT: tensor.pad
// CHECK: tensor.collapse_shape %{{.*}} {{\[}}[0], [1], [2, 3]] : tensor<1x64x16x16xf32> into tensor<1x64x256xf32>
// V4: linalg.generic {{.*}} outs(%{{.*}} : tensor<1x40x256xf32>) attrs = {tsm.direct_conv = array<i64: 16, 1, 1>}
// V3: linalg.generic {{.*}} outs(%{{.*}} : tensor<1x42x256xf32>) attrs = {tsm.direct_conv = array<i64: 16, 1, 1>}
// CHECK: "tsm.conv2d"({{.*}} : (tensor<1x64x16x16xf32>, tensor<128x64x1x1xf32>) -> tensor<1x128x16x16xf32>
func.func @conv2d$pointwise(%x: tensor<1x64x16x16xf32>) -> (tensor<1x40x16x16xf32>, tensor<1x128x16x16xf32>) {
  %w = arith.constant dense<0.5> : tensor<40x64x1x1xf32>
  %w2 = arith.constant dense<0.25> : tensor<128x64x1x1xf32>
  %0 = "tsm.conv2d"(%x, %w) {stride = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilation = array<i64: 1, 1>, groups = 1} : (tensor<1x64x16x16xf32>, tensor<40x64x1x1xf32>) -> tensor<1x40x16x16xf32>
  %1 = "tsm.conv2d"(%x, %w2) {stride = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilation = array<i64: 1, 1>, groups = 1} : (tensor<1x64x16x16xf32>, tensor<128x64x1x1xf32>) -> tensor<1x128x16x16xf32>
  return %0, %1 : tensor<1x40x16x16xf32>, tensor<1x128x16x16xf32>
}
