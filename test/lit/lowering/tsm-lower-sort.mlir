// RUN: tsmlir-opt %s --split-input-file --tsm-lower-sort | filecheck %s

// sort: a rank generic (every element against every other of its slice: an
// extra reduction dim J reads the slice) counts the elements that come first
// in the stable order (NaN greatest, ties by position); a select generic then
// takes, for each output position, the element of that rank and its index.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[ALONG:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func.func @sort$ascending
// CHECK-SAME: (%[[X:.*]]: tensor<3x4xf32>)
// CHECK: %[[ZEROS:.*]] = linalg.fill ins(%{{.*}} : i64) outs(%{{.*}} : tensor<3x4xi64>)
// CHECK: %[[RANKS:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ALONG]], #[[ID]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%[[X]], %[[X]] : tensor<3x4xf32>, tensor<3x4xf32>) outs(%[[ZEROS]] : tensor<3x4xi64>)
// CHECK: ^bb0(%[[XI:.*]]: f32, %[[XJ:.*]]: f32, %[[COUNT:.*]]: i64):
// CHECK: %[[I:.*]] = linalg.index 1 : index
// CHECK: %[[J:.*]] = linalg.index 2 : index
// CHECK: %[[LESS:.*]] = arith.cmpf olt, %[[XJ]], %[[XI]] : f32
// CHECK: %[[EQUAL:.*]] = arith.cmpf oeq, %[[XJ]], %[[XI]] : f32
// CHECK: %[[EARLIER:.*]] = arith.cmpi slt, %[[J]], %[[I]] : index
// CHECK: %[[BEFORE:.*]] = arith.ori
// CHECK: %[[ONE:.*]] = arith.extui %[[BEFORE]] : i1 to i64
// CHECK: arith.addi %[[COUNT]], %[[ONE]] : i64
// CHECK: %[[SORTED:.*]]:2 = linalg.generic {indexing_maps = [#[[ALONG]], #[[ALONG]], #[[ID]], #[[ID]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%[[X]], %[[RANKS]] : tensor<3x4xf32>, tensor<3x4xi64>)
// CHECK: ^bb0(%[[V:.*]]: f32, %[[RANK:.*]]: i64, %[[ACC:.*]]: f32, %[[ACC_I:.*]]: i64):
// CHECK: %[[SRC:.*]] = arith.index_cast %{{.*}} : index to i64
// CHECK: %[[POS:.*]] = arith.index_cast %{{.*}} : index to i64
// CHECK: %[[HIT:.*]] = arith.cmpi eq, %[[RANK]], %[[POS]] : i64
// CHECK: %[[VAL:.*]] = arith.select %[[HIT]], %[[V]], %[[ACC]] : f32
// CHECK: %[[IDX:.*]] = arith.select %[[HIT]], %[[SRC]], %[[ACC_I]] : i64
// CHECK: linalg.yield %[[VAL]], %[[IDX]] : f32, i64
// CHECK: return %[[SORTED]]#0, %[[SORTED]]#1
func.func @sort$ascending(%x: tensor<3x4xf32>) -> (tensor<3x4xf32>, tensor<3x4xi64>) {
  %v, %i = "tsm.sort"(%x) {dim = -1 : i64, descending = false} : (tensor<3x4xf32>) -> (tensor<3x4xf32>, tensor<3x4xi64>)
  return %v, %i : tensor<3x4xf32>, tensor<3x4xi64>
}

// -----

