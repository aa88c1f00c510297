"""Lowering: tsm -> linalg (one pass per op family) and the named pipelines.

Importing this package registers every tsmlir pass in `passes.PASSES`.
"""
from . import (bool_storage, constant, copies, elementwise, math_approx, matmul,  # noqa: F401
               nn, reduction, runtime_errors, sequence, shape, verify)

# The per-family lowering passes, in the order tsm-to-linalg runs them.
FAMILY_PASSES = [
    "tsm-lower-constant",
    "tsm-lower-elementwise",
    "tsm-lower-matmul",
    "tsm-lower-reduction",
    "tsm-lower-shape",
    "tsm-lower-nn",
    "tsm-lower-sequence",
]
