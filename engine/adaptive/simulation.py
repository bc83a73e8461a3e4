"""Simulated adaptive checks: many students through one policy, all at once.

:func:`simulate_cat` runs N simulated students (true abilities given) through
a :class:`~engine.adaptive.policy.CatPolicy` in lock-step, vectorized over students:
every step selects for all students still testing, draws their answers from
the exact item response functions at the true abilities, updates their grid
posteriors with one multiply, and applies the stopping rule.  A Python loop
runs over test positions only (at most ``max_items``), never over students.

:func:`calibrate_sympson_hetter` finds the Sympson-Hetter control parameters
by repeated simulation.  :class:`CatSimulation.summary` gives what a district
compares policies on: bias, RMSE, mean length, classification accuracy and
the exposure-rate distribution.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np

from engine.adaptive import posterior as post_ops
from engine.adaptive.bank import AdaptiveBank
from engine.adaptive.content import kingsbury_zara
from engine.adaptive.exposure import ExposurePolicy, sympson_hetter_update
from engine.adaptive.policy import CatPolicy
from engine.adaptive.selection import select
from engine.adaptive.stopping import REASONS, classify, evaluate, sprt_table

__all__ = ["CatSimulation", "simulate_cat", "calibrate_sympson_hetter"]


def _draw(p: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Category drawn by inverse CDF: the number of cumulative probabilities below ``u``.

    ``p`` is ``(P, K)``, ``u`` uniform ``(P,)``; a loop over the K - 1
    category boundaries only.
    """
    c = p[:, 0].copy()
    x = (u > c).astype(np.int64)
    for k in range(1, p.shape[1] - 1):
        c += p[:, k]
        x += u > c
    return x


@dataclass(frozen=True)
class CatSimulation:
    """Outcome of :func:`simulate_cat` (N students, J items).

    Attributes
    ----------
    theta_true, theta, se : ndarray, shape (N,)
        True ability, final EAP estimate and posterior SD.
    length : ndarray of int, shape (N,)
    reason : ndarray of int, shape (N,)
        Stop reason codes (:data:`engine.adaptive.stopping.REASONS`).
    mastery : ndarray of bool, shape (N,)
        Classification at the stop (against ``policy.stopping.cut``).
    items, scores : ndarray of int, shape (N, max_items)
        Administered items and scores in order, ``-1`` padded.
    exposure_counts, selected_counts : ndarray of int, shape (J,)
        How many students were given / were offered (Sympson-Hetter) each item.
    cut : float
    timings : dict of str to float
        Seconds spent per stage (select, respond, update, stop).
    """

    theta_true: np.ndarray
    theta: np.ndarray
    se: np.ndarray
    length: np.ndarray
    reason: np.ndarray
    mastery: np.ndarray
    items: np.ndarray
    scores: np.ndarray
    exposure_counts: np.ndarray
    selected_counts: np.ndarray
    cut: float
    timings: dict = field(default_factory=dict)

    @property
    def exposure_rates(self) -> np.ndarray:
        """Share of students given each item, shape (J,)."""
        return self.exposure_counts / max(1, self.theta_true.size)

    def summary(self) -> dict:
        """Bias, RMSE, length, classification and exposure figures (JSON-ready)."""
        err = self.theta - self.theta_true
        rates = self.exposure_rates
        truth = self.theta_true >= self.cut
        reasons = {REASONS[c]: int(n) for c, n in zip(*np.unique(self.reason, return_counts=True))}
        return {
            "students": int(self.theta_true.size),
            "bias": float(err.mean()),
            "rmse": float(np.sqrt(np.mean(err * err))),
            "mean_se": float(self.se.mean()),
            "mean_length": float(self.length.mean()),
            "min_length": int(self.length.min()),
            "max_length": int(self.length.max()),
            "classification_accuracy": float(np.mean(self.mastery == truth)),
            "cut": float(self.cut),
            "max_exposure": float(rates.max()),
            "exposure_quantiles": {
                q: float(v) for q, v in zip(("p50", "p90", "p99"), np.quantile(rates, [0.5, 0.9, 0.99]))
            },
            "unused_items": float(np.mean(rates == 0)),
            "stop_reasons": reasons,
        }