// topk: one pass per slice (scf.for over the kept dims, then along dim)
// keeping the best k in order; k is checked against a dynamic dim at run
// time.  The last kept value and whether it is set are loop-carried, so an
// element that does not make the cut costs one comparison (here descending:
// sgt); a taken one shifts the later kept ones down (scf.while, an empty
// place has index -1) and goes in their place.
// CHECK-LABEL: func.func @topk$dynamic
// CHECK-SAME: (%[[X:.*]]: tensor<?x5xi32>)
// CHECK-DAG: %[[NONE:.*]] = arith.constant -1 : i64
// CHECK-DAG: %[[K:.*]] = arith.constant 2 : index
// CHECK: %[[N:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x5xi32>
// CHECK: %[[FITS:.*]] = arith.cmpi sge, %[[N]], %[[K]] : index
// CHECK: cf.assert %[[FITS]], "{{.*}}tsm.topk: k=2 is out of range for the size of the dim"
// CHECK: %[[SLICES:.*]]:2 = scf.for %[[COL:.*]] = %{{.*}} to %{{.*}} step
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[VALUES:.*]] = %{{.*}}, %[[INDICES:.*]] = %{{.*}}, %[[LAST:.*]] = %{{.*}}, %[[FULL:.*]] = %{{.*}}) -> (tensor<2x5xi32>, tensor<2x5xi64>, i32, i1)
// CHECK: %[[V:.*]] = tensor.extract %[[X]][%[[I]], %[[COL]]] : tensor<?x5xi32>
// CHECK: %[[BEATS:.*]] = arith.cmpi sgt, %[[V]], %[[LAST]] : i32
// CHECK: %[[TAKE:.*]] = arith.ori %{{.*}}, %[[BEATS]] : i1
// CHECK: scf.if %[[TAKE]]
// CHECK: scf.while
// CHECK: arith.cmpi eq, %{{.*}}, %[[NONE]] : i64
// CHECK: arith.cmpi sgt, %[[V]], %{{.*}} : i32
// CHECK: tensor.insert %[[V]] into
// CHECK: } else {
// CHECK: scf.yield %[[VALUES]], %[[INDICES]], %[[LAST]], %[[FULL]]
// CHECK: return %[[SLICES]]#0, %[[SLICES]]#1
func.func @topk$dynamic(%x: tensor<?x5xi32>) -> (tensor<2x5xi32>, tensor<2x5xi64>) {
  %v, %i = "tsm.topk"(%x) {k = 2 : i64, dim = 0 : i64} : (tensor<?x5xi32>) -> (tensor<2x5xi32>, tensor<2x5xi64>)
  return %v, %i : tensor<2x5xi32>, tensor<2x5xi64>
}

// -----

// kthvalue reduces the dim: the select generic wants rank k - 1; keepdim
// re-inserts the dim.
// CHECK-DAG: #[[KEPT:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @kthvalue$keepdim
// CHECK: %[[K:.*]] = arith.constant 1 : i64
// CHECK: %[[RANKS:.*]] = linalg.generic
// CHECK: %[[KTH:.*]]:2 = linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}, #[[KEPT]], #[[KEPT]]], iterator_types = ["parallel", "reduction"]}
// CHECK: ^bb0(%{{.*}}: f32, %[[RANK:.*]]: i64, %{{.*}}: f32, %{{.*}}: i64):
// CHECK: arith.cmpi eq, %[[RANK]], %[[K]] : i64
// CHECK: tensor.expand_shape %[[KTH]]#0 {{\[}}[0, 1]] output_shape [3, 1] : tensor<3xf32> into tensor<3x1xf32>
// CHECK: tensor.expand_shape %[[KTH]]#1 {{\[}}[0, 1]] output_shape [3, 1] : tensor<3xi64> into tensor<3x1xi64>
func.func @kthvalue$keepdim(%x: tensor<3x4xf32>) -> (tensor<3x1xf32>, tensor<3x1xi64>) {
  %v, %i = "tsm.kthvalue"(%x) {k = 2 : i64, dim = 1 : i64, keepdim = true} : (tensor<3x4xf32>) -> (tensor<3x1xf32>, tensor<3x1xi64>)
  return %v, %i : tensor<3x1xf32>, tensor<3x1xi64>
}

// -----

// median of a short static dim: the wanted rank (n - 1) / 2, and a NaN of the
// slice wins over the element of that rank (an earlier NaN over a later one).
// CHECK-LABEL: func.func @median$static
// CHECK-DAG: %[[WANTED:.*]] = arith.constant 2 : i64
// CHECK: linalg.generic
// CHECK: linalg.generic
// CHECK: ^bb0(%[[V:.*]]: f32, %[[RANK:.*]]: i64, %[[ACC:.*]]: f32, %{{.*}}: i64):
// CHECK: %[[HIT:.*]] = arith.cmpi eq, %[[RANK]], %[[WANTED]] : i64
// CHECK: %[[ACC_NUM:.*]] = arith.cmpf ord, %[[ACC]], %[[ACC]] : f32
// CHECK: %[[V_NAN:.*]] = arith.cmpf uno, %[[V]], %[[V]] : f32
// CHECK: %[[NAN_WINS:.*]] = arith.andi %[[V_NAN]]
// CHECK: %[[RANK_WINS:.*]] = arith.andi %[[HIT]], %[[ACC_NUM]] : i1
// CHECK: %[[TAKE:.*]] = arith.ori %[[NAN_WINS]], %[[RANK_WINS]] : i1
// CHECK: arith.select %[[TAKE]], %[[V]], %[[ACC]] : f32
func.func @median$static(%x: tensor<5xf32>) -> (tensor<f32>, tensor<i64>) {
  %v, %i = "tsm.median"(%x) {dim = 0 : i64} : (tensor<5xf32>) -> (tensor<f32>, tensor<i64>)
  return %v, %i : tensor<f32>, tensor<i64>
}

