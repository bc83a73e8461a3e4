"""A student's progress report: per competency, indicator and objective, what they can do and why we think so.

For every standard with evidence, from the top of the framework down: its
plain-language title, the current band and how sure we are (P(mastery)),
the report card's level under the district's proficiency method, how the
estimate moved over the term (re-estimated at the end of each day with
evidence, from the answers up to then), the evidence behind it (the recent
checks and assessments with dates and scores), and the teachers' comments of
the term.  Then what to work on next: the objectives still red or yellow,
and whether the student can practise them with a check of their own.

The pages and the JSON API render the same :class:`ProgressReport`; its
words (band names, level names) are left to the templates.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
from sqlmodel import Session, select

from engine.mastery.bands import band_codes
from engine.mastery.proficiency import proficiency_scores
from itembank.bank import OperationalBank
from itembank.district import AcademicSession
from itembank.evidence import Sitting, student_sittings
from itembank.mastery_store import estimate, student_report
from itembank.people import get_student, student_name
from itembank.report_cards import LEVELS, ReportSettings, comments_for
from itembank.tables import Standard, User, utcnow

__all__ = [
    "HistoryPoint",
    "EvidenceLine",
    "Note",
    "StandardProgress",
    "NextStep",
    "ProgressReport",
    "standard_chains",
    "percent_series",
    "level_cuts",
    "reported_level",
    "progress_report",
]

#: Evidence lines shown per standard (most recent first).
EVIDENCE_SHOWN = 4
#: Days re-estimated for a standard's chart (the last ones of the term).
HISTORY_DAYS = 12
#: The report card level of each band when the district set no theta cuts.
BAND_LEVELS = {"red": 0, "yellow": 1, "green": 2, "blue": 3}
#: Exceeds, on a three-tier standard: this many logits above the mastery cut.
EXCEEDS_MARGIN = 1.0
#: The report's window when no term is given: the last this many days.
DEFAULT_WINDOW_DAYS = 90


@dataclass(frozen=True)
class HistoryPoint:
    """The estimate at the end of a day with evidence."""

    day: date
    theta: float
    band: str


@dataclass(frozen=True)
class EvidenceLine:
    """A sitting's answers on one standard."""

    when: datetime
    kind: str
    title: str
    n_items: int
    points: int
    max_points: int

    @property
    def percent(self) -> float:
        return 100.0 * self.points / self.max_points if self.max_points else 0.0


@dataclass(frozen=True)
class Note:
    """A teacher's comment of the term."""

    text: str
    author: str
    when: datetime


@dataclass
class StandardProgress:
    """One standard of the report and the standards under it."""

    standard_id: int
    code: str
    title: str
    level: str
    band: str | None
    p_mastery: float | None
    theta: float | None
    se: float | None
    n_evidence: int
    last_assessed: datetime | None
    #: the report card's level (index into LEVELS) under the district's method, None without evidence
    report_level: int | None = None
    #: the method's reported percent (None for ``irt``)
    reported_percent: float | None = None
    history: list[HistoryPoint] = field(default_factory=list)
    evidence: list[EvidenceLine] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    children: list[StandardProgress] = field(default_factory=list)

    @property
    def report_level_name(self) -> str | None:
        return None if self.report_level is None else LEVELS[self.report_level]


@dataclass(frozen=True)
class NextStep:
    """An objective still red or yellow."""

    standard_id: int
    code: str
    title: str
    band: str
    #: whether the live bank has self-scoring items on it (a check the student can start)
    practice: bool


@dataclass
class ProgressReport:
    """The whole report of one student."""

    student_id: int
    name: str
    start: date
    end: date
    term_id: int | None
    term_title: str | None
    method: str
    generated_at: datetime
    standards: list[StandardProgress]
    next_steps: list[NextStep]
    n_sittings: int


def standard_chains(standards: Iterable[Standard]) -> dict[int, list[int]]:
    """Each standard's id and its ancestors' ids, itself first."""
    parent = {s.id: s.parent_id for s in standards}
    chains: dict[int, list[int]] = {}
    for sid in parent:
        chain, cur, seen = [], sid, set()
        while cur is not None and cur in parent and cur not in seen:
            seen.add(cur)
            chain.append(cur)
            cur = parent[cur]
        chains[sid] = chain
    return chains


def percent_series(
    sittings: Sequence[Sitting], chains: dict[int, list[int]]
) -> dict[tuple[int, int], list[EvidenceLine]]:
    """Each sitting's points per (student, standard), the standard's ancestors included, oldest first."""
    out: dict[tuple[int, int], list[EvidenceLine]] = defaultdict(list)
    for sitting in sittings:
        totals: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
        for a in sitting.answers:
            for sid in chains.get(a.objective_id, []) if a.objective_id is not None else []:
                t = totals[sid]
                t[0] += 1
                t[1] += a.score
                t[2] += a.max_score
        for sid, (n, points, top) in totals.items():
            out[(sitting.student_id, sid)].append(
                EvidenceLine(sitting.when, sitting.kind, sitting.title, n, points, top)
            )
    return out


def level_cuts(settings: ReportSettings, bank: OperationalBank | None, standard_id: int) -> tuple[float, ...] | None:
    """Theta cuts of the four levels on a standard: the district's, else the standard's band cuts.

    A three-tier standard's Exceeds cut is :data:`EXCEEDS_MARGIN` above its
    mastery cut.  None when the district set none and there is no live bank.
    """
    if settings.theta_cuts:
        return tuple(settings.theta_cuts)
    if bank is None:
        return None
    scheme = bank.scheme(standard_id)
    return scheme.cuts if len(scheme.cuts) == 3 else (*scheme.cuts, scheme.mastery_cut + EXCEEDS_MARGIN)


