"""Adaptive testing: the compiled bank, posteriors on its grid, item selection
with exposure and content control, stopping rules, the adaptive check's state
machine, pretest seeding and whole-population simulation."""
