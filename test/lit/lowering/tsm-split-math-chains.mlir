// RUN: tsmlir-opt %s --split-input-file --tsm-split-math-chains | filecheck %s

// Three expanded ops (sigmoid's tanh, gelu's erf, tanh) in one masked loop
// over a dynamic size: the loop is outlined into a function that walks
// strips of 256 elements, one stage loop per expanded op.  Stage 1 stores
// the sigmoid, stage 2 recomputes x * 1.7 + 0.3 from the input and stores
// gelu, stage 3 reads both back; only it stores to the output, masked.
// CHECK-LABEL: func.func @chain(
// CHECK-SAME: %[[X:.*]]: memref<?xf32>, %[[Y:.*]]: memref<?xf32>)
// CHECK: %[[N:.*]] = memref.dim %[[X]]
// CHECK-NOT: scf.for
// CHECK: call @tsm_math_chain_0(%[[N]], %[[X]], %[[Y]])
// CHECK-NEXT: return

// CHECK: func.func private @tsm_math_chain_0(%[[UB:.*]]: index, %[[IN:.*]]: memref<?xf32>, %[[OUT:.*]]: memref<?xf32>)
// CHECK-DAG: %[[C256:.*]] = arith.constant 256 : index
// CHECK-DAG: %[[SIG:.*]] = memref.alloca() {alignment = 64 : i64} : memref<256xf32>
// CHECK-DAG: %[[GELU:.*]] = memref.alloca() {alignment = 64 : i64} : memref<256xf32>
// CHECK: scf.for %[[S:.*]] = %{{.*}} to %[[UB]] step %[[C256]] {
// CHECK: %[[END0:.*]] = arith.addi %[[S]], %[[C256]]
// CHECK: %[[END:.*]] = arith.minsi %[[END0]], %[[UB]]
// Stage 1: sigmoid.
// CHECK: scf.for %[[I1:.*]] = %[[S]] to %[[END]] step %{{.*}} {
// CHECK: %[[O1:.*]] = arith.subi %[[I1]], %[[S]]
// CHECK: vector.maskedload %{{.*}} into vector<32xf32>
// CHECK: math.tanh
// CHECK-NOT: math.erf
// CHECK: %[[SV:.*]] = math.fma
// CHECK-NEXT: vector.store %[[SV]], %[[SIG]][%[[O1]]] : memref<256xf32>, vector<32xf32>
// CHECK-NEXT: }
// Stage 2: gelu, from the input again.
// CHECK: scf.for %[[I2:.*]] = %[[S]] to %[[END]]
// CHECK: %[[O2:.*]] = arith.subi %[[I2]], %[[S]]
// CHECK: vector.maskedload
// CHECK-NOT: math.tanh
// CHECK: math.erf
// CHECK: %[[GV:.*]] = math.fma
// CHECK-NEXT: vector.store %[[GV]], %[[GELU]][%[[O2]]]
// CHECK-NEXT: }
// Stage 3: tanh of gelu times sigmoid, stored to the output.
// CHECK: scf.for %[[I3:.*]] = %[[S]] to %[[END]]
// CHECK: %[[O3:.*]] = arith.subi %[[I3]], %[[S]]
// CHECK-DAG: %[[SL:.*]] = vector.load %[[SIG]][%[[O3]]]
// CHECK-DAG: %[[GL:.*]] = vector.load %[[GELU]][%[[O3]]]
// CHECK-NOT: vector.maskedload
// CHECK: %[[T:.*]] = math.tanh %[[GL]]
// CHECK: %[[R:.*]] = arith.mulf %[[T]], %[[SL]]
// CHECK: vector.maskedstore %{{.*}}, %{{.*}}, %[[R]]
#map = affine_map<(d0)[s0] -> (-d0 + s0, 32)>
func.func @chain(%arg0: memref<?xf32>, %alloc: memref<?xf32>) {
  %0 = ub.poison : vector<32xf32>
  %cst = arith.constant dense<0.707106769> : vector<32xf32>
  %cst_0 = arith.constant dense<3.000000e-01> : vector<32xf32>
  %cst_1 = arith.constant dense<1.700000e+00> : vector<32xf32>
  %cst_2 = arith.constant dense<5.000000e-01> : vector<32xf32>
  %c32 = arith.constant 32 : index
  %c0 = arith.constant 0 : index
  %dim = memref.dim %arg0, %c0 : memref<?xf32>
  scf.for %arg1 = %c0 to %dim step %c32 {
    %1 = affine.min #map(%arg1)[%dim]
    %subview = memref.subview %arg0[%arg1] [%1] [1] : memref<?xf32> to memref<?xf32, strided<[1], offset: ?>>
    %subview_3 = memref.subview %alloc[%arg1] [%1] [1] : memref<?xf32> to memref<?xf32, strided<[1], offset: ?>>
    %2 = vector.create_mask %1 : vector<32xi1>
    %3 = vector.maskedload %subview[%c0], %2, %0 : memref<?xf32, strided<[1], offset: ?>>, vector<32xi1>, vector<32xf32> into vector<32xf32>
    %4 = arith.mulf %3, %cst_2 : vector<32xf32>
    %5 = math.tanh %4 : vector<32xf32>
    %6 = math.fma %5, %cst_2, %cst_2 : vector<32xf32>
    %7 = arith.mulf %3, %cst_1 : vector<32xf32>
    %8 = arith.addf %7, %cst_0 : vector<32xf32>
    %9 = arith.mulf %8, %cst_2 : vector<32xf32>
    %10 = arith.mulf %8, %cst : vector<32xf32>
    %11 = math.erf %10 : vector<32xf32>
    %12 = math.fma %9, %11, %9 : vector<32xf32>
    %13 = math.tanh %12 : vector<32xf32>
    %14 = arith.mulf %13, %6 : vector<32xf32>
    vector.maskedstore %subview_3[%c0], %2, %14 : memref<?xf32, strided<[1], offset: ?>>, vector<32xi1>, vector<32xf32>
  }
  return
}

