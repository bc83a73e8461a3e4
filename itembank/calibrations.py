"""Calibration runs: from stored responses to parameter rows to the live bank.

A run (:class:`~itembank.tables.Calibration`) is created ``queued`` with its
settings (:func:`create_calibration`), executed by :func:`run_calibration`
(usually in a background job: it opens its own transactions and records
progress), and made live by :func:`make_live`; the caller then reloads the
:class:`~itembank.bank.BankCache`.  Parameters can also come from a file
(:func:`import_parameters`).

Polytomous (rubric) items in a run whose model is dichotomous are calibrated
with the settings' ``poly_model`` (default ``grm``): one run, one scale.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable

import numpy as np
from sqlalchemy import insert, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from engine.adaptive.bank import AdaptiveBank
from engine.irt.calibration import calibratable_items, calibrate_dropping_misfits
from engine.irt.parameters import ItemParameters
from engine.mastery.estimates import estimate_rho, standard_log_likelihood
from itembank.db import in_batches
from itembank.errors import Invalid, NotFound
from itembank.responses import response_matrix
from itembank.tables import Calibration, CalibrationStatus, Item, ItemParameter, utcnow

__all__ = [
    "DICHOTOMOUS",
    "create_calibration",
    "get_calibration",
    "run_calibration",
    "save_parameters",
    "make_live",
    "import_parameters",
    "count_parameters",
    "mastery_rho",
]

DICHOTOMOUS = ("rasch", "1pl", "2pl", "3pl", "4pl")

logger = logging.getLogger(__name__)


def get_calibration(session: Session, calibration_id: int) -> Calibration:
    row = session.get(Calibration, calibration_id)
    if row is None:
        raise NotFound(f"no calibration with id {calibration_id}")
    return row


def create_calibration(
    session: Session,
    *,
    model: str,
    item_ids: list[str] | None = None,
    statuses: list[str] | None = None,
    min_responses: int = 20,
    poly_model: str = "grm",
    created_by: int | None = None,
) -> Calibration:
    """A queued run; unknown items are refused now rather than in the job."""
    if item_ids is not None:
        found = set(session.exec(select(Item.id).where(Item.id.in_(item_ids))).all())
        unknown = [i for i in item_ids if i not in found]
        if unknown:
            raise Invalid(f"unknown item {unknown[0]}", "item_ids")
    row = Calibration(
        model=model,
        settings={
            "item_ids": item_ids,
            "statuses": statuses or ["pretest", "operational"],
            "min_responses": int(min_responses),
            "poly_model": poly_model,
        },
        status=CalibrationStatus.queued.value,
        created_by=created_by,
    )
    session.add(row)
    session.flush()
    return row


def save_parameters(session: Session, calibration_id: int, params: ItemParameters) -> int:
    """Insert one parameter row per item of ``params``; returns the count."""
    rows = []
    for j, iid in enumerate(params.item_ids.tolist()):
        k = int(params.n_categories[j])
        dich = k == 2

        def num(v):
            v = float(v)
            return v if math.isfinite(v) else None

        se = {name: num(values[j]) for name, values in params.se.items()} if params.se else None
        rows.append(
            {
                "calibration_id": calibration_id,
                "item_id": iid,
                "model": str(params.model[j]),
                "n_categories": k,
                "a": float(params.a[j]),
                "b": num(params.b[j]) if dich else None,
                "c": num(params.c[j]) if dich else None,
                "d": num(params.d[j]) if dich else None,
                "thresholds": None if dich else [float(x) for x in params.thresholds[j, : k - 1]],
                "se": se,
            }
        )
    if rows:
        session.execute(insert(ItemParameter), rows)
    return len(rows)


def count_parameters(session: Session, calibration_id: int) -> int:
    return int(session.exec(select(func.count()).where(ItemParameter.calibration_id == calibration_id)).one())


def _set(engine: Engine, calibration_id: int, **values) -> None:
    with Session(engine) as session:
        session.execute(update(Calibration).where(Calibration.id == calibration_id).values(**values))
        session.commit()


#: Students sampled to estimate the mastery prior's rho (memory is N x S x Q).
RHO_SAMPLE = 4000


def mastery_rho(session: Session, params: ItemParameters, matrix, *, seed: int = 0) -> float | None:
    """Estimate the correlation of standard and general ability (:func:`engine.mastery.estimates.estimate_rho`).

    Standards are the items' learning objectives; at most :data:`RHO_SAMPLE`
    students (drawn with ``seed``) enter.  None when fewer than two
    objectives have answers.
    """
    objective = dict(
        session.exec(select(Item.id, Item.objective_id).where(Item.id.in_(params.item_ids.tolist()))).all()
    )
    names = np.array([str(objective.get(i)) for i in params.item_ids.tolist()])
    codes, standard = np.unique(names, return_inverse=True)
    if len(codes) < 2:
        return None
    bank = AdaptiveBank.from_parameters(params)
    aligned = matrix.align(params.item_ids.tolist())
    students = np.arange(aligned.n_students)
    if students.size > RHO_SAMPLE:
        students = np.sort(np.random.default_rng(seed).choice(students, RHO_SAMPLE, replace=False))
    keep = np.isin(aligned.student, students)
    remap = np.full(aligned.n_students, -1)
    remap[students] = np.arange(students.size)
    loglik = standard_log_likelihood(
        bank,
        remap[aligned.student[keep]],
        aligned.item[keep],
        aligned.score[keep],
        students.size,
        standard=standard,
        n_standards=len(codes),
    )
    return float(estimate_rho(bank, loglik))


#: log(a) ~ N(0, 0.5^2) unless a run's settings say otherwise
DEFAULT_SLOPE_PRIOR = (0.0, 0.5)


def run_calibration(
    engine: Engine,
    calibration_id: int,
    *,
    max_iter: int = 500,
    on_progress: Callable[[float], None] | None = None,
) -> Calibration:
    """Execute a queued run: read responses, calibrate, store the parameters.

    Progress (0..1, by EM cycle against ``max_iter``) is written to the row
    as the run goes; a failure is recorded with its message (status
    ``failed``) rather than raised.  The parameters and the final status are
    one transaction.
    """
    with Session(engine) as session:
        cal = get_calibration(session, calibration_id)
        settings = dict(cal.settings)
        model = cal.model
    _set(engine, calibration_id, status=CalibrationStatus.running.value, progress=0.0)
    try:
        with Session(engine) as session:
            matrix = response_matrix(session, item_ids=settings.get("item_ids"), statuses=settings.get("statuses"))
        keep = calibratable_items(matrix, int(settings.get("min_responses", 1)))
        if keep.size == 0:
            raise Invalid(
                f"no item has at least {settings.get('min_responses')} scored responses in every score category"
            )
        matrix = matrix.select_items(keep)
        poly = matrix.n_categories > 2
        if model in DICHOTOMOUS:
            models = np.where(poly, settings.get("poly_model", "grm"), model)
        elif np.any(~poly):
            models = np.where(poly, model, "2pl")
        else:
            models = np.full(matrix.n_items, model)
        if model == "1pl" and np.any(poly):
            raise Invalid("a 1pl run needs dichotomous items only")
        last = [0.0]

        def progress(iteration: int, _loglik: float) -> None:
            frac = min(0.95, iteration / max_iter)
            if frac - last[0] >= 0.05:
                last[0] = frac
                _set(engine, calibration_id, progress=frac)
                if on_progress is not None:
                    on_progress(frac)

        # operational data are sparse (adaptive checks): a weak lognormal prior on
        # the slopes keeps items with few answers finite (BILOG's practice);
        # settings {"slope_prior": null} turns it off, [mean, sd] changes it
        prior = settings.get("slope_prior", list(DEFAULT_SLOPE_PRIOR))
        result, matrix, dropped = calibrate_dropping_misfits(
            matrix,
            models,
            max_iter=max_iter,
            se=True,
            progress=progress,
            slope_prior=None if prior is None else (float(prior[0]), float(prior[1])),
        )
        with Session(engine) as session:
            rho = mastery_rho(session, result.params, matrix, seed=calibration_id)
            save_parameters(session, calibration_id, result.params)
            session.execute(
                update(Calibration)
                .where(Calibration.id == calibration_id)
                .values(
                    status=CalibrationStatus.done.value,
                    progress=1.0,
                    loglik=float(result.loglik),
                    iterations=int(result.iterations),
                    converged=bool(result.converged),
                    seconds=float(result.seconds),
                    n_students=int(matrix.n_students),
                    n_responses=int(matrix.n_responses),
                    mastery_rho=rho,
                    settings={**settings, "dropped_items": dropped},
                    finished_at=utcnow(),
                )
            )
            session.commit()
    except Exception as err:  # recorded on the row, not raised: this runs as a job
        expected = isinstance(err, (Invalid, ValueError))
        message = str(err) if expected else f"{type(err).__name__}: {err}"
        _set(engine, calibration_id, status=CalibrationStatus.failed.value, error=message[:2000], finished_at=utcnow())
        if expected:
            logger.warning("calibration %d failed: %s", calibration_id, message)
        else:
            logger.error("calibration %d failed: %s", calibration_id, message, exc_info=err)
    with Session(engine) as session:
        return get_calibration(session, calibration_id)


def make_live(session: Session, calibration_id: int) -> Calibration:
    """Mark ``calibration_id`` the live calibration (and no other); not committed."""
    cal = get_calibration(session, calibration_id)
    if cal.status != CalibrationStatus.done.value:
        raise Invalid(f"calibration {calibration_id} is {cal.status}; only a finished run can go live", "status")
    if count_parameters(session, calibration_id) == 0:
        raise Invalid(f"calibration {calibration_id} has no parameters", "status")
    session.execute(update(Calibration).where(Calibration.live == True).values(live=False))  # noqa: E712
    cal.live = True
    cal.made_live_at = utcnow()
    session.add(cal)
    session.flush()
    return cal


def import_parameters(
    session: Session, params: ItemParameters, *, created_by: int | None = None, source: str = ""
) -> Calibration:
    """Store a parameter table read from a file as a finished calibration.

    Every item must exist and its number of categories match; otherwise
    nothing is written.
    """
    ids = params.item_ids.tolist()
    known = {}
    for chunk in in_batches(ids):
        known.update(session.exec(select(Item.id, Item.n_categories).where(Item.id.in_(chunk))).all())
    for row, iid in enumerate(ids, start=2):
        if iid not in known:
            raise Invalid(f"line {row}, column item_id: unknown item {iid}", "file")
        if int(params.n_categories[row - 2]) != known[iid]:
            raise Invalid(
                f"line {row}: item {iid} has {known[iid]} score categories, the file gives {int(params.n_categories[row - 2])}",
                "file",
            )
    models = sorted(set(params.model.tolist()))
    cal = Calibration(
        model=models[0] if len(models) == 1 else "mixed",
        settings={"imported": True, "source": source},
        status=CalibrationStatus.done.value,
        progress=1.0,
        created_by=created_by,
        finished_at=utcnow(),
    )
    session.add(cal)
    session.flush()
    save_parameters(session, cal.id, params)
    return cal
