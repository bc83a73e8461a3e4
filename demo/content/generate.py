"""Turn the registered templates into a deterministic list of :class:`ItemSpec`."""

from __future__ import annotations

import random
import re
from functools import lru_cache

from itembank.tables import Interaction

from . import (  # noqa: F401  (importing registers the templates)
    expressions_equations,
    geometry,
    number_system,
    ratios_proportions,
    statistics_probability,
)
from .figures import GRAPH_FILE, LineGraph, stem_html
from .framework import OBJECTIVE_ORDER
from .item_kit import MINUS, REGISTRY, Draft, Reroll, Template
from .specs import RUBRIC_LABELS, Choice, ItemSpec, RubricLevel

MAX_ATTEMPTS = 2000
SPREAD = 1.8
"""Templates state difficulty on a compact relative scale (about -1..1.3); the
generator stretches it by this factor so the bank's hints have a standard
deviation near 0.9 logits, typical of a calibrated classroom bank."""
CHOICE_IDS = "ABCDEFGH"
_ASCII_NEG = re.compile(r"(?<![\w)\]])-(?=\d)")


def _tidy(text: str) -> str:
    """Typographic minus for negative numbers written with an ASCII hyphen."""
    return _ASCII_NEG.sub(MINUS, text)


_NUMBER = re.compile(r"−?\d[\d,]*(?:\.\d+)?(?: \d+/\d+|/\d+)?")


def number_load(stem: str) -> float:
    """Extra difficulty (logits) from the numbers a stem asks students to handle.

    Negative numbers, fractions with denominators above 4, decimals with two or
    more places and numbers of 1,000 or more each add a little; the total is
    at most 0.5.
    """
    nums = _NUMBER.findall(stem)
    load = 0.0
    if any(n.startswith(MINUS) for n in nums):
        load += 0.15
    if any("/" in n and int(n.rsplit("/", 1)[1]) > 4 for n in nums):
        load += 0.15
    if any("." in n and len(n.split(".")[1].split(" ")[0]) >= 2 for n in nums):
        load += 0.1
    if any(abs(float(n.split(" ")[0].split("/")[0].replace(",", "").replace(MINUS, "-"))) >= 1000 for n in nums):
        load += 0.1
    return load


def objective_slug(objective: str) -> str:
    """``"7.RP.A.2"`` -> ``"7RPA2"`` (the prefix of item codes)."""
    return objective.replace(".", "")


def _to_item(code: str, t: Template, d: Draft) -> ItemSpec:
    choices: tuple[Choice, ...] = ()
    key: str | tuple[str, ...] | float | None = None
    rubric_levels: tuple[RubricLevel, ...] = ()
    if d.options is not None:
        choices = tuple(Choice(CHOICE_IDS[i], _tidy(text)) for i, (text, _) in enumerate(d.options))
        ids = [CHOICE_IDS[i] for i, (_, ok) in enumerate(d.options) if ok]
        key = ids[0] if d.interaction == Interaction.single_choice.value else tuple(ids)
    elif d.interaction == Interaction.numeric_entry.value:
        assert d.answer is not None
        key = float(d.answer)
    else:
        assert d.rubric is not None
        rubric_levels = tuple(RubricLevel(i, RUBRIC_LABELS[i], _tidy(c)) for i, c in enumerate(d.rubric))
    html, assets = None, ()
    if d.figure is not None:
        before, after = (_tidy(text) for text in d.figure_text)
        html = stem_html(before, d.figure, after, code)
        if isinstance(d.figure, LineGraph):
            assets = ((GRAPH_FILE, "image/svg+xml", d.figure.svg()),)
    return ItemSpec(
        code=code,
        objective=t.objective,
        stem=_tidy(d.stem),
        interaction=d.interaction,
        choices=choices,
        key=key,
        rationale=_tidy(d.rationale),
        dok=d.dok,
        difficulty_hint=round(max(-3.0, min(3.0, SPREAD * (d.difficulty + number_load(d.stem)))), 2),
        tolerance=d.tolerance if d.interaction == Interaction.numeric_entry.value else None,
        rubric=rubric_levels,
        n_categories=4 if d.interaction == Interaction.constructed_response.value else 2,
        template=t.name,
        stem_html=html,
        assets=assets,
    )


def _ordered_templates() -> list[Template]:
    rank = {code: i for i, code in enumerate(OBJECTIVE_ORDER)}
    return sorted(REGISTRY, key=lambda t: rank[t.objective])  # stable: registry order within an objective


@lru_cache(maxsize=8)
def generate(seed: int) -> tuple[ItemSpec, ...]:
    """Generate the whole demo bank for ``seed``.

    Each template draws from its own ``random.Random(f"{seed}:{name}")`` so
    that adding a template never changes the items of another. A draw that
    raises :class:`Reroll`, or repeats an item already made (same stem and options), is drawn again.

    Parameters
    ----------
    seed : int
        Seed of the bank; the same seed always gives the same items.

    Returns
    -------
    tuple of ItemSpec
        Items ordered by objective (framework order), codes numbered per objective.

    Raises
    ------
    RuntimeError
        If a template cannot produce its quota of distinct items.
    """
    out: list[ItemSpec] = []
    stems: set[str] = set()
    counters: dict[str, int] = {}
    for t in _ordered_templates():
        rng = random.Random(f"{seed}:{t.name}")
        made = 0
        for _ in range(MAX_ATTEMPTS):
            if made == t.count:
                break
            try:
                d = t.build(rng)
            except Reroll:
                continue
            sig = d.stem + "|" + "|".join(sorted(text for text, _ in d.options or ()))
            if sig in stems:
                continue
            stems.add(sig)
            counters[t.objective] = counters.get(t.objective, 0) + 1
            code = f"{objective_slug(t.objective)}-{counters[t.objective]:04d}"
            out.append(_to_item(code, t, d))
            made += 1
        if made < t.count:
            raise RuntimeError(f"template {t.name} made only {made} of {t.count} distinct items")
    return tuple(out)
