"""Data-dependent sizes and values against eager: nonzero/argwhere,
masked_select and boolean-mask indexing x[mask] (a result dim known only at
run time) across dtypes, 0-d/empty/size-1 shapes and dynamic dims;
aten::detach (identity); x.dtype compared with a dtype constant
(nn.MultiheadAttention's bool key_padding_mask / attn_mask on its inference
fast path); and every error path."""
from typing import List

import pytest
import torch

import tsmlir
from conftest import check_against_eager
from tsmlir import TensorSpec


# -- nonzero, masked_select, x[mask] ------------------------------------------------------------
class Nonzero(torch.nn.Module):
    def forward(self, x):
        return torch.nonzero(x), torch.argwhere(x), torch.where(x)


def _sparse(shape, dtype):
    """About half zeros; floats also hold a NaN (nonzero, as in PyTorch)."""
    x = torch.randint(-2, 3, shape).to(dtype) * (torch.rand(shape) > 0.5).to(dtype)
    if dtype.is_floating_point and x.numel():
        x.view(-1)[0] = float("nan")
    return x


@pytest.mark.parametrize("dtype", [torch.float32, torch.int64, torch.int32, torch.bool,
                                   torch.uint8, torch.float64])
def test_nonzero_dtypes(dtype):
    x = _sparse((3, 5), dtype)
    check_against_eager(torch.jit.script(Nonzero()), [x],
                        runs=[(torch.zeros(3, 5, dtype=dtype),), (torch.ones(3, 5, dtype=dtype),)])


@pytest.mark.parametrize("shape", [(), (1,), (0, 3), (2, 1, 3), (7,)], ids=str)
def test_nonzero_shapes(shape):
    check_against_eager(torch.jit.script(Nonzero()), [_sparse(shape, torch.float32)])


def test_nonzero_dynamic_dims():
    module = torch.jit.script(Nonzero())
    check_against_eager(module, [_sparse((4, 3), torch.float32)],
                        input_specs=[TensorSpec((-1, -1))],
                        runs=[(_sparse((1, 9), torch.float32),), (torch.zeros(0, 2),)])


class MaskIndex(torch.nn.Module):
    def forward(self, x, m):
        return (x[m], x[m[0]], x[:, m[0]], torch.masked_select(x, m.unsqueeze(-1)),
                torch.masked_select(x[:, :, 0], m[0]))


@pytest.mark.parametrize("dtype", [torch.float32, torch.int64, torch.bool], ids=str)
def test_mask_index_and_masked_select(dtype):
    x = torch.randn(4, 4, 3).gt(0) if dtype == torch.bool else \
        torch.randint(-9, 9, (4, 4, 3)).to(dtype)
    m = torch.rand(4, 4) > 0.5
    check_against_eager(torch.jit.script(MaskIndex()), [x, m],
                        runs=[(x, torch.zeros(4, 4, dtype=torch.bool)),
                              (x, torch.ones(4, 4, dtype=torch.bool))])


def test_mask_index_dynamic_dims():
    x, m = torch.randn(4, 4, 3), torch.rand(4, 4) > 0.5
    check_against_eager(torch.jit.script(MaskIndex()), [x, m],
                        input_specs=[TensorSpec((-1, -1, 3)), TensorSpec((-1, -1), torch.bool)],
                        runs=[(torch.randn(5, 5, 3), torch.rand(5, 5) > 0.3)])


def test_mask_index_dynamic_shape_mismatch_is_checked():
    compiled = tsmlir.compile_module(
        torch.jit.script(MaskWrongShape()),
        input_specs=[TensorSpec((-1, 4)), TensorSpec((-1, 4), torch.bool)])
    x = torch.randn(3, 4)
    torch.testing.assert_close(compiled(x, x > 0), x[x > 0])
    with pytest.raises(tsmlir.RuntimeCheckError, match="shape of the mask does not match"):
        compiled(x, torch.ones(2, 4, dtype=torch.bool))


class MaskAssign(torch.nn.Module):
    def forward(self, x, m, v):
        x = x.clone()
        x[x > 0] = x[x > 0] * 2
        y = x.clone()
        y[m] = v[:int(m.sum())]
        z = x.clone()
        z.index_put_((m,), v[:int(m.sum())], accumulate=True)
        return x, y, z


