"""The demo district: a real-looking bank, its history, a school, demo logins.

:func:`seed_demo` builds, once and in one transaction:

1. the CCSS Grade 7 mathematics framework (competencies, indicators,
   objectives) and its items from :mod:`demo.content` (single choice,
   multiple select, numeric entry, rubric-scored constructed response),
   mostly operational, some draft, pretest and retired, one miskeyed and
   one with DIF (:mod:`demo.flaws`);
2. a district's response history: ``n_history`` students (default 3000) who
   each worked on four objectives, six items apiece, over the last months,
   drawn from generating parameters (slopes ~ lognormal, difficulties from
   each item's difficulty hint made :data:`EASIER`; a general ability plus
   standard-specific deviations, correlation ``0.8``);
3. a calibration of that history with the engine (2PL, graded response for
   rubric items), with the mastery prior's ``rho``, made live;
4. Lincoln Middle School: Ms. Rivera's Periods 1-3 and Mr. Okafor's
   Period 4, 25 students each (no first name twice in a class), eight
   weeks into the term: a diagnostic, weekly adaptive checks and a
   benchmark on the objectives taught (:mod:`demo.term`), written answers
   to a rubric item in the students' own words, half scored
   (:mod:`demo.written`);
5. the grade-7 math team: two common formative assessments given in all
   four classes (Period 4 on paper), retakes, today's exit ticket and
   morning work (:mod:`demo.assessments`);
6. logins ``admin``, ``psychometrician``, ``teacher``, ``teacher2``
   (Mr. Okafor), ``student`` (in Period 1), ``guardian`` (the student's
   parent) and ``principal`` (Dr. Whitfield, who leads the school and
   teaches no class) with the password ``demo``.

Everything is seeded: the same seed gives the same district.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import numpy as np
from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from demo import content, flaws
from demo.assessments import seed_assessments
from demo.term import CHECK_WEEKS, TermStudents, seed_term
from demo.written import written_answer
from engine.irt.calibration import calibratable_items, calibrate_dropping_misfits
from engine.irt.parameters import ItemParameters
from itembank.bank import build_bank
from itembank.calibrations import mastery_rho, save_parameters
from itembank.district import Guardian, GuardianStudent, SchoolLeader, TeacherSchool
from itembank.item_assets import put_asset
from itembank.items import create_item
from itembank.passwords import hash_password
from itembank.people import create_class, create_student, create_teacher, create_user, enroll
from itembank.responses import record_response, rescore, response_matrix
from itembank.standards import create_standard
from itembank.tables import Calibration, CalibrationStatus, Item, Response, Student, User, utcnow

__all__ = ["DEMO_PASSWORD", "DEMO_USERS", "CHECK_STANDARDS", "seed_demo", "demo_exists"]

DEMO_PASSWORD = "demo"
DEMO_USERS = ("teacher", "teacher2", "student", "guardian", "principal", "psychometrician", "admin")
#: Standards Periods 1-3 have taken adaptive checks on (one a week as they were taught).
CHECK_STANDARDS = tuple(CHECK_WEEKS)
#: How far each class (Periods 1-4) sits above or below the school on average (logits).
CLASS_EFFECTS = (0.2, -0.1, 0.05, -0.15)
_FIRST = (
    "Aaliyah",
    "Mateo",
    "Sofia",
    "Liam",
    "Zara",
    "Ethan",
    "Priya",
    "Noah",
    "Amara",
    "Lucas",
    "Mei",
    "Diego",
    "Hannah",
    "Omar",
    "Chloe",
    "Jamal",
    "Isabella",
    "Kenji",
    "Fatima",
    "Owen",
    "Lena",
    "Marcus",
    "Ava",
    "Tariq",
    "Grace",
    "Santiago",
    "Nia",
    "Elijah",
    "Yuna",
    "Caleb",
    "Leila",
    "Gabriel",
    "Ruby",
    "Andre",
    "Maya",
    "Samuel",
)
_LAST = (
    "Johnson",
    "Garcia",
    "Nguyen",
    "Smith",
    "Patel",
    "Williams",
    "Kim",
    "Brown",
    "Hernandez",
    "Okafor",
    "Davis",
    "Lopez",
    "Chen",
    "Wilson",
    "Martinez",
    "Anderson",
    "Singh",
    "Thomas",
    "Rodriguez",
    "Jackson",
    "Moore",
    "Ali",
    "Taylor",
    "Clark",
    "Lewis",
    "Walker",
    "Hall",
    "Young",
    "Allen",
    "Wright",
)


def demo_exists(session: Session) -> bool:
    """Whether the demo logins exist already."""
    return session.exec(select(User.id).where(User.username == "admin")).first() is not None


def _store_content(session: Session) -> list[content.ItemSpec]:
    """Store the framework and the items as they are written; the items in bank order."""
    for s in content.standards():
        create_standard(
            session,
            framework=s.framework,
            code=s.code,
            title=s.title,
            level=s.level,
            parent_code=s.parent_code,
        )
    specs = content.items()
    status = flaws.statuses(list(specs))
    for it in specs:
        row = create_item(
            session,
            id=it.code,
            objective=it.objective,
            framework=content.FRAMEWORK,
            interaction=it.interaction,
            stem=it.stem,
            choices=[{"id": c.id, "text": c.text} for c in it.choices],
            key=flaws.stored_key(it),
            tolerance=it.tolerance or 0.0,
            rationale=it.rationale,
            rubric=[{"score": r.score, "label": r.label, "criteria": r.criteria} for r in it.rubric] or None,
            dok=it.dok,
            status=status.get(it.code, "operational"),
        )
        row.stem_html = it.stem_html
        for path, media_type, data in it.assets:
            put_asset(session, it.code, path, media_type, data)
    return specs


#: How much easier (logits) the items are for the district's students than their difficulty hints say:
#: it puts the bands' cuts (50 % and 70 % of a standard's points) near the middle of a class after teaching.
EASIER = 0.7


def _generating_parameters(specs, rng: np.random.Generator) -> ItemParameters:
    j = len(specs)
    poly = np.array([s.n_categories > 2 for s in specs])
    hint = np.array([s.difficulty_hint for s in specs]) - EASIER
    thr = np.full((j, 3), np.nan)
    thr[poly] = hint[poly, None] + np.array([-1.0, 0.0, 1.0])
    return ItemParameters.from_arrays(
        [s.code for s in specs],
        np.where(poly, "grm", "2pl"),
        a=np.clip(rng.lognormal(0.1, 0.25, j), 0.6, 2.2),
        b=np.where(poly, np.nan, hint + rng.normal(0, 0.3, j)),
        thresholds=thr,
        n_categories=np.where(poly, 4, 2),
    )


def _draw(params: ItemParameters, theta: np.ndarray, items: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One category per (theta, item) pair."""
    pk = params.pair_probabilities(theta, items)  # (P, K)
    out = (rng.random(len(pk))[:, None] > np.cumsum(pk, axis=1)).sum(axis=1)
    return np.minimum(out, params.n_categories[items] - 1)


