// RUN: tsmlir-opt %s --split-input-file --tsm-lower-matmul | filecheck %s --check-prefix=TENSOR
// RUN: tsmlir-opt %s --split-input-file --tsm-to-linalg --tsm-linalg-to-loops | filecheck %s --check-prefix=KERNEL
// RUN: tsmlir-opt %s --split-input-file --tsm-to-linalg | filecheck %s --check-prefix=LINALG

// On a target with AMX-BF16 a static bfloat16 addmm is one bf16 x bf16 ->
// f32 linalg.matmul into zeros, plus the addend widened to f32, rounded to
// bf16 once.
// TENSOR-LABEL: func.func @addmm
// TENSOR-SAME: (%[[X:.*]]: tensor<40x96xbf16>, %[[BIAS:.*]]: tensor<50xbf16>)
// TENSOR: %[[W:.*]] = "tsm.constant"()
// TENSOR: %[[ZEROS:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<40x50xf32>)
// TENSOR: %[[P:.*]] = linalg.matmul ins(%[[X]], %[[W]] : tensor<40x96xbf16>, tensor<96x50xbf16>) outs(%[[ZEROS]] : tensor<40x50xf32>)
// TENSOR: %[[WIDE:.*]] = linalg.generic {{.*}} ins(%[[BIAS]] : tensor<50xbf16>) outs(%{{.*}} : tensor<50xf32>)
// TENSOR: arith.extf %{{.*}} : bf16 to f32
// TENSOR: linalg.generic {{.*}} ins(%[[P]], %[[WIDE]] : tensor<40x50xf32>, tensor<50xf32>) outs(%{{.*}} : tensor<40x50xbf16>)
// TENSOR: arith.addf
// TENSOR: linalg.yield %{{.*}} : bf16
//
// The kernel: B packed once into panels of row pairs (a constant weight:
// a global filled on the first call), C in blocks of 2 x 2 tiles; 40 rows
// are a block of 32 and an edge of 8, 50 columns a block of 32 and an edge
// of 16 + 2, depth 96 three steps of 32; each kind of block is a function
// (looping over its blocks), whose first chunk of k starts from zeroed
// tiles instead of the zero fill; a constructor asks Linux for AMX.
// KERNEL: llvm.func @tsm_amx_request()
// KERNEL: llvm.call @syscall
// KERNEL: llvm.mlir.global_ctors ctors = [@tsm_amx_request]
// KERNEL: memref.global "private" @tsm_amx_0_bp : memref<192x32xbf16>
// KERNEL-LABEL: func.func private @tsm_amx_0_ww3z
// KERNEL: scf.for
// KERNEL: amx.tile_zero : !amx.tile<16x16xf32>
// KERNEL-COUNT-12: amx.tile_mulf {{.*}} : !amx.tile<16x32xbf16>, !amx.tile<16x32xbf16>, !amx.tile<16x16xf32>
// KERNEL-LABEL: func.func private @tsm_amx_0_ew3z
// KERNEL: amx.tile_mulf {{.*}} : !amx.tile<8x32xbf16>, !amx.tile<16x32xbf16>, !amx.tile<8x16xf32>
// KERNEL-LABEL: func.func private @tsm_amx_0_we3z
// KERNEL: amx.tile_mulf {{.*}} : !amx.tile<16x32xbf16>, !amx.tile<16x32xbf16>, !amx.tile<16x16xf32>
// KERNEL: amx.tile_mulf {{.*}} : !amx.tile<16x32xbf16>, !amx.tile<16x4xbf16>, !amx.tile<16x2xf32>
// KERNEL-LABEL: func.func private @tsm_amx_0_ee3z
// KERNEL: amx.tile_mulf {{.*}} : !amx.tile<8x32xbf16>, !amx.tile<16x4xbf16>, !amx.tile<8x2xf32>
// KERNEL-LABEL: func.func private @tsm_amx_0(
// KERNEL-SAME: %{{.*}}: memref<40x96xbf16, strided<[?, 1], offset: ?>>, %{{.*}}: memref<96x50xbf16, strided<[?, 1], offset: ?>>, %{{.*}}: memref<40x50xf32, strided<[?, 1], offset: ?>>
// KERNEL: vector.interleave %{{.*}}, %{{.*}} : vector<16xbf16> -> vector<32xbf16>
// KERNEL: call @tsm_amx_0_ww3z
// KERNEL: call @tsm_amx_0_ew3z
// KERNEL: call @tsm_amx_0_we3z
// KERNEL: call @tsm_amx_0_ee3z
// KERNEL-LABEL: func.func @addmm
// KERNEL: call @tsm_amx_0
// KERNEL-NOT: linalg.matmul
module attributes {tsm.target_amx_bf16 = true} {
  func.func @addmm(%x: tensor<40x96xbf16>, %bias: tensor<50xbf16>) -> tensor<40x50xbf16> {
    %w = "tsm.constant"() {value = dense<0.5> : tensor<96x50xbf16>} : () -> tensor<96x50xbf16>
    %0 = "tsm.addmm"(%bias, %x, %w) {alpha = 1.0 : f64, beta = 1.0 : f64} : (tensor<50xbf16>, tensor<40x96xbf16>, tensor<96x50xbf16>) -> tensor<40x50xbf16>
    return %0 : tensor<40x50xbf16>
  }
}

