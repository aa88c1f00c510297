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
