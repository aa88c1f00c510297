// RUN: tsmlir-opt %s --split-input-file --tsm-outline-repeated-loops | filecheck %s

// Two identical nests on different buffers: one private function, two calls;
// the constants stay constants inside it, the buffers are its arguments.
// CHECK-LABEL: func.func @twice
// CHECK-SAME: (%[[A:.*]]: memref<16xf32>, %[[B:.*]]: memref<16xf32>, %[[C:.*]]: memref<16xf32>)
// CHECK-NOT: scf.for
// CHECK: call @twice_outlined_0(%[[A]], %[[B]])
// CHECK-NEXT: call @twice_outlined_0(%[[B]], %[[C]])
// CHECK-NEXT: return
// CHECK: func.func private @twice_outlined_0(%[[X:.*]]: memref<16xf32>, %[[Y:.*]]: memref<16xf32>)
// CHECK-SAME: passthrough = ["noinline"]
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[TWO:.*]] = arith.constant 2.0
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[C16]]
// CHECK: arith.mulf %{{.*}}, %[[TWO]]
// CHECK-NOT: func.func private @twice_outlined_1
func.func @twice(%a: memref<16xf32>, %b: memref<16xf32>, %c: memref<16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %two = arith.constant 2.0 : f32
  scf.for %i = %c0 to %c16 step %c1 {
    %x = memref.load %a[%i] : memref<16xf32>
    %y = arith.mulf %x, %two : f32
    memref.store %y, %b[%i] : memref<16xf32>
  }
  scf.for %i = %c0 to %c16 step %c1 {
    %x = memref.load %b[%i] : memref<16xf32>
    %y = arith.mulf %x, %two : f32
    memref.store %y, %c[%i] : memref<16xf32>
  }
  return
}

// -----

// A different constant, a different type, a different aliasing of the
// captures (f(a, a) is not f(a, b)): nothing is shared.  Calls of functions
// called from one place cut the runs.
// CHECK-LABEL: func.func @different
// CHECK-NOT: outlined
// CHECK-COUNT-4: scf.for
// CHECK-NOT: outlined
func.func @different(%a: memref<16xf32>, %b: memref<16xf32>, %d: memref<16xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %two = arith.constant 2.0 : f32
  %three = arith.constant 3.0 : f32
  %twod = arith.constant 2.0 : f64
  scf.for %i = %c0 to %c16 step %c1 {
    %x = memref.load %a[%i] : memref<16xf32>
    %y = arith.mulf %x, %two : f32
    memref.store %y, %b[%i] : memref<16xf32>
  }
  func.call @cut0() : () -> ()
  scf.for %i = %c0 to %c16 step %c1 {
    %x = memref.load %a[%i] : memref<16xf32>
    %y = arith.mulf %x, %three : f32
    memref.store %y, %b[%i] : memref<16xf32>
  }
  func.call @cut1() : () -> ()
  scf.for %i = %c0 to %c16 step %c1 {
    %x = memref.load %d[%i] : memref<16xf64>
    %y = arith.mulf %x, %twod : f64
    memref.store %y, %d[%i] : memref<16xf64>
  }
  func.call @cut2() : () -> ()
  scf.for %i = %c0 to %c16 step %c1 {
    %x = memref.load %a[%i] : memref<16xf32>
    %y = arith.mulf %x, %two : f32
    memref.store %y, %a[%i] : memref<16xf32>
  }
  return
}
func.func private @cut0()
func.func private @cut1()
func.func private @cut2()

// -----

// Runs, not single nests: the ops between two nests go with them, a
// temporary's alloc moves above the call and its dealloc below; a call of a
// function called from one place (a per-layer weight) cuts the runs; a
// value that the code after a run uses is returned.
// CHECK-LABEL: func.func @layers
// CHECK: %[[T0:.*]] = memref.alloc() : memref<16xf32>
// CHECK-NEXT: %[[S0:.*]] = call @layers_outlined_0(%arg0, %[[T0]], %arg1)
// CHECK-NEXT: memref.dealloc %[[T0]]
// CHECK-NEXT: call @weight0(%[[S0]])
// CHECK-NEXT: %[[T1:.*]] = memref.alloc() : memref<16xf32>
// CHECK-NEXT: %[[S1:.*]] = call @layers_outlined_0(%arg1, %[[T1]], %arg0)
// CHECK-NEXT: memref.dealloc %[[T1]]
// CHECK-NEXT: call @weight1(%[[S1]])
// CHECK: func.func private @layers_outlined_0({{.*}}) -> memref<4x4xf32>
// CHECK: scf.for
// CHECK: math.exp
// CHECK: %[[V:.*]] = memref.expand_shape
// CHECK: scf.for
// CHECK: return %[[V]] : memref<4x4xf32>
func.func @layers(%a: memref<16xf32>, %b: memref<16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %t0 = memref.alloc() : memref<16xf32>
  scf.for %i = %c0 to %c16 step %c1 {
    %x = memref.load %a[%i] : memref<16xf32>
    %y = math.exp %x : f32
    memref.store %y, %t0[%i] : memref<16xf32>
  }
  %v0 = memref.expand_shape %b [[0, 1]] output_shape [4, 4] : memref<16xf32> into memref<4x4xf32>
  scf.for %i = %c0 to %c16 step %c1 {
    %x = memref.load %t0[%i] : memref<16xf32>
    memref.store %x, %b[%i] : memref<16xf32>
  }
  memref.dealloc %t0 : memref<16xf32>
  func.call @weight0(%v0) : (memref<4x4xf32>) -> ()
  %t1 = memref.alloc() : memref<16xf32>
  scf.for %i = %c0 to %c16 step %c1 {
    %x = memref.load %b[%i] : memref<16xf32>
    %y = math.exp %x : f32
    memref.store %y, %t1[%i] : memref<16xf32>
  }
  %v1 = memref.expand_shape %a [[0, 1]] output_shape [4, 4] : memref<16xf32> into memref<4x4xf32>
  scf.for %i = %c0 to %c16 step %c1 {
    %x = memref.load %t1[%i] : memref<16xf32>
    memref.store %x, %a[%i] : memref<16xf32>
  }
  memref.dealloc %t1 : memref<16xf32>
  func.call @weight1(%v1) : (memref<4x4xf32>) -> ()
  return
}
func.func private @weight0(%w: memref<4x4xf32>)
func.func private @weight1(%w: memref<4x4xf32>)

