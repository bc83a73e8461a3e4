"""Classical item analysis: what a team looks at after a common assessment.

Item statistics on scored responses (:func:`item_statistics`): item means and
p-values, item-total (point-biserial) and corrected item-rest correlations,
coefficient alpha and alpha-if-item-deleted; and distractor analysis on the
raw options chosen (:func:`distractor_analysis`): per option, the proportion
choosing it in each ability group and its point-biserial with the rest score,
with a flag for a likely wrong key (a distractor preferred by high scorers).

Missing cells (NaN) are never scored wrong here either: correlations of item
j use the students who answered item j (pairwise), totals are sums of the
answered items, and alpha uses the students who answered every item.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

if TYPE_CHECKING:
    from engine.irt.responses import ResponseMatrix

__all__ = [
    "ItemStatistics",
    "item_statistics",
    "response_item_statistics",
    "cronbach_alpha",
    "DistractorAnalysis",
    "distractor_analysis",
]


@dataclass(frozen=True)
class ItemStatistics:
    """Classical statistics of J items.

    Attributes
    ----------
    item_ids : ndarray of str, shape (J,)
    n : ndarray of int, shape (J,)
        Students who answered each item.
    mean : ndarray, shape (J,)
        Mean item score.
    max_score : ndarray, shape (J,)
        Highest possible score (K - 1).
    p_value : ndarray, shape (J,)
        Difficulty index: mean score / max score (proportion correct for 0/1 items).
    point_biserial : ndarray, shape (J,)
        Pearson correlation of the item score with the total score (the
        point-biserial for 0/1 items), over students who answered the item.
    corrected_item_total : ndarray, shape (J,)
        Correlation of the item score with the rest score (total minus the item).
    alpha_if_deleted : ndarray, shape (J,)
        Coefficient alpha of the other J - 1 items.
    alpha : float
        Coefficient alpha of all J items (students with every item answered).
    n_complete : int
        Students who answered every item (the sample of ``alpha``).
    total_mean, total_sd : float
        Mean and standard deviation of the total score (answered items summed).
    """

    item_ids: np.ndarray
    n: np.ndarray
    mean: np.ndarray
    max_score: np.ndarray
    p_value: np.ndarray
    point_biserial: np.ndarray
    corrected_item_total: np.ndarray
    alpha_if_deleted: np.ndarray
    alpha: float
    n_complete: int
    total_mean: float
    total_sd: float


def _check_scores(
    scores: ArrayLike, item_ids: Sequence[str] | np.ndarray | None, max_scores: ArrayLike | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scores (N, J) as float with NaN missing, item ids (J,) and maximum scores (J,), checked."""
    x = np.asarray(scores, dtype=float)
    if x.ndim != 2:
        raise ValueError(f"scores should have the shape (n_students, n_items), got {x.shape}")
    n, j = x.shape
    if n < 2 or j < 1:
        raise ValueError(f"need at least 2 students and 1 item, got {n} students and {j} items")
    finite = x[~np.isnan(x)]
    if np.any(~np.isfinite(finite)) or np.any(finite < 0):
        raise ValueError("scores must be non-negative numbers or NaN for missing")
    ids = np.asarray([f"I{i + 1}" for i in range(j)] if item_ids is None else item_ids, dtype=object).astype(str)
    if ids.shape != (j,):
        raise ValueError(f"item_ids should have length {j}, got {ids.shape}")
    if max_scores is None:
        top = np.where(np.all(np.isnan(x), axis=0), 1.0, np.nanmax(np.where(np.isnan(x), -np.inf, x), axis=0))
        max_scores = np.maximum(top, 1.0)
    m = np.broadcast_to(np.asarray(max_scores, dtype=float), (j,)).copy()
    if np.any(~(m > 0)):
        raise ValueError("max_scores must be positive")
    if np.any(np.nanmax(np.where(np.isnan(x), 0.0, x), axis=0) > m):
        bad = int(np.argmax(np.nanmax(np.where(np.isnan(x), 0.0, x), axis=0) > m))
        raise ValueError(f"item {ids[bad]}: a score is above the maximum {m[bad]:g}")
    return x, ids, m


def _pearson(
    n: float | np.ndarray, sx: np.ndarray, sy: np.ndarray, sxx: np.ndarray, syy: np.ndarray, sxy: np.ndarray
) -> np.ndarray:
    """Correlations from sums (vectorized); NaN when a variance is zero."""
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = sxy - sx * sy / n
        vx = sxx - sx * sx / n
        vy = syy - sy * sy / n
        r = cov / np.sqrt(vx * vy)
    tiny = 1e-12 * np.maximum(1.0, np.abs(sxx) + np.abs(syy))
    return np.where((vx > tiny) & (vy > tiny) & (n >= 2), r, np.nan)


