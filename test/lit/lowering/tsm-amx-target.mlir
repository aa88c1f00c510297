// RUN: tsmlir-opt %s --target-cpu sapphirerapids --tsm-lower-matmul | filecheck %s --check-prefix=AMX
// RUN: tsmlir-opt %s --target-cpu x86-64-v4 --tsm-lower-matmul | filecheck %s --check-prefix=NOAMX

// --target-cpu says whether bf16 products take AMX tiles (a bf16 x bf16 ->
// f32 product) or the f32 product between conversions; without it, the host.
// AMX: module attributes {tsm.target_amx_bf16 = true
// AMX: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<40x96xbf16>, tensor<96x64xbf16>) outs(%{{.*}} : tensor<40x64xf32>)
// NOAMX: module attributes {tsm.target_amx_bf16 = false
// NOAMX: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<40x96xf32>, tensor<96x64xf32>) outs(%{{.*}} : tensor<40x64xf32>)
func.func @product(%x: tensor<40x96xbf16>, %w: tensor<96x64xbf16>) -> tensor<40x64xbf16> {
  %0 = "tsm.matmul"(%x, %w) : (tensor<40x96xbf16>, tensor<96x64xbf16>) -> tensor<40x64xbf16>
  return %0 : tensor<40x64xbf16>
}