def _history(
    session: Session, specs, truth: ItemParameters, n_students: int, rng: np.random.Generator, rho: float = 0.8
):
    objectives = sorted({s.objective for s in specs})
    drafts = {code for code, status in flaws.statuses(list(specs)).items() if status == "draft"}
    flagged = {flaws.MISKEYED, flaws.DIF_ITEM}
    by_obj = {
        o: np.flatnonzero([s.objective == o and s.code not in drafts | flagged for s in specs]) for o in objectives
    }
    always = {o: [j for j, s in enumerate(specs) if s.objective == o and s.code in flagged] for o in objectives}
    g = rng.normal(0, 1, n_students)
    now = utcnow()
    session.execute(
        insert(Student),
        [
            {
                "external_id": f"D{n + 1:05d}",
                "first_name": "",
                "last_name": "",
                "grade": 7,
                "retired": False,
                "created_at": now - timedelta(days=400),
            }
            for n in range(n_students)
        ],
    )
    ids = dict(session.exec(select(Student.external_id, Student.id).where(Student.external_id.like("D%"))).all())
    stu, itm, theta = [], [], []
    for n in range(n_students):
        for o in rng.choice(len(objectives), 4, replace=False):
            pool, flagged_here = by_obj[objectives[o]], always[objectives[o]]
            pick = [*flagged_here, *rng.choice(pool, 6 - len(flagged_here), replace=False)]
            t = rho * g[n] + np.sqrt(1 - rho * rho) * rng.normal()
            stu += [n] * len(pick)
            itm += list(pick)
            theta += [t] * len(pick)
    stu, itm, theta = np.array(stu), np.array(itm), np.array(theta)
    codes = np.array([s.code for s in specs])
    focal = np.array([flaws.language_group(f"D{s + 1:05d}") == flaws.FOCAL for s in stu.tolist()])
    theta = theta - flaws.DIF_SHIFT * (focal & (codes[itm] == flaws.DIF_ITEM))
    score = _draw(truth, theta, itm, rng)
    # the options chosen on single-choice items; a miskeyed item is scored against its stored key
    answer = np.full(len(itm), None, dtype=object)
    for j, spec in enumerate(specs):
        at = np.flatnonzero(itm == j)
        if spec.interaction == "single_choice" and at.size:
            answer[at] = flaws.choose(spec, score[at] == 1, rng)
            score[at] = answer[at] == flaws.stored_key(spec)
    days = rng.uniform(20, 200, n_students)
    rows = []
    for s, j, y, chosen in zip(stu.tolist(), itm.tolist(), score.tolist(), answer.tolist()):
        ext = f"D{s + 1:05d}"
        when = now - timedelta(days=float(days[s]))
        rows.append(
            {
                "dedupe_key": f"demo/{ext}/{specs[j].code}",
                "student_id": ids[ext],
                "item_id": specs[j].code,
                "item_version": 1,
                "answer": chosen,
                "score": int(y),
                "correct": bool(y == 1) if specs[j].n_categories == 2 else None,
                "source": "import",
                "note": "",
                "answered_at": when,
                "recorded_at": when,
            }
        )
    for start in range(0, len(rows), 10000):
        session.execute(insert(Response), rows[start : start + 10000])
    return len(rows)


