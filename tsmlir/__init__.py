"""tsmlir: compile TorchScript programs to native code through MLIR.

    compiled = tsmlir.compile_module(model, example_inputs=[x])
    y = compiled(x)
"""
from .compiler import compile_module, load
from .coverage import UnsupportedOp, check_support
from .errors import (InputError, LoweringError, PipelineError, StaticSizeRequired,
                     StaticValueRequired, TorchScriptImportError, TsmlirError, UnsupportedOpError,
                     VerificationError)
from .options import CompileOptions
from .runtime import CompiledModule, RuntimeCheckError
from .specs import ScalarSpec, Static, TensorSpec

__all__ = ["compile_module", "load", "CompiledModule", "CompileOptions", "TensorSpec", "ScalarSpec", "Static",
           "TsmlirError",
           "InputError", "LoweringError", "PipelineError", "RuntimeCheckError",
           "StaticSizeRequired", "StaticValueRequired", "TorchScriptImportError", "UnsupportedOpError", "VerificationError", "check_support", "UnsupportedOp"]
