// RUN: tsmlir-opt %s --split-input-file --tsm-lower-sort | filecheck %s

// sort: each slice (a loop over the other dims) sorted by integer keys.  An
// element's key is its bits with the sign bit flipped (every bit, for a
// negative one), -0.0 that of +0.0 and a NaN the greatest; it goes above the
// element's position in one int64, so items are distinct and ties already
// broken by position.  A short static slice (here 4) sorts them by insertion
// (unsigned compares), then the values are read from x at the sorted
// positions (the low 32 bits).
// CHECK-LABEL: func.func @sort$ascending
// CHECK-SAME: (%[[X:.*]]: tensor<3x4xf32>)
// CHECK-DAG: %[[LOW:.*]] = arith.constant 4294967295 : i64
// CHECK-DAG: %[[ALL:.*]] = arith.constant -1 : i32
// CHECK-DAG: %[[SIGN:.*]] = arith.constant -2147483648 : i32
// CHECK: %[[SLICES:.*]]:3 = scf.for %[[ROW:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[VALUES:.*]] = %{{.*}}, %[[POSITIONS:.*]] = %{{.*}}, %[[SCRATCH:.*]] = %{{.*}}) -> (tensor<3x4xf32>, tensor<3x4xi64>, tensor<4xi64>)
// CHECK: %[[ITEMS:.*]] = scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[HELD:.*]] = %[[SCRATCH]])
// CHECK: %[[V:.*]] = tensor.extract %[[X]][%[[ROW]], %[[I]]] : tensor<3x4xf32>
// CHECK: %[[BITS:.*]] = arith.bitcast %[[V]] : f32 to i32
// CHECK: %[[NEG:.*]] = arith.shrsi %[[BITS]], %{{.*}} : i32
// CHECK: %[[FLIP:.*]] = arith.ori %[[NEG]], %[[SIGN]] : i32
// CHECK: %[[KEY:.*]] = arith.xori %[[BITS]], %[[FLIP]] : i32
// CHECK: %[[ZERO:.*]] = arith.cmpf oeq, %[[V]], %{{.*}} : f32
// CHECK: %[[KEY2:.*]] = arith.select %[[ZERO]], %[[SIGN]], %[[KEY]] : i32
// CHECK: %[[NAN:.*]] = arith.cmpf uno, %[[V]], %[[V]] : f32
// CHECK: %[[KEY3:.*]] = arith.select %[[NAN]], %[[ALL]], %[[KEY2]] : i32
// CHECK: %[[POS:.*]] = arith.index_cast %[[I]] : index to i64
// CHECK: %[[WIDE:.*]] = arith.extui %[[KEY3]] : i32 to i64
// CHECK: %[[HIGH:.*]] = arith.shli %[[WIDE]], %{{.*}} : i64
// CHECK: %[[ITEM:.*]] = arith.ori %[[HIGH]], %[[POS]] : i64
// CHECK: tensor.insert %[[ITEM]] into %[[HELD]][%[[I]]] : tensor<4xi64>
// CHECK: %[[SORTED:.*]] = scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %[[ITEMS]]) -> (tensor<4xi64>)
// CHECK: scf.while
// CHECK: arith.cmpi ugt, %{{.*}}, %{{.*}} : i64
// CHECK: scf.for %[[O:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[VS:.*]] = %[[VALUES]], %[[PS:.*]] = %[[POSITIONS]])
// CHECK: %[[OWN:.*]] = tensor.extract %[[SORTED]][%[[O]]] : tensor<4xi64>
// CHECK: %[[FROM:.*]] = arith.andi %[[OWN]], %[[LOW]] : i64
// CHECK: %[[AT:.*]] = arith.index_cast %[[FROM]] : i64 to index
// CHECK: %[[VALUE:.*]] = tensor.extract %[[X]][%[[ROW]], %[[AT]]] : tensor<3x4xf32>
// CHECK: tensor.insert %[[VALUE]] into %[[VS]][%[[ROW]], %[[O]]] : tensor<3x4xf32>
// CHECK: tensor.insert %[[FROM]] into %[[PS]][%[[ROW]], %[[O]]] : tensor<3x4xi64>
// CHECK: return %[[SLICES]]#0, %[[SLICES]]#1
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

