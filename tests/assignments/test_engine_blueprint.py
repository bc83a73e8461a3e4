"""engine.forms.blueprint: parallel versions to a standards x DOK blueprint, and checking versions against one."""

from __future__ import annotations

import numpy as np
import pytest

from engine.forms.blueprint import Blueprint, assemble_to_blueprint, blueprint_met
from engine.irt.parameters import ItemParameters


@pytest.fixture(scope="module")
def pool():
    rng = np.random.default_rng(5)
    n = 40
    params = ItemParameters.from_arrays(
        [f"i{j}" for j in range(n)], "2pl", a=rng.uniform(0.6, 2.0, n), b=rng.normal(0, 1, n)
    )
    objectives = np.arange(n) % 3
    dok = 1 + (np.arange(n) // 3) % 3
    return params, objectives, dok


def test_assembled_versions_meet_the_blueprint_and_are_disjoint(pool):
    params, objectives, dok = pool
    blueprint = Blueprint(length=6, objectives={0: (2, 2), 1: (2, 3), 2: (1, 2)}, dok={2: (2, 6), 3: (1, 6)})
    result = assemble_to_blueprint(params, objectives, dok, blueprint, cut=0.4, n_versions=2)
    a, b = result.forms
    assert not set(a) & set(b)
    version = np.repeat([0, 1], 6)
    slots = np.concatenate([a, b])
    check = blueprint_met(version, objectives[slots], dok[slots], blueprint, 2)
    assert check.met.all()
    assert check.objective_counts[:, 0].tolist() == [2, 2]
    # information at the cut: at least that of the versions any random disjoint split would give on average
    info = params.information(np.array([0.4]))[0]
    assert result.information[:, 0].min() > np.mean(info) * 6


def test_blueprint_met_names_each_row_that_fails():
    blueprint = Blueprint(length=3, objectives={7: (1, 1), 9: (1, 3)}, dok={3: (1, 3)})
    version = [0, 0, 0, 1, 1]
    objectives = [7, 9, 9, 9, 9]
    dok = [1, 3, 2, 1, 1]
    check = blueprint_met(version, objectives, dok, blueprint, 2)
    assert check.length_met.tolist() == [True, False]
    assert check.objective_counts.tolist() == [[1, 2], [0, 2]]
    assert check.objectives_met.tolist() == [[True, True], [False, True]]
    assert check.dok_met.tolist() == [[True], [False]]
    assert check.met.tolist() == [True, False]


def test_a_pool_too_small_for_the_versions_is_refused(pool):
    params, objectives, dok = pool
    with pytest.raises(ValueError, match="need 60 different items; the pool has 40"):
        assemble_to_blueprint(params, objectives, dok, Blueprint(length=20), cut=0.0, n_versions=3)


def test_an_objective_without_items_is_refused(pool):
    params, objectives, dok = pool
    with pytest.raises(ValueError, match="objective 5 has no items"):
        assemble_to_blueprint(params, objectives, dok, Blueprint(length=4, objectives={5: (1, 2)}), cut=0.0)


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"length": 0}, "at least one item"),
        ({"length": 3, "objectives": {1: (2, 1)}}, "0 <= min <= max"),
        ({"length": 3, "dok": {1: (2, 3), 2: (2, 3)}}, "minimums add up"),
    ],
)
def test_bad_blueprints_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Blueprint(**kwargs)