// -----

// A nest that holds a run-time check stays inline: after
// tsm-asserts-to-errors a failing check returns from the function holding it.
// The loop returning a value is shared (its result feeds the check).
// CHECK-LABEL: func.func @checked
// CHECK: %[[OK0:.*]] = call @checked_outlined_0(%arg0)
// CHECK: cf.assert %[[OK0]]
// CHECK: %[[OK1:.*]] = call @checked_outlined_0(%arg1)
// CHECK: cf.assert %[[OK1]]
// CHECK: scf.for
// CHECK: cf.assert %{{.*}}, "negative"
// CHECK: scf.for
// CHECK: cf.assert %{{.*}}, "negative"
// CHECK: func.func private @checked_outlined_0(%{{.*}}: memref<16xi64>) -> i1
// CHECK-NOT: cf.assert
// CHECK: return
func.func @checked(%a: memref<16xi64>, %b: memref<16xi64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %true = arith.constant true
  %ok0 = scf.for %i = %c0 to %c16 step %c1 iter_args(%acc = %true) -> (i1) {
    %x = memref.load %a[%i] : memref<16xi64>
    %z = arith.constant 0 : i64
    %p = arith.cmpi sge, %x, %z : i64
    %r = arith.andi %acc, %p : i1
    scf.yield %r : i1
  }
  cf.assert %ok0, "index out of range"
  %ok1 = scf.for %i = %c0 to %c16 step %c1 iter_args(%acc = %true) -> (i1) {
    %x = memref.load %b[%i] : memref<16xi64>
    %z = arith.constant 0 : i64
    %p = arith.cmpi sge, %x, %z : i64
    %r = arith.andi %acc, %p : i1
    scf.yield %r : i1
  }
  cf.assert %ok1, "index out of range"
  scf.for %i = %c0 to %c16 step %c1 {
    %x = memref.load %a[%i] : memref<16xi64>
    %z = arith.constant 0 : i64
    %p = arith.cmpi sge, %x, %z : i64
    cf.assert %p, "negative"
  }
  scf.for %i = %c0 to %c16 step %c1 {
    %x = memref.load %b[%i] : memref<16xi64>
    %z = arith.constant 0 : i64
    %p = arith.cmpi sge, %x, %z : i64
    cf.assert %p, "negative"
  }
  return
}

// -----

// One class's member uses what a member of another class returns: it gets
// the result of that member's call (the returning loop moved or is gone).
// CHECK-LABEL: func.func @chained
// CHECK: %[[S0:.*]] = call @chained_outlined_0(%arg0) : (memref<16xf32>) -> f32
// CHECK: call @cut0
// CHECK: call @chained_outlined_1(%[[S0]], %arg1)
// CHECK: call @cut1
// CHECK: %[[S1:.*]] = call @chained_outlined_0(%arg1) : (memref<16xf32>) -> f32
// CHECK: call @cut2
// CHECK: call @chained_outlined_1(%[[S1]], %arg0)
func.func @chained(%a: memref<16xf32>, %b: memref<16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %zero = arith.constant 0.0 : f32
  %s0 = scf.for %i = %c0 to %c16 step %c1 iter_args(%acc = %zero) -> (f32) {
    %x = memref.load %a[%i] : memref<16xf32>
    %y = arith.addf %acc, %x : f32
    scf.yield %y : f32
  }
  func.call @cut0() : () -> ()
  scf.for %i = %c0 to %c16 step %c1 {
    memref.store %s0, %b[%i] : memref<16xf32>
  }
  func.call @cut1() : () -> ()
  %s1 = scf.for %i = %c0 to %c16 step %c1 iter_args(%acc = %zero) -> (f32) {
    %x = memref.load %b[%i] : memref<16xf32>
    %y = arith.addf %acc, %x : f32
    scf.yield %y : f32
  }
  func.call @cut2() : () -> ()
  scf.for %i = %c0 to %c16 step %c1 {
    memref.store %s1, %a[%i] : memref<16xf32>
  }
  return
}
func.func private @cut0()
func.func private @cut1()
func.func private @cut2()