// -----

// f64 splits the same way, with f64 buffers (2 KB a strip): tanh(x) * erf(x).
// CHECK-LABEL: func.func @chain_f64(
// CHECK: call @tsm_math_chain_0(
// CHECK: func.func private @tsm_math_chain_0(
// CHECK: %[[T:.*]] = memref.alloca() {alignment = 64 : i64} : memref<256xf64>
// CHECK: scf.for
// CHECK: math.tanh
// CHECK: vector.store %{{.*}}, %[[T]][%{{.*}}] : memref<256xf64>, vector<32xf64>
// CHECK: scf.for
// CHECK: %[[TL:.*]] = vector.load %[[T]]
// CHECK: %[[E:.*]] = math.erf
// CHECK: arith.mulf %[[TL]], %[[E]]
func.func @chain_f64(%x: memref<1024xf64>, %y: memref<1024xf64>) {
  %c0 = arith.constant 0 : index
  %c32 = arith.constant 32 : index
  %c1024 = arith.constant 1024 : index
  scf.for %i = %c0 to %c1024 step %c32 {
    %v = vector.load %x[%i] : memref<1024xf64>, vector<32xf64>
    %t = math.tanh %v : vector<32xf64>
    %e = math.erf %v : vector<32xf64>
    %m = arith.mulf %t, %e : vector<32xf64>
    vector.store %m, %y[%i] : memref<1024xf64>, vector<32xf64>
  }
  return
}

// -----

