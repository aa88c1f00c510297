// RUN: tsmlir-opt %s --split-input-file --tsm-lower-data-movement | filecheck %s

// A stepped slice with a negative end is one strided extract_slice (a view after bufferization).
// CHECK-LABEL: func.func @slice$strided
// CHECK-SAME: (%[[X:.*]]: tensor<5x7xf32>)
// CHECK: %[[S:.*]] = tensor.extract_slice %[[X]][0, 1] [5, 3] [1, 2] : tensor<5x7xf32> to tensor<5x3xf32>
// CHECK: return %[[S]]
func.func @slice$strided(%x: tensor<5x7xf32>) -> tensor<5x3xf32> {
  %0 = "tsm.slice"(%x) {dim = 1 : i64, start = 1 : i64, end = -1 : i64, step = 2 : i64} : (tensor<5x7xf32>) -> tensor<5x3xf32>
  return %0 : tensor<5x3xf32>
}

// -----

// x[-3::2] on a dynamic dim: the start is clamped and the length computed at run time.
// CHECK-LABEL: func.func @slice$dynamic
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xf32>)
// CHECK: %[[N:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x4xf32>
// CHECK: %[[SHIFTED:.*]] = arith.addi %[[N]], %{{.*}} : index
// CHECK: %[[START:.*]] = arith.maxsi %[[SHIFTED]], %{{.*}} : index
// CHECK: %[[DIFF:.*]] = arith.subi %[[N]], %[[START]] : index
// CHECK: %[[POS:.*]] = arith.maxsi %[[DIFF]], %{{.*}} : index
// CHECK: %[[LEN:.*]] = arith.ceildivsi %[[POS]], %{{.*}} : index
// CHECK: tensor.extract_slice %[[X]][%[[START]], 0] [%[[LEN]], 4] [2, 1] : tensor<?x4xf32> to tensor<?x4xf32>
func.func @slice$dynamic(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %0 = "tsm.slice"(%x) {dim = 0 : i64, start = -3 : i64, end = 9223372036854775807 : i64, step = 2 : i64} : (tensor<?x4xf32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// Nothing to read: an empty tensor (a static slice of an empty dim would not verify).
// CHECK-LABEL: func.func @slice$empty
// CHECK-NOT: tensor.extract_slice
// CHECK: %[[E:.*]] = tensor.empty() : tensor<0x2xf32>
// CHECK: return %[[E]]
func.func @slice$empty(%x: tensor<0x4xf32>) -> tensor<0x2xf32> {
  %0 = "tsm.slice"(%x) {dim = 1 : i64, start = 1 : i64, end = 3 : i64, step = 1 : i64} : (tensor<0x4xf32>) -> tensor<0x2xf32>
  return %0 : tensor<0x2xf32>
}

// -----

// A static size-1 dim reads index 0; new leading dims are not read.
// CHECK: #[[BCAST:.*]] = affine_map<(d0, d1, d2) -> (d1, 0)>
// CHECK-LABEL: func.func @expand$broadcast
// CHECK-SAME: (%[[X:.*]]: tensor<3x1xf32>)
// CHECK: %[[INIT:.*]] = tensor.empty() : tensor<2x3x4xf32>
// CHECK: linalg.generic {indexing_maps = [#[[BCAST]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[X]] : tensor<3x1xf32>) outs(%[[INIT]] : tensor<2x3x4xf32>)
func.func @expand$broadcast(%x: tensor<3x1xf32>) -> tensor<2x3x4xf32> {
  %0 = "tsm.expand"(%x) {shape = array<i64: 2, 3, 4>, from_dims = array<i64: -1, -1, -1>} : (tensor<3x1xf32>) -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

// x.expand_as(y), both dynamic: the sizes must agree at run time.
// CHECK-LABEL: func.func @expand$other
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xf32>, %[[Y:.*]]: tensor<?x4xf32>)
// CHECK: %[[NY:.*]] = tensor.dim %[[Y]]
// CHECK: %[[NX:.*]] = tensor.dim %[[X]]
// CHECK: %[[EQ:.*]] = arith.cmpi eq, %[[NX]], %[[NY]] : index
// CHECK: cf.assert %[[EQ]], "{{.*}}tsm.expand: dynamic dim 0 of the input must equal its expanded size
// CHECK: tensor.empty(%[[NY]]) : tensor<?x4xf32>
func.func @expand$other(%x: tensor<?x4xf32>, %y: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %0 = "tsm.expand"(%x, %y) {shape = array<i64: -1, 4>, from_dims = array<i64: 0, -1>} : (tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// The result reads x at (n - 1 - i, j).
// CHECK-LABEL: func.func @flip$dynamic
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xf32>)
// CHECK: %[[N:.*]] = tensor.dim %[[X]]
// CHECK: %[[LAST:.*]] = arith.subi %[[N]], %{{.*}} : index
// CHECK: linalg.generic
// CHECK: %[[I:.*]] = linalg.index 0 : index
// CHECK: %[[J:.*]] = linalg.index 1 : index
// CHECK: %[[SRC:.*]] = arith.subi %[[LAST]], %[[I]] : index
// CHECK: tensor.extract %[[X]][%[[SRC]], %[[J]]] : tensor<?x4xf32>
func.func @flip$dynamic(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %0 = "tsm.flip"(%x) {dims = array<i64: 0>} : (tensor<?x4xf32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// roll by 1 along a dim of 4: result[j] = x[(j + 3) mod 4] without a division.
// CHECK-LABEL: func.func @roll$static
// CHECK-SAME: (%[[X:.*]]: tensor<3x4xi64>)
// CHECK-DAG: %[[C3:.*]] = arith.constant 3 : index
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK: %[[I:.*]] = linalg.index 0 : index
// CHECK: %[[J:.*]] = linalg.index 1 : index
// CHECK: %[[SUM:.*]] = arith.addi %[[J]], %[[C3]] : index
// CHECK: %[[WRAPS:.*]] = arith.cmpi sge, %[[SUM]], %[[C4]] : index
// CHECK: %[[LESS:.*]] = arith.subi %[[SUM]], %[[C4]] : index
// CHECK: %[[SRC:.*]] = arith.select %[[WRAPS]], %[[LESS]], %[[SUM]] : index
// CHECK: tensor.extract %[[X]][%[[I]], %[[SRC]]]
func.func @roll$static(%x: tensor<3x4xi64>) -> tensor<3x4xi64> {
  %0 = "tsm.roll"(%x) {shifts = array<i64: 1>, dims = array<i64: 1>} : (tensor<3x4xi64>) -> tensor<3x4xi64>
  return %0 : tensor<3x4xi64>
}

// -----

// CHECK-LABEL: func.func @triu$diagonal
// CHECK-DAG: %[[K:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: ^bb0(%[[IN:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[ROW:.*]] = linalg.index 0 : index
// CHECK: %[[COL:.*]] = linalg.index 1 : index
// CHECK: %[[OFF:.*]] = arith.subi %[[COL]], %[[ROW]] : index
// CHECK: %[[KEEP:.*]] = arith.cmpi sge, %[[OFF]], %[[K]] : index
// CHECK: arith.select %[[KEEP]], %[[IN]], %[[ZERO]] : f32
func.func @triu$diagonal(%x: tensor<3x4xf32>) -> tensor<3x4xf32> {
  %0 = "tsm.triu"(%x) {diagonal = 1 : i64} : (tensor<3x4xf32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// CHECK-LABEL: func.func @tril$below
// CHECK: %[[OFF:.*]] = arith.subi
// CHECK: arith.cmpi sle, %[[OFF]]
func.func @tril$below(%x: tensor<2x3x3xi32>) -> tensor<2x3x3xi32> {
  %0 = "tsm.tril"(%x) {diagonal = -1 : i64} : (tensor<2x3x3xi32>) -> tensor<2x3x3xi32>
  return %0 : tensor<2x3x3xi32>
}

// -----

// Rows of x picked by an index column (index_select / embedding): the indices
// are range-checked first by one reduction of the index column as one row
// into an i32 flag (a row reduction of 32-bit ints: vectorized later), then
// read through an indexing map.
// CHECK-DAG: #[[ALL:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0) -> (d0)>
// CHECK-DAG: #[[SCALAR:.*]] = affine_map<(d0) -> ()>
// CHECK-DAG: #[[COL0:.*]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-LABEL: func.func @index$rows
// CHECK-SAME: (%[[X:.*]]: tensor<5x3xf32>, %[[I:.*]]: tensor<2x1xi64>)
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %[[I]] {{\[}}[0, 1]] : tensor<2x1xi64> into tensor<2xi64>
// CHECK: %[[OK:.*]] = linalg.generic {indexing_maps = [#[[ROW]], #[[SCALAR]]], iterator_types = ["reduction"]} ins(%[[FLAT]] : tensor<2xi64>) outs(%{{.*}} : tensor<i32>)
// CHECK: arith.extui %{{.*}} : i1 to i32
// CHECK: arith.andi
// CHECK: %[[FLAG:.*]] = tensor.extract %[[OK]][] : tensor<i32>
// CHECK: %[[GOOD:.*]] = arith.cmpi ne, %[[FLAG]]
// CHECK: cf.assert %[[GOOD]], "{{.*}}tsm.index: index out of range"
// CHECK: linalg.generic {indexing_maps = [#[[COL0]], #[[ALL]]], iterator_types = ["parallel", "parallel"]} ins(%[[I]] : tensor<2x1xi64>)
// CHECK: ^bb0(%[[IDX:.*]]: i64, %{{.*}}: f32):
// CHECK: %[[J:.*]] = linalg.index 1 : index
// CHECK: %[[RAW:.*]] = arith.index_cast %[[IDX]] : i64 to index
// CHECK: %[[NEG:.*]] = arith.cmpi slt, %[[RAW]]
// CHECK: %[[FROM_END:.*]] = arith.addi %[[RAW]]
// CHECK: %[[ROW:.*]] = arith.select %[[NEG]], %[[FROM_END]], %[[RAW]] : index
// CHECK: tensor.extract %[[X]][%[[ROW]], %[[J]]] : tensor<5x3xf32>
func.func @index$rows(%x: tensor<5x3xf32>, %i: tensor<2x1xi64>) -> tensor<2x3xf32> {
  %0 = "tsm.index"(%x, %i) {dim = 0 : i64} : (tensor<5x3xf32>, tensor<2x1xi64>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// x[i, j]: two coordinates per element, each range-checked against its own dim.
// CHECK-LABEL: func.func @index$pairs
// CHECK-SAME: (%[[X:.*]]: tensor<4x5x6xf32>, %[[I:.*]]: tensor<3x2xi64>)
// CHECK: %[[COL:.*]] = linalg.index 1 : index
// CHECK: arith.cmpi eq, %[[COL]]
// CHECK: cf.assert
// CHECK: linalg.generic {{.*}} ins(%[[I]], %[[I]] : tensor<3x2xi64>, tensor<3x2xi64>)
// CHECK: tensor.extract %[[X]][%{{.*}}, %{{.*}}, %{{.*}}] : tensor<4x5x6xf32>
func.func @index$pairs(%x: tensor<4x5x6xf32>, %i: tensor<3x2xi64>) -> tensor<3x6xf32> {
  %0 = "tsm.index"(%x, %i) {dim = 0 : i64} : (tensor<4x5x6xf32>, tensor<3x2xi64>) -> tensor<3x6xf32>
  return %0 : tensor<3x6xf32>
}

// -----

// CHECK-LABEL: func.func @gather$dim1
// CHECK-SAME: (%[[X:.*]]: tensor<3x4xf32>, %[[I:.*]]: tensor<3x2xi64>)
// CHECK: cf.assert %{{.*}}, "{{.*}}tsm.gather: index out of range for dimension 1"
// CHECK: ^bb0(%[[IDX:.*]]: i64, %{{.*}}: f32):
// CHECK: %[[ROW:.*]] = linalg.index 0 : index
// CHECK: %[[COL:.*]] = arith.index_cast %[[IDX]] : i64 to index
// CHECK: tensor.extract %[[X]][%[[ROW]], %[[COL]]] : tensor<3x4xf32>
func.func @gather$dim1(%x: tensor<3x4xf32>, %i: tensor<3x2xi64>) -> tensor<3x2xf32> {
  %0 = "tsm.gather"(%x, %i) {dim = 1 : i64} : (tensor<3x4xf32>, tensor<3x2xi64>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// An index broadcast over a dim (one index per position for every channel:
// x.gather(2, i.expand(...))) is range-checked where it comes from: 32 indices, not 256, and
// the broadcast is left to the gather alone (fusion takes it in).
// CHECK-LABEL: func.func @gather$broadcast_index
// CHECK-SAME: (%[[X:.*]]: tensor<2x8x16xf32>, %[[I:.*]]: tensor<2x1x16xi64>)
// CHECK: %[[WIDE:.*]] = linalg.generic {{.*}} ins(%[[I]] : tensor<2x1x16xi64>) outs(%{{.*}} : tensor<2x8x16xi64>)
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %[[I]] {{\[}}[0, 1, 2]] : tensor<2x1x16xi64> into tensor<32xi64>
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction"]} ins(%[[FLAT]] : tensor<32xi64>)
// CHECK: cf.assert %{{.*}}, "{{.*}}tsm.gather: index out of range for dimension 2"
// CHECK: linalg.generic {{.*}} ins(%[[WIDE]] : tensor<2x8x16xi64>)
// CHECK: tensor.extract %[[X]]
func.func @gather$broadcast_index(%x: tensor<2x8x16xf32>, %i: tensor<2x1x16xi64>) -> tensor<2x8x16xf32> {
  %e = "tsm.expand"(%i) {from_dims = array<i64: -1, -1, -1>, shape = array<i64: 2, 8, 16>} : (tensor<2x1x16xi64>) -> tensor<2x8x16xi64>
  %0 = "tsm.gather"(%x, %e) {dim = 2 : i64} : (tensor<2x8x16xf32>, tensor<2x8x16xi64>) -> tensor<2x8x16xf32>
  return %0 : tensor<2x8x16xf32>
}

// -----

// A loop nest over the index, inserting into the loop-carried result; the function's
// arguments become read-only for bufferization (a write into x goes to a copy).
// CHECK-LABEL: func.func @scatter$add
// CHECK-SAME: (%[[X:.*]]: tensor<3x4xf32> {bufferization.writable = false}, %[[I:.*]]: tensor<3x2xi64> {{.*}}, %[[S:.*]]: tensor<3x2xf32> {{.*}})
// CHECK: cf.assert %{{.*}}, "{{.*}}tsm.scatter: index out of range for dimension 1"
// CHECK: scf.for %[[R:.*]] = %{{.*}} iter_args(%[[OUTER:.*]] = %[[X]]) -> (tensor<3x4xf32>)
// CHECK: scf.for %[[C:.*]] = %{{.*}} iter_args(%[[ACC:.*]] = %[[OUTER]]) -> (tensor<3x4xf32>)
// CHECK: %[[V:.*]] = tensor.extract %[[S]][%[[R]], %[[C]]]
// CHECK: %[[RAW:.*]] = tensor.extract %[[I]][%[[R]], %[[C]]]
// CHECK: %[[AT:.*]] = arith.index_cast %[[RAW]] : i64 to index
// CHECK: %[[OLD:.*]] = tensor.extract %[[ACC]][%[[R]], %[[AT]]]
// CHECK: %[[NEW:.*]] = arith.addf %[[OLD]], %[[V]] : f32
// CHECK: tensor.insert %[[NEW]] into %[[ACC]][%[[R]], %[[AT]]]
func.func @scatter$add(%x: tensor<3x4xf32>, %i: tensor<3x2xi64>, %s: tensor<3x2xf32>) -> tensor<3x4xf32> {
  %0 = "tsm.scatter"(%x, %i, %s) {dim = 1 : i64, reduce = "add"} : (tensor<3x4xf32>, tensor<3x2xi64>, tensor<3x2xf32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// reduce = amax / amin combine with NaN-propagating maximumf / minimumf (signed
// integers: maxsi / minsi; unsigned ones: maxui on their signless bits).
// CHECK-LABEL: func.func @scatter$amax
// CHECK: %[[OLD:.*]] = tensor.extract %{{.*}}[%{{.*}}, %{{.*}}] : tensor<3x4xf32>
// CHECK: arith.maximumf %[[OLD]], %{{.*}} : f32
// CHECK-LABEL: func.func @scatter$amin_int
// CHECK: arith.minsi %{{.*}}, %{{.*}} : i32
// CHECK-LABEL: func.func @scatter$amax_uint8
// CHECK: arith.maxui %{{.*}}, %{{.*}} : i8
func.func @scatter$amax(%x: tensor<3x4xf32>, %i: tensor<3x2xi64>, %s: tensor<3x2xf32>) -> tensor<3x4xf32> {
  %0 = "tsm.scatter"(%x, %i, %s) {dim = 0 : i64, reduce = "amax"} : (tensor<3x4xf32>, tensor<3x2xi64>, tensor<3x2xf32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}
func.func @scatter$amin_int(%x: tensor<3x4xi32>, %i: tensor<3x2xi64>, %s: tensor<3x2xi32>) -> tensor<3x4xi32> {
  %0 = "tsm.scatter"(%x, %i, %s) {dim = 0 : i64, reduce = "amin"} : (tensor<3x4xi32>, tensor<3x2xi64>, tensor<3x2xi32>) -> tensor<3x4xi32>
  return %0 : tensor<3x4xi32>
}
func.func @scatter$amax_uint8(%x: tensor<3x4xui8>, %i: tensor<3x2xi64>, %s: tensor<3x2xui8>) -> tensor<3x4xui8> {
  %0 = "tsm.scatter"(%x, %i, %s) {dim = 0 : i64, reduce = "amax"} : (tensor<3x4xui8>, tensor<3x2xi64>, tensor<3x2xui8>) -> tensor<3x4xui8>
  return %0 : tensor<3x4xui8>
}

// -----

// Accumulated whole rows (float, static width >= 8): each index adds its row
// with one linalg.add into the result's row, not an element loop.
// CHECK-LABEL: func.func @index_put$accumulate_rows
// CHECK: scf.for %[[R:.*]] = %{{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (tensor<5x16xf32>)
// CHECK: %[[NEW:.*]] = tensor.extract_slice %{{.*}}[%[[R]], 0] [1, 16] [1, 1] : tensor<3x16xf32> to tensor<16xf32>
// CHECK: %[[OLD:.*]] = tensor.extract_slice %[[ACC]][%{{.*}}, 0] [1, 16] [1, 1] : tensor<5x16xf32> to tensor<16xf32>
// CHECK: %[[SUM:.*]] = linalg.add ins(%[[NEW]], %[[OLD]] : tensor<16xf32>, tensor<16xf32>) outs(%[[OLD]] : tensor<16xf32>)
// CHECK: tensor.insert_slice %[[SUM]] into %[[ACC]]
func.func @index_put$accumulate_rows(%x: tensor<5x16xf32>, %i: tensor<3x1xi64>, %v: tensor<3x16xf32>) -> tensor<5x16xf32> {
  %0 = "tsm.index_put"(%x, %i, %v) {dim = 0 : i64, accumulate = true} : (tensor<5x16xf32>, tensor<3x1xi64>, tensor<3x16xf32>) -> tensor<5x16xf32>
  return %0 : tensor<5x16xf32>
}

// -----

// x[i] += v with v broadcast over the selected rows.
// CHECK-LABEL: func.func @index_put$accumulate
// CHECK-SAME: (%[[X:.*]]: tensor<5x3xf32> {{.*}}, %[[I:.*]]: tensor<2x1xi64> {{.*}}, %[[V:.*]]: tensor<3xf32> {{.*}})
// CHECK: cf.assert %{{.*}}, "{{.*}}tsm.index_put: index out of range"
// CHECK: scf.for %[[B:.*]] = %{{.*}} iter_args(%{{.*}} = %[[X]])
// CHECK: scf.for %[[J:.*]] = %{{.*}} iter_args(%[[ACC:.*]] = %{{.*}})
// CHECK: tensor.extract %[[I]][%[[B]], %{{.*}}] : tensor<2x1xi64>
// CHECK: %[[ROW:.*]] = arith.select
// CHECK: %[[VAL:.*]] = tensor.extract %[[V]][%[[J]]] : tensor<3xf32>
// CHECK: %[[OLD:.*]] = tensor.extract %[[ACC]][%[[ROW]], %[[J]]]
// CHECK: %[[NEW:.*]] = arith.addf %[[OLD]], %[[VAL]] : f32
// CHECK: tensor.insert %[[NEW]] into %[[ACC]][%[[ROW]], %[[J]]]
func.func @index_put$accumulate(%x: tensor<5x3xf32>, %i: tensor<2x1xi64>, %v: tensor<3xf32>) -> tensor<5x3xf32> {
  %0 = "tsm.index_put"(%x, %i, %v) {dim = 0 : i64, accumulate = true} : (tensor<5x3xf32>, tensor<2x1xi64>, tensor<3xf32>) -> tensor<5x3xf32>
  return %0 : tensor<5x3xf32>
}

// -----

// x[1:-1:2] = v writes the same strided window the slice reads.
// CHECK-LABEL: func.func @slice_scatter$strided
// CHECK-SAME: (%[[X:.*]]: tensor<5x7xf32> {bufferization.writable = false}, %[[V:.*]]: tensor<5x3xf32> {bufferization.writable = false})
// CHECK: %[[R:.*]] = tensor.insert_slice %[[V]] into %[[X]][0, 1] [5, 3] [1, 2] : tensor<5x3xf32> into tensor<5x7xf32>
// CHECK: return %[[R]]
func.func @slice_scatter$strided(%x: tensor<5x7xf32>, %v: tensor<5x3xf32>) -> tensor<5x7xf32> {
  %0 = "tsm.slice_scatter"(%x, %v) {dim = 1 : i64, start = 1 : i64, end = -1 : i64, step = 2 : i64} : (tensor<5x7xf32>, tensor<5x3xf32>) -> tensor<5x7xf32>
  return %0 : tensor<5x7xf32>
}

// -----

// On a dynamic dim a static-sized value is cast to the slice's dynamic type.
// CHECK-LABEL: func.func @slice_scatter$dynamic
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xf32> {{.*}}, %[[V:.*]]: tensor<1x4xf32> {{.*}})
// CHECK: %[[N:.*]] = tensor.dim %[[X]]
// CHECK: %[[START:.*]] = arith.maxsi
// CHECK: %[[LEN:.*]] = arith.maxsi
// CHECK: %[[CAST:.*]] = tensor.cast %[[V]] : tensor<1x4xf32> to tensor<?x4xf32>
// CHECK: tensor.insert_slice %[[CAST]] into %[[X]][%[[START]], 0] [%[[LEN]], 4] [1, 1] : tensor<?x4xf32> into tensor<?x4xf32>
func.func @slice_scatter$dynamic(%x: tensor<?x4xf32>, %v: tensor<1x4xf32>) -> tensor<?x4xf32> {
  %0 = "tsm.slice_scatter"(%x, %v) {dim = 0 : i64, start = -1 : i64, end = 9223372036854775807 : i64, step = 1 : i64} : (tensor<?x4xf32>, tensor<1x4xf32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// pe[:x.size(0)]: the end is read at run time and clamped like a static one.
// CHECK-LABEL: func.func @slice_dynamic$end
// CHECK-SAME: (%[[X:.*]]: tensor<10x4xf32>, %[[START:.*]]: tensor<i64>, %[[END:.*]]: tensor<i64>)
// CHECK: %[[S:.*]] = tensor.extract %[[START]][] : tensor<i64>
// CHECK: %[[SI:.*]] = arith.index_cast %[[S]] : i64 to index
// CHECK: %[[E:.*]] = tensor.extract %[[END]][] : tensor<i64>
// CHECK: %[[EI:.*]] = arith.index_cast %[[E]] : i64 to index
// CHECK: %[[LAST:.*]] = arith.select %{{.*}}, %{{.*}}, %{{.*}} : index
// CHECK: %[[DIFF:.*]] = arith.subi %[[LAST]], %[[FIRST:.*]] : index
// CHECK: %[[LEN:.*]] = arith.maxsi %[[DIFF]]
// CHECK: tensor.extract_slice %[[X]][%[[FIRST]], 0] [%[[LEN]], 4] [1, 1] : tensor<10x4xf32> to tensor<?x4xf32>
func.func @slice_dynamic$end(%x: tensor<10x4xf32>, %start: tensor<i64>, %end: tensor<i64>) -> tensor<?x4xf32> {
  %0 = "tsm.slice_dynamic"(%x, %start, %end) {dim = 0 : i64, step = 1 : i64} : (tensor<10x4xf32>, tensor<i64>, tensor<i64>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// Whole rows (embedding): one row copy per index, after the range check.
// CHECK-LABEL: func.func @index$embedding_rows
// CHECK-SAME: (%[[W:.*]]: tensor<100x16xf32>, %[[I:.*]]: tensor<4x1xi64>)
// CHECK: cf.assert %{{.*}}, "{{.*}}tsm.index: index out of range"
// CHECK: %[[INIT:.*]] = tensor.empty() : tensor<4x16xf32>
// CHECK: scf.for %[[B:.*]] = %{{.*}} iter_args(%[[ACC:.*]] = %[[INIT]]) -> (tensor<4x16xf32>)
// CHECK: %[[RAW:.*]] = tensor.extract %[[I]][%[[B]], %{{.*}}] : tensor<4x1xi64>
// CHECK: %[[ROW:.*]] = arith.select
// CHECK: %[[PIECE:.*]] = tensor.extract_slice %[[W]][%[[ROW]], 0] [1, 16] [1, 1] : tensor<100x16xf32> to tensor<16xf32>
// CHECK: tensor.insert_slice %[[PIECE]] into %[[ACC]][%[[B]], 0] [1, 16] [1, 1] : tensor<16xf32> into tensor<4x16xf32>
func.func @index$embedding_rows(%w: tensor<100x16xf32>, %i: tensor<4x1xi64>) -> tensor<4x16xf32> {
  %0 = "tsm.index"(%w, %i) {dim = 0 : i64} : (tensor<100x16xf32>, tensor<4x1xi64>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

// cache[i] = rows: one row insert per index; a values dim of run-time size 1 broadcasts.
// CHECK-LABEL: func.func @index_put$rows
// CHECK-SAME: (%[[C:.*]]: tensor<6x16xf32> {{.*}}, %[[I:.*]]: tensor<?x1xi64> {{.*}}, %[[R:.*]]: tensor<?x16xf32> {{.*}})
// CHECK: %[[NR:.*]] = tensor.dim %[[R]]
// CHECK: %[[ONE:.*]] = arith.cmpi eq, %[[NR]], %{{.*}} : index
// CHECK: cf.assert %{{.*}}, "{{.*}}tsm.index_put: size 0 of values must match the indexed elements (or be 1)"
// CHECK: scf.for %[[B:.*]] = %{{.*}} iter_args(%[[ACC:.*]] = %[[C]]) -> (tensor<6x16xf32>)
// CHECK: %[[ROW:.*]] = arith.select %{{.*}} : index
// CHECK: %[[SRC:.*]] = arith.select %[[ONE]], %{{.*}}, %[[B]] : index
// CHECK: %[[PIECE:.*]] = tensor.extract_slice %[[R]][%[[SRC]], 0] [1, 16] [1, 1] : tensor<?x16xf32> to tensor<16xf32>
// CHECK: tensor.insert_slice %[[PIECE]] into %[[ACC]][%[[ROW]], 0] [1, 16] [1, 1] : tensor<16xf32> into tensor<6x16xf32>
func.func @index_put$rows(%c: tensor<6x16xf32>, %i: tensor<?x1xi64>, %r: tensor<?x16xf32>) -> tensor<6x16xf32> {
  %0 = "tsm.index_put"(%c, %i, %r) {dim = 0 : i64, accumulate = false} : (tensor<6x16xf32>, tensor<?x1xi64>, tensor<?x16xf32>) -> tensor<6x16xf32>
  return %0 : tensor<6x16xf32>
}

// -----

// nonzero: one reduction counts the nonzeros (une: NaN counts), the count sizes
// the result, then a loop nest over x writes each nonzero's coordinates at the
// next row, carried with the result.
// CHECK-LABEL: func.func @nonzero$dynamic
// CHECK-SAME: (%[[X:.*]]: tensor<3x?xf32>)
// CHECK: %[[COUNT:.*]] = linalg.generic {{.*}}iterator_types = ["reduction", "reduction"]{{.*}} ins(%[[X]] : tensor<3x?xf32>) outs(%{{.*}} : tensor<i64>)
// CHECK: arith.cmpf une
// CHECK: arith.extui
// CHECK: %[[N64:.*]] = tensor.extract %[[COUNT]][] : tensor<i64>
// CHECK: %[[N:.*]] = arith.index_cast %[[N64]] : i64 to index
// CHECK: %[[INIT:.*]] = tensor.empty(%[[N]]) : tensor<?x2xi64>
// CHECK: %[[ROWS:.*]]:2 = scf.for %[[I:.*]] = {{.*}} iter_args(%{{.*}} = %[[INIT]], %{{.*}} = %{{.*}}) -> (tensor<?x2xi64>, index)
// CHECK: scf.for %[[J:.*]] = {{.*}} iter_args(%[[ACC:.*]] = %{{.*}}, %[[ROW:.*]] = %{{.*}}) -> (tensor<?x2xi64>, index)
// CHECK: %[[E:.*]] = tensor.extract %[[X]][%[[I]], %[[J]]]
// CHECK: %[[NZ:.*]] = arith.cmpf une, %[[E]]
// CHECK: scf.if %[[NZ]] -> (tensor<?x2xi64>, index)
// CHECK: %[[CI:.*]] = arith.index_cast %[[I]] : index to i64
// CHECK: %[[W0:.*]] = tensor.insert %[[CI]] into %[[ACC]][%[[ROW]], %{{.*}}]
// CHECK: %[[CJ:.*]] = arith.index_cast %[[J]] : index to i64
// CHECK: %[[W1:.*]] = tensor.insert %[[CJ]] into %[[W0]][%[[ROW]], %{{.*}}]
// CHECK: %[[NEXT:.*]] = arith.addi %[[ROW]]
// CHECK: scf.yield %[[W1]], %[[NEXT]]
// CHECK: } else {
// CHECK: scf.yield %[[ACC]], %[[ROW]]
// CHECK: return %[[ROWS]]#0
func.func @nonzero$dynamic(%x: tensor<3x?xf32>) -> tensor<?x2xi64> {
  %0 = "tsm.nonzero"(%x) : (tensor<3x?xf32>) -> tensor<?x2xi64>
  return %0 : tensor<?x2xi64>
}

// -----

// An unsigned operand is compared as signless integers.
// CHECK-LABEL: func.func @nonzero$uint8
// CHECK: arith.cmpi ne
// CHECK: tensor.empty(%{{.*}}) : tensor<?x1xi64>
func.func @nonzero$uint8(%x: tensor<5xui8>) -> tensor<?x1xi64> {
  %0 = "tsm.nonzero"(%x) : (tensor<5xui8>) -> tensor<?x1xi64>
  return %0 : tensor<?x1xi64>
}

// -----

// Static values written at a run-time number of places (`x[mask] = v`): the
// count is checked to match before any write.
// CHECK-LABEL: func.func @index_put$static_values_dynamic_rows
// CHECK-SAME: (%{{.*}}: tensor<6xf32> {{.*}}, %[[I:[^:]*]]: tensor<?x1xi64>
// CHECK: %[[N:.*]] = tensor.dim %[[I]], %{{.*}} : tensor<?x1xi64>
// CHECK: %[[SAME:.*]] = arith.cmpi eq, %[[N]], %{{.*}} : index
// CHECK: cf.assert %[[SAME]], "{{.*}}tsm.index_put: size 0 of values must match the indexed elements (or be 1)"
// CHECK: scf.for
func.func @index_put$static_values_dynamic_rows(%x: tensor<6xf32>, %i: tensor<?x1xi64>, %v: tensor<3xf32>) -> tensor<6xf32> {
  %0 = "tsm.index_put"(%x, %i, %v) {dim = 0 : i64, accumulate = false} : (tensor<6xf32>, tensor<?x1xi64>, tensor<3xf32>) -> tensor<6xf32>
  return %0 : tensor<6xf32>
}
