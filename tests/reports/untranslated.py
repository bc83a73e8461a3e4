"""Find the English a translated page still shows: the catalog's own English messages, in the page's visible words.

:func:`english_messages` extracts every message marked for translation (the
templates' ``_()`` and ``{% trans %}``, the Python modules' ``N_()`` and
``Words()``); :func:`english_left` lists those a page shows untranslated: a
visible text or label that *is* a message, or three words in a row of a
message's fixed text (between its placeholders and tags).  The data a page
shows (standard titles, item text, names) is in no message, so it is not
reported.
"""

from __future__ import annotations

import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.extract import extract, extract_from_file

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "service" / "templates"
#: Python calls whose first argument is a message for the catalog.
KEYWORDS = {"N_": None, "Words": None}
#: Attributes a reader hears or sees.
_SHOWN_ATTRIBUTES = ("aria-label", "title", "alt", "placeholder")


@cache
def english_messages() -> frozenset[str | tuple[str, str]]:
    """Every marked message of the templates and of the service's Python (plural ones as (singular, plural))."""
    messages: set[str | tuple[str, str]] = set()
    for template in sorted(TEMPLATES.rglob("*.html")):
        for _line, msg, _comments, _context in extract_from_file(
            "jinja2.ext:babel_extract", str(template), options={"extensions": "jinja2.ext.i18n"}
        ):
            messages.add(msg if isinstance(msg, str) else tuple(msg))
    for module in sorted((ROOT / "service").rglob("*.py")):
        with module.open("rb") as f:
            for _line, msg, _comments, _context in extract("python", f, keywords=KEYWORDS):
                messages.add(msg if isinstance(msg, str) else tuple(msg))
    return frozenset(messages)


class _Visible(HTMLParser):
    """The texts and shown attributes of a page, outside scripts and styles."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.labels: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        for name, value in attrs:
            if name in _SHOWN_ATTRIBUTES and value:
                self.labels.append(" ".join(value.split()))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.texts.append(" ".join(data.split()))


def _words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z][A-Za-z']*", text)


@cache
def _phrases() -> tuple[frozenset[str], frozenset[str]]:
    whole, runs = set(), set()
    for msg in english_messages():
        for text in (msg,) if isinstance(msg, str) else msg:
            if "%(" not in text and "<" not in text:
                whole.add(" ".join(text.split()))
            for part in re.split(r"<[^>]+>|%\([a-z_]+\)[sd]", text):
                words = _words(part)
                runs.update(" ".join(words[k : k + 3]) for k in range(len(words) - 2))
    return frozenset(whole), frozenset(runs)


def english_left(html: str) -> list[str]:
    """The English messages (or three-word runs of one) the page shows.

    A label (``aria-label``, ``title``, ``alt``, ``placeholder``) that is a
    message is reported, and so is a text that is a message of two words or
    more (a one-word text may be data: a login's name); otherwise each run of
    three words of a message's fixed text found in a text or label.
    """
    page = _Visible()
    page.feed(html)
    whole, runs = _phrases()
    found = []
    for text in page.labels + page.texts:
        if text in whole and (text in page.labels or len(_words(text)) > 1):
            found.append(text)
            continue
        words = _words(text)
        found += [r for r in (" ".join(words[k : k + 3]) for k in range(len(words) - 2)) if r in runs]
    return found
