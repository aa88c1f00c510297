"""tsm nn ops.  (Family filled in by its own change.)"""
from ..opdef import define

OPS = define("nn", [])
