"""score_answer / check_answer / check_rubric_score on right, wrong and malformed answers."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itembank import demo_content as dc

BANK = dc.items()
SINGLE = [i for i in BANK if i.interaction == "single_choice"]
MULTI = [i for i in BANK if i.interaction == "multiple_select"]
NUMERIC = [i for i in BANK if i.interaction == "numeric"]
RUBRIC = [i for i in BANK if i.interaction == "rubric"]


def _two_per_template(items: list[dc.ItemSpec]) -> list[dc.ItemSpec]:
    """The first two items of each template: every template is exercised, the suite stays fast."""
    seen: dict[str, int] = {}
    out = []
    for item in items:
        seen[item.template] = seen.get(item.template, 0) + 1
        if seen[item.template] <= 2:
            out.append(item)
    return out


ONE_SINGLE, ONE_MULTI, ONE_NUMERIC, ONE_RUBRIC = SINGLE[0], MULTI[0], NUMERIC[0], RUBRIC[0]


# --------------------------------------------------------------------------- right and wrong


@pytest.mark.parametrize("item", _two_per_template(SINGLE), ids=lambda i: i.code)
def test_single_choice_key_scores_1_others_0(item: dc.ItemSpec) -> None:
    assert dc.score_answer(item, item.key) == 1
    assert dc.score_answer(item, str(item.key).lower()) == 1  # ids are case-insensitive
    assert [dc.score_answer(item, c.id) for c in item.choices].count(1) == 1


@pytest.mark.parametrize("item", _two_per_template(MULTI), ids=lambda i: i.code)
def test_multiple_select_all_or_nothing(item: dc.ItemSpec) -> None:
    key = list(item.key)  # type: ignore[arg-type]
    wrong = [c.id for c in item.choices if c.id not in key]
    assert dc.score_answer(item, key) == 1
    assert dc.score_answer(item, list(reversed(key))) == 1  # order does not matter
    assert dc.score_answer(item, set(key)) == 1
    assert dc.score_answer(item, key + wrong[:1]) == 0  # one extra
    assert dc.score_answer(item, []) == 0
    if len(key) > 1:
        assert dc.score_answer(item, key[:-1]) == 0  # one missing


@pytest.mark.parametrize("item", _two_per_template(NUMERIC), ids=lambda i: i.code)
def test_numeric_within_tolerance(item: dc.ItemSpec) -> None:
    key, tol = item.key, item.tolerance
    assert isinstance(key, float) and tol is not None
    assert dc.score_answer(item, key) == 1
    assert dc.score_answer(item, key + tol) == 1
    assert dc.score_answer(item, key - tol * 0.999) == 1
    assert dc.score_answer(item, key + max(tol * 2, 0.01) + 1e-6) == 0
    assert dc.score_answer(item, -key - 1) == 0  # sign error
    assert dc.score_answer(item, repr(key).replace("-", "−")) == 1  # typed, with a typographic minus


def test_numeric_answer_forms() -> None:
    item = next(i for i in NUMERIC if i.key == 2.25) if any(i.key == 2.25 for i in NUMERIC) else None
    fake = dc.ItemSpec("T-0001", "7.RP.A.1", "stem text here", "numeric", (), 2.25, "because ...", 1, 0.0, 0.001)
    for it in filter(None, (item, fake)):
        for answer in (2.25, "2.25", " 2.250 ", "9/4", "2 1/4", Fraction(9, 4), Decimal("2.25"), "$2.25"):
            assert dc.score_answer(it, answer) == 1, answer
        for answer in (2, "2", "-2.25", "−9/4", "-2 1/4"):
            assert dc.score_answer(it, answer) == 0, answer


def test_numeric_negative_mixed_number() -> None:
    fake = dc.ItemSpec("T-0002", "7.NS.A.1", "stem text here", "numeric", (), -2.25, "because ...", 1, 0.0, 1e-6)
    assert dc.score_answer(fake, "−2 1/4") == 1
    assert dc.score_answer(fake, "-9/4") == 1
    assert dc.score_answer(fake, "2 1/4") == 0


# --------------------------------------------------------------------------- malformed


@pytest.mark.parametrize(
    ("item", "answer", "message"),
    [
        (ONE_SINGLE, "Z", "choices"),
        (ONE_SINGLE, 1, "choice id"),
        (ONE_SINGLE, ["A"], "choice id"),
        (ONE_SINGLE, None, "choice id"),
        (ONE_MULTI, "A", "list of choice ids"),
        (ONE_MULTI, ["A", "A"], "more than once"),
        (ONE_MULTI, ["A", "Q"], "choices"),
        (ONE_MULTI, [1, 2], "strings"),
        (ONE_MULTI, 3, "list of choice ids"),
        (ONE_NUMERIC, "twelve", "could not read"),
        (ONE_NUMERIC, "", "empty"),
        (ONE_NUMERIC, "1/0", "could not read"),
        (ONE_NUMERIC, "1 2", "could not read"),
        (ONE_NUMERIC, True, "boolean"),
        (ONE_NUMERIC, float("nan"), "finite"),
        (ONE_NUMERIC, math.inf, "finite"),
        (ONE_NUMERIC, [3], "expects a number"),
        (ONE_NUMERIC, None, "expects a number"),
        (ONE_RUBRIC, "anything", "teacher"),
        (ONE_RUBRIC, 2, "teacher"),
    ],
)
def test_malformed_answers_raise(item: dc.ItemSpec, answer: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        dc.score_answer(item, answer)


def test_check_answer_normalizes() -> None:
    assert dc.check_answer(ONE_SINGLE, " b ") == "B"
    assert dc.check_answer(ONE_MULTI, ["c", "A"]) == ("A", "C")
    assert dc.check_answer(ONE_NUMERIC, "−1,250.5") == -1250.5


@pytest.mark.parametrize("item", RUBRIC[:4], ids=lambda i: i.code)
def test_rubric_scores(item: dc.ItemSpec) -> None:
    assert [dc.check_rubric_score(item, s) for s in range(4)] == [0, 1, 2, 3]
    for bad in (-1, 4, 2.0, True, "3", None):
        with pytest.raises(ValueError, match="rubric score"):
            dc.check_rubric_score(item, bad)


def test_rubric_score_refused_for_self_scoring_item() -> None:
    with pytest.raises(ValueError, match="scores itself"):
        dc.check_rubric_score(ONE_SINGLE, 1)


# --------------------------------------------------------------------------- properties


@given(st.sampled_from(SINGLE), st.text(max_size=3))
def test_single_choice_any_text_scores_or_raises(item: dc.ItemSpec, answer: str) -> None:
    try:
        score = dc.score_answer(item, answer)
    except ValueError:
        assert answer.strip().upper() not in {c.id for c in item.choices}
    else:
        assert score == int(answer.strip().upper() == item.key)


@given(st.sampled_from(MULTI), st.data())
def test_multiple_select_scores_1_iff_exact_set(item: dc.ItemSpec, data: st.DataObject) -> None:
    ids = [c.id for c in item.choices]
    chosen = data.draw(st.lists(st.sampled_from(ids), unique=True))
    assert dc.score_answer(item, chosen) == int(set(chosen) == set(item.key))  # type: ignore[arg-type]


@given(st.sampled_from(NUMERIC), st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6))
def test_numeric_scores_1_iff_within_tolerance(item: dc.ItemSpec, x: float) -> None:
    err = abs(x - item.key)  # type: ignore[operator]
    score = dc.score_answer(item, x)
    if err <= item.tolerance:  # type: ignore[operator]
        assert score == 1
    elif err > item.tolerance + 1e-6:  # type: ignore[operator]
        assert score == 0


@given(st.sampled_from(NUMERIC), st.integers(-(10**6), 10**6), st.integers(1, 1000))
def test_numeric_fraction_strings_agree_with_numbers(item: dc.ItemSpec, n: int, d: int) -> None:
    assert dc.score_answer(item, f"{n}/{d}") == dc.score_answer(item, n / d)
