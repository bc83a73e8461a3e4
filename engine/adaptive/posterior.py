"""EAP posteriors on the bank's theta grid, updated one answer at a time.

A posterior is an ``(N, Q)`` array of weights on the grid of an
:class:`~engine.adaptive.bank.AdaptiveBank`, normalized to sum 1 per row.
Recording an answer is one multiply by a precomputed likelihood row and a
renormalization (so no product of many probabilities is ever formed: the
running posterior is always a proper distribution, the numerically safe
equivalent of adding log-likelihoods).  The same code runs for one student and
for ten thousand.
"""

from __future__ import annotations

import numpy as np

from engine.adaptive.bank import AdaptiveBank
from engine.irt.quadrature import log_normalizer, normal_log_weights

__all__ = [
    "normal_prior",
    "update",
    "from_responses",
    "moments",
    "prob_above",
    "log_likelihood",
]


def normal_prior(bank: AdaptiveBank, mean: float | np.ndarray, sd: float | np.ndarray) -> np.ndarray:
    """Normal prior weights on the grid.

    Parameters
    ----------
    bank : AdaptiveBank
    mean, sd : float or ndarray, shape (N,)

    Returns
    -------
    ndarray, shape (N, Q)
        Normalized prior weights (N = 1 for scalar input).
    """
    mean = np.atleast_1d(np.asarray(mean, dtype=float))
    sd = np.broadcast_to(np.atleast_1d(np.asarray(sd, dtype=float)), mean.shape)
    if np.any(~np.isfinite(mean)):
        raise ValueError("prior mean should be finite")
    if np.any(~np.isfinite(sd) | (sd <= 0)):
        raise ValueError("prior sd should be a positive number")
    return np.exp(normal_log_weights(bank.nodes, mean, sd))


def update(bank: AdaptiveBank, posterior: np.ndarray, items: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Posterior after one more answer per row.

    Parameters
    ----------
    posterior : ndarray, shape (N, Q)
    items : ndarray of int, shape (N,)
        Item positions; ``-1`` leaves the row unchanged (sentinel item).
    scores : ndarray of int, shape (N,)
        Category scores 0..K-1 (ignored where ``items == -1``).

    Returns
    -------
    ndarray, shape (N, Q)
        New normalized posterior (a new array).
    """
    post = posterior * bank.prob[items, scores]
    post /= post.sum(axis=1, keepdims=True)
    return post


def from_responses(bank: AdaptiveBank, prior: np.ndarray, items: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Posterior after all answers at once (padded form).

    Parameters
    ----------
    prior : ndarray, shape (N, Q)
    items, scores : ndarray of int, shape (N, L)
        Answered item positions and scores; ``-1`` pads unused slots.

    Returns
    -------
    ndarray, shape (N, Q)
    """
    items = np.asarray(items, dtype=np.intp)
    scores = np.where(items < 0, 0, np.asarray(scores, dtype=np.intp))
    loglik = np.log(bank.prob[items, scores]).sum(axis=1)  # (N, Q)
    logpost = np.log(np.maximum(prior, 1e-300)) + loglik
    return np.exp(logpost - log_normalizer(logpost))


def log_likelihood(bank: AdaptiveBank, items: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Log-likelihood on the grid of padded answers.

    Parameters
    ----------
    bank : AdaptiveBank
    items, scores : ndarray of int, shape (N, L)
        Answered item positions and scores; ``-1`` pads unused slots.

    Returns
    -------
    ndarray, shape (N, Q)
    """
    items = np.asarray(items, dtype=np.intp)
    scores = np.where(items < 0, 0, np.asarray(scores, dtype=np.intp))
    return np.log(bank.prob[items, scores]).sum(axis=1)


def moments(bank: AdaptiveBank, posterior: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """EAP estimate and posterior SD of each row.

    Returns
    -------
    theta, se : ndarray, shape (N,)
    """
    m = posterior @ bank._powers  # (N, 2): E[theta], E[theta^2]
    mean = m[:, 0]
    return mean, np.sqrt(np.maximum(m[:, 1] - mean * mean, 0.0))


def prob_above(bank: AdaptiveBank, posterior: np.ndarray, cut: float | np.ndarray) -> np.ndarray:
    """Posterior probability that theta is at or above ``cut``.

    The grid cell containing the cut is split linearly, so the result moves
    smoothly with the cut.

    Parameters
    ----------
    posterior : ndarray, shape (N, Q)
    cut : float or ndarray, shape (N,)

    Returns
    -------
    ndarray, shape (N,)
    """
    nodes = bank.nodes
    h = bank.step
    cut = np.broadcast_to(np.asarray(cut, dtype=float), posterior.shape[:1])
    # each node stands for the cell [node - h/2, node + h/2]
    frac = np.clip((nodes[None, :] + 0.5 * h - cut[:, None]) / h, 0.0, 1.0)
    return np.einsum("nq,nq->n", posterior, frac)
