# RUN: %python %s | filecheck %s
# The function signature of a method (run-time scalars as 0-d tensors, None
# and Static arguments folded, parameters as trailing arguments with
# freeze=False, in-place updates of arguments as extra results) and the
# compile-time values of the language (NamedTuples, TorchScript classes,
# loops over compile-time lists unrolled).
from typing import List, NamedTuple, Optional

import torch

from tsmlir import ScalarSpec, Static, TensorSpec
from tsmlir.compiler import to_tsm


def show(module, specs, method="forward", freeze=True):
    ctx, m, _ = to_tsm(module, specs, method, freeze)
    with ctx:
        print(m.operation.get_asm(large_elements_limit=16))


class Scalars(torch.nn.Module):
    def forward(self, x, n: int, alpha: float, flag: bool):
        if flag:
            x = x * alpha
        return x + n, n * 2


# int/float/bool arguments arrive as 0-d i64/f64/i1 tensors read once at
# entry; an int result leaves as a 0-d i64 tensor.
# CHECK-LABEL: func.func @forward(%arg0: tensor<3xf32>, %arg1: tensor<i64>, %arg2: tensor<f64>, %arg3: tensor<i1>) -> (tensor<3xf32>, tensor<i64>)
# CHECK-DAG: %[[N:.*]] = tensor.extract %arg1[] : tensor<i64>
# CHECK-DAG: %[[ALPHA:.*]] = tensor.extract %arg2[] : tensor<f64>
# CHECK-DAG: %[[FLAG:.*]] = tensor.extract %arg3[] : tensor<i1>
# CHECK: scf.if %[[FLAG]]
# CHECK: %[[TWICE:.*]] = arith.muli %[[N]], %{{.*}} : i64
# CHECK: %[[OUT:.*]] = tensor.from_elements %[[TWICE]] : tensor<i64>
# CHECK: return %{{.*}}, %[[OUT]]
show(Scalars(), [TensorSpec((3,)), ScalarSpec(int), ScalarSpec(float), ScalarSpec(bool)])

# Static and None arguments are no arguments at all: `if flag` folds.
# CHECK-LABEL: func.func @forward(%arg0: tensor<3xf32>, %arg1: tensor<f64>) -> tensor<3xf32>
# CHECK-NOT: scf.if
# CHECK: return
show(Scalars(), [TensorSpec((3,)), Static(2), ScalarSpec(float), Static(False)])


class Opt(torch.nn.Module):
    def forward(self, x, b: Optional[torch.Tensor]):
        if b is None:
            return x
        return x + b


# `b is None` is known at compile time on both versions.
# CHECK-LABEL: func.func @forward(%arg0: tensor<2xf32>) -> tensor<2xf32>
# CHECK-NOT: tsm.add
# CHECK-LABEL: func.func @forward(%arg0: tensor<2xf32>, %arg1: tensor<2xf32>) -> tensor<2xf32>
# CHECK: "tsm.add"(%arg0, %arg1
show(Opt(), [TensorSpec((2,)), None])
show(Opt(), [TensorSpec((2,)), TensorSpec((2,))])


class Pair(NamedTuple):
    value: torch.Tensor
    count: int


@torch.jit.script
class Scale:
    def __init__(self, factor: float):
        self.factor = factor

    def apply(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.factor


class Values(torch.nn.Module):
    def forward(self, x):
        s = Scale(3.0)
        p = Pair(s.apply(x), 4)
        return p.value, p.count


# Objects and NamedTuples are compile-time values: only the tensor op remains
# and the field 4 folds out of the function (returned as a literal).
# CHECK-LABEL: func.func @forward(%arg0: tensor<2xf32>) -> tensor<2xf32>
# CHECK: %[[Y:.*]] = "tsm.mul"(%arg0
# CHECK-NEXT: return %[[Y]]
show(Values(), [TensorSpec((2,))])


class Unrolled(torch.nn.Module):
    def forward(self, x):
        scales: List[float] = []
        for i in range(3):
            scales.append(float(i) + 0.5)
        for s in scales:
            x = x * s
        return x


# Appending to and iterating over a compile-time list: unrolled, three muls.
# CHECK-LABEL: func.func @forward(%arg0: tensor<2xf32>) -> tensor<2xf32>
# CHECK-NOT: scf.for
# CHECK: %[[A:.*]] = "tsm.mul"(%arg0
# CHECK: %[[B:.*]] = "tsm.mul"(%[[A]]
# CHECK: %[[C:.*]] = "tsm.mul"(%[[B]]
# CHECK-NEXT: return %[[C]]
show(Unrolled(), [TensorSpec((2,))])


class Weights(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(2, 3)

    def forward(self, x):
        x.add_(1.0)
        return self.lin(x)


# freeze=False: weight and bias become trailing arguments; the in-place update
# of x is an extra result.
# CHECK-LABEL: func.func @forward(%arg0: tensor<4x2xf32>, %arg1: tensor<3x2xf32>, %arg2: tensor<3xf32>) -> (tensor<4x3xf32>, tensor<4x2xf32>)
# CHECK: %[[X:.*]] = "tsm.add"(%arg0
# CHECK: return %{{.*}}, %[[X]]
show(Weights(), [TensorSpec((4, 2))], freeze=False)


class Containers(torch.nn.Module):
    def forward(self, x, y: Optional[torch.Tensor]):
        d = {"a": x, "b": x * 2.0}
        d["c"] = d["a"]
        xs = [d["b"], d["c"]]
        xs.reverse()
        if isinstance(y, torch.Tensor):
            xs.append(y)
        return xs.pop(), len(d.keys())


# Dicts, list methods and isinstance fold at import: one mul, the first
# item returned; len(d.keys()) is the literal 3 (not a result).
# CHECK-LABEL: func.func @forward(%arg0: tensor<2xf32>) -> tensor<2xf32>
# CHECK-NEXT: %[[TWO:.*]] = "tsm.constant"
# CHECK-NEXT: %[[B:.*]] = "tsm.mul"(%arg0, %[[TWO]])
# CHECK-NEXT: return %[[B]]
show(Containers(), [TensorSpec((2,)), None])
