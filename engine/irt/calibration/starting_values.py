"""Starting values of a calibration from the responses, as mirt computes them.

Each item's slope comes from its correlation with the rest of the test: the
item-rest correlation over the students who answered it (the rest being the
proportion of the maximum score a student earned on their other answered
items, so that sparse adaptive data compare alike), made biserial for
dichotomous items, taken as the item's loading ``lambda`` of a normal-ogive
factor model and carried to the logistic metric, ``a = 1.702 lambda /
sqrt(1 - lambda^2)``.  Locations follow from the proportions:
``b = Phi^-1(1 - p) / lambda`` (of the proportion above guessing for 3PL and
4PL items), graded thresholds alike, partial-credit steps from the ratios of
neighbouring categories over the slope.  The lower asymptote of 3PL and 4PL
items starts at the item's chance level, estimated as its proportion
correct among the fifth of students with the lowest rest scores (shrunk
towards 0.2 and kept in [0.05, 0.35]).  Rasch items keep a = 1.

The likelihood of 3PL and 4PL items has several maxima, and no one start
finds the best on every data set: from these starts LSAT7's 3PL stopped at
a log-likelihood of -2662.300, from the proportions-only start (a = 1, c =
0.2, b shifted down by 0.5) at mirt's -2658.054.  Banks with free
asymptotes are therefore calibrated from each start of
:func:`starting_tables` and the best maximum kept.

The statistics are sums over the students (:meth:`~.students.StudentBlocks.map_sum`
of :func:`rest_moments` and :func:`low_rest_counts`), the same in-process
and on a cluster.
"""

from __future__ import annotations

import numpy as np
from scipy.special import logit
from scipy.stats import norm

from engine.irt.calibration.students import LocalStudents, StudentBlocks
from engine.irt.parameters import ItemParameters
from engine.irt.responses import ResponseMatrix

__all__ = ["starting_table", "starting_tables", "rest_moments", "low_rest_counts"]

#: The normal-ogive-to-logistic scale factor.
_D = 1.702
#: Loadings are kept in this range (a between 0.17 and 3.5).
_LOADING = (0.1, 0.9)
#: Chance levels are kept in this range; the prior guess they are shrunk towards, with the weight of 5 students.
_CHANCE = (0.05, 0.35)
_CHANCE_PRIOR = 0.2
#: The lowest fifth of a normal distribution ends this many sds below the mean.
_LOW_FIFTH = 0.8416


