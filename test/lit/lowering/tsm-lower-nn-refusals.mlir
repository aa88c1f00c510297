// RUN: tsmlir-opt %s --split-input-file --tsm-lower-nn --verify-diagnostics
// Lowerings that refuse an op say why at the op.

func.func @grid_sample$flat_index(%x: tensor<1x1x46341x46341xf32>, %g: tensor<1x2x2x2xf32>) -> tensor<1x1x2x2xf32> {
  // expected-error @+1 {{grid_sample: 46341 x 46341 pixels do not fit the 32-bit flat indices of its corners}}
  %0 = "tsm.grid_sample"(%x, %g) {mode = "bilinear", padding = "zeros", align_corners = false} : (tensor<1x1x46341x46341xf32>, tensor<1x2x2x2xf32>) -> tensor<1x1x2x2xf32>
  return %0 : tensor<1x1x2x2xf32>
}
