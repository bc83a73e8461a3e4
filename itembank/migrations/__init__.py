"""Alembic migrations of the item bank schema (run with ``masterycat db upgrade``)."""