// -----

// median of a dynamic dim: a non-empty check; each slice wants sorted
// position (n - 1) / 2, or n - (number of NaNs), the first NaN, when there is
// one; the slice is merge sorted and the wanted position picked.
// CHECK-LABEL: func.func @median$dynamic
// CHECK-SAME: (%[[X:.*]]: tensor<?xf32>)
// CHECK: %[[N:.*]] = tensor.dim %[[X]]
// CHECK: %[[NONEMPTY:.*]] = arith.cmpi ne, %[[N]], %{{.*}} : index
// CHECK: cf.assert %[[NONEMPTY]], "{{.*}}tsm.median: expected a non-empty dim"
// CHECK: %[[LAST:.*]] = arith.subi %[[N]], %{{.*}} : index
// CHECK: %[[HALF:.*]] = arith.divui %[[LAST]], %{{.*}} : index
// CHECK: %[[MIDDLE:.*]] = arith.index_cast %[[HALF]] : index to i64
// CHECK: %[[N64:.*]] = arith.index_cast %[[N]] : index to i64
// CHECK: %[[NANS:.*]] = linalg.generic {{.*}} ins(%[[X]] : tensor<?xf32>) outs(%{{.*}} : tensor<i64>)
// CHECK: arith.cmpf uno
// CHECK: %[[WANTED:.*]] = linalg.generic {{.*}} ins(%[[NANS]] : tensor<i64>)
// CHECK: ^bb0(%[[COUNT:.*]]: i64, %{{.*}}: i64):
// CHECK: %[[ANY:.*]] = arith.cmpi sgt, %[[COUNT]], %{{.*}} : i64
// CHECK: %[[FIRST_NAN:.*]] = arith.subi %[[N64]], %[[COUNT]] : i64
// CHECK: arith.select %[[ANY]], %[[FIRST_NAN]], %[[MIDDLE]] : i64
// CHECK: %[[SORTED:.*]]:4 = scf.for
// CHECK: linalg.generic {{.*}} ins(%[[SORTED]]#0, %[[SORTED]]#1, %[[WANTED]] : tensor<?xf32>, tensor<?xi64>, tensor<i64>)
// CHECK: ^bb0(%[[KEY:.*]]: f32, %[[FROM:.*]]: i64, %[[TARGET:.*]]: i64, %[[ACC:.*]]: f32, %[[ACC_I:.*]]: i64):
// CHECK: %[[HERE:.*]] = arith.index_cast %{{.*}} : index to i64
// CHECK: %[[HIT:.*]] = arith.cmpi eq, %[[HERE]], %[[TARGET]] : i64
// CHECK: arith.select %[[HIT]], %[[KEY]], %[[ACC]] : f32
// CHECK: arith.select %[[HIT]], %[[FROM]], %[[ACC_I]] : i64
func.func @median$dynamic(%x: tensor<?xf32>) -> (tensor<f32>, tensor<i64>) {
  %v, %i = "tsm.median"(%x) {dim = 0 : i64} : (tensor<?xf32>) -> (tensor<f32>, tensor<i64>)
  return %v, %i : tensor<f32>, tensor<i64>
}

// -----

// A 0-d input is one element along dim 0; bool compares unsigned.
// CHECK-LABEL: func.func @sort$zero_d_bool
// CHECK: %[[ONE:.*]] = tensor.expand_shape %{{.*}} [] output_shape [1] : tensor<i1> into tensor<1xi1>
// CHECK: arith.cmpi ugt, %{{.*}}, %{{.*}} : i1
// CHECK: %[[SORTED:.*]]:2 = linalg.generic
// CHECK: tensor.collapse_shape %[[SORTED]]#0 [] : tensor<1xi1> into tensor<i1>
// CHECK: tensor.collapse_shape %[[SORTED]]#1 [] : tensor<1xi64> into tensor<i64>
func.func @sort$zero_d_bool(%x: tensor<i1>) -> (tensor<i1>, tensor<i64>) {
  %v, %i = "tsm.sort"(%x) {dim = 0 : i64, descending = true} : (tensor<i1>) -> (tensor<i1>, tensor<i64>)
  return %v, %i : tensor<i1>, tensor<i64>
}

