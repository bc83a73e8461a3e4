"""An item as read from any QTI version, in the bank's vocabulary, or the reason it cannot be imported."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["QtiItem", "ItemRefused", "UsageStatistic"]


class ItemRefused(Exception):
    """One item of a package that masterycat cannot take as it is (the rest of the package is imported).

    Raised for an interaction the bank does not have, response processing
    the scorer cannot reproduce exactly, or an item with more than one
    interaction; the message says which.
    """


@dataclass
class QtiItem:
    """An item ready for the bank.

    Attributes
    ----------
    identifier : str
        The bank's item id (the QTI identifier when it fits the bank's rules).
    title : str
        The item's title.
    interaction : str
        One of :class:`itembank.tables.Interaction`.
    stem, stem_html : str, str or None
        The text of the stem; its sanitized XHTML when it holds more than text.
    choices, targets : list of dict
        ``{"id", "text"}``.
    key : Any
        In the form :mod:`itembank.answers` reads.
    tolerance : float
        A numeric entry's absolute tolerance.
    scoring : dict or None
        Partial credit, or None for all or nothing.
    n_categories : int
        2, or the number of partial-credit scores.
    rationale : str
        The item's feedback, as text.
    rubric : list of dict or None
        A written answer's four levels.
    assets : dict of str to str
        The files the stem shows: the bank's path (``images/a.png``) to the package's.
    standards : list of str
        CASE identifiers of the item's standards, from the package's metadata.
    """

    identifier: str
    title: str
    interaction: str
    stem: str
    stem_html: str | None = None
    choices: list[dict[str, str]] = field(default_factory=list)
    targets: list[dict[str, str]] = field(default_factory=list)
    key: Any = None
    tolerance: float = 0.0
    scoring: dict[str, Any] | None = None
    n_categories: int = 2
    rationale: str = ""
    rubric: list[dict[str, Any]] | None = None
    assets: dict[str, str] = field(default_factory=dict)
    standards: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class UsageStatistic:
    """A statistic of an item from a package's usage data (``a`` of a 2PL calibration, a p-value...)."""

    item: str
    name: str
    value: float
    context: str