// One expanded op: nothing to split.
// CHECK-LABEL: func.func @single(
// CHECK: scf.for
// CHECK: math.tanh
// CHECK-NOT: call
// CHECK-NOT: @tsm_math_chain
func.func @single(%x: memref<1024xf32>, %y: memref<1024xf32>) {
  %c0 = arith.constant 0 : index
  %c32 = arith.constant 32 : index
  %c1024 = arith.constant 1024 : index
  scf.for %i = %c0 to %c1024 step %c32 {
    %v = vector.load %x[%i] : memref<1024xf32>, vector<32xf32>
    %t = math.tanh %v : vector<32xf32>
    %m = arith.mulf %t, %v : vector<32xf32>
    vector.store %m, %y[%i] : memref<1024xf32>, vector<32xf32>
  }
  return
}

// -----

// sin and cos of one value (a rotary embedding's) share their reduction:
// one stage, so nothing to split; a tanh beside them is a stage of its own.
// CHECK-LABEL: func.func @sin_cos(
// CHECK: scf.for
// CHECK: math.sin
// CHECK: math.cos
// CHECK-NOT: @tsm_math_chain
// CHECK-LABEL: func.func @sin_cos_tanh(
// CHECK: call @tsm_math_chain_0
// CHECK: func.func private @tsm_math_chain_0
// CHECK: scf.for
// CHECK: scf.for
// CHECK: math.sin
// CHECK-NEXT: math.cos
// CHECK-NOT: math.tanh
// CHECK: vector.store
// CHECK: scf.for
// CHECK-NOT: math.sin
// CHECK: math.tanh
func.func @sin_cos(%x: memref<1024xf32>, %y: memref<1024xf32>) {
  %c0 = arith.constant 0 : index
  %c32 = arith.constant 32 : index
  %c1024 = arith.constant 1024 : index
  scf.for %i = %c0 to %c1024 step %c32 {
    %v = vector.load %x[%i] : memref<1024xf32>, vector<32xf32>
    %s = math.sin %v : vector<32xf32>
    %c = math.cos %v : vector<32xf32>
    %m = arith.mulf %s, %c : vector<32xf32>
    vector.store %m, %y[%i] : memref<1024xf32>, vector<32xf32>
  }
  return
}
func.func @sin_cos_tanh(%x: memref<1024xf32>, %y: memref<1024xf32>) {
  %c0 = arith.constant 0 : index
  %c32 = arith.constant 32 : index
  %c1024 = arith.constant 1024 : index
  scf.for %i = %c0 to %c1024 step %c32 {
    %v = vector.load %x[%i] : memref<1024xf32>, vector<32xf32>
    %s = math.sin %v : vector<32xf32>
    %c = math.cos %v : vector<32xf32>
    %m = arith.mulf %s, %c : vector<32xf32>
    %t = math.tanh %m : vector<32xf32>
    vector.store %t, %y[%i] : memref<1024xf32>, vector<32xf32>
  }
  return
}

// -----

// A mask computed from the first op's result and used after the second
// would cross stages as an i1 vector, which gets no buffer: not split.
// CHECK-LABEL: func.func @mask_across(
// CHECK: scf.for
// CHECK: math.tanh
// CHECK: math.erf
// CHECK-NOT: call
// CHECK-NOT: @tsm_math_chain
func.func @mask_across(%x: memref<1024xf32>, %y: memref<1024xf32>) {
  %c0 = arith.constant 0 : index
  %c32 = arith.constant 32 : index
  %c1024 = arith.constant 1024 : index
  %half = arith.constant dense<0.5> : vector<32xf32>
  scf.for %i = %c0 to %c1024 step %c32 {
    %v = vector.load %x[%i] : memref<1024xf32>, vector<32xf32>
    %t = math.tanh %v : vector<32xf32>
    %pos = arith.cmpf ogt, %t, %half : vector<32xf32>
    %e = math.erf %t : vector<32xf32>
    %r = arith.select %pos, %e, %v : vector<32xi1>, vector<32xf32>
    vector.store %r, %y[%i] : memref<1024xf32>, vector<32xf32>
  }
  return
}

// -----

