// RUN: tsmlir-opt %s --split-input-file --tsm-lower-matmul | filecheck %s

// A dynamic M comes from the lhs; the init is zero-filled, then linalg.matmul.
// CHECK-LABEL: func.func @matmul$2d_dynamic_m
// CHECK-SAME: (%[[LHS:.*]]: tensor<?x4xf32>, %[[RHS:.*]]: tensor<4x5xf32>)
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-DAG: %[[M:.*]] = tensor.dim %[[LHS]], %{{.*}} : tensor<?x4xf32>
// CHECK: %[[EMPTY:.*]] = tensor.empty(%[[M]]) : tensor<?x5xf32>
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[EMPTY]] : tensor<?x5xf32>)
// CHECK: %[[RES:.*]] = linalg.matmul ins(%[[LHS]], %[[RHS]] : tensor<?x4xf32>, tensor<4x5xf32>) outs(%[[INIT]] : tensor<?x5xf32>)
// CHECK-NOT: cf.assert
// CHECK: return %[[RES]]
func.func @matmul$2d_dynamic_m(%a: tensor<?x4xf32>, %b: tensor<4x5xf32>) -> tensor<?x5xf32> {
  %0 = "tsm.matmul"(%a, %b) : (tensor<?x4xf32>, tensor<4x5xf32>) -> tensor<?x5xf32>
  return %0 : tensor<?x5xf32>
}

// -----

