"""tsm-fold-batch-norm against eager: conv (+ bias) + batch norm (+ relu) with
non-trivial running statistics, grouped and depthwise convs, conv3d, batch
> 1 and dynamic batches, float64, parameters big enough to be resources (the
JIT binds the folded weights at run time) and small enough to be inline; and
the cases that must not fold (another user of the conv, run-time weights)."""
import pytest
import torch

import tsmlir
from conftest import check_against_eager
from tsmlir import TensorSpec


def _batch_norm(module):
    with torch.no_grad():
        module.running_mean.uniform_(-1, 1)
        module.running_var.uniform_(0.2, 3)
        module.weight.uniform_(0.5, 1.5)
        module.bias.uniform_(-1, 1)
    return module


class ConvBN(torch.nn.Module):
    def __init__(self, conv, relu=True):
        super().__init__()
        bn = torch.nn.BatchNorm3d if isinstance(conv, torch.nn.Conv3d) else torch.nn.BatchNorm2d
        self.conv, self.bn = conv, _batch_norm(bn(conv.out_channels, eps=1e-3))
        self.relu = relu

    def forward(self, x):
        y = self.bn(self.conv(x))
        return torch.relu(y) if self.relu else y


CONVS = {
    # 20 channels: every parameter and the new bias are resources (> 16 elements)
    "resources": lambda: torch.nn.Conv2d(5, 20, 3, padding=1, bias=False),
    "inline_bias": lambda: torch.nn.Conv2d(3, 5, 3, stride=2),
    "groups2": lambda: torch.nn.Conv2d(4, 6, 3, groups=2, padding=1),
    "depthwise": lambda: torch.nn.Conv2d(18, 18, 3, groups=18, stride=2, bias=False),
    "width1": lambda: torch.nn.Conv2d(3, 17, (3, 7), bias=False),
    "conv3d": lambda: torch.nn.Conv3d(3, 4, 2, padding=1),
}


def _stage_text(tmp_path, module, inputs, stage="1-tsm-to-linalg"):
    tsmlir.compile_module(module, inputs, dump_dir=str(tmp_path))
    return (tmp_path / f"{stage}.mlir").read_text()


@pytest.mark.parametrize("name", CONVS)
@pytest.mark.parametrize("batch", [1, 3])
def test_conv_batch_norm_folds(name, batch, tmp_path):
    torch.manual_seed(0)
    model = ConvBN(CONVS[name]()).eval()
    size = (5, 6, 7) if name == "conv3d" else (9, 7)
    x = torch.randn(batch, model.conv.in_channels, *size)
    check_against_eager(torch.jit.script(model), [x])
    # folded: no per-channel 1 / sqrt(var + eps) left to compute
    assert "math.sqrt" not in _stage_text(tmp_path, torch.jit.script(model), [x])


def test_dynamic_batch():
    torch.manual_seed(0)
    model = torch.jit.script(ConvBN(CONVS["resources"]()).eval())
    check_against_eager(model, [torch.randn(2, 5, 8, 9)], input_specs=[TensorSpec((-1, 5, 8, 9))],
                        runs=[[torch.randn(1, 5, 8, 9)], [torch.randn(4, 5, 8, 9)]])


def test_float64():
    torch.manual_seed(0)
    model = ConvBN(CONVS["resources"](), relu=False).double().eval()
    check_against_eager(torch.jit.script(model), [torch.randn(1, 5, 6, 7, dtype=torch.float64)])


class ConvUsedTwice(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3)
        self.bn = _batch_norm(torch.nn.BatchNorm2d(4))

    def forward(self, x):
        y = self.conv(x)
        return self.bn(y) + y


def test_conv_with_another_user_is_not_folded(tmp_path):
    torch.manual_seed(0)
    model = torch.jit.script(ConvUsedTwice().eval())
    x = torch.randn(1, 3, 7, 8)
    check_against_eager(model, [x])
    assert "math.sqrt" in _stage_text(tmp_path, model, [x])


def test_run_time_weights_are_not_folded():
    """freeze=False: the parameters are arguments, nothing to fold; a new
    state dict still takes effect."""
    torch.manual_seed(0)
    model = ConvBN(CONVS["inline_bias"]()).eval()
    x = torch.randn(1, 3, 9, 7)
    compiled = tsmlir.compile_module(model, [x], freeze=False)
    with torch.no_grad():
        torch.testing.assert_close(compiled(x), model(x))
        _batch_norm(model.bn)
        compiled.load_state_dict(model.state_dict())
        torch.testing.assert_close(compiled(x), model(x))


def test_folded_weights_are_bound_without_copies(monkeypatch):
    """New blobs (the folded filters, re-laid per kernel row) are 64-byte
    aligned when registered, so the JIT binds their own memory instead of an
    aligned copy of each."""
    import numpy as np
    from tsmlir.lowering.constant_data import ALIGNMENT, aligned
    from tsmlir.runtime import weights
    copied = []

    def spy(array):
        out = aligned(array)
        copied.append(out is not array)
        return out
    monkeypatch.setattr(weights, "aligned", spy)
    torch.manual_seed(0)
    m = ConvBN(torch.nn.Conv2d(64, 64, 3, padding=1, bias=False)).eval()  # 147 KB of filters
    compiled = check_against_eager(m, [torch.randn(1, 64, 8, 8)])
    bound = compiled.functions["forward"]._weights.arrays
    assert sum(a.size for a in bound.values()) == 64 * 64 * 9
    assert copied == [False] * len(bound)
    unaligned = np.zeros(4097, dtype=np.float32)[1:]  # 4 bytes past a 16-byte boundary
    copy = aligned(unaligned)
    assert copy.ctypes.data % ALIGNMENT == 0 and np.array_equal(copy, unaligned)
    assert aligned(copy) is copy


def test_computed_constants_are_not_copied_for_alignment(monkeypatch):
    """The folded filters are written into aligned memory (`empty_aligned`)
    and a transposed view is copied once, aligned, by `aligned` itself: no
    big blob is copied again when it becomes a constant (ResNet-18: 72 MB)."""
    import numpy as np
    from tsmlir.lowering import constant_data
    from tsmlir.lowering.constant_data import ALIGNMENT, aligned, empty_aligned
    copies = []

    def spy(array):
        out = aligned(array)
        if out is not array and array.flags.c_contiguous and array.nbytes >= 1 << 16:
            copies.append(array.shape)  # a copy of a big blob for alignment alone
        return out
    monkeypatch.setattr(constant_data, "aligned", spy)
    torch.manual_seed(0)
    # 512 -> 512 on 4 x 4: the folded filters, then their copy by kernel row
    # (conv_rows)
    m = ConvBN(torch.nn.Conv2d(512, 512, 3, padding=1, bias=False)).eval()
    check_against_eager(m, [torch.randn(1, 512, 4, 4)], rtol=1e-4, atol=1e-4)
    assert copies == []
    for shape in [(3, 5, 7), (1,), (1000, 3)]:
        a = empty_aligned(shape, np.float32)
        assert a.shape == shape and a.flags.c_contiguous and a.ctypes.data % ALIGNMENT == 0
    w = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4)
    t = aligned(w.transpose(2, 0, 1))
    assert t.ctypes.data % ALIGNMENT == 0 and np.array_equal(t, w.transpose(2, 0, 1))
