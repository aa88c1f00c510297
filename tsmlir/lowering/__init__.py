"""Lowering: tsm -> linalg (one pass per op family) and the named pipelines.

Importing this package registers every tsmlir pass in `passes.PASSES`.
"""
from . import (bool_storage, constant, constructors, copies, data_movement,  # noqa: F401
               elementwise, math_approx, matmul, nn, norm, reduction, runtime_errors,
               sequence, shape, sort, verify)

# The per-family lowering passes, in the order tsm-to-linalg runs them.
FAMILY_PASSES = [
    "tsm-lower-constant",
    "tsm-lower-elementwise",
    "tsm-lower-matmul",
    "tsm-lower-reduction",
    "tsm-lower-shape",
    "tsm-lower-data-movement",
    "tsm-lower-constructors",
    "tsm-lower-sort",
    "tsm-lower-norm",
    "tsm-lower-nn",
    "tsm-lower-sequence",
]