def reported_level(
    settings: ReportSettings,
    theta: float | None,
    lines: Sequence[EvidenceLine],
    cuts: Sequence[float] | None,
    band: str | None = None,
) -> tuple[int | None, float | None]:
    """The report card's level (index into LEVELS) and, for percent methods, the reported percent.

    ``irt`` with the district's theta cuts puts the estimate ``theta``
    between them; without, the level is the standard's ``band`` (the dot:
    red, yellow, green, blue), a green above the Exceeds cut of
    :func:`level_cuts` being Exceeds.  The other methods put the method's
    score of the sittings' percents (oldest first) between the percent cuts.
    """
    if settings.method == "irt":
        if settings.theta_cuts:
            return (None if theta is None else int(band_codes(theta, settings.theta_cuts))), None
        if band not in BAND_LEVELS:
            return None, None
        level = BAND_LEVELS[band]
        if level == 2 and theta is not None and cuts is not None and theta >= cuts[2]:
            level = 3
        return level, None
    if not lines:
        return None, None
    scores = np.array([[line.percent for line in lines]])
    value = float(proficiency_scores(scores, settings.method, decay_weight=settings.decay_weight)[0])
    return int(band_codes(value, settings.percent_cuts)), value


def _history(
    bank: OperationalBank, standard_id: int, sittings: Sequence[Sitting], lines: Sequence[EvidenceLine], start: date
) -> list[HistoryPoint]:
    """The estimate at the end of each day with evidence on the standard, from ``start`` on."""
    days = sorted({line.when.date() for line in lines if line.when.date() >= start})[-HISTORY_DAYS:]
    points = []
    for day in days:
        until = datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)
        latest: dict[str, int] = {}
        for sitting in sittings:
            for a in sitting.answers:
                if _aware(a.answered_at) < until:
                    latest[a.item_id] = a.score
        est = estimate(bank, standard_id, latest)
        points.append(HistoryPoint(day, est.theta, est.band))
    return points


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _window(term: AcademicSession | None, now: datetime) -> tuple[date, date]:
    if term is not None:
        return term.start_date, term.end_date
    return (now - timedelta(days=DEFAULT_WINDOW_DAYS)).date(), now.date()


def progress_report(
    session: Session,
    student_id: int,
    *,
    bank: OperationalBank | None,
    settings: ReportSettings,
    term: AcademicSession | None = None,
    now: datetime | None = None,
) -> ProgressReport:
    """The student's progress report (``bank``: the live bank, None when there is none: no charts, no practice).

    Parameters
    ----------
    student_id : int
    bank : OperationalBank or None
    settings : ReportSettings
        The district's proficiency method and level cuts.
    term : AcademicSession, optional
        The term reported (default: the last 90 days).
    now : datetime, optional
    """
    now = now or utcnow()
    student = get_student(session, student_id)
    start, end = _window(term, now)
    standards = {
        s.id: s
        for s in session.exec(select(Standard).where(Standard.retired == False)).all()  # noqa: E712
    }
    chains = standard_chains(standards.values())
    sittings = [s for s in student_sittings(session, [student_id]) if s.when.date() <= end]
    series = percent_series(sittings, chains)
    notes: dict[int, list[Note]] = defaultdict(list)
    comments = comments_for(session, [student_id], term.id if term is not None else None)
    authors = {
        u.id: u.username
        for u in session.exec(select(User).where(User.id.in_([c.author_id for c in comments if c.author_id]))).all()
    }
    for c in comments:
        if term is not None or _aware(c.updated_at).date() >= start:
            notes[c.standard_id].append(Note(c.text, authors.get(c.author_id, ""), c.updated_at))

    nodes: dict[int, StandardProgress] = {}
    for cell in student_report(session, student_id):
        s = standards.get(cell.standard_id)
        if s is None:
            continue
        lines = series.get((student_id, s.id), [])
        level, percent = reported_level(settings, cell.theta, lines, level_cuts(settings, bank, s.id), cell.band)
        node = StandardProgress(
            standard_id=s.id,
            code=s.code,
            title=s.title,
            level=s.level,
            band=cell.band,
            p_mastery=cell.p_mastery,
            theta=cell.theta,
            se=cell.se,
            n_evidence=cell.n_evidence,
            last_assessed=cell.last_assessed,
            report_level=level,
            reported_percent=percent,
            evidence=[ln for ln in reversed(lines) if ln.when.date() >= start][:EVIDENCE_SHOWN],
            notes=notes.get(s.id, []),
        )
        if bank is not None and cell.theta is not None and s.id in bank.standards:
            node.history = _history(bank, s.id, sittings, lines, start)
        nodes[s.id] = node
    roots = []
    for sid, node in sorted(nodes.items(), key=lambda kv: kv[1].code):
        parent = standards[sid].parent_id
        if parent is not None and parent in nodes:
            nodes[parent].children.append(node)
        else:
            roots.append(node)

    rank = {"red": 0, "yellow": 1}
    steps = [
        NextStep(
            n.standard_id,
            n.code,
            n.title,
            n.band,
            bool(
                bank is not None
                and n.standard_id in bank.standards
                and bank.items_under(n.standard_id, self_scoring_only=True).size
            ),
        )
        for n in sorted(nodes.values(), key=lambda n: (rank.get(n.band or "", 9), n.code))
        if n.level == "objective" and n.band in rank
    ]
    return ProgressReport(
        student_id=student_id,
        name=student_name(student),
        start=start,
        end=end,
        term_id=term.id if term is not None else None,
        term_title=term.title if term is not None else None,
        method=settings.method,
        generated_at=now,
        standards=roots,
        next_steps=steps,
        n_sittings=sum(1 for s in sittings if s.when.date() >= start),
    )