def _calibrate(session: Session, created_by: int | None) -> Calibration:
    matrix = response_matrix(session)
    matrix = matrix.select_items(calibratable_items(matrix, 20))
    models = np.where(matrix.n_categories > 2, "grm", "2pl")
    result, matrix, dropped = calibrate_dropping_misfits(matrix, models, max_iter=500, se=True)
    rho = mastery_rho(session, result.params, matrix, seed=7)
    cal = Calibration(
        model="2pl",
        settings={
            "statuses": ["operational"],
            "poly_model": "grm",
            "min_responses": 20,
            "demo": True,
            "dropped_items": dropped,
        },
        status=CalibrationStatus.done.value,
        progress=1.0,
        live=True,
        loglik=float(result.loglik),
        iterations=int(result.iterations),
        converged=bool(result.converged),
        seconds=float(result.seconds),
        n_students=int(matrix.n_students),
        n_responses=int(matrix.n_responses),
        mastery_rho=rho,
        created_by=created_by,
        finished_at=utcnow(),
        made_live_at=utcnow(),
    )
    session.add(cal)
    session.flush()
    save_parameters(session, cal.id, result.params)
    return cal


def _roster(session: Session, class_id: int, first_names: list[str], taken: set, start: int, rng) -> list[Student]:
    """25 students of a class: first names without repeats in the class, full names unique in the school."""
    out = []
    for first in rng.choice(first_names, 25, replace=False).tolist():
        last = str(rng.choice([x for x in _LAST if (first, x) not in taken]))
        taken.add((first, last))
        st = create_student(
            session, external_id=f"LMS{start + len(out):04d}", first_name=first, last_name=last, grade=7
        )
        enroll(session, class_id, st.id)
        out.append(st)
    return out


def _guardian(session: Session, student: Student, password_hash: str) -> User:
    """A parent of ``student`` and their login ``guardian``."""
    parent = Guardian(first_name="Maria", last_name=student.last_name, email="parent@lincoln-ms.example.org")
    session.add(parent)
    session.flush()
    session.add(GuardianStudent(guardian_id=parent.id, student_id=student.id, relationship="parent"))
    return create_user(
        session,
        username="guardian",
        password=DEMO_PASSWORD,
        role="guardian",
        guardian_id=parent.id,
        password_hash=password_hash,
        demo=True,
    )


def _principal(session: Session, school_id: int | None, password_hash: str) -> User:
    """The school's principal: a teacher of no class who leads the school, and their login ``principal``."""
    if school_id is None:
        raise ValueError("the demo's classes have no school to lead")
    principal = create_teacher(session, name="Dr. Grace Whitfield", email="g.whitfield@lincoln-ms.example.org")
    session.add(TeacherSchool(teacher_id=principal.id, school_id=school_id))
    session.add(SchoolLeader(teacher_id=principal.id, school_id=school_id))
    return create_user(
        session,
        username="principal",
        password=DEMO_PASSWORD,
        role="teacher",
        teacher_id=principal.id,
        password_hash=password_hash,
        demo=True,
    )


