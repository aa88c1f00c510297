"""One error hierarchy for tsmlir.

Every error that reaches a user is a `TsmlirError`.  Errors tied to the user's
program carry a `SourceLoc` and render as `file:line:col: error: message`
followed by the source line and a caret, like a compiler diagnostic.
"""
from __future__ import annotations

import linecache
from dataclasses import dataclass


@dataclass(frozen=True)
class SourceLoc:
    file: str
    line: int
    col: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"

    def snippet(self) -> str:
        text = linecache.getline(self.file, self.line).rstrip("\n")
        if not text:
            return ""
        caret = " " * max(self.col - 1, 0) + "^"
        return f"{text}\n{caret}"


def user_frame(frames: list[SourceLoc]) -> SourceLoc | None:
    """Innermost frame in the user's code: not inside the torch package and
    not generated source (`<string>`).  Falls back to the innermost frame."""
    import torch  # deferred: only needed once errors/locations are rendered
    torch_dir = torch.__path__[0]
    for f in frames:
        if not f.file.startswith((torch_dir, "<")):
            return f
    return frames[0] if frames else None


def render(loc: SourceLoc | None, message: str, severity: str = "error") -> str:
    if loc is None:
        return f"{severity}: {message}"
    out = f"{loc}: {severity}: {message}"
    snippet = loc.snippet()
    return f"{out}\n{snippet}" if snippet else out


class TsmlirError(Exception):
    """Base of every error tsmlir raises on purpose."""

    def __init__(self, message: str, loc: SourceLoc | None = None):
        self.message = message
        self.loc = loc
        super().__init__(render(loc, message))


class TorchScriptImportError(TsmlirError):
    """The TorchScript program could not be translated into tsm."""


class StaticSizeRequired(TorchScriptImportError):
    """An op needs at compile time a size the program knows only at run time
    (a dynamic dim's).  The JIT answers it by compiling per size
    (tsmlir.runtime.specialize); ahead of time it is the error."""


class StaticValueRequired(TorchScriptImportError):
    """An op needs at compile time a number the program knows only at run
    time (`torch.topk(x, k)` with k an argument).  The JIT answers it by
    compiling per value of the number arguments (tsmlir.runtime.specialize);
    ahead of time it is the error (compile the argument as tsmlir.Static)."""


class UnsupportedOpError(TorchScriptImportError):
    """One or more ops of the program are outside the supported set.

    `unsupported` lists every (op kind, location) found, not just the first.
    """

    def __init__(self, unsupported: list[tuple[str, SourceLoc | None]]):
        self.unsupported = list(unsupported)
        lines = [render(loc, f"unsupported operator '{kind}'") for kind, loc in unsupported]
        kinds = sorted({k for k, _ in unsupported})
        header = (f"{len(unsupported)} unsupported operator use(s) "
                  f"({len(kinds)} distinct: {', '.join(kinds)}); "
                  "run `tsmlir-opt --list-supported-ops` for the supported set")
        TsmlirError.__init__(self, header + "\n" + "\n".join(lines))
        self.loc = unsupported[0][1] if unsupported else None


class VerificationError(TsmlirError):
    """A tsm op is ill-typed (its result types disagree with its type rule)."""


class LoweringError(TsmlirError):
    """A lowering pattern could not handle an op (reason names the op)."""


class PipelineError(TsmlirError):
    """A pass pipeline failed.  Carries the MLIR diagnostics and a reproducer."""

    def __init__(self, message: str, diagnostics: list[str] | None = None,
                 reproducer: str | None = None):
        self.diagnostics = diagnostics or []
        self.reproducer = reproducer
        text = message
        if self.diagnostics:
            text += "\n" + "\n".join(self.diagnostics)
        if reproducer:
            text += f"\nreproduce with: {reproducer}"
        super().__init__(text)


class InputError(TsmlirError, TypeError):
    """Arguments passed to a compiled module do not match its compiled specs."""
