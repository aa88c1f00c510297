// RUN: tsmlir-opt %s --split-input-file --tsm-vectorize-column-reductions | filecheck %s

// The pass alone, on bufferized linalg: which reductions over outer dims it
// takes, and which it leaves.

// x.sum(1) on (2, 100, 70): per kept row, chunks of 64 columns; each
// chunk's accumulator is loaded once a band of reduced rows, carried by
// the scf.for over the reduced dim, stored once; the 6 columns past 64 are
// one masked chunk, folded beside the last whole chunk (two accumulators)
// where the columns hold one.
// CHECK-LABEL: func.func @sum$dim1
// CHECK-NOT: scf.forall
// CHECK: scf.for %[[D0:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK: scf.for %[[BAND:.*]] = %{{.*}} to %{{.*}} step %[[C16:.*]] {
// CHECK: scf.for %[[COL:.*]] = %{{.*}} to %{{.*}} step %[[C64:.*]] {
// CHECK: %[[ACC:.*]] = vector.load %{{.*}}[%[[D0]], %[[COL]]] : memref<2x70xf32>, vector<64xf32>
// CHECK: %[[SUM:.*]] = scf.for %[[R:.*]] = %[[BAND]] to %{{.*}} step %{{.*}} iter_args(%[[A:.*]] = %[[ACC]]) -> (vector<64xf32>) {
// CHECK: %[[X:.*]] = vector.load %{{.*}}[%[[D0]], %[[R]], %[[COL]]] : memref<2x100x70xf32>, vector<64xf32>
// CHECK: %[[NEW:.*]] = arith.addf %[[X]], %[[A]] : vector<64xf32>
// CHECK: scf.yield %[[NEW]] : vector<64xf32>
// CHECK: vector.store %[[SUM]], %{{.*}}[%[[D0]], %[[COL]]] : memref<2x70xf32>, vector<64xf32>
// CHECK: scf.if
// CHECK: %[[MASK:.*]] = vector.create_mask %{{.*}} : vector<64xi1>
// CHECK: scf.if
// CHECK: vector.maskedload %{{.*}}, %[[MASK]], %{{.*}} : memref<2x70xf32>, vector<64xi1>, vector<64xf32>
// CHECK: scf.for {{.*}} -> (vector<64xf32>, vector<64xf32>)
// CHECK: vector.load %{{.*}} : memref<2x100x70xf32>, vector<64xf32>
// CHECK: vector.maskedload %{{.*}}, %[[MASK]], %{{.*}} : memref<2x100x70xf32>
// CHECK: vector.store %{{.*}} : memref<2x70xf32>, vector<64xf32>
// CHECK: vector.maskedstore %{{.*}}, %[[MASK]], %{{.*}} : memref<2x70xf32>
// CHECK: } else {
// CHECK: scf.for {{.*}} -> (vector<64xf32>)
// CHECK: vector.maskedstore %{{.*}}, %[[MASK]], %{{.*}} : memref<2x70xf32>
// CHECK-NOT: linalg.generic
#in = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#out = affine_map<(d0, d1, d2) -> (d0, d2)>
func.func @sum$dim1(%x: memref<2x100x70xf32>, %out: memref<2x70xf32>) {
  linalg.generic {indexing_maps = [#in, #out],
                  iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%x : memref<2x100x70xf32>) outs(%out : memref<2x70xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %s = arith.addf %in, %acc : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Two threads and enough work: the threads share the kept dim (8 rows, in
// blocks: 4 a thread, here of one row each).
// NaN-propagating max takes 32 lanes (its AVX2 form needs temporaries).
// CHECK-LABEL: func.func @amax$kept_shared
// CHECK: scf.forall (%[[FIRST:.*]]) = (0) to (%{{.*}}) step (%{{.*}}) {
// CHECK: scf.for %[[D0:.*]] = %[[FIRST]] to
// CHECK: scf.for
// CHECK: scf.for
// CHECK: %[[MAX:.*]] = scf.for {{.*}} -> (vector<32xf32>)
// CHECK: arith.maximumf %{{.*}}, %{{.*}} : vector<32xf32>
// CHECK: vector.store %[[MAX]], %{{.*}}[%[[D0]], %{{.*}}] : memref<8x128xf32>
module attributes {tsm.num_threads = 2 : i64} {
  func.func @amax$kept_shared(%x: memref<8x512x128xf32>, %out: memref<8x128xf32>) {
    linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>,
                                     affine_map<(d0, d1, d2) -> (d0, d2)>],
                    iterator_types = ["parallel", "reduction", "parallel"]}
        ins(%x : memref<8x512x128xf32>) outs(%out : memref<8x128xf32>) {
    ^bb0(%in: f32, %acc: f32):
      %m = arith.maximumf %in, %acc : f32
      linalg.yield %m : f32
    }
    return
  }
}

// -----

// x.sum(0) with two threads: no kept dim, so the threads share the
// columns, 2 x 512 (whole 64-lane chunks each).
// CHECK-LABEL: func.func @sum$dim0_columns
// CHECK: %[[C2:.*]] = arith.constant 2 : index
// CHECK: scf.forall (%[[G:.*]]) in (%[[C2]]) {
// CHECK: %[[C512:.*]] = arith.constant 512 : index
// CHECK: %[[LO:.*]] = arith.muli %[[G]], %[[C512]] : index
// CHECK: scf.for
// CHECK: scf.for %{{.*}} = %[[LO]] to
// CHECK: scf.for {{.*}} -> (vector<64xf32>)
module attributes {tsm.num_threads = 2 : i64} {
  func.func @sum$dim0_columns(%x: memref<2048x1024xf32>, %out: memref<1024xf32>) {
    linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>,
                                     affine_map<(d0, d1) -> (d1)>],
                    iterator_types = ["reduction", "parallel"]}
        ins(%x : memref<2048x1024xf32>) outs(%out : memref<1024xf32>) {
    ^bb0(%in: f32, %acc: f32):
      %s = arith.addf %in, %acc : f32
      linalg.yield %s : f32
    }
    return
  }
}

