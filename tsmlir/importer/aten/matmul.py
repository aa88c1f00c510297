"""aten matmul, attention and RNN-cell ops -> tsm.matmul/linear/addmm/einsum
(and, for the composite ones, chains of existing tsm ops).

aten::matmul maps to tsm.matmul as is; the ops with stricter ranks (mm, bmm,
mv, dot, baddbmm, addmv) check them here, so that a wrong rank is reported as
PyTorch would rather than silently taking matmul's more general meaning.
addmm/baddbmm/addmv's beta and alpha must be compile-time numbers; addbmm is
an addmm over the merged (batch, k) dim; outer is a broadcasting mul.
bilinear is a matmul against its weight laid out (in1, out * in2), then a
multiply by input2 and a sum.  einsum is written in tsm.einsum's explicit form (ellipses as fresh letters)
and contracted pairwise, left to right.

Composite ops decompose: scaled_dot_product_attention (matmul, softmax,
matmul, PyTorch's masking rules; causal attention by blocks of query rows,
each against the keys up to its last row: `causal_blocks`), lstm_cell /
gru_cell (one addmm per gate from constant weights split at compile time,
else linear + slices), and the inference fast paths of
nn.MultiheadAttention / nn.TransformerEncoderLayer.

aten::linear with a constant weight (a parameter) is pre-packed at import:
the weight becomes a transposed constant, so the product is a plain matmul
(addmm with the bias for a 2-D input, matmul then add otherwise) and no
transpose runs at all at run time.  Other weights keep tsm.linear.
"""
from __future__ import annotations

import math
import string

import torch

from mlir import ir

from ...dialects import REGISTRY
from ...dialects.types import DYN
from ...lowering.kernel_emit import ceil_div
from ..context import NodeContext
from ..values import DynSize
from .elementwise import cast
from .shape import reshape_to


def _tensors(cx: NodeContext, *values):
    for v in values:
        if not isinstance(v, ir.Value):
            cx.fail(f"expected tensor operands, got {type(v).__name__}")


def _check_ranks(cx: NodeContext, name: str, lhs, rhs, ranks: tuple[int, int]):
    _tensors(cx, lhs, rhs)
    if (cx.type(lhs).rank, cx.type(rhs).rank) != ranks:
        cx.fail(f"{name} expects {'-D and '.join(map(str, ranks))}-D tensors, "
                f"got {cx.type(lhs)} and {cx.type(rhs)}")


def _ranked(name: str, *ranks: int):
    """A handler for a tsm.matmul whose operands must have exactly `ranks`."""
    def handler(cx: NodeContext, lhs, rhs):
        _check_ranks(cx, name, lhs, rhs, ranks)
        return cx.build("matmul", lhs, rhs)
    return handler


def _matmul(cx: NodeContext, lhs, rhs):
    _tensors(cx, lhs, rhs)
    return cx.build("matmul", lhs, rhs)


def _bmm(cx: NodeContext, lhs, rhs):
    _check_ranks(cx, "bmm", lhs, rhs, (3, 3))
    # bmm does not broadcast: a static batch of 1 against another size is an error.
    b1, b2 = cx.type(lhs).shape[0], cx.type(rhs).shape[0]
    if DYN not in (b1, b2) and b1 != b2:
        cx.fail(f"batch sizes differ: {cx.type(lhs)} and {cx.type(rhs)}")
    return cx.build("matmul", lhs, rhs)


def _linear(cx: NodeContext, x, weight, bias=None):
    _tensors(cx, x, weight, *([] if bias is None else [bias]))
    w = cx.importer.tensors.get(weight)
    if w is None or w.dim() != 2 or cx.type(x).rank < 1:
        return cx.build("linear", x, weight, bias)
    try:  # linear's own type rule reports wrong shapes, as for tsm.linear
        REGISTRY["tsm.linear"].infer_types(
            [cx.type(v) for v in (x, weight)] + [None if bias is None else cx.type(bias)], {})
    except (ValueError, TypeError) as e:
        cx.fail(str(e))
    # A view: its constant is deduplicated per weight, its blob holds W.T contiguous.
    weight_t = cx.constant(w.t(), "linear.weight_t")
    if bias is not None and cx.type(x).rank == 2:
        return cx.build("addmm", bias, x, weight_t, beta=1.0, alpha=1.0)
    out = cx.build("matmul", x, weight_t)
    return out if bias is None else cx.build("add", out, bias)


