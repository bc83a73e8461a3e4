"""Tool kit for the item templates: number formatting, drafts, option lists, registry.

A template is a function ``build(rng) -> Draft`` registered with
:func:`template`. It draws its numbers from ``rng`` (a seeded
``random.Random``), computes the key from them with exact
``fractions.Fraction`` arithmetic, builds distractors from typical mistakes
and raises :class:`Reroll` when the numbers it drew give a degenerate item
(for example a distractor that coincides with the key); the generator then
draws again.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from itembank.tables import Interaction

from .figures import Figure

MINUS = "\u2212"
TIMES = "\u00d7"
DIVIDE = "\u00f7"
PI = Fraction(314, 100)

Number = int | Fraction


class Reroll(Exception):
    """The drawn numbers make a degenerate item; draw again."""


# --------------------------------------------------------------------------- formatting


def _terminating(x: Fraction, max_places: int) -> str | None:
    """Exact decimal text of ``x`` with at most ``max_places`` places, else None."""
    scaled = x * 10**max_places
    if scaled.denominator != 1:
        return None
    n = abs(scaled.numerator)
    whole, frac = divmod(n, 10**max_places)
    text = f"{whole:,}" if whole >= 10_000 else str(whole)
    if frac:
        text += "." + str(frac).rjust(max_places, "0").rstrip("0")
    return (MINUS if x < 0 else "") + text


def dec(x: Number, max_places: int = 4) -> str:
    """Format an exact number as a decimal (``−2.5``, ``0.125``, ``12``).

    Raises
    ------
    Reroll
        If ``x`` has no terminating decimal with at most ``max_places`` places.
    """
    text = _terminating(Fraction(x), max_places)
    if text is None:
        raise Reroll(f"{x} is not a short terminating decimal")
    return text


def frac(x: Number, mixed: bool = False) -> str:
    """Format an exact number as a fraction in lowest terms (``−3/4``, ``2 1/3``, ``5``)."""
    x = Fraction(x)
    sign = MINUS if x < 0 else ""
    n, d = abs(x.numerator), x.denominator
    if d == 1:
        return f"{sign}{n}"
    if mixed and n > d:
        w, r = divmod(n, d)
        return f"{sign}{w} {r}/{d}"
    return f"{sign}{n}/{d}"


def ratio(n: int, d: int) -> str:
    """``n/d``, followed by ``= p/q`` when the fraction reduces (``6/8 = 3/4``)."""
    x = Fraction(n, d)
    return f"{n}/{d}" if x.denominator == d else f"{n}/{d} = {frac(x)}"


def art(text: str) -> str:
    """Indefinite article for a number read aloud: ``an`` before 8, 11, 18, 80-89, 800, ..., else ``a``."""
    digits = text.lstrip("$").split(" ")[0].split("-")[0].replace(",", "")
    spoken_eleven = digits in ("11", "18") or (len(digits) in (5, 8) and digits[:2] in ("11", "18"))
    return "an" if digits.startswith("8") or spoken_eleven else "a"


def paren(text: str) -> str:
    """Wrap a negative number's text in parentheses, as written inside an expression."""
    return f"({text})" if text.startswith(MINUS) else text


