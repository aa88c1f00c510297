// RUN: tsmlir-opt %s --split-input-file --tsm-lower-data-movement | filecheck %s

// Whole rows with 2 threads and enough bytes (1024 rows of 768 floats, 6 MB
// moved): the indices, flattened, are shared in two chunks of 512, each an
// scf.for copying its rows into its slice of the result.
// CHECK-LABEL: func.func @embedding$shared
// CHECK-SAME: (%[[W:.*]]: tensor<30000x768xf32>, %[[I:.*]]: tensor<8x128x1xi64>)
// CHECK: cf.assert %{{.*}}, "{{.*}}tsm.index: index out of range"
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %[[I]] {{\[}}[0, 1], [2]] : tensor<8x128x1xi64> into tensor<1024x1xi64>
// CHECK: %[[INIT:.*]] = tensor.empty() : tensor<1024x768xf32>
// CHECK: %[[ALL:.*]] = scf.forall (%[[T:.*]]) in (2) shared_outs(%[[OUT:.*]] = %[[INIT]]) -> (tensor<1024x768xf32>)
// CHECK: %[[LO:.*]] = arith.muli %[[T]], %{{.*}} : index
// CHECK: %[[MINE:.*]] = tensor.extract_slice %[[OUT]][%[[LO]], 0] [512, 768] [1, 1]
// CHECK: %[[FILLED:.*]] = scf.for %[[J:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC:.*]] = %[[MINE]]) -> (tensor<512x768xf32>)
// CHECK: %[[AT:.*]] = arith.addi %[[LO]], %[[J]] : index
// CHECK: tensor.extract %[[FLAT]][%[[AT]], %{{.*}}] : tensor<1024x1xi64>
// CHECK: %[[ROW:.*]] = tensor.extract_slice %[[W]][%{{.*}}, 0] [1, 768] [1, 1] : tensor<30000x768xf32> to tensor<768xf32>
// CHECK: tensor.insert_slice %[[ROW]] into %[[ACC]][%[[J]], 0] [1, 768] [1, 1] : tensor<768xf32> into tensor<512x768xf32>
// CHECK: scf.forall.in_parallel
// CHECK: tensor.parallel_insert_slice %[[FILLED]] into %[[OUT]][%[[LO]], 0] [512, 768] [1, 1]
// CHECK: %[[RESULT:.*]] = tensor.expand_shape %[[ALL]] {{\[}}[0, 1], [2]] output_shape [8, 128, 768] : tensor<1024x768xf32> into tensor<8x128x768xf32>
// CHECK: return %[[RESULT]]
module attributes {tsm.num_threads = 2 : i64} {
func.func @embedding$shared(%w: tensor<30000x768xf32>, %i: tensor<8x128x1xi64>) -> tensor<8x128x768xf32> {
  %0 = "tsm.index"(%w, %i) {dim = 0 : i64} : (tensor<30000x768xf32>, tensor<8x128x1xi64>) -> tensor<8x128x768xf32>
  return %0 : tensor<8x128x768xf32>
}
}

// -----

// An odd count (1001 rows): chunks of 501, the last one's length computed.
// CHECK-LABEL: func.func @index_select$odd
// CHECK: scf.forall (%[[T:.*]]) in (2) shared_outs
// CHECK: %[[LO:.*]] = arith.muli %[[T]], %[[C501:.*]] : index
// CHECK: %[[LEFT:.*]] = arith.subi %{{.*}}, %[[LO]] : index
// CHECK: %[[LEN:.*]] = arith.minui %[[LEFT]], %[[C501]] : index
// CHECK: tensor.extract_slice %{{.*}}[%[[LO]], 0] [%[[LEN]], 512] [1, 1] : tensor<1001x512xf32> to tensor<?x512xf32>
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[LEN]]
// CHECK-NOT: tensor.expand_shape
// CHECK: return
module attributes {tsm.num_threads = 2 : i64} {
func.func @index_select$odd(%x: tensor<30000x512xf32>, %i: tensor<1001x1xi64>) -> tensor<1001x512xf32> {
  %0 = "tsm.index"(%x, %i) {dim = 0 : i64} : (tensor<30000x512xf32>, tensor<1001x1xi64>) -> tensor<1001x512xf32>
  return %0 : tensor<1001x512xf32>
}
}

// -----

// Too few bytes to share (64 rows of 768 floats, 384 KB moved): one loop.
// CHECK-LABEL: func.func @embedding$small
// CHECK-NOT: scf.forall
// CHECK: scf.for
// CHECK-NOT: scf.forall
module attributes {tsm.num_threads = 2 : i64} {
func.func @embedding$small(%w: tensor<30000x768xf32>, %i: tensor<64x1xi64>) -> tensor<64x768xf32> {
  %0 = "tsm.index"(%w, %i) {dim = 0 : i64} : (tensor<30000x768xf32>, tensor<64x1xi64>) -> tensor<64x768xf32>
  return %0 : tensor<64x768xf32>
}
}

