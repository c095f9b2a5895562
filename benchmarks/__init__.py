"""Benchmarks: one script per module, run as ``python benchmarks/NAME.py [--quick]``."""
