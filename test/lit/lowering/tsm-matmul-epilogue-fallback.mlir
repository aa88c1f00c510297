// RUN: tsmlir-opt %s --tsm-matmul-epilogue-fallback | filecheck %s

// A marked matmul that the packed kernels take keeps its mark (static rows,
// or sizes known only at run time); one they do not take (A read as (K, M)
// with a run-time M; 8 rows of a non-constant B) loses it and is followed
// by max(C, 0) over C in place.
// CHECK-LABEL: func.func @fallback
// CHECK: linalg.matmul {tsm.epilogue = "relu"} ins(%{{.*}} : memref<64x30xf32>, memref<30x20xf32>) outs(%[[C0:[^ ]*]] :
// CHECK-NOT: linalg.generic
// CHECK: linalg.matmul {tsm.epilogue = "relu"} ins(%{{.*}} : memref<?x30xf32>, memref<30x20xf32>) outs(%{{[^ ]*}} :
// CHECK-NOT: linalg.generic
// CHECK: linalg.matmul indexing_maps = {{.*}} ins(%{{.*}} : memref<30x?xf32>, memref<30x20xf32>) outs(%[[C1:[^ ]*]] :
// CHECK-NEXT: linalg.generic {{.*}} outs(%[[C1]] : memref<?x20xf32>)
// CHECK-NEXT: ^bb0(%[[X:.*]]: f32):
// CHECK: %[[M:.*]] = arith.maximumf %[[X]], %{{.*}} : f32
// CHECK: linalg.yield %[[M]]
// CHECK: linalg.matmul ins(%{{.*}} : memref<8x30xf32>, memref<30x20xf32>) outs(%[[C2:[^ ]*]] :
// CHECK-NEXT: linalg.generic {{.*}} outs(%[[C2]] : memref<8x20xf32>)
// CHECK-NOT: tsm.epilogue
// CHECK: return
func.func @fallback(%a: memref<64x30xf32>, %w: memref<30x20xf32>, %c: memref<64x20xf32>,
                    %ad: memref<?x30xf32>, %cd: memref<?x20xf32>,
                    %at: memref<30x?xf32>,
                    %a8: memref<8x30xf32>, %c8: memref<8x20xf32>) {
  linalg.matmul {tsm.epilogue = "relu"} ins(%a, %w : memref<64x30xf32>, memref<30x20xf32>)
                outs(%c : memref<64x20xf32>)
  linalg.matmul {tsm.epilogue = "relu"} ins(%ad, %w : memref<?x30xf32>, memref<30x20xf32>)
                outs(%cd : memref<?x20xf32>)
  linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d2, d0)>,
                                 affine_map<(d0, d1, d2) -> (d2, d1)>,
                                 affine_map<(d0, d1, d2) -> (d0, d1)>]
      ins(%at, %w : memref<30x?xf32>, memref<30x20xf32>) outs(%cd : memref<?x20xf32>)
      {tsm.epilogue = "relu"}
  linalg.matmul {tsm.epilogue = "relu"} ins(%a8, %w : memref<8x30xf32>, memref<30x20xf32>)
                outs(%c8 : memref<8x20xf32>)
  return
}
