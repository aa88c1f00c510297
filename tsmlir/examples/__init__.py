"""Bundled example models (plain PyTorch) used by the demo, tests and bench/."""
