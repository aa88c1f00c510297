# RUN: %python %s | filecheck %s
# Constructors import as tsm.full / tsm.arange (run-time sizes in a 1-D i64
# `sizes` operand) or, when every argument is a compile-time number and the
# values are a table (linspace, eye, torch.tensor), as one tsm.constant.
import torch

from tsmlir import TensorSpec
from tsmlir.testing import print_tsm


class Fill(torch.nn.Module):
    def forward(self, x):
        return torch.zeros(2, 3), torch.full_like(x, 7, dtype=torch.int32), x.new_ones((x.size(0), 4))


# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[X:.*]]: tensor<?x3xf32>)
# CHECK-DAG: %[[SEVEN:.*]] = "tsm.constant"() {value = dense<7> : tensor<i32>} : () -> tensor<i32>
# CHECK-DAG: %[[ZERO:.*]] = "tsm.constant"() {value = dense<0.000000e+00> : tensor<f32>} : () -> tensor<f32>
# CHECK-DAG: %[[ONE:.*]] = "tsm.constant"() {value = dense<1.000000e+00> : tensor<f32>} : () -> tensor<f32>
# CHECK: %[[Z:.*]] = "tsm.full"(%[[ZERO]]) {shape = array<i64: 2, 3>} : (tensor<f32>) -> tensor<2x3xf32>
# CHECK: %[[D0:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x3xf32>
# CHECK: %[[N0:.*]] = arith.index_cast %[[D0]] : index to i64
# CHECK: %[[S0:.*]] = tensor.from_elements %[[N0]] : tensor<1xi64>
# CHECK: %[[F:.*]] = "tsm.full"(%[[SEVEN]], %[[S0]]) {shape = array<i64: -1, 3>} : (tensor<i32>, tensor<1xi64>) -> tensor<?x3xi32>
# CHECK: %[[S1:.*]] = tensor.from_elements %{{.*}} : tensor<1xi64>
# CHECK: %[[O:.*]] = "tsm.full"(%[[ONE]], %[[S1]]) {shape = array<i64: -1, 4>} : (tensor<f32>, tensor<1xi64>) -> tensor<?x4xf32>
# CHECK: return %[[Z]], %[[F]], %[[O]]
print_tsm(torch.jit.script(Fill()), input_specs=[TensorSpec((-1, 3))])


class Ranges(torch.nn.Module):
    def forward(self, x):
        return torch.arange(1, 2.5, 0.5), torch.arange(x.size(0), dtype=torch.int32)


# A compile-time length is static (eager PyTorch's); a run-time one is computed
# as (end - start + step - 1) / step in i64.
# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[X:.*]]: tensor<?xf32>)
# CHECK: %[[A:.*]] = "tsm.arange"(%{{.*}}, %{{.*}}) {dtype = "float32", size = 3 : i64} : (tensor<f64>, tensor<f64>) -> tensor<3xf32>
# CHECK: %[[N:.*]] = arith.divsi
# CHECK: %[[S:.*]] = tensor.from_elements %[[N]] : tensor<1xi64>
# CHECK: %[[B:.*]] = "tsm.arange"(%{{.*}}, %{{.*}}, %[[S]]) {dtype = "int32", size = -1 : i64} : (tensor<i64>, tensor<i64>, tensor<1xi64>) -> tensor<?xi32>
# CHECK: return %[[A]], %[[B]]
print_tsm(torch.jit.script(Ranges()), input_specs=[TensorSpec((-1,))])


class Tables(torch.nn.Module):
    def forward(self, x):
        return torch.linspace(0, 1, 3), torch.eye(2, dtype=torch.int64), torch.tensor([[1.5, 2.0]])


# CHECK-LABEL: func.func @forward
# CHECK-DAG: "tsm.constant"() {value = dense<[0.000000e+00, 5.000000e-01, 1.000000e+00]> : tensor<3xf32>}
# CHECK-DAG: "tsm.constant"() {value = dense<{{\[\[}}1, 0], [0, 1]]> : tensor<2x2xi64>}
# CHECK-DAG: "tsm.constant"() {value = dense<{{\[\[}}1.500000e+00, 2.000000e+00]]> : tensor<1x2xf32>}
# CHECK-NOT: tsm.full
print_tsm(torch.jit.script(Tables()), input_specs=[TensorSpec((1,))])


class BigEye(torch.nn.Module):
    def forward(self, x):
        return torch.eye(5, 7)


# Past 16 elements an eye is computed by the program (no n x m blob):
# row index == column index, from two aranges.
# CHECK-LABEL: func.func @forward
# CHECK: %[[ROWS:.*]] = "tsm.arange"(%{{.*}}, %{{.*}}) {dtype = "int64", size = 5 : i64} : (tensor<i64>, tensor<i64>) -> tensor<5xi64>
# CHECK: %[[COLUMN:.*]] = "tsm.reshape"(%[[ROWS]]) {from_dims = array<i64: -1, -1>, shape = array<i64: 5, 1>} : (tensor<5xi64>) -> tensor<5x1xi64>
# CHECK: %[[COLS:.*]] = "tsm.arange"(%{{.*}}, %{{.*}}) {dtype = "int64", size = 7 : i64} : (tensor<i64>, tensor<i64>) -> tensor<7xi64>
# CHECK: %[[EQ:.*]] = "tsm.eq"(%[[COLUMN]], %[[COLS]]) : (tensor<5x1xi64>, tensor<7xi64>) -> tensor<5x7xi1>
# CHECK: %[[EYE:.*]] = "tsm.cast"(%[[EQ]]) {dtype = "float32"} : (tensor<5x7xi1>) -> tensor<5x7xf32>
# CHECK: return %[[EYE]]
print_tsm(torch.jit.script(BigEye()), input_specs=[TensorSpec((1,))])
