"""Benchmark models (float32, inference, fixed seeds).

Each entry: name -> factory returning (module, inputs, flops or None).
Models from tsmlir.examples plus the seed RNN, an LSTM loop, a transformer
block and square matmuls.
"""
from __future__ import annotations

import math
from typing import List

import torch
import torch.nn as nn
import torch.nn.functional as F

from tsmlir.examples.models import make


class SeedRNN(nn.Module):
    """The seed talk's RNN (without its print, which would dominate timings)."""

    def __init__(self, n_in: int = 64, hidden: int = 128):
        super().__init__()
        self.W_h = nn.Parameter(torch.randn(n_in, hidden) * 0.1)
        self.U_h = nn.Parameter(torch.randn(hidden, hidden) * 0.1)
        self.W_y = nn.Parameter(torch.randn(hidden, hidden) * 0.1)
        self.b_h = nn.Parameter(torch.zeros(hidden))
        self.b_y = nn.Parameter(torch.zeros(hidden))

    def forward(self, x, h):
        y: List[torch.Tensor] = []
        for t in range(x.size(0)):
            h = torch.tanh(x[t] @ self.W_h + h @ self.U_h + self.b_h)
            y += [torch.tanh(h @ self.W_y + self.b_y)]
        return torch.stack(y), h


class LSTMLoop(nn.Module):
    def __init__(self, hidden: int = 256):
        super().__init__()
        self.cell = nn.LSTMCell(hidden, hidden)

    def forward(self, x, h, c):
        for t in range(x.size(0)):
            h, c = self.cell(x[t], (h, c))
        return h, c


class EncoderBlock(nn.Module):
    def __init__(self, d: int = 256, heads: int = 4):
        super().__init__()
        self.heads, self.d = heads, d
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.fc1, self.fc2 = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)

    def forward(self, x):
        s, d, h = x.size(0), self.d, self.heads
        q, k, v = self.qkv(self.ln1(x)).chunk(3, dim=-1)
        q = q.reshape(s, h, d // h).transpose(0, 1)
        k = k.reshape(s, h, d // h).transpose(0, 1)
        v = v.reshape(s, h, d // h).transpose(0, 1)
        att = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(d // h), dim=-1)
        x = x + self.proj((att @ v).transpose(0, 1).reshape(s, d))
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x))))


class MatMul(nn.Module):
    def __init__(self, n: int):
        super().__init__()
        self.w = nn.Parameter(torch.randn(n, n))

    def forward(self, x):
        return torch.mm(x, self.w)


def _factory(name, batch=1, size=None):
    def build():
        model, inputs = make(name, batch, size)
        return model, inputs, None
    return build


def _rnn(batch):
    def build():
        torch.manual_seed(0)
        return SeedRNN().eval(), [torch.randn(50, batch, 64), torch.zeros(batch, 128)], None
    return build


def _lstm():
    torch.manual_seed(0)
    return LSTMLoop().eval(), [torch.randn(50, 1, 256), torch.zeros(1, 256), torch.zeros(1, 256)], None


def _encoder():
    torch.manual_seed(0)
    return EncoderBlock().eval(), [torch.randn(128, 256)], None


def _matmul(n):
    def build():
        torch.manual_seed(0)
        return MatMul(n).eval(), [torch.randn(n, n)], 2 * n ** 3
    return build


MODELS = {
    "rnn_b1": _rnn(1), "rnn_b16": _rnn(16),
    "mlp_b1": _factory("mlp", 1), "mlp_b64": _factory("mlp", 64),
    "seed_conv": _factory("seed_conv"),
    "resnet18_224": _factory("resnet18", 1, 224), "resnet18_64": _factory("resnet18", 1, 64),
    "encoder": _encoder,
    "elementwise": _factory("elementwise"),
    "lstm": _lstm,
    "matmul256": _matmul(256), "matmul512": _matmul(512), "matmul1024": _matmul(1024),
}
