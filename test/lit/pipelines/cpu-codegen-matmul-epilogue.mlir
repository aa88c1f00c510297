// RUN: tsmlir-opt %s --tsm-to-linalg --tsm-linalg-to-loops | filecheck %s

// One packed kernel per shape serves every matmul of it; its arguments
// choose the fused work: %bias, %init (0: start from C, 1: from the bias,
// 2: from C plus the bias, 3: from zero), %bias_rows (the bias broadcast along the rows,
// else the columns), %relu (clamp the stored sums at 0).
// relu(a @ b) and a @ b, two k blocks (300 = 256 + 44): the kernel clamps
// the tile it stores at %floor, 0 only after the last block of a ReLU
// matmul (the first block's stores are partial sums), -inf otherwise (no
// change); no ReLU pass is left after the matmul.
// CHECK-LABEL: func.func private @tsm_matmul_packed_0(
// CHECK-SAME: %[[C:[^:]*]]: memref<35x65xf32>, %[[BIAS:[^:]*]]: memref<?xf32>, %[[INIT:[^:]*]]: index, %[[ROWS:[^:]*]]: i1, %[[RELU:[^:]*]]: i1, %{{[^:]*}}: index,
// CHECK-DAG: %[[NINF:.*]] = arith.constant dense<0xFF800000> : vector<[[L:16|32]]xf32>
// CHECK-DAG: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<[[L]]xf32>
// CHECK-DAG: %[[SET:.*]] = arith.cmpi eq, %[[INIT]], %c1
// CHECK-DAG: %[[ADD:.*]] = arith.cmpi eq, %[[INIT]], %c2
// CHECK-DAG: %[[ZINIT:.*]] = arith.cmpi eq, %[[INIT]], %c3
// CHECK: scf.for %[[K0:.*]] = %c0 to %c300 step %c256
// CHECK: %[[KB:.*]] = arith.minsi
// CHECK: %[[KEND:.*]] = arith.addi %[[K0]], %[[KB]]
// CHECK: %[[LAST:.*]] = arith.cmpi eq, %[[KEND]], %c300
// CHECK: %[[CLAMP:.*]] = arith.andi %[[LAST]], %[[RELU]]
// CHECK: %[[FLOOR:.*]] = arith.select %[[CLAMP]], %[[ZERO]], %[[NINF]] : vector<[[L]]xf32>
// CHECK: %[[FIRST:.*]] = arith.cmpi eq, %[[K0]], %c0
// CHECK: %[[FROM_BIAS:.*]] = arith.andi %[[FIRST]], %[[SET]]
// CHECK: %[[ADD_BIAS:.*]] = arith.andi %[[FIRST]], %[[ADD]]
// CHECK: %[[FROM_ZERO:.*]] = arith.andi %[[FIRST]], %[[ZINIT]]
// The tile's start: zero (C is not read), the bias (per row: each row's
// element broadcast; per column: the panel's columns, masked), or C, plus
// the bias for %init 2.
// CHECK: %[[START:.*]]:{{6|8}} = scf.if %[[FROM_ZERO]]
// CHECK-NEXT: scf.yield %[[ZERO]], %[[ZERO]],
// CHECK-NEXT: } else {
// CHECK-NEXT: %[[CIN:.*]]:{{6|8}} = scf.if %[[FROM_BIAS]]
// CHECK: scf.if %[[ROWS]]
// CHECK: %[[X:.*]] = memref.load %[[BIAS]][%{{.*}}] : memref<?xf32>
// CHECK: vector.broadcast %[[X]]
// CHECK: } else {
// CHECK: vector.maskedload %[[BIAS]]
// CHECK: } else {
// CHECK: %[[CC:.*]]:{{6|8}} = scf.if
// CHECK: vector.load %[[C]]
// CHECK: scf.if %[[ADD_BIAS]]
// CHECK: %[[BT:.*]]:{{6|8}} = scf.if %[[ROWS]]
// CHECK: arith.addf %[[CC]]#0, %[[BT]]#0
// CHECK: scf.yield %[[CC]]#0,
// CHECK: scf.yield %[[CIN]]#0,
// CHECK: %[[ACC:.*]]:{{6|8}} = scf.for {{.*}} iter_args(%{{.*}} = %[[START]]#0,
// CHECK: vector.fma
// CHECK: scf.yield
// CHECK: %[[E:.*]] = arith.maximumf %[[ACC]]#0, %[[FLOOR]] : vector<[[L]]xf32>
// CHECK: vector.store %[[E]], %[[C]]
// CHECK: vector.maskedstore %[[C]][%{{.*}}], %{{.*}}, %[[E]]
// The tail strip's tile too.
// CHECK: scf.for {{.*}} iter_args
// CHECK: arith.maximumf %{{.*}}, %[[FLOOR]]
// The ReLU matmul's driver: init 3 (C was filled with zero: that fill
// is gone), relu true.
// CHECK-LABEL: func.func private @tsm_matmul_packed_0_driver_f0(
// CHECK: call @tsm_matmul_packed_0(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %c3, %false, %true, %c0, %c35, %c0, %c65)
// CHECK-LABEL: func.func @relu_mm
// CHECK: call @tsm_matmul_packed_0_driver_f0(
// CHECK-NOT: arith.maximumf
// CHECK: return
func.func @relu_mm(%a: tensor<35x300xf32>, %b: tensor<300x65xf32>) -> tensor<35x65xf32> {
  %0 = "tsm.matmul"(%a, %b) : (tensor<35x300xf32>, tensor<300x65xf32>) -> tensor<35x65xf32>
  %1 = "tsm.relu"(%0) : (tensor<35x65xf32>) -> tensor<35x65xf32>
  return %1 : tensor<35x65xf32>
}

