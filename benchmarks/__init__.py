"""Benchmarks of masterycat against its peers (not part of the installed package)."""
