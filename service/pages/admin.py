"""The admin's pages: imports (upload, dry run, apply, history), logins, schools, terms, classes and enrollments.

An admin lands on ``/admin``.  Imports go through :mod:`interop.runs`, the
same runner as the command line and the API: an upload is checked whole
and shown as a dry run (what would be created, updated and retired, and
every warning), and the admin applies exactly that file with one button;
a refused file comes back as a page saying why, naming the file, line and
column.  The other pages manage the district by hand: logins (create,
deactivate, set a password: none is ever invented or shown), schools and
their principals (teachers who lead a school), terms, classes and their
teachers and students.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse
from sqlmodel import Session, func, select
from starlette.concurrency import run_in_threadpool

from interop.errors import ImportRefused
from interop.options import case_options, qti_options
from interop.runs import ImportRequest, apply_run, run_import
from itembank.district import AcademicSession, ClassTeacher, ClassTerm, Course, School, SessionType
from itembank.errors import Invalid, NotFound
from itembank.import_runs import get_run, list_runs
from itembank.logins import change_password, end_tokens
from itembank.people import create_student, create_teacher, create_user, enroll, get_class, unenroll
from itembank.school_leaders import appoint_leader, leaders_by_school, remove_leader
from itembank.tables import Enrollment, Role, SchoolClass, Student, Teacher, User
from service.deps import BankDep, EngineDep, SessionDep, SettingsDep
from service.pages.common import PageRoute, page_role, render
from service.routers.interop import display_name, limits_for
from service.routers.params import IdPath
from service.security import TokenClaims

router = APIRouter(prefix="/admin", route_class=PageRoute, include_in_schema=False)

AdminPage = Annotated[TokenClaims, Depends(page_role("admin"))]

FORMAT_NAMES = {
    "oneroster": "Roster (OneRoster 1.1 or 1.2 CSV, zip)",
    "case": "Standards (CASE 1.0 or 1.1 package, JSON)",
    "qti": "Items (QTI 3.0, 2.1/2.2 or Canvas QTI 1.2: XML or zip)",
}
MIN_PASSWORD = 8


def _count(session: Session, model) -> int:
    return int(session.exec(select(func.count()).select_from(model)).one())


@router.get("")
def home(request: Request, session: SessionDep, _: AdminPage):
    counts = {
        "schools": _count(session, School),
        "terms": _count(session, AcademicSession),
        "classes": _count(session, SchoolClass),
        "students": _count(session, Student),
        "teachers": _count(session, Teacher),
        "logins": _count(session, User),
    }
    runs, _total = list_runs(session, limit=5)
    return render(request, "admin/home.html", {"counts": counts, "runs": runs, "formats": FORMAT_NAMES})


# ------------------------------------------------------------------ imports
def _imports_page(request: Request, session: Session, *, error: str | None = None, status_code: int = 200):
    runs, total = list_runs(session, limit=50)
    return render(
        request,
        "admin/imports.html",
        {"runs": runs, "total": total, "formats": FORMAT_NAMES, "error": error},
        status_code,
    )


@router.get("/imports")
def imports(request: Request, session: SessionDep, _: AdminPage):
    return _imports_page(request, session)


@router.post("/imports")
async def start_import(
    request: Request,
    session: SessionDep,
    user: AdminPage,
    engine: EngineDep,
    settings: SettingsDep,
    bank: BankDep,
    format: Annotated[str, Form()],
    file: Annotated[UploadFile, File()],
    dry_run: Annotated[bool, Form()] = False,
    framework: Annotated[str, Form(max_length=64)] = "",
    levels: Annotated[str, Form(max_length=620)] = "",
    standard: Annotated[str, Form(max_length=64)] = "",
):
    if format not in FORMAT_NAMES:
        return _imports_page(
            request, session, error="Choose what the file is: a roster, standards or items.", status_code=422
        )
    limits = limits_for(settings)
    file.file.seek(0)
    data = file.file.read(limits.max_bytes + 1)
    if not data:
        return _imports_page(request, session, error="Choose a file to import.", status_code=422)
    if len(data) > limits.max_bytes:
        return _imports_page(
            request,
            session,
            error=f"The file is larger than {settings.import_max_mb:g} MB, the most an import takes.",
            status_code=413,
        )
    try:
        if format == "case":
            options = case_options(framework=framework or None, levels=levels or None)
        elif format == "qti":
            options = qti_options(standard=standard or None)
        else:
            options = {}
    except ValueError as err:
        return _imports_page(request, session, error=str(err), status_code=422)
    session.close()
    request_ = ImportRequest(
        format,
        data,
        display_name(file.filename),
        dry_run=dry_run,
        options=options,
        user_id=user.user_id,
        limits=limits,
        keep_payload=True,
    )
    try:
        outcome = await run_in_threadpool(run_import, engine, request_)
    except ImportRefused as err:
        return _imports_page(
            request, session, error=f"The file was refused, nothing was written: {err}", status_code=422
        )
    if format == "qti" and not dry_run:
        await run_in_threadpool(bank.refresh_if_stale, engine)
    return RedirectResponse(f"/admin/imports/{outcome.run_id}", status_code=303)


@router.get("/imports/{run_id}")
def import_report(request: Request, run_id: int, session: SessionDep, _: AdminPage):
    run = get_run(session, run_id)
    return render(
        request,
        "admin/import_report.html",
        {"run": run, "report": run.report or {}, "can_apply": run.payload is not None, "formats": FORMAT_NAMES},
    )


@router.post("/imports/{run_id}/apply")
async def apply_import(
    request: Request,
    run_id: int,
    session: SessionDep,
    user: AdminPage,
    engine: EngineDep,
    settings: SettingsDep,
    bank: BankDep,
):
    run = get_run(session, run_id)
    fmt = run.format
    session.close()
    try:
        await run_in_threadpool(apply_run, engine, run_id, limits=limits_for(settings), user_id=user.user_id)
    except ImportRefused as err:
        return _imports_page(
            request,
            session,
            error=f"The file is refused now (the district changed since the dry run): {err}",
            status_code=422,
        )
    if fmt == "qti":
        await run_in_threadpool(bank.refresh_if_stale, engine)
    return RedirectResponse(f"/admin/imports/{run_id}", status_code=303)


# ------------------------------------------------------------------- logins
def _users_page(
    request: Request,
    session: Session,
    *,
    role: str = "",
    error: str | None = None,
    note: str | None = None,
    status_code: int = 200,
):
    stmt = select(User).order_by(User.role, User.username)
    if role:
        stmt = stmt.where(User.role == role)
    users = session.exec(stmt.limit(500)).all()
    return render(
        request,
        "admin/users.html",
        {"users": users, "roles": [r.value for r in Role], "role": role, "error": error, "note": note},
        status_code,
    )


@router.get("/users")
def users(request: Request, session: SessionDep, _: AdminPage, role: str = ""):
    return _users_page(request, session, role=role if role in {r.value for r in Role} else "")


@router.post("/users")
def create_login(
    request: Request,
    session: SessionDep,
    _: AdminPage,
    username: Annotated[str, Form(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._@-]+$")],
    role: Annotated[str, Form()],
    password: Annotated[str, Form(max_length=200)],
    name: Annotated[str, Form(max_length=200)] = "",
    external_id: Annotated[str, Form(max_length=64)] = "",
):
    if len(password) < MIN_PASSWORD:
        return _users_page(
            request, session, error=f"The password needs at least {MIN_PASSWORD} characters.", status_code=422
        )
    try:
        student_id = teacher_id = None
        if role == Role.teacher.value:
            teacher_id = create_teacher(session, name=name.strip() or username).id
        elif role == Role.student.value:
            first, _sep, last = name.strip().partition(" ")
            student_id = create_student(
                session, external_id=external_id.strip() or username, first_name=first, last_name=last
            ).id
        elif role not in (Role.admin.value, Role.psychometrician.value):
            raise Invalid("Logins made here are for admins, psychometricians, teachers and students.", "role")
        create_user(
            session, username=username, password=password, role=role, student_id=student_id, teacher_id=teacher_id
        )
    except Invalid as err:
        session.rollback()
        return _users_page(request, session, error=str(err), status_code=422)
    session.commit()
    return _users_page(request, session, note=f"Login {username} created.")


@router.post("/users/{user_id}/password")
def set_password(
    request: Request,
    user_id: int,
    session: SessionDep,
    _: AdminPage,
    password: Annotated[str, Form(max_length=200)],
):
    row = session.get(User, user_id)
    if row is None:
        raise NotFound(f"no login with id {user_id}")
    if len(password) < MIN_PASSWORD:
        return _users_page(
            request, session, error=f"The password needs at least {MIN_PASSWORD} characters.", status_code=422
        )
    change_password(session, user_id, password)
    session.commit()
    return _users_page(request, session, note=f"The password of {row.username} is set; its old sessions are ended.")


@router.post("/users/{user_id}/active")
def set_active(request: Request, user_id: int, session: SessionDep, admin: AdminPage, active: Annotated[bool, Form()]):
    row = session.get(User, user_id)
    if row is None:
        raise NotFound(f"no login with id {user_id}")
    if row.id == admin.user_id and not active:
        return _users_page(request, session, error="You cannot deactivate your own login.", status_code=409)
    row.active = active
    session.add(row)
    if not active:
        end_tokens(session, user_id)
    session.commit()
    return _users_page(request, session, note=f"{row.username} is {'active' if active else 'deactivated'}.")


# ------------------------------------------------------------------ schools
@router.get("/schools")
def schools(request: Request, session: SessionDep, _: AdminPage):
    rows = session.exec(select(School).order_by(School.name)).all()
    classes = dict(session.exec(select(SchoolClass.school_id, func.count()).group_by(SchoolClass.school_id)).all())
    teachers = session.exec(select(Teacher).order_by(Teacher.name, Teacher.id)).all()
    return render(
        request,
        "admin/schools.html",
        {"schools": rows, "classes": classes, "leaders": leaders_by_school(session), "teachers": teachers},
    )


@router.post("/schools")
def create_school(
    request: Request,
    session: SessionDep,
    _: AdminPage,
    name: Annotated[str, Form(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")],
    identifier: Annotated[str, Form(max_length=64, pattern=r"^[^\x00-\x1f\x7f]*$")] = "",
):
    session.add(School(name=name.strip(), identifier=identifier.strip()))
    session.commit()
    return RedirectResponse("/admin/schools", status_code=303)


@router.post("/schools/leaders")
def appoint_principal(
    session: SessionDep,
    _: AdminPage,
    school_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
    teacher_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
):
    """Make a teacher a principal of a school: they see its view, its classes' trackers and its students' reports."""
    appoint_leader(session, teacher_id, school_id)
    session.commit()
    return RedirectResponse("/admin/schools", status_code=303)


@router.post("/schools/{school_id}/leaders/{teacher_id}/remove")
def remove_principal(school_id: IdPath, teacher_id: IdPath, session: SessionDep, _: AdminPage):
    remove_leader(session, teacher_id, school_id)
    session.commit()
    return RedirectResponse("/admin/schools", status_code=303)


# -------------------------------------------------------------------- terms
@router.get("/terms")
def terms(request: Request, session: SessionDep, _: AdminPage):
    rows = session.exec(select(AcademicSession).order_by(AcademicSession.start_date, AcademicSession.title)).all()
    return render(
        request,
        "admin/terms.html",
        {"terms": rows, "by_id": {t.id: t for t in rows}, "types": [t.value for t in SessionType]},
    )


@router.post("/terms")
def create_term(
    request: Request,
    session: SessionDep,
    _: AdminPage,
    title: Annotated[str, Form(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")],
    type: Annotated[str, Form()],
    start_date: Annotated[date, Form()],
    end_date: Annotated[date, Form()],
    parent_id: Annotated[int | None, Form(ge=1, le=2**31 - 1)] = None,
):
    if type not in {t.value for t in SessionType}:
        raise Invalid(f"a term's type is one of {', '.join(t.value for t in SessionType)}", "type")
    if end_date < start_date:
        raise Invalid("a term ends after it starts", "end_date")
    if parent_id is not None and session.get(AcademicSession, parent_id) is None:
        raise NotFound(f"no term with id {parent_id}")
    year = end_date.year
    session.add(
        AcademicSession(
            title=title.strip(),
            type=type,
            start_date=start_date,
            end_date=end_date,
            parent_id=parent_id,
            school_year=year,
        )
    )
    session.commit()
    return RedirectResponse("/admin/terms", status_code=303)


# ------------------------------------------------------------------ classes
@router.get("/classes")
def classes(request: Request, session: SessionDep, _: AdminPage):
    rows = session.exec(select(SchoolClass).order_by(SchoolClass.name)).all()
    sizes = dict(session.exec(select(Enrollment.class_id, func.count()).group_by(Enrollment.class_id)).all())
    return render(
        request,
        "admin/classes.html",
        {
            "classes": rows,
            "sizes": sizes,
            "schools": {s.id: s for s in session.exec(select(School)).all()},
            "teachers": {t.id: t for t in session.exec(select(Teacher).order_by(Teacher.name)).all()},
            "courses": {c.id: c for c in session.exec(select(Course)).all()},
        },
    )


@router.post("/classes")
def create_class_page(
    request: Request,
    session: SessionDep,
    _: AdminPage,
    name: Annotated[str, Form(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")],
    school_id: Annotated[int | None, Form(ge=1, le=2**31 - 1)] = None,
    teacher_id: Annotated[int | None, Form(ge=1, le=2**31 - 1)] = None,
    grade: Annotated[int | None, Form(ge=0, le=13)] = None,
):
    if school_id is not None and session.get(School, school_id) is None:
        raise NotFound(f"no school with id {school_id}")
    if teacher_id is not None and session.get(Teacher, teacher_id) is None:
        raise NotFound(f"no teacher with id {teacher_id}")
    row = SchoolClass(name=name.strip(), school_id=school_id, teacher_id=teacher_id, grade=grade)
    session.add(row)
    session.commit()
    return RedirectResponse(f"/admin/classes/{row.id}", status_code=303)


def _class_page(request: Request, session: Session, class_id: int, *, error: str | None = None, status_code: int = 200):
    row = get_class(session, class_id)
    students = session.exec(
        select(Student, Enrollment)
        .join(Enrollment, Enrollment.student_id == Student.id)
        .where(Enrollment.class_id == class_id)
        .order_by(Student.last_name, Student.first_name)
    ).all()
    assigned = session.exec(select(ClassTeacher).where(ClassTeacher.class_id == class_id)).all()
    teachers = {t.id: t for t in session.exec(select(Teacher).order_by(Teacher.name)).all()}
    terms = session.exec(
        select(AcademicSession)
        .join(ClassTerm, ClassTerm.session_id == AcademicSession.id)
        .where(ClassTerm.class_id == class_id)
    ).all()
    return render(
        request,
        "admin/class.html",
        {
            "klass": row,
            "school": session.get(School, row.school_id) if row.school_id else None,
            "students": students,
            "assigned": assigned,
            "teachers": teachers,
            "terms": terms,
            "error": error,
        },
        status_code,
    )


@router.get("/classes/{class_id}")
def class_page(request: Request, class_id: int, session: SessionDep, _: AdminPage):
    return _class_page(request, session, class_id)


@router.post("/classes/{class_id}/students")
def enroll_student(
    request: Request,
    class_id: int,
    session: SessionDep,
    _: AdminPage,
    external_id: Annotated[str, Form(min_length=1, max_length=64)],
):
    student = session.exec(select(Student).where(Student.external_id == external_id.strip())).first()
    if student is None:
        return _class_page(
            request, session, class_id, error=f"No student has the id {external_id.strip()}.", status_code=404
        )
    enroll(session, class_id, student.id)
    session.commit()
    return RedirectResponse(f"/admin/classes/{class_id}", status_code=303)


@router.post("/classes/{class_id}/students/{student_id}/remove")
def remove_student(request: Request, class_id: int, student_id: int, session: SessionDep, _: AdminPage):
    unenroll(session, class_id, student_id)
    session.commit()
    return RedirectResponse(f"/admin/classes/{class_id}", status_code=303)


@router.post("/classes/{class_id}/teachers")
def add_teacher(
    request: Request,
    class_id: int,
    session: SessionDep,
    _: AdminPage,
    teacher_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
    role: Annotated[str, Form()] = "teacher",
):
    row = get_class(session, class_id)
    if session.get(Teacher, teacher_id) is None:
        raise NotFound(f"no teacher with id {teacher_id}")
    if role not in ("teacher", "aide"):
        raise Invalid("a class's teacher is a teacher or an aide", "role")
    if session.get(ClassTeacher, (class_id, teacher_id)) is None:
        session.add(ClassTeacher(class_id=class_id, teacher_id=teacher_id, role=role))
    if row.teacher_id is None and role == "teacher":
        row.teacher_id = teacher_id
        session.add(row)
    session.commit()
    return RedirectResponse(f"/admin/classes/{class_id}", status_code=303)
