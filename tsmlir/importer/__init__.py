"""TorchScript -> tsm importer."""
from .graph import import_module

__all__ = ["import_module"]
