// RUN: tsmlir-opt %s --split-input-file --tsm-vectorize-reductions | filecheck %s

// The pass alone, on bufferized linalg: which reductions it takes and which
// it leaves to convert-linalg-to-loops.

// A body constant and a value from above become vectors before the loops;
// an i32 input beside an i64 accumulator uses 16 lanes (the widest type).
// CHECK-LABEL: func.func @sum$mixed_widths
// CHECK-DAG: %[[TWO:.*]] = vector.broadcast %{{.*}} : i64 to vector<16xi64>
// CHECK-DAG: %[[THREE:.*]] = vector.broadcast %{{.*}} : i64 to vector<16xi64>
// CHECK: scf.for
// CHECK: %[[V:.*]] = vector.load %{{.*}} : memref<4x40xi32>, vector<16xi32>
// CHECK: %[[W:.*]] = arith.extsi %[[V]] : vector<16xi32> to vector<16xi64>
// CHECK: arith.muli %[[W]], %[[TWO]] : vector<16xi64>
// CHECK: arith.addi {{.*}}, %[[THREE]] : vector<16xi64>
// CHECK: vector.reduction <add>, {{.*}} : vector<16xi64> into i64
// CHECK-NOT: linalg.generic
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
func.func @sum$mixed_widths(%x: memref<4x40xi32>, %out: memref<4xi64>, %three: i64) {
  linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x40xi32>) outs(%out : memref<4xi64>) {
  ^bb0(%in: i32, %acc: i64):
    %two = arith.constant 2 : i64
    %w = arith.extsi %in : i32 to i64
    %d = arith.muli %w, %two : i64
    %e = arith.addi %d, %three : i64
    %s = arith.addi %e, %acc : i64
    linalg.yield %s : i64
  }
  return
}

// -----

// Integer division in the body could trap on the masked-off lanes: left alone.
// CHECK-LABEL: func.func @sum$divsi
// CHECK-NOT: vector
// CHECK: linalg.generic
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
func.func @sum$divsi(%x: memref<4x40xi32>, %out: memref<4xi32>) {
  linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x40xi32>) outs(%out : memref<4xi32>) {
  ^bb0(%in: i32, %acc: i32):
    %q = arith.divsi %in, %in : i32
    %s = arith.addi %q, %acc : i32
    linalg.yield %s : i32
  }
  return
}

// -----

