"""CSV cells a spreadsheet shows as written, never runs (OWASP: CSV injection).

A spreadsheet opening a CSV file runs a cell that begins with ``=``, ``+``,
``-`` or ``@`` as a formula, and one that begins with a tab or a carriage
return may be read as one too; an item's stem or a student's name written by
anyone could then run on a teacher's computer.  Every CSV file the bank
writes (exports, parameter tables, scores, the command line's outputs)
passes its cells through :func:`spreadsheet_safe`; the readers of those
formats undo it with :func:`restore_cell`, so files round-trip.

The rule:

* a cell that begins with one of ``= + - @``, a tab or a carriage return
  gets a leading apostrophe (``'=SUM(A1)``), which spreadsheets take as
  "text" and do not show;
* unless the whole cell is a number (``-1.2``, ``+3``, ``-2e-05``,
  ``-inf``): numbers stay numbers, so numeric columns are untouched;
* a cell that already begins with apostrophes before one of those
  characters gets one more, so that reading strips exactly one and gives
  back what was written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["spreadsheet_safe", "restore_cell", "safe_row"]

#: A cell a spreadsheet may run: (apostrophes, then) a formula's first character
_RUNNABLE = re.compile(r"'*[=+\-@\t\r]")
#: What an apostrophe was put before
_NEUTRALIZED = re.compile(r"'+[=+\-@\t\r]")
#: A plain number, which a spreadsheet reads as a number and runs nothing
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|inf|nan)")


def spreadsheet_safe(cell: object) -> str:
    """The text of ``cell`` as written to a CSV file (None is empty).

    Examples
    --------
    >>> spreadsheet_safe("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> spreadsheet_safe("-1.25"), spreadsheet_safe(-3), spreadsheet_safe("-3 apples")
    ('-1.25', '-3', "'-3 apples")
    """
    text = "" if cell is None else str(cell)
    if _RUNNABLE.match(text) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def restore_cell(text: str) -> str:
    """The cell as it was before :func:`spreadsheet_safe` (the inverse on what it wrote)."""
    return text[1:] if _NEUTRALIZED.match(text) else text


def safe_row(cells: Iterable[object]) -> list[str]:
    """:func:`spreadsheet_safe` of every cell of a row."""
    return [spreadsheet_safe(cell) for cell in cells]