def test_mask_assign_several_values():
    x, m, v = torch.randn(6), torch.rand(6) > 0.5, torch.randn(6)
    check_against_eager(torch.jit.script(MaskAssign()), [x, m, v],
                        runs=[(x, torch.zeros(6, dtype=torch.bool), v),
                              (x, torch.ones(6, dtype=torch.bool), v)])


def test_mask_assign_value_count_is_checked():
    compiled = tsmlir.compile_module(torch.jit.script(MaskAssignCount()),
                                     [torch.randn(6), torch.ones(6, dtype=torch.bool)])
    with pytest.raises(tsmlir.RuntimeCheckError, match="size 0 of values must match"):
        compiled(torch.randn(6), torch.zeros(6, dtype=torch.bool))


class MaskAssignCount(torch.nn.Module):
    def forward(self, x, m):
        x = x.clone()
        x[m] = x[:3] + 1
        return x


class MaskedSelectScalar(torch.nn.Module):
    def forward(self, x, m):
        return torch.masked_select(x, m), torch.masked_select(x.expand(2, 3), m).sum()


def test_masked_select_broadcasts_0d():
    x = torch.tensor(2.0)
    check_against_eager(torch.jit.script(MaskedSelectScalar()), [x, torch.tensor(True)],
                        runs=[(torch.tensor(-1.0), torch.tensor(False))])


class MaskWrongShape(torch.nn.Module):
    def forward(self, x, m):
        return x[m]


class MaskAndIndex(torch.nn.Module):
    def forward(self, x, m, i):
        return x[m, i]


class MaskedSelectInt(torch.nn.Module):
    def forward(self, x, m):
        return torch.masked_select(x, m)


@pytest.mark.parametrize("module,inputs,message", [
    (MaskWrongShape(), [torch.randn(3, 4), torch.ones(3, 5, dtype=torch.bool)],
     "shape of the mask"),
    (MaskAndIndex(), [torch.randn(3, 4), torch.ones(3, dtype=torch.bool), torch.tensor([0, 1, 2])],
     "together with other index tensors"),
    (MaskWrongShape(), [torch.tensor(1.0), torch.tensor(True)], "too many indices"),
    (MaskedSelectInt(), [torch.randn(3), torch.ones(3, dtype=torch.int64)],
     "expected BoolTensor"),
    (MaskedSelectInt(), [torch.randn(3), torch.ones(4, dtype=torch.bool)], "do not broadcast"),
], ids=["mask-shape", "mask-and-index", "mask-0d-x", "select-int-mask", "select-shapes"])
def test_mask_errors(module, inputs, message):
    with pytest.raises(tsmlir.TorchScriptImportError, match=message) as err:
        tsmlir.compile_module(torch.jit.script(module), inputs)
    assert err.value.loc.file == __file__


# -- detach, dtype ----------------------------------------------------------------------------
class Detach(torch.nn.Module):
    def forward(self, x):
        return x.detach() * 2, x + torch.tensor([1.0, 2.0, 3.0])


def test_detach_scripted_and_traced():
    x = torch.randn(2, 3)
    check_against_eager(torch.jit.script(Detach()), [x])
    check_against_eager(torch.jit.trace(Detach(), [x]), [x])


class DtypeBranch(torch.nn.Module):
    def forward(self, x, m):
        if m.dtype == torch.bool:
            return torch.where(m, x, -x)
        return x * m


@pytest.mark.parametrize("mdtype", [torch.bool, torch.float32])
def test_dtype_compares_with_constant(mdtype):
    x = torch.randn(4)
    m = (torch.rand(4) > 0.5).to(mdtype)
    check_against_eager(torch.jit.script(DtypeBranch()), [x, m])


