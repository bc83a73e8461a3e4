"""Item selection, vectorized over students: the hot path of the product.

Rules (:class:`SelectionRule`):

* ``max-info`` — maximum Fisher information at the current estimate (any
  mix of dichotomous and rubric items; information is precomputed on the
  bank's grid and read at the estimate's nearest node);
* ``kl`` — posterior-weighted Kullback-Leibler information (Chang & Ying
  1996; van der Linden 1998):
  ``KL_j = sum_q w_q sum_k P_jk(theta_hat) log(P_jk(theta_hat) / P_jk(theta_q))``
  with ``w`` the current posterior; it looks at the whole posterior, which is
  what matters early in a test when the estimate is poor;
* ``target-p`` — the item whose probability of success at the estimate is
  closest to ``p_target`` (e.g. 0.75): the rule for practice and morning work
  (for rubric items the expected score as a fraction of the maximum).

Constraints: items in ``blocked`` (administered in this check, or seen
recently) are never chosen; ``required`` restricts a row to one content
category (:mod:`engine.adaptive.content`).  :func:`candidates` returns the best
eligible items per row, best-first; :func:`select` hands them to the exposure
policy (:mod:`engine.adaptive.exposure`).

Two equivalent code paths, chosen by size, both vectorized over rows:

* *ranked* (``max-info``, ``target-p``): the bank keeps, per grid node, the
  items sorted best-first within each content category and the inverse
  permutation (:meth:`AdaptiveBank.ranking`); a row's best eligible items are
  among the first ``L + depth`` entries of its node's list (``L`` blocked
  items), and the blocked ones are found by looking up their ranks, so a
  selection costs O(N (L + depth)), independent of the bank size;
* *dense* (``kl``, and the reference in tests): the criterion for all
  ``(N, J)`` pairs in row chunks, blocked and off-category items set to
  ``-inf``, then argmax / partial sort.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, overload

import numpy as np

from engine.adaptive.bank import AdaptiveBank
from engine.adaptive.exposure import ExposurePolicy, pick, pick_sympson_hetter

__all__ = ["SelectionRule", "SELECTION_RULES", "candidates", "select", "pad_rows", "recently_seen"]

SELECTION_RULES = ("max-info", "kl", "target-p")
_DENSE_CELLS = 4_000_000  # criterion cells per dense chunk


@dataclass(frozen=True)
class SelectionRule:
    """Which criterion ranks the items.

    Attributes
    ----------
    name : {"max-info", "kl", "target-p"}
    p_target : float
        Target success probability of ``target-p`` (0 < p < 1).
    kl_stride : int
        ``kl`` integrates the posterior on every ``kl_stride``-th grid node.
    """

    name: str = "max-info"
    p_target: float = 0.75
    kl_stride: int = 2

    def __post_init__(self) -> None:
        if self.name not in SELECTION_RULES:
            raise ValueError(f"selection rule should be one of {', '.join(SELECTION_RULES)}, got {self.name!r}")
        if not 0.0 < float(self.p_target) < 1.0:
            raise ValueError(f"p_target should lie strictly between 0 and 1, got {self.p_target}")
        if int(self.kl_stride) < 1:
            raise ValueError(f"kl_stride should be at least 1, got {self.kl_stride}")


def pad_rows(rows: np.ndarray, values: np.ndarray, n_rows: int, width: int | None = None) -> np.ndarray:
    """Ragged (row, value) pairs as a ``(n_rows, width)`` array padded with -1.

    Parameters
    ----------
    rows, values : ndarray of int, shape (M,)
    n_rows : int
    width : int, optional
        At least the longest row (default: exactly the longest row).
    """
    rows = np.asarray(rows, dtype=np.intp)
    values = np.asarray(values, dtype=np.int64)
    counts = np.bincount(rows, minlength=n_rows)
    w = int(counts.max(initial=0)) if width is None else int(width)
    if counts.max(initial=0) > w:
        raise ValueError(f"a row has {counts.max()} values, more than width {w}")
    out = np.full((n_rows, w), -1, dtype=np.int64)
    if rows.size:
        order = np.argsort(rows, kind="stable")
        r = rows[order]
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        col = np.arange(r.size) - starts[r]
        out[r, col] = values[order]
    return out


def recently_seen(
    student: np.ndarray,
    item: np.ndarray,
    seen_at: np.ndarray,
    now: float | np.ndarray,
    window: float,
    n_students: int,
) -> np.ndarray:
    """Items each student saw within ``window`` before ``now``, as a blocked array.

    Parameters
    ----------
    student, item : ndarray of int, shape (R,)
        Past exposures (student index, item position).
    seen_at : ndarray of float, shape (R,)
        When (days, any origin).
    now : float or ndarray, shape (N,)
    window : float
        Days; an exposure at ``now - window`` or later counts as recent.
    n_students : int

    Returns
    -------
    ndarray of int, shape (N, W)
        Distinct recent items per student, ``-1`` padded (a ``blocked``
        argument of :func:`select`).
    """
    if not (np.isfinite(window) and window >= 0):
        raise ValueError(f"window should be a number of days >= 0, got {window}")
    student = np.asarray(student, dtype=np.int64)
    item = np.asarray(item, dtype=np.int64)
    seen_at = np.asarray(seen_at, dtype=float)
    if not (student.shape == item.shape == seen_at.shape):
        raise ValueError("student, item and seen_at should share one length")
    now = np.broadcast_to(np.asarray(now, dtype=float), (n_students,))
    keep = seen_at >= now[student] - window
    pairs = np.unique(np.column_stack([student[keep], item[keep]]), axis=0)
    return pad_rows(pairs[:, 0], pairs[:, 1], n_students)


def _compact(cand: np.ndarray, valid: np.ndarray, depth: int) -> np.ndarray:
    """Valid candidates moved to the front in order, first ``depth`` columns."""
    if depth == 1:
        rows = np.arange(cand.shape[0])
        first = valid.argmax(axis=1)
        out = cand[rows, first].astype(np.int64)
        out[~valid[rows, first]] = -1
        return out[:, None]
    order = np.argsort(~valid, axis=1, kind="stable")[:, :depth]
    out = np.take_along_axis(cand, order, axis=1)
    ok = np.take_along_axis(valid, order, axis=1)
    return np.where(ok, out, -1)


def _ranked(
    bank: AdaptiveBank,
    rule: SelectionRule,
    q: np.ndarray,
    blocked: np.ndarray,
    required: np.ndarray | None,
    with_dok: bool,
    depth: int,
) -> np.ndarray:
    """The ranked path: ``depth`` best eligible items per row from the bank's per-node rankings, (n, depth)."""
    order, start, overall, rank_order, rank_overall, category = bank.ranking(rule.name, rule.p_target, with_dok)
    j = bank._j
    n = q.size
    width = blocked.shape[1]
    d = min(width + depth, j)
    if required is None or not (required >= 0).any():
        if width == 0:
            return overall[q, :depth].astype(np.int64)
        # blocked items' ranks at the row's node; those past d cannot hide a candidate
        r = np.minimum(rank_overall[q[:, None], blocked], d)
        rows = np.arange(n)
        hit = np.zeros((n, d + 1), dtype=bool)
        hit[rows[:, None], r] = True
        if depth == 1:
            first = hit[:, :d].argmin(axis=1)  # first rank not blocked
            out = overall[q, first].astype(np.int64)
            if d >= j:  # the whole bank may be blocked
                out[hit[rows, first]] = -1
            return out[:, None]
        return _compact(overall[q, :d], ~hit[:, :d], depth)
    req = np.maximum(required, 0)
    base = start[req]
    pos = base[:, None] + np.arange(d)[None, :]
    valid = pos < start[req + 1][:, None]
    cand = order[q[:, None], np.minimum(pos, j - 1)]
    free = required < 0
    if free.any():
        cand[free] = overall[q[free], :d]
        valid[free] = True
    if width:
        # rank within the row's list: category list for restricted rows, overall list for free rows
        r_cat = rank_order[q[:, None], blocked] - base[:, None]
        r_cat = np.where(category[blocked] == req[:, None], r_cat, d)
        r = np.where(free[:, None], rank_overall[q[:, None], blocked], r_cat)
        hit = np.zeros((n, d + 1), dtype=bool)
        hit[np.arange(n)[:, None], np.minimum(r, d)] = True
        valid &= ~hit[:, :d]
    return _compact(np.where(valid, cand, -1), valid, depth)


