"""Seeded synthetic banks and responses (parameter recovery, benchmarks, demos).

``simulate_bank`` draws item parameters the way real K-12 banks look;
``simulate_responses`` draws category scores for given abilities, either a
complete (dense) matrix, a dense matrix with answers missing at random, or
adaptive-style sparse data in which every student answers a few items of a
large bank (drawn without ever building the dense matrix).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from engine.irt.models import MODEL_NAMES
from engine.irt.parameters import ItemParameters
from engine.irt.responses import ResponseMatrix

__all__ = ["simulate_bank", "simulate_responses", "simulate_learning", "draw_categories"]


def simulate_bank(
    n_items: int,
    model: str = "2pl",
    rng: np.random.Generator | int | None = None,
    *,
    n_categories: int = 4,
    prefix: str = "I",
) -> ItemParameters:
    """Draw a bank of ``n_items`` items of one model.

    Slopes ``a ~ lognormal(0, 0.25)`` clipped to [0.5, 2.5] (1 for Rasch);
    difficulties ``b ~ N(0, 1)``; lower asymptotes ``c ~ U(0.10, 0.25)``
    (3PL, 4PL); upper asymptotes ``d ~ U(0.90, 0.99)`` (4PL).  Polytomous
    items (``grm``, ``gpcm``, ``rasch`` with ``n_categories > 2``) get
    ``K - 1`` increasing thresholds: a location ``N(0, 1)`` plus sorted
    offsets ``U(-1.5, 1.5)`` at least 0.3 apart.

    Parameters
    ----------
    n_items : int
    model : str
        One of ``rasch, 1pl, 2pl, 3pl, 4pl, grm, gpcm``.
    rng : Generator or int seed
    n_categories : int
        K for polytomous models (ignored for dichotomous ones).
    prefix : str
        Item ids are ``f"{prefix}{j + 1}"``.

    Returns
    -------
    ItemParameters
    """
    rng = np.random.default_rng(rng)
    model = model.lower()
    if model not in MODEL_NAMES:
        raise ValueError(f"unknown model {model!r}; expected one of {', '.join(MODEL_NAMES)}")
    if n_items < 1:
        raise ValueError(f"n_items should be at least 1, got {n_items}")
    ids = [f"{prefix}{j + 1}" for j in range(n_items)]
    a = np.clip(rng.lognormal(0.0, 0.25, n_items), 0.5, 2.5)
    if model in ("rasch", "1pl"):
        a = np.ones(n_items)
    polytomous = model in ("grm", "gpcm") or (model == "rasch" and n_categories > 2)
    if polytomous:
        if n_categories < 3:
            raise ValueError("polytomous items need n_categories >= 3")
        location = rng.normal(0.0, 1.0, n_items)
        offsets = np.sort(rng.uniform(-1.5, 1.5, (n_items, n_categories - 1)), axis=1)
        offsets += 0.3 * np.arange(n_categories - 1)[None, :]
        offsets -= offsets.mean(axis=1, keepdims=True)
        return ItemParameters.from_arrays(
            ids, model, a=a, thresholds=location[:, None] + offsets, n_categories=n_categories
        )
    b = rng.normal(0.0, 1.0, n_items)
    c = rng.uniform(0.10, 0.25, n_items) if model in ("3pl", "4pl") else np.zeros(n_items)
    d = rng.uniform(0.90, 0.99, n_items) if model == "4pl" else np.ones(n_items)
    return ItemParameters.from_arrays(ids, model, a=a, b=b, c=c, d=d)


def draw_categories(probabilities: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw one category per row of ``probabilities`` (..., K) -> (...) int."""
    u = rng.random(probabilities.shape[:-1] + (1,))
    cdf = np.cumsum(probabilities, axis=-1)
    k = (u > cdf[..., :-1]).sum(axis=-1)
    return k.astype(np.int64)


