"""tsm reduction ops -> linalg.  (Family filled in by its own change.)"""
from .passes import pattern_pass

LOWERINGS: dict = {}

lower_reduction_pass = pattern_pass("tsm-lower-reduction", "Lower tsm reduction ops to linalg", LOWERINGS)