def _addmm(cx: NodeContext, self, mat1, mat2, beta=1, alpha=1):
    _tensors(cx, self, mat1, mat2)
    for name, v in (("beta", beta), ("alpha", alpha)):
        if not isinstance(v, (bool, int, float)):
            cx.fail(f"{name} must be a compile-time number, got {type(v).__name__}")
    return cx.build("addmm", self, mat1, mat2, beta=float(beta), alpha=float(alpha))


def _addmm_ranked(name: str, *ranks: int):
    """baddbmm / addmv: tsm.addmm with PyTorch's stricter operand ranks."""
    def handler(cx: NodeContext, self, mat1, mat2, beta=1, alpha=1):
        _check_ranks(cx, name, mat1, mat2, ranks)
        return _addmm(cx, self, mat1, mat2, beta, alpha)
    return handler


def _size(cx: NodeContext, v: ir.Value, i: int):
    """Size i of v: an int, or a DynSize read at run time."""
    d = cx.type(v).shape[i]
    return DynSize(v, i) if d == DYN else d


def _addbmm(cx: NodeContext, self, batch1, batch2, beta=1, alpha=1):
    """sum over b of batch1[b] @ batch2[b] is one matmul over (b, k) merged:
    (n, b*k) @ (b*k, p)."""
    _check_ranks(cx, "addbmm", batch1, batch2, (3, 3))
    lhs = cx.build("permute", batch1, perm=[1, 0, 2])
    lhs = reshape_to(cx, lhs, [_size(cx, lhs, 0), -1])
    rhs = reshape_to(cx, batch2, [-1, _size(cx, batch2, 2)])
    return _addmm(cx, self, lhs, rhs, beta, alpha)


def _outer(cx: NodeContext, lhs, rhs):
    """torch.outer is lhs[:, None] * rhs, type promotion included."""
    _check_ranks(cx, "outer", lhs, rhs, (1, 1))
    return cx.build("mul", reshape_to(cx, lhs, [_size(cx, lhs, 0), 1]), rhs)


def _bilinear(cx: NodeContext, x1, x2, weight, bias=None):
    """nn.Bilinear: y[..., o] = sum_ij x1[..., i] W[o, i, j] x2[..., j] + b[o].
    One matmul of the flattened x1 against W laid out as (i, o * j) (a
    constant built at import when W is a parameter), then a multiply by x2
    broadcast over o and a sum over j."""
    _tensors(cx, x1, x2, weight, *([] if bias is None else [bias]))
    t1, t2, tw = cx.type(x1), cx.type(x2), cx.type(weight)
    if tw.rank != 3:
        cx.fail(f"bilinear(): weight must be 3-D (out, in1, in2), got {tw}")
    if t1.rank < 1 or t1.rank != t2.rank:
        cx.fail(f"bilinear(): input1 and input2 must have the same rank (at least 1), "
                f"got {t1} and {t2}")
    dtypes = {t.dtype for t in (t1, t2, tw)} | ({cx.type(bias).dtype} if bias is not None else set())
    if len(dtypes) > 1:
        cx.fail(f"bilinear(): all tensors must have the same dtype, got {t1}, {t2}, {tw}")
    for d, (a, b) in enumerate(zip(t1.shape[:-1], t2.shape[:-1])):
        if DYN not in (a, b) and a != b:
            cx.fail(f"bilinear(): input batch dimensions do not match at dim {d}: got {a} and {b}")
    o, i, j = tw.shape
    for name, have, want in (("input1", t1.shape[-1], i), ("input2", t2.shape[-1], j)):
        if DYN not in (have, want) and have != want:
            cx.fail(f"bilinear(): {name} size does not match weight size: "
                    f"got {have} but expected {want}")
    if DYN in (o, j):
        cx.fail(f"bilinear(): the weight's out and in2 sizes must be known at compile time, got {tw}")
    w = cx.importer.tensors.get(weight)
    if w is not None:
        w_flat = cx.constant(w.permute(1, 0, 2).reshape(w.shape[1], -1), "bilinear.weight")
    else:
        w_flat = cx.build("permute", weight, perm=[1, 0, 2])
        w_flat = reshape_to(cx, w_flat, [_size(cx, weight, 1), -1])
    lhs = reshape_to(cx, x1, [-1, _size(cx, x1, t1.rank - 1)])
    t = cx.build("matmul", lhs, w_flat)                                   # (n, o * j)
    t = reshape_to(cx, t, [_size(cx, t, 0), o, j])
    rhs = reshape_to(cx, x2, [-1, 1, j])
    y = cx.build("sum", cx.build("mul", t, rhs), dims=[2], keepdim=False)  # (n, o)
    if bias is not None:
        y = cx.build("add", y, bias)
    return reshape_to(cx, y, [_size(cx, x1, d) for d in range(t1.rank - 1)] + [o])


