"""Runtime: calling compiled code with torch tensors (JIT)."""
from .jit import CompiledModule, JitFunction, RuntimeCheckError

__all__ = ["CompiledModule", "JitFunction", "RuntimeCheckError"]
