"""Exposure control: which of the best candidate items is administered.

Selection (:mod:`engine.adaptive.selection`) hands over, per student, a short list of
eligible candidates ordered best-first, shape ``(N, m)`` with ``-1`` padding.
The functions here pick one per row, vectorized over rows:

* ``none`` — the best candidate;
* ``randomesque`` (Kingsbury & Zara 1989) — uniformly one of the best ``k``;
* ``sympson-hetter`` (Sympson & Hetter 1985) — candidates are tried best-first
  and candidate ``j`` is administered with probability ``K_j`` (its control
  parameter).  The lottery of an item is drawn once per student and check
  (:func:`lottery`), so an item refused once stays refused, as in the
  original procedure, and ``P(A_j) = K_j P(S_j)``.  When every candidate in
  view is refused, :func:`engine.adaptive.selection.select` looks further down the
  list; only when the whole eligible list is refused is one of it chosen
  uniformly.  The control parameters that hold every item's exposure rate at
  or below ``r_max`` are found by simulation (:func:`sympson_hetter_update`;
  the loop is :func:`engine.adaptive.simulation.calibrate_sympson_hetter`).
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
    "lottery",
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
        Sympson-Hetter: how many best candidates are looked at in one pass
        (more are fetched when all of them are refused).
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


def lottery(keys: np.ndarray, items: np.ndarray) -> np.ndarray:
    """Per (student, item) uniform draws in [0, 1), fixed for the whole check.

    A counter-based generator (the splitmix64 finalizer of ``key`` and the
    item position): the same student key and item always give the same draw,
    so the Sympson-Hetter lottery of an item is held once per student without
    storing the refused items anywhere (and a session state needs only its
    key).

    Parameters
    ----------
    keys : ndarray of uint64, shape (N,)
    items : ndarray of int, shape (N, m)

    Returns
    -------
    ndarray, shape (N, m)
    """
    with np.errstate(over="ignore"):
        z = np.asarray(keys, dtype=np.uint64)[:, None] + (
            np.asarray(items).astype(np.uint64) + np.uint64(1)
        ) * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)


def pick_sympson_hetter(
    candidates: np.ndarray,
    control: np.ndarray,
    keys: np.ndarray,
    rng: np.random.Generator,
    fallback: bool | np.ndarray = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Sympson-Hetter: try candidates best-first, accept ``j`` with prob ``control[j]``.

    The lottery of item ``j`` for a student is drawn once per check
    (:func:`lottery`): an item refused once stays refused for that student,
    as in Sympson & Hetter's procedure, so that ``P(A_j) = K_j P(S_j)``.

    Parameters
    ----------
    candidates : ndarray of int, shape (N, m)
        Best-first, valid entries first, ``-1`` padded.
    control : ndarray, shape (J,)
    keys : ndarray of uint64, shape (N,)
        Per-student lottery keys, constant during a check.
    rng : numpy.random.Generator
        For the fallback when every candidate is refused.
    fallback : bool or ndarray of bool, shape (N,)
        When every candidate of a row is refused: a uniformly chosen one
        (True) or ``-1`` (False; the caller then looks further down the list).

    Returns
    -------
    chosen : ndarray of int, shape (N,)
        Administered item (``-1`` for a row without candidates).
    n_tried : ndarray of int, shape (N,)
        How many candidates were tried (selected) up to acceptance: the items
        ``candidates[i, :n_tried[i]]`` count as *selected* for the
        control-parameter iteration (all of them when every one was refused).
    """
    valid = candidates >= 0
    k = np.where(valid, control[np.where(valid, candidates, 0)], 0.0)
    accept = valid & (lottery(keys, candidates) < k)
    n_valid = valid.sum(axis=1)
    any_accept = accept.any(axis=1)
    # all refused: one of the candidates uniformly (keeps the fallback from
    # concentrating exposure on one item)
    uniform = np.minimum(np.floor(rng.random(n_valid.size) * n_valid), np.maximum(n_valid - 1, 0))
    first = np.where(any_accept, np.argmax(accept, axis=1), uniform.astype(np.intp))
    chosen = candidates[np.arange(candidates.shape[0]), first]
    chosen = np.where(any_accept | np.broadcast_to(np.asarray(fallback, dtype=bool), any_accept.shape), chosen, -1)
    n_tried = np.where(any_accept, first + 1, n_valid)
    return chosen, n_tried


def pick(
    policy: ExposurePolicy,
    candidates: np.ndarray,
    control: np.ndarray,
    rng: np.random.Generator | None,
    keys: np.ndarray | None = None,
) -> np.ndarray:
    """One item per row under ``policy`` (see the module docstring).

    Parameters
    ----------
    policy : ExposurePolicy
    candidates : ndarray of int, shape (N, m)
        Best-first, valid entries first, ``-1`` padded.
    control : ndarray, shape (J,)
        Sympson-Hetter control parameters.
    rng : numpy.random.Generator or None
        Needed by randomesque and Sympson-Hetter.
    keys : ndarray of uint64, shape (N,), optional
        Per-student Sympson-Hetter lottery keys; without them fresh keys are
        drawn from ``rng`` (no memory across calls).

    Returns
    -------
    ndarray of int, shape (N,)
        Chosen item (``-1`` for a row without candidates).
    """
    if policy.method == "none":
        return candidates[:, 0]
    if rng is None:
        raise ValueError(f"exposure method {policy.method!r} needs a random generator")
    if policy.method == "randomesque":
        return pick_randomesque(candidates[:, : policy.k], rng)
    if keys is None:
        keys = rng.integers(0, 2**63, size=len(candidates), dtype=np.uint64)
    return pick_sympson_hetter(candidates, control, keys, rng)[0]


def sympson_hetter_update(
    rate: np.ndarray, r_max: float, control: np.ndarray | None = None, margin: float = 1.0
) -> np.ndarray:
    """New Sympson-Hetter control parameters from simulated rates.

    Without ``control`` this is the classic step from selection rates,
    ``K_j = r_max / P(S_j)`` where ``P(S_j) > r_max``, else 1 (so that
    ``P(A_j) = K_j P(S_j) <= r_max``).  With the current ``control`` and
    exposure rates it is the monotone step
    ``K_j <- K_j min(1, margin r_max / P(A_j))``.

    Parameters
    ----------
    rate : ndarray, shape (J,)
        Selection rates ``P(S_j)`` (classic) or exposure rates ``P(A_j)``.
    r_max : float
        Target maximum exposure rate in (0, 1].
    control : ndarray, shape (J,), optional
    margin : float
        In (0, 1]: aim a little under ``r_max``.

    Returns
    -------
    ndarray, shape (J,)
    """
    if not 0 < r_max <= 1:
        raise ValueError(f"r_max should lie in (0, 1], got {r_max}")
    if not 0 < margin <= 1:
        raise ValueError(f"margin should lie in (0, 1], got {margin}")
    s = np.asarray(rate, dtype=float)
    target = margin * r_max
    if control is None:
        return np.where(s > target, target / np.maximum(s, 1e-12), 1.0)
    return np.asarray(control, dtype=float) * np.minimum(1.0, target / np.maximum(s, 1e-12))
