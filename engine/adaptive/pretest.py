"""Seeding pretest items, unscored, into live adaptive checks.

New items get calibration data from real checks without touching the
student's estimate: each check carries a few pretest items at random
positions (never first, so the check opens on a calibrated item, and
indistinguishable from operational ones to the student); the responses are
stored but left out of scoring; once an item has enough answers,
:func:`engine.analysis.linking.calibrate_new_items` puts it on the bank's scale with
the operational items as anchors.

Choosing *which* pretest items a check carries balances the samples: the
least-answered items first, ties broken at random, so every item reaches
its target count at about the same time.  Pure functions with an explicit
generator; the service stores the plan with the session.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["PretestPlan", "plan_pretest", "choose_pretest_items", "seed_positions"]


@dataclass(frozen=True)
class PretestPlan:
    """Where and which pretest items a check carries.

    Attributes
    ----------
    positions : ndarray of int, shape (P,)
        0-based positions in the check (increasing) at which the next item
        served is a pretest item instead of a selected one.
    item_ids : ndarray of str, shape (P,)
        The pretest item for each position.
    """

    positions: np.ndarray
    item_ids: np.ndarray

    def item_at(self, position: int) -> str | None:
        """The pretest item to serve at ``position``, or None for an operational one."""
        hit = np.flatnonzero(self.positions == position)
        return str(self.item_ids[hit[0]]) if hit.size else None


def seed_positions(max_items: int, n_pretest: int, rng: np.random.Generator, *, earliest: int = 1) -> np.ndarray:
    """Random distinct positions in ``earliest .. max_items - 1``.

    Parameters
    ----------
    max_items : int
        Longest check (operational plus pretest items).
    n_pretest : int
        Pretest items per check.
    rng : numpy.random.Generator
    earliest : int
        First position allowed (1: never the opening item).

    Returns
    -------
    ndarray of int, shape (n_pretest,), increasing
    """
    if n_pretest < 0 or earliest < 0:
        raise ValueError("n_pretest and earliest must be non-negative")
    room = max_items - earliest
    if n_pretest > room:
        raise ValueError(f"{n_pretest} pretest items do not fit in positions {earliest}..{max_items - 1}")
    return np.sort(rng.choice(np.arange(earliest, max_items), size=n_pretest, replace=False))


def choose_pretest_items(
    pool_ids: Sequence[str], answered: ArrayLike, k: int, rng: np.random.Generator, *, exclude: Iterable[str] = ()
) -> np.ndarray:
    """The ``k`` least-answered pretest items (ties at random), skipping ``exclude``.

    Parameters
    ----------
    pool_ids : sequence of str, shape (M,)
        Items in pretest status eligible for this check (e.g. the standard's).
    answered : array_like of int, shape (M,)
        Responses collected so far per item.
    k : int
    rng : numpy.random.Generator
    exclude : iterable of str
        Items this student saw recently.

    Returns
    -------
    ndarray of str, shape (min(k, available),)
    """
    ids = np.asarray(pool_ids, dtype=object).astype(str)
    counts = np.asarray(answered, dtype=float).reshape(-1)
    if counts.shape != ids.shape:
        raise ValueError(f"answered should have one count per pretest item ({ids.size}), got {counts.size}")
    if k < 0:
        raise ValueError("k must be non-negative")
    ok = ~np.isin(ids, np.asarray(list(exclude), dtype=object).astype(str))
    order = np.lexsort((rng.random(ids.size), counts))
    order = order[ok[order]]
    return ids[order[:k]]


def plan_pretest(
    pool_ids: Sequence[str],
    answered: ArrayLike,
    max_items: int,
    n_pretest: int,
    rng: np.random.Generator,
    *,
    exclude: Iterable[str] = (),
    earliest: int = 1,
) -> PretestPlan:
    """Plan the pretest items of one check.

    Fewer items are planned when the pool (after ``exclude``) is smaller than
    ``n_pretest``.  The caller counts a planned item in ``answered`` only
    once it is answered.

    Parameters
    ----------
    pool_ids : sequence of str, shape (M,)
        Items in pretest status eligible for this check.
    answered : array_like of int, shape (M,)
        Responses collected so far per item.
    max_items : int
        Longest check (operational plus pretest items).
    n_pretest : int
        Pretest items per check.
    rng : numpy.random.Generator
    exclude : iterable of str
        Items this student saw recently.
    earliest : int
        First position allowed (1: never the opening item).

    Returns
    -------
    PretestPlan
    """
    chosen = choose_pretest_items(pool_ids, answered, n_pretest, rng, exclude=exclude)
    positions = seed_positions(max_items, len(chosen), rng, earliest=earliest)
    return PretestPlan(positions=positions, item_ids=rng.permutation(chosen))
