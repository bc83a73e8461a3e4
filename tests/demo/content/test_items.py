"""Counts, coverage and the structure of every demo item."""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import subprocess
import sys
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demo import content as dc

BANK = dc.items()
CODE_RE = re.compile(r"^7(RP|NS|EE|G|SP)[A-C][1-8]-\d{4}$")


# --------------------------------------------------------------------------- counts and coverage


def test_at_least_320_items() -> None:
    assert len(BANK) >= 320


def test_at_least_12_objectives_with_20_items_each() -> None:
    counts = Counter(i.objective for i in BANK)
    assert len(counts) >= 12
    assert min(counts.values()) >= 20, counts


def test_at_least_20_rubric_items_across_objectives() -> None:
    rubric = [i for i in BANK if i.interaction == "constructed_response"]
    assert len(rubric) >= 20
    assert len({i.objective for i in rubric}) >= 12


def test_interaction_mix() -> None:
    counts = Counter(i.interaction for i in BANK)
    assert set(counts) == set(dc.INTERACTIONS)
    assert counts["single_choice"] > counts["numeric_entry"] > counts["multiple_select"] > 0
    assert counts["single_choice"] > len(BANK) / 2


@pytest.mark.parametrize("objective", sorted({i.objective for i in BANK}))
def test_each_objective_spreads_over_difficulty_and_dok(objective: str) -> None:
    items = [i for i in BANK if i.objective == objective]
    bs = [i.difficulty_hint for i in items]
    assert max(bs) - min(bs) >= 0.8, bs
    assert len({i.dok for i in items}) >= 2
    assert sum(i.self_scoring for i in items) >= 18  # enough for an adaptive check


def test_codes_are_unique_and_well_formed() -> None:
    codes = [i.code for i in BANK]
    assert len(set(codes)) == len(codes)
    assert all(CODE_RE.match(c) for c in codes)


def test_codes_are_numbered_per_objective() -> None:
    for objective in {i.objective for i in BANK}:
        nums = [int(i.code.split("-")[1]) for i in BANK if i.objective == objective]
        assert nums == list(range(1, len(nums) + 1))


def test_items_are_distinct() -> None:
    sigs = [(i.stem, tuple(sorted(c.text for c in i.choices))) for i in BANK]
    assert len(set(sigs)) == len(sigs)


# --------------------------------------------------------------------------- determinism


def test_same_seed_same_items() -> None:
    assert dc.items(7) == BANK
    assert dc.items(123) == dc.items(123)


def test_other_seed_other_numbers_same_structure() -> None:
    other = dc.items(8)
    assert [i.code for i in other] == [i.code for i in BANK]
    assert [i.template for i in other] == [i.template for i in BANK]
    same = sum(a.stem == b.stem for a, b in zip(BANK, other))
    assert same < len(BANK) // 4


def test_items_returns_a_fresh_list() -> None:
    first = dc.items()
    first.clear()
    assert len(dc.items()) == len(BANK)


# --------------------------------------------------------------------------- every item


@pytest.mark.parametrize("item", BANK, ids=lambda i: i.code)
def test_item_is_well_formed(item: dc.ItemSpec) -> None:
    assert item.code.startswith(dc.objective_slug(item.objective) + "-")
    assert item.interaction in dc.INTERACTIONS
    assert 1 <= item.dok <= 4
    assert -3.0 <= item.difficulty_hint <= 3.0
    assert len(item.stem) >= 15 and item.stem.strip() == item.stem
    assert len(item.rationale) >= 20
    for text in [item.stem, item.rationale, *(c.text for c in item.choices), *(r.criteria for r in item.rubric)]:
        assert not re.search(r"(?<![\w)\]])-\d", text), f"ASCII minus in {text!r}"
        assert "+ −" not in text and "{" not in text and "None" not in text, text
    ids = [c.id for c in item.choices]
    texts = [c.text for c in item.choices]
    if item.interaction == "single_choice":
        assert ids == list("ABCD")
        assert item.key in ids
        assert len(set(texts)) == len(texts)  # distractors distinct from each other and from the key
        assert item.tolerance is None and item.n_categories == 2 and not item.rubric
    elif item.interaction == "multiple_select":
        assert ids == list("ABCDEF"[: len(ids)]) and 4 <= len(ids) <= 6
        assert isinstance(item.key, tuple) and 1 <= len(item.key) < len(ids)
        assert set(item.key) <= set(ids) and list(item.key) == sorted(set(item.key))
        assert len(set(texts)) == len(texts)
        assert item.n_categories == 2
    elif item.interaction == "numeric_entry":
        assert not item.choices
        assert isinstance(item.key, float) and math.isfinite(item.key)
        assert item.tolerance is not None and 0 <= item.tolerance <= 0.01
        assert item.n_categories == 2
    else:
        assert not item.choices and item.key is None and item.tolerance is None
        assert item.n_categories == 4
        assert [r.score for r in item.rubric] == [0, 1, 2, 3]
        assert [r.label for r in item.rubric] == list(dc.RUBRIC_LABELS)
        assert len({r.criteria for r in item.rubric}) == 4
        assert item.dok >= 2


def test_to_dict_is_json_ready() -> None:
    for item in (
        BANK[0],
        next(i for i in BANK if i.interaction == "multiple_select"),
        next(i for i in BANK if i.interaction == "constructed_response"),
    ):
        d = json.loads(json.dumps(item.to_dict()))
        assert d["code"] == item.code and d["interaction"] == item.interaction
        assert len(d["choices"]) == len(item.choices)
        if item.interaction == "multiple_select":
            assert d["key"] == list(item.key)  # type: ignore[arg-type]
        if item.interaction == "constructed_response":
            assert [r["score"] for r in d["rubric"]] == [0, 1, 2, 3]


def _digest(items: list[dc.ItemSpec]) -> str:
    return hashlib.sha256(json.dumps([i.to_dict() for i in items], ensure_ascii=False).encode()).hexdigest()


def test_same_items_in_a_fresh_process_with_another_hash_seed() -> None:
    script = (
        "import hashlib, json; from demo import content as dc; "
        "print(hashlib.sha256(json.dumps([i.to_dict() for i in dc.items()], ensure_ascii=False).encode()).hexdigest())"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == _digest(BANK)


@pytest.mark.parametrize("objective", sorted({i.objective for i in BANK}))
def test_difficulty_hints_vary_within_objective(objective: str) -> None:
    hints = {i.difficulty_hint for i in BANK if i.objective == objective}
    assert len(hints) >= 4


def test_number_load_examples() -> None:
    from demo.content.generate import number_load

    assert number_load("Find 3 + 4.") == 0
    assert number_load("Find −3 + 4.") == pytest.approx(0.15)
    assert number_load("What is 5/6 of 2,400?") == pytest.approx(0.25)
    assert number_load("It costs $12.45.") == pytest.approx(0.1)


@settings(max_examples=4, deadline=None)
@given(st.integers(min_value=0, max_value=10**6))
def test_any_seed_gives_a_complete_well_formed_bank(seed: int) -> None:
    items = dc.items(seed)
    assert [i.code for i in items] == [i.code for i in BANK]
    for item in items:
        test_item_is_well_formed(item)
