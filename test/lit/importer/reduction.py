# RUN: %python %s | filecheck %s
# Reductions import as tsm ops with the dims as written (negative dims are
# kept; the type rule normalizes them).  dim=None and the plain overloads
# list every dim; dtype= becomes a tsm.cast first.  max.dim/min.dim are one
# two-result op; max()/min() are amax/amin over every dim.
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


class Selections(torch.nn.Module):
    def forward(self, x):
        values, indices = x.max(-1, keepdim=True)
        return values, indices, x.min(0), x.max(), x.amin([0, 2]), x.argmax(), x.argmin(1, True)


# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[X:.*]]: tensor<?x3x4xf32>)
# CHECK: %[[MAX:.*]]:2 = "tsm.max"(%[[X]]) {dim = -1 : i64, keepdim = true} : (tensor<?x3x4xf32>) -> (tensor<?x3x1xf32>, tensor<?x3x1xi64>)
# CHECK: %[[MIN:.*]]:2 = "tsm.min"(%[[X]]) {dim = 0 : i64, keepdim = false} : (tensor<?x3x4xf32>) -> (tensor<3x4xf32>, tensor<3x4xi64>)
# CHECK: "tsm.amax"(%[[X]]) {dims = array<i64: 0, 1, 2>, keepdim = false} : (tensor<?x3x4xf32>) -> tensor<f32>
# CHECK: "tsm.amin"(%[[X]]) {dims = array<i64: 0, 2>, keepdim = false} : (tensor<?x3x4xf32>) -> tensor<3xf32>
# CHECK: "tsm.argmax"(%[[X]]) {keepdim = false} : (tensor<?x3x4xf32>) -> tensor<i64>
# CHECK: "tsm.argmin"(%[[X]]) {dim = 1 : i64, keepdim = true} : (tensor<?x3x4xf32>) -> tensor<?x1x4xi64>
# CHECK: return %[[MAX]]#0, %[[MAX]]#1, %[[MIN]]#0, %[[MIN]]#1,
print_tsm(Selections(), input_specs=[TensorSpec((-1, 3, 4))])


class Others(torch.nn.Module):
    def forward(self, x, n):
        return (x.prod(1, dtype=torch.float64), n.any(), n.all(1), x.var(1, unbiased=False),
                x.std(), torch.var(x, [0], correction=2, keepdim=True), torch.logsumexp(n, 0))


# unbiased=False is correction 0; logsumexp of integers computes in float32.
# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>, %[[N:.*]]: tensor<2x3xi64>)
# CHECK: %[[WIDE:.*]] = "tsm.cast"(%[[X]]) {dtype = "float64"}
# CHECK: "tsm.prod"(%[[WIDE]]) {dims = array<i64: 1>, keepdim = false} : (tensor<2x3xf64>) -> tensor<2xf64>
# CHECK: "tsm.any"(%[[N]]) {dims = array<i64: 0, 1>, keepdim = false} : (tensor<2x3xi64>) -> tensor<i1>
# CHECK: "tsm.all"(%[[N]]) {dims = array<i64: 1>, keepdim = false} : (tensor<2x3xi64>) -> tensor<2xi1>
# CHECK: "tsm.var"(%[[X]]) {correction = 0.000000e+00 : f64, dims = array<i64: 1>, keepdim = false}
# CHECK: "tsm.std"(%[[X]]) {correction = 1.000000e+00 : f64, dims = array<i64: 0, 1>, keepdim = false} : (tensor<2x3xf32>) -> tensor<f32>
# CHECK: "tsm.var"(%[[X]]) {correction = 2.000000e+00 : f64, dims = array<i64: 0>, keepdim = true} : (tensor<2x3xf32>) -> tensor<1x3xf32>
# CHECK: %[[FLOAT:.*]] = "tsm.cast"(%[[N]]) {dtype = "float32"}
# CHECK: "tsm.logsumexp"(%[[FLOAT]]) {dims = array<i64: 0>, keepdim = false} : (tensor<2x3xf32>) -> tensor<3xf32>
print_tsm(Others(), [torch.randn(2, 3), torch.ones(2, 3, dtype=torch.int64)])


