# RUN: %python %s | filecheck %s
# aten::matmul/mm/bmm/mv/dot import as tsm.matmul (result shapes by torch.matmul's
# rules), aten::linear as tsm.linear with an optional bias (or, with a constant
# weight, a product with the pre-transposed weight), aten::addmm as
# tsm.addmm with beta/alpha attributes (baddbmm and addmv too); outer is a
# reshape and a broadcasting mul; einsum is tsm.einsum in explicit form,
# contracted pairwise; scaled_dot_product_attention is matmul + softmax +
# matmul (half attention in float32); an LSTM cell is one addmm per gate with pre-stacked constant
# weights; nn.Bilinear is a matmul against its weight laid out (in1, out * in2),
# a mul and a sum; rank errors point at the user's line.
import torch
import torch.nn.functional as F

import tsmlir
from tsmlir import TensorSpec
from tsmlir.testing import print_tsm


class Products(torch.nn.Module):
    def forward(self, v, m, b):
        return v @ v, v @ m, m @ v, torch.mm(m, m), b @ m, b @ v, torch.bmm(b, b), torch.mv(m, v)


# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[V:.*]]: tensor<4xf32>, %[[M:.*]]: tensor<4x4xf32>, %[[B:.*]]: tensor<?x4x4xf32>)
# CHECK: "tsm.matmul"(%[[V]], %[[V]]) : (tensor<4xf32>, tensor<4xf32>) -> tensor<f32>
# CHECK: "tsm.matmul"(%[[V]], %[[M]]) : (tensor<4xf32>, tensor<4x4xf32>) -> tensor<4xf32>
# CHECK: "tsm.matmul"(%[[M]], %[[V]]) : (tensor<4x4xf32>, tensor<4xf32>) -> tensor<4xf32>
# CHECK: "tsm.matmul"(%[[M]], %[[M]]) : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
# CHECK: "tsm.matmul"(%[[B]], %[[M]]) : (tensor<?x4x4xf32>, tensor<4x4xf32>) -> tensor<?x4x4xf32>
# CHECK: "tsm.matmul"(%[[B]], %[[V]]) : (tensor<?x4x4xf32>, tensor<4xf32>) -> tensor<?x4xf32>
# CHECK: "tsm.matmul"(%[[B]], %[[B]]) : (tensor<?x4x4xf32>, tensor<?x4x4xf32>) -> tensor<?x4x4xf32>
# CHECK: "tsm.matmul"(%[[M]], %[[V]]) : (tensor<4x4xf32>, tensor<4xf32>) -> tensor<4xf32>
print_tsm(torch.jit.script(Products()),
          input_specs=[TensorSpec((4,)), TensorSpec((4, 4)), TensorSpec((-1, 4, 4))])


class Broadcast(torch.nn.Module):
    def forward(self, x, y):
        return torch.matmul(x, y)


# CHECK-LABEL: func.func @forward
# CHECK: "tsm.matmul"(%{{.*}}, %{{.*}}) : (tensor<2x1x3x4xf64>, tensor<5x4x6xf64>) -> tensor<2x5x3x6xf64>
print_tsm(torch.jit.script(Broadcast()),
          [torch.randn(2, 1, 3, 4, dtype=torch.float64), torch.randn(5, 4, 6, dtype=torch.float64)])


