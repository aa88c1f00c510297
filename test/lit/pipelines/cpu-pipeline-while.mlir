// RUN: tsmlir-opt %s --tsm-cpu-pipeline | filecheck %s
// RUN: tsmlir-opt %s --tsm-to-linalg --tsm-linalg-to-loops | filecheck %s --check-prefix=LOOPS

// A loop with a data-dependent exit (halve x while sum(x * x) > 1) goes
// through the whole CPU pipeline: scf.while survives tsm-to-linalg and
// bufferization (a carried buffer that is not the iter_arg's is copied:
// allow-return-allocs-from-loops), then becomes branches.
// CHECK: llvm.func @forward
// CHECK: llvm.cond_br
// CHECK: llvm.fdiv
// CHECK: llvm.fcmp "ogt"
// CHECK: llvm.func @_mlir_ciface_forward
// CHECK-NOT: scf.
// CHECK-NOT: "tsm.

// LOOPS-LABEL: func.func @forward
// LOOPS-SAME: memref<?xf32>
// LOOPS: scf.while
// LOOPS: scf.condition
// LOOPS: } do {
// LOOPS: arith.divf
// LOOPS: scf.yield
func.func @forward(%x: tensor<?xf32>) -> tensor<?xf32> attributes {llvm.emit_c_interface} {
  %two = "tsm.constant"() {value = dense<2.0> : tensor<f32>} : () -> tensor<f32>
  %one = arith.constant 1.0 : f64
  %c0 = arith.constant 0 : i64
  %c1 = arith.constant 1 : i64
  %sq = "tsm.mul"(%x, %x) : (tensor<?xf32>, tensor<?xf32>) -> tensor<?xf32>
  %s = "tsm.sum"(%sq) {dims = array<i64: 0>, keepdim = false} : (tensor<?xf32>) -> tensor<f32>
  %e = tensor.extract %s[] : tensor<f32>
  %f = arith.extf %e : f32 to f64
  %go = arith.cmpf ogt, %f, %one : f64
  %r:3 = scf.while (%i = %c0, %g = %go, %y = %x) : (i64, i1, tensor<?xf32>) -> (i64, i1, tensor<?xf32>) {
    scf.condition(%g) %i, %g, %y : i64, i1, tensor<?xf32>
  } do {
  ^bb0(%i: i64, %g: i1, %y: tensor<?xf32>):
    %h = "tsm.div"(%y, %two) : (tensor<?xf32>, tensor<f32>) -> tensor<?xf32>
    %hh = "tsm.mul"(%h, %h) : (tensor<?xf32>, tensor<?xf32>) -> tensor<?xf32>
    %hs = "tsm.sum"(%hh) {dims = array<i64: 0>, keepdim = false} : (tensor<?xf32>) -> tensor<f32>
    %he = tensor.extract %hs[] : tensor<f32>
    %hf = arith.extf %he : f32 to f64
    %again = arith.cmpf ogt, %hf, %one : f64
    %next = arith.addi %i, %c1 : i64
    scf.yield %next, %again, %h : i64, i1, tensor<?xf32>
  }
  return %r#2 : tensor<?xf32>
}