def _einsum_terms(cx: NodeContext, equation, operands) -> tuple[list[str], str]:
    """torch.einsum's equation in the explicit form tsm.einsum takes:
    spaces dropped, '...' spelled as fresh letters (right-aligned, the
    operands' broadcast rank), the implicit output (letters used once, in
    alphabetical order, after the ellipsis dims) made explicit."""
    if not isinstance(equation, str):
        cx.fail(f"the equation must be a compile-time string, got {equation!r}")
    inputs, arrow, output = equation.replace(" ", "").partition("->")
    terms = inputs.split(",")
    if len(terms) != len(operands):
        cx.fail(f"{equation!r} names {len(terms)} operands, but {len(operands)} were given")
    spare = [c for c in string.ascii_letters if c not in equation]
    ellipsis_rank = 0
    for term, v in zip(terms, operands):
        if "..." in term:
            ellipsis_rank = max(ellipsis_rank, cx.type(v).rank - len(term.replace("...", "")))
    fresh = "".join(spare[:ellipsis_rank])
    expanded = []
    for term, v in zip(terms, operands):
        rest = term.replace("...", "")
        if not rest.isalpha() and rest or term.count("...") > 1 or "." in rest:
            cx.fail(f"invalid subscript {term!r} in {equation!r}: use letters and one '...'")
        if "..." in term:
            term = term.replace("...", fresh[ellipsis_rank - (cx.type(v).rank - len(rest)):])
        if len(term) != cx.type(v).rank:
            cx.fail(f"subscript {term!r} has {len(term)} letters for operand {cx.type(v)}")
        expanded.append(term)
    if not arrow:
        counts = "".join(expanded)
        output = fresh + "".join(sorted(c for c in set(counts) - set(fresh)
                                        if counts.count(c) == 1))
    elif "..." in output:
        output = output.replace("...", fresh)
    elif fresh and any(c in fresh for c in output):
        cx.fail(f"invalid output subscript in {equation!r}")
    return expanded, output


def _einsum(cx: NodeContext, equation, operands, path=None):
    if not isinstance(operands, (list, tuple)) or not operands:
        cx.fail(f"expects a non-empty list of tensors, got {operands!r}")
    _tensors(cx, *operands)
    terms, output = _einsum_terms(cx, equation, operands)
    # Contract left to right, keeping the letters later operands or the output use.
    acc, acc_term = operands[0], terms[0]
    if len(operands) == 1:
        return cx.build("einsum", acc, equation=f"{acc_term}->{output}")
    for i in range(1, len(operands)):
        later = set("".join(terms[i + 1:]) + output)
        both = acc_term + terms[i]
        keep = output if i == len(operands) - 1 else \
            "".join(dict.fromkeys(c for c in both if c in later))
        acc = cx.build("einsum", acc, operands[i], equation=f"{acc_term},{terms[i]}->{keep}")
        acc_term = keep
    return acc


