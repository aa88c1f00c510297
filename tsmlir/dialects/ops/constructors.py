"""constructors ops (being filled in)."""
from ..opdef import define

OPS = define("constructors", [])