// 1-D x 1-D is linalg.dot into a 0-d tensor; a dynamic contraction size is
// checked against the static one at run time.
// CHECK-LABEL: func.func @matmul$dot_dynamic_k
// CHECK-SAME: (%[[LHS:.*]]: tensor<4xf32>, %[[RHS:.*]]: tensor<?xf32>)
// CHECK-DAG: %[[FOUR:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[K:.*]] = tensor.dim %[[RHS]], %{{.*}} : tensor<?xf32>
// CHECK: %[[EQ:.*]] = arith.cmpi eq, %[[K]], %[[FOUR]] : index
// CHECK: cf.assert %[[EQ]], "{{.*}}tsm.matmul: contraction dimensions of the operands must match"
// CHECK: %[[INIT:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<f32>)
// CHECK: linalg.dot ins(%[[LHS]], %[[RHS]] : tensor<4xf32>, tensor<?xf32>) outs(%[[INIT]] : tensor<f32>)
func.func @matmul$dot_dynamic_k(%a: tensor<4xf32>, %b: tensor<?xf32>) -> tensor<f32> {
  %0 = "tsm.matmul"(%a, %b) : (tensor<4xf32>, tensor<?xf32>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// CHECK-LABEL: func.func @matmul$matvec
// CHECK-SAME: (%[[MAT:.*]]: tensor<3x4xf64>, %[[VEC:.*]]: tensor<4xf64>)
// CHECK: linalg.matvec ins(%[[MAT]], %[[VEC]] : tensor<3x4xf64>, tensor<4xf64>) outs(%{{.*}} : tensor<3xf64>)
func.func @matmul$matvec(%a: tensor<3x4xf64>, %b: tensor<4xf64>) -> tensor<3xf64> {
  %0 = "tsm.matmul"(%a, %b) : (tensor<3x4xf64>, tensor<4xf64>) -> tensor<3xf64>
  return %0 : tensor<3xf64>
}

// -----

// CHECK-LABEL: func.func @matmul$vecmat
// CHECK-SAME: (%[[VEC:.*]]: tensor<4xf32>, %[[MAT:.*]]: tensor<4x3xf32>)
// CHECK: linalg.vecmat ins(%[[VEC]], %[[MAT]] : tensor<4xf32>, tensor<4x3xf32>) outs(%{{.*}} : tensor<3xf32>)
func.func @matmul$vecmat(%a: tensor<4xf32>, %b: tensor<4x3xf32>) -> tensor<3xf32> {
  %0 = "tsm.matmul"(%a, %b) : (tensor<4xf32>, tensor<4x3xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// Two dynamic batch sizes must agree (dynamic dims do not broadcast).  An
// integer batch matmul stays linalg.batch_matmul (f32 and f64: loops of 2-D
// matmuls, below).
// CHECK-LABEL: func.func @matmul$batch_dynamic
// CHECK-SAME: (%[[LHS:.*]]: tensor<?x3x4xi64>, %[[RHS:.*]]: tensor<?x4x5xi64>)
// CHECK-DAG: %[[B0:.*]] = tensor.dim %[[LHS]], %{{.*}} : tensor<?x3x4xi64>
// CHECK-DAG: %[[B1:.*]] = tensor.dim %[[RHS]], %{{.*}} : tensor<?x4x5xi64>
// CHECK: %[[EQ:.*]] = arith.cmpi eq, %[[B1]], %[[B0]] : index
// CHECK: cf.assert %[[EQ]], "{{.*}}tsm.matmul: batch dimension 0 of the operands must match
// CHECK: %[[EMPTY:.*]] = tensor.empty(%[[B0]]) : tensor<?x3x5xi64>
// CHECK: %[[INIT:.*]] = linalg.fill ins(%{{.*}} : i64) outs(%[[EMPTY]] : tensor<?x3x5xi64>)
// CHECK: linalg.batch_matmul ins(%[[LHS]], %[[RHS]] : tensor<?x3x4xi64>, tensor<?x4x5xi64>) outs(%[[INIT]] : tensor<?x3x5xi64>)
func.func @matmul$batch_dynamic(%a: tensor<?x3x4xi64>, %b: tensor<?x4x5xi64>) -> tensor<?x3x5xi64> {
  %0 = "tsm.matmul"(%a, %b) : (tensor<?x3x4xi64>, tensor<?x4x5xi64>) -> tensor<?x3x5xi64>
  return %0 : tensor<?x3x5xi64>
}

// -----

// An f32 (or f64) batch matmul is a loop of 2-D matmuls on views of each batch's
// matrices (the CPU backend's tiled kernel reads row-major views), each
// accumulating into its batch's slice of the result, zero-filled in place.
// CHECK-LABEL: func.func @matmul$batch_f32
// CHECK-SAME: (%[[LHS:.*]]: tensor<?x3x4xf32>, %[[RHS:.*]]: tensor<?x4x5xf32>)
// CHECK-DAG: %[[B:.*]] = tensor.dim %[[LHS]], %{{.*}} : tensor<?x3x4xf32>
// CHECK: cf.assert
// CHECK: %[[EMPTY:.*]] = tensor.empty(%[[B]]) : tensor<?x3x5xf32>
// CHECK: %[[RES:.*]] = scf.for %[[I:.*]] = %{{.*}} to %[[B]] step %{{.*}} iter_args(%[[ACC:.*]] = %[[EMPTY]]) -> (tensor<?x3x5xf32>)
// CHECK: %[[A:.*]] = tensor.extract_slice %[[LHS]][%[[I]], 0, 0] [1, 3, 4] [1, 1, 1] : tensor<?x3x4xf32> to tensor<3x4xf32>
// CHECK: %[[W:.*]] = tensor.extract_slice %[[RHS]][%[[I]], 0, 0] [1, 4, 5] [1, 1, 1] : tensor<?x4x5xf32> to tensor<4x5xf32>
// CHECK: %[[C:.*]] = tensor.extract_slice %[[ACC]][%[[I]], 0, 0] [1, 3, 5] [1, 1, 1] : tensor<?x3x5xf32> to tensor<3x5xf32>
// CHECK: %[[ZERO:.*]] = linalg.fill {{.*}} outs(%[[C]] : tensor<3x5xf32>)
// CHECK: %[[P:.*]] = linalg.matmul ins(%[[A]], %[[W]] : tensor<3x4xf32>, tensor<4x5xf32>) outs(%[[ZERO]] : tensor<3x5xf32>)
// CHECK: %[[NEXT:.*]] = tensor.insert_slice %[[P]] into %[[ACC]][%[[I]], 0, 0] [1, 3, 5] [1, 1, 1]
// CHECK: scf.yield %[[NEXT]]
// CHECK: return %[[RES]]
func.func @matmul$batch_f32(%a: tensor<?x3x4xf32>, %b: tensor<?x4x5xf32>) -> tensor<?x3x5xf32> {
  %0 = "tsm.matmul"(%a, %b) : (tensor<?x3x4xf32>, tensor<?x4x5xf32>) -> tensor<?x3x5xf32>
  return %0 : tensor<?x3x5xf32>
}

// -----

// Attention's heads: operands that are transposes are sliced from the
// transposes' inputs: q (S, H, D) -> (H, S, D) keeps each head's row order
// (a view of q's rows); k's (S, H, D) -> (H, D, S) swaps it: with static
// sizes each head's matmul reads k's slice (S, D) itself through indexing
// maps that read B as (N, K) (no transposed copy); the head merge (H, S, E)
// -> (S, H, E) of the product is the layout the loop writes, and the
// transpose's users read the loop.
// CHECK: #[[BT:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-LABEL: func.func @matmul$attention_heads
// CHECK-SAME: (%[[Q:.*]]: tensor<6x2x4xf32>, %[[K:.*]]: tensor<6x2x4xf32>)
// CHECK: %[[EMPTY:.*]] = tensor.empty() : tensor<6x2x6xf32>
// CHECK: %[[RES:.*]] = scf.for %[[I:.*]] = {{.*}} iter_args(%[[ACC:.*]] = %[[EMPTY]]) -> (tensor<6x2x6xf32>)
// CHECK: %[[A:.*]] = tensor.extract_slice %[[Q]][0, %[[I]], 0] [6, 1, 4] [1, 1, 1] : tensor<6x2x4xf32> to tensor<6x4xf32>
// CHECK: %[[K_I:.*]] = tensor.extract_slice %[[K]][0, %[[I]], 0] [6, 1, 4] [1, 1, 1] : tensor<6x2x4xf32> to tensor<6x4xf32>
// CHECK: %[[C:.*]] = tensor.extract_slice %[[ACC]][0, %[[I]], 0] [6, 1, 6] [1, 1, 1] : tensor<6x2x6xf32> to tensor<6x6xf32>
// CHECK: %[[ZERO:.*]] = linalg.fill {{.*}} outs(%[[C]] : tensor<6x6xf32>)
// CHECK: %[[P:.*]] = linalg.matmul indexing_maps = [#{{.*}}, #[[BT]], #{{.*}}] ins(%[[A]], %[[K_I]] : tensor<6x4xf32>, tensor<6x4xf32>) outs(%[[ZERO]] : tensor<6x6xf32>)
// CHECK: tensor.insert_slice %[[P]] into %[[ACC]][0, %[[I]], 0] [6, 1, 6] [1, 1, 1]
// CHECK-NOT: linalg.transpose
// CHECK: return %[[RES]]
func.func @matmul$attention_heads(%q: tensor<6x2x4xf32>, %k: tensor<6x2x4xf32>) -> tensor<6x2x6xf32> {
  %0 = tensor.empty() : tensor<2x6x4xf32>
  %qh = linalg.transpose ins(%q : tensor<6x2x4xf32>) outs(%0 : tensor<2x6x4xf32>) permutation = [1, 0, 2]
  %1 = tensor.empty() : tensor<2x4x6xf32>
  %kt = linalg.transpose ins(%k : tensor<6x2x4xf32>) outs(%1 : tensor<2x4x6xf32>) permutation = [1, 2, 0]
  %s = "tsm.matmul"(%qh, %kt) : (tensor<2x6x4xf32>, tensor<2x4x6xf32>) -> tensor<2x6x6xf32>
  %2 = tensor.empty() : tensor<6x2x6xf32>
  %merged = linalg.transpose ins(%s : tensor<2x6x6xf32>) outs(%2 : tensor<6x2x6xf32>) permutation = [1, 0, 2]
  return %merged : tensor<6x2x6xf32>
}

// -----

// The same heads with a dynamic sequence length: each head's k^T is a
// transposed copy (blocks of 8 source rows), the product a plain matmul.
// CHECK-LABEL: func.func @matmul$attention_heads_dynamic
// CHECK-SAME: (%[[Q:.*]]: tensor<?x2x4xf32>, %[[K:.*]]: tensor<?x2x4xf32>)
// CHECK: scf.for
// CHECK: %[[A:.*]] = tensor.extract_slice %[[Q]]
// CHECK: %[[K_I:.*]] = tensor.extract_slice %[[K]]
// CHECK: %[[W:.*]] = scf.for
// CHECK: linalg.transpose
// CHECK: %[[P:.*]] = linalg.matmul ins(%[[A]], %[[W]] : tensor<?x4xf32>, tensor<4x?xf32>)
func.func @matmul$attention_heads_dynamic(%q: tensor<?x2x4xf32>, %k: tensor<?x2x4xf32>) -> tensor<?x2x?xf32> {
  %c0 = arith.constant 0 : index
  %s0 = tensor.dim %q, %c0 : tensor<?x2x4xf32>
  %s1 = tensor.dim %k, %c0 : tensor<?x2x4xf32>
  %0 = tensor.empty(%s0) : tensor<2x?x4xf32>
  %qh = linalg.transpose ins(%q : tensor<?x2x4xf32>) outs(%0 : tensor<2x?x4xf32>) permutation = [1, 0, 2]
  %1 = tensor.empty(%s1) : tensor<2x4x?xf32>
  %kt = linalg.transpose ins(%k : tensor<?x2x4xf32>) outs(%1 : tensor<2x4x?xf32>) permutation = [1, 2, 0]
  %s = "tsm.matmul"(%qh, %kt) : (tensor<2x?x4xf32>, tensor<2x4x?xf32>) -> tensor<2x?x?xf32>
  %2 = tensor.empty(%s0, %s1) : tensor<?x2x?xf32>
  %merged = linalg.transpose ins(%s : tensor<2x?x?xf32>) outs(%2 : tensor<?x2x?xf32>) permutation = [1, 0, 2]
  return %merged : tensor<?x2x?xf32>
}

// -----

// With tsm.num_threads > 1 and enough work, the loop over the batch is an
// scf.forall the threads share; each batch's product goes in with
// tensor.parallel_insert_slice.
// CHECK-LABEL: func.func @matmul$batch_threads
// CHECK: %[[RES:.*]] = scf.forall (%[[I:.*]]) in (4) shared_outs(%[[ACC:.*]] = %{{.*}}) -> (tensor<4x128x128xf32>)
// CHECK: %[[P:.*]] = linalg.matmul ins({{.*}} : tensor<128x64xf32>, tensor<64x128xf32>) outs({{.*}} : tensor<128x128xf32>)
// CHECK: scf.forall.in_parallel
// CHECK-NEXT: tensor.parallel_insert_slice %[[P]] into %[[ACC]][%[[I]], 0, 0] [1, 128, 128] [1, 1, 1]
// CHECK: return %[[RES]]
// With dynamic sizes (unknown work) too; too little static work stays serial.
// CHECK-LABEL: func.func @matmul$batch_threads_dynamic
// CHECK: scf.forall (%{{.*}}) in (4) shared_outs(%{{.*}} = %{{.*}}) -> (tensor<4x?x?xf32>)
// CHECK-LABEL: func.func @matmul$batch_threads_small
// CHECK-NOT: scf.forall
// CHECK: scf.for
module attributes {tsm.num_threads = 2 : i64} {
  func.func @matmul$batch_threads(%a: tensor<4x128x64xf32>, %b: tensor<4x64x128xf32>) -> tensor<4x128x128xf32> {
    %0 = "tsm.matmul"(%a, %b) : (tensor<4x128x64xf32>, tensor<4x64x128xf32>) -> tensor<4x128x128xf32>
    return %0 : tensor<4x128x128xf32>
  }
  func.func @matmul$batch_threads_dynamic(%a: tensor<4x?x8xf32>, %b: tensor<4x8x?xf32>) -> tensor<4x?x?xf32> {
    %0 = "tsm.matmul"(%a, %b) : (tensor<4x?x8xf32>, tensor<4x8x?xf32>) -> tensor<4x?x?xf32>
    return %0 : tensor<4x?x?xf32>
  }
  func.func @matmul$batch_threads_small(%a: tensor<4x8x8xf32>, %b: tensor<4x8x8xf32>) -> tensor<4x8x8xf32> {
    %0 = "tsm.matmul"(%a, %b) : (tensor<4x8x8xf32>, tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
    return %0 : tensor<4x8x8xf32>
  }
}

// -----

// Batch broadcasting of an integer product lives in the indexing maps (f32 and
// f64: one matmul per batch, @matmul$broadcast_batches): a size-1 batch dim reads index 0,
// a missing one is not read at all.  Iteration space: (batch0, batch1, m, n, k).
// CHECK-DAG: #[[LHS_MAP:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, 0, d2, d4)>
// CHECK-DAG: #[[RHS_MAP:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d1, d4, d3)>
// CHECK-DAG: #[[OUT_MAP:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @matmul$broadcast_batch
// CHECK-SAME: (%[[LHS:.*]]: tensor<2x1x3x4xi64>, %[[RHS:.*]]: tensor<5x4x6xi64>)
// CHECK: %[[INIT:.*]] = linalg.fill
// CHECK: linalg.generic {indexing_maps = [#[[LHS_MAP]], #[[RHS_MAP]], #[[OUT_MAP]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%[[LHS]], %[[RHS]] : tensor<2x1x3x4xi64>, tensor<5x4x6xi64>) outs(%[[INIT]] : tensor<2x5x3x6xi64>)
// CHECK: ^bb0(%[[X:.*]]: i64, %[[Y:.*]]: i64, %[[ACC:.*]]: i64):
// CHECK: %[[PROD:.*]] = arith.muli %[[X]], %[[Y]] : i64
// CHECK: %[[SUM:.*]] = arith.addi %[[ACC]], %[[PROD]] : i64
// CHECK: linalg.yield %[[SUM]] : i64
func.func @matmul$broadcast_batch(%a: tensor<2x1x3x4xi64>, %b: tensor<5x4x6xi64>) -> tensor<2x5x3x6xi64> {
  %0 = "tsm.matmul"(%a, %b) : (tensor<2x1x3x4xi64>, tensor<5x4x6xi64>) -> tensor<2x5x3x6xi64>
  return %0 : tensor<2x5x3x6xi64>
}

// -----

// N-D x 1-D: no N dim in the iteration space (batch, m, k).
// CHECK-DAG: #[[LHS_MAP:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[RHS_MAP:.*]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-DAG: #[[OUT_MAP:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @matmul$nd_by_vector_int
// CHECK: linalg.generic {indexing_maps = [#[[LHS_MAP]], #[[RHS_MAP]], #[[OUT_MAP]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK: arith.muli
// CHECK: arith.addi
func.func @matmul$nd_by_vector_int(%a: tensor<2x3x4xi64>, %b: tensor<4xi64>) -> tensor<2x3xi64> {
  %0 = "tsm.matmul"(%a, %b) : (tensor<2x3x4xi64>, tensor<4xi64>) -> tensor<2x3xi64>
  return %0 : tensor<2x3xi64>
}

// -----

// A 2-D f32 linear with a run-time weight of run-time size: W is copied
// transposed once (linalg.transpose, which tsm-vectorize-transposes makes
// block transposes), then a plain linalg.matmul (the fast kernels); the
// broadcast bias is the init the product accumulates into.
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @linear$bias
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xf32>, %[[W:.*]]: tensor<?x4xf32>, %[[BIAS:.*]]: tensor<?xf32>)
// CHECK: %[[N:.*]] = tensor.dim %[[W]], %{{.*}} : tensor<?x4xf32>
// CHECK: %[[WT0:.*]] = tensor.empty(%[[N]]) : tensor<4x?xf32>
// CHECK: %[[WT:.*]] = linalg.transpose ins(%[[W]] : tensor<?x4xf32>) outs(%[[WT0]] : tensor<4x?xf32>) permutation = [1, 0]
// CHECK: %[[INIT:.*]] = linalg.generic {indexing_maps = [#[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: ins(%[[BIAS]] : tensor<?xf32>) outs(%{{.*}} : tensor<?x?xf32>)
// CHECK-NOT: linalg.fill
// CHECK: linalg.matmul ins(%[[X]], %[[WT]] : tensor<?x4xf32>, tensor<4x?xf32>) outs(%[[INIT]] : tensor<?x?xf32>)
func.func @linear$bias(%x: tensor<?x4xf32>, %w: tensor<?x4xf32>, %bias: tensor<?xf32>) -> tensor<?x?xf32> {
  %0 = "tsm.linear"(%x, %w, %bias) : (tensor<?x4xf32>, tensor<?x4xf32>, tensor<?xf32>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// A static run-time weight and rows known only at run time: the matmul
// reads W as it lies, (N, K) (its indexing maps; the packed kernel packs
// its blocks by transposes), no copy of W.
// CHECK-DAG: #[[X_MAP:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[W_MAP:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-LABEL: func.func @linear$rows_at_run_time
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xf32>, %[[W:.*]]: tensor<5x4xf32>, %[[BIAS:.*]]: tensor<5xf32>)
// CHECK-NOT: linalg.transpose
// CHECK: %[[INIT:.*]] = linalg.generic {{.*}} ins(%[[BIAS]] : tensor<5xf32>) outs(%{{.*}} : tensor<?x5xf32>)
// CHECK: linalg.matmul indexing_maps = [#[[X_MAP]], #[[W_MAP]], {{.*}}] ins(%[[X]], %[[W]] : tensor<?x4xf32>, tensor<5x4xf32>) outs(%[[INIT]] : tensor<?x5xf32>)
func.func @linear$rows_at_run_time(%x: tensor<?x4xf32>, %w: tensor<5x4xf32>, %bias: tensor<5xf32>) -> tensor<?x5xf32> {
  %0 = "tsm.linear"(%x, %w, %bias) : (tensor<?x4xf32>, tensor<5x4xf32>, tensor<5xf32>) -> tensor<?x5xf32>
  return %0 : tensor<?x5xf32>
}

// -----

// A 1-D f32 input: one row of dot products, a 1-row linalg.matmul reading
// the weight transposed (tsm-vectorize-matvec takes it), no copy of W.
// CHECK-DAG: #[[X_MAP:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[W_MAP:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[OUT_MAP:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @linear$vector
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>, %[[W:.*]]: tensor<5x4xf32>)
// CHECK: %[[INIT:.*]] = linalg.fill
// CHECK: %[[X1:.*]] = tensor.expand_shape %[[X]] {{\[\[}}0, 1]] output_shape [1, 4] : tensor<4xf32> into tensor<1x4xf32>
// CHECK: %[[INIT1:.*]] = tensor.expand_shape %[[INIT]] {{\[\[}}0, 1]] output_shape [1, 5]
// CHECK: %[[P:.*]] = linalg.matmul indexing_maps = [#[[X_MAP]], #[[W_MAP]], #[[OUT_MAP]]]
// CHECK-SAME: ins(%[[X1]], %[[W]] : tensor<1x4xf32>, tensor<5x4xf32>) outs(%[[INIT1]] : tensor<1x5xf32>)
// CHECK: tensor.collapse_shape %[[P]] {{\[\[}}0, 1]] : tensor<1x5xf32> into tensor<5xf32>
// CHECK-NOT: linalg.transpose
func.func @linear$vector(%x: tensor<4xf32>, %w: tensor<5x4xf32>) -> tensor<5xf32> {
  %0 = "tsm.linear"(%x, %w) : (tensor<4xf32>, tensor<5x4xf32>) -> tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

// A 1-D f64 input: x @ W.T is W @ x.
// CHECK-LABEL: func.func @linear$vector_f64
// CHECK-SAME: (%[[X:.*]]: tensor<4xf64>, %[[W:.*]]: tensor<5x4xf64>)
// CHECK: linalg.matvec ins(%[[W]], %[[X]] : tensor<5x4xf64>, tensor<4xf64>)
func.func @linear$vector_f64(%x: tensor<4xf64>, %w: tensor<5x4xf64>) -> tensor<5xf64> {
  %0 = "tsm.linear"(%x, %w) : (tensor<4xf64>, tensor<5x4xf64>) -> tensor<5xf64>
  return %0 : tensor<5xf64>
}

// -----

// An N-D input with run-time rows: one 2-D matmul over the collapsed rows
// (one dynamic dim among them), reading W as it lies (no copy).
// CHECK-LABEL: func.func @linear$3d_dynamic
// CHECK-SAME: (%[[X:.*]]: tensor<2x?x4xf32>, %[[W:.*]]: tensor<5x4xf32>)
// CHECK-NOT: linalg.transpose
// CHECK: %[[S:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<2x?x4xf32>
// CHECK: tensor.empty(%[[S]]) : tensor<2x?x5xf32>
// CHECK: %[[INIT:.*]] = linalg.fill
// CHECK: %[[X2:.*]] = tensor.collapse_shape %[[X]] {{\[\[}}0, 1], [2]] : tensor<2x?x4xf32> into tensor<?x4xf32>
// CHECK: %[[INIT2:.*]] = tensor.collapse_shape %[[INIT]]
// CHECK: %[[P:.*]] = linalg.matmul indexing_maps = {{.*}} ins(%[[X2]], %[[W]] : tensor<?x4xf32>, tensor<5x4xf32>) outs(%[[INIT2]] : tensor<?x5xf32>)
// CHECK: tensor.expand_shape %[[P]] {{\[\[}}0, 1], [2]] output_shape [2, %[[S]], 5]
func.func @linear$3d_dynamic(%x: tensor<2x?x4xf32>, %w: tensor<5x4xf32>) -> tensor<2x?x5xf32> {
  %0 = "tsm.linear"(%x, %w) : (tensor<2x?x4xf32>, tensor<5x4xf32>) -> tensor<2x?x5xf32>
  return %0 : tensor<2x?x5xf32>
}

// -----

// Two dynamic row dims: the product's rows are expanded back by a
// tensor.reshape (expand-strided-metadata takes one dynamic size a group).
// CHECK-LABEL: func.func @linear$3d_two_dynamic
// CHECK: %[[P:.*]] = linalg.matmul indexing_maps = {{.*}} -> tensor<?x5xf32>
// CHECK: %[[SHAPE:.*]] = tensor.from_elements {{.*}} : tensor<3xindex>
// CHECK: tensor.reshape %[[P]](%[[SHAPE]]) : (tensor<?x5xf32>, tensor<3xindex>) -> tensor<?x?x5xf32>
func.func @linear$3d_two_dynamic(%x: tensor<?x?x4xf32>, %w: tensor<5x4xf32>) -> tensor<?x?x5xf32> {
  %0 = "tsm.linear"(%x, %w) : (tensor<?x?x4xf32>, tensor<5x4xf32>) -> tensor<?x?x5xf32>
  return %0 : tensor<?x?x5xf32>
}

// -----

// Static sizes: no copy of W; the collapsed rows' 2-D matmul reads it
// transposed (dot products for few rows, else the packed kernel packing
// from W).
// CHECK-DAG: #[[X_MAP:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[W_MAP:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[OUT_MAP:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @linear$3d_few_rows
// CHECK-SAME: (%[[X:.*]]: tensor<2x2x4xf32>, %[[W:.*]]: tensor<5x4xf32>)
// CHECK-NOT: linalg.transpose
// CHECK: %[[X2:.*]] = tensor.collapse_shape %[[X]] {{\[\[}}0, 1], [2]] : tensor<2x2x4xf32> into tensor<4x4xf32>
// CHECK: linalg.matmul indexing_maps = [#[[X_MAP]], #[[W_MAP]], #[[OUT_MAP]]]
// CHECK-SAME: ins(%[[X2]], %[[W]] : tensor<4x4xf32>, tensor<5x4xf32>)
func.func @linear$3d_few_rows(%x: tensor<2x2x4xf32>, %w: tensor<5x4xf32>) -> tensor<2x2x5xf32> {
  %0 = "tsm.linear"(%x, %w) : (tensor<2x2x4xf32>, tensor<5x4xf32>) -> tensor<2x2x5xf32>
  return %0 : tensor<2x2x5xf32>
}

// -----

// An f64 weight is transposed once: the plain matmul has the tiled kernel.
// CHECK-LABEL: func.func @linear$f64
// CHECK: %[[WT:.*]] = linalg.transpose ins(%{{.*}} : tensor<5x4xf64>) outs(%{{.*}} : tensor<4x5xf64>) permutation = [1, 0]
// CHECK: linalg.matmul ins(%{{.*}}, %[[WT]] : tensor<?x4xf64>, tensor<4x5xf64>)
func.func @linear$f64(%x: tensor<?x4xf64>, %w: tensor<5x4xf64>) -> tensor<?x5xf64> {
  %0 = "tsm.linear"(%x, %w) : (tensor<?x4xf64>, tensor<5x4xf64>) -> tensor<?x5xf64>
  return %0 : tensor<?x5xf64>
}

// -----

// Other element types read the weight transposed in place (no copy).
// CHECK-LABEL: func.func @linear$i64
// CHECK-NOT: linalg.transpose
// CHECK: linalg.matmul indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}] ins(%{{.*}}, %{{.*}} : tensor<?x4xi64>, tensor<5x4xi64>)
func.func @linear$i64(%x: tensor<?x4xi64>, %w: tensor<5x4xi64>) -> tensor<?x5xi64> {
  %0 = "tsm.linear"(%x, %w) : (tensor<?x4xi64>, tensor<5x4xi64>) -> tensor<?x5xi64>
  return %0 : tensor<?x5xi64>
}

// -----

// A dynamic bias dim is checked against the result's size.
// CHECK-LABEL: func.func @linear$dynamic_bias
// CHECK-SAME: (%{{.*}}: tensor<3x4xf32>, %{{.*}}: tensor<5x4xf32>, %[[BIAS:.*]]: tensor<?xf32>)
// CHECK-DAG: %[[FIVE:.*]] = arith.constant 5 : index
// CHECK-DAG: %[[N:.*]] = tensor.dim %[[BIAS]], %{{.*}} : tensor<?xf32>
// CHECK: %[[EQ:.*]] = arith.cmpi eq, %[[N]], %[[FIVE]] : index
// CHECK: cf.assert %[[EQ]], "{{.*}}tsm.linear: dimension 0 of the addend must match the result size"
// CHECK: linalg.matmul
func.func @linear$dynamic_bias(%x: tensor<3x4xf32>, %w: tensor<5x4xf32>, %bias: tensor<?xf32>) -> tensor<3x5xf32> {
  %0 = "tsm.linear"(%x, %w, %bias) : (tensor<3x4xf32>, tensor<5x4xf32>, tensor<?xf32>) -> tensor<3x5xf32>
  return %0 : tensor<3x5xf32>
}

// -----

// alpha = 1: the init is beta * self, broadcast; linalg.matmul accumulates into it.
// CHECK-LABEL: func.func @addmm$beta
// CHECK-SAME: (%[[SELF:.*]]: tensor<5xf32>, %[[A:.*]]: tensor<3x4xf32>, %[[B:.*]]: tensor<4x5xf32>)
// CHECK-DAG: %[[BETA:.*]] = arith.constant 5.000000e-01 : f32
// CHECK: %[[INIT:.*]] = linalg.generic
// CHECK-SAME: ins(%[[SELF]] : tensor<5xf32>)
// CHECK: ^bb0(%[[S:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[SCALED:.*]] = arith.mulf %[[S]], %[[BETA]] : f32
// CHECK: linalg.yield %[[SCALED]]
// CHECK: linalg.matmul ins(%[[A]], %[[B]] : tensor<3x4xf32>, tensor<4x5xf32>) outs(%[[INIT]] : tensor<3x5xf32>)
func.func @addmm$beta(%s: tensor<5xf32>, %a: tensor<3x4xf32>, %b: tensor<4x5xf32>) -> tensor<3x5xf32> {
  %0 = "tsm.addmm"(%s, %a, %b) {beta = 0.5 : f64} : (tensor<5xf32>, tensor<3x4xf32>, tensor<4x5xf32>) -> tensor<3x5xf32>
  return %0 : tensor<3x5xf32>
}

// -----

// alpha != 1: the product is computed into zero, then updated in place with
// beta * self + alpha * product.
// CHECK-DAG: #[[COL:.*]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @addmm$alpha
// CHECK-SAME: (%[[SELF:.*]]: tensor<3x1xf32>, %[[A:.*]]: tensor<3x4xf32>, %[[B:.*]]: tensor<4x5xf32>)
// CHECK-DAG: %[[ALPHA:.*]] = arith.constant 2.000000e+00 : f32
// CHECK-DAG: %[[BETA:.*]] = arith.constant 5.000000e-01 : f32
// CHECK: %[[INIT:.*]] = linalg.fill
// CHECK: %[[PROD:.*]] = linalg.matmul ins(%[[A]], %[[B]] : {{.*}}) outs(%[[INIT]] : tensor<3x5xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[COL]], #[[ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: ins(%[[SELF]] : tensor<3x1xf32>) outs(%[[PROD]] : tensor<3x5xf32>)
// CHECK: ^bb0(%[[S:.*]]: f32, %[[P:.*]]: f32):
// CHECK-DAG: %[[BS:.*]] = arith.mulf %[[S]], %[[BETA]] : f32
// CHECK-DAG: %[[AP:.*]] = arith.mulf %[[P]], %[[ALPHA]] : f32
// CHECK: arith.addf %[[BS]], %[[AP]] : f32
func.func @addmm$alpha(%s: tensor<3x1xf32>, %a: tensor<3x4xf32>, %b: tensor<4x5xf32>) -> tensor<3x5xf32> {
  %0 = "tsm.addmm"(%s, %a, %b) {beta = 0.5 : f64, alpha = 2.0 : f64} : (tensor<3x1xf32>, tensor<3x4xf32>, tensor<4x5xf32>) -> tensor<3x5xf32>
  return %0 : tensor<3x5xf32>
}

// -----

// beta = 0 ignores self entirely (NaNs in it must not propagate).
// CHECK-LABEL: func.func @addmm$beta_zero
// CHECK-SAME: (%[[SELF:.*]]: tensor<3x5xi64>, %{{.*}}: tensor<3x4xi64>, %{{.*}}: tensor<4x5xi64>)
// CHECK-DAG: %[[THREE:.*]] = arith.constant 3 : i64
// CHECK: %[[PROD:.*]] = linalg.matmul
// CHECK: linalg.generic {indexing_maps = [#{{.*}}], iterator_types = ["parallel", "parallel"]} outs(%[[PROD]] : tensor<3x5xi64>)
// CHECK: arith.muli %{{.*}}, %[[THREE]] : i64
// CHECK-NOT: %[[SELF]]
func.func @addmm$beta_zero(%s: tensor<3x5xi64>, %a: tensor<3x4xi64>, %b: tensor<4x5xi64>) -> tensor<3x5xi64> {
  %0 = "tsm.addmm"(%s, %a, %b) {beta = 0.0 : f64, alpha = 3.0 : f64} : (tensor<3x5xi64>, tensor<3x4xi64>, tensor<4x5xi64>) -> tensor<3x5xi64>
  return %0 : tensor<3x5xi64>
}

// -----

// A static self dim against a dynamic result dim is checked at run time.
// CHECK-LABEL: func.func @addmm$dynamic_n
// CHECK-SAME: (%[[SELF:.*]]: tensor<5xf32>, %{{.*}}: tensor<3x4xf32>, %[[B:.*]]: tensor<4x?xf32>)
// CHECK-DAG: %[[FIVE:.*]] = arith.constant 5 : index
// CHECK-DAG: %[[N:.*]] = tensor.dim %[[B]], %{{.*}} : tensor<4x?xf32>
// CHECK: %[[EQ:.*]] = arith.cmpi eq, %[[N]], %[[FIVE]] : index
// CHECK: cf.assert %[[EQ]], "{{.*}}tsm.addmm: dimension 0 of the addend must match the result size"
// CHECK: linalg.matmul
func.func @addmm$dynamic_n(%s: tensor<5xf32>, %a: tensor<3x4xf32>, %b: tensor<4x?xf32>) -> tensor<3x?xf32> {
  %0 = "tsm.addmm"(%s, %a, %b) : (tensor<5xf32>, tensor<3x4xf32>, tensor<4x?xf32>) -> tensor<3x?xf32>
  return %0 : tensor<3x?xf32>
}

// -----

// baddbmm (f32): the batches' 2-D matmuls (batch_matmul's loop), then the
// broadcast self added in one pass over the product, in place.
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1, d2) -> (0, d2)>
// CHECK-DAG: #[[ID3:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @addmm$baddbmm
// CHECK-SAME: (%[[SELF:.*]]: tensor<1x5xf32>, %[[A:.*]]: tensor<2x3x4xf32>, %[[B:.*]]: tensor<2x4x5xf32>)
// CHECK: %[[PRODUCT:.*]] = scf.for
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<3x4xf32>, tensor<4x5xf32>) outs(%{{.*}} : tensor<3x5xf32>)
// CHECK: %[[RES:.*]] = linalg.generic {indexing_maps = [#[[ROW]], #[[ID3]]], iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[SELF]] : tensor<1x5xf32>) outs(%[[PRODUCT]] : tensor<2x3x5xf32>)
// CHECK: arith.addf
// CHECK: return %[[RES]]
func.func @addmm$baddbmm(%s: tensor<1x5xf32>, %a: tensor<2x3x4xf32>, %b: tensor<2x4x5xf32>) -> tensor<2x3x5xf32> {
  %0 = "tsm.addmm"(%s, %a, %b) : (tensor<1x5xf32>, tensor<2x3x4xf32>, tensor<2x4x5xf32>) -> tensor<2x3x5xf32>
  return %0 : tensor<2x3x5xf32>
}

// -----

// addmv: a matrix and a vector accumulate into self; f32 of static sizes is
// the one-row matmul v (1, K) @ A^T (A read as N x K in place: dot products
// of v with A's contiguous rows, tsm-vectorize-matvec's form), others
// linalg.matvec.  Self has the result's shape: its copy folds away and the
// product writes into it, so the arguments are marked read-only
// (bufferization copies one before writing into it, never the caller's
// tensor).
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[BT:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-LABEL: func.func @addmm$addmv
// CHECK-SAME: (%[[SELF:[^:]*]]: tensor<3xf32> {bufferization.writable = false}, %[[MAT:[^:]*]]: tensor<3x4xf32> {bufferization.writable = false}, %[[VEC:[^:]*]]: tensor<4xf32> {bufferization.writable = false})
// CHECK: %[[INIT:.*]] = linalg.generic
// CHECK-SAME: ins(%[[SELF]] : tensor<3xf32>)
// CHECK: %[[V:.*]] = tensor.expand_shape %[[VEC]] {{\[}}[0, 1]] output_shape [1, 4]
// CHECK: %[[ACC:.*]] = tensor.expand_shape %[[INIT]] {{\[}}[0, 1]] output_shape [1, 3]
// CHECK: linalg.matmul indexing_maps = [#[[ROW]], #[[BT]], #{{.*}}] ins(%[[V]], %[[MAT]] : tensor<1x4xf32>, tensor<3x4xf32>) outs(%[[ACC]] : tensor<1x3xf32>)
func.func @addmm$addmv(%s: tensor<3xf32>, %a: tensor<3x4xf32>, %b: tensor<4xf32>) -> tensor<3xf32> {
  %0 = "tsm.addmm"(%s, %a, %b) : (tensor<3xf32>, tensor<3x4xf32>, tensor<4xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// An einsum that is a plain matmul becomes linalg.matmul (the tiled CPU kernel).
// CHECK-LABEL: func.func @einsum$matmul
// CHECK-SAME: (%[[A:.*]]: tensor<3x4xf32>, %[[B:.*]]: tensor<4x5xf32>)
// CHECK: %[[INIT:.*]] = linalg.fill
// CHECK: %[[RES:.*]] = linalg.matmul ins(%[[A]], %[[B]] : tensor<3x4xf32>, tensor<4x5xf32>) outs(%[[INIT]] : tensor<3x5xf32>)
// CHECK: return %[[RES]]
func.func @einsum$matmul(%a: tensor<3x4xf32>, %b: tensor<4x5xf32>) -> tensor<3x5xf32> {
  %0 = "tsm.einsum"(%a, %b) {equation = "ij,jk->ik"} : (tensor<3x4xf32>, tensor<4x5xf32>) -> tensor<3x5xf32>
  return %0 : tensor<3x5xf32>
}

// -----

// A repeated letter reads the diagonal; one operand sums into zero.
// CHECK-DAG: #[[DIAG:.*]] = affine_map<(d0) -> (d0, d0)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0) -> (d0)>
// CHECK-LABEL: func.func @einsum$diagonal
// CHECK-SAME: (%[[A:.*]]: tensor<3x3xi64>)
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0 : i64
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[ZERO]] : i64)
// CHECK: linalg.generic {indexing_maps = [#[[DIAG]], #[[OUT]]], iterator_types = ["parallel"]} ins(%[[A]] : tensor<3x3xi64>) outs(%[[INIT]] : tensor<3xi64>)
// CHECK: ^bb0(%[[X:.*]]: i64, %[[ACC:.*]]: i64):
// CHECK: %[[SUM:.*]] = arith.addi %[[ACC]], %[[X]] : i64
// CHECK: linalg.yield %[[SUM]]
func.func @einsum$diagonal(%a: tensor<3x3xi64>) -> tensor<3xi64> {
  %0 = "tsm.einsum"(%a) {equation = "ii->i"} : (tensor<3x3xi64>) -> tensor<3xi64>
  return %0 : tensor<3xi64>
}

// -----

// An integer einsum (f32 and f64 ones are matmuls: einsum_matmul) is one
// generic: output letters are the parallel loops, the others reductions; dynamic
// sizes of one letter are checked equal at run time and size the result.
// CHECK-DAG: #[[Q:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
// CHECK-DAG: #[[K:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d3, d4)>
// CHECK-DAG: #[[S:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @einsum$attention_scores_i64
// CHECK-SAME: (%[[LHS:.*]]: tensor<?x2x?x8xi64>, %[[RHS:.*]]: tensor<?x2x?x8xi64>)
// CHECK-DAG: %[[B0:.*]] = tensor.dim %[[LHS]], %{{.*}} : tensor<?x2x?x8xi64>
// CHECK-DAG: %[[B1:.*]] = tensor.dim %[[RHS]], %{{.*}} : tensor<?x2x?x8xi64>
// CHECK: %[[EQ:.*]] = arith.cmpi eq, %[[B1]], %[[B0]] : index
// CHECK: cf.assert %[[EQ]], "{{.*}}tsm.einsum: sizes of subscript 'b' of the operands must match"
// CHECK: %[[LQ:.*]] = tensor.dim %[[LHS]]
// CHECK: %[[LK:.*]] = tensor.dim %[[RHS]]
// CHECK: %[[EMPTY:.*]] = tensor.empty(%[[B0]], %[[LQ]], %[[LK]]) : tensor<?x2x?x?xi64>
// CHECK: %[[INIT:.*]] = linalg.fill ins(%{{.*}} : i64) outs(%[[EMPTY]] : tensor<?x2x?x?xi64>)
// CHECK: linalg.generic {indexing_maps = [#[[Q]], #[[K]], #[[S]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%[[LHS]], %[[RHS]] : {{.*}}) outs(%[[INIT]] : tensor<?x2x?x?xi64>)
// CHECK: ^bb0(%[[X:.*]]: i64, %[[Y:.*]]: i64, %[[ACC:.*]]: i64):
// CHECK: %[[P:.*]] = arith.muli %[[X]], %[[Y]] : i64
// CHECK: arith.addi %[[ACC]], %[[P]] : i64
func.func @einsum$attention_scores_i64(%q: tensor<?x2x?x8xi64>, %k: tensor<?x2x?x8xi64>) -> tensor<?x2x?x?xi64> {
  %0 = "tsm.einsum"(%q, %k) {equation = "bhqd,bhkd->bhqk"} : (tensor<?x2x?x8xi64>, tensor<?x2x?x8xi64>) -> tensor<?x2x?x?xi64>
  return %0 : tensor<?x2x?x?xi64>
}

// -----

// f32 q @ k^T as an einsum: a loop over the batches of 2-D matmuls, each
// reading its block of k transposed (8-row blocks of linalg.transpose), not
// a scalar contraction.
// CHECK-LABEL: func.func @einsum$attention_scores
// CHECK-SAME: (%[[LHS:.*]]: tensor<?x2x?x8xf32>, %[[RHS:.*]]: tensor<?x2x?x8xf32>)
// CHECK: cf.assert %{{.*}}, "{{.*}}tsm.einsum: sizes of subscript 'b' of the operands must match"
// CHECK: scf.for
// CHECK: %[[QB:.*]] = tensor.extract_slice %[[LHS]]
// CHECK: %[[KB:.*]] = tensor.extract_slice %[[RHS]]
// CHECK: %[[KT:.*]] = scf.for
// CHECK: linalg.transpose ins(%{{.*}} : tensor<?x8xf32>) outs(%{{.*}} : tensor<8x?xf32>) permutation = [1, 0]
// CHECK: linalg.matmul ins(%[[QB]], %[[KT]] : tensor<?x8xf32>, tensor<8x?xf32>)
// CHECK-NOT: linalg.generic
func.func @einsum$attention_scores(%q: tensor<?x2x?x8xf32>, %k: tensor<?x2x?x8xf32>) -> tensor<?x2x?x?xf32> {
  %0 = "tsm.einsum"(%q, %k) {equation = "bhqd,bhkd->bhqk"} : (tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32>) -> tensor<?x2x?x?xf32>
  return %0 : tensor<?x2x?x?xf32>
}

// -----

// A static size-1 dim broadcasts against its letter's size: it is read at index 0.
// CHECK-DAG: #[[MAT:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ONE:.*]] = affine_map<(d0, d1) -> (0)>
// CHECK-DAG: #[[ROWS:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @einsum$broadcast
// CHECK-NOT: cf.assert
// CHECK: linalg.generic {indexing_maps = [#[[MAT]], #[[ONE]], #[[ROWS]]], iterator_types = ["parallel", "reduction"]}
func.func @einsum$broadcast(%a: tensor<2x3xf64>, %v: tensor<1xf64>) -> tensor<2xf64> {
  %0 = "tsm.einsum"(%a, %v) {equation = "ij,j->i"} : (tensor<2x3xf64>, tensor<1xf64>) -> tensor<2xf64>
  return %0 : tensor<2xf64>
}

// -----

// A batched lhs times a 2-D rhs is one 2-D matmul over the collapsed rows
// (the fast CPU kernel), expanded back to the batch shape.
// CHECK-LABEL: func.func @matmul$batched_lhs
// CHECK-SAME: (%[[LHS:.*]]: tensor<?x3x8xf32>, %[[RHS:.*]]: tensor<8x16xf32>)
// CHECK: %[[B:.*]] = tensor.dim %[[LHS]], %{{.*}} : tensor<?x3x8xf32>
// CHECK: %[[INIT:.*]] = linalg.fill {{.*}} -> tensor<?x3x16xf32>
// CHECK: %[[ROWS:.*]] = tensor.collapse_shape %[[LHS]] {{\[\[}}0, 1], [2]] : tensor<?x3x8xf32> into tensor<?x8xf32>
// CHECK: %[[FLAT_INIT:.*]] = tensor.collapse_shape %[[INIT]] {{\[\[}}0, 1], [2]] : tensor<?x3x16xf32> into tensor<?x16xf32>
// CHECK: %[[PROD:.*]] = linalg.matmul ins(%[[ROWS]], %[[RHS]] : tensor<?x8xf32>, tensor<8x16xf32>) outs(%[[FLAT_INIT]] : tensor<?x16xf32>)
// CHECK: %[[RES:.*]] = tensor.expand_shape %[[PROD]] {{\[\[}}0, 1], [2]] output_shape [%[[B]], 3, 16] : tensor<?x16xf32> into tensor<?x3x16xf32>
// CHECK: return %[[RES]]
func.func @matmul$batched_lhs(%a: tensor<?x3x8xf32>, %b: tensor<8x16xf32>) -> tensor<?x3x16xf32> {
  %0 = "tsm.matmul"(%a, %b) : (tensor<?x3x8xf32>, tensor<8x16xf32>) -> tensor<?x3x16xf32>
  return %0 : tensor<?x3x16xf32>
}

// -----

// Two dynamic row dims: collapsed into one 2-D matmul too; its result, a
// fresh row-major buffer, is reshaped back by a shape tensor
// (expand-strided-metadata takes one dynamic size a group).
// CHECK-LABEL: func.func @matmul$batched_lhs_two_dynamic
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0, 1], [2]] : tensor<?x?x8xf32> into tensor<?x8xf32>
// CHECK: %[[P:.*]] = linalg.matmul ins({{.*}} : tensor<?x8xf32>, tensor<8x16xf32>)
// CHECK: tensor.reshape %[[P]](%{{.*}}) : (tensor<?x16xf32>, tensor<3xindex>) -> tensor<?x?x16xf32>
func.func @matmul$batched_lhs_two_dynamic(%a: tensor<?x?x8xf32>, %b: tensor<8x16xf32>) -> tensor<?x?x16xf32> {
  %0 = "tsm.matmul"(%a, %b) : (tensor<?x?x8xf32>, tensor<8x16xf32>) -> tensor<?x?x16xf32>
  return %0 : tensor<?x?x16xf32>
}

// -----

// 4-D (attention's (batch, heads, L, D)): one loop over the flattened batch
// dims, each index split back into (batch, head) to slice the operands.
// CHECK-LABEL: func.func @matmul$batch_4d
// CHECK-SAME: (%[[LHS:.*]]: tensor<?x2x3x4xf32>, %[[RHS:.*]]: tensor<?x2x4x5xf32>)
// CHECK: %[[B:.*]] = tensor.dim %[[LHS]], %{{.*}} : tensor<?x2x3x4xf32>
// CHECK: %[[N:.*]] = arith.muli %[[B]], %[[C2:.*]] : index
// CHECK: %[[LOOP:.*]] = scf.for %[[I:[^ ]*]] = %{{.*}} to %[[N]] step {{.*}} -> (tensor<?x2x3x5xf32>)
// CHECK-DAG: %[[H:.*]] = arith.remui %[[I]], %[[C2]]
// CHECK-DAG: %[[BI:.*]] = arith.divui %[[I]], %[[C2]]
// CHECK: tensor.extract_slice %[[LHS]][%[[BI]], %[[H]], 0, 0] [1, 1, 3, 4] [1, 1, 1, 1] : tensor<?x2x3x4xf32> to tensor<3x4xf32>
// CHECK: tensor.extract_slice %[[RHS]][%[[BI]], %[[H]], 0, 0] [1, 1, 4, 5] [1, 1, 1, 1] : tensor<?x2x4x5xf32> to tensor<4x5xf32>
// CHECK: linalg.matmul
// CHECK: tensor.insert_slice %{{.*}}[%[[BI]], %[[H]], 0, 0] [1, 1, 3, 5] [1, 1, 1, 1] : tensor<3x5xf32> into tensor<?x2x3x5xf32>
// CHECK: return %[[LOOP]]
func.func @matmul$batch_4d(%a: tensor<?x2x3x4xf32>, %b: tensor<?x2x4x5xf32>) -> tensor<?x2x3x5xf32> {
  %0 = "tsm.matmul"(%a, %b) : (tensor<?x2x3x4xf32>, tensor<?x2x4x5xf32>) -> tensor<?x2x3x5xf32>
  return %0 : tensor<?x2x3x5xf32>
}

// -----

// A batch whose rows are its source's columns (k^T of a (B, S, D) k) is
// copied 8 source rows at a time (each block's rows stay in cache for all
// its columns); static blocks where 8 divides the rows, else the last block
// is shorter.  (Here the lhs has a dynamic row count: with static sizes the
// matmul reads k's slice in place instead, see @matmul$attention_heads.)
// CHECK-LABEL: func.func @matmul$transposed_rhs_blocks
// CHECK-SAME: (%{{.*}}: tensor<2x?x4xf32>, %[[K:.*]]: tensor<2x16x4xf32>, %[[K2:.*]]: tensor<2x20x4xf32>)
// CHECK: %[[K_I:.*]] = tensor.extract_slice %[[K]][%{{.*}}, 0, 0] [1, 16, 4] [1, 1, 1] : tensor<2x16x4xf32> to tensor<16x4xf32>
// CHECK: %[[KT:.*]] = scf.for %[[R:.*]] = %{{.*}} to %{{.*}} step %[[C8:.*]] iter_args(%[[ACC:.*]] = %{{.*}}) -> (tensor<4x16xf32>)
// CHECK: %[[BLOCK:.*]] = tensor.extract_slice %[[K_I]][%[[R]], 0] [8, 4] [1, 1] : tensor<16x4xf32> to tensor<8x4xf32>
// CHECK: %[[T:.*]] = linalg.transpose ins(%[[BLOCK]] : tensor<8x4xf32>) outs(%{{.*}} : tensor<4x8xf32>) permutation = [1, 0]
// CHECK: tensor.insert_slice %[[T]] into %[[ACC]][0, %[[R]]] [4, 8] [1, 1]
// CHECK: linalg.matmul ins(%{{.*}}, %[[KT]] : tensor<?x4xf32>, tensor<4x16xf32>)
// CHECK: scf.for %[[R2:[^ ]*]] = {{.*}} -> (tensor<4x20xf32>)
// CHECK: %[[LEFT:.*]] = arith.subi %{{.*}}, %[[R2]]
// CHECK: %[[N:.*]] = arith.minsi %[[LEFT]], %{{.*}}
// CHECK: tensor.extract_slice %{{.*}}[%[[R2]], 0] [%[[N]], 4] [1, 1] : tensor<20x4xf32> to tensor<?x4xf32>
// CHECK: linalg.transpose {{.*}} outs(%{{.*}} : tensor<4x?xf32>) permutation = [1, 0]
func.func @matmul$transposed_rhs_blocks(%a: tensor<2x?x4xf32>, %k: tensor<2x16x4xf32>, %k2: tensor<2x20x4xf32>) -> (tensor<2x?x16xf32>, tensor<2x?x20xf32>) {
  %0 = tensor.empty() : tensor<2x4x16xf32>
  %kt = linalg.transpose ins(%k : tensor<2x16x4xf32>) outs(%0 : tensor<2x4x16xf32>) permutation = [0, 2, 1]
  %s = "tsm.matmul"(%a, %kt) : (tensor<2x?x4xf32>, tensor<2x4x16xf32>) -> tensor<2x?x16xf32>
  %1 = tensor.empty() : tensor<2x4x20xf32>
  %kt2 = linalg.transpose ins(%k2 : tensor<2x20x4xf32>) outs(%1 : tensor<2x4x20xf32>) permutation = [0, 2, 1]
  %s2 = "tsm.matmul"(%a, %kt2) : (tensor<2x?x4xf32>, tensor<2x4x20xf32>) -> tensor<2x?x20xf32>
  return %s, %s2 : tensor<2x?x16xf32>, tensor<2x?x20xf32>
}

// -----

// (x * s[row]) @ w, the lhs used only here (softmax's exps times 1 / sum):
// each batch multiplies x's slice, then scales its product's rows (a pass
// over (M, N) rather than (M, K)).
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @matmul$row_scaled_lhs
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x8xf32>, %[[S:.*]]: tensor<2x3xf32>, %[[W:.*]]: tensor<2x8x5xf32>)
// CHECK: scf.for %[[I:[^ ]*]] =
// CHECK: %[[X_I:.*]] = tensor.extract_slice %[[X]][%[[I]], 0, 0] [1, 3, 8] [1, 1, 1]
// CHECK: %[[P:.*]] = linalg.matmul ins(%[[X_I]], %{{.*}} : tensor<3x8xf32>, tensor<8x5xf32>)
// CHECK: %[[S_I:.*]] = tensor.extract_slice %[[S]][%[[I]], 0] [1, 3] [1, 1] : tensor<2x3xf32> to tensor<3xf32>
// CHECK: linalg.generic {indexing_maps = [#[[ROW]], #{{.*}}], iterator_types = ["parallel", "parallel"]} ins(%[[S_I]] : tensor<3xf32>) outs(%[[P]] : tensor<3x5xf32>)
// CHECK: arith.mulf
func.func @matmul$row_scaled_lhs(%x: tensor<2x3x8xf32>, %s: tensor<2x3xf32>, %w: tensor<2x8x5xf32>) -> tensor<2x3x5xf32> {
  %e = tensor.empty() : tensor<2x3x8xf32>
  %a = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%x, %s : tensor<2x3x8xf32>, tensor<2x3xf32>) outs(%e : tensor<2x3x8xf32>) {
  ^bb0(%in: f32, %r: f32, %out: f32):
    %m = arith.mulf %in, %r : f32
    linalg.yield %m : f32
  } -> tensor<2x3x8xf32>
  %0 = "tsm.matmul"(%a, %w) : (tensor<2x3x8xf32>, tensor<2x8x5xf32>) -> tensor<2x3x5xf32>
  return %0 : tensor<2x3x5xf32>
}