def simulate_cat(
    bank: AdaptiveBank,
    theta_true: np.ndarray,
    policy: CatPolicy,
    rng: np.random.Generator,
    *,
    prior_mean: float | np.ndarray = 0.0,
    prior_sd: float | np.ndarray = 1.0,
    recent: np.ndarray | None = None,
) -> CatSimulation:
    """Run ``N`` simulated students through ``policy`` on ``bank``.

    Parameters
    ----------
    bank : AdaptiveBank
    theta_true : ndarray, shape (N,)
        True abilities; answers are drawn from the bank's exact item
        response functions at these values.
    policy : CatPolicy
    rng : numpy.random.Generator
        All randomness (answers, randomized exposure control).
    prior_mean, prior_sd : float or ndarray, shape (N,)
        Each student's prior for the EAP estimate.
    recent : ndarray of int, shape (N, R), optional
        Items each student saw recently (never given), ``-1`` padded.

    Returns
    -------
    CatSimulation
    """
    theta_true = np.asarray(theta_true, dtype=float).reshape(-1)
    if theta_true.size == 0 or np.any(~np.isfinite(theta_true)):
        raise ValueError("theta_true should be a non-empty array of finite abilities")
    n = theta_true.size
    stop = policy.stopping
    length_max = int(stop.max_items)
    recent = np.zeros((n, 0), dtype=np.int64) if recent is None else np.asarray(recent, dtype=np.int64)
    if recent.ndim != 2 or recent.shape[0] != n:
        raise ValueError(f"recent should have shape ({n}, R), got {recent.shape}")
    exposure: ExposurePolicy = policy.exposure
    with_dok = bool(policy.blueprint is not None and policy.blueprint.dok)
    sprt = sprt_table(bank, stop.cut, stop.indifference) if stop.classify == "sprt" else None
    timings = {"select": 0.0, "respond": 0.0, "update": 0.0, "stop": 0.0}

    # per-student state is kept only for students still testing (compacted when some stop)
    post = post_ops.normal_prior(bank, np.broadcast_to(prior_mean, (n,)), np.broadcast_to(prior_sd, (n,)))
    th, sd = post_ops.moments(bank, post)
    lr = np.zeros(n)
    n_recent = recent.shape[1]
    blk = np.concatenate([recent, np.full((n, length_max), -1, dtype=np.int64)], axis=1)  # recent, then given
    sc = np.full((n, length_max), -1, dtype=np.int64)
    truth = theta_true
    keys = rng.integers(0, 2**63, size=n, dtype=np.uint64)  # Sympson-Hetter lottery keys
    active = np.arange(n)
    theta = np.empty(n)
    se = np.empty(n)
    llr = np.zeros(n)
    items = np.full((n, length_max), -1, dtype=np.int64)
    scores = np.full((n, length_max), -1, dtype=np.int64)
    reason = np.zeros(n, dtype=np.int64)
    tried_pairs: list[np.ndarray] = []

    def retire(gone: np.ndarray, why: np.ndarray | int) -> None:
        """Write back the students in mask ``gone`` and drop them from the active state."""
        nonlocal post, th, sd, lr, blk, sc, truth, keys, active
        idx = active[gone]
        reason[idx] = why
        theta[idx], se[idx], llr[idx] = th[gone], sd[gone], lr[gone]
        items[idx] = blk[gone, n_recent:]
        scores[idx] = sc[gone]
        keep = ~gone
        post, th, sd, lr, blk, sc = post[keep], th[keep], sd[keep], lr[keep], blk[keep], sc[keep]
        truth, keys, active = truth[keep], keys[keep], active[keep]

    for step in range(length_max + 1):
        t0 = time.perf_counter()
        done, why = evaluate(stop, np.full(active.size, step), th, sd, lr if sprt is not None else None)
        if done.any():
            retire(done, why[done])
        t1 = time.perf_counter()
        timings["stop"] += t1 - t0
        if active.size == 0:
            break
        # ---- select
        given = blk[:, : n_recent + step]
        required = None
        if policy.blueprint is not None:
            required = kingsbury_zara(bank, policy.blueprint, given[:, n_recent:], given)
        chosen, tried = select(
            bank,
            th,
            given,
            rule=policy.rule,
            exposure=exposure,
            required=required,
            with_dok=with_dok,
            posterior=post if policy.rule.name == "kl" else None,
            rng=rng,
            keys=keys,
            return_tried=True,
        )
        if required is not None:
            chosen = np.where(required >= 0, chosen, -1)  # nothing of the blueprint left
        if exposure.method == "sympson-hetter":
            tried_pairs.append(active[tried[:, 0]] * bank.n_items + tried[:, 1])
        none = chosen < 0
        if none.any():
            retire(none, 1)  # exhausted
            chosen = chosen[~none]
            if active.size == 0:
                break
        t2 = time.perf_counter()
        timings["select"] += t2 - t1
        # ---- respond (exact probabilities at the true abilities)
        p = bank.params.pair_probabilities(truth, chosen)
        x = _draw(p, rng.random(active.size))
        blk[:, n_recent + step] = chosen
        sc[:, step] = x
        t3 = time.perf_counter()
        timings["respond"] += t3 - t2
        # ---- update: one multiply per answer
        post *= bank.prob[chosen, x]
        post /= post.sum(axis=1, keepdims=True)
        th, sd = post_ops.moments(bank, post)
        if sprt is not None:
            lr = lr + sprt[chosen, x]
        timings["update"] += time.perf_counter() - t3

    length = (items >= 0).sum(axis=1)
    exposure_counts = np.bincount(items[items >= 0], minlength=bank.n_items)
    if exposure.method == "sympson-hetter" and tried_pairs:
        # an item counts once per student however often it was tried
        pairs = np.unique(np.concatenate(tried_pairs))
        selected_counts = np.bincount(pairs % bank.n_items, minlength=bank.n_items)
    else:
        selected_counts = exposure_counts.copy()
    return CatSimulation(
        theta_true=theta_true,
        theta=theta,
        se=se,
        length=length,
        reason=reason,
        mastery=classify(stop, theta, llr if sprt is not None else None),
        items=items,
        scores=scores,
        exposure_counts=exposure_counts,
        selected_counts=selected_counts,
        cut=float(stop.cut),
        timings=timings,
    )