class Mlp(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.up = torch.nn.Linear(8, 16)
        self.down = torch.nn.Linear(16, 4, bias=False)

    def forward(self, x, y):
        return self.down(torch.relu(self.up(x))), self.up(y)


# nn.Linear's weights are constants: each is pre-transposed at import into an
# (in, out) constant, so the layer is a plain product (tsm.addmm with the bias
# for a 2-D input, tsm.matmul then tsm.add otherwise) and the original
# (out, in) weights, now unused, are dropped.  `up` runs twice and shares its
# transposed weight.
# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[X:.*]]: tensor<?x3x8xf32>, %[[Y:.*]]: tensor<?x8xf32>)
# CHECK-NOT: shape = array<i64: 16, 8>
# CHECK-NOT: shape = array<i64: 4, 16>
# CHECK-DAG: %[[W1T:.*]] = "tsm.constant"() {shape = array<i64: 8, 16>, value = dense_resource<linear.weight_t{{.*}}> : tensor<128xf32>} : () -> tensor<8x16xf32>
# CHECK-DAG: %[[W2T:.*]] = "tsm.constant"() {shape = array<i64: 16, 4>, value = dense_resource<linear.weight_t{{.*}}> : tensor<64xf32>} : () -> tensor<16x4xf32>
# CHECK-NOT: "tsm.linear"
# CHECK: %[[P:.*]] = "tsm.matmul"(%[[X]], %[[W1T]]) : (tensor<?x3x8xf32>, tensor<8x16xf32>) -> tensor<?x3x16xf32>
# CHECK: %[[H:.*]] = "tsm.add"(%[[P]], %{{.*}}) : (tensor<?x3x16xf32>, tensor<16xf32>) -> tensor<?x3x16xf32>
# CHECK: %[[R:.*]] = "tsm.relu"(%[[H]])
# CHECK: "tsm.matmul"(%[[R]], %[[W2T]]) : (tensor<?x3x16xf32>, tensor<16x4xf32>) -> tensor<?x3x4xf32>
# CHECK: "tsm.addmm"(%{{.*}}, %[[Y]], %[[W1T]]) {alpha = 1.000000e+00 : f64, beta = 1.000000e+00 : f64} : (tensor<16xf32>, tensor<?x8xf32>, tensor<8x16xf32>) -> tensor<?x16xf32>
print_tsm(torch.jit.script(Mlp()), input_specs=[TensorSpec((-1, 3, 8)), TensorSpec((-1, 8))])


class Addmm(torch.nn.Module):
    def forward(self, s, x, y):
        return torch.addmm(s, x, y), torch.addmm(s, x, y, beta=0.5, alpha=2)


# CHECK-LABEL: func.func @forward
# CHECK: "tsm.addmm"(%{{.*}}, %{{.*}}, %{{.*}}) {alpha = 1.000000e+00 : f64, beta = 1.000000e+00 : f64} : (tensor<5xf32>, tensor<3x4xf32>, tensor<4x5xf32>) -> tensor<3x5xf32>
# CHECK: "tsm.addmm"(%{{.*}}, %{{.*}}, %{{.*}}) {alpha = 2.000000e+00 : f64, beta = 5.000000e-01 : f64}
print_tsm(torch.jit.script(Addmm()), [torch.randn(5), torch.randn(3, 4), torch.randn(4, 5)])


class BadMm(torch.nn.Module):
    def forward(self, x, y):
        return torch.mm(x, y)


# The error names the aten op and the user's line.
# CHECK: matmul.py:[[# @LINE - 4]]:{{[0-9]+}}: error: aten::mm: mm expects 2-D and 2-D tensors, got tensor<2x3x4xf32> and tensor<4x5xf32>
try:
    print_tsm(torch.jit.script(BadMm()), [torch.randn(2, 3, 4), torch.randn(4, 5)])
except tsmlir.TsmlirError as e:
    print(e)


class BadLinear(torch.nn.Module):
    def forward(self, x, w):
        return F.linear(x, w)


# CHECK: error: aten::linear: shapes (3, 4) and (5, 6) cannot be multiplied (4 != 6)
try:
    print_tsm(torch.jit.script(BadLinear()), [torch.randn(3, 4), torch.randn(5, 6)])
except tsmlir.TsmlirError as e:
    print(e)


class ArgLinear(torch.nn.Module):
    def forward(self, x, w, b):
        return F.linear(x, w, b)


# A weight that is not a constant keeps tsm.linear.
# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[X:.*]]: tensor<3x4xf32>, %[[W:.*]]: tensor<5x4xf32>, %[[B:.*]]: tensor<5xf32>)
# CHECK: "tsm.linear"(%[[X]], %[[W]], %[[B]]) : (tensor<3x4xf32>, tensor<5x4xf32>, tensor<5xf32>) -> tensor<3x5xf32>
print_tsm(torch.jit.script(ArgLinear()), [torch.randn(3, 4), torch.randn(5, 4), torch.randn(5)])


class BadConstantLinear(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(6, 5)

    def forward(self, x):
        return self.fc(x)


# A constant weight's shapes are checked by linear's own rule.
# CHECK: error: aten::linear: shapes (3, 4) and (5, 6) cannot be multiplied (4 != 6)
try:
    print_tsm(torch.jit.script(BadConstantLinear()), [torch.randn(3, 4)])
except tsmlir.TsmlirError as e:
    print(e)


class Products2(torch.nn.Module):
    def forward(self, s, b1, b2, m, v):
        return torch.baddbmm(s, b1, b2, alpha=2), torch.addmv(v, m, v), torch.outer(v, v)


# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[S:.*]]: tensor<4xf32>, %[[B1:.*]]: tensor<?x3x4xf32>, %[[B2:.*]]: tensor<?x4x4xf32>, %[[M:.*]]: tensor<4x4xf32>, %[[V:.*]]: tensor<4xf32>)
# CHECK: "tsm.addmm"(%[[S]], %[[B1]], %[[B2]]) {alpha = 2.000000e+00 : f64, beta = 1.000000e+00 : f64} : (tensor<4xf32>, tensor<?x3x4xf32>, tensor<?x4x4xf32>) -> tensor<?x3x4xf32>
# CHECK: "tsm.addmm"(%[[V]], %[[M]], %[[V]]) {{.*}} : (tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> tensor<4xf32>
# CHECK: %[[COL:.*]] = "tsm.reshape"(%[[V]]) {{.*}} : (tensor<4xf32>) -> tensor<4x1xf32>
# CHECK: "tsm.mul"(%[[COL]], %[[V]]) : (tensor<4x1xf32>, tensor<4xf32>) -> tensor<4x4xf32>
print_tsm(torch.jit.script(Products2()),
          input_specs=[TensorSpec((4,)), TensorSpec((-1, 3, 4)), TensorSpec((-1, 4, 4)),
                       TensorSpec((4, 4)), TensorSpec((4,))])


class Einsums(torch.nn.Module):
    def forward(self, a, b, c):
        return torch.einsum("...ij,...jk", a, b), torch.einsum("ij,jk,kl->il", c, c, c)


# '...' becomes fresh letters and the implicit output is made explicit; three
# operands contract left to right.
# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[A:.*]]: tensor<2x3x4xf32>, %[[B:.*]]: tensor<4x5xf32>, %[[C:.*]]: tensor<3x3xf32>)
# CHECK: "tsm.einsum"(%[[A]], %[[B]]) {equation = "aij,jk->aik"} : (tensor<2x3x4xf32>, tensor<4x5xf32>) -> tensor<2x3x5xf32>
# CHECK: %[[CC:.*]] = "tsm.einsum"(%[[C]], %[[C]]) {equation = "ij,jk->ik"}
# CHECK: "tsm.einsum"(%[[CC]], %[[C]]) {equation = "ik,kl->il"}
print_tsm(torch.jit.script(Einsums()), [torch.randn(2, 3, 4), torch.randn(4, 5), torch.randn(3, 3)])


class Attention(torch.nn.Module):
    def forward(self, q, k, v, m):
        return F.scaled_dot_product_attention(q, k, v, attn_mask=m)


# A bool mask: masked scores are -inf; rows with no position left give 0.
# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[Q:.*]]: tensor<2x3x4xf32>, %[[K:.*]]: tensor<2x5x4xf32>, %[[V:.*]]: tensor<2x5x6xf32>, %[[MASK:.*]]: tensor<3x5xi1>)
# CHECK-DAG: %[[SCALE:.*]] = "tsm.constant"() {value = dense<5.000000e-01> : tensor<f32>}
# CHECK: %[[KT:.*]] = "tsm.permute"(%[[K]]) {perm = array<i64: 0, 2, 1>}
# CHECK: %[[QK:.*]] = "tsm.matmul"(%[[Q]], %[[KT]]) : (tensor<2x3x4xf32>, tensor<2x4x5xf32>) -> tensor<2x3x5xf32>
# CHECK: %[[SCORES:.*]] = "tsm.mul"(%[[QK]], %[[SCALE]])
# CHECK: %[[MASKED:.*]] = "tsm.where"(%[[MASK]], %[[SCORES]], %{{.*}})
# CHECK: %[[P:.*]] = "tsm.softmax"(%[[MASKED]]) {dim = -1 : i64}
# CHECK: %[[MAX:.*]] = "tsm.amax"(%[[MASKED]]) {dims = array<i64: 2>, keepdim = true}
# CHECK: %[[EMPTY:.*]] = "tsm.eq"(%[[MAX]], %{{.*}})
# CHECK: %[[SAFE:.*]] = "tsm.where"(%[[EMPTY]], %{{.*}}, %[[P]])
# CHECK: "tsm.matmul"(%[[SAFE]], %[[V]]) : (tensor<2x3x5xf32>, tensor<2x5x6xf32>) -> tensor<2x3x6xf32>
print_tsm(torch.jit.script(Attention()),
          [torch.randn(2, 3, 4), torch.randn(2, 5, 4), torch.randn(2, 5, 6), torch.rand(3, 5) > 0.5])


class PlainAttention(torch.nn.Module):
    def forward(self, q, k, v):
        return F.scaled_dot_product_attention(q, k, v)


# Half attention runs in float32, as PyTorch's CPU kernels do: q, k and v
# widened, the weights rounded to bfloat16 and widened again for the product
# with v (as PyTorch's flash kernel rounds them), the output rounded once.
# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[Q:.*]]: tensor<2x3x32xbf16>, %[[K:.*]]: tensor<2x5x32xbf16>, %[[V:.*]]: tensor<2x5x6xbf16>)
# CHECK: %[[QF:.*]] = "tsm.cast"(%[[Q]]) {dtype = "float32"} : (tensor<2x3x32xbf16>) -> tensor<2x3x32xf32>
# CHECK: %[[KF:.*]] = "tsm.cast"(%[[K]]) {dtype = "float32"}
# CHECK: %[[KT:.*]] = "tsm.permute"(%[[KF]])
# CHECK: "tsm.matmul"(%[[QF]], %[[KT]]) : (tensor<2x3x32xf32>, tensor<2x32x5xf32>) -> tensor<2x3x5xf32>
# CHECK: %[[P:.*]] = "tsm.softmax"(%{{.*}}) {dim = -1 : i64} : (tensor<2x3x5xf32>) -> tensor<2x3x5xf32>
# CHECK: %[[PH:.*]] = "tsm.cast"(%[[P]]) {dtype = "bfloat16"}
# CHECK: %[[PF:.*]] = "tsm.cast"(%[[PH]]) {dtype = "float32"}
# CHECK: %[[VF:.*]] = "tsm.cast"(%[[V]]) {dtype = "float32"}
# CHECK: %[[OUT:.*]] = "tsm.matmul"(%[[PF]], %[[VF]]) : (tensor<2x3x5xf32>, tensor<2x5x6xf32>) -> tensor<2x3x6xf32>
# CHECK: "tsm.cast"(%[[OUT]]) {dtype = "bfloat16"} : (tensor<2x3x6xf32>) -> tensor<2x3x6xbf16>
print_tsm(torch.jit.script(PlainAttention()),
          [torch.randn(2, 3, 32).bfloat16(), torch.randn(2, 5, 32).bfloat16(),
           torch.randn(2, 5, 6).bfloat16()])


class Cell(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.cell = torch.nn.LSTMCell(3, 2)

    def forward(self, x, h, c):
        return self.cell(x, (h, c))


# One [x, h] concatenation, four addmms with (3 + 2) x 2 constant weights.
# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[X:.*]]: tensor<?x3xf32>, %[[H:.*]]: tensor<?x2xf32>, %[[C:.*]]: tensor<?x2xf32>)
# CHECK: %[[XH:.*]] = "tsm.cat"(%[[X]], %[[H]]) {dim = 1 : i64} : (tensor<?x3xf32>, tensor<?x2xf32>) -> tensor<?x5xf32>
# CHECK-COUNT-4: "tsm.addmm"(%{{.*}}, %[[XH]], %{{.*}}) {{.*}} : (tensor<2xf32>, tensor<?x5xf32>, tensor<5x2xf32>) -> tensor<?x2xf32>
# CHECK-NOT: "tsm.cat"
# CHECK: return
print_tsm(torch.jit.script(Cell()),
          input_specs=[TensorSpec((-1, 3)), TensorSpec((-1, 2)), TensorSpec((-1, 2))])


class BadEinsum(torch.nn.Module):
    def forward(self, x):
        return torch.einsum("ij->k", x)


# CHECK: matmul.py:[[# @LINE - 3]]:{{[0-9]+}}: error: aten::einsum: output subscript 'k' does not appear in the operands of 'ij->k'
try:
    print_tsm(torch.jit.script(BadEinsum()), [torch.randn(2, 3)])
except tsmlir.TsmlirError as e:
    print(e)


# nn.TransformerEncoderLayer's inference fast path: q/k/v projections of the
# input (pre-transposed constant weights), per-head attention, the output
# projection and its residual, a layer norm, the relu feed-forward block and
# its residual, a second layer norm.
# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[X:.*]]: tensor<?x4x8xf32>)
# CHECK-COUNT-3: "tsm.matmul"(%[[X]], %{{.*}}) : (tensor<?x4x8xf32>, tensor<8x8xf32>) -> tensor<?x4x8xf32>
# CHECK: "tsm.permute"({{.*}}) {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x4x2x4xf32>) -> tensor<?x2x4x4xf32>
# CHECK: %[[P:.*]] = "tsm.softmax"
# CHECK: "tsm.matmul"(%[[P]], %{{.*}}) : (tensor<?x2x4x4xf32>, tensor<?x2x4x4xf32>) -> tensor<?x2x4x4xf32>
# CHECK: %[[ATT:.*]] = "tsm.add"(%{{.*}}, %{{.*}}) : (tensor<?x4x8xf32>, tensor<8xf32>)
# CHECK: %[[RES1:.*]] = "tsm.add"(%[[X]], %[[ATT]])
# CHECK: "tsm.layer_norm"(%[[RES1]]) {eps = {{.*}}, ndim = 1 : i64}
# CHECK: "tsm.relu"
# CHECK: "tsm.layer_norm"
# CHECK: return
print_tsm(torch.jit.script(torch.nn.TransformerEncoderLayer(8, 2, 16, batch_first=True).eval()),
          input_specs=[TensorSpec((-1, 4, 8))])


# nn.Bilinear: one matmul of the flattened input1 against the weight laid out
# (in1, out * in2) as a constant, a multiply by input2 broadcast over out, a
# sum over in2, the bias, and the leading dims restored.
# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[X1:.*]]: tensor<?x3x5xf32>, %[[X2:.*]]: tensor<?x3x6xf32>)
# CHECK: %[[W:.*]] = "tsm.constant"() {{.*}}dense_resource<bilinear.weight{{.*}} -> tensor<5x24xf32>
# CHECK: %[[L:.*]] = "tsm.reshape"(%[[X1]]) {{.*}} -> tensor<?x5xf32>
# CHECK: %[[T:.*]] = "tsm.matmul"(%[[L]], %[[W]]) : (tensor<?x5xf32>, tensor<5x24xf32>) -> tensor<?x24xf32>
# CHECK: %[[T3:.*]] = "tsm.reshape"(%[[T]]) {{.*}} -> tensor<?x4x6xf32>
# CHECK: %[[R:.*]] = "tsm.reshape"(%[[X2]]) {{.*}} -> tensor<?x1x6xf32>
# CHECK: %[[M:.*]] = "tsm.mul"(%[[T3]], %[[R]]) : (tensor<?x4x6xf32>, tensor<?x1x6xf32>) -> tensor<?x4x6xf32>
# CHECK: %[[S:.*]] = "tsm.sum"(%[[M]]) {dims = array<i64: 2>, keepdim = false} : (tensor<?x4x6xf32>) -> tensor<?x4xf32>
# CHECK: %[[B:.*]] = "tsm.add"(%[[S]], %{{.*}}) : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xf32>
# CHECK: "tsm.reshape"(%[[B]], %[[X1]]) {{.*}} -> tensor<?x3x4xf32>
print_tsm(torch.jit.script(torch.nn.Bilinear(5, 6, 4).eval()),
          input_specs=[TensorSpec((-1, 3, 5)), TensorSpec((-1, 3, 6))])