// -----

// The scaled lhs has another user: it stays, and the loop multiplies it.
// CHECK-LABEL: func.func @matmul$row_scaled_lhs_shared
// CHECK: %[[A:.*]] = linalg.generic
// CHECK: scf.for %[[I:[^ ]*]] =
// CHECK: %[[A_I:.*]] = tensor.extract_slice %[[A]][%[[I]], 0, 0] [1, 3, 8] [1, 1, 1]
// CHECK: linalg.matmul ins(%[[A_I]], %{{.*}} : tensor<3x8xf32>, tensor<8x5xf32>)
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @matmul$row_scaled_lhs_shared(%x: tensor<2x3x8xf32>, %s: tensor<2x3xf32>, %w: tensor<2x8x5xf32>) -> (tensor<2x3x5xf32>, tensor<2x3x8xf32>) {
  %e = tensor.empty() : tensor<2x3x8xf32>
  %a = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%x, %s : tensor<2x3x8xf32>, tensor<2x3xf32>) outs(%e : tensor<2x3x8xf32>) {
  ^bb0(%in: f32, %r: f32, %out: f32):
    %m = arith.mulf %in, %r : f32
    linalg.yield %m : f32
  } -> tensor<2x3x8xf32>
  %0 = "tsm.matmul"(%a, %w) : (tensor<2x3x8xf32>, tensor<2x8x5xf32>) -> tensor<2x3x5xf32>
  return %0, %a : tensor<2x3x5xf32>, tensor<2x3x8xf32>
}