def calibrate_sympson_hetter(
    bank: AdaptiveBank,
    policy: CatPolicy,
    theta_sample: np.ndarray,
    rng: np.random.Generator,
    *,
    r_max: float = 0.25,
    n_iter: int = 40,
    tol: float = 0.0,
    margin: float = 0.95,
) -> tuple[np.ndarray, list[float]]:
    """Sympson-Hetter control parameters found by simulation.

    Repeats: simulate the students ``theta_sample`` with the current control
    parameters, measure each item's exposure rate ``P(A_j)``, and shrink
    ``K_j <- K_j min(1, margin r_max / P(A_j))``
    (:func:`engine.adaptive.exposure.sympson_hetter_update`), until the maximum
    exposure rate is at most ``r_max + tol``.  From ``K = 1`` the first step
    is the classic ``r_max / P(S_j)``; afterwards the update is monotone
    (the classic re-estimation from selection rates plateaued about 5-10%
    above ``r_max`` on our 500-item bank; see benchmarks/results/adaptive.md).

    Parameters
    ----------
    bank : AdaptiveBank
    policy : CatPolicy
        Its exposure method is replaced by Sympson-Hetter.
    theta_sample : ndarray, shape (N,)
        Abilities of the simulated population (e.g. 2,000 draws of N(0, 1)).
    rng : numpy.random.Generator
    r_max : float
        Target maximum exposure rate.
    n_iter : int
        Maximum number of iterations.
    tol : float
        Accepted excess of the maximum exposure rate over ``r_max``.
    margin : float
        Aim at ``margin * r_max`` so sampling noise stays under the limit.

    Returns
    -------
    control : ndarray, shape (J,)
    history : list of float
        Maximum exposure rate observed at each iteration.
    """
    if not 0 < r_max <= 1:
        raise ValueError(f"r_max should lie in (0, 1], got {r_max}")
    exposure = policy.exposure
    if exposure.method != "sympson-hetter":
        exposure = ExposurePolicy("sympson-hetter", k=exposure.k, candidates=exposure.candidates)
    pol = replace(policy, exposure=exposure)
    control = np.ones(bank.n_items)
    history: list[float] = []
    n = np.asarray(theta_sample).size
    for _ in range(int(n_iter)):  # a loop over iterations
        sim = simulate_cat(bank.with_exposure_control(control), theta_sample, pol, rng)
        history.append(float(sim.exposure_rates.max()))
        if history[-1] <= r_max + tol:
            break
        control = sympson_hetter_update(sim.exposure_counts / n, r_max, control=control, margin=margin)
    return control, history