// -----

// A batched lhs times a 2-D rhs: its rows collapsed, the rounded product
// expanded back.
// TENSOR-LABEL: func.func @matmul_3d
// TENSOR: %[[ROWS:.*]] = tensor.collapse_shape %{{.*}} : tensor<2x24x64xbf16> into tensor<48x64xbf16>
// TENSOR: %[[P:.*]] = linalg.matmul ins(%[[ROWS]], %{{.*}} : tensor<48x64xbf16>, tensor<64x32xbf16>) outs(%{{.*}} : tensor<48x32xf32>)
// TENSOR: linalg.generic {{.*}} ins(%[[P]] : tensor<48x32xf32>) outs(%{{.*}} : tensor<48x32xbf16>)
// TENSOR: tensor.expand_shape %{{.*}} : tensor<48x32xbf16> into tensor<2x24x32xbf16>
//
// A run-time B is packed into a buffer on every call.
// KERNEL-LABEL: func.func private @tsm_amx_0(
// KERNEL: memref.alloc() {alignment = 64 : i64} : memref<64x32xbf16>
// KERNEL: memref.dealloc
module attributes {tsm.target_amx_bf16 = true} {
  func.func @matmul_3d(%x: tensor<2x24x64xbf16>, %w: tensor<64x32xbf16>) -> tensor<2x24x32xbf16> {
    %0 = "tsm.matmul"(%x, %w) : (tensor<2x24x64xbf16>, tensor<64x32xbf16>) -> tensor<2x24x32xbf16>
    return %0 : tensor<2x24x32xbf16>
  }
}

// -----

// Batches (attention's q @ k^T): a loop of bf16 products on views of each
// batch into an f32 result, rounded once; k's batch is read as it lies,
// (N, K), and packed from its rows (each a column of B): pairs of values
// as 32-bit words, 8 x 8 of them transposed by 24 shuffles.
// TENSOR-LABEL: func.func @scores
// TENSOR: scf.for
// TENSOR: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<48x32xbf16>, tensor<32x64xbf16>) outs(%{{.*}} : tensor<48x64xf32>)
// KERNEL-LABEL: func.func private @tsm_amx_0(
// KERNEL-SAME: memref<48x32xbf16, strided<[?, 1], offset: ?>>, %{{.*}}: memref<64x32xbf16, strided<[?, 1], offset: ?>>
// KERNEL: vector.load %{{.*}} : memref<64x32xbf16, strided<[?, 1], offset: ?>>, vector<16xbf16>
// KERNEL: vector.bitcast %{{.*}} : vector<16xbf16> to vector<8xf32>
// KERNEL-COUNT-24: vector.shuffle
// KERNEL: vector.bitcast %{{.*}} : vector<8xf32> to vector<16xbf16>
// KERNEL-LABEL: func.func @scores
// KERNEL: scf.for
// KERNEL: call @tsm_amx_0
module attributes {tsm.target_amx_bf16 = true} {
  func.func @scores(%q: tensor<4x48x32xbf16>, %k: tensor<4x64x32xbf16>) -> tensor<4x48x64xbf16> {
    %kt = "tsm.permute"(%k) {perm = array<i64: 0, 2, 1>} : (tensor<4x64x32xbf16>) -> tensor<4x32x64xbf16>
    %0 = "tsm.matmul"(%q, %kt) : (tensor<4x48x32xbf16>, tensor<4x32x64xbf16>) -> tensor<4x48x64xbf16>
    return %0 : tensor<4x48x64xbf16>
  }
}

