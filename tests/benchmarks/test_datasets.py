"""Smoke tests of the benchmark data generator and the plain-numpy EM baseline."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # benchmarks/ is a folder of the repository, not an installed package
    sys.path.insert(0, str(ROOT))

from benchmarks import datasets  # noqa: E402
from benchmarks.baseline_em import fit_2pl_em  # noqa: E402
from benchmarks.datasets import SCENARIOS, Scenario, generate, load  # noqa: E402

SMALL_DENSE = Scenario("t-dense", "test dense", 1_500, 12, seed=5, chunk=400)
SMALL_SPARSE = Scenario("t-sparse", "test sparse", 900, 150, n_answers=30, seed=6, chunk=256)
SMALL_POISSON = Scenario(
    "t-poisson", "test poisson", 700, 400, n_answers=25, poisson_answers=True, min_answers=5, seed=7, chunk=100
)


def _same(d1, d2) -> bool:
    return all(np.array_equal(getattr(d1, k), getattr(d2, k)) for k in ("student", "item", "score", "a", "b", "theta"))


@pytest.mark.parametrize("scenario", [SMALL_DENSE, SMALL_SPARSE, SMALL_POISSON], ids=lambda s: s.name)
def test_generator_is_deterministic_and_seed_dependent(scenario):
    assert _same(generate(scenario), generate(scenario))
    assert not _same(generate(scenario), generate(scenario, seed=scenario.seed + 1))


def test_dense_shape_and_true_parameter_ranges():
    d = generate(SMALL_DENSE)
    assert d.dense and d.n_responses == 1_500 * 12 and d.density == 1.0
    x = d.to_dense()
    assert x.shape == (1_500, 12) and set(np.unique(x)) <= {0, 1}
    assert np.all((d.a >= 0.5) & (d.a <= 2.5)) and d.b.shape == (12,) and d.theta.shape == (1_500,)
    # the scores follow the 2PL: observed proportion correct near its model expectation
    p = 1 / (1 + np.exp(-d.a * (d.theta[:, None] - d.b)))
    assert np.max(np.abs(x.mean(axis=0) - p.mean(axis=0))) < 0.05


def test_sparse_fixed_count_has_distinct_items_per_student():
    d = generate(SMALL_SPARSE)
    assert not d.dense
    counts = np.bincount(d.student, minlength=d.n_students)
    assert np.all(counts == 30)
    assert d.density == pytest.approx(30 / 150)
    # sorted by student then item, no repeated (student, item) pair
    key = d.student.astype(np.int64) * d.n_items + d.item
    assert np.all(np.diff(key) > 0)
    # missing at random: every item is used, roughly equally (expected 180 answers each)
    per_item = np.bincount(d.item, minlength=d.n_items)
    assert per_item.min() > 100 and per_item.max() < 270


def test_sparse_poisson_counts():
    d = generate(SMALL_POISSON)
    counts = np.bincount(d.student, minlength=d.n_students)
    assert counts.min() >= 5
    assert abs(counts.mean() - 25) < 1.0
    assert 20 < counts.var() < 31  # Poisson: variance equals the mean


def test_registered_scenarios_match_the_issue_table():
    shapes = {k: (s.n_students, s.n_items, s.n_answers) for k, s in SCENARIOS.items()}
    assert shapes == {
        "dense-5k": (5_000, 50, None),
        "dense-20k": (20_000, 200, None),
        "sparse-50k": (50_000, 1_000, 40),
        "sparse-11785x36259": (11_785, 36_259, 100),
    }


def test_cache_round_trip(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets, "data_dir", lambda: tmp_path)
    first = load(SMALL_SPARSE)
    assert len(list(tmp_path.glob("t-sparse-seed6-v*.npz"))) == 1
    assert _same(first, load(SMALL_SPARSE))
    assert _same(first, generate(SMALL_SPARSE))


def _rmse(x, y):
    return float(np.sqrt(np.mean((x - y) ** 2)))


def test_baseline_em_recovers_dense():
    d = generate(Scenario("t-rec", "recovery", 4_000, 15, seed=11))
    r = fit_2pl_em(d.to_dense())
    assert r["converged"]
    # sampling error at N = 4000 is about 0.04 for a and b; a wrong gradient or
    # a 1.702 scale slip would be far off
    assert _rmse(r["a"], d.a) < 0.08
    assert _rmse(r["b"], d.b) < 0.08


def test_baseline_em_recovers_sparse_and_ignores_missing():
    d = generate(Scenario("t-rec-s", "recovery sparse", 8_000, 20, n_answers=10, seed=12))
    shape = (d.n_students, d.n_items)
    right = d.score > 0
    x = sp.csr_array((np.ones(int(right.sum())), (d.student[right], d.item[right])), shape=shape)
    o = sp.csr_array((np.ones(d.n_responses), (d.student, d.item)), shape=shape)
    r = fit_2pl_em(x, o)
    assert r["converged"]
    assert _rmse(r["a"], d.a) < 0.1
    assert _rmse(r["b"], d.b) < 0.1
    # treating missing as wrong (no observed mask) biases the difficulties upwards
    wrong = fit_2pl_em(x.toarray())
    assert np.mean(wrong["b"] - d.b) > 0.5


def test_baseline_em_loglik_matches_direct_quadrature():
    d = generate(Scenario("t-ll", "loglik", 300, 6, seed=13))
    x = d.to_dense().astype(float)
    r = fit_2pl_em(x, max_iter=1)  # loglik at the start values a = 1, d = logit(p)
    p = np.clip(x.mean(axis=0), 0.01, 0.99)
    a, c = np.ones(6), np.log(p / (1 - p))
    nodes = np.linspace(-5, 5, 41)
    w = np.exp(-0.5 * nodes**2)
    w /= w.sum()
    prob = 1 / (1 + np.exp(-(a[None, :] * nodes[:, None] + c)))  # (Q, J)
    lik = np.prod(np.where(x[:, None, :] == 1, prob[None], 1 - prob[None]), axis=2)  # (N, Q)
    assert r["loglik"] == pytest.approx(np.sum(np.log(lik @ w)), rel=1e-10)


def test_drop_constant_items_renumbers_and_keeps_truth_aligned():
    d = generate(Scenario("t-const", "constant", 40, 300, n_answers=3, seed=14))
    constant = d.constant_items()
    assert constant.size > 0  # 0.4 answers per item on average: many items are constant
    kept = d.drop_items(constant)
    assert kept.n_items == d.n_items - constant.size
    assert kept.constant_items().size == 0
    keep = np.setdiff1d(np.arange(d.n_items), constant)
    np.testing.assert_array_equal(kept.a, d.a[keep])
    rows = np.isin(d.item, keep)
    np.testing.assert_array_equal(keep[kept.item], d.item[rows])
    np.testing.assert_array_equal(kept.score, d.score[rows])
