// RUN: tsmlir-opt %s --tsm-copies-to-linalg --split-input-file | filecheck %s

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

// -----

// Copies between views with unit innermost stride call one shared function
// per element type and rank (on dynamic views with unit inner stride), after
// their unit dims are dropped and the dims contiguous in both views merged:
// a padded buffer's interior keeps its rows (4x8 of a 32-wide buffer), a
// dense copy becomes one row, a size-1 batch dim goes.  A trailing unit dim
// of strided rows cannot merge into them (the row would lose its unit
// stride): that copy keeps its rank.  i1 memrefs (widened later) and rank-0
// copies stay linalg.copy.
// CHECK-LABEL: func.func @copy$rows
// CHECK-SAME: (%[[SRC:.*]]: memref<4x8xf32, strided<[32, 1]>>, %[[DST:.*]]: memref<4x8xf32>, %[[DS:.*]]: memref<1x3x5x7xi32>, %[[DD:.*]]: memref<1x3x5x7xi32, strided<[210, 35, 7, 1], offset: 5>>, %[[PS:.*]]: memref<1x2x5x7xf32, strided<[280, 70, 10, 1], offset: 11>>, %[[PD:.*]]: memref<1x2x5x7xf32>, %[[TS:.*]]: memref<4x1xf64, strided<[8, 1]>>, %[[TD:.*]]: memref<4x1xf64>, %[[BS:.*]]: memref<6xi1>, %[[BD:.*]]: memref<6xi1>)
// CHECK: %[[VS:.*]] = memref.cast %[[SRC]] : memref<4x8xf32, strided<[32, 1]>> to memref<?x?xf32, strided<[?, 1], offset: ?>>
// CHECK: %[[VD:.*]] = memref.cast %[[DST]] : memref<4x8xf32> to memref<?x?xf32, strided<[?, 1], offset: ?>>
// CHECK: call @tsm_copy_f32_2d(%[[VS]], %[[VD]])
// CHECK: %[[FS:.*]] = memref.collapse_shape %[[DS]] {{\[}}[0, 1, 2, 3]] : memref<1x3x5x7xi32> into memref<105xi32>
// CHECK: %[[FD:.*]] = memref.collapse_shape %[[DD]] {{\[}}[0, 1, 2, 3]] : {{.*}} into memref<105xi32, strided<[1], offset: 5>>
// CHECK: %[[CFS:.*]] = memref.cast %[[FS]] : memref<105xi32> to memref<?xi32, strided<[1], offset: ?>>
// CHECK: %[[CFD:.*]] = memref.cast %[[FD]]
// CHECK: call @tsm_copy_i32_1d(%[[CFS]], %[[CFD]])
// CHECK: %[[RS:.*]] = memref.collapse_shape %[[PS]] {{\[}}[0, 1], [2], [3]] : {{.*}} into memref<2x5x7xf32, strided<[70, 10, 1], offset: 11>>
// CHECK: %[[RD:.*]] = memref.collapse_shape %[[PD]] {{\[}}[0, 1], [2], [3]] : memref<1x2x5x7xf32> into memref<2x5x7xf32>
// CHECK: call @tsm_copy_f32_3d(
// CHECK: %[[CTS:.*]] = memref.cast %[[TS]] : memref<4x1xf64, strided<[8, 1]>> to memref<?x?xf64, strided<[?, 1], offset: ?>>
// CHECK: call @tsm_copy_f64_2d(%[[CTS]],
// CHECK: linalg.copy {{.*}}ins(%[[BS]] : memref<6xi1>) outs(%[[BD]] : memref<6xi1>)
// CHECK-NOT: memref.copy
// CHECK-NOT: _par
func.func @copy$rows(%src: memref<4x8xf32, strided<[32, 1]>>, %dst: memref<4x8xf32>,
                     %ds: memref<1x3x5x7xi32>, %dd: memref<1x3x5x7xi32, strided<[210, 35, 7, 1], offset: 5>>,
                     %ps: memref<1x2x5x7xf32, strided<[280, 70, 10, 1], offset: 11>>, %pd: memref<1x2x5x7xf32>,
                     %ts: memref<4x1xf64, strided<[8, 1]>>, %td: memref<4x1xf64>,
                     %bs: memref<6xi1>, %bd: memref<6xi1>) {
  memref.copy %src, %dst : memref<4x8xf32, strided<[32, 1]>> to memref<4x8xf32>
  memref.copy %ds, %dd : memref<1x3x5x7xi32> to memref<1x3x5x7xi32, strided<[210, 35, 7, 1], offset: 5>>
  memref.copy %ps, %pd : memref<1x2x5x7xf32, strided<[280, 70, 10, 1], offset: 11>> to memref<1x2x5x7xf32>
  memref.copy %ts, %td : memref<4x1xf64, strided<[8, 1]>> to memref<4x1xf64>
  memref.copy %bs, %bd : memref<6xi1> to memref<6xi1>
  return
}

