"""data_movement ops (being filled in)."""
from ..opdef import define

OPS = define("data_movement", [])
