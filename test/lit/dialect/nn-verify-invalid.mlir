// RUN: tsmlir-opt %s --split-input-file --tsm-verify --verify-diagnostics
// tsm-verify re-runs the nn type rules: channel counts, groups, window sizes.

func.func @conv2d$channels(%x: tensor<1x3x8x8xf32>, %w: tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{'tsm.conv2d' op input has 3 channels but weight tensor<4x2x3x3xf32> with groups=1 expects 2}}
  %0 = "tsm.conv2d"(%x, %w) {stride = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilation = array<i64: 1, 1>, groups = 1} : (tensor<1x3x8x8xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv2d$groups_divide_filters(%x: tensor<1x4x8x8xf32>, %w: tensor<3x2x3x3xf32>) -> tensor<1x3x6x6xf32> {
  // expected-error @+1 {{groups=2 must be >= 1 and divide the 3 filters}}
  %0 = "tsm.conv2d"(%x, %w) {stride = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilation = array<i64: 1, 1>, groups = 2} : (tensor<1x4x8x8xf32>, tensor<3x2x3x3xf32>) -> tensor<1x3x6x6xf32>
  return %0 : tensor<1x3x6x6xf32>
}

// -----

func.func @conv2d$bias(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{bias must be 1-D with 4 elements, got tensor<3xf32>}}
  %0 = "tsm.conv2d"(%x, %w, %b) {stride = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilation = array<i64: 1, 1>, groups = 1} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv2d$padding_has_four_sides(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32> {
  // expected-error @+1 {{padding must have 4 values, got [1, 1]}}
  %0 = "tsm.conv2d"(%x, %w) {stride = array<i64: 1, 1>, padding = array<i64: 1, 1>, dilation = array<i64: 1, 1>, groups = 1} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  return %0 : tensor<1x4x8x8xf32>
}

// -----

func.func @conv2d$input_too_small(%x: tensor<1x3x2x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x0x6xf32> {
  // expected-error @+1 {{output H would be 0 for input tensor<1x3x2x8xf32>: the input is too small}}
  %0 = "tsm.conv2d"(%x, %w) {stride = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilation = array<i64: 1, 1>, groups = 1} : (tensor<1x3x2x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x0x6xf32>
  return %0 : tensor<1x4x0x6xf32>
}

// -----

func.func @conv2d$int(%x: tensor<1x3x8x8xi64>, %w: tensor<4x3x3x3xi64>) -> tensor<1x4x6x6xi64> {
  // expected-error @+1 {{expects a floating-point input, got tensor<1x3x8x8xi64>}}
  %0 = "tsm.conv2d"(%x, %w) {stride = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilation = array<i64: 1, 1>, groups = 1} : (tensor<1x3x8x8xi64>, tensor<4x3x3x3xi64>) -> tensor<1x4x6x6xi64>
  return %0 : tensor<1x4x6x6xi64>
}

// -----

func.func @conv2d$wrong_result(%x: tensor<?x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<?x4x4x4xf32> {
  // expected-error @+1 {{result type mismatch: expected tensor<?x4x3x3xf32> but got tensor<?x4x4x4xf32>}}
  %0 = "tsm.conv2d"(%x, %w) {stride = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>, dilation = array<i64: 1, 1>, groups = 1} : (tensor<?x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<?x4x4x4xf32>
  return %0 : tensor<?x4x4x4xf32>
}

// -----

func.func @max_pool2d$padding_over_half_kernel(%x: tensor<1x2x8x8xf32>) -> tensor<1x2x6x6xf32> {
  // expected-error @+1 {{padding [2, 2] must have 2 values, each at most half the kernel size [3, 3]}}
  %0 = "tsm.max_pool2d"(%x) {kernel_size = array<i64: 3, 3>, stride = array<i64: 2, 2>, padding = array<i64: 2, 2>, dilation = array<i64: 1, 1>} : (tensor<1x2x8x8xf32>) -> tensor<1x2x6x6xf32>
  return %0 : tensor<1x2x6x6xf32>
}

// -----

// With ceil_mode a window that would start in the right padding is dropped:
// 5 rows, kernel 2, stride 2, padding 1 gives 3 windows, not 4.
func.func @max_pool2d$ceil_last_window(%x: tensor<1x1x5x5xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error @+1 {{expected tensor<1x1x3x3xf32> but got tensor<1x1x4x4xf32>}}
  %0 = "tsm.max_pool2d"(%x) {kernel_size = array<i64: 2, 2>, stride = array<i64: 2, 2>, padding = array<i64: 1, 1>, dilation = array<i64: 1, 1>, ceil_mode = 1 : i1} : (tensor<1x1x5x5xf32>) -> tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----

func.func @adaptive_avg_pool2d$size(%x: tensor<1x2x8x8xf32>) -> tensor<1x2x0x2xf32> {
  // expected-error @+1 {{output_size must be 2 positive sizes, got [0, 2]}}
  %0 = "tsm.adaptive_avg_pool2d"(%x) {output_size = array<i64: 0, 2>} : (tensor<1x2x8x8xf32>) -> tensor<1x2x0x2xf32>
  return %0 : tensor<1x2x0x2xf32>
}

// -----

func.func @batch_norm$channels(%x: tensor<2x3x4x4xf32>, %w: tensor<4xf32>, %v: tensor<3xf32>) -> tensor<2x3x4x4xf32> {
  // expected-error @+1 {{weight must be a 1-D torch.float32 tensor of 3 channels, got tensor<4xf32>}}
  %0 = "tsm.batch_norm"(%x, %w, %v, %v, %v) {eps = 1.0e-05 : f64} : (tensor<2x3x4x4xf32>, tensor<4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3x4x4xf32>
  return %0 : tensor<2x3x4x4xf32>
}

// -----

func.func @max_pool2d$bool(%x: tensor<1x1x4x4xi1>) -> tensor<1x1x2x2xi1> {
  // expected-error @+1 {{expects a numeric input, got tensor<1x1x4x4xi1>}}
  %0 = "tsm.max_pool2d"(%x) {kernel_size = array<i64: 2, 2>, stride = array<i64: 2, 2>, padding = array<i64: 0, 0>, dilation = array<i64: 1, 1>} : (tensor<1x1x4x4xi1>) -> tensor<1x1x2x2xi1>
  return %0 : tensor<1x1x2x2xi1>
}

// -----

func.func @conv3d$rank(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3x3xf32>) -> tensor<1x4x6x6x6xf32> {
  // expected-error @+1 {{expects a 5-D (N, C, D, H, W) input, got tensor<1x3x8x8xf32>}}
  %0 = "tsm.conv3d"(%x, %w) {stride = array<i64: 1, 1, 1>, padding = array<i64: 0, 0, 0, 0, 0, 0>, dilation = array<i64: 1, 1, 1>, groups = 1} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3x3xf32>) -> tensor<1x4x6x6x6xf32>
  return %0 : tensor<1x4x6x6x6xf32>
}

// -----

func.func @conv3d$padding_has_six_sides(%x: tensor<1x3x8x8x8xf32>, %w: tensor<4x3x3x3x3xf32>) -> tensor<1x4x8x8x8xf32> {
  // expected-error @+1 {{padding must have 6 values, got [1, 1, 1]}}
  %0 = "tsm.conv3d"(%x, %w) {stride = array<i64: 1, 1, 1>, padding = array<i64: 1, 1, 1>, dilation = array<i64: 1, 1, 1>, groups = 1} : (tensor<1x3x8x8x8xf32>, tensor<4x3x3x3x3xf32>) -> tensor<1x4x8x8x8xf32>
  return %0 : tensor<1x4x8x8x8xf32>
}

// -----

func.func @conv_transpose2d$output_padding(%x: tensor<1x2x4x4xf32>, %w: tensor<2x3x3x3xf32>) -> tensor<1x3x11x11xf32> {
  // expected-error @+1 {{output_padding [2, 2] must be smaller than either stride [2, 2] or dilation [1, 1]}}
  %0 = "tsm.conv_transpose2d"(%x, %w) {stride = array<i64: 2, 2>, padding = array<i64: 0, 0>, output_padding = array<i64: 2, 2>, dilation = array<i64: 1, 1>, groups = 1} : (tensor<1x2x4x4xf32>, tensor<2x3x3x3xf32>) -> tensor<1x3x11x11xf32>
  return %0 : tensor<1x3x11x11xf32>
}

// -----

// The weight is (C_in, F/groups, KH, KW): 2 groups of 3 filters give 6 outputs.
func.func @conv_transpose2d$filters(%x: tensor<1x4x4x4xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x3x6x6xf32> {
  // expected-error @+1 {{expected tensor<1x6x6x6xf32> but got tensor<1x3x6x6xf32>}}
  %0 = "tsm.conv_transpose2d"(%x, %w) {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>, output_padding = array<i64: 0, 0>, dilation = array<i64: 1, 1>, groups = 2} : (tensor<1x4x4x4xf32>, tensor<4x3x3x3xf32>) -> tensor<1x3x6x6xf32>
  return %0 : tensor<1x3x6x6xf32>
}

// -----

func.func @conv_transpose2d$channels(%x: tensor<1x3x4x4xf32>, %w: tensor<2x3x3x3xf32>) -> tensor<1x3x6x6xf32> {
  // expected-error @+1 {{input has 3 channels but weight tensor<2x3x3x3xf32> expects 2}}
  %0 = "tsm.conv_transpose2d"(%x, %w) {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>, output_padding = array<i64: 0, 0>, dilation = array<i64: 1, 1>, groups = 1} : (tensor<1x3x4x4xf32>, tensor<2x3x3x3xf32>) -> tensor<1x3x6x6xf32>
  return %0 : tensor<1x3x6x6xf32>
}

// -----

func.func @max_pool3d$kernel(%x: tensor<1x1x4x4x4xf32>) -> tensor<1x1x2x2x2xf32> {
  // expected-error @+1 {{kernel_size must have 3 values, got [2, 2]}}
  %0 = "tsm.max_pool3d"(%x) {kernel_size = array<i64: 2, 2>, stride = array<i64: 2, 2, 2>, padding = array<i64: 0, 0, 0>, dilation = array<i64: 1, 1, 1>} : (tensor<1x1x4x4x4xf32>) -> tensor<1x1x2x2x2xf32>
  return %0 : tensor<1x1x2x2x2xf32>
}

// -----

func.func @avg_pool2d$int32(%x: tensor<1x1x4x4xi32>) -> tensor<1x1x2x2xi32> {
  // expected-error @+1 {{expects a floating-point or int64 input, got tensor<1x1x4x4xi32>}}
  %0 = "tsm.avg_pool2d"(%x) {kernel_size = array<i64: 2, 2>, stride = array<i64: 2, 2>, padding = array<i64: 0, 0>} : (tensor<1x1x4x4xi32>) -> tensor<1x1x2x2xi32>
  return %0 : tensor<1x1x2x2xi32>
}

// -----

func.func @avg_pool2d$divisor(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x2x2xf32> {
  // expected-error @+1 {{divisor_override must be non-zero}}
  %0 = "tsm.avg_pool2d"(%x) {kernel_size = array<i64: 2, 2>, stride = array<i64: 2, 2>, padding = array<i64: 0, 0>, divisor_override = 0} : (tensor<1x1x4x4xf32>) -> tensor<1x1x2x2xf32>
  return %0 : tensor<1x1x2x2xf32>
}

// -----

func.func @adaptive_max_pool2d$indices(%x: tensor<1x1x4x4xf32>) -> (tensor<1x1x2x2xf32>, tensor<1x1x2x2xi32>) {
  // expected-error @+1 {{result type mismatch: expected tensor<1x1x2x2xf32>, tensor<1x1x2x2xi64> but got tensor<1x1x2x2xf32>, tensor<1x1x2x2xi32>}}
  %0:2 = "tsm.adaptive_max_pool2d"(%x) {output_size = array<i64: 2, 2>} : (tensor<1x1x4x4xf32>) -> (tensor<1x1x2x2xf32>, tensor<1x1x2x2xi32>)
  return %0#0, %0#1 : tensor<1x1x2x2xf32>, tensor<1x1x2x2xi32>
}

// -----

func.func @pad$reflect_too_far(%x: tensor<2x3xf32>) -> tensor<2x6xf32> {
  // expected-error @+1 {{reflect padding (3, 0) must be smaller than the size 3 of dim 1 of tensor<2x3xf32>}}
  %0 = "tsm.pad"(%x) {low = array<i64: 0, 3>, high = array<i64: 0, 0>, mode = "reflect"} : (tensor<2x3xf32>) -> tensor<2x6xf32>
  return %0 : tensor<2x6xf32>
}

// -----

func.func @pad$mode(%x: tensor<2x3xf32>) -> tensor<2x5xf32> {
  // expected-error @+1 {{mode must be one of constant, reflect, replicate, circular, got 'wrap'}}
  %0 = "tsm.pad"(%x) {low = array<i64: 0, 1>, high = array<i64: 0, 1>, mode = "wrap"} : (tensor<2x3xf32>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

func.func @pad$circular_wraps_twice(%x: tensor<2x3xf32>) -> tensor<2x7xf32> {
  // expected-error @+1 {{circular padding (4, 0) of dim 1 of tensor<2x3xf32> wraps around more than once (at most the size 3)}}
  %0 = "tsm.pad"(%x) {low = array<i64: 0, 4>, high = array<i64: 0, 0>, mode = "circular"} : (tensor<2x3xf32>) -> tensor<2x7xf32>
  return %0 : tensor<2x7xf32>
}

// -----

func.func @pad$crop_too_much(%x: tensor<2x3xf32>) -> tensor<2x0xf32> {
  // expected-error @+1 {{padding (-2, -2) makes dim 1 of tensor<2x3xf32> negative: -1}}
  %0 = "tsm.pad"(%x) {low = array<i64: 0, -2>, high = array<i64: 0, -2>} : (tensor<2x3xf32>) -> tensor<2x0xf32>
  return %0 : tensor<2x0xf32>
}

// -----

func.func @upsample2d$align_corners(%x: tensor<1x1x2x2xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error @+1 {{align_corners is only meaningful for bilinear mode}}
  %0 = "tsm.upsample2d"(%x) {size = array<i64: 4, 4>, mode = "nearest", align_corners = 1 : i1} : (tensor<1x1x2x2xf32>) -> tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----

func.func @adaptive_avg_pool3d$size(%x: tensor<1x2x4x4x4xf32>) -> tensor<1x2x2x2xf32> {
  // expected-error @+1 {{output_size must be 3 positive sizes, got [2, 2]}}
  %0 = "tsm.adaptive_avg_pool3d"(%x) {output_size = array<i64: 2, 2>} : (tensor<1x2x4x4x4xf32>) -> tensor<1x2x2x2xf32>
  return %0 : tensor<1x2x2x2xf32>
}

// -----

func.func @avg_pool3d$padding(%x: tensor<1x1x4x4x4xf32>) -> tensor<1x1x3x3x3xf32> {
  // expected-error @+1 {{padding [2, 1, 1] must have 3 values, each at most half the kernel size [2, 2, 2]}}
  %0 = "tsm.avg_pool3d"(%x) {kernel_size = array<i64: 2, 2, 2>, stride = array<i64: 2, 2, 2>, padding = array<i64: 2, 1, 1>} : (tensor<1x1x4x4x4xf32>) -> tensor<1x1x3x3x3xf32>
  return %0 : tensor<1x1x3x3x3xf32>
}

// -----

func.func @conv_transpose3d$padding(%x: tensor<1x2x2x2x2xf32>, %w: tensor<2x1x2x2x2xf32>) -> tensor<1x1x3x3x3xf32> {
  // expected-error @+1 {{padding must be 3 values >= 0, got [0, 0]}}
  %0 = "tsm.conv_transpose3d"(%x, %w) {stride = array<i64: 1, 1, 1>, padding = array<i64: 0, 0>, output_padding = array<i64: 0, 0, 0>, dilation = array<i64: 1, 1, 1>, groups = 1} : (tensor<1x2x2x2x2xf32>, tensor<2x1x2x2x2xf32>) -> tensor<1x1x3x3x3xf32>
  return %0 : tensor<1x1x3x3x3xf32>
}

// -----

func.func @grid_sample$grid_shape(%x: tensor<1x2x4x4xf32>, %g: tensor<1x3x3x3xf32>) -> tensor<1x2x3x3xf32> {
  // expected-error @+1 {{expects an (N, H_out, W_out, 2) grid of the input's dtype, got tensor<1x3x3x3xf32>}}
  %0 = "tsm.grid_sample"(%x, %g) {mode = "bilinear", padding = "zeros", align_corners = false} : (tensor<1x2x4x4xf32>, tensor<1x3x3x3xf32>) -> tensor<1x2x3x3xf32>
  return %0 : tensor<1x2x3x3xf32>
}

// -----

func.func @grid_sample$grid_dtype(%x: tensor<1x2x4x4xf32>, %g: tensor<1x3x3x2xf64>) -> tensor<1x2x3x3xf32> {
  // expected-error @+1 {{expects an (N, H_out, W_out, 2) grid of the input's dtype, got tensor<1x3x3x2xf64>}}
  %0 = "tsm.grid_sample"(%x, %g) {mode = "bilinear", padding = "zeros", align_corners = false} : (tensor<1x2x4x4xf32>, tensor<1x3x3x2xf64>) -> tensor<1x2x3x3xf32>
  return %0 : tensor<1x2x3x3xf32>
}

// -----

func.func @grid_sample$batch(%x: tensor<2x2x4x4xf32>, %g: tensor<3x3x3x2xf32>) -> tensor<2x2x3x3xf32> {
  // expected-error @+1 {{input and grid have batch sizes 2 and 3}}
  %0 = "tsm.grid_sample"(%x, %g) {mode = "bilinear", padding = "zeros", align_corners = false} : (tensor<2x2x4x4xf32>, tensor<3x3x3x2xf32>) -> tensor<2x2x3x3xf32>
  return %0 : tensor<2x2x3x3xf32>
}

// -----

func.func @grid_sample$mode(%x: tensor<1x2x4x4xf32>, %g: tensor<1x3x3x2xf32>) -> tensor<1x2x3x3xf32> {
  // expected-error @+1 {{mode must be one of bilinear, nearest, got 'bicubic'}}
  %0 = "tsm.grid_sample"(%x, %g) {mode = "bicubic", padding = "zeros", align_corners = false} : (tensor<1x2x4x4xf32>, tensor<1x3x3x2xf32>) -> tensor<1x2x3x3xf32>
  return %0 : tensor<1x2x3x3xf32>
}

// -----

func.func @grid_sample$padding(%x: tensor<1x2x4x4xf32>, %g: tensor<1x3x3x2xf32>) -> tensor<1x2x3x3xf32> {
  // expected-error @+1 {{padding must be one of zeros, border, reflection, got 'circular'}}
  %0 = "tsm.grid_sample"(%x, %g) {mode = "bilinear", padding = "circular", align_corners = false} : (tensor<1x2x4x4xf32>, tensor<1x3x3x2xf32>) -> tensor<1x2x3x3xf32>
  return %0 : tensor<1x2x3x3xf32>
}

// -----

func.func @grid_sample$input(%x: tensor<2x4x4xf32>, %g: tensor<1x3x3x2xf32>) -> tensor<1x2x3x3xf32> {
  // expected-error @+1 {{expects a 4-D (N, C, H, W) input, got tensor<2x4x4xf32>}}
  %0 = "tsm.grid_sample"(%x, %g) {mode = "bilinear", padding = "zeros", align_corners = false} : (tensor<2x4x4xf32>, tensor<1x3x3x2xf32>) -> tensor<1x2x3x3xf32>
  return %0 : tensor<1x2x3x3xf32>
}