// The shared row copies follow every other helper (first use last): a loop
// per outer dim, a 32-byte vector loop along the row, then for 32/64-bit
// types the remainder (a scalar one for 8/16): rows of a vector or more
// copy their last vector again, overlapping (unmasked: masked stores cost
// ~5x a store on AMD Zen); narrower rows load masked and, where the
// destination's rows follow each other without gaps and a whole vector
// still fits, store a whole vector into the flat destination (the next
// rows overwrite the lanes past the row), else masked.
// CHECK-LABEL: func.func private @tsm_copy_f32_2d(
// CHECK-SAME: %[[A:.*]]: memref<?x?xf32, strided<[?, 1], offset: ?>>, %[[B:.*]]: memref<?x?xf32, strided<[?, 1], offset: ?>>)
// CHECK-SAME: passthrough = ["noinline"]
// CHECK: %[[N1:.*]] = memref.dim %[[B]], %c1
// CHECK: %[[REM:.*]] = arith.remui %[[N1]], %c8
// CHECK: %[[NV:.*]] = arith.subi %[[N1]], %[[REM]]
// CHECK: %[[LAST:.*]] = arith.subi %[[N1]], %c8
// CHECK: %[[WIDE:.*]] = arith.cmpi sge, %[[LAST]], %c0
// CHECK: memref.extract_strided_metadata %[[B]]
// CHECK: %[[FLAT:.*]] = memref.reinterpret_cast %[[B]]
// CHECK: scf.for %[[I:.*]] = %c0 to %{{.*}} step %c1
// CHECK: scf.for %[[J:.*]] = %c0 to %[[NV]] step %c8
// CHECK: %[[V:.*]] = vector.load %[[A]][%[[I]], %[[J]]] {{.*}}, vector<8xf32>
// CHECK: vector.store %[[V]], %[[B]][%[[I]], %[[J]]]
// CHECK: scf.if
// CHECK: scf.if %[[WIDE]] {
// CHECK: %[[LV:.*]] = vector.load %[[A]][%[[I]], %[[LAST]]]
// CHECK: vector.store %[[LV]], %[[B]][%[[I]], %[[LAST]]]
// CHECK: } else {
// CHECK: %[[M:.*]] = vector.create_mask %[[REM]] : vector<8xi1>
// CHECK: %[[T:.*]] = vector.maskedload %[[A]][%[[I]], %[[NV]]], %[[M]]
// CHECK: scf.if
// CHECK: vector.store %[[T]], %[[FLAT]][
// CHECK: } else {
// CHECK: vector.maskedstore %[[B]][%[[I]], %[[NV]]], %[[M]], %[[T]]
// CHECK-LABEL: func.func private @tsm_copy_i32_1d(
// CHECK: vector.load {{.*}} vector<8xi32>
// CHECK-LABEL: func.func private @tsm_copy_f32_3d(
// CHECK-LABEL: func.func private @tsm_copy_f64_2d(
// CHECK: vector.load {{.*}} vector<4xf64>

// -----

