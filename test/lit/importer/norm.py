# RUN: %python %s | filecheck %s
# Normalization ops import as tsm.layer_norm (the normalization over the
# trailing dims) then the affine weight and bias as tsm.mul / tsm.add;
# group_norm normalizes an (N, G, rest) view and reshapes back; alpha
# dropout at inference is the identity; errors point at the user's line.
import torch
import torch.nn.functional as F

import tsmlir
from tsmlir import TensorSpec
from tsmlir.testing import print_tsm


class LayerNorm(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.ln = torch.nn.LayerNorm([3, 4])

    def forward(self, x):
        return self.ln(F.alpha_dropout(x, 0.2, training=False))


# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[X:.*]]: tensor<?x3x4xf32>)
# CHECK-DAG: %[[W:.*]] = "tsm.constant"() {value = dense<1.000000e+00> : tensor<3x4xf32>}
# CHECK-DAG: %[[B:.*]] = "tsm.constant"() {value = dense<0.000000e+00> : tensor<3x4xf32>}
# CHECK: %[[Y:.*]] = "tsm.layer_norm"(%[[X]]) {eps = 1.000000e-05 : f64, ndim = 2 : i64} : (tensor<?x3x4xf32>) -> tensor<?x3x4xf32>
# CHECK: %[[YW:.*]] = "tsm.mul"(%[[Y]], %[[W]])
# CHECK: %[[OUT:.*]] = "tsm.add"(%[[YW]], %[[B]]) : (tensor<?x3x4xf32>, tensor<3x4xf32>) -> tensor<?x3x4xf32>
# CHECK: return %[[OUT]]
print_tsm(torch.jit.script(LayerNorm()), input_specs=[TensorSpec((-1, 3, 4))])


class GroupNorm(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.gn = torch.nn.GroupNorm(2, 6)

    def forward(self, x):
        return self.gn(x)


# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[X:.*]]: tensor<?x6x5xf32>)
# CHECK: %[[G:.*]] = "tsm.reshape"(%[[X]]) {from_dims = array<i64: 0, -1, -1>, shape = array<i64: -1, 2, 15>} : (tensor<?x6x5xf32>) -> tensor<?x2x15xf32>
# CHECK: %[[NORM:.*]] = "tsm.layer_norm"(%[[G]]) {eps = {{.*}}, ndim = 1 : i64} : (tensor<?x2x15xf32>) -> tensor<?x2x15xf32>
# CHECK: %[[ROWS:.*]] = "tsm.reshape"(%[[NORM]]) {{.*}} : (tensor<?x2x15xf32>) -> tensor<?x2x3x5xf32>
# CHECK: %[[W:.*]] = "tsm.reshape"(%{{.*}}) {{.*}} : (tensor<6xf32>) -> tensor<2x3x1xf32>
# CHECK: "tsm.mul"(%[[ROWS]], %[[W]]) : (tensor<?x2x3x5xf32>, tensor<2x3x1xf32>) -> tensor<?x2x3x5xf32>
x = torch.randn(2, 6, 5)
print_tsm(torch.jit.trace(GroupNorm(), [x]), input_specs=[TensorSpec((-1, 6, 5))])


# A 4-D input: normalized on the (N, G, rest) view, then weight and bias
# applied on the (N, G, C/G, H*W) view (an expansion of the normalized
# tensor, so that fusion merges the passes; long rows, not W-wide ones),
# then reshaped back.
# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[X:.*]]: tensor<?x6x5x7xf32>)
# CHECK: %[[G:.*]] = "tsm.reshape"(%[[X]]) {{.*}} -> tensor<?x2x105xf32>
# CHECK: %[[NORM:.*]] = "tsm.layer_norm"(%[[G]]) {eps = {{.*}}, ndim = 1 : i64} : (tensor<?x2x105xf32>) -> tensor<?x2x105xf32>
# CHECK: %[[ROWS:.*]] = "tsm.reshape"(%[[NORM]]{{.*}} -> tensor<?x2x3x35xf32>
# CHECK: %[[W:.*]] = "tsm.reshape"(%{{.*}}) {{.*}} : (tensor<6xf32>) -> tensor<2x3x1xf32>
# CHECK: %[[B:.*]] = "tsm.reshape"(%{{.*}}) {{.*}} : (tensor<6xf32>) -> tensor<2x3x1xf32>
# CHECK: %[[SCALED:.*]] = "tsm.mul"(%[[ROWS]], %[[W]]) : (tensor<?x2x3x35xf32>, tensor<2x3x1xf32>) -> tensor<?x2x3x35xf32>
# CHECK: %[[SHIFTED:.*]] = "tsm.add"(%[[SCALED]], %[[B]]) : (tensor<?x2x3x35xf32>, tensor<2x3x1xf32>) -> tensor<?x2x3x35xf32>
# CHECK: "tsm.reshape"(%[[SHIFTED]]) {{.*}} -> tensor<?x6x5x7xf32>
x = torch.randn(2, 6, 5, 7)
print_tsm(torch.jit.trace(GroupNorm(), [x]), input_specs=[TensorSpec((-1, 6, 5, 7))])


class BadLayerNorm(torch.nn.Module):
    def forward(self, x):
        return F.layer_norm(x, [3])


# CHECK: norm.py:[[# @LINE - 3]]:{{[0-9]+}}: error: aten::layer_norm: layer_norm: given normalized_shape=[3], expected input with shape [*, 3], but got input of tensor<2x4xf32>
try:
    print_tsm(torch.jit.script(BadLayerNorm()), [torch.randn(2, 4)])
except tsmlir.TsmlirError as e:
    print(e)
