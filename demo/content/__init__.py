"""Demo content of the demo district: the CCSS Grade 7 mathematics framework and its items.

Everything here is plain Python (standard library only) and deterministic, so
the demo bank, the tests and the simulated response history agree.

Public API
----------
standards() -> list[StandardSpec]
    The framework as a three-level hierarchy: competencies (domains such as
    ``7.RP``), performance indicators (clusters such as ``7.RP.A``) and
    learning objectives (standards such as ``7.RP.A.2``), parents first.
items(seed=7) -> list[ItemSpec]
    About 580 items covering all 24 learning objectives (at least 20 each,
    about 45 of them rubric-scored), generated from about 130 templates with
    varied numbers and real classroom contexts. Keys
    are computed from the numbers with exact fractions; distractors come from
    typical mistakes. Interactions: ``single_choice``, ``multiple_select``,
    ``numeric`` (key with a ``tolerance``) and ``rubric`` (4 levels scored by a
    teacher, ``n_categories = 4``). Each item has a rationale, a DOK level and
    a ``difficulty_hint`` (rough Rasch b, for simulating responses).
score_answer(item, answer) -> int
    0/1 score of a self-scoring item. Multiple select is all-or-nothing (the
    selected set must equal the key set). Numeric answers may be numbers or
    strings such as ``"−2.5"``, ``"3/4"`` or ``"1 1/2"``.
check_answer(item, answer)
    Validates and normalizes an answer; raises ``ValueError`` on a bad form.
check_rubric_score(item, score) -> int
    Validates a teacher's rubric score 0..3.

Examples
--------
>>> from itembank import demo_content as dc
>>> bank = dc.items()
>>> item = next(i for i in bank if i.interaction == "single_choice")
>>> dc.score_answer(item, item.key)
1
"""

from __future__ import annotations

from .generate import generate, objective_slug
from .scoring import check_answer, check_rubric_score, score_answer
from .specs import (
    FRAMEWORK,
    INTERACTIONS,
    LEVELS,
    RUBRIC_LABELS,
    Choice,
    ItemSpec,
    RubricLevel,
    StandardSpec,
)
from .standards import build_standards

DEFAULT_SEED = 7

__all__ = [
    "DEFAULT_SEED",
    "FRAMEWORK",
    "INTERACTIONS",
    "LEVELS",
    "RUBRIC_LABELS",
    "Choice",
    "ItemSpec",
    "RubricLevel",
    "StandardSpec",
    "check_answer",
    "check_rubric_score",
    "items",
    "objective_slug",
    "score_answer",
    "standards",
]


def standards() -> list[StandardSpec]:
    """Return the CCSS-M Grade 7 framework, each parent before its children.

    Returns
    -------
    list of StandardSpec
        5 competencies, 9 performance indicators and 24 learning objectives.
    """
    return build_standards()


def items(seed: int = DEFAULT_SEED) -> list[ItemSpec]:
    """Return the demo items for ``seed`` (the same seed always gives the same items).

    Parameters
    ----------
    seed : int, default 7
        Seed of the template generator.

    Returns
    -------
    list of ItemSpec
        Items ordered by objective; codes like ``"7RPA2-0001"`` are unique.
    """
    return list(generate(seed))
