"""Shared pieces of the command line: the app, failing cleanly, JSON output."""

from __future__ import annotations

import json
import sys
from typing import NoReturn

import typer

app = typer.Typer(
    name="masterycat",
    help="Item bank and adaptive assessment engine for mastery-based learning.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class BadInput(Exception):
    """Input the user can fix: printed as one line, exit code 2."""


def fail(message: str) -> NoReturn:
    """Print ``masterycat: error: <message>`` on stderr and exit with code 2."""
    one_line = " ".join(str(message).split())
    print(f"masterycat: error: {one_line}", file=sys.stderr)
    raise typer.Exit(code=2)


def print_json(payload: dict) -> None:
    """One JSON object on stdout (NaN and infinities as null)."""

    def clean(v):
        if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))):
            return None
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [clean(x) for x in v]
        return v

    print(json.dumps(clean(payload)))


def show_progress() -> bool:
    """Progress bars go to stderr, and only when it is a terminal."""
    return sys.stderr.isatty()
