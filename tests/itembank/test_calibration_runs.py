"""A calibration job that fails: the row says why and the log names the run."""

from __future__ import annotations

import logging

from sqlmodel import Session

import itembank.calibrations as calibrations
from itembank.calibrations import create_calibration, run_calibration
from itembank.tables import CalibrationStatus


def _queued(world) -> int:
    with Session(world.engine) as s:
        cal = create_calibration(s, model="2pl")
        s.commit()
        return cal.id


def test_an_unexpected_failure_is_logged_with_the_run_id_and_traceback(world, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(calibrations, "response_matrix", broken)
    cal_id = _queued(world)
    with caplog.at_level(logging.WARNING, logger="itembank.calibrations"):
        cal = run_calibration(world.engine, cal_id)
    assert cal.status == CalibrationStatus.failed.value and cal.error == "RuntimeError: disk on fire"
    [record] = [r for r in caplog.records if r.name == "itembank.calibrations"]
    assert record.levelno == logging.ERROR
    assert record.getMessage() == f"calibration {cal_id} failed: RuntimeError: disk on fire"
    assert record.exc_info is not None and record.exc_info[0] is RuntimeError


def test_a_run_refused_for_its_data_is_a_warning_without_traceback(world, caplog):
    cal_id = _queued(world)  # the district has no answers yet
    with caplog.at_level(logging.WARNING, logger="itembank.calibrations"):
        cal = run_calibration(world.engine, cal_id)
    assert cal.status == CalibrationStatus.failed.value
    [record] = [r for r in caplog.records if r.name == "itembank.calibrations"]
    assert record.levelno == logging.WARNING and record.exc_info is None
    assert record.getMessage() == f"calibration {cal_id} failed: {cal.error}"
    assert "no scored responses" in cal.error
