// RUN: tsmlir-opt %s --tsm-to-linalg --tsm-linalg-to-loops | filecheck %s

// relu(a @ b) with two k blocks (300 = 256 + 44): the packed kernel clamps
// the tile it stores at 0 only after the last block (the first block's
// stores are partial sums: clamped at -inf, i.e. not at all); no ReLU pass
// is left after the matmul.
// CHECK-LABEL: func.func private @tsm_matmul_packed_0(
// CHECK-SAME: %[[C:[^:]*]]: memref<35x65xf32>
// CHECK-DAG: %[[NINF:.*]] = arith.constant dense<0xFF800000> : vector<[[L:16|32]]xf32>
// CHECK-DAG: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<[[L]]xf32>
// CHECK: scf.for %[[K0:.*]] = %c0 to %c300 step %c256
// CHECK: %[[KB:.*]] = arith.minsi
// CHECK: %[[KEND:.*]] = arith.addi %[[K0]], %[[KB]]
// CHECK: %[[LAST:.*]] = arith.cmpi eq, %[[KEND]], %c300
// CHECK: %[[FLOOR:.*]] = arith.select %[[LAST]], %[[ZERO]], %[[NINF]] : vector<[[L]]xf32>
// CHECK: %[[ACC:.*]]:{{6|8}} = scf.for
// CHECK: vector.fma
// CHECK: scf.yield
// CHECK: %[[E:.*]] = arith.maximumf %[[ACC]]#0, %[[FLOOR]] : vector<[[L]]xf32>
// CHECK: vector.store %[[E]], %[[C]]
// CHECK: vector.maskedstore %[[C]][%{{.*}}], %{{.*}}, %[[E]]
// The tail strip's tile too.
// CHECK: scf.for {{.*}} iter_args
// CHECK: arith.maximumf %{{.*}}, %[[FLOOR]]
// CHECK-LABEL: func.func @relu_mm
// CHECK: call @tsm_matmul_packed_0_driver(
// CHECK-NOT: arith.maximumf
// CHECK: return
func.func @relu_mm(%a: tensor<35x300xf32>, %b: tensor<300x65xf32>) -> tensor<35x65xf32> {
  %0 = "tsm.matmul"(%a, %b) : (tensor<35x300xf32>, tensor<300x65xf32>) -> tensor<35x65xf32>
  %1 = "tsm.relu"(%0) : (tensor<35x65xf32>) -> tensor<35x65xf32>
  return %1 : tensor<35x65xf32>
}

// Without a ReLU the kernel clamps nothing.
// CHECK-LABEL: func.func private @tsm_matmul_packed_1(
// CHECK-NOT: arith.maximumf
// CHECK: return
// CHECK-LABEL: func.func @plain_mm
func.func @plain_mm(%a: tensor<35x300xf32>, %b: tensor<300x65xf32>) -> tensor<35x65xf32> {
  %0 = "tsm.matmul"(%a, %b) : (tensor<35x300xf32>, tensor<300x65xf32>) -> tensor<35x65xf32>
  return %0 : tensor<35x65xf32>
}