// -----

// A float32 product of widened bfloat16 tensors (half attention's) is the
// same AMX product, not rounded: the casts' inputs read in place.
// KERNEL-LABEL: func.func @widened
// KERNEL-SAME: (%[[A:.*]]: memref<48x64xbf16>, %[[B:.*]]: memref<64x32xbf16>)
// KERNEL: call @tsm_amx_0(%{{.*}}, %{{.*}}, %{{.*}}) : (memref<48x64xbf16, strided<[?, 1], offset: ?>>, memref<64x32xbf16, strided<[?, 1], offset: ?>>, memref<48x32xf32, strided<[?, 1], offset: ?>>) -> ()
// KERNEL-NOT: arith.truncf
// KERNEL-NOT: arith.extf
// KERNEL: return
module attributes {tsm.target_amx_bf16 = true} {
  func.func @widened(%a: tensor<48x64xbf16>, %b: tensor<64x32xbf16>) -> tensor<48x32xf32> {
    %af = "tsm.cast"(%a) {dtype = "float32"} : (tensor<48x64xbf16>) -> tensor<48x64xf32>
    %bf = "tsm.cast"(%b) {dtype = "float32"} : (tensor<64x32xbf16>) -> tensor<64x32xf32>
    %0 = "tsm.matmul"(%af, %bf) : (tensor<48x64xf32>, tensor<64x32xf32>) -> tensor<48x32xf32>
    return %0 : tensor<48x32xf32>
  }
}

// -----

// Half attention as the importer writes it: both products are AMX ones of
// the bfloat16 tensors (q, k^T read as it lies, v); the softmax's
// exps-and-sums pass writes the exps rounded to bfloat16 (no float32 exps,
// no normalizing pass) and the product with v scales its rows by 1 / sum, as
// PyTorch's flash kernel does; the output is rounded once.
// LINALG-LABEL: func.func @attention
// LINALG-SAME: (%[[Q:.*]]: tensor<2x32x32xbf16>, %[[K:.*]]: tensor<2x64x32xbf16>, %[[V:.*]]: tensor<2x64x32xbf16>)
// LINALG: scf.for
// LINALG: linalg.matmul {{.*}} ins(%{{.*}}, %{{.*}} : tensor<32x32xbf16>, tensor<64x32xbf16>) outs(%{{.*}} : tensor<32x64xf32>)
// LINALG: arith.maxnumf
// LINALG: %[[EXPS:.*]]:2 = linalg.generic {{.*}} outs(%{{.*}}, %{{.*}} : tensor<2x32x64xbf16>, tensor<2x32xf32>)
// LINALG: math.exp
// LINALG: linalg.yield %{{.*}}, %{{.*}} : bf16, f32
// LINALG: %[[INV:.*]] = linalg.reciprocal ins(%[[EXPS]]#1 : tensor<2x32xf32>)
// LINALG: scf.for
// LINALG: tensor.extract_slice %[[EXPS]]#0
// LINALG: %[[PV:.*]] = linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<32x64xbf16>, tensor<64x32xbf16>) outs(%{{.*}} : tensor<32x32xf32>)
// LINALG: tensor.extract_slice %[[INV]]
// LINALG: linalg.generic {{.*}} outs(%[[PV]] : tensor<32x32xf32>)
// LINALG: arith.mulf
// LINALG: linalg.generic {{.*}} outs(%{{.*}} : tensor<2x32x32xbf16>)
// LINALG: linalg.yield %{{.*}} : bf16
// LINALG-NOT: linalg.
// LINALG: return
module attributes {tsm.target_amx_bf16 = true} {
  func.func @attention(%q: tensor<2x32x32xbf16>, %k: tensor<2x64x32xbf16>, %v: tensor<2x64x32xbf16>) -> tensor<2x32x32xbf16> {
    %qf = "tsm.cast"(%q) {dtype = "float32"} : (tensor<2x32x32xbf16>) -> tensor<2x32x32xf32>
    %kf = "tsm.cast"(%k) {dtype = "float32"} : (tensor<2x64x32xbf16>) -> tensor<2x64x32xf32>
    %kt = "tsm.permute"(%kf) {perm = array<i64: 0, 2, 1>} : (tensor<2x64x32xf32>) -> tensor<2x32x64xf32>
    %s = "tsm.matmul"(%qf, %kt) : (tensor<2x32x32xf32>, tensor<2x32x64xf32>) -> tensor<2x32x64xf32>
    %p = "tsm.softmax"(%s) {dim = -1 : i64} : (tensor<2x32x64xf32>) -> tensor<2x32x64xf32>
    %ph = "tsm.cast"(%p) {dtype = "bfloat16"} : (tensor<2x32x64xf32>) -> tensor<2x32x64xbf16>
    %pf = "tsm.cast"(%ph) {dtype = "float32"} : (tensor<2x32x64xbf16>) -> tensor<2x32x64xf32>
    %vf = "tsm.cast"(%v) {dtype = "float32"} : (tensor<2x64x32xbf16>) -> tensor<2x64x32xf32>
    %o = "tsm.matmul"(%pf, %vf) : (tensor<2x32x64xf32>, tensor<2x64x32xf32>) -> tensor<2x32x32xf32>
    %oh = "tsm.cast"(%o) {dtype = "bfloat16"} : (tensor<2x32x32xf32>) -> tensor<2x32x32xbf16>
    return %oh : tensor<2x32x32xbf16>
  }
}