// -----

// f32 einsums that are matmuls after grouping their letters (einsum_matmul):
// rows from two letters are one collapsed dim of linalg.matmul, expanded back.
// CHECK-LABEL: func.func @einsum$rows
// CHECK-SAME: (%[[X:.*]]: tensor<3x17x20xf32>, %[[W:.*]]: tensor<20x9xf32>)
// CHECK: %[[ROWS:.*]] = tensor.collapse_shape %[[X]] {{\[\[}}0, 1], [2]] : tensor<3x17x20xf32> into tensor<51x20xf32>
// CHECK: %[[P:.*]] = linalg.matmul ins(%[[ROWS]], %[[W]] : tensor<51x20xf32>, tensor<20x9xf32>)
// CHECK: tensor.expand_shape %[[P]] {{\[\[}}0, 1], [2]] output_shape [3, 17, 9]
// CHECK-NOT: linalg.generic
func.func @einsum$rows(%x: tensor<3x17x20xf32>, %w: tensor<20x9xf32>) -> tensor<3x17x9xf32> {
  %0 = "tsm.einsum"(%x, %w) {equation = "bnd,dk->bnk"} : (tensor<3x17x20xf32>, tensor<20x9xf32>) -> tensor<3x17x9xf32>
  return %0 : tensor<3x17x9xf32>
}

