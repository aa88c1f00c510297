# RUN: %python %s | filecheck %s
# Losses, fold and embedding_bag import as compositions of tsm ops:
# cross_entropy is log_softmax, then the target class read by tsm.gather (an
# ignored target reads class 0 and is masked) and a sum divided by the count
# kept; fold is one tsm.index through a compile-time table over the columns
# padded with a zero column, summed over the kernel offsets; embedding_bag's
# max scatters the rows into -inf with reduce = "amax" at each position's bag
# (searchsorted in the offsets), behind run-time checks of the offsets and indices.
import torch
import torch.nn.functional as F

from tsmlir import TensorSpec
from tsmlir.testing import print_tsm


class CrossEntropy(torch.nn.Module):
    def forward(self, x, t):
        return F.cross_entropy(x, t, ignore_index=1)


# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[X:.*]]: tensor<?x5xf32>, %[[T:.*]]: tensor<?xi64>) -> tensor<f32>
# CHECK: %[[LOGP:.*]] = "tsm.log_softmax"(%[[X]]) {dim = 1 : i64}
# CHECK: %[[KEPT:.*]] = "tsm.ne"(%[[T]], %{{.*}}) : (tensor<?xi64>, tensor<i64>) -> tensor<?xi1>
# CHECK: %[[SAFE:.*]] = "tsm.where"(%[[KEPT]], %[[T]], %{{.*}})
# CHECK: %[[COL:.*]] = "tsm.reshape"(%[[SAFE]]) {{.*}} -> tensor<?x1xi64>
# CHECK: "tsm.gather"(%[[LOGP]], %[[COL]]) {dim = 1 : i64} : (tensor<?x5xf32>, tensor<?x1xi64>) -> tensor<?x1xf32>
# CHECK: %[[COUNT:.*]] = "tsm.sum"
# CHECK: %[[TOTAL:.*]] = "tsm.sum"
# CHECK: "tsm.div"(%[[TOTAL]], %[[COUNT]])
print_tsm(CrossEntropy(), input_specs=[TensorSpec((-1, 5)), TensorSpec((-1,), torch.int64)])


class Fold(torch.nn.Module):
    def forward(self, x):
        return F.fold(x, (3, 3), kernel_size=2)


# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[X:.*]]: tensor<2x8x4xf32>) -> tensor<2x2x3x3xf32>
# CHECK: %[[TABLE:.*]] = "tsm.constant"() {{.*}} -> tensor<4x9x1xi64>
# CHECK: "tsm.pad"({{.*}}) {high = array<i64: 0, 0, 0, 1>, {{.*}}} : (tensor<2x2x4x4xf32>) -> tensor<2x2x4x5xf32>
# CHECK: %[[COLS:.*]] = "tsm.reshape"({{.*}}) -> tensor<2x2x20xf32>
# CHECK: %[[PICKED:.*]] = "tsm.index"(%[[COLS]], %[[TABLE]]) {dim = 2 : i64} : (tensor<2x2x20xf32>, tensor<4x9x1xi64>) -> tensor<2x2x4x9xf32>
# CHECK: "tsm.sum"(%[[PICKED]]) {dims = array<i64: 2>, keepdim = false}
print_tsm(Fold(), [torch.randn(2, 8, 4)])


class BagMax(torch.nn.Module):
    def forward(self, w, i, o):
        return F.embedding_bag(i, w, o, mode="max")


# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[W:.*]]: tensor<10x4xf32>, %[[I:.*]]: tensor<?xi64>, %[[O:.*]]: tensor<?xi64>) -> tensor<?x4xf32>
# CHECK: cf.assert %{{.*}}, "{{.*}}losses.py:[[# @LINE - 5]]:{{.*}}: aten::embedding_bag: offsets[0] has to be 0
# CHECK: cf.assert %{{.*}}, "{{.*}}aten::embedding_bag: index out of range in self"
# CHECK: %[[POS:.*]] = "tsm.arange"
# CHECK: "tsm.searchsorted"(%[[O]], %[[POS]]) {out_int32 = false, right = true}
# CHECK: %[[ROWS:.*]] = "tsm.index"(%[[W]], %{{.*}}) {dim = 0 : i64} : (tensor<10x4xf32>, tensor<?x1xi64>) -> tensor<?x4xf32>
# CHECK: %[[INIT:.*]] = "tsm.full"
# CHECK: "tsm.scatter"(%[[INIT]], %{{.*}}, %{{.*}}) {dim = 0 : i64, reduce = "amax"}
print_tsm(BagMax(), input_specs=[TensorSpec((10, 4)), TensorSpec((-1,), torch.int64),
                                 TensorSpec((-1,), torch.int64)])
