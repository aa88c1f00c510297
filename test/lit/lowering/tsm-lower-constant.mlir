// RUN: tsmlir-opt %s --split-input-file --tsm-lower-constant | filecheck %s

// CHECK-LABEL: func.func @constant$inline
// CHECK: %[[C:.*]] = arith.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
// CHECK: return %[[C]]
func.func @constant$inline() -> tensor<2xf32> {
  %0 = "tsm.constant"() {value = dense<[1.0, 2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// A flat blob with a shape becomes a 1-D constant plus a view.
// CHECK-LABEL: func.func @constant$flat_resource
// CHECK: %[[FLAT:.*]] = arith.constant dense_resource<w> : tensor<4xf32>
// CHECK: %[[VIEW:.*]] = tensor.expand_shape %[[FLAT]] {{\[\[}}0, 1]] output_shape [2, 2] : tensor<4xf32> into tensor<2x2xf32>
// CHECK: return %[[VIEW]]
func.func @constant$flat_resource() -> tensor<2x2xf32> {
  %0 = "tsm.constant"() {value = dense_resource<w> : tensor<4xf32>, shape = array<i64: 2, 2>} : () -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}
{-#
  dialect_resources: { builtin: { w: "0x040000000000803F000000400000404000008040" } }
#-}

// -----

// An inline uint8 value is an i8 constant retagged element by element, so that
// folding tensor.extract never makes an (invalid) scalar ui8 arith.constant.
// CHECK-LABEL: func.func @constant$uint8
// CHECK: %[[BITS:.*]] = arith.constant dense<[1, -56]> : tensor<2xi8>
// CHECK: %[[INIT:.*]] = tensor.empty() : tensor<2xui8>
// CHECK: %[[R:.*]] = linalg.generic {{.*}} ins(%[[BITS]] : tensor<2xi8>) outs(%[[INIT]] : tensor<2xui8>)
// CHECK: ^bb0(%[[B:.*]]: i8, %{{.*}}: ui8):
// CHECK: %[[U:.*]] = builtin.unrealized_conversion_cast %[[B]] : i8 to ui8
// CHECK: linalg.yield %[[U]] : ui8
// CHECK: return %[[R]]
func.func @constant$uint8() -> tensor<2xui8> {
  %0 = "tsm.constant"() {value = dense<[1, 200]> : tensor<2xui8>} : () -> tensor<2xui8>
  return %0 : tensor<2xui8>
}
