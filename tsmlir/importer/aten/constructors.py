"""aten constructors ops -> tsm (being filled in)."""
from __future__ import annotations

HANDLERS: dict = {}