// The same kernel without a ReLU: init 3, relu false.
// CHECK-NOT: func.func private @tsm_matmul_packed_0(
// CHECK-LABEL: func.func private @tsm_matmul_packed_0_driver(
// CHECK: call @tsm_matmul_packed_0(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %c3, %false, %false, %c0, %c35, %c0, %c65)
// CHECK-LABEL: func.func @plain_mm
// CHECK-NOT: tsm_fill
// CHECK: call @tsm_matmul_packed_0_driver(
func.func @plain_mm(%a: tensor<35x300xf32>, %b: tensor<300x65xf32>) -> tensor<35x65xf32> {
  %0 = "tsm.matmul"(%a, %b) : (tensor<35x300xf32>, tensor<300x65xf32>) -> tensor<35x65xf32>
  return %0 : tensor<35x65xf32>
}

// relu(x @ W + b) (addmm; an nn.Linear's weight is imported as K x N):
// the bias is no longer broadcast into C by a loop of its own; the driver
// passes it: init 1, along the columns, relu.
// CHECK-LABEL: func.func private @tsm_matmul_packed_1_w0(
// CHECK-SAME: %{{[^:]*}}: memref<40x33xf32>, %[[DBIAS:[^:]*]]: memref<33xf32>)
// CHECK: %[[CAST:.*]] = memref.cast %[[DBIAS]] : memref<33xf32> to memref<?xf32>
// CHECK: call @tsm_matmul_packed_1(%{{.*}}, %{{.*}}, %{{.*}}, %[[CAST]], %c1, %false, %true, %c0, %c40, %c0, %c33)
// CHECK-LABEL: func.func @relu_addmm
// CHECK: %[[B:.*]] = memref.get_global {{.*}} : memref<33xf32>
// CHECK-NOT: vector.store
// CHECK: call @tsm_matmul_packed_1_w0(%{{.*}}, %{{.*}}, %{{.*}}, %[[B]])
// CHECK-NOT: arith.maximumf
// CHECK: return
func.func @relu_addmm(%x: tensor<40x300xf32>) -> tensor<40x33xf32> {
  %w = arith.constant dense<0.5> : tensor<300x33xf32>
  %b = arith.constant dense<0.25> : tensor<33xf32>
  %0 = "tsm.addmm"(%b, %x, %w) : (tensor<33xf32>, tensor<40x300xf32>, tensor<300x33xf32>) -> tensor<40x33xf32>
  %1 = "tsm.relu"(%0) : (tensor<40x33xf32>) -> tensor<40x33xf32>
  return %1 : tensor<40x33xf32>
}

