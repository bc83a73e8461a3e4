"""Stopping rules of an adaptive check, vectorized over students.

A check stops (:func:`evaluate`), in this order of precedence, when

1. no eligible item is left (``exhausted``) or ``max_items`` were given
   (``max_items``);
2. at least ``min_items`` were given and

   * ``classify="ci"``: the ``confidence`` interval ``theta_hat +- z se``
     excludes the mastery cut (``ci``), or
   * ``classify="sprt"``: Wald's sequential probability ratio test of
     ``theta = cut + delta`` against ``theta = cut - delta`` (``delta`` the
     half-width of the indifference region) crosses a bound, with error
     rates ``alpha``, ``beta`` (``sprt``), or
   * the posterior SD is at or below ``se_target`` (``se``; ``None`` turns
     this off).

The SPRT log-likelihood ratio is the sum over answers of
``log P_j(x | cut + delta) - log P_j(x | cut - delta)``, with exact item
probabilities (:func:`sprt_table`); the bounds are ``log((1 - beta) / alpha)``
and ``log(beta / (1 - alpha))``.  The decision at a stop is
:func:`classify`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from engine.adaptive.bank import AdaptiveBank

__all__ = [
    "StoppingRule",
    "REASONS",
    "CLASSIFY_METHODS",
    "evaluate",
    "progress",
    "classify",
    "sprt_table",
    "sprt_llr",
    "sprt_bounds",
]

#: Reason codes of :func:`evaluate` (index = code).
REASONS = ("continue", "exhausted", "max_items", "ci", "sprt", "se")
CLASSIFY_METHODS = ("none", "ci", "sprt")


@dataclass(frozen=True)
class StoppingRule:
    """When an adaptive check ends (see the module docstring).

    Attributes
    ----------
    min_items, max_items : int
    se_target : float or None
        Stop once the posterior SD is at or below it (default 0.3).
    classify : {"none", "ci", "sprt"}
        Classification stopping against ``cut``.
    cut : float
        Mastery cut on the theta scale.
    confidence : float
        Two-sided confidence of the ``ci`` rule (0.95: 1.96 SE).
    alpha, beta : float
        SPRT error rates.
    indifference : float
        SPRT half-width delta of the indifference region around the cut.
    """

    min_items: int = 1
    max_items: int = 20
    se_target: float | None = 0.3
    classify: str = "none"
    cut: float = 0.0
    confidence: float = 0.95
    alpha: float = 0.05
    beta: float = 0.05
    indifference: float = 0.3

    def __post_init__(self) -> None:
        if int(self.min_items) < 0:
            raise ValueError(f"min_items should be >= 0, got {self.min_items}")
        if int(self.max_items) < max(1, int(self.min_items)):
            raise ValueError(f"max_items should be >= max(1, min_items), got {self.max_items}")
        if self.se_target is not None and not (np.isfinite(self.se_target) and self.se_target > 0):
            raise ValueError(f"se_target should be a positive number or None, got {self.se_target}")
        if self.classify not in CLASSIFY_METHODS:
            raise ValueError(f"classify should be one of {', '.join(CLASSIFY_METHODS)}, got {self.classify!r}")
        if not np.isfinite(self.cut):
            raise ValueError(f"cut should be finite, got {self.cut}")
        if not 0.5 < self.confidence < 1:
            raise ValueError(f"confidence should lie in (0.5, 1), got {self.confidence}")
        for name in ("alpha", "beta"):
            v = getattr(self, name)
            if not 0 < v < 0.5:
                raise ValueError(f"{name} should lie in (0, 0.5), got {v}")
        if not self.indifference > 0:
            raise ValueError(f"indifference should be positive, got {self.indifference}")

    @property
    def z(self) -> float:
        return float(norm.ppf(0.5 + self.confidence / 2))

    def to_dict(self) -> dict:
        return dict(vars(self))

    @classmethod
    def from_dict(cls, data: dict) -> StoppingRule:
        return cls(**data)


def sprt_bounds(alpha: float, beta: float) -> tuple[float, float]:
    """Wald's (lower, upper) bounds on the log-likelihood ratio.

    Parameters
    ----------
    alpha, beta : float
        SPRT error rates (alpha: a non-master classified as master; beta:
        the reverse).

    Returns
    -------
    (float, float)
        ``log(beta / (1 - alpha))`` and ``log((1 - beta) / alpha)``.
    """
    return float(np.log(beta / (1 - alpha))), float(np.log((1 - beta) / alpha))


def sprt_table(bank: AdaptiveBank, cut: float, delta: float) -> np.ndarray:
    """Per-answer log-likelihood ratios.

    ``table[j, k] = log P_j(k | cut + delta) - log P_j(k | cut - delta)``;
    the sentinel row ``J`` is zero.  Cached on the bank.

    Parameters
    ----------
    bank : AdaptiveBank
    cut : float
        The mastery cut on theta.
    delta : float
        Half-width of the indifference region around ``cut``.

    Returns
    -------
    ndarray, shape (J + 1, Kmax)
    """
    key = ("sprt", float(cut), float(delta))
    hit = bank._cache.get(key)
    if hit is None:
        p = bank.params.category_probabilities(np.array([cut - delta, cut + delta]))  # (2, J, K)
        p = np.maximum(p, 1e-300)
        hit = np.zeros((bank.n_items + 1, p.shape[2]))
        hit[:-1] = np.log(p[1]) - np.log(p[0])
        bank._cache[key] = hit
    return hit


def sprt_llr(bank: AdaptiveBank, rule: StoppingRule, items: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """SPRT log-likelihood ratio of padded answers.

    Parameters
    ----------
    bank : AdaptiveBank
    rule : StoppingRule
        Its ``cut`` and ``indifference`` define the two hypotheses.
    items, scores : ndarray of int, shape (N, L)
        Answered item positions and scores; ``-1`` pads unused slots.

    Returns
    -------
    ndarray, shape (N,)
    """
    items = np.asarray(items, dtype=np.intp)
    scores = np.where(items < 0, 0, np.asarray(scores, dtype=np.intp))
    return sprt_table(bank, rule.cut, rule.indifference)[items, scores].sum(axis=1)


def evaluate(
    rule: StoppingRule,
    n_given: np.ndarray,
    theta: np.ndarray,
    se: np.ndarray,
    llr: np.ndarray | None = None,
    exhausted: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Whether each check stops now, and why.

    Parameters
    ----------
    rule : StoppingRule
    n_given : ndarray of int, shape (N,)
        Items answered so far.
    theta, se : ndarray, shape (N,)
        Current EAP estimate and posterior SD.
    llr : ndarray, shape (N,), optional
        SPRT log-likelihood ratio (needed when ``rule.classify == "sprt"``).
    exhausted : ndarray of bool, shape (N,), optional
        No eligible item is left.

    Returns
    -------
    done : ndarray of bool, shape (N,)
    reason : ndarray of int, shape (N,)
        Index into :data:`REASONS` (0 = continue).
    """
    n_given = np.asarray(n_given)
    reason = np.zeros(n_given.shape, dtype=np.int64)
    ok = n_given >= rule.min_items
    if rule.se_target is not None:
        reason = np.where(ok & (se <= rule.se_target), 5, reason)
    if rule.classify == "ci":
        reason = np.where(ok & (np.abs(theta - rule.cut) >= rule.z * se), 3, reason)
    elif rule.classify == "sprt":
        if llr is None:
            raise ValueError("the sprt rule needs the log-likelihood ratio")
        lo, hi = sprt_bounds(rule.alpha, rule.beta)
        reason = np.where(ok & ((llr <= lo) | (llr >= hi)), 4, reason)
    reason = np.where(n_given >= rule.max_items, 2, reason)
    if exhausted is not None:
        reason = np.where(exhausted & (n_given < rule.max_items), 1, reason)
    return reason > 0, reason


