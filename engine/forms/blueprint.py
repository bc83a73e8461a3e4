"""Form blueprints: how many items of each standard and depth of knowledge a form holds.

A team writes a common formative assessment to a blueprint: its length,
how many items of each learning objective (a min and a max per form) and
of each depth-of-knowledge level, and information where it matters (at the
mastery cut).  :func:`assemble_to_blueprint` builds ``n_versions`` disjoint
parallel versions (A, B, ... for retakes) with the MILP assembler
(:func:`engine.forms.assembly.assemble_forms`); :func:`blueprint_met` says,
for versions built by hand or by the assembler, which rows of the blueprint
each version meets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from engine.forms.assembly import AssembledForms, assemble_forms
from engine.irt.parameters import ItemParameters

__all__ = ["Blueprint", "BlueprintCheck", "assemble_to_blueprint", "blueprint_met"]


@dataclass(frozen=True)
class Blueprint:
    """What every version of a form holds.

    Attributes
    ----------
    length : int
        Items per version.
    objectives : mapping of int to (int, int)
        Objective code -> (min, max) items per version.
    dok : mapping of int to (int, int)
        Depth-of-knowledge level -> (min, max) items per version.
    """

    length: int
    objectives: Mapping[int, tuple[int, int]] = field(default_factory=dict)
    dok: Mapping[int, tuple[int, int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.length < 1:
            raise ValueError(f"a form needs at least one item, got length {self.length}")
        for what, limits in (("objective", self.objectives), ("DOK level", self.dok)):
            for code, (lo, hi) in limits.items():
                if not 0 <= lo <= hi:
                    raise ValueError(f"{what} {code}: min {lo} and max {hi} should satisfy 0 <= min <= max")
            if sum(lo for lo, _ in limits.values()) > self.length:
                raise ValueError(f"the {what} minimums add up to more than the length {self.length}")


@dataclass(frozen=True)
class BlueprintCheck:
    """Which rows of a blueprint each of F versions meets.

    Attributes
    ----------
    length_met : ndarray of bool, shape (F,)
    objective_counts : ndarray of int, shape (F, G)
        Items of each blueprint objective (in the blueprint's order).
    objectives_met : ndarray of bool, shape (F, G)
    dok_counts : ndarray of int, shape (F, D)
        Items of each blueprint DOK level (in the blueprint's order).
    dok_met : ndarray of bool, shape (F, D)
    met : ndarray of bool, shape (F,)
        Every row met.
    """

    length_met: np.ndarray
    objective_counts: np.ndarray
    objectives_met: np.ndarray
    dok_counts: np.ndarray
    dok_met: np.ndarray
    met: np.ndarray


def _counts(codes: np.ndarray, version: np.ndarray, wanted: list[int], n_versions: int) -> np.ndarray:
    """(F, len(wanted)) items of each wanted code on each version."""
    out = np.zeros((n_versions, len(wanted)), dtype=np.int64)
    if not wanted:
        return out
    targets = np.asarray(wanted, dtype=np.int64)
    order = np.argsort(targets)
    slot = np.clip(np.searchsorted(targets[order], codes), 0, len(wanted) - 1)
    hit = targets[order][slot] == codes
    np.add.at(out, (version[hit], order[slot][hit]), 1)
    return out


def _within(counts: np.ndarray, limits: Mapping[int, tuple[int, int]]) -> np.ndarray:
    lo = np.array([lo for lo, _ in limits.values()], dtype=np.int64)
    hi = np.array([hi for _, hi in limits.values()], dtype=np.int64)
    return (counts >= lo[None, :]) & (counts <= hi[None, :])


def blueprint_met(
    version: ArrayLike, objectives: ArrayLike, dok: ArrayLike, blueprint: Blueprint, n_versions: int
) -> BlueprintCheck:
    """Check versions against a blueprint.

    Parameters
    ----------
    version : array of int, shape (M,)
        The version (``0..n_versions-1``) of each of the M item slots of the form.
    objectives : array of int, shape (M,)
        The objective code of each slot's item.
    dok : array of int, shape (M,)
        The DOK level of each slot's item.
    blueprint : Blueprint
    n_versions : int

    Returns
    -------
    BlueprintCheck
    """
    v = np.asarray(version, dtype=np.int64)
    obj = np.asarray(objectives, dtype=np.int64)
    levels = np.asarray(dok, dtype=np.int64)
    if not (v.shape == obj.shape == levels.shape) or v.ndim != 1:
        raise ValueError("version, objectives and dok should be one-dimensional arrays of one length")
    if v.size and (v.min() < 0 or v.max() >= n_versions):
        raise ValueError(f"version codes should lie in 0..{n_versions - 1}")
    lengths = np.bincount(v, minlength=n_versions)
    ocount = _counts(obj, v, [int(k) for k in blueprint.objectives], n_versions)
    dcount = _counts(levels, v, [int(k) for k in blueprint.dok], n_versions)
    omet = _within(ocount, blueprint.objectives)
    dmet = _within(dcount, blueprint.dok)
    length_met = lengths == blueprint.length
    met = length_met & omet.all(axis=1) & dmet.all(axis=1)
    return BlueprintCheck(length_met, ocount, omet, dcount, dmet, met)


def assemble_to_blueprint(
    params: ItemParameters,
    objectives: ArrayLike,
    dok: ArrayLike,
    blueprint: Blueprint,
    *,
    cut: float,
    n_versions: int = 1,
    eligible: ArrayLike | None = None,
    time_limit: float = 10.0,
) -> AssembledForms:
    """Disjoint parallel versions meeting ``blueprint``, most informative at ``cut``.

    Parameters
    ----------
    params : ItemParameters
        The pool (J items).
    objectives : array of int, shape (J,)
        Objective code of each item.
    dok : array of int, shape (J,)
        DOK level of each item.
    blueprint : Blueprint
    cut : float
        The mastery cut on the theta scale: the versions maximize their
        smallest test information there (maximin), kept alike.
    n_versions : int
    eligible : array of bool, shape (J,), optional
    time_limit : float
        Seconds for the solver.

    Returns
    -------
    AssembledForms

    Raises
    ------
    ValueError
        The pool cannot meet the blueprint (too few items of an objective or
        a level, or in all).
    """
    obj = np.asarray(objectives, dtype=np.int64)
    levels = np.asarray(dok, dtype=np.int64)
    if obj.shape != (params.n_items,) or levels.shape != (params.n_items,):
        raise ValueError(f"objectives and dok should have shape ({params.n_items},)")
    pool = params.n_items if eligible is None else int(np.count_nonzero(eligible))
    if pool < blueprint.length * n_versions:
        raise ValueError(
            f"{n_versions} version(s) of {blueprint.length} items need {blueprint.length * n_versions} "
            f"different items; the pool has {pool}"
        )
    return assemble_forms(
        params,
        length=blueprint.length,
        theta=[float(cut)],
        n_forms=n_versions,
        objectives=obj,
        objective_limits=dict(blueprint.objectives) or None,
        dok=levels,
        dok_limits=dict(blueprint.dok) or None,
        max_overlap=0,
        eligible=None if eligible is None else np.asarray(eligible, dtype=bool),
        time_limit=time_limit,
    )
