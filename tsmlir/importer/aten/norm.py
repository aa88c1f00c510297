"""aten norm ops -> tsm (being filled in)."""
from __future__ import annotations

HANDLERS: dict = {}
