"""tsm data_movement ops -> linalg/tensor (being filled in)."""
from __future__ import annotations

from .passes import pattern_pass

LOWERINGS: dict = {}

lower_data_movement_pass = pattern_pass(
    "tsm-lower-data-movement", "Lower tsm data_movement ops", LOWERINGS)