class IntMean(torch.nn.Module):
    def forward(self, x):
        return x.mean(0)


# Mean of an integer tensor is an error, as in PyTorch, pointing at the user's line.
# CHECK: reduction.py:[[# @LINE - 4]]:{{[0-9]+}}: error: aten::mean: mean(): the input must be floating point, got torch.int64
try:
    print_tsm(IntMean(), [torch.arange(4)])
except Exception as e:
    print(e)


class Scans(torch.nn.Module):
    def forward(self, x, i):
        return torch.cumsum(x, -1), torch.cumprod(i, 0), torch.cumsum(x, 0, dtype=torch.int32)


# Scans keep dim as written; integers scan in int64; an integer dtype= casts
# the input first and the int64 result back to that dtype.
# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>, %[[I:.*]]: tensor<2x3xi32>)
# CHECK: "tsm.cumsum"(%[[X]]) {dim = -1 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
# CHECK: "tsm.cumprod"(%[[I]]) {dim = 0 : i64} : (tensor<2x3xi32>) -> tensor<2x3xi64>
# CHECK: %[[NARROW:.*]] = "tsm.cast"(%[[X]]) {dtype = "int32"} : (tensor<2x3xf32>) -> tensor<2x3xi32>
# CHECK: %[[WIDE:.*]] = "tsm.cumsum"(%[[NARROW]]) {dim = 0 : i64} : (tensor<2x3xi32>) -> tensor<2x3xi64>
# CHECK: "tsm.cast"(%[[WIDE]]) {dtype = "int32"} : (tensor<2x3xi64>) -> tensor<2x3xi32>
print_tsm(Scans(), [torch.randn(2, 3), torch.zeros(2, 3, dtype=torch.int32)])


class Norms(torch.nn.Module):
    def forward(self, x):
        return (torch.linalg.vector_norm(x, 3.0, [0], True), x.norm(),
                torch.linalg.norm(x, float("inf")), torch.linalg.norm(x, "fro"))


# Vector norms are one op with the order as an f64 attribute; the matrix inf
# norm is the largest row sum of |x|.
# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
# CHECK: "tsm.vector_norm"(%[[X]]) {dims = array<i64: 0>, keepdim = true, ord = 3.000000e+00 : f64} : (tensor<2x3xf32>) -> tensor<1x3xf32>
# CHECK: "tsm.vector_norm"(%[[X]]) {dims = array<i64: 0, 1>, keepdim = false, ord = 2.000000e+00 : f64} : (tensor<2x3xf32>) -> tensor<f32>
# CHECK: %[[ABS:.*]] = "tsm.abs"(%[[X]])
# CHECK: %[[ROWS:.*]] = "tsm.sum"(%[[ABS]]) {dims = array<i64: 1>, keepdim = false} : (tensor<2x3xf32>) -> tensor<2xf32>
# CHECK: "tsm.amax"(%[[ROWS]]) {dims = array<i64: 0>, keepdim = false} : (tensor<2xf32>) -> tensor<f32>
# CHECK: "tsm.vector_norm"(%[[X]]) {dims = array<i64: 0, 1>, keepdim = false, ord = 2.000000e+00 : f64}
print_tsm(Norms(), [torch.randn(2, 3)])


class Moments(torch.nn.Module):
    def forward(self, x):
        return torch.var_mean(x, 1), torch.count_nonzero(x, 0)


