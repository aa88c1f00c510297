# RUN: %python %s | filecheck %s
# Data-movement aten ops import as tsm.slice/expand/index/index_put/flip/roll/
# triu/gather/scatter; split pieces are slices, repeat is reshape + expand +
# reshape, advanced indexing stacks the index tensors as coordinates.
import torch
import torch.nn.functional as F

from tsmlir import TensorSpec
from tsmlir.testing import print_tsm


class Slices(torch.nn.Module):
    def forward(self, x):
        q, k, v = x.chunk(3, dim=-1)
        return q, x[1:-1:2], x[:, -2:], x.narrow(0, -3, 2), x.unbind(0)[1]


# chunk: one slice per piece, bounds as PyTorch splits the dim; x[1:-1:2] keeps
# PyTorch's bounds (clamped when lowered); an omitted end is INT64_MAX;
# narrow's negative start is normalized; unbind drops the dim with a reshape.
# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[X:.*]]: tensor<4x6xf32>)
# CHECK: %[[Q:.*]] = "tsm.slice"(%[[X]]) {dim = 1 : i64, end = 2 : i64, start = 0 : i64, step = 1 : i64} : (tensor<4x6xf32>) -> tensor<4x2xf32>
# CHECK: "tsm.slice"(%[[X]]) {dim = 1 : i64, end = 4 : i64, start = 2 : i64, step = 1 : i64}
# CHECK: "tsm.slice"(%[[X]]) {dim = 1 : i64, end = 6 : i64, start = 4 : i64, step = 1 : i64}
# CHECK: %[[S:.*]] = "tsm.slice"(%[[X]]) {dim = 0 : i64, end = -1 : i64, start = 1 : i64, step = 2 : i64} : (tensor<4x6xf32>) -> tensor<1x6xf32>
# CHECK: %[[T:.*]] = "tsm.slice"(%[[X]]) {dim = 1 : i64, end = 9223372036854775807 : i64, start = -2 : i64, step = 1 : i64} : (tensor<4x6xf32>) -> tensor<4x2xf32>
# CHECK: %[[N:.*]] = "tsm.slice"(%[[X]]) {dim = 0 : i64, end = 3 : i64, start = 1 : i64, step = 1 : i64} : (tensor<4x6xf32>) -> tensor<2x6xf32>
# CHECK: %[[ROW1:.*]] = "tsm.slice"(%[[X]]) {dim = 0 : i64, end = 2 : i64, start = 1 : i64, step = 1 : i64}
# CHECK: %[[U:.*]] = "tsm.reshape"(%[[ROW1]]) {from_dims = array<i64: -1>, shape = array<i64: 6>} : (tensor<1x6xf32>) -> tensor<6xf32>
# CHECK: return %[[Q]], %[[S]], %[[T]], %[[N]], %[[U]]
print_tsm(Slices(), [torch.randn(4, 6)])


class Broadcasts(torch.nn.Module):
    def forward(self, x, y):
        return x[-3:], x.expand(2, -1, -1), y.expand_as(x), x.repeat(2, 1)


# On a dynamic dim the slice type is dynamic; expand(-1) keeps x's dynamic dim
# (from_dims names it); expand_as reads the other tensor's size at run time.
# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[X:.*]]: tensor<?x4xf32>, %[[Y:.*]]: tensor<1x4xf32>)
# CHECK: "tsm.slice"(%[[X]]) {dim = 0 : i64, end = 9223372036854775807 : i64, start = -3 : i64, step = 1 : i64} : (tensor<?x4xf32>) -> tensor<?x4xf32>
# CHECK: "tsm.expand"(%[[X]]) {from_dims = array<i64: -1, 0, -1>, shape = array<i64: 2, -1, 4>} : (tensor<?x4xf32>) -> tensor<2x?x4xf32>
# CHECK: "tsm.expand"(%[[Y]], %[[X]]) {from_dims = array<i64: 0, -1>, shape = array<i64: -1, 4>} : (tensor<1x4xf32>, tensor<?x4xf32>) -> tensor<?x4xf32>
# CHECK: %[[SPREAD:.*]] = "tsm.reshape"(%[[X]]) {{.*}} -> tensor<1x?x1x4xf32>
# CHECK: %[[WIDE:.*]] = "tsm.expand"(%[[SPREAD]]) {from_dims = array<i64: -1, 1, -1, -1>, shape = array<i64: 2, -1, 1, 4>}
# CHECK: "tsm.reshape"(%[[WIDE]]) {{.*}} : (tensor<2x?x1x4xf32>) -> tensor<?x4xf32>
print_tsm(Broadcasts(), input_specs=[TensorSpec((-1, 4)), TensorSpec((1, 4))])


