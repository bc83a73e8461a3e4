"""A team's data on a common assessment: every class that took one form, side by side.

For the form given in the team's classes (:func:`team_assessment`):

* each student's first submitted attempt (the assessment as given; retakes
  are the assignment's own business), estimated on every learning
  objective of the form from that attempt's answers alone
  (:func:`itembank.mastery_store.estimate` on the live bank);
* per class and per teacher, the students in each band on each objective
  and their mean P(mastery) (:func:`engine.analysis.common_assessment.group_band_counts`,
  :func:`~engine.analysis.common_assessment.group_means`);
* item analysis per class: percent of the points, how often each choice
  was picked, and the classes that differ clearly from the rest on an item
  (:func:`engine.analysis.common_assessment.class_item_analysis`: Fisher
  exact tests with the Benjamini-Hochberg false discovery rate);
* growth: for the same students, the mean P(mastery) on each objective at
  the team's previous common assessment that had items on it, beside now.

Every student row is returned; the service shows a teacher only their own
students' rows and everyone the class-level figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlmodel import Session, select

from engine.analysis.common_assessment import ClassItemAnalysis, class_item_analysis, group_band_counts, group_means
from engine.mastery.bands import THREE_TIERS
from itembank.assessments import AssessmentForm, Assignment, AssignmentKind, AssignmentStudent, FormPurpose, Team
from itembank.attempts import AttemptView, attempt_responses, attempt_views, item_contents
from itembank.bank import ItemContent, OperationalBank
from itembank.errors import NotFound
from itembank.forms import form_versions, get_form
from itembank.mastery_store import estimate
from itembank.people import student_name
from itembank.tables import SchoolClass, Standard, Student, Teacher
from itembank.teams import class_teacher_ids, get_team, team_class_ids

__all__ = ["ClassInfo", "StudentResult", "GrowthCell", "TeamAssessment", "team_assessment"]


@dataclass(frozen=True)
class ClassInfo:
    id: int
    name: str
    teacher_id: int | None
    teacher_name: str
    reached: int
    taken: int
    on_paper: int


@dataclass(frozen=True)
class StudentResult:
    """A student's first submitted attempt and their estimate on each objective (None: no evidence)."""

    student_id: int
    name: str
    class_id: int
    attempt_id: int
    label: str | None
    mode: str
    submitted_at: datetime | None
    points: float
    max_points: int
    bands: list[str | None]
    p_mastery: list[float | None]
    previous_p: list[float | None]


@dataclass(frozen=True)
class GrowthCell:
    """Mean P(mastery) of a class's students on one objective at the previous common assessment and now."""

    class_id: int
    standard_id: int
    previous_form: str
    n: int
    before: float
    now: float


@dataclass(frozen=True)
class TeamAssessment:
    """Everything the team's data view shows (G classes, T teachers, S objectives, J items, B bands)."""

    team: Team
    form: AssessmentForm
    assignments: list[Assignment]
    standards: list[Standard]
    band_labels: tuple[str, ...]
    classes: list[ClassInfo]
    class_bands: np.ndarray
    class_mean_p: np.ndarray
    class_n: np.ndarray
    teachers: list[tuple[int | None, str]]
    teacher_bands: np.ndarray
    teacher_mean_p: np.ndarray
    items: list[ItemContent]
    choice_ids: list[list[str]]
    item_analysis: ClassItemAnalysis
    growth: list[GrowthCell]
    students: list[StudentResult]


def _form_assignments(session: Session, form_id: int, class_ids: list[int]) -> list[Assignment]:
    """The form's assignments that reached students of ``class_ids``, oldest first."""
    stmt = (
        select(Assignment)
        .where(
            Assignment.form_id == form_id,
            Assignment.id.in_(select(AssignmentStudent.assignment_id).where(AssignmentStudent.class_id.in_(class_ids))),
        )
        .order_by(Assignment.opens_at, Assignment.id)
    )
    return list(session.exec(stmt).all())


def _first_submitted(views: list[AttemptView]) -> AttemptView | None:
    done = [v for v in views if v.submitted and v.check is None]
    return done[0] if done else None


def _taken(
    session: Session, assignments: list[Assignment], class_ids: set[int]
) -> dict[int, tuple[AssignmentStudent, AttemptView]]:
    """Each student's first submitted form attempt over ``assignments`` (students of ``class_ids``)."""
    out: dict[int, tuple[AssignmentStudent, AttemptView]] = {}
    for assignment in assignments:
        rows = session.exec(
            select(AssignmentStudent).where(
                AssignmentStudent.assignment_id == assignment.id, AssignmentStudent.class_id.in_(class_ids)
            )
        ).all()
        views = attempt_views(session, assignment.id, [r.student_id for r in rows])
        for row in rows:
            first = _first_submitted(views.get(row.student_id, []))
            if first is not None and row.student_id not in out:
                out[row.student_id] = (row, first)
    return out


