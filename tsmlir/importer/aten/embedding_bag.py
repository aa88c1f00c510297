"""nn.EmbeddingBag / F.embedding_bag -> tsm gathers and scatters over the bags.

In: `aten::embedding_bag(.padding_idx)` with 1-D indices and offsets (F.embedding_bag
turns 2-D input into those before the op), modes sum (0), mean (1) and max (2),
per_sample_weights (sum only), include_last_offset and padding_idx.
Out: the rows `tsm.index` reads from the weight, each position's bag found by
`tsm.searchsorted` of its position in the offsets (bags are runs of positions,
of data-dependent length), and one scatter per mode: sum and mean accumulate
the rows into a (bags, D) zero tensor (`tsm.index_put`, accumulate), mean
divides by each bag's count of rows, max combines them with `tsm.scatter`
reduce=amax into -inf.  Positions at padding_idx (and, with
include_last_offset, past the last offset) add nothing; an empty bag gives
zeros, as in ATen.  Only the first result (the bags) may be used: the other
three (offset2bag, bag_size, max_indices) are ATen's internals for backward.
Run-time checks as ATen: offsets[0] == 0, indices in [0, num_embeddings).
"""
from __future__ import annotations

import math

import torch

from ..context import NodeContext
from ..values import UNKNOWN, is_tensor
from .constructors import _arange_end, _full
from .data_movement import _slice, expand_to
from .elementwise import _binary
from .losses import _check_all
from .shape import _sizes_of, reshape_to

_MODES = {0: "sum", 1: "mean", 2: "max"}


def _inputs(cx: NodeContext, weight, indices, offsets):
    for name, v, rank in (("weight", weight, 2), ("input", indices, 1), ("offsets", offsets, 1)):
        if not is_tensor(v) or cx.type(v).rank != rank:
            cx.fail(f"embedding_bag: {name} has to be a {rank}D Tensor, got {v!r}")
    if not cx.type(weight).dtype.is_floating_point:
        cx.fail(f"embedding_bag: weight must be a floating-point tensor, got {cx.type(weight)}")
    it, ot = cx.type(indices).dtype, cx.type(offsets).dtype
    if it not in (torch.int64, torch.int32) or ot not in (torch.int64, torch.int32):
        cx.fail(f"embedding_bag: expected indices and offsets of dtype int64 or int32, got {it} "
                f"and {ot}")
    if it != torch.int64:
        indices = cx.build("cast", indices, dtype="int64")
    if ot != torch.int64:
        offsets = cx.build("cast", offsets, dtype="int64")
    return indices, offsets


def _embedding_bag(cx: NodeContext, weight, indices, offsets, scale_grad_by_freq=False, mode=0,
                   sparse=False, per_sample_weights=None, include_last_offset=False,
                   padding_idx=None):
    if mode not in _MODES:
        cx.fail(f"embedding_bag: mode must be 0 (sum), 1 (mean) or 2 (max), got {mode!r}")
    if per_sample_weights is not None and mode != 0:
        cx.fail(f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                f"supported for mode='sum' (got mode='{_MODES[mode]}'). Please open a feature "
                "request on GitHub.")
    for k, what in ((1, "offset2bag"), (2, "bag_size"), (3, "max_indices")):
        if cx.node.outputsAt(k).uses():
            cx.fail(f"embedding_bag's {what} result (ATen's internal for backward) is not "
                    "supported; use the first result")
    indices, offsets = _inputs(cx, weight, indices, offsets)
    n_emb, dim = _sizes_of(weight, cx.type(weight).shape)
    if per_sample_weights is not None and cx.type(per_sample_weights).shape != \
            cx.type(indices).shape:
        cx.fail(f"embedding_bag: expected per_sample_weights of the shape of input "
                f"{list(cx.type(indices).shape)}, got {list(cx.type(per_sample_weights).shape)}")
    if padding_idx is not None and not isinstance(padding_idx, int):
        cx.fail(f"embedding_bag: padding_idx must be a compile-time int, got {padding_idx!r}")
    if padding_idx is not None and padding_idx < 0 and isinstance(n_emb, int):
        padding_idx += n_emb
    dtype = cx.type(weight).dtype
    # the first offset of each bag; with include_last_offset the last one ends the bags
    used = _slice(cx, offsets, 0, 0, -1, 1) if include_last_offset else offsets
    first = _slice(cx, used, 0, 0, 1, 1)
    _check_all(cx, _binary(cx, first, 0, op="eq"), "offsets[0] has to be 0, i.e., the first "
               "sequence in the mini-batch has to start from position 0")
    _check_all(cx, _binary(cx, indices, 0, op="ge"), "index out of range in self")
    n = _sizes_of(indices, cx.type(indices).shape)[0]
    positions = _arange_end(cx, n, 4)  # int64
    bag = _binary(cx, cx.build("searchsorted", used, positions, right=True), 1, op="sub")
    bag = reshape_to(cx, cx.build("maximum", bag, cx.scalar(0, bag)), [n, 1])
    valid = _binary(cx, positions, positions, op="eq")
    if include_last_offset:
        last = _slice(cx, offsets, 0, -1, None, 1)
        valid = cx.build("logical_and", valid, cx.build("lt", positions, last))
    if padding_idx is not None:
        valid = cx.build("logical_and", valid, _binary(cx, indices, padding_idx, op="ne"))
    keep = reshape_to(cx, valid, [n, 1])
    rows = cx.build("index", weight, reshape_to(cx, indices, [n, 1]), dim=0)  # (N, D)
    bags = _sizes_of(used, cx.type(used).shape)[0]
    if mode == 2:
        fill = cx.scalar(-math.inf, rows)
        src = cx.build("where", keep, rows, fill)
        out = cx.build("scatter", _full(cx, [bags, dim], -math.inf, dtype),
                       expand_to(cx, bag, [n, dim]), src, dim=0, reduce="amax")
    else:
        if per_sample_weights is not None:
            rows = cx.build("mul", rows, reshape_to(cx, per_sample_weights, [n, 1]))
        src = cx.build("where", keep, rows, cx.scalar(0.0, rows))
        out = cx.build("index_put", _full(cx, [bags, dim], 0.0, dtype), bag, src, dim=0,
                       accumulate=True)
    if mode == 0:
        return out, UNKNOWN, UNKNOWN, UNKNOWN
    count = cx.build("index_put", _full(cx, [bags], 0.0, dtype), bag,
                     cx.build("cast", valid, dtype=str(dtype).split(".")[1]), dim=0,
                     accumulate=True)
    count = reshape_to(cx, count, [bags, 1])
    filled = _binary(cx, count, 0, op="gt")
    if mode == 1:
        out = cx.build("div", out, cx.build("maximum", count, cx.scalar(1.0, count)))
    return cx.build("where", filled, out, cx.scalar(0.0, out)), UNKNOWN, UNKNOWN, UNKNOWN


HANDLERS = {
    "aten::embedding_bag": _embedding_bag,
    "aten::embedding_bag.padding_idx": _embedding_bag,
}
