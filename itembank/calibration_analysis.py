"""A calibration's fit report, computed once and kept (``calibration_analysis``).

The fit of a calibration to the answers stored when it finished does not
change, but computing it (abilities, item fit on plausible values, person
fit, the information chart) takes seconds.  The numbers the fit report page
shows are therefore kept as one JSON document per calibration, written by
:mod:`reporting.fit_report` when the calibration finishes (or on the first
view of an older one), so the page reads one row.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, Session, SQLModel

from itembank.tables import UtcDateTime, utcnow

__all__ = ["CalibrationAnalysis", "stored_analysis", "store_analysis"]


class CalibrationAnalysis(SQLModel, table=True):
    """The fit report of one calibration, as :func:`reporting.fit_report.fit_report_document` made it."""

    __tablename__ = "calibration_analysis"

    calibration_id: int = Field(foreign_key="calibration.id", primary_key=True)
    made_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    document: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


def stored_analysis(session: Session, calibration_id: int) -> dict | None:
    """The stored fit report document of a calibration (None when none is stored)."""
    row = session.get(CalibrationAnalysis, calibration_id)
    return None if row is None else row.document


def store_analysis(session: Session, calibration_id: int, document: dict) -> None:
    """Store (or replace) the fit report document of a calibration; not committed."""
    row = session.get(CalibrationAnalysis, calibration_id)
    if row is None:
        row = CalibrationAnalysis(calibration_id=calibration_id)
    row.document = document
    row.made_at = utcnow()
    session.add(row)
    session.flush()
