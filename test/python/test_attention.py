"""scaled_dot_product_attention, nn.MultiheadAttention and nn.TransformerEncoderLayer
(their inference fast paths) against eager: no mask, bool and float
masks (broadcast over batch and heads, fully masked rows give 0), is_causal
(square and rectangular), scale=, 2-D/3-D/4-D inputs, float64, dynamic
batch; and the errors for what is refused (dropout_p, mask with is_causal,
grouped-query attention, bad mask dtype)."""
import pytest
import torch
import torch.nn.functional as F

import tsmlir
from conftest import check_against_eager
from tsmlir import TensorSpec
from tsmlir.importer.aten.matmul import MAX_BLOCKS, causal_blocks
from tsmlir.lowering.target import host_grants_amx


class Attention(torch.nn.Module):
    def forward(self, q, k, v, bool_mask, float_mask):
        return (F.scaled_dot_product_attention(q, k, v),
                F.scaled_dot_product_attention(q, k, v, attn_mask=bool_mask),
                F.scaled_dot_product_attention(q, k, v, attn_mask=float_mask),
                F.scaled_dot_product_attention(q, k, v, is_causal=True),
                F.scaled_dot_product_attention(q, k, v, scale=0.3))


def _inputs(batch, heads, lq, lk, e, ev, dtype=torch.float32):
    lead = [d for d in (batch, heads) if d is not None]
    q = torch.randn(*lead, lq, e, dtype=dtype)
    k = torch.randn(*lead, lk, e, dtype=dtype)
    v = torch.randn(*lead, lk, ev, dtype=dtype)
    bool_mask = torch.rand(lq, lk) > 0.4
    bool_mask[0] = False  # a fully masked row
    float_mask = torch.randn(*lead[:1], *([1] if heads else []), lq, lk, dtype=dtype)
    float_mask[..., -1, :] = float("-inf")
    return [q, k, v, bool_mask, float_mask]


@pytest.mark.parametrize("dims", [
    (2, 3, 4, 6, 8, 5),  # 4-D, rectangular causal (lq < lk)
    (2, None, 5, 5, 4, 4),  # 3-D
    (None, None, 3, 7, 2, 3),  # 2-D
    (1, 1, 1, 1, 1, 1),  # size-1 everything
    (2, 2, 6, 3, 4, 4),  # more queries than keys
], ids=str)
def test_sdpa(dims):
    check_against_eager(torch.jit.script(Attention()), _inputs(*dims))


def test_sdpa_float64():
    check_against_eager(torch.jit.script(Attention()), _inputs(2, 2, 3, 4, 5, 2, torch.float64))


@pytest.mark.parametrize("dims", [(2, 3, 48, 64, 32, 32), (2, None, 33, 77, 40, 24)], ids=str)
@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16], ids=str)
def test_sdpa_half(dtype, dims, tmp_path):
    """Half attention runs in float32 (scores and softmax unrounded, the
    weights rounded for the product with v, the output rounded once), as
    PyTorch's CPU kernels do: as close to the float64 truth as eager, every
    mask kind.  bfloat16 on AMX: the float32 products of the widened inputs
    are AMX products where the head size and key length are in steps of 32
    (else the float32 kernels, on the widened inputs)."""
    torch.manual_seed(0)
    inputs = _inputs(*dims, dtype)
    model = torch.jit.script(Attention())
    compiled = tsmlir.compile_module(model, inputs, dump_dir=str(tmp_path))
    with torch.no_grad():
        got, want = compiled(*inputs), model(*inputs)
        truth = model(*[x.double() if x.is_floating_point() else x for x in inputs])
    for g, w, t in zip(got, want, truth):
        assert g.dtype == dtype
        torch.testing.assert_close(g, w, rtol=2e-2, atol=2e-2)
        ours, eagers = (g.double() - t).abs().max(), (w.double() - t).abs().max()
        assert ours <= 1.5 * eagers + 1e-3, (ours, eagers)
    if dtype == torch.bfloat16 and host_grants_amx():
        kernel = (tmp_path / "2-tsm-linalg-to-loops.mlir").read_text()
        assert ("func.func private @tsm_amx_" in kernel) == (dims[-2] % 32 == 0)


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16], ids=str)
def test_sdpa_nan_propagates(dtype):
    """A NaN in a query makes its output row NaN, one in a key every row of
    its head, as in eager (the softmax's row max skips NaN, its sums do not)."""
    torch.manual_seed(2)
    q, k, v = (torch.randn(1, 2, 64, 32, dtype=dtype) for _ in range(3))
    q[0, 0, 5, 3] = float("nan")
    k[0, 1, 9, 0] = float("nan")
    model = torch.jit.script(Plain())
    got = tsmlir.compile_module(model, [q, k, v])(q, k, v)
    want = model(q, k, v)
    assert got[0, 0, 5].isnan().all() and got[0, 1].isnan().all()
    assert not got[0, 0, :5].isnan().any()
    torch.testing.assert_close(got, want, rtol=2e-2, atol=2e-2, equal_nan=True)


