"""Property tests: relations that must hold for any input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from engine.analysis.dif import mantel_haenszel
from engine.analysis.fit import _collapse_cells
from engine.analysis.linking import transform_parameters
from engine.irt.parameters import ItemParameters


@given(
    st.floats(0.3, 3.0),
    st.floats(-2.0, 2.0),
    arrays(np.float64, 3, elements=st.floats(0.3, 2.5)),
    arrays(np.float64, 3, elements=st.floats(-2.0, 2.0)),
)
def test_linking_transform_round_trips(A, B, a, b):
    params = ItemParameters.from_arrays(["x", "y", "z"], "2pl", a=a, b=b)
    back = transform_parameters(transform_parameters(params, A, B), 1 / A, -B / A)
    np.testing.assert_allclose(back.a, params.a, rtol=1e-10)
    np.testing.assert_allclose(back.b, params.b, atol=1e-10)


@given(
    arrays(np.float64, (6, 2), elements=st.floats(0.0, 40.0)),
    arrays(np.float64, (6, 2), elements=st.floats(0.05, 30.0)),
    st.floats(0.5, 5.0),
)
def test_collapsing_keeps_every_count(o, e, mincell):
    o = np.round(o)
    oc, ec = _collapse_cells(o, e, mincell)
    empty = o.sum(axis=1) == 0  # empty rows leave with their expected counts
    assert oc.sum() == pytest.approx(o.sum())
    assert np.nansum(ec) == pytest.approx(e.sum() - e[empty].sum(), rel=1e-9, abs=1e-9)
    assert np.all(oc.sum(axis=1) > 0)
    if oc.shape[0] > 1:  # merging stops only when no row has a small non-zero cell
        assert not np.any((np.nan_to_num(ec) < mincell) & (np.nan_to_num(ec) != 0))


@given(st.integers(0, 10_000))
def test_mh_swapping_groups_inverts_the_odds_ratio(seed):
    rng = np.random.default_rng(seed)
    x = (rng.random((120, 5)) < rng.uniform(0.2, 0.8, 5)).astype(float)
    groups = np.where(rng.random(120) < 0.5, "R", "F")
    if len(set(groups)) < 2:
        return
    a = mantel_haenszel(x, groups, "R", "F")
    b = mantel_haenszel(x, groups, "F", "R")
    np.testing.assert_allclose(a.odds_ratio * b.odds_ratio, 1.0, rtol=1e-10)
    np.testing.assert_allclose(a.delta, -b.delta, atol=1e-10)
    np.testing.assert_allclose(a.chi2, b.chi2, rtol=1e-10)
    np.testing.assert_allclose(a.se_delta, b.se_delta, rtol=1e-10)
