"""The options of each import, checked where they come in (the command line, the API, the pages).

Each function takes the raw values a user gave (text, numbers or None) and
returns the options :func:`interop.runs.run_import` passes to the format's
importer, or raises :class:`ValueError` with a message naming the option.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["case_options", "qti_options"]

_ONE_LINE = re.compile(r"^[^\x00-\x1f\x7f]+$")


def _name(value: str, option: str, limit: int) -> str:
    value = value.strip()
    if not value or len(value) > limit or not _ONE_LINE.match(value):
        raise ValueError(f"{option} should be 1 to {limit} characters on one line, got {value[:80]!r}")
    return value


def case_options(
    *, framework: str | None = None, levels: str | None = None, objective_depth: int | None = None
) -> dict[str, Any]:
    """The options of a CASE import.

    Parameters
    ----------
    framework : str, optional
        The framework's name in masterycat (at most 64 characters).
    levels : str, optional
        Three CFItemTypes separated by commas: competencies, indicators, objectives.
    objective_depth : int, optional
        The depth of the objectives, 3 to 20.
    """
    options: dict[str, Any] = {}
    if framework:
        options["framework"] = _name(framework, "framework", 64)
    if levels:
        types = [part.strip() for part in levels.split(",")]
        if len(types) != 3 or not all(types):
            raise ValueError(f"levels should name three CFItemTypes separated by commas, got {levels[:80]!r}")
        options["item_types"] = [_name(t, "levels", 200) for t in types]
    if objective_depth is not None:
        if levels:
            raise ValueError("give levels or objective depth, not both")
        if not 3 <= objective_depth <= 20:
            raise ValueError(f"objective depth should be 3 to 20, got {objective_depth}")
        options["objective_depth"] = objective_depth
    return options


def qti_options(*, standard: str | None = None, standard_map: str | None = None) -> dict[str, Any]:
    """The options of a QTI import.

    Parameters
    ----------
    standard : str, optional
        The code of the objective of items whose package names none.
    standard_map : str, optional
        The text of a CSV ``item_identifier,standard_code`` (read at import, refused there naming its line).
    """
    options: dict[str, Any] = {}
    if standard:
        options["standard"] = _name(standard, "standard", 64)
    if standard_map is not None:
        if len(standard_map) > 5_000_000:
            raise ValueError("the standard map is larger than 5 MB")
        options["standard_map"] = standard_map
    return options
