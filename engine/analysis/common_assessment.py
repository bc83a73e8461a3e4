"""A common assessment across classes: band distributions, means, and item analysis per class.

A grade-level team gives the same form in all its classes and meets over
the results.  These functions take the results as arrays, one row per
student (``group`` is the student's class, or teacher), and return what the
team reads:

* :func:`group_band_counts` - how many students of each group are in each
  band on each standard;
* :func:`group_means` - the mean of a per-student value (P(mastery)) per
  group and standard, over the students who have one;
* :func:`class_item_analysis` - per group and item: students who answered,
  percent of the points, how often each choice was picked, and whether the
  group differs clearly from the rest of the students on that item.

"Differs clearly" is a two-sided Fisher exact test (:func:`fisher_exact_two_sided`)
of the 2 x 2 table (this group / the others) x (right / wrong) for every
dichotomous item and group, with the Benjamini-Hochberg false discovery
rate over all the tests of the assessment (a team looks at every item of
every class at once, so some "differences" would otherwise be chance):
a group is flagged on an item when its adjusted p-value (q) is below
``alpha``.  Fisher's test is exact at class sizes (20 to 35) where the
chi-square approximation's expected counts are often below 5.  Rubric items
(more than two categories) report their percent of the points and are not
tested.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import gammaln
from scipy.stats import false_discovery_control

__all__ = [
    "group_band_counts",
    "group_means",
    "fisher_exact_two_sided",
    "ClassItemAnalysis",
    "class_item_analysis",
]

#: Relative tolerance under which two tables' probabilities count as equal (scipy's fisher_exact uses the same).
_TIES = 1.0 + 1e-7


def _groups(group: ArrayLike, n_groups: int) -> np.ndarray:
    g = np.asarray(group, dtype=np.int64)
    if g.ndim != 1:
        raise ValueError(f"group should be one-dimensional, got shape {g.shape}")
    if g.size and (g.min() < 0 or g.max() >= n_groups):
        raise ValueError(f"group codes should lie in 0..{n_groups - 1}")
    return g


def group_band_counts(group: ArrayLike, band: ArrayLike, n_groups: int, n_bands: int) -> np.ndarray:
    """Students of each group in each band on each standard.

    Parameters
    ----------
    group : array of int, shape (N,)
        Each student's group code ``0..n_groups-1``.
    band : array of int, shape (N, S)
        Each student's band code ``0..n_bands-1`` on each standard (lowest
        band first), ``-1`` where the student has no estimate.
    n_groups, n_bands : int

    Returns
    -------
    ndarray of int, shape (n_groups, S, n_bands)
    """
    g = _groups(group, n_groups)
    b = np.asarray(band, dtype=np.int64)
    if b.ndim != 2 or b.shape[0] != g.size:
        raise ValueError(f"band should have shape ({g.size}, S), got {b.shape}")
    if b.size and b.max() >= n_bands:
        raise ValueError(f"band codes should lie in -1..{n_bands - 1}")
    n_standards = b.shape[1]
    counts = np.zeros((n_groups, n_standards, n_bands), dtype=np.int64)
    rows, cols = np.nonzero(b >= 0)
    np.add.at(counts, (g[rows], cols, b[rows, cols]), 1)
    return counts


def group_means(group: ArrayLike, values: ArrayLike, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """The mean of ``values`` per group and column, over the non-missing cells.

    Parameters
    ----------
    group : array of int, shape (N,)
    values : array of float, shape (N, S)
        NaN where a student has no value.
    n_groups : int

    Returns
    -------
    mean : ndarray, shape (n_groups, S)
        NaN for a group with no value in a column.
    n : ndarray of int, shape (n_groups, S)
        Students counted.
    """
    g = _groups(group, n_groups)
    v = np.asarray(values, dtype=float)
    if v.ndim != 2 or v.shape[0] != g.size:
        raise ValueError(f"values should have shape ({g.size}, S), got {v.shape}")
    present = ~np.isnan(v)
    onehot = np.zeros((n_groups, g.size))
    onehot[g, np.arange(g.size)] = 1.0
    n = onehot @ present
    total = onehot @ np.where(present, v, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, total / np.maximum(n, 1), np.nan)
    return mean, n.astype(np.int64)


def _log_hypergeom(x: np.ndarray, total: np.ndarray, successes: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """log P(X = x) for X ~ Hypergeometric(total, successes, draws); -inf outside the support."""
    lo = np.maximum(0, draws - (total - successes))
    hi = np.minimum(draws, successes)
    inside = (x >= lo) & (x <= hi)
    xs = np.where(inside, x, lo)

    def log_choose(n: np.ndarray, k: np.ndarray) -> np.ndarray:
        return gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1)

    value = log_choose(successes, xs) + log_choose(total - successes, draws - xs) - log_choose(total, draws)
    return np.where(inside, value, -np.inf)


def fisher_exact_two_sided(a: ArrayLike, n1: ArrayLike, c: ArrayLike, n2: ArrayLike) -> np.ndarray:
    """Two-sided Fisher exact p-values of many 2 x 2 tables at once.

    Table ``[[a, n1 - a], [c, n2 - c]]``: ``a`` right of ``n1`` in one group,
    ``c`` right of ``n2`` in the other.  The p-value sums the probabilities
    (hypergeometric, margins fixed) of every table no more likely than the
    observed one, as :func:`scipy.stats.fisher_exact` does, for arrays of
    tables without a Python loop.

    Parameters
    ----------
    a, n1, c, n2 : array of int, broadcastable to one shape
        ``0 <= a <= n1`` and ``0 <= c <= n2``.

    Returns
    -------
    ndarray
        The p-values, of the broadcast shape; NaN where a group is empty.
    """
    a, n1, c, n2 = np.broadcast_arrays(*(np.asarray(x, dtype=np.int64) for x in (a, n1, c, n2)))
    if np.any((a < 0) | (a > n1) | (c < 0) | (c > n2)):
        raise ValueError("each table needs 0 <= a <= n1 and 0 <= c <= n2")
    shape = a.shape
    a, n1, c, n2 = (x.ravel() for x in (a, n1, c, n2))
    total, successes = n1 + n2, a + c
    width = int(n1.max()) + 1 if n1.size else 1
    x = np.arange(width)[None, :]
    log_p = _log_hypergeom(x, total[:, None], successes[:, None], n1[:, None])
    observed = _log_hypergeom(a, total, successes, n1)
    keep = log_p <= observed[:, None] + np.log(_TIES)
    p = np.where(keep, np.exp(log_p), 0.0).sum(axis=1)
    p = np.where((n1 == 0) | (n2 == 0), np.nan, np.minimum(p, 1.0))
    return p.reshape(shape)


@dataclass(frozen=True)
class ClassItemAnalysis:
    """Item analysis per group (G groups, J items, C choices).

    Attributes
    ----------
    n : ndarray of int, shape (G, J)
        Students of the group who answered the item.
    percent : ndarray, shape (G, J)
        Mean score / max score, in percent (percent correct for 0/1 items);
        NaN where nobody answered.
    choice_counts : ndarray of int, shape (G, J, C)
        How often each choice was picked (multiple-select answers count
        every choice picked).
    difference : ndarray, shape (G, J)
        The group's proportion right minus that of the other students
        (dichotomous items; NaN otherwise).
    p_value : ndarray, shape (G, J)
        Fisher exact test of the group against the rest (NaN: not tested).
    q_value : ndarray, shape (G, J)
        Benjamini-Hochberg adjusted p-value over every test of the assessment.
    flagged : ndarray of bool, shape (G, J)
        ``q_value < alpha``: the group differs clearly from the rest.
    """

    n: np.ndarray
    percent: np.ndarray
    choice_counts: np.ndarray
    difference: np.ndarray
    p_value: np.ndarray
    q_value: np.ndarray
    flagged: np.ndarray


def class_item_analysis(
    group: ArrayLike,
    scores: ArrayLike,
    max_score: ArrayLike,
    n_groups: int,
    *,
    choices: ArrayLike | None = None,
    n_choices: int = 0,
    alpha: float = 0.05,
) -> ClassItemAnalysis:
    """Percent correct, choice counts and clear differences per group and item.

    Parameters
    ----------
    group : array of int, shape (N,)
        Each student's group (class) code.
    scores : array of float, shape (N, J)
        Each student's score on each item, NaN where not answered.
    max_score : array of int, shape (J,)
        Highest score of each item (1 for dichotomous items).
    n_groups : int
    choices : array of bool, shape (N, J, C), optional
        Which choices each student picked on each item.
    n_choices : int
        C (ignored without ``choices``).
    alpha : float
        False discovery rate at which a group is flagged.

    Returns
    -------
    ClassItemAnalysis
    """
    g = _groups(group, n_groups)
    s = np.asarray(scores, dtype=float)
    top = np.asarray(max_score, dtype=float)
    if s.ndim != 2 or s.shape[0] != g.size or top.shape != (s.shape[1],):
        raise ValueError(f"scores should have shape ({g.size}, J) and max_score shape (J,), got {s.shape}, {top.shape}")
    if np.any(top < 1):
        raise ValueError("max_score should be at least 1 for every item")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha should lie in (0, 1), got {alpha}")
    n_items = s.shape[1]
    answered = ~np.isnan(s)
    filled = np.where(answered, s, 0.0)
    onehot = np.zeros((n_groups, g.size))
    onehot[g, np.arange(g.size)] = 1.0
    n = (onehot @ answered).astype(np.int64)
    points = onehot @ filled
    with np.errstate(invalid="ignore", divide="ignore"):
        percent = np.where(n > 0, 100.0 * points / (np.maximum(n, 1) * top[None, :]), np.nan)

    if choices is None:
        counts = np.zeros((n_groups, n_items, n_choices), dtype=np.int64)
    else:
        picked = np.asarray(choices, dtype=bool)
        if picked.shape != (g.size, n_items, n_choices):
            raise ValueError(f"choices should have shape ({g.size}, {n_items}, {n_choices}), got {picked.shape}")
        counts = np.einsum("gn,njc->gjc", onehot, picked.astype(float)).astype(np.int64)

    binary = top == 1
    right = np.rint(points).astype(np.int64)
    rest_right = right.sum(axis=0)[None, :] - right
    rest_n = n.sum(axis=0)[None, :] - n
    p_value = np.full((n_groups, n_items), np.nan)
    difference = np.full((n_groups, n_items), np.nan)
    testable = binary[None, :] & (n > 0) & (rest_n > 0)
    if np.any(testable):
        p_value[testable] = fisher_exact_two_sided(right[testable], n[testable], rest_right[testable], rest_n[testable])
        difference[testable] = right[testable] / n[testable] - rest_right[testable] / rest_n[testable]
    q_value = np.full_like(p_value, np.nan)
    tested = ~np.isnan(p_value)
    if np.any(tested):
        q_value[tested] = false_discovery_control(p_value[tested], method="bh")
    flagged = np.where(tested, q_value < alpha, False)
    return ClassItemAnalysis(n, percent, counts, difference, p_value, q_value, flagged)
