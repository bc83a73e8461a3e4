"""The demo district: a real-looking bank, its history, a school, demo logins.

:func:`seed_demo` builds, once and in one transaction:

1. the CCSS Grade 7 mathematics framework (competencies, indicators,
   objectives) and its items from :mod:`demo.content` (single choice,
   multiple select, numeric entry, rubric-scored constructed response), all
   operational;
2. a district's response history: ``n_history`` students (default 3000) who
   each worked on four objectives, six items apiece, over the last months,
   drawn from generating parameters (slopes ~ lognormal, difficulties from
   each item's difficulty hint; a general ability plus standard-specific
   deviations, correlation ``0.8``);
3. a calibration of that history with the engine (2PL, graded response for
   rubric items), with the mastery prior's ``rho``, made live;
4. Lincoln Middle School: teacher Ms. Rivera with three Grade 7 math classes
   (Periods 1-3) of 25 students, who have taken adaptive checks on four
   standards through the same code path as the API (so the tracker has
   bands), and written answers to a rubric item, half scored;
5. the grade-7 math team: Ms. Rivera and Mr. Okafor (Period 4, 25 more
   students), two common formative assessments given in all four classes
   (Period 4 on paper), retakes, today's exit ticket and morning work
   (:mod:`demo.assessments`);
6. logins ``admin``, ``psychometrician``, ``teacher``, ``teacher2``
   (Mr. Okafor), ``student`` with the password ``demo``; the student is in
   Period 1.

Everything is seeded: the same seed gives the same district.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import numpy as np
from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from demo import content
from demo.assessments import seed_assessments
from engine.irt.calibration import calibratable_items, calibrate_dropping_misfits
from engine.irt.parameters import ItemParameters
from itembank.bank import ItemContent, build_bank
from itembank.calibrations import mastery_rho, save_parameters
from itembank.checks import answer_check, load_check, start_check
from itembank.items import create_item
from itembank.passwords import hash_password
from itembank.people import create_class, create_student, create_teacher, create_user, enroll
from itembank.responses import record_response, rescore, response_matrix
from itembank.standards import create_standard, find_standard
from itembank.tables import Calibration, CalibrationStatus, Item, Response, Student, User, utcnow

__all__ = ["DEMO_PASSWORD", "DEMO_USERS", "CHECK_STANDARDS", "seed_demo", "demo_exists"]

DEMO_PASSWORD = "demo"
DEMO_USERS = ("teacher", "teacher2", "student", "psychometrician", "admin")
#: Standards the school's students have taken checks on.
CHECK_STANDARDS = ("7.RP.A.2", "7.RP.A.3", "7.NS.A.1", "7.EE.B.4")
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
_WRITTEN = (
    "I set up a proportion and solved it, then checked that the units made sense.",
    "I think you multiply the two numbers because it is a rate.",
    "First I found the unit rate, then I multiplied by the number asked for and explained each step.",
    "I drew a table and saw the pattern, so the answer is the same ratio each time.",
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
    for it in specs:
        key = list(it.key) if isinstance(it.key, tuple) else it.key
        create_item(
            session,
            id=it.code,
            objective=it.objective,
            framework=content.FRAMEWORK,
            interaction=it.interaction,
            stem=it.stem,
            choices=[{"id": c.id, "text": c.text} for c in it.choices],
            key=key,
            tolerance=it.tolerance or 0.0,
            rationale=it.rationale,
            rubric=[{"score": r.score, "label": r.label, "criteria": r.criteria} for r in it.rubric] or None,
            dok=it.dok,
            status="operational",
        )
    return specs


def _generating_parameters(specs, rng: np.random.Generator) -> ItemParameters:
    j = len(specs)
    poly = np.array([s.n_categories > 2 for s in specs])
    hint = np.array([s.difficulty_hint for s in specs])
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
    out = np.empty(len(items), dtype=np.int64)
    for start in range(0, len(items), 20000):
        sl = slice(start, start + 20000)
        p = params.category_probabilities(theta[sl])  # (n, J, K)
        pk = p[np.arange(len(theta[sl])), items[sl]]
        out[sl] = (rng.random(len(pk))[:, None] > np.cumsum(pk, axis=1)).sum(axis=1)
    return np.minimum(out, params.n_categories[items] - 1)


def _history(
    session: Session, specs, truth: ItemParameters, n_students: int, rng: np.random.Generator, rho: float = 0.8
):
    objectives = sorted({s.objective for s in specs})
    by_obj = {o: np.flatnonzero([s.objective == o for s in specs]) for o in objectives}
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
            pool = by_obj[objectives[o]]
            pick = rng.choice(pool, min(6, len(pool)), replace=False)
            t = rho * g[n] + np.sqrt(1 - rho * rho) * rng.normal()
            stu += [n] * len(pick)
            itm += list(pick)
            theta += [t] * len(pick)
    stu, itm, theta = np.array(stu), np.array(itm), np.array(theta)
    score = _draw(truth, theta, itm, rng)
    days = rng.uniform(20, 200, n_students)
    rows = []
    for s, j, y in zip(stu.tolist(), itm.tolist(), score.tolist()):
        ext = f"D{s + 1:05d}"
        when = now - timedelta(days=float(days[s]))
        rows.append(
            {
                "dedupe_key": f"demo/{ext}/{specs[j].code}",
                "student_id": ids[ext],
                "item_id": specs[j].code,
                "item_version": 1,
                "answer": None,
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


def _answer_for(item: ItemContent, correct: bool, rng: np.random.Generator) -> str | list[str] | float:
    """The key, or a wrong answer of the item's form."""
    key = item.key
    if correct:
        return key
    if item.interaction == "single_choice":
        return str(rng.choice([c["id"] for c in item.choices if c["id"] != key]))
    if item.interaction == "multiple_select":
        ids = [c["id"] for c in item.choices]
        wrong = [c for c in ids if c not in key]
        return sorted(set(key[:-1]) | {wrong[0]}) if wrong else key[:-1] or [ids[0]]
    return float(key) + float(rng.choice([-2, -1, 1, 2, 10]))