@pytest.mark.skipif(not host_grants_amx(), reason="the host has no AMX-BF16")
def test_causal_blocks_bfloat16_on_amx(tmp_path):
    """bfloat16 causal attention by blocks: each block widens its slices of
    q, k and v, so its products still see bfloat16 operands (AMX)."""
    torch.manual_seed(1)
    q, k, v = (torch.randn(1, 2, 128, 32).bfloat16() for _ in range(3))
    options = tsmlir.CompileOptions(dump_dir=str(tmp_path))
    compiled = tsmlir.compile_module(torch.jit.script(Causal()), [q, k, v], options=options)
    torch.testing.assert_close(compiled(q, k, v), Causal()(q, k, v), rtol=2e-2, atol=2e-2)
    kernel = (tmp_path / "2-tsm-linalg-to-loops.mlir").read_text()
    assert "linalg.matmul" not in kernel and kernel.count("call @tsm_amx_") >= 2 * len(
        causal_blocks(128))


class Plain(torch.nn.Module):
    def forward(self, q, k, v):
        return F.scaled_dot_product_attention(q, k, v)


def test_sdpa_dynamic_batch_and_sequence():
    def run(b, s):
        return [torch.randn(b, 2, s, 8), torch.randn(b, 2, s, 8), torch.randn(b, 2, s, 4)]
    specs = [TensorSpec((-1, 2, -1, 8)), TensorSpec((-1, 2, -1, 8)), TensorSpec((-1, 2, -1, 4))]
    check_against_eager(torch.jit.script(Plain()), run(2, 5), input_specs=specs,
                        runs=[run(1, 1), run(3, 9)])


def test_sdpa_broadcasts_batch_dims():
    q, k, v = torch.randn(2, 3, 4, 8), torch.randn(1, 3, 6, 8), torch.randn(1, 3, 6, 8)
    check_against_eager(torch.jit.script(Plain()), [q, k, v])


class Causal(torch.nn.Module):
    def forward(self, q, k, v):
        return F.scaled_dot_product_attention(q, k, v, is_causal=True)


@pytest.mark.parametrize("lead,lq,lk,dtype", [
    ((1, 4), 256, 256, torch.float32),  # 4 blocks of 64 query rows
    ((2, 3), 100, 300, torch.float32),  # fewer queries than keys: blocks of 48 and 52
    ((2, 3), 300, 100, torch.float32),  # more queries than keys: later blocks see them all
    ((3,), 130, 130, torch.float64),  # 3-D, float64: blocks of 48, 48 and 34
], ids=str)
def test_causal_blocks(lead, lq, lk, dtype, tmp_path):
    """Causal attention runs by blocks of query rows against the keys up to
    the block's last row (two products per block in the tsm IR)."""
    q = torch.randn(*lead, lq, 16, dtype=dtype)
    k, v = torch.randn(*lead, lk, 16, dtype=dtype), torch.randn(*lead, lk, 8, dtype=dtype)
    options = tsmlir.CompileOptions(dump_dir=str(tmp_path))
    compiled = tsmlir.compile_module(torch.jit.script(Causal()), [q, k, v], options=options)
    torch.testing.assert_close(compiled(q, k, v), Causal()(q, k, v), rtol=1e-4, atol=1e-4)
    blocks = causal_blocks(lq)
    assert len(blocks) > 1
    assert (tmp_path / "0-tsm.mlir").read_text().count('"tsm.matmul"') == 2 * len(blocks)


