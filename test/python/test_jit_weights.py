"""Weights bound at run time in JIT code (tsmlir/runtime/weights.py).

Pins: big dense_resource globals leave the LLVM module (pointer variables
load their address) while small ones stay; results match eager for float
and integer weights, serial and multithreaded code; a weight returned as is
comes back as a copy (the bound array stays intact); the AOT object, which
keeps its weights in the code, is untouched.
"""
import pytest
import torch
from mlir import ir

import tsmlir
from tsmlir.compiler import lower_module
from tsmlir.runtime import weights


class TwoLayers(torch.nn.Module):
    """A big weight (fc1: 96x130 floats) and small ones (fc2: 3x96, biases)."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.fc1 = torch.nn.Linear(130, 96)
        self.fc2 = torch.nn.Linear(96, 3)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


class Table(torch.nn.Module):
    """An int64 table (big) gathered by index, and the table itself returned."""

    def __init__(self):
        super().__init__()
        self.register_buffer("table", torch.arange(4000, dtype=torch.int64).reshape(1000, 4) * 3)

    def forward(self, i):
        return self.table[i] + 1, self.table


def _globals(module: ir.Module) -> dict[str, str]:
    out = {}
    for op in module.body.operations:
        if op.operation.name == "llvm.mlir.global":
            out[ir.StringAttr(op.attributes["sym_name"]).value] = \
                str(op.attributes["value"]) if "value" in op.attributes else ""
    return out


def test_big_weights_leave_the_module_small_ones_stay():
    p = lower_module(TwoLayers().eval(), [torch.randn(2, 130)], threads=1)
    with p.context:
        before = _globals(p.module)
        binding = weights.externalize(p.module, p.blobs)
        after = _globals(p.module)
        text = str(p.module)
    big = [n for n, v in before.items() if "tensor<12480xf32>" in v]  # fc1.weight, flat
    assert len(big) == 1 and big[0] not in after
    pointer = f"_mlir_{big[0]}__ptr"
    assert pointer in after and pointer in binding.arrays
    assert binding.arrays[pointer].size == 12480
    assert binding.arrays[pointer].ctypes.data % weights.ALIGNMENT == 0
    assert f"llvm.mlir.addressof @{pointer}" in text and "llvm.load" in text
    small = [n for n, v in before.items() if "dense_resource" in v and n != big[0]]
    assert small and all(n in after for n in small)  # under MIN_BYTES: still constants


@pytest.mark.parametrize("threads", [1, 2])
def test_bound_weights_match_eager(threads):
    model = TwoLayers().eval()
    compiled = tsmlir.compile_module(model, [torch.randn(5, 130)], threads=threads)
    assert compiled.functions["forward"]._weights.arrays  # the path under test was taken
    for _ in range(2):
        x = torch.randn(5, 130)
        with torch.no_grad():
            torch.testing.assert_close(compiled(x), model(x), rtol=1e-4, atol=1e-5)


def test_integer_weight_returned_is_a_copy():
    model = Table().eval()
    i = torch.tensor([0, 999, 3])
    compiled = tsmlir.compile_module(model, [i])
    rows, table = compiled(i)
    torch.testing.assert_close(rows, model.table[i] + 1)
    torch.testing.assert_close(table, model.table)
    table.zero_()  # must not write into the code's weights
    rows, table = compiled(i)
    torch.testing.assert_close(rows, model.table[i] + 1)
    torch.testing.assert_close(table, model.table)


def test_weights_can_change_after_compiling_without_effect():
    model = TwoLayers().eval()
    x = torch.randn(1, 130)
    compiled = tsmlir.compile_module(model, [x])
    with torch.no_grad():
        expected = model(x)
        model.fc1.weight.add_(1.0)  # the compiled module holds its own copy
    torch.testing.assert_close(compiled(x), expected, rtol=1e-4, atol=1e-5)