// With threads, a copy of at least MIN_PARALLEL_ELEMENTS (65536) elements,
// or of a size unknown until run time, calls the parallel variant; a small
// one the serial function.  The parallel variant copies serially under the
// threshold, else the threads take chunks of the outermost dim.
module attributes {tsm.num_threads = 2 : i64} {
// CHECK-LABEL: func.func @copy$threads
// CHECK: call @tsm_copy_f32_3d_par(
// CHECK: call @tsm_copy_f32_3d(
// CHECK: call @tsm_copy_f32_3d_par(
// CHECK-LABEL: func.func private @tsm_copy_f32_3d(
// CHECK-LABEL: func.func private @tsm_copy_f32_3d_par(
// CHECK-SAME: %[[S:[^:]*]]: memref<?x?x?xf32, strided<[?, ?, 1], offset: ?>>, %[[D:[^:]*]]: memref<?x?x?xf32, strided<[?, ?, 1], offset: ?>>)
// CHECK: %[[N0:.*]] = memref.dim %[[D]], %c0
// CHECK: %[[SMALL:.*]] = arith.cmpi ult, %{{.*}}, %c65536
// CHECK: scf.if %[[SMALL]] {
// CHECK-NEXT: call @tsm_copy_f32_3d(%[[S]], %[[D]])
// CHECK: } else {
// CHECK: %[[PER:.*]] = arith.ceildivui %{{.*}}, %c2{{(_[0-9]+)?}}
// CHECK: scf.parallel (%[[T:.*]]) = (%c0) to (%c2{{(_[0-9]+)?}}) step (%c1)
// CHECK: %[[LO0:.*]] = arith.muli %[[T]], %{{.*}}
// CHECK: %[[LO:.*]] = arith.minui %[[LO0]], %[[N0]]
// CHECK: %[[DS:.*]] = memref.subview %[[D]][%[[LO]], 0, 0] [%[[LEN:.*]], %{{.*}}, %{{.*}}] [1, 1, 1]
// CHECK: %[[SS:.*]] = memref.subview %[[S]][%[[LO]], 0, 0] [%[[LEN]], %{{.*}}, %{{.*}}] [1, 1, 1]
// CHECK: call @tsm_copy_f32_3d(%[[SS]], %[[DS]])
func.func @copy$threads(%big: memref<64x56x56xf32, strided<[3364, 58, 1], offset: 59>>, %bigd: memref<64x56x56xf32>,
                        %small: memref<4x5x6xf32, strided<[60, 10, 1]>>, %smalld: memref<4x5x6xf32>,
                        %dyn: memref<?x5x6xf32, strided<[60, 10, 1]>>, %dynd: memref<?x5x6xf32>) {
  memref.copy %big, %bigd : memref<64x56x56xf32, strided<[3364, 58, 1], offset: 59>> to memref<64x56x56xf32>
  memref.copy %small, %smalld : memref<4x5x6xf32, strided<[60, 10, 1]>> to memref<4x5x6xf32>
  memref.copy %dyn, %dynd : memref<?x5x6xf32, strided<[60, 10, 1]>> to memref<?x5x6xf32>
  return
}
}

// -----

