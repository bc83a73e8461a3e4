"""Grid posteriors: incremental updates, EAP against quadrature, P(above cut)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate
from scipy.stats import norm

from engine.adaptive import posterior as post_ops


def test_incremental_update_equals_batch(mixed_bank):
    items = np.array([[3, 0, 4, 1, 5, 2]])
    scores = np.array([[2, 1, 0, 0, 3, 1]])
    prior = post_ops.normal_prior(mixed_bank, 0.3, 0.9)
    post = prior
    for k in range(items.shape[1]):
        post = post_ops.update(mixed_bank, post, items[:, k], scores[:, k])
    batch = post_ops.from_responses(mixed_bank, prior, items, scores)
    np.testing.assert_allclose(post, batch, rtol=1e-10, atol=1e-14)


def test_eap_matches_adaptive_quadrature(mixed_bank):
    """EAP and SD on the 121-node grid equal scipy quad with exact probabilities."""
    items, scores = np.array([3, 0, 4, 1]), np.array([1, 1, 2, 0])
    params = mixed_bank.params

    def like(t):
        p = params.category_probabilities(np.array([t]))[0]
        return np.prod(p[items, scores]) * norm.pdf(t)

    z = integrate.quad(like, -8, 8, points=[0])[0]
    mean = integrate.quad(lambda t: t * like(t), -8, 8, points=[0])[0] / z
    var = integrate.quad(lambda t: (t - mean) ** 2 * like(t), -8, 8, points=[0])[0] / z
    post = post_ops.from_responses(mixed_bank, post_ops.normal_prior(mixed_bank, 0, 1), items[None], scores[None])
    theta, se = post_ops.moments(mixed_bank, post)
    assert theta[0] == pytest.approx(mean, abs=1e-4)
    assert se[0] == pytest.approx(np.sqrt(var), abs=1e-4)


@pytest.mark.parametrize("cut", [-1.3, 0.0, 0.77, 2.05])
def test_prob_above_normal_closed_form(bank2pl, cut):
    post = post_ops.normal_prior(bank2pl, np.array([0.4, -0.2]), np.array([0.5, 1.0]))
    got = post_ops.prob_above(bank2pl, post, cut)
    want = norm.sf(cut, loc=[0.4, -0.2], scale=[0.5, 1.0])
    np.testing.assert_allclose(got, want, atol=2e-3)


def test_prior_validation(bank2pl):
    with pytest.raises(ValueError, match="sd"):
        post_ops.normal_prior(bank2pl, 0.0, 0.0)
    with pytest.raises(ValueError, match="mean"):
        post_ops.normal_prior(bank2pl, np.nan, 1.0)
