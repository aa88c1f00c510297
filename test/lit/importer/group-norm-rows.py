# RUN: %python %s | filecheck %s
# group_norm of a 4-D input: normalized on the (N, G, rest) view, then its
# weight and bias applied on the (N, G, C/G, H*W) view (an expansion of the
# normalized tensor, so that fusion merges the passes; long rows, not W-wide
# ones), then reshaped back.
import torch

from tsmlir import TensorSpec
from tsmlir.testing import print_tsm


class GroupNorm(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.gn = torch.nn.GroupNorm(2, 6)

    def forward(self, x):
        return self.gn(x)


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
