"""Optional cross-check: variational-Bayes 2PL calibration through py-irt.

py-irt (Lalor & Rodriguez) fits IRT models by stochastic variational
inference with Pyro and PyTorch.  It is slower and, on our benchmarks, less
accurate than marginal maximum likelihood (``benchmarks/results``), so it is
not a dependency: install it with ``pip install "masterycat[bayes]"`` and call
:func:`calibrate_vi` (or ``masterycat calibrate --method vi``) to compare a
variational fit with the EM fit.  This module imports py-irt only when
called; the rest of the engine never imports torch.
"""

from __future__ import annotations

import numpy as np

from engine.irt.parameters import ItemParameters
from engine.irt.responses import ResponseMatrix

__all__ = ["calibrate_vi", "VariationalUnavailable"]


class VariationalUnavailable(ImportError):
    """py-irt (the ``bayes`` extra) is not installed."""


def calibrate_vi(responses: ResponseMatrix, *, epochs: int = 2000, seed: int = 0) -> ItemParameters:
    """2PL item parameters by py-irt's variational inference (vague priors).

    Parameters
    ----------
    responses : ResponseMatrix
        Dichotomous responses (0/1), dense or sparse; missing cells are left out.
    epochs : int
        SVI epochs (py-irt's default optimizer, Adam with learning rate 0.1).
    seed : int
        Pyro's random seed.

    Returns
    -------
    ItemParameters
        Posterior means of a and b in the logistic metric (py-irt uses
        ``a (theta - b)`` with no 1.702 constant, as we do).

    Raises
    ------
    VariationalUnavailable
        When py-irt is not installed.
    ValueError
        For polytomous responses.
    """
    if np.any(responses.n_categories != 2):
        raise ValueError("variational calibration is available for dichotomous (0/1) items only")
    try:
        import pyro
        from ordered_set import OrderedSet
        from py_irt.config import IrtConfig
        from py_irt.dataset import Dataset
        from py_irt.training import IrtModelTrainer
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise VariationalUnavailable('variational calibration needs py-irt: pip install "masterycat[bayes]"') from err
    items = [str(j) for j in range(responses.n_items)]
    students = [str(i) for i in range(responses.n_students)]
    dataset = Dataset(
        item_ids=OrderedSet(items),
        subject_ids=OrderedSet(students),
        item_id_to_ix={k: j for j, k in enumerate(items)},
        ix_to_item_id=dict(enumerate(items)),
        subject_id_to_ix={k: i for i, k in enumerate(students)},
        ix_to_subject_id=dict(enumerate(students)),
        observation_subjects=responses.student.tolist(),
        observation_items=responses.item.tolist(),
        observations=responses.score.astype(float).tolist(),
        training_example=[True] * responses.n_responses,
    )
    pyro.set_rng_seed(seed)
    config = IrtConfig(model_type="2pl", epochs=epochs, seed=seed, log_every=10**9)
    trainer = IrtModelTrainer(data_path=None, config=config, dataset=dataset, verbose=False)
    trainer.train()
    out = trainer.last_params
    order = np.array([int(out["item_ids"][k]) for k in range(len(out["item_ids"]))])
    a = np.empty(responses.n_items)
    b = np.empty(responses.n_items)
    a[order] = np.asarray(out["disc"], dtype=float)
    b[order] = np.asarray(out["diff"], dtype=float)
    return ItemParameters.from_arrays(responses.item_ids, "2pl", a=a, b=b)