// The fill of a bufferized tensor.pad (a linalg.map without inputs yielding
// the padding value, after unused linalg.index ops) becomes a fill, which
// calls the shared fill function of its element type and (collapsed) rank
// like the row copies below; a map that computes from its indices stays.
// A fill of a matmul's accumulator stays linalg.fill (the matmul codegen's
// to fold), and so does an i1 fill.
// CHECK-LABEL: func.func @pad$fill
// CHECK-SAME: (%[[M:.*]]: memref<2x5x7xf32>, %[[V:.*]]: f32, %[[I:.*]]: memref<3xindex>, %[[A:.*]]: memref<4x4xf32>, %[[C:.*]]: memref<4x4xf32>, %[[B:.*]]: memref<9xi1>)
// CHECK: %[[FLAT:.*]] = memref.collapse_shape %[[M]] {{\[}}[0, 1, 2]] : memref<2x5x7xf32> into memref<70xf32>
// CHECK: %[[VIEW:.*]] = memref.cast %[[FLAT]] : memref<70xf32> to memref<?xf32, strided<[1], offset: ?>>
// CHECK: call @tsm_fill_f32_1d(%[[V]], %[[VIEW]])
// CHECK: %[[NINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: call @tsm_fill_f32_1d(%[[NINF]],
// CHECK: linalg.map outs(%[[I]] : memref<3xindex>)
// CHECK: linalg.index 0
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%[[C]] : memref<4x4xf32>)
// CHECK-NEXT: linalg.matmul
// CHECK: linalg.fill ins(%{{.*}} : i1) outs(%[[B]] : memref<9xi1>)
// CHECK-LABEL: func.func private @tsm_fill_f32_1d(
// CHECK-SAME: %[[X:.*]]: f32, %[[D:.*]]: memref<?xf32, strided<[1], offset: ?>>)
// CHECK: %[[XV:.*]] = vector.broadcast %[[X]] : f32 to vector<8xf32>
// CHECK: scf.for %[[J:.*]] = %c0 to %{{.*}} step %c8
// CHECK: vector.store %[[XV]], %[[D]][%[[J]]]
// CHECK: vector.maskedstore %[[D]][%{{.*}}], %{{.*}}, %[[XV]]
func.func @pad$fill(%m: memref<2x5x7xf32>, %v: f32, %i: memref<3xindex>,
                    %a: memref<4x4xf32>, %c: memref<4x4xf32>, %b: memref<9xi1>) {
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
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<4x4xf32>)
  linalg.matmul ins(%a, %a : memref<4x4xf32>, memref<4x4xf32>) outs(%c : memref<4x4xf32>)
  %true = arith.constant true
  linalg.fill ins(%true : i1) outs(%b : memref<9xi1>)
  return
}

// -----

