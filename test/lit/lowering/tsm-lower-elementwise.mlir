// RUN: tsmlir-opt %s --split-input-file --tsm-lower-elementwise | filecheck %s

// Broadcasting is expressed in the indexing maps; no intermediate broadcast tensor.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @add$broadcast
// CHECK-SAME: (%[[LHS:.*]]: tensor<3x4xf32>, %[[RHS:.*]]: tensor<4xf32>)
// CHECK: %[[INIT:.*]] = tensor.empty() : tensor<3x4xf32>
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: ins(%[[LHS]], %[[RHS]] : tensor<3x4xf32>, tensor<4xf32>) outs(%[[INIT]] : tensor<3x4xf32>)
// CHECK: arith.addf
// CHECK-NOT: tsm.add
func.func @add$broadcast(%a: tensor<3x4xf32>, %b: tensor<4xf32>) -> tensor<3x4xf32> {
  %0 = "tsm.add"(%a, %b) : (tensor<3x4xf32>, tensor<4xf32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// A 0-d scalar operand reads through a map with no results.
// CHECK-DAG: #[[SCALAR:.*]] = affine_map<(d0) -> ()>
// CHECK-LABEL: func.func @mul$scalar
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[SCALAR]], #{{.*}}]
// CHECK: arith.muli
func.func @mul$scalar(%a: tensor<8xi64>, %b: tensor<i64>) -> tensor<8xi64> {
  %0 = "tsm.mul"(%a, %b) : (tensor<8xi64>, tensor<i64>) -> tensor<8xi64>
  return %0 : tensor<8xi64>
}

// -----

// Integer true division converts both operands to the float result type first.
// CHECK-LABEL: func.func @div$int
// CHECK: ^bb0(%[[A:.*]]: i64, %[[B:.*]]: i64, %{{.*}}: f32):
// CHECK-DAG: %[[FA:.*]] = arith.sitofp %[[A]] : i64 to f32
// CHECK-DAG: %[[FB:.*]] = arith.sitofp %[[B]] : i64 to f32
// CHECK: arith.divf %[[FA]], %[[FB]] : f32
func.func @div$int(%a: tensor<4xi64>, %b: tensor<4xi64>) -> tensor<4xf32> {
  %0 = "tsm.div"(%a, %b) : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Dynamic dims come from the operands; two dynamic operands get a run-time check.
// CHECK-LABEL: func.func @sub$dynamic
// CHECK: %[[D0:.*]] = tensor.dim %arg0, %{{.*}} : tensor<?x4xf32>
// CHECK: %[[D1:.*]] = tensor.dim %arg1, %{{.*}} : tensor<?x4xf32>
// CHECK: %[[EQ:.*]] = arith.cmpi eq, %[[D0]], %[[D1]] : index
// CHECK: cf.assert %[[EQ]], "{{.*}}tsm.sub: dynamic dimension 0 of the operands must match
// CHECK: tensor.empty(%[[D0]]) : tensor<?x4xf32>
// CHECK: arith.subf
func.func @sub$dynamic(%a: tensor<?x4xf32>, %b: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %0 = "tsm.sub"(%a, %b) : (tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// f32 sigmoid is 0.5 + 0.5 tanh(x / 2) (tanh expands cheaper than exp and a
// division); gelu is x/2 + x/2 erf(x / sqrt 2).
// CHECK-LABEL: func.func @activations
// CHECK: arith.maximumf
// CHECK: math.tanh
// CHECK: math.fma
// CHECK: math.erf
// CHECK: math.fma
// CHECK: math.tanh
func.func @activations(%a: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "tsm.relu"(%a) : (tensor<4xf32>) -> tensor<4xf32>
  %1 = "tsm.sigmoid"(%0) : (tensor<4xf32>) -> tensor<4xf32>
  %2 = "tsm.gelu"(%1) {approximate = "none"} : (tensor<4xf32>) -> tensor<4xf32>
  %3 = "tsm.tanh"(%2) : (tensor<4xf32>) -> tensor<4xf32>
  return %3 : tensor<4xf32>
}

// -----

// Comparisons compute in the operands' promoted type and yield i1.
// CHECK-LABEL: func.func @lt$promoted
// CHECK: ^bb0(%[[A:.*]]: i64, %[[B:.*]]: f32, %{{.*}}: i1):
// CHECK: %[[FA:.*]] = arith.sitofp %[[A]] : i64 to f32
// CHECK: %[[LT:.*]] = arith.cmpf olt, %[[FA]], %[[B]] : f32
// CHECK: linalg.yield %[[LT]] : i1
func.func @lt$promoted(%a: tensor<4xi64>, %b: tensor<f32>) -> tensor<4xi1> {
  %0 = "tsm.lt"(%a, %b) : (tensor<4xi64>, tensor<f32>) -> tensor<4xi1>
  return %0 : tensor<4xi1>
}

// -----

// Integer floor division: a run-time check for zero, no trap on INT_MIN / -1,
// and the truncated quotient corrected where the signs differ.
// CHECK-LABEL: func.func @div$floor_int
// CHECK: ^bb0(%[[LHS:.*]]: i32, %[[RHS:.*]]: i32, %{{.*}}: i32):
// CHECK: %[[NZ:.*]] = arith.cmpi ne, %[[RHS]], %{{.*}} : i32
// CHECK: cf.assert %[[NZ]], "{{.*}}ZeroDivisionError: integer division by zero"
// CHECK: %[[SAFE:.*]] = arith.select %{{.*}}, %{{.*}}, %[[RHS]] : i32
// CHECK: arith.divsi %[[LHS]], %[[SAFE]] : i32
// CHECK: arith.remsi %[[LHS]], %[[SAFE]] : i32
// CHECK: %[[FIX:.*]] = arith.subi
// CHECK: %[[Q:.*]] = arith.select %{{.*}}, %[[FIX]], %{{.*}} : i32
// CHECK: linalg.yield %[[Q]] : i32
func.func @div$floor_int(%a: tensor<4xi32>, %b: tensor<4xi32>) -> tensor<4xi32> {
  %0 = "tsm.div"(%a, %b) {rounding_mode = "floor"} : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

// where keeps its i1 condition and converts the branches to the result type.
// CHECK-LABEL: func.func @where
// CHECK: ^bb0(%[[C:.*]]: i1, %[[A:.*]]: f32, %[[B:.*]]: f64, %{{.*}}: f64):
// CHECK: %[[WA:.*]] = arith.extf %[[A]] : f32 to f64
// CHECK: arith.select %[[C]], %[[WA]], %[[B]] : f64
func.func @where(%c: tensor<4xi1>, %a: tensor<4xf32>, %b: tensor<f64>) -> tensor<4xf64> {
  %0 = "tsm.where"(%c, %a, %b) : (tensor<4xi1>, tensor<4xf32>, tensor<f64>) -> tensor<4xf64>
  return %0 : tensor<4xf64>
}

// -----

// Logical ops work on the operands' truth values (x != 0).
// CHECK-LABEL: func.func @logical_and
// CHECK: %[[TA:.*]] = arith.cmpf une
// CHECK: %[[TB:.*]] = arith.cmpi ne
// CHECK: arith.andi %[[TA]], %[[TB]] : i1
func.func @logical_and(%a: tensor<4xf32>, %b: tensor<4xi64>) -> tensor<4xi1> {
  %0 = "tsm.logical_and"(%a, %b) : (tensor<4xf32>, tensor<4xi64>) -> tensor<4xi1>
  return %0 : tensor<4xi1>
}

// -----

// Bools are unsigned (true > false); float maximum propagates NaN.
// CHECK-LABEL: func.func @maximum$bool
// CHECK: arith.maxui
// CHECK-LABEL: func.func @maximum$float
// CHECK: arith.maximumf
func.func @maximum$bool(%a: tensor<4xi1>, %b: tensor<4xi1>) -> tensor<4xi1> {
  %0 = "tsm.maximum"(%a, %b) : (tensor<4xi1>, tensor<4xi1>) -> tensor<4xi1>
  return %0 : tensor<4xi1>
}
func.func @maximum$float(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "tsm.maximum"(%a, %b) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// isnan of an integer tensor is constant false; f16 math computes in f32.
// CHECK-LABEL: func.func @isnan$int
// CHECK: %[[FALSE:.*]] = arith.constant false
// CHECK: linalg.yield %[[FALSE]] : i1
// CHECK-LABEL: func.func @sin$f16
// CHECK: %[[W:.*]] = arith.extf %{{.*}} : f16 to f32
// CHECK: %[[S:.*]] = math.sin %[[W]] : f32
// CHECK: arith.truncf %[[S]] : f32 to f16
func.func @isnan$int(%a: tensor<4xi64>) -> tensor<4xi1> {
  %0 = "tsm.isnan"(%a) : (tensor<4xi64>) -> tensor<4xi1>
  return %0 : tensor<4xi1>
}
func.func @sin$f16(%a: tensor<4xf16>) -> tensor<4xf16> {
  %0 = "tsm.sin"(%a) : (tensor<4xf16>) -> tensor<4xf16>
  return %0 : tensor<4xf16>
}

// -----

// Parameterized activations read their attributes.
// CHECK-LABEL: func.func @leaky_relu
// CHECK-DAG: arith.constant 2.000000e-01 : f32
// CHECK: arith.cmpf ogt
// CHECK: arith.select
func.func @leaky_relu(%a: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "tsm.leaky_relu"(%a) {negative_slope = 0.2 : f64} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// uint8 computes in i32 on zero-extended values (arith has no unsigned
// types): the ui8 <-> i8 retags become no-ops in the LLVM conversion.
// CHECK-LABEL: func.func @div$uint8_floor
// CHECK: ^bb0(%[[A:.*]]: ui8, %[[B:.*]]: ui8, %{{.*}}: ui8):
// CHECK: %[[AB:.*]] = builtin.unrealized_conversion_cast %[[A]] : ui8 to i8
// CHECK: %[[AW:.*]] = arith.extui %[[AB]] : i8 to i32
// CHECK: %[[BB:.*]] = builtin.unrealized_conversion_cast %[[B]] : ui8 to i8
// CHECK: %[[BW:.*]] = arith.extui %[[BB]] : i8 to i32
// CHECK: arith.divsi %[[AW]], %{{.*}} : i32
// CHECK: %[[R:.*]] = arith.trunci %{{.*}} : i32 to i8
// CHECK: %[[RU:.*]] = builtin.unrealized_conversion_cast %[[R]] : i8 to ui8
// CHECK: linalg.yield %[[RU]] : ui8
func.func @div$uint8_floor(%x: tensor<4xui8>, %y: tensor<4xui8>) -> tensor<4xui8> {
  %0 = "tsm.div"(%x, %y) {rounding_mode = "floor"} : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  return %0 : tensor<4xui8>
}

// -----

// CHECK-LABEL: func.func @cast$uint8_to_f32
// CHECK: ^bb0(%[[A:.*]]: ui8, %{{.*}}: f32):
// CHECK: %[[AB:.*]] = builtin.unrealized_conversion_cast %[[A]] : ui8 to i8
// CHECK: %[[F:.*]] = arith.uitofp %[[AB]] : i8 to f32
// CHECK: linalg.yield %[[F]] : f32
func.func @cast$uint8_to_f32(%x: tensor<4xui8>) -> tensor<4xf32> {
  %0 = "tsm.cast"(%x) {dtype = "float32"} : (tensor<4xui8>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Floats to uint8 go through a wider integer and wrap (c10 casts through int64).
// CHECK-LABEL: func.func @cast$f32_to_uint8
// CHECK: ^bb0(%[[A:.*]]: f32, %{{.*}}: ui8):
// CHECK: %[[I:.*]] = arith.fptosi %[[A]] : f32 to i64
// CHECK: %[[T:.*]] = arith.trunci %[[I]] : i64 to i8
// CHECK: %[[U:.*]] = builtin.unrealized_conversion_cast %[[T]] : i8 to ui8
// CHECK: linalg.yield %[[U]] : ui8
func.func @cast$f32_to_uint8(%x: tensor<4xf32>) -> tensor<4xui8> {
  %0 = "tsm.cast"(%x) {dtype = "uint8"} : (tensor<4xf32>) -> tensor<4xui8>
  return %0 : tensor<4xui8>
}

// -----

// Shift amounts outside [0, 8) give the sign fill (x >> 7) instead of poison.
// CHECK-LABEL: func.func @bitwise_right_shift$i8
// CHECK: ^bb0(%[[X:.*]]: i8, %[[N:.*]]: i8, %{{.*}}: i8):
// CHECK: %[[NEG:.*]] = arith.cmpi slt, %[[N]], %{{.*}} : i8
// CHECK: %[[BIG:.*]] = arith.cmpi sge, %[[N]], %{{.*}} : i8
// CHECK: %[[OUT:.*]] = arith.ori %[[NEG]], %[[BIG]] : i1
// CHECK: %[[SAFE:.*]] = arith.select %[[OUT]], %{{.*}}, %[[N]] : i8
// CHECK: %[[FILL:.*]] = arith.shrsi %[[X]], %{{.*}} : i8
// CHECK: %[[SHIFTED:.*]] = arith.shrsi %[[X]], %[[SAFE]] : i8
// CHECK: %[[R:.*]] = arith.select %[[OUT]], %[[FILL]], %[[SHIFTED]] : i8
// CHECK: linalg.yield %[[R]] : i8
func.func @bitwise_right_shift$i8(%x: tensor<4xi8>, %y: tensor<4xi8>) -> tensor<4xi8> {
  %0 = "tsm.bitwise_right_shift"(%x, %y) : (tensor<4xi8>, tensor<4xi8>) -> tensor<4xi8>
  return %0 : tensor<4xi8>
}

// -----

// bf16 arithmetic computes in f32; the result is rounded to nearest even with
// integer ops (c10's round_to_nearest_even; NaN is 0x7FC0), not arith.truncf,
// which LLVM turns into a libcall per element on CPUs without bf16.
// CHECK-LABEL: func.func @mul$bf16
// CHECK: ^bb0(%[[A:.*]]: bf16, %[[B:.*]]: bf16, %{{.*}}: bf16):
// CHECK: %[[AF:.*]] = arith.extf %[[A]] : bf16 to f32
// CHECK: %[[BF:.*]] = arith.extf %[[B]] : bf16 to f32
// CHECK: %[[P:.*]] = arith.mulf %[[AF]], %[[BF]] : f32
// CHECK: %[[BITS:.*]] = arith.bitcast %[[P]] : f32 to i32
// CHECK: %[[ROUNDED:.*]] = arith.addi %[[BITS]], %{{.*}} : i32
// CHECK: %[[HIGH:.*]] = arith.trunci %{{.*}} : i32 to i16
// CHECK: %[[NAN:.*]] = arith.cmpf uno, %[[P]], %[[P]] : f32
// CHECK: %[[R:.*]] = arith.select %[[NAN]], %{{.*}}, %[[HIGH]] : i16
// CHECK: %[[OUT:.*]] = arith.bitcast %[[R]] : i16 to bf16
// CHECK: linalg.yield %[[OUT]] : bf16
// CHECK-NOT: arith.truncf
func.func @mul$bf16(%x: tensor<4xbf16>, %y: tensor<4xbf16>) -> tensor<4xbf16> {
  %0 = "tsm.mul"(%x, %y) : (tensor<4xbf16>, tensor<4xbf16>) -> tensor<4xbf16>
  return %0 : tensor<4xbf16>
}

// -----

// Wrapping ops (add, sub, mul, neg, bitwise) compute uint8 on its i8 bits.
// CHECK-LABEL: func.func @mul$uint8_wraps_in_i8
// CHECK: ^bb0(%[[A:.*]]: ui8, %[[B:.*]]: ui8, %{{.*}}: ui8):
// CHECK: %[[AB:.*]] = builtin.unrealized_conversion_cast %[[A]] : ui8 to i8
// CHECK: %[[BB:.*]] = builtin.unrealized_conversion_cast %[[B]] : ui8 to i8
// CHECK: %[[P:.*]] = arith.muli %[[AB]], %[[BB]] : i8
// CHECK: %[[R:.*]] = builtin.unrealized_conversion_cast %[[P]] : i8 to ui8
// CHECK: linalg.yield %[[R]] : ui8
func.func @mul$uint8_wraps_in_i8(%x: tensor<4xui8>, %y: tensor<4xui8>) -> tensor<4xui8> {
  %0 = "tsm.mul"(%x, %y) : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  return %0 : tensor<4xui8>
}

// -----

// rsqrt and sqrt that every user reads broadcast over 8x their size or more
// stay named ops (elementwise fusion would recompute them per element);
// read elementwise, or over fewer repeats, they are generics as usual.
// CHECK-LABEL: func.func @row_math
// CHECK: linalg.rsqrt ins(%{{.*}} : tensor<64x1xf32>)
// CHECK: linalg.sqrt ins(%{{.*}} : tensor<64x1xf32>)
// CHECK-NOT: linalg.rsqrt
// CHECK-NOT: linalg.sqrt
// CHECK: return
func.func @row_math(%x: tensor<64x4096xf32>, %s: tensor<64x1xf32>, %t: tensor<64x4xf32>) -> (tensor<64x4096xf32>, tensor<64x4096xf32>, tensor<64x1xf32>, tensor<64x4xf32>) {
  %r = "tsm.rsqrt"(%s) : (tensor<64x1xf32>) -> tensor<64x1xf32>
  %0 = "tsm.mul"(%x, %r) : (tensor<64x4096xf32>, tensor<64x1xf32>) -> tensor<64x4096xf32>
  %q = "tsm.sqrt"(%s) : (tensor<64x1xf32>) -> tensor<64x1xf32>
  %1 = "tsm.div"(%x, %q) : (tensor<64x4096xf32>, tensor<64x1xf32>) -> tensor<64x4096xf32>
  %2 = "tsm.rsqrt"(%s) : (tensor<64x1xf32>) -> tensor<64x1xf32>
  %3 = "tsm.rsqrt"(%s) : (tensor<64x1xf32>) -> tensor<64x1xf32>
  %4 = "tsm.mul"(%t, %3) : (tensor<64x4xf32>, tensor<64x1xf32>) -> tensor<64x4xf32>
  return %0, %1, %2, %4 : tensor<64x4096xf32>, tensor<64x4096xf32>, tensor<64x1xf32>, tensor<64x4xf32>
}
