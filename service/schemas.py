"""Request and response bodies of the HTTP API (pydantic).

Per resource: ``XCreate`` (body in), ``XUpdate`` (partial body in) and
``XPublic`` (body out); the table models of :mod:`itembank.tables` never leave
the service.  ``ItemStudentView`` is the only form of an item a student ever
receives before answering it: no key, rationale or parameters.

What comes in is checked here, the same for SQLite and PostgreSQL: ids
within the range of their columns (:data:`Id`, :data:`ResponseId`), text no
longer than its column, and no control characters: none in ids, codes and
names (:data:`OneLine`), only tabs and line breaks in longer text
(:data:`Text`).  PostgreSQL cannot store a NUL character and SQLite stored
it silently; both now answer 422 naming the field.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, StrictStr, StringConstraints, field_validator

from itembank.tables import MAX_BIGINT, MAX_INT_ID
from itembank.text_rules import CODE_LENGTH, ITEM_ID_LENGTH, ITEM_ID_PATTERN, ONE_LINE_PATTERN, TEXT_PATTERN

T = TypeVar("T")

RoleName = Literal["admin", "psychometrician", "teacher", "student", "guardian"]
LevelName = Literal["competency", "indicator", "objective"]
InteractionName = Literal[
    "single_choice",
    "multiple_select",
    "numeric_entry",
    "constructed_response",
    "text_entry",
    "inline_choice",
    "order",
    "match",
    "hot_text",
    "gap_match",
    "associate",
]
StatusName = Literal["draft", "pretest", "operational", "retired"]
ModelName = Literal["rasch", "1pl", "2pl", "3pl", "4pl", "grm", "gpcm"]
Band = Literal["green", "yellow", "red"]

#: One line (ids, codes, names, titles) and longer text: the rules of :mod:`itembank.text_rules`
OneLine = Annotated[str, StringConstraints(pattern=ONE_LINE_PATTERN)]
Text = Annotated[str, StringConstraints(pattern=TEXT_PATTERN)]
#: A framework, a standard's code, a student's external id, a reference to an item
Code = Annotated[str, StringConstraints(min_length=1, max_length=CODE_LENGTH, pattern=ONE_LINE_PATTERN)]
#: The id of a row of an ``INTEGER`` key (standards, people, classes, checks, calibrations)
Id = Annotated[int, Field(ge=1, le=MAX_INT_ID)]
#: The id of a response (a ``BIGINT`` key)
ResponseId = Annotated[int, Field(ge=1, le=MAX_BIGINT)]
#: A count or a score stored in an ``INTEGER`` column
Count = Annotated[int, Field(ge=0, le=MAX_INT_ID)]

#: An answer: a choice id, a list of choice ids, a number, or text (constructed response)
Answer = (
    Annotated[StrictStr, StringConstraints(max_length=20_000, pattern=TEXT_PATTERN)]
    | Annotated[
        list[Annotated[StrictStr, StringConstraints(max_length=16, pattern=ONE_LINE_PATTERN)]], Field(max_length=64)
    ]
    # a match's or gap match's [choice id, target id] pairs
    | Annotated[
        list[
            Annotated[
                list[Annotated[StrictStr, StringConstraints(max_length=16, pattern=ONE_LINE_PATTERN)]],
                Field(min_length=2, max_length=2),
            ]
        ],
        Field(max_length=64),
    ]
    | StrictInt
    | StrictFloat
)


class ErrorMessage(BaseModel):
    """The body of every error but a 422: what went wrong, in words."""

    detail: str


class FieldError(BaseModel):
    """One problem of a request: where (``["body", "student_id"]``, ``["query", "limit"]``) and what."""

    loc: list[str | int]
    msg: str
    type: str


class ValidationErrors(BaseModel):
    """The body of a 422: every problem of the request, each naming its field."""

    detail: list[FieldError]


class Paged(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class Me(BaseModel):
    id: int
    username: str
    role: RoleName
    student_id: int | None
    teacher_id: int | None


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(min_length=1, max_length=200)
    new_password: str = Field(min_length=8, max_length=200)


# ---------------------------------------------------------------- standards
class StandardCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    framework: Code
    code: Code
    title: OneLine = Field(min_length=1, max_length=500)
    description: Text = ""
    level: LevelName
    parent_code: Code | None = Field(default=None, description="code of the parent in the same framework")


class StandardUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: OneLine | None = Field(default=None, min_length=1, max_length=500)
    description: Text | None = None


class StandardPublic(BaseModel):
    id: int
    framework: str
    code: str
    title: str
    description: str
    level: LevelName
    parent_id: int | None
    parent_code: str | None = None
    retired: bool


# -------------------------------------------------------------------- items
class Choice(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: OneLine = Field(min_length=1, max_length=16)
    text: Text = Field(min_length=1)


class RubricLevel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    score: int = Field(ge=0, le=3)
    label: OneLine = Field(min_length=1, max_length=200)
    criteria: Text = Field(min_length=1)


class ItemCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(default=None, min_length=1, max_length=ITEM_ID_LENGTH, pattern=ITEM_ID_PATTERN)
    stem: Text = Field(min_length=1)
    interaction: InteractionName
    choices: list[Choice] = []
    key: Any = None
    tolerance: float = Field(default=0.0, ge=0)
    rationale: Text = ""
    rubric: list[RubricLevel] | None = None
    objective: Code = Field(description="code of the item's learning objective")
    framework: Code | None = Field(default=None, description="the objective's framework when codes are ambiguous")
    dok: int = Field(default=1, ge=1, le=4)
    status: StatusName = "draft"


class ItemUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stem: Text | None = Field(default=None, min_length=1)
    choices: list[Choice] | None = None
    key: Any = None
    tolerance: float | None = Field(default=None, ge=0)
    rationale: Text | None = None
    rubric: list[RubricLevel] | None = None
    objective: Code | None = None
    dok: int | None = Field(default=None, ge=1, le=4)
    status: StatusName | None = None


class ItemPublic(BaseModel):
    """The full item, for staff."""

    id: str
    stem: str
    interaction: InteractionName
    choices: list[Choice]
    key: Any
    tolerance: float
    rationale: str
    rubric: list[RubricLevel] | None
    objective_id: int | None
    objective: str | None
    dok: int
    status: StatusName
    version: int
    n_categories: int
    #: a match's targets, a gap match's gaps
    targets: list[Choice] = []
    #: the stem as sanitized XHTML (images, MathML, blanks), when it is more than text
    stem_html: str | None = None
    #: partial credit (itembank.answers); None: all or nothing
    scoring: dict[str, Any] | None = None


class ItemStudentView(BaseModel):
    """What a student sees of an item before answering it."""

    id: str
    stem: str
    interaction: InteractionName
    choices: list[Choice]
    answer_format: Literal["choice_id", "choice_ids", "choice_order", "pairs", "number", "text"]
    targets: list[Choice] = []
    stem_html: str | None = None


class ParametersPublic(BaseModel):
    item_id: str
    calibration_id: int
    model: str
    n_categories: int
    a: float
    b: float | None
    c: float | None
    d: float | None
    thresholds: list[float] | None
    se: dict[str, float | None] | None


class ImportReport(BaseModel):
    created: int
    updated: int


# ------------------------------------------------------------------- people
class StudentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    external_id: Code
    first_name: OneLine = Field(default="", max_length=100)
    last_name: OneLine = Field(default="", max_length=100)
    grade: int | None = Field(default=None, ge=0, le=13)


class StudentUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    first_name: OneLine | None = Field(default=None, max_length=100)
    last_name: OneLine | None = Field(default=None, max_length=100)
    grade: int | None = Field(default=None, ge=0, le=13)


class StudentPublic(BaseModel):
    id: int
    external_id: str
    first_name: str
    last_name: str
    grade: int | None
    retired: bool


class TeacherCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: OneLine = Field(min_length=1, max_length=200)
    email: OneLine = Field(default="", max_length=200)


class TeacherPublic(BaseModel):
    id: int
    name: str
    email: str


class ClassCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: OneLine = Field(min_length=1, max_length=200)
    teacher_id: Id
    grade: int | None = Field(default=None, ge=0, le=13)
    subject: OneLine = Field(default="mathematics", max_length=100)


class ClassUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: OneLine | None = Field(default=None, min_length=1, max_length=200)
    teacher_id: Id | None = None
    grade: int | None = Field(default=None, ge=0, le=13)
    subject: OneLine | None = Field(default=None, max_length=100)


class ClassPublic(BaseModel):
    id: int
    name: str
    #: the lead teacher; None for a class a roster lists without a teacher
    teacher_id: int | None
    grade: int | None
    subject: str
    retired: bool
    n_students: int = 0


class EnrollmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    student_id: Id


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._@-]+$")
    password: str = Field(min_length=8, max_length=200)
    role: RoleName
    student_id: Id | None = None
    teacher_id: Id | None = None


class UserPublic(BaseModel):
    id: int
    username: str
    role: RoleName
    student_id: int | None
    teacher_id: int | None
    active: bool


# ------------------------------------------------------------------- checks
class CheckCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    student_id: Id
    standard: Code = Field(description="a standard's code (its framework's) or numeric id")
    framework: Code | None = None


class Estimate(BaseModel):
    theta: float
    se: float
    band: Band
    p_mastery: float


class CheckStarted(BaseModel):
    check_id: int
    item: ItemStudentView | None
    estimate: Estimate | None = None
    done: bool = False
    stop_reason: str | None = None


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item_id: Code
    answer: Answer


class Feedback(BaseModel):
    key: Any
    rationale: str


class AnswerResult(BaseModel):
    response_id: int
    correct: bool
    score: int
    feedback: Feedback
    estimate: Estimate
    next_item: ItemStudentView | None
    done: bool
    stop_reason: str | None


class CheckPublic(BaseModel):
    id: int
    student_id: int
    standard_id: int
    standard: str
    status: Literal["active", "done"]
    n_answered: int
    current_item: ItemStudentView | None
    estimate: Estimate | None
    stop_reason: str | None
    started_at: datetime
    finished_at: datetime | None


# ---------------------------------------------------------------- responses
class ResponseCreate(BaseModel):
    """A response outside an adaptive check (e.g. a written answer)."""

    model_config = ConfigDict(extra="forbid")

    student_id: Id
    item_id: Code
    answer: Answer


class RescoreIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    score: Count = Field(description="rubric level 0..K-1")
    note: Text = Field(default="", max_length=2000)


class ResponsePublic(BaseModel):
    id: int
    student_id: int
    item_id: str
    item_version: int
    check_id: int | None
    answer: Any
    score: int | None
    correct: bool | None
    source: str
    supersedes_id: int | None
    scored_by: int | None
    note: str
    answered_at: datetime
    recorded_at: datetime


# ------------------------------------------------------------------ mastery
class MasteryCell(BaseModel):
    standard_id: int
    code: str
    level: LevelName
    theta: float | None
    se: float | None
    band: Band | None
    p_mastery: float | None
    n_evidence: int
    last_assessed: datetime | None


class StudentMastery(BaseModel):
    student_id: int
    standards: list[MasteryCell]


class GridStudent(BaseModel):
    id: int
    name: str


class GridStandard(BaseModel):
    id: int
    code: str
    title: str
    level: LevelName


class ClassGrid(BaseModel):
    class_id: int
    students: list[GridStudent]
    standards: list[GridStandard]
    #: ``cells[i][j]``: student i on standard j, or null when not assessed
    cells: list[list[MasteryCell | None]]


class MorningWorkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    standard: Code
    framework: Code | None = None
    items_per_tier: int = Field(default=3, ge=1, le=20)


class TierStudent(BaseModel):
    id: int
    name: str
    theta: float
    band: Band | None


class Tier(BaseModel):
    name: str
    students: list[TierStudent]
    items: list[ItemPublic]


class MorningWork(BaseModel):
    class_id: int
    standard: str
    tiers: list[Tier]


# ------------------------------------------------------------- calibrations
class CalibrationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: ModelName = "2pl"
    item_ids: list[Code] | None = Field(default=None, description="items to calibrate; default all with responses")
    statuses: list[StatusName] = Field(default_factory=lambda: ["pretest", "operational"])
    min_responses: int = Field(default=20, ge=1, le=MAX_INT_ID)
    make_live: bool = False

    @field_validator("item_ids")
    @classmethod
    def _nonempty(cls, v):
        if v is not None and not v:
            raise ValueError("give at least one item id, or leave item_ids out")
        return v


class CalibrationPublic(BaseModel):
    id: int
    model: str
    settings: dict
    status: Literal["queued", "running", "done", "failed"]
    progress: float
    live: bool
    loglik: float | None
    iterations: int | None
    converged: bool | None
    seconds: float | None
    n_students: int | None
    n_responses: int | None
    n_items: int = 0
    error: str | None
    created_by: int | None
    created_at: datetime
    finished_at: datetime | None
    made_live_at: datetime | None


class ItemFitPublic(BaseModel):
    """An item's fit and classical statistics against the stored responses."""

    item_id: str
    n: int
    p_value: float
    rit: float
    infit: float
    outfit: float
    sx2_p: float | None
    flags: tuple[str, ...]
