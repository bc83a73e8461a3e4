"""The demo district's content: the CCSS Grade 7 mathematics framework and its items.

Deterministic Python (the standard library, and the bank's vocabulary from
:mod:`itembank.tables`), so the demo bank, the tests and the simulated
response history agree. Items are written in the bank's own terms: a
district stores them as they are and :mod:`itembank.answers` scores them.

Public API
----------
standards() -> list[StandardSpec]
    The framework as a three-level hierarchy: competencies (domains such as
    ``7.RP``), indicators (clusters such as ``7.RP.A``) and objectives
    (standards such as ``7.RP.A.2``), parents first.
items(seed=7) -> list[ItemSpec]
    About 580 items covering all 24 objectives (at least 20 each, about 45
    of them constructed response), generated from about 130 templates with
    varied numbers and real classroom contexts. Keys are computed from the
    numbers with exact fractions; distractors come from typical mistakes.
    Interactions: ``single_choice``, ``multiple_select``, ``numeric_entry``
    (key with a ``tolerance``) and ``constructed_response`` (4 rubric levels
    scored by a teacher, ``n_categories = 4``). Each item has a rationale, a
    DOK level and a ``difficulty_hint`` (rough Rasch b, for simulating
    responses).

Modules: :mod:`~demo.content.framework` (the standards),
:mod:`~demo.content.item_kit` (number formatting, drafts, the template
registry), one module of templates per CCSS domain
(:mod:`~demo.content.ratios_proportions`, :mod:`~demo.content.number_system`,
:mod:`~demo.content.expressions_equations`, :mod:`~demo.content.geometry`,
:mod:`~demo.content.statistics_probability`), :mod:`~demo.content.generate`
(templates to items) and :mod:`~demo.content.specs` (the records).

Examples
--------
>>> from demo import content
>>> item = next(i for i in content.items() if i.interaction == "single_choice")
>>> item.key in [c.id for c in item.choices]
True
"""

from __future__ import annotations

from .framework import build_standards
from .generate import generate, objective_slug
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
    "items",
    "objective_slug",
    "standards",
]


def standards() -> list[StandardSpec]:
    """Return the CCSS-M Grade 7 framework, each parent before its children.

    Returns
    -------
    list of StandardSpec
        5 competencies, 9 indicators and 24 objectives.
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
