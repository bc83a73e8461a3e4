"""Mastery bands: cuts on the theta scale, from percent-correct cuts, roll-up.

Three tiers (red remediation, yellow approaching, green mastery) need two
cuts; four tiers add blue (exceeds) with a third.  Schools state cuts as an
expected percent of the points on the standard's items (Mastery Connect's
defaults: 50 / 80 for three tiers, 50 / 80 / 90 for four);
:func:`cuts_from_percent` converts them to theta through the standard's test
characteristic curve (TCC) ``T(theta) = sum_j E[x_j | theta] / sum_j (K_j - 1)``.

The *mastery cut* is always the second cut (yellow | green); a student's
``p_mastery`` is the posterior probability that theta is at or above it.

Roll-up (:func:`rollup`): an indicator's band comes from its objectives' bands
and a competency's from its indicators'.  The default rule is Mastery
Connect's "lowest sub-standard wins" (a parent is green only when every
child with evidence is green); ``"median"`` takes the median child band
(rounded down).  Children without evidence (code ``-1``) are ignored; a parent
with no evidence gets ``-1``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import brentq

from engine.irt.parameters import ItemParameters

__all__ = [
    "BandScheme",
    "THREE_TIERS",
    "FOUR_TIERS",
    "cuts_from_percent",
    "band_codes",
    "rollup",
    "ROLLUP_RULES",
    "MASTERY_CONNECT_THREE",
    "MASTERY_CONNECT_FOUR",
]

#: Mastery Connect's default percent cuts (expected percent of the points).
MASTERY_CONNECT_THREE = (50.0, 80.0)
MASTERY_CONNECT_FOUR = (50.0, 80.0, 90.0)

THREE_TIERS = ("red", "yellow", "green")
FOUR_TIERS = ("red", "yellow", "green", "blue")
ROLLUP_RULES = ("lowest", "median")


@dataclass(frozen=True)
class BandScheme:
    """Cuts on the theta scale and the band names between them.

    Attributes
    ----------
    cuts : tuple of float
        Ascending theta cuts (2 for three tiers, 3 for four).
    labels : tuple of str
        ``len(cuts) + 1`` band names, lowest first.
    """

    cuts: tuple[float, ...] = (-0.5, 0.5)
    labels: tuple[str, ...] = THREE_TIERS

    def __post_init__(self) -> None:
        cuts = tuple(float(c) for c in self.cuts)
        object.__setattr__(self, "cuts", cuts)
        object.__setattr__(self, "labels", tuple(str(x) for x in self.labels))
        if len(cuts) not in (2, 3):
            raise ValueError(f"a band scheme needs 2 (three tiers) or 3 (four tiers) cuts, got {len(cuts)}")
        if not all(np.isfinite(cuts)) or any(b <= a for a, b in zip(cuts, cuts[1:])):
            raise ValueError(f"cuts should be finite and strictly increasing, got {cuts}")
        if len(self.labels) != len(cuts) + 1:
            raise ValueError(f"{len(cuts)} cuts need {len(cuts) + 1} labels, got {len(self.labels)}")

    @classmethod
    def tiers(cls, cuts: Iterable[float]) -> BandScheme:
        """Default labels for 2 or 3 cuts."""
        values = tuple(cuts)
        return cls(values, THREE_TIERS if len(values) == 2 else FOUR_TIERS)

    @property
    def mastery_cut(self) -> float:
        """The yellow | green cut."""
        return self.cuts[1]

    def codes(self, theta: ArrayLike) -> np.ndarray:
        """Band code of each theta (0 = lowest), same shape."""
        return band_codes(theta, self.cuts)

    def names(self, theta: ArrayLike) -> np.ndarray:
        """Band name of each theta, ndarray of str."""
        return np.asarray(self.labels, dtype=object)[self.codes(theta)]

    def to_dict(self) -> dict:
        return {"cuts": list(self.cuts), "labels": list(self.labels)}

    @classmethod
    def from_dict(cls, data: dict) -> BandScheme:
        return cls(tuple(data["cuts"]), tuple(data["labels"]))


def band_codes(theta: ArrayLike, cuts: ArrayLike) -> np.ndarray:
    """Number of cuts at or below each theta: the band code (0 = lowest).

    Parameters
    ----------
    theta : array_like, any shape
    cuts : array_like, shape (C,)
        Ascending cuts.

    Returns
    -------
    ndarray of int, shape of ``theta``
    """
    return np.searchsorted(np.asarray(cuts, dtype=float), np.asarray(theta, dtype=float), side="right")


def cuts_from_percent(
    params: ItemParameters, percents: Iterable[float], limits: tuple[float, float] = (-8.0, 8.0)
) -> tuple[float, ...]:
    """Theta cuts where the standard's TCC reaches each expected percent.

    Parameters
    ----------
    params : ItemParameters
        The standard's items.
    percents : sequence of float
        Expected percent of the points (0-100), e.g. ``(50, 80)``.
    limits : (float, float)
        Search interval on theta.

    Returns
    -------
    tuple of float
        One theta cut per percent, in the order given.
    """
    max_points = float(np.sum(params.n_categories - 1))

    def tcc(theta: float) -> float:
        return float(params.expected_score(np.array([theta])).sum() / max_points)

    lo, hi = tcc(limits[0]), tcc(limits[1])
    out = []
    for pct in percents:
        p = float(pct) / 100.0
        if not (np.isfinite(p) and lo < p < hi):
            raise ValueError(
                f"percent cut {pct} is outside what these items can reach "
                f"({100 * lo:.1f}-{100 * hi:.1f}% of the points)"
            )
        out.append(float(brentq(lambda t, p=p: tcc(t) - p, limits[0], limits[1], xtol=1e-10)))
    return tuple(out)


def rollup(codes: np.ndarray, parent: np.ndarray, n_parents: int | None = None, rule: str = "lowest") -> np.ndarray:
    """Parent bands from child bands.

    Parameters
    ----------
    codes : ndarray of int, shape (N, C)
        Band code per student and child standard, ``-1`` without evidence.
    parent : ndarray of int, shape (C,)
        Parent index of each child.
    n_parents : int, optional
    rule : {"lowest", "median"}

    Returns
    -------
    ndarray of int, shape (N, n_parents)
    """
    if rule not in ROLLUP_RULES:
        raise ValueError(f"rule should be one of {', '.join(ROLLUP_RULES)}, got {rule!r}")
    codes = np.asarray(codes, dtype=np.int64)
    parent = np.asarray(parent, dtype=np.int64)
    if codes.ndim != 2 or codes.shape[1] != parent.size:
        raise ValueError(f"codes should have shape (N, {parent.size}), got {codes.shape}")
    p = int(parent.max(initial=-1)) + 1 if n_parents is None else int(n_parents)
    n = codes.shape[0]
    if rule == "lowest":
        big = np.iinfo(np.int64).max
        out = np.full((p, n), big, dtype=np.int64)
        np.minimum.at(out, parent, np.where(codes >= 0, codes, big).T)
        return np.where(out == big, -1, out).T
    # median: sort children by (parent, code) and read the middle of each run
    out = np.full((n, p), -1, dtype=np.int64)
    order = np.argsort(parent, kind="stable")
    par = parent[order]
    vals = np.where(codes[:, order] >= 0, codes[:, order], np.iinfo(np.int64).max)
    starts = np.searchsorted(par, np.arange(p))
    ends = np.searchsorted(par, np.arange(p), side="right")
    # sort within each parent's run: stable sort by value then by parent
    key = np.argsort(vals, axis=1, kind="stable")
    key = np.take_along_axis(key, np.argsort(par[key], axis=1, kind="stable"), axis=1)
    sorted_vals = np.take_along_axis(vals, key, axis=1)
    valid = np.concatenate([np.zeros((n, 1), dtype=np.int64), np.cumsum(codes[:, order] >= 0, axis=1)], axis=1)
    count = valid[:, ends] - valid[:, starts]
    mid = starts[None, :] + (count - 1) // 2
    got = np.take_along_axis(sorted_vals, np.clip(mid, 0, max(vals.shape[1] - 1, 0)), axis=1)
    return np.where(count > 0, got, out)
