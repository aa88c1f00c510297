"""What the lowering knows of the CPU the code will run on.

The code runs on this host (the JIT, and ahead-of-time code by default) or
on the CPU named by `CompileOptions.target_cpu` (`tsmlir-compile
--target-cpu`); for the latter the compiler records whether that CPU has
AVX-512 in the module attribute `tsm.target_avx512` (a bool).  The passes
ask `target_has_avx512(module_op)`: tsm-cpu-vectorize picks the matmul
register tile by it (8 x 32 in 32 zmm registers, or 6 x 16 in AVX2's 16
ymm registers).  Likewise `tsm.target_amx_bf16` / `target_has_amx_bf16`:
whether bfloat16 products run on AMX tiles (tsm-lower-matmul, matmul_amx).

Measured and left out (Sapphire Rapids, elementwise bench, 1 thread): a
reciprocal estimate (vrcp14ps + one Newton step, the arcp and ninf flags on
the divisions of tsm-expand-math's rationals) kept the accuracy (tanh max
abs 3.04e-7 vs 2.93e-7) but ran slower (5.10 vs 4.36 ms) and turned
tanh(-0) into +0.
"""
from __future__ import annotations

import ctypes
import functools

from mlir import ir

TARGET_AVX512_ATTR = "tsm.target_avx512"
TARGET_AMX_ATTR = "tsm.target_amx_bf16"
#: LLVM CPU names with AMX-BF16 (for `--target-cpu`; the host is asked directly).
AMX_BF16_CPUS = ("sapphirerapids", "emeraldrapids", "graniterapids", "graniterapids-d",
                 "diamondrapids")


#: syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA): Linux
#: gives a process the AMX state only when it asks (else AMX code traps).
AMX_PERMISSION_SYSCALL = (158, 0x1023, 18)


@functools.cache
def _host_flags() -> frozenset[str]:
    """The host CPU's feature flags (/proc/cpuinfo), empty where unreadable."""
    try:
        with open("/proc/cpuinfo") as f:
            return frozenset(next((line.split() for line in f if line.startswith("flags")), []))
    except OSError:
        return frozenset()


def _host_has_avx512() -> bool:
    return "avx512f" in _host_flags()


@functools.cache
def host_grants_amx() -> bool:
    """The host CPU has AMX-BF16 and Linux lets this process use it (asked
    once, here)."""
    if not {"amx_bf16", "amx_tile"} <= _host_flags():
        return False
    try:
        return ctypes.CDLL(None).syscall(*AMX_PERMISSION_SYSCALL) == 0
    except (OSError, AttributeError):
        return False


def set_target_avx512(module_op: ir.Operation, avx512: bool) -> None:
    with module_op.context:
        module_op.attributes[TARGET_AVX512_ATTR] = ir.BoolAttr.get(avx512)


def target_has_avx512(module_op: ir.Operation) -> bool:
    attrs = module_op.attributes
    if TARGET_AVX512_ATTR in attrs:
        return ir.BoolAttr(attrs[TARGET_AVX512_ATTR]).value
    return _host_has_avx512()


def set_target_amx_bf16(module_op: ir.Operation, amx: bool) -> None:
    with module_op.context:
        module_op.attributes[TARGET_AMX_ATTR] = ir.BoolAttr.get(amx)


def target_has_amx_bf16(module_op: ir.Operation) -> bool:
    """Whether bfloat16 products may use AMX tiles (tsm-amx-matmul): the
    named target CPU's, else the host's (which must also grant this process
    the AMX state)."""
    attrs = module_op.attributes
    if TARGET_AMX_ATTR in attrs:
        return ir.BoolAttr(attrs[TARGET_AMX_ATTR]).value
    return host_grants_amx()
