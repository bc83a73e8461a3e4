"""Frozen records of the demo content: standards, choices, rubric levels, items.

They are written in the bank's own vocabulary: standard levels and item
interactions are the values of :class:`itembank.tables.StandardLevel` and
:class:`itembank.tables.Interaction`, so the district stores them as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from itembank.tables import SELF_SCORING, Interaction, StandardLevel

FRAMEWORK = "CCSS-M Grade 7"
"""Name of the standards framework the demo content belongs to."""

LEVELS: tuple[str, ...] = tuple(level.value for level in StandardLevel)
#: The interactions the demo's item templates write (the bank has more, which QTI imports bring).
INTERACTIONS: tuple[str, ...] = tuple(
    interaction.value
    for interaction in (
        Interaction.single_choice,
        Interaction.multiple_select,
        Interaction.numeric_entry,
        Interaction.constructed_response,
    )
)
RUBRIC_LABELS: tuple[str, ...] = ("Does not meet", "Partially meets", "Meets", "Exceeds")


@dataclass(frozen=True)
class StandardSpec:
    """One node of the standards hierarchy.

    Attributes
    ----------
    code : str
        Official code, e.g. ``"7.RP"`` (domain), ``"7.RP.A"`` (cluster),
        ``"7.RP.A.2"`` (standard).
    title : str
        Short faithful paraphrase of the official title.
    level : {"competency", "indicator", "objective"}
        Domain, cluster and standard respectively (competency, performance
        indicator, learning objective).
    parent_code : str or None
        Code of the parent node; ``None`` for a competency.
    framework : str
        Always ``"CCSS-M Grade 7"``.
    """

    code: str
    title: str
    level: str
    parent_code: str | None
    framework: str = FRAMEWORK


@dataclass(frozen=True)
class Choice:
    """One answer option of a choice item: an id (``"A"``, ``"B"``, ...) and its text."""

    id: str
    text: str


@dataclass(frozen=True)
class RubricLevel:
    """One level of a 4-level rubric: score 0..3, its label and task-specific criteria."""

    score: int
    label: str
    criteria: str


@dataclass(frozen=True)
class ItemSpec:
    """One demo item, ready to be stored in the bank.

    Attributes
    ----------
    code : str
        Stable unique id, the objective code without dots and a running
        number, e.g. ``"7RPA2-0001"``.
    objective : str
        Code of the learning objective (standard), e.g. ``"7.RP.A.2"``.
    stem : str
        Plain-text question; negative numbers use the minus sign ``"−"``.
    interaction : {"single_choice", "multiple_select", "numeric_entry", "constructed_response"}
        How the student answers and how the item is scored.
    choices : tuple of Choice
        Options with ids ``"A"``, ``"B"``, ...; empty for numeric-entry and
        constructed-response items.
    key : str or tuple of str or float or None
        A choice id (single choice), the sorted tuple of correct choice ids
        (multiple select), a number (numeric entry) or ``None`` (constructed
        response).
    rationale : str
        Worked solution shown as feedback; for constructed-response items an
        exemplar response.
    dok : int
        Webb's depth of knowledge, 1..4.
    difficulty_hint : float
        Rough Rasch difficulty b on the logit scale, used to simulate a
        response history before calibration: the template's base value (its
        cognitive load) plus a load for the numbers in the stem (negatives,
        fractions, long decimals, large numbers), stretched to a realistic
        spread (standard deviation about 0.9) and clipped to [-3, 3].
    tolerance : float or None
        Largest accepted absolute error of a numeric-entry answer; ``None``
        otherwise.
    rubric : tuple of RubricLevel
        The four levels 0..3 written for this task; empty unless constructed
        response.
    n_categories : int
        Number of score categories: 2 for self-scoring items, 4 for
        constructed-response items (rubric-scored by a teacher).
    template : str
        Name of the template that generated the item (for tests and audits).
    stem_html : str or None
        The stem as HTML with the table or graph it speaks of
        (:mod:`demo.content.figures`); ``None`` when the text says it all.
    assets : tuple of (path, media type, bytes)
        Files the HTML stem shows (a graph's SVG).
    """

    code: str
    objective: str
    stem: str
    interaction: str
    choices: tuple[Choice, ...]
    key: str | tuple[str, ...] | float | None
    rationale: str
    dok: int
    difficulty_hint: float
    tolerance: float | None = None
    rubric: tuple[RubricLevel, ...] = field(default=())
    n_categories: int = 2
    template: str = ""
    stem_html: str | None = None
    assets: tuple[tuple[str, str, bytes], ...] = field(default=())

    @property
    def self_scoring(self) -> bool:
        """True when the item can be scored automatically (everything but constructed response)."""
        return self.interaction in {interaction.value for interaction in SELF_SCORING}

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready dict (lists instead of tuples)."""
        key: object = list(self.key) if isinstance(self.key, tuple) else self.key
        return {
            "code": self.code,
            "objective": self.objective,
            "stem": self.stem,
            "interaction": self.interaction,
            "choices": [{"id": c.id, "text": c.text} for c in self.choices],
            "key": key,
            "tolerance": self.tolerance,
            "rationale": self.rationale,
            "dok": self.dok,
            "difficulty_hint": self.difficulty_hint,
            "rubric": [{"score": r.score, "label": r.label, "criteria": r.criteria} for r in self.rubric],
            "n_categories": self.n_categories,
            "template": self.template,
            "stem_html": self.stem_html,
            "assets": [[path, media_type] for path, media_type, _ in self.assets],
        }