// kthvalue reduces the dim: a generic picks position k - 1 of each sorted
// slice; keepdim re-inserts the dim.
// CHECK-DAG: #[[KEPT:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @kthvalue$keepdim
// CHECK: %[[K:.*]] = arith.constant 1 : i64
// CHECK: %[[SORTED:.*]]:3 = scf.for
// CHECK: %[[KTH:.*]]:2 = linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}, #[[KEPT]], #[[KEPT]]], iterator_types = ["parallel", "reduction"]}
// CHECK-SAME: ins(%[[SORTED]]#0, %[[SORTED]]#1 : tensor<3x4xf32>, tensor<3x4xi64>)
// CHECK: %[[HERE:.*]] = arith.index_cast %{{.*}} : index to i64
// CHECK: arith.cmpi eq, %[[HERE]], %[[K]] : i64
// CHECK: tensor.expand_shape %[[KTH]]#0 {{\[}}[0, 1]] output_shape [3, 1] : tensor<3xf32> into tensor<3x1xf32>
// CHECK: tensor.expand_shape %[[KTH]]#1 {{\[}}[0, 1]] output_shape [3, 1] : tensor<3xi64> into tensor<3x1xi64>
func.func @kthvalue$keepdim(%x: tensor<3x4xf32>) -> (tensor<3x1xf32>, tensor<3x1xi64>) {
  %v, %i = "tsm.kthvalue"(%x) {k = 2 : i64, dim = 1 : i64, keepdim = true} : (tensor<3x4xf32>) -> (tensor<3x1xf32>, tensor<3x1xi64>)
  return %v, %i : tensor<3x1xf32>, tensor<3x1xi64>
}

// -----

// median of a static dim: each slice wants sorted position (n - 1) / 2, or
// the first NaN (position n - number of NaNs) when it has one.
// CHECK-LABEL: func.func @median$static
// CHECK-DAG: %[[MIDDLE:.*]] = arith.constant 2 : i64
// CHECK-DAG: %[[N:.*]] = arith.constant 5 : i64
// CHECK: %[[NANS:.*]] = linalg.generic
// CHECK: arith.cmpf uno
// CHECK: %[[WANTED:.*]] = linalg.generic {{.*}} ins(%[[NANS]] : tensor<i64>)
// CHECK: ^bb0(%[[COUNT:.*]]: i64, %{{.*}}: i64):
// CHECK: %[[ANY:.*]] = arith.cmpi sgt, %[[COUNT]], %{{.*}} : i64
// CHECK: %[[FIRST_NAN:.*]] = arith.subi %[[N]], %[[COUNT]] : i64
// CHECK: arith.select %[[ANY]], %[[FIRST_NAN]], %[[MIDDLE]] : i64
// CHECK: %[[SORTED:.*]]:2 = scf.for {{.*}} -> (tensor<5xf32>, tensor<5xi64>)
// CHECK: linalg.generic {{.*}} ins(%[[SORTED]]#0, %[[SORTED]]#1, %[[WANTED]] : tensor<5xf32>, tensor<5xi64>, tensor<i64>)
func.func @median$static(%x: tensor<5xf32>) -> (tensor<f32>, tensor<i64>) {
  %v, %i = "tsm.median"(%x) {dim = 0 : i64} : (tensor<5xf32>) -> (tensor<f32>, tensor<i64>)
  return %v, %i : tensor<f32>, tensor<i64>
}

// -----

// median of a dynamic dim: a non-empty check; each slice wants sorted
// position (n - 1) / 2, or n - (number of NaNs), the first NaN, when there is
// one; the slice is sorted (radix: a dynamic size) and the wanted position
// picked.
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
// CHECK: %[[SORTED:.*]]:2 = scf.for {{.*}} -> (tensor<?xf32>, tensor<?xi64>)
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

// A 0-d input is one element along dim 0; a bool's key is its zero-extended
// bit (descending: complemented).
// CHECK-LABEL: func.func @sort$zero_d_bool
// CHECK: %[[ONE:.*]] = tensor.expand_shape %{{.*}} [] output_shape [1] : tensor<i1> into tensor<1xi1>
// CHECK: %[[KEY:.*]] = arith.extui %{{.*}} : i1 to i32
// CHECK: arith.xori %[[KEY]], %{{.*}} : i32
// CHECK: %[[SORTED:.*]]:2 = scf.for
// CHECK: tensor.collapse_shape %[[SORTED]]#0 [] : tensor<1xi1> into tensor<i1>
// CHECK: tensor.collapse_shape %[[SORTED]]#1 [] : tensor<1xi64> into tensor<i64>
func.func @sort$zero_d_bool(%x: tensor<i1>) -> (tensor<i1>, tensor<i64>) {
  %v, %i = "tsm.sort"(%x) {dim = 0 : i64, descending = true} : (tensor<i1>) -> (tensor<i1>, tensor<i64>)
  return %v, %i : tensor<i1>, tensor<i64>
}

// -----

