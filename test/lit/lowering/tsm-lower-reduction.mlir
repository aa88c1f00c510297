// RUN: tsmlir-opt %s --split-input-file --tsm-lower-reduction | filecheck %s

// The reduced dims become "reduction" iterators; the output map keeps the others.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[KEPT:.*]] = affine_map<(d0, d1, d2) -> (d1)>
// CHECK-LABEL: func.func @sum$dims
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[EMPTY:.*]] = tensor.empty() : tensor<3xf32>
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[EMPTY]] : tensor<3xf32>)
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[KEPT]]], iterator_types = ["reduction", "parallel", "reduction"]}
// CHECK-SAME: ins(%[[X]] : tensor<2x3x4xf32>) outs(%[[INIT]] : tensor<3xf32>)
// CHECK: ^bb0(%[[IN:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK: arith.addf %[[IN]], %[[ACC]] : f32
// CHECK: return %[[SUM]]
func.func @sum$dims(%x: tensor<2x3x4xf32>) -> tensor<3xf32> {
  %0 = "tsm.sum"(%x) {dims = array<i64: 0, -1>, keepdim = false} : (tensor<2x3x4xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// keepdim re-inserts the reduced dims with tensor.expand_shape; integer sums
// accumulate in i64.
// CHECK-LABEL: func.func @sum$keepdim_int
// CHECK: %[[ZERO:.*]] = arith.constant 0 : i64
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[ZERO]] : i64) outs(%{{.*}} : tensor<3xi64>)
// CHECK: %[[SUM:.*]] = linalg.generic
// CHECK-SAME: outs(%[[INIT]] : tensor<3xi64>)
// CHECK: ^bb0(%[[IN:.*]]: i32, %[[ACC:.*]]: i64):
// CHECK: %[[WIDE:.*]] = arith.extsi %[[IN]] : i32 to i64
// CHECK: arith.addi %[[WIDE]], %[[ACC]] : i64
// CHECK: tensor.expand_shape %[[SUM]] {{\[}}[0, 1, 2]] output_shape [1, 3, 1] : tensor<3xi64> into tensor<1x3x1xi64>
func.func @sum$keepdim_int(%x: tensor<2x3x4xi32>) -> tensor<1x3x1xi64> {
  %0 = "tsm.sum"(%x) {dims = array<i64: 0, 2>, keepdim = true} : (tensor<2x3x4xi32>) -> tensor<1x3x1xi64>
  return %0 : tensor<1x3x1xi64>
}

// -----

// Bools count as 0/1 in i64; reducing every dim gives a 0-d tensor.
// CHECK-DAG: #[[ALL:.*]] = affine_map<(d0) -> ()>
// CHECK-LABEL: func.func @sum$bool_all
// CHECK: tensor.empty() : tensor<i64>
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[ALL]]], iterator_types = ["reduction"]}
// CHECK: arith.extui %{{.*}} : i1 to i64
func.func @sum$bool_all(%x: tensor<5xi1>) -> tensor<i64> {
  %0 = "tsm.sum"(%x) {dims = array<i64: 0>} : (tensor<5xi1>) -> tensor<i64>
  return %0 : tensor<i64>
}

// -----

// mean divides by the static element count.
// CHECK-LABEL: func.func @mean$static
// CHECK: %[[COUNT:.*]] = arith.constant 1.200000e+01 : f32
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} iterator_types = ["reduction", "reduction"]
// CHECK: linalg.generic {{.*}} ins(%[[SUM]] : tensor<f32>)
// CHECK: arith.divf %{{.*}}, %[[COUNT]] : f32
func.func @mean$static(%x: tensor<3x4xf32>) -> tensor<f32> {
  %0 = "tsm.mean"(%x) {dims = array<i64: 0, 1>, keepdim = false} : (tensor<3x4xf32>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// A dynamic reduced dim: the count is computed at run time from tensor.dim.
// CHECK-LABEL: func.func @mean$dynamic
// CHECK-SAME: (%[[X:.*]]: tensor<?x10xf32>)
// CHECK: %[[N:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x10xf32>
// CHECK: %[[TOTAL:.*]] = arith.muli %[[N]], %{{.*}} : index
// CHECK: %[[I64:.*]] = arith.index_cast %[[TOTAL]] : index to i64
// CHECK: %[[COUNT:.*]] = arith.uitofp %[[I64]] : i64 to f32
// CHECK: arith.divf %{{.*}}, %[[COUNT]] : f32
// CHECK: tensor.expand_shape %{{.*}} [] output_shape [1, 1] : tensor<f32> into tensor<1x1xf32>
func.func @mean$dynamic(%x: tensor<?x10xf32>) -> tensor<1x1xf32> {
  %0 = "tsm.mean"(%x) {dims = array<i64: 0, 1>, keepdim = true} : (tensor<?x10xf32>) -> tensor<1x1xf32>
  return %0 : tensor<1x1xf32>
}

// -----

// A kept dynamic dim sizes the init and the expand_shape; f16 accumulates in f32.
// CHECK-LABEL: func.func @mean$half_keepdim
// CHECK-SAME: (%[[X:.*]]: tensor<?x8xf16>)
// CHECK: %[[ROWS:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x8xf16>
// CHECK: tensor.empty(%[[ROWS]]) : tensor<?xf32>
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: arith.divf
// CHECK: arith.truncf %{{.*}} : f32 to f16
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0, 1]] output_shape [%[[ROWS]], 1] : tensor<?xf16> into tensor<?x1xf16>
func.func @mean$half_keepdim(%x: tensor<?x8xf16>) -> tensor<?x1xf16> {
  %0 = "tsm.mean"(%x) {dims = array<i64: -1>, keepdim = true} : (tensor<?x8xf16>) -> tensor<?x1xf16>
  return %0 : tensor<?x1xf16>
}

