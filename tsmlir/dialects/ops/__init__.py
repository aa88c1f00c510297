"""tsm op declarations, one module per op family.  Importing this package
registers every op in `tsmlir.dialects.opdef.REGISTRY`."""
from . import (constant, constructors, data_movement, elementwise, matmul, nn, norm,  # noqa: F401
               reduction, sequence, shape, sort)
