"""Checking the form of a student's answer and scoring self-scoring items."""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from numbers import Real

from ._kit import MINUS
from .specs import ItemSpec

_EPS = 1e-9


def _parse_number(text: str) -> float:
    """Parse ``"2.5"``, ``"−3/4"``, ``"-1 1/2"``, ``"1,250"`` or ``"$4.50"`` to a float."""
    t = text.strip().replace(MINUS, "-").replace(",", "").replace("$", "").replace("%", "").strip()
    if not t:
        raise ValueError("the answer is empty; expected a number")
    try:
        parts = t.split()
        if len(parts) == 2 and "/" in parts[1]:  # mixed number
            whole = Fraction(parts[0])
            part = Fraction(parts[1])
            if whole.denominator != 1 or part < 0:
                raise ValueError
            value = abs(whole) + part
            return float(-value if parts[0].startswith("-") else value)
        if len(parts) != 1:
            raise ValueError
        return float(Fraction(t))
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"could not read {text!r} as a number (examples: 12, -2.5, 3/4, 1 1/2)") from None


def check_answer(item: ItemSpec, answer: object) -> str | tuple[str, ...] | float:
    """Check that ``answer`` has the right form for ``item`` and normalize it.

    Parameters
    ----------
    item : ItemSpec
        A self-scoring item (single choice, multiple select or numeric).
    answer : object
        A choice id (single choice); a list, tuple or set of distinct choice
        ids (multiple select, may be empty); a number or a numeric string such
        as ``"−2.5"``, ``"3/4"`` or ``"1 1/2"`` (numeric). Choice ids are
        case-insensitive and surrounding spaces are ignored; numeric strings
        may use the typographic minus, thousands commas and a leading ``$`` or
        trailing ``%`` (the number is compared as written: ``"8%"`` is 8).

    Returns
    -------
    str or tuple of str or float
        The choice id, the sorted tuple of choice ids, or the number.

    Raises
    ------
    ValueError
        If the answer has the wrong type or names an unknown choice, repeats a
        choice, is not a finite number, or the item is a rubric item (scored
        by a teacher).
    """
    ids = {c.id for c in item.choices}
    if item.interaction == "single_choice":
        if not isinstance(answer, str):
            raise ValueError(f"item {item.code} expects one choice id (a string), got {type(answer).__name__}")
        a = answer.strip().upper()
        if a not in ids:
            raise ValueError(f"item {item.code} has choices {sorted(ids)}, got {answer!r}")
        return a
    if item.interaction == "multiple_select":
        if isinstance(answer, (str, bytes)) or not isinstance(answer, (Sequence, set, frozenset)):
            raise ValueError(f"item {item.code} expects a list of choice ids, got {type(answer).__name__}")
        chosen: list[str] = []
        for a in answer:
            if not isinstance(a, str):
                raise ValueError(f"item {item.code} expects choice ids as strings, got {a!r}")
            a = a.strip().upper()
            if a not in ids:
                raise ValueError(f"item {item.code} has choices {sorted(ids)}, got {a!r}")
            if a in chosen:
                raise ValueError(f"choice {a!r} is selected more than once")
            chosen.append(a)
        return tuple(sorted(chosen))
    if item.interaction == "numeric":
        if isinstance(answer, bool):
            raise ValueError(f"item {item.code} expects a number, got a boolean")
        if isinstance(answer, str):
            value = _parse_number(answer)
        elif isinstance(answer, (Real, Decimal)):
            try:
                value = float(answer)
            except (InvalidOperation, ValueError, OverflowError):
                raise ValueError(f"item {item.code} expects a finite number, got {answer!r}") from None
        else:
            raise ValueError(f"item {item.code} expects a number, got {type(answer).__name__}")
        if not math.isfinite(value):
            raise ValueError(f"item {item.code} expects a finite number, got {answer!r}")
        return value
    raise ValueError(f"item {item.code} is a rubric item: a teacher scores it with its 4-level rubric")


def score_answer(item: ItemSpec, answer: object) -> int:
    """Score a student's answer to a self-scoring item.

    Single choice: 1 if the chosen id is the key, else 0. Multiple select:
    all-or-nothing, 1 only if exactly the set of correct ids is selected.
    Numeric: 1 if ``|answer − key| <= tolerance`` (plus a 1e-9 float guard).

    Parameters
    ----------
    item : ItemSpec
        A single-choice, multiple-select or numeric item.
    answer : object
        See :func:`check_answer` for accepted forms.

    Returns
    -------
    int
        0 or 1.

    Raises
    ------
    ValueError
        If the answer is malformed or the item is a rubric item.
    """
    a = check_answer(item, answer)
    if item.interaction == "single_choice":
        return int(a == item.key)
    if item.interaction == "multiple_select":
        assert isinstance(item.key, tuple)
        return int(a == tuple(sorted(item.key)))
    assert isinstance(a, float) and isinstance(item.key, float) and item.tolerance is not None
    return int(abs(a - item.key) <= item.tolerance + _EPS)


def check_rubric_score(item: ItemSpec, score: object) -> int:
    """Validate a teacher's rubric score (an int 0..n_categories−1) for a rubric item.

    Raises
    ------
    ValueError
        If the item is not a rubric item or the score is not an allowed level.
    """
    if item.interaction != "rubric":
        raise ValueError(f"item {item.code} is {item.interaction}: it scores itself")
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score < item.n_categories:
        raise ValueError(f"a rubric score must be an integer from 0 to {item.n_categories - 1}, got {score!r}")
    return score