class Indexing(torch.nn.Module):
    def forward(self, x, i, j):
        y = x.clone()
        y[i] = 0.0
        return x[i], x[i, j], x[:, i], F.embedding(j, x), y


# One index tensor is a column of coordinates; two are cast to int64,
# broadcast and concatenated; `y[i] = 0.0` is index_put with the value's
# 0-d tensor (broadcast when lowered).
# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[X:.*]]: tensor<4x5xf32>, %[[I:.*]]: tensor<2xi64>, %[[J:.*]]: tensor<2x1xi32>)
# CHECK: %[[ZERO:.*]] = "tsm.constant"() {value = dense<0.000000e+00> : tensor<f32>}
# CHECK: %[[COL:.*]] = "tsm.reshape"(%[[I]]) {{.*}} -> tensor<2x1xi64>
# CHECK: %[[PUT:.*]] = "tsm.index_put"(%[[X]], %[[COL]], %[[ZERO]]) {accumulate = false, dim = 0 : i64} : (tensor<4x5xf32>, tensor<2x1xi64>, tensor<f32>) -> tensor<4x5xf32>
# CHECK: "tsm.index"(%[[X]], %{{.*}}) {dim = 0 : i64} : (tensor<4x5xf32>, tensor<2x1xi64>) -> tensor<2x5xf32>
# CHECK: %[[JL:.*]] = "tsm.cast"(%[[J]]) {dtype = "int64"}
# CHECK: %[[JB:.*]] = "tsm.expand"(%[[JL]]) {{.*}} -> tensor<2x2xi64>
# CHECK: %[[PAIRS:.*]] = "tsm.cat"(%{{.*}}, %{{.*}}) {dim = 2 : i64} : (tensor<2x2x1xi64>, tensor<2x2x1xi64>) -> tensor<2x2x2xi64>
# CHECK: "tsm.index"(%[[X]], %[[PAIRS]]) {dim = 0 : i64} : (tensor<4x5xf32>, tensor<2x2x2xi64>) -> tensor<2x2xf32>
# CHECK: "tsm.index"(%[[X]], %{{.*}}) {dim = 1 : i64} : (tensor<4x5xf32>, tensor<2x1xi64>) -> tensor<4x2xf32>
# CHECK: %[[EMB:.*]] = "tsm.reshape"(%[[J]]) {{.*}} -> tensor<2x1x1xi32>
# CHECK: "tsm.index"(%[[X]], %[[EMB]]) {dim = 0 : i64} : (tensor<4x5xf32>, tensor<2x1x1xi32>) -> tensor<2x1x5xf32>
print_tsm(Indexing(), [torch.randn(4, 5), torch.tensor([1, 2]),
                       torch.tensor([[1], [3]], dtype=torch.int32)])


class Moves(torch.nn.Module):
    def forward(self, x, i):
        return (x.flip(-1), x.roll(-1, 0), x.roll(5, 1), x.triu(1), torch.tril(x),
                torch.gather(x, 1, i), x.scatter_add(1, i, x), x.scatter(0, i, 1.5))


# Negative dims are normalized; a roll by a multiple of the size vanishes and a
# negative shift becomes positive; scatter's value form is a 0-d src.
# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[X:.*]]: tensor<3x4xf32>, %[[I:.*]]: tensor<3x4xi64>)
# CHECK: %[[V:.*]] = "tsm.constant"() {value = dense<1.500000e+00> : tensor<f32>}
# CHECK: "tsm.flip"(%[[X]]) {dims = array<i64: 1>}
# CHECK: "tsm.roll"(%[[X]]) {dims = array<i64: 0>, shifts = array<i64: 2>}
# CHECK: "tsm.roll"(%[[X]]) {dims = array<i64: 1>, shifts = array<i64: 1>}
# CHECK: "tsm.triu"(%[[X]]) {diagonal = 1 : i64}
# CHECK: "tsm.tril"(%[[X]]) {diagonal = 0 : i64}
# CHECK: "tsm.gather"(%[[X]], %[[I]]) {dim = 1 : i64} : (tensor<3x4xf32>, tensor<3x4xi64>) -> tensor<3x4xf32>
# CHECK: "tsm.scatter"(%[[X]], %[[I]], %[[X]]) {dim = 1 : i64, reduce = "add"}
# CHECK: "tsm.scatter"(%[[X]], %[[I]], %[[V]]) {dim = 0 : i64, reduce = "none"} : (tensor<3x4xf32>, tensor<3x4xi64>, tensor<f32>) -> tensor<3x4xf32>
print_tsm(Moves(), [torch.randn(3, 4), torch.zeros(3, 4, dtype=torch.long)])


