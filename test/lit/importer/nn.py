# RUN: %python %s | filecheck %s
# Convolution, pooling and batch-norm modules import as tsm ops with every
# PyTorch default resolved (explicit [top, left, bottom, right] padding, pool
# stride = kernel); weights and running statistics become constants.
import torch

from tsmlir import TensorSpec
from tsmlir.testing import print_tsm


class ConvBlock(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(4, 6, 3, stride=2, padding=(1, 2), dilation=(2, 1), groups=2)
        self.bn = torch.nn.BatchNorm2d(6)
        self.pool = torch.nn.MaxPool2d(3, padding=1, ceil_mode=True)
        with torch.no_grad():
            for value, t in zip((3.0, -1.0, 0.5, 2.0), (self.bn.weight, self.bn.bias,
                                                        self.bn.running_mean, self.bn.running_var)):
                t.fill_(value)

    def forward(self, x):
        return self.pool(torch.relu(self.bn(self.conv(x))))


# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[X:.*]]: tensor<?x4x9x9xf32>) -> tensor<?x6x2x3xf32>
# CHECK-DAG: %[[W:.*]] = "tsm.constant"() {shape = array<i64: 6, 2, 3, 3>, value = dense_resource<{{.*}}> : tensor<108xf32>}
# CHECK-DAG: %[[B:.*]] = "tsm.constant"() {value = dense<[{{.*}}]> : tensor<6xf32>}
# CHECK-DAG: %[[GAMMA:.*]] = "tsm.constant"() {value = dense<3.000000e+00> : tensor<6xf32>}
# CHECK-DAG: %[[BETA:.*]] = "tsm.constant"() {value = dense<-1.000000e+00> : tensor<6xf32>}
# CHECK-DAG: %[[MEAN:.*]] = "tsm.constant"() {value = dense<5.000000e-01> : tensor<6xf32>}
# CHECK-DAG: %[[VAR:.*]] = "tsm.constant"() {value = dense<2.000000e+00> : tensor<6xf32>}
# CHECK: %[[CONV:.*]] = "tsm.conv2d"(%[[X]], %[[W]], %[[B]])
# CHECK-SAME: {dilation = array<i64: 2, 1>, groups = 2 : i64, padding = array<i64: 1, 2, 1, 2>, stride = array<i64: 2, 2>}
# CHECK-SAME: -> tensor<?x6x4x6xf32>
# CHECK: %[[BN:.*]] = "tsm.batch_norm"(%[[CONV]], %[[GAMMA]], %[[BETA]], %[[MEAN]], %[[VAR]]) {eps = 1.000000e-05 : f64}
# CHECK-SAME: (tensor<?x6x4x6xf32>, tensor<6xf32>, tensor<6xf32>, tensor<6xf32>, tensor<6xf32>) -> tensor<?x6x4x6xf32>
# CHECK: %[[RELU:.*]] = "tsm.relu"(%[[BN]])
# CHECK: "tsm.max_pool2d"(%[[RELU]]) {ceil_mode = true, dilation = array<i64: 1, 1>, kernel_size = array<i64: 3, 3>, padding = array<i64: 1, 1>, stride = array<i64: 3, 3>}
# CHECK-SAME: (tensor<?x6x4x6xf32>) -> tensor<?x6x2x3xf32>
print_tsm(ConvBlock().eval(), input_specs=[TensorSpec((-1, 4, 9, 9))])


# padding='same' with an even kernel: PyTorch pads the extra row/column at the
# bottom/right. Without bias the optional operand is absent.
# CHECK-LABEL: func.func @forward
# CHECK: "tsm.conv2d"(%{{[^,]*}}, %{{[^,]*}}) {dilation = array<i64: 1, 1>, groups = 1 : i64, padding = array<i64: 1, 1, 2, 2>, stride = array<i64: 1, 1>}
# CHECK-SAME: (tensor<1x2x6x6xf32>, tensor<3x2x4x4xf32>) -> tensor<1x3x6x6xf32>
print_tsm(torch.nn.Conv2d(2, 3, 4, padding="same", bias=False), [torch.randn(1, 2, 6, 6)])


# torch.jit.trace records aten::_convolution.
# CHECK-LABEL: func.func @forward
# CHECK: "tsm.conv2d"{{.*}} {dilation = array<i64: 1, 1>, groups = 3 : i64, padding = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 2>}
# CHECK-SAME: -> tensor<1x3x6x2xf32>
example = torch.randn(1, 3, 8, 6)
print_tsm(torch.jit.trace(torch.nn.Conv2d(3, 3, 3, stride=(1, 2), groups=3), example), [example])


class Head(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.bn = torch.nn.BatchNorm2d(3, affine=False, eps=1e-3)

    def forward(self, x):
        return torch.nn.functional.adaptive_avg_pool2d(self.bn(x), [2, 3])


# Without affine parameters batch_norm gets a weight of ones and a bias of zeros.
# CHECK-LABEL: func.func @forward
# CHECK-DAG: %[[ONES:.*]] = "tsm.constant"() {value = dense<1.000000e+00> : tensor<3xf32>}
# CHECK-DAG: %[[ZEROS:.*]] = "tsm.constant"() {value = dense<0.000000e+00> : tensor<3xf32>}
# CHECK: %[[BN:.*]] = "tsm.batch_norm"(%{{.*}}, %[[ONES]], %[[ZEROS]], %{{.*}}, %{{.*}}) {eps = 1.000000e-03 : f64}
# CHECK: "tsm.adaptive_avg_pool2d"(%[[BN]]) {output_size = array<i64: 2, 3>} : (tensor<2x3x7x7xf32>) -> tensor<2x3x2x3xf32>
print_tsm(Head().eval(), [torch.randn(2, 3, 7, 7)])


# F.max_pool2d's op carries the user's line as its call site.
# CHECK-LABEL: func.func @forward
# CHECK: "tsm.max_pool2d"{{.*}} loc(#[[POOL:loc[0-9]+]])
class Pool(torch.nn.Module):
    def forward(self, x):
        # CHECK-DAG: #[[USER:loc[0-9]+]] = loc("{{.*}}nn.py":[[# @LINE + 1]]:16)
        return torch.nn.functional.max_pool2d(x, (2, 3))


# CHECK-DAG: #[[POOL_CS:loc[0-9]+]] = loc(callsite(#{{loc[0-9]+}} at #[[USER]]))
# CHECK-DAG: #[[POOL]] = loc("aten::max_pool2d"(#[[POOL_CS]]))
print_tsm(Pool(), [torch.randn(1, 2, 4, 6)], debug_info=True)


class Conv1dBlock(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv1d(4, 6, 3, stride=2, padding=1, groups=2, bias=False)

    def forward(self, x):
        return torch.nn.functional.max_pool1d(self.conv(x), 2, ceil_mode=True)


# 1-D convolution and pooling are the 2-D ops on a unit height: the input
# and weight get a size-1 dim 2 (tsm.reshape keeps the dynamic batch), the
# per-dim attributes get a leading 1 (stride, dilation, kernel) or 0 (padding).
# CHECK-LABEL: func.func @forward
# CHECK-SAME: (%[[X:.*]]: tensor<?x4x9xf32>) -> tensor<?x6x3xf32>
# CHECK: %[[W:.*]] = "tsm.constant"() {{.*}} -> tensor<6x2x3xf32>
# CHECK: %[[X2:.*]] = "tsm.reshape"(%[[X]]) {from_dims = array<i64: 0, -1, -1, -1>, shape = array<i64: -1, 4, 1, 9>}
# CHECK: %[[W2:.*]] = "tsm.reshape"(%[[W]]) {{.*}} -> tensor<6x2x1x3xf32>
# CHECK: %[[CONV:.*]] = "tsm.conv2d"(%[[X2]], %[[W2]]) {dilation = array<i64: 1, 1>, groups = 2 : i64, padding = array<i64: 0, 1, 0, 1>, stride = array<i64: 1, 2>}
# CHECK-SAME: -> tensor<?x6x1x5xf32>
# CHECK: %[[Y:.*]] = "tsm.reshape"(%[[CONV]]) {{.*}} -> tensor<?x6x5xf32>
# CHECK: %[[Y2:.*]] = "tsm.reshape"(%[[Y]]) {{.*}} -> tensor<?x6x1x5xf32>
# CHECK: %[[POOL:.*]] = "tsm.max_pool2d"(%[[Y2]]) {ceil_mode = true, dilation = array<i64: 1, 1>, kernel_size = array<i64: 1, 2>, padding = array<i64: 0, 0>, stride = array<i64: 1, 2>}
# CHECK-SAME: -> tensor<?x6x1x3xf32>
# CHECK: %[[OUT:.*]] = "tsm.reshape"(%[[POOL]]) {from_dims = array<i64: 0, -1, -1>, shape = array<i64: -1, 6, 3>}
# CHECK: return %[[OUT]]
print_tsm(Conv1dBlock(), input_specs=[TensorSpec((-1, 4, 9))])


class Deconv(torch.nn.Module):
    def forward(self, x, w):
        return torch.nn.functional.conv_transpose2d(x, w, stride=2, padding=1,
                                                    output_padding=1, groups=2)


# Transposed convolution: weight (C_in, F/groups, KH, KW); 2 groups of 1 filter.
# CHECK-LABEL: func.func @forward
# CHECK: "tsm.conv_transpose2d"(%{{.*}}, %{{.*}}) {dilation = array<i64: 1, 1>, groups = 2 : i64, output_padding = array<i64: 1, 1>, padding = array<i64: 1, 1>, stride = array<i64: 2, 2>}
# CHECK-SAME: (tensor<1x4x3x3xf32>, tensor<4x1x3x3xf32>) -> tensor<1x2x6x6xf32>
print_tsm(Deconv(), [torch.randn(1, 4, 3, 3), torch.randn(4, 1, 3, 3)])


class PadResize(torch.nn.Module):
    def forward(self, x):
        y = torch.nn.functional.pad(x, [1, 2, 0, -1], value=0.5)
        z = torch.nn.functional.pad(x, [2, 1, 0, 1], mode="reflect")
        up = torch.nn.functional.interpolate(y, scale_factor=[2.0, 1.5], mode="bilinear")
        return up, z, torch.nn.functional.avg_pool2d(x, 3, 2, 1, count_include_pad=False)


# F.pad's flat list pads the last dim first; a negative amount crops.
# interpolate's scale factors give the size (floor(4 * 2.0), floor(9 * 1.5))
# and stay on the op (PyTorch's source index uses them). avg_pool2d's stride
# and padding ints become pairs.
# CHECK-LABEL: func.func @forward
# CHECK: %[[Y:.*]] = "tsm.pad"(%[[X:.*]]) {high = array<i64: 0, 0, -1, 2>, low = array<i64: 0, 0, 0, 1>, mode = "constant", value = 5.000000e-01 : f64}
# CHECK-SAME: (tensor<2x3x5x6xf32>) -> tensor<2x3x4x9xf32>
# CHECK: "tsm.pad"(%[[X]]) {high = array<i64: 0, 0, 1, 1>, low = array<i64: 0, 0, 0, 2>, mode = "reflect"
# CHECK-SAME: -> tensor<2x3x6x9xf32>
# CHECK: "tsm.upsample2d"(%[[Y]]) {align_corners = false, mode = "bilinear", scale_h = 2.000000e+00 : f64, scale_w = 1.500000e+00 : f64, size = array<i64: 8, 13>}
# CHECK: "tsm.avg_pool2d"(%[[X]]) {ceil_mode = false, count_include_pad = false, kernel_size = array<i64: 3, 3>, padding = array<i64: 1, 1>, stride = array<i64: 2, 2>}
# CHECK-SAME: -> tensor<2x3x3x3xf32>
print_tsm(PadResize(), [torch.randn(2, 3, 5, 6)])


# A traced 3-D convolution: aten::_convolution with a 5-D weight.
# CHECK-LABEL: func.func @forward
# CHECK: "tsm.conv3d"({{.*}}) {dilation = array<i64: 1, 1, 1>, groups = 1 : i64, padding = array<i64: 1, 0, 1, 1, 0, 1>, stride = array<i64: 1, 1, 1>}
# CHECK-SAME: (tensor<1x3x4x4x4xf32>, tensor<2x3x2x2x2xf32>, tensor<2xf32>) -> tensor<1x2x5x3x5xf32>
example3d = torch.randn(1, 3, 4, 4, 4)
print_tsm(torch.jit.trace(torch.nn.Conv3d(3, 2, 2, padding=(1, 0, 1)), example3d), [example3d])