def _written_answers(session: Session, bank, students: list[Student], levels: np.ndarray, scorer: int, rng) -> None:
    """Period 1's written answers to a rubric item of 7.RP.A.2, the first half scored by the teacher."""
    rubric_items = [
        i for i, c in bank.content.items() if c.interaction == "constructed_response" and i.startswith("7RPA2")
    ]
    item = session.get(Item, rubric_items[0])
    for n, st in enumerate(students):
        row = record_response(
            session,
            dedupe_key=f"entry/{st.id}/{item.id}/demo",
            student_id=st.id,
            item_id=item.id,
            item_version=item.version,
            answer=written_answer(int(levels[n]), rng),
            score=None,
            correct=None,
            source="entry",
        )
        if n % 2 == 0:
            rescore(session, row.id, int(levels[n]), scored_by=scorer, note="scored in class")


def _school(
    session: Session, truth: ItemParameters, cal: Calibration, password_hash: str, rng: np.random.Generator
) -> dict:
    teacher = create_teacher(session, name="Ms. Elena Rivera", email="e.rivera@lincoln-ms.example.org")
    teacher2 = create_teacher(session, name="Mr. Daniel Okafor", email="d.okafor@lincoln-ms.example.org")
    classes = [
        create_class(session, name=f"Grade 7 Math, Period {p}", teacher_id=teacher.id, grade=7) for p in (1, 2, 3)
    ]
    classes.append(create_class(session, name="Grade 7 Math, Period 4", teacher_id=teacher2.id, grade=7))
    taken: set = set()
    students = [
        st for c, klass in enumerate(classes) for st in _roster(session, klass.id, list(_FIRST), taken, 1 + 25 * c, rng)
    ]
    users = {}
    for username, role, sid, tid in (
        ("admin", "admin", None, None),
        ("psychometrician", "psychometrician", None, None),
        ("teacher", "teacher", None, teacher.id),
        ("teacher2", "teacher", None, teacher2.id),
        ("student", "student", students[0].id, None),
    ):
        users[username] = create_user(
            session,
            username=username,
            password=DEMO_PASSWORD,
            role=role,
            student_id=sid,
            teacher_id=tid,
            password_hash=password_hash,
            demo=True,
        )
    users["guardian"] = _guardian(session, students[0], password_hash)
    bank = build_bank(session, cal.id)
    term = TermStudents.draw(CLASS_EFFECTS, 25, rng)
    evidence = seed_term(
        session,
        bank,
        truth,
        students,
        term,
        checked=75,
        started_by=users["teacher"].id,
        now=utcnow(),
        avoid=set(),
        rng=rng,
    )
    levels = np.clip(np.round(1.5 + 0.9 * term.now()[:25] + rng.normal(0, 0.5, 25)), 0, 3)
    _written_answers(session, bank, students[:25], levels, users["teacher"].id, rng)
    given = seed_assessments(
        session,
        bank,
        truth,
        school_name="Lincoln Middle School",
        teachers=(teacher, teacher2),
        classes=classes,
        students=students,
        theta=term.general + 0.5 * term.gain,
        users=users,
        rng=rng,
    )
    users["principal"] = _principal(session, classes[0].school_id, password_hash)
    return {"students": len(students), **evidence, **given}


def seed_demo(
    engine: Engine,
    *,
    n_history: int = 3000,
    seed: int = 7,
    progress: Callable[[str], None] | None = None,
) -> bool:
    """Create the demo district unless it exists; True when it was created.

    The schema must be migrated already (:func:`itembank.migrate.upgrade`).
    """
    say = progress or (lambda _msg: None)
    rng = np.random.default_rng(seed)
    with Session(engine, expire_on_commit=False) as session:
        if demo_exists(session):
            return False
        say("standards and items")
        specs = _store_content(session)
        truth = _generating_parameters(specs, rng)
        say(f"response history of {n_history} students")
        n = _history(session, specs, truth, n_history, rng)
        say(f"calibrating {len(specs)} items on {n} responses")
        password_hash = hash_password(DEMO_PASSWORD)
        cal = _calibrate(session, created_by=None)  # the psychometrician's login comes with the school
        say("school, classes and checks")
        _school(session, truth, cal, password_hash, rng)
        cal.created_by = session.exec(select(User.id).where(User.username == "psychometrician")).one()
        session.add(cal)
        session.commit()
    return True
