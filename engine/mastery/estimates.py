"""Mastery per student and standard, borrowing strength from the other standards.

Ability is estimated per standard from that standard's items only, as an EAP
on the bank's grid.  With two answers a standard-alone estimate under an
N(0, 1) prior swings from red to green on one item; instead the prior of a
standard comes from the student's *other* evidence (empirical Bayes).

Model: a general ability ``g ~ N(0, 1)`` and, per standard,
``theta_s | g ~ N(rho g, 1 - rho^2)`` (so ``theta_s ~ N(0, 1)`` and
``corr(theta_s, g) = rho``).  The evidence on ``g`` is the student's answers on
all *other* standards, scored as one unidimensional test
(leave-one-standard-out, so no answer is counted twice).  Then

    prior_s(theta) = sum_g  p(g | other answers) N(theta; rho g, 1 - rho^2)

(the exact mixture on the grid: a matrix product with the Gaussian transition
``T_rho``), and the standard's posterior is ``prior_s x L_s``.  With few
answers on ``s`` the estimate leans on the student's other work; as answers
accumulate ``L_s`` dominates and the estimate converges to the standard's own
evidence.  ``rho`` is estimated by marginal maximum likelihood over all
students and standards (:func:`estimate_rho`):
``sum_{n,s} log sum_q prior_s(theta_q) L_s(theta_q)``.

``rho = 0`` gives the standard-alone estimate (prior N(0, 1)).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import sparse
from scipy.optimize import minimize_scalar

from engine.adaptive.bank import AdaptiveBank
from engine.irt.quadrature import log_normalizer, normal_log_weights
from engine.mastery.growth import drift_filter, estimate_drift

__all__ = [
    "StandardEstimates",
    "standard_log_likelihood",
    "transition",
    "estimate_rho",
    "standard_estimates",
    "MasteryReport",
    "mastery_report",
]


def _check_long(
    bank: AdaptiveBank, student: ArrayLike, item: ArrayLike, score: ArrayLike, n_students: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Long-format answers as int64 arrays (R,), checked against the bank and the number of students."""
    s = np.asarray(student, dtype=np.int64)
    i = np.asarray(item, dtype=np.int64)
    x = np.asarray(score, dtype=np.int64)
    if not (s.shape == i.shape == x.shape) or s.ndim != 1:
        raise ValueError(
            f"student, item and score should be 1-d arrays of one length, got {s.shape}, {i.shape}, {x.shape}"
        )
    if s.size and (s.min() < 0 or s.max() >= n_students):
        raise ValueError(f"student indices should lie in 0..{n_students - 1}")
    if i.size and (i.min() < 0 or i.max() >= bank.n_items):
        raise ValueError(f"item positions should lie in 0..{bank.n_items - 1}")
    if np.any((x < 0) | (x >= bank.n_categories[i])):
        bad = np.flatnonzero((x < 0) | (x >= bank.n_categories[i]))[0]
        raise ValueError(f"score {x[bad]} out of range for item {bank.item_ids[i[bad]]}")
    return s, i, x


def _log_table(bank: AdaptiveBank) -> np.ndarray:
    hit = bank._cache.get("log-table")
    if hit is None:
        p = bank.prob
        hit = np.log(np.maximum(p, 1e-300)).reshape(-1, p.shape[2])  # ((J+1) K, Q)
        bank._cache["log-table"] = hit
    return hit


