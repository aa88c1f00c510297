"""aten matmul ops -> tsm.  (Family filled in by its own change.)"""

HANDLERS: dict = {}
