# RUN: %python %s | filecheck %s
# Data-dependent sizes: nonzero gives (n, rank) coordinates with n dynamic;
# x[mask] and masked_select read x there with tsm.index; detach is the
# identity; x.dtype folds to its ScalarType code (compares with torch.bool);
# a list appended to in a while loop is a growable row buffer.
from typing import List

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


class Halving(torch.nn.Module):
    def forward(self, x):
        ys: List[torch.Tensor] = []
        while x.norm() > 1e-3:
            x = x / 2
            ys.append(x)
        return torch.stack(ys), len(ys)


# `ys.append` on the outer empty list: the loop carries its buffer (16 rows to
# start, a dynamic first dim).  Two nested scf.while: the outer one doubles a
# full buffer (copying the rows so far), the inner one runs the body while
# the buffer has room, writing the row at the iteration counter in place.
# After the loop the buffer is cut to the count, which is also len(ys).
# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[X:.*]]: tensor<3xf32>) -> (tensor<?x3xf32>, tensor<i64>)
# CHECK: %[[CAP:.*]] = arith.constant 16 : index
# CHECK: %[[BUF0:.*]] = tensor.empty(%[[CAP]]) : tensor<?x3xf32>
# CHECK: %[[LOOP:.*]]:4 = scf.while (%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}, %{{.*}} = %[[X]], %{{.*}} = %[[BUF0]])
# CHECK: } do {
# CHECK: ^bb0(%[[I:.*]]: i64, %[[GO:.*]]: i1, %[[XI:.*]]: tensor<3xf32>, %[[BUF:.*]]: tensor<?x3xf32>):
# CHECK: %[[NEXT:.*]] = arith.index_cast %[[I]] : i64 to index
# CHECK: %[[ROWS:.*]] = tensor.dim %[[BUF]]
# CHECK: %[[FULL:.*]] = arith.cmpi sge, %[[NEXT]], %[[ROWS]] : index
# CHECK: %[[ROOM:.*]] = scf.if %[[FULL]] -> (tensor<?x3xf32>) {
# CHECK: %[[TWICE:.*]] = arith.muli %[[ROWS]]
# CHECK: %[[BIG:.*]] = tensor.empty(%[[TWICE]]) : tensor<?x3xf32>
# CHECK: %[[COPY:.*]] = tensor.insert_slice %[[BUF]] into %[[BIG]][0, 0] [%[[ROWS]], 3] [1, 1]
# CHECK: scf.yield %[[COPY]]
# CHECK: } else {
# CHECK: scf.yield %[[BUF]]
# CHECK: %[[FILL:.*]]:4 = scf.while (%[[J0:.*]] = %[[I]], %{{.*}} = %[[GO]], %{{.*}} = %[[XI]], %[[IB:.*]] = %[[ROOM]])
# CHECK: %[[JI:.*]] = arith.index_cast %[[J0]]
# CHECK: %[[CAPI:.*]] = tensor.dim %[[IB]]
# CHECK: %[[HAS:.*]] = arith.cmpi slt, %[[JI]], %[[CAPI]] : index
# CHECK: %[[BOTH:.*]] = arith.andi %{{.*}}, %[[HAS]] : i1
# CHECK: scf.condition(%[[BOTH]])
# CHECK: } do {
# CHECK: ^bb0(%[[J:.*]]: i64, %{{.*}}: i1, %[[XJ:.*]]: tensor<3xf32>, %[[FB:.*]]: tensor<?x3xf32>):
# CHECK: %[[ROW:.*]] = arith.index_cast %[[J]] : i64 to index
# CHECK: %[[NEW:.*]] = "tsm.div"(%[[XJ]], %{{.*}})
# CHECK: %[[PUT:.*]] = tensor.insert_slice %[[NEW]] into %[[FB]][%[[ROW]], 0] [1, 3] [1, 1]
# CHECK: scf.yield %{{.*}}, %{{.*}}, %[[NEW]], %[[PUT]]
# CHECK: scf.yield %[[FILL]]#0, %[[FILL]]#1, %[[FILL]]#2, %[[FILL]]#3
# CHECK: %[[N:.*]] = arith.index_cast %[[LOOP]]#0 : i64 to index
# CHECK: %[[STACK:.*]] = tensor.extract_slice %[[LOOP]]#3[0, 0] [%[[N]], 3] [1, 1]
# CHECK: %[[LEN:.*]] = tensor.from_elements %[[LOOP]]#0 : tensor<i64>
# CHECK: return %[[STACK]], %[[LEN]]
print_tsm(Halving(), [torch.randn(3)])


class Columns(torch.nn.Module):
    def forward(self, x):
        return torch.where(x)


# torch.where(x): one 1-D tensor per dim, the columns of nonzero's coordinates.
# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[X:.*]]: tensor<2x3xi64>)
# CHECK: %[[C:.*]] = "tsm.nonzero"(%[[X]]) : (tensor<2x3xi64>) -> tensor<?x2xi64>
# CHECK: %[[C0:.*]] = "tsm.slice"(%[[C]]) {dim = 1 : i64, end = 1 : i64, start = 0 : i64, step = 1 : i64} : (tensor<?x2xi64>) -> tensor<?x1xi64>
# CHECK: %[[R0:.*]] = "tsm.reshape"(%[[C0]]) {{.*}} : (tensor<?x1xi64>) -> tensor<?xi64>
# CHECK: %[[C1:.*]] = "tsm.slice"(%[[C]]) {dim = 1 : i64, end = 2 : i64, start = 1 : i64, step = 1 : i64}
# CHECK: %[[R1:.*]] = "tsm.reshape"(%[[C1]])
# CHECK: return %[[R0]], %[[R1]]
print_tsm(Columns(), [torch.tensor([[0, 1, 2], [3, 0, 5]])])
