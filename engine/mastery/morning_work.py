"""Tiered morning work for whole schools at once.

For each class and standard (a *group*), students are placed into tiers by
their mastery band (red, yellow, green).  Each tier gets a short set of items
chosen

* at the tier's target success probability (``target-p`` rule at the tier's
  mean ability: practice items a student answers correctly about 75% of the
  time),
* spread over the standard's objectives (Kingsbury-Zara: the next item comes
  from the objective with the fewest items so far),
* avoiding every item any student of the tier saw recently,
* avoiding items whose exposure rate is at or above ``max_exposure``.

Optionally each student also gets a differentiated set the same way at their
own ability, avoiding their own recent items.

Every tier of every class and standard of a school is one row of the same
vectorized selection (:func:`engine.adaptive.selection.candidates`); the Python loop
runs over the ``items_per_tier`` positions only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine.adaptive.bank import AdaptiveBank
from engine.adaptive.content import category_counts
from engine.adaptive.selection import SelectionRule, candidates, pad_rows

__all__ = ["MorningWork", "morning_work"]


@dataclass(frozen=True)
class MorningWork:
    """Tiers with their students and items (T tiers, M memberships).

    Attributes
    ----------
    tier_group, tier_band : ndarray of int, shape (T,)
        Group (class x standard) and band code of each non-empty tier.
    tier_theta : ndarray, shape (T,)
        Mean ability of the tier's students (where the items aim).
    tier_items : ndarray of int, shape (T, n)
        Item positions, ``-1`` where the standard ran out of eligible items.
    member_tier : ndarray of int, shape (M,)
        Tier of each membership row.
    student_items : ndarray of int, shape (M, n) or None
        Differentiated per-student sets (when asked for).
    """

    tier_group: np.ndarray
    tier_band: np.ndarray
    tier_theta: np.ndarray
    tier_items: np.ndarray
    member_tier: np.ndarray
    student_items: np.ndarray | None = None

    def tiers(
        self,
        item_ids: Sequence[str] | np.ndarray,
        member_student_ids: Sequence[str] | np.ndarray,
        band_labels: Sequence[str] = ("red", "yellow", "green"),
    ) -> list[dict]:
        """JSON-ready tiers: ``{group, band, theta, students, items}`` per tier.

        Parameters
        ----------
        item_ids : sequence of str, shape (J,)
            The bank's item ids (``AdaptiveBank.item_ids``).
        member_student_ids : sequence of str, shape (M,)
            Student id of each membership row.
        band_labels : sequence of str
        """
        ids = np.asarray(item_ids, dtype=object)
        students = np.asarray(member_student_ids, dtype=object)
        order = np.argsort(self.member_tier, kind="stable")
        bounds = np.searchsorted(self.member_tier[order], np.arange(self.tier_group.size + 1))
        out: list[dict] = []
        for t in range(self.tier_group.size):  # a loop over tiers to build the reply
            items = self.tier_items[t]
            out.append(
                {
                    "group": int(self.tier_group[t]),
                    "band": str(band_labels[int(self.tier_band[t])]),
                    "theta": float(self.tier_theta[t]),
                    "students": [str(x) for x in students[order[bounds[t] : bounds[t + 1]]]],
                    "items": [str(x) for x in ids[items[items >= 0]]],
                }
            )
        return out


def _spread_select(
    bank: AdaptiveBank,
    rule_for_row: Sequence[tuple[float, np.ndarray]],
    theta: np.ndarray,
    standard_of_row: np.ndarray,
    blocked: np.ndarray,
    n: int,
    obj_standard: np.ndarray,
) -> np.ndarray:
    """``n`` items per row at the row's target, spread over its standard's objectives."""
    rows = theta.size
    n_obj = bank.n_objectives
    # objectives of each row's standard get equal shares
    member = obj_standard[None, :] == standard_of_row[:, None]  # (rows, n_obj)
    shares = member / np.maximum(member.sum(axis=1, keepdims=True), 1)
    obj_total = np.bincount(bank.objective, minlength=n_obj)
    chosen = np.full((rows, n), -1, dtype=np.int64)
    for step in range(n):  # a loop over positions in the set
        blk = np.concatenate([blocked, chosen[:, :step]], axis=1)
        left = obj_total[None, :] - category_counts(bank.objective, _distinct(blk), n_obj)
        counts = category_counts(bank.objective, chosen[:, :step], n_obj)
        deficit = np.where(member & (left > 0), shares * (step + 1) - counts, -np.inf)
        required = np.argmax(deficit, axis=1)
        none = ~np.isfinite(deficit[np.arange(rows), required])
        outs = []
        for p_target, sel in rule_for_row:  # a loop over the (few) target probabilities
            if sel.size == 0:
                continue
            cand = candidates(
                bank, theta[sel], blk[sel], rule=SelectionRule("target-p", p_target=p_target), required=required[sel]
            )[:, 0]
            outs.append((sel, cand))
        for sel, cand in outs:
            chosen[sel, step] = cand
        chosen[none, step] = -1
    return chosen


def _distinct(items: np.ndarray) -> np.ndarray:
    """Each row's distinct items (``-1`` padded), sorted, same shape."""
    s = np.sort(items, axis=1)
    dup = np.zeros_like(s, dtype=bool)
    dup[:, 1:] = (s[:, 1:] == s[:, :-1]) & (s[:, 1:] >= 0)
    return np.where(dup, -1, s)