// -----

// softmax: row max (from -inf, maxnumf: see lower_softmax); one generic writes exp(x - max) and sums it;
// 1 / sum per row (a named op: elementwise fusion leaves it per row); then
// exps * (1 / sum).
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @softmax$last_dim
// CHECK-SAME: (%[[X:.*]]: tensor<?x10xf32>)
// CHECK-DAG: %[[NEG_INF:.*]] = arith.constant 0xFF800000 : f32
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[MAX_INIT:.*]] = linalg.fill ins(%[[NEG_INF]] : f32)
// CHECK: %[[MAX:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]]], iterator_types = ["parallel", "reduction"]}
// CHECK-SAME: ins(%[[X]] : tensor<?x10xf32>) outs(%[[MAX_INIT]] : tensor<?xf32>)
// CHECK: arith.maxnumf
// CHECK: %[[EXPS_INIT:.*]] = tensor.empty(%{{.*}}) : tensor<?x10xf32>
// CHECK: %[[SUM_INIT:.*]] = linalg.fill ins(%[[ZERO]] : f32)
// CHECK: %[[EXPS:.*]]:2 = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]], #[[ROW]]], iterator_types = ["parallel", "reduction"]}
// CHECK-SAME: ins(%[[X]], %[[MAX]] : tensor<?x10xf32>, tensor<?xf32>) outs(%[[EXPS_INIT]], %[[SUM_INIT]] : tensor<?x10xf32>, tensor<?xf32>)
// CHECK: ^bb0(%[[V:.*]]: f32, %[[M:.*]]: f32, %{{.*}}: f32, %[[ACC:.*]]: f32):
// CHECK: %[[SHIFTED:.*]] = arith.subf %[[V]], %[[M]] : f32
// CHECK: %[[E:.*]] = math.exp %[[SHIFTED]] : f32
// CHECK: %[[SUM:.*]] = arith.addf %[[E]], %[[ACC]] : f32
// CHECK: linalg.yield %[[E]], %[[SUM]] : f32, f32
// CHECK: %[[INV:.*]] = linalg.reciprocal ins(%[[EXPS]]#1 : tensor<?xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: ins(%[[EXPS]]#0, %[[INV]] : tensor<?x10xf32>, tensor<?xf32>)
// CHECK: ^bb0(%[[E2:.*]]: f32, %[[R2:.*]]: f32, %{{.*}}: f32):
// CHECK: arith.mulf %[[E2]], %[[R2]] : f32
func.func @softmax$last_dim(%x: tensor<?x10xf32>) -> tensor<?x10xf32> {
  %0 = "tsm.softmax"(%x) {dim = -1} : (tensor<?x10xf32>) -> tensor<?x10xf32>
  return %0 : tensor<?x10xf32>
}

// -----

