"""tsm norm ops -> linalg/tensor (being filled in)."""
from __future__ import annotations

from .passes import pattern_pass

LOWERINGS: dict = {}

lower_norm_pass = pattern_pass(
    "tsm-lower-norm", "Lower tsm norm ops", LOWERINGS)
