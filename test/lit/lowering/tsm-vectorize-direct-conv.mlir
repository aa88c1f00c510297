// RUN: tsmlir-opt --target-cpu x86-64-v4 %s --split-input-file --tsm-vectorize-direct-conv | filecheck %s --check-prefixes=CHECK,V4
// RUN: tsmlir-opt --target-cpu x86-64-v3 %s --split-input-file --tsm-vectorize-direct-conv | filecheck %s --check-prefixes=CHECK,V3

// conv_direct's generic (see tsm-lower-direct-conv.mlir) becomes a call to a
// driver; its fill of zero goes (the kernel writes every element).  The
// kernel, one per kernel size and register rows (any C, Wp and sizes), runs
// tiles of 32 positions (AVX-512; 16 on AVX2) outer, strips of 8 filters
// inner; per channel, each of the 9 taps is one unaligned load of the
// padded input at column p0 + i * Wp + j and 8 broadcast FMAs.
// V4-LABEL: func.func private @tsm_conv_direct_3x3_r8(
// V4-SAME: %[[W:.*]]: memref<?x?x3x3x8xf32>, %[[X:.*]]: memref<?x?xf32, strided<[?, 1], offset: ?>>, %[[O:.*]]: memref<?x?xf32, strided<[?, 1], offset: ?>>, %[[WP:.*]]: index,
// V4: %[[C:.*]] = memref.dim %[[X]], %{{.*}}
// V4: scf.for %[[T:.*]] = %{{.*}} to %{{.*}} step
// V4: scf.for %[[S:.*]] = %{{.*}} to %{{.*}} step
// V4: scf.for %[[CH:.*]] = %{{.*}} to %[[C]] step %{{.*}} iter_args({{.*}}) -> (vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>)
// V4: vector.load %[[X]][%[[CH]], %{{.*}}] : memref<?x?xf32, strided<[?, 1], offset: ?>>, vector<32xf32>
// V4: memref.load %[[W]][%[[S]], %[[CH]], %{{.*}}, %{{.*}}, %{{.*}}] : memref<?x?x3x3x8xf32>
// V4: vector.fma
// V4-COUNT-8: vector.load %[[X]]
// V4-NOT: vector.load %[[X]]
// V4: scf.yield
// V4-COUNT-8: vector.store %{{.*}}, %[[O]]
// The driver runs the kernel on each image's rows (subviews), all 2 strips
// and 4 tiles, the images one after the other.
// V4-LABEL: func.func private @tsm_conv_direct_3x3_r8_driver(
// V4: scf.for %[[N:.*]] = %c0 to %{{.*}} step
// V4: memref.subview %{{.*}}[%[[N]], 0, 0] [1, 4, 170] [1, 1, 1] : memref<2x4x170xf32> to memref<4x170xf32, strided<[170, 1], offset: ?>>
// V4: memref.subview %{{.*}}[%[[N]], 0, 0] [1, 16, 128] [1, 1, 1] : memref<2x16x128xf32> to memref<16x128xf32, strided<[128, 1], offset: ?>>
// V4-NOT: scf.parallel
// V4: call @tsm_conv_direct_3x3_r8(%{{.*}}, %{{.*}}, %{{.*}}, %c16, %c0, %c2, %c0, %c4)
// CHECK-LABEL: func.func @conv(
// V4-NOT: linalg.fill
// V4: call @tsm_conv_direct_3x3_r8_driver(
// AVX2's 16 registers do not hold 8 x 16-float accumulators: the 8-row strips
// stay a loop nest (tsm-lower-direct-conv packs 6-row strips for AVX2).
// V3: linalg.fill
// V3: linalg.generic
module attributes {tsm.num_threads = 1 : i64} {
  func.func @conv(%w: memref<2x4x3x3x8xf32>, %x: memref<2x4x170xf32>, %out: memref<2x16x128xf32>) {
    %zero = arith.constant 0.0 : f32
    linalg.fill ins(%zero : f32) outs(%out : memref<2x16x128xf32>)
    linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5) -> (d1 floordiv 8, d3, d4, d5, d1 mod 8)>, affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d3, d2 + d4 * 16 + d5)>, affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%w, %x : memref<2x4x3x3x8xf32>, memref<2x4x170xf32>) outs(%out : memref<2x16x128xf32>) attrs = {tsm.direct_conv = array<i64: 16, 1, 1>} {
    ^bb0(%a: f32, %v: f32, %acc: f32):
      %m = arith.mulf %a, %v : f32
      %s = arith.addf %acc, %m : f32
      linalg.yield %s : f32
    }
    return
  }
}

// -----