def money(x: Number) -> str:
    """Format dollars with cents: ``$1,234.50`` (``−$3.25`` when negative).

    Raises
    ------
    Reroll
        If ``x`` is not a whole number of cents.
    """
    x = Fraction(x)
    if (x * 100).denominator != 1:
        raise Reroll(f"{x} is not a whole number of cents")
    cents = abs(x.numerator * 100 // x.denominator)
    d, c = divmod(cents, 100)
    return f"{MINUS if x < 0 else ''}${d:,}.{c:02d}"


def pct(x: Number) -> str:
    """Format a rate as a percent: ``Fraction(3, 40)`` -> ``7.5%``."""
    return dec(Fraction(x) * 100, 2) + "%"


def signed(x: Number) -> str:
    """A number with an explicit sign for a change: ``+3.5`` or ``−2``."""
    return ("+" if x >= 0 else "") + dec(x)


def num(x: Number) -> str:
    """Shortest exact text: an integer or short decimal, else a fraction."""
    text = _terminating(Fraction(x), 4)
    return text if text is not None else frac(x)


def lin(coef: Number, var: str, const: Number = 0) -> str:
    """A linear expression ``coef·var + const`` as written by hand (``−x + 3``, ``2.5n − 4``)."""
    coef, const = Fraction(coef), Fraction(const)
    parts: list[str] = []
    if coef != 0:
        mag = "" if abs(coef) == 1 else num(abs(coef))
        parts.append((MINUS if coef < 0 else "") + mag + var)
    if const != 0 or not parts:
        if parts:
            parts.append(("+ " if const > 0 else f"{MINUS} ") + num(abs(const)))
        else:
            parts.append(num(const))
    return " ".join(parts)


# --------------------------------------------------------------------------- drafts


@dataclass
class Draft:
    """What a template returns; the generator turns it into an :class:`ItemSpec`.

    ``interaction`` is one of the bank's interactions
    (:class:`itembank.tables.Interaction`); ``options`` holds ``(text,
    correct)`` pairs in display order for choice items; ``answer`` is the
    exact key of a numeric-entry item; ``rubric`` the four criteria texts of a
    constructed-response item for scores 0..3; ``figure`` the table or graph
    the stem describes, which the item's HTML stem shows between the texts
    of ``figure_text``.
    """

    stem: str
    interaction: str
    rationale: str
    dok: int
    difficulty: float
    options: list[tuple[str, bool]] | None = None
    answer: Fraction | None = None
    tolerance: float | None = None
    rubric: tuple[str, str, str, str] | None = None
    #: the table or graph the stem speaks of, shown between the two texts of ``figure_text``
    figure: Figure | None = None
    figure_text: tuple[str, str] = ("", "")


def _unique(texts: Sequence[str], exclude: set[str]) -> list[str]:
    out: list[str] = []
    for t in texts:
        if t not in exclude and t not in out:
            out.append(t)
    return out


def single(
    rng: random.Random,
    stem: str,
    key: str,
    distractors: Sequence[str],
    rationale: str,
    dok: int,
    difficulty: float,
    n_options: int = 4,
    shuffle: bool = True,
) -> Draft:
    """Draft a single-choice item from the key and candidate distractors.

    The first ``n_options - 1`` distinct candidates (different from the key)
    are used, in order of listing; the options are then shuffled.

    Raises
    ------
    Reroll
        If fewer than ``n_options - 1`` distinct distractors are available.
    """
    ds = _unique(distractors, {key})
    if len(ds) < n_options - 1:
        raise Reroll("not enough distinct distractors")
    opts = [(key, True)] + [(d, False) for d in ds[: n_options - 1]]
    if shuffle:
        rng.shuffle(opts)
    return Draft(stem, Interaction.single_choice.value, rationale, dok, difficulty, options=opts)


def multi(
    rng: random.Random,
    stem: str,
    correct: Sequence[str],
    incorrect: Sequence[str],
    rationale: str,
    dok: int,
    difficulty: float,
) -> Draft:
    """Draft a multiple-select item; options are shuffled.

    Raises
    ------
    Reroll
        If an option repeats, or there is no correct or no incorrect option.
    """
    opts = [(t, True) for t in correct] + [(t, False) for t in incorrect]
    texts = [t for t, _ in opts]
    if len(set(texts)) != len(texts) or not correct or not incorrect:
        raise Reroll("degenerate option list")
    rng.shuffle(opts)
    return Draft(stem, Interaction.multiple_select.value, rationale, dok, difficulty, options=opts)


def numeric(
    stem: str,
    answer: Number,
    rationale: str,
    dok: int,
    difficulty: float,
    tolerance: float = 1e-6,
) -> Draft:
    """Draft a numeric-entry item with its exact answer and tolerance."""
    return Draft(
        stem, Interaction.numeric_entry.value, rationale, dok, difficulty, answer=Fraction(answer), tolerance=tolerance
    )


def rubric(
    stem: str,
    exemplar: str,
    levels: tuple[str, str, str, str],
    dok: int,
    difficulty: float,
) -> Draft:
    """Draft a constructed-response item with its 4-level criteria (scores 0..3)."""
    return Draft(stem, Interaction.constructed_response.value, exemplar, dok, difficulty, rubric=levels)


# --------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class Template:
    """A registered template: its name, objective, builder and how many items it makes."""

    name: str
    objective: str
    count: int
    build: Callable[[random.Random], Draft]


REGISTRY: list[Template] = []


def template(
    objective: str, count: int
) -> Callable[[Callable[[random.Random], Draft]], Callable[[random.Random], Draft]]:
    """Register ``build`` as a template making ``count`` items for ``objective``."""

    def deco(build: Callable[[random.Random], Draft]) -> Callable[[random.Random], Draft]:
        name = build.__name__
        if any(t.name == name for t in REGISTRY):
            raise ValueError(f"duplicate template name {name!r}")
        REGISTRY.append(Template(name, objective, count, build))
        return build

    return deco


def pick(rng: random.Random, seq: Sequence):  # type: ignore[no-untyped-def]
    """``rng.choice`` with a shorter name."""
    return rng.choice(seq)