def test_causal_block_bounds():
    """Blocks cover the rows in order, multiples of 16 but the last, at
    most MAX_BLOCKS, none shorter than 16 rows; one block below 64 rows."""
    assert causal_blocks(63) == [(0, 63)]
    assert causal_blocks(100) == [(0, 48), (48, 100)]
    for rows in range(64, 3000, 37):
        blocks = causal_blocks(rows)
        assert blocks[0][0] == 0 and blocks[-1][1] == rows
        assert all(a[1] == b[0] for a, b in zip(blocks, blocks[1:]))
        assert all((r1 - r0) % 16 == 0 for r0, r1 in blocks[:-1])
        assert 1 < len(blocks) <= MAX_BLOCKS and all(r1 - r0 >= 16 for r0, r1 in blocks)


class Dropout(torch.nn.Module):
    def forward(self, q, k, v):
        return F.scaled_dot_product_attention(q, k, v, dropout_p=0.1)


class CausalAndMask(torch.nn.Module):
    def forward(self, q, k, v):
        return F.scaled_dot_product_attention(q, k, v, attn_mask=q[0] > 0, is_causal=True)


class Gqa(torch.nn.Module):
    def forward(self, q, k, v):
        return F.scaled_dot_product_attention(q, k, v, enable_gqa=True)


class IntMask(torch.nn.Module):
    def forward(self, q, k, v):
        return F.scaled_dot_product_attention(q, k, v, attn_mask=torch.ones(3, 3).long())


class DynamicCausal(torch.nn.Module):
    def forward(self, q, k, v):
        return F.scaled_dot_product_attention(q, k, v, is_causal=True)


@pytest.mark.parametrize("module,q_shape,message", [
    (Dropout(), (2, 3, 4), "dropout_p=0.1 is not supported"),
    (CausalAndMask(), (2, 3, 4), "attn_mask must not be set when is_causal=True"),
    (Gqa(), (1, 4, 3, 4), "enable_gqa with fewer key/value heads"),
    (IntMask(), (2, 3, 4), "attn_mask must be bool or of the query's dtype"),
    (DynamicCausal(), (2, -1, 4), "is_causal needs static sequence lengths"),
], ids=["dropout", "causal_mask", "gqa", "int_mask", "dynamic_causal"])
def test_sdpa_errors(module, q_shape, message):
    kv_shape = q_shape[:-3] + (2,) + q_shape[-2:] if len(q_shape) == 4 else q_shape
    specs = [TensorSpec(q_shape), TensorSpec(kv_shape), TensorSpec(kv_shape)]
    with pytest.raises(tsmlir.TorchScriptImportError, match=message) as err:
        tsmlir.compile_module(torch.jit.script(module), input_specs=specs)
    assert err.value.loc.file == __file__


class Mha(torch.nn.Module):
    """nn.MultiheadAttention: self-attention takes the inference fast path
    (aten::_native_multi_head_attention), cross-attention the functional
    slow path."""

    def __init__(self, need_weights: bool, average: bool, cross: bool = False):
        super().__init__()
        self.mha = torch.nn.MultiheadAttention(16, 2, batch_first=True)
        self.need_weights, self.average, self.cross = need_weights, average, cross

    def forward(self, x, y):
        kv = y if self.cross else x
        out, weights = self.mha(x, kv, kv, need_weights=self.need_weights,
                                average_attn_weights=self.average)
        return out if weights is None else out + weights.sum(-1, keepdim=True)


@pytest.mark.parametrize("need_weights,average,cross", [
    (False, True, False), (True, True, False), (True, False, False), (False, True, True),
    (True, True, True)], ids=["self", "self_averaged", "self_per_head", "cross", "cross_averaged"])
def test_multihead_attention(need_weights, average, cross):
    check_against_eager(torch.jit.script(Mha(need_weights, average, cross).eval()),
                        [torch.randn(2, 5, 16), torch.randn(2, 7, 16)])


def test_multihead_attention_dynamic_batch_and_length():
    specs = [TensorSpec((-1, -1, 16)), TensorSpec((1,))]
    check_against_eager(torch.jit.script(Mha(True, True).eval()),
                        [torch.randn(2, 5, 16), torch.randn(1)], input_specs=specs,
                        runs=[[torch.randn(1, 1, 16), torch.randn(1)],
                              [torch.randn(3, 4, 16), torch.randn(1)]])


