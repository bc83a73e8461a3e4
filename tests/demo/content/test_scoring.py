"""Every template's items scored by the bank's scorer (:mod:`itembank.answers`): right, wrong, malformed."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from demo import content as dc
from itembank.answers import InvalidAnswer, normalize_answer, score_answer

from .scorable import scorable

BANK = dc.items()
SINGLE = [i for i in BANK if i.interaction == "single_choice"]
MULTI = [i for i in BANK if i.interaction == "multiple_select"]
NUMERIC = [i for i in BANK if i.interaction == "numeric_entry"]
WRITTEN = [i for i in BANK if i.interaction == "constructed_response"]


def _two_per_template(items: list[dc.ItemSpec]) -> list[dc.ItemSpec]:
    """The first two items of each template: every template is exercised, the suite stays fast."""
    seen: dict[str, int] = {}
    out = []
    for item in items:
        seen[item.template] = seen.get(item.template, 0) + 1
        if seen[item.template] <= 2:
            out.append(item)
    return out


def score(item: dc.ItemSpec, answer: object) -> int | None:
    """The score the bank gives ``answer`` to ``item``."""
    return score_answer(scorable(item), answer).score


def numeric_item(key: float, tolerance: float) -> dc.ItemSpec:
    return dc.ItemSpec(
        "T-0001", "7.RP.A.1", "stem text here", "numeric_entry", (), key, "because ...", 1, 0.0, tolerance
    )


ONE_SINGLE, ONE_MULTI, ONE_NUMERIC, ONE_WRITTEN = SINGLE[0], MULTI[0], NUMERIC[0], WRITTEN[0]


# --------------------------------------------------------------------------- right and wrong


@pytest.mark.parametrize("item", _two_per_template(SINGLE), ids=lambda i: i.code)
def test_single_choice_key_scores_1_others_0(item: dc.ItemSpec) -> None:
    assert score(item, item.key) == 1
    assert score(item, str(item.key).lower()) == 1  # ids are case-insensitive
    assert [score(item, c.id) for c in item.choices].count(1) == 1


@pytest.mark.parametrize("item", _two_per_template(MULTI), ids=lambda i: i.code)
def test_multiple_select_all_or_nothing(item: dc.ItemSpec) -> None:
    key = list(item.key)  # type: ignore[arg-type]
    wrong = [c.id for c in item.choices if c.id not in key]
    assert score(item, key) == 1
    assert score(item, list(reversed(key))) == 1  # order does not matter
    assert score(item, set(key)) == 1
    assert score(item, key + wrong[:1]) == 0  # one extra
    with pytest.raises(InvalidAnswer, match="at least one"):  # no selection is no answer
        score(item, [])
    if len(key) > 1:
        assert score(item, key[:-1]) == 0  # one missing


@pytest.mark.parametrize("item", _two_per_template(NUMERIC), ids=lambda i: i.code)
def test_numeric_within_tolerance(item: dc.ItemSpec) -> None:
    key, tol = item.key, item.tolerance
    assert isinstance(key, float) and tol is not None
    assert score(item, key) == 1
    assert score(item, key + tol) == 1
    assert score(item, key - tol * 0.999) == 1
    assert score(item, key + max(tol * 2, 0.01) + 1e-6) == 0
    assert score(item, -key - 1) == 0  # sign error
    assert score(item, repr(key).replace("-", "−")) == 1  # typed, with a typographic minus


def test_numeric_answer_forms() -> None:
    item = next((i for i in NUMERIC if i.key == 2.25), None)
    for it in filter(None, (item, numeric_item(2.25, 0.001))):
        for answer in (2.25, "2.25", " 2.250 ", "9/4", "2 1/4", Fraction(9, 4), "$2.25"):
            assert score(it, answer) == 1, answer
        for answer in (2, "2", "-2.25", "−9/4", "-2 1/4"):
            assert score(it, answer) == 0, answer


def test_numeric_negative_mixed_number() -> None:
    item = numeric_item(-2.25, 1e-6)
    assert score(item, "−2 1/4") == 1
    assert score(item, "-9/4") == 1
    assert score(item, "2 1/4") == 0


@pytest.mark.parametrize("item", WRITTEN[:4], ids=lambda i: i.code)
def test_a_written_answer_waits_for_the_teacher(item: dc.ItemSpec) -> None:
    got = score_answer(scorable(item), "I found the unit rate first.")
    assert got.score is None and got.correct is None


# --------------------------------------------------------------------------- malformed


@pytest.mark.parametrize(
    ("item", "answer", "message"),
    [
        (ONE_SINGLE, "Z", "no choice"),
        (ONE_SINGLE, 1, "choice id"),
        (ONE_SINGLE, ["A"], "choice id"),
        (ONE_SINGLE, None, "choice id"),
        (ONE_MULTI, "A", "list of choice ids"),
        (ONE_MULTI, ["A", "A"], "twice"),
        (ONE_MULTI, ["A", "a"], "twice"),
        (ONE_MULTI, ["A", "Q"], "no choice"),
        (ONE_MULTI, [1, 2], "list of choice ids"),
        (ONE_MULTI, 3, "list of choice ids"),
        (ONE_NUMERIC, "twelve", "could not read"),
        (ONE_NUMERIC, "", "empty"),
        (ONE_NUMERIC, "1/0", "could not read"),
        (ONE_NUMERIC, "1 2", "could not read"),
        (ONE_NUMERIC, True, "takes a number"),
        (ONE_NUMERIC, float("nan"), "finite"),
        (ONE_NUMERIC, math.inf, "finite"),
        (ONE_NUMERIC, [3], "takes a number"),
        (ONE_NUMERIC, None, "takes a number"),
        (ONE_WRITTEN, "   ", "written answer"),
        (ONE_WRITTEN, 2, "written answer"),
    ],
)
def test_malformed_answers_raise(item: dc.ItemSpec, answer: object, message: str) -> None:
    with pytest.raises(InvalidAnswer, match=message):
        score(item, answer)


def test_answers_are_normalized() -> None:
    assert normalize_answer(scorable(ONE_SINGLE), " b ") == "B"
    assert normalize_answer(scorable(ONE_MULTI), ["c", "A"]) == ["A", "C"]
    assert normalize_answer(scorable(ONE_NUMERIC), "−1,250.5") == -1250.5


# --------------------------------------------------------------------------- properties


@given(st.sampled_from(SINGLE), st.text(max_size=3))
def test_single_choice_any_text_scores_or_raises(item: dc.ItemSpec, answer: str) -> None:
    try:
        got = score(item, answer)
    except InvalidAnswer:
        assert answer.strip().upper() not in {c.id for c in item.choices}
    else:
        assert got == int(answer.strip().upper() == item.key)


@given(st.sampled_from(MULTI), st.data())
def test_multiple_select_scores_1_iff_exact_set(item: dc.ItemSpec, data: st.DataObject) -> None:
    ids = [c.id for c in item.choices]
    chosen = data.draw(st.lists(st.sampled_from(ids), unique=True, min_size=1))
    assert score(item, chosen) == int(set(chosen) == set(item.key))  # type: ignore[arg-type]


@given(st.sampled_from(NUMERIC), st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6))
def test_numeric_scores_1_iff_within_tolerance(item: dc.ItemSpec, x: float) -> None:
    err = abs(x - item.key)  # type: ignore[operator]
    got = score(item, x)
    if err <= item.tolerance:  # type: ignore[operator]
        assert got == 1
    elif err > item.tolerance + 1e-6:  # type: ignore[operator]
        assert got == 0


@given(st.sampled_from(NUMERIC), st.integers(-(10**6), 10**6), st.integers(1, 1000))
def test_numeric_fraction_strings_agree_with_numbers(item: dc.ItemSpec, n: int, d: int) -> None:
    assert score(item, f"{n}/{d}") == score(item, n / d)
