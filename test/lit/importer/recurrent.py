# RUN: %python %s | filecheck %s
# nn.LSTM / nn.GRU import as one matmul projecting the whole sequence, then an
# scf.for over the steps carrying h (and c) and the stacked output: LSTM's
# step is one addmm whose C is the step's row of the projection (both biases
# summed into the projection); GRU keeps b_hh with the step's matmul (its
# candidate gate scales that part by r).  The reverse direction walks the
# rows from T-1 down; the directions' outputs are concatenated.
import torch

from tsmlir import TensorSpec
from tsmlir.testing import print_tsm


class BiLSTM(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = torch.nn.LSTM(3, 4, bidirectional=True)

    def forward(self, x):
        return self.rnn(x)[0]


# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[X:.*]]: tensor<5x2x3xf32>) -> tensor<5x2x8xf32>
# CHECK: %[[GX:.*]] = "tsm.matmul"(%[[X]], %{{.*}}) : (tensor<5x2x3xf32>, tensor<3x16xf32>) -> tensor<5x2x16xf32>
# CHECK: %[[GXB:.*]] = "tsm.add"(%[[GX]], %{{.*}}) : (tensor<5x2x16xf32>, tensor<16xf32>)
# CHECK: %[[OUT:.*]] = tensor.empty() : tensor<5x2x4xf32>
# CHECK: %[[FWD:.*]]:3 = scf.for %[[T:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[H:.*]] = %{{.*}}, %[[C:.*]] = %{{.*}}, %[[Y:.*]] = %[[OUT]])
# CHECK: %[[ROW:.*]] = "tsm.select"(%[[GXB]], %{{.*}}) {dim = 0 : i64} : (tensor<5x2x16xf32>, tensor<i64>) -> tensor<2x16xf32>
# CHECK: %[[G:.*]] = "tsm.addmm"(%[[ROW]], %[[H]], %{{.*}}) {{.*}} : (tensor<2x16xf32>, tensor<2x4xf32>, tensor<4x16xf32>) -> tensor<2x16xf32>
# CHECK-COUNT-4: "tsm.slice"(%[[G]])
# CHECK: tensor.insert_slice %[[HN:.*]] into %[[Y]][%[[T]], 0, 0] [1, 2, 4] [1, 1, 1]
# CHECK: scf.yield %[[HN]]
# CHECK: %[[BWD:.*]]:3 = scf.for %[[T2:.*]] = %{{.*}} to %[[N:.*]] step
# CHECK: %[[LAST:.*]] = arith.subi %[[N]], %{{.*}} : index
# CHECK: %[[R:.*]] = arith.subi %[[LAST]], %[[T2]] : index
# CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[%[[R]], 0, 0]
# CHECK: %[[CAT:.*]] = "tsm.cat"(%[[FWD]]#2, %[[BWD]]#2) {dim = 2 : i64} {{.*}} -> tensor<5x2x8xf32>
# CHECK: return %[[CAT]]
print_tsm(torch.jit.script(BiLSTM()), input_specs=[TensorSpec((5, 2, 3))])


class GRU(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = torch.nn.GRU(3, 4, batch_first=True)

    def forward(self, x):
        return self.rnn(x)[0]


# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[X:.*]]: tensor<2x?x3xf32>) -> tensor<2x?x4xf32>
# CHECK: %[[XT:.*]] = "tsm.permute"(%[[X]]) {perm = array<i64: 1, 0, 2>} : (tensor<2x?x3xf32>) -> tensor<?x2x3xf32>
# CHECK: "tsm.matmul"(%[[XT]], %{{.*}}) : (tensor<?x2x3xf32>, tensor<3x12xf32>) -> tensor<?x2x12xf32>
# CHECK: %[[LEN:.*]] = tensor.dim %[[XT]], %{{.*}} : tensor<?x2x3xf32>
# CHECK: scf.for %{{.*}} = %{{.*}} to %[[LEN]] step
# CHECK: "tsm.addmm"(%[[BHH:.*]], %{{.*}}, %{{.*}}) {{.*}} : (tensor<12xf32>, tensor<2x4xf32>, tensor<4x12xf32>) -> tensor<2x12xf32>
# CHECK: "tsm.sigmoid"
# CHECK: "tsm.tanh"
# CHECK: scf.yield
# CHECK: "tsm.permute"(%{{.*}}) {perm = array<i64: 1, 0, 2>} : (tensor<?x2x4xf32>) -> tensor<2x?x4xf32>
print_tsm(torch.jit.script(GRU()), input_specs=[TensorSpec((2, -1, 3))])
