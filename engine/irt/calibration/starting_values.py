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
:func:`asymptote_starts` and the best maximum kept.
"""

from __future__ import annotations

import numpy as np
from scipy.special import logit
from scipy.stats import norm

from engine.irt.parameters import ItemParameters
from engine.irt.responses import ResponseMatrix

__all__ = ["starting_table", "asymptote_starts"]

#: The normal-ogive-to-logistic scale factor.
_D = 1.702
#: Loadings are kept in this range (a between 0.17 and 3.5).
_LOADING = (0.1, 0.9)
#: Chance levels are kept in this range; the prior guess they are shrunk towards, with the weight of 5 students.
_CHANCE = (0.05, 0.35)
_CHANCE_PRIOR = 0.2


def _rest_statistics(responses: ResponseMatrix) -> tuple[np.ndarray, np.ndarray]:
    """Each item's item-rest correlation and chance level, each (J,)."""
    j = responses.n_items
    item, student = responses.item, responses.student
    x = responses.score / (responses.n_categories - 1)[item]
    count = np.bincount(student, minlength=responses.n_students)[student]
    total = np.bincount(student, weights=x, minlength=responses.n_students)[student]
    valid = count > 1
    rest = np.where(valid, (total - x) / np.maximum(count - 1, 1), 0.0)
    w = valid.astype(float)

    def per_item(values: np.ndarray) -> np.ndarray:
        return np.bincount(item, weights=values * w, minlength=j)

    n = np.maximum(per_item(np.ones_like(x)), 1.0)
    mean_x, mean_r = per_item(x) / n, per_item(rest) / n
    cov = per_item(x * rest) / n - mean_x * mean_r
    var_x, var_r = per_item(x * x) / n - mean_x**2, per_item(rest * rest) / n - mean_r**2
    correlation = np.where((var_x > 0) & (var_r > 0), cov / np.sqrt(np.maximum(var_x * var_r, 1e-300)), 0.0)
    low = valid & (rest <= np.quantile(rest[valid], 0.2) if valid.any() else valid)
    right_low = np.bincount(item[low], weights=(x[low] >= 1.0).astype(float), minlength=j)
    n_low = np.bincount(item[low], minlength=j)
    chance = np.clip((right_low + 5 * _CHANCE_PRIOR) / (n_low + 5), *_CHANCE)
    return correlation, chance


def starting_table(responses: ResponseMatrix, names: np.ndarray) -> ItemParameters:
    """Starting values of every item (J,) from the responses (see the module docstring).

    Parameters
    ----------
    responses : ResponseMatrix
        N students x J items.
    names : ndarray of str, shape (J,)
        Each item's model.
    """
    j = responses.n_items
    k = responses.n_categories
    kmax = int(k.max())
    freq = np.bincount(responses.item * kmax + responses.score, minlength=j * kmax).reshape(j, kmax).astype(float)
    freq += 0.5 * (np.arange(kmax)[None, :] < k[:, None])
    total = freq.sum(axis=1, keepdims=True)
    at_least = np.clip(np.cumsum(freq[:, ::-1], axis=1)[:, ::-1][:, 1:] / total, 0.01, 0.99)
    correlation, chance = _rest_statistics(responses)
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
        responses.item_ids, names, a=a, b=b, c=c, d=d, thresholds=thr if kmax > 2 else None, n_categories=k
    )


def _proportions_table(responses: ResponseMatrix, names: np.ndarray, guess: float) -> ItemParameters:
    """Starting values from the proportions alone: a = 1, c = ``guess`` for 3PL/4PL items, b from the logit."""
    table = starting_table(responses, names)
    guessing = np.isin(names, ["3pl", "4pl"])
    p = np.clip(np.bincount(responses.item, weights=responses.score > 0, minlength=responses.n_items), 0.5, None)
    p = np.clip(p / np.maximum(responses.responses_per_item, 1), 0.01, 0.99)
    dichotomous = responses.n_categories == 2
    b = np.where(dichotomous, -logit(p) - np.where(guessing, 0.5, 0.0), table.b)
    a = np.where(dichotomous & ~np.isin(names, ["rasch", "1pl"]), 1.0, table.a)
    return ItemParameters.from_arrays(
        table.item_ids,
        names,
        a=a,
        b=b,
        c=np.where(guessing, guess, 0.0),
        d=table.d,
        thresholds=table.thresholds if int(responses.n_categories.max()) > 2 else None,
        n_categories=table.n_categories,
    )


def asymptote_starts(responses: ResponseMatrix, names: np.ndarray) -> list[ItemParameters]:
    """The starts tried for banks with 3PL/4PL items: :func:`starting_table`, then the proportions-only starts.

    The proportions-only starts put every guessing parameter at 0.2 and at
    0.05 (a = 1, b from the logit of the proportion correct, lowered by 0.5
    where there is guessing).
    """
    return [starting_table(responses, names)] + [_proportions_table(responses, names, g) for g in (0.2, 0.05)]
