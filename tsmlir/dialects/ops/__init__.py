"""tsm op declarations, one module per op family.  Importing this package
registers every op in `tsmlir.dialects.opdef.REGISTRY`."""
from . import constant, elementwise, matmul, nn, reduction, sequence, shape  # noqa: F401
