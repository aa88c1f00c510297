"""tsm-outline-repeated-loops on models with repeated layers: the layers' loop
nests are shared functions, the results match eager PyTorch, and an AOT
archive still exposes only its entry point."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import torch
import torch.nn.functional as F

import tsmlir
from conftest import check_against_eager
from tsmlir.compiler import lower_module
from tsmlir.runtime.aot import EntryPoint, compile_aot
from tsmlir.specs import TensorSpec


class Block(torch.nn.Module):
    """A pre-norm transformer layer: layer norms, softmax attention, GELU MLP."""

    def __init__(self, d: int, heads: int):
        super().__init__()
        self.heads = heads
        self.ln1, self.ln2 = torch.nn.LayerNorm(d), torch.nn.LayerNorm(d)
        self.qkv, self.out = torch.nn.Linear(d, 3 * d), torch.nn.Linear(d, d)
        self.fc1, self.fc2 = torch.nn.Linear(d, 2 * d), torch.nn.Linear(2 * d, d)

    def forward(self, x):
        t, d = x.shape[0], x.shape[1]
        q, k, v = self.qkv(self.ln1(x)).chunk(3, dim=1)
        q = q.reshape(t, self.heads, d // self.heads).transpose(0, 1)
        k = k.reshape(t, self.heads, d // self.heads).transpose(0, 1)
        v = v.reshape(t, self.heads, d // self.heads).transpose(0, 1)
        a = torch.softmax(q @ k.transpose(1, 2) / 4.0, dim=-1) @ v
        x = x + self.out(a.transpose(0, 1).reshape(t, d))
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x))))


class Encoder(torch.nn.Module):
    def __init__(self, layers: int, d: int = 32, heads: int = 2):
        super().__init__()
        self.layers = torch.nn.ModuleList([Block(d, heads) for _ in range(layers)])

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


class ResBlock(torch.nn.Module):
    def __init__(self, c: int):
        super().__init__()
        self.c1, self.c2 = (torch.nn.Conv2d(c, c, 3, padding=1) for _ in range(2))
        self.b1, self.b2 = torch.nn.BatchNorm2d(c), torch.nn.BatchNorm2d(c)

    def forward(self, x):
        return torch.relu(x + self.b2(self.c2(torch.relu(self.b1(self.c1(x))))))


class MLP(torch.nn.Module):
    """Rows of any count through identical norm + GELU layers."""

    def __init__(self, layers: int, d: int = 24):
        super().__init__()
        self.fcs = torch.nn.ModuleList([torch.nn.Linear(d, d) for _ in range(layers)])
        self.lns = torch.nn.ModuleList([torch.nn.LayerNorm(d) for _ in range(layers)])

    def forward(self, x):
        for fc, ln in zip(self.fcs, self.lns):
            x = x + F.gelu(ln(fc(x))) * 0.5
        return x


def _init(model: torch.nn.Module) -> torch.nn.Module:
    torch.manual_seed(0)
    for p in model.parameters():
        p.data.normal_(0, 0.3)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.normal_(0, 0.1)
            m.running_var.uniform_(0.5, 1.5)
    return model.eval()


def _outlined(model, inputs=None, **kw) -> tuple[int, int]:
    """How many outlined functions the lowered module holds, and how many
    calls of them."""
    text = str(lower_module(model, inputs, **kw).module)
    return (len(set(re.findall(r"llvm\.func [\w ]*@(forward_outlined_\d+)\(", text))),
            len(re.findall(r"llvm\.call @forward_outlined_\d+\(", text)))


def test_encoder_layers_share_their_loops():
    x = torch.randn(7, 32)
    model = _init(Encoder(3))
    check_against_eager(model, [x])
    # one layer: its two layer norms' nests are alike (the statistics, and
    # the fills of their accumulators, one each since tsm-unshare-fills):
    # each outlined function is called by both
    funcs1, calls1 = _outlined(_init(Encoder(1)), [x])
    assert funcs1 >= 1 and calls1 == 2 * funcs1, (funcs1, calls1)
    # more layers: mostly more calls of the same functions (a few new
    # classes where two layers meet)
    funcs3, calls3 = _outlined(model, [x])
    funcs5, calls5 = _outlined(_init(Encoder(5)), [x])
    assert calls5 > calls3 > 2 * funcs3, (funcs3, calls3, funcs5, calls5)
    assert funcs5 - funcs3 < (calls5 - calls3) // 4, (funcs3, calls3, funcs5, calls5)


def test_resnet_blocks_share_their_loops():
    model = _init(torch.nn.Sequential(*(ResBlock(8) for _ in range(3))))
    x = torch.randn(1, 8, 9, 9)
    check_against_eager(model, [x])
    assert _outlined(model, [x])[0] > 0


@pytest.mark.parametrize("rows", [1, 5, 17])
def test_dynamic_rows(rows):
    model = _init(MLP(3))
    x = torch.randn(rows, 24)
    check_against_eager(model, [torch.randn(3, 24)], input_specs=[TensorSpec((-1, 24))],
                        runs=[(x,)])


def test_dynamic_rows_are_outlined():
    assert _outlined(_init(MLP(3)), input_specs=[TensorSpec((-1, 24))])[0] > 0


def test_checks_stay_in_the_caller():
    """A failing run-time check (an embedding index out of range) still
    raises: the gathers' checks are not inside an outlined function."""
    class Embed(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = torch.nn.Embedding(10, 16)
            self.mlp = MLP(3, 16)

        def forward(self, ids):
            return self.mlp(self.emb(ids))

    model = _init(Embed())
    ids = torch.tensor([[1, 2, 3]])
    compiled = check_against_eager(model, [ids])
    with pytest.raises(Exception, match="out of range"):
        compiled(torch.tensor([[1, 20, 3]]))


@pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler (cc)")
def test_aot_exposes_only_the_entry(tmp_path):
    from test_aot import _build, _outputs, _run, _write_input, matrix_main
    model = _init(Encoder(3, d=16))
    path = tmp_path / "enc.pt"
    torch.jit.script(model).save(str(path))
    art = compile_aot(str(path), [EntryPoint("forward", [TensorSpec((5, 16))])], tmp_path / "out",
                      name="enc")
    symbols = subprocess.run(["nm", "--defined-only", "-g", art.object_file], text=True,
                             capture_output=True, check=True).stdout
    exported = sorted(line.split()[-1] for line in symbols.splitlines())
    assert exported == ["_tsmlir_enc_forward"], exported
    local = subprocess.run(["nm", art.object_file], text=True, capture_output=True,
                           check=True).stdout
    assert "forward_outlined_" in local  # the shared nests are there, as local symbols
    exe = _build(tmp_path, matrix_main("enc", 5, 16), art)
    x = torch.randn(5, 16)
    run = _run(exe, _write_input(tmp_path, "x", x))
    assert run.returncode == 0, run.stdout + run.stderr
    with torch.no_grad():
        torch.testing.assert_close(_outputs(run.stdout)["out"], model(x), rtol=1e-4, atol=1e-5)
