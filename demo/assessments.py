"""The demo district's assessments given to classes: a team, common assessments, an exit ticket, morning work.

:func:`seed_assessments` gives, through the same item bank functions the
API uses (assembly to a blueprint, assignments, attempts, paper results,
retakes), the history a grade-7 math team would have:

* the team (both teachers) and its school;
* **CFA 0** six weeks ago and **CFA 1** two weeks ago: common formative
  assessments on 7.RP.A assembled to a blueprint in two parallel versions,
  given in all four classes with the key held until they closed; three
  classes took them online, the fourth (the second teacher's) on paper,
  its answers entered through the results grid's code path;
* retakes of CFA 1 on version B by six "not yet" students who practised and
  then answered every question right (they turned green), and a retake
  offered in one click to two others;
* an **exit ticket** on 7.RP.A.2 assigned today to Period 1, some students
  finished, some part way;
* **morning work** on 7.RP.A.3 assigned today to Periods 1 and 2.

Students answer as the demo's generating parameters say (their general
ability ``theta`` through the true item parameters).  Everything is seeded.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
from sqlmodel import Session

from demo import content
from demo.term import answer_for
from engine.irt.parameters import ItemParameters
from itembank.assessments import Assignment, FormPurpose
from itembank.assignments import AssignmentSpec, RetakePolicy, create_assignment, offer_retakes
from itembank.attempts import (
    attempt_items,
    attempt_outcome,
    attempt_views,
    save_answer,
    start_attempt,
    submit_attempt,
)
from itembank.bank import OperationalBank
from itembank.district import School, TeacherSchool
from itembank.forms import FormSpec, assemble_versions, create_form, form_versions
from itembank.paper_results import PaperCell, PaperRow, record_results
from itembank.standards import find_standard
from itembank.tables import SchoolClass, Student, utcnow
from itembank.teams import create_team

__all__ = ["seed_assessments"]


def _right(truth: ItemParameters, item_id: str, theta: float, rng: np.random.Generator) -> bool:
    p = truth.pair_probabilities(np.array([theta]), np.array([truth.index_of[item_id]]))[0, 1]
    return bool(rng.random() < p)


def _take_online(session, bank, truth, assignment, student_id, theta, when, rng, *, share=1.0, mastered=False):
    """A student's online attempt at a form: the first ``share`` of the questions answered, submitted when all are.

    Answers are right with the probability the true parameters give at ``theta``, or all right when ``mastered``.
    """
    attempt, _ = start_attempt(session, bank, assignment, student_id, now=when)
    items = attempt_items(session, assignment, attempt)
    n = int(round(share * len(items)))
    for k, item_id in enumerate(items[:n]):
        item = bank.content[item_id]
        save_answer(
            session,
            bank,
            attempt,
            item_id,
            answer_for(item, mastered or _right(truth, item_id, theta, rng), rng),
            now=when + timedelta(minutes=k + 1),
        )
    if n == len(items):
        submit_attempt(session, bank, attempt, now=when + timedelta(minutes=n + 2))
    return attempt


def _paper(session, bank, truth, assignment, students, theta, when, entered_by, rng, label="A"):
    """A class's paper answers, typed as the results grid sends them (a choice letter, choices, a number)."""
    items = form_versions(session, assignment.form_id)[label]
    rows = []
    for n, student in enumerate(students):
        cells = []
        for k, item_id in enumerate(items, start=1):
            value = answer_for(bank.content[item_id], _right(truth, item_id, theta[n], rng), rng)
            text = ";".join(value) if isinstance(value, list) else (f"{value:g}" if isinstance(value, float) else value)
            cells.append(PaperCell(item_id, text, f"{student.first_name}, question {k}"))
        rows.append(PaperRow(student.id, label, tuple(cells), f"{student.first_name}'s row"))
    record_results(session, bank, assignment, rows, answered_on=when.date(), entered_by=entered_by)


def _cfa(session, bank, standard, team_id, title, length):
    spec = FormSpec(length=length, versions=2)
    assembled = assemble_versions(session, bank, standard, spec)
    return create_form(
        session,
        title=title,
        versions=assembled.versions,
        purpose=FormPurpose.common_assessment.value,
        standard_id=standard.id,
        team_id=team_id,
        blueprint={**assembled.blueprint, "information": assembled.information, "optimal": assembled.optimal},
    )


