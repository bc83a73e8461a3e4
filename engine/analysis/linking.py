"""Putting items on the bank's scale.

Two routes, as a psychometrician grows a bank:

* **Separate calibration + linking** through common items.  A calibration
  on its own scale (``from``) is mapped onto the bank's (``to``) by
  ``theta_to = A theta_from + B``, so ``a_to = a_from / A``,
  ``b_to = A b_from + B`` (every threshold likewise) and asymptotes stay.
  The constants come from :func:`mean_sigma`, :func:`mean_mean`, or the
  characteristic-curve methods :func:`haebara` and :func:`stocking_lord`;
  :func:`transform_parameters` applies them to a whole table (with SEs).
* **Fixed-parameter calibration** (:func:`calibrate_new_items`): the bank's
  items in the new data are anchors held at their bank values, the latent
  mean and sd are re-estimated in every EM cycle (mirt's ``fixedCalib``
  multiple-EM-cycle approach), and new items are estimated directly on the
  bank's scale.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import minimize

from engine.irt.models import GRADED, LOGISTIC, PARTIAL
from engine.irt.parameters import ItemGroup, ItemParameters
from engine.irt.quadrature import normal_grid
from engine.irt.responses import ResponseMatrix

if TYPE_CHECKING:
    from engine.irt.calibration import CalibrationResult

__all__ = [
    "LinkingConstants",
    "LINKING_METHODS",
    "common_items",
    "mean_sigma",
    "mean_mean",
    "haebara",
    "stocking_lord",
    "link",
    "transform_parameters",
    "calibrate_new_items",
]

LINKING_METHODS = ("mean-sigma", "mean-mean", "haebara", "stocking-lord")


@dataclass(frozen=True)
class LinkingConstants:
    """``theta_to = A * theta_from + B``.

    Attributes
    ----------
    A, B : float
    method : str
    common : ndarray of str, shape (C,)
        The common items used.
    criterion : float
        The minimized loss (characteristic-curve methods), else NaN.
    """

    A: float
    B: float
    method: str
    common: np.ndarray
    criterion: float = float("nan")


def common_items(
    source: ItemParameters, target: ItemParameters, common: Sequence[str] | np.ndarray | None = None
) -> np.ndarray:
    """Ids of the common items (in ``source`` order), checked for agreement.

    Parameters
    ----------
    source, target : ItemParameters
    common : sequence of str, shape (C,), optional
        Default every item in both tables.

    Returns
    -------
    ndarray of str, shape (C,)

    Raises
    ------
    ValueError
        Fewer than 2 items are shared, or a common item has a different model
        or number of categories in the two tables.
    """
    if common is None:
        ids = [i for i in source.item_ids.tolist() if i in target.index_of]
    else:
        ids = [str(i) for i in common]
        for i in ids:
            if i not in source.index_of or i not in target.index_of:
                raise ValueError(f"common item {i} is not in both parameter tables")
    if len(ids) < 2:
        raise ValueError(f"linking needs at least 2 common items, got {len(ids)}")
    for i in ids:
        s, t = source.index_of[i], target.index_of[i]
        if source.n_categories[s] != target.n_categories[t] or source.model[s] != target.model[t]:
            raise ValueError(f"common item {i} has a different model or number of categories in the two tables")
    return np.array(ids, dtype=str)


def _locations(params: ItemParameters, ids: Sequence[str] | np.ndarray) -> np.ndarray:
    """All location parameters (b, or b1..b{K-1}) of the items, flattened."""
    pos = np.array([params.index_of[i] for i in ids])
    b = params.b[pos]
    thr = params.thresholds[pos]
    vals = np.concatenate([b[np.isfinite(b)], thr[np.isfinite(thr)]])
    return vals


def mean_sigma(
    source: ItemParameters, target: ItemParameters, common: Sequence[str] | np.ndarray | None = None
) -> LinkingConstants:
    """Mean-sigma linking on the common items' location parameters.

    ``A = sd(b_to) / sd(b_from)``, ``B = mean(b_to) - A mean(b_from)``.

    Parameters
    ----------
    source, target : ItemParameters
        ``theta_to = A theta_from + B`` puts ``source`` on ``target``'s scale.
    common : sequence of str, shape (C,), optional
        Default every item in both tables.

    Returns
    -------
    LinkingConstants
    """
    ids = common_items(source, target, common)
    bf, bt = _locations(source, ids), _locations(target, ids)
    if np.std(bf) <= 0:
        raise ValueError("the common items' difficulties do not vary: mean-sigma is undefined")
    a = float(np.std(bt) / np.std(bf))
    return LinkingConstants(a, float(bt.mean() - a * bf.mean()), "mean-sigma", ids)


def mean_mean(
    source: ItemParameters, target: ItemParameters, common: Sequence[str] | np.ndarray | None = None
) -> LinkingConstants:
    """Mean-mean linking: ``A = mean(a_from) / mean(a_to)``, ``B = mean(b_to) - A mean(b_from)``.

    Parameters
    ----------
    source, target : ItemParameters
        ``theta_to = A theta_from + B`` puts ``source`` on ``target``'s scale.
    common : sequence of str, shape (C,), optional
        Default every item in both tables.

    Returns
    -------
    LinkingConstants
    """
    ids = common_items(source, target, common)
    af = source.a[[source.index_of[i] for i in ids]]
    at = target.a[[target.index_of[i] for i in ids]]
    bf, bt = _locations(source, ids), _locations(target, ids)
    a = float(af.mean() / at.mean())
    return LinkingConstants(a, float(bt.mean() - a * bf.mean()), "mean-mean", ids)


def _transformed_eta(group: ItemGroup, A: float, B: float) -> np.ndarray:
    """Internal parameters of a group after ``theta_to = A theta_from + B``."""
    eta = group.eta.copy()
    a = eta[:, 0]
    shift = a * B / A
    eta[:, 0] = a / A
    if group.family is LOGISTIC:
        eta[:, 1] = eta[:, 1] - shift
    elif group.family is GRADED:
        eta[:, 1:] = eta[:, 1:] - shift[:, None]
    elif group.family is PARTIAL:
        eta[:, 1:] = eta[:, 1:] - shift[:, None] * np.arange(1, eta.shape[1])[None, :]
    return eta


def _curve_tables(
    source: ItemParameters, target: ItemParameters, ids: np.ndarray, theta: np.ndarray
) -> tuple[ItemParameters, np.ndarray]:
    """The source table restricted to ``ids``, and the target's category probabilities (Q, C, K) on ``theta``."""
    src = source.subset([source.index_of[i] for i in ids])
    tgt = target.subset([target.index_of[i] for i in ids])
    return src, tgt.category_probabilities(theta)