// -----

// Widened float16 has no AMX product here: the float32 kernel on the casts.
// KERNEL-LABEL: func.func @widened_f16
// KERNEL-NOT: call @tsm_amx
// KERNEL: return
module attributes {tsm.target_amx_bf16 = true} {
  func.func @widened_f16(%a: tensor<48x64xf16>, %b: tensor<64x32xf16>) -> tensor<48x32xf32> {
    %af = "tsm.cast"(%a) {dtype = "float32"} : (tensor<48x64xf16>) -> tensor<48x64xf32>
    %bf = "tsm.cast"(%b) {dtype = "float32"} : (tensor<64x32xf16>) -> tensor<64x32xf32>
    %0 = "tsm.matmul"(%af, %bf) : (tensor<48x64xf32>, tensor<64x32xf32>) -> tensor<48x32xf32>
    return %0 : tensor<48x32xf32>
  }
}

// -----

// A run-time B is packed chunk of columns by chunk (256 columns each), in
// the chunk's loop before its blocks: each thread packs the panels it reads.
// KERNEL-LABEL: func.func private @tsm_amx_0(
// KERNEL-SAME: memref<32x64xbf16, strided<[?, 1], offset: ?>>, %{{.*}}: memref<64x512xbf16, strided<[?, 1], offset: ?>>
// KERNEL: memref.alloc() {alignment = 64 : i64} : memref<1024x32xbf16>
// KERNEL: scf.for %[[NC:.*]] = %c0 to %c512 step %c256 {
// KERNEL: %[[END:.*]] = arith.addi %[[NC]], %c256
// KERNEL: %[[HI:.*]] = arith.minui %[[END]], %c512
// KERNEL: scf.for %{{.*}} = %[[NC]] to %[[HI]] step %c16 {
// KERNEL: vector.interleave
// KERNEL: func.call @tsm_amx_0_ww2z(
// KERNEL: }
// KERNEL: memref.dealloc
module attributes {tsm.target_amx_bf16 = true} {
  func.func @chunks(%a: tensor<32x64xbf16>, %b: tensor<64x512xbf16>) -> tensor<32x512xbf16> {
    %0 = "tsm.matmul"(%a, %b) : (tensor<32x64xbf16>, tensor<64x512xbf16>) -> tensor<32x512xbf16>
    return %0 : tensor<32x512xbf16>
  }
}

// -----

