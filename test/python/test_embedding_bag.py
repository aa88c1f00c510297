"""nn.EmbeddingBag / F.embedding_bag against eager: sum / mean / max, 1-D
input with offsets (empty bags, include_last_offset) and 2-D input,
per_sample_weights, padding_idx, float64, dynamic sizes, and the errors
PyTorch raises (at compile time, or at run time for bad offsets / indices)."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

import tsmlir
from conftest import Fn, check_against_eager, check_traced

MODES = ["sum", "mean", "max"]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("mode", MODES)
def test_offsets(mode, dtype):
    w = torch.randn(11, 5, dtype=dtype)
    idx = torch.tensor([1, 2, 4, 5, 4, 3, 2, 9, 10, 0])
    offsets = torch.tensor([0, 4, 4, 7])  # an empty bag
    check_traced(lambda a, i, o: F.embedding_bag(i, a, o, mode=mode), w, idx, offsets)
    check_traced(lambda a, i, o: F.embedding_bag(i, a, o, mode=mode, padding_idx=4), w, idx,
                 offsets)
    last = torch.tensor([0, 3, 3, 10])  # the last offset ends the last bag
    check_traced(lambda a, i, o: F.embedding_bag(i, a, o, mode=mode, include_last_offset=True),
                 w, idx, last)
    check_traced(lambda a, i, o: F.embedding_bag(i, a, o, mode=mode, padding_idx=-1), w,
                 torch.tensor([10, 10, 3, 10]), torch.tensor([0, 2]))  # a bag of padding only


@pytest.mark.parametrize("mode", MODES)
def test_two_d_input_and_module(mode):
    bag = torch.nn.EmbeddingBag(7, 3, mode=mode)
    check_against_eager(torch.jit.trace(bag, torch.randint(0, 7, (4, 5))),
                        [torch.randint(0, 7, (4, 5))])
    check_traced(lambda a, i: F.embedding_bag(i, a, mode=mode), torch.randn(7, 3),
                 torch.randint(0, 7, (1, 1)))


def test_per_sample_weights():
    w, idx, off = torch.randn(9, 4), torch.tensor([0, 8, 3, 3, 5, 1]), torch.tensor([0, 2, 5])
    psw = torch.rand(6)
    check_traced(lambda a, i, o, p: (F.embedding_bag(i, a, o, mode="sum", per_sample_weights=p),
                                     F.embedding_bag(i, a, o, mode="sum", per_sample_weights=p,
                                                     padding_idx=3)), w, idx, off, psw)


def test_special_values():
    w = torch.randn(4, 3)
    w[1, 0], w[2, 1], w[3, 2] = float("-inf"), float("inf"), -0.0
    idx, off = torch.tensor([1, 1, 2, 3, 0, 3]), torch.tensor([0, 2, 4])
    check_traced(lambda a, i, o: (F.embedding_bag(i, a, o, mode="max"),
                                  F.embedding_bag(i, a, o, mode="sum")), w, idx, off)


def test_dynamic_sizes_scripted():
    class M(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.bag = torch.nn.EmbeddingBag(10, 4, mode="mean", padding_idx=0)

        def forward(self, idx, off):
            return self.bag(idx, off)
    specs = [tsmlir.TensorSpec((-1,), torch.int64), tsmlir.TensorSpec((-1,), torch.int64)]
    check_against_eager(torch.jit.script(M()), [torch.tensor([1, 2, 0, 4]), torch.tensor([0, 2])],
                        input_specs=specs,
                        runs=[[torch.randint(0, 10, (13,)), torch.tensor([0, 1, 1, 6, 12])],
                              [torch.tensor([3]), torch.tensor([0])]])


def test_run_time_errors():
    compiled = tsmlir.compile_module(torch.jit.trace(
        Fn(lambda a, i, o: F.embedding_bag(i, a, o)),
        (torch.randn(5, 2), torch.tensor([0, 1, 2]), torch.tensor([0, 1]))),
        [torch.randn(5, 2), torch.tensor([0, 1, 2]), torch.tensor([0, 1])])
    with pytest.raises(tsmlir.RuntimeCheckError, match="offsets\\[0\\] has to be 0"):
        compiled(torch.randn(5, 2), torch.tensor([0, 1, 2]), torch.tensor([1, 2]))
    for bad in ([0, 5, 2], [0, -1, 2]):
        with pytest.raises(RuntimeError):
            F.embedding_bag(torch.tensor(bad), torch.randn(5, 2), torch.tensor([0, 1]))
        with pytest.raises(tsmlir.RuntimeCheckError, match="out of range"):
            compiled(torch.randn(5, 2), torch.tensor(bad), torch.tensor([0, 1]))


class _WeightsWithMean(torch.nn.Module):
    def forward(self, w, i, o, p):
        return F.embedding_bag(i, w, o, mode="mean", per_sample_weights=p)


class _BagSize(torch.nn.Module):
    def forward(self, w, i, o):
        out = torch.ops.aten.embedding_bag(w, i, o, False, 1, False, None, False)
        return out[0], out[2]


def test_bad_arguments():
    args = [torch.randn(5, 2), torch.tensor([0, 1, 2]), torch.tensor([0, 1]), torch.rand(3)]
    with pytest.raises(Exception):
        _WeightsWithMean()(*args)  # eager raises too
    with pytest.raises(tsmlir.TsmlirError, match="only supported for mode='sum'") as info:
        tsmlir.compile_module(torch.jit.script(_WeightsWithMean()), args)
    with pytest.raises(tsmlir.TsmlirError, match="bag_size result") as info:
        tsmlir.compile_module(torch.jit.script(_BagSize()), args[:3])
    assert "test_embedding_bag.py" in str(info.value)


class _BaseSchema(torch.nn.Module):
    """aten::embedding_bag without padding_idx (F.embedding_bag records the other)."""

    def forward(self, w, i, o, p):
        return (torch.ops.aten.embedding_bag(w, i, o, False, 2, False, None, False)[0],
                torch.ops.aten.embedding_bag(w, i, o, False, 0, False, p, True)[0])


def test_base_schema():
    args = [torch.randn(6, 3), torch.tensor([5, 0, 2, 2, 1]), torch.tensor([0, 3, 5]),
            torch.rand(5)]
    check_against_eager(torch.jit.script(_BaseSchema()), args)
