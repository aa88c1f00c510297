# RUN: %python %s | filecheck %s
# Elementwise aten ops import as tsm ops with PyTorch's broadcasting and
# scalar promotion; Python scalars become 0-d constants.
import torch

from tsmlir import TensorSpec
from tsmlir.testing import print_tsm


class Arith(torch.nn.Module):
    def forward(self, x, y):
        return (x + y * 2.0 - 1) / y


# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[X:.*]]: tensor<3x4xf32>, %[[Y:.*]]: tensor<4xf32>) -> tensor<3x4xf32>
# CHECK-DAG: %[[TWO:.*]] = "tsm.constant"() {value = dense<2.000000e+00> : tensor<f32>}
# CHECK-DAG: %[[ONE:.*]] = "tsm.constant"() {value = dense<1.000000e+00> : tensor<f32>}
# CHECK: %[[YS:.*]] = "tsm.mul"(%[[Y]], %[[TWO]]) : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
# CHECK: %[[SUM:.*]] = "tsm.add"(%[[X]], %[[YS]]) : (tensor<3x4xf32>, tensor<4xf32>) -> tensor<3x4xf32>
# CHECK: %[[DIFF:.*]] = "tsm.sub"(%[[SUM]], %[[ONE]])
# CHECK: "tsm.div"(%[[DIFF]], %[[Y]]) : (tensor<3x4xf32>, tensor<4xf32>) -> tensor<3x4xf32>
print_tsm(Arith(), [torch.randn(3, 4), torch.randn(4)])


class Activations(torch.nn.Module):
    def forward(self, x):
        return torch.nn.functional.gelu(torch.relu(x), approximate="tanh").sigmoid().tanh().exp().log().neg()


# CHECK-LABEL: func.func @forward
# CHECK-SAME: tensor<?x8xf32>
# CHECK: "tsm.relu"
# CHECK: "tsm.gelu"(%{{.*}}) {approximate = "tanh"}
# CHECK: "tsm.sigmoid"
# CHECK: "tsm.tanh"
# CHECK: "tsm.exp"
# CHECK: "tsm.log"
# CHECK: "tsm.neg"
print_tsm(Activations(), input_specs=[TensorSpec((-1, 8))])


class IntPromotion(torch.nn.Module):
    def forward(self, x):
        return x * 2.5 + x / 2


# An int64 tensor times a float scalar computes in the default float dtype;
# integer true division does too.
# CHECK-LABEL: func.func @forward
# CHECK: "tsm.mul"(%{{.*}}, %{{.*}}) : (tensor<4xi64>, tensor<f32>) -> tensor<4xf32>
# CHECK: "tsm.div"(%{{.*}}, %{{.*}}) : (tensor<4xi64>, tensor<i64>) -> tensor<4xf32>
# CHECK: "tsm.add"(%{{.*}}, %{{.*}}) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
print_tsm(IntPromotion(), [torch.arange(4)])
