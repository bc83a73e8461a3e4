"""The adaptive check state machine: JSON round trip, no re-administration, determinism."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.adaptive import check
from engine.adaptive.exposure import ExposurePolicy
from engine.adaptive.policy import CatPolicy
from engine.adaptive.selection import SelectionRule
from engine.adaptive.simulation import simulate_cat
from engine.adaptive.stopping import StoppingRule
from engine.mastery.bands import BandScheme


def run(bank, state, answers):
    state, item = check.next_item(bank, state)
    seen = []
    k = 0
    while item is not None:
        seen.append(item)
        state = check.CheckState.from_json(state.to_json())
        k_cat = int(bank.n_categories[bank.params.index_of[item]])
        res = check.answer(bank, state, item, answers[k % len(answers)] % k_cat)
        state, item = res.state, res.next_item
        k += 1
    return state, seen, res


@given(
    answers=st.lists(st.integers(0, 3), min_size=1, max_size=8),
    seed=st.integers(0, 1000),
    method=st.sampled_from(["none", "randomesque", "sympson-hetter"]),
    rule=st.sampled_from(["max-info", "kl", "target-p"]),
)
def test_round_trip_no_repeats_deterministic(bank2pl, answers, seed, method, rule):
    policy = CatPolicy(
        rule=SelectionRule(rule), exposure=ExposurePolicy(method), stopping=StoppingRule(max_items=12, se_target=0.35)
    )
    st0 = check.start(
        bank2pl, standard="S", policy=policy, objectives=["o0", "o1"], seed=seed, recent=["i0", "i1", "i4"]
    )
    assert check.CheckState.from_json(st0.to_json()) == st0
    final, seen, res = run(bank2pl, st0, answers)
    assert len(seen) == len(set(seen))  # never re-administered
    assert not {"i0", "i1", "i4"} & set(seen)  # never a recent item
    assert all(bank2pl.objective_names[bank2pl.objective[bank2pl.params.index_of[i]]] in ("o0", "o1") for i in seen)
    assert res.done and res.stop_reason in ("se", "max_items", "exhausted")
    assert check.CheckState.from_json(final.to_json()) == final
    again, seen2, _ = run(bank2pl, st0, answers)
    assert seen2 == seen and again == final


def test_check_matches_simulator_choices(bank2pl):
    """One student through the check picks the items the simulator picks."""
    policy = CatPolicy(stopping=StoppingRule(max_items=10, se_target=None))
    sim = simulate_cat(bank2pl, np.array([0.7]), policy, np.random.default_rng(3))
    state = check.start(bank2pl, standard="S", policy=policy, bands=BandScheme((-0.5, 0.0)))
    state, item = check.next_item(bank2pl, state)
    for k in range(10):
        assert item == bank2pl.item_ids[sim.items[0, k]]
        res = check.answer(bank2pl, state, item, int(sim.scores[0, k]))
        state, item = res.state, res.next_item
    assert res.done and res.stop_reason == "max_items"
    assert res.estimate.theta == pytest.approx(sim.theta[0], abs=1e-10)
    assert res.estimate.se == pytest.approx(sim.se[0], abs=1e-10)


def test_estimate_band_and_p_mastery(mixed_bank):
    state = check.start(mixed_bank, standard="S", bands=BandScheme((-0.5, 0.5)), prior_mean=1.0, prior_sd=0.4)
    est = check.estimate(mixed_bank, state)
    assert est.band == "green" and est.theta == pytest.approx(1.0, abs=1e-3)
    assert est.p_mastery == pytest.approx(0.8944, abs=3e-3)  # P(N(1, .4) >= .5)
    state = check.record(mixed_bank, state, "g1", 0)
    state = check.record(mixed_bank, state, "g1", 0)  # idempotent
    assert state.items == ("g1",)
    assert check.estimate(mixed_bank, state).theta < 1.0


def test_record_errors(mixed_bank):
    state = check.start(mixed_bank, standard="S", recent=["d1"])
    with pytest.raises(ValueError, match="unknown item"):
        check.record(mixed_bank, state, "zz", 0)
    with pytest.raises(ValueError, match="scored 0..3"):
        check.record(mixed_bank, state, "g1", 4)
    with pytest.raises(ValueError, match="recently"):
        check.record(mixed_bank, state, "d1", 1)
    state = check.record(mixed_bank, state, "d2", 1)
    with pytest.raises(ValueError, match="already answered"):
        check.record(mixed_bank, state, "d2", 0)
    with pytest.raises(ValueError, match="format"):
        check.CheckState.from_json('{"format": 99}')
    with pytest.raises(ValueError, match="JSON"):
        check.CheckState.from_json("{not json")


def test_exhausts_small_standard(mixed_bank):
    state = check.start(
        mixed_bank,
        standard="S",
        objectives=["a"],
        policy=CatPolicy(stopping=StoppingRule(max_items=10, se_target=None)),
    )
    final, seen, res = run(mixed_bank, state, [1])
    assert sorted(seen) == ["d1", "d2", "p1"] and res.stop_reason == "exhausted"


def test_retired_recent_items_are_dropped(mixed_bank):
    state = check.start(mixed_bank, standard="S", recent=["d1", "retired-item"])
    assert state.recent == ("d1",)


def test_prepare_builds_rankings_once(bank2pl):
    bank2pl.prepare()
    before = bank2pl.ranking("max-info")
    assert bank2pl.prepare().ranking("max-info") is before


def test_item_parameters_accepted(mixed_bank):
    params = mixed_bank.params
    state = check.start(params, standard="S", policy=CatPolicy(stopping=StoppingRule(max_items=3, se_target=None)))
    state, item = check.next_item(params, state)
    res = check.answer(params, state, item, 1)
    assert res.next_item is not None and res.estimate.n_items == 1
    with pytest.raises(ValueError, match="AdaptiveBank or ItemParameters"):
        check.estimate("bank", state)


def test_presets_round_trip_and_stop_early(bank2pl):
    for pol in (CatPolicy.check_for_understanding(), CatPolicy.practice()):
        assert CatPolicy.from_dict(pol.to_dict()) == pol
    state = check.start(
        bank2pl, standard="S", policy=CatPolicy.check_for_understanding(), bands=BandScheme((-1.0, -0.5))
    )
    final, seen, res = run(bank2pl, state, [1])  # a student who answers everything right
    assert res.stop_reason == "sprt" and 3 <= len(seen) < 15 and res.estimate.band == "green"
    with pytest.raises(ValueError, match="bad policy"):
        CatPolicy.from_dict({"rule": {"nam": "kl"}})
