"""Which items the data can calibrate: the one estimability rule.

An item's free parameters are identified only if its answers use every
score category: an item nobody answered, one whose answers all fall in one
category, or one with an unused middle category (whose threshold has no
data) cannot be estimated.  Items whose parameters are all held fixed
(anchors) need no data.
"""

from __future__ import annotations

import numpy as np

from engine.irt.calibration.held_responses import HeldResponses, category_counts
from engine.irt.responses import ResponseMatrix

__all__ = ["inestimable_items", "inestimable_reason", "calibratable_items"]


def _category_use(responses: ResponseMatrix | HeldResponses) -> tuple[np.ndarray, np.ndarray]:
    """Answers per item and category, and which categories the item has, each (J, Kmax)."""
    kmax = int(responses.n_categories.max(initial=2))
    if isinstance(responses, ResponseMatrix):
        (freq,) = category_counts(responses, np.zeros(0, dtype=np.int64), kmax)
    else:
        (freq,) = responses.students.map_sum(category_counts, kmax)
    inside = np.arange(kmax)[None, :] < responses.n_categories[:, None]
    return np.where(inside, freq, 0), inside


def inestimable_items(responses: ResponseMatrix | HeldResponses, held: np.ndarray | None = None) -> np.ndarray:
    """Items whose answers do not use every score category, shape (J,) bool.

    Parameters
    ----------
    responses : ResponseMatrix or HeldResponses
        N students x J items.
    held : ndarray of bool, shape (J,), optional
        Items whose parameters are all fixed (anchors): never flagged.
    """
    used, inside = _category_use(responses)
    bad = np.any(inside & (used == 0), axis=1)
    return bad if held is None else bad & ~held


def inestimable_reason(responses: ResponseMatrix | HeldResponses, position: int) -> str:
    """Why the item at ``position`` cannot be calibrated, in a sentence naming it."""
    used, inside = _category_use(responses)
    iid = responses.item_ids[position]
    row, has = used[position], inside[position]
    if row.sum() == 0:
        return f"item {iid} has no responses"
    if np.count_nonzero(row) == 1:
        return f"item {iid}: every answer is {int(np.argmax(row))}; its parameters cannot be estimated"
    missing = int(np.argmax(has & (row == 0)))
    return f"item {iid}: score category {missing} is never used; collapse categories"


def calibratable_items(responses: ResponseMatrix, min_responses: int = 1) -> np.ndarray:
    """Positions of the items with at least ``min_responses`` answers and every category used.

    Calibration cannot estimate a threshold whose category nobody scored;
    such items wait for more data.

    Returns
    -------
    ndarray of int, shape (J',)
    """
    enough = responses.responses_per_item >= int(min_responses)
    return np.flatnonzero(enough & ~inestimable_items(responses))