class MaskedMha(torch.nn.Module):
    """A key padding mask sends nn.MultiheadAttention down its functional path."""

    def __init__(self):
        super().__init__()
        self.mha = torch.nn.MultiheadAttention(16, 2, batch_first=True)

    def forward(self, x, mask):
        return self.mha(x, x, x, key_padding_mask=mask, need_weights=False)[0]


def test_multihead_attention_float_key_padding_mask():
    mask = torch.zeros(2, 5)
    mask[0, 3:] = float("-inf")
    check_against_eager(torch.jit.script(MaskedMha().eval()), [torch.randn(2, 5, 16), mask])


class NativeMhaWithMask(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.mha = torch.nn.MultiheadAttention(16, 2, batch_first=True)

    def forward(self, x, mask):
        return torch._native_multi_head_attention(
            x, x, x, 16, 2, self.mha.in_proj_weight, self.mha.in_proj_bias,
            self.mha.out_proj.weight, self.mha.out_proj.bias, mask, False, True, 1)[0]


def test_native_multihead_attention_key_padding_mask():
    mask = torch.rand(2, 5) > 0.5
    mask[:, 0] = False  # every query attends to at least one key
    check_against_eager(torch.jit.script(NativeMhaWithMask().eval()), [torch.randn(2, 5, 16), mask])


@pytest.mark.parametrize("activation,norm_first", [("relu", False), ("gelu", True)], ids=str)
def test_transformer_encoder_layer(activation, norm_first):
    layer = torch.nn.TransformerEncoderLayer(16, 2, 32, batch_first=True, activation=activation,
                                             norm_first=norm_first).eval()
    check_against_eager(torch.jit.script(layer), [torch.randn(2, 5, 16)],
                        input_specs=[TensorSpec((-1, -1, 16))],
                        runs=[[torch.randn(3, 1, 16)], [torch.randn(1, 9, 16)]])


class DecoderWithMask(torch.nn.Module):
    """nn.TransformerDecoder with a target mask, given or built in forward:
    TorchScript's _detect_is_causal_mask compares it with the causal mask at
    run time, which would make the attention mask None on one path only."""

    def __init__(self, build_mask: bool):
        super().__init__()
        layer = torch.nn.TransformerDecoderLayer(16, 2, 32, dropout=0.0, batch_first=True)
        self.decoder = torch.nn.TransformerDecoder(layer, 2)
        self.build_mask = build_mask

    def forward(self, tgt, memory, mask):
        if self.build_mask:
            t = tgt.size(1)
            mask = torch.triu(torch.full((t, t), float("-inf")), 1)
        return self.decoder(tgt, memory, tgt_mask=mask)


@pytest.mark.parametrize("build_mask", [False, True])
def test_transformer_decoder_with_a_mask(build_mask):
    causal = torch.triu(torch.full((5, 5), float("-inf")), 1)
    other = torch.zeros(5, 5)
    other[:, 3] = float("-inf")
    module = torch.jit.script(DecoderWithMask(build_mask).eval())
    check_against_eager(module, [torch.randn(2, 5, 16), torch.randn(2, 7, 16), causal],
                        runs=[[torch.randn(2, 5, 16), torch.randn(2, 7, 16), other]])


class EncoderWithMask(torch.nn.Module):
    def __init__(self):
        super().__init__()
        layer = torch.nn.TransformerEncoderLayer(16, 2, 32, dropout=0.0, batch_first=True)
        self.encoder = torch.nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)

    def forward(self, x, mask):
        return self.encoder(x, mask=mask)


def test_transformer_encoder_with_a_mask():
    causal = torch.nn.Transformer.generate_square_subsequent_mask(6)
    check_against_eager(torch.jit.script(EncoderWithMask().eval()), [torch.randn(2, 6, 16), causal],
                        runs=[[torch.randn(2, 6, 16), torch.zeros(6, 6)]])