def simulate_responses(
    params: ItemParameters,
    theta: ArrayLike,
    rng: np.random.Generator | int | None = None,
    *,
    missing_rate: float = 0.0,
    items_per_student: int | None = None,
    student_prefix: str = "S",
) -> ResponseMatrix:
    """Draw responses of students with abilities ``theta`` to a bank.

    Parameters
    ----------
    params : ItemParameters
        J items.
    theta : array_like, shape (N,)
    rng : Generator or int seed
    missing_rate : float
        Dense output with each cell missing at random with this probability.
    items_per_student : int, optional
        Sparse output: each student answers this many distinct items drawn
        uniformly from the bank (adaptive-style data; never densified).

    Returns
    -------
    ResponseMatrix
        Dense unless ``items_per_student`` is given.
    """
    rng = np.random.default_rng(rng)
    theta = np.asarray(theta, dtype=float).reshape(-1)
    n, j = len(theta), params.n_items
    ids = [f"{student_prefix}{i + 1}" for i in range(n)]
    if not 0.0 <= missing_rate < 1.0:
        raise ValueError(f"missing_rate should be in [0, 1), got {missing_rate}")
    if items_per_student is not None:
        if not 1 <= items_per_student <= j:
            raise ValueError(f"items_per_student should be between 1 and {j}, got {items_per_student}")
        student = np.repeat(np.arange(n), items_per_student)
        item = _distinct_items(n, j, items_per_student, rng).reshape(-1)
        score = _paired_draw(params, theta[student], item, rng)
        return ResponseMatrix.from_long(
            student,
            item,
            score,
            n_students=n,
            n_items=j,
            student_ids=ids,
            item_ids=params.item_ids,
            n_categories=params.n_categories,
        )
    scores = np.empty((n, j), dtype=np.int16)
    chunk = max(1, 4_000_000 // max(j * params.max_categories, 1))
    for start in range(0, n, chunk):
        probs = params.category_probabilities(theta[start : start + chunk])
        scores[start : start + chunk] = draw_categories(probs, rng)
    if missing_rate > 0:
        scores[rng.random((n, j)) < missing_rate] = -1
    return ResponseMatrix.from_dense(scores, ids, params.item_ids, params.n_categories)


def simulate_learning(
    params: ItemParameters,
    n_students: int,
    n_sittings: int,
    items_per_sitting: int,
    rng: np.random.Generator,
    *,
    start_mean: float = -0.5,
    gain: float = 1.5,
    share: float = 0.5,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Students who may relearn between sittings (growth-model studies).

    Abilities start at ``N(start_mean, 1)``; a ``share`` of the students gain
    ``gain`` at a random sitting (1 .. n_sittings - 1) and keep it.  At every
    sitting each student answers ``items_per_sitting`` items drawn at random
    (dichotomous items: ``score = u < P(x = 1)``).

    Returns
    -------
    trajectories : ndarray, shape (N, S)
        True ability at each sitting.
    learned : ndarray of bool, shape (N,)
    student, sitting, item, score : ndarray of int, shape (N * S * items_per_sitting,)
    """
    start = rng.normal(start_mean, 1, n_students)
    jump = np.where(rng.random(n_students) < share, gain, 0.0)
    at = rng.integers(1, n_sittings, n_students)
    trajectories = start[:, None] + jump[:, None] * (np.arange(n_sittings)[None, :] >= at[:, None])
    student = np.repeat(np.arange(n_students), n_sittings * items_per_sitting)
    sitting = np.tile(np.repeat(np.arange(n_sittings), items_per_sitting), n_students)
    item = rng.integers(0, params.n_items, student.size)
    p = params.pair_probabilities(trajectories[student, sitting], item)[:, 1]
    score = (rng.random(student.size) < p).astype(int)
    return trajectories, jump > 0, student, sitting, item, score


def _distinct_items(n: int, j: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """(n, k) distinct item indices per row, uniformly without replacement."""
    if k * 4 >= j:
        return np.argsort(rng.random((n, j)), axis=1)[:, :k]
    out = rng.integers(0, j, (n, k))
    while True:
        srt = np.sort(out, axis=1)
        dup_rows = np.flatnonzero(np.any(srt[:, 1:] == srt[:, :-1], axis=1))
        if len(dup_rows) == 0:
            return out
        out[dup_rows] = rng.integers(0, j, (len(dup_rows), k))


def _paired_draw(params: ItemParameters, theta: np.ndarray, item: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One draw per (theta, item) pair, shape (n_pairs,)."""
    return draw_categories(params.pair_probabilities(theta, item), rng)
