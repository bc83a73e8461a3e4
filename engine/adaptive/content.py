"""Content balancing: a blueprint over learning objectives and DOK levels.

A :class:`Blueprint` gives target shares of a check over the objectives of a
standard (and optionally over DOK levels).  During an adaptive check the
Kingsbury-Zara (1989) rule chooses, before every item, the content category
that is most under-represented so far (largest ``target share x (n + 1) -
count``) among those with items still available; selection then takes the
best item within it.  With DOK targets the objective is chosen first, then
the most under-represented DOK level available within that objective.

Vectorized over students: :func:`kingsbury_zara` returns one required content
category per row (``-1``: no restriction).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from engine.adaptive.bank import AdaptiveBank

__all__ = ["Blueprint", "kingsbury_zara", "category_counts"]


def _shares(targets: Mapping[str, float], names: tuple[str, ...], what: str) -> np.ndarray:
    out = np.zeros(len(names))
    for name, share in targets.items():
        if str(name) not in names:
            raise ValueError(f"blueprint names unknown {what} {name!r}")
        share = float(share)
        if not (np.isfinite(share) and share >= 0):
            raise ValueError(f"blueprint share of {what} {name!r} should be >= 0, got {share}")
        out[names.index(str(name))] = share
    if out.sum() <= 0:
        raise ValueError(f"blueprint needs at least one {what} with a positive share")
    return out / out.sum()


@dataclass(frozen=True)
class Blueprint:
    """Target shares over objectives (and DOK levels), JSON-friendly.

    Attributes
    ----------
    objectives : tuple of (str, float)
        Objective name and its target share (normalized to sum 1).  Only
        these objectives' items are eligible.
    dok : tuple of (str, float)
        DOK level and its target share; empty for no DOK balancing.
    """

    objectives: tuple[tuple[str, float], ...]
    dok: tuple[tuple[str, float], ...] = ()

    @classmethod
    def uniform(cls, objectives: Iterable[str]) -> Blueprint:
        """Equal shares over ``objectives``."""
        names = [str(o) for o in objectives]
        if not names:
            raise ValueError("a blueprint needs at least one objective")
        return cls(tuple((o, 1.0) for o in names))

    @classmethod
    def from_dict(cls, data: Mapping) -> Blueprint:
        return cls(
            tuple((str(k), float(v)) for k, v in dict(data.get("objectives", {})).items()),
            tuple((str(k), float(v)) for k, v in dict(data.get("dok", {}) or {}).items()),
        )

    def to_dict(self) -> dict:
        return {"objectives": dict(self.objectives), "dok": dict(self.dok)}

    def objective_shares(self, bank: AdaptiveBank) -> np.ndarray:
        """Target shares (G,) over the bank's objectives."""
        return _shares(dict(self.objectives), bank.objective_names, "objective")

    def dok_shares(self, bank: AdaptiveBank) -> np.ndarray | None:
        """Target shares over the bank's DOK levels, or None."""
        return _shares(dict(self.dok), bank.dok_names, "DOK level") if self.dok else None

    def eligible(self, bank: AdaptiveBank) -> np.ndarray:
        """Items of the blueprint's objectives, bool (J,)."""
        return self.objective_shares(bank)[bank.objective] > 0


def category_counts(codes: np.ndarray, items: np.ndarray, n_categories: int) -> np.ndarray:
    """How many of each row's items fall in each category.

    Parameters
    ----------
    codes : ndarray of int, shape (J,)
        Category of each item.
    items : ndarray of int, shape (N, L)
        Item positions, ``-1`` padded.

    Returns
    -------
    ndarray of int, shape (N, n_categories)
    """
    n = items.shape[0]
    valid = items >= 0
    flat = (np.arange(n)[:, None] * n_categories + codes[np.where(valid, items, 0)])[valid]
    return np.bincount(flat, minlength=n * n_categories).reshape(n, n_categories)


def kingsbury_zara(
    bank: AdaptiveBank, blueprint: Blueprint, administered: np.ndarray, blocked: np.ndarray
) -> np.ndarray:
    """Required content category of each row's next item.

    Parameters
    ----------
    bank : AdaptiveBank
    blueprint : Blueprint
    administered : ndarray of int, shape (N, L)
        Items given in this check, ``-1`` padded.
    blocked : ndarray of int, shape (N, M)
        Items not allowed (administered plus recently seen), ``-1`` padded.

    Returns
    -------
    ndarray of int, shape (N,)
        Category code in ``bank.content_key(with_dok=bool(blueprint.dok))``,
        or ``-1`` when no category of the blueprint has items left.
    """
    shares = blueprint.objective_shares(bank)
    n_obj = bank.n_objectives
    n = administered.shape[0]
    # distinct blocked items only (an item may be both administered and recent)
    blocked = _unique_rows(blocked)
    obj_total = np.bincount(bank.objective, minlength=n_obj)
    obj_left = obj_total[None, :] - category_counts(bank.objective, blocked, n_obj)
    counts = category_counts(bank.objective, administered, n_obj)
    length = (administered >= 0).sum(axis=1, keepdims=True)
    deficit = shares[None, :] * (length + 1) - counts
    deficit = np.where((shares[None, :] > 0) & (obj_left > 0), deficit, -np.inf)
    obj = np.argmax(deficit, axis=1)
    none = ~np.isfinite(deficit[np.arange(n), obj])
    dok_shares = blueprint.dok_shares(bank)
    if dok_shares is None:
        return np.where(none, -1, obj)
    key, n_key = bank.content_key(with_dok=True)
    n_dok = bank.n_dok
    key_left = np.bincount(key, minlength=n_key)[None, :] - category_counts(key, blocked, n_key)
    left_in_obj = key_left.reshape(n, n_obj, n_dok)[np.arange(n), obj]  # (N, n_dok)
    dcounts = category_counts(bank.dok, administered, n_dok)
    ddef = dok_shares[None, :] * (length + 1) - dcounts
    # prefer DOK levels with a target; fall back to any level with items left
    ddef = np.where(left_in_obj > 0, np.where(dok_shares[None, :] > 0, ddef, ddef - 1e6), -np.inf)
    dok = np.argmax(ddef, axis=1)
    return np.where(none, -1, obj * n_dok + dok)


def _unique_rows(items: np.ndarray) -> np.ndarray:
    """Each row's distinct items (``-1`` padded), same shape."""
    if items.shape[1] < 2:
        return items
    s = np.sort(items, axis=1)
    dup = np.zeros_like(s, dtype=bool)
    dup[:, 1:] = (s[:, 1:] == s[:, :-1]) & (s[:, 1:] >= 0)
    return np.where(dup, -1, s)
