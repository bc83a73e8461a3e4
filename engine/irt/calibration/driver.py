""":func:`calibrate`: set-up, the EM iteration, finishing."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence

from numpy.typing import ArrayLike

from engine.irt.calibration.em import run_em
from engine.irt.calibration.finish import finish
from engine.irt.calibration.held_responses import HeldResponses
from engine.irt.calibration.polish import polish
from engine.irt.calibration.problem import set_up
from engine.irt.calibration.result import CalibrationResult
from engine.irt.calibration.standard_errors import SE_METHODS
from engine.irt.models import LOGISTIC
from engine.irt.parameters import ItemParameters
from engine.irt.responses import ResponseMatrix

__all__ = ["calibrate"]


def calibrate(
    responses: ResponseMatrix | HeldResponses,
    model: str | Sequence[str] = "2pl",
    *,
    anchors: ItemParameters | None = None,
    start: ItemParameters | None = None,
    fixed: Mapping[str, set[str]] | None = None,
    groups: ArrayLike | None = None,
    reference: str | None = None,
    free_items: Sequence[str] | None = None,
    n_nodes: int = 61,
    theta_limits: tuple[float, float] = (-6.0, 6.0),
    tol: float = 1e-4,
    max_iter: int = 2000,
    se: bool = True,
    se_method: str = "auto",
    guess_prior: tuple[float, float] | None = None,
    slope_prior: tuple[float, float] | None = None,
    latent: str = "auto",
    accelerate: bool = True,
    drop_inestimable: bool = False,
    progress: Callable[[int, float], None] | None = None,
) -> CalibrationResult:
    """Calibrate items by marginal maximum likelihood (Bock-Aitkin EM).

    Parameters
    ----------
    responses : ResponseMatrix or HeldResponses
        N students x J items, dense or sparse; missing cells are ignored.
        :class:`~.held_responses.HeldResponses` are held elsewhere (a
        cluster's workers) and calibrated by the same EM, their sums over
        students computed where they are (no ``groups``).
    model : str or sequence of str
        One model name for all items, or one per item (J,): ``rasch``,
        ``1pl``, ``2pl``, ``3pl``, ``4pl``, ``grm``, ``gpcm``.  ``1pl`` (one
        common slope) must be the model of every item.
    anchors : ItemParameters, optional
        Items whose parameters are all held at these values (linking new
        items onto the bank's scale).  Anchored items keep their own model.
    start : ItemParameters, optional
        Starting values for any items it lists.
    fixed : mapping of item id to set of str, optional
        Parameters held at their starting values: ``a``, ``c``, ``d``, and a
        location (``b`` or ``b1``..) together with ``a``; ``{"all"}``.
    groups : array_like, shape (N,), optional
        A group label per student: a multiple-group calibration (R mirt's
        ``multipleGroup``).  Each group has its own normal latent
        distribution; the items are equal across groups except
        ``free_items``.
    reference : str, optional
        The group whose latent distribution follows ``latent`` (N(0, 1)
        unless anchors or Rasch items set the scale); every other group's
        mean and sd are estimated.  Default: the largest group.
    free_items : sequence of str, optional
        Items whose parameters are estimated separately in each group
        (``result.groups[g].params``).
    n_nodes, theta_limits : int, (float, float)
        Quadrature grid (mirt's default: 61 nodes on [-6, 6]).
    tol : float
        Convergence when the largest parameter change of one EM step is
        below ``tol``.
    max_iter : int
        Most EM steps.
    se : bool
        Compute standard errors.
    se_method : {"auto", "louis", "block"}
        ``louis``: the full observed information; ``block``: its item
        diagonal blocks (for banks too large for a full matrix); ``auto``
        picks ``louis`` when N * Q * P^2 <= 2e9.
    guess_prior : (mean, sd), optional
        Normal prior on logit(c) of 3PL/4PL items.  None, as in mirt's
        defaults.
    slope_prior : (mean, sd), optional
        Normal prior on log(a) (lognormal on a), BILOG-style: keeps slopes of
        items with few answers (sparse adaptive data) finite.  None, as in
        mirt's defaults.
    latent : {"auto", "fixed", "free"}
        The (reference group's) latent distribution.  ``fixed``: N(0, 1).
        ``free``: mean and sd estimated (needs anchors or fixed items to set
        the scale).  ``auto``: free sd when no item has a free slope (Rasch),
        free mean and sd when anchors are given, else fixed.
    accelerate : bool
        SQUAREM acceleration (on by default).
    drop_inestimable : bool
        Leave out items the data cannot identify (no answers, every answer in
        one category, an unused middle category; in any group, for a freed
        item) and list them in ``result.dropped_items``, instead of refusing
        the calibration.
    progress : callable (iteration, loglik), optional
        Called after each cycle.

    Returns
    -------
    CalibrationResult

    Raises
    ------
    ValueError
        On invalid arguments or data the model cannot identify.
    """
    started = time.perf_counter()
    if se_method not in SE_METHODS:
        raise ValueError(f"se_method should be one of {SE_METHODS}, got {se_method!r}")
    problem = set_up(
        responses,
        model,
        anchors=anchors,
        start=start,
        fixed=fixed,
        groups=groups,
        reference=reference,
        free_items=free_items,
        n_nodes=n_nodes,
        theta_limits=theta_limits,
        guess_prior=guess_prior,
        slope_prior=slope_prior,
        latent=latent,
        drop_inestimable=drop_inestimable,
    )
    timings = {"e_step": 0.0, "m_step": 0.0, "se": 0.0, "e_steps": 0}
    outcomes = [
        run_em(problem, start, tol=tol, max_iter=max_iter, accelerate=accelerate, progress=progress, timings=timings)
        for start in problem.starts
    ]
    outcome = max(outcomes, key=lambda o: o.estep.loglik)  # several starts: the best maximum
    if any(g.family is LOGISTIC and g.free[:, 2:].any() for g in problem.groups):
        outcome = polish(problem, outcome, timings)  # asymptotes: EM stops early on their flat ridges
    return finish(problem, outcome, se_method=se_method if se else "none", timings=timings, started=started)
