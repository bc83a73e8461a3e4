"""Scoring answers: each interaction against a naive reference, malformed answers refused."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itembank.answers import InvalidAnswer, score_answer, validate_key
from itembank.bank import ItemContent

CHOICES = tuple({"id": c, "text": f"option {c}"} for c in "ABCDE")


def item(interaction, key, tolerance=0.0, choices=CHOICES):
    return ItemContent(
        id="T1",
        stem="?",
        interaction=interaction,
        choices=choices if interaction in ("single_choice", "multiple_select") else (),
        key=key,
        tolerance=tolerance,
        rationale="",
        version=1,
        n_categories=4 if interaction == "constructed_response" else 2,
        objective_id=1,
        dok=1,
    )


@given(key=st.sampled_from("ABCDE"), answer=st.sampled_from("ABCDE"))
def test_single_choice(key, answer):
    got = score_answer(item("single_choice", key), answer)
    assert got.correct == (key == answer) and got.score == int(key == answer) and got.answer == answer


@given(
    key=st.sets(st.sampled_from("ABCDE"), min_size=1),
    answer=st.sets(st.sampled_from("ABCDE"), min_size=1),
    data=st.randoms(),
)
def test_multiple_select_is_all_or_nothing_and_order_free(key, answer, data):
    shuffled = list(answer)
    data.shuffle(shuffled)
    got = score_answer(item("multiple_select", sorted(key)), shuffled)
    assert got.correct == (set(key) == set(answer))
    assert got.answer == sorted(answer)


@given(
    key=st.floats(-1e6, 1e6, allow_nan=False),
    tol=st.floats(0, 10, allow_nan=False),
    delta=st.floats(-20, 20, allow_nan=False),
)
def test_numeric_within_tolerance(key, tol, delta):
    got = score_answer(item("numeric_entry", key, tol), key + delta)
    expected = abs((key + delta) - key) <= tol + 1e-9
    assert got.correct == expected


def test_numeric_accepts_ints_and_exact_keys():
    assert score_answer(item("numeric_entry", 9.6, 0.005), 9.6).correct
    assert score_answer(item("numeric_entry", 12, 0), 12).correct
    assert not score_answer(item("numeric_entry", 12, 0), 12.01).correct


def test_constructed_response_waits_for_a_teacher():
    got = score_answer(item("constructed_response", None), "Because 3/4 = 0.75.")
    assert got.score is None and got.correct is None


@pytest.mark.parametrize("answer", ["b", " B ", "b "])
def test_single_choice_id_ignores_case_and_spaces(answer):
    got = score_answer(item("single_choice", "B"), answer)
    assert got.correct and got.answer == "B"


def test_multiple_select_ids_ignore_case_and_spaces():
    got = score_answer(item("multiple_select", ["A", "C"]), ["c", " a"])
    assert got.correct and got.answer == ["A", "C"]


def test_a_choice_id_in_another_case_is_read_only_when_it_names_one_choice():
    choices = ({"id": "a", "text": "lower"}, {"id": "A", "text": "upper"}, {"id": "b", "text": "other"})
    assert score_answer(item("single_choice", "a", choices=choices), "a").correct
    assert not score_answer(item("single_choice", "a", choices=choices), "A").correct  # exact id first
    assert score_answer(item("single_choice", "b", choices=choices), "B").answer == "b"
    with pytest.raises(InvalidAnswer):  # "Aa" could be either choice
        score_answer(item("single_choice", "aa", choices=({"id": "aa", "text": "x"}, {"id": "AA", "text": "y"})), "Aa")


def test_the_same_choice_twice_in_another_case_is_refused():
    with pytest.raises(InvalidAnswer, match="twice"):
        score_answer(item("multiple_select", ["A"]), ["A", "a"])


def test_an_empty_multiple_select_answer_is_refused_not_scored_wrong():
    """A submit without a selection is no answer: the student is asked to pick (every key is non-empty)."""
    with pytest.raises(InvalidAnswer, match="at least one"):
        score_answer(item("multiple_select", ["A"]), [])


@pytest.mark.parametrize(
    "typed,value",
    [
        ("3/4", 0.75),
        (" 0.750 ", 0.75),
        ("\u22122.5", -2.5),
        ("-2.5", -2.5),
        ("+2.5", 2.5),
        ("9/4", 2.25),
        ("2 1/4", 2.25),
        ("-2 1/4", -2.25),
        ("\u22129/4", -2.25),
        ("1,250.5", 1250.5),
        ("$4.50", 4.5),
        ("-$3.25", -3.25),
        ("8%", 8.0),
        (".5", 0.5),
    ],
)
def test_numeric_entry_reads_a_number_as_a_student_types_it(typed, value):
    got = score_answer(item("numeric_entry", value, 1e-6), typed)
    assert got.correct and got.answer == value
    assert not score_answer(item("numeric_entry", value + 1, 1e-6), typed).correct


@given(n=st.integers(-(10**6), 10**6), d=st.integers(1, 1000), key=st.floats(-1e3, 1e3, allow_nan=False))
def test_a_typed_fraction_scores_as_its_value(n, d, key):
    numeric = item("numeric_entry", key, 0.01)
    assert score_answer(numeric, f"{n}/{d}") == score_answer(numeric, n / d)


def test_numeric_entry_takes_exact_fractions():
    assert score_answer(item("numeric_entry", 2.25, 0), Fraction(9, 4)).answer == 2.25


@pytest.mark.parametrize("answer", [10**400, "9" * 400], ids=["int", "typed"])
def test_a_number_too_large_for_a_float_is_refused_not_an_error(answer):
    with pytest.raises(InvalidAnswer):
        score_answer(item("numeric_entry", 3.0), answer)


@pytest.mark.parametrize(
    "interaction,key,answer",
    [
        ("single_choice", "A", "Z"),
        ("single_choice", "A", ["A"]),
        ("single_choice", "A", 1),
        ("multiple_select", ["A"], "A"),
        ("multiple_select", ["A"], []),
        ("multiple_select", ["A"], ["A", "A"]),
        ("multiple_select", ["A"], ["A", "Q"]),
        ("numeric_entry", 3.0, "three"),
        ("numeric_entry", 3.0, ""),
        ("numeric_entry", 3.0, "3,5"),
        ("numeric_entry", 3.0, "1/0"),
        ("numeric_entry", 3.0, "1 2"),
        ("numeric_entry", 3.0, "nan"),
        ("numeric_entry", 3.0, ["3"]),
        ("numeric_entry", 3.0, None),
        ("numeric_entry", 3.0, True),
        ("numeric_entry", 3.0, float("inf")),
        ("constructed_response", None, "   "),
        ("constructed_response", None, 5),
    ],
)
def test_malformed_answers_are_refused(interaction, key, answer):
    with pytest.raises(InvalidAnswer):
        score_answer(item(interaction, key), answer)


@pytest.mark.parametrize(
    "interaction,choices,key,rubric,field",
    [
        ("single_choice", list(CHOICES), "A", None, None),
        ("single_choice", list(CHOICES), "Q", None, "key"),
        ("single_choice", list(CHOICES[:1]), "A", None, "choices"),
        ("single_choice", [{"id": "A", "text": "x"}, {"id": "A", "text": "y"}], "A", None, "choices"),
        ("multiple_select", list(CHOICES), ["A", "B"], None, None),
        ("multiple_select", list(CHOICES), ["A", "A"], None, "key"),
        ("multiple_select", list(CHOICES), [], None, "key"),
        ("numeric_entry", [], 2.5, None, None),
        ("numeric_entry", [], "2.5", None, "key"),
        ("numeric_entry", list(CHOICES), 2.5, None, "choices"),
        ("constructed_response", [], None, [{"score": s, "label": "l", "criteria": "c"} for s in range(4)], None),
        (
            "constructed_response",
            [],
            None,
            [{"score": s, "label": "l", "criteria": "c"} for s in (0, 1, 2, 2)],
            "rubric",
        ),
        ("hotspot", [], None, None, "interaction"),
    ],
)
def test_validate_key(interaction, choices, key, rubric, field):
    problems = validate_key(interaction, choices, key, rubric)
    assert (problems[0][0] if problems else None) == field