// The accumulator used other than by one combiner (here: divided): left alone.
// CHECK-LABEL: func.func @fold$not_a_combiner
// CHECK-NOT: vector
// CHECK: linalg.generic
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
func.func @fold$not_a_combiner(%x: memref<4x40xf32>, %out: memref<4xf32>) {
  linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x40xf32>) outs(%out : memref<4xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %h = arith.divf %acc, %in : f32
    %s = arith.addf %h, %acc : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A column of a row-major matrix (innermost stride 40, not 1): left alone.
// CHECK-LABEL: func.func @sum$strided
// CHECK-NOT: vector
// CHECK: linalg.generic
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
func.func @sum$strided(%x: memref<4x10xf32, strided<[1, 40]>>, %out: memref<4xf32>) {
  linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x10xf32, strided<[1, 40]>>) outs(%out : memref<4xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %s = arith.addf %in, %acc : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Index-dependent bodies (argmax's linalg.index): left alone.
// CHECK-LABEL: func.func @argmax$index
// CHECK-NOT: vector
// CHECK: linalg.generic
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
func.func @argmax$index(%x: memref<4x40xi64>, %out: memref<4xi64>) {
  linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x40xi64>) outs(%out : memref<4xi64>) {
  ^bb0(%in: i64, %acc: i64):
    %i = linalg.index 1 : index
    %c = arith.index_cast %i : index to i64
    %s = arith.maxsi %c, %acc : i64
    linalg.yield %s : i64
  }
  return
}

// -----

// A boolean mask as an input (masked_fill before softmax's max): loaded as
// vector<32xi1> lanes beside the f32 row (tsm-widen-bool-memrefs makes them
// byte loads later), the mask broadcast over the rows it does not index.
// CHECK-LABEL: func.func @max$masked
// CHECK: scf.for
// CHECK: %[[M:.*]] = vector.load %{{.*}} : memref<8x1x40xi1>, vector<32xi1>
// CHECK: %[[X:.*]] = vector.load %{{.*}} : memref<8x4x40xf32>, vector<32xf32>
// CHECK: arith.select %[[M]], %{{.*}}, %[[X]] : vector<32xi1>, vector<32xf32>
// CHECK: arith.maximumf {{.*}} : vector<32xf32>
// CHECK: vector.maskedload %{{.*}} : memref<8x1x40xi1>, vector<32xi1>, vector<32xi1> into vector<32xi1>
// CHECK: vector.reduction <maximumf>
// CHECK-NOT: linalg.generic
#mask = affine_map<(d0, d1, d2) -> (d0, 0, d2)>
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#rows = affine_map<(d0, d1, d2) -> (d0, d1)>
func.func @max$masked(%m: memref<8x1x40xi1>, %x: memref<8x4x40xf32>, %out: memref<8x4xf32>) {
  %ninf = arith.constant 0xFF800000 : f32
  linalg.generic {indexing_maps = [#mask, #id3, #rows],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%m, %x : memref<8x1x40xi1>, memref<8x4x40xf32>) outs(%out : memref<8x4xf32>) {
  ^bb0(%b: i1, %in: f32, %acc: f32):
    %v = arith.select %b, %ninf, %in : f32
    %r = arith.maximumf %v, %acc : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// A boolean output is not vectorized (only inputs may be masks).
// CHECK-LABEL: func.func @any$bool_output
// CHECK-NOT: vector
// CHECK: linalg.generic
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
func.func @any$bool_output(%x: memref<4x40xi1>, %out: memref<4xi1>) {
  linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x40xi1>) outs(%out : memref<4xi1>) {
  ^bb0(%in: i1, %acc: i1):
    %r = arith.ori %in, %acc : i1
    linalg.yield %r : i1
  }
  return
}

// -----

// With threads, the rows are shared when the first input read along every
// dim (here the scores, after a broadcast mask) holds enough work.
// CHECK-LABEL: func.func @max$masked_threads
// CHECK: scf.forall
// CHECK: vector.load %{{.*}} : memref<8x1x128xi1>, vector<32xi1>
// CHECK: vector.reduction <maximumf>
module attributes {tsm.num_threads = 2 : i64} {
  func.func @max$masked_threads(%m: memref<8x1x128xi1>, %x: memref<8x128x128xf32>, %out: memref<8x128xf32>) {
    %ninf = arith.constant 0xFF800000 : f32
    linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, 0, d2)>,
                                     affine_map<(d0, d1, d2) -> (d0, d1, d2)>,
                                     affine_map<(d0, d1, d2) -> (d0, d1)>],
                    iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%m, %x : memref<8x1x128xi1>, memref<8x128x128xf32>) outs(%out : memref<8x128xf32>) {
    ^bb0(%b: i1, %in: f32, %acc: f32):
      %v = arith.select %b, %ninf, %in : f32
      %r = arith.maximumf %v, %acc : f32
      linalg.yield %r : f32
    }
    return
  }
}

// -----

// A batch of one: the threads share the next dim (the heads of attention's
// (1, heads, L, S) scores), inside a one-trip loop over the batch, in 8
// blocks (4 a thread: OpenMP hands out one iteration at a time).
// CHECK-LABEL: func.func @sum$batch_of_one
// CHECK: %[[BATCH:.*]] = memref.dim %{{.*}}, %c0
// CHECK: %[[HEADS:.*]] = memref.dim %{{.*}}, %c1
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[BATCH]]
// CHECK: %[[CEIL:.*]] = arith.ceildivui %[[HEADS]], %c8
// CHECK: %[[BLOCK:.*]] = arith.maxui %[[CEIL]], %c1
// CHECK: scf.forall (%[[FIRST:.*]]) = (0) to (%[[HEADS]]) step (%[[BLOCK]])
// CHECK: %[[NEXT:.*]] = arith.addi %[[FIRST]], %[[BLOCK]]
// CHECK: %[[END:.*]] = arith.minui %[[NEXT]], %[[HEADS]]
// CHECK: scf.for %{{.*}} = %[[FIRST]] to %[[END]]
// CHECK: vector.reduction <add>
module attributes {tsm.num_threads = 2 : i64} {
  func.func @sum$batch_of_one(%x: memref<1x8x64x256xf32>, %out: memref<1x8x64xf32>) {
    linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>,
                                     affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>],
                    iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
        ins(%x : memref<1x8x64x256xf32>) outs(%out : memref<1x8x64xf32>) {
    ^bb0(%in: f32, %acc: f32):
      %r = arith.addf %in, %acc : f32
      linalg.yield %r : f32
    }
    return
  }
}

// -----

// A float16/bfloat16 output that is only stored (half attention's rounded
// exps beside their float32 sums): vector stores of 32 bfloat16 values.
// CHECK-LABEL: func.func @exps$bf16_store
// CHECK: scf.for
// CHECK: math.exp %{{.*}} : vector<32xf32>
// CHECK: arith.truncf %{{.*}} : vector<32xf32> to vector<32xbf16>
// CHECK: vector.store %{{.*}} : memref<4x64xbf16>, vector<32xbf16>
// CHECK: vector.reduction <add>
// CHECK-NOT: linalg.generic
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
func.func @exps$bf16_store(%x: memref<4x64xf32>, %m: memref<4xf32>, %e: memref<4x64xbf16>,
                           %sum: memref<4xf32>) {
  linalg.generic {indexing_maps = [#id, #row, #id, #row],
                  iterator_types = ["parallel", "reduction"]}
      ins(%x, %m : memref<4x64xf32>, memref<4xf32>) outs(%e, %sum : memref<4x64xbf16>, memref<4xf32>) {
  ^bb0(%in: f32, %max: f32, %out: bf16, %acc: f32):
    %s = arith.subf %in, %max : f32
    %x1 = math.exp %s : f32
    %h = arith.truncf %x1 : f32 to bf16
    %a = arith.addf %x1, %acc : f32
    linalg.yield %h, %a : bf16, f32
  }
  return
}

// -----

// A half output may not be a fold (it would accumulate in half precision):
// left to convert-linalg-to-loops.
// CHECK-LABEL: func.func @sum$bf16_fold
// CHECK: linalg.generic
func.func @sum$bf16_fold(%x: memref<4x64xbf16>, %out: memref<4xbf16>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x64xbf16>) outs(%out : memref<4xbf16>) {
  ^bb0(%in: bf16, %acc: bf16):
    %s = arith.addf %in, %acc : bf16
    linalg.yield %s : bf16
  }
  return
}