// -----

// Per-weight drivers alike but for the globals they read become one function
// taking the globals; each call site reads its own.  Their calls then no
// longer cut runs: the nests around them are shared.
// CHECK-LABEL: func.func private @driver0_any
// CHECK-SAME: (%[[A:.*]]: memref<4xf32>, %[[P:.*]]: memref<4xf32>, %[[F:.*]]: memref<i8>)
// CHECK-NOT: get_global
// CHECK: memref.load %[[F]][]
// CHECK: memref.copy %[[A]], %[[P]]
// CHECK-NOT: @driver1
// CHECK-LABEL: func.func @drivers
// CHECK: %[[G0:.*]] = memref.get_global @packed0 : memref<4xf32>
// CHECK: %[[F0:.*]] = memref.get_global @flag0 : memref<i8>
// CHECK: call @drivers_outlined_0(%arg0, %[[G0]], %[[F0]], %arg1)
// CHECK: %[[G1:.*]] = memref.get_global @packed1 : memref<4xf32>
// CHECK: %[[F1:.*]] = memref.get_global @flag1 : memref<i8>
// CHECK: call @drivers_outlined_0(%arg1, %[[G1]], %[[F1]], %arg0)
// CHECK: func.func private @drivers_outlined_0(
// CHECK-NEXT: arith.constant
// CHECK-NEXT: arith.constant
// CHECK-NEXT: arith.constant
// CHECK-NEXT: call @driver0_any(
// CHECK-NEXT: scf.for
memref.global "private" @packed0 : memref<4xf32> = uninitialized
memref.global "private" @flag0 : memref<i8> = dense<0>
memref.global "private" @packed1 : memref<4xf32> = uninitialized
memref.global "private" @flag1 : memref<i8> = dense<0>
func.func private @driver0(%a: memref<4xf32>) {
  %p = memref.get_global @packed0 : memref<4xf32>
  %f = memref.get_global @flag0 : memref<i8>
  %x = memref.load %f[] : memref<i8>
  memref.copy %a, %p : memref<4xf32> to memref<4xf32>
  return
}
func.func private @driver1(%a: memref<4xf32>) {
  %p = memref.get_global @packed1 : memref<4xf32>
  %f = memref.get_global @flag1 : memref<i8>
  %x = memref.load %f[] : memref<i8>
  memref.copy %a, %p : memref<4xf32> to memref<4xf32>
  return
}
func.func @drivers(%a: memref<4xf32>, %b: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  func.call @driver0(%a) : (memref<4xf32>) -> ()
  scf.for %i = %c0 to %c4 step %c1 {
    %x = memref.load %a[%i] : memref<4xf32>
    memref.store %x, %b[%i] : memref<4xf32>
  }
  func.call @driver1(%b) : (memref<4xf32>) -> ()
  scf.for %i = %c0 to %c4 step %c1 {
    %x = memref.load %b[%i] : memref<4xf32>
    memref.store %x, %a[%i] : memref<4xf32>
  }
  return
}

// -----

// A capture that is one result of an op with several (%r#1): an argument
// like any other (it was left inside the function, defined outside it).
// CHECK-LABEL: func.func @result_of_several
// CHECK: %[[R:.*]]:2 = call @pair()
// CHECK: call @result_of_several_outlined_0(%[[R]]#1, %{{.*}})
// CHECK-NEXT: call @result_of_several_outlined_0(%[[R]]#1, %{{.*}})
// CHECK: func.func private @result_of_several_outlined_0(%[[X:.*]]: memref<16xf32>, %[[Y:.*]]: memref<16xf32>)
// CHECK: memref.load %[[X]]
func.func private @pair() -> (memref<16xf32>, memref<16xf32>)
func.func @result_of_several(%b: memref<16xf32>, %c: memref<16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %two = arith.constant 2.0 : f32
  %r:2 = func.call @pair() : () -> (memref<16xf32>, memref<16xf32>)
  scf.for %i = %c0 to %c16 step %c1 {
    %x = memref.load %r#1[%i] : memref<16xf32>
    %y = arith.mulf %x, %two : f32
    memref.store %y, %b[%i] : memref<16xf32>
  }
  scf.for %i = %c0 to %c16 step %c1 {
    %x = memref.load %r#1[%i] : memref<16xf32>
    %y = arith.mulf %x, %two : f32
    memref.store %y, %c[%i] : memref<16xf32>
  }
  return
}