def standard_log_likelihood(
    bank: AdaptiveBank,
    student: np.ndarray,
    item: np.ndarray,
    score: np.ndarray,
    n_students: int,
    standard: np.ndarray | None = None,
    n_standards: int | None = None,
) -> np.ndarray:
    """Log-likelihood on the grid of each student's answers on each standard.

    Parameters
    ----------
    bank : AdaptiveBank
    student, item, score : ndarray of int, shape (R,)
        Long-form answers: student index, item position in the bank, score.
    n_students : int
    standard : ndarray of int, shape (J,), optional
        Standard of each item (default: its objective).
    n_standards : int, optional

    Returns
    -------
    ndarray, shape (N, S, Q)
        Zero where a student has no answer on a standard.
    """
    student, item, score = _check_long(bank, student, item, score, n_students)
    standard = bank.objective if standard is None else np.asarray(standard, dtype=np.int64)
    s = int(standard.max(initial=0)) + 1 if n_standards is None else int(n_standards)
    k = bank.prob.shape[1]
    rows = student * s + standard[item]
    cols = item * k + score
    design = sparse.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(n_students * s, (bank.n_items + 1) * k))
    return np.asarray(design @ _log_table(bank)).reshape(n_students, s, bank.n_nodes)


def transition(bank: AdaptiveBank, rho: float) -> np.ndarray:
    """Gaussian transition on the grid: ``T[g, q] ∝ N(theta_q; rho theta_g, 1 - rho^2)``.

    Parameters
    ----------
    bank : AdaptiveBank
    rho : float
        Correlation of a standard's ability with the general ability, in [0, 1).

    Returns
    -------
    ndarray, shape (Q, Q)
        Rows sum to 1.
    """
    rho = float(rho)
    if not 0.0 <= rho < 1.0:
        raise ValueError(f"rho should lie in [0, 1), got {rho}")
    nodes = bank.nodes
    var = max(1.0 - rho * rho, (0.5 * bank.step) ** 2)
    z = nodes[None, :] - rho * nodes[:, None]
    t = np.exp(-0.5 * z * z / var)
    return t / t.sum(axis=1, keepdims=True)


def _normalize_exp(logw: np.ndarray) -> np.ndarray:
    """exp(logw) normalized on the last axis (the grid)."""
    return np.exp(logw - log_normalizer(logw))


def _leave_one_out(bank: AdaptiveBank, loglik: np.ndarray) -> np.ndarray:
    """p(g | answers on the other standards), shape (N, S, Q)."""
    rest = loglik.sum(axis=1, keepdims=True) - loglik + normal_log_weights(bank.nodes)
    return _normalize_exp(rest)


def _marginal(bank: AdaptiveBank, loglik: np.ndarray, other: np.ndarray, rho: float) -> float:
    prior = other @ transition(bank, rho)
    m = loglik.max(axis=-1, keepdims=True)
    like = np.exp(loglik - m)
    return float(np.sum(np.log(np.maximum(np.einsum("nsq,nsq->ns", prior, like), 1e-300))))


def estimate_rho(bank: AdaptiveBank, loglik: np.ndarray, bounds: tuple[float, float] = (0.0, 0.98)) -> float:
    """Marginal maximum-likelihood ``rho`` from all students and standards.

    Parameters
    ----------
    loglik : ndarray, shape (N, S, Q)
        From :func:`standard_log_likelihood`.

    Returns
    -------
    float
    """
    other = _leave_one_out(bank, loglik)
    res = minimize_scalar(
        lambda r: -_marginal(bank, loglik, other, r), bounds=bounds, method="bounded", options={"xatol": 1e-3}
    )
    return float(res.x)


