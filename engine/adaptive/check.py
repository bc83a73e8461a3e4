"""A pure adaptive-session state machine: immutable state in, new state out.

The service runs one check per student and standard across HTTP requests.
Each request does::

    bank = ...                                         # AdaptiveBank, cached per calibration version
    state = CheckState.from_json(stored)               # load
    result = check.answer(bank, state, item_id, score) # record -> estimate -> stop? -> next
    stored = result.state.to_json()                    # persist with the response, one transaction
    # reply: result.estimate (theta, se, band, p_mastery), result.next_item,
    #        result.done, result.stop_reason

and a new check is::

    state = check.start(bank, standard="7.RP.A", policy=policy, bands=scheme,
                        prior_mean=m, prior_sd=s, seed=check_seed,
                        objectives=("7.RP.A.1", "7.RP.A.2"), recent=recent_item_ids)
    state, item_id = check.next_item(bank, state)

``bank`` is an :class:`~engine.adaptive.bank.AdaptiveBank` (keep one per
calibration version), or an :class:`~engine.irt.parameters.ItemParameters` table,
compiled on first use and cached on the table.

Functions (all pure; none mutates its input):

* :func:`start` — a new state: standard, its objectives (the blueprint, by
  default equal shares), rules (:class:`~engine.adaptive.policy.CatPolicy`), the band
  scheme, the student's prior (e.g. from :mod:`engine.mastery.estimates`), the items
  the student saw recently (never given again), a seed;
* :func:`next_item` — the next item id (``None`` when the check is done),
  remembered as ``pending``; asking twice gives the same item;
* :func:`record` — a scored answer (0/1, or a rubric category 0..K-1) to an
  item of the bank that was not answered before; re-recording the same
  (item, score) is a no-op (idempotent), a different score is an error;
* :func:`estimate` — EAP theta, posterior SD, band and P(mastery);
* :func:`status` — done or not, and why (:data:`engine.adaptive.stopping.REASONS`);
* :func:`answer` — record, estimate, stop, next in one call.

The state keeps only the answers, never a posterior: the posterior is rebuilt
from the prior and the answers on the bank's grid (microseconds for a check),
so a state is small, exact and portable.  Randomness (randomesque,
Sympson-Hetter) comes from ``numpy.random.default_rng([seed, n_answered])`` and
a per-check lottery key: the same seed and answers give the same items.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from engine.adaptive import posterior as post_ops
from engine.adaptive.bank import AdaptiveBank
from engine.adaptive.content import Blueprint, kingsbury_zara
from engine.adaptive.policy import CatPolicy
from engine.adaptive.selection import select
from engine.adaptive.stopping import REASONS, evaluate, sprt_llr
from engine.irt.parameters import ItemParameters
from engine.mastery.bands import BandScheme

__all__ = [
    "CheckState",
    "Estimate",
    "StepResult",
    "start",
    "next_item",
    "record",
    "estimate",
    "status",
    "answer",
]

_FORMAT = 1


def _as_bank(bank: AdaptiveBank | ItemParameters) -> AdaptiveBank:
    """An AdaptiveBank as is; an ItemParameters table compiled (and cached on it)."""
    if isinstance(bank, AdaptiveBank):
        return bank
    if isinstance(bank, ItemParameters):
        cached = bank.__dict__.get("_adaptive_bank")
        if cached is None:
            cached = AdaptiveBank.from_parameters(bank)
            object.__setattr__(bank, "_adaptive_bank", cached)
        return cached
    raise ValueError(f"bank should be an AdaptiveBank or ItemParameters, got {type(bank).__name__}")


@dataclass(frozen=True)
class CheckState:
    """Everything a check needs between requests (JSON-serializable).

    Attributes
    ----------
    standard : str
        What the check is on (a label for the caller).
    policy : CatPolicy
        Rules; its blueprint fixes the eligible objectives.
    bands : BandScheme
    prior_mean, prior_sd : float
    seed : int
    items : tuple of str
        Answered item ids, in order.
    scores : tuple of int
    recent : tuple of str
        Items the student saw recently: never given in this check.
    pending : str or None
        The item served and not yet answered.
    """

    standard: str
    policy: CatPolicy
    bands: BandScheme
    prior_mean: float = 0.0
    prior_sd: float = 1.0
    seed: int = 0
    items: tuple[str, ...] = ()
    scores: tuple[int, ...] = ()
    recent: tuple[str, ...] = ()
    pending: str | None = None
    finished: str | None = field(default=None)

    def to_dict(self) -> dict:
        return {
            "format": _FORMAT,
            "standard": self.standard,
            "policy": self.policy.to_dict(),
            "bands": self.bands.to_dict(),
            "prior_mean": self.prior_mean,
            "prior_sd": self.prior_sd,
            "seed": self.seed,
            "items": list(self.items),
            "scores": list(self.scores),
            "recent": list(self.recent),
            "pending": self.pending,
            "finished": self.finished,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"))

    @classmethod
    def from_dict(cls, data: dict) -> CheckState:
        if data.get("format") != _FORMAT:
            raise ValueError(f"unsupported session state format {data.get('format')!r}")
        try:
            return cls(
                standard=str(data["standard"]),
                policy=CatPolicy.from_dict(data["policy"]),
                bands=BandScheme.from_dict(data["bands"]),
                prior_mean=float(data["prior_mean"]),
                prior_sd=float(data["prior_sd"]),
                seed=int(data["seed"]),
                items=tuple(str(i) for i in data["items"]),
                scores=tuple(int(s) for s in data["scores"]),
                recent=tuple(str(i) for i in data["recent"]),
                pending=None if data["pending"] is None else str(data["pending"]),
                finished=data.get("finished"),
            )
        except (KeyError, TypeError) as err:
            raise ValueError(f"bad session state: missing or malformed {err}") from None

    @classmethod
    def from_json(cls, text: str) -> CheckState:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise ValueError(f"session state is not valid JSON: {err}") from None
        if not isinstance(data, dict):
            raise ValueError("session state should be a JSON object")
        return cls.from_dict(data)


@dataclass(frozen=True)
class Estimate:
    """Current estimate of a check."""

    theta: float
    se: float
    band: str
    p_mastery: float
    n_items: int

    def to_dict(self) -> dict:
        return {"theta": self.theta, "se": self.se, "band": self.band, "p_mastery": self.p_mastery}


@dataclass(frozen=True)
class StepResult:
    """What one answered request returns."""

    state: CheckState
    estimate: Estimate
    done: bool
    stop_reason: str | None
    next_item: str | None


def start(
    bank: AdaptiveBank | ItemParameters,
    *,
    standard: str,
    policy: CatPolicy | None = None,
    bands: BandScheme | None = None,
    objectives: Sequence[str] | None = None,
    prior_mean: float = 0.0,
    prior_sd: float = 1.0,
    seed: int = 0,
    recent: Sequence[str] = (),
) -> CheckState:
    """A new check.

    Parameters
    ----------
    bank : AdaptiveBank
    standard : str
    policy : CatPolicy, optional
        Default: maximum information, no exposure control, SE <= 0.3 or 20
        items.  The stopping rule's cut is set to the band scheme's mastery
        cut.
    bands : BandScheme, optional
        Default: three tiers with cuts (-0.5, 0.5).
    objectives : sequence of str, optional
        The standard's objectives; when the policy has no blueprint, one with
        equal shares over these is used (all items when omitted).
    prior_mean, prior_sd : float
        The student's prior on this standard.
    seed : int
    recent : sequence of str
        Item ids the student saw recently (ids no longer in the bank, e.g.
        retired items, are dropped).
    """
    bank = _as_bank(bank)
    policy = policy or CatPolicy()
    bands = bands or BandScheme()
    if policy.blueprint is None and objectives is not None:
        policy = replace(policy, blueprint=Blueprint.uniform(objectives))
    if policy.blueprint is not None:
        policy.blueprint.objective_shares(bank)  # validates the names
    policy = replace(policy, stopping=replace(policy.stopping, cut=bands.mastery_cut))
    post_ops.normal_prior(bank, prior_mean, prior_sd)  # validates the prior
    known = bank.params.index_of
    recent = [str(i) for i in recent if str(i) in known]
    return CheckState(
        standard=str(standard),
        policy=policy,
        bands=bands,
        prior_mean=float(prior_mean),
        prior_sd=float(prior_sd),
        seed=int(seed),
        recent=tuple(str(i) for i in recent),
    )


def _posterior(bank: AdaptiveBank, state: CheckState) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The posterior (1, Q) from the prior and the answers, with the answered items and scores (1, L)."""
    prior = post_ops.normal_prior(bank, state.prior_mean, state.prior_sd)
    items = bank.positions(state.items)[None, :]
    scores = np.asarray(state.scores, dtype=np.int64)[None, :]
    return post_ops.from_responses(bank, prior, items, scores), items, scores


