# RUN: %python %s | filecheck %s
# prim::If with a run-time condition -> scf.if; prim::Loop -> scf.for (counted)
# or scf.while (data-dependent exit); run-time scalars are arith values.
from typing import List

import torch

from tsmlir import TensorSpec
from tsmlir.testing import print_tsm


class DataIf(torch.nn.Module):
    def forward(self, x):
        if float(x.sum()) > 0.0:
            y = torch.cat([x, x], 0)
        else:
            y = x * x.size(0)
        return y


# The branches give 4x3 and 2x3: the result generalizes dim 0 (tensor.cast);
# x.size(0) is static (2) and folds; float(t) is an extract widened to f64.
# CHECK-LABEL: func.func @forward
# CHECK: %[[S:.*]] = "tsm.sum"
# CHECK: %[[E:.*]] = tensor.extract %[[S]][] : tensor<f32>
# CHECK: %[[F:.*]] = arith.extf %[[E]] : f32 to f64
# CHECK: %[[C:.*]] = arith.cmpf ogt, %[[F]]
# CHECK: %[[R:.*]] = scf.if %[[C]] -> (tensor<?x3xf32>) {
# CHECK:   %[[CAT:.*]] = "tsm.cat"
# CHECK:   %[[CAST:.*]] = tensor.cast %[[CAT]] : tensor<4x3xf32> to tensor<?x3xf32>
# CHECK:   scf.yield %[[CAST]]
# CHECK: } else {
# CHECK:   "tsm.mul"
# CHECK:   tensor.cast {{.*}} : tensor<2x3xf32> to tensor<?x3xf32>
# CHECK: return %[[R]]
print_tsm(DataIf(), input_specs=[TensorSpec((2, 3))])


class Halve(torch.nn.Module):
    def forward(self, x):
        while float((x * x).sum()) > 1.0:
            x = x / 2
        return x


# A while loop: an i64 counter, the condition and the carried tensor.
# CHECK-LABEL: func.func @forward
# CHECK: %[[C0:.*]] = arith.cmpf ogt
# CHECK: %[[W:.*]]:3 = scf.while (%[[I:.*]] = %{{.*}}, %[[GO:.*]] = %[[C0]], %[[X:.*]] = %arg0) : (i64, i1, tensor<?xf32>)
# CHECK:   scf.condition(%[[GO]])
# CHECK: } do {
# CHECK:   "tsm.div"
# CHECK:   %[[C1:.*]] = arith.cmpf ogt
# CHECK:   %[[NEXT:.*]] = arith.addi
# CHECK:   scf.yield %[[NEXT]], %[[C1]], %{{.*}} : i64, i1, tensor<?xf32>
# CHECK: return %[[W]]#2
print_tsm(Halve(), input_specs=[TensorSpec((-1,))])


class Rows(torch.nn.Module):
    def forward(self, x):
        y: List[torch.Tensor] = []
        for t in range(x.size(0)):
            y += [torch.tanh(x[t])]
        return torch.stack(y)


# A list appended once per iteration of a counted loop is its stacked tensor,
# allocated with the trip count; x[t] is tsm.select with the counter.
# CHECK-LABEL: func.func @forward
# CHECK: %[[N:.*]] = tensor.dim %arg0, %{{.*}} : tensor<?x4xf32>
# CHECK: %[[BUF:.*]] = tensor.empty(%[[N]]) : tensor<?x4xf32>
# CHECK: %[[R:.*]] = scf.for %[[T:.*]] = %{{.*}} to %[[N]] step %{{.*}} iter_args(%[[Y:.*]] = %[[BUF]]) -> (tensor<?x4xf32>) {
# CHECK:   %[[T64:.*]] = arith.index_cast %[[T]] : index to i64
# CHECK:   %[[IDX:.*]] = tensor.from_elements %[[T64]] : tensor<i64>
# CHECK:   %[[ROW:.*]] = "tsm.select"(%arg0, %[[IDX]]) {dim = 0 : i64} : (tensor<?x4xf32>, tensor<i64>) -> tensor<4xf32>
# CHECK:   %[[TANH:.*]] = "tsm.tanh"(%[[ROW]])
# CHECK:   %[[INS:.*]] = tensor.insert_slice %[[TANH]] into %[[Y]][%[[T]], 0] [1, 4] [1, 1]
# CHECK:   scf.yield %[[INS]]
# CHECK: return %[[R]]
print_tsm(Rows(), input_specs=[TensorSpec((-1, 4))])


class Early(torch.nn.Module):
    def forward(self, x):
        for i in range(10):
            if float(x.sum()) > 5.0:
                return x * i
            x = x + 1
        return x


# An early return: TorchScript's flags and Uninitialized placeholder become
# a while loop with a nested scf.if (placeholders are tensor.empty) and a
# final scf.if selecting the returned value.
# CHECK-LABEL: func.func @forward
# CHECK: scf.while
# CHECK:   scf.if %{{.*}} -> (i1, i1, tensor<3xf32>, tensor<3xf32>)
# CHECK:     arith.sitofp %{{.*}} : i64 to f32
# CHECK:     tensor.empty() : tensor<3xf32>
# CHECK:   arith.cmpi slt
# CHECK: %[[RET:.*]] = scf.if
# CHECK: return %[[RET]]
print_tsm(Early(), input_specs=[TensorSpec((3,))])


class Scalars(torch.nn.Module):
    def forward(self, x):
        n = x.size(0)
        return x * (n * 2 // 3 % 4)


# Run-time int arithmetic on a dynamic size: floordiv and Python's modulo.
# CHECK-LABEL: func.func @forward
# CHECK: %[[D:.*]] = tensor.dim %arg0
# CHECK: %[[N:.*]] = arith.index_cast %[[D]] : index to i64
# CHECK: arith.muli %[[N]]
# CHECK: arith.floordivsi
# CHECK: arith.remsi
# CHECK: %[[M:.*]] = arith.select
# CHECK: %[[MF:.*]] = arith.sitofp %[[M]] : i64 to f32
# CHECK: %[[T:.*]] = tensor.from_elements %[[MF]] : tensor<f32>
# CHECK: "tsm.mul"(%arg0, %[[T]])
print_tsm(Scalars(), input_specs=[TensorSpec((-1,))])