// log_softmax along dim 0: x - (max + log(sum(exp(x - max)))), the shift per column.
// CHECK-DAG: #[[COL:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @log_softmax$first_dim
// CHECK: %[[MAX:.*]] = linalg.generic {indexing_maps = [#{{.*}}, #[[COL]]], iterator_types = ["reduction", "parallel"]}
// CHECK: arith.maxnumf
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#{{.*}}, #[[COL]], #[[COL]]], iterator_types = ["reduction", "parallel"]}
// CHECK: math.exp
// CHECK: %[[LOG:.*]] = linalg.log ins(%[[SUM]] : tensor<5xf64>)
// CHECK: %[[SHIFT:.*]] = linalg.add ins(%[[MAX]], %[[LOG]] : tensor<5xf64>, tensor<5xf64>)
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK-SAME: ins(%{{.*}}, %[[SHIFT]] : tensor<3x5xf64>, tensor<5xf64>)
// CHECK: ^bb0(%[[V:.*]]: f64, %[[S:.*]]: f64, %{{.*}}: f64):
// CHECK: arith.subf %[[V]], %[[S]] : f64
func.func @log_softmax$first_dim(%x: tensor<3x5xf64>) -> tensor<3x5xf64> {
  %0 = "tsm.log_softmax"(%x) {dim = 0} : (tensor<3x5xf64>) -> tensor<3x5xf64>
  return %0 : tensor<3x5xf64>
}

// -----

// amax shares the generic fold: -inf init, maximumf (which propagates NaN).
// CHECK-LABEL: func.func @amax$keepdim
// CHECK: %[[NEG_INF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[NEG_INF]] : f32) outs(%{{.*}} : tensor<2xf32>)
// CHECK: %[[MAX:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK-SAME: outs(%[[INIT]] : tensor<2xf32>)
// CHECK: ^bb0(%[[IN:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK: arith.maximumf %[[IN]], %[[ACC]] : f32
// CHECK: tensor.expand_shape %[[MAX]] {{\[}}[0, 1]] output_shape [2, 1] : tensor<2xf32> into tensor<2x1xf32>
func.func @amax$keepdim(%x: tensor<2x3xf32>) -> tensor<2x1xf32> {
  %0 = "tsm.amax"(%x) {dims = array<i64: -1>, keepdim = true} : (tensor<2x3xf32>) -> tensor<2x1xf32>
  return %0 : tensor<2x1xf32>
}

// -----

// any/all fold i1: a float input is first compared with zero.
// CHECK-LABEL: func.func @all$float
// CHECK: %[[TRUE:.*]] = arith.constant true
// CHECK: linalg.fill ins(%[[TRUE]] : i1) outs(%{{.*}} : tensor<3xi1>)
// CHECK: ^bb0(%[[IN:.*]]: f32, %[[ACC:.*]]: i1):
// CHECK: %[[NONZERO:.*]] = arith.cmpf une, %[[IN]], %{{.*}} : f32
// CHECK: arith.andi %[[NONZERO]], %[[ACC]] : i1
func.func @all$float(%x: tensor<2x3xf32>) -> tensor<3xi1> {
  %0 = "tsm.all"(%x) {dims = array<i64: 0>, keepdim = false} : (tensor<2x3xf32>) -> tensor<3xi1>
  return %0 : tensor<3xi1>
}

// -----

// max along a dim: one generic with a values and an i64 index output; an
// element wins when greater, or equal and earlier (first occurrence).
// CHECK-LABEL: func.func @max$dim_dynamic
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xi32>)
// CHECK: %[[LOWEST:.*]] = arith.constant -2147483648 : i32
// CHECK: %[[N:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x4xi32>
// CHECK: %[[VINIT:.*]] = linalg.fill ins(%[[LOWEST]] : i32) outs(%{{.*}} : tensor<?xi32>)
// CHECK: %[[IINIT:.*]] = linalg.fill ins(%{{.*}} : i64) outs(%{{.*}} : tensor<?xi64>)
// CHECK: %[[RES:.*]]:2 = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK-SAME: outs(%[[VINIT]], %[[IINIT]] : tensor<?xi32>, tensor<?xi64>)
// CHECK: ^bb0(%[[IN:.*]]: i32, %[[BEST:.*]]: i32, %[[AT:.*]]: i64):
// CHECK: %[[POS:.*]] = linalg.index 1 : index
// CHECK: %[[I:.*]] = arith.index_cast %[[POS]] : index to i64
// CHECK: %[[EARLIER:.*]] = arith.cmpi slt, %[[I]], %[[AT]] : i64
// CHECK: %[[GT:.*]] = arith.cmpi sgt, %[[IN]], %[[BEST]] : i32
// CHECK: %[[EQ:.*]] = arith.cmpi eq, %[[IN]], %[[BEST]] : i32
// CHECK: %[[TIE:.*]] = arith.andi %[[EQ]], %[[EARLIER]] : i1
// CHECK: %[[TAKE:.*]] = arith.ori %[[GT]], %[[TIE]] : i1
// CHECK: %[[V:.*]] = arith.select %[[TAKE]], %[[IN]], %[[BEST]] : i32
// CHECK: %[[IDX:.*]] = arith.select %[[TAKE]], %[[I]], %[[AT]] : i64
// CHECK: linalg.yield %[[V]], %[[IDX]] : i32, i64
// CHECK: return %[[RES]]#0, %[[RES]]#1
func.func @max$dim_dynamic(%x: tensor<?x4xi32>) -> (tensor<?xi32>, tensor<?xi64>) {
  %0:2 = "tsm.max"(%x) {dim = 1, keepdim = false} : (tensor<?x4xi32>) -> (tensor<?xi32>, tensor<?xi64>)
  return %0#0, %0#1 : tensor<?xi32>, tensor<?xi64>
}

