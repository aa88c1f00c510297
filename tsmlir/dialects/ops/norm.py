"""norm ops: the normalization that layer_norm, group_norm and instance_norm share."""
from __future__ import annotations

from ..opdef import Attr, OpDef, define
from ..types import TensorT


def _layer_norm(x: TensorT, *, ndim: int, eps: float) -> list[TensorT]:
    if not x.is_float():
        raise TypeError(f"expects a floating-point input, got {x}")
    if not 1 <= ndim <= x.rank:
        raise ValueError(f"ndim must be in [1, {x.rank}] for {x}, got {ndim}")
    return [x]


OPS = define("norm", [
    OpDef("layer_norm", ("x",), _layer_norm, attrs=(Attr("ndim", "int"), Attr("eps", "float")),
          aten=("aten::layer_norm(Tensor input, SymInt[] normalized_shape, Tensor? weight=None, "
                "Tensor? bias=None, float eps=1e-05, bool cudnn_enable=True) -> Tensor "
                "(weight and bias follow as tsm.mul / tsm.add)",),
          doc="(x - mean) / sqrt(var + eps) over the trailing `ndim` dims (biased variance, "
              "two passes); also the statistics of group_norm and instance_norm."),
])