// nanmedian: NaNs sort last, so the wanted position of each slice is
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
// CHECK: %[[SORTED:.*]]:3 = scf.for
// CHECK: %[[FILL:.*]] = linalg.fill ins(%[[NAN]] : f32) outs(%{{.*}} : tensor<3xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[SORTED]]#0, %[[SORTED]]#1, %[[WANTED]] : tensor<3x4xf32>, tensor<3x4xi64>, tensor<3xi64>) outs(%[[FILL]], %{{.*}} : tensor<3xf32>, tensor<3xi64>)
// CHECK: ^bb0(%{{.*}}: f32, %{{.*}}: i64, %[[TARGET:.*]]: i64, %{{.*}}: f32, %{{.*}}: i64):
// CHECK: %[[HERE:.*]] = arith.index_cast %{{.*}} : index to i64
// CHECK: arith.cmpi eq, %[[HERE]], %[[TARGET]] : i64
func.func @nanmedian$rows(%x: tensor<3x4xf32>) -> (tensor<3xf32>, tensor<3xi64>) {
  %v, %i = "tsm.nanmedian"(%x) {dim = 1 : i64} : (tensor<3x4xf32>) -> (tensor<3xf32>, tensor<3xi64>)
  return %v, %i : tensor<3xf32>, tensor<3xi64>
}

// -----

// A longer (or dynamic) slice radix sorts.  Its scratch (two item buffers
// and 4 x 256 counts: bufferization.alloc_tensor, never one buffer) is made
// once and carried through the loop over the other dims.  Per slice: the
// counts cleared; one pass writes the items (here descending: the key
// complemented) and counts the four 8-bit digits of each key (bits 32-63 of
// the item); one loop over the buckets turns the counts into offsets, the
// digits side by side, noting a digit whose one bucket holds all n items;
// then per digit, lowest first, either a copy (that digit is shared) or a
// stable pass that moves each item to its bucket's next place, the buffers
// swapping; four passes leave the items in the first buffer.
// CHECK-LABEL: func.func @sort$radix
// CHECK-SAME: (%[[X:.*]]: tensor<2x?xf32>)
// CHECK: %[[SHORT:.*]] = arith.cmpi ule, %[[N:.*]], %{{.*}} : index
// CHECK: cf.assert %[[SHORT]], "{{.*}}sort: a slice of more than 2^32 elements"
// CHECK-DAG: %[[A:.*]] = bufferization.alloc_tensor(%[[N]]) : tensor<?xi64>
// CHECK-DAG: %[[B:.*]] = bufferization.alloc_tensor(%[[N]]) : tensor<?xi64>
// CHECK-DAG: %[[COUNTS:.*]] = bufferization.alloc_tensor() : tensor<1024xi64>
// CHECK: %[[SLICES:.*]]:5 = scf.for %[[ROW:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}, %[[A0:.*]] = %[[A]], %[[B0:.*]] = %[[B]], %[[C0:.*]] = %[[COUNTS]])
// CHECK: %[[CLEAR:.*]] = linalg.fill ins(%{{.*}} : i64) outs(%[[C0]] : tensor<1024xi64>)
// CHECK: %[[KEYS:.*]]:2 = scf.for %{{.*}} = %{{.*}} to %[[N]] step %{{.*}} iter_args(%{{.*}} = %[[A0]], %{{.*}} = %[[CLEAR]])
// CHECK: arith.xori %{{.*}}, %{{.*}} : i32
// CHECK: %[[ITEM:.*]] = arith.ori
// CHECK: arith.shrui %[[ITEM]], %{{.*}} : i64
// CHECK: arith.shrui %[[ITEM]], %{{.*}} : i64
// CHECK: arith.shrui %[[ITEM]], %{{.*}} : i64
// CHECK: arith.shrui %[[ITEM]], %{{.*}} : i64
// CHECK: %[[OFFSETS:.*]]:9 = scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %[[KEYS]]#1, {{.*}}) -> (tensor<1024xi64>, i64, i64, i64, i64, i1, i1, i1, i1)
// CHECK: %[[P1:.*]]:2 = scf.if %[[OFFSETS]]#5 -> (tensor<?xi64>, tensor<1024xi64>)
// CHECK: linalg.copy {{.*}} ins(%[[KEYS]]#0 : tensor<?xi64>) outs(%[[B0]] : tensor<?xi64>)
// CHECK: } else {
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[N]] step %{{.*}} iter_args(%[[TO:.*]] = %[[B0]], %[[PLACES:.*]] = %[[OFFSETS]]#0)
// CHECK: %[[MOVED:.*]] = tensor.extract %[[KEYS]]#0[%{{.*}}] : tensor<?xi64>
// CHECK: %[[DIGIT:.*]] = arith.shrui %[[MOVED]], %{{.*}} : i64
// CHECK: %[[PLACE:.*]] = tensor.extract %[[PLACES]][%{{.*}}] : tensor<1024xi64>
// CHECK: %[[NEXT:.*]] = arith.addi %[[PLACE]], %{{.*}} : i64
// CHECK: tensor.insert %[[NEXT]] into %[[PLACES]]
// CHECK: %[[TO_AT:.*]] = arith.index_cast %[[PLACE]] : i64 to index
// CHECK: tensor.insert %[[MOVED]] into %[[TO]][%[[TO_AT]]] : tensor<?xi64>
// CHECK: %[[P2:.*]]:2 = scf.if %[[OFFSETS]]#6
// CHECK: linalg.copy {{.*}} ins(%[[P1]]#0 : tensor<?xi64>) outs(%[[KEYS]]#0 : tensor<?xi64>)
// CHECK: %[[P3:.*]]:2 = scf.if %[[OFFSETS]]#7
// CHECK: %[[P4:.*]]:2 = scf.if %[[OFFSETS]]#8
// CHECK: linalg.copy {{.*}} ins(%[[P3]]#0 : tensor<?xi64>) outs(%[[P2]]#0 : tensor<?xi64>)
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[N]]
// CHECK: tensor.extract %[[P4]]#0[%{{.*}}] : tensor<?xi64>
// CHECK: tensor.extract %[[X]][%[[ROW]], %{{.*}}] : tensor<2x?xf32>
// CHECK: return %[[SLICES]]#0, %[[SLICES]]#1
func.func @sort$radix(%x: tensor<2x?xf32>) -> (tensor<2x?xf32>, tensor<2x?xi64>) {
  %v, %i = "tsm.sort"(%x) {dim = 1 : i64, descending = true} : (tensor<2x?xf32>) -> (tensor<2x?xf32>, tensor<2x?xi64>)
  return %v, %i : tensor<2x?xf32>, tensor<2x?xi64>
}