// -----

// argmin without a dim indexes the flattened tensor (row-major); a NaN wins.
// CHECK-LABEL: func.func @argmin$flat
// CHECK: %[[STRIDE:.*]] = arith.constant 3 : index
// CHECK: %[[RES:.*]]:2 = linalg.generic {{.*}} iterator_types = ["reduction", "reduction"]
// CHECK: %[[ROW:.*]] = linalg.index 0 : index
// CHECK: %[[ROW_START:.*]] = arith.muli %[[ROW]], %[[STRIDE]] : index
// CHECK: %[[COL:.*]] = linalg.index 1 : index
// CHECK: arith.addi %[[ROW_START]], %[[COL]] : index
// CHECK: arith.cmpf olt
// CHECK: arith.cmpf uno
// CHECK: return %[[RES]]#1 : tensor<i64>
func.func @argmin$flat(%x: tensor<2x3xf32>) -> tensor<i64> {
  %0 = "tsm.argmin"(%x) {keepdim = false} : (tensor<2x3xf32>) -> tensor<i64>
  return %0 : tensor<i64>
}

// -----

// var: the mean, then the squared deviations, divided by N - correction.
// CHECK-LABEL: func.func @var$correction
// CHECK: %[[DOF:.*]] = arith.constant 2.000000e+00 : f32
// CHECK: %[[N:.*]] = arith.constant 3.000000e+00 : f32
// CHECK: %[[SUM:.*]] = linalg.generic
// CHECK: arith.addf
// CHECK: %[[MEAN:.*]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<2xf32>)
// CHECK: arith.divf %{{.*}}, %[[N]] : f32
// CHECK: %[[SQUARES:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %[[MEAN]] : tensor<2x3xf32>, tensor<2xf32>)
// CHECK: ^bb0(%[[IN:.*]]: f32, %[[M:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK: %[[D:.*]] = arith.subf %[[IN]], %[[M]] : f32
// CHECK: %[[SQ:.*]] = arith.mulf %[[D]], %[[D]] : f32
// CHECK: arith.addf %[[SQ]], %[[ACC]] : f32
// CHECK: linalg.generic {{.*}} ins(%[[SQUARES]] : tensor<2xf32>)
// CHECK: arith.divf %{{.*}}, %[[DOF]] : f32
func.func @var$correction(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  %0 = "tsm.var"(%x) {dims = array<i64: 1>, correction = 1.0 : f64, keepdim = false} : (tensor<2x3xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// logsumexp: max, sum of exp(x - max) with an infinite max replaced by 0,
// then log(sum) + max.
// CHECK-LABEL: func.func @logsumexp$all
// CHECK: %[[MAX:.*]] = linalg.generic {{.*}} iterator_types = ["reduction", "reduction"]
// CHECK: arith.maximumf
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %[[MAX]] : tensor<2x3xf32>, tensor<f32>)
// CHECK: math.absf
// CHECK: math.exp
// CHECK: linalg.generic {{.*}} ins(%[[SUM]], %[[MAX]] : tensor<f32>, tensor<f32>)
// CHECK: math.log
func.func @logsumexp$all(%x: tensor<2x3xf32>) -> tensor<f32> {
  %0 = "tsm.logsumexp"(%x) {dims = array<i64: 0, 1>, keepdim = false} : (tensor<2x3xf32>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// An f32 scan along the innermost dim runs on the transposed input along
// its outermost dim (each step one contiguous row, not a strided column),
// and the result is transposed back.
// CHECK-LABEL: func.func @cumsum$innermost
// CHECK-SAME: (%[[X:.*]]: tensor<3x?xf32>)
// CHECK: %[[XT:.*]] = linalg.transpose ins(%[[X]] : tensor<3x?xf32>) outs(%{{.*}} : tensor<?x3xf32>) permutation = [1, 0]
// CHECK: %[[LOOP:.*]]:2 = scf.for
// CHECK: tensor.extract_slice %[[XT]][%{{.*}}, 0] [1, 3] [1, 1] : tensor<?x3xf32> to tensor<1x3xf32>
// CHECK: arith.addf
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[%{{.*}}, 0] [1, 3] [1, 1] : tensor<3xf32> into tensor<?x3xf32>
// CHECK: linalg.transpose ins(%[[LOOP]]#1 : tensor<?x3xf32>) outs(%{{.*}} : tensor<3x?xf32>) permutation = [1, 0]
func.func @cumsum$innermost(%x: tensor<3x?xf32>) -> tensor<3x?xf32> {
  %0 = "tsm.cumsum"(%x) {dim = -1 : i64} : (tensor<3x?xf32>) -> tensor<3x?xf32>
  return %0 : tensor<3x?xf32>
}

// -----

// cumsum: an scf.for along the scanned dim carries the running sum (a tensor
// over the other dims, int64 for integers) and the result; each step adds
// the input's slice with a parallel generic and inserts the sum.
// CHECK-LABEL: func.func @cumsum$dynamic_int
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xi32>)
// CHECK: %[[N:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x4xi32>
// CHECK: %[[ZEROS:.*]] = linalg.fill ins(%{{.*}} : i64) outs(%{{.*}} : tensor<4xi64>)
// CHECK: %[[EMPTY:.*]] = tensor.empty(%[[N]]) : tensor<?x4xi64>
// CHECK: %[[SCAN:.*]]:2 = scf.for %[[K:.*]] = %{{.*}} to %[[N]] step %{{.*}} iter_args(%[[PARTIAL:.*]] = %[[ZEROS]], %[[OUT:.*]] = %[[EMPTY]]) -> (tensor<4xi64>, tensor<?x4xi64>)
// CHECK: %[[SLICE:.*]] = tensor.extract_slice %[[X]][%[[K]], 0] [1, 4] [1, 1] : tensor<?x4xi32> to tensor<1x4xi32>
// CHECK: %[[ROW:.*]] = tensor.collapse_shape %[[SLICE]] {{\[}}[0, 1]] : tensor<1x4xi32> into tensor<4xi32>
// CHECK: %[[NEXT:.*]] = linalg.generic {{.*}} iterator_types = ["parallel"]} ins(%[[ROW]] : tensor<4xi32>) outs(%[[PARTIAL]] : tensor<4xi64>)
// CHECK: arith.extsi %{{.*}} : i32 to i64
// CHECK: arith.addi
// CHECK: %[[INS:.*]] = tensor.insert_slice %[[NEXT]] into %[[OUT]][%[[K]], 0] [1, 4] [1, 1] : tensor<4xi64> into tensor<?x4xi64>
// CHECK: scf.yield %[[NEXT]], %[[INS]]
// CHECK: return %[[SCAN]]#1
func.func @cumsum$dynamic_int(%x: tensor<?x4xi32>) -> tensor<?x4xi64> {
  %0 = "tsm.cumsum"(%x) {dim = -2 : i64} : (tensor<?x4xi32>) -> tensor<?x4xi64>
  return %0 : tensor<?x4xi64>
}

// -----

// cumprod of f16 multiplies in f32 and truncates each step's row.
// CHECK-LABEL: func.func @cumprod$half
// CHECK: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK: linalg.fill ins(%[[ONE]] : f32) outs(%{{.*}} : tensor<3xf32>)
// CHECK: scf.for
// CHECK: tensor.extract_slice %{{.*}}[0, %{{.*}}] [3, 1] [1, 1] : tensor<3x5xf16> to tensor<3x1xf16>
// CHECK: tensor.collapse_shape %{{.*}} {{\[}}[0, 1]] : tensor<3x1xf16> into tensor<3xf16>
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: arith.mulf
// CHECK: arith.truncf %{{.*}} : f32 to f16
// CHECK: tensor.insert_slice %{{.*}} : tensor<3xf16> into tensor<3x5xf16>
func.func @cumprod$half(%x: tensor<3x5xf16>) -> tensor<3x5xf16> {
  %0 = "tsm.cumprod"(%x) {dim = 1 : i64} : (tensor<3x5xf16>) -> tensor<3x5xf16>
  return %0 : tensor<3x5xf16>
}

// -----

// vector_norm ord 2: sum of |x|^2 as |x| * |x|, then a square root.
// CHECK-LABEL: func.func @vector_norm$two
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK: ^bb0(%[[IN:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK: %[[ABS:.*]] = math.absf %[[IN]] : f32
// CHECK: %[[SQ:.*]] = arith.mulf %[[ABS]], %[[ABS]] : f32
// CHECK: arith.addf %[[SQ]], %[[ACC]] : f32
// CHECK: linalg.generic {{.*}} ins(%[[SUM]] : tensor<3xf32>)
// CHECK: math.sqrt
func.func @vector_norm$two(%x: tensor<3x4xf32>) -> tensor<3xf32> {
  %0 = "tsm.vector_norm"(%x) {ord = 2.0 : f64, dims = array<i64: 1>, keepdim = false} : (tensor<3x4xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// ord inf is a max of |x| from 0; a dynamic dim is checked non-empty (no identity).
// CHECK-LABEL: func.func @vector_norm$inf_dynamic
// CHECK: %[[N:.*]] = tensor.dim
// CHECK: %[[NONEMPTY:.*]] = arith.cmpi ne, %[[N]], %{{.*}} : index
// CHECK: cf.assert %[[NONEMPTY]], "{{.*}}tsm.vector_norm: the inf norm of an empty tensor is undefined"
// CHECK: linalg.generic
// CHECK: %[[ABS:.*]] = math.absf
// CHECK: arith.maximumf %[[ABS]], %{{.*}} : f32
func.func @vector_norm$inf_dynamic(%x: tensor<?xf32>) -> tensor<f32> {
  %0 = "tsm.vector_norm"(%x) {ord = 0x7FF0000000000000 : f64, dims = array<i64: 0>, keepdim = false} : (tensor<?xf32>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// Other orders: sum of |x|^p, then the 1/p-th power; ord 0 counts nonzeros.
// CHECK-LABEL: func.func @vector_norm$three
// CHECK-DAG: %[[THIRD:.*]] = arith.constant 0.33333333333333331 : f64
// CHECK-DAG: %[[P:.*]] = arith.constant 3.000000e+00 : f64
// CHECK: math.powf %{{.*}}, %[[P]] : f64
// CHECK: math.powf %{{.*}}, %[[THIRD]] : f64
// CHECK-LABEL: func.func @vector_norm$zero
// CHECK: %[[NONZERO:.*]] = arith.cmpf une, %{{.*}}, %{{.*}} : f32
// CHECK: %[[ONE:.*]] = arith.uitofp %[[NONZERO]] : i1 to f32
// CHECK: arith.addf %[[ONE]], %{{.*}} : f32
func.func @vector_norm$three(%x: tensor<4xf64>) -> tensor<f64> {
  %0 = "tsm.vector_norm"(%x) {ord = 3.0 : f64, dims = array<i64: 0>, keepdim = false} : (tensor<4xf64>) -> tensor<f64>
  return %0 : tensor<f64>
}

func.func @vector_norm$zero(%x: tensor<4xf32>) -> tensor<f32> {
  %0 = "tsm.vector_norm"(%x) {ord = 0.0 : f64, dims = array<i64: 0>, keepdim = false} : (tensor<4xf32>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// cummax carries the running max (from -inf) and its int64 position; a step
// takes the element when it is >= the max (the last tie wins) or NaN.
// CHECK-LABEL: func.func @cummax$rows
// CHECK-SAME: (%[[X:.*]]: tensor<3x5xf32>)
// CHECK: %[[LOWEST:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<3xf32>)
// CHECK: %[[FIRST:.*]] = linalg.fill ins(%{{.*}} : i64) outs(%{{.*}} : tensor<3xi64>)
// CHECK: %[[SCAN:.*]]:4 = scf.for %[[K:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[MAX:.*]] = %[[LOWEST]], %[[WHERE:.*]] = %[[FIRST]], %[[VALUES:.*]] = %{{.*}}, %[[INDICES:.*]] = %{{.*}})
// CHECK: %[[SLICE:.*]] = tensor.extract_slice %[[X]][0, %[[K]]] [3, 1] [1, 1] : tensor<3x5xf32> to tensor<3x1xf32>
// CHECK: %[[COLUMN:.*]] = tensor.collapse_shape %[[SLICE]] {{\[}}[0, 1]] : tensor<3x1xf32> into tensor<3xf32>
// CHECK: %[[POS:.*]] = arith.index_cast %[[K]] : index to i64
// CHECK: %[[STEP:.*]]:2 = linalg.generic {{.*}} ins(%[[COLUMN]] : tensor<3xf32>) outs(%[[MAX]], %[[WHERE]] : tensor<3xf32>, tensor<3xi64>)
// CHECK: ^bb0(%[[V:.*]]: f32, %[[M:.*]]: f32, %[[I:.*]]: i64):
// CHECK: %[[GE:.*]] = arith.cmpf oge, %[[V]], %[[M]] : f32
// CHECK: %[[NAN:.*]] = arith.cmpf uno, %[[V]], %[[V]] : f32
// CHECK: %[[TAKE:.*]] = arith.ori %[[GE]], %[[NAN]] : i1
// CHECK: arith.select %[[TAKE]], %[[V]], %[[M]] : f32
// CHECK: arith.select %[[TAKE]], %[[POS]], %[[I]] : i64
// CHECK: tensor.insert_slice %[[STEP]]#0 into %[[VALUES]][0, %[[K]]] [3, 1] [1, 1]
// CHECK: tensor.insert_slice %[[STEP]]#1 into %[[INDICES]][0, %[[K]]] [3, 1] [1, 1]
// CHECK: return %[[SCAN]]#2, %[[SCAN]]#3
func.func @cummax$rows(%x: tensor<3x5xf32>) -> (tensor<3x5xf32>, tensor<3x5xi64>) {
  %v, %i = "tsm.cummax"(%x) {dim = 1 : i64} : (tensor<3x5xf32>) -> (tensor<3x5xf32>, tensor<3x5xi64>)
  return %v, %i : tensor<3x5xf32>, tensor<3x5xi64>
}

// -----

// logcumsumexp adds in log space, shifted by the larger operand when finite;
// a 0-d input is scanned as one element.
// CHECK-LABEL: func.func @logcumsumexp$zero_d
// CHECK: %[[ONE:.*]] = tensor.expand_shape %{{.*}} [] output_shape [1] : tensor<f32> into tensor<1xf32>
// CHECK: scf.for
// CHECK: ^bb0(%[[V:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK: %[[MAX:.*]] = arith.maximumf %[[V]], %[[ACC]] : f32
// CHECK: %[[SHIFT:.*]] = arith.select %{{.*}}, %{{.*}}, %[[MAX]] : f32
// CHECK: math.exp
// CHECK: math.exp
// CHECK: %[[LOG:.*]] = math.log
// CHECK: arith.addf %[[LOG]], %[[SHIFT]] : f32
// CHECK: tensor.collapse_shape %{{.*}} [] : tensor<1xf32> into tensor<f32>
func.func @logcumsumexp$zero_d(%x: tensor<f32>) -> tensor<f32> {
  %0 = "tsm.logcumsumexp"(%x) {dim = 0 : i64} : (tensor<f32>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// uint8 folds in i32 on zero-extended values (arith compares signless
// integers as signed), then truncates back to uint8.
// CHECK-LABEL: func.func @amax$uint8
// CHECK: %[[LOWEST:.*]] = arith.constant -2147483648 : i32
// CHECK: %[[MAX:.*]] = linalg.generic
// CHECK: ^bb0(%[[IN:.*]]: ui8, %[[ACC:.*]]: i32):
// CHECK: %[[BITS:.*]] = builtin.unrealized_conversion_cast %[[IN]] : ui8 to i8
// CHECK: %[[WIDE:.*]] = arith.extui %[[BITS]] : i8 to i32
// CHECK: arith.maxsi %[[WIDE]], %[[ACC]] : i32
// CHECK: linalg.generic {{.*}} ins(%[[MAX]] : tensor<3xi32>) outs(%{{.*}} : tensor<3xui8>)
// CHECK: arith.trunci %{{.*}} : i32 to i8
func.func @amax$uint8(%x: tensor<3x4xui8>) -> tensor<3xui8> {
  %0 = "tsm.amax"(%x) {dims = array<i64: 1>} : (tensor<3x4xui8>) -> tensor<3xui8>
  return %0 : tensor<3xui8>
}

// -----

// softmax of a cheap pointwise producer used only by it (attention's
// scores / sqrt(d)): each pass over the rows reads its own copy of the
// producer (the copy tagged so that cse keeps it apart), which elementwise
// fusion then folds into that pass instead of storing the scaled rows.
// CHECK-LABEL: func.func @softmax$scaled_input
// CHECK: %[[SCALED:.*]] = linalg.generic {{.*}} ins(%[[X:.*]] : tensor<4x9xf32>)
// CHECK: arith.divf
// CHECK: %[[COPY:.*]] = linalg.generic {{.*}} ins(%[[X]] : tensor<4x9xf32>) {{.*}}tsm.pass_copy = 1 : i64
// CHECK: arith.divf
// CHECK: %[[MAX:.*]] = linalg.generic {{.*}} ins(%[[SCALED]] : tensor<4x9xf32>)
// CHECK: arith.maxnumf
// CHECK: linalg.generic {{.*}} ins(%[[COPY]], %[[MAX]] : tensor<4x9xf32>, tensor<4xf32>)
// CHECK: math.exp
func.func @softmax$scaled_input(%x: tensor<4x9xf32>) -> tensor<4x9xf32> {
  %c = arith.constant 8.0 : f32
  %e = tensor.empty() : tensor<4x9xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<4x9xf32>) outs(%e : tensor<4x9xf32>) {
  ^bb0(%in: f32, %out: f32):
    %d = arith.divf %in, %c : f32
    linalg.yield %d : f32
  } -> tensor<4x9xf32>
  %0 = "tsm.softmax"(%s) {dim = -1} : (tensor<4x9xf32>) -> tensor<4x9xf32>
  return %0 : tensor<4x9xf32>
}

// -----

// argmax along the innermost f32 dim (static): the row max by one fold
// (maximumf: a NaN wins), then the first position holding it (or the first
// NaN) by a min-fold over an i32 iota read along the row; both are plain
// row folds for tsm-vectorize-reductions.  Then widened to i64.
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[KEPT:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-DAG: #[[ALONG:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @argmax$rows
// CHECK-SAME: (%[[X:.*]]: tensor<?x5xf32>)
// CHECK-DAG: %[[NEVER:.*]] = arith.constant 2147483647 : i32
// CHECK-DAG: %[[IOTA:.*]] = arith.constant dense<[0, 1, 2, 3, 4]> : tensor<5xi32>
// CHECK: %[[MAX:.*]] = linalg.generic {indexing_maps = [#[[ROW]], #[[KEPT]]], iterator_types = ["parallel", "reduction"]} ins(%[[X]] : tensor<?x5xf32>)
// CHECK: arith.maximumf
// CHECK: %[[POS:.*]] = linalg.generic {indexing_maps = [#[[ROW]], #[[KEPT]], #[[ALONG]], #[[KEPT]]], iterator_types = ["parallel", "reduction"]} ins(%[[X]], %[[MAX]], %[[IOTA]] : tensor<?x5xf32>, tensor<?xf32>, tensor<5xi32>)
// CHECK: ^bb0(%[[V:.*]]: f32, %[[M:.*]]: f32, %[[I:.*]]: i32, %[[ACC:.*]]: i32):
// CHECK: %[[VNAN:.*]] = arith.cmpf uno, %[[V]], %[[V]] : f32
// CHECK: %[[MNAN:.*]] = arith.cmpf uno, %[[M]], %[[M]] : f32
// CHECK: %[[BOTH:.*]] = arith.andi %[[VNAN]], %[[MNAN]] : i1
// CHECK: %[[EQ:.*]] = arith.cmpf oeq, %[[V]], %[[M]] : f32
// CHECK: %[[HIT:.*]] = arith.ori %[[EQ]], %[[BOTH]] : i1
// CHECK: %[[CAND:.*]] = arith.select %[[HIT]], %[[I]], %[[NEVER]] : i32
// CHECK: arith.minsi %[[CAND]], %[[ACC]] : i32
// CHECK: arith.extsi %{{.*}} : i32 to i64
func.func @argmax$rows(%x: tensor<?x5xf32>) -> tensor<?xi64> {
  %0 = "tsm.argmax"(%x) {dim = 1 : i64} : (tensor<?x5xf32>) -> tensor<?xi64>
  return %0 : tensor<?xi64>
}

// -----

// Reduced dims with a kept one between them (a mean over (0, 2)): the
// trailing reduced dim first, a row reduction to (4, 8) partial sums, then
// those summed over dim 0 (a column reduction); then the division.  A
// trailing run shorter than 16 stays one generic.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[ROWS:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[COL:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @mean$split
// CHECK-SAME: (%[[X:.*]]: tensor<4x8x32xf32>)
// CHECK: %[[PARTIAL:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROWS]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[X]] : tensor<4x8x32xf32>) outs(%{{.*}} : tensor<4x8xf32>)
// CHECK: arith.addf
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#{{.*}}, #[[COL]]], iterator_types = ["reduction", "parallel"]} ins(%[[PARTIAL]] : tensor<4x8xf32>) outs(%{{.*}} : tensor<8xf32>)
// CHECK: arith.addf
// CHECK: linalg.generic {{.*}} ins(%[[SUM]] : tensor<8xf32>)
// CHECK: arith.divf
// CHECK-LABEL: func.func @amax$short_rows
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction", "parallel", "reduction"]
func.func @mean$split(%x: tensor<4x8x32xf32>) -> tensor<8xf32> {
  %0 = "tsm.mean"(%x) {dims = array<i64: 0, 2>} : (tensor<4x8x32xf32>) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}
func.func @amax$short_rows(%x: tensor<4x8x5xf32>) -> tensor<8xf32> {
  %0 = "tsm.amax"(%x) {dims = array<i64: 0, 2>} : (tensor<4x8x5xf32>) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}