// -----

// One thread: the same big gather stays one loop nest.
// CHECK-LABEL: func.func @embedding$one_thread
// CHECK-NOT: scf.forall
// CHECK: scf.for
// CHECK: scf.for
// CHECK-NOT: scf.forall
module attributes {tsm.num_threads = 1 : i64} {
func.func @embedding$one_thread(%w: tensor<30000x768xf32>, %i: tensor<8x128x1xi64>) -> tensor<8x128x768xf32> {
  %0 = "tsm.index"(%w, %i) {dim = 0 : i64} : (tensor<30000x768xf32>, tensor<8x128x1xi64>) -> tensor<8x128x768xf32>
  return %0 : tensor<8x128x768xf32>
}
}

// -----

// A run-time number of indices (one run-time batch size): the count
// decides when the gather runs.  768-float rows pay from 86 rows on (2 x 86 x 3 KB >= 512 KB): an scf.if
// on the flattened count, the threads' scf.forall (two chunks of
// ceil(n / 2) rows, the offsets clamped to n) or one loop.
// CHECK-LABEL: func.func @embedding$dynamic
// CHECK: cf.assert
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0, 1], [2]] : tensor<4x?x1xi64> into tensor<?x1xi64>
// CHECK: %[[N:.*]] = tensor.dim %[[FLAT]], %{{.*}} : tensor<?x1xi64>
// CHECK: %[[INIT:.*]] = tensor.empty(%[[N]]) : tensor<?x768xf32>
// CHECK: %[[BIG:.*]] = arith.cmpi uge, %[[N]], %[[C86:.*]] : index
// CHECK: %[[OUT:.*]] = scf.if %[[BIG]] -> (tensor<?x768xf32>) {
// CHECK: %[[PER:.*]] = arith.ceildivui %[[N]], %{{.*}} : index
// CHECK: scf.forall (%[[T:.*]]) in (2) shared_outs(%{{.*}} = %[[INIT]])
// CHECK: %[[LO0:.*]] = arith.muli %[[T]], %[[PER]] : index
// CHECK: %[[LO:.*]] = arith.minui %[[LO0]], %[[N]] : index
// CHECK: %[[LEFT:.*]] = arith.subi %[[N]], %[[LO]] : index
// CHECK: %[[LEN:.*]] = arith.minui %[[PER]], %[[LEFT]] : index
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[LEN]]
// CHECK: tensor.parallel_insert_slice
// CHECK: } else {
// CHECK-NOT: scf.forall
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[N]] step %{{.*}} iter_args(%{{.*}} = %[[INIT]])
// CHECK: tensor.expand_shape %[[OUT]] {{\[}}[0, 1], [2]] output_shape [4, %{{.*}}, 768]
module attributes {tsm.num_threads = 2 : i64} {
func.func @embedding$dynamic(%w: tensor<30000x768xf32>, %i: tensor<4x?x1xi64>) -> tensor<4x?x768xf32> {
  %0 = "tsm.index"(%w, %i) {dim = 0 : i64} : (tensor<30000x768xf32>, tensor<4x?x1xi64>) -> tensor<4x?x768xf32>
  return %0 : tensor<4x?x768xf32>
}
}

// -----

// One thread with a run-time count, or two run-time batch sizes (the
// flattened result could not be expanded back): one loop nest, no test of
// the count.
// CHECK-LABEL: func.func @embedding$two_dynamic
// CHECK-NOT: scf.if
// CHECK-NOT: scf.forall
// CHECK: scf.for
// CHECK: scf.for
// CHECK-LABEL: func.func @embedding$dynamic_one_thread
// CHECK-NOT: scf.if
// CHECK-NOT: scf.forall
// CHECK: scf.for
// CHECK-NOT: scf.forall
module attributes {tsm.num_threads = 2 : i64} {
func.func @embedding$two_dynamic(%w: tensor<30000x768xf32>, %i: tensor<?x?x1xi64>) -> tensor<?x?x768xf32> {
  %0 = "tsm.index"(%w, %i) {dim = 0 : i64} : (tensor<30000x768xf32>, tensor<?x?x1xi64>) -> tensor<?x?x768xf32>
  return %0 : tensor<?x?x768xf32>
}
}
module attributes {tsm.num_threads = 1 : i64} {
func.func @embedding$dynamic_one_thread(%w: tensor<30000x768xf32>, %i: tensor<?x1xi64>) -> tensor<?x768xf32> {
  %0 = "tsm.index"(%w, %i) {dim = 0 : i64} : (tensor<30000x768xf32>, tensor<?x1xi64>) -> tensor<?x768xf32>
  return %0 : tensor<?x768xf32>
}
}
