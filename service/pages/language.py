"""The language of the family's and the student's pages: gettext catalogs, the reader's choice, localized dates.

Catalogs are Babel/gettext ``.po`` files under ``service/locale/<lang>/LC_MESSAGES/messages.po``,
compiled in memory when first used (no ``.mo`` is committed).  English is the
source language: its pages render the msgids as written.  A page's language
is ``?lang=`` for that one view, else the login's remembered choice
(``User.language``, set by the switch on the pages), else English.  The
templates use ``jinja2.ext.i18n`` (``{% trans %}`` and ``_()``); the
callables of the page's language are handed to each render in its context.
To add a language: ``pybabel init -i messages.pot -d service/locale -l <lang>``,
translate, and add it to :data:`LANGUAGES`.
"""

from __future__ import annotations

import gettext as gettext_module
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_percent
from babel.support import Translations
from fastapi import HTTPException, Request, status
from sqlmodel import Session

from itembank.tables import User
from service.security import TokenClaims
from service.words import N_

__all__ = [
    "LANGUAGES",
    "LOCALE_DIR",
    "N_",
    "translations",
    "page_language",
    "login_language",
    "language_context",
    "remember_language",
]

#: The languages the pages are in (code: name in that language).
LANGUAGES = {"en": "English", "es": "Español"}
#: Where the catalogs are: ``<lang>/LC_MESSAGES/messages.po``.
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DEFAULT_LANGUAGE = "en"


@cache
def translations(lang: str) -> gettext_module.NullTranslations:
    """The compiled catalog of ``lang`` (English, the source language, translates nothing)."""
    if lang == DEFAULT_LANGUAGE:
        return gettext_module.NullTranslations()
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f, locale=lang)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def page_language(request: Request, session: Session, user: TokenClaims) -> str:
    """``?lang=`` for this view, else the login's remembered language, else English.

    Raises
    ------
    HTTPException
        400 naming the languages offered when ``?lang=`` is not one of them.
    """
    asked = request.query_params.get("lang")
    if asked is not None:
        if asked not in LANGUAGES:
            raise HTTPException(
                status_code=status.HTTP_400_BAD_REQUEST,
                detail=f"There is no page in the language {asked[:20]!r}; choose one of: "
                + ", ".join(f"{code} ({name})" for code, name in LANGUAGES.items())
                + ".",
            )
        return asked
    login = session.get(User, user.user_id)
    if login is not None and login.language in LANGUAGES:
        return login.language
    return DEFAULT_LANGUAGE


def login_language(request: Request, user_id: int | None, asked: str | None = None) -> str:
    """The language of a page outside the routes' own (an error page, the login pages).

    ``asked`` (a form's ``lang``) or ``?lang=`` when one of :data:`LANGUAGES`,
    else the language login ``user_id`` chose (read with a session of its own:
    these pages have no request session), else English.
    """
    for wanted in (asked, request.query_params.get("lang")):
        if wanted in LANGUAGES:
            return wanted
    if user_id is None:
        return DEFAULT_LANGUAGE
    with Session(request.app.state.engine) as session:
        login = session.get(User, user_id)
        return login.language if login is not None and login.language in LANGUAGES else DEFAULT_LANGUAGE


def remember_language(session: Session, user: TokenClaims, lang: str) -> None:
    """Store ``lang`` as the login's language for its next visits (a 400 for a language not offered)."""
    if lang not in LANGUAGES:
        raise HTTPException(
            status_code=status.HTTP_400_BAD_REQUEST,
            detail=f"There is no page in the language {lang[:20]!r}; choose one of: {', '.join(LANGUAGES)}.",
        )
    login = session.get(User, user.user_id)
    if login is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Your login no longer exists.")
    login.language = lang
    session.add(login)
    session.commit()


def _english_date(value: Any) -> str:
    return value.strftime("%-d %b %Y")


def _english_pct(value: Any) -> str:
    return f"{100 * float(value):.0f}%"


#: A moment as the item bank writes it in a sentence (``2026-12-05 14:00 UTC``, see itembank.assignments).
_MOMENT = re.compile(r"(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}) UTC")


def language_context(lang: str) -> dict[str, Any]:
    """What a template needs to render in ``lang``: gettext callables, ``ldate``, ``lpct``, ``lmoment``, the switch.

    English keeps the pages' own formats (``8 Oct 2026``, ``85%``); other
    languages use Babel's medium date and percent of their locale.
    """
    t = translations(lang)

    def ldate(value: date | None) -> str:
        if value is None:
            return "–"
        return _english_date(value) if lang == DEFAULT_LANGUAGE else format_date(value, format="medium", locale=lang)

    def lpct(value: float | None) -> str:
        if value is None:
            return "–"
        return _english_pct(value) if lang == DEFAULT_LANGUAGE else format_percent(float(value), locale=lang)

    def lmoment(text: str) -> str:
        """``text``'s first moment (the item bank's ``2026-12-05 14:00 UTC``) in the locale's date and time."""
        found = _MOMENT.search(text)
        if found is None or lang == DEFAULT_LANGUAGE:
            return text if found is None else found.group(0)
        when = datetime(*(int(g) for g in found.groups()), tzinfo=UTC)  # type: ignore[misc]
        return f"{format_date(when, format='medium', locale=lang)} {format_time(when, 'short', tzinfo=UTC, locale=lang)} UTC"

    gettext: Callable[[str], str] = t.gettext
    return {
        "gettext": gettext,
        "_": gettext,
        "ngettext": t.ngettext,
        "ldate": ldate,
        "lpct": lpct,
        "lmoment": lmoment,
        "lang": lang,
        "languages": LANGUAGES,
    }
