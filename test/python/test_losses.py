"""torch.nn.functional's losses against eager: each reduction, class weights,
ignore_index, label smoothing, N-d inputs, broadcasting, float64, dynamic
batch, special values, and the errors PyTorch raises."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

import tsmlir
from conftest import Fn, check_against_eager, check_traced

REDUCTIONS = ["none", "mean", "sum"]


def _pair(*shape, dtype=torch.float32):
    return torch.randn(*shape, dtype=dtype), torch.randn(*shape, dtype=dtype)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_regression_losses(reduction, dtype):
    x, y = _pair(3, 7, dtype=dtype)
    y[0, :3] = torch.tensor([0.0, -0.0, 2.0], dtype=dtype)
    x[0, :3] = torch.tensor([-0.0, 0.0, 2.5], dtype=dtype)  # |d| = 0, 0.5 (edges)
    check_traced(lambda a, b: (F.mse_loss(a, b, reduction=reduction),
                               F.l1_loss(a, b, reduction=reduction),
                               F.smooth_l1_loss(a, b, reduction=reduction),
                               F.smooth_l1_loss(a, b, reduction=reduction, beta=0.5),
                               F.smooth_l1_loss(a, b, reduction=reduction, beta=0.0),
                               F.huber_loss(a, b, reduction=reduction),
                               F.huber_loss(a, b, reduction=reduction, delta=0.3)), x, y)


def test_regression_losses_broadcast_and_special_values():
    x = torch.tensor([[0.0, float("inf"), float("nan"), -1.0, 1e30]])
    y = torch.tensor([[0.0], [1.0], [float("-inf")]])
    with pytest.warns(UserWarning):
        check_traced(lambda a, b: (F.mse_loss(a, b, reduction="none"), F.l1_loss(a, b),
                                   F.smooth_l1_loss(a, b, reduction="none"),
                                   F.huber_loss(a, b, reduction="sum")), x, y)


def test_regression_losses_dynamic_batch():
    class M(torch.nn.Module):
        def forward(self, a, b):
            return F.mse_loss(a, b), F.smooth_l1_loss(a, b, reduction="sum")
    specs = [tsmlir.TensorSpec((-1, 5)), tsmlir.TensorSpec((-1, 5))]
    x, y = _pair(4, 5)
    check_against_eager(torch.jit.script(M()), [x, y], input_specs=specs, runs=[list(_pair(9, 5))])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_kl_div_poisson_soft_margin(reduction):
    x, y = torch.randn(4, 5), torch.rand(4, 5)
    y[0, 0] = 0.0
    check_traced(lambda a, b: (F.kl_div(a, b, reduction=reduction),
                               F.kl_div(a, b.log(), reduction=reduction, log_target=True),
                               F.poisson_nll_loss(a, b, reduction=reduction),
                               F.poisson_nll_loss(a.exp(), b * 3, log_input=False, full=True,
                                                  reduction=reduction),
                               F.soft_margin_loss(a, b.sign() * 2 - 1, reduction=reduction)), x, y)
    check_traced(lambda a, b: F.kl_div(a, b, reduction="batchmean"), x, y)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_binary_cross_entropy(reduction, dtype):
    p = torch.rand(5, 3, dtype=dtype)
    p[0] = torch.tensor([0.0, 1.0, 0.5], dtype=dtype)  # log clamped at -100
    t = torch.rand(5, 3, dtype=dtype)
    w = torch.rand(3, dtype=dtype)
    check_traced(lambda a, b, c: (F.binary_cross_entropy(a, b, reduction=reduction),
                                  F.binary_cross_entropy(a, b, weight=c, reduction=reduction)),
                 p, t, w)
    logits = torch.randn(5, 3, dtype=dtype) * 10
    logits[0] = torch.tensor([-200.0, 200.0, 0.0], dtype=dtype)
    check_traced(lambda a, b, c: (
        F.binary_cross_entropy_with_logits(a, b, reduction=reduction),
        F.binary_cross_entropy_with_logits(a, b, weight=c, reduction=reduction),
        F.binary_cross_entropy_with_logits(a, b, pos_weight=c * 3, reduction=reduction)),
        logits, t, w)


def test_binary_cross_entropy_input_out_of_range_raises():
    compiled = tsmlir.compile_module(torch.jit.trace(
        Fn(lambda a, b: F.binary_cross_entropy(a, b)), (torch.rand(4), torch.rand(4))),
        [torch.rand(4), torch.rand(4)])
    with pytest.raises(tsmlir.RuntimeCheckError, match="between 0 and 1"):
        compiled(torch.tensor([0.5, 1.5, 0.2, 0.1]), torch.rand(4))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_embedding_and_ranking_losses(reduction):
    a, b, c = torch.randn(6, 5), torch.randn(6, 5), torch.randn(6, 5)
    y = torch.tensor([1.0, -1.0, 1.0, -1.0, 1.0, 1.0])
    check_traced(lambda x1, x2, x3, t: (
        F.margin_ranking_loss(x1[:, 0], x2[:, 0], t, reduction=reduction),
        F.margin_ranking_loss(x1[:, 0], x2[:, 0], t, margin=0.3, reduction=reduction),
        F.hinge_embedding_loss(x1, t[:, None].expand(6, 5), reduction=reduction),
        F.hinge_embedding_loss(x1, t[:, None].expand(6, 5) * 0.5, margin=0.7, reduction=reduction),
        F.cosine_embedding_loss(x1, x2, t, reduction=reduction),
        F.cosine_embedding_loss(x1, x2, t, margin=0.2, reduction=reduction),
        F.cosine_embedding_loss(x1[0], x2[0], t[0], reduction=reduction),
        F.triplet_margin_loss(x1, x2, x3, reduction=reduction),
        F.triplet_margin_loss(x1, x2, x3, margin=0.5, p=1.0, swap=True, reduction=reduction)),
        a, b, c, y)


def test_gaussian_nll_loss():
    x, y = _pair(4, 3)
    check_traced(lambda a, b, v: (F.gaussian_nll_loss(a, b, v), F.gaussian_nll_loss(
        a, b, v[:, :1], full=True, reduction="sum")), x, y, torch.rand(4, 3) + 0.1)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_nll_loss(reduction, dtype):
    x = torch.randn(7, 5, dtype=dtype).log_softmax(1)
    t = torch.tensor([0, 4, 2, -100, 1, 3, 2])
    w = torch.rand(5, dtype=dtype)
    check_traced(lambda a, b, c: (F.nll_loss(a, b, reduction=reduction),
                                  F.nll_loss(a, b, weight=c, reduction=reduction),
                                  F.nll_loss(a, b.clamp(min=0), weight=c, ignore_index=2,
                                             reduction=reduction),
                                  F.nll_loss(a[0], b[0], reduction=reduction)), x, t, w)
    x4 = torch.randn(2, 5, 3, 4, dtype=dtype)
    t4 = torch.randint(0, 5, (2, 3, 4))
    t4[0, 0, 0] = -100
    check_traced(lambda a, b, c: (F.nll_loss(a, b, reduction=reduction),
                                  F.nll_loss(a, b, weight=c, reduction=reduction)), x4, t4, w)


def test_nll_loss_all_ignored_is_nan():
    check_traced(lambda a, b: F.nll_loss(a, b, ignore_index=1), torch.randn(3, 4),
                 torch.tensor([1, 1, 1]))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.25])
def test_cross_entropy_class_indices(reduction, smoothing):
    x = torch.randn(6, 5)
    t = torch.tensor([0, 4, 2, -100, 1, 3])
    w = torch.rand(5)
    check_traced(lambda a, b, c: (
        F.cross_entropy(a, b, reduction=reduction, label_smoothing=smoothing),
        F.cross_entropy(a, b, weight=c, reduction=reduction, label_smoothing=smoothing),
        F.cross_entropy(a[0], b[0], reduction=reduction, label_smoothing=smoothing)), x, t, w)
    x3 = torch.randn(2, 5, 3, 2, dtype=torch.float64)
    t3 = torch.randint(0, 5, (2, 3, 2))
    t3[1, 2, 1] = 3
    check_traced(lambda a, b, c: (
        F.cross_entropy(a, b, reduction=reduction, label_smoothing=smoothing, ignore_index=3),
        F.cross_entropy(a, b, weight=c, reduction=reduction, label_smoothing=smoothing)),
        x3, t3, w.double())


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_cross_entropy_class_probabilities(reduction, smoothing):
    x = torch.randn(4, 5, 3)
    p = torch.randn(4, 5, 3).softmax(1)
    w = torch.rand(5)
    check_traced(lambda a, b, c: (
        F.cross_entropy(a, b, reduction=reduction, label_smoothing=smoothing),
        F.cross_entropy(a, b, weight=c, reduction=reduction, label_smoothing=smoothing),
        F.cross_entropy(a[:, :, 0], b[:, :, 0], reduction=reduction),
        F.cross_entropy(a[0, :, 0], b[0, :, 0], reduction=reduction)), x, p, w)


def test_cross_entropy_dynamic_batch_scripted():
    class M(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.loss = torch.nn.CrossEntropyLoss(weight=torch.rand(4), label_smoothing=0.1)

        def forward(self, x, t):
            return self.loss(x, t), F.nll_loss(x.log_softmax(1), t, reduction="none")
    specs = [tsmlir.TensorSpec((-1, 4)), tsmlir.TensorSpec((-1,), torch.int64)]
    check_against_eager(torch.jit.script(M()), [torch.randn(3, 4), torch.tensor([0, 3, 1])],
                        input_specs=specs,
                        runs=[[torch.randn(9, 4), torch.randint(0, 4, (9,))]])


def test_target_out_of_range_raises():
    compiled = tsmlir.compile_module(torch.jit.trace(
        Fn(lambda a, b: F.cross_entropy(a, b)), (torch.randn(3, 4), torch.tensor([0, 1, 2]))),
        [torch.randn(3, 4), torch.tensor([0, 1, 2])])
    with pytest.raises(tsmlir.RuntimeCheckError, match="out of range"):
        compiled(torch.randn(3, 4), torch.tensor([0, 4, 2]))


class _Nll(torch.nn.Module):
    def forward(self, a, b):
        return F.nll_loss(a, b)


class _WeightedCE(torch.nn.Module):
    def forward(self, a, b):
        return F.cross_entropy(a, b, weight=torch.ones(3))


class _CE(torch.nn.Module):
    def forward(self, a, b):
        return F.cross_entropy(a, b)


class _BCELogits(torch.nn.Module):
    def forward(self, a, b):
        return F.binary_cross_entropy_with_logits(a, b)


class _CosEmb(torch.nn.Module):
    def forward(self, a, b):
        return F.cosine_embedding_loss(a, a, b)


class _MultiMarginP3(torch.nn.Module):
    def forward(self, a, b):
        return F.multi_margin_loss(a, b, p=3)


@pytest.mark.parametrize("module, args, message", [
    (_MultiMarginP3, (torch.randn(3, 4), torch.tensor([0, 1, 2])), "only p == 1 and p == 2"),
    (_Nll, (torch.randn(3, 4), torch.tensor([0, 1])), "Expected target size"),
    (_Nll, (torch.randn(3, 4), torch.tensor([0.0, 1.0, 2.0])), "expected scalar type Long"),
    (_WeightedCE, (torch.randn(3, 4), torch.tensor([0, 1, 2])), "weight tensor should be defined"),
    (_CE, (torch.randn(3, 4), torch.rand(3, 5)), "Expected target size"),
    (_BCELogits, (torch.randn(3, 4), torch.rand(3, 1)), "must be the same as input size"),
    (_CosEmb, (torch.randn(3, 4), torch.ones(3, 1)), "cosine_embedding_loss expects"),
])
def test_bad_inputs(module, args, message):
    with pytest.raises(Exception):
        module()(*args)  # eager raises too
    with pytest.raises(tsmlir.TsmlirError, match=message) as info:
        tsmlir.compile_module(torch.jit.script(module()), list(args))
    assert "test_losses.py" in str(info.value)


class _DirectNll(torch.nn.Module):
    """The aten schemas themselves (F.nll_loss records nll_loss_nd)."""

    def forward(self, x, t, x4, t4, w):
        return (torch.ops.aten.nll_loss(x, t, w, 1, 2),
                torch.ops.aten.nll_loss(x, t, None, 0, -100),
                torch.ops.aten.nll_loss2d(x4, t4, w, 2, 1),
                torch.ops.aten.nll_loss2d(x4, t4, None, 1, -100))


def test_nll_loss_schemas():
    args = [torch.randn(5, 4).log_softmax(1), torch.tensor([0, 3, 2, 2, 1]),
            torch.randn(2, 4, 3, 5), torch.randint(0, 4, (2, 3, 5)), torch.rand(4)]
    check_against_eager(torch.jit.script(_DirectNll()), args)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_margin_losses_over_classes(reduction):
    x = torch.randn(5, 4)
    y = torch.tensor([0, 3, 2, 2, 1])
    w = torch.rand(4)
    check_traced(lambda a, b, c: (
        F.multi_margin_loss(a, b, reduction=reduction),
        F.multi_margin_loss(a, b, p=2, margin=0.5, weight=c, reduction=reduction),
        F.multi_margin_loss(a[0], b[0], reduction=reduction)), x, y, w)
    labels = torch.tensor([[3, 0, -1, 1], [0, 1, 2, 3], [-1, 0, 0, 0], [2, 2, -1, -1],
                           [1, -1, 3, 3]])
    check_traced(lambda a, b: (F.multilabel_margin_loss(a, b, reduction=reduction),
                               F.multilabel_margin_loss(a[0], b[0], reduction=reduction)),
                 x, labels)


class _LossModules(torch.nn.Module):
    """nn loss modules, scripted: reduction strings become ATen's ints in the graph."""

    def __init__(self):
        super().__init__()
        self.mse, self.l1 = torch.nn.MSELoss(), torch.nn.L1Loss(reduction="sum")
        self.huber, self.smooth = torch.nn.HuberLoss(delta=0.5), torch.nn.SmoothL1Loss(beta=2.0)
        self.bce = torch.nn.BCEWithLogitsLoss(pos_weight=torch.rand(3) + 0.5)
        self.kl = torch.nn.KLDivLoss(reduction="batchmean", log_target=True)
        self.nll = torch.nn.NLLLoss(weight=torch.rand(3), ignore_index=0)
        self.margin = torch.nn.MultiMarginLoss(margin=0.7)
        self.soft = torch.nn.SoftMarginLoss(reduction="none")

    def forward(self, x, y, t):
        p = y.sigmoid()
        return (self.mse(x, y), self.l1(x, y), self.huber(x, y), self.smooth(x, y),
                self.bce(x, p), self.kl(x.log_softmax(1), y.log_softmax(1)),
                self.nll(x.log_softmax(1), t), self.margin(x, t), self.soft(x, y.sign()))


def test_scripted_loss_modules_dynamic_batch():
    specs = [tsmlir.TensorSpec((-1, 3)), tsmlir.TensorSpec((-1, 3)),
             tsmlir.TensorSpec((-1,), torch.int64)]
    args = [torch.randn(4, 3), torch.randn(4, 3), torch.tensor([0, 2, 1, 1])]
    check_against_eager(torch.jit.script(_LossModules()), args, input_specs=specs,
                        runs=[[torch.randn(7, 3), torch.randn(7, 3), torch.randint(0, 3, (7,))],
                              [torch.randn(1, 3), torch.randn(1, 3), torch.tensor([2])]])