class HeadsByHand(torch.nn.Module):
    """Attention written with reshapes, transposes and matmuls (bench's
    encoder block): head split of a fused qkv, k^T, softmax, head merge."""

    def __init__(self, heads: int):
        super().__init__()
        self.heads = heads

    def forward(self, qkv):
        s, h = qkv.size(0), self.heads
        d = qkv.size(1) // 3
        q, k, v = qkv.chunk(3, dim=-1)
        q = q.reshape(s, h, d // h).transpose(0, 1)
        k = k.reshape(s, h, d // h).transpose(0, 1)
        v = v.reshape(s, h, d // h).transpose(0, 1)
        att = torch.softmax(q @ k.transpose(1, 2) / 8.0, dim=-1)
        return (att @ v).transpose(0, 1).reshape(s, d)


@pytest.mark.parametrize("seq,d,heads", [(128, 256, 4), (37, 39, 3), (1, 8, 2), (5, 6, 1)],
                         ids=str)
@pytest.mark.parametrize("threads", [1, 2])
def test_heads_by_hand(seq, d, heads, threads):
    qkv = torch.randn(seq, 3 * d)
    module = torch.jit.script(HeadsByHand(heads))
    compiled = tsmlir.compile_module(module, [qkv], options=tsmlir.CompileOptions(threads=threads))
    torch.testing.assert_close(compiled(qkv), module(qkv), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("threads", [1, 2])
def test_heads_by_hand_dynamic_sequence(threads):
    # 2 threads: the loop over the heads is shared (dynamic sizes: unknown work)
    module = torch.jit.script(HeadsByHand(4))
    compiled = tsmlir.compile_module(module, input_specs=[TensorSpec((-1, 72))],
                                     options=tsmlir.CompileOptions(threads=threads))
    for s in (9, 1, 40, 0):
        qkv = torch.randn(s, 72)
        torch.testing.assert_close(compiled(qkv), module(qkv), rtol=1e-4, atol=1e-5)


class ProbsToo(torch.nn.Module):
    """Attention returning its probabilities as well: the normalized
    probabilities are needed, so they are not folded into the product."""

    def forward(self, q, k, v):
        att = torch.softmax(q @ k.transpose(1, 2) * 0.25, dim=-1)
        return att @ v, att


@pytest.mark.parametrize("b,s,d", [(3, 17, 5), (1, 1, 1)], ids=str)
def test_attention_probabilities_returned(b, s, d):
    inputs = [torch.randn(b, s, d), torch.randn(b, s + 2, d), torch.randn(b, s + 2, d + 1)]
    check_against_eager(torch.jit.script(ProbsToo()), inputs)


class BatchedHeadsByHand(torch.nn.Module):
    """HeadsByHand with a batch dim: (B, S, 3D) -> (B, H, S, D/H) heads."""

    def __init__(self, heads: int):
        super().__init__()
        self.heads = heads

    def forward(self, qkv):
        bsz, s, h = qkv.size(0), qkv.size(1), self.heads
        d = qkv.size(2) // 3
        q, k, v = qkv.chunk(3, dim=-1)
        q = q.reshape(bsz, s, h, d // h).transpose(1, 2)
        k = k.reshape(bsz, s, h, d // h).transpose(1, 2)
        v = v.reshape(bsz, s, h, d // h).transpose(1, 2)
        att = torch.softmax(q @ k.transpose(-2, -1) / 8.0, dim=-1)
        return (att @ v).transpose(1, 2).reshape(bsz, s, d)


@pytest.mark.parametrize("bsz,seq,d,heads", [(2, 37, 39, 3), (1, 64, 32, 4), (3, 1, 8, 2)],
                         ids=str)
@pytest.mark.parametrize("threads", [1, 2])
def test_batched_heads_by_hand(bsz, seq, d, heads, threads):
    qkv = torch.randn(bsz, seq, 3 * d)
    module = torch.jit.script(BatchedHeadsByHand(heads))
    compiled = tsmlir.compile_module(module, [qkv], options=tsmlir.CompileOptions(threads=threads))
    torch.testing.assert_close(compiled(qkv), module(qkv), rtol=1e-4, atol=1e-5)


def test_batched_heads_by_hand_dynamic():
    module = torch.jit.script(BatchedHeadsByHand(2))
    compiled = tsmlir.compile_module(module, input_specs=[TensorSpec((-1, -1, 48))],
                                     options=tsmlir.CompileOptions(threads=2))
    for bsz, s in ((2, 9), (1, 1), (3, 20), (0, 4)):
        qkv = torch.randn(bsz, s, 48)
        torch.testing.assert_close(compiled(qkv), module(qkv), rtol=1e-4, atol=1e-5)