// -----

// nanmedian: NaNs rank last, so the wanted rank of each slice is
// (m - 1) floordiv 2 for its m = n - (number of NaNs) other elements (a
// tensor read along the kept dims); a slice of only NaN selects nothing and
// keeps the NaN fill.
// CHECK-LABEL: func.func @nanmedian$rows
// CHECK-SAME: (%[[X:.*]]: tensor<3x4xf32>)
// CHECK-DAG: %[[NAN:.*]] = arith.constant 0x7FC00000 : f32
// CHECK-DAG: %[[N:.*]] = arith.constant 4 : i64
// CHECK: %[[NANS:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%[[X]] : tensor<3x4xf32>) outs(%{{.*}} : tensor<3xi64>)
// CHECK: %[[IS_NAN:.*]] = arith.cmpf uno, %{{.*}}, %{{.*}} : f32
// CHECK: arith.extui %[[IS_NAN]] : i1 to i64
// CHECK: %[[WANTED:.*]] = linalg.generic {{.*}} ins(%[[NANS]] : tensor<3xi64>)
// CHECK: ^bb0(%[[COUNT:.*]]: i64, %{{.*}}: i64):
// CHECK: %[[M:.*]] = arith.subi %[[N]], %[[COUNT]] : i64
// CHECK: %[[LAST:.*]] = arith.subi %[[M]], %{{.*}} : i64
// CHECK: arith.floordivsi %[[LAST]], %{{.*}} : i64
// CHECK: %[[RANKS:.*]] = linalg.generic
// CHECK: %[[FILL:.*]] = linalg.fill ins(%[[NAN]] : f32) outs(%{{.*}} : tensor<3xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[X]], %[[RANKS]], %[[WANTED]] : tensor<3x4xf32>, tensor<3x4xi64>, tensor<3xi64>) outs(%[[FILL]], %{{.*}} : tensor<3xf32>, tensor<3xi64>)
// CHECK: ^bb0(%{{.*}}: f32, %[[RANK:.*]]: i64, %[[TARGET:.*]]: i64, %{{.*}}: f32, %{{.*}}: i64):
// CHECK: arith.cmpi eq, %[[RANK]], %[[TARGET]] : i64
func.func @nanmedian$rows(%x: tensor<3x4xf32>) -> (tensor<3xf32>, tensor<3xi64>) {
  %v, %i = "tsm.nanmedian"(%x) {dim = 1 : i64} : (tensor<3x4xf32>) -> (tensor<3xf32>, tensor<3xi64>)
  return %v, %i : tensor<3xf32>, tensor<3xi64>
}

// -----

