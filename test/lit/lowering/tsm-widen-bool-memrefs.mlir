// RUN: tsmlir-opt %s --split-input-file --tsm-widen-bool-memrefs | filecheck %s

// Boolean buffers become byte buffers: loads truncate, stores extend.
// CHECK-LABEL: func.func @copy$bool
// CHECK-SAME: (%[[IN:.*]]: memref<4xi8>) -> memref<4xi8>
// CHECK: %[[BUF:.*]] = memref.alloc() : memref<4xi8>
// CHECK: %[[BYTE:.*]] = memref.load %[[IN]][%{{.*}}] : memref<4xi8>
// CHECK: %[[BIT:.*]] = arith.trunci %[[BYTE]] : i8 to i1
// CHECK: %[[NOT:.*]] = arith.xori %[[BIT]], %{{.*}} : i1
// CHECK: %[[WIDE:.*]] = arith.extui %[[NOT]] : i1 to i8
// CHECK: memref.store %[[WIDE]], %[[BUF]][%{{.*}}] : memref<4xi8>
func.func @copy$bool(%in: memref<4xi1>) -> memref<4xi1> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %true = arith.constant true
  %buf = memref.alloc() : memref<4xi1>
  scf.for %i = %c0 to %c4 step %c1 {
    %v = memref.load %in[%i] : memref<4xi1>
    %n = arith.xori %v, %true : i1
    memref.store %n, %buf[%i] : memref<4xi1>
  }
  return %buf : memref<4xi1>
}

// -----

// Constant boolean globals are re-encoded as bytes; other types are untouched.
// CHECK-LABEL: memref.global "private" constant @mask : memref<3xi8> = dense<[1, 0, 1]>
// CHECK: memref.global "private" constant @bytes : memref<2xi8> = dense<[7, 9]>
memref.global "private" constant @mask : memref<3xi1> = dense<[true, false, true]>
memref.global "private" constant @bytes : memref<2xi8> = dense<[7, 9]>

// -----

// Vector loads of a boolean mask (a vectorized reduction's) read bytes and
// truncate them; a masked load's pass-through lanes become bytes too.
// CHECK-LABEL: func.func @mask$vector_loads
// CHECK-SAME: (%[[M:.*]]: memref<40xi8>
// CHECK: %[[B:.*]] = vector.load %[[M]][%{{.*}}] : memref<40xi8>, vector<16xi8>
// CHECK: %[[BIT:.*]] = arith.trunci %[[B]] : vector<16xi8> to vector<16xi1>
// CHECK: arith.select %[[BIT]]
// CHECK: %[[PAD:.*]] = arith.extui %{{.*}} : vector<16xi1> to vector<16xi8>
// CHECK: %[[T:.*]] = vector.maskedload %[[M]][%{{.*}}], %{{.*}}, %[[PAD]] : memref<40xi8>, vector<16xi1>, vector<16xi8> into vector<16xi8>
// CHECK: %[[TBIT:.*]] = arith.trunci %[[T]] : vector<16xi8> to vector<16xi1>
// CHECK: arith.select %[[TBIT]]
func.func @mask$vector_loads(%m: memref<40xi1>, %x: vector<16xf32>, %y: vector<16xf32>, %n: index)
    -> (vector<16xf32>, vector<16xf32>) {
  %c0 = arith.constant 0 : index
  %c32 = arith.constant 32 : index
  %pad = arith.constant dense<false> : vector<16xi1>
  %v = vector.load %m[%c0] : memref<40xi1>, vector<16xi1>
  %a = arith.select %v, %x, %y : vector<16xi1>, vector<16xf32>
  %mask = vector.create_mask %n : vector<16xi1>
  %t = vector.maskedload %m[%c32], %mask, %pad : memref<40xi1>, vector<16xi1>, vector<16xi1> into vector<16xi1>
  %b = arith.select %t, %x, %y : vector<16xi1>, vector<16xf32>
  return %a, %b : vector<16xf32>, vector<16xf32>
}
