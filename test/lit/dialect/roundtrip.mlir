// RUN: tsmlir-opt %s --split-input-file | tsmlir-opt --split-input-file | filecheck %s
// Every tsm op parses, verifies through IRDL and prints back unchanged (generic form).

// CHECK-LABEL: func.func @add$broadcast
// CHECK: "tsm.add"(%{{.*}}, %{{.*}}) : (tensor<3x4xf32>, tensor<4xf32>) -> tensor<3x4xf32>
func.func @add$broadcast(%a: tensor<3x4xf32>, %b: tensor<4xf32>) -> tensor<3x4xf32> {
  %0 = "tsm.add"(%a, %b) : (tensor<3x4xf32>, tensor<4xf32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// CHECK-LABEL: func.func @gelu$tanh
// CHECK: "tsm.gelu"(%{{.*}}) {approximate = "tanh"} : (tensor<?x8xf32>) -> tensor<?x8xf32>
func.func @gelu$tanh(%a: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %0 = "tsm.gelu"(%a) {approximate = "tanh"} : (tensor<?x8xf32>) -> tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

// CHECK-LABEL: func.func @constant$resource
// CHECK: "tsm.constant"() {value = dense_resource<w> : tensor<2xf32>} : () -> tensor<2xf32>
func.func @constant$resource() -> tensor<2xf32> {
  %0 = "tsm.constant"() {value = dense_resource<w> : tensor<2xf32>} : () -> tensor<2xf32>
  return %0 : tensor<2xf32>
}
{-#
  dialect_resources: { builtin: { w: "0x040000000000803F00000040" } }
#-}