def estimate(bank: AdaptiveBank | ItemParameters, state: CheckState) -> Estimate:
    """EAP theta, posterior SD, band and P(theta >= mastery cut).

    Parameters
    ----------
    bank : AdaptiveBank or ItemParameters
    state : CheckState

    Returns
    -------
    Estimate
    """
    bank = _as_bank(bank)
    post, _, _ = _posterior(bank, state)
    return _estimate(bank, state, post)


def _estimate(bank: AdaptiveBank, state: CheckState, post: np.ndarray) -> Estimate:
    theta, se = post_ops.moments(bank, post)
    p = post_ops.prob_above(bank, post, state.bands.mastery_cut)
    return Estimate(
        theta=float(theta[0]),
        se=float(se[0]),
        band=str(state.bands.names(theta[0])),
        p_mastery=float(np.clip(p[0], 0.0, 1.0)),
        n_items=len(state.items),
    )


def _choose(bank: AdaptiveBank, state: CheckState, post: np.ndarray, items: np.ndarray) -> int:
    """Position of the next item (``-1`` when nothing of the blueprint is left)."""
    policy = state.policy
    theta, _ = post_ops.moments(bank, post)
    recent = bank.positions(state.recent)[None, :]
    blocked = np.concatenate([items, recent], axis=1)
    required = None
    with_dok = False
    if policy.blueprint is not None:
        with_dok = bool(policy.blueprint.dok)
        required = kingsbury_zara(bank, policy.blueprint, items, blocked)
        if required[0] < 0:
            return -1
    rng = key = None
    if policy.exposure.method != "none":  # generators only when randomness is used
        rng = np.random.default_rng([state.seed, len(state.items)])
        key = np.random.default_rng([state.seed]).integers(0, 2**63, size=1, dtype=np.uint64)
    return int(
        select(
            bank,
            theta,
            blocked,
            rule=policy.rule,
            exposure=policy.exposure,
            required=required,
            with_dok=with_dok,
            posterior=post if policy.rule.name == "kl" else None,
            rng=rng,
            keys=key,
        )[0]
    )


