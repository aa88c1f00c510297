"""Audit of common layer patterns for performance cliffs (tsmlir vs eager).

    python bench/cliffs.py [--patterns linear_rt2d,softmax_dim1] [--threads 1]
                           [--min-time 0.2]

Each pattern is one small module of a layer people write (realistic sizes,
run-time operands where that is the point: a weight that is a forward
argument, not a parameter).  Prints median ms of eager and tsmlir, their
ratio (tsmlir / eager, lower is better; above ~2 is a cliff worth a look)
and whether the outputs match.  A bench script, not a test: timings on a
shared machine are noisy, so compare ratios from one run.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tsmlir  # noqa: E402
from tsmlir.runtime.native_libs import keep_freed_memory  # noqa: E402
from run import first_tensor, timed_block  # noqa: E402


# Scriptable forwards, one class per pattern (TorchScript needs real methods).
class LinearRT(nn.Module):
    def forward(self, x, w, b):
        return F.linear(x, w, b)


class LinearRTNoBias(nn.Module):
    def forward(self, x, w):
        return F.linear(x, w)


class MatmulWT(nn.Module):
    def forward(self, x, w):
        return x @ w.t()


class BmmBT(nn.Module):
    def forward(self, q, k):
        return torch.bmm(q, k.transpose(1, 2))


class BmmAT(nn.Module):
    def forward(self, a, b):
        return torch.bmm(a.transpose(1, 2), b)


class Matmul4dBT(nn.Module):
    def forward(self, q, k):
        return q @ k.transpose(-2, -1)


class ConvRT(nn.Module):
    def forward(self, x, w, b):
        return F.conv2d(x, w, b, padding=1)


class DepthwiseRT(nn.Module):
    def forward(self, x, w):
        return F.conv2d(x, w, padding=1, groups=x.shape[1])


class AvgPool(nn.Module):
    def forward(self, x):
        return F.avg_pool2d(x, 2)


class AvgPool3s1(nn.Module):
    def forward(self, x):
        return F.avg_pool2d(x, 3, 1, 1)


class AdaptiveAvg(nn.Module):
    def forward(self, x):
        return F.adaptive_avg_pool2d(x, 1)


class AdaptiveAvg7(nn.Module):
    def forward(self, x):
        return F.adaptive_avg_pool2d(x, 7)


class LayerNormRT(nn.Module):
    def forward(self, x, w, b):
        return F.layer_norm(x, [x.shape[-1]], w, b)


class Softmax(nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return torch.softmax(x, self.dim)


class Sum0(nn.Module):
    def forward(self, x):
        return x.sum(0)


class Mean1(nn.Module):
    def forward(self, x):
        return x.mean(1)


class Transpose2d(nn.Module):
    def forward(self, x):
        return x.t().contiguous()


class HeadsMerge(nn.Module):
    def forward(self, x):
        return x.transpose(1, 2).contiguous()


class Cat(nn.Module):
    def forward(self, a, b):
        return torch.cat([a, b], 1)


class Embedding(nn.Module):
    def forward(self, idx, table):
        return F.embedding(idx, table)


class IndexSelect(nn.Module):
    def forward(self, x, idx):
        return torch.index_select(x, 0, idx)


class BatchNormRT(nn.Module):
    def forward(self, x, mean, var, w, b):
        return F.batch_norm(x, mean, var, w, b, False, 0.1, 1e-5)


class GroupNorm(nn.Module):
    def forward(self, x, w, b):
        return F.group_norm(x, 8, w, b)


class MaxDim(nn.Module):
    def forward(self, x):
        return x.amax(1)


class Conv1dRT(nn.Module):
    def forward(self, x, w):
        return F.conv1d(x, w, padding=1)


class Gelu(nn.Module):
    def forward(self, x):
        return F.gelu(x)


class EinsumAttn(nn.Module):
    def forward(self, q, k):
        return torch.einsum("bhqd,bhkd->bhqk", q, k)


class Matmul3d2d(nn.Module):
    def forward(self, x, w):
        return x @ w


class MaxPool(nn.Module):
    def forward(self, x):
        return F.max_pool2d(x, 3, 2, 1)


class Upsample(nn.Module):
    def forward(self, x):
        return F.interpolate(x, scale_factor=2.0, mode="nearest")


class PadReflect(nn.Module):
    def forward(self, x):
        return F.pad(x, [1, 1, 1, 1], mode="reflect")


class Cumsum(nn.Module):
    def forward(self, x):
        return torch.cumsum(x, -1)


class Argmax(nn.Module):
    def forward(self, x):
        return torch.argmax(x, -1)


class Einsum(nn.Module):
    def __init__(self, equation: str):
        super().__init__()
        self.equation = equation

    def forward(self, a, b):
        return torch.einsum(self.equation, a, b)


class MatmulRT(nn.Module):
    def forward(self, a, b):
        return a @ b


class MaskedSoftmax(nn.Module):
    def forward(self, s, lengths):
        keep = torch.arange(s.size(-1)).unsqueeze(0) < lengths.unsqueeze(1)
        return torch.softmax(s.masked_fill(~keep.unsqueeze(1), float("-inf")), -1)


class WhereMask(nn.Module):
    def forward(self, mask, x, y):
        return torch.where(mask, x.exp(), y)


class GatherDim(nn.Module):
    def forward(self, x, idx):
        return torch.gather(x, 1, idx)


class ScatterAdd(nn.Module):
    def forward(self, src, idx):
        return torch.zeros(1024, src.shape[1]).index_add_(0, idx, src)


class TopK(nn.Module):
    def forward(self, x):
        return torch.topk(x, 10, -1)[0]


class Sort(nn.Module):
    def forward(self, x):
        return torch.sort(x, -1)[0]


class CausalSDPA(nn.Module):
    def forward(self, q, k, v):
        return F.scaled_dot_product_attention(q, k, v, is_causal=True)


class Rope(nn.Module):
    def forward(self, x, inv_freq):
        t = torch.arange(x.shape[-2], dtype=torch.float32)
        freqs = torch.outer(t, inv_freq)
        emb = torch.cat((freqs, freqs), -1)
        x1, x2 = x.chunk(2, -1)
        return x * emb.cos() + torch.cat((-x2, x1), -1) * emb.sin()


class FakeQuant(nn.Module):
    def forward(self, x):
        return torch.clamp(torch.round(x / 0.05), -128, 127) * 0.05


class Cdist(nn.Module):
    def forward(self, x, c):
        return torch.cdist(x, c)


class Unfold(nn.Module):
    def forward(self, x):
        return F.unfold(x, 3, padding=1)


class Baddbmm(nn.Module):
    def forward(self, s, a, b):
        return torch.baddbmm(s, a, b)


class Mv(nn.Module):
    def forward(self, m, v):
        return torch.mv(m, v)


class UNetUp(nn.Module):
    """A U-Net decoder step: 2x2 stride-2 upsampling, the skip concatenated,
    two 3x3 conv + batch norm + ReLU."""
    def __init__(self):
        super().__init__()
        self.up = nn.ConvTranspose2d(128, 64, 2, 2)
        self.conv = nn.Sequential(nn.Conv2d(128, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
                                  nn.Conv2d(64, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU())

    def forward(self, x, skip):
        return self.conv(torch.cat([self.up(x), skip], 1))


class MBConvTail(nn.Module):
    """MobileNetV3: 5x5 depthwise, hardswish, 1x1 projection to fewer channels."""
    def __init__(self):
        super().__init__()
        self.dw = nn.Conv2d(96, 96, 5, padding=2, groups=96)
        self.pw = nn.Conv2d(96, 40, 1)

    def forward(self, x):
        return self.pw(F.hardswish(self.dw(x)))


class GridSample(nn.Module):
    def forward(self, x, grid):
        return F.grid_sample(x, grid, align_corners=False)


class Median(nn.Module):
    def forward(self, x):
        return torch.median(x, -1)[0]


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.up, self.down = nn.Linear(512, 2048), nn.Linear(2048, 512)

    def forward(self, x):
        return self.down(F.gelu(self.up(x)))


class SDPA(nn.Module):
    def forward(self, q, k, v):
        return F.scaled_dot_product_attention(q, k, v)


class SqueezeExcite(nn.Module):
    def __init__(self, c: int = 256):
        super().__init__()
        self.f1, self.f2 = nn.Conv2d(c, c // 16, 1), nn.Conv2d(c // 16, c, 1)

    def forward(self, x):
        g = self.f2(F.relu(self.f1(x.mean((2, 3), keepdim=True))))
        return x * torch.sigmoid(g)


class SwiGLU(nn.Module):
    def __init__(self, d: int = 512, h: int = 1376):
        super().__init__()
        self.gate, self.up = nn.Linear(d, h, bias=False), nn.Linear(d, h, bias=False)
        self.down = nn.Linear(h, d, bias=False)

    def forward(self, x):
        return self.down(F.silu(self.gate(x)) * self.up(x))


class SelfAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.mha = nn.MultiheadAttention(256, 4, batch_first=True)

    def forward(self, x):
        return self.mha(x, x, x, need_weights=False)[0]


class ConvNeXtBlock(nn.Module):
    def __init__(self, c: int = 96):
        super().__init__()
        self.dw, self.norm = nn.Conv2d(c, c, 7, padding=3, groups=c), nn.LayerNorm(c)
        self.up, self.down = nn.Linear(c, 4 * c), nn.Linear(4 * c, c)

    def forward(self, x):
        y = self.norm(self.dw(x).permute(0, 2, 3, 1))
        return x + self.down(F.gelu(self.up(y))).permute(0, 3, 1, 2)


class PatchEmbed(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Conv2d(3, 768, 16, 16)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)


class LogSumExp(nn.Module):
    def forward(self, x):
        return torch.logsumexp(x, -1)


class MeanHW(nn.Module):
    def forward(self, x):
        return x.mean((2, 3))


def _half(module: nn.Module, dtype: torch.dtype) -> nn.Module:
    return module.to(dtype).eval()


def _r(*shape):
    return torch.randn(*shape)


#: name -> (module, inputs); sizes of real layers (BERT-base, ResNet, MobileNet).
PATTERNS = {
    "linear_rt2d": lambda: (LinearRT(), [_r(128, 768), _r(768, 768), _r(768)]),
    "linear_rt3d": lambda: (LinearRT(), [_r(8, 64, 768), _r(768, 768), _r(768)]),
    "linear_rt_nobias": lambda: (LinearRTNoBias(), [_r(128, 768), _r(3072, 768)]),
    "linear_rt_b1": lambda: (LinearRT(), [_r(1, 1024), _r(1024, 1024), _r(1024)]),
    "linear_rt_b4": lambda: (LinearRT(), [_r(4, 1024), _r(1024, 1024), _r(1024)]),
    "linear_rt_b8": lambda: (LinearRT(), [_r(8, 1024), _r(1024, 1024), _r(1024)]),
    "linear_rt_b16": lambda: (LinearRT(), [_r(16, 1024), _r(1024, 1024), _r(1024)]),
    "linear_rt_b32": lambda: (LinearRT(), [_r(32, 1024), _r(1024, 1024), _r(1024)]),
    "linear_rt_1d": lambda: (LinearRT(), [_r(1024), _r(1024, 1024), _r(1024)]),
    "x_at_wt": lambda: (MatmulWT(), [_r(128, 768), _r(768, 768)]),
    "bmm_bt": lambda: (BmmBT(), [_r(48, 128, 64), _r(48, 128, 64)]),
    "bmm_at": lambda: (BmmAT(), [_r(16, 128, 64), _r(16, 128, 64)]),
    "matmul4d_bt": lambda: (Matmul4dBT(), [_r(4, 12, 128, 64), _r(4, 12, 128, 64)]),
    "conv2d_rt": lambda: (ConvRT(), [_r(1, 64, 56, 56), _r(64, 64, 3, 3), _r(64)]),
    "depthwise_rt": lambda: (DepthwiseRT(), [_r(1, 144, 56, 56), _r(144, 1, 3, 3)]),
    "depthwise": lambda: (nn.Conv2d(144, 144, 3, padding=1, groups=144).eval(),
                          [_r(1, 144, 56, 56)]),
    "avg_pool2d": lambda: (AvgPool(), [_r(8, 64, 56, 56)]),
    "avg_pool3s1": lambda: (AvgPool3s1(), [_r(8, 64, 28, 28)]),
    "adaptive_avg1": lambda: (AdaptiveAvg(), [_r(32, 512, 7, 7)]),
    "adaptive_avg7": lambda: (AdaptiveAvg7(), [_r(8, 256, 14, 14)]),
    "layer_norm": lambda: (LayerNormRT(), [_r(8, 128, 768), _r(768), _r(768)]),
    "softmax_last": lambda: (Softmax(-1), [_r(8, 12, 128, 128)]),
    "softmax_dim1": lambda: (Softmax(1), [_r(32, 1000, 49)]),
    "sum_dim0": lambda: (Sum0(), [_r(2048, 1024)]),
    "mean_dim1": lambda: (Mean1(), [_r(8, 1024, 256)]),
    "transpose2d": lambda: (Transpose2d(), [_r(1024, 2048)]),
    "heads_merge": lambda: (HeadsMerge(), [_r(8, 12, 128, 64)]),
    "cat_dim1": lambda: (Cat(), [_r(8, 128, 28, 28), _r(8, 128, 28, 28)]),
    "embedding": lambda: (Embedding(), [torch.randint(0, 30000, (8, 128)), _r(30000, 768)]),
    "index_select": lambda: (IndexSelect(), [_r(30000, 768), torch.randint(0, 30000, (1024,))]),
    "group_norm": lambda: (GroupNorm(), [_r(8, 64, 28, 28), _r(64), _r(64)]),
    "amax_dim1": lambda: (MaxDim(), [_r(8, 512, 196)]),
    "conv1d_rt": lambda: (Conv1dRT(), [_r(8, 128, 256), _r(128, 128, 3)]),
    "gelu": lambda: (Gelu(), [_r(8, 128, 3072)]),
    "einsum_attn": lambda: (EinsumAttn(), [_r(4, 12, 128, 64), _r(4, 12, 128, 64)]),
    "matmul3d2d_rt": lambda: (Matmul3d2d(), [_r(8, 128, 768), _r(768, 768)]),
    "max_pool2d": lambda: (MaxPool(), [_r(8, 64, 112, 112)]),
    "upsample2x": lambda: (Upsample(), [_r(8, 64, 56, 56)]),
    "pad_reflect": lambda: (PadReflect(), [_r(8, 64, 56, 56)]),
    "cumsum_last": lambda: (Cumsum(), [_r(64, 4096)]),
    "argmax_last": lambda: (Argmax(), [_r(256, 1000)]),
    "batch_norm_rt": lambda: (BatchNormRT(), [_r(8, 64, 56, 56), _r(64), _r(64).abs() + 0.5,
                                              _r(64), _r(64)]),
    # nn.LSTM / nn.GRU modules (eager runs its own fused C++ loop, not op by op)
    "lstm_module": lambda: (nn.LSTM(256, 256, batch_first=True).eval(), [_r(1, 50, 256)]),
    "lstm2_b16": lambda: (nn.LSTM(128, 256, num_layers=2).eval(), [_r(50, 16, 128)]),
    "gru_bidir": lambda: (nn.GRU(128, 128, bidirectional=True, batch_first=True).eval(),
                          [_r(8, 40, 128)]),
    "einsum_bnd_dk": lambda: (Einsum("bnd,dk->bnk"), [_r(8, 128, 256), _r(256, 512)]),
    "einsum_moe": lambda: (Einsum("nd,edf->nef"), [_r(256, 128), _r(4, 128, 32)]),
    "einsum_pv": lambda: (Einsum("bhqk,bkhd->bqhd"), [_r(2, 8, 128, 128), _r(2, 128, 8, 64)]),
    "mqa_scores": lambda: (MatmulRT(), [_r(4, 12, 128, 64), _r(4, 1, 64, 128)]),
    "masked_softmax": lambda: (MaskedSoftmax(), [_r(8, 128, 128), torch.randint(1, 129, (8,))]),
    "where_mask": lambda: (WhereMask(), [torch.rand(8, 128, 768) > 0.5, _r(8, 128, 768),
                                         _r(8, 128, 768)]),
    "gather_dim1": lambda: (GatherDim(), [_r(256, 1000), torch.randint(0, 1000, (256, 100))]),
    "index_add": lambda: (ScatterAdd(), [_r(8192, 64), torch.randint(0, 1024, (8192,))]),
    "topk": lambda: (TopK(), [_r(256, 1000)]),
    "sort": lambda: (Sort(), [_r(64, 1024)]),
    "sdpa_causal": lambda: (CausalSDPA(), [_r(1, 8, 256, 64), _r(1, 8, 256, 64),
                                           _r(1, 8, 256, 64)]),
    "rope": lambda: (Rope(), [_r(1, 8, 512, 64), 1.0 / (10000 ** (torch.arange(0, 64, 2) / 64.0))]),
    "softmax_nchw": lambda: (Softmax(1), [_r(1, 21, 128, 128)]),
    "fake_quant": lambda: (FakeQuant(), [_r(8, 128, 768)]),
    "cdist": lambda: (Cdist(), [_r(4096, 16), _r(64, 16)]),
    "unfold": lambda: (Unfold(), [_r(1, 64, 56, 56)]),
    # session 13: grouped and transposed convolutions, products with an
    # addend or a vector, pools, samplers and half-precision layers
    "grouped_conv32": lambda: (nn.Conv2d(128, 128, 3, padding=1, groups=32).eval(),
                               [_r(1, 128, 28, 28)]),
    "grouped_conv4": lambda: (nn.Conv2d(128, 128, 3, padding=1, groups=4).eval(),
                              [_r(1, 128, 28, 28)]),
    "conv_transpose_s2": lambda: (nn.ConvTranspose2d(64, 32, 4, 2, 1).eval(),
                                  [_r(1, 64, 28, 28)]),
    "baddbmm": lambda: (Baddbmm(), [_r(16, 128, 128), _r(16, 128, 64), _r(16, 64, 128)]),
    "mv": lambda: (Mv(), [_r(2048, 2048), _r(2048)]),
    "adaptive_max7": lambda: (nn.AdaptiveMaxPool2d(7).eval(), [_r(4, 256, 28, 28)]),
    "grid_sample": lambda: (GridSample(), [_r(1, 32, 64, 64), torch.rand(1, 64, 64, 2) * 2 - 1]),
    "median_rows": lambda: (Median(), [_r(4096, 16)]),
    "mlp_bf16": lambda: (_half(MLP(), torch.bfloat16), [_r(64, 512).bfloat16()]),
    "layer_norm_bf16": lambda: (_half(nn.LayerNorm(768), torch.bfloat16),
                                [_r(8, 128, 768).bfloat16()]),
    "sdpa_f16": lambda: (SDPA(), [_r(1, 8, 256, 64).half() for _ in range(3)]),
    # session 17: blocks of common architectures and hand-written reductions
    "mean_hw": lambda: (MeanHW(), [_r(8, 256, 28, 28)]),
    "se_block": lambda: (SqueezeExcite().eval(), [_r(8, 256, 28, 28)]),
    "swiglu": lambda: (SwiGLU().eval(), [_r(1, 128, 512)]),
    "mha": lambda: (SelfAttention().eval(), [_r(4, 128, 256)]),
    "encoder_layer": lambda: (nn.TransformerEncoderLayer(256, 4, 1024, batch_first=True).eval(),
                              [_r(4, 128, 256)]),
    "convnext_block": lambda: (ConvNeXtBlock().eval(), [_r(1, 96, 56, 56)]),
    "patch_embed": lambda: (PatchEmbed().eval(), [_r(1, 3, 224, 224)]),
    "instance_norm": lambda: (nn.InstanceNorm2d(64).eval(), [_r(8, 64, 56, 56)]),
    "bilinear2x": lambda: (nn.Upsample(scale_factor=2.0, mode="bilinear").eval(),
                           [_r(8, 64, 56, 56)]),
    "logsumexp": lambda: (LogSumExp(), [_r(4096, 1000)]),
    # session 18: decoders, projections
    "conv_transpose_k3": lambda: (nn.ConvTranspose2d(64, 32, 3, 2, 1, 1).eval(),
                                  [_r(1, 64, 28, 28)]),
    "unet_up": lambda: (UNetUp().eval(), [_r(1, 128, 28, 28), _r(1, 64, 56, 56)]),
    "pointwise_proj": lambda: (nn.Conv2d(144, 24, 1).eval(), [_r(1, 144, 56, 56)]),
    "mbconv_tail": lambda: (MBConvTail().eval(), [_r(1, 96, 28, 28)]),
}


def run_pattern(name: str, min_time: float) -> dict:
    model, inputs = PATTERNS[name]()
    row = {"name": name}
    with torch.inference_mode():
        expected = first_tensor(model(*inputs))
        try:
            start = time.perf_counter()
            fn = tsmlir.compile_module(model, inputs)
            row["compile_s"] = time.perf_counter() - start
            got = first_tensor(fn(*inputs))
            # half results: a rounding of theirs apart (eager's own order)
            tol = {torch.bfloat16: 2e-2, torch.float16: 2e-3}.get(expected.dtype, 1e-3)
            row["ok"] = bool(torch.allclose(got, expected, rtol=tol, atol=tol))
            # Interleave the peers twice; keep each one's best median.
            eager, ours = [], []
            for _ in range(3):  # warm-up
                model(*inputs)
                fn(*inputs)
            for _ in range(2):
                eager.append(statistics.median(timed_block(model, inputs, min_time, 200)) * 1000)
                ours.append(statistics.median(timed_block(fn, inputs, min_time, 200)) * 1000)
            row["eager"], row["tsmlir"] = min(eager), min(ours)
        except Exception as e:  # a pattern the compiler refuses is reported, not fatal
            row["error"] = f"{type(e).__name__}: {str(e).splitlines()[0][:100]}"
    return row


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--patterns", default=",".join(PATTERNS))
    ap.add_argument("--threads", default="1")
    ap.add_argument("--min-time", type=float, default=0.2)
    args = ap.parse_args(argv)
    keep_freed_memory()
    print(f"{'pattern':18s} thr {'eager ms':>9s} {'tsmlir ms':>10s} {'ratio':>7s}  compile")
    for threads in (int(t) for t in args.threads.split(",")):
        torch.set_num_threads(threads)
        for name in args.patterns.split(","):
            row = run_pattern(name, args.min_time)
            if "error" in row:
                print(f"{name:18s} t={threads} {row['error']}")
                continue
            mark = "" if row["ok"] else "  WRONG"
            print(f"{name:18s} t={threads} {row['eager']:9.3f} {row['tsmlir']:10.3f} "
                  f"{row['tsmlir'] / row['eager']:7.2f}  {row['compile_s']:.2f}s{mark}",
                  flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
