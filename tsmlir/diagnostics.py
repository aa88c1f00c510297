"""MLIR locations and diagnostics rendered for users (file:line:col first)."""
from __future__ import annotations

import re

from mlir import ir

from .errors import SourceLoc, render, user_frame

_FRAME = re.compile(r'"([^"]+)":(\d+):(\d+)')


def source_loc(loc: ir.Location | str) -> SourceLoc | None:
    """The user's frame of an MLIR location (innermost file position outside
    the torch package), or None for unknown locations."""
    return user_frame([SourceLoc(f, int(l), int(c)) for f, l, c in _FRAME.findall(str(loc))])


def format_diagnostic(d) -> str:
    severity = str(d.severity).rsplit(".", 1)[-1].lower()
    text = render(source_loc(d.location), d.message, severity)
    for note in d.notes:
        text += "\n" + render(source_loc(note.location), note.message, "note")
    return text


class DiagnosticCollector:
    """Context manager collecting a context's diagnostics as rendered strings."""

    def __init__(self, ctx: ir.Context):
        self.ctx, self.messages = ctx, []

    def __enter__(self):
        self._handler = self.ctx.attach_diagnostic_handler(self._on)
        return self

    def _on(self, d) -> bool:
        self.messages.append(format_diagnostic(d))
        return True

    def __exit__(self, *exc):
        self._handler.detach()
        # The handler holds the bound method `_on`, hence this collector and
        # its context: a cycle through MLIR's binding objects, which Python's
        # garbage collector cannot break, so each compile leaked its context
        # with every weight array in it (ResNet-18: ~135 MB a compile).
        self._handler = None
        return False
