"""Source locations of TorchScript nodes, as MLIR locations and as SourceLocs.

A node's own source range is its innermost frame; the importer inlines
methods and functions itself and keeps the call-site frames, so an op inside
`torch/nn/functional.py` still knows the user's line that called it.
"""
from __future__ import annotations

import re

import torch
from mlir import ir

from ..errors import SourceLoc, user_frame  # noqa: F401  (re-exported)

_TRAILING = re.compile(r"#\s+(.+):(\d+):(\d+)\s*$")


def node_frame(node: torch._C.Node) -> SourceLoc | None:
    """The node's own source position, parsed from its printed form."""
    first = str(node).splitlines()[0] if str(node) else ""
    m = _TRAILING.search(first)
    if not m:
        return None
    return SourceLoc(m.group(1), int(m.group(2)), int(m.group(3)) + 1)


def mlir_location(kind: str, frames: list[SourceLoc]) -> ir.Location:
    """NameLoc(kind, callsite(innermost, [callers...])); frames innermost first."""
    if not frames:
        return ir.Location.name(kind)
    locs = [ir.Location.file(f.file, f.line, f.col) for f in frames]
    inner = locs[0] if len(locs) == 1 else ir.Location.callsite(locs[0], locs[1:])
    return ir.Location.name(kind, childLoc=inner)
