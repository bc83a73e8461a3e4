"""Students' written answers to the demo's "is it proportional?" rubric items, in their own varied words.

:func:`written_answer` writes one answer at a rubric level (0-3): a level-3
answer finds every unit price, compares them and concludes with a reason; a
level-0 answer guesses.  Answers are put together from several openings,
methods and conclusions per level, so a class's answers read like a class's,
not like two stock sentences.
"""

from __future__ import annotations

import numpy as np

__all__ = ["written_answer"]

_OPENINGS = (
    "",
    "Okay so ",
    "My answer: ",
    "I think ",
    "To decide, ",
    "First, ",
    "So basically ",
    "Here is what I did. ",
)
_BY_LEVEL: dict[int, tuple[tuple[str, ...], tuple[str, ...]]] = {
    3: (
        (
            "I divided each total price by how many you get to find the unit price for every deal",
            "I found the price for one in each offer by dividing the cost by the number",
            "I made a table with the number and the cost, then worked out cost ÷ number for each row",
            "I checked whether cost = k × number for one k by finding the unit price of all three deals",
        ),
        (
            ". The unit prices are not all the same (the big pack is cheaper per item), so the cost is not proportional: a proportional cost would have one constant unit price and its graph would be a line through the origin.",
            ". Two of the unit prices match but the third one is different, so there is no single constant of proportionality and the relationship is not proportional.",
            ". Since one deal gives a different price for each item, the ratios cost/number are not equal, which means it is not proportional. If it were, every point would be on one line through (0, 0).",
        ),
    ),
    2: (
        (
            "I divided the price by the number for the deals",
            "I worked out the unit prices",
            "I found how much one costs in each deal",
        ),
        (
            " and they are different so it is not proportional.",
            ". One of them is cheaper per item so it's not proportional, but I'm not sure I did the last one right.",
            " and they don't match, so no.",
        ),
    ),
    1: (
        (
            "I looked at the prices and",
            "the numbers go up when you buy more so",
            "I multiplied the price by the number and",
            "I drew a graph but I didn't finish it and",
        ),
        (
            " it is proportional because more items cost more money.",
            " I think it is proportional since they all go up together.",
            " it looks like it goes up by the same amount, so yes.",
        ),
    ),
    0: (
        (
            "I don't know",
            "yes",
            "it is proportional",
            "I added the numbers up",
        ),
        (
            ".",
            " because it is a rate.",
            " because you multiply.",
            "?",
        ),
    ),
}


def written_answer(level: int, rng: np.random.Generator) -> str:
    """A student's answer at rubric ``level`` (0-3), drawn with ``rng``."""
    if level not in _BY_LEVEL:
        raise ValueError(f"a rubric level is 0-3, got {level}")
    methods, conclusions = _BY_LEVEL[level]
    text = str(rng.choice(_OPENINGS)) + str(rng.choice(methods)) + str(rng.choice(conclusions))
    return text[0].upper() + text[1:]