// A matmul that no packed kernel takes (f64): the ReLU stays a loop of its
// own after the product.
// CHECK-LABEL: func.func @relu_linear_f64
// CHECK: call @tsm_matmul_kernel_mm
// CHECK: arith.maximumf %{{.*}} : vector<{{[0-9]+}}xf64>
// CHECK: return
func.func @relu_linear_f64(%x: tensor<?x300xf64>, %w: tensor<300x33xf64>) -> tensor<?x33xf64> {
  %0 = "tsm.matmul"(%x, %w) : (tensor<?x300xf64>, tensor<300x33xf64>) -> tensor<?x33xf64>
  %1 = "tsm.relu"(%0) : (tensor<?x33xf64>) -> tensor<?x33xf64>
  return %1 : tensor<?x33xf64>
}

// A run-time weight of run-time size is copied transposed, then the
// packed kernel (sizes read when it runs) applies the ReLU.
// CHECK-LABEL: func.func @relu_linear_transposed
// CHECK: call @tsm_transpose_f32_2d
// CHECK: call @tsm_matmul_packed_{{[0-9]+}}_driver_f
// CHECK-NOT: arith.maximumf
// CHECK: return
func.func @relu_linear_transposed(%x: tensor<?x300xf32>, %w: tensor<?x300xf32>) -> tensor<?x?xf32> {
  %0 = "tsm.linear"(%x, %w) : (tensor<?x300xf32>, tensor<?x300xf32>) -> tensor<?x?xf32>
  %1 = "tsm.relu"(%0) : (tensor<?x?xf32>) -> tensor<?x?xf32>
  return %1 : tensor<?x?xf32>
}

// Rows known only at run time (a static run-time weight): the packed
// kernel, W read as it lies, starts from zero (init 3) and applies the
// ReLU; its rows are C's, read when it runs.
// CHECK: func.func private @[[RT:tsm_matmul_packed_[0-9]+]]_driver_f{{[0-9]+}}(
// CHECK-SAME: memref<?x300xf32>, %{{[^:]*}}: memref<33x300xf32>, %[[RC:[^:]*]]: memref<?x33xf32>)
// CHECK: %[[ROWS:.*]] = memref.dim %[[RC]], %c0 : memref<?x33xf32>
// CHECK: call @[[RT]](%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %c3, %false, %true, %c0, %[[ROWS]], %c0, %c33)
// CHECK-LABEL: func.func @relu_linear_rows_at_run_time
// CHECK-NOT: tsm_transpose
// CHECK: call @[[RT]]_driver_f
// CHECK-NOT: arith.maximumf
// CHECK: return
func.func @relu_linear_rows_at_run_time(%x: tensor<?x300xf32>, %w: tensor<33x300xf32>) -> tensor<?x33xf32> {
  %0 = "tsm.linear"(%x, %w) : (tensor<?x300xf32>, tensor<33x300xf32>) -> tensor<?x33xf32>
  %1 = "tsm.relu"(%0) : (tensor<?x33xf32>) -> tensor<?x33xf32>
  return %1 : tensor<?x33xf32>
}

// A convolution's bias is per row of its product (C = channels x pixels):
// init 1, along the rows, for the first matmul of its chain (the others
// start from C; the last one clamps).
// CHECK: func.func private @[[CONV:tsm_matmul_packed_[0-9]+]]_driver_f0(
// CHECK-SAME: %{{[^:]*}}: memref<34x36xf32>, %[[DBIAS:[^:]*]]: memref<34xf32>)
// CHECK: %[[CAST:.*]] = memref.cast %[[DBIAS]] : memref<34xf32> to memref<?xf32>
// CHECK: call @[[CONV]](%{{.*}}, %{{.*}}, %{{.*}}, %[[CAST]], %c1, %true, %{{true|false}},
// CHECK-LABEL: func.func @conv_bias
// CHECK: call @[[CONV]]_driver_f0(
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
// argument: never written), no pass adds the bias to it: init 2.
// CHECK-LABEL: func.func private @tsm_matmul_packed_1_w1(
// CHECK: call @tsm_matmul_packed_1(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %c2, %false, %true,
// CHECK-LABEL: func.func @relu_residual
// CHECK: call @tsm_matmul_packed_1_w1(
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