// -----

// Too little work for a parallel loop: one thread even with two.
// CHECK-LABEL: func.func @sum$small_serial
// CHECK-NOT: scf.forall
// CHECK: scf.for {{.*}} -> (vector<64xf32>)
module attributes {tsm.num_threads = 2 : i64} {
  func.func @sum$small_serial(%x: memref<8x16x128xf32>, %out: memref<8x128xf32>) {
    linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>,
                                     affine_map<(d0, d1, d2) -> (d0, d2)>],
                    iterator_types = ["parallel", "reduction", "parallel"]}
        ins(%x : memref<8x16x128xf32>) outs(%out : memref<8x128xf32>) {
    ^bb0(%in: f32, %acc: f32):
      %s = arith.addf %in, %acc : f32
      linalg.yield %s : f32
    }
    return
  }
}

// -----

// softmax(x, 1)'s exp pass: the per-column max (no reduced dim) is loaded
// once per chunk, the exps are stored along every dim beside their sum, and
// a body with math ops takes 32 lanes.
// CHECK-LABEL: func.func @softmax$exp_sum
// CHECK: scf.for %[[COL:.*]] =
// CHECK: %[[ACC:.*]] = vector.load %{{.*}} : memref<4x40xf32>, vector<32xf32>
// CHECK: %[[MAX:.*]] = vector.load %{{.*}} : memref<4x40xf32>, vector<32xf32>
// CHECK: scf.for %[[R:.*]] = {{.*}} iter_args(%[[A:.*]] = %[[ACC]]) -> (vector<32xf32>)
// CHECK: %[[X:.*]] = vector.load %{{.*}} : memref<4x50x40xf32>, vector<32xf32>
// CHECK: %[[D:.*]] = arith.subf %[[X]], %[[MAX]] : vector<32xf32>
// CHECK: %[[E:.*]] = math.exp %[[D]] : vector<32xf32>
// CHECK: vector.store %[[E]], %{{.*}} : memref<4x50x40xf32>, vector<32xf32>
// CHECK: arith.addf %[[E]], %[[A]] : vector<32xf32>
// CHECK: vector.maskedstore %{{.*}} : memref<4x50x40xf32>, vector<32xi1>, vector<32xf32>
#id = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#col = affine_map<(d0, d1, d2) -> (d0, d2)>
func.func @softmax$exp_sum(%x: memref<4x50x40xf32>, %max: memref<4x40xf32>,
                           %exps: memref<4x50x40xf32>, %sum: memref<4x40xf32>) {
  linalg.generic {indexing_maps = [#id, #col, #id, #col],
                  iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%x, %max : memref<4x50x40xf32>, memref<4x40xf32>)
      outs(%exps, %sum : memref<4x50x40xf32>, memref<4x40xf32>) {
  ^bb0(%in: f32, %m: f32, %e_out: f32, %acc: f32):
    %d = arith.subf %in, %m : f32
    %e = math.exp %d : f32
    %s = arith.addf %e, %acc : f32
    linalg.yield %e, %s : f32, f32
  }
  return
}

// -----

// Two reduced dims around a kept one (NCHW mean over (0, 2) with C kept,
// W innermost): both reduced loops nest inside the chunk, in order; an
// input read along no reduced dim and not along the columns (a per-channel
// scale) is one broadcast value per chunk; i64 takes 32 lanes.
// CHECK-LABEL: func.func @sum$two_reduced_dims
// CHECK: %[[S:.*]] = memref.load %{{.*}} : memref<3xi64>
// CHECK: %[[SV:.*]] = vector.broadcast %[[S]] : i64 to vector<32xi64>
// CHECK: scf.for {{.*}} -> (vector<32xi64>)
// CHECK: scf.for {{.*}} -> (vector<32xi64>)
// CHECK: arith.muli %{{.*}}, %[[SV]] : vector<32xi64>
#x = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#s = affine_map<(d0, d1, d2, d3) -> (d1)>
#o = affine_map<(d0, d1, d2, d3) -> (d1, d3)>
func.func @sum$two_reduced_dims(%x: memref<2x3x5x40xi64>, %scale: memref<3xi64>,
                                %out: memref<3x40xi64>) {
  linalg.generic {indexing_maps = [#x, #s, #o],
                  iterator_types = ["reduction", "parallel", "reduction", "parallel"]}
      ins(%x, %scale : memref<2x3x5x40xi64>, memref<3xi64>) outs(%out : memref<3x40xi64>) {
  ^bb0(%in: i64, %k: i64, %acc: i64):
    %p = arith.muli %in, %k : i64
    %s = arith.addi %p, %acc : i64
    linalg.yield %s : i64
  }
  return
}

// -----

// Left alone: a fold of the innermost dim (tsm-vectorize-reductions'), an
// input read across the columns (a transposed view), integer division
// (masked-off lanes could trap), and an accumulator used beside its combiner.
// CHECK-LABEL: func.func @untouched
// CHECK-NOT: vector.
// CHECK-COUNT-4: linalg.generic
// CHECK-NOT: vector.
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#t2 = affine_map<(d0, d1) -> (d1, d0)>
#c2 = affine_map<(d0, d1) -> (d1)>
#r2 = affine_map<(d0, d1) -> (d0)>
func.func @untouched(%x: memref<40x40xf32>, %i: memref<40x40xi32>, %out: memref<40xf32>,
                     %iout: memref<40xi32>) {
  linalg.generic {indexing_maps = [#id2, #r2], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<40x40xf32>) outs(%out : memref<40xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %s = arith.addf %in, %acc : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#t2, #c2], iterator_types = ["reduction", "parallel"]}
      ins(%x : memref<40x40xf32>) outs(%out : memref<40xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %s = arith.addf %in, %acc : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id2, #c2], iterator_types = ["reduction", "parallel"]}
      ins(%i : memref<40x40xi32>) outs(%iout : memref<40xi32>) {
  ^bb0(%in: i32, %acc: i32):
    %q = arith.divsi %in, %in : i32
    %s = arith.addi %q, %acc : i32
    linalg.yield %s : i32
  }
  linalg.generic {indexing_maps = [#id2, #c2], iterator_types = ["reduction", "parallel"]}
      ins(%x : memref<40x40xf32>) outs(%out : memref<40xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %m = arith.mulf %acc, %acc : f32
    %s = arith.addf %in, %m : f32
    linalg.yield %s : f32
  }
  return
}