#: Half-precision attention runs in float32, as PyTorch's CPU kernels do:
#: q, k and v widened, scores and softmax in float32, the weights rounded
#: to the input's type for the product with v (as its flash kernel rounds
#: them), the output rounded once.  Scores rounded to the half type before
#: the softmax (each op on its own) took two more passes over them and
#: lost accuracy; on AMX the float32 products of widened bfloat16 operands
#: run as bfloat16 products (tsm-lower-matmul).
HALF_TYPES = (torch.float16, torch.bfloat16)


def _sdpa(cx: NodeContext, q, k, v, attn_mask=None, dropout_p=0.0, is_causal=False,
          scale=None, enable_gqa=False):
    """softmax(q @ k^T * scale + mask) @ v, PyTorch's math reference: a bool
    mask keeps the True positions, a float mask is added, is_causal keeps
    the lower triangle; rows with every position masked give 0 (not NaN).
    float16 / bfloat16 attention in float32 (HALF_TYPES)."""
    _tensors(cx, q, k, v)
    tq, tk, tv = cx.type(q), cx.type(k), cx.type(v)
    if min(tq.rank, tk.rank, tv.rank) < 2:
        cx.fail(f"expected query, key and value to be at least 2-D, got {tq}, {tk} and {tv}")
    if not tq.is_float():
        cx.fail(f"expected floating-point query, key and value, got {tq}")
    if dropout_p != 0:
        cx.fail(f"dropout_p={dropout_p!r} is not supported (dropout is applied even in eval "
                "mode): pass dropout_p=0.0 at inference")
    if enable_gqa is not False and (tq.rank < 3 or tq.shape[-3] != tk.shape[-3]):
        cx.fail("enable_gqa with fewer key/value heads than query heads is not supported")
    if scale is None:
        if tq.shape[-1] == DYN:
            cx.fail(f"the head size of {tq} must be static when scale is not given")
        scale = 1 / math.sqrt(tq.shape[-1])
    elif isinstance(scale, bool) or not isinstance(scale, (int, float)):
        cx.fail(f"scale must be a compile-time number or None, got {scale!r}")
    if attn_mask is not None:
        _tensors(cx, attn_mask)
        mask_type = cx.type(attn_mask).dtype
        if mask_type != torch.bool and mask_type != tq.dtype:
            cx.fail(f"attn_mask must be bool or of the query's dtype {tq.dtype}, "
                    f"got {cx.type(attn_mask)}")
    half = tq.dtype if tq.dtype in HALF_TYPES else None
    if half is not None and attn_mask is not None and cx.type(attn_mask).dtype == half:
        attn_mask = cast(cx, attn_mask, torch.float32)
    rows, cols = tq.shape[-2], tk.shape[-2]
    if is_causal is not False:
        if attn_mask is not None:
            cx.fail("an explicit attn_mask must not be set when is_causal=True")
        if DYN in (rows, cols):
            cx.fail(f"is_causal needs static sequence lengths, got {tq} and {tk}")
        # An additive mask: 0 on and below the diagonal, -inf above.
        above = torch.ones(rows, cols, dtype=torch.bool).triu(1)
        scores_type = tq.dtype if half is None else torch.float32
        causal = torch.zeros(rows, cols, dtype=scores_type).masked_fill(above, float("-inf"))
        out = _by_row_blocks(cx, q, k, v, scale, causal, half)
    else:
        out = _attend(cx, _scores(cx, q, k, scale, half), attn_mask, v,
                      fully_masked=attn_mask is not None, half=half)
    return out if half is None else cast(cx, out, half)


