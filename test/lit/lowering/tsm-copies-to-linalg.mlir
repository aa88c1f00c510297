// RUN: tsmlir-opt %s --tsm-copies-to-linalg | filecheck %s

// Copies between views with unit innermost stride become linalg.copy (which
// tsm-cpu-vectorize vectorizes).
// CHECK-LABEL: func.func @copy$strided
// CHECK-SAME: (%[[SRC:.*]]: memref<4x8xf32, strided<[32, 1]>>, %[[DST:.*]]: memref<4x8xf32>)
// CHECK: linalg.copy {{.*}}ins(%[[SRC]] : memref<4x8xf32, strided<[32, 1]>>) outs(%[[DST]] : memref<4x8xf32>)
// CHECK-NOT: memref.copy
func.func @copy$strided(%src: memref<4x8xf32, strided<[32, 1]>>, %dst: memref<4x8xf32>) {
  memref.copy %src, %dst : memref<4x8xf32, strided<[32, 1]>> to memref<4x8xf32>
  return
}

// Copies whose innermost dim is strided (gathers) call one loop-nest function
// per element type and rank on fully dynamic views, never inlined (LLVM would
// unroll each inlined copy); a rank-0 copy is no gather.
// CHECK-LABEL: func.func @copy$gather
// CHECK-SAME: (%[[SRC:.*]]: memref<4x8xf32, strided<[32, 3]>>, %[[DST:.*]]: memref<4x8xf32>, %[[SRC2:.*]]: memref<3x5xf32, strided<[10, 3], offset: 1>>, %[[DST2:.*]]: memref<3x5xf32>, %[[S0:.*]]: memref<f32>, %[[D0:.*]]: memref<f32>)
// CHECK: %[[VS:.*]] = memref.cast %[[SRC]] : memref<4x8xf32, strided<[32, 3]>> to memref<?x?xf32, strided<[?, ?], offset: ?>>
// CHECK: %[[VD:.*]] = memref.cast %[[DST]] : memref<4x8xf32> to memref<?x?xf32, strided<[?, ?], offset: ?>>
// CHECK: call @tsm_strided_copy_f32_2d(%[[VS]], %[[VD]])
// CHECK: %[[VS2:.*]] = memref.cast %[[SRC2]]
// CHECK: %[[VD2:.*]] = memref.cast %[[DST2]]
// CHECK: call @tsm_strided_copy_f32_2d(%[[VS2]], %[[VD2]])
// CHECK: linalg.copy {{.*}}ins(%[[S0]] : memref<f32>) outs(%[[D0]] : memref<f32>)
// CHECK-NOT: memref.copy
func.func @copy$gather(%src: memref<4x8xf32, strided<[32, 3]>>, %dst: memref<4x8xf32>,
                       %src2: memref<3x5xf32, strided<[10, 3], offset: 1>>, %dst2: memref<3x5xf32>,
                       %s0: memref<f32>, %d0: memref<f32>) {
  memref.copy %src, %dst : memref<4x8xf32, strided<[32, 3]>> to memref<4x8xf32>
  memref.copy %src2, %dst2 : memref<3x5xf32, strided<[10, 3], offset: 1>> to memref<3x5xf32>
  memref.copy %s0, %d0 : memref<f32> to memref<f32>
  return
}

// The fill of a bufferized tensor.pad (a linalg.map without inputs yielding
// the padding value, after unused linalg.index ops) becomes linalg.fill; a
// map that computes from its indices stays.
// CHECK-LABEL: func.func @pad$fill
// CHECK-SAME: (%[[M:.*]]: memref<2x5x7xf32>, %[[V:.*]]: f32, %[[I:.*]]: memref<3xindex>)
// CHECK: linalg.fill ins(%[[V]] : f32) outs(%[[M]] : memref<2x5x7xf32>)
// CHECK: %[[C:.*]] = arith.constant 0xFF800000 : f32
// CHECK: linalg.fill ins(%[[C]] : f32) outs(%[[M]] : memref<2x5x7xf32>)
// CHECK: linalg.map outs(%[[I]] : memref<3xindex>)
// CHECK: linalg.index 0
// CHECK-NOT: linalg.fill
func.func @pad$fill(%m: memref<2x5x7xf32>, %v: f32, %i: memref<3xindex>) {
  linalg.map outs(%m : memref<2x5x7xf32>)
    (%init: f32) {
      %0 = linalg.index 1 : index
      %1 = linalg.index 2 : index
      linalg.yield %v : f32
    }
  linalg.map outs(%m : memref<2x5x7xf32>)
    (%init: f32) {
      %ninf = arith.constant 0xFF800000 : f32
      linalg.yield %ninf : f32
    }
  linalg.map outs(%i : memref<3xindex>)
    (%init: index) {
      %0 = linalg.index 0 : index
      linalg.yield %0 : index
    }
  return
}