def _estimates(
    bank: OperationalBank, standards: list[Standard], labels: tuple[str, ...], scores: dict[str, int]
) -> tuple[list[str | None], list[float | None]]:
    answers = {i: s for i, s in scores.items() if i in bank.params.index_of}
    bands: list[str | None] = []
    ps: list[float | None] = []
    for standard in standards:
        est = estimate(bank, standard.id, answers) if answers else None
        if est is None or est.n_evidence == 0 or est.band not in labels:
            bands.append(None)
            ps.append(None)
        else:
            bands.append(est.band)
            ps.append(est.p_mastery)
    return bands, ps


def _previous_p(
    session: Session,
    bank: OperationalBank,
    form: AssessmentForm,
    class_ids: list[int],
    before: datetime,
    standards: list[Standard],
    labels: tuple[str, ...],
) -> tuple[dict[int, list[float | None]], dict[int, str]]:
    """Each student's P(mastery) per objective at the latest earlier common assessment with items on it."""
    stmt = (
        select(Assignment, AssessmentForm)
        .join(AssessmentForm, AssessmentForm.id == Assignment.form_id)
        .where(
            Assignment.kind == AssignmentKind.form.value,
            AssessmentForm.purpose == FormPurpose.common_assessment.value,
            Assignment.form_id != form.id,
            Assignment.opens_at < before,
            Assignment.id.in_(select(AssignmentStudent.assignment_id).where(AssignmentStudent.class_id.in_(class_ids))),
        )
        .order_by(Assignment.opens_at.desc(), Assignment.id.desc())
    )
    earlier = session.exec(stmt).all()
    p: dict[int, list[float | None]] = {}
    titles: dict[int, str] = {}
    for assignment, earlier_form in earlier:
        taken = _taken(session, [assignment], set(class_ids))
        covered = {
            row.objective_id
            for row in item_contents(
                session, sorted({i for items in form_versions(session, earlier_form.id).values() for i in items})
            ).values()
        }
        for student_id, (_, view) in taken.items():
            scores = {i: r.score for i, r in attempt_responses(session, view.attempt).items() if r.score is not None}
            _, ps = _estimates(bank, standards, labels, scores)
            mine = p.setdefault(student_id, [None] * len(standards))
            for k, standard in enumerate(standards):
                if mine[k] is None and standard.id in covered and ps[k] is not None:
                    mine[k] = ps[k]
                    titles[standard.id] = titles.get(standard.id, earlier_form.title)
    return p, titles


