// RUN: tsmlir-opt %s --tsm-to-linalg --tsm-linalg-to-loops | filecheck %s

// A sum over the innermost dim: per row, a loop over 32 x f32 vectors
// carrying a vector accumulator, one masked tail step (the 13 elements past
// 64; masked-off lanes hold -0.0, the identity of addf), then one
// reassociating horizontal reduce into the row's output element.
// CHECK-LABEL: func.func @sum$static
// CHECK-DAG: %[[IDENT:.*]] = arith.constant dense<-0.000000e+00> : vector<32xf32>
// CHECK: scf.for %[[ROW:.*]] =
// CHECK: %[[ACC:.*]] = scf.for {{.*}} iter_args(%[[PART:.*]] = %[[IDENT]]) -> (vector<32xf32>)
// CHECK: %[[CHUNK:.*]] = vector.load {{.*}}[%[[ROW]], {{.*}}] : memref<3x77xf32>, vector<32xf32>
// CHECK: %[[SUM:.*]] = arith.addf %[[CHUNK]], %[[PART]] : vector<32xf32>
// CHECK: scf.yield %[[SUM]]
// CHECK: %[[MASK:.*]] = vector.constant_mask [13] : vector<32xi1>
// CHECK: %[[TAIL:.*]] = vector.maskedload {{.*}}, %[[MASK]], {{.*}} into vector<32xf32>
// CHECK: %[[KEPT:.*]] = arith.select %[[MASK]], %[[TAIL]], %[[IDENT]]
// CHECK: %[[LAST:.*]] = arith.addf %[[KEPT]], %[[ACC]] : vector<32xf32>
// CHECK: %[[INIT:.*]] = memref.load
// CHECK: %[[ROWSUM:.*]] = vector.reduction <add>, %[[LAST]], %[[INIT]] fastmath<reassoc> : vector<32xf32> into f32
// CHECK: memref.store %[[ROWSUM]]
// CHECK-NOT: linalg.
// CHECK: return
func.func @sum$static(%x: tensor<3x77xf32>) -> tensor<3xf32> {
  %0 = "tsm.sum"(%x) {dims = array<i64: -1>, keepdim = false} : (tensor<3x77xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// softmax: the max pass and the exp-sum pass are both vector loops; the
// row max is read once per row and broadcast; exp stays a vector op (later
// a polynomial, tsm-expand-math), stored beside the sum (whole vectors,
// then the masked tail); 1 / sum once per row; the final multiply.  The
// (4, 8) rows are one dim of 32 (tsm-collapse-parallel-dims).
// CHECK-LABEL: func.func @softmax$static
// CHECK: vector.reduction <maxnumf>, {{.*}} : vector<32xf32> into f32
// CHECK: %[[EXPS3:.*]] = memref.alloc() {{.*}} : memref<4x8x100xf32>
// CHECK: %[[EXPS:.*]] = memref.collapse_shape %[[EXPS3]] {{\[}}[0, 1], [2]] : memref<4x8x100xf32> into memref<32x100xf32>
// CHECK: %[[MAX:.*]] = memref.load
// CHECK: %[[MAXV:.*]] = vector.broadcast %[[MAX]] : f32 to vector<32xf32>
// CHECK: %[[SHIFTED:.*]] = arith.subf {{.*}}, %[[MAXV]] : vector<32xf32>
// CHECK: %[[E:.*]] = math.exp %[[SHIFTED]] : vector<32xf32>
// CHECK: vector.store %[[E]], %[[EXPS]]
// CHECK: %[[TAIL_E:.*]] = math.exp {{.*}} : vector<32xf32>
// CHECK: vector.maskedstore %[[EXPS]][{{.*}}, %c96], {{.*}}, %[[TAIL_E]]
// CHECK: vector.reduction <add>, {{.*}} : vector<32xf32> into f32
// CHECK: arith.divf {{.*}} : f32
// CHECK: arith.mulf {{.*}} : vector<16xf32>
// CHECK: return
func.func @softmax$static(%x: tensor<4x8x100xf32>) -> tensor<4x8x100xf32> {
  %0 = "tsm.softmax"(%x) {dim = -1} : (tensor<4x8x100xf32>) -> tensor<4x8x100xf32>
  return %0 : tensor<4x8x100xf32>
}

// Dynamic dims: row count and row length are read at run time; the loop
// bound is the row length rounded down to whole vectors.
// CHECK-LABEL: func.func @amax$dynamic
// CHECK-DAG: %[[ROWS:.*]] = memref.dim %{{.*}}, %c0
// CHECK-DAG: %[[LEN:.*]] = memref.dim %{{.*}}, %c1
// CHECK: scf.for {{.*}} to %[[ROWS]]
// CHECK: %[[WHOLE:.*]] = arith.muli {{.*}}, %c32
// CHECK: scf.for {{.*}} to %[[WHOLE]] step %c32
// CHECK: arith.maximumf {{.*}} : vector<32xf32>
// CHECK: %[[REST:.*]] = arith.subi %[[LEN]], %[[WHOLE]]
// CHECK: vector.create_mask %[[REST]] : vector<32xi1>
// CHECK: vector.reduction <maximumf>
func.func @amax$dynamic(%x: tensor<?x?xf32>) -> tensor<?xf32> {
  %0 = "tsm.amax"(%x) {dims = array<i64: -1>, keepdim = false} : (tensor<?x?xf32>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// 64-bit integers: 16 lanes, exact (no fastmath).
// CHECK-LABEL: func.func @sum$i64
// CHECK: arith.addi {{.*}} : vector<16xi64>
// CHECK: vector.reduction <add>, {{.*}} : vector<16xi64> into i64
// CHECK-NOT: fastmath
// CHECK: return
func.func @sum$i64(%x: tensor<6x21xi64>) -> tensor<6xi64> {
  %0 = "tsm.sum"(%x) {dims = array<i64: 1>, keepdim = false} : (tensor<6x21xi64>) -> tensor<6xi64>
  return %0 : tensor<6xi64>
}

// A reduction over an outer dim is not contiguous along the reduced dim:
// tsm-vectorize-column-reductions folds whole columns, one per lane, with
// no horizontal reduction (7 columns: one masked chunk).
// CHECK-LABEL: func.func @sum$outer_dim
// CHECK-NOT: vector.reduction
// CHECK: vector.maskedload {{.*}} : memref<7xf32>, vector<64xi1>, vector<64xf32>
// CHECK: scf.for
// CHECK: arith.addf {{.*}} : vector<64xf32>
// CHECK-NOT: vector.reduction
// CHECK: return
func.func @sum$outer_dim(%x: tensor<5x7xf32>) -> tensor<7xf32> {
  %0 = "tsm.sum"(%x) {dims = array<i64: 0>, keepdim = false} : (tensor<5x7xf32>) -> tensor<7xf32>
  return %0 : tensor<7xf32>
}

// softmax(x / 8): the scale is applied on the fly in the max pass and in the
// exp pass (no loop stores the scaled scores); one buffer holds the exps.
// CHECK-LABEL: func.func @softmax$scaled
// CHECK-COUNT-1: memref.alloc() {{.*}} : memref<4x64xf32>
// CHECK: scf.for
// CHECK: %[[S1:.*]] = arith.divf %{{.*}}, %{{.*}} : vector<32xf32>
// CHECK: arith.maxnumf %[[S1]]
// CHECK: scf.for
// CHECK: %[[S2:.*]] = arith.divf %{{.*}}, %{{.*}} : vector<32xf32>
// CHECK: math.exp
// CHECK-NOT: memref.alloc() {{.*}} : memref<4x64xf32>
// CHECK: return
func.func @softmax$scaled(%x: tensor<4x64xf32>) -> tensor<4x64xf32> {
  %c = "tsm.constant"() {value = dense<8.000000e+00> : tensor<f32>} : () -> tensor<f32>
  %0 = "tsm.div"(%x, %c) : (tensor<4x64xf32>, tensor<f32>) -> tensor<4x64xf32>
  %1 = "tsm.softmax"(%0) {dim = -1 : i64} : (tensor<4x64xf32>) -> tensor<4x64xf32>
  return %1 : tensor<4x64xf32>
}
