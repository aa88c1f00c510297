"""The tsm dialect: declarations (ops/), derived IRDL, builders and verifier."""
from . import ops  # noqa: F401  (registers every op)
from .opdef import REGISTRY, build, irdl_text, verify_op

__all__ = ["REGISTRY", "build", "irdl_text", "verify_op"]