// Two threads and 9.4 MFLOP: the threads share the 16 tiles (the input,
// 64 x 546 floats, outweighs the 2 x 64 x 9 x 8 filters) in 4 pieces of
// an scf.parallel.  A generic tagged but whose maps are not the
// convolution's (a row length of 15 where the tag says 16) is left alone.
// V4-LABEL: func.func private @tsm_conv_direct_3x3_r8_driver(
// V4: scf.parallel (%[[I:.*]]) = (%c0) to (%c4) step (%c1)
// V4: call @tsm_conv_direct_3x3_r8(%{{.*}}, %{{.*}}, %{{.*}}, %c16, %c0, %c2, %{{.*}}, %{{.*}})
// V4-LABEL: func.func @conv_threads(
// V4: call @tsm_conv_direct_3x3_r8_driver(
// V4: linalg.generic
// V4-SAME: tsm.direct_conv = array<i64: 16, 1, 1>
module attributes {tsm.num_threads = 2 : i64} {
  func.func @conv_threads(%w: memref<2x64x3x3x8xf32>, %x: memref<1x64x546xf32>, %out: memref<1x16x512xf32>) {
    linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5) -> (d1 floordiv 8, d3, d4, d5, d1 mod 8)>, affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d3, d2 + d4 * 16 + d5)>, affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%w, %x : memref<2x64x3x3x8xf32>, memref<1x64x546xf32>) outs(%out : memref<1x16x512xf32>) attrs = {tsm.direct_conv = array<i64: 16, 1, 1>} {
    ^bb0(%a: f32, %v: f32, %acc: f32):
      %m = arith.mulf %a, %v : f32
      %s = arith.addf %acc, %m : f32
      linalg.yield %s : f32
    }
    linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5) -> (d1 floordiv 8, d3, d4, d5, d1 mod 8)>, affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d3, d2 + d4 * 15 + d5)>, affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%w, %x : memref<2x64x3x3x8xf32>, memref<1x64x546xf32>) outs(%out : memref<1x16x512xf32>) attrs = {tsm.direct_conv = array<i64: 16, 1, 1>} {
    ^bb0(%a: f32, %v: f32, %acc: f32):
      %m = arith.mulf %a, %v : f32
      %s = arith.addf %acc, %m : f32
      linalg.yield %s : f32
    }
    return
  }
}

// -----

// Dilations (2, 3): a kernel of its own for column taps 3 apart (offsets 0,
// 3, 6); the row step it is given is DH * Wp = 72.
// V4-LABEL: func.func private @tsm_conv_direct_3x3_r8_d3(
// V4-DAG: arith.constant 3 : index
// V4-DAG: arith.constant 6 : index
// V4-LABEL: func.func private @tsm_conv_direct_3x3_r8_d3_driver(
// V4: call @tsm_conv_direct_3x3_r8_d3(%{{.*}}, %{{.*}}, %{{.*}}, %c72,
module attributes {tsm.num_threads = 1 : i64} {
  func.func @conv_dilated(%w: memref<1x4x3x3x8xf32>, %x: memref<1x4x216xf32>, %out: memref<1x8x64xf32>) {
    linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5) -> (d1 floordiv 8, d3, d4, d5, d1 mod 8)>, affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d3, d2 + d4 * 72 + d5 * 3)>, affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%w, %x : memref<1x4x3x3x8xf32>, memref<1x4x216xf32>) outs(%out : memref<1x8x64xf32>) attrs = {tsm.direct_conv = array<i64: 36, 2, 3>} {
    ^bb0(%a: f32, %v: f32, %acc: f32):
      %m = arith.mulf %a, %v : f32
      %s = arith.addf %acc, %m : f32
      linalg.yield %s : f32
    }
    return
  }
}

// -----

// Two threads and a batch of 2 with small filters: the threads share the
// images (an scf.parallel over them), each image's strips and tiles on one.
// V4-LABEL: func.func private @tsm_conv_direct_3x3_r8_driver(
// V4: scf.parallel (%[[N:.*]]) = (%c0) to (%{{.*}}) step (%c1)
// V4: memref.subview %{{.*}}[%[[N]], 0, 0] [1, 64, 546]
// V4-NOT: scf.parallel
// V4: call @tsm_conv_direct_3x3_r8(%{{.*}}, %{{.*}}, %{{.*}}, %c16, %c0, %c2, %c0, %c16{{.*}})
// V4: scf.reduce
module attributes {tsm.num_threads = 2 : i64} {
  func.func @conv_images(%w: memref<2x64x3x3x8xf32>, %x: memref<2x64x546xf32>, %out: memref<2x16x512xf32>) {
    linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5) -> (d1 floordiv 8, d3, d4, d5, d1 mod 8)>, affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d3, d2 + d4 * 16 + d5)>, affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%w, %x : memref<2x64x3x3x8xf32>, memref<2x64x546xf32>) outs(%out : memref<2x16x512xf32>) attrs = {tsm.direct_conv = array<i64: 16, 1, 1>} {
    ^bb0(%a: f32, %v: f32, %acc: f32):
      %m = arith.mulf %a, %v : f32
      %s = arith.addf %acc, %m : f32
      linalg.yield %s : f32
    }
    return
  }
}
