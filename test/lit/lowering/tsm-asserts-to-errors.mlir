// RUN: tsmlir-opt %s --tsm-asserts-to-errors | filecheck %s

// A failing check calls the runtime callback with the message's index and
// returns poison results instead of aborting; the messages, the user's
// source positions and the classes raised by the program live on the module.
// CHECK: module attributes {
// CHECK-SAME: tsmlir.runtime_error_classes = ["", "", "ValueError", "AssertionError"]
// CHECK-SAME: tsmlir.runtime_error_locations = ["{{.*}}:[[# @LINE + 41]]:3", "{{.*}}:[[# @LINE + 44]]:3", "user.py:12:9", "user.py:30:5"]
// CHECK-SAME: tsmlir.runtime_errors = ["first check", "second check", "ValueError: too big", "AssertionError: in a loop"]
// CHECK: func.func private @tsmlir_runtime_error(i64)
// CHECK-LABEL: func.func @forward
// CHECK-SAME: (%[[A:.*]]: index, %[[B:.*]]: index)
// CHECK: %[[EQ:.*]] = arith.cmpi eq, %[[A]], %[[B]] : index
// CHECK: cf.cond_br %[[EQ]], ^[[OK1:.*]], ^[[FAIL1:.*]]
// CHECK: ^[[OK1]]:
// CHECK: cf.cond_br %{{.*}}, ^[[OK2:.*]], ^[[FAIL2:.*]]
// CHECK: ^[[OK2]]:
// CHECK: return %[[A]] : index
// CHECK: ^[[FAIL2]]:
// CHECK: %[[ID1:.*]] = arith.constant 1 : i64
// CHECK: call @tsmlir_runtime_error(%[[ID1]]) : (i64) -> ()
// CHECK: %[[P:.*]] = ub.poison : index
// CHECK: return %[[P]] : index
// CHECK: ^[[FAIL1]]:
// CHECK: %[[ID0:.*]] = arith.constant 0 : i64
// CHECK: call @tsmlir_runtime_error(%[[ID0]])
// CHECK-NOT: cf.assert
// CHECK-LABEL: func.func @raise$in_loop
// CHECK-SAME: (%[[X:.*]]: f32, %[[N:.*]]: i64)
// CHECK: cf.cond_br %{{.*}}, ^[[RAISE:bb[0-9]+]], ^[[LOOP:bb[0-9]+]](
// CHECK: ^[[RAISE]]:
// CHECK: %[[FALSE:.*]] = arith.constant false
// CHECK: cf.cond_br %[[FALSE]], ^{{bb[0-9]+}}, ^[[FAIL:bb[0-9]+]]
// CHECK: ^[[FAIL]]:
// CHECK: %[[ID:.*]] = arith.constant 2 : i64
// CHECK: call @tsmlir_runtime_error(%[[ID]])
// CHECK: %[[P:.*]] = ub.poison : f32
// CHECK: return %[[P]] : f32
// CHECK: ^[[LOOP]](%[[I:.*]]: i64):
// CHECK: %[[MORE:.*]] = arith.cmpi slt, %[[I]], %[[N]] : i64
// CHECK: cf.cond_br %[[MORE]], ^{{bb[0-9]+}}, ^[[FAIL3:bb[0-9]+]]
// CHECK: ^[[FAIL3]]:
// CHECK: %[[ID3:.*]] = arith.constant 3 : i64
// CHECK: call @tsmlir_runtime_error(%[[ID3]])
// CHECK: return %{{.*}} : f32
// CHECK: return %[[X]] : f32
func.func @forward(%a: index, %b: index) -> index {
  %eq = arith.cmpi eq, %a, %b : index
  cf.assert %eq, "first check"
  %lt = arith.cmpi ult, %a, %b : index
  %ok = arith.xori %lt, %eq : i1
  cf.assert %ok, "second check"
  return %a : index
}

// A `raise` of the program (tagged with its class; an assert whose condition
// is false) at the user's line, here inside a branch and a loop: the fail
// block returns from the function.  A location inside a call site names the
// innermost frame.
func.func @raise$in_loop(%x: f32, %n: i64) -> f32 {
  %c0 = arith.constant 0 : i64
  %c1 = arith.constant 1 : i64
  %zero = arith.constant 0.0 : f32
  %big = arith.cmpf ogt, %x, %zero : f32
  cf.cond_br %big, ^raise, ^loop(%c0 : i64)
^raise:
  %false = arith.constant false
  cf.assert %false, "ValueError: too big" {tsmlir.raise = "ValueError"} loc("prim::RaiseException"("user.py":12:9))
  cf.br ^loop(%c0 : i64)
^loop(%i: i64):
  %more = arith.cmpi slt, %i, %n : i64
  cf.assert %more, "AssertionError: in a loop" {tsmlir.raise = "AssertionError"} loc(callsite("user.py":30:5 at "lib.py":4:1))
  %next = arith.addi %i, %c1 : i64
  %done = arith.cmpi eq, %next, %n : i64
  cf.cond_br %done, ^exit, ^loop(%next : i64)
^exit:
  return %x : f32
}