def cronbach_alpha(scores: ArrayLike) -> float:
    """Coefficient alpha of a complete score matrix.

    ``alpha = J / (J - 1) * (1 - sum_j var(x_j) / var(sum_j x_j))`` with
    sample variances (ddof = 1).

    Parameters
    ----------
    scores : array_like, shape (N, J)
        No missing values; J >= 2.

    Returns
    -------
    float
        NaN when the total score has no variance.
    """
    x = np.asarray(scores, dtype=float)
    if x.ndim != 2 or x.shape[1] < 2 or x.shape[0] < 2:
        raise ValueError(f"scores should have the shape (n_students >= 2, n_items >= 2), got {x.shape}")
    if np.any(~np.isfinite(x)):
        raise ValueError("cronbach_alpha needs complete scores (no NaN)")
    j = x.shape[1]
    var_total = np.var(x.sum(axis=1), ddof=1)
    if var_total <= 0:
        return float("nan")
    return float(j / (j - 1) * (1.0 - np.var(x, axis=0, ddof=1).sum() / var_total))


def item_statistics(
    scores: ArrayLike, item_ids: Sequence[str] | np.ndarray | None = None, max_scores: ArrayLike | None = None
) -> ItemStatistics:
    """Classical item statistics of a scored response matrix.

    Parameters
    ----------
    scores : array_like, shape (N, J)
        Item scores (0/1 or 0..K-1), NaN for not answered.
    item_ids : sequence or ndarray of str, shape (J,), optional
    max_scores : array_like, shape (J,), optional
        Highest possible score of each item (K - 1); default the highest
        observed score (at least 1).

    Returns
    -------
    ItemStatistics
    """
    x, ids, m = _check_scores(scores, item_ids, max_scores)
    answered = ~np.isnan(x)
    x0 = np.where(answered, x, 0.0)
    mask = answered.astype(float)
    total = x0.sum(axis=1)  # (N,)

    n = mask.sum(axis=0)
    sx = x0.sum(axis=0)
    sxx = (x0 * x0).sum(axis=0)
    st = mask.T @ total
    stt = mask.T @ (total * total)
    sxt = x0.T @ total
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = sx / n
    r_total = _pearson(n, sx, st, sxx, stt, sxt)
    # rest = total - x over the same students
    s_rest = st - sx
    s_rr = stt - 2.0 * sxt + sxx
    s_xr = sxt - sxx
    r_rest = _pearson(n, sx, s_rest, sxx, s_rr, s_xr)

    complete = answered.all(axis=1)
    n_complete = int(complete.sum())
    j = x.shape[1]
    alpha = float("nan")
    alpha_del = np.full(j, np.nan)
    if n_complete >= 2 and j >= 2:
        xc = x[complete]
        var_items = np.var(xc, axis=0, ddof=1)
        tc = xc.sum(axis=1)
        var_total = np.var(tc, ddof=1)
        cov_it = ((xc - xc.mean(axis=0)) * (tc - tc.mean())[:, None]).sum(axis=0) / (n_complete - 1)
        if var_total > 0:
            alpha = float(j / (j - 1) * (1.0 - var_items.sum() / var_total))
        if j >= 3:
            var_rest = var_total - 2.0 * cov_it + var_items
            with np.errstate(invalid="ignore", divide="ignore"):
                alpha_del = (j - 1) / (j - 2) * (1.0 - (var_items.sum() - var_items) / var_rest)
            alpha_del = np.where(var_rest > 0, alpha_del, np.nan)
    return ItemStatistics(
        item_ids=ids,
        n=n.astype(int),
        mean=mean,
        max_score=m,
        p_value=mean / m,
        point_biserial=r_total,
        corrected_item_total=r_rest,
        alpha_if_deleted=alpha_del,
        alpha=alpha,
        n_complete=n_complete,
        total_mean=float(total.mean()),
        total_sd=float(total.std(ddof=1)),
    )