// A dynamic (or longer than 32) dim merge sorts: runs of 64 sorted first by
// insertion in a copy of x (a taken element shifts the earlier ones it
// strictly precedes), then passes of doubling width in pairs, between the
// keys/positions and a spare pair of buffers (bufferization.alloc_tensor:
// never one buffer), a loop over the other dims, one over the run pairs,
// and a stable merge reading keys and original positions (the right element
// goes first only if it strictly precedes: ties keep the left).
// CHECK-LABEL: func.func @sort$merge
// CHECK-SAME: (%[[X:.*]]: tensor<2x?xf32>)
// CHECK: %[[COPY:.*]] = linalg.copy {{.*}} ins(%[[X]] : tensor<2x?xf32>)
// CHECK: %[[IOTA:.*]] = linalg.generic
// CHECK: linalg.index 1 : index
// CHECK: %[[RUNS:.*]]:2 = scf.for {{.*}} iter_args(%{{.*}} = %[[COPY]], %{{.*}} = %[[IOTA]])
// CHECK: scf.while
// CHECK: arith.cmpf ogt
// CHECK: tensor.insert
// CHECK-DAG: %[[SPARE_K:.*]] = bufferization.alloc_tensor(%{{.*}}) : tensor<2x?xf32>
// CHECK-DAG: %[[SPARE_P:.*]] = bufferization.alloc_tensor(%{{.*}}) : tensor<2x?xi64>
// CHECK: %[[COUNT:.*]]:2 = scf.while
// CHECK: %[[PAIRS:.*]]:4 = scf.for %{{.*}} = %{{.*}} to %[[COUNT]]#0 step %{{.*}} iter_args(%[[KEYS:.*]] = %[[RUNS]]#0, %[[POS:.*]] = %[[RUNS]]#1, %{{.*}} = %[[SPARE_K]], %{{.*}} = %[[SPARE_P]])
// CHECK: scf.for %[[ROW:.*]] = %{{.*}} to %{{.*}} step
// CHECK: scf.for %[[START:.*]] = %{{.*}} to %{{.*}} step
// CHECK: scf.while
// CHECK: %[[LEFT:.*]] = tensor.extract %[[KEYS]][%[[ROW]], %{{.*}}] : tensor<2x?xf32>
// CHECK: %[[LEFT_POS:.*]] = tensor.extract %[[POS]][%[[ROW]], %{{.*}}] : tensor<2x?xi64>
// CHECK: %[[RIGHT:.*]] = tensor.extract %[[KEYS]][%[[ROW]], %{{.*}}] : tensor<2x?xf32>
// CHECK: arith.cmpf ogt, %[[RIGHT]], %[[LEFT]] : f32
// CHECK: %[[KEY:.*]] = arith.select %[[TAKE_LEFT:.*]], %[[LEFT]], %[[RIGHT]] : f32
// CHECK-NEXT: tensor.insert %[[KEY]] into
// CHECK-NEXT: %[[FROM:.*]] = arith.select %[[TAKE_LEFT]], %[[LEFT_POS]], %{{.*}} : i64
// CHECK-NEXT: tensor.insert %[[FROM]] into
// CHECK: return %[[PAIRS]]#0, %[[PAIRS]]#1
func.func @sort$merge(%x: tensor<2x?xf32>) -> (tensor<2x?xf32>, tensor<2x?xi64>) {
  %v, %i = "tsm.sort"(%x) {dim = 1 : i64, descending = true} : (tensor<2x?xf32>) -> (tensor<2x?xf32>, tensor<2x?xi64>)
  return %v, %i : tensor<2x?xf32>, tensor<2x?xi64>
}

// -----

// topk with k above 64 keeps the first k of the merge sort (same order).
// CHECK-LABEL: func.func @topk$large_k
// CHECK: %[[SORTED:.*]]:4 = scf.for
// CHECK: tensor.extract_slice %[[SORTED]]#0[0, 0] [4, 70] [1, 1] : tensor<4x100xf32> to tensor<4x70xf32>
// CHECK: tensor.extract_slice %[[SORTED]]#1[0, 0] [4, 70] [1, 1] : tensor<4x100xi64> to tensor<4x70xi64>
func.func @topk$large_k(%x: tensor<4x100xf32>) -> (tensor<4x70xf32>, tensor<4x70xi64>) {
  %v, %i = "tsm.topk"(%x) {k = 70 : i64, dim = 1 : i64} : (tensor<4x100xf32>) -> (tensor<4x70xf32>, tensor<4x70xi64>)
  return %v, %i : tensor<4x70xf32>, tensor<4x70xi64>
}

// -----