// -----

// The weight gives the rows when that saves copies: W (o, c) @ X (c, h*w),
// only reshapes around it (b is 1).
// CHECK-LABEL: func.func @einsum$weight_rows
// CHECK-SAME: (%[[X:.*]]: tensor<1x16x7x9xf32>, %[[W:.*]]: tensor<12x16xf32>)
// CHECK-NOT: linalg.transpose
// CHECK: linalg.matmul ins(%[[W]], %{{.*}} : tensor<12x16xf32>, tensor<16x63xf32>)
// CHECK-NOT: linalg.transpose
// CHECK-NOT: linalg.generic
func.func @einsum$weight_rows(%x: tensor<1x16x7x9xf32>, %w: tensor<12x16xf32>) -> tensor<1x12x7x9xf32> {
  %0 = "tsm.einsum"(%x, %w) {equation = "bchw,oc->bohw"} : (tensor<1x16x7x9xf32>, tensor<12x16xf32>) -> tensor<1x12x7x9xf32>
  return %0 : tensor<1x12x7x9xf32>
}

// -----

// Batch letters not leading in an operand or the result: each batch's 2-D
// slices are read and written in place, no transposed copy.
// CHECK-LABEL: func.func @einsum$heads_merged
// CHECK-SAME: (%[[P:.*]]: tensor<2x3x17x19xf32>, %[[V:.*]]: tensor<2x19x3x8xf32>)
// CHECK: %[[OUT:.*]] = tensor.empty() : tensor<2x17x3x8xf32>
// CHECK: scf.for {{.*}} iter_args(%[[ACC:.*]] = %[[OUT]])
// CHECK: %[[PB:.*]] = tensor.extract_slice %[[P]]{{.*}} : tensor<2x3x17x19xf32> to tensor<17x19xf32>
// CHECK: %[[VB:.*]] = tensor.extract_slice %[[V]]{{.*}} : tensor<2x19x3x8xf32> to tensor<19x8xf32>
// CHECK: %[[OB:.*]] = tensor.extract_slice %[[ACC]]{{.*}} : tensor<2x17x3x8xf32> to tensor<17x8xf32>
// CHECK: linalg.matmul ins(%[[PB]], %[[VB]] : tensor<17x19xf32>, tensor<19x8xf32>)
// CHECK: tensor.insert_slice {{.*}} into %[[ACC]]
// CHECK-NOT: linalg.transpose
func.func @einsum$heads_merged(%p: tensor<2x3x17x19xf32>, %v: tensor<2x19x3x8xf32>) -> tensor<2x17x3x8xf32> {
  %0 = "tsm.einsum"(%p, %v) {equation = "bhqk,bkhd->bqhd"} : (tensor<2x3x17x19xf32>, tensor<2x19x3x8xf32>) -> tensor<2x17x3x8xf32>
  return %0 : tensor<2x17x3x8xf32>
}

