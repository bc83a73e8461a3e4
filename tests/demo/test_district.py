"""The demo district: built once, complete, consistent with the scorer."""

from __future__ import annotations

from sqlmodel import Session, func, select

from demo.district import CHECK_STANDARDS, DEMO_USERS, seed_demo
from itembank.answers import score_answer
from itembank.assessments import Assignment, Attempt, Team
from itembank.assignment_progress import assignment_progress
from itembank.assignments import assignment_class_ids
from itembank.bank import BankCache, ItemContent
from itembank.passwords import verify_password
from itembank.school_leaders import schools_led
from itembank.tables import Calibration, Check, Enrollment, Item, Mastery, SchoolClass, Standard, Student, User, utcnow
from itembank.teams import team_class_ids, team_teacher_ids
from reporting.school_view import district_view


def test_seeding_twice_does_nothing(demo):
    with Session(demo) as s:
        before = s.exec(select(func.count()).select_from(Item)).one()
    assert seed_demo(demo) is False
    with Session(demo) as s:
        assert s.exec(select(func.count()).select_from(Item)).one() == before


def test_framework_and_bank(demo):
    with Session(demo) as s:
        levels = dict(s.exec(select(Standard.level, func.count()).group_by(Standard.level)).all())
        assert levels["objective"] >= 8 and levels["indicator"] >= 3 and levels["competency"] >= 3
        items = s.exec(select(Item)).all()
        assert len(items) >= 300
        kinds = {i.interaction for i in items}
        assert kinds == {"single_choice", "multiple_select", "numeric_entry", "constructed_response"}
        assert {i.dok for i in items} >= {1, 2, 3}
        for it in items:
            content = ItemContent.from_row(it)
            if content.self_scoring:
                assert score_answer(content, it.key).correct, it.id
            else:
                assert len(it.rubric) == 4 and it.n_categories == 4


def test_calibrated_live_bank(demo):
    with Session(demo) as s:
        cal = s.exec(select(Calibration).where(Calibration.live == True)).one()  # noqa: E712
        assert cal.status == "done" and cal.converged and cal.n_students >= 3000
        assert cal.mastery_rho is not None and 0.3 < cal.mastery_rho < 0.98
    bank = BankCache().load(demo)
    assert bank.n_items >= 300 and bank.adaptive.n_items < bank.n_items


def test_school_logins_and_tracker(demo):
    with Session(demo) as s:
        users = {u.username: u for u in s.exec(select(User)).all()}
        assert set(DEMO_USERS) <= set(users)
        assert all(verify_password("demo", users[u].password_hash) for u in DEMO_USERS)
        teacher, student = users["teacher"], users["student"]
        classes = s.exec(select(SchoolClass).where(SchoolClass.teacher_id == teacher.teacher_id)).all()
        assert len(classes) == 3
        sizes = [s.exec(select(func.count()).where(Enrollment.class_id == c.id)).one() for c in classes]
        assert sizes == [25, 25, 25]
        assert s.exec(
            select(Enrollment).where(
                Enrollment.student_id == student.student_id, Enrollment.class_id.in_([c.id for c in classes])
            )
        ).first()
        n_checks = s.exec(select(func.count()).select_from(Check)).one()
        assert n_checks == 75 * len(CHECK_STANDARDS)
        bands = dict(s.exec(select(Mastery.band, func.count()).group_by(Mastery.band)).all())
        assert set(bands) == {"red", "yellow", "green"}
        named = s.exec(select(Student).where(Student.first_name != "")).all()
        assert len(named) == 100  # Periods 1-3 and Mr. Okafor's Period 4


def test_the_grade_7_team_common_assessments_exit_ticket_and_morning_work(demo):
    """The team of two teachers and four classes, a CFA in all four (one on paper), retakes, today's work."""
    with Session(demo) as s:
        users = {u.username: u for u in s.exec(select(User)).all()}
        (team,) = s.exec(select(Team)).all()
        assert set(team_teacher_ids(s, team.id)) == {users["teacher"].teacher_id, users["teacher2"].teacher_id}
        classes = team_class_ids(s, team.id)
        assert len(classes) == 4 and all(s.get(SchoolClass, c).school_id == team.school_id for c in classes)
        given = {a.title: a for a in s.exec(select(Assignment)).all()}
        cfa = given["CFA 1: proportional relationships"]
        assert set(assignment_class_ids(s, cfa.id)) == set(classes) and cfa.feedback == "on_close"
        attempts = s.exec(select(Attempt).where(Attempt.assignment_id == cfa.id)).all()
        firsts = [a for a in attempts if a.number == 1]
        assert len(firsts) == 100 and sum(a.mode == "paper" for a in firsts) == 25
        assert all(a.entered_by == users["teacher2"].id for a in firsts if a.mode == "paper")
        days = {a.submitted_at.date() for a in firsts}
        assert len(days) == 1 and (utcnow().date() - days.pop()).days == 14
        retakes = [a for a in attempts if a.number == 2]
        assert retakes and all(a.label == "B" for a in retakes)
        ticket = given["Exit ticket: unit rates"]
        statuses = [a.status for a in s.exec(select(Attempt).where(Attempt.assignment_id == ticket.id)).all()]
        assert statuses.count("submitted") == 10 and statuses.count("in_progress") == 5
        assert given["Morning work: percent problems"].kind == "morning_work"
    bank = BankCache().load(demo)
    with Session(demo) as s:
        rows = assignment_progress(s, bank, cfa, [a.student_id for a in retakes])
        assert [r.band for r in rows] == ["green"] * len(retakes)  # the retakers who mastered it turned green


def test_the_principal_leads_the_school_and_teaches_no_class(demo):
    with Session(demo) as s:
        principal = s.exec(select(User).where(User.username == "principal")).one()
        assert principal.role == "teacher" and principal.demo
        school = s.exec(select(SchoolClass.school_id).where(SchoolClass.teacher_id.is_not(None))).first()
        assert schools_led(s, principal.teacher_id) == [school]
        assert s.exec(select(SchoolClass).where(SchoolClass.teacher_id == principal.teacher_id)).first() is None
        assert district_view(s, school_ids=schools_led(s, principal.teacher_id)).bands.total > 0
