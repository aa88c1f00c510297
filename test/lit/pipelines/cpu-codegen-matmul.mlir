// RUN: tsmlir-opt %s --tsm-to-linalg --tsm-linalg-to-loops | filecheck %s

// f64 matmuls, and f32 ones with fewer than 32 static rows (a B that is no
// constant), take the transform-dialect path (static f32 ones with more
// rows: the packed kernel of cpu-codegen-matmul-packed.mlir; f32 sizes
// known only at run time: cpu-codegen-matmul-packed-dynamic.mlir).
// Register-tiled matmul (tile sizes follow the host: 8x32 with AVX-512, 6x16 else): the C tile is carried in vectors across the k loop
// (hoisted) and updated with broadcast + vector.fma; the partial tiles at the
// edges of 8 x 65 are vectorized too (no linalg op is left for scalar loops).
// The loop nest is outlined into a kernel function of its own (private,
// noinline: small functions keep LLVM's compile time down), placed before
// its caller; its constant bounds are cloned into it.
// CHECK-LABEL: func.func private @tsm_matmul_kernel_mm0_{{[0-9]+}}(%{{.*}}: memref<8x33xf32>, %{{.*}}: memref<33x65xf32>, %{{.*}}: memref<8x65xf32>
// CHECK-SAME: passthrough = ["noinline"]
// CHECK: scf.for
// CHECK: %[[ACC:.*]] = scf.for {{.*}} iter_args({{.*}}) -> (vector<{{[0-9]+}}x{{[0-9]+}}xf32>)
// CHECK: vector.broadcast
// CHECK: vector.fma {{.*}} : vector<{{[0-9]+}}xf32>
// CHECK: scf.yield
// CHECK: vector.transfer_write %[[ACC]]
// CHECK-NOT: linalg.matmul
// CHECK: return
// CHECK-LABEL: func.func @mm$odd
// CHECK: call @tsm_matmul_kernel_mm0_{{[0-9]+}}(
// CHECK-NOT: linalg.matmul
// CHECK: return
func.func @mm$odd(%a: tensor<8x33xf32>, %b: tensor<33x65xf32>) -> tensor<8x65xf32> {
  %0 = "tsm.matmul"(%a, %b) : (tensor<8x33xf32>, tensor<33x65xf32>) -> tensor<8x65xf32>
  return %0 : tensor<8x65xf32>
}

// A dynamic M (f64) is peeled at run time: full tiles as above, masked
// ones after.
// CHECK-LABEL: func.func private @tsm_matmul_kernel_mm1_{{[0-9]+}}(
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (vector<{{[0-9]+}}x{{[0-9]+}}xf64>)
// CHECK: vector.fma {{.*}} : vector<{{[0-9]+}}xf64>
// The partial tile of the last rows: one row at a time, an FMA along n.
// CHECK: scf.for %[[ROW:.*]] = %{{.*}} to %{{.*}} step %c1
// CHECK: %[[C:.*]] = vector.load %{{.*}} : memref<?x64xf64>, vector<{{8|16}}xf64>
// CHECK: %[[SUM:.*]] = vector.fma {{.*}}, %[[C]] : vector<{{8|16}}xf64>
// CHECK: vector.store %[[SUM]]
// CHECK-NOT: linalg.matmul
// CHECK: return
// CHECK-LABEL: func.func @mm$dynamic
// CHECK: call @tsm_matmul_kernel_mm1_
func.func @mm$dynamic(%a: tensor<?x33xf64>, %b: tensor<33x64xf64>) -> tensor<?x64xf64> {
  %0 = "tsm.matmul"(%a, %b) : (tensor<?x33xf64>, tensor<33x64xf64>) -> tensor<?x64xf64>
  return %0 : tensor<?x64xf64>
}

// Same-shaped matmuls (a network's repeated layers) share one kernel.
// CHECK-LABEL: func.func private @tsm_matmul_kernel_mm2_{{[0-9]+}}(
// CHECK-NOT: func.func private @tsm_matmul_kernel_mm3
// CHECK-LABEL: func.func @mm$shared
// CHECK: call @tsm_matmul_kernel_mm2_[[W:[0-9]+]](
// CHECK: call @tsm_matmul_kernel_mm2_[[W]](
// CHECK: return
func.func @mm$shared(%a: tensor<10x30xf32>, %b: tensor<30x30xf32>) -> tensor<10x30xf32> {
  %0 = "tsm.matmul"(%a, %b) : (tensor<10x30xf32>, tensor<30x30xf32>) -> tensor<10x30xf32>
  %1 = "tsm.matmul"(%0, %b) : (tensor<10x30xf32>, tensor<30x30xf32>) -> tensor<10x30xf32>
  return %1 : tensor<10x30xf32>
}

// f64 takes the same tiled kernel with register tiles of half the columns
// (as many vectors: 8 f64 or 16 with AVX-512): vector FMAs, no scalar loops.
// CHECK-LABEL: func.func private @tsm_matmul_kernel_mm{{[0-9]+}}_{{[0-9]+}}(%{{.*}}: memref<40x33xf64>, %{{.*}}: memref<33x65xf64>, %{{.*}}: memref<40x65xf64>
// CHECK: %[[ACC:.*]] = scf.for {{.*}} iter_args({{.*}}) -> (vector<{{[0-9]+}}x{{8|16}}xf64>)
// CHECK: vector.fma {{.*}} : vector<{{8|16}}xf64>
// CHECK-NOT: linalg.matmul
// CHECK: return
// CHECK-LABEL: func.func @mm$f64
// CHECK: call @tsm_matmul_kernel_mm{{[0-9]+}}_
// CHECK-NOT: linalg.matmul
func.func @mm$f64(%a: tensor<40x33xf64>, %b: tensor<33x65xf64>) -> tensor<40x65xf64> {
  %0 = "tsm.matmul"(%a, %b) : (tensor<40x33xf64>, tensor<33x65xf64>) -> tensor<40x65xf64>
  return %0 : tensor<40x65xf64>
}