def _kl_tables(bank: AdaptiveBank, stride: int) -> tuple[np.ndarray, np.ndarray]:
    """``log P`` on every ``stride``-th node, ``(Q', (J+1) K)``, and ``sum_k P log P`` on all nodes, ``(Q, J+1)``."""
    key = ("kl-table", stride)
    hit = bank._cache.get(key)
    if hit is None:
        p = bank.prob
        with np.errstate(divide="ignore"):
            logp = np.where(p > 0, np.log(np.where(p > 0, p, 1.0)), 0.0)  # (J+1, K, Q)
        table = np.ascontiguousarray(np.transpose(logp[:, :, ::stride], (2, 0, 1)).reshape(-1, logp[:, :, 0].size))
        plogp = np.ascontiguousarray(np.sum(p * logp, axis=1).T)  # (Q, J+1)
        hit = (table, plogp)
        bank._cache[key] = hit
    return hit


def _criterion(bank: AdaptiveBank, rule: SelectionRule, q: np.ndarray, posterior: np.ndarray | None) -> np.ndarray:
    """Criterion (larger is better) for rows at nodes ``q``, shape (n, J + 1)."""
    if rule.name == "max-info":
        crit = bank.info[q]
    elif rule.name == "target-p":
        crit = -np.abs(bank.success[q].astype(np.float64) - rule.p_target)
    else:
        if posterior is None:
            raise ValueError("the kl rule needs the posterior (N, Q)")
        s = int(rule.kl_stride)
        table, plogp = _kl_tables(bank, s)
        w = posterior[:, ::s]
        w = w / w.sum(axis=1, keepdims=True)
        k = bank.prob.shape[1]
        cross = (w @ table).reshape(len(q), bank.n_items + 1, k)  # sum_q w_q log P_jk(theta_q)
        phat = np.transpose(bank.prob[:, :, q], (2, 0, 1))  # (n, J+1, K)
        crit = plogp[q] - np.einsum("njk,njk->nj", phat, cross)
    crit[:, -1] = -np.inf
    return crit