def _source_probs(src: ItemParameters, theta: np.ndarray, A: float, B: float) -> np.ndarray:
    """Category probabilities (Q, C, K) of the source items moved to the target scale by ``A, B``."""
    out = np.zeros((len(theta), src.n_items, src.max_categories))
    for g in src.groups:
        out[:, g.index, : g.n_categories] = g.family.probabilities(theta, _transformed_eta(g, A, B), g.n_categories)
    return out


def _characteristic_curve(
    source: ItemParameters,
    target: ItemParameters,
    common: Sequence[str] | np.ndarray | None,
    theta: ArrayLike | None,
    weights: ArrayLike | None,
    method: str,
    criterion: str,
) -> LinkingConstants:
    """Haebara (``criterion="haebara"``) or Stocking-Lord linking constants on a weighted theta grid."""
    ids = common_items(source, target, common)
    if theta is None:
        grid, log_w = normal_grid(61, (-6.0, 6.0))
        weights = np.exp(log_w)
    else:
        grid = np.asarray(theta, dtype=float).reshape(-1)
    w = np.full(len(grid), 1.0 / len(grid)) if weights is None else np.asarray(weights, dtype=float).reshape(-1)
    if w.shape != grid.shape or np.any(w < 0):
        raise ValueError("weights should be non-negative, one per theta point")
    src, p_to = _curve_tables(source, target, ids, grid)
    cats = np.arange(p_to.shape[-1], dtype=float)

    def loss(v: np.ndarray) -> float:
        A, B = np.exp(v[0]), v[1]
        p_from = _source_probs(src, grid, A, B)
        if criterion == "haebara":
            return float(w @ np.sum((p_to - p_from) ** 2, axis=(1, 2)))
        diff = (p_to - p_from) @ cats  # (Q, C) expected-score differences
        return float(w @ diff.sum(axis=1) ** 2)

    start = mean_sigma(source, target, ids)
    x0 = np.array([np.log(max(start.A, 1e-3)), start.B])
    res = minimize(loss, x0, method="BFGS", options={"gtol": 1e-10})
    if not np.all(np.isfinite(res.x)):
        raise ValueError(f"{method} linking did not converge")
    return LinkingConstants(float(np.exp(res.x[0])), float(res.x[1]), method, ids, float(res.fun))


def haebara(
    source: ItemParameters,
    target: ItemParameters,
    common: Sequence[str] | np.ndarray | None = None,
    *,
    theta: ArrayLike | None = None,
    weights: ArrayLike | None = None,
) -> LinkingConstants:
    """Haebara's item characteristic curve linking.

    Minimizes ``sum_q w_q sum_j sum_k (P_jk(theta_q; to) - P_jk(theta_q; from*))^2``
    over ``A, B``, ``from*`` the source items transformed, on a theta grid of
    the target scale (default: 61 nodes on [-6, 6] with N(0, 1) weights).

    Parameters
    ----------
    source, target : ItemParameters
    common : sequence of str, optional
        Default every item in both tables.
    theta : array_like, shape (Q,), optional
    weights : array_like, shape (Q,), optional

    Returns
    -------
    LinkingConstants
    """
    return _characteristic_curve(source, target, common, theta, weights, "haebara", "haebara")


