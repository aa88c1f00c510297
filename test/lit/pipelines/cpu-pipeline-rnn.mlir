// RUN: tsmlir-opt %s --tsm-to-linalg --tsm-linalg-to-loops | filecheck %s

// The seed RNN (h = tanh(x[t] @ W + h @ U + b); y[t] = tanh(h @ Wy + by),
// stacked): x @ W runs for all steps as one matmul before the loop, y as one
// matmul after it; the hoisted product is the stack of h: each step
// accumulates h @ U into its row block t in place, applies tanh there and
// copies the new h into h's buffer.  Nothing is allocated in the loop.
// CHECK-LABEL: func.func @forward
// CHECK-SAME: (%[[X:.*]]: memref<6x3x5xf32>, %[[H0:.*]]: memref<3x7xf32>, %[[W:.*]]: memref<5x7xf32>, %[[U:.*]]: memref<7x7xf32>, %[[B:.*]]: memref<7xf32>, %[[WY:.*]]: memref<7x7xf32>, %[[BY:.*]]: memref<7xf32>)
// CHECK: %[[XW:.*]] = memref.alloc() {{.*}} : memref<18x7xf32>
// CHECK: call @{{.*}}(%{{.*}}, %[[W]], %[[XW]]{{.*}} : (memref<18x5xf32>, memref<5x7xf32>, memref<18x7xf32>
// CHECK: %[[STACK:.*]] = memref.expand_shape %[[XW]] {{.*}} into memref<6x3x7xf32>
// CHECK: %[[H:.*]] = memref.alloc() {{.*}} : memref<3x7xf32>
// CHECK: scf.for %[[T:.*]] = %{{.*}} to %{{.*}} step
// CHECK-NOT: memref.alloc
// CHECK: %[[ROW:.*]] = memref.subview %[[STACK]][%[[T]], 0, 0] [1, 3, 7]
// CHECK-NOT: memref.alloc
// CHECK: call @{{.*}}(%[[H]], %[[U]], %[[ROW]],
// CHECK-NOT: memref.alloc
// CHECK: math.tanh
// CHECK: memref.subview %[[H]]
// CHECK-NOT: memref.alloc
// CHECK: {{^    }}}
// CHECK: %[[Y:.*]] = memref.alloc() {{.*}} : memref<18x7xf32>
// CHECK: call @{{.*}}(%[[XW]], %[[WY]], %[[Y]]{{.*}} : (memref<18x7xf32>, memref<7x7xf32>, memref<18x7xf32>
// CHECK: math.tanh
// CHECK: return %{{.*}}, %[[H]]
module {
  func.func @forward(%arg0: tensor<6x3x5xf32>, %arg1: tensor<3x7xf32>, %arg2: tensor<5x7xf32>, %arg3: tensor<7x7xf32>, %arg4: tensor<7xf32>, %arg5: tensor<7x7xf32>, %arg6: tensor<7xf32>) -> (tensor<6x3x7xf32>, tensor<3x7xf32>) attributes {llvm.emit_c_interface} {
    %c6 = arith.constant 6 : index
    %0 = tensor.empty() : tensor<6x3x7xf32>
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %1:2 = scf.for %arg7 = %c0 to %c6 step %c1 iter_args(%arg8 = %0, %arg9 = %arg1) -> (tensor<6x3x7xf32>, tensor<3x7xf32>) {
      %2 = arith.index_cast %arg7 : index to i64
      %from_elements = tensor.from_elements %2 : tensor<i64>
      %3 = "tsm.select"(%arg0, %from_elements) {dim = 0 : i64} : (tensor<6x3x5xf32>, tensor<i64>) -> tensor<3x5xf32>
      %4 = "tsm.matmul"(%3, %arg2) : (tensor<3x5xf32>, tensor<5x7xf32>) -> tensor<3x7xf32>
      %5 = "tsm.matmul"(%arg9, %arg3) : (tensor<3x7xf32>, tensor<7x7xf32>) -> tensor<3x7xf32>
      %6 = "tsm.add"(%4, %5) : (tensor<3x7xf32>, tensor<3x7xf32>) -> tensor<3x7xf32>
      %7 = "tsm.add"(%6, %arg4) : (tensor<3x7xf32>, tensor<7xf32>) -> tensor<3x7xf32>
      %8 = "tsm.tanh"(%7) : (tensor<3x7xf32>) -> tensor<3x7xf32>
      %9 = "tsm.matmul"(%8, %arg5) : (tensor<3x7xf32>, tensor<7x7xf32>) -> tensor<3x7xf32>
      %10 = "tsm.add"(%9, %arg6) : (tensor<3x7xf32>, tensor<7xf32>) -> tensor<3x7xf32>
      %11 = "tsm.tanh"(%10) : (tensor<3x7xf32>) -> tensor<3x7xf32>
      %inserted_slice = tensor.insert_slice %11 into %arg8[%arg7, 0, 0] [1, 3, 7] [1, 1, 1] : tensor<3x7xf32> into tensor<6x3x7xf32>
      %c1_i64 = arith.constant 1 : i64
      %12 = arith.addi %2, %c1_i64 : i64
      scf.yield %inserted_slice, %8 : tensor<6x3x7xf32>, tensor<3x7xf32>
    }
    return %1#0, %1#1 : tensor<6x3x7xf32>, tensor<3x7xf32>
  }
}