@dataclass(frozen=True)
class StandardEstimates:
    """Per student and standard estimates (N students, S standards).

    Attributes
    ----------
    theta, se : ndarray, shape (N, S)
        EAP and posterior SD.
    posterior : ndarray, shape (N, S, Q)
    n_answers : ndarray of int, shape (N, S)
    rho : float
        The correlation used for the prior (0 = standard-alone).
    prior_mean, prior_sd : ndarray, shape (N, S)
        Moments of each standard's prior (the other standards' evidence):
        the prior to start an adaptive check on that standard with
        (:func:`engine.adaptive.check.start`), so no answer is counted twice.
    """

    theta: np.ndarray
    se: np.ndarray
    posterior: np.ndarray
    n_answers: np.ndarray
    rho: float
    prior_mean: np.ndarray
    prior_sd: np.ndarray

    def bands(self, bank: AdaptiveBank, cuts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Band codes and P(theta >= mastery cut) per student and standard.

        Parameters
        ----------
        bank : AdaptiveBank
            The bank the estimates were computed on.
        cuts : ndarray, shape (S, C)
            Ascending theta cuts of each standard (C = 2 for three tiers, 3
            for four; the mastery cut is ``cuts[:, 1]``), e.g. from
            :func:`engine.mastery.bands.cuts_from_percent` per standard.

        Returns
        -------
        codes : ndarray of int, shape (N, S)
            0 = red, 1 = yellow, 2 = green (3 = blue).
        p_mastery : ndarray, shape (N, S)
        """
        cuts = np.asarray(cuts, dtype=float)
        s = self.theta.shape[1]
        if cuts.ndim != 2 or cuts.shape[0] != s or cuts.shape[1] not in (2, 3):
            raise ValueError(f"cuts should have shape ({s}, 2) or ({s}, 3), got {cuts.shape}")
        if np.any(np.diff(cuts, axis=1) <= 0):
            raise ValueError("each standard's cuts should increase")
        codes = (self.theta[:, :, None] >= cuts[None, :, :]).sum(axis=2)
        h = bank.step
        frac = np.clip((bank.nodes[None, :] + 0.5 * h - cuts[:, 1:2]) / h, 0.0, 1.0)  # (S, Q)
        p = np.einsum("nsq,sq->ns", self.posterior, frac)
        return codes, np.clip(p, 0.0, 1.0)


def standard_estimates(
    bank: AdaptiveBank,
    student: np.ndarray,
    item: np.ndarray,
    score: np.ndarray,
    n_students: int,
    *,
    standard: np.ndarray | None = None,
    n_standards: int | None = None,
    rho: float | str = "estimate",
) -> StandardEstimates:
    """EAP per student and standard with the empirical-Bayes prior.

    Parameters
    ----------
    bank, student, item, score, n_students, standard, n_standards
        As :func:`standard_log_likelihood`.
    rho : float or "estimate"
        Correlation of standard and general ability; ``"estimate"`` fits it
        (:func:`estimate_rho`); 0 gives standard-alone estimates.

    Returns
    -------
    StandardEstimates
    """
    loglik = standard_log_likelihood(bank, student, item, score, n_students, standard, n_standards)
    if isinstance(rho, str):
        if rho != "estimate":
            raise ValueError(f"rho should be a number in [0, 1) or 'estimate', got {rho!r}")
        rho = estimate_rho(bank, loglik)
    rho = float(rho)
    if rho == 0.0:
        prior = np.broadcast_to(np.exp(normal_log_weights(bank.nodes)), loglik.shape)
    else:
        prior = _leave_one_out(bank, loglik) @ transition(bank, rho)
    post = _normalize_exp(np.log(np.maximum(prior, 1e-300)) + loglik)
    nodes = bank.nodes
    theta = post @ nodes
    se = np.sqrt(np.maximum(post @ (nodes * nodes) - theta * theta, 0.0))
    prior = prior / prior.sum(axis=-1, keepdims=True)
    prior_mean = prior @ nodes
    prior_sd = np.sqrt(np.maximum(prior @ (nodes * nodes) - prior_mean**2, 0.0))
    std = bank.objective if standard is None else np.asarray(standard, dtype=np.int64)
    s = loglik.shape[1]
    stu = np.asarray(student, dtype=np.int64)
    counts = np.bincount(stu * s + std[np.asarray(item, dtype=np.int64)], minlength=n_students * s)
    return StandardEstimates(
        theta=theta,
        se=se,
        posterior=post,
        n_answers=counts.reshape(n_students, s),
        rho=rho,
        prior_mean=np.asarray(prior_mean),
        prior_sd=np.asarray(prior_sd),
    )


@dataclass(frozen=True)
class MasteryReport:
    """Current mastery per student and standard (N students, S standards).

    Attributes
    ----------
    theta, se : ndarray, shape (N, S)
    band : ndarray of int, shape (N, S)
        Band codes (0 = red, 1 = yellow, 2 = green, 3 = blue); ``-1`` for a
        standard without answers.
    p_mastery : ndarray, shape (N, S)
        P(theta >= the standard's mastery cut); NaN without answers.
    n_answers : ndarray of int, shape (N, S)
    rho, sigma : float
        Correlation used for the empirical-Bayes prior and drift SD per sqrt(day).
    """

    theta: np.ndarray
    se: np.ndarray
    band: np.ndarray
    p_mastery: np.ndarray
    n_answers: np.ndarray
    rho: float
    sigma: float


def mastery_report(
    bank: AdaptiveBank,
    student: np.ndarray,
    item: np.ndarray,
    score: np.ndarray,
    time: np.ndarray,
    n_students: int,
    cuts: np.ndarray,
    *,
    standard: np.ndarray | None = None,
    n_standards: int | None = None,
    rho: float | str = "estimate",
    sigma: float | str = 0.0,
    now: float | np.ndarray | None = None,
) -> MasteryReport:
    """Bands now, borrowing strength across standards and letting old answers decay.

    Each (student, standard) starts from the empirical-Bayes prior of
    :func:`standard_estimates` (its moments: the other standards' evidence)
    and is then filtered through its own time-stamped answers with the
    random-walk drift of :func:`engine.mastery.growth.drift_filter`.

    Parameters
    ----------
    bank, student, item, score, n_students, standard, n_standards
        As :func:`standard_log_likelihood` (long-form answers).
    time : ndarray, shape (R,)
        Day of each answer.
    cuts : ndarray, shape (S, C)
        Ascending theta cuts per standard (C = 2 or 3).
    rho : float or "estimate"
    sigma : float or "estimate"
        Drift SD per sqrt(day); 0 = every answer counts the same forever.
    now : float or ndarray, shape (N,), optional
        When the report is for (default: each row's last sitting).

    Returns
    -------
    MasteryReport
    """
    eb = standard_estimates(bank, student, item, score, n_students, standard=standard, n_standards=n_standards, rho=rho)
    n, s = eb.theta.shape
    cuts = np.asarray(cuts, dtype=float)
    if cuts.ndim != 2 or cuts.shape[0] != s or cuts.shape[1] not in (2, 3):
        raise ValueError(f"cuts should have shape ({s}, 2) or ({s}, 3), got {cuts.shape}")
    std = bank.objective if standard is None else np.asarray(standard, dtype=np.int64)
    student = np.asarray(student, dtype=np.int64)
    item = np.asarray(item, dtype=np.int64)
    row = student * s + std[item]
    if isinstance(sigma, str):
        if sigma != "estimate":
            raise ValueError(f"sigma should be a number >= 0 or 'estimate', got {sigma!r}")
        sigma = estimate_drift(bank, row, item, score, time, n * s)
    sigma = float(sigma)
    when = None if now is None else np.repeat(np.broadcast_to(np.asarray(now, dtype=float), (n,)), s)
    filt = drift_filter(
        bank,
        row,
        item,
        score,
        time,
        n * s,
        sigma=sigma,
        now=when,
        prior_mean=eb.prior_mean.reshape(-1),
        prior_sd=np.maximum(eb.prior_sd.reshape(-1), 1e-3),
    )
    theta = filt.theta.reshape(n, s)
    se = filt.se.reshape(n, s)
    has = eb.n_answers > 0
    band = np.where(has, (theta[:, :, None] >= cuts[None, :, :]).sum(axis=2), -1)
    h = bank.step
    frac = np.clip((bank.nodes[None, :] + 0.5 * h - cuts[:, 1:2]) / h, 0.0, 1.0)  # (S, Q)
    p = np.einsum("nsq,sq->ns", filt.posterior.reshape(n, s, -1), frac)
    return MasteryReport(
        theta=theta,
        se=se,
        band=band,
        p_mastery=np.where(has, np.clip(p, 0.0, 1.0), np.nan),
        n_answers=eb.n_answers,
        rho=eb.rho,
        sigma=sigma,
    )