def response_item_statistics(responses: ResponseMatrix) -> ItemStatistics:
    """:func:`item_statistics` of a :class:`~engine.irt.responses.ResponseMatrix`.

    Works on the long form (sums by item with ``bincount``), so sparse
    adaptive data is never densified; alpha uses the students who answered
    every item (NaN when fewer than 2 did).

    Parameters
    ----------
    responses : ResponseMatrix

    Returns
    -------
    ItemStatistics
    """
    n_st, j = responses.n_students, responses.n_items
    if n_st < 2 or j < 1:
        raise ValueError(f"need at least 2 students and 1 item, got {n_st} students and {j} items")
    s, i = responses.student, responses.item
    x = responses.score.astype(float)
    total = np.bincount(s, x, n_st)
    t = total[s]
    n = np.bincount(i, minlength=j).astype(float)
    sx, sxx = np.bincount(i, x, j), np.bincount(i, x * x, j)
    st, stt, sxt = np.bincount(i, t, j), np.bincount(i, t * t, j), np.bincount(i, x * t, j)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = sx / n
    m = np.maximum(responses.n_categories - 1, 1).astype(float)
    complete = np.flatnonzero(responses.responses_per_student == j)
    alpha, alpha_del = float("nan"), np.full(j, np.nan)
    if len(complete) >= 2 and j >= 2:
        keep = np.isin(s, complete)
        rows = np.searchsorted(complete, s[keep])
        table = np.zeros((len(complete), j))
        table[rows, i[keep]] = x[keep]
        dense = item_statistics(table, responses.item_ids, m)
        alpha, alpha_del = dense.alpha, dense.alpha_if_deleted
    return ItemStatistics(
        item_ids=responses.item_ids.copy(),
        n=n.astype(int),
        mean=mean,
        max_score=m,
        p_value=mean / m,
        point_biserial=_pearson(n, sx, st, sxx, stt, sxt),
        corrected_item_total=_pearson(n, sx, st - sx, sxx, stt - 2.0 * sxt + sxx, sxt - sxx),
        alpha_if_deleted=alpha_del,
        alpha=alpha,
        n_complete=int(len(complete)),
        total_mean=float(total.mean()),
        total_sd=float(total.std(ddof=1)),
    )


@dataclass(frozen=True)
class DistractorAnalysis:
    """Option-level statistics of multiple-choice items.

    Attributes
    ----------
    item_ids : ndarray of str, shape (J,)
    options : ndarray of int, shape (O,)
        The option codes seen (sorted); columns of the option arrays.
    key : ndarray of int, shape (J,)
        The keyed (correct) option of each item.
    proportion : ndarray, shape (J, O)
        Proportion of all students choosing each option.
    omit_rate : ndarray, shape (J,)
        Proportion of students who chose nothing.
    group_bounds : ndarray, shape (G, 2)
        Lowest and highest total score in each ability group (low to high).
    group_size : ndarray of int, shape (G,)
    group_proportion : ndarray, shape (J, O, G)
        Proportion choosing each option within each ability group.
    point_biserial : ndarray, shape (J, O)
        Correlation of choosing the option (1/0; omit = 0) with the rest
        score (number correct on the other items). NaN for options nobody
        or everybody chose.
    p_value : ndarray, shape (J,)
        Proportion choosing the key.
    discrimination : ndarray, shape (J,)
        Upper-lower index: proportion correct in the top group minus the
        bottom group.
    miskey : ndarray of bool, shape (J,)
        Likely wrong key: a distractor with a positive point-biserial above
        the key's, or chosen more often than the key by the top group.
    suspect_option : ndarray of int, shape (J,)
        The distractor that triggered the flag (the one with the highest
        point-biserial), -1 when not flagged.
    """

    item_ids: np.ndarray
    options: np.ndarray
    key: np.ndarray
    proportion: np.ndarray
    omit_rate: np.ndarray
    group_bounds: np.ndarray
    group_size: np.ndarray
    group_proportion: np.ndarray
    point_biserial: np.ndarray
    p_value: np.ndarray
    discrimination: np.ndarray
    miskey: np.ndarray
    suspect_option: np.ndarray


def ability_groups(total: np.ndarray, n_groups: int) -> np.ndarray:
    """Split students into ``n_groups`` groups of (nearly) equal size by total.

    Students are ranked by total score (ties in their given order, so the
    split is deterministic) and cut into consecutive blocks.

    Parameters
    ----------
    total : ndarray, shape (N,)
    n_groups : int

    Returns
    -------
    ndarray of int, shape (N,)
        Group 0 (lowest) .. n_groups - 1 (highest).
    """
    total = np.asarray(total, dtype=float)
    order = np.argsort(total, kind="stable")
    rank = np.empty(len(total), dtype=int)
    rank[order] = np.arange(len(total))
    return (rank * n_groups) // len(total)


