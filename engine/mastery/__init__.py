"""Mastery: bands (green, yellow, red), per-standard estimates from a
student's history with drift over time, and tiered morning work."""
