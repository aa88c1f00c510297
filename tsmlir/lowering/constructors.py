"""tsm constructors ops -> linalg/tensor (being filled in)."""
from __future__ import annotations

from .passes import pattern_pass

LOWERINGS: dict = {}

lower_constructors_pass = pattern_pass(
    "tsm-lower-constructors", "Lower tsm constructors ops", LOWERINGS)
