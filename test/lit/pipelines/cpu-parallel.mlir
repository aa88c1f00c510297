// RUN: tsmlir-opt %s --target-cpu x86-64-v3 --tsm-to-linalg --tsm-linalg-to-loops | filecheck %s
// RUN: tsmlir-opt %s --target-cpu x86-64-v3 --tsm-cpu-pipeline | filecheck %s --check-prefix=OMP

// With tsm.num_threads = 2, loops with enough work become scf.parallel over
// one chunk per thread; tsm-scf-to-openmp then makes them OpenMP loops
// that hand out their iterations dynamically.
module attributes {tsm.num_threads = 2 : i64} {

// A static matmul with enough rows: the packed kernel runs serially on each
// piece of columns; the driver hands the pieces (whole 16-wide panels, as
// many as a block of B holds where the matrix has enough of them: here 2
// pieces of 8 panels with AVX2) to the threads.  Piece i takes panels
// [i * 16 / 2, (i + 1) * 16 / 2).
// CHECK-LABEL: func.func private @tsm_matmul_packed_0(
// CHECK-NOT: scf.parallel
// CHECK: vector.fma
// CHECK: return
// CHECK-LABEL: func.func private @tsm_matmul_packed_0_driver(
// CHECK-SAME: %[[A:[^:]*]]: memref<256x256xf32>, %[[B:[^:]*]]: memref<256x256xf32>, %[[C:[^:]*]]: memref<256x256xf32>)
// CHECK: scf.parallel (%[[I:.*]]) = (%c0) to (%c2) step (%c1)
// CHECK: %[[I1:.*]] = arith.addi %[[I]], %c1
// CHECK: %[[U:.*]] = arith.muli %[[I]], %c16
// CHECK: %[[U1:.*]] = arith.muli %[[I1]], %c16
// CHECK: %[[P:.*]] = arith.divui %[[U]], %c2
// CHECK: %[[P1:.*]] = arith.divui %[[U1]], %c2
// CHECK: %[[LO:.*]] = arith.muli %[[P]], %c16
// CHECK: %[[END:.*]] = arith.muli %[[P1]], %c16
// CHECK: %[[HI:.*]] = arith.minsi %[[END]], %c256
// CHECK: call @tsm_matmul_packed_0(%[[A]], %[[B]], %[[C]], %{{.*}}, %c0, %c256, %[[LO]], %[[HI]])
// CHECK-LABEL: func.func @mm$parallel
// CHECK: call @tsm_matmul_packed_0_driver(
// OMP-LABEL: llvm.func @tsm_matmul_packed_0_driver
// OMP: omp.parallel num_threads
// OMP: omp.wsloop schedule(dynamic)
// OMP: omp.loop_nest
func.func @mm$parallel(%a: tensor<256x256xf32>, %b: tensor<256x256xf32>) -> tensor<256x256xf32> {
  %0 = "tsm.matmul"(%a, %b) : (tensor<256x256xf32>, tensor<256x256xf32>) -> tensor<256x256xf32>
  return %0 : tensor<256x256xf32>
}

// A narrow B (20 columns: fewer panels than 2 per thread): the pieces are
// strips of rows, each packing all of B: 100 strips of 6 in 4 pieces.
// CHECK-LABEL: func.func private @tsm_matmul_packed_1_driver(
// CHECK: scf.parallel (%[[I:.*]]) = (%c0) to (%c4) step (%c1)
// CHECK: %[[U:.*]] = arith.muli %[[I]], %c100
// CHECK: %[[P:.*]] = arith.divui %[[U]], %c4
// CHECK: %[[LO:.*]] = arith.muli %[[P]], %c6
// CHECK: %[[HI:.*]] = arith.minsi %{{.*}}, %c600
// CHECK: call @tsm_matmul_packed_1(%{{.*}}, %[[LO]], %[[HI]], %c0, %c20)
func.func @mm$rows(%a: tensor<600x256xf32>, %b: tensor<256x20xf32>) -> tensor<600x20xf32> {
  %0 = "tsm.matmul"(%a, %b) : (tensor<600x256xf32>, tensor<256x20xf32>) -> tensor<600x20xf32>
  return %0 : tensor<600x20xf32>
}

// A single row (transform-dialect path): the cache tiles, balanced over the
// threads (at least one each), are shared by the threads; each runs the
// serial k loop and the register-tiled kernel.
// CHECK-LABEL: func.func private @tsm_matmul_kernel_mm0_
// CHECK: scf.parallel (%[[TILE:.*]]) = (%{{.*}}) to (%c{{[2-9]}}) step
// CHECK: scf.for
// CHECK: affine.apply #{{.*}}(%[[TILE]])
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (vector<{{[0-9]+}}xf32>)
// CHECK: vector.fma
// CHECK-LABEL: func.func @mm$row
// CHECK: call @tsm_matmul_kernel_mm0_
// OMP-LABEL: llvm.func @tsm_matmul_kernel_mm0_
// OMP: omp.parallel num_threads
// OMP: omp.wsloop schedule(dynamic)
func.func @mm$row(%a: tensor<1x8192xf32>, %b: tensor<8192x256xf32>) -> tensor<1x256xf32> {
  %0 = "tsm.matmul"(%a, %b) : (tensor<1x8192xf32>, tensor<8192x256xf32>) -> tensor<1x256xf32>
  return %0 : tensor<1x256xf32>
}

// Too little work for a second thread: serial loops.
// CHECK-LABEL: func.func private @tsm_matmul_packed_2_driver(
// CHECK-NOT: scf.parallel
// CHECK: call @tsm_matmul_packed_2(
// CHECK: return
// OMP-LABEL: llvm.func @tsm_matmul_packed_2_driver
// OMP-NOT: omp.parallel
// OMP: llvm.return
func.func @mm$small(%a: tensor<33x33xf32>, %b: tensor<33x65xf32>) -> tensor<33x65xf32> {
  %0 = "tsm.matmul"(%a, %b) : (tensor<33x33xf32>, tensor<33x65xf32>) -> tensor<33x65xf32>
  return %0 : tensor<33x65xf32>
}

// More rows in A than columns in B (a late ResNet convolution: weights
// 512 x 4608 by 4608 x 49 image columns), even with 2 panels per thread (80
// columns: 5 panels): strips of rows, so that each thread reads only its
// rows of A (by columns, every thread would read all of A).
// CHECK-LABEL: func.func private @tsm_matmul_packed_3_driver(
// CHECK: scf.parallel (%[[I:.*]]) = (%c0) to (%c4) step (%c1)
// CHECK: %[[P:.*]] = arith.divui %{{.*}}, %c4
// CHECK: %[[LO:.*]] = arith.muli %[[P]], %c6
// CHECK: %[[HI:.*]] = arith.minsi %{{.*}}, %c512
// CHECK: call @tsm_matmul_packed_3(%{{.*}}, %[[LO]], %[[HI]], %c0, %c80)
func.func @mm$tall(%a: tensor<512x288xf32>, %b: tensor<288x80xf32>) -> tensor<512x80xf32> {
  %0 = "tsm.matmul"(%a, %b) : (tensor<512x288xf32>, tensor<288x80xf32>) -> tensor<512x80xf32>
  return %0 : tensor<512x80xf32>
}

// A max pool with enough outputs (64 x 56 x 56): tsm-vectorize-max-pools
// calls the parallel variant of its function, whose threads take channels
// (see tsm-vectorize-max-pools.mlir).
// CHECK-LABEL: func.func @pool$channels
// CHECK: call @tsm_max_pool_f32_3x3_s2x2_d1x1_par(
func.func @pool$channels(%a: tensor<1x64x112x112xf32>) -> tensor<1x64x56x56xf32> {
  %0 = "tsm.max_pool2d"(%a) {kernel_size = array<i64: 3, 3>, stride = array<i64: 2, 2>, padding = array<i64: 1, 1>, dilation = array<i64: 1, 1>, ceil_mode = 0 : i1} : (tensor<1x64x112x112xf32>) -> tensor<1x64x56x56xf32>
  return %0 : tensor<1x64x56x56xf32>
}

// A padded image (batch 1): the fill left by the pad and the copy into its
// interior are one pass (tsm-copies-to-linalg, lowering/pad_copy.py), the
// shared parallel pad function on the image and the buffer (batch dims
// dropped), whose threads take chunks of channels (see
// tsm-copies-to-linalg.mlir).
// CHECK-LABEL: func.func @pad$channels
// CHECK: memref.collapse_shape %{{.*}} {{\[}}[0, 1], [2], [3]] : memref<1x64x56x56xf32> into memref<64x56x56xf32>
// CHECK: memref.collapse_shape %{{.*}} {{\[}}[0, 1], [2], [3]] : memref<1x64x58x58xf32> into memref<64x58x58xf32>
// CHECK: call @tsm_pad_f32_3d_par(%{{.*}}, %{{.*}}, %{{.*}}, %c0, %c0, %c1, %c1)
// CHECK-NOT: call @tsm_fill
func.func @pad$channels(%a: tensor<1x64x56x56xf32>) -> tensor<1x64x58x58xf32> {
  %cst = arith.constant 0.0 : f32
  %p = tensor.pad %a low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %cst : f32
  } : tensor<1x64x56x56xf32> to tensor<1x64x58x58xf32>
  return %p : tensor<1x64x58x58xf32>
}

