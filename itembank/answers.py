"""Checking and scoring a student's answer to an item.

An answer's form follows the item's interaction:

``single_choice``
    one choice id (``"B"``); correct when it is the key.
``multiple_select``
    a non-empty list of distinct choice ids; correct when the set equals the
    key's set (all or nothing).
``numeric_entry``
    a number, or a number as a student types it (``"3/4"``, ``"−2.5"``,
    ``"1 1/2"``, ``"1,250"``, ``"$4.50"``, ``"8%"``); correct when within the
    item's tolerance of the key.
``constructed_response``
    text; not scored here: it waits for a teacher's rubric score.

Choice ids are read without regard to surrounding spaces or case (``" b "``
is ``"B"``) as long as that names exactly one choice.  An answer that cannot
be read is refused (:class:`InvalidAnswer`), never scored wrong: an empty
multiple-select answer is refused too, since it is a submit without a
selection, not a considered answer (every multiple-select key is non-empty).
Self-scoring items are dichotomous (score 0 or 1).

The scorer reads plain item data (:class:`ScorableItem`); the bank's
``ItemContent`` is one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from numbers import Real
from typing import Any, Protocol

from itembank.tables import Interaction

__all__ = [
    "InvalidAnswer",
    "ScorableItem",
    "ScoredAnswer",
    "score_answer",
    "normalize_answer",
    "read_number",
    "validate_key",
    "canonical_key",
]

#: Slack added to a numeric tolerance for floating-point representation.
_EPS = 1e-9

#: A typed number: sign, optional ``$``, then a mixed number, a fraction or a
#: decimal (thousands grouped by commas or not), then an optional ``%``.
_NUMBER = re.compile(
    r"""(?P<sign>[-+]?)\$?
    (?:
        (?P<whole>\d+)\s+(?P<mixed_num>\d+)/(?P<mixed_den>\d+)
      | (?P<num>\d+)/(?P<den>\d+)
      | (?P<decimal>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)
    )
    %?""",
    re.VERBOSE,
)


class InvalidAnswer(ValueError):
    """The answer does not have the form the item's interaction needs."""


class ScorableItem(Protocol):
    """What the scorer reads of an item."""

    @property
    def id(self) -> str: ...

    @property
    def interaction(self) -> str: ...

    @property
    def choices(self) -> Sequence[dict]: ...

    @property
    def key(self) -> Any: ...

    @property
    def tolerance(self) -> float: ...


@dataclass(frozen=True)
class ScoredAnswer:
    """An answer in canonical form and its score (None: awaits a rubric score)."""

    answer: Any
    score: int | None
    correct: bool | None


def canonical_key(interaction: str, key: Any) -> Any:
    """The key as stored values should read: numeric keys as floats.

    (A SQLite JSON column gives back ``3`` for a stored ``3.0``.)
    """
    if interaction == Interaction.numeric_entry.value and isinstance(key, (int, float)) and not isinstance(key, bool):
        return float(key)
    return key


def read_number(text: str) -> float:
    """The value of a number as a student types it.

    Parameters
    ----------
    text : str
        ``"12"``, ``"−2.5"`` (typographic or ASCII minus), ``"3/4"``,
        ``"-1 1/2"``, ``"1,250.5"`` (commas only as thousands separators),
        ``"$4.50"`` or ``"8%"`` (read as 8: the stem says the unit);
        surrounding spaces are ignored.

    Returns
    -------
    float
        The value, computed exactly and rounded once.

    Raises
    ------
    InvalidAnswer
        When ``text`` is not such a number (``"twelve"``, ``"3,5"``, ``"1/0"``)
        or too large for a float.
    """
    typed = text.strip().replace("\u2212", "-")
    if not typed:
        raise InvalidAnswer("the answer is empty; type a number")
    match = _NUMBER.fullmatch(typed)
    if match is None or match["den"] == "0" or match["mixed_den"] == "0":
        raise InvalidAnswer(f"could not read {text!r} as a number (examples: 12, -2.5, 3/4, 1 1/2)")
    if match["whole"] is not None:
        value = int(match["whole"]) + Fraction(int(match["mixed_num"]), int(match["mixed_den"]))
    elif match["num"] is not None:
        value = Fraction(int(match["num"]), int(match["den"]))
    else:
        value = Fraction(match["decimal"].replace(",", ""))
    try:
        return float(-value if match["sign"] == "-" else value)
    except OverflowError:
        raise InvalidAnswer(f"{text!r} is too large a number") from None


def _choice_id(item: ScorableItem, answer: str) -> str:
    """The id of the choice ``answer`` names: exactly, else ignoring spaces and case if that is unambiguous."""
    ids = [str(c["id"]) for c in item.choices]
    if answer in ids:
        return answer
    folded = answer.strip().casefold()
    named = [i for i in ids if i.strip().casefold() == folded]
    if len(named) != 1:
        raise InvalidAnswer(f"item {item.id} has no choice {answer!r}; choices are {', '.join(ids)}")
    return named[0]


