"""``python -m cli`` runs the masterycat command line."""

from cli.main import app

app()