# var_mean is a var and a mean; count_nonzero sums x != 0 (bool sums are int64).
# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
# CHECK: %[[ZERO:.*]] = "tsm.constant"() {value = dense<0.000000e+00> : tensor<f32>}
# CHECK: %[[MEAN:.*]] = "tsm.mean"(%[[X]]) {dims = array<i64: 1>, keepdim = false}
# CHECK: %[[VAR:.*]] = "tsm.var"(%[[X]]) {correction = 1.000000e+00 : f64, dims = array<i64: 1>, keepdim = false}
# CHECK: %[[NONZERO:.*]] = "tsm.ne"(%[[X]], %[[ZERO]]) : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xi1>
# CHECK: %[[COUNT:.*]] = "tsm.sum"(%[[NONZERO]]) {dims = array<i64: 0>, keepdim = false} : (tensor<2x3xi1>) -> tensor<3xi64>
# CHECK: return %[[VAR]], %[[MEAN]], %[[COUNT]]
print_tsm(Moments(), [torch.randn(2, 3)])


class NanReductions(torch.nn.Module):
    def forward(self, x):
        return torch.nanmean(x, 1), torch.aminmax(x, dim=0)


# nanmean: the sum with NaN as 0 over the count of non-NaN; aminmax: amin, amax.
# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
# CHECK: %[[ZERO:.*]] = "tsm.constant"() {value = dense<0.000000e+00> : tensor<f32>}
# CHECK: %[[NAN:.*]] = "tsm.isnan"(%[[X]])
# CHECK: %[[CLEAN:.*]] = "tsm.where"(%[[NAN]], %[[ZERO]], %[[X]])
# CHECK: %[[TOTAL:.*]] = "tsm.sum"(%[[CLEAN]]) {dims = array<i64: 1>, keepdim = false} : (tensor<2x3xf32>) -> tensor<2xf32>
# CHECK: %[[NUMBER:.*]] = "tsm.logical_not"(%[[NAN]])
# CHECK: %[[COUNT:.*]] = "tsm.sum"(%[[NUMBER]]) {dims = array<i64: 1>, keepdim = false} : (tensor<2x3xi1>) -> tensor<2xi64>
# CHECK: %[[MEAN:.*]] = "tsm.div"(%[[TOTAL]], %[[COUNT]]) : (tensor<2xf32>, tensor<2xi64>) -> tensor<2xf32>
# CHECK: %[[MIN:.*]] = "tsm.amin"(%[[X]]) {dims = array<i64: 0>, keepdim = false}
# CHECK: %[[MAX:.*]] = "tsm.amax"(%[[X]]) {dims = array<i64: 0>, keepdim = false}
# CHECK: return %[[MEAN]], %[[MIN]], %[[MAX]]
print_tsm(NanReductions(), [torch.randn(2, 3)])


class RunningExtremes(torch.nn.Module):
    def forward(self, x):
        values, indices = torch.cummax(x, -1)
        return values, indices, torch.cummin(x, 0), torch.logcumsumexp(x, 1)


# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
# CHECK: %[[MAX:.*]]:2 = "tsm.cummax"(%[[X]]) {dim = -1 : i64} : (tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xi64>)
# CHECK: %[[MIN:.*]]:2 = "tsm.cummin"(%[[X]]) {dim = 0 : i64}
# CHECK: %[[LSE:.*]] = "tsm.logcumsumexp"(%[[X]]) {dim = 1 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
# CHECK: return %[[MAX]]#0, %[[MAX]]#1, %[[MIN]]#0, %[[MIN]]#1, %[[LSE]]
print_tsm(RunningExtremes(), [torch.randn(2, 3)])


class ScriptedNorm(torch.nn.Module):
    def forward(self, x):
        return torch.norm(x, 3, dim=1)


# torch.norm's TorchScript body checks the layout and the device type, which
# fold at import, then calls linalg_vector_norm.
# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
# CHECK-NEXT: %[[NORM:.*]] = "tsm.vector_norm"(%[[X]]) {dims = array<i64: 1>, keepdim = false, ord = 3.000000e+00 : f64} : (tensor<2x3xf32>) -> tensor<2xf32>
# CHECK-NEXT: return %[[NORM]]
print_tsm(ScriptedNorm(), [torch.randn(2, 3)])
