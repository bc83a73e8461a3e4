"""What text the bank stores: the same rules on SQLite and PostgreSQL.

PostgreSQL cannot store a NUL character and refuses a value longer than its
column; SQLite stores both silently.  Whatever reaches the database through
the API or an import is held to these rules first, so both backends take the
same values and refuse the rest with a message naming the problem:

* one line (ids, codes, names, titles): no control characters at all;
* text (stems, rationales, descriptions, answers): tabs and line breaks,
  no other control characters;
* an item id: letters, digits and ``. _ : -``, at most
  :data:`ITEM_ID_LENGTH` characters.

The patterns are also the API's (:mod:`service.schemas`), so its OpenAPI
declares what the imports check.
"""

from __future__ import annotations

import re

__all__ = [
    "ONE_LINE_PATTERN",
    "TEXT_PATTERN",
    "ITEM_ID_PATTERN",
    "ITEM_ID_LENGTH",
    "CODE_LENGTH",
    "text_problem",
]

#: One line of text: no control characters at all
ONE_LINE_PATTERN = r"^[^\x00-\x1f\x7f]*$"
#: Longer text: tabs and line breaks allowed, no other control characters
TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
#: The id of an item: letters, digits and ``. _ : -``
ITEM_ID_PATTERN = r"^[A-Za-z0-9._:-]+$"
#: Longest item id (the column's length)
ITEM_ID_LENGTH = 64
#: Longest framework, standard code or student external id (the columns' length)
CODE_LENGTH = 64

_FORBIDDEN_IN_LINE = re.compile(r"[\x00-\x1f\x7f]")
_FORBIDDEN_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def text_problem(value: object, *, max_length: int | None = None, multiline: bool = False) -> str | None:
    """What is wrong with ``value`` as a text cell, or None when it may be stored.

    Parameters
    ----------
    value : object
        The value read from a file (a JSON value may be of any type).
    max_length : int, optional
        The column's length.
    multiline : bool
        Text that may hold tabs and line breaks (else one line).

    Returns
    -------
    str or None
        A message naming the problem: not text, too long, or the first
        control character and where it is.
    """
    if not isinstance(value, str):
        return f"must be text, got {type(value).__name__}"
    if max_length is not None and len(value) > max_length:
        return f"at most {max_length} characters, got {len(value)}"
    found = (_FORBIDDEN_IN_TEXT if multiline else _FORBIDDEN_IN_LINE).search(value)
    if found:
        return f"control character U+{ord(found.group()):04X} at position {found.start() + 1} is not allowed"
    return None
