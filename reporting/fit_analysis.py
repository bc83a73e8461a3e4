"""The fit of a calibration to its responses: one pipeline for the CLI, the report and the bank pages.

:func:`analyze_fit` computes, from the responses and the item parameters,
every fit statistic the psychometrician reads: EAP abilities under the
calibration's latent distribution, item fit (S-X2 and M2 on complete data,
Yen's Q1 and its plausible-value form PV-Q1, infit/outfit and Zh), person
fit and reliability.  ``masterycat fit`` writes it as a table,
:func:`reporting.psychometric_report.analyze` lays it out in the report and
:func:`reporting.bank_analysis.bank_analysis` shows it on the bank pages.

A parameters table does not carry the latent distribution it was calibrated
on; :func:`latent_distribution` takes the one given or, for an all-Rasch
table (whose calibration estimates the latent sd), estimates it from the
responses with every item held at its parameters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.analysis.fit import (
    InfitOutfit,
    ModelFit,
    PersonFit,
    Q1Result,
    SX2Result,
    infit_outfit,
    m2,
    person_fit,
    pv_q1,
    sx2,
    x2_q1,
)
from engine.analysis.reliability import empirical_reliability, marginal_reliability
from engine.irt.calibration import calibrate
from engine.irt.parameters import ItemParameters
from engine.irt.responses import ResponseMatrix
from engine.irt.scoring import ScoreResult, score

__all__ = ["RESIDUAL_SCORES", "LatentDistribution", "latent_distribution", "FitAnalysis", "analyze_fit"]

#: Ability estimates the residual statistics (infit, outfit, Zh, person fit) may use.
RESIDUAL_SCORES = ("wle", "mle", "eap")


@dataclass(frozen=True)
class LatentDistribution:
    """The normal ability distribution a calibration's parameters are on.

    Attributes
    ----------
    mean, sd : float
    source : {"given", "estimated (Rasch)"}
        Given (or the N(0, 1) default), or estimated from the responses.
    """

    mean: float
    sd: float
    source: str


def latent_distribution(
    responses: ResponseMatrix, params: ItemParameters, mean: float | None = None, sd: float | None = None
) -> LatentDistribution:
    """The latent distribution of a parameters table: given, or estimated for an all-Rasch table.

    Rasch calibrations estimate the latent sd, so for an all-Rasch table with
    neither value given the mean and sd are estimated from the responses
    with every item held at its parameters; otherwise a missing mean is 0
    and a missing sd 1.

    Parameters
    ----------
    responses : ResponseMatrix
        N students x J items, columns in the order of ``params``.
    params : ItemParameters
        J items.
    mean, sd : float, optional

    Returns
    -------
    LatentDistribution

    Raises
    ------
    ValueError
        When ``sd`` is not positive.
    """
    if mean is None and sd is None and np.all(params.model == "rasch"):
        fit = calibrate(responses, "rasch", anchors=params, se=False, latent="free")
        return LatentDistribution(float(fit.latent_mean), float(fit.latent_sd), "estimated (Rasch)")
    mean = 0.0 if mean is None else mean
    sd = 1.0 if sd is None else sd
    if not sd > 0:
        raise ValueError(f"the latent sd must be positive, got {sd}")
    return LatentDistribution(float(mean), float(sd), "given")


@dataclass(frozen=True)
class FitAnalysis:
    """The fit statistics of a calibration (arrays in the parameter table's item order).

    Attributes
    ----------
    latent : LatentDistribution
    eap : ScoreResult
        EAP abilities under ``latent``, shape (N,); the ability scale of Q1,
        PV-Q1, the report's plots and the empirical reliability.
    residual_scores : {"wle", "mle", "eap"}
        Which ability estimates ``person_scores`` are.
    person_scores : ScoreResult
        The abilities of infit, outfit, Zh and person fit, shape (N,).
    sx2 : SX2Result or None
        S-X2 per item; None when the responses are incomplete.
    model_fit : ModelFit or None
        M2 (or M2*) of the whole model; None when the responses are
        incomplete or it cannot be computed (see ``notes``).
    q1 : Q1Result
        Yen's Q1 on EAP abilities, per item.
    pv_q1 : Q1Result
        Q1 on plausible values, per item (usable with missing data).
    infit : InfitOutfit
        Infit, outfit and Zh per item.
    persons : PersonFit
        lz, infit and outfit per student.
    marginal_reliability, empirical_reliability : float
    notes : tuple of str
        What was left out and why.
    """

    latent: LatentDistribution
    eap: ScoreResult
    residual_scores: str
    person_scores: ScoreResult
    sx2: SX2Result | None
    model_fit: ModelFit | None
    q1: Q1Result
    pv_q1: Q1Result
    infit: InfitOutfit
    persons: PersonFit
    marginal_reliability: float
    empirical_reliability: float
    notes: tuple[str, ...]


def analyze_fit(
    responses: ResponseMatrix,
    params: ItemParameters,
    *,
    latent_mean: float | None = None,
    latent_sd: float | None = None,
    seed: int = 0,
    residual_scores: str = "wle",
) -> FitAnalysis:
    """Item, person and model fit of a calibration.

    Parameters
    ----------
    responses : ResponseMatrix
        N students x J items, columns in the order of ``params``.
    params : ItemParameters
        J calibrated items.
    latent_mean, latent_sd : float, optional
        The calibration's latent distribution (see :func:`latent_distribution`).
    seed : int
        Seed of the plausible values of PV-Q1.
    residual_scores : {"wle", "mle", "eap"}
        Ability estimates for infit, outfit, Zh and person fit (EAP, mirt's
        default, shrinks the residual variance and pushes mean squares below 1).

    Returns
    -------
    FitAnalysis

    Raises
    ------
    ValueError
        When the responses and parameters list different items, or an
        option is out of range.
    """
    if responses.n_items != params.n_items or not np.array_equal(responses.item_ids, params.item_ids):
        raise ValueError("responses and parameters should list the same items in the same order")
    if residual_scores not in RESIDUAL_SCORES:
        raise ValueError(f"residual_scores should be wle, mle or eap, got {residual_scores!r}")
    latent = latent_distribution(responses, params, latent_mean, latent_sd)
    eap = score(responses, params, "eap", prior_mean=latent.mean, prior_sd=latent.sd)
    person = eap if residual_scores == "eap" else score(responses, params, residual_scores)
    notes = []
    item_sx2 = model_fit = None
    if responses.is_complete:
        item_sx2 = sx2(responses, params, latent_mean=latent.mean, latent_sd=latent.sd)
        try:
            model_fit = m2(responses, params, latent_mean=latent.mean, latent_sd=latent.sd)
        except ValueError as err:
            notes.append(f"M2 not computed: {err}")
    else:
        notes.append(
            "S-X2 and M2 need complete data (every student answered every item); these responses have missing "
            "cells, so item fit rests on plausible-value Q1 and infit/outfit."
        )
    return FitAnalysis(
        latent=latent,
        eap=eap,
        residual_scores=residual_scores,
        person_scores=person,
        sx2=item_sx2,
        model_fit=model_fit,
        q1=x2_q1(responses, params, eap.theta),
        pv_q1=pv_q1(responses, params, eap.theta, eap.se, np.random.default_rng(seed)),
        infit=infit_outfit(responses, params, person.theta),
        persons=person_fit(responses, params, person.theta),
        marginal_reliability=marginal_reliability(params, mean=latent.mean, sd=latent.sd),
        empirical_reliability=empirical_reliability(eap.theta, eap.se),
        notes=tuple(notes),
    )
