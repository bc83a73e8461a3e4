"""LTI 1.3 Advantage: what masterycat keeps as a tool of the district's LMS.

Tables
------
:class:`LtiPlatform`, :class:`LtiDeployment`
    a registered LMS (issuer, client id, its OIDC, token and JWKS URLs, what a
    score means there) and the deployment ids it may launch with.
:class:`LtiToolKey`
    masterycat's own RSA signing keys (created on first use, rotated; a retired
    key stays published for :data:`KEY_GRACE` so tokens signed with it still verify).
:class:`LtiLaunchState`
    the state and nonce of each OIDC login, used once by the launch that follows.
:class:`LtiUserLink`, :class:`LtiContextLink`
    an LMS user (issuer + ``sub``) as a masterycat login; an LMS course (context)
    as a class, with its NRPS and AGS service URLs.
:class:`LtiLineItem`
    a gradebook column of the LMS fed by one assignment.
:class:`LtiScoreOutbox`
    scores waiting to reach the LMS: written in the transaction of the hand-in
    that produced them (:func:`queue_attempt_scores`), delivered by
    ``service.lti.outbox`` at least once (the score's timestamp makes a repeat
    harmless).

The functions never commit: the caller owns the transaction.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, Session, SQLModel, col, select

from itembank.assessments import Assignment, AssignmentClass, AssignmentStudent, Attempt
from itembank.bank import OperationalBank
from itembank.district import ClassTeacher
from itembank.errors import Invalid, NotFound
from itembank.tables import BigId, Enrollment, Role, SchoolClass, Student, Teacher, User, UtcDateTime, utcnow

__all__ = [
    "LtiPlatform",
    "LtiDeployment",
    "LtiToolKey",
    "LtiLaunchState",
    "LtiUserLink",
    "LtiContextLink",
    "LtiLineItem",
    "LtiScoreOutbox",
    "ScoreMeaning",
    "OutboxStatus",
    "KEY_GRACE",
    "STATE_LIFETIME",
    "register_platform",
    "list_platforms",
    "find_platform",
    "get_platform",
    "deployment_ids_of",
    "join_class",
    "record_delivery",
    "send_again",
    "set_score_meaning",
    "signing_key",
    "committed_signing_key",
    "published_keys",
    "rotate_keys",
    "new_launch_state",
    "use_launch_state",
    "LaunchUser",
    "role_from_lti",
    "link_user",
    "link_context",
    "ensure_recipient",
    "record_line_item",
    "line_items_of",
    "attempt_score",
    "queue_attempt_scores",
    "queue_check_scores",
    "queue_response_scores",
    "due_scores",
    "outbox_rows",
    "Member",
    "apply_membership",
]

#: how long a retired tool key stays published: longer than any token masterycat signs lives
KEY_GRACE = timedelta(hours=1)
#: how long an OIDC login's state waits for its launch
STATE_LIFETIME = timedelta(minutes=10)
#: deliveries tried before a score is marked failed (an admin may send it again)
MAX_TRIES = 12

_ROLE_VOCAB = "http://purl.imsglobal.org/vocab/lis/v2/"
#: the password hash of a login made by a launch: no password matches it
NO_PASSWORD = "!lti-launch-only"


def _ts(**kw) -> Any:
    return Field(default_factory=utcnow, sa_type=UtcDateTime, **kw)


def _opt_ts(**kw) -> Any:
    return Field(default=None, sa_type=UtcDateTime, **kw)


class ScoreMeaning:
    """What the score sent to the LMS means (a platform's setting)."""

    percent = "percent"  #: percent of the points, out of 100
    proficiency = "proficiency"  #: a level 1..4 (not yet, nearly there, mastered, beyond)
    mastery = "mastery"  #: P(mastery) x 100, out of 100

    ALL = (percent, proficiency, mastery)
    MAXIMUM = {percent: 100.0, proficiency: 4.0, mastery: 100.0}


class OutboxStatus:
    pending = "pending"
    delivered = "delivered"
    failed = "failed"


class LtiPlatform(SQLModel, table=True):
    """An LMS registered as an LTI 1.3 platform."""

    __tablename__ = "lti_platform"
    __table_args__ = (UniqueConstraint("issuer", "client_id", name="uq_lti_platform_client"),)

    id: int | None = Field(default=None, primary_key=True)
    issuer: str = Field(max_length=255, index=True)
    client_id: str = Field(max_length=255)
    auth_login_url: str = Field(max_length=1000)
    auth_token_url: str = Field(max_length=1000)
    jwks_url: str = Field(max_length=1000)
    score_meaning: str = Field(default=ScoreMeaning.percent, max_length=16)
    created_at: datetime = _ts()


class LtiDeployment(SQLModel, table=True):
    """A deployment id the platform may launch with."""

    __tablename__ = "lti_deployment"

    platform_id: int = Field(foreign_key="lti_platform.id", primary_key=True)
    deployment_id: str = Field(max_length=255, primary_key=True)


class LtiToolKey(SQLModel, table=True):
    """One of masterycat's RSA signing keys; the newest unretired one signs."""

    __tablename__ = "lti_tool_key"

    kid: str = Field(max_length=64, primary_key=True)
    private_pem: str = Field(sa_type=Text)
    public_jwk: dict = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = _ts()
    retired_at: datetime | None = _opt_ts()


class LtiLaunchState(SQLModel, table=True):
    """An OIDC login's state and nonce, waiting for the launch (used once)."""

    __tablename__ = "lti_launch_state"

    state: str = Field(max_length=64, primary_key=True)
    nonce: str = Field(max_length=64, unique=True)
    platform_id: int = Field(foreign_key="lti_platform.id", index=True)
    created_at: datetime = _ts()
    used_at: datetime | None = _opt_ts()


class LtiUserLink(SQLModel, table=True):
    """An LMS user (the platform's ``sub``) as a masterycat login."""

    __tablename__ = "lti_user_link"

    platform_id: int = Field(foreign_key="lti_platform.id", primary_key=True)
    sub: str = Field(max_length=255, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)


class LtiContextLink(SQLModel, table=True):
    """An LMS course (context) as a class, with the service URLs its launches carried."""

    __tablename__ = "lti_context_link"
    __table_args__ = (UniqueConstraint("platform_id", "context_id", name="uq_lti_context"),)

    id: int | None = Field(default=None, primary_key=True)
    platform_id: int = Field(foreign_key="lti_platform.id")
    context_id: str = Field(max_length=255)
    class_id: int = Field(foreign_key="school_class.id", index=True)
    memberships_url: str | None = Field(default=None, max_length=1000)
    lineitems_url: str | None = Field(default=None, max_length=1000)
    synced_at: datetime | None = _opt_ts()


class LtiLineItem(SQLModel, table=True):
    """A gradebook column of the LMS that one assignment's scores go to."""

    __tablename__ = "lti_line_item"
    __table_args__ = (UniqueConstraint("platform_id", "url", name="uq_lti_line_item_url"),)

    id: int | None = Field(default=None, primary_key=True)
    platform_id: int = Field(foreign_key="lti_platform.id")
    url: str = Field(max_length=1000)
    assignment_id: int = Field(foreign_key="assignment.id", index=True)
    label: str = Field(max_length=200)
    score_maximum: float


class LtiScoreOutbox(SQLModel, table=True):
    """A score on its way to a line item (``score``: the AGS score JSON, with its timestamp)."""

    __tablename__ = "lti_score_outbox"

    id: int | None = Field(default=None, sa_type=BigId, primary_key=True)
    line_item_id: int = Field(foreign_key="lti_line_item.id", index=True)
    attempt_id: int | None = Field(default=None, foreign_key="attempt.id", index=True)
    score: dict = Field(sa_column=Column(JSON, nullable=False))
    status: str = Field(default=OutboxStatus.pending, max_length=16, index=True)
    tries: int = Field(default=0)
    next_try_at: datetime = _ts(index=True)
    last_error: str = Field(default="", max_length=1000)
    created_at: datetime = _ts()
    delivered_at: datetime | None = _opt_ts()


# ------------------------------------------------------------------ platforms
def _check_url(value: str, field: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise Invalid(f"{field} must be an http(s) URL, not {value!r}", field)
    return value.strip()


def register_platform(
    session: Session,
    *,
    issuer: str,
    client_id: str,
    deployment_ids: list[str],
    auth_login_url: str,
    auth_token_url: str,
    jwks_url: str,
) -> LtiPlatform:
    """Register an LMS (or update the URLs of one registered with the same issuer and client id).

    The deployment ids are added to those it has.

    Raises
    ------
    Invalid
        A URL that is not http(s), an empty issuer, client id or deployment id (the field named).
    """
    issuer, client_id = issuer.strip(), client_id.strip()
    _check_url(issuer, "issuer")
    if not client_id or len(client_id) > 255:
        raise Invalid("client_id must be 1 to 255 characters", "client_id")
    deployments = [d.strip() for d in deployment_ids]
    if not deployments or any(not d or len(d) > 255 for d in deployments):
        raise Invalid("give at least one deployment id, each 1 to 255 characters", "deployment_id")
    urls = {
        "auth_login_url": _check_url(auth_login_url, "auth_login_url"),
        "auth_token_url": _check_url(auth_token_url, "auth_token_url"),
        "jwks_url": _check_url(jwks_url, "jwks_url"),
    }
    platform = session.exec(
        select(LtiPlatform).where(LtiPlatform.issuer == issuer, LtiPlatform.client_id == client_id)
    ).first()
    if platform is None:
        platform = LtiPlatform(issuer=issuer, client_id=client_id, **urls)
    else:
        for name, value in urls.items():
            setattr(platform, name, value)
    session.add(platform)
    session.flush()
    known = set(deployment_ids_of(session, platform.id))
    for deployment in dict.fromkeys(deployments):
        if deployment not in known:
            session.add(LtiDeployment(platform_id=platform.id, deployment_id=deployment))
    session.flush()
    return platform


def list_platforms(session: Session) -> list[LtiPlatform]:
    return list(session.exec(select(LtiPlatform).order_by(LtiPlatform.id)).all())


def get_platform(session: Session, platform_id: int) -> LtiPlatform:
    platform = session.get(LtiPlatform, platform_id)
    if platform is None:
        raise NotFound(f"no LTI platform with id {platform_id}")
    return platform


def find_platform(session: Session, issuer: str, client_id: str | None) -> LtiPlatform | None:
    """The platform of ``issuer`` (and ``client_id`` when given); None when unknown or ambiguous."""
    stmt = select(LtiPlatform).where(LtiPlatform.issuer == issuer)
    if client_id:
        stmt = stmt.where(LtiPlatform.client_id == client_id)
    found = session.exec(stmt.limit(2)).all()
    return found[0] if len(found) == 1 else None


def deployment_ids_of(session: Session, platform_id: int | None) -> list[str]:
    stmt = select(LtiDeployment.deployment_id).where(LtiDeployment.platform_id == platform_id)
    return list(session.exec(stmt.order_by(LtiDeployment.deployment_id)).all())


def set_score_meaning(session: Session, platform: LtiPlatform, meaning: str) -> None:
    if meaning not in ScoreMeaning.ALL:
        raise Invalid(f"score_meaning must be one of {', '.join(ScoreMeaning.ALL)}", "score_meaning")
    platform.score_meaning = meaning
    session.add(platform)
    session.flush()


# ------------------------------------------------------------------ tool keys
def _new_key(now: datetime) -> LtiToolKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    kid = secrets.token_urlsafe(16)
    public = jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key(), as_dict=True)
    public.update({"kid": kid, "alg": "RS256", "use": "sig"})
    return LtiToolKey(kid=kid, private_pem=pem, public_jwk=public, created_at=now)


def signing_key(session: Session, now: datetime | None = None) -> LtiToolKey:
    """The key masterycat signs with: the newest unretired one, created on first use (flushed)."""
    key = session.exec(
        select(LtiToolKey).where(col(LtiToolKey.retired_at).is_(None)).order_by(col(LtiToolKey.created_at).desc())
    ).first()
    if key is None:
        key = _new_key(now or utcnow())
        session.add(key)
        session.flush()
    return key


def committed_signing_key(engine) -> LtiToolKey:
    """:func:`signing_key` in a transaction of its own, committed before the key is used.

    A platform checks what masterycat signs against ``/lti/jwks``, read by
    another request: a key created inside a transaction still open would be
    unknown there (and another request would make a second one).
    """
    with Session(engine, expire_on_commit=False) as own:
        key = signing_key(own)
        own.commit()
        return key


def published_keys(session: Session, now: datetime | None = None) -> list[dict]:
    """The public JWKs to publish: the signing key and those retired less than :data:`KEY_GRACE` ago."""
    now = now or utcnow()
    signing_key(session, now)
    rows = session.exec(select(LtiToolKey).order_by(col(LtiToolKey.created_at).desc())).all()
    return [dict(r.public_jwk) for r in rows if r.retired_at is None or r.retired_at > now - KEY_GRACE]


def rotate_keys(session: Session, now: datetime | None = None) -> LtiToolKey:
    """A new signing key; the old one retires (published for :data:`KEY_GRACE` more), older ones are dropped."""
    now = now or utcnow()
    for key in session.exec(select(LtiToolKey)).all():
        if key.retired_at is None:
            key.retired_at = now
            session.add(key)
        elif key.retired_at <= now - KEY_GRACE:
            session.delete(key)
    fresh = _new_key(now)
    session.add(fresh)
    session.flush()
    return fresh


# ------------------------------------------------------------- launch states
def new_launch_state(session: Session, platform: LtiPlatform, now: datetime | None = None) -> LtiLaunchState:
    """A fresh state and nonce for an OIDC login (expired ones are dropped)."""
    now = now or utcnow()
    for old in session.exec(select(LtiLaunchState).where(LtiLaunchState.created_at < now - STATE_LIFETIME)).all():
        session.delete(old)
    row = LtiLaunchState(
        state=secrets.token_urlsafe(32), nonce=secrets.token_urlsafe(32), platform_id=platform.id, created_at=now
    )
    session.add(row)
    session.flush()
    return row


def use_launch_state(session: Session, state: str, now: datetime | None = None) -> LtiLaunchState | str:
    """Mark the login's state used; the row, or why it cannot be used (unknown, used, expired)."""
    now = now or utcnow()
    row = session.get(LtiLaunchState, state[:64], with_for_update=True) if state else None
    if row is None:
        return "the launch's state is unknown: it did not come from a login this server started"
    if row.used_at is not None:
        return "the launch's state was already used: a launch can be sent only once"
    if row.created_at < now - STATE_LIFETIME:
        return "the login took too long: its state has expired"
    row.used_at = now
    session.add(row)
    session.flush()
    return row


# -------------------------------------------------------------- users, classes
@dataclass(frozen=True)
class LaunchUser:
    """Who an id_token names."""

    sub: str
    role: str
    given_name: str = ""
    family_name: str = ""
    name: str = ""
    email: str = ""
    #: the roster's id of the person (the ``lis`` claim's ``person_sourcedid``)
    sourced_id: str | None = None


def role_from_lti(roles: list[str]) -> str | None:
    """masterycat's role from LTI roles: Administrator admin, Instructor teacher, Learner student (else None).

    A sub-role counts as its principal role (``membership/Instructor#TeachingAssistant`` is an Instructor);
    the short context role names (``Instructor``) are read too.
    """
    short = set()
    for role in roles:
        if not isinstance(role, str) or not (role.startswith(_ROLE_VOCAB) or "#" not in role):
            continue
        principal, _, name = role.rpartition("#")
        short.add(name)
        if "/membership/" in principal:
            short.add(principal.rsplit("/", 1)[-1])
    if "Administrator" in short:
        return Role.admin.value
    if "Instructor" in short:
        return Role.teacher.value
    if "Learner" in short:
        return Role.student.value
    return None


def _username(platform: LtiPlatform, sub: str) -> str:
    return f"lti{platform.id}-{hashlib.sha256(sub.encode()).hexdigest()[:24]}"


def _rostered_user(session: Session, who: LaunchUser) -> User | None:
    """The login of the person the roster knows as ``who.sourced_id`` (made for a rostered record without one)."""
    if not who.sourced_id:
        return None
    user = session.exec(select(User).where(User.sourced_id == who.sourced_id)).first()
    if user is not None:
        return user
    student = session.exec(select(Student).where(Student.sourced_id == who.sourced_id)).first()
    teacher = session.exec(select(Teacher).where(Teacher.sourced_id == who.sourced_id)).first()
    if student is not None:
        user = session.exec(select(User).where(User.student_id == student.id)).first()
    elif teacher is not None:
        user = session.exec(select(User).where(User.teacher_id == teacher.id)).first()
    return user


def _new_user(session: Session, platform: LtiPlatform, who: LaunchUser) -> User:
    name = who.name or " ".join(p for p in (who.given_name, who.family_name) if p) or "LMS user"
    student_id = teacher_id = None
    if who.role == Role.student.value:
        student = Student(
            external_id=_username(platform, who.sub),
            first_name=(who.given_name or name)[:100],
            last_name=who.family_name[:100],
        )
        session.add(student)
        session.flush()
        student_id = student.id
    elif who.role == Role.teacher.value:
        teacher = Teacher(name=name[:200], email=who.email[:200])
        session.add(teacher)
        session.flush()
        teacher_id = teacher.id
    user = User(
        username=_username(platform, who.sub),
        # not a hash of any password (argon2 refuses it): the LMS is how this user arrives
        password_hash=NO_PASSWORD,
        role=who.role,
        student_id=student_id,
        teacher_id=teacher_id,
    )
    session.add(user)
    session.flush()
    return user


def link_user(session: Session, platform: LtiPlatform, who: LaunchUser) -> User:
    """The masterycat login of an LMS user: linked before, found by the roster's sourcedId, or made now.

    Raises
    ------
    Invalid
        The linked login is deactivated.
    """
    link = session.get(LtiUserLink, (platform.id, who.sub))
    user = session.get(User, link.user_id) if link is not None else None
    if user is None:
        user = _rostered_user(session, who) or _new_user(session, platform, who)
        session.add(LtiUserLink(platform_id=platform.id, sub=who.sub, user_id=user.id))
        session.flush()
    if not user.active:
        raise Invalid("this masterycat login is deactivated: ask the district's masterycat admin", "sub")
    return user


def link_context(
    session: Session,
    platform: LtiPlatform,
    context_id: str,
    *,
    title: str,
    section_sourced_id: str | None = None,
    memberships_url: str | None = None,
    lineitems_url: str | None = None,
) -> LtiContextLink:
    """The class of an LMS course: linked before, the rostered section, or a new class (flushed)."""
    link = session.exec(
        select(LtiContextLink).where(LtiContextLink.platform_id == platform.id, LtiContextLink.context_id == context_id)
    ).first()
    if link is None:
        school_class = None
        if section_sourced_id:
            school_class = session.exec(select(SchoolClass).where(SchoolClass.sourced_id == section_sourced_id)).first()
        if school_class is None:
            school_class = SchoolClass(name=(title or "LMS course")[:200])
            session.add(school_class)
            session.flush()
        link = LtiContextLink(platform_id=platform.id, context_id=context_id, class_id=school_class.id)
    if memberships_url:
        link.memberships_url = memberships_url
    if lineitems_url:
        link.lineitems_url = lineitems_url
    session.add(link)
    session.flush()
    return link


def join_class(session: Session, user: User, class_id: int) -> None:
    """A student enrolled in the class; a teacher its lead (when it has none) or one of its teachers."""
    if user.student_id is not None and session.get(Enrollment, (class_id, user.student_id)) is None:
        session.add(Enrollment(class_id=class_id, student_id=user.student_id))
    if user.teacher_id is not None:
        school_class = session.get(SchoolClass, class_id)
        if school_class is not None and school_class.teacher_id is None:
            school_class.teacher_id = user.teacher_id
            session.add(school_class)
        elif school_class is not None and school_class.teacher_id != user.teacher_id:
            if session.get(ClassTeacher, (class_id, user.teacher_id)) is None:
                session.add(ClassTeacher(class_id=class_id, teacher_id=user.teacher_id))
    session.flush()


def ensure_recipient(session: Session, assignment: Assignment, student_id: int, class_id: int) -> None:
    """Give the assignment to a student who joined its class after it was given (flushed)."""
    if session.get(AssignmentStudent, (assignment.id, student_id)) is not None:
        return
    given = session.get(AssignmentClass, (assignment.id, class_id)) is not None
    if not given:
        raise Invalid("this assignment was not given to this course's class", "assignment")
    session.add(AssignmentStudent(assignment_id=assignment.id, student_id=student_id, class_id=class_id))
    session.flush()


# ----------------------------------------------------------------- line items
def record_line_item(
    session: Session, platform: LtiPlatform, *, url: str, assignment_id: int, label: str, score_maximum: float
) -> LtiLineItem:
    """Remember the LMS's line item that ``assignment_id``'s scores go to (flushed)."""
    row = session.exec(
        select(LtiLineItem).where(LtiLineItem.platform_id == platform.id, LtiLineItem.url == url)
    ).first()
    if row is None:
        row = LtiLineItem(
            platform_id=platform.id,
            url=url,
            assignment_id=assignment_id,
            label=label[:200],
            score_maximum=score_maximum,
        )
        session.add(row)
        session.flush()
    return row


def line_items_of(session: Session, assignment_id: int) -> list[LtiLineItem]:
    return list(session.exec(select(LtiLineItem).where(LtiLineItem.assignment_id == assignment_id)).all())


# --------------------------------------------------------------------- scores
def attempt_score(
    session: Session, bank: OperationalBank | None, attempt: Attempt, meaning: str, now: datetime
) -> dict | None:
    """The AGS score JSON of a handed-in attempt under ``meaning`` (None while it is not handed in).

    A form attempt with answers waiting for a rubric score is ``PendingManual``
    (no score given); otherwise ``FullyGraded``.  Percent is of the points;
    proficiency is the band's level (red 1, yellow 2, green 3, blue 4), or,
    with no estimate on a standard, the quarter of the points reached; P(mastery)
    x 100 falls back to the percent where there is no estimate.
    """
    from itembank.assignments import get_assignment
    from itembank.attempts import attempt_outcome, view_of

    view = view_of(session, attempt)
    if not view.submitted:
        return None
    assignment = get_assignment(session, attempt.assignment_id)
    outcome = attempt_outcome(session, bank, assignment, view)
    maximum = ScoreMeaning.MAXIMUM[meaning]
    score: dict[str, Any] = {
        "timestamp": now.isoformat(timespec="milliseconds"),
        "scoreMaximum": maximum,
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
    }
    if outcome.waiting_for_scoring:
        score.update(activityProgress="Submitted", gradingProgress="PendingManual")
        return score
    fraction = (outcome.points or 0.0) / outcome.max_points if outcome.max_points else 0.0
    if meaning == ScoreMeaning.proficiency:
        levels = {"red": 1, "yellow": 2, "green": 3, "blue": 4}
        given = float(levels.get(outcome.band or "", max(1, math.ceil(4 * fraction))))
    elif meaning == ScoreMeaning.mastery and outcome.p_mastery is not None:
        given = round(100 * outcome.p_mastery, 1)
    else:
        given = round(100 * fraction, 1)
    score["scoreGiven"] = given
    return score


def queue_attempt_scores(
    session: Session, bank: OperationalBank | None, attempt: Attempt, now: datetime | None = None
) -> list[LtiScoreOutbox]:
    """Write the attempt's score for each LMS line item of its assignment into the outbox (flushed, not committed).

    Call it in the transaction that handed the attempt in (or scored it), so
    the score is kept exactly when the hand-in is.  Nothing is written for an
    assignment no LMS grades or a student no LMS knows.
    """
    now = now or utcnow()
    items = line_items_of(session, attempt.assignment_id)
    if not items:
        return []
    user = session.exec(select(User).where(User.student_id == attempt.student_id)).first()
    rows = []
    for item in items:
        link = (
            session.exec(
                select(LtiUserLink).where(LtiUserLink.platform_id == item.platform_id, LtiUserLink.user_id == user.id)
            ).first()
            if user is not None
            else None
        )
        platform = session.get(LtiPlatform, item.platform_id)
        if link is None or platform is None:
            continue
        score = attempt_score(session, bank, attempt, platform.score_meaning, now)
        if score is None:
            continue
        score["userId"] = link.sub
        if _same_as_last(session, item.id, attempt.id, score):
            continue  # a hand-in sent again, or a re-score that changed nothing: nothing new to tell the LMS
        row = LtiScoreOutbox(line_item_id=item.id, attempt_id=attempt.id, score=score, next_try_at=now, created_at=now)
        session.add(row)
        rows.append(row)
    session.flush()
    return rows


def _same_as_last(session: Session, line_item_id: int, attempt_id: int | None, score: dict) -> bool:
    """Whether the attempt's last score for the line item says the same (its timestamp aside)."""
    last = session.exec(
        select(LtiScoreOutbox)
        .where(LtiScoreOutbox.line_item_id == line_item_id, LtiScoreOutbox.attempt_id == attempt_id)
        .order_by(col(LtiScoreOutbox.id).desc())
    ).first()
    if last is None:
        return False
    return {k: v for k, v in last.score.items() if k != "timestamp"} == {
        k: v for k, v in score.items() if k != "timestamp"
    }


def queue_check_scores(session: Session, bank: OperationalBank | None, check_id: int) -> list[LtiScoreOutbox]:
    """The outbox rows of the adaptive attempt ``check_id`` ended (none while the check goes on)."""
    attempt = session.exec(select(Attempt).where(Attempt.check_id == check_id)).first()
    return [] if attempt is None else queue_attempt_scores(session, bank, attempt)


def queue_response_scores(session: Session, bank: OperationalBank | None, response_id: int) -> list[LtiScoreOutbox]:
    """The outbox rows of the handed-in attempt a rubric score (of ``response_id``) completed or changed."""
    from itembank.tables import Response

    response = session.get(Response, response_id)
    key = (response.dedupe_key or "") if response is not None else ""
    while response is not None and not key.startswith("attempt/") and response.supersedes_id is not None:
        response = session.get(Response, response.supersedes_id)
        key = (response.dedupe_key or "") if response is not None else ""
    if not key.startswith("attempt/"):
        return []
    attempt = session.get(Attempt, int(key.split("/")[1]))
    return queue_attempt_scores(session, bank, attempt) if attempt is not None else []


def due_scores(session: Session, now: datetime, limit: int = 50) -> list[LtiScoreOutbox]:
    """Pending scores whose next try has come, oldest first."""
    stmt = (
        select(LtiScoreOutbox)
        .where(LtiScoreOutbox.status == OutboxStatus.pending, LtiScoreOutbox.next_try_at <= now)
        .order_by(col(LtiScoreOutbox.id))
        .limit(limit)
    )
    return list(session.exec(stmt).all())


def outbox_rows(session: Session, statuses: tuple[str, ...], limit: int = 200) -> list[LtiScoreOutbox]:
    stmt = (
        select(LtiScoreOutbox)
        .where(col(LtiScoreOutbox.status).in_(statuses))
        .order_by(col(LtiScoreOutbox.id).desc())
        .limit(limit)
    )
    return list(session.exec(stmt).all())


def record_delivery(row: LtiScoreOutbox, now: datetime, error: str | None, *, retry: bool = True) -> None:
    """A delivery's outcome: delivered, or tried again after a backoff of 30 s doubling up to 6 h (failed after
    :data:`MAX_TRIES`, or at once when ``retry`` is False)."""
    row.tries += 1
    if error is None:
        row.status, row.delivered_at, row.last_error = OutboxStatus.delivered, now, ""
        return
    row.last_error = error[:1000]
    if not retry or row.tries >= MAX_TRIES:
        row.status = OutboxStatus.failed
        return
    row.next_try_at = now + timedelta(seconds=min(30 * 2 ** (row.tries - 1), 6 * 3600))


def send_again(session: Session, row_id: int, now: datetime | None = None) -> None:
    """A failed score back in the queue, due now."""
    row = session.get(LtiScoreOutbox, row_id)
    if row is None:
        raise NotFound(f"no score {row_id} in the LTI outbox")
    row.status, row.next_try_at, row.tries = OutboxStatus.pending, now or utcnow(), 0
    session.add(row)
    session.flush()


# ------------------------------------------------------------------- rosters
@dataclass(frozen=True)
class Member:
    """A course member as the LMS's Names and Role Provisioning Service lists them."""

    user: LaunchUser
    active: bool


def apply_membership(
    session: Session, platform: LtiPlatform, context: LtiContextLink, members: list[Member], now: datetime | None = None
) -> tuple[int, int]:
    """Bring the class's enrollment in line with the course's members; (enrolled, unenrolled).

    Active learners are enrolled (their login made when new); students this
    platform linked who are no longer active members leave the class, their
    answers and attempts kept.  Teachers listed join the class's teachers.
    """
    enrolled = unenrolled = 0
    present: set[int] = set()
    for member in members:
        if not member.active:
            continue
        user = link_user(session, platform, member.user)
        if user.student_id is not None:
            present.add(user.student_id)
            if session.get(Enrollment, (context.class_id, user.student_id)) is None:
                enrolled += 1
        join_class(session, user, context.class_id)
    linked_students = session.exec(
        select(User.student_id)
        .join(LtiUserLink, col(LtiUserLink.user_id) == col(User.id))
        .join(Enrollment, col(Enrollment.student_id) == col(User.student_id))
        .where(LtiUserLink.platform_id == platform.id, Enrollment.class_id == context.class_id)
    ).all()
    for student_id in set(linked_students) - present:
        row = session.get(Enrollment, (context.class_id, student_id))
        if row is not None:
            session.delete(row)
            unenrolled += 1
    context.synced_at = now or utcnow()
    session.add(context)
    session.flush()
    return enrolled, unenrolled