def team_assessment(session: Session, bank: OperationalBank, team_id: int, form_id: int) -> TeamAssessment:
    """The team's data on form ``form_id`` as given in its classes.

    Raises
    ------
    NotFound
        An unknown team or form, or a form no class of the team was given.
    """
    team = get_team(session, team_id)
    form = get_form(session, form_id)
    class_ids = team_class_ids(session, team_id)
    assignments = _form_assignments(session, form_id, class_ids) if class_ids else []
    if not assignments:
        raise NotFound(f"form {form_id} was not given in any class of team {team_id}")
    versions = form_versions(session, form_id)
    order = list(dict.fromkeys(i for label in sorted(versions) for i in versions[label]))
    contents = item_contents(session, order)
    items = [contents[i] for i in order]
    objective_ids = sorted({c.objective_id for c in items if c.objective_id is not None})
    standards = sorted(session.exec(select(Standard).where(Standard.id.in_(objective_ids))).all(), key=lambda s: s.code)
    labels = THREE_TIERS
    reached_rows = session.exec(
        select(AssignmentStudent).where(
            AssignmentStudent.assignment_id.in_([a.id for a in assignments]),
            AssignmentStudent.class_id.in_(class_ids),
        )
    ).all()
    given_classes = sorted({r.class_id for r in reached_rows})
    taken = _taken(session, assignments, set(given_classes))
    class_rows = {c.id: c for c in session.exec(select(SchoolClass).where(SchoolClass.id.in_(given_classes))).all()}
    teachers_of = class_teacher_ids(session, given_classes)
    teacher_ids = sorted({t[0] for t in teachers_of.values() if t})
    names = dict(session.exec(select(Teacher.id, Teacher.name).where(Teacher.id.in_(teacher_ids))).all())
    students = {s.id: s for s in session.exec(select(Student).where(Student.id.in_(list(taken)))).all()}
    previous, previous_titles = _previous_p(
        session, bank, form, given_classes, min(a.opens_at for a in assignments), standards, labels
    )

    ordered = sorted(taken.items(), key=lambda kv: (student_name(students[kv[0]]), kv[0]))
    results: list[StudentResult] = []
    for student_id, (row, view) in ordered:
        responses = attempt_responses(session, view.attempt)
        scores = {i: r.score for i, r in responses.items() if r.score is not None}
        bands, ps = _estimates(bank, standards, labels, scores)
        version_items = versions.get(view.attempt.label or "", [])
        results.append(
            StudentResult(
                student_id=student_id,
                name=student_name(students[student_id]),
                class_id=row.class_id,
                attempt_id=view.attempt.id,
                label=view.attempt.label,
                mode=view.attempt.mode,
                submitted_at=view.submitted_at,
                points=float(sum(scores.values())),
                max_points=sum(contents[i].n_categories - 1 for i in version_items if i in contents),
                bands=bands,
                p_mastery=ps,
                previous_p=previous.get(student_id, [None] * len(standards)),
            )
        )

    group_of = {c: g for g, c in enumerate(given_classes)}
    teacher_group = {t: g for g, t in enumerate(teacher_ids)}
    n_students, n_standards = len(results), len(standards)
    group = np.array([group_of[r.class_id] for r in results], dtype=np.int64)
    lead = [teachers_of[c][0] if teachers_of[c] else None for c in given_classes]
    teacher_of_class = [teacher_group.get(t, len(teacher_ids)) for t in lead]
    n_teacher_groups = len(teacher_ids) + (1 if None in lead else 0)
    teacher = np.array([teacher_of_class[g] for g in group], dtype=np.int64)
    band = np.array([[-1 if b is None else labels.index(b) for b in r.bands] for r in results], dtype=np.int64).reshape(
        n_students, n_standards
    )
    p_now = np.array([[np.nan if x is None else x for x in r.p_mastery] for r in results], dtype=float).reshape(
        n_students, n_standards
    )
    p_before = np.array([[np.nan if x is None else x for x in r.previous_p] for r in results], dtype=float).reshape(
        n_students, n_standards
    )
    n_groups = len(given_classes)
    class_bands = group_band_counts(group, band, n_groups, len(labels))
    class_mean_p, class_n = group_means(group, p_now, n_groups)
    teacher_bands = group_band_counts(teacher, band, n_teacher_groups, len(labels))
    teacher_mean_p, _ = group_means(teacher, p_now, n_teacher_groups)

    paired = ~np.isnan(p_now) & ~np.isnan(p_before)
    before_mean, paired_n = group_means(group, np.where(paired, p_before, np.nan), n_groups)
    now_mean, _ = group_means(group, np.where(paired, p_now, np.nan), n_groups)
    growth = [
        GrowthCell(
            given_classes[g],
            standards[k].id,
            previous_titles.get(standards[k].id, ""),
            int(paired_n[g, k]),
            float(before_mean[g, k]),
            float(now_mean[g, k]),
        )
        for g in range(n_groups)
        for k in range(n_standards)
        if paired_n[g, k] > 0
    ]

    choice_ids = [[str(c["id"]) for c in item.choices] for item in items]
    width = max((len(c) for c in choice_ids), default=0)
    scores = np.full((n_students, len(items)), np.nan)
    picked = np.zeros((n_students, len(items), width), dtype=bool)
    column = {item.id: j for j, item in enumerate(items)}
    for n, (_, (_, view)) in enumerate(ordered):
        for item_id, response in attempt_responses(session, view.attempt).items():
            j = column.get(item_id)
            if j is None or response.score is None:
                continue
            scores[n, j] = response.score
            chosen = response.answer if isinstance(response.answer, list) else [response.answer]
            for choice in chosen:
                if isinstance(choice, str) and choice in choice_ids[j]:
                    picked[n, j, choice_ids[j].index(choice)] = True
    analysis = class_item_analysis(
        group,
        scores,
        np.array([max(item.n_categories - 1, 1) for item in items]),
        n_groups,
        choices=picked,
        n_choices=width,
    )
    taken_by_class = np.bincount(group, minlength=n_groups) if n_students else np.zeros(n_groups, dtype=np.int64)
    classes = []
    for g, class_id in enumerate(given_classes):
        reached = len({r.student_id for r in reached_rows if r.class_id == class_id})
        on_paper = sum(1 for r in results if r.class_id == class_id and r.mode == "paper")
        classes.append(
            ClassInfo(
                class_id,
                class_rows[class_id].name,
                lead[g],
                names.get(lead[g], "no teacher"),
                reached,
                int(taken_by_class[g]),
                on_paper,
            )
        )
    teachers = [(t, names[t]) for t in teacher_ids] + ([(None, "no teacher")] if None in lead else [])
    return TeamAssessment(
        team=team,
        form=form,
        assignments=assignments,
        standards=standards,
        band_labels=labels,
        classes=classes,
        class_bands=class_bands,
        class_mean_p=class_mean_p,
        class_n=class_n,
        teachers=teachers,
        teacher_bands=teacher_bands,
        teacher_mean_p=teacher_mean_p,
        items=items,
        choice_ids=choice_ids,
        item_analysis=analysis,
        growth=growth,
        students=results,
    )
