"""Every page a student or a guardian reaches, in Spanish, shows none of the catalog's English (issue 16).

The pages are rendered for a login that chose Spanish: the student's home,
report, a check from its first question to its review, the guardian's family
page and report, the login pages and the error pages they can run into.
:func:`tests.reports.untranslated.english_left` finds any message of the
catalog still shown in English.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from service.app import create_app
from service.pages.common import COOKIE
from service.security import create_token
from tests.reports.untranslated import english_left, english_messages
from tests.service.conftest import PASSWORD, SECRET, make_settings

SQLITE = pytest.mark.parametrize("db_engine", ["sqlite"], indirect=True)


def _client(world):
    from tests.pages.conftest import PageClient

    return PageClient(create_app(make_settings(), engine=world.engine))


def _spanish(c, username: str):
    assert c.post("/login", data={"username": username, "password": PASSWORD}).status_code == 200
    assert c.post("/account/language", data={"lang": "es", "next": "/"}).status_code == 200


def _in_spanish(r, status: int = 200) -> str:
    assert r.status_code == status, (r.url, r.status_code, r.text[:500])
    assert '<html lang="es">' in r.text, r.url
    left = english_left(r.text)
    assert not left, f"{r.url}: English left {left}"
    return r.text


def test_the_finder_sees_english_and_passes_spanish():
    assert len(english_messages()) > 150
    english = '<p>Go to my start page</p><nav aria-label="Main"></nav><p>Elige: Check my answer, luego</p>'
    assert sorted(english_left(english)) == ["Check my answer", "Go to my start page", "Main"]
    assert (
        english_left('<p>Ir a mi página de inicio</p><p title="7.RP.A.2">Recognize proportional relationships</p>')
        == []
    )
    assert english_left("<script>var s = 'Go to my start page';</script>") == []


@SQLITE
def test_the_students_pages_and_a_whole_check_in_spanish(report_world):
    w = report_world
    with _client(w) as c:
        _spanish(c, "student")
        home = _in_spanish(c.get("/student"))
        assert "(estudiante)" in home and 'aria-label="Principal"' in home
        _in_spanish(c.get(f"/students/{w.students1[0]}/report"))
        check = c.post("/student/checks", data={"standard": "7.RP.A.2"})
        page = _in_spanish(check)
        assert re.search(r"<span>\d+\xa0%</span>", page), "the check's progress as a Spanish percent"
        url = check.url.path
        for _ in range(40):  # answer until the check ends: every question, feedback and the result in Spanish
            item_id = re.search(r'name="item_id" value="([^"]+)"', page)
            if item_id is None:
                break
            interaction = re.search(r'name="interaction" value="([^"]+)"', page).group(1)
            choice = re.search(r'name="answer" value="([^"]+)"', page)
            data = {"item_id": item_id.group(1), "interaction": interaction}
            if choice:
                data["answer"] = choice.group(1)
            else:
                data["answer"] = "1"
            _in_spanish(c.post(f"{url}/answer", data=data))
            page = _in_spanish(c.get(url))
        assert "item_id" not in page, "the check ended"
        _in_spanish(c.get(f"{url}/review"))


@SQLITE
def test_the_guardians_pages_in_spanish(report_world):
    w = report_world
    with _client(w) as c:
        _spanish(c, "parent")
        family = _in_spanish(c.get("/family"))
        assert "(familia)" in family
        report = _in_spanish(c.get(f"/students/{w.students1[0]}/report"))
        assert "Periodo" in report and "Fall" in report


@SQLITE
@pytest.mark.parametrize(
    ("who", "path", "status", "words"),
    [
        ("parent", "/students/{other}/report", 403, "una familia solo puede leer los informes de sus propios hijos"),
        ("parent", "/students/999999/report", 404, "no hay ningún estudiante con el número 999999"),
        ("parent", "/students/{mine}/report?term=999999", 404, "con el número 999999"),
        ("parent", "/students/{mine}/report?term=abc", 422, "Revisa el valor de: term."),
        ("parent", "/teacher", 403, "Esta página es para docentes, administradores o psicometristas"),
        ("student", "/students/{other}/report", 403, "no puedes leer el informe del estudiante"),
        (
            "student",
            "/family",
            403,
            "Esta página es para madres, padres y tutores; has iniciado sesión como estudiante.",
        ),
        ("student", "/no/such/page", 404, "No hay ninguna página en esta dirección."),
    ],
)
def test_the_error_pages_they_meet_are_in_spanish(report_world, who, path, status, words):
    w = report_world
    with _client(w) as c:
        _spanish(c, who)
        html = _in_spanish(c.get(path.format(other=w.students2[0], mine=w.students1[0])), status)
        assert words in html and "Ir a mi página de inicio" in html
        if status == 403:
            assert "<title>No permitido" in html


@SQLITE
def test_a_form_without_its_token_is_refused_in_spanish(report_world):
    with _client(report_world) as c:
        _spanish(c, "student")
        r = c.post("/student/checks", data={"standard": "7.RP.A.2"}, csrf=False)
        assert "Este formulario ha caducado" in _in_spanish(r, 403)


@SQLITE
def test_the_login_pages_in_spanish(report_world):
    w = report_world
    with _client(w) as c:
        page = _in_spanish(c.get("/login?lang=es"))
        assert "Nombre de usuario" in page and 'name="lang" value="es"' in page
        wrong = _in_spanish(c.post("/login", data={"username": "student", "password": "nope", "lang": "es"}), 401)
        assert "no coinciden" in wrong
        _spanish(c, "student")
        c.post("/logout")
        # the student's login ends: the login page it is sent back to is in the login's language
        ended = create_token(
            w.users["student"],
            SECRET,
            5,
            now=datetime.now(UTC) - timedelta(hours=1),
        )
        c.cookies.set(COOKIE, ended)
        again = c.get("/student")
        assert "Iniciar sesión" in _in_spanish(again)
        sent = c.post("/student/checks", data={"standard": "7.RP.A.2"})
        assert "Tu sesión había terminado" in _in_spanish(sent, 401)
        back = c.post(
            "/login",
            data={
                "username": "student",
                "password": PASSWORD,
                "pending": re.search(r'name="pending" value="([^"]+)"', sent.text).group(1),
            },
        )
        assert "Has vuelto a iniciar sesión" in _in_spanish(back)


def test_the_item_banks_moments_in_the_readers_locale():
    from service.pages.language import language_context

    said = "a retake of assignment 4 opens on 2026-12-05 14:00 UTC, 2 day(s) after your last attempt"
    assert language_context("es")["lmoment"](said) == "5 dic 2026 14:00 UTC"
    assert language_context("en")["lmoment"](said) == "2026-12-05 14:00 UTC"
    assert language_context("es")["lmoment"]("no moment here") == "no moment here"