def _school(
    session: Session, truth: ItemParameters, cal: Calibration, password_hash: str, rng: np.random.Generator
) -> dict:
    teacher = create_teacher(session, name="Ms. Elena Rivera", email="e.rivera@lincoln-ms.example.org")
    classes = [
        create_class(session, name=f"Grade 7 Math, Period {p}", teacher_id=teacher.id, grade=7) for p in (1, 2, 3)
    ]
    students = []
    names = [(f, l) for f in _FIRST for l in _LAST]
    picks = rng.choice(len(names), 75, replace=False)
    for n, pick in enumerate(picks):
        first, last = names[pick]
        st = create_student(session, external_id=f"LMS{n + 1:04d}", first_name=first, last_name=last, grade=7)
        enroll(session, classes[n // 25].id, st.id)
        students.append(st)
    users = {}
    for username, role, sid, tid in (
        ("admin", "admin", None, None),
        ("psychometrician", "psychometrician", None, None),
        ("teacher", "teacher", None, teacher.id),
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
    bank = build_bank(session, cal.id)
    truth_index = truth.index_of
    g = rng.normal(0.2, 1.0, len(students))
    n_answers = 0
    for n, st in enumerate(students):
        for code in CHECK_STANDARDS:
            standard = find_standard(session, code, content.FRAMEWORK)
            theta = 0.8 * g[n] + 0.6 * rng.normal()
            out = start_check(
                session,
                bank,
                student_id=st.id,
                standard=standard,
                started_by=users["teacher"].id,
                seed=int(rng.integers(2**31)),
            )
            check, item = out.check, out.item
            while item is not None:
                j = truth_index[item.id]
                p = float(truth.category_probabilities(np.array([theta]))[0, j, 1])
                res = answer_check(
                    session, bank, load_check(session, check.id), item.id, _answer_for(item, rng.random() < p, rng)
                )
                n_answers += 1
                item = res.next_item
    # written answers to a rubric item of 7.RP.A.2, the first half scored by the teacher
    rubric_items = [
        i for i, c in bank.content.items() if c.interaction == "constructed_response" and i.startswith("7RPA2")
    ]
    if rubric_items:
        item = session.get(Item, rubric_items[0])
        for n, st in enumerate(students[:25]):
            row = record_response(
                session,
                dedupe_key=f"entry/{st.id}/{item.id}/demo",
                student_id=st.id,
                item_id=item.id,
                item_version=item.version,
                answer=_WRITTEN[n % len(_WRITTEN)],
                score=None,
                correct=None,
                source="entry",
            )
            if n % 2 == 0:
                rescore(session, row.id, int(rng.integers(1, 4)), scored_by=users["teacher"].id, note="scored in class")
    # the grade-7 math team's second teacher and their class, then the team's assessments
    teacher2 = create_teacher(session, name="Mr. Daniel Okafor", email="d.okafor@lincoln-ms.example.org")
    period4 = create_class(session, name="Grade 7 Math, Period 4", teacher_id=teacher2.id, grade=7)
    taken = {(st.first_name, st.last_name) for st in students}
    free = [pair for pair in names if pair not in taken]
    newcomers = []
    for n, pick in enumerate(rng.choice(len(free), 25, replace=False)):
        first, last = free[pick]
        st = create_student(session, external_id=f"LMS{76 + n:04d}", first_name=first, last_name=last, grade=7)
        enroll(session, period4.id, st.id)
        newcomers.append(st)
    users["teacher2"] = create_user(
        session,
        username="teacher2",
        password=DEMO_PASSWORD,
        role="teacher",
        teacher_id=teacher2.id,
        password_hash=password_hash,
        demo=True,
    )
    given = seed_assessments(
        session,
        bank,
        truth,
        school_name="Lincoln Middle School",
        teachers=(teacher, teacher2),
        classes=[*classes, period4],
        students=[*students, *newcomers],
        theta=np.concatenate([g, rng.normal(0.2, 1.0, 25)]),
        users=users,
        rng=rng,
    )
    return {"students": len(students) + len(newcomers), "check_answers": n_answers, **given}


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
