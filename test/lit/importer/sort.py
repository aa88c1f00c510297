# RUN: %python %s | filecheck %s
# Sorting and selection import as two-result tsm ops with dim as written;
# stable= needs no attribute (tsm.sort is always stable); argsort and msort
# keep one result; topk's sorted=False gets the sorted order; median
# without a dim flattens first and keeps the values.
import torch

from tsmlir import TensorSpec
from tsmlir.testing import print_tsm


class Sorts(torch.nn.Module):
    def forward(self, x):
        values, indices = torch.sort(x, descending=True)
        return (values, indices, torch.sort(x, stable=True, dim=0), torch.argsort(x, 0),
                torch.msort(x), torch.topk(x, 2, largest=False, sorted=False))


# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[X:.*]]: tensor<3x4xf32>)
# CHECK: %[[DOWN:.*]]:2 = "tsm.sort"(%[[X]]) {descending = true, dim = -1 : i64} : (tensor<3x4xf32>) -> (tensor<3x4xf32>, tensor<3x4xi64>)
# CHECK: %[[STABLE:.*]]:2 = "tsm.sort"(%[[X]]) {descending = false, dim = 0 : i64}
# CHECK: %[[ARGSORT:.*]]:2 = "tsm.sort"(%[[X]]) {descending = false, dim = 0 : i64}
# CHECK: %[[MSORT:.*]]:2 = "tsm.sort"(%[[X]]) {descending = false, dim = 0 : i64}
# CHECK: %[[TOPK:.*]]:2 = "tsm.topk"(%[[X]]) {dim = -1 : i64, k = 2 : i64, largest = false} : (tensor<3x4xf32>) -> (tensor<3x2xf32>, tensor<3x2xi64>)
# CHECK: return %[[DOWN]]#0, %[[DOWN]]#1, %[[STABLE]]#0, %[[STABLE]]#1, %[[ARGSORT]]#1, %[[MSORT]]#0, %[[TOPK]]#0, %[[TOPK]]#1
print_tsm(Sorts(), [torch.randn(3, 4)])


class Selections(torch.nn.Module):
    def forward(self, x):
        return torch.kthvalue(x, 2, -1, True), torch.median(x, 0), torch.median(x)


# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[X:.*]]: tensor<?x5xf32>)
# CHECK: "tsm.kthvalue"(%[[X]]) {dim = -1 : i64, k = 2 : i64, keepdim = true} : (tensor<?x5xf32>) -> (tensor<?x1xf32>, tensor<?x1xi64>)
# CHECK: "tsm.median"(%[[X]]) {dim = 0 : i64, keepdim = false} : (tensor<?x5xf32>) -> (tensor<5xf32>, tensor<5xi64>)
# CHECK: %[[FLAT:.*]] = "tsm.reshape"(%[[X]]) {from_dims = array<i64: -1>, shape = array<i64: -1>} : (tensor<?x5xf32>) -> tensor<?xf32>
# CHECK: %[[MEDIAN:.*]]:2 = "tsm.median"(%[[FLAT]]) {dim = 0 : i64, keepdim = false} : (tensor<?xf32>) -> (tensor<f32>, tensor<i64>)
# CHECK: return {{.*}}, %[[MEDIAN]]#0 :
print_tsm(Selections(), input_specs=[TensorSpec((-1, 5))])


class NanMedian(torch.nn.Module):
    def forward(self, x):
        return torch.nanmedian(x, 1, keepdim=True), torch.nanmedian(x)


# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
# CHECK: "tsm.nanmedian"(%[[X]]) {dim = 1 : i64, keepdim = true} : (tensor<2x3xf32>) -> (tensor<2x1xf32>, tensor<2x1xi64>)
# CHECK: %[[FLAT:.*]] = "tsm.reshape"(%[[X]]) {from_dims = array<i64: -1>, shape = array<i64: 6>} : (tensor<2x3xf32>) -> tensor<6xf32>
# CHECK: "tsm.nanmedian"(%[[FLAT]]) {dim = 0 : i64, keepdim = false} : (tensor<6xf32>) -> (tensor<f32>, tensor<i64>)
print_tsm(NanMedian(), [torch.randn(2, 3)])


class Searches(torch.nn.Module):
    def forward(self, b, x):
        return torch.bucketize(x, b, right=True), torch.searchsorted(b, x, side="left", out_int32=True)


# bucketize(x, b) is searchsorted(b, x); integer values are cast to the
# boundaries' dtype (promotion); side= becomes `right`.
# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[B:.*]]: tensor<4xf32>, %[[X:.*]]: tensor<2x3xi64>)
# CHECK: %[[XF:.*]] = "tsm.cast"(%[[X]]) {dtype = "float32"} : (tensor<2x3xi64>) -> tensor<2x3xf32>
# CHECK: "tsm.searchsorted"(%[[B]], %[[XF]]) {out_int32 = false, right = true} : (tensor<4xf32>, tensor<2x3xf32>) -> tensor<2x3xi64>
# CHECK: "tsm.searchsorted"(%[[B]], %{{.*}}) {out_int32 = true, right = false} : (tensor<4xf32>, tensor<2x3xf32>) -> tensor<2x3xi32>
print_tsm(Searches(), [torch.arange(4.0), torch.zeros(2, 3, dtype=torch.int64)])
