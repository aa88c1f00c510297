"""tsm nn ops -> linalg.  (Family filled in by its own change.)"""
from .passes import pattern_pass

LOWERINGS: dict = {}

lower_nn_pass = pattern_pass("tsm-lower-nn", "Lower tsm nn ops to linalg", LOWERINGS)
