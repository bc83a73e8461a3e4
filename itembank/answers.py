"""Checking and scoring a student's answer to an item.

An answer's form follows the item's interaction:

``single_choice``
    one choice id (``"B"``); correct when it is the key.
``multiple_select``
    a list of distinct choice ids; correct when the set equals the key's set.
``numeric_entry``
    a number; correct when within the item's tolerance of the key.
``constructed_response``
    text; not scored here: it waits for a teacher's rubric score.

Self-scoring items are dichotomous (score 0 or 1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from itembank.tables import Interaction

if TYPE_CHECKING:  # pragma: no cover
    from itembank.bank import ItemContent

__all__ = ["InvalidAnswer", "ScoredAnswer", "score_answer", "normalize_answer", "validate_key", "canonical_key"]

#: Slack added to a numeric tolerance for floating-point representation.
_EPS = 1e-9


class InvalidAnswer(ValueError):
    """The answer does not have the form the item's interaction needs."""


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


def _choice_ids(item: ItemContent) -> list[str]:
    return [str(c["id"]) for c in item.choices]


def normalize_answer(item: ItemContent, answer: Any) -> Any:
    """The canonical form of ``answer`` for ``item``; :class:`InvalidAnswer` if malformed."""
    kind = item.interaction
    if kind == Interaction.single_choice.value:
        if not isinstance(answer, str):
            raise InvalidAnswer(f"item {item.id} takes one choice id (a string), got {type(answer).__name__}")
        if answer not in _choice_ids(item):
            raise InvalidAnswer(f"item {item.id} has no choice {answer!r}; choices are {', '.join(_choice_ids(item))}")
        return answer
    if kind == Interaction.multiple_select.value:
        if not isinstance(answer, list) or not all(isinstance(a, str) for a in answer):
            raise InvalidAnswer(f"item {item.id} takes a list of choice ids")
        if not answer:
            raise InvalidAnswer(f"item {item.id}: select at least one choice")
        if len(set(answer)) != len(answer):
            raise InvalidAnswer(f"item {item.id}: a choice is selected twice")
        unknown = [a for a in answer if a not in _choice_ids(item)]
        if unknown:
            raise InvalidAnswer(f"item {item.id} has no choice {unknown[0]!r}")
        return sorted(answer)
    if kind == Interaction.numeric_entry.value:
        if isinstance(answer, bool) or not isinstance(answer, (int, float)):
            raise InvalidAnswer(f"item {item.id} takes a number, got {type(answer).__name__}")
        if not math.isfinite(float(answer)):
            raise InvalidAnswer(f"item {item.id} takes a finite number")
        return float(answer)
    if kind == Interaction.constructed_response.value:
        if not isinstance(answer, str) or not answer.strip():
            raise InvalidAnswer(f"item {item.id} takes a written answer (non-empty text)")
        return answer
    raise InvalidAnswer(f"item {item.id} has an unknown interaction {kind!r}")


def score_answer(item: ItemContent, answer: Any) -> ScoredAnswer:
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
