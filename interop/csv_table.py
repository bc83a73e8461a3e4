"""Reading one CSV file of a published specification: its header checked, its rows with their line numbers.

Exports from real systems deviate from the specifications they follow.  What
is unambiguous is accepted with a warning on the report: a UTF-8 byte-order
mark, Windows line ends, extension columns (``ext_*``), a header in other
letter case or with stray spaces.  What is not is refused whole, naming the
file, line and column: text that is not UTF-8, an unknown (misspelled)
column, a missing required column, a column named twice, a row with more or
fewer cells than the header.
"""

from __future__ import annotations

import csv
import difflib
import io
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from interop.errors import ImportRefused
from interop.report import ImportReport

__all__ = ["CsvRow", "read_csv_table", "decode_text"]

#: Longest cell accepted; a longer one is not a roster value.
MAX_CELL = 10_000


@dataclass(frozen=True)
class CsvRow:
    """A row's cells by the specification's column names (absent optional columns read as ``""``)."""

    line: int
    cells: dict[str, str]

    def __getitem__(self, column: str) -> str:
        return self.cells.get(column, "")


def decode_text(data: bytes, file: str, report: ImportReport) -> str:
    """UTF-8 text of a file, without a byte-order mark (a warning notes one); refused when not UTF-8."""
    if data.startswith(b"\xef\xbb\xbf"):
        report.warn("starts with a UTF-8 byte-order mark; ignored", file=file)
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise ImportRefused(f"is not UTF-8 text (byte {err.start})", file=file, line=line) from None


def _header(
    raw: list[str], file: str, columns: Sequence[str], required: Collection[str], report: ImportReport
) -> list[str | None]:
    """The specification's name of each header cell (None for an extension column to skip)."""
    by_folded = {c.casefold(): c for c in columns}
    names: list[str | None] = []
    for cell in raw:
        text = cell.strip()
        if text in columns:
            name: str | None = text
        elif text.casefold().startswith("ext_"):
            report.warn("an extension column; not imported", file=file, column=text)
            name = None
        elif text.casefold() in by_folded:
            name = by_folded[text.casefold()]
            report.warn(f"read as the column {name}", file=file, column=text)
        else:
            close = difflib.get_close_matches(text, columns, n=1)
            hint = f" (did you mean {close[0]}?)" if close else f"; the columns are {', '.join(columns)}"
            raise ImportRefused(f"unknown column {text!r}{hint}", file=file, line=1, column=text or None)
        if name is not None and name in names:
            raise ImportRefused(f"the column {name} appears twice", file=file, line=1, column=name)
        names.append(name)
    missing = [c for c in columns if c in required and c not in names]
    if missing:
        raise ImportRefused(
            f"the required column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"{'are' if len(missing) > 1 else 'is'} missing",
            file=file,
            line=1,
            column=missing[0],
        )
    return names


def read_csv_table(
    data: bytes, file: str, *, columns: Sequence[str], required: Collection[str], report: ImportReport
) -> list[CsvRow]:
    """The rows of a CSV file whose header must name columns of ``columns``.

    Parameters
    ----------
    data : bytes
        The file.
    file : str
        Its name, for messages.
    columns : sequence of str
        Every column the specification defines, in its order.
    required : collection of str
        The columns a file must have.
    report : ImportReport
        Receives the warnings.

    Returns
    -------
    list of CsvRow
        One per non-blank row, with its 1-based line number in the file.

    Raises
    ------
    ImportRefused
        Text not UTF-8, an empty file, an unknown, repeated or missing
        required column, a row of the wrong length or a cell of control
        characters or beyond :data:`MAX_CELL` characters.
    """
    text = decode_text(data, file, report)
    if "\r\n" in text:
        report.warn("Windows line ends (CRLF); read as line ends", file=file)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        raw_header = next(reader, None)
        if raw_header is None:
            raise ImportRefused("is empty; it needs at least its header line", file=file)
        names = _header(raw_header, file, columns, required, report)
        rows: list[CsvRow] = []
        start = reader.line_num + 1
        for record in reader:
            line, start = start, reader.line_num + 1
            if not record or (len(record) == 1 and not record[0].strip()):
                continue
            if len(record) != len(names):
                raise ImportRefused(f"has {len(record)} cells; the header has {len(names)}", file=file, line=line)
            cells = {}
            for name, value in zip(names, record):
                if name is None:
                    continue
                value = value.strip()
                if len(value) > MAX_CELL or any(ord(ch) < 32 and ch not in "\t\r\n" for ch in value):
                    raise ImportRefused(
                        f"the cell is longer than {MAX_CELL} characters or holds control characters",
                        file=file,
                        line=line,
                        column=name,
                    )
                cells[name] = value
            rows.append(CsvRow(line, cells))
    except csv.Error as err:
        raise ImportRefused(f"is not well-formed CSV: {err}", file=file, line=reader.line_num) from None
    return rows
