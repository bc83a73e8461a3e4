"""Request and response bodies of the assessment routes: forms, assignments, attempts, paper results, teams.

The shared rules of :mod:`service.schemas` hold here too: ids within
their columns' range, one-line text without control characters, bounded
lists, so that a hostile body is a 422 naming its field on SQLite and
PostgreSQL alike.  A student's view of a question
(:class:`QuestionPublic`) carries the key and rationale only when the
assignment's feedback policy has released them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from service.schemas import Answer, Band, Code, Id, ItemStudentView, OneLine

__all__ = [
    "Label",
    "Bounds",
    "BlueprintIn",
    "FormCreate",
    "FormUpdate",
    "FormItemPublic",
    "FormVersionPublic",
    "BlueprintRow",
    "FormPublic",
    "FormSummary",
    "RetakesIn",
    "AssignmentCreate",
    "AssignmentUpdate",
    "ReopenIn",
    "RetakeOfferIn",
    "RetakeOffered",
    "AssignmentPublic",
    "ProgressRowPublic",
    "ProgressPublic",
    "TodoPublic",
    "AttemptAnswerIn",
    "AnswerFeedback",
    "SavedAnswerPublic",
    "QuestionPublic",
    "AttemptPublic",
    "PaperRowIn",
    "PaperResultsIn",
    "PaperReportPublic",
    "TeamCreate",
    "TeamPublic",
    "PracticeSetting",
    "BandCount",
    "GroupStandardPublic",
    "ItemClassPublic",
    "ItemAnalysisPublic",
    "GrowthPublic",
    "StudentResultPublic",
    "ClassPublic",
    "TeacherResultPublic",
    "TeamAssessmentPublic",
]

#: A version's label (``A``, ``B``, ``yellow``)
Label = Annotated[str, StringConstraints(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9_-]+$")]
#: (min, max) items of a blueprint row per version
Bounds = Annotated[list[Annotated[int, Field(ge=0, le=60)]], Field(min_length=2, max_length=2)]
Kind = Literal["check", "form", "morning_work"]
FeedbackName = Literal["instant", "on_submit", "on_close"]
Purpose = Literal["exit_ticket", "common_assessment", "quiz"]


# ------------------------------------------------------------------- forms
class BlueprintIn(BaseModel):
    """What every version holds: its length, items per learning objective and per DOK level."""

    model_config = ConfigDict(extra="forbid")

    length: int = Field(ge=1, le=60)
    versions: int = Field(default=1, ge=1, le=8, description="parallel versions A, B, ... (disjoint)")
    standards: dict[Code, Bounds] = Field(
        default_factory=dict, max_length=50, description="learning objective code -> [min, max] items per version"
    )
    dok: dict[Literal["1", "2", "3", "4"], Bounds] = Field(
        default_factory=dict, description="depth of knowledge -> [min, max] items per version"
    )
    written: bool = Field(default=False, description="rubric-scored (written) items may be picked")


class FormCreate(BaseModel):
    """A form assembled to a blueprint on a standard, or picked by hand (``versions``)."""

    model_config = ConfigDict(extra="forbid")

    title: OneLine = Field(min_length=1, max_length=200)
    purpose: Purpose = "quiz"
    standard: Code | None = Field(default=None, description="the standard assessed (code or numeric id)")
    framework: Code | None = None
    team_id: Id | None = Field(default=None, description="the team that owns it (default: the teacher)")
    blueprint: BlueprintIn | None = None
    versions: dict[Label, Annotated[list[Code], Field(min_length=1, max_length=60)]] | None = Field(
        default=None, max_length=8, description="version label -> item ids in order, picked by hand"
    )

    @model_validator(mode="after")
    def _one_way(self) -> FormCreate:
        if (self.blueprint is None) == (self.versions is None):
            raise ValueError("give either a blueprint (assembled) or versions (picked by hand)")
        if self.blueprint is not None and self.standard is None:
            raise ValueError("a blueprint needs the standard to assemble the form on")
        return self


class FormUpdate(BaseModel):
    """A change to a form: allowed until it is first given; then it makes a new version (``/revisions``)."""

    model_config = ConfigDict(extra="forbid")

    title: OneLine | None = Field(default=None, min_length=1, max_length=200)
    versions: dict[Label, Annotated[list[Code], Field(min_length=1, max_length=60)]] | None = Field(
        default=None, max_length=8
    )


class FormItemPublic(BaseModel):
    position: int
    item_id: str
    objective: str | None
    dok: int
    interaction: str
    stem: str
    key: Any
    rationale: str


class FormVersionPublic(BaseModel):
    label: str
    items: list[FormItemPublic]
    information_at_cut: float | None = None


class BlueprintRow(BaseModel):
    what: str
    min: int
    max: int
    counts: dict[str, int]


class FormPublic(BaseModel):
    id: int
    title: str
    purpose: str
    standard_id: int | None
    standard: str | None
    owner_teacher_id: int | None
    team_id: int | None
    version: int
    previous_id: int | None
    locked: bool
    locked_at: datetime | None
    created_at: datetime
    versions: list[FormVersionPublic]
    blueprint: dict | None
    blueprint_met: dict[str, bool] | None = Field(description="per version; null for a form picked by hand")
    blueprint_rows: list[BlueprintRow] | None


class FormSummary(BaseModel):
    id: int
    title: str
    purpose: str
    standard: str | None
    team_id: int | None
    version: int
    locked: bool
    labels: list[str]
    created_at: datetime


# ------------------------------------------------------------- assignments
class RetakesIn(BaseModel):
    """Retakes a student may take on their own, and the wait between attempts."""

    model_config = ConfigDict(extra="forbid")

    max: int = Field(ge=0, le=10, description="retakes after the first attempt (0: none)")
    wait_days: int = Field(default=0, ge=0, le=365)
    mode: Literal["parallel", "adaptive"] = Field(
        default="parallel", description="the form's next parallel version, or an adaptive check on its standard"
    )


class AssignmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Kind
    title: OneLine | None = Field(default=None, min_length=1, max_length=200)
    standard: Code | None = Field(default=None, description="check and morning work: the standard (code or id)")
    framework: Code | None = None
    form_id: Id | None = None
    class_ids: list[Id] | None = Field(default=None, max_length=50)
    student_ids: list[Id] | None = Field(default=None, max_length=2000)
    opens_at: datetime | None = Field(default=None, description="default now; a time without offset is UTC")
    due_at: datetime | None = None
    closes_at: datetime | None = None
    late_allowed: bool = True
    feedback: FeedbackName
    retakes: RetakesIn
    items_per_tier: int = Field(default=3, ge=1, le=10, description="morning work: items per tier")


class AssignmentUpdate(BaseModel):
    """Extend an assignment for everyone (it opens again when it was closed)."""

    model_config = ConfigDict(extra="forbid")

    due_at: datetime | None = None
    closes_at: datetime | None = None
    late_allowed: bool | None = None


class ReopenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    closes_at: datetime = Field(description="the student's own closing time (in the future)")


class RetakeOfferIn(BaseModel):
    """Offer a retake to these students, or to every "not yet" student (lowest band) at once."""

    model_config = ConfigDict(extra="forbid")

    student_ids: list[Id] | None = Field(default=None, max_length=2000)
    not_yet: bool = False

    @model_validator(mode="after")
    def _someone(self) -> RetakeOfferIn:
        if not self.student_ids and not self.not_yet:
            raise ValueError("name student_ids or set not_yet")
        return self


class RetakeOffered(BaseModel):
    student_ids: list[int]


class AssignmentPublic(BaseModel):
    id: int
    title: str
    kind: Kind
    standard_id: int | None
    standard: str | None
    form_id: int | None
    class_ids: list[int]
    n_students: int
    opens_at: datetime
    due_at: datetime | None
    closes_at: datetime | None
    late_allowed: bool
    feedback: FeedbackName
    retakes: RetakesIn
    closed_at: datetime | None
    teacher_id: int | None
    created_at: datetime


class ProgressRowPublic(BaseModel):
    student_id: int
    name: str
    class_id: int | None
    status: Literal["not_started", "in_progress", "submitted", "waiting_for_scoring"]
    attempts: int
    attempt_id: int | None
    mode: Literal["online", "paper"] | None
    version: str | None
    submitted_at: datetime | None
    late: bool
    points: float | None
    max_points: int | None
    band: Band | None
    p_mastery: float | None
    closes_at: datetime | None
    retake_offered: bool
    not_yet: bool


class ProgressPublic(BaseModel):
    assignment_id: int
    counts: dict[str, int]
    rows: list[ProgressRowPublic]


class TodoPublic(BaseModel):
    assignment_id: int
    title: str
    kind: Kind
    standard: str | None
    standard_title: str | None
    status: Literal["not_started", "in_progress", "submitted", "waiting_for_scoring"]
    to_do: bool
    attempts: int
    attempt_id: int | None
    due_at: datetime | None
    closes_at: datetime | None
    late: bool
    can_start: bool
    why_not: str | None
    review_ready: bool
    points: float | None
    max_points: int | None
    band: Band | None


# ---------------------------------------------------------------- attempts
class AttemptAnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer: Answer


class AnswerFeedback(BaseModel):
    correct: bool | None
    score: int | None
    key: Any
    rationale: str


class SavedAnswerPublic(BaseModel):
    item_id: str
    answer: Any
    feedback: AnswerFeedback | None = Field(description="instant feedback only: the key after the answer")


class QuestionPublic(BaseModel):
    position: int
    item: ItemStudentView
    answer: Any
    waiting_for_scoring: bool
    score: int | None = None
    max_score: int | None = None
    correct: bool | None = None
    key: Any = None
    rationale: str | None = None
    rubric_level: str | None = None
    note: str | None = None


class AttemptPublic(BaseModel):
    id: int
    assignment_id: int
    student_id: int
    number: int
    mode: Literal["online", "paper"]
    status: Literal["in_progress", "submitted"]
    version: str | None
    check_id: int | None
    started_at: datetime
    submitted_at: datetime | None
    late: bool
    feedback_released: bool
    n_questions: int
    n_answered: int
    questions: list[QuestionPublic]


# ------------------------------------------------------------ paper results
class PaperRowIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    student_id: Id
    version: Label | None = None
    answers: dict[Code, Answer] = Field(
        max_length=60, description="item id -> choice, choices, number, or rubric level (0..3)"
    )


class PaperResultsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answered_on: date = Field(description="the day the class took it on paper (not in the future)")
    rows: list[PaperRowIn] = Field(min_length=1, max_length=2000)


class PaperReportPublic(BaseModel):
    students: int
    attempts_created: int
    answers_written: int
    corrections: int


# ------------------------------------------------------------------- teams
class TeamCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    school_id: Id
    name: OneLine = Field(min_length=1, max_length=200)
    teacher_ids: list[Id] = Field(min_length=1, max_length=100)


class TeamPublic(BaseModel):
    id: int
    school_id: int
    name: str
    teacher_ids: list[int]
    class_ids: list[int]


class PracticeSetting(BaseModel):
    model_config = ConfigDict(extra="forbid")

    free_practice: bool = Field(description="students may start checks of their own outside assignments")


class BandCount(BaseModel):
    band: Band
    students: int


class GroupStandardPublic(BaseModel):
    """A class's (or teacher's) students on one standard."""

    standard: str
    bands: list[BandCount]
    mean_p_mastery: float | None
    n: int


class ItemClassPublic(BaseModel):
    class_id: int
    n: int
    percent: float | None
    choices: dict[str, int]
    difference: float | None = Field(description="the class's proportion right minus the rest's")
    p_value: float | None
    q_value: float | None
    differs: bool


class ItemAnalysisPublic(BaseModel):
    item_id: str
    objective: str | None
    key: Any
    classes: list[ItemClassPublic]


class GrowthPublic(BaseModel):
    class_id: int
    standard: str
    previous_form: str
    n: int
    before: float
    now: float


class StudentResultPublic(BaseModel):
    student_id: int
    name: str
    class_id: int
    version: str | None
    mode: str
    submitted_at: datetime | None
    points: float
    max_points: int
    bands: dict[str, Band | None]
    p_mastery: dict[str, float | None]
    previous_p_mastery: dict[str, float | None]


class ClassPublic(BaseModel):
    class_id: int
    name: str
    teacher_id: int | None
    teacher: str
    reached: int
    taken: int
    on_paper: int
    standards: list[GroupStandardPublic]


class TeacherResultPublic(BaseModel):
    teacher_id: int | None
    teacher: str
    standards: list[GroupStandardPublic]


class TeamAssessmentPublic(BaseModel):
    team_id: int
    form_id: int
    form: str
    assignment_ids: list[int]
    standards: list[str]
    classes: list[ClassPublic]
    teachers: list[TeacherResultPublic]
    items: list[ItemAnalysisPublic]
    growth: list[GrowthPublic]
    students: list[StudentResultPublic] = Field(description="only the viewer's own students (an admin: all)")