class PositionalSlice(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("pe", torch.zeros(16, 8))

    def forward(self, x):
        return x + self.pe[: x.size(0)]


# A bound known only at run time (a dynamic size) goes in as a 0-d i64 tensor.
# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[X:.*]]: tensor<?x8xf32>)
# CHECK: %[[START:.*]] = "tsm.constant"() {value = dense<0> : tensor<i64>}
# CHECK: %[[PE:.*]] = "tsm.constant"
# CHECK: %[[N:.*]] = tensor.dim %[[X]]
# CHECK: %[[END:.*]] = tensor.from_elements %{{.*}} : tensor<i64>
# CHECK: "tsm.slice_dynamic"(%[[PE]], %[[START]], %[[END]]) {dim = 0 : i64, step = 1 : i64} : (tensor<16x8xf32>, tensor<i64>, tensor<i64>) -> tensor<?x8xf32>
print_tsm(PositionalSlice(), input_specs=[TensorSpec((-1, 8))])


class MaskAssign(torch.nn.Module):
    def forward(self, x):
        y = x.clone()
        y[:, x[0] < 0] = 1
        return y


# x[mask] = value is a where(); the mask covers dim 1 of y.
# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[X:.*]]: tensor<3x4xf32>)
# CHECK: %[[ONE:.*]] = "tsm.constant"() {value = dense<1.000000e+00> : tensor<f32>}
# CHECK: %[[MASK:.*]] = "tsm.lt"
# CHECK: "tsm.where"(%[[MASK]], %[[ONE]], %[[X]]) : (tensor<4xi1>, tensor<f32>, tensor<3x4xf32>) -> tensor<3x4xf32>
print_tsm(MaskAssign(), [torch.randn(3, 4)])


class Assign(torch.nn.Module):
    def forward(self, x, v):
        y = x.clone()
        y[1:3] = v
        y[0, 1:] *= 2.0
        return y


# In-place ops on slices write back into their base: `y[1:3] = v` is a
# slice_scatter of v; `y[0, 1:] *= 2` multiplies the slice of the row, writes
# it into the row, and the row into y.
# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[X:.*]]: tensor<4x3xf32>, %[[V:.*]]: tensor<2x3xf32>)
# CHECK: %[[Y1:.*]] = "tsm.slice_scatter"(%[[X]], %[[V]]) {dim = 0 : i64, end = 3 : i64, start = 1 : i64, step = 1 : i64}
# CHECK: %[[ROW:.*]] = "tsm.select"(%[[Y1]], %{{.*}}) {dim = 0 : i64}
# CHECK: %[[PART:.*]] = "tsm.slice"(%[[ROW]]) {dim = 0 : i64, end = 9223372036854775807 : i64, start = 1 : i64, step = 1 : i64}
# CHECK: %[[TWICE:.*]] = "tsm.mul"(%[[PART]], %{{.*}})
# CHECK: %[[NEW_ROW:.*]] = "tsm.slice_scatter"(%[[ROW]], %[[TWICE]]) {dim = 0 : i64, end = 9223372036854775807 : i64, start = 1 : i64, step = 1 : i64}
# CHECK: %[[ROW2D:.*]] = "tsm.reshape"(%[[NEW_ROW]]) {{.*}} -> tensor<1x3xf32>
# CHECK: %[[Y2:.*]] = "tsm.slice_scatter"(%[[Y1]], %[[ROW2D]]) {dim = 0 : i64, end = 1 : i64, start = 0 : i64, step = 1 : i64}
# CHECK: return %[[Y2]]
print_tsm(Assign(), [torch.randn(4, 3), torch.randn(2, 3)])


class Located(torch.nn.Module):
    def forward(self, x):
        return x[:, 1:]
# The slice carries the user's line.
# CHECK-LABEL: func.func @forward
# CHECK: "tsm.slice"{{.*}} loc(#[[LOC:loc[0-9]*]])
# CHECK: #[[FILE:loc[0-9]*]] = loc("{{.*}}data_movement.py":[[# @LINE - 4]]:16)
# CHECK: #[[LOC]] = loc("aten::slice"(#[[FILE]]))


print_tsm(Located(), [torch.randn(2, 3)], debug_info=True)
