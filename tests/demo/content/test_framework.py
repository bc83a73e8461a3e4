"""The CCSS-M Grade 7 hierarchy: levels, parents, codes."""

from __future__ import annotations

import re

import pytest

from demo import content as dc

STANDARDS = dc.standards()
BY_CODE = {s.code: s for s in STANDARDS}
PATTERNS = {
    "competency": re.compile(r"^7\.(RP|NS|EE|G|SP)$"),
    "indicator": re.compile(r"^7\.(RP|NS|EE|G|SP)\.[A-C]$"),
    "objective": re.compile(r"^7\.(RP|NS|EE|G|SP)\.[A-C]\.[1-8]$"),
}
PARENT_LEVEL = {"indicator": "competency", "objective": "indicator"}


def test_codes_are_unique() -> None:
    assert len(BY_CODE) == len(STANDARDS)


def test_counts_per_level() -> None:
    counts = {lvl: sum(s.level == lvl for s in STANDARDS) for lvl in dc.LEVELS}
    assert counts == {"competency": 5, "indicator": 9, "objective": 24}


@pytest.mark.parametrize("spec", STANDARDS, ids=lambda s: s.code)
def test_node_is_well_formed(spec: dc.StandardSpec) -> None:
    assert spec.framework == dc.FRAMEWORK == "CCSS-M Grade 7"
    assert spec.level in dc.LEVELS
    assert PATTERNS[spec.level].match(spec.code), spec.code
    assert len(spec.title) >= 8 and spec.title[0].isupper()
    if spec.level == "competency":
        assert spec.parent_code is None
    else:
        parent = BY_CODE[spec.parent_code]  # the parent exists
        assert parent.level == PARENT_LEVEL[spec.level]
        assert spec.code.startswith(parent.code + ".")


def test_parents_come_first() -> None:
    seen: set[str] = set()
    for spec in STANDARDS:
        assert spec.parent_code is None or spec.parent_code in seen
        seen.add(spec.code)


def test_known_titles() -> None:
    assert BY_CODE["7.RP"].title == "Ratios and Proportional Relationships"
    assert BY_CODE["7.G.B.4"].title.startswith("Know and use the formulas for the area and circumference of a circle")
    assert "compound events" in BY_CODE["7.SP.C.8"].title


def test_every_item_objective_is_a_learning_objective(bank: list[dc.ItemSpec]) -> None:
    for item in bank:
        assert BY_CODE[item.objective].level == "objective"