// A flattened elementwise op: one chunk of whole vectors per thread
// (90300 elements: 2 chunks of 45152), each a masked vector loop.
// CHECK-LABEL: func.func @ew$flat
// CHECK: scf.parallel (%{{.*}}) = (%{{.*}}) to (%{{.*}}) step
// CHECK: %[[CHUNK:.*]] = affine.min
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[CHUNK]] step
// CHECK: vector.maskedload {{.*}} into vector<16xf32>
func.func @ew$flat(%a: tensor<300x301xf32>) -> tensor<300x301xf32> {
  %0 = "tsm.neg"(%a) : (tensor<300x301xf32>) -> tensor<300x301xf32>
  return %0 : tensor<300x301xf32>
}

// A broadcast operand (not flattened): rows are split between the threads.
// CHECK-LABEL: func.func @ew$rows
// CHECK: scf.parallel
// CHECK: memref.subview {{.*}} [150, 301]
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[ROWS:.*]] step
// CHECK: scf.for
// CHECK: vector.transfer_read
func.func @ew$rows(%a: tensor<300x301xf32>, %b: tensor<301xf32>) -> tensor<300x301xf32> {
  %0 = "tsm.add"(%a, %b) : (tensor<300x301xf32>, tensor<301xf32>) -> tensor<300x301xf32>
  return %0 : tensor<300x301xf32>
}