def _number(item: ScorableItem, answer: Any) -> float:
    if isinstance(answer, str):
        return read_number(answer)
    if isinstance(answer, bool) or not isinstance(answer, Real):
        raise InvalidAnswer(f"item {item.id} takes a number, got {type(answer).__name__}")
    try:
        value = float(answer)
    except OverflowError:
        raise InvalidAnswer(f"item {item.id} takes a finite number") from None
    if not math.isfinite(value):
        raise InvalidAnswer(f"item {item.id} takes a finite number")
    return value


def normalize_answer(item: ScorableItem, answer: Any) -> Any:
    """The canonical form of ``answer`` for ``item``; :class:`InvalidAnswer` if malformed.

    Parameters
    ----------
    item : ScorableItem
        The item answered.
    answer : str or list of str or float
        A choice id; a list (tuple or set) of choice ids; a number (int,
        float, Fraction) or a typed number (:func:`read_number`); text.

    Returns
    -------
    str or list of str or float
        The choice's id as the item spells it; the sorted list of ids; the
        number as a float; the text unchanged.
    """
    kind = item.interaction
    if kind == Interaction.single_choice.value:
        if not isinstance(answer, str):
            raise InvalidAnswer(f"item {item.id} takes one choice id (a string), got {type(answer).__name__}")
        return _choice_id(item, answer)
    if kind == Interaction.multiple_select.value:
        if not isinstance(answer, (list, tuple, set, frozenset)) or not all(isinstance(a, str) for a in answer):
            raise InvalidAnswer(f"item {item.id} takes a list of choice ids")
        if not answer:
            raise InvalidAnswer(f"item {item.id}: select at least one choice")
        chosen = [_choice_id(item, a) for a in answer]
        if len(set(chosen)) != len(chosen):
            raise InvalidAnswer(f"item {item.id}: a choice is selected twice")
        return sorted(chosen)
    if kind == Interaction.numeric_entry.value:
        return _number(item, answer)
    if kind == Interaction.constructed_response.value:
        if not isinstance(answer, str) or not answer.strip():
            raise InvalidAnswer(f"item {item.id} takes a written answer (non-empty text)")
        return answer
    raise InvalidAnswer(f"item {item.id} has an unknown interaction {kind!r}")


def score_answer(item: ScorableItem, answer: Any) -> ScoredAnswer:
    """Check ``answer`` against ``item`` and score it.

    Raises
    ------
    InvalidAnswer
        When the answer does not fit the interaction.
    """
    value = normalize_answer(item, answer)
    kind = item.interaction
    if kind == Interaction.constructed_response.value:
        return ScoredAnswer(value, None, None)
    if kind == Interaction.single_choice.value:
        correct = value == str(item.key)
    elif kind == Interaction.multiple_select.value:
        correct = sorted(str(k) for k in item.key) == value
    else:
        correct = abs(value - float(item.key)) <= float(item.tolerance) + _EPS
    return ScoredAnswer(value, int(correct), bool(correct))


def validate_key(interaction: str, choices: list[dict], key: Any, rubric: list | None) -> list[tuple[str, str]]:
    """Problems with an item's key, choices and rubric as ``(field, message)`` (empty when consistent)."""
    problems: list[tuple[str, str]] = []
    ids = [str(c.get("id")) for c in choices]
    if len(set(ids)) != len(ids):
        problems.append(("choices", "choice ids must be unique"))
    if interaction == Interaction.single_choice.value:
        if len(choices) < 2:
            problems.append(("choices", "a single-choice item needs at least 2 choices"))
        if not isinstance(key, str) or key not in ids:
            problems.append(("key", "the key must be the id of one of the choices"))
    elif interaction == Interaction.multiple_select.value:
        if len(choices) < 2:
            problems.append(("choices", "a multiple-select item needs at least 2 choices"))
        if not isinstance(key, list) or not key or not all(isinstance(k, str) and k in ids for k in key):
            problems.append(("key", "the key must be a non-empty list of choice ids"))
        elif len(set(key)) != len(key):
            problems.append(("key", "the key lists a choice twice"))
    elif interaction == Interaction.numeric_entry.value:
        if choices:
            problems.append(("choices", "a numeric-entry item has no choices"))
        if isinstance(key, bool) or not isinstance(key, (int, float)) or not math.isfinite(float(key)):
            problems.append(("key", "the key of a numeric-entry item must be a number"))
    elif interaction == Interaction.constructed_response.value:
        if not rubric or len(rubric) != 4:
            problems.append(("rubric", "a constructed-response item needs a rubric with 4 levels (scores 0..3)"))
        elif sorted(int(level.get("score", -1)) for level in rubric) != [0, 1, 2, 3]:
            problems.append(("rubric", "the rubric levels must have scores 0, 1, 2 and 3"))
    else:
        problems.append(("interaction", "interaction must be one of " + ", ".join(i.value for i in Interaction)))
    return problems
