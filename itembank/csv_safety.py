"""CSV cells a spreadsheet will not run as formulas (CSV injection).

A spreadsheet opening a CSV file runs a text cell that starts with ``=``,
``+``, ``-`` or ``@`` (and, in some, a tab or a carriage return) as a
formula; a student's name or a title typed as ``=HYPERLINK(...)`` would
run on the teacher's computer.  :func:`safe_cell` prefixes such text with
an apostrophe (OWASP's advice), which spreadsheets show as text; numbers,
and text that reads as a plain number (``-0.25``), are left as they are.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["safe_cell", "safe_row"]

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def safe_cell(value: Any) -> Any:
    """``value`` with an apostrophe before text a spreadsheet would run; other values unchanged."""
    if isinstance(value, str) and value.startswith(_TRIGGERS) and not _is_number(value):
        return "'" + value
    return value


def safe_row(values: list[Any]) -> list[Any]:
    """Every cell of a row through :func:`safe_cell`."""
    return [safe_cell(v) for v in values]
