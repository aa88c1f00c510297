"""tsm sort ops -> linalg/tensor (being filled in)."""
from __future__ import annotations

from .passes import pattern_pass

LOWERINGS: dict = {}

lower_sort_pass = pattern_pass(
    "tsm-lower-sort", "Lower tsm sort ops", LOWERINGS)