// Side effects other than the stores (a call) keep the loop whole.
// CHECK-LABEL: func.func @call_inside(
// CHECK: scf.for
// CHECK: call @g
// CHECK-NOT: @tsm_math_chain
func.func private @g()
func.func @call_inside(%x: memref<1024xf32>, %y: memref<1024xf32>) {
  %c0 = arith.constant 0 : index
  %c32 = arith.constant 32 : index
  %c1024 = arith.constant 1024 : index
  scf.for %i = %c0 to %c1024 step %c32 {
    %v = vector.load %x[%i] : memref<1024xf32>, vector<32xf32>
    %t = math.tanh %v : vector<32xf32>
    func.call @g() : () -> ()
    %e = math.erf %t : vector<32xf32>
    vector.store %e, %y[%i] : memref<1024xf32>, vector<32xf32>
  }
  return
}

// -----

// An op this pass does not know (here an affine.store, a write it would
// not keep in order) keeps the loop whole.
// CHECK-LABEL: func.func @unknown_op(
// CHECK: scf.for
// CHECK: affine.store
// CHECK-NOT: @tsm_math_chain
func.func @unknown_op(%x: memref<1024xf32>, %y: memref<1024xf32>, %z: memref<1xf32>) {
  %c0 = arith.constant 0 : index
  %c32 = arith.constant 32 : index
  %c1024 = arith.constant 1024 : index
  %one = arith.constant 1.0 : f32
  scf.for %i = %c0 to %c1024 step %c32 {
    %v = vector.load %x[%i] : memref<1024xf32>, vector<32xf32>
    %t = math.tanh %v : vector<32xf32>
    affine.store %one, %z[0] : memref<1xf32>
    %e = math.erf %t : vector<32xf32>
    vector.store %e, %y[%i] : memref<1024xf32>, vector<32xf32>
  }
  return
}

// -----

// A loop over rows that steps by 1, one masked vector per row (rows shorter
// than the vector): a strip is 256 / 32 = 8 rows, and row i of the strip
// keeps its vector at [32 i, 32 i + 32) of the buffer (not at i: the rows'
// vectors would overlap).
// CHECK-LABEL: func.func @rows(
// CHECK: call @tsm_math_chain_0(
// CHECK: func.func private @tsm_math_chain_0(
// CHECK-DAG: %[[C8:.*]] = arith.constant 8 : index
// CHECK-DAG: %[[BUF:.*]] = memref.alloca() {alignment = 64 : i64} : memref<256xf32>
// CHECK: scf.for %[[S:.*]] = %{{.*}} to %{{.*}} step %[[C8]]
// CHECK: scf.for %[[I:.*]] = %[[S]] to
// CHECK: %[[D:.*]] = arith.subi %[[I]], %[[S]]
// CHECK: %[[O:.*]] = arith.muli %[[D]], %{{.*}} : index
// CHECK: math.tanh
// CHECK: vector.store %{{.*}}, %[[BUF]][%[[O]]] : memref<256xf32>, vector<32xf32>
// CHECK: scf.for %[[J:.*]] = %[[S]] to
// CHECK: %[[D2:.*]] = arith.subi %[[J]], %[[S]]
// CHECK: %[[O2:.*]] = arith.muli %[[D2]], %{{.*}} : index
// CHECK: vector.load %[[BUF]][%[[O2]]] : memref<256xf32>, vector<32xf32>
// CHECK: math.erf
#rowmap = affine_map<(d0) -> (d0 * 3)>
func.func @rows(%x: memref<?xf32>, %y: memref<?xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %pad = arith.constant 0.0 : f32
  scf.for %r = %c0 to %n step %c1 {
    %base = affine.apply #rowmap(%r)
    %m = vector.create_mask %c3 : vector<32xi1>
    %v = vector.transfer_read %x[%base], %pad, %m {in_bounds = [true]} : memref<?xf32>, vector<32xf32>
    %t = math.tanh %v : vector<32xf32>
    %e = math.erf %t : vector<32xf32>
    vector.transfer_write %e, %y[%base], %m {in_bounds = [true]} : vector<32xf32>, memref<?xf32>
  }
  return
}