def progress(
    rule: StoppingRule,
    n_given: np.ndarray,
    theta: np.ndarray,
    se: np.ndarray,
    llr: np.ndarray | None = None,
) -> np.ndarray:
    """How far along each check is towards its stop, in [0, 1]: 1 exactly when a rule of :func:`evaluate` stops it.

    The evidence's share is the largest of its rules' (``se_target / se``; the
    ``ci`` rule's ``|theta - cut| / (z se)``; the SPRT's log-likelihood ratio over
    the bound on its side), held below ``n_given / min_items`` until ``min_items``
    were given; the share of ``max_items`` given is a floor.

    Parameters
    ----------
    rule : StoppingRule
    n_given : ndarray of int, shape (N,)
        Items answered so far.
    theta, se : ndarray, shape (N,)
        Current estimate and posterior SD.
    llr : ndarray, shape (N,), optional
        SPRT log-likelihood ratio (used when ``rule.classify == "sprt"``).

    Returns
    -------
    ndarray, shape (N,)
    """
    n_given = np.asarray(n_given, dtype=float)
    theta = np.asarray(theta, dtype=float)
    se = np.maximum(np.asarray(se, dtype=float), 1e-12)
    evidence = np.zeros(n_given.shape)
    if rule.se_target is not None:
        evidence = np.maximum(evidence, rule.se_target / se)
    if rule.classify == "ci":
        evidence = np.maximum(evidence, np.abs(theta - rule.cut) / (rule.z * se))
    elif rule.classify == "sprt" and llr is not None:
        lo, hi = sprt_bounds(rule.alpha, rule.beta)
        llr = np.asarray(llr, dtype=float)
        evidence = np.maximum(evidence, np.where(llr >= 0, llr / hi, llr / lo))
    evidence = np.minimum(evidence, 1.0)
    if rule.min_items > 0:
        evidence = np.where(n_given < rule.min_items, np.minimum(evidence, n_given / rule.min_items), evidence)
    return np.clip(np.maximum(evidence, n_given / rule.max_items), 0.0, 1.0)


def classify(rule: StoppingRule, theta: np.ndarray, llr: np.ndarray | None = None) -> np.ndarray:
    """Mastery decision (theta >= cut).

    Under ``sprt`` a crossed bound decides; otherwise (and for an SPRT that
    ended undecided) the estimate is compared with the cut.

    Parameters
    ----------
    rule : StoppingRule
    theta : ndarray, shape (N,)
        Final estimates.
    llr : ndarray, shape (N,), optional
        SPRT log-likelihood ratios.

    Returns
    -------
    ndarray of bool, shape (N,)
    """
    decision = np.asarray(theta) >= rule.cut
    if rule.classify == "sprt" and llr is not None:
        lo, hi = sprt_bounds(rule.alpha, rule.beta)
        decision = np.where(llr >= hi, True, np.where(llr <= lo, False, decision))
    return decision