def status(bank: AdaptiveBank | ItemParameters, state: CheckState) -> tuple[bool, str | None]:
    """Whether the check is over, and why.

    Parameters
    ----------
    bank : AdaptiveBank or ItemParameters
    state : CheckState

    Returns
    -------
    done : bool
    reason : str or None
        A name of :data:`REASONS` when done.
    """
    bank = _as_bank(bank)
    if state.finished is not None:
        return True, state.finished
    post, items, scores = _posterior(bank, state)
    return _status(bank, state, post, items, scores)[:2]


def _status(
    bank: AdaptiveBank, state: CheckState, post: np.ndarray, items: np.ndarray, scores: np.ndarray
) -> tuple[bool, str | None, int]:
    """Whether the check is over, why, and otherwise the next item's position."""
    rule = state.policy.stopping
    theta, se = post_ops.moments(bank, post)
    llr = sprt_llr(bank, rule, items, scores) if rule.classify == "sprt" else None
    done, why = evaluate(rule, np.array([items.shape[1]]), theta, se, llr)
    if done[0]:
        return True, REASONS[int(why[0])], -1
    pos = _choose(bank, state, post, items)
    if pos < 0:
        return True, REASONS[1], -1
    return False, None, pos


def next_item(bank: AdaptiveBank | ItemParameters, state: CheckState) -> tuple[CheckState, str | None]:
    """The next item id, and the state with it pending.

    Parameters
    ----------
    bank : AdaptiveBank or ItemParameters
    state : CheckState

    Returns
    -------
    state : CheckState
    item_id : str or None
        None when the check is done.
    """
    bank = _as_bank(bank)
    if state.pending is not None:
        return state, state.pending
    if state.finished is not None:
        return state, None
    return _next(bank, state, *_posterior(bank, state))


