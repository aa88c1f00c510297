# RUN: %python %s | filecheck %s
# print becomes calls of the print callbacks in program order (text known at
# compile time as llvm globals, formatted as TorchScript formats it); a raise
# in a run-time branch becomes cf.assert false tagged with the class.
import torch

from tsmlir import TensorSpec
from tsmlir.testing import print_tsm


class Prints(torch.nn.Module):
    def forward(self, x):
        n = x.size(0)
        print("rows:", n, x.sum() > 0, 0.5, x)
        if x.sum() > 10:
            raise ValueError("too big")
        return x + 1


# CHECK-DAG: llvm.mlir.global internal constant @[[ROWS:tsmlir_text_.*]]("rows: \00")
# CHECK-DAG: llvm.mlir.global internal constant @[[SEP:tsmlir_text_.*]](" \00")
# CHECK-DAG: llvm.mlir.global internal constant @[[HALF:tsmlir_text_.*]](" 0.5 \00")
# CHECK-DAG: llvm.mlir.global internal constant @[[EOL:tsmlir_text_.*]]("\0A\00")
# CHECK-DAG: func.func private @tsmlir_print_text(!llvm.ptr)
# CHECK-DAG: func.func private @tsmlir_print_i64(i64)
# CHECK-DAG: func.func private @tsmlir_print_tensor_f32(i64, tensor<*xf32> {bufferization.access = "read"})
# CHECK-DAG: func.func private @tsmlir_print_tensor_i8(i64, tensor<*xi8> {bufferization.access = "read"})
# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[X:[^:]*]]: tensor<?x3xf32>
# CHECK: %[[GT:.*]] = "tsm.gt"
# CHECK: %[[P0:.*]] = llvm.mlir.addressof @[[ROWS]] : !llvm.ptr
# CHECK: call @tsmlir_print_text(%[[P0]])
# CHECK: %[[DIM:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x3xf32>
# CHECK: %[[N:.*]] = arith.index_cast %[[DIM]] : index to i64
# CHECK: call @tsmlir_print_i64(%[[N]]) : (i64) -> ()
# CHECK: %[[P1:.*]] = llvm.mlir.addressof @[[SEP]]
# CHECK: call @tsmlir_print_text(%[[P1]])
# CHECK: %[[BYTES:.*]] = "tsm.cast"(%[[GT]]) {dtype = "int8"} : (tensor<i1>) -> tensor<i8>
# CHECK: %[[UB:.*]] = tensor.cast %[[BYTES]] : tensor<i8> to tensor<*xi8>
# CHECK: %[[BOOL:.*]] = arith.constant 8 : i64
# CHECK: call @tsmlir_print_tensor_i8(%[[BOOL]], %[[UB]]) : (i64, tensor<*xi8>) -> ()
# CHECK: %[[P2:.*]] = llvm.mlir.addressof @[[HALF]]
# CHECK: call @tsmlir_print_text(%[[P2]])
# CHECK: %[[UX:.*]] = tensor.cast %[[X]] : tensor<?x3xf32> to tensor<*xf32>
# CHECK: %[[F32:.*]] = arith.constant 0 : i64
# CHECK: call @tsmlir_print_tensor_f32(%[[F32]], %[[UX]])
# CHECK: %[[P3:.*]] = llvm.mlir.addressof @[[EOL]]
# CHECK: call @tsmlir_print_text(%[[P3]])
# CHECK: scf.if
# CHECK: %[[FALSE:.*]] = arith.constant false
# CHECK: cf.assert %[[FALSE]], "ValueError: too big" {tsmlir.raise = "ValueError"} loc(#[[RAISE_LOC:.*]])
# CHECK: #[[RAISE_FILE:.*]] = loc("{{.*}}side_effects.py":[[# @LINE - 36]]:13)
# CHECK: #[[IN_IF:.*]] = loc(callsite(#[[RAISE_FILE]] at #{{.*}}))
# CHECK: #[[RAISE_LOC]] = loc("prim::RaiseException"(#[[IN_IF]]))
print_tsm(Prints(), input_specs=[TensorSpec((-1, 3))], debug_info=True)


class Formats(torch.nn.Module):
    def forward(self, x):
        s = x.sum().item()
        print(f"sum={s} ok={s > 1.0}", [x.size(0), 2], str(2.0))
        assert s < 100.0, "too big"
        return x


# An f-string with run-time values is printed piece by piece; compile-time
# parts fold (2.0 prints as "2.").  An assert is a raise of AssertionError.
# CHECK-DAG: llvm.mlir.global internal constant @[[SUM:tsmlir_text_.*]]("sum=\00")
# CHECK-DAG: llvm.mlir.global internal constant @[[OK:tsmlir_text_.*]](" ok=\00")
# CHECK-DAG: llvm.mlir.global internal constant @[[TAIL:tsmlir_text_.*]](" [2, 2] 2.\0A\00")
# CHECK-DAG: func.func private @tsmlir_print_f64(f64)
# CHECK-DAG: func.func private @tsmlir_print_bool(i64)
# CHECK-LABEL: func.func @forward
# CHECK: %[[S:.*]] = arith.extf %{{.*}} : f32 to f64
# CHECK: call @tsmlir_print_text
# CHECK: call @tsmlir_print_f64(%[[S]]) : (f64) -> ()
# CHECK: call @tsmlir_print_text
# CHECK: %[[GT:.*]] = arith.extui %{{.*}} : i1 to i64
# CHECK: call @tsmlir_print_bool(%[[GT]]) : (i64) -> ()
# CHECK: %[[P:.*]] = llvm.mlir.addressof @[[TAIL]]
# CHECK: call @tsmlir_print_text(%[[P]])
# CHECK: scf.if
# CHECK: } else {
# CHECK: cf.assert %{{.*}}, "AssertionError: too big" {tsmlir.raise = "AssertionError"}
print_tsm(Formats(), [torch.ones(2)])


class RaiseWithValue(torch.nn.Module):
    def forward(self, x):
        if x.size(0) > 4:
            raise ValueError(f"{x.size(0)} rows")
        return x


# A message with run-time values is written by the print callbacks between
# tsmlir_print_to_error(1) and (0); the static message keeps "{}".
# CHECK-DAG: func.func private @tsmlir_print_to_error(i64)
# CHECK-LABEL: func.func @forward
# CHECK: scf.if
# CHECK: %[[ON:.*]] = arith.constant 1 : i64
# CHECK: call @tsmlir_print_to_error(%[[ON]])
# CHECK: call @tsmlir_print_text
# CHECK: call @tsmlir_print_i64
# CHECK: call @tsmlir_print_text
# CHECK: %[[OFF:.*]] = arith.constant 0 : i64
# CHECK: call @tsmlir_print_to_error(%[[OFF]])
# CHECK: cf.assert %{{.*}}, "ValueError: {} rows" {tsmlir.raise = "ValueError"}
print_tsm(RaiseWithValue(), input_specs=[TensorSpec((-1, 3))])
