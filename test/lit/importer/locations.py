# RUN: %python %s | filecheck %s
# Every tsm op carries NameLoc(aten kind, file:line:col of the user's code);
# ops inlined from torch.nn modules keep the user's call site as a caller frame.
import torch

from tsmlir.testing import print_tsm


class Block(torch.nn.Module):
    def forward(self, x):
        y = torch.tanh(x)
        return y * 3.0


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()

    def forward(self, x):
        return self.block(x) + torch.relu(x)


# CHECK: "tsm.tanh"{{.*}} loc(#[[TANH:loc[0-9]+]])
# CHECK: "tsm.relu"{{.*}} loc(#[[RELU:loc[0-9]+]])
# CHECK-DAG: #[[TANH]] = loc("aten::tanh"(#[[TANH_CS:loc[0-9]+]]))
# CHECK-DAG: #[[TANH_CS]] = loc(callsite(#{{loc[0-9]*}} at #{{loc[0-9]*}}))
# CHECK-DAG: #{{loc[0-9]*}} = loc("{{.*}}locations.py":11:13)
# CHECK-DAG: #{{loc[0-9]*}} = loc("{{.*}}locations.py":21:16)
# CHECK-DAG: #[[RELU]] = loc("aten::relu"(#{{loc[0-9]+}}))
print_tsm(Model(), [torch.randn(2, 2)], debug_info=True)