// searchsorted is PyTorch's binary search, one per value in scalar loops:
// [lo, hi) halves, going right past an element when !(e > x) with `right`
// (unordered compare, as PyTorch's !(e > x)); N-d rows pair by leading dims,
// checked at run time when dynamic.
// CHECK-LABEL: func.func @searchsorted$rows
// CHECK-SAME: (%[[S:.*]]: tensor<?x5xf32>, %[[V:.*]]: tensor<?x3xf32>)
// CHECK-DAG: %[[M:.*]] = arith.constant 5 : index
// CHECK: %[[ROWS:.*]] = tensor.dim %[[S]]
// CHECK: %[[VROWS:.*]] = tensor.dim %[[V]]
// CHECK: %[[SAME:.*]] = arith.cmpi eq, %[[ROWS]], %[[VROWS]] : index
// CHECK: cf.assert %[[SAME]], "{{.*}}tsm.searchsorted: the sorted sequence and the values differ in dim 0"
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %{{.*}}) -> (tensor<?x3xi64>)
// CHECK: scf.for %[[J:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[OUT:.*]] = %{{.*}}) -> (tensor<?x3xi64>)
// CHECK: %[[X:.*]] = tensor.extract %[[V]][%[[I]], %[[J]]] : tensor<?x3xf32>
// CHECK: %[[FOUND:.*]]:2 = scf.while (%[[LO0:.*]] = %{{.*}}, %[[HI0:.*]] = %[[M]])
// CHECK: ^bb0(%[[LO:.*]]: index, %[[HI:.*]]: index):
// CHECK: %[[HALF:.*]] = arith.shrui %{{.*}}, %{{.*}} : index
// CHECK: %[[MID:.*]] = arith.addi %[[LO]], %[[HALF]] : index
// CHECK: %[[E:.*]] = tensor.extract %[[S]][%[[I]], %[[MID]]] : tensor<?x5xf32>
// CHECK: %[[RIGHT:.*]] = arith.cmpf ule, %[[E]], %[[X]] : f32
// CHECK: %[[NEXT:.*]] = arith.addi %[[MID]], %{{.*}} : index
// CHECK: arith.select %[[RIGHT]], %[[NEXT]], %[[LO]] : index
// CHECK: arith.select %[[RIGHT]], %[[HI]], %[[MID]] : index
// CHECK: %[[POS:.*]] = arith.index_cast %[[FOUND]]#0 : index to i64
// CHECK: tensor.insert %[[POS]] into %[[OUT]][%[[I]], %[[J]]] : tensor<?x3xi64>
func.func @searchsorted$rows(%s: tensor<?x5xf32>, %v: tensor<?x3xf32>) -> tensor<?x3xi64> {
  %0 = "tsm.searchsorted"(%s, %v) {right = true} : (tensor<?x5xf32>, tensor<?x3xf32>) -> tensor<?x3xi64>
  return %0 : tensor<?x3xi64>
}

// -----

// bucketize: a 1-d sequence serves every value; out_int32 gives i32.
// CHECK-LABEL: func.func @searchsorted$one_row_int32
// CHECK-SAME: (%[[B:.*]]: tensor<4xi32>, %{{.*}}: tensor<2x3xi32>)
// CHECK: scf.while
// CHECK: tensor.extract %[[B]][%{{.*}}] : tensor<4xi32>
// CHECK: arith.cmpi slt, %{{.*}}, %{{.*}} : i32
// CHECK: arith.index_cast %{{.*}} : index to i32
func.func @searchsorted$one_row_int32(%b: tensor<4xi32>, %x: tensor<2x3xi32>) -> tensor<2x3xi32> {
  %0 = "tsm.searchsorted"(%b, %x) {out_int32 = true} : (tensor<4xi32>, tensor<2x3xi32>) -> tensor<2x3xi32>
  return %0 : tensor<2x3xi32>
}

// -----

// uint8 sorts as zero-extended i32 and its values convert back.
// CHECK-LABEL: func.func @sort$uint8
// CHECK: %[[WIDE:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<4xui8>) outs(%{{.*}} : tensor<4xi32>)
// CHECK: arith.extui %{{.*}} : i8 to i32
// CHECK: %[[RANKS:.*]] = linalg.generic {{.*}} ins(%[[WIDE]], %[[WIDE]] : tensor<4xi32>, tensor<4xi32>)
// CHECK: arith.cmpi slt, %{{.*}}, %{{.*}} : i32
// CHECK: %[[SORTED:.*]]:2 = linalg.generic {{.*}} ins(%[[WIDE]], %[[RANKS]] : tensor<4xi32>, tensor<4xi64>)
// CHECK: %[[NARROW:.*]] = linalg.generic {{.*}} ins(%[[SORTED]]#0 : tensor<4xi32>) outs(%{{.*}} : tensor<4xui8>)
// CHECK: arith.trunci %{{.*}} : i32 to i8
// CHECK: return %[[NARROW]], %[[SORTED]]#1
func.func @sort$uint8(%x: tensor<4xui8>) -> (tensor<4xui8>, tensor<4xi64>) {
  %v, %i = "tsm.sort"(%x) {dim = 0 : i64} : (tensor<4xui8>) -> (tensor<4xui8>, tensor<4xi64>)
  return %v, %i : tensor<4xui8>, tensor<4xi64>
}
