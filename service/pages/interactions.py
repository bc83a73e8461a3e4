"""The student's page for the interactions QTI brought: reading the form, and answers in words.

The page draws each interaction with plain form controls, so it works
without JavaScript, with a keyboard and on a phone: a text box (text
entry), one drop-down (inline choice), a drop-down per position (order),
a drop-down per target or blank (match, gap match: its options are
``"<choice> <target>"``), check boxes (hot text; associate: one box per
possible pair, ``"<choice> <choice>"``).  Every control is named
``answer``; this module turns the values back into the API's answer.
"""

from __future__ import annotations

from typing import Any

from itembank.tables import Interaction
from service.pages.language import N_

__all__ = ["RICH_INTERACTIONS", "answer_from_form", "answer_words"]

#: The interactions this module reads (the others are read by the student page itself).
RICH_INTERACTIONS = frozenset(
    {
        Interaction.text_entry.value,
        Interaction.inline_choice.value,
        Interaction.order.value,
        Interaction.match.value,
        Interaction.hot_text.value,
        Interaction.gap_match.value,
        Interaction.associate.value,
    }
)


def answer_from_form(values: list[str], interaction: str) -> tuple[Any, str | None]:
    """The API answer from the ``answer`` fields, or a message for the student."""
    given = [v.strip() for v in values if v.strip()]
    if interaction == Interaction.text_entry.value:
        return (given[0], None) if len(given) == 1 else (None, N_("Type your answer, then press Check my answer."))
    if interaction == Interaction.inline_choice.value:
        return (
            (given[0], None) if len(given) == 1 else (None, "Choose a word for the blank, then press Check my answer.")
        )
    if interaction == Interaction.order.value:
        if len(given) != len(values) or len(set(given)) != len(given):
            return None, N_("Put each choice in one position, then press Check my answer.")
        return given, None
    if interaction == Interaction.hot_text.value:
        return (given, None) if given else (None, N_("Pick at least one part of the text, then press Check my answer."))
    if interaction == Interaction.associate.value:
        pairs = [v.split(" ") for v in given]
        if not pairs or any(len(p) != 2 for p in pairs):
            return None, N_("Pick at least one pair that goes together, then press Check my answer.")
        return pairs, None
    pairs = [v.rsplit(" ", 1) for v in given]
    if not pairs or any(len(p) != 2 for p in pairs):
        return None, N_("Fill at least one blank or match, then press Check my answer.")
    return pairs, None


def answer_words(item: Any, value: Any) -> str:
    """An answer (or a key) of a rich interaction in words, for the feedback page."""
    texts = {str(c["id"]): str(c["text"]) for c in item.choices}
    targets = {str(t["id"]): str(t["text"]) for t in item.targets}
    if value is None:
        return ""
    if isinstance(value, str):
        return texts.get(value, value)
    if value and isinstance(value[0], (list, tuple)) and item.interaction == Interaction.associate.value:
        return "; ".join(f"{texts.get(str(a), a)} with {texts.get(str(b), b)}" for a, b in value)
    if value and isinstance(value[0], (list, tuple)):
        return "; ".join(f"{targets.get(str(t), t)}: {texts.get(str(c), c)}" for c, t in value)
    joiner = ", then " if item.interaction == Interaction.order.value else "; "
    if item.interaction == Interaction.text_entry.value:
        return " or ".join(str(v) for v in value)
    return joiner.join(texts.get(str(v), str(v)) for v in value)
