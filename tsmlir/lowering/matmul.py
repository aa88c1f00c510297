"""tsm matmul ops -> linalg.  (Family filled in by its own change.)"""
from .passes import pattern_pass

LOWERINGS: dict = {}

lower_matmul_pass = pattern_pass("tsm-lower-matmul", "Lower tsm matmul ops to linalg", LOWERINGS)
