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
# integer true division does too, the int scalar becoming a float (never
# wrapped into a narrower integer dtype).
# CHECK-LABEL: func.func @forward
# CHECK: "tsm.mul"(%{{.*}}, %{{.*}}) : (tensor<4xi64>, tensor<f32>) -> tensor<4xf32>
# CHECK: "tsm.div"(%{{.*}}, %{{.*}}) : (tensor<4xi64>, tensor<f32>) -> tensor<4xf32>
# CHECK: "tsm.add"(%{{.*}}, %{{.*}}) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
print_tsm(IntPromotion(), [torch.arange(4)])


class Decompositions(torch.nn.Module):
    def forward(self, x, mask):
        y = torch.clamp(x, min=-1.0, max=1.0)
        z = torch.masked_fill(y, mask, 0.5)
        return z ** 2, x.to(torch.float64), x // 2, x > 0, torch.where(mask, x, 0)


# clamp is maximum then minimum, masked_fill is where with a fill of x's dtype,
# pow by 2 is a multiplication, to(dtype) (ScalarType code 7) is a cast,
# floor division is div with a rounding mode, comparisons give i1.
# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>, %[[MASK:.*]]: tensor<2x3xi1>)
# CHECK-DAG: %[[LO:.*]] = "tsm.constant"() {value = dense<-1.000000e+00> : tensor<f32>}
# CHECK-DAG: %[[HI:.*]] = "tsm.constant"() {value = dense<1.000000e+00> : tensor<f32>}
# CHECK-DAG: %[[FILL:.*]] = "tsm.constant"() {value = dense<5.000000e-01> : tensor<f32>}
# CHECK: %[[MAX:.*]] = "tsm.maximum"(%[[X]], %[[LO]])
# CHECK: %[[MIN:.*]] = "tsm.minimum"(%[[MAX]], %[[HI]])
# CHECK: %[[FILLED:.*]] = "tsm.where"(%[[MASK]], %[[FILL]], %[[MIN]]) : (tensor<2x3xi1>, tensor<f32>, tensor<2x3xf32>) -> tensor<2x3xf32>
# CHECK: "tsm.mul"(%[[FILLED]], %[[FILLED]])
# CHECK: "tsm.cast"(%[[X]]) {dtype = "float64"} : (tensor<2x3xf32>) -> tensor<2x3xf64>
# CHECK: "tsm.div"(%[[X]], %{{.*}}) {rounding_mode = "floor"} : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
# CHECK: "tsm.gt"(%[[X]], %{{.*}}) : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xi1>
# CHECK: "tsm.where"(%[[MASK]], %[[X]], %{{.*}}) : (tensor<2x3xi1>, tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
print_tsm(Decompositions(), [torch.randn(2, 3), torch.rand(2, 3) > 0.5])


class Narrow(torch.nn.Module):
    def forward(self, x, y):
        return x >> 2, x > 300, y / 3, y.to(torch.float16)


# uint8 is ui8; Python ints beside narrow integers wrap (300 is 44 in int8,
# as in PyTorch); true division takes the scalar as a float.
# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[X:.*]]: tensor<4xi8>, %[[Y:.*]]: tensor<4xui8>)
# CHECK-DAG: %[[TWO:.*]] = "tsm.constant"() {value = dense<2> : tensor<i8>}
# CHECK-DAG: %[[WRAPPED:.*]] = "tsm.constant"() {value = dense<44> : tensor<i8>}
# CHECK-DAG: %[[THREE:.*]] = "tsm.constant"() {value = dense<3.000000e+00> : tensor<f32>}
# CHECK: "tsm.bitwise_right_shift"(%[[X]], %[[TWO]]) : (tensor<4xi8>, tensor<i8>) -> tensor<4xi8>
# CHECK: "tsm.gt"(%[[X]], %[[WRAPPED]]) : (tensor<4xi8>, tensor<i8>) -> tensor<4xi1>
# CHECK: "tsm.div"(%[[Y]], %[[THREE]]) : (tensor<4xui8>, tensor<f32>) -> tensor<4xf32>
# CHECK: "tsm.cast"(%[[Y]]) {dtype = "float16"} : (tensor<4xui8>) -> tensor<4xf16>
print_tsm(Narrow(), [torch.zeros(4, dtype=torch.int8), torch.zeros(4, dtype=torch.uint8)])