// bf16 convolutions.  Stride 1, a 3x3 kernel, 32 channels: a product of the
// filters by position (F, 9 * C), read in place as A, by windows of the
// zero-padded image (one more row), (C, 9 * 10), packed once in pairs of
// channels; the output on 6 rows of 10 positions, its first 8 kept.
// KERNEL-LABEL: func.func private @tsm_amx_0(
// KERNEL-SAME: memref<16x288xbf16, strided<[?, 1], offset: ?>>, %{{.*}}: memref<32x90xbf16, strided<[?, 1], offset: ?>>, %{{.*}}: memref<16x60xf32, strided<[?, 1], offset: ?>>
// KERNEL: memref.alloc() {alignment = 64 : i64} : memref<16x180xbf16>
// Stride 2: the im2col (C * 9, positions), and one product by it.
// KERNEL-LABEL: func.func private @tsm_amx_1(
// KERNEL-SAME: memref<16x288xbf16, strided<[?, 1], offset: ?>>, %{{.*}}: memref<288x12xbf16, strided<[?, 1], offset: ?>>, %{{.*}}: memref<16x12xf32, strided<[?, 1], offset: ?>>
// KERNEL-LABEL: func.func @conv
// KERNEL: memref.alloc() {{.*}} : memref<1x32x9x10xbf16>
// KERNEL: call @tsm_amx_0
// KERNEL: memref.alloc() {{.*}} : memref<32x3x3x3x4xbf16>
// KERNEL: call @tsm_amx_1
module attributes {tsm.target_amx_bf16 = true} {
  func.func @conv(%x: tensor<1x32x6x8xbf16>, %w: tensor<16x32x3x3xbf16>) -> (tensor<1x16x6x8xbf16>, tensor<1x16x3x4xbf16>) {
    %0 = "tsm.conv2d"(%x, %w) {stride = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, dilation = array<i64: 1, 1>, groups = 1} : (tensor<1x32x6x8xbf16>, tensor<16x32x3x3xbf16>) -> tensor<1x16x6x8xbf16>
    %1 = "tsm.conv2d"(%x, %w) {stride = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>, dilation = array<i64: 1, 1>, groups = 1} : (tensor<1x32x6x8xbf16>, tensor<16x32x3x3xbf16>) -> tensor<1x16x3x4xbf16>
    return %0, %1 : tensor<1x16x6x8xbf16>, tensor<1x16x3x4xbf16>
  }
}

// -----

// Without AMX (or with a depth not in steps of 32, a dynamic size, float16): the float32
// product between conversions.
// TENSOR-LABEL: func.func @no_amx
// TENSOR: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<40x96xf32>, tensor<96x50xf32>)
// TENSOR-LABEL: func.func @odd_depth
// TENSOR: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<40x95xf32>, tensor<95x50xf32>)
// TENSOR-LABEL: func.func @dynamic_rows
// TENSOR: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<?x96xf32>, tensor<96x50xf32>)
// TENSOR-LABEL: func.func @float16
// TENSOR: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<40x96xf32>, tensor<96x50xf32>)
// KERNEL-NOT: amx.
module attributes {tsm.target_amx_bf16 = false} {
  func.func @no_amx(%x: tensor<40x96xbf16>, %w: tensor<96x50xbf16>) -> tensor<40x50xbf16> {
    %0 = "tsm.matmul"(%x, %w) : (tensor<40x96xbf16>, tensor<96x50xbf16>) -> tensor<40x50xbf16>
    return %0 : tensor<40x50xbf16>
  }
}

// -----

module attributes {tsm.target_amx_bf16 = true} {
  func.func @odd_depth(%x: tensor<40x95xbf16>, %w: tensor<95x50xbf16>) -> tensor<40x50xbf16> {
    %0 = "tsm.matmul"(%x, %w) : (tensor<40x95xbf16>, tensor<95x50xbf16>) -> tensor<40x50xbf16>
    return %0 : tensor<40x50xbf16>
  }
  func.func @dynamic_rows(%x: tensor<?x96xbf16>, %w: tensor<96x50xbf16>) -> tensor<?x50xbf16> {
    %0 = "tsm.matmul"(%x, %w) : (tensor<?x96xbf16>, tensor<96x50xbf16>) -> tensor<?x50xbf16>
    return %0 : tensor<?x50xbf16>
  }
  func.func @float16(%x: tensor<40x96xf16>, %w: tensor<96x50xf16>) -> tensor<40x50xf16> {
    %0 = "tsm.matmul"(%x, %w) : (tensor<40x96xf16>, tensor<96x50xf16>) -> tensor<40x50xf16>
    return %0 : tensor<40x50xf16>
  }
}