// -----

// Broadcast batch dims: one 2-D matmul per batch of the result; lhs's
// size-1 dim reads index 0, rhs (fewer batch dims) its trailing batch index.
// CHECK-LABEL: func.func @matmul$broadcast_batches
// CHECK-SAME: (%[[A:.*]]: tensor<3x1x4x5xf32>, %[[B:.*]]: tensor<2x5x6xf32>)
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK: scf.for
// CHECK: %[[J:.*]] = arith.remui
// CHECK: %[[I:.*]] = arith.divui
// CHECK: %[[AB:.*]] = tensor.extract_slice %[[A]][%[[I]], %[[C0]], 0, 0] [1, 1, 4, 5]
// CHECK: %[[BB:.*]] = tensor.extract_slice %[[B]][%[[J]], 0, 0] [1, 5, 6]
// CHECK: linalg.matmul ins(%[[AB]], %[[BB]] : tensor<4x5xf32>, tensor<5x6xf32>)
// CHECK-NOT: linalg.generic
func.func @matmul$broadcast_batches(%a: tensor<3x1x4x5xf32>, %b: tensor<2x5x6xf32>) -> tensor<3x2x4x6xf32> {
  %0 = "tsm.matmul"(%a, %b) : (tensor<3x1x4x5xf32>, tensor<2x5x6xf32>) -> tensor<3x2x4x6xf32>
  return %0 : tensor<3x2x4x6xf32>
}
