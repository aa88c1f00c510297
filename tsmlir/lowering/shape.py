"""tsm shape ops -> linalg.  (Family filled in by its own change.)"""
from .passes import pattern_pass

LOWERINGS: dict = {}

lower_shape_pass = pattern_pass("tsm-lower-shape", "Lower tsm shape ops to linalg", LOWERINGS)
