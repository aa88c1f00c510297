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

// relu(x @ W + b) (addmm; an nn.Linear's weight is imported as K x N):
// the kernel takes the bias after C and starts the first k block's sums
// from it (the panel's columns of it, masked: the last panel is partial),
// later blocks from C; the bias is no longer broadcast into C by a loop of
// its own.
// CHECK-LABEL: func.func private @tsm_matmul_packed_2(
// CHECK-SAME: %[[C:[^:]*]]: memref<40x33xf32>, %[[BIAS:[^:]*]]: memref<33xf32>, %{{[^:]*}}: index,
// CHECK: scf.for %[[K0:.*]] = %c0 to %c300 step %c256
// CHECK: %[[FIRST:.*]] = arith.cmpi eq, %[[K0]], %c0
// CHECK: %[[MASK:.*]] = vector.create_mask
// CHECK: %[[CIN:.*]]:{{6|8}} = scf.if %[[FIRST]]
// CHECK: %[[BV:.*]] = vector.maskedload %[[BIAS]][%{{.*}}], %[[MASK]]
// CHECK: scf.yield %[[BV]], %[[BV]],
// CHECK: } else {
// CHECK: vector.load %[[C]]
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %[[CIN]]#0,
// CHECK: arith.maximumf
// CHECK-LABEL: func.func private @tsm_matmul_packed_2_w0(
// CHECK-SAME: %[[DC:[^:]*]]: memref<40x33xf32>, %[[DBIAS:[^:]*]]: memref<33xf32>)
// CHECK: call @tsm_matmul_packed_2(%{{.*}}, %{{.*}}, %[[DC]], %[[DBIAS]], %c0, %c40, %c0, %c33)
// CHECK-LABEL: func.func @relu_addmm
// CHECK: %[[B:.*]] = memref.get_global {{.*}} : memref<33xf32>
// CHECK-NOT: vector.store
// CHECK: call @tsm_matmul_packed_2_w0(%{{.*}}, %{{.*}}, %{{.*}}, %[[B]])
// CHECK-NOT: arith.maximumf
// CHECK: return
func.func @relu_addmm(%x: tensor<40x300xf32>) -> tensor<40x33xf32> {
  %w = arith.constant dense<0.5> : tensor<300x33xf32>
  %b = arith.constant dense<0.25> : tensor<33xf32>
  %0 = "tsm.addmm"(%b, %x, %w) : (tensor<33xf32>, tensor<40x300xf32>, tensor<300x33xf32>) -> tensor<40x33xf32>
  %1 = "tsm.relu"(%0) : (tensor<40x33xf32>) -> tensor<40x33xf32>
  return %1 : tensor<40x33xf32>
}

// A matmul that no packed kernel takes (a transposed weight): the ReLU
// stays a loop of its own after the product.
// CHECK-LABEL: func.func @relu_linear_transposed
// CHECK: memref.store
// CHECK: arith.maximumf %{{.*}} : vector<16xf32>
// CHECK: return
func.func @relu_linear_transposed(%x: tensor<40x300xf32>, %w: tensor<33x300xf32>) -> tensor<40x33xf32> {
  %0 = "tsm.linear"(%x, %w) : (tensor<40x300xf32>, tensor<33x300xf32>) -> tensor<40x33xf32>
  %1 = "tsm.relu"(%0) : (tensor<40x33xf32>) -> tensor<40x33xf32>
  return %1 : tensor<40x33xf32>
}

// A convolution's bias is per row of its product (C = channels x pixels):
// each row's element, broadcast.  One k block (27): the kernel never reads C.
// CHECK-LABEL: func.func private @tsm_matmul_packed_3(
// CHECK-SAME: %[[C:[^:]*]]: memref<34x36xf32>, %[[BIAS:[^:]*]]: memref<34xf32>,
// CHECK-NOT: vector.load %[[C]]
// CHECK-NOT: vector.maskedload %[[C]]
// CHECK: %[[X:.*]] = memref.load %[[BIAS]][%{{.*}}] : memref<34xf32>
// CHECK: vector.broadcast %[[X]] : f32 to vector
// CHECK-NOT: vector.load %[[C]]
// CHECK-NOT: vector.maskedload %[[C]]
// CHECK: func.func private @tsm_matmul_packed_3_
// CHECK-LABEL: func.func @conv_bias
// CHECK: call @tsm_matmul_packed_3_
// CHECK-NOT: arith.maximumf
// CHECK: return
func.func @conv_bias(%x: tensor<1x3x8x8xf32>) -> tensor<1x34x6x6xf32> {
  %w = arith.constant dense<0.5> : tensor<34x3x3x3xf32>
  %b = arith.constant dense<0.25> : tensor<34xf32>
  %0 = "tsm.conv2d"(%x, %w, %b) {stride = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilation = array<i64: 1, 1>, groups = 1} : (tensor<1x3x8x8xf32>, tensor<34x3x3x3xf32>, tensor<34xf32>) -> tensor<1x34x6x6xf32>
  %1 = "tsm.relu"(%0) : (tensor<1x34x6x6xf32>) -> tensor<1x34x6x6xf32>
  return %1 : tensor<1x34x6x6xf32>
}

// relu(x @ W + b + y): the matmul accumulates into a copy of y (an
// argument: never written), no pass adds the bias to it; the kernel's first k block adds the bias to
// the tile it loads from C; the ReLU is its epilogue.
// CHECK-LABEL: func.func private @tsm_matmul_packed_{{[0-9]+}}(
// CHECK-SAME: %[[C:[^:]*]]: memref<40x33xf32>, %[[BIAS:[^:]*]]: memref<33xf32>, %{{[^:]*}}: index,
// CHECK: %[[FIRST:.*]] = arith.cmpi eq, %{{.*}}, %c0
// CHECK: %[[CC:.*]]:{{6|8}} = scf.if
// CHECK: vector.load %[[C]]
// CHECK: %[[CIN:.*]]:{{6|8}} = scf.if %[[FIRST]]
// CHECK: %[[BV:.*]] = vector.maskedload %[[BIAS]]
// CHECK: arith.addf %[[CC]]#0, %[[BV]]
// CHECK: } else {
// CHECK: scf.yield %[[CC]]#0,
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %[[CIN]]#0,
// CHECK: arith.maximumf
// CHECK-LABEL: func.func @relu_residual
// CHECK: call @tsm_matmul_packed_{{[0-9]+}}_w0(
// CHECK-NOT: arith.maximumf
// CHECK: return
func.func @relu_residual(%x: tensor<40x300xf32>, %y: tensor<40x33xf32>) -> tensor<40x33xf32> {
  %w = arith.constant dense<0.5> : tensor<300x33xf32>
  %b = arith.constant dense<0.25> : tensor<33xf32>
  %0 = "tsm.addmm"(%b, %x, %w) : (tensor<33xf32>, tensor<40x300xf32>, tensor<300x33xf32>) -> tensor<40x33xf32>
  %1 = "tsm.add"(%0, %y) : (tensor<40x33xf32>, tensor<40x33xf32>) -> tensor<40x33xf32>
  %2 = "tsm.relu"(%1) : (tensor<40x33xf32>) -> tensor<40x33xf32>
  return %2 : tensor<40x33xf32>
}