// -----

// A 64-bit key (int64: the bits with the sign flipped) cannot share an int64
// with its position: keys and positions travel in two arrays, eight digits
// (bits 0-63 of the key), 8 x 256 counts.
// CHECK-LABEL: func.func @sort$int64
// CHECK-SAME: (%[[X:.*]]: tensor<100xi64>)
// CHECK-DAG: %[[SIGN:.*]] = arith.constant -9223372036854775808 : i64
// CHECK: bufferization.alloc_tensor() : tensor<2048xi64>
// CHECK: %[[ITEMS:.*]]:3 = scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[K:.*]] = %{{.*}}, %[[P:.*]] = %{{.*}}, %{{.*}} = %{{.*}})
// CHECK: %[[V:.*]] = tensor.extract %[[X]][%[[I]]] : tensor<100xi64>
// CHECK: %[[KEY:.*]] = arith.xori %[[V]], %[[SIGN]] : i64
// CHECK: %[[POS:.*]] = arith.index_cast %[[I]] : index to i64
// CHECK: tensor.insert %[[KEY]] into %[[K]][%[[I]]]
// CHECK: tensor.insert %[[POS]] into %[[P]][%[[I]]]
// CHECK: scf.for {{.*}} -> (tensor<2048xi64>, i64, i64, i64, i64, i64, i64, i64, i64, i1, i1, i1, i1, i1, i1, i1, i1)
// CHECK-COUNT-8: scf.if
func.func @sort$int64(%x: tensor<100xi64>) -> (tensor<100xi64>, tensor<100xi64>) {
  %v, %i = "tsm.sort"(%x) {dim = 0 : i64} : (tensor<100xi64>) -> (tensor<100xi64>, tensor<100xi64>)
  return %v, %i : tensor<100xi64>, tensor<100xi64>
}

// -----

// topk with k above 64 keeps the first k of the sorted slices (same order).
// CHECK-LABEL: func.func @topk$large_k
// CHECK: %[[SORTED:.*]]:5 = scf.for
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

// uint8 sorts as zero-extended i32 (its key: the sign bit flipped) and its
// values convert back.
// CHECK-LABEL: func.func @sort$uint8
// CHECK: %[[WIDE:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<4xui8>) outs(%{{.*}} : tensor<4xi32>)
// CHECK: arith.extui %{{.*}} : i8 to i32
// CHECK: tensor.extract %[[WIDE]]
// CHECK: arith.xori %{{.*}}, %{{.*}} : i32
// CHECK: %[[SORTED:.*]]:2 = scf.for {{.*}} -> (tensor<4xi32>, tensor<4xi64>)
// CHECK: %[[NARROW:.*]] = linalg.generic {{.*}} ins(%[[SORTED]]#0 : tensor<4xi32>) outs(%{{.*}} : tensor<4xui8>)
// CHECK: arith.trunci %{{.*}} : i32 to i8
// CHECK: return %[[NARROW]], %[[SORTED]]#1
func.func @sort$uint8(%x: tensor<4xui8>) -> (tensor<4xui8>, tensor<4xi64>) {
  %v, %i = "tsm.sort"(%x) {dim = 0 : i64} : (tensor<4xui8>) -> (tensor<4xui8>, tensor<4xi64>)
  return %v, %i : tensor<4xui8>, tensor<4xi64>
}