// A fill, then the copy into a unit-stride view of the filled buffer at
// static offsets (a bufferized tensor.pad): one pass over the buffer, a call
// of the pad function of its element type and rank (unit dims dropped; with
// threads the parallel variant) with the fill value, the source, the buffer,
// the first row (0) and the offsets.  A small buffer (under 65536 elements)
// or rows narrower than a vector (masked stores) keep the fill and the copy.
// The serial function: per outer index inside the interior, the rows above
// it, in it and below it as three loops; unmasked vectors (the last moved
// back inside the row) for the value, then the source row over it.
module attributes {tsm.num_threads = 2 : i64} {
// CHECK-LABEL: func.func @pad$one_pass
// CHECK-SAME: (%[[X:.*]]: memref<1x64x56x56xf32>, %[[V:.*]]: f32, %[[Y:.*]]: memref<2x3x4xf32>, %[[Z:.*]]: memref<4096x5x5xf32>)
// CHECK: %[[BUF:.*]] = memref.alloc() : memref<1x64x58x58xf32>
// CHECK-NOT: linalg.fill
// CHECK: %[[S:.*]] = memref.collapse_shape %[[X]] {{\[}}[0, 1], [2], [3]] : memref<1x64x56x56xf32> into memref<64x56x56xf32>
// CHECK: %[[SV:.*]] = memref.cast %[[S]]
// CHECK: %[[D:.*]] = memref.collapse_shape %[[BUF]] {{\[}}[0, 1], [2], [3]] : memref<1x64x58x58xf32> into memref<64x58x58xf32>
// CHECK: %[[DV:.*]] = memref.cast %[[D]]
// CHECK: call @tsm_pad_f32_3d_par(%[[V]], %[[SV]], %[[DV]], %c0{{.*}}, %c0{{.*}}, %c1, %c2)
// CHECK-NOT: memref.copy
// CHECK: call @tsm_fill_f32_1d(%[[V]],
// CHECK: call @tsm_copy_f32_3d(
// CHECK: call @tsm_fill_f32_1d_par(%[[V]],
// CHECK: call @tsm_copy_f32_3d_par(
// CHECK-LABEL: func.func private @tsm_pad_f32_3d(
// CHECK-SAME: %[[VAL:[^:]*]]: f32, %[[SRC:[^:]*]]: memref<?x?x?xf32, strided<[?, ?, 1], offset: ?>>, %[[DST:[^:]*]]: memref<?x?x?xf32, strided<[?, ?, 1], offset: ?>>, %[[BASE:[^:]*]]: index, %[[O0:[^:]*]]: index, %[[O1:[^:]*]]: index, %[[O2:[^:]*]]: index)
// CHECK: %[[VEC:.*]] = vector.broadcast %[[VAL]] : f32 to vector<8xf32>
// CHECK: %[[LASTV:.*]] = arith.subi %{{.*}}, %c8
// CHECK: scf.for %[[C:.*]] = %c0 to
// CHECK: %[[G:.*]] = arith.addi %[[C]], %[[BASE]]
// CHECK: %[[SC:.*]] = arith.subi %[[G]], %[[O0]]
// CHECK: %[[IN:.*]] = arith.cmpi ult, %[[SC]]
// CHECK: scf.if %[[IN]] {
// CHECK: scf.for %[[R:.*]] = %c0 to %[[RLO:.*]] step %c1 {
// CHECK: scf.for %[[J:.*]] = %c0 to
// CHECK: %[[JJ:.*]] = arith.minsi %[[J]], %[[LASTV]]
// CHECK: vector.store %[[VEC]], %[[DST]][%[[C]], %[[R]], %[[JJ]]]
// CHECK: scf.for %[[R2:.*]] = %[[RLO]] to %[[RHI:.*]] step %c1 {
// CHECK: %[[SR:.*]] = arith.subi %{{.*}}, %[[O1]]
// CHECK: vector.store %[[VEC]], %[[DST]]
// CHECK: vector.store %[[VEC]], %[[DST]]
// CHECK: %[[ROW:.*]] = vector.load %[[SRC]][%[[SC]], %[[SR]], %{{.*}}]
// CHECK: vector.store %[[ROW]], %[[DST]][%[[C]], %[[R2]], %{{.*}}]
// CHECK: vector.maskedstore
// CHECK: scf.for %{{.*}} = %[[RHI]] to
// CHECK: } else {
// CHECK: vector.store %[[VEC]], %[[DST]]
// CHECK-LABEL: func.func private @tsm_pad_f32_3d_par(
// CHECK: scf.parallel (%[[T:.*]]) =
// CHECK: %[[LO:.*]] = arith.minui
// CHECK: %[[CHUNK:.*]] = memref.subview %{{.*}}{{\[}}%[[LO]], 0, 0]
// CHECK: %[[FIRST:.*]] = arith.addi %{{.*}}, %[[LO]]
// CHECK: call @tsm_pad_f32_3d(%{{.*}}, %{{.*}}, %[[CHUNK]], %[[FIRST]],
func.func @pad$one_pass(%x: memref<1x64x56x56xf32>, %v: f32, %y: memref<2x3x4xf32>,
                        %z: memref<4096x5x5xf32>) {
  %buf = memref.alloc() : memref<1x64x58x58xf32>
  linalg.fill ins(%v : f32) outs(%buf : memref<1x64x58x58xf32>)
  %in = memref.subview %buf[0, 0, 1, 2] [1, 64, 56, 56] [1, 1, 1, 1]
      : memref<1x64x58x58xf32> to memref<1x64x56x56xf32, strided<[215296, 3364, 58, 1], offset: 60>>
  memref.copy %x, %in : memref<1x64x56x56xf32> to memref<1x64x56x56xf32, strided<[215296, 3364, 58, 1], offset: 60>>
  %small = memref.alloc() : memref<2x5x6xf32>
  linalg.fill ins(%v : f32) outs(%small : memref<2x5x6xf32>)
  %sin = memref.subview %small[0, 1, 1] [2, 3, 4] [1, 1, 1]
      : memref<2x5x6xf32> to memref<2x3x4xf32, strided<[30, 6, 1], offset: 7>>
  memref.copy %y, %sin : memref<2x3x4xf32> to memref<2x3x4xf32, strided<[30, 6, 1], offset: 7>>
  %narrow = memref.alloc() : memref<4096x7x7xf32>
  linalg.fill ins(%v : f32) outs(%narrow : memref<4096x7x7xf32>)
  %nin = memref.subview %narrow[0, 1, 1] [4096, 5, 5] [1, 1, 1]
      : memref<4096x7x7xf32> to memref<4096x5x5xf32, strided<[49, 7, 1], offset: 8>>
  memref.copy %z, %nin : memref<4096x5x5xf32> to memref<4096x5x5xf32, strided<[49, 7, 1], offset: 8>>
  return
}
}