def morning_work(
    bank: AdaptiveBank,
    item_standard: np.ndarray,
    group_standard: np.ndarray,
    member_group: np.ndarray,
    member_student: np.ndarray,
    member_theta: np.ndarray,
    member_band: np.ndarray,
    *,
    items_per_tier: int = 5,
    p_target: float | Sequence[float] = 0.75,
    n_bands: int = 3,
    recent_student: np.ndarray | None = None,
    recent_item: np.ndarray | None = None,
    exposure_rate: np.ndarray | None = None,
    max_exposure: float | None = None,
    per_student: bool = False,
) -> MorningWork:
    """Morning work for many classes and standards at once.

    Parameters
    ----------
    bank : AdaptiveBank
        Items carry their objective; objectives belong to standards.
    item_standard : ndarray of int, shape (J,)
        Standard of each item (every objective within one standard).
    group_standard : ndarray of int, shape (G,)
        Standard of each group (one class working on one standard).
    member_group, member_student : ndarray of int, shape (M,)
        Each row puts a student into a group.
    member_theta : ndarray, shape (M,)
        The student's ability on the group's standard.
    member_band : ndarray of int, shape (M,)
        The student's band code on the group's standard (0..n_bands-1).
    items_per_tier : int
    p_target : float or sequence of float, length n_bands
        Target success probability, one for all tiers or one per band.
    n_bands : int
    recent_student, recent_item : ndarray of int, shape (R,)
        Items each student saw recently (never given to their tier).
    exposure_rate : ndarray, shape (J,), optional
    max_exposure : float, optional
        Items at or above this exposure rate are not used.
    per_student : bool
        Also choose a differentiated set per membership row.

    Returns
    -------
    MorningWork
    """
    item_standard = np.asarray(item_standard, dtype=np.int64)
    group_standard = np.asarray(group_standard, dtype=np.int64)
    member_group = np.asarray(member_group, dtype=np.int64)
    member_student = np.asarray(member_student, dtype=np.int64)
    member_theta = np.asarray(member_theta, dtype=float)
    member_band = np.asarray(member_band, dtype=np.int64)
    m = member_group.size
    if item_standard.shape != (bank.n_items,):
        raise ValueError(f"item_standard should have shape ({bank.n_items},), got {item_standard.shape}")
    if not (member_student.shape == member_theta.shape == member_band.shape == (m,)):
        raise ValueError("member_group, member_student, member_theta and member_band should share one length")
    if m and (member_group.min() < 0 or member_group.max() >= group_standard.size):
        raise ValueError(f"member_group should index groups 0..{group_standard.size - 1}")
    if np.any((member_band < 0) | (member_band >= n_bands)):
        raise ValueError(f"member_band should lie in 0..{n_bands - 1}")
    if np.any(~np.isfinite(member_theta)):
        raise ValueError("member_theta should be finite")
    if int(items_per_tier) < 1:
        raise ValueError(f"items_per_tier should be at least 1, got {items_per_tier}")
    targets = np.broadcast_to(np.asarray(p_target, dtype=float), (n_bands,))
    if np.any((targets <= 0) | (targets >= 1)):
        raise ValueError("p_target should lie strictly between 0 and 1")
    # objectives nest in standards
    obj_standard = np.full(bank.n_objectives, -1, dtype=np.int64)
    obj_standard[bank.objective] = item_standard
    if np.any(obj_standard[bank.objective] != item_standard):
        raise ValueError("every objective should belong to exactly one standard")

    # ---- tiers
    key = member_group * n_bands + member_band
    tiers, member_tier = np.unique(key, return_inverse=True)
    t = tiers.size
    tier_group, tier_band = tiers // n_bands, tiers % n_bands
    tier_theta = np.bincount(member_tier, weights=member_theta, minlength=t) / np.bincount(member_tier, minlength=t)

    # ---- blocked items: recent items of any member (on the tier's standard), over-exposed items
    over = np.zeros(0, dtype=np.int64)
    if max_exposure is not None:
        if exposure_rate is None:
            raise ValueError("max_exposure needs exposure_rate")
        over = np.flatnonzero(np.asarray(exposure_rate, dtype=float) >= max_exposure)
    rs = np.zeros(0, dtype=np.int64) if recent_student is None else np.asarray(recent_student, dtype=np.int64)
    ri = np.zeros(0, dtype=np.int64) if recent_item is None else np.asarray(recent_item, dtype=np.int64)
    if rs.shape != ri.shape:
        raise ValueError("recent_student and recent_item should share one length")
    # join recent (student, item) with memberships (student, group) on student
    order = np.argsort(member_student, kind="stable")
    ms = member_student[order]
    lo = np.searchsorted(ms, rs)
    hi = np.searchsorted(ms, rs, side="right")
    reps = hi - lo
    pair_member = order[np.repeat(lo, reps) + (np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps))]
    pair_item = np.repeat(ri, reps)
    same = item_standard[pair_item] == group_standard[member_group[pair_member]]
    pair_member, pair_item = pair_member[same], pair_item[same]
    tier_pairs = np.unique(np.column_stack([member_tier[pair_member], pair_item]), axis=0)
    tier_blocked = pad_rows(tier_pairs[:, 0], tier_pairs[:, 1], t)
    if over.size:
        tier_blocked = np.concatenate([tier_blocked, np.broadcast_to(over, (t, over.size))], axis=1)

    n = int(items_per_tier)
    rows_by_target = [(float(p), np.flatnonzero(tier_band == b)) for b, p in enumerate(targets)]
    tier_items = _spread_select(
        bank, rows_by_target, tier_theta, group_standard[tier_group], tier_blocked, n, obj_standard
    )
    student_items = None
    if per_student:
        blocked = pad_rows(pair_member, pair_item, m)
        if over.size:
            blocked = np.concatenate([blocked, np.broadcast_to(over, (m, over.size))], axis=1)
        rows = [(float(p), np.flatnonzero(member_band == b)) for b, p in enumerate(targets)]
        student_items = _spread_select(bank, rows, member_theta, group_standard[member_group], blocked, n, obj_standard)
    return MorningWork(
        tier_group=tier_group,
        tier_band=tier_band,
        tier_theta=tier_theta,
        tier_items=tier_items,
        member_tier=member_tier,
        student_items=student_items,
    )
