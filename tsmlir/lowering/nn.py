"""tsm nn ops -> linalg: the tsm-lower-nn pass.

In: tsm convolution, pooling, padding, upsampling, grid sampling and
batch-norm ops.
Out: linalg named ops / linalg.generic on tensors; see convolution.py,
pooling.py, resampling.py and grid_sample.py for those families.  Here:
- batch_norm: a per-channel `linalg.generic` computes weight / sqrt(var + eps),
  a second one (x - mean) * scale + bias over the input, viewed as (N, C,
  prod(spatial)) when it has several spatial dims.
"""
from __future__ import annotations

from mlir import ir
from mlir.dialects import arith
from mlir.dialects import math as mmath

from . import builders as b
from . import convolution, grid_sample, pooling, resampling
from .nn_support import affine, attrs, collapse, expand, half_in_f32
from .passes import pattern_pass


def lower_batch_norm(op: ir.Operation) -> ir.Value:
    x, weight, bias, mean, var = op.operands
    eps = attrs(op)["eps"]
    t = b.rtt(x)
    elem = t.element_type
    if t.is_dynamic_dim(1):
        b.refuse(f"the channel dim must be static, got {t}")
    channels = t.shape[1]
    eps_v = b.constant(eps, elem)

    def scale_body(w, v, _out):
        return arith.divf(w, mmath.sqrt(arith.addf(v, eps_v)))

    scale = b.generic([weight, var], b.empty([channels], elem), [b.identity_map(1)] * 3,
                      ["parallel"], scale_body)
    sizes = [b.dim(x, i) for i in range(t.rank)]
    # Spatial dims as one (N, C, H*W) dim: its rows are whole vectors but for
    # one tail (a 56-wide row has a masked one per 56 floats, slow on AMD).
    spatial = list(range(2, t.rank))
    groups = [[0], [1], spatial] if len(spatial) > 1 and \
        sum(t.is_dynamic_dim(i) for i in spatial) <= 1 else None
    flat = collapse(x, groups) if groups else x
    rank = b.rtt(flat).rank
    per_channel = affine(rank, 1)

    def body(v, m, s, bv, _out):
        return arith.addf(arith.mulf(arith.subf(v, m), s), bv)

    y = b.generic([flat, mean, scale, bias],
                  b.empty([b.dim(flat, i) for i in range(rank)], elem),
                  [b.identity_map(rank), per_channel, per_channel, per_channel,
                   b.identity_map(rank)], ["parallel"] * rank, body)
    return expand(y, groups, sizes) if groups else y


LOWERINGS = {
    **convolution.LOWERINGS,
    **pooling.LOWERINGS,
    **resampling.LOWERINGS,
    **grid_sample.LOWERINGS,
    "tsm.batch_norm": half_in_f32(lower_batch_norm),
}

lower_nn_pass = pattern_pass(
    "tsm-lower-nn", "Lower tsm conv/pool/pad/upsample/batch-norm ops to linalg", LOWERINGS)