def seed_assessments(
    session: Session,
    bank: OperationalBank,
    truth: ItemParameters,
    *,
    school_name: str,
    teachers: tuple,
    classes: list[SchoolClass],
    students: list[Student],
    theta: np.ndarray,
    users: dict,
    rng: np.random.Generator,
) -> dict:
    """Seed the team's assessments (see the module); ``classes[3]`` takes the common assessments on paper.

    Parameters
    ----------
    teachers : (Teacher, Teacher)
        The team: the first teaches ``classes[:3]``, the second ``classes[3]``.
    students : list of Student
        25 per class, in class order; ``theta`` their abilities.
    users : dict
        The demo logins by username (``teacher``, ``teacher2``).
    """
    now = utcnow()
    school = School(name=school_name, identifier="LMS")
    session.add(school)
    session.flush()
    for teacher in teachers:
        session.add(TeacherSchool(teacher_id=teacher.id, school_id=school.id))
    for klass in classes:
        klass.school_id = school.id
        session.add(klass)
    team = create_team(session, school_id=school.id, name="Grade 7 Math", teacher_ids=[t.id for t in teachers])
    lead, second = users["teacher"], users["teacher2"]
    by_class = [students[25 * c : 25 * (c + 1)] for c in range(len(classes))]
    thetas = [theta[25 * c : 25 * (c + 1)] for c in range(len(classes))]
    rp_a = find_standard(session, "7.RP.A", content.FRAMEWORK)
    summary = {}

    # two common formative assessments, six and two weeks ago: three classes online, the fourth on paper
    for title, weeks_ago, growth in (
        ("CFA 0: proportional relationships", 6, 0.0),
        ("CFA 1: proportional relationships", 2, 0.4),
    ):
        form = _cfa(session, bank, rp_a, team.id, title, length=6)
        given = now - timedelta(weeks=weeks_ago)
        spec = AssignmentSpec(
            kind="form",
            title=title,
            form=form,
            class_ids=tuple(c.id for c in classes),
            opens_at=given - timedelta(days=1),
            due_at=given + timedelta(hours=8),
            closes_at=given + timedelta(days=5),
            feedback="on_close",
            retakes=RetakePolicy(max_retakes=1, wait_days=2),
        )
        assignment = create_assignment(
            session, bank, spec, teacher_id=teachers[0].id, created_by=lead.id, now=given - timedelta(days=1)
        )
        for c in range(3):
            for n, student in enumerate(by_class[c]):
                _take_online(
                    session,
                    bank,
                    truth,
                    assignment,
                    student.id,
                    thetas[c][n] + growth,
                    given + timedelta(minutes=n),
                    rng,
                )
        _paper(session, bank, truth, assignment, by_class[3], thetas[3] + growth, given, second.id, rng)
        summary[title] = assignment.id

    # retakes of CFA 1 on version B three days later: "not yet" students of Periods 1 and 2 who practised and mastered it
    cfa1 = session.get(Assignment, summary["CFA 1: proportional relationships"])
    retake_day = now - timedelta(weeks=2) + timedelta(days=3)
    retook, waiting = [], []
    for c in range(2):
        views = attempt_views(session, cfa1.id, [s.id for s in by_class[c]])
        for n, student in enumerate(by_class[c]):
            if attempt_outcome(session, bank, cfa1, views[student.id][0]).band != "red":
                continue
            if len(retook) < 6:
                _take_online(session, bank, truth, cfa1, student.id, thetas[c][n], retake_day, rng, mastered=True)
                retook.append(student.id)
            elif len(waiting) < 2:
                waiting.append(student.id)
    offer_retakes(session, cfa1, waiting, now=now - timedelta(hours=2))

    # today: an exit ticket for Period 1 (some finished, some part way) and morning work for Periods 1 and 2
    rp_a2 = find_standard(session, "7.RP.A.2", content.FRAMEWORK)
    assembled = assemble_versions(session, bank, rp_a2, FormSpec(length=3, versions=2))
    ticket_form = create_form(
        session,
        title="Exit ticket: unit rates",
        versions=assembled.versions,
        purpose=FormPurpose.exit_ticket.value,
        standard_id=rp_a2.id,
        owner_teacher_id=teachers[0].id,
        blueprint=assembled.blueprint,
    )
    today = now - timedelta(hours=3)
    ticket = create_assignment(
        session,
        bank,
        AssignmentSpec(
            kind="form",
            title="Exit ticket: unit rates",
            form=ticket_form,
            class_ids=(classes[0].id,),
            opens_at=today,
            due_at=now + timedelta(hours=6),
            closes_at=now + timedelta(days=2),
            feedback="on_submit",
        ),
        teacher_id=teachers[0].id,
        created_by=lead.id,
        now=today,
    )
    for n, student in enumerate(by_class[0][1:16]):  # the demo student (the first) has it to do
        share = 1.0 if n < 10 else 0.34
        _take_online(
            session,
            bank,
            truth,
            ticket,
            student.id,
            thetas[0][n + 1],
            today + timedelta(minutes=20 + n),
            rng,
            share=share,
        )
    rp_a3 = find_standard(session, "7.RP.A.3", content.FRAMEWORK)
    morning = create_assignment(
        session,
        bank,
        AssignmentSpec(
            kind="morning_work",
            title="Morning work: percent problems",
            standard=rp_a3,
            class_ids=(classes[0].id, classes[1].id),
            opens_at=today - timedelta(hours=1),
            due_at=now + timedelta(hours=2),
            feedback="instant",
            items_per_tier=3,
        ),
        teacher_id=teachers[0].id,
        created_by=lead.id,
        now=today - timedelta(hours=1),
    )
    summary.update({"exit_ticket": ticket.id, "morning_work": morning.id, "retook": len(retook)})
    return summary