def _rest_of(block: ResponseMatrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each answer's score as a share of its item's maximum, its student's rest score, and whether there is a rest."""
    x = block.score / (block.n_categories - 1)[block.item]
    count = np.bincount(block.student, minlength=block.n_students)[block.student]
    total = np.bincount(block.student, weights=x, minlength=block.n_students)[block.student]
    valid = count > 1
    return x, np.where(valid, (total - x) / np.maximum(count - 1, 1), 0.0), valid


def rest_moments(block: ResponseMatrix, codes: np.ndarray, kmax: int) -> tuple[np.ndarray, ...]:
    """A block's sums for the starting values: category counts (J, kmax), then per item over the answers
    with a rest score: their number, the sums of x, x^2, rest, rest^2 and x rest (J,) each, and over all
    of them: the number, the sum and the sum of squares of the rest scores (1,) each."""
    j = block.n_items
    x, rest, valid = _rest_of(block)
    w = valid.astype(float)

    def per_item(values: np.ndarray) -> np.ndarray:
        return np.bincount(block.item, weights=values * w, minlength=j)

    freq = np.bincount(block.item * kmax + block.score, minlength=j * kmax).reshape(j, kmax).astype(float)
    sums = [per_item(v) for v in (np.ones_like(x), x, x * x, rest, rest * rest, x * rest)]
    overall = [np.array([float(np.sum(v * w))]) for v in (np.ones_like(rest), rest, rest * rest)]
    return (freq, *sums, *overall)


def low_rest_counts(block: ResponseMatrix, codes: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """A block's answers with a rest score at most ``threshold``: per item their number and how many are right."""
    x, rest, valid = _rest_of(block)
    low = valid & (rest <= threshold)
    n_low = np.bincount(block.item[low], minlength=block.n_items).astype(float)
    return n_low, np.bincount(block.item[low], weights=(x[low] >= 1.0).astype(float), minlength=block.n_items)


def _rest_statistics(students: StudentBlocks, n_items: int, kmax: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Category counts (J, kmax), item-rest correlations and chance levels (J,), in two passes over the students.

    The chance level counts the answers whose rest score is in the lowest
    fifth, taken as below the mean minus 0.8416 sd of the rest scores (the
    normal 20th percentile: a quantile would need the scores in one place).
    """
    freq, n, sx, sxx, sr, srr, sxr, count, total, squares = students.map_sum(rest_moments, kmax)
    n = np.maximum(n, 1.0)
    mean_x, mean_r = sx / n, sr / n
    cov = sxr / n - mean_x * mean_r
    var_x, var_r = sxx / n - mean_x**2, srr / n - mean_r**2
    correlation = np.where((var_x > 0) & (var_r > 0), cov / np.sqrt(np.maximum(var_x * var_r, 1e-300)), 0.0)
    mean = total[0] / max(count[0], 1.0)
    sd = np.sqrt(max(squares[0] / max(count[0], 1.0) - mean**2, 0.0))
    n_low, right_low = students.map_sum(low_rest_counts, mean - _LOW_FIFTH * sd)
    chance = np.clip((right_low + 5 * _CHANCE_PRIOR) / (n_low + 5), *_CHANCE)
    return freq, correlation, chance


def starting_tables(
    students: StudentBlocks, item_ids: np.ndarray, n_categories: np.ndarray, names: np.ndarray
) -> list[ItemParameters]:
    """The starting values of every item (J,): :func:`starting_table`'s, and for banks with free
    asymptotes the proportions-only starts with c = 0.2 and 0.05 after them (see the module docstring).

    Parameters
    ----------
    students : StudentBlocks
        N students x J items.
    item_ids : ndarray of str, shape (J,)
    n_categories : ndarray of int, shape (J,)
    names : ndarray of str, shape (J,)
        Each item's model.
    """
    kmax = int(n_categories.max())
    freq, correlation, chance = _rest_statistics(students, len(item_ids), kmax)
    first = _table(item_ids, n_categories, names, freq, correlation, chance)
    if not np.isin(names, ["3pl", "4pl"]).any():
        return [first]
    return [first] + [_proportions_table(first, names, freq, guess) for guess in (0.2, 0.05)]


def starting_table(responses: ResponseMatrix, names: np.ndarray) -> ItemParameters:
    """The first starting values of every item (J,) of ``responses`` (N x J), models ``names`` (J,)."""
    students = LocalStudents(responses, np.zeros(responses.n_students, dtype=np.int64))
    return starting_tables(students, responses.item_ids, responses.n_categories, names)[0]


def _table(
    item_ids: np.ndarray,
    k: np.ndarray,
    names: np.ndarray,
    freq: np.ndarray,
    correlation: np.ndarray,
    chance: np.ndarray,
) -> ItemParameters:
    """The correlation starts of the items from their category counts (J, Kmax) and rest statistics (J,)."""
    kmax = int(k.max())
    freq = freq + 0.5 * (np.arange(kmax)[None, :] < k[:, None])
    total = freq.sum(axis=1, keepdims=True)
    at_least = np.clip(np.cumsum(freq[:, ::-1], axis=1)[:, ::-1][:, 1:] / total, 0.01, 0.99)
    p = at_least[:, 0]
    dichotomous = k == 2
    # point-biserial to biserial for dichotomous items
    biserial = correlation * np.sqrt(p * (1 - p)) / norm.pdf(norm.ppf(p))
    loading = np.clip(np.where(dichotomous, biserial, correlation), *_LOADING)
    rasch = np.isin(names, ["rasch", "1pl"])
    a = np.where(rasch, 1.0, _D * loading / np.sqrt(1 - loading**2))
    guessing = np.isin(names, ["3pl", "4pl"])
    c = np.where(guessing, chance, 0.0)
    d = np.where(names == "4pl", 0.98, 1.0)
    above_chance = np.clip((p - c) / (d - c), 0.02, 0.98)
    b = np.where(rasch, -logit(p), norm.ppf(1 - above_chance) / loading)
    graded_thr = norm.ppf(1 - at_least) / loading[:, None]
    steps = -np.log(np.maximum(freq[:, 1:], 1e-9) / np.maximum(freq[:, :-1], 1e-9))
    partial_thr = np.clip(steps, -4, 4) / a[:, None]
    thr = np.where(np.isin(names, ["grm"])[:, None], graded_thr, partial_thr)
    thr[np.arange(kmax - 1)[None, :] >= (k - 1)[:, None]] = np.nan
    return ItemParameters.from_arrays(
        item_ids, names, a=a, b=b, c=c, d=d, thresholds=thr if kmax > 2 else None, n_categories=k
    )


def _proportions_table(table: ItemParameters, names: np.ndarray, freq: np.ndarray, guess: float) -> ItemParameters:
    """Starting values from the proportions alone: a = 1, c = ``guess`` for 3PL/4PL items, b from the logit."""
    guessing = np.isin(names, ["3pl", "4pl"])
    answered = np.maximum(freq.sum(axis=1), 1.0)
    p = np.clip((freq[:, 1:].sum(axis=1) + 0.5) / (answered + 1.0), 0.01, 0.99)
    dichotomous = table.n_categories == 2
    b = np.where(dichotomous, -logit(p) - np.where(guessing, 0.5, 0.0), table.b)
    a = np.where(dichotomous & ~np.isin(names, ["rasch", "1pl"]), 1.0, table.a)
    return ItemParameters.from_arrays(
        table.item_ids,
        names,
        a=a,
        b=b,
        c=np.where(guessing, guess, 0.0),
        d=table.d,
        thresholds=table.thresholds if int(table.n_categories.max()) > 2 else None,
        n_categories=table.n_categories,
    )