def stocking_lord(
    source: ItemParameters,
    target: ItemParameters,
    common: Sequence[str] | np.ndarray | None = None,
    *,
    theta: ArrayLike | None = None,
    weights: ArrayLike | None = None,
) -> LinkingConstants:
    """Stocking and Lord's test characteristic curve linking.

    Minimizes ``sum_q w_q (sum_j E_j(theta_q; to) - sum_j E_j(theta_q; from*))^2``
    (expected scores of the common items) over ``A, B``; grid as :func:`haebara`.

    Parameters
    ----------
    source, target : ItemParameters
    common : sequence of str, shape (C,), optional
        Default every item in both tables.
    theta : array_like, shape (Q,), optional
    weights : array_like, shape (Q,), optional

    Returns
    -------
    LinkingConstants
    """
    return _characteristic_curve(source, target, common, theta, weights, "stocking-lord", "stocking-lord")


def link(
    source: ItemParameters,
    target: ItemParameters,
    method: str = "stocking-lord",
    common: Sequence[str] | np.ndarray | None = None,
) -> LinkingConstants:
    """Linking constants by ``method``.

    Parameters
    ----------
    source, target : ItemParameters
    method : str
        One of :data:`LINKING_METHODS`.
    common : sequence of str, shape (C,), optional
        Default every item in both tables.

    Returns
    -------
    LinkingConstants
    """
    key = method.lower().replace("_", "-")
    funcs = {"mean-sigma": mean_sigma, "mean-mean": mean_mean, "haebara": haebara, "stocking-lord": stocking_lord}
    if key not in funcs:
        raise ValueError(f"unknown linking method {method!r}; expected one of {', '.join(LINKING_METHODS)}")
    return funcs[key](source, target, common)


def transform_parameters(params: ItemParameters, A: float, B: float) -> ItemParameters:
    """The table on the target scale: ``a / A``, ``A b + B``, thresholds likewise.

    Standard errors transform with the parameters (``se_a / A``,
    ``A se_b``); ``c``, ``d`` and their SEs are unchanged.

    Parameters
    ----------
    params : ItemParameters
    A, B : float
        ``theta_to = A theta_from + B``; ``A > 0``.

    Returns
    -------
    ItemParameters
    """
    if not (np.isfinite(A) and A > 0 and np.isfinite(B)):
        raise ValueError(f"A should be a positive number and B finite, got A={A}, B={B}")
    se = {}
    for name, v in params.se.items():
        if name == "a":
            se[name] = v / A
        elif name == "b" or (name.startswith("b") and name[1:].isdigit()):
            se[name] = v * A
        else:
            se[name] = v
    return replace(params, a=params.a / A, b=A * params.b + B, thresholds=A * params.thresholds + B, se=se)


def calibrate_new_items(
    responses: ResponseMatrix,
    bank: ItemParameters,
    model: str | Sequence[str] = "2pl",
    **options: Any,
) -> CalibrationResult:
    """Fixed-parameter calibration of new items onto the bank's scale.

    Every item of ``responses`` that the bank knows is an anchor held at its
    bank parameters; the latent mean and sd are free and updated in every
    EM cycle, so the new items (the others) come out on the bank's scale.
    Built on :func:`engine.irt.calibration.calibrate` with ``anchors``.

    Parameters
    ----------
    responses : ResponseMatrix
        Operational (bank) and new items; new items are those not in ``bank``.
    bank : ItemParameters
        The operational bank.
    model : str or sequence of str
        Model of the new items (one name, or one per response column).
    **options
        Passed to :func:`engine.irt.calibration.calibrate` (``n_nodes``, ``tol``, ``se``…).

    Returns
    -------
    CalibrationResult
        ``params`` holds every item (anchors unchanged); ``latent_mean`` and
        ``latent_sd`` the new sample's distribution on the bank's scale.
    """
    from engine.irt.calibration import calibrate

    known = [i for i in responses.item_ids.tolist() if i in bank.index_of]
    if not known:
        raise ValueError("no item of the responses is in the bank: nothing anchors the scale")
    if len(known) == responses.n_items:
        raise ValueError("every item is already in the bank: there is nothing new to calibrate")
    anchors = bank.subset([bank.index_of[i] for i in known])
    options.setdefault("latent", "free")
    return calibrate(responses, model, anchors=anchors, **options)
