// RUN: tsmlir-opt %s --tsm-free-on-error | filecheck %s

// A function with a fail block (a call of @tsmlir_runtime_error, made by
// tsm-asserts-to-errors) records every malloc in a registry on its stack,
// removes a pointer before it is freed, frees what is left on the fail path
// and only drops the registry on the other returns (what is left is returned).
// CHECK-DAG: llvm.func @realloc(!llvm.ptr, i64) -> !llvm.ptr
// CHECK-DAG: llvm.func internal @tsmlir_live_init(%{{.*}}: !llvm.ptr)
// CHECK-DAG: llvm.func internal @tsmlir_live_add(%{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr)
// CHECK-DAG: llvm.func internal @tsmlir_live_remove(%{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr)
// CHECK-DAG: llvm.func internal @tsmlir_live_free_all(%{{.*}}: !llvm.ptr)
// CHECK-DAG: llvm.func internal @tsmlir_live_forget(%{{.*}}: !llvm.ptr)

// CHECK-LABEL: llvm.func @forward
// CHECK-SAME: (%[[N:.*]]: i64, %[[BAD:.*]]: i1)
// CHECK: %[[ONE:.*]] = llvm.mlir.constant(1 : i64) : i64
// CHECK: %[[REG:.*]] = llvm.alloca %[[ONE]] x !llvm.struct<(ptr, i64, i64)>
// CHECK: llvm.call @tsmlir_live_init(%[[REG]])
// CHECK: %[[A:.*]] = llvm.call @malloc(%[[N]])
// CHECK: llvm.call @tsmlir_live_add(%[[REG]], %[[A]])
// CHECK: %[[B:.*]] = llvm.call @malloc(%[[N]])
// CHECK: llvm.call @tsmlir_live_add(%[[REG]], %[[B]])
// CHECK: llvm.call @tsmlir_live_remove(%[[REG]], %[[A]])
// CHECK-NEXT: llvm.call @free(%[[A]])
// CHECK: llvm.cond_br %[[BAD]], ^[[FAIL:bb[0-9]+]], ^[[OK:bb[0-9]+]]
// CHECK: ^[[OK]]:
// CHECK-NEXT: llvm.call @tsmlir_live_forget(%[[REG]])
// CHECK-NEXT: llvm.return %[[B]]
// CHECK: ^[[FAIL]]:
// CHECK: llvm.call @tsmlir_runtime_error
// CHECK-NEXT: llvm.call @tsmlir_live_free_all(%[[REG]])
// CHECK-NOT: tsmlir_live_forget
// CHECK: llvm.return

// Without a fail block, or with a realloc (which moves a buffer), a function
// is left as it is.
// CHECK-LABEL: llvm.func @no_error
// CHECK-NOT: tsmlir_live
// CHECK: llvm.return
// CHECK-LABEL: llvm.func @reallocates
// CHECK-NOT: tsmlir_live
// CHECK: llvm.return
module {
  llvm.func @malloc(i64) -> !llvm.ptr
  llvm.func @free(!llvm.ptr)
  llvm.func @realloc(!llvm.ptr, i64) -> !llvm.ptr
  llvm.func @tsmlir_runtime_error(i64)
  llvm.func @forward(%n: i64, %bad: i1) -> !llvm.ptr {
    %a = llvm.call @malloc(%n) : (i64) -> !llvm.ptr
    %b = llvm.call @malloc(%n) : (i64) -> !llvm.ptr
    llvm.call @free(%a) : (!llvm.ptr) -> ()
    llvm.cond_br %bad, ^fail, ^ok
  ^ok:
    llvm.return %b : !llvm.ptr
  ^fail:
    %id = llvm.mlir.constant(0 : i64) : i64
    llvm.call @tsmlir_runtime_error(%id) : (i64) -> ()
    %p = llvm.mlir.poison : !llvm.ptr
    llvm.return %p : !llvm.ptr
  }
  llvm.func @no_error(%n: i64) -> !llvm.ptr {
    %a = llvm.call @malloc(%n) : (i64) -> !llvm.ptr
    llvm.return %a : !llvm.ptr
  }
  llvm.func @reallocates(%n: i64, %bad: i1) -> !llvm.ptr {
    %a = llvm.call @malloc(%n) : (i64) -> !llvm.ptr
    %b = llvm.call @realloc(%a, %n) : (!llvm.ptr, i64) -> !llvm.ptr
    llvm.cond_br %bad, ^fail, ^ok
  ^ok:
    llvm.return %b : !llvm.ptr
  ^fail:
    %id = llvm.mlir.constant(0 : i64) : i64
    llvm.call @tsmlir_runtime_error(%id) : (i64) -> ()
    %p = llvm.mlir.poison : !llvm.ptr
    llvm.return %p : !llvm.ptr
  }
}
