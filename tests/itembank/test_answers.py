"""Scoring answers: each interaction against a naive reference, malformed answers refused."""

from __future__ import annotations

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
        ("numeric_entry", 3.0, "3"),
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
