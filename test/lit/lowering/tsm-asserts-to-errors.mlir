// RUN: tsmlir-opt %s --tsm-asserts-to-errors | filecheck %s

// A failing check calls the runtime callback with the message's index and
// returns poison results instead of aborting; the messages live on the module.
// CHECK: module attributes {tsmlir.runtime_errors = ["first check", "second check"]}
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
func.func @forward(%a: index, %b: index) -> index {
  %eq = arith.cmpi eq, %a, %b : index
  cf.assert %eq, "first check"
  %lt = arith.cmpi ult, %a, %b : index
  %ok = arith.xori %lt, %eq : i1
  cf.assert %ok, "second check"
  return %a : index
}