// -----

// A reflect pad's interior copy and its border generics (columns beside
// the interior rows read through lo - j and (W - 2) - j, the top row and its
// corners through 1 - i): one call on the planes of D (all rows, full
// width), its border sizes and sources constants of the function (in its
// name), which writes D's rows in order, each from a row of S with its
// columns: the top row from S's row 1, then S's rows.
#id = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#left = affine_map<(d0, d1, d2) -> (d0, d1, -d2 + 2)>
#right = affine_map<(d0, d1, d2) -> (d0, d1, -d2 + 18)>
#top = affine_map<(d0, d1, d2) -> (d0, -d1 + 1, d2)>
#top_left = affine_map<(d0, d1, d2) -> (d0, -d1 + 1, -d2 + 2)>
#top_right = affine_map<(d0, d1, d2) -> (d0, -d1 + 1, -d2 + 18)>
// CHECK-LABEL: func.func @pad$edges_rows
// CHECK-SAME: (%[[X:.*]]: memref<4x6x20xf32>)
// CHECK: %[[D:.*]] = memref.alloc()
// CHECK: %[[PLANES:.*]] = memref.subview %[[D]][0, 0, 0] [4, 7, 23] [1, 1, 1]
// CHECK: %[[VX:.*]] = memref.cast %[[X]]
// CHECK: %[[VP:.*]] = memref.cast %[[PLANES]]
// CHECK: call @tsm_pad_edges_f32_3d_1_1_m1_0_0_2_2_m1_18_m1(%[[VX]], %[[VP]])
// CHECK-NOT: memref.copy
// CHECK-NOT: linalg.generic
// CHECK: return %[[D]]
// CHECK-LABEL: func.func private @tsm_pad_edges_f32_3d_1_1_m1_0_0_2_2_m1_18_m1(
// CHECK-SAME: %[[SRC:[^:]*]]: memref<?x?x?xf32, strided<[?, ?, 1], offset: ?>>, %[[DST:[^:]*]]: memref<?x?x?xf32, strided<[?, ?, 1], offset: ?>>)
// CHECK-DAG: %[[BACK:.*]] = arith.constant -1 : index
// CHECK-DAG: %[[RBASE:.*]] = arith.constant 18 : index
// CHECK: scf.for %[[P:.*]] = %c0 to
// the rows above: S's row 1 - k, its columns 2 - k, 18 - k
// CHECK: scf.for %[[K:.*]] = %c0 to
// CHECK: arith.muli %[[K]], %[[BACK]]
// CHECK: scf.for
// CHECK: memref.load %[[SRC]]
// CHECK: memref.store {{.*}}, %[[DST]]
// CHECK: vector.load %[[SRC]]
// CHECK: vector.store {{.*}}, %[[DST]]
// CHECK: arith.addi %[[RBASE]]
// CHECK: memref.load %[[SRC]]
// CHECK: memref.store {{.*}}, %[[DST]]
// S's rows, at row 1 of D
// CHECK: scf.for %{{.*}} = %c0 to %{{.*}} step %c1
// CHECK: vector.load %[[SRC]]
// CHECK: vector.store {{.*}}, %[[DST]]
func.func @pad$edges_rows(%x: memref<4x6x20xf32>) -> memref<4x7x23xf32> {
  %d = memref.alloc() {alignment = 64 : i64} : memref<4x7x23xf32>
  %in = memref.subview %d[0, 1, 2] [4, 6, 20] [1, 1, 1] : memref<4x7x23xf32> to memref<4x6x20xf32, strided<[161, 23, 1], offset: 25>>
  memref.copy %x, %in : memref<4x6x20xf32> to memref<4x6x20xf32, strided<[161, 23, 1], offset: 25>>
  %l = memref.subview %d[0, 1, 0] [4, 6, 2] [1, 1, 1] : memref<4x7x23xf32> to memref<4x6x2xf32, strided<[161, 23, 1], offset: 23>>
  linalg.generic {indexing_maps = [#left, #id], iterator_types = ["parallel", "parallel", "parallel"]} ins(%x : memref<4x6x20xf32>) outs(%l : memref<4x6x2xf32, strided<[161, 23, 1], offset: 23>>) {
  ^bb0(%a: f32, %b: f32):
    linalg.yield %a : f32
  }
  %r = memref.subview %d[0, 1, 22] [4, 6, 1] [1, 1, 1] : memref<4x7x23xf32> to memref<4x6x1xf32, strided<[161, 23, 1], offset: 45>>
  linalg.generic {indexing_maps = [#right, #id], iterator_types = ["parallel", "parallel", "parallel"]} ins(%x : memref<4x6x20xf32>) outs(%r : memref<4x6x1xf32, strided<[161, 23, 1], offset: 45>>) {
  ^bb0(%a: f32, %b: f32):
    linalg.yield %a : f32
  }
  %t = memref.subview %d[0, 0, 2] [4, 1, 20] [1, 1, 1] : memref<4x7x23xf32> to memref<4x1x20xf32, strided<[161, 23, 1], offset: 2>>
  linalg.generic {indexing_maps = [#top, #id], iterator_types = ["parallel", "parallel", "parallel"]} ins(%x : memref<4x6x20xf32>) outs(%t : memref<4x1x20xf32, strided<[161, 23, 1], offset: 2>>) {
  ^bb0(%a: f32, %b: f32):
    linalg.yield %a : f32
  }
  %tl = memref.subview %d[0, 0, 0] [4, 1, 2] [1, 1, 1] : memref<4x7x23xf32> to memref<4x1x2xf32, strided<[161, 23, 1]>>
  linalg.generic {indexing_maps = [#top_left, #id], iterator_types = ["parallel", "parallel", "parallel"]} ins(%x : memref<4x6x20xf32>) outs(%tl : memref<4x1x2xf32, strided<[161, 23, 1]>>) {
  ^bb0(%a: f32, %b: f32):
    linalg.yield %a : f32
  }
  %tr = memref.subview %d[0, 0, 22] [4, 1, 1] [1, 1, 1] : memref<4x7x23xf32> to memref<4x1x1xf32, strided<[161, 23, 1], offset: 22>>
  linalg.generic {indexing_maps = [#top_right, #id], iterator_types = ["parallel", "parallel", "parallel"]} ins(%x : memref<4x6x20xf32>) outs(%tr : memref<4x1x1xf32, strided<[161, 23, 1], offset: 22>>) {
  ^bb0(%a: f32, %b: f32):
    linalg.yield %a : f32
  }
  return %d : memref<4x7x23xf32>
}

// -----

// The same without the top row's corners (not what a pad makes): the top
// row keeps its generic, the call takes the interior rows alone.
#id = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#left = affine_map<(d0, d1, d2) -> (d0, d1, -d2 + 2)>
#right = affine_map<(d0, d1, d2) -> (d0, d1, -d2 + 18)>
#top = affine_map<(d0, d1, d2) -> (d0, -d1 + 1, d2)>
// CHECK-LABEL: func.func @pad$edges
// CHECK: %[[D:.*]] = memref.alloc()
// CHECK: %[[ROWS:.*]] = memref.subview %[[D]][0, 1, 0] [4, 6, 23] [1, 1, 1]
// CHECK: %[[VR:.*]] = memref.cast %[[ROWS]]
// CHECK: call @tsm_pad_edges_f32_3d_0_0_0_0_0_2_2_m1_18_m1(%{{.*}}, %[[VR]])
// CHECK-NOT: memref.copy
// CHECK: linalg.generic
// CHECK-SAME: outs(%{{.*}} : memref<4x1x20xf32
// CHECK-NOT: linalg.generic
// CHECK: return %[[D]]
func.func @pad$edges(%x: memref<4x6x20xf32>) -> memref<4x8x23xf32> {
  %d = memref.alloc() {alignment = 64 : i64} : memref<4x8x23xf32>
  %in = memref.subview %d[0, 1, 2] [4, 6, 20] [1, 1, 1] : memref<4x8x23xf32> to memref<4x6x20xf32, strided<[184, 23, 1], offset: 25>>
  memref.copy %x, %in : memref<4x6x20xf32> to memref<4x6x20xf32, strided<[184, 23, 1], offset: 25>>
  %l = memref.subview %d[0, 1, 0] [4, 6, 2] [1, 1, 1] : memref<4x8x23xf32> to memref<4x6x2xf32, strided<[184, 23, 1], offset: 23>>
  linalg.generic {indexing_maps = [#left, #id], iterator_types = ["parallel", "parallel", "parallel"]} ins(%x : memref<4x6x20xf32>) outs(%l : memref<4x6x2xf32, strided<[184, 23, 1], offset: 23>>) {
  ^bb0(%a: f32, %b: f32):
    linalg.yield %a : f32
  }
  %r = memref.subview %d[0, 1, 22] [4, 6, 1] [1, 1, 1] : memref<4x8x23xf32> to memref<4x6x1xf32, strided<[184, 23, 1], offset: 45>>
  linalg.generic {indexing_maps = [#right, #id], iterator_types = ["parallel", "parallel", "parallel"]} ins(%x : memref<4x6x20xf32>) outs(%r : memref<4x6x1xf32, strided<[184, 23, 1], offset: 45>>) {
  ^bb0(%a: f32, %b: f32):
    linalg.yield %a : f32
  }
  %t = memref.subview %d[0, 0, 2] [4, 1, 20] [1, 1, 1] : memref<4x8x23xf32> to memref<4x1x20xf32, strided<[184, 23, 1], offset: 2>>
  linalg.generic {indexing_maps = [#top, #id], iterator_types = ["parallel", "parallel", "parallel"]} ins(%x : memref<4x6x20xf32>) outs(%t : memref<4x1x20xf32, strided<[184, 23, 1], offset: 2>>) {
  ^bb0(%a: f32, %b: f32):
    linalg.yield %a : f32
  }
  return %d : memref<4x8x23xf32>
}

// -----

// A right column read from a column that is neither the reflected nor the
// edge one (not what a pad makes): the copy and both generics stay apart.
#id = affine_map<(d0, d1) -> (d0, d1)>
#left = affine_map<(d0, d1) -> (d0, -d1 + 1)>
#other = affine_map<(d0, d1) -> (d0, 5)>
// CHECK-LABEL: func.func @pad$edges_other_column
// CHECK-NOT: tsm_pad_edges
// CHECK: call @tsm_copy_f32_2d
// CHECK: linalg.generic
// CHECK: linalg.generic
func.func @pad$edges_other_column(%x: memref<6x16xf32>) -> memref<6x18xf32> {
  %d = memref.alloc() : memref<6x18xf32>
  %in = memref.subview %d[0, 1] [6, 16] [1, 1] : memref<6x18xf32> to memref<6x16xf32, strided<[18, 1], offset: 1>>
  memref.copy %x, %in : memref<6x16xf32> to memref<6x16xf32, strided<[18, 1], offset: 1>>
  %l = memref.subview %d[0, 0] [6, 1] [1, 1] : memref<6x18xf32> to memref<6x1xf32, strided<[18, 1]>>
  linalg.generic {indexing_maps = [#left, #id], iterator_types = ["parallel", "parallel"]} ins(%x : memref<6x16xf32>) outs(%l : memref<6x1xf32, strided<[18, 1]>>) {
  ^bb0(%a: f32, %b: f32):
    linalg.yield %a : f32
  }
  %r = memref.subview %d[0, 17] [6, 1] [1, 1] : memref<6x18xf32> to memref<6x1xf32, strided<[18, 1], offset: 17>>
  linalg.generic {indexing_maps = [#other, #id], iterator_types = ["parallel", "parallel"]} ins(%x : memref<6x16xf32>) outs(%r : memref<6x1xf32, strided<[18, 1], offset: 17>>) {
  ^bb0(%a: f32, %b: f32):
    linalg.yield %a : f32
  }
  return %d : memref<6x18xf32>
}
