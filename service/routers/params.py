"""Path and query parameters of the routers, declared once with their limits.

Ids stay within the range of their columns (``INTEGER`` keys, ``BIGINT``
response ids), codes and item references within their columns' length and
without control characters (the rules of :mod:`service.schemas`): an id
beyond the database's integers or a NUL in a code is a 422 naming the
parameter on SQLite and PostgreSQL alike, never a database error.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from itembank.tables import MAX_BIGINT, MAX_INT_ID
from itembank.text_rules import CODE_LENGTH, ONE_LINE_PATTERN

__all__ = ["IdPath", "ResponseIdPath", "ItemIdPath", "IdQuery", "CodeQuery"]

#: The id of a standard, student, teacher, class, check or calibration
IdPath = Annotated[int, Path(ge=1, le=MAX_INT_ID)]
#: The id of a response
ResponseIdPath = Annotated[int, Path(ge=1, le=MAX_BIGINT)]
#: An item's id
ItemIdPath = Annotated[str, Path(min_length=1, max_length=CODE_LENGTH, pattern=ONE_LINE_PATTERN)]
#: An optional filter by the id of a row
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_INT_ID)]
#: An optional filter by a code, a framework or an item id
CodeQuery = Annotated[str | None, Query(min_length=1, max_length=CODE_LENGTH, pattern=ONE_LINE_PATTERN)]
