// RUN: tsmlir-opt %s --split-input-file --tsm-lower-constructors | filecheck %s

// A static shape: tensor.empty filled with the 0-d value's element.
// CHECK-LABEL: func.func @full$static
// CHECK-SAME: (%[[V:.*]]: tensor<f32>)
// CHECK: %[[INIT:.*]] = tensor.empty() : tensor<2x3xf32>
// CHECK: %[[E:.*]] = tensor.extract %[[V]][] : tensor<f32>
// CHECK: %[[F:.*]] = linalg.fill ins(%[[E]] : f32) outs(%[[INIT]] : tensor<2x3xf32>)
// CHECK: return %[[F]]
func.func @full$static(%v: tensor<f32>) -> tensor<2x3xf32> {
  %0 = "tsm.full"(%v) {shape = array<i64: 2, 3>} : (tensor<f32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Each dynamic dim reads its size from `sizes`, checked >= 0 at run time.
// CHECK-LABEL: func.func @full$dynamic
// CHECK-SAME: (%[[V:.*]]: tensor<i8>, %[[S:.*]]: tensor<2xi64>)
// CHECK: %[[N0:.*]] = tensor.extract %[[S]][%{{.*}}] : tensor<2xi64>
// CHECK: %[[OK0:.*]] = arith.cmpi sge, %[[N0]], %{{.*}} : i64
// CHECK: cf.assert %[[OK0]], "{{.*}}tsm.full: negative size for dimension 0"
// CHECK: %[[D0:.*]] = arith.index_cast %[[N0]] : i64 to index
// CHECK: %[[N2:.*]] = tensor.extract %[[S]][%{{.*}}] : tensor<2xi64>
// CHECK: cf.assert %{{.*}}, "{{.*}}tsm.full: negative size for dimension 2"
// CHECK: %[[D2:.*]] = arith.index_cast %[[N2]] : i64 to index
// CHECK: %[[INIT:.*]] = tensor.empty(%[[D0]], %[[D2]]) : tensor<?x4x?xi8>
// CHECK: %[[E:.*]] = tensor.extract %[[V]][] : tensor<i8>
// CHECK: linalg.fill ins(%[[E]] : i8) outs(%[[INIT]] : tensor<?x4x?xi8>)
func.func @full$dynamic(%v: tensor<i8>, %sizes: tensor<2xi64>) -> tensor<?x4x?xi8> {
  %0 = "tsm.full"(%v, %sizes) {shape = array<i64: -1, 4, -1>} : (tensor<i8>, tensor<2xi64>) -> tensor<?x4x?xi8>
  return %0 : tensor<?x4x?xi8>
}

// -----

// f32 arange computes start + i * step in f64 (PyTorch's accumulate type).
// CHECK-LABEL: func.func @arange$f32
// CHECK-SAME: (%[[START:.*]]: tensor<f64>, %[[STEP:.*]]: tensor<f64>)
// CHECK: %[[INIT:.*]] = tensor.empty() : tensor<6xf32>
// CHECK: linalg.generic {{.*}} ins(%[[START]], %[[STEP]] : tensor<f64>, tensor<f64>) outs(%[[INIT]] : tensor<6xf32>)
// CHECK: ^bb0(%[[A:.*]]: f64, %[[B:.*]]: f64, %{{.*}}: f32):
// CHECK: %[[I:.*]] = linalg.index 0 : index
// CHECK: %[[I64:.*]] = arith.index_cast %[[I]] : index to i64
// CHECK: %[[IF:.*]] = arith.sitofp %[[I64]] : i64 to f64
// CHECK: %[[MUL:.*]] = arith.mulf %[[B]], %[[IF]] : f64
// CHECK: %[[ADD:.*]] = arith.addf %[[A]], %[[MUL]] : f64
// CHECK: %[[R:.*]] = arith.truncf %[[ADD]] : f64 to f32
// CHECK: linalg.yield %[[R]] : f32
func.func @arange$f32(%start: tensor<f64>, %step: tensor<f64>) -> tensor<6xf32> {
  %0 = "tsm.arange"(%start, %step) {size = 6 : i64, dtype = "float32"} : (tensor<f64>, tensor<f64>) -> tensor<6xf32>
  return %0 : tensor<6xf32>
}

// -----

// Integer results truncate start and step to i64 first; the length is dynamic.
// CHECK-LABEL: func.func @arange$int_dynamic
// CHECK-SAME: (%[[START:.*]]: tensor<f64>, %[[STEP:.*]]: tensor<f64>, %[[S:.*]]: tensor<1xi64>)
// CHECK: %[[N:.*]] = tensor.extract %[[S]]
// CHECK: cf.assert %{{.*}}, "{{.*}}tsm.arange: negative size for dimension 0"
// CHECK: %[[D:.*]] = arith.index_cast %[[N]] : i64 to index
// CHECK: %[[INIT:.*]] = tensor.empty(%[[D]]) : tensor<?xi32>
// CHECK: ^bb0(%[[A:.*]]: f64, %[[B:.*]]: f64, %{{.*}}: i32):
// CHECK: %[[IDX:.*]] = arith.index_cast %{{.*}} : index to i64
// CHECK: %[[AI:.*]] = arith.fptosi %[[A]] : f64 to i64
// CHECK: %[[BI:.*]] = arith.fptosi %[[B]] : f64 to i64
// CHECK: %[[MUL:.*]] = arith.muli %[[BI]], %[[IDX]] : i64
// CHECK: %[[ADD:.*]] = arith.addi %[[AI]], %[[MUL]] : i64
// CHECK: arith.trunci %[[ADD]] : i64 to i32
func.func @arange$int_dynamic(%start: tensor<f64>, %step: tensor<f64>, %sizes: tensor<1xi64>) -> tensor<?xi32> {
  %0 = "tsm.arange"(%start, %step, %sizes) {size = -1 : i64, dtype = "int32"} : (tensor<f64>, tensor<f64>, tensor<1xi64>) -> tensor<?xi32>
  return %0 : tensor<?xi32>
}
