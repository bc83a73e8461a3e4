"""Exposure control: which of the best candidate items is administered.

Selection (:mod:`engine.selection`) hands over, per student, a short list of
eligible candidates ordered best-first, shape ``(N, m)`` with ``-1`` padding.
The functions here pick one per row, vectorized over rows:

* ``none`` — the best candidate;
* ``randomesque`` (Kingsbury & Zara 1989) — uniformly one of the best ``k``;
* ``sympson-hetter`` (Sympson & Hetter 1985) — candidates are tried best-first
  and candidate ``j`` is administered with probability ``K_j`` (its control
  parameter); the first accepted one is given (the last candidate when all are
  refused).  The control parameters that hold every item's exposure rate at
  or below ``r_max`` are found by simulation with the classic iteration
  ``K_j <- min(1, r_max / P(selected_j))`` (:func:`sympson_hetter_update`;
  the simulation loop is :func:`engine.adaptive_sim.calibrate_sympson_hetter`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "ExposurePolicy",
    "EXPOSURE_METHODS",
    "pick",
    "pick_randomesque",
    "pick_sympson_hetter",
    "sympson_hetter_update",
]

EXPOSURE_METHODS = ("none", "randomesque", "sympson-hetter")


@dataclass(frozen=True)
class ExposurePolicy:
    """How candidates are turned into one administered item.

    Attributes
    ----------
    method : {"none", "randomesque", "sympson-hetter"}
    k : int
        Randomesque group size (the best ``k`` eligible items).
    candidates : int
        Sympson-Hetter: how many best candidates are tried before falling back
        to the last one.
    """

    method: str = "none"
    k: int = 5
    candidates: int = 20

    def __post_init__(self) -> None:
        if self.method not in EXPOSURE_METHODS:
            raise ValueError(f"exposure method should be one of {', '.join(EXPOSURE_METHODS)}, got {self.method!r}")
        if int(self.k) < 1:
            raise ValueError(f"randomesque k should be at least 1, got {self.k}")
        if int(self.candidates) < 1:
            raise ValueError(f"candidates should be at least 1, got {self.candidates}")

    @property
    def depth(self) -> int:
        """Number of best-first candidates the method needs."""
        return {"none": 1, "randomesque": int(self.k), "sympson-hetter": int(self.candidates)}[self.method]


def pick_randomesque(candidates: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Uniformly one of the valid candidates of each row.

    Parameters
    ----------
    candidates : ndarray of int, shape (N, k)
        Best-first, valid entries first, ``-1`` padded.

    Returns
    -------
    ndarray of int, shape (N,)
        Chosen item (``-1`` for a row without candidates).
    """
    n_valid = (candidates >= 0).sum(axis=1)
    r = np.floor(rng.random(candidates.shape[0]) * n_valid).astype(np.intp)
    r = np.minimum(r, np.maximum(n_valid - 1, 0))
    return candidates[np.arange(candidates.shape[0]), r]


def pick_sympson_hetter(
    candidates: np.ndarray, control: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Sympson-Hetter: try candidates best-first, accept ``j`` with prob ``control[j]``.

    Parameters
    ----------
    candidates : ndarray of int, shape (N, m)
        Best-first, valid entries first, ``-1`` padded.
    control : ndarray, shape (J,)

    Returns
    -------
    chosen : ndarray of int, shape (N,)
        Administered item (``-1`` for a row without candidates).
    n_tried : ndarray of int, shape (N,)
        How many candidates were tried (selected) before acceptance: the
        items ``candidates[i, :n_tried[i]]`` count as *selected* for the
        control-parameter iteration.
    """
    valid = candidates >= 0
    k = np.where(valid, control[np.where(valid, candidates, 0)], 0.0)
    accept = valid & (rng.random(candidates.shape) < k)
    n_valid = valid.sum(axis=1)
    any_accept = accept.any(axis=1)
    first = np.where(any_accept, np.argmax(accept, axis=1), np.maximum(n_valid - 1, 0))
    chosen = candidates[np.arange(candidates.shape[0]), first]
    n_tried = np.where(n_valid > 0, first + 1, 0)
    return chosen, n_tried


def pick(
    policy: ExposurePolicy, candidates: np.ndarray, control: np.ndarray, rng: np.random.Generator | None
) -> np.ndarray:
    """One item per row under ``policy`` (see the module docstring), shape (N,)."""
    if policy.method == "none":
        return candidates[:, 0]
    if rng is None:
        raise ValueError(f"exposure method {policy.method!r} needs a random generator")
    if policy.method == "randomesque":
        return pick_randomesque(candidates[:, : policy.k], rng)
    return pick_sympson_hetter(candidates, control, rng)[0]


def sympson_hetter_update(selected_rate: np.ndarray, r_max: float) -> np.ndarray:
    """New control parameters from the selection rates of a simulation.

    ``K_j = r_max / P(S_j)`` where ``P(S_j) > r_max``, else 1, so that
    ``P(A_j) = K_j P(S_j) <= r_max``.

    Parameters
    ----------
    selected_rate : ndarray, shape (J,)
        Fraction of simulated tests in which item j was selected (tried).
    r_max : float
        Target maximum exposure rate in (0, 1].

    Returns
    -------
    ndarray, shape (J,)
    """
    if not 0 < r_max <= 1:
        raise ValueError(f"r_max should lie in (0, 1], got {r_max}")
    s = np.asarray(selected_rate, dtype=float)
    return np.where(s > r_max, r_max / np.maximum(s, 1e-12), 1.0)
