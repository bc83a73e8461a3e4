"""The response matrix and the parameter table: construction, validation, round trips."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from engine.irt.parameters import ItemParameters
from engine.irt.responses import ResponseMatrix
from engine.irt.simulation import simulate_bank, simulate_responses

tables = arrays(
    np.float64, st.tuples(st.integers(1, 8), st.integers(1, 6)), elements=st.sampled_from([np.nan, 0.0, 1.0, 2.0])
)


@given(tables)
def test_dense_and_sparse_gather_and_scatter_match_naive_loops(table):
    students = [f"s{i}" for i in range(table.shape[0])]
    items = [f"i{j}" for j in range(table.shape[1])]
    dense = ResponseMatrix.from_table(table, students, items, sparse=False)
    sparse = ResponseMatrix.from_table(table, students, items, sparse=True)
    np.testing.assert_array_equal(dense.to_table(), sparse.to_table())
    np.testing.assert_array_equal(np.nan_to_num(dense.to_table(), nan=-7), np.nan_to_num(table, nan=-7))
    assert isinstance(sparse.design().indicator, sp.csr_array)
    rng = np.random.default_rng(0)
    kmax = int(dense.n_categories.max())
    values = rng.normal(size=(4, table.shape[1], kmax))
    weights = rng.random((table.shape[0], 4))
    naive_gather = np.zeros((table.shape[0], 4))
    naive_scatter = np.zeros((4, table.shape[1], kmax))
    for i in range(table.shape[0]):
        for j in range(table.shape[1]):
            if not np.isnan(table[i, j]):
                naive_gather[i] += values[:, j, int(table[i, j])]
                naive_scatter[:, j, int(table[i, j])] += weights[i]
    for r in (dense, sparse):
        np.testing.assert_allclose(r.gather(values), naive_gather, atol=1e-12)
        np.testing.assert_allclose(r.scatter(weights), naive_scatter, atol=1e-12)


def test_missing_is_never_wrong():
    r = ResponseMatrix.from_dense(np.array([[1, np.nan], [np.nan, 0]]))
    assert r.n_responses == 2 and not r.is_complete
    assert r.design().observed.sum() == 2


def test_bad_matrices_are_refused():
    with pytest.raises(ValueError, match="shape"):
        ResponseMatrix.from_dense(np.ones(3))
    with pytest.raises(ValueError, match="whole numbers"):
        ResponseMatrix.from_dense(np.array([[0.5, 1.0]]))
    with pytest.raises(ValueError, match="two responses"):
        ResponseMatrix.from_long([0, 0], [1, 1], [0, 1])
    with pytest.raises(ValueError, match="out of range"):
        ResponseMatrix.from_dense(np.array([[3, 1]]), n_categories=[2, 2])
    with pytest.raises(ValueError, match="unique"):
        ResponseMatrix.from_dense(np.ones((2, 2)), item_ids=["x", "x"])


@pytest.mark.parametrize("model,k", [("2pl", 2), ("3pl", 2), ("4pl", 2), ("grm", 4), ("gpcm", 3), ("rasch", 4)])
def test_engine_form_round_trips(model, k):
    table = simulate_bank(7, model, 3, n_categories=k)
    back = table.with_groups(table.groups)
    for name in ("a", "b", "c", "d", "thresholds"):
        np.testing.assert_allclose(getattr(back, name), getattr(table, name), atol=1e-12, equal_nan=True)


def test_parameter_validation():
    with pytest.raises(ValueError, match="slope a"):
        ItemParameters.from_arrays(["x"], "2pl", a=0.0, b=0.0)
    assert ItemParameters.from_arrays(["x"], "2pl", a=-0.4, b=0.0).a[0] == -0.4  # a miskeyed item
    with pytest.raises(ValueError, match="asymptotes"):
        ItemParameters.from_arrays(["x"], "3pl", a=1, b=0, c=0.6, d=0.5)
    with pytest.raises(ValueError, match="thresholds must increase"):
        ItemParameters.from_arrays(["x"], "grm", a=1, thresholds=[[0.5, -0.5]], n_categories=3)
    with pytest.raises(ValueError, match="dichotomous"):
        ItemParameters.from_arrays(["x"], "2pl", a=1, thresholds=[[0.5, 1.5]], n_categories=3)
    with pytest.raises(ValueError, match="unique"):
        ItemParameters.from_arrays(["x", "x"], "2pl", b=[0, 1])


def test_sparse_simulation_never_densifies():
    bank = simulate_bank(5000, "2pl", 1)
    data = simulate_responses(bank, np.zeros(2000), 2, items_per_student=30)
    assert data.dense is None and data.n_responses == 60000
    assert np.all(data.responses_per_student == 30)
    assert isinstance(data.design().indicator, sp.csr_array)


def test_simulation_is_seeded():
    a = simulate_responses(simulate_bank(10, "grm", 5), np.linspace(-2, 2, 50), 9)
    b = simulate_responses(simulate_bank(10, "grm", 5), np.linspace(-2, 2, 50), 9)
    np.testing.assert_array_equal(a.dense, b.dense)


def test_select_students_keeps_their_rows_in_order():
    table = np.array([[0, 1, np.nan], [1, np.nan, 2], [np.nan, 0, 1]])
    for sparse in (False, True):
        r = ResponseMatrix.from_table(table, ["a", "b", "c"], ["x", "y", "z"], sparse=sparse)
        sub = r.select_students([2, 0])
        assert list(sub.student_ids) == ["c", "a"]
        np.testing.assert_array_equal(np.nan_to_num(sub.to_table(), nan=-1), np.nan_to_num(table[[2, 0]], nan=-1))
        assert sub.is_sparse == sparse


@pytest.mark.parametrize("sparse", [False, True])
def test_a_range_of_students_is_the_same_as_selecting_them(sparse):
    data = simulate_responses(simulate_bank(6, "grm", 3), np.linspace(-2, 2, 40), 4, missing_rate=0.3)
    if sparse:
        data = ResponseMatrix.from_table(data.to_table(), data.student_ids, data.item_ids, sparse=True)
    part, chosen = data.student_range(9, 23), data.select_students(np.arange(9, 23))
    assert part.is_sparse == sparse
    for name in ("student_ids", "student", "item", "score"):
        np.testing.assert_array_equal(getattr(part, name), getattr(chosen, name))
    np.testing.assert_array_equal(part.to_table(), chosen.to_table())