def distractor_analysis(
    choices: ArrayLike,
    key: ArrayLike,
    item_ids: Sequence[str] | np.ndarray | None = None,
    *,
    n_groups: int = 5,
    min_gap: float = 0.0,
    ability: ArrayLike | None = None,
) -> DistractorAnalysis:
    """Distractor analysis of multiple-choice responses.

    Students are grouped, and options correlated, by their number correct on
    the other items; with ``ability`` (for adaptive data, where students
    answer different items and number correct is not comparable) by those
    estimates instead.

    Parameters
    ----------
    choices : array_like of int, shape (N, J)
        The option each student chose (any integer codes), negative or NaN
        for omitted.
    key : array_like of int, shape (J,)
        The keyed option of each item.
    item_ids : sequence or ndarray of str, shape (J,), optional
    n_groups : int
        Ability groups by total number correct (default 5: quintiles).
    min_gap : float
        A distractor flags a miskey only when its point-biserial exceeds the
        key's by more than this.
    ability : array_like of float, shape (N,), optional
        Each student's ability estimate (e.g. EAP): the ability groups are its
        quantiles, ``group_bounds`` its range per group and the
        point-biserials correlate choosing an option with it.

    Returns
    -------
    DistractorAnalysis
    """
    raw = np.asarray(choices, dtype=float)
    if raw.ndim != 2:
        raise ValueError(f"choices should have the shape (n_students, n_items), got {raw.shape}")
    n, j = raw.shape
    if n < n_groups or n < 2:
        raise ValueError(f"need at least {max(n_groups, 2)} students, got {n}")
    if int(n_groups) != n_groups or n_groups < 2:
        raise ValueError(f"n_groups should be a whole number >= 2, got {n_groups}")
    omitted = np.isnan(raw) | (raw < 0)
    if np.any(raw[~omitted] != np.round(raw[~omitted])):
        raise ValueError("choices must be whole option codes")
    ch = np.where(omitted, -1, raw).astype(np.int64)
    k = np.asarray(key, dtype=float).reshape(-1)
    if k.shape != (j,):
        raise ValueError(f"key should have one option per item ({j}), got {k.shape[0]}")
    if np.any(~np.isfinite(k)) or np.any(k != np.round(k)):
        raise ValueError("every item needs a whole-number key")
    k = k.astype(np.int64)
    ids = np.asarray([f"I{i + 1}" for i in range(j)] if item_ids is None else item_ids, dtype=object).astype(str)
    if ids.shape != (j,):
        raise ValueError(f"item_ids should have length {j}, got {ids.shape}")

    options = np.unique(np.concatenate([ch[~omitted], k]))
    onehot = ch[:, :, None] == options[None, None, :]  # (N, J, O)
    ind = onehot.astype(float)
    correct = (ch == k[None, :]).astype(float)  # (N, J)
    if ability is None:
        total = correct.sum(axis=1)
        rest = total[:, None] - correct  # (N, J)
    else:
        total = np.asarray(ability, dtype=float).reshape(-1)
        if total.shape != (n,) or not np.all(np.isfinite(total)):
            raise ValueError(f"ability should be {n} finite estimates, one per student, got shape {total.shape}")
        rest = np.broadcast_to(total[:, None], (n, j))

    sx = ind.sum(axis=0)  # (J, O)
    sr = rest.sum(axis=0)[:, None]
    srr = (rest * rest).sum(axis=0)[:, None]
    sxr = np.einsum("njo,nj->jo", ind, rest)
    pbis = _pearson(float(n), sx, sr, sx, srr, sxr)

    group = ability_groups(total, int(n_groups))
    g1 = np.eye(int(n_groups))[group]  # (N, G)
    size = g1.sum(axis=0)
    gprop = np.einsum("njo,ng->jog", ind, g1) / size[None, None, :]
    bounds = np.array([[total[group == g].min(), total[group == g].max()] for g in range(int(n_groups))])

    key_col = np.searchsorted(options, k)
    rows = np.arange(j)
    key_pbis = pbis[rows, key_col]
    distractor = np.ones_like(pbis, dtype=bool)
    distractor[rows, key_col] = False
    d_pbis = np.where(distractor & np.isfinite(pbis), pbis, -np.inf)
    best = np.argmax(d_pbis, axis=1)
    best_pbis = d_pbis[rows, best]
    key_ref = np.where(np.isfinite(key_pbis), key_pbis, -np.inf)
    by_pbis = (best_pbis > 0) & (best_pbis > key_ref + min_gap)
    top = gprop[:, :, -1]
    top_key = top[rows, key_col]
    top_d = np.where(distractor, top, -np.inf)
    top_best = np.argmax(top_d, axis=1)
    by_top = top_d[rows, top_best] > top_key
    miskey = by_pbis | by_top
    suspect = np.where(by_pbis, options[best], np.where(by_top, options[top_best], -1))
    p_val = correct.mean(axis=0)
    disc = gprop[rows, key_col, -1] - gprop[rows, key_col, 0]
    return DistractorAnalysis(
        item_ids=ids,
        options=options,
        key=k,
        proportion=sx / n,
        omit_rate=omitted.mean(axis=0),
        group_bounds=bounds,
        group_size=size.astype(int),
        group_proportion=gprop,
        point_biserial=pbis,
        p_value=p_val,
        discrimination=disc,
        miskey=miskey,
        suspect_option=suspect.astype(np.int64),
    )
