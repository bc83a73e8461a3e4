"""Scoring every student of responses held on a cluster, each block where it is."""

from __future__ import annotations

import numpy as np

from cluster.dask_responses import DaskResponses
from engine.irt.parameters import ItemParameters
from engine.irt.responses import ResponseMatrix
from engine.irt.scoring import ScoreResult, score

__all__ = ["score_held"]


def _score_block(
    block: ResponseMatrix, params: ItemParameters, method: str, prior_mean: float, prior_sd: float
) -> ScoreResult:
    """One block's scores (a module-level function: the workers unpickle it by name)."""
    return score(block, params, method, prior_mean=prior_mean, prior_sd=prior_sd)


def score_held(
    responses: DaskResponses,
    params: ItemParameters,
    method: str = "eap",
    *,
    prior_mean: float = 0.0,
    prior_sd: float = 1.0,
) -> ScoreResult:
    """Every student's ability (N,), scored on the workers by :func:`engine.irt.scoring.score`.

    Parameters
    ----------
    responses : DaskResponses
        N students x J items.
    params : ItemParameters
        The J items, in the order of ``responses.item_ids``.
    method, prior_mean, prior_sd :
        As :func:`engine.irt.scoring.score`.

    Returns
    -------
    ScoreResult
        The students block after block (each block's students sorted by id).
    """
    parts = responses.map_blocks(_score_block, params, method, prior_mean, prior_sd)
    return ScoreResult(
        np.concatenate([p.student_ids for p in parts]),
        np.concatenate([p.theta for p in parts]),
        np.concatenate([p.se for p in parts]),
        method.lower(),
        np.concatenate([p.n_answers for p in parts]),
    )