// f32 gathers of every other element into a row of unit stride (stride-2
// im2col slices) call the vectorized function of their rank: the source rows
// reinterpreted as contiguous runs of 2n-1 floats, 8 results from a load and
// a 7-lane masked load (the 16th float lies past the row) by one shuffle of
// the even lanes, then a scalar remainder.  f64 keeps the generic loop nest.
// CHECK-LABEL: func.func @copy$stride2
// CHECK-SAME: (%[[SRC:.*]]: memref<3x5x9xf32, strided<[200, 20, 2], offset: 1>>, %[[DST:.*]]: memref<3x5x9xf32, strided<[90, 18, 1]>>, %[[SRC64:.*]]: memref<4x8xf64, strided<[32, 2]>>, %[[DST64:.*]]: memref<4x8xf64>)
// CHECK: %[[VS:.*]] = memref.cast %[[SRC]] : {{.*}} to memref<?x?x?xf32, strided<[?, ?, ?], offset: ?>>
// CHECK: %[[VD:.*]] = memref.cast %[[DST]] : {{.*}} to memref<?x?x?xf32, strided<[?, ?, 1], offset: ?>>
// CHECK: call @tsm_strided_copy_f32_3d_s2(%[[VS]], %[[VD]])
// CHECK: call @tsm_strided_copy_f64_2d(
// The helpers follow the functions, in the order of first use.
// CHECK: func.func private @tsm_strided_copy_f32_2d(%[[A:.*]]: memref<?x?xf32, strided<[?, ?], offset: ?>>, %[[B:.*]]: memref<?x?xf32, strided<[?, ?], offset: ?>>)
// CHECK-SAME: passthrough = ["noinline"]
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step
// CHECK: scf.for %[[J:.*]] = %{{.*}} to %{{.*}} step
// CHECK: %[[V:.*]] = memref.load %[[A]][%[[I]], %[[J]]]
// CHECK: memref.store %[[V]], %[[B]][%[[I]], %[[J]]]
// CHECK-NOT: func.func private @tsm_strided_copy_f32_2d
// CHECK: func.func private @tsm_strided_copy_f32_3d_s2(%[[A3:.*]]: memref<?x?x?xf32, strided<[?, ?, ?], offset: ?>>, %[[B3:.*]]: memref<?x?x?xf32, strided<[?, ?, 1], offset: ?>>)
// CHECK-SAME: passthrough = ["noinline"]
// CHECK: %[[MASK:.*]] = vector.constant_mask [7] : vector<8xi1>
// CHECK: %{{.*}}, %[[OFF:.*]], %[[SIZES:.*]]:3, %[[STRIDES:.*]]:3 = memref.extract_strided_metadata %[[A3]]
// CHECK: %[[TWICE:.*]] = arith.muli %[[SIZES]]#2, %{{.*}}
// CHECK: %[[SPAN1:.*]] = arith.subi %[[TWICE]], %{{.*}}
// CHECK: %[[SPAN:.*]] = arith.maxsi %[[SPAN1]], %{{.*}}
// CHECK: %[[DENSE:.*]] = memref.reinterpret_cast %[[A3]] to offset: [%[[OFF]]], sizes: [%[[SIZES]]#0, %[[SIZES]]#1, %[[SPAN]]], strides: [%[[STRIDES]]#0, %[[STRIDES]]#1, 1]
// CHECK: scf.for %[[I3:.*]] = %{{.*}} to %[[SIZES]]#0
// CHECK: scf.for %[[J3:.*]] = %{{.*}} to %[[SIZES]]#1
// CHECK: scf.for %[[K:.*]] = %{{.*}} to %{{.*}} step %c8
// CHECK: %[[S:.*]] = arith.muli %[[K]], %c2
// CHECK: %[[S8:.*]] = arith.addi %[[S]], %c8
// CHECK: %[[LO:.*]] = vector.load %[[DENSE]][%[[I3]], %[[J3]], %[[S]]]
// CHECK: %[[HI:.*]] = vector.maskedload %[[DENSE]][%[[I3]], %[[J3]], %[[S8]]], %[[MASK]]
// CHECK: %[[VV:.*]] = vector.shuffle %[[LO]], %[[HI]] [0, 2, 4, 6, 8, 10, 12, 14]
// CHECK: vector.store %[[VV]], %[[B3]][%[[I3]], %[[J3]], %[[K]]]
// CHECK: scf.for %[[T:.*]] = %{{.*}} to %{{.*}} step %c1
// CHECK: %[[TS:.*]] = arith.muli %[[T]], %c2
// CHECK: %[[X:.*]] = memref.load %[[DENSE]][%[[I3]], %[[J3]], %[[TS]]]
// CHECK: memref.store %[[X]], %[[B3]][%[[I3]], %[[J3]], %[[T]]]
func.func @copy$stride2(%src: memref<3x5x9xf32, strided<[200, 20, 2], offset: 1>>,
                        %dst: memref<3x5x9xf32, strided<[90, 18, 1]>>,
                        %src64: memref<4x8xf64, strided<[32, 2]>>, %dst64: memref<4x8xf64>) {
  memref.copy %src, %dst : memref<3x5x9xf32, strided<[200, 20, 2], offset: 1>> to memref<3x5x9xf32, strided<[90, 18, 1]>>
  memref.copy %src64, %dst64 : memref<4x8xf64, strided<[32, 2]>> to memref<4x8xf64>
  return
}