def _dense(
    bank: AdaptiveBank,
    rule: SelectionRule,
    q: np.ndarray,
    blocked: np.ndarray,
    required: np.ndarray | None,
    with_dok: bool,
    depth: int,
    posterior: np.ndarray | None,
) -> np.ndarray:
    """The dense path: the criterion for every (row, item) pair in row chunks, best ``depth`` per row, (n, depth)."""
    n = q.size
    j = bank.n_items
    depth = min(depth, j)
    out = np.full((n, depth), -1, dtype=np.int64)
    chunk = max(1, _DENSE_CELLS // (j + 1))
    for lo in range(0, n, chunk):  # a loop over row chunks, bounded memory
        sl = slice(lo, min(n, lo + chunk))
        rows = np.arange(sl.stop - sl.start)
        crit = _criterion(bank, rule, q[sl], None if posterior is None else posterior[sl])
        crit[rows[:, None], blocked[sl]] = -np.inf
        if required is not None:
            key = bank.content_key(with_dok)[0]
            r = required[sl]
            off = (r[:, None] >= 0) & (key[None, :] != r[:, None])
            crit[:, :j][off] = -np.inf
        if depth == 1:
            best = np.argmax(crit, axis=1)
            ok = np.isfinite(crit[rows, best])
            out[sl, 0] = np.where(ok, best, -1)
            continue
        top = np.argpartition(-crit, depth - 1, axis=1)[:, :depth]
        vals = np.take_along_axis(crit, top, axis=1).astype(np.float64)
        ordr = np.lexsort((top, -vals), axis=-1)
        top = np.take_along_axis(top, ordr, axis=1)
        vals = np.take_along_axis(vals, ordr, axis=1)
        out[sl] = np.where(np.isfinite(vals), top, -1)
    return out


def candidates(
    bank: AdaptiveBank,
    theta: np.ndarray,
    blocked: np.ndarray,
    *,
    rule: SelectionRule = SelectionRule(),
    depth: int = 1,
    required: np.ndarray | None = None,
    with_dok: bool = False,
    posterior: np.ndarray | None = None,
    dense: bool | None = None,
) -> np.ndarray:
    """The ``depth`` best eligible items of each row, best-first.

    Parameters
    ----------
    bank : AdaptiveBank
    theta : ndarray, shape (N,)
        Current estimates.
    blocked : ndarray of int, shape (N, L)
        Items that may not be chosen, ``-1`` padded.
    rule : SelectionRule
    depth : int
        How many candidates per row.
    required : ndarray of int, shape (N,), optional
        Content category each row is restricted to (codes of
        ``bank.content_key(with_dok)``), ``-1`` for no restriction.
    with_dok : bool
        Whether ``required`` codes are objective x DOK categories.
    posterior : ndarray, shape (N, Q), optional
        Needed by the ``kl`` rule.
    dense : bool, optional
        Force the dense (True) or ranked (False) path; default: dense for
        ``kl`` only.

    Returns
    -------
    ndarray of int, shape (N, depth)
        Item positions, ``-1`` where fewer than ``depth`` items are eligible.
    """
    theta = np.asarray(theta, dtype=float).reshape(-1)
    blocked = np.asarray(blocked, dtype=np.int64)
    if blocked.ndim != 2 or blocked.shape[0] != theta.size:
        raise ValueError(f"blocked should have shape ({theta.size}, L), got {blocked.shape}")
    if required is not None:
        required = np.asarray(required, dtype=np.int64).reshape(-1)
        if required.shape != theta.shape:
            raise ValueError(f"required should have shape ({theta.size},), got {required.shape}")
    depth = int(depth)
    if depth < 1:
        raise ValueError(f"depth should be at least 1, got {depth}")
    q = bank.node_index(theta)
    if dense is None:
        dense = rule.name == "kl"
    if rule.name == "kl" and not dense:
        raise ValueError("the kl rule has no ranked path")
    if dense:
        return _dense(bank, rule, q, blocked, required, with_dok, depth, posterior)
    return _ranked(bank, rule, q, blocked, required, with_dok, min(depth, bank.n_items))


@overload
def select(
    bank: AdaptiveBank,
    theta: np.ndarray,
    blocked: np.ndarray,
    *,
    rule: SelectionRule = SelectionRule(),
    exposure: ExposurePolicy = ExposurePolicy(),
    required: np.ndarray | None = None,
    with_dok: bool = False,
    posterior: np.ndarray | None = None,
    rng: np.random.Generator | None = None,
    keys: np.ndarray | None = None,
    dense: bool | None = None,
    return_tried: Literal[False] = False,
) -> np.ndarray: ...


@overload
def select(
    bank: AdaptiveBank,
    theta: np.ndarray,
    blocked: np.ndarray,
    *,
    rule: SelectionRule = SelectionRule(),
    exposure: ExposurePolicy = ExposurePolicy(),
    required: np.ndarray | None = None,
    with_dok: bool = False,
    posterior: np.ndarray | None = None,
    rng: np.random.Generator | None = None,
    keys: np.ndarray | None = None,
    dense: bool | None = None,
    return_tried: Literal[True],
) -> tuple[np.ndarray, np.ndarray]: ...


def select(
    bank: AdaptiveBank,
    theta: np.ndarray,
    blocked: np.ndarray,
    *,
    rule: SelectionRule = SelectionRule(),
    exposure: ExposurePolicy = ExposurePolicy(),
    required: np.ndarray | None = None,
    with_dok: bool = False,
    posterior: np.ndarray | None = None,
    rng: np.random.Generator | None = None,
    keys: np.ndarray | None = None,
    dense: bool | None = None,
    return_tried: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """The next item of each row.

    Parameters are those of :func:`candidates`, plus ``exposure`` (the
    exposure-control policy, using ``bank.control`` for Sympson-Hetter),
    ``rng`` (needed by randomized exposure control) and ``keys`` (uint64
    (N,), per-student Sympson-Hetter lottery keys, constant during a check).
    Under Sympson-Hetter, rows whose ``exposure.candidates`` best items are
    all refused look four times deeper, and so on down the whole list.

    Returns
    -------
    chosen : ndarray of int, shape (N,)
        Item position per row, ``-1`` when no item is eligible.
    tried : ndarray of int, shape (M, 2)
        Only with ``return_tried``: the (row, item) pairs *selected* (offered
        to the Sympson-Hetter lottery) on the way, for calibrating the control
        parameters (for other methods, the chosen pairs).
    """
    if exposure.method == "none" and rule.name != "kl" and not dense and not return_tried:
        # the hot path: one best item per row, validated once, no exposure control
        theta = np.asarray(theta, dtype=float).reshape(-1)
        blocked = np.asarray(blocked, dtype=np.int64)
        if blocked.ndim != 2 or blocked.shape[0] != theta.size:
            raise ValueError(f"blocked should have shape ({theta.size}, L), got {blocked.shape}")
        if required is not None:
            required = np.asarray(required, dtype=np.int64).reshape(-1)
            if required.shape != theta.shape:
                raise ValueError(f"required should have shape ({theta.size},), got {required.shape}")
        return _ranked(bank, rule, bank.node_index(theta), blocked, required, with_dok, 1)[:, 0]
    cand = candidates(
        bank,
        theta,
        blocked,
        rule=rule,
        depth=exposure.depth,
        required=required,
        with_dok=with_dok,
        posterior=posterior,
        dense=dense,
    )
    if exposure.method != "sympson-hetter":
        chosen = pick(exposure, cand, bank.control, rng)
        if return_tried:
            ok = chosen >= 0
            return chosen, np.column_stack([np.flatnonzero(ok), chosen[ok]])
        return chosen
    if rng is None:
        raise ValueError("sympson-hetter exposure control needs a random generator")
    theta = np.asarray(theta, dtype=float).reshape(-1)
    if keys is None:
        keys = rng.integers(0, 2**63, size=theta.size, dtype=np.uint64)
    keys = np.asarray(keys, dtype=np.uint64)
    blocked = np.asarray(blocked, dtype=np.int64)
    rows = np.arange(theta.size)
    chosen = np.full(theta.size, -1, dtype=np.int64)
    tried_parts: list[np.ndarray] = []
    depth = exposure.depth
    while True:  # a loop over search depths (rarely more than one pass)
        n_valid = (cand >= 0).sum(axis=1)
        # the whole eligible list is in view: fall back among it if every one is refused
        whole = (n_valid < cand.shape[1]) | (depth >= bank.n_items)
        pick_rows, n_tried = pick_sympson_hetter(cand, bank.control, keys[rows], rng, fallback=whole)
        done = (pick_rows >= 0) | whole
        chosen[rows] = np.where(done, pick_rows, chosen[rows])
        mask = np.arange(cand.shape[1])[None, :] < n_tried[:, None]
        tried_parts.append(np.column_stack([np.broadcast_to(rows[:, None], cand.shape)[mask], cand[mask]]))
        if done.all():
            break
        rows = rows[~done]
        depth = min(depth * 4, bank.n_items)
        cand = candidates(
            bank,
            theta[rows],
            blocked[rows],
            rule=rule,
            depth=depth,
            required=None if required is None else required[rows],
            with_dok=with_dok,
            posterior=None if posterior is None else posterior[rows],
            dense=dense,
        )
    if return_tried:
        return chosen, np.unique(np.concatenate(tried_parts), axis=0)
    return chosen
