# RUN: %python %s | filecheck %s
# Reductions import as tsm.sum/mean/softmax/log_softmax with the dims as
# written (negative dims are kept; the type rule normalizes them).  dim=None
# and the plain overloads list every dim; dtype= becomes a tsm.cast first.
import torch
import torch.nn.functional as F

from tsmlir import TensorSpec
from tsmlir.testing import print_tsm


class Sums(torch.nn.Module):
    def forward(self, x):
        return (x.sum([0, -1], keepdim=True), torch.sum(x, dim=None), x.sum(),
                x.sum(1, dtype=torch.float64))


# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
# CHECK: "tsm.sum"(%[[X]]) {dims = array<i64: 0, -1>, keepdim = true} : (tensor<2x3x4xf32>) -> tensor<1x3x1xf32>
# CHECK: "tsm.sum"(%[[X]]) {dims = array<i64: 0, 1, 2>, keepdim = false} : (tensor<2x3x4xf32>) -> tensor<f32>
# CHECK: "tsm.sum"(%[[X]]) {dims = array<i64: 0, 1, 2>, keepdim = false} : (tensor<2x3x4xf32>) -> tensor<f32>
# CHECK: %[[WIDE:.*]] = "tsm.cast"(%[[X]]) {dtype = "float64"} : (tensor<2x3x4xf32>) -> tensor<2x3x4xf64>
# CHECK: "tsm.sum"(%[[WIDE]]) {dims = array<i64: 1>, keepdim = false} : (tensor<2x3x4xf64>) -> tensor<2x4xf64>
print_tsm(Sums(), [torch.randn(2, 3, 4)])


class IntSum(torch.nn.Module):
    def forward(self, x):
        return x.sum(0)


# Integer sums are int64 whatever the input width.
# CHECK-LABEL: func.func @forward
# CHECK: "tsm.sum"(%{{.*}}) {dims = array<i64: 0>, keepdim = false} : (tensor<5xi32>) -> tensor<i64>
print_tsm(IntSum(), [torch.zeros(5, dtype=torch.int32)])


class Means(torch.nn.Module):
    def forward(self, x):
        return x.mean(), x.mean(-1, keepdim=True)


# A dynamic dim stays dynamic when it is kept.
# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[X:.*]]: tensor<?x10xf32>)
# CHECK: "tsm.mean"(%[[X]]) {dims = array<i64: 0, 1>, keepdim = false} : (tensor<?x10xf32>) -> tensor<f32>
# CHECK: "tsm.mean"(%[[X]]) {dims = array<i64: -1>, keepdim = true} : (tensor<?x10xf32>) -> tensor<?x1xf32>
print_tsm(Means(), input_specs=[TensorSpec((-1, 10))])


class Softmaxes(torch.nn.Module):
    def forward(self, x):
        return F.softmax(x, -1), F.log_softmax(x, dim=0), torch.softmax(x, 1, dtype=torch.float64)


# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[X:.*]]: tensor<4x6xf32>)
# CHECK: "tsm.softmax"(%[[X]]) {dim = -1 : i64} : (tensor<4x6xf32>) -> tensor<4x6xf32>
# CHECK: "tsm.log_softmax"(%[[X]]) {dim = 0 : i64} : (tensor<4x6xf32>) -> tensor<4x6xf32>
# CHECK: %[[WIDE:.*]] = "tsm.cast"(%[[X]]) {dtype = "float64"}
# CHECK: "tsm.softmax"(%[[WIDE]]) {dim = 1 : i64} : (tensor<4x6xf64>) -> tensor<4x6xf64>
print_tsm(Softmaxes(), [torch.randn(4, 6)])


class Internal(torch.nn.Module):
    def forward(self, x):
        return torch._softmax(x, 1, False), torch._log_softmax(x, 1, True)


# Traced graphs may hold the internal ops; half_to_float casts to f32 first.
# CHECK-LABEL: func.func @forward
# CHECK: "tsm.softmax"(%{{.*}}) {dim = 1 : i64} : (tensor<2x8xf16>) -> tensor<2x8xf16>
# CHECK: %[[F32:.*]] = "tsm.cast"(%{{.*}}) {dtype = "float32"} : (tensor<2x8xf16>) -> tensor<2x8xf32>
# CHECK: "tsm.log_softmax"(%[[F32]]) {dim = 1 : i64} : (tensor<2x8xf32>) -> tensor<2x8xf32>
print_tsm(Internal(), input_specs=[TensorSpec((2, 8), torch.float16)])


class IntMean(torch.nn.Module):
    def forward(self, x):
        return x.mean(0)


# Mean of an integer tensor is an error, as in PyTorch, pointing at the user's line.
# CHECK: reduction.py:[[# @LINE - 4]]:{{[0-9]+}}: error: aten::mean: mean(): the input must be floating point, got torch.int64
try:
    print_tsm(IntMean(), [torch.arange(4)])
except Exception as e:
    print(e)
