"""Simulated schools and standards, one definition for the adaptive benchmark and the tests.

``benchmarks/adaptive.py`` runs these scenarios at school size and the tests
in ``tests/adaptive`` at a size a unit test affords; both draw from the
generator they pass in, in the order documented on each function, so a seed
gives the same data (and the benchmark the same figures) as before the
scenarios were shared.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.adaptive.bank import AdaptiveBank
from engine.irt.parameters import ItemParameters
from engine.mastery.bands import band_codes

__all__ = ["CorrelatedStandards", "School", "simulate_correlated_standards", "simulate_school"]


@dataclass(frozen=True)
class School:
    """Classes of a school, each class working on every standard, and who saw which item lately.

    A membership is one student on one standard; a group is one class on one
    standard (the unit morning work makes tiers for).

    Attributes
    ----------
    bank : AdaptiveBank
        2PL items, ``items_per_objective`` per objective, objectives in
        standard order (named ``o000``, ``o001``, ...).
    item_standard : ndarray of int, shape (n_items,)
    item_objective : ndarray of int, shape (n_items,)
    group_standard : ndarray of int, shape (n_groups,)
        Standard of each (class, standard) group, ``n_groups = n_classes * n_standards``.
    member_group : ndarray of int, shape (n_members,)
        Group of each (student, standard) membership, ``n_members = n_students * n_standards``.
    member_student : ndarray of int, shape (n_members,)
    member_theta : ndarray of float, shape (n_members,)
        The student's ability on the standard, N(0, 1).
    member_band : ndarray of int, shape (n_members,)
        Band code of ``member_theta`` at the cuts -0.5 and 0.5.
    recent_student : ndarray of int, shape (n_recent,)
    recent_item : ndarray of int, shape (n_recent,)
        Items each student answered lately (``recent_per_student`` each, drawn with replacement).
    """

    bank: AdaptiveBank
    item_standard: np.ndarray
    item_objective: np.ndarray
    group_standard: np.ndarray
    member_group: np.ndarray
    member_student: np.ndarray
    member_theta: np.ndarray
    member_band: np.ndarray
    recent_student: np.ndarray
    recent_item: np.ndarray


def simulate_school(
    rng: np.random.Generator,
    *,
    n_standards: int,
    objectives_per_standard: int,
    items_per_objective: int,
    n_students: int,
    n_classes: int,
    recent_per_student: int,
) -> School:
    """A school for morning work: students in classes, abilities per standard, recent items.

    Draws, in this order: slopes ``a ~ lognormal(0.1, 0.3)`` and
    difficulties ``b ~ N(0, 1)`` of every item, abilities ``N(0, 1)`` of
    every membership, then the recent items (uniform over the bank).
    Student ``n`` is in class ``n % n_classes``.

    Parameters
    ----------
    rng : numpy.random.Generator
    n_standards, objectives_per_standard, items_per_objective : int
        The bank has ``n_standards * objectives_per_standard * items_per_objective`` items.
    n_students, n_classes : int
    recent_per_student : int

    Returns
    -------
    School
    """
    n_objectives = n_standards * objectives_per_standard
    n_items = n_objectives * items_per_objective
    item_objective = np.repeat(np.arange(n_objectives), items_per_objective)
    params = ItemParameters.from_arrays(
        [f"i{k}" for k in range(n_items)], "2pl", a=rng.lognormal(0.1, 0.3, n_items), b=rng.normal(0, 1, n_items)
    )
    bank = AdaptiveBank.from_parameters(params, objectives=[f"o{x:03d}" for x in item_objective])
    student_class = np.arange(n_students) % n_classes
    member_theta = rng.normal(size=n_students * n_standards)
    recent_student = np.repeat(np.arange(n_students), recent_per_student)
    return School(
        bank=bank,
        item_standard=item_objective // objectives_per_standard,
        item_objective=item_objective,
        group_standard=np.tile(np.arange(n_standards), n_classes),
        member_group=(student_class[:, None] * n_standards + np.arange(n_standards)[None, :]).ravel(),
        member_student=np.repeat(np.arange(n_students), n_standards),
        member_theta=member_theta,
        member_band=band_codes(member_theta, (-0.5, 0.5)),
        recent_student=recent_student,
        recent_item=rng.integers(0, n_items, recent_student.size),
    )


@dataclass(frozen=True)
class CorrelatedStandards:
    """Students' answers on standards whose abilities share a general factor.

    Attributes
    ----------
    params : ItemParameters
        2PL items, ``items_per_standard`` per standard, in standard order.
    bank : AdaptiveBank
        ``params`` with each item's standard as its objective (``s0``, ``s1``, ...).
    theta : ndarray of float, shape (n_students, n_standards)
        True abilities, ``rho g + sqrt(1 - rho^2) e`` with ``g, e ~ N(0, 1)``.
    n_answers : ndarray of int, shape (n_students, n_standards)
        Answers of each student on each standard, 1 to 5.
    student, item, score : ndarray of int, shape (n_responses,)
        The answers in long form.
    """

    params: ItemParameters
    bank: AdaptiveBank
    theta: np.ndarray
    n_answers: np.ndarray
    student: np.ndarray
    item: np.ndarray
    score: np.ndarray


def simulate_correlated_standards(
    rng: np.random.Generator, *, n_students: int, n_standards: int, items_per_standard: int, rho: float
) -> CorrelatedStandards:
    """A few answers per standard, abilities correlated ``rho`` across standards.

    Draws, in this order: slopes ``a ~ lognormal(0.2, 0.25)`` and
    difficulties ``b ~ N(0, 1)``, the general ability ``g``, the specific
    parts ``e``, the number of answers per student and standard (uniform on
    1..5), a random order of each standard's items per student (a student
    answers the first ``n_answers`` of it), then the scores.

    Parameters
    ----------
    rng : numpy.random.Generator
    n_students, n_standards, items_per_standard : int
    rho : float
        Correlation of any two standards' abilities, in [0, 1).

    Returns
    -------
    CorrelatedStandards
    """
    per = items_per_standard
    n_items = n_standards * per
    params = ItemParameters.from_arrays(
        [f"i{k}" for k in range(n_items)], "2pl", a=rng.lognormal(0.2, 0.25, n_items), b=rng.normal(0, 1, n_items)
    )
    bank = AdaptiveBank.from_parameters(params, objectives=[f"s{k // per}" for k in range(n_items)])
    general = rng.normal(size=n_students)
    theta = rho * general[:, None] + np.sqrt(1 - rho**2) * rng.normal(size=(n_students, n_standards))
    n_answers = rng.integers(1, 6, size=(n_students, n_standards))
    order = np.argsort(rng.random((n_students, n_standards, per)), axis=2)
    student, standard, position = np.nonzero(np.arange(per)[None, None, :] < n_answers[:, :, None])
    item = standard * per + order[student, standard, position]
    p = params.pair_probabilities(theta[student, standard], item)[:, 1]
    score = (rng.random(item.size) < p).astype(int)
    return CorrelatedStandards(params, bank, theta, n_answers, student, item, score)
