# RUN: %python %s | filecheck %s
# Shape aten ops import as tsm.reshape/permute/squeeze/cat; -1 is resolved at
# compile time where the element count allows; identities emit nothing.
import torch
import torch.nn.functional as F

from tsmlir import TensorSpec
from tsmlir.testing import print_tsm


class Head(torch.nn.Module):
    def forward(self, x):
        return x.view(x.size(0), -1), torch.flatten(x, 1), x.unsqueeze(-1).squeeze(-1)


# With a dynamic batch, -1 becomes the static 60; the batch dim copies input dim 0.
# unsqueeze then squeeze(-1) round-trips through two reshapes.
# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[X:.*]]: tensor<?x3x4x5xf32>)
# CHECK: %[[V:.*]] = "tsm.reshape"(%[[X]]) {from_dims = array<i64: 0, -1>, shape = array<i64: -1, 60>} : (tensor<?x3x4x5xf32>) -> tensor<?x60xf32>
# CHECK: %[[F:.*]] = "tsm.reshape"(%[[X]]) {from_dims = array<i64: 0, -1>, shape = array<i64: -1, 60>} : (tensor<?x3x4x5xf32>) -> tensor<?x60xf32>
# CHECK: %[[U:.*]] = "tsm.reshape"(%[[X]]) {from_dims = array<i64: 0, -1, -1, -1, -1>, shape = array<i64: -1, 3, 4, 5, 1>}
# CHECK: %[[S:.*]] = "tsm.reshape"(%[[U]]) {from_dims = array<i64: 0, -1, -1, -1>, shape = array<i64: -1, 3, 4, 5>}
# CHECK: return %[[V]], %[[F]], %[[S]]
print_tsm(Head(), input_specs=[TensorSpec((-1, 3, 4, 5))])


class Heads(torch.nn.Module):
    def forward(self, x):
        b, t, c = x.size()
        q = x * 2.0
        return q.view(b, t, 4, -1).transpose(1, 2)


# Sizes of x used to view another tensor come in as its operand `sizes_of`;
# the last dim can then only be inferred at run time.
# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[X:.*]]: tensor<?x?x32xf32>)
# CHECK: %[[Q:.*]] = "tsm.mul"
# CHECK: %[[V:.*]] = "tsm.reshape"(%[[Q]], %[[X]]) {from_dims = array<i64: 0, 1, -1, -1>, shape = array<i64: -1, -1, 4, -1>} : (tensor<?x?x32xf32>, tensor<?x?x32xf32>) -> tensor<?x?x4x?xf32>
# CHECK: "tsm.permute"(%[[V]]) {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x?x4x?xf32>) -> tensor<?x4x?x?xf32>
print_tsm(Heads(), input_specs=[TensorSpec((-1, -1, 32))])


class Cat(torch.nn.Module):
    def forward(self, x, y):
        return torch.cat([x, y, x], -1).t()


# A list of n tensors becomes n - 1 binary tsm.cat (negative dim normalized);
# the i64 input promotes the result to f32.
# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>, %[[Y:.*]]: tensor<2x2xi64>)
# CHECK: %[[C0:.*]] = "tsm.cat"(%[[X]], %[[Y]]) {dim = 1 : i64} : (tensor<2x3xf32>, tensor<2x2xi64>) -> tensor<2x5xf32>
# CHECK: %[[C1:.*]] = "tsm.cat"(%[[C0]], %[[X]]) {dim = 1 : i64} : (tensor<2x5xf32>, tensor<2x3xf32>) -> tensor<2x8xf32>
# CHECK: "tsm.permute"(%[[C1]]) {perm = array<i64: 1, 0>} : (tensor<2x8xf32>) -> tensor<8x2xf32>
print_tsm(Cat(), [torch.randn(2, 3), torch.arange(4).view(2, 2)])


class Identities(torch.nn.Module):
    def forward(self, x):
        y = F.dropout(x, 0.5, self.training).contiguous()
        return torch.flatten(y, 1, 1).squeeze().transpose(1, -1).permute(0, 1).view(3, 4)


# Eval-mode dropout, contiguous and no-op reshapes/permutes emit nothing.
# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[X:.*]]: tensor<3x4xf32>)
# CHECK-NEXT: return %[[X]] : tensor<3x4xf32>
print_tsm(Identities().eval(), [torch.randn(3, 4)])


class Squeeze(torch.nn.Module):
    def forward(self, x):
        return x.squeeze()


# squeeze() keeps the dynamic dim (the lowering checks it is not 1).
# CHECK-LABEL: func.func @forward
# CHECK: "tsm.squeeze"(%{{.*}}) : (tensor<?x1x4xf32>) -> tensor<?x4xf32>
print_tsm(Squeeze(), input_specs=[TensorSpec((-1, 1, 4))])
