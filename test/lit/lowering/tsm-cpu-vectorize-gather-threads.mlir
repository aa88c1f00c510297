// RUN: tsmlir-opt %s --tsm-cpu-vectorize --split-input-file | filecheck %s

// An all-parallel generic whose body loads from memory (nearest-neighbour
// upsampling: the source index of each output row and column comes from a
// table) is not vectorized, but with tsm.num_threads = 2 and enough results
// the threads share its outermost dim with a row for each: an scf.forall of
// two chunks of 4 images, the chunk still a linalg.generic (scalar loops
// later) reading the table and the source through memref.load.
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
module attributes {tsm.num_threads = 2 : i64} {
  memref.global "private" constant @rows : memref<112xi64> = dense<0>
  // CHECK-LABEL: func.func @upsample
  // CHECK: scf.forall (%[[T:.*]]) in (2)
  // CHECK: memref.subview %{{.*}}[%{{.*}}, 0, 0, 0] [4, 64, 112, 112]
  // CHECK: linalg.generic
  // CHECK: linalg.index 0
  // CHECK: memref.load
  // CHECK: memref.load
  // CHECK-NOT: vector.
  func.func @upsample(%src: memref<8x64x56x56xf32>, %out: memref<8x64x112x112xf32>) {
    %table = memref.get_global @rows : memref<112xi64>
    linalg.generic {indexing_maps = [#id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
        outs(%out : memref<8x64x112x112xf32>) {
    ^bb0(%o: f32):
      %n = linalg.index 0 : index
      %c = linalg.index 1 : index
      %h = linalg.index 2 : index
      %w = linalg.index 3 : index
      %hi = memref.load %table[%h] : memref<112xi64>
      %wi = memref.load %table[%w] : memref<112xi64>
      %hx = arith.index_cast %hi : i64 to index
      %wx = arith.index_cast %wi : i64 to index
      %v = memref.load %src[%n, %c, %hx, %wx] : memref<8x64x56x56xf32>
      linalg.yield %v : f32
    }
    return
  }
}

// -----

// The same with a batch of 1 (the channels are split) ...
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
module attributes {tsm.num_threads = 2 : i64} {
  memref.global "private" constant @rows : memref<112xi64> = dense<0>
  // CHECK-LABEL: func.func @upsample_one_image
  // CHECK: scf.forall (%{{.*}}) in (2)
  // CHECK: memref.subview %{{.*}}[0, %{{.*}}, 0, 0] [1, 32, 112, 112]
  func.func @upsample_one_image(%src: memref<1x64x56x56xf32>, %out: memref<1x64x112x112xf32>) {
    %table = memref.get_global @rows : memref<112xi64>
    linalg.generic {indexing_maps = [#id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
        outs(%out : memref<1x64x112x112xf32>) {
    ^bb0(%o: f32):
      %n = linalg.index 0 : index
      %c = linalg.index 1 : index
      %h = linalg.index 2 : index
      %w = linalg.index 3 : index
      %hi = memref.load %table[%h] : memref<112xi64>
      %wi = memref.load %table[%w] : memref<112xi64>
      %hx = arith.index_cast %hi : i64 to index
      %wx = arith.index_cast %wi : i64 to index
      %v = memref.load %src[%n, %c, %hx, %wx] : memref<1x64x56x56xf32>
      linalg.yield %v : f32
    }
    return
  }
}

// -----

// ... but not with few results (one thread), nor without threads.
#id2 = affine_map<(d0, d1) -> (d0, d1)>
module attributes {tsm.num_threads = 2 : i64} {
  // CHECK-LABEL: func.func @small_gather
  // CHECK-NOT: scf.forall
  // CHECK: linalg.generic
  func.func @small_gather(%src: memref<100x100xf32>, %idx: memref<64xi64>, %out: memref<64x100xf32>) {
    linalg.generic {indexing_maps = [#id2], iterator_types = ["parallel", "parallel"]}
        outs(%out : memref<64x100xf32>) {
    ^bb0(%o: f32):
      %r = linalg.index 0 : index
      %c = linalg.index 1 : index
      %i = memref.load %idx[%r] : memref<64xi64>
      %ix = arith.index_cast %i : i64 to index
      %v = memref.load %src[%ix, %c] : memref<100x100xf32>
      linalg.yield %v : f32
    }
    return
  }
}

// -----

#id2 = affine_map<(d0, d1) -> (d0, d1)>
module {
  // CHECK-LABEL: func.func @serial_module
  // CHECK-NOT: scf.forall
  // CHECK: linalg.generic
  func.func @serial_module(%src: memref<1000x1000xf32>, %idx: memref<640xi64>, %out: memref<640x1000xf32>) {
    linalg.generic {indexing_maps = [#id2], iterator_types = ["parallel", "parallel"]}
        outs(%out : memref<640x1000xf32>) {
    ^bb0(%o: f32):
      %r = linalg.index 0 : index
      %c = linalg.index 1 : index
      %i = memref.load %idx[%r] : memref<640xi64>
      %ix = arith.index_cast %i : i64 to index
      %v = memref.load %src[%ix, %c] : memref<1000x1000xf32>
      linalg.yield %v : f32
    }
    return
  }
}
