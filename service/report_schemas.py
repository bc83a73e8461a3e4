"""Bodies of the reports API: the progress report, the reporting settings, a report card comment."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from itembank.report_cards import COMMENT_LENGTH, REPORT_METHODS

__all__ = [
    "HistoryPointOut",
    "EvidenceOut",
    "NoteOut",
    "StandardProgressOut",
    "NextStepOut",
    "ProgressReportOut",
    "ReportSettingsBody",
    "CommentBody",
    "CommentOut",
]

MethodName = Literal[REPORT_METHODS]  # type: ignore[valid-type]


class HistoryPointOut(BaseModel):
    day: date
    theta: float
    band: str


class EvidenceOut(BaseModel):
    when: datetime
    kind: str = Field(description="check, assessment, paper, or the answers' source (import, rescore)")
    title: str
    n_items: int
    points: int
    max_points: int
    percent: float


class NoteOut(BaseModel):
    text: str
    author: str
    when: datetime


class StandardProgressOut(BaseModel):
    standard_id: int
    code: str
    title: str
    level: str
    band: str | None
    p_mastery: float | None = Field(description="how sure: P(theta at or above the mastery cut)")
    theta: float | None
    se: float | None
    n_evidence: int
    last_assessed: datetime | None
    report_level: int | None = Field(description="1 Does not meet .. 4 Exceeds, under the district's method")
    report_level_name: str | None
    reported_percent: float | None = Field(description="the method's score for percent methods, else null")
    history: list[HistoryPointOut]
    evidence: list[EvidenceOut]
    notes: list[NoteOut]
    children: list[StandardProgressOut]


class NextStepOut(BaseModel):
    standard_id: int
    code: str
    title: str
    band: str
    practice: bool = Field(description="whether the bank has self-scoring items for a check on it")


class ProgressReportOut(BaseModel):
    student_id: int
    name: str
    start: date
    end: date
    term_id: int | None
    term_title: str | None
    method: str
    generated_at: datetime
    standards: list[StandardProgressOut]
    next_steps: list[NextStepOut]
    n_sittings: int


class ReportSettingsBody(BaseModel):
    method: MethodName = "irt"
    decay_weight: float = Field(0.65, gt=0, le=1)
    theta_cuts: list[float] = Field(
        [], max_length=3, description="three theta cuts, or none for each standard's own band cuts (the default)"
    )
    percent_cuts: list[float] = Field([50.0, 80.0, 90.0], min_length=3, max_length=3)


class CommentBody(BaseModel):
    term: int = Field(ge=1, le=2**31 - 1, description="the academic session's id")
    student_id: int = Field(ge=1, le=2**31 - 1)
    standard: str = Field(min_length=1, max_length=64, description="the standard's code")
    text: str = Field(max_length=COMMENT_LENGTH, description="empty removes the comment")


class CommentOut(BaseModel):
    student_id: int
    standard_id: int
    term: int
    text: str