def _next(
    bank: AdaptiveBank, state: CheckState, post: np.ndarray, items: np.ndarray, scores: np.ndarray
) -> tuple[CheckState, str | None]:
    """The state with the next item pending (or finished), and that item's id."""
    done, reason, pos = _status(bank, state, post, items, scores)
    if done:
        return replace(state, finished=reason), None
    item = str(bank.item_ids[pos])
    return replace(state, pending=item), item


def record(bank: AdaptiveBank | ItemParameters, state: CheckState, item_id: str, score: int) -> CheckState:
    """The state after a scored answer.

    Parameters
    ----------
    bank : AdaptiveBank or ItemParameters
    state : CheckState
    item_id : str
    score : int
        Category 0..K-1 of the item.

    Returns
    -------
    CheckState

    Raises
    ------
    ValueError
        Unknown item, a score outside 0..K-1, an item seen recently, a
        second different score for an answered item, or a finished check.
    """
    bank = _as_bank(bank)
    item_id = str(item_id)
    pos = int(bank.positions([item_id])[0])
    if isinstance(score, bool) or not float(score).is_integer():
        raise ValueError(f"score should be an integer category, got {score!r}")
    score = int(score)
    k = int(bank.n_categories[pos])
    if not 0 <= score < k:
        raise ValueError(f"item {item_id} is scored 0..{k - 1}, got {score}")
    if item_id in state.items:
        prior = state.scores[state.items.index(item_id)]
        if prior == score:
            return state  # idempotent resubmission
        raise ValueError(f"item {item_id} was already answered with score {prior}")
    if state.finished is not None:
        raise ValueError(f"the check is finished ({state.finished})")
    if item_id in state.recent:
        raise ValueError(f"item {item_id} was seen recently and is not part of this check")
    return replace(state, items=state.items + (item_id,), scores=state.scores + (score,), pending=None)


def answer(bank: AdaptiveBank | ItemParameters, state: CheckState, item_id: str, score: int) -> StepResult:
    """Record an answer, then estimate, check stopping and pick the next item.

    Parameters
    ----------
    bank : AdaptiveBank or ItemParameters
    state : CheckState
    item_id : str
    score : int
        Category 0..K-1 of the item.

    Returns
    -------
    StepResult
    """
    bank = _as_bank(bank)
    state = record(bank, state, item_id, score)
    post, items, scores = _posterior(bank, state)  # once per request
    est = _estimate(bank, state, post)
    if state.pending is not None or state.finished is not None:  # an idempotent resubmission
        state, nxt = next_item(bank, state)
    else:
        state, nxt = _next(bank, state, post, items, scores)
    return StepResult(
        state=state,
        estimate=est,
        done=nxt is None,
        stop_reason=state.finished,
        next_item=nxt,
    )
