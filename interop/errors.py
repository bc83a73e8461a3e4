"""The refusal of a whole file: what is wrong and where (file, line, column)."""

from __future__ import annotations

from itembank.errors import Invalid

__all__ = ["ImportRefused", "location"]


def location(file: str | None, line: int | None = None, column: str | None = None) -> str:
    """``users.csv, line 4, column role`` (the parts that are known)."""
    parts = []
    if file:
        parts.append(file)
    if line is not None:
        parts.append(f"line {line}")
    if column:
        parts.append(f"column {column}")
    return ", ".join(parts)


class ImportRefused(Invalid):
    """A file or package refused whole; nothing of it is written.

    The message starts with where the problem is (:func:`location`), so the
    command line prints it on one line and the API returns it as a 422 on
    the field ``file``.

    Parameters
    ----------
    message : str
        What is wrong, in the user's words.
    file, line, column : optional
        Where: the file inside a package, the 1-based line, the column's header.
    """

    def __init__(
        self, message: str, *, file: str | None = None, line: int | None = None, column: str | None = None
    ) -> None:
        self.file, self.line, self.column = file, line, column
        where = location(file, line, column)
        super().__init__(f"{where}: {message}" if where else message, "file")