// Dynamic sizes: work known only when it runs.  Two versions, chosen then:
// from MIN_PARALLEL_ELEMENTS (65536) elements a parallel loop, each thread
// taking one chunk whose bounds come from the size (tile_using_forall
// num_threads), else the serial loop.
// CHECK-LABEL: func.func @ew$dynamic
// CHECK: %[[N:.*]] = memref.dim %{{.*}}, %c0 : memref<?xf32>
// CHECK: %[[BIG:.*]] = arith.cmpi sge, %[[N]], %c65536 : index
// CHECK: scf.if %[[BIG]] {
// CHECK: scf.parallel (%[[T:.*]]) = (%c0) to (%c2) step (%c1)
// CHECK: affine.min #{{.*}}(%[[T]])
// CHECK: arith.negf %{{.*}} : vector<16xf32>
// CHECK: } else {
// CHECK-NOT: scf.parallel
// CHECK: arith.negf %{{.*}} : vector<16xf32>
// CHECK: return
// OMP-LABEL: llvm.func @ew$dynamic
// OMP: llvm.cond_br
// OMP: omp.parallel num_threads
// OMP: omp.wsloop schedule(dynamic)
func.func @ew$dynamic(%a: tensor<?x301xf32>) -> tensor<?x301xf32> {
  %0 = "tsm.neg"(%a) : (tensor<?x301xf32>) -> tensor<?x301xf32>
  return %0 : tensor<?x301xf32>
}
// A single row with little arithmetic but 2 MB of B to read (ResNet-18's
// classifier, 512 -> 1000): memory traffic, not flops, makes it worth a
// parallel loop (parallel.pays_to_share); the threads take column tiles.
// CHECK-LABEL: func.func private @tsm_matmul_kernel_mm1_
// CHECK-SAME: memref<1x512xf32>
// CHECK: scf.parallel (%{{.*}}) = (%{{.*}}) to (%c{{[2-9]}}) step
// CHECK: vector.fma
// CHECK-LABEL: func.func @mm$row_bytes
// CHECK: call @tsm_matmul_kernel_mm1_
func.func @mm$row_bytes(%a: tensor<1x512xf32>, %b: tensor<512x1000xf32>) -> tensor<1x1000xf32> {
  %0 = "tsm.matmul"(%a, %b) : (tensor<1x512xf32>, tensor<512x1000xf32>) -> tensor<1x1000xf32>
  return %0 : tensor<1x1000xf32>
}

// A single row reading 256 KB: under both thresholds, serial.
// CHECK-LABEL: func.func private @tsm_matmul_kernel_mm2_
// CHECK-NOT: scf.parallel
// CHECK: return
// CHECK-LABEL: func.func @mm$row_small
// OMP-LABEL: llvm.func @tsm_matmul_kernel_mm2_
// OMP-NOT: omp.parallel
// OMP: llvm.return
func.func @mm$row_small(%a: tensor<1x256xf32>, %b: tensor<256x256xf32>) -> tensor<1x256xf32> {
  %0 = "tsm.matmul"(%a, %b) : (tensor<1x256xf32>, tensor<256x256xf32>) -> tensor<1x256xf32>
  return %0 : tensor<1x256xf32>
}
}
