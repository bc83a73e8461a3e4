"""Sentences written in Python that a page shows in its reader's language.

The JSON API answers in English; a page translates what it shows through the
catalog of :mod:`service.pages.language`.  A fixed sentence is marked with
:func:`N_` (for the catalog's extraction) and translated where it is shown;
a sentence with values in it is a :class:`Words`: the English text itself
(a ``str``, so the API and the logs see English), carrying its msgid and
values so that a page can translate it.  Both live here, below the pages,
so that the API's modules (errors raised by access checks) can mark what
a page may show.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["N_", "Words", "in_language"]


def N_(message: str) -> str:
    """Mark ``message``, written in Python and shown by a template through ``_()``, for the catalog (returned as is)."""
    return message


class Words(str):
    """An English sentence (``msgid % values``) that a page can show translated.

    A value may itself be :class:`Words` (translated too) or a tuple of them
    (each translated, joined by commas).  Extracted by the keyword ``Words``.

    Examples
    --------
    >>> w = Words("This page is for %(who)s.", who=Words("students"))
    >>> str(w)
    'This page is for students.'
    """

    msgid: str
    values: dict[str, object]

    def __new__(cls, msgid: str, **values: object) -> Words:
        text = _format(msgid, values, _english)
        obj = super().__new__(cls, text)
        obj.msgid = msgid
        obj.values = values
        return obj

    def translated(self, gettext: Callable[[str], str]) -> str:
        """The sentence through ``gettext``, its values too."""
        return _format(gettext(self.msgid), self.values, gettext)


def _english(message: str) -> str:
    return message


def _value(value: object, gettext: Callable[[str], str]) -> object:
    if isinstance(value, Words):
        return value.translated(gettext)
    if isinstance(value, tuple):
        return ", ".join(str(_value(v, gettext)) for v in value)
    return value


def _format(message: str, values: dict[str, object], gettext: Callable[[str], str]) -> str:
    return message % {k: _value(v, gettext) for k, v in values.items()} if values else message


def in_language(text: object, gettext: Callable[[str], str]) -> str:
    """``text`` as a page in ``gettext``'s language shows it: :class:`Words` translated, a marked sentence looked up.

    A string the catalog does not hold (a detail made of data) is shown as is.
    """
    if isinstance(text, Words):
        return text.translated(gettext)
    return gettext(str(text)) if text else ""
