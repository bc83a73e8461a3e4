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
``text_entry``
    a word or phrase; correct when it is one of the key's accepted answers
    (spaces around and between words do not count; letter case does not
    either unless the item's scoring says ``case_sensitive``).
``inline_choice``
    one choice id for the blank, as ``single_choice``.
``order``
    every choice id once, in the student's order; correct when it is the key's order.
``match``, ``gap_match``
    a list of ``[choice id, target id]`` pairs (a choice matched with a
    target; a gap's text put into a gap); each target takes at most one
    choice; correct when the set of pairs is the key's.
``hot_text``
    a non-empty list of the ids of the spans chosen, as ``multiple_select``.
``associate``
    a non-empty list of ``[choice id, choice id]`` pairs of the choices that
    go together (unordered: ``["B", "A"]`` is ``["A", "B"]``); correct when
    the set of pairs is the key's.

Partial credit (an item's ``scoring``, QTI's map_response): each distinct
choice, pair or accepted text the answer gives earns its points (others the
default), the sum is kept within ``lower`` and ``upper``, and the score is
that sum in ``step`` units: a polytomous score ``0..n_categories-1``,
correct only at the top.

Choice ids are read without regard to surrounding spaces or case (``" b "``
is ``"B"``) as long as that names exactly one choice.  An answer that cannot
be read is refused (:class:`InvalidAnswer`), never scored wrong: an empty
multiple-select answer is refused too, since it is a submit without a
selection, not a considered answer (every multiple-select key is non-empty).
Self-scoring items without partial credit are dichotomous (score 0 or 1).

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

    @property
    def targets(self) -> Sequence[dict]: ...

    @property
    def scoring(self) -> dict | None: ...


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


def _choice_ids(item: ScorableItem, answer: Any, what: str = "choice ids") -> list[str]:
    if not isinstance(answer, (list, tuple, set, frozenset)) or not all(isinstance(a, str) for a in answer):
        raise InvalidAnswer(f"item {item.id} takes a list of {what}")
    if not answer:
        raise InvalidAnswer(f"item {item.id}: select at least one choice")
    chosen = [_choice_id(item, a) for a in answer]
    if len(set(chosen)) != len(chosen):
        raise InvalidAnswer(f"item {item.id}: a choice is selected twice")
    return chosen


def _pairs(item: ScorableItem, answer: Any) -> list[list[str]]:
    """``[[choice, target], ...]`` sorted, each target at most once."""
    if not isinstance(answer, (list, tuple)) or not answer:
        raise InvalidAnswer(f"item {item.id} takes a non-empty list of [choice id, target id] pairs")
    targets = {str(t["id"]) for t in item.targets}
    pairs = []
    for pair in answer:
        if not isinstance(pair, (list, tuple)) or len(pair) != 2 or not all(isinstance(p, str) for p in pair):
            raise InvalidAnswer(f"item {item.id} takes pairs of [choice id, target id]")
        choice = _choice_id(item, pair[0])
        if pair[1] not in targets:
            raise InvalidAnswer(f"item {item.id} has no target {pair[1]!r}; targets are {', '.join(sorted(targets))}")
        pairs.append([choice, pair[1]])
    used = [p[1] for p in pairs]
    if len(set(used)) != len(used):
        raise InvalidAnswer(f"item {item.id}: a target is given two choices")
    return sorted(pairs)


def _associations(item: ScorableItem, answer: Any) -> list[list[str]]:
    """``[[a, b], ...]`` unordered pairs of two different choices, each sorted, sorted, none twice."""
    if not isinstance(answer, (list, tuple)) or not answer:
        raise InvalidAnswer(f"item {item.id} takes a non-empty list of [choice id, choice id] pairs")
    pairs = []
    for pair in answer:
        if not isinstance(pair, (list, tuple)) or len(pair) != 2 or not all(isinstance(p, str) for p in pair):
            raise InvalidAnswer(f"item {item.id} takes pairs of [choice id, choice id]")
        first, second = sorted(_choice_id(item, p) for p in pair)
        if first == second:
            raise InvalidAnswer(f"item {item.id}: a choice is paired with itself")
        pairs.append([first, second])
    if len({tuple(p) for p in pairs}) != len(pairs):
        raise InvalidAnswer(f"item {item.id}: a pair is given twice")
    return sorted(pairs)


def _text(answer: str, case_sensitive: bool) -> str:
    words = " ".join(answer.split())
    return words if case_sensitive else words.casefold()


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
    if kind in (Interaction.single_choice.value, Interaction.inline_choice.value):
        if not isinstance(answer, str):
            raise InvalidAnswer(f"item {item.id} takes one choice id (a string), got {type(answer).__name__}")
        return _choice_id(item, answer)
    if kind in (Interaction.multiple_select.value, Interaction.hot_text.value):
        return sorted(_choice_ids(item, answer))
    if kind == Interaction.order.value:
        chosen = _choice_ids(item, answer, "choice ids in order")
        if len(chosen) != len(item.choices):
            raise InvalidAnswer(f"item {item.id}: put every choice in order ({len(item.choices)} of them)")
        return chosen
    if kind in (Interaction.match.value, Interaction.gap_match.value):
        return _pairs(item, answer)
    if kind == Interaction.associate.value:
        return _associations(item, answer)
    if kind == Interaction.numeric_entry.value:
        return _number(item, answer)
    if kind in (Interaction.constructed_response.value, Interaction.text_entry.value):
        if not isinstance(answer, str) or not answer.strip():
            raise InvalidAnswer(f"item {item.id} takes a written answer (non-empty text)")
        return answer if kind == Interaction.constructed_response.value else " ".join(answer.split())
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
    scoring = item.scoring or {}
    if scoring.get("mapping") is not None:
        return _mapped(item, value, scoring)
    if kind in (Interaction.single_choice.value, Interaction.inline_choice.value):
        correct = value == str(item.key)
    elif kind in (Interaction.multiple_select.value, Interaction.hot_text.value):
        correct = sorted(str(k) for k in item.key) == value
    elif kind == Interaction.order.value:
        correct = [str(k) for k in item.key] == value
    elif kind in (Interaction.match.value, Interaction.gap_match.value):
        correct = sorted([str(a), str(b)] for a, b in item.key) == value
    elif kind == Interaction.associate.value:
        correct = sorted(sorted([str(a), str(b)]) for a, b in item.key) == value
    elif kind == Interaction.text_entry.value:
        case_sensitive = bool(scoring.get("case_sensitive"))
        correct = _text(value, case_sensitive) in {_text(str(k), case_sensitive) for k in item.key}
    else:
        correct = abs(value - float(item.key)) <= float(item.tolerance) + _EPS
    return ScoredAnswer(value, int(correct), bool(correct))


def _mapped(item: ScorableItem, value: Any, scoring: dict) -> ScoredAnswer:
    """Partial credit: the points of each distinct part of the answer, bounded, in steps."""
    points = {str(k): Fraction(str(v)) for k, v in scoring["mapping"]}
    default = Fraction(str(scoring.get("default", 0)))
    if item.interaction == Interaction.text_entry.value:
        case_sensitive = bool(scoring.get("case_sensitive"))
        matched = [p for k, p in points.items() if _text(k, case_sensitive) == _text(value, case_sensitive)]
        total = matched[0] if matched else default
    else:
        if isinstance(value, str):
            parts = {value}
        elif value and isinstance(value[0], list):
            parts = {f"{a} {b}" for a, b in value}
        else:
            parts = set(value)
        total = sum((points.get(part, default) for part in parts), Fraction(0))
    if scoring.get("lower") is not None:
        total = max(total, Fraction(str(scoring["lower"])))
    if scoring.get("upper") is not None:
        total = min(total, Fraction(str(scoring["upper"])))
    step = Fraction(str(scoring.get("step", 1)))
    score = max(0, int(total / step))
    top = int(Fraction(str(scoring["upper"])) / step) if scoring.get("upper") is not None else score
    return ScoredAnswer(value, score, score >= top)


def validate_key(
    interaction: str,
    choices: list[dict],
    key: Any,
    rubric: list | None,
    targets: list[dict] | None = None,
    scoring: dict | None = None,
) -> list[tuple[str, str]]:
    """Problems with an item's key, choices, targets, rubric and scoring as ``(field, message)`` (empty when consistent)."""
    problems: list[tuple[str, str]] = []
    ids = [str(c.get("id")) for c in choices]
    target_ids = [str(t.get("id")) for t in targets or []]
    if len(set(ids)) != len(ids):
        problems.append(("choices", "choice ids must be unique"))
    if len(set(target_ids)) != len(target_ids):
        problems.append(("targets", "target ids must be unique"))
    if targets and interaction not in (Interaction.match.value, Interaction.gap_match.value):
        problems.append(("targets", "only match and gap-match items have targets"))
    if scoring is not None:
        problems.extend(_scoring_problems(interaction, scoring))
    if interaction in (Interaction.text_entry.value,):
        if choices:
            problems.append(("choices", "a text-entry item has no choices"))
        if not isinstance(key, list) or not key or not all(isinstance(k, str) and k.strip() for k in key):
            problems.append(("key", "the key of a text-entry item is a non-empty list of accepted answers"))
        return problems
    if interaction == Interaction.order.value:
        if len(choices) < 2:
            problems.append(("choices", "an order item needs at least 2 choices"))
        if not isinstance(key, list) or sorted(map(str, key)) != sorted(ids):
            problems.append(("key", "the key of an order item lists every choice id once, in order"))
        return problems
    if interaction == Interaction.associate.value:
        if len(choices) < 2:
            problems.append(("choices", "an associate item needs at least 2 choices"))
        if (
            not isinstance(key, list)
            or not key
            or not all(
                isinstance(p, list) and len(p) == 2 and str(p[0]) in ids and str(p[1]) in ids and p[0] != p[1]
                for p in key
            )
        ):
            problems.append(("key", "the key of an associate item is a non-empty list of pairs of two choice ids"))
        return problems
    if interaction in (Interaction.match.value, Interaction.gap_match.value):
        if not choices or not targets:
            problems.append(("targets", "a match needs choices and targets"))
        if (
            not isinstance(key, list)
            or not key
            or not all(
                isinstance(p, list) and len(p) == 2 and str(p[0]) in ids and str(p[1]) in target_ids for p in key
            )
        ):
            problems.append(("key", "the key of a match is a non-empty list of [choice id, target id] pairs"))
        elif len({str(p[1]) for p in key}) != len(key):
            problems.append(("key", "the key gives a target two choices"))
        return problems
    if interaction == Interaction.inline_choice.value:
        interaction = Interaction.single_choice.value
    if interaction == Interaction.hot_text.value:
        interaction = Interaction.multiple_select.value
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


def _scoring_problems(interaction: str, scoring: dict) -> list[tuple[str, str]]:
    """Problems with partial-credit scoring (a mapping of answers to points, bounds and a step)."""
    problems: list[tuple[str, str]] = []
    if set(scoring) - {"mapping", "default", "lower", "upper", "step", "case_sensitive"}:
        problems.append(("scoring", "scoring takes mapping, default, lower, upper, step and case_sensitive"))
        return problems
    mapping = scoring.get("mapping")
    if mapping is None:
        return problems
    if interaction in (
        Interaction.numeric_entry.value,
        Interaction.order.value,
        Interaction.constructed_response.value,
    ):
        problems.append(("scoring", f"a {interaction} item has no partial credit"))
    try:
        values = [Fraction(str(v)) for _, v in mapping]
        bounds = [
            Fraction(str(scoring[b])) for b in ("default", "lower", "upper", "step") if scoring.get(b) is not None
        ]
    except (TypeError, ValueError):
        problems.append(("scoring", "the points of a mapping, its default, bounds and step are numbers"))
        return problems
    step = Fraction(str(scoring.get("step", 1)))
    if step <= 0 or any((v / step).denominator != 1 for v in values + bounds):
        problems.append(("scoring", "every number of the scoring is a whole number of steps"))
    if scoring.get("upper") is None:
        problems.append(("scoring", "partial credit needs an upper bound"))
    return problems