#: Causal attention runs by blocks of query rows, each against the keys up
#: to its last row only (PyTorch's flash kernel skips the masked blocks
#: too): with n blocks, (n + 1) / 2n of the products and softmax of the
#: whole square.  At most MAX_BLOCKS blocks, of at least MIN_BLOCK_ROWS
#: rows: each block's products have shapes of their own, so kernels of
#: their own to compile.  Sapphire Rapids, 1 thread, (1, 8, 256, 64) and
#: (1, 4, 1024, 64), tsmlir / eager (compile): one block 1.97 / 3.21 (0.8 s),
#: 4 blocks 1.04 / 1.58 (2.0 s), 8 blocks 0.95 / 1.17 (3.7 s).
MAX_BLOCKS = 4
MIN_BLOCK_ROWS = 32


def causal_blocks(rows: int) -> list[tuple[int, int]]:
    """[start, end) of the blocks of query rows of causal attention: as many
    as MAX_BLOCKS allows with MIN_BLOCK_ROWS each, multiples of 16 rows; a
    last block shorter than 16 rows joins the one before."""
    count = min(MAX_BLOCKS, rows // MIN_BLOCK_ROWS)
    if count <= 1:
        return [(0, rows)]
    size = ceil_div(ceil_div(rows, count), 16) * 16
    blocks = [(r0, min(rows, r0 + size)) for r0 in range(0, rows, size)]
    if blocks[-1][1] - blocks[-1][0] < 16:
        blocks[-2:] = [(blocks[-2][0], rows)]
    return blocks


def _by_row_blocks(cx: NodeContext, q, k, v, scale: float, causal: torch.Tensor,
                   half: torch.dtype | None):
    """Causal attention by blocks of query rows (`causal_blocks`),
    concatenated: each block against the keys up to its last row (query i
    sees keys 0..i), with its part of the additive mask `causal` (rows x
    cols).  Blocking unmasked
    attention so that each block's scores stay in L2 measured no faster
    (4 heads x 1024 x 1024, 1 thread: 19.4 vs 18.6 ms)."""
    cols = cx.type(k).shape[-2]
    outs = []
    for r0, r1 in causal_blocks(causal.shape[0]):
        end = min(cols, r1)
        qb = cx.build("slice", q, dim=cx.type(q).rank - 2, start=r0, end=r1, step=1)
        kb, vb = (k, v) if end == cols else (
            cx.build("slice", x, dim=cx.type(x).rank - 2, start=0, end=end, step=1)
            for x in (k, v))
        mask = cx.constant(causal[r0:r1, :end].contiguous())
        outs.append(_attend(cx, _scores(cx, qb, kb, scale, half), mask, vb,
                            fully_masked=False, half=half))
    out = outs[0]
    for o in outs[1:]:
        out = cx.build("cat", out, o, dim=cx.type(o).rank - 2)
    return out


def _scores(cx: NodeContext, q, k, scale: float, half: torch.dtype | None):
    """q @ k^T * scale (the multiply fuses into the softmax's first pass);
    `half`: q and k widened to float32 first (after any slicing: a slice of
    the widened tensor would hide the bfloat16 operand from the AMX
    product)."""
    if half is not None:
        q, k = cast(cx, q, torch.float32), cast(cx, k, torch.float32)
    perm = list(range(cx.type(k).rank))
    perm[-2:] = perm[-1], perm[-2]
    scores = cx.build("matmul", q, cx.build("permute", k, perm=perm))
    return cx.build("mul", scores, cx.scalar(float(scale), scores))


def _attend(cx: NodeContext, scores, mask, v, *, fully_masked: bool, half: torch.dtype | None):
    """softmax(scores + mask) @ v (mask: bool, or of the scores' type);
    `half`: the weights are rounded to that type before the product, and
    v widened to float32."""
    if mask is not None:
        if cx.type(mask).dtype == torch.bool:
            scores = cx.build("where", mask, scores, cx.scalar(float("-inf"), scores))
        else:
            scores = cx.build("add", scores, mask)
    weights = cx.build("softmax", scores, dim=-1)
    if fully_masked:  # PyTorch's safe softmax: a row with no position left gives 0
        row_max = cx.build("amax", scores, dims=[cx.type(scores).rank - 1], keepdim=True)
        empty = cx.build("eq", row_max, cx.scalar(float("-inf"), scores))
        weights = cx.build("where", empty, cx.scalar(0.0, scores), weights)
    if half is not None:
        weights = cast(cx, cast(cx, weights, half), torch.float32)
        v = cast(cx, v, torch.float32)
    return cx.build("matmul", weights, v)


class _Gates:
    """The gate pre-activations of an RNN cell: x (B, I) and h (B, H) against
    w_ih (G*H, I), w_hh (G*H, H) and optional biases (G*H,), gate k being
    rows k*H:(k+1)*H.  Constant weights (module parameters) are split per gate
    at compile time, so each gate is one addmm with no slicing at run time;
    other weights take two tsm.linear and slice their results."""

    def __init__(self, cx: NodeContext, name: str, x, h, w_ih, w_hh, b_ih, b_hh, gates: int):
        _tensors(cx, x, h, w_ih, w_hh, *[t for t in (b_ih, b_hh) if t is not None])
        tx, th = cx.type(x), cx.type(h)
        if tx.rank != 2 or th.rank != 2:
            cx.fail(f"{name} expects a 2-D input and hidden state, got {tx} and {th}")
        self.cx, self.hidden, self.x, self.h = cx, th.shape[1], x, h
        if self.hidden == DYN:
            cx.fail(f"{name}: the hidden size of {th} must be static")
        rows = gates * self.hidden
        expected = [(rows, tx.shape[1]), (rows, self.hidden), (rows,), (rows,)]
        tensors = (w_ih, w_hh, b_ih, b_hh)
        for t, shape in zip(tensors, expected):
            if t is None:
                continue
            got = cx.type(t).shape
            if len(got) != len(shape) or any(d not in (e, DYN) for d, e in zip(got, shape)):
                cx.fail(f"{name}: weights of shapes "
                        f"{[str(cx.type(t)) for t in tensors if t is not None]} do not fit "
                        f"input {tx} and hidden state {th}")
        consts = [None if t is None else cx.importer.tensors.get(t) for t in tensors]
        self.constant = all(c is not None for t, c in zip(tensors, consts) if t is not None)
        if self.constant:
            zeros = torch.zeros(rows, dtype=consts[0].dtype)
            self.w_i, self.w_h = consts[:2]
            self.b_i, self.b_h = (zeros if c is None else c for c in consts[2:])
            self.xh = cx.build("cat", x, h, dim=1)
        else:
            self.gx = cx.build("linear", x, w_ih, b_ih)
            self.gh = cx.build("linear", h, w_hh, b_hh)

    def _constant_gate(self, x, weights, biases, k: int):
        """sum_i x_i @ weights[i][gate rows].T + the biases' gate rows as one
        addmm: x is the x_i concatenated along dim 1, the weights stacked
        and transposed to match at compile time."""
        rows = slice(k * self.hidden, (k + 1) * self.hidden)
        weight = torch.cat([w[rows] for w in weights], dim=1).t().contiguous()
        bias = sum(b[rows] for b in biases)
        return self.cx.build("addmm", self.cx.constant(bias), x, self.cx.constant(weight),
                             beta=1.0, alpha=1.0)

    def _slice(self, v, k: int):
        return self.cx.build("slice", v, dim=1, start=k * self.hidden,
                             end=(k + 1) * self.hidden, step=1)

    def total(self, k: int):
        """x @ w_ih[k].T + b_ih[k] + h @ w_hh[k].T + b_hh[k]."""
        if self.constant:
            return self._constant_gate(self.xh, [self.w_i, self.w_h], [self.b_i, self.b_h], k)
        return self.cx.build("add", self._slice(self.gx, k), self._slice(self.gh, k))

    def parts(self, k: int):
        """(x @ w_ih[k].T + b_ih[k], h @ w_hh[k].T + b_hh[k]), apart."""
        if self.constant:
            return (self._constant_gate(self.x, [self.w_i], [self.b_i], k),
                    self._constant_gate(self.h, [self.w_h], [self.b_h], k))
        return self._slice(self.gx, k), self._slice(self.gh, k)


def _lstm_cell(cx: NodeContext, x, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    if not isinstance(hx, (list, tuple)) or len(hx) != 2:
        cx.fail(f"lstm_cell expects hx as a list of two tensors (h, c), got {hx!r}")
    h, c = hx
    gates = _Gates(cx, "lstm_cell", x, h, w_ih, w_hh, b_ih, b_hh, 4)
    i, f, g, o = (gates.total(k) for k in range(4))
    c = cx.build("add", cx.build("mul", cx.build("sigmoid", f), c),
                 cx.build("mul", cx.build("sigmoid", i), cx.build("tanh", g)))
    return cx.build("mul", cx.build("sigmoid", o), cx.build("tanh", c)), c


def _gru_cell(cx: NodeContext, x, h, w_ih, w_hh, b_ih=None, b_hh=None):
    gates = _Gates(cx, "gru_cell", x, h, w_ih, w_hh, b_ih, b_hh, 3)
    r, z = (cx.build("sigmoid", gates.total(k)) for k in range(2))
    n_x, n_h = gates.parts(2)
    n = cx.build("tanh", cx.build("add", n_x, cx.build("mul", r, n_h)))
    return cx.build("add", n, cx.build("mul", z, cx.build("sub", h, n)))


def _rows(cx: NodeContext, w, start: int, end: int):
    """w[start:end] along dim 0: a constant slice of a constant, else tsm.slice."""
    const = cx.importer.tensors.get(w)
    if const is not None:
        return cx.constant(const[start:end].contiguous())
    return cx.build("slice", w, dim=0, start=start, end=end, step=1)


def _heads(cx: NodeContext, x, heads: int, head_dim: int):
    """(B, L, H * D) -> (B, H, L, D)."""
    t = cx.type(x)
    sizes = [DynSize(x, i) if d == DYN else d for i, d in enumerate(t.shape[:2])]
    return cx.build("permute", reshape_to(cx, x, sizes + [heads, head_dim]), perm=[0, 2, 1, 3])


def _native_mha(cx: NodeContext, query, key, value, embed_dim, num_head, qkv_weight, qkv_bias,
                proj_weight, proj_bias, mask=None, need_weights=True, average_attn_weights=True,
                mask_type=None):
    """nn.MultiheadAttention's inference fast path (batch_first, 3-D inputs):
    q/k/v projections (constant weights split at compile time), per-head
    softmax(q k^T / sqrt(D)) v, the output projection; the attention weights
    (averaged over heads or not) when asked for."""
    _tensors(cx, query, key, value, qkv_weight, qkv_bias, proj_weight, proj_bias)
    e, h = embed_dim, num_head
    if any(cx.type(v).rank != 3 or cx.type(v).shape[2] not in (e, DYN) for v in (query, key, value)):
        cx.fail(f"expected (batch, length, {e}) query, key and value, got "
                f"{cx.type(query)}, {cx.type(key)} and {cx.type(value)}")
    if e % h:
        cx.fail(f"embed_dim {e} is not divisible by num_heads {h}")
    q, k, v = (_linear(cx, x, _rows(cx, qkv_weight, i * e, (i + 1) * e),
                       _rows(cx, qkv_bias, i * e, (i + 1) * e))
               for i, x in enumerate((query, key, value)))
    q, k, v = (_heads(cx, x, h, e // h) for x in (q, k, v))
    scores = cx.build("matmul", q, cx.build("permute", k, perm=[0, 1, 3, 2]))
    scores = cx.build("mul", scores, cx.scalar(1 / math.sqrt(e // h), scores))
    if mask is not None:
        scores = _masked_scores(cx, scores, mask, mask_type)
    weights = cx.build("softmax", scores, dim=-1)
    out = cx.build("permute", cx.build("matmul", weights, v), perm=[0, 2, 1, 3])
    t = cx.type(query)
    sizes = [DynSize(query, i) if d == DYN else d for i, d in enumerate(t.shape[:2])]
    out = _linear(cx, reshape_to(cx, out, sizes + [e]), proj_weight, proj_bias)
    if not need_weights:
        return out, None
    if average_attn_weights:
        weights = cx.build("mean", weights, dims=[1], keepdim=False)
    return out, weights


def _masked_scores(cx: NodeContext, scores, mask, mask_type):
    """(B, H, L, S) scores with the fast path's merged mask applied: a bool
    mask (True = not attended) sets -inf, a float mask is added.  mask_type
    1 is a (B, S) key_padding_mask, otherwise the mask broadcasts as is
    ((L, S) attn_mask or the merged (B, H, L, S))."""
    _tensors(cx, mask)
    mt = cx.type(mask)
    if mask_type == 1:
        if mt.rank != 2:
            cx.fail(f"expected a (batch, source length) key_padding_mask, got {mt}")
        sizes = [DynSize(mask, i) if d == DYN else d for i, d in enumerate(mt.shape)]
        mask = reshape_to(cx, mask, [sizes[0], 1, 1, sizes[1]])
    if mt.dtype == torch.bool:
        return cx.build("where", mask, cx.scalar(float("-inf"), scores), scores)
    if not mt.dtype.is_floating_point:
        cx.fail(f"attention masks must be bool or floating point, got {mt.dtype}")
    return cx.build("add", scores, mask)


def _encoder_layer(cx: NodeContext, src, embed_dim, num_heads, qkv_weight, qkv_bias,
                   proj_weight, proj_bias, use_gelu, norm_first, eps, norm_weight_1, norm_bias_1,
                   norm_weight_2, norm_bias_2, ffn_weight_1, ffn_bias_1, ffn_weight_2, ffn_bias_2,
                   mask=None, mask_type=None):
    """nn.TransformerEncoderLayer's inference fast path: self-attention and
    a feed-forward block (relu or gelu), each with a residual, layer norms
    before (norm_first) or after them."""
    from .norm import _layer_norm

    def norm(x, weight, bias):
        return _layer_norm(cx, x, [embed_dim], weight, bias, eps)

    def attend(x):
        return _native_mha(cx, x, x, x, embed_dim, num_heads, qkv_weight, qkv_bias,
                           proj_weight, proj_bias, mask, False, True, mask_type)[0]

    def ffn(x):
        hidden = _linear(cx, x, ffn_weight_1, ffn_bias_1)
        hidden = cx.build("gelu", hidden, approximate="none") if use_gelu \
            else cx.build("relu", hidden)
        return _linear(cx, hidden, ffn_weight_2, ffn_bias_2)

    if norm_first:
        x = cx.build("add", src, attend(norm(src, norm_weight_1, norm_bias_1)))
        return cx.build("add", x, ffn(norm(x, norm_weight_2, norm_bias_2)))
    x = norm(cx.build("add", src, attend(src)), norm_weight_1, norm_bias_1)
    return norm(cx.build("add", x, ffn(x)), norm_weight_2, norm_bias_2)


HANDLERS = {
    "aten::matmul": _matmul,
    "aten::mm": _ranked("mm", 2, 2),
    "aten::bmm": _bmm,
    "aten::mv": _ranked("mv", 2, 1),
    "aten::dot": _ranked("dot", 1, 1),
    "aten::linear": _linear,
    "aten::addmm": _addmm,
    "aten::baddbmm": _addmm_ranked("baddbmm", 3, 3),
    "aten::addmv": _addmm_ranked("addmv", 2, 1),
    "aten::addbmm": _addbmm,
    "aten::outer": _outer,
    "aten::bilinear": _bilinear,
    "aten::ger": _outer,
    "aten::einsum": _einsum,
    "aten::scaled_dot_product_attention": _sdpa,
    "aten::lstm_cell": _lstm_cell,
    "aten::gru_cell": _gru_cell,
    "aten::_native_multi_head_attention": _native_mha,
    "aten::_transformer_encoder_layer_fwd": _encoder_layer,
}
