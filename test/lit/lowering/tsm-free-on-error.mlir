// RUN: tsmlir-opt %s --tsm-free-on-error | filecheck %s

// A function with a fail block (a call of @tsmlir_runtime_error, made by
// tsm-asserts-to-errors) records in a registry on its stack every malloc that
// can be live when the fail block runs, removes such a pointer before it is
// freed (found through the memref descriptor), frees what is left on the fail
// path and only drops the registry on the other returns (what is left there
// is returned).  A buffer freed before any branch is not recorded.
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
// CHECK: %[[TMP:.*]] = llvm.call @malloc(%[[N]])
// CHECK-NEXT: %[[B:.*]] = llvm.call @malloc(%[[N]])
// CHECK-NEXT: llvm.call @tsmlir_live_add(%[[REG]], %[[B]])
// CHECK-NEXT: llvm.call @free(%[[TMP]])
// CHECK: llvm.cond_br %[[BAD]], ^[[FAIL:bb[0-9]+]], ^[[OK:bb[0-9]+]]
// CHECK: ^[[OK]]:
// CHECK: %[[P:.*]] = llvm.extractvalue %{{.*}}[0]
// CHECK-NEXT: llvm.call @tsmlir_live_remove(%[[REG]], %[[P]])
// CHECK-NEXT: llvm.call @free(%[[P]])
// CHECK-NEXT: llvm.call @tsmlir_live_forget(%[[REG]])
// CHECK-NEXT: llvm.return
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
  llvm.func @forward(%n: i64, %bad: i1) {
    %tmp = llvm.call @malloc(%n) : (i64) -> !llvm.ptr
    %b = llvm.call @malloc(%n) : (i64) -> !llvm.ptr
    llvm.call @free(%tmp) : (!llvm.ptr) -> ()
    %undef = llvm.mlir.poison : !llvm.struct<(ptr, ptr, i64)>
    %d0 = llvm.insertvalue %b, %undef[0] : !llvm.struct<(ptr, ptr, i64)>
    %d1 = llvm.insertvalue %b, %d0[1] : !llvm.struct<(ptr, ptr, i64)>
    llvm.cond_br %bad, ^fail, ^ok
  ^ok:
    %p = llvm.extractvalue %d1[0] : !llvm.struct<(ptr, ptr, i64)>
    llvm.call @free(%p) : (!llvm.ptr) -> ()
    llvm.return
  ^fail:
    %id = llvm.mlir.constant(0 : i64) : i64
    llvm.call @tsmlir_runtime_error(%id) : (i64) -> ()
    llvm.return
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
