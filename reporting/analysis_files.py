"""CSV files of the psychometrician's analyses (beside :mod:`itembank.io`).

* Groups: ``student_id,group`` — a student attribute for DIF.
* Choices: ``student_id,<item_id>,…`` — the option each student chose
  (whole numbers, e.g. 1-5), empty for omitted.
* Key: ``item_id,key`` — the keyed option of each item.
* Result tables (fit, DIF, classical statistics) are written with
  :func:`write_table`: numbers to 6 significant digits, NaN as an empty cell,
  atomically (a failed write leaves no partial file).

Bad files raise :class:`itembank.io.FileFormatError` naming line and column.
"""

from __future__ import annotations

import csv
import io
import math
import os
import sys
from collections.abc import Iterable, Sequence

import numpy as np

from itembank.csv_cells import safe_row
from itembank.io import FileFormatError, read_csv_rows, write_csv_atomically

__all__ = ["read_groups", "read_choices", "read_key", "write_table", "format_cell"]


def read_groups(path: str | os.PathLike) -> dict[str, str]:
    """Read ``student_id,group`` rows into a dict."""
    header, body = read_csv_rows(path)
    if header[:2] != ["student_id", "group"] or len(header) != 2:
        raise FileFormatError(f"{path}: line 1: the header should be 'student_id,group', got {','.join(header)!r}")
    if not body:
        raise FileFormatError(f"{path}: no students after the header")
    out: dict[str, str] = {}
    for line, row in body:
        sid, grp = row[0].strip(), row[1].strip()
        if not sid:
            raise FileFormatError(f"{path}: line {line}, column student_id: empty student_id")
        if not grp:
            raise FileFormatError(f"{path}: line {line}, column group: empty group")
        if sid in out:
            raise FileFormatError(f"{path}: line {line}: student {sid!r} appears again")
        out[sid] = grp
    return out


def read_choices(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Read a wide choices CSV.

    Returns
    -------
    student_ids : ndarray of str, shape (N,)
    item_ids : ndarray of str, shape (J,)
    choices : ndarray of float, shape (N, J)
        Option codes, NaN for omitted.
    """
    header, body = read_csv_rows(path)
    if header[0] != "student_id":
        raise FileFormatError(f"{path}: line 1, column 1: the first column should be 'student_id', got {header[0]!r}")
    if len(header) < 2:
        raise FileFormatError(f"{path}: line 1: no item columns")
    if not body:
        raise FileFormatError(f"{path}: no students after the header")
    out = np.full((len(body), len(header) - 1), np.nan)
    students = []
    seen: set[str] = set()
    for r, (line, row) in enumerate(body):
        sid = row[0].strip()
        if not sid:
            raise FileFormatError(f"{path}: line {line}, column student_id: empty student_id")
        if sid in seen:
            raise FileFormatError(f"{path}: line {line}: student {sid!r} appears again")
        seen.add(sid)
        students.append(sid)
        for c, text in enumerate(row[1:]):
            text = text.strip()
            if not text:
                continue
            try:
                value = float(text)
            except ValueError:
                raise FileFormatError(
                    f"{path}: line {line}, column {header[c + 1]}: {text!r} is not an option number"
                ) from None
            if not math.isfinite(value) or value != int(value):
                raise FileFormatError(f"{path}: line {line}, column {header[c + 1]}: {text!r} is not an option number")
            out[r, c] = value
    return np.array(students, dtype=str), np.array(header[1:], dtype=str), out


def read_key(path: str | os.PathLike) -> dict[str, int]:
    """Read ``item_id,key`` rows into a dict of keyed options."""
    header, body = read_csv_rows(path)
    if header[:2] != ["item_id", "key"] or len(header) != 2:
        raise FileFormatError(f"{path}: line 1: the header should be 'item_id,key', got {','.join(header)!r}")
    out: dict[str, int] = {}
    for line, row in body:
        iid, text = row[0].strip(), row[1].strip()
        if iid in out:
            raise FileFormatError(f"{path}: line {line}: item {iid!r} appears again")
        try:
            value = float(text)
        except ValueError:
            raise FileFormatError(f"{path}: line {line}, column key: {text!r} is not an option number") from None
        if not math.isfinite(value) or value != int(value):
            raise FileFormatError(f"{path}: line {line}, column key: {text!r} is not an option number")
        out[iid] = int(value)
    if not out:
        raise FileFormatError(f"{path}: no items after the header")
    return out


def format_cell(value: object) -> str:
    """A CSV cell: numbers to 6 significant digits, NaN/None empty, bools as 0/1."""
    if value is None:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "1" if value else "0"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if math.isnan(v):
            return ""
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return f"{v:.6g}"
    return str(value)


def write_table(path: str | os.PathLike | None, header: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Write a result table as CSV to ``path``, or to stdout when ``path`` is None."""
    cells = [[format_cell(v) for v in row] for row in rows]
    if path is None:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(safe_row(header))
        writer.writerows(safe_row(row) for row in cells)
        sys.stdout.write(buf.getvalue())
        return
    write_csv_atomically(path, list(header), cells)
