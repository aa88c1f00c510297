"""aten reduction ops -> tsm.  (Family filled in by its own change.)"""

HANDLERS: dict = {}