class Attention(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.mha = torch.nn.MultiheadAttention(8, 2, batch_first=True)

    def forward(self, x, key_padding_mask, attn_mask):
        return self.mha(x, x, x, key_padding_mask=key_padding_mask, attn_mask=attn_mask,
                        need_weights=False)[0]


class PaddingOnly(Attention):
    def forward(self, x, key_padding_mask):
        return self.mha(x, x, x, key_padding_mask=key_padding_mask, need_weights=False)[0]


def _padding(b, s, keep):
    m = torch.zeros(b, s, dtype=torch.bool)
    m[:, keep:] = True
    return m


def test_multihead_attention_bool_key_padding_mask():
    x = torch.randn(2, 5, 8)
    module = torch.jit.script(PaddingOnly().eval())
    check_against_eager(module, [x, _padding(2, 5, 3)], runs=[(x, _padding(2, 5, 5))])


def test_multihead_attention_padding_and_attn_masks():
    x = torch.randn(2, 5, 8)
    attn = torch.rand(5, 5) > 0.6
    attn.fill_diagonal_(False)
    module = torch.jit.script(Attention().eval())
    check_against_eager(module, [x, _padding(2, 5, 4), attn])
    float_mask = torch.randn(2, 5)
    check_against_eager(module, [x, float_mask, torch.randn(5, 5)])


def test_multihead_attention_int_mask_rejected():
    x = torch.randn(2, 5, 8)
    with pytest.raises(tsmlir.TsmlirError, match="key_padding_mask"):
        tsmlir.compile_module(torch.jit.script(PaddingOnly().eval()),
                              [x, torch.zeros(2, 5, dtype=torch.int64)])


# -- lists grown in loops with a data-dependent trip count --------------------------------------
class Halving(torch.nn.Module):
    """The issue's loop: halve until the norm is small, keeping every step."""

    def forward(self, x):
        ys: List[torch.Tensor] = []
        while x.norm() > 1e-3:
            x = x / 2
            ys.append(x)
        return torch.stack(ys) * len(ys), ys[-1], ys[len(ys) // 2], torch.stack(ys, 1)


@pytest.mark.parametrize("scale", [1.0, 1e3, 1e9], ids=str)  # 11, 20, 40 rows: grown 0-2 times
def test_while_loop_list_stack_len_index(scale):
    x = torch.randn(2, 3, dtype=torch.float64) * scale
    check_against_eager(torch.jit.script(Halving()), [x], runs=[(x * 1e-2,), (x * 1e6,)])


class HalvingReturnsList(torch.nn.Module):
    def forward(self, x):
        ys: List[torch.Tensor] = []
        while float(x.sum()) > 1.0:
            x = x // 2
            ys += [x]
        return ys, x


def test_while_loop_list_returned_as_list():
    compiled = check_against_eager(torch.jit.script(HalvingReturnsList()),
                                   [torch.tensor([7, 9], dtype=torch.int64)],
                                   runs=[(torch.tensor([1 << 40, 3]),)])
    assert compiled(torch.tensor([0, 1]))[0] == []


class BreakLoop(torch.nn.Module):
    def forward(self, x, limit: float):
        ys: List[torch.Tensor] = []
        for i in range(x.size(0)):
            ys.append(x[i] > 0)
            if float(x[i].sum()) > limit:
                break
        return torch.stack(ys), x[:len(ys)]


def test_for_loop_with_break_list():
    x = torch.randn(40, 2)
    check_against_eager(torch.jit.script(BreakLoop()), [x, 1.0],
                        input_specs=[TensorSpec((-1, 2)), tsmlir.ScalarSpec(float)],
                        runs=[(x, 100.0), (x[:3], -100.0)])


class AppendCounted(torch.nn.Module):
    def forward(self, x):
        ys = []
        for i in range(x.size(0)):
            ys.append(x[i] * i)
        return torch.stack(ys)


def test_append_to_outer_list_in_counted_loop():
    check_against_eager(torch.jit.script(AppendCounted()), [torch.randn(5, 3)],
                        input_specs=[TensorSpec((-1, 3))], runs=[(torch.randn(1, 3),)])


class AppendDynamicRows(torch.nn.Module):
    def forward(self, x):
        ys: List[torch.Tensor] = []
        while float(x.sum()) > 1.0:
            x = x / 2
            ys.append(x)
        return torch.stack(ys)


@pytest.mark.parametrize("module,specs,message", [
    (AppendDynamicRows(), [TensorSpec((-1,))], "dynamic dims are not supported"),
], ids=["dynamic-rows"])
def test_loop_list_errors(module, specs, message):
    with pytest.raises(tsmlir.TorchScriptImportError, match=message) as err:
        tsmlir.compile_module(torch.jit.script(module), input_specs=specs)
    assert err.value.loc.file == __file__


class UntilLength(torch.nn.Module):
    """len() of the list inside the loop counts this iteration's row."""

    def forward(self, x, n: int):
        ys: List[torch.Tensor] = []
        while len(ys) < n:
            ys.append(x * len(ys))
        zs: List[torch.Tensor] = []
        for i in range(3):
            zs.append(x + len(zs))
        return torch.stack(ys), torch.stack(zs)


def test_len_inside_the_loop():
    x = torch.randn(2)
    check_against_eager(torch.jit.script(UntilLength()), [x, 5], runs=[(x, 1), (x, 40)])
