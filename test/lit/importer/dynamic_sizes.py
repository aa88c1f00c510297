# RUN: %python %s | filecheck %s
# Data-dependent sizes: nonzero gives (n, rank) coordinates with n dynamic;
# x[mask] and masked_select read x there with tsm.index; detach is the
# identity; x.dtype folds to its ScalarType code (compares with torch.bool).
import torch

from tsmlir import TensorSpec
from tsmlir.testing import print_tsm


class Masks(torch.nn.Module):
    def forward(self, x, m):
        if m.dtype == torch.bool:
            x = x.detach()
        return torch.nonzero(x), x[m], torch.masked_select(x, m[0])


# nonzero: an (n, 2) i64 result of run-time size; x[m] with a (4, 5) mask
# indexes both dims at the mask's coordinates; masked_select broadcasts the
# (5,) mask to x's shape, then flattens what it reads.  The dtype test
# folded (no branch), detach left x as it is.
# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[X:.*]]: tensor<4x5xf32>, %[[M:.*]]: tensor<4x5xi1>)
# CHECK-NOT: scf.if
# CHECK: %[[NZ:.*]] = "tsm.nonzero"(%[[X]]) : (tensor<4x5xf32>) -> tensor<?x2xi64>
# CHECK: %[[MC:.*]] = "tsm.nonzero"(%[[M]]) : (tensor<4x5xi1>) -> tensor<?x2xi64>
# CHECK: %[[SEL:.*]] = "tsm.index"(%[[X]], %[[MC]]) {dim = 0 : i64} : (tensor<4x5xf32>, tensor<?x2xi64>) -> tensor<?xf32>
# CHECK: %[[ROW:.*]] = "tsm.select"(%[[M]], %{{.*}}) {dim = 0 : i64}
# CHECK: %[[B:.*]] = "tsm.expand"(%[[ROW]])
# CHECK: %[[BC:.*]] = "tsm.nonzero"(%[[B]]) : (tensor<4x5xi1>) -> tensor<?x2xi64>
# CHECK: "tsm.index"(%[[X]], %[[BC]]) {dim = 0 : i64} : (tensor<4x5xf32>, tensor<?x2xi64>) -> tensor<?xf32>
# CHECK: return %[[NZ]], %[[SEL]]
print_tsm(Masks(), [torch.randn(4, 5), torch.rand(4, 5) > 0.5])


class Rows(torch.nn.Module):
    def forward(self, x, keep):
        return x[:, keep]


# A mask over dim 1 of a (2, ?, 3) tensor: coordinates of one dim, index from dim 1.
# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[X:.*]]: tensor<2x?x3xf32>, %[[K:.*]]: tensor<?xi1>)
# CHECK: %[[C:.*]] = "tsm.nonzero"(%[[K]]) : (tensor<?xi1>) -> tensor<?x1xi64>
# CHECK: "tsm.index"(%[[X]], %[[C]]) {dim = 1 : i64} : (tensor<2x?x3xf32>, tensor<?x1xi64>) -> tensor<2x?x3xf32>
print_tsm(Rows(), input_specs=[TensorSpec((2, -1, 3)), TensorSpec((-1,), torch.bool)])
