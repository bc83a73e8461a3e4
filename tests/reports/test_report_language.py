"""The progress report and the family's page in Spanish: ``?lang=``, the remembered choice, every message translated."""

from __future__ import annotations

import re

import pytest

from service.app import create_app
from service.pages.language import LANGUAGES, translations
from tests.reports.untranslated import english_messages
from tests.service.conftest import PASSWORD, make_settings

SQLITE = pytest.mark.parametrize("db_engine", ["sqlite"], indirect=True)


@pytest.fixture
def parent_client(report_world):
    from tests.pages.conftest import PageClient

    with PageClient(create_app(make_settings(), engine=report_world.engine)) as c:
        r = c.post("/login", data={"username": "parent", "password": PASSWORD}, follow_redirects=False)
        assert r.status_code == 303
        yield c


@SQLITE
def test_report_in_spanish_with_spanish_bands_and_dates(report_world, parent_client):
    w = report_world
    html = parent_client.get(f"/students/{w.students1[0]}/report?term={w.term}&lang=es").text
    assert "Informe de progreso: First0 Last0" in html
    assert "Dominado" in html and "Todavía no" in html and "de certeza de que está dominado" in html
    block = html.split('data-code="7.RP.A.2"')[1].split('class="report-standard')[0]
    assert "8 oct 2026: Puntuación importada, 5 de 5 puntos" in block  # Babel's medium date in es
    assert "del 1 sept 2026 al 18 dic 2026" in html
    assert '<span class="sr">verde</span>' in block  # the dot's words for a screen reader
    assert "Mastered" not in html.split("<main")[1] and "sure it is mastered" not in html
    # English stays the default for this login, and ?lang=en is English
    english = parent_client.get(f"/students/{w.students1[0]}/report?term={w.term}").text
    assert "8 Oct 2026: Imported score, 5 of 5 points" in english and "Dominado" not in english


@SQLITE
def test_the_chosen_language_is_remembered_for_the_next_visit(report_world, parent_client):
    w = report_world
    form = parent_client.get("/family").text
    assert 'action="/account/language"' in form and 'name="csrf_token"' in form
    r = parent_client.post("/account/language", data={"lang": "es", "next": "/family?lang=en"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/family?lang=en"
    family = parent_client.get("/family").text
    assert "Sus hijos" in family and "Dominado: 1 · Casi lo logra: 0 · Todavía no: 1." in family
    assert '<html lang="es">' in family and "Mis hijos" in family and "Cerrar sesión" in family
    assert "Informe de progreso" in parent_client.get(f"/students/{w.students1[0]}/report?term={w.term}").text
    # ?lang= overrides the remembered choice for one view only
    assert "Your children" in parent_client.get("/family?lang=en").text
    assert "Sus hijos" in parent_client.get("/family").text


@SQLITE
def test_the_students_home_page_in_the_language_they_chose(report_world):
    from tests.pages.conftest import PageClient

    with PageClient(create_app(make_settings(), engine=report_world.engine)) as c:
        c.post("/login", data={"username": "student", "password": PASSWORD})
        english = c.get("/student").text
        assert "My dots" in english and "Take a check on your own" in english
        assert c.post("/account/language", data={"lang": "es", "next": "/student"}).status_code == 200
        home = c.get("/student").text
        assert (
            "Mis puntos" in home and "Haz una comprobación por tu cuenta" in home and "Mi informe de progreso" in home
        )
        assert "rojo</span></span>: Todavía no." in home and "8 oct 2026" in home
        assert "Take a check" not in home and "My dots" not in home
        check = c.post("/student/checks", data={"standard": "7.RP.A.2"})
        assert check.status_code == 200 and "/student/checks/" in str(check.url)
        assert "Comprobación de <strong>7.RP.A.2</strong> · pregunta 1" in check.text
        assert "Comprobar mi respuesta" in check.text and "Check my answer" not in check.text
        item_id = re.search(r'name="item_id" value="([^"]+)"', check.text).group(1)
        unanswered = c.post(
            f"{check.url.path}/answer", data={"item_id": item_id, "interaction": "single_choice"}, follow_redirects=True
        )
        assert "Elige una respuesta y luego pulsa Comprobar mi respuesta." in unanswered.text


@SQLITE
def test_the_switch_needs_the_form_token(parent_client):
    r = parent_client.post("/account/language", data={"lang": "es", "next": "/family"}, csrf=False)
    assert r.status_code == 403
    assert "Your children" in parent_client.get("/family").text


@SQLITE
@pytest.mark.parametrize("bad", ["xx", "es_XX", "<b>fr</b>"])
def test_an_unknown_language_is_refused_in_words(report_world, parent_client, bad):
    w = report_world
    r = parent_client.get(f"/students/{w.students1[0]}/report", params={"lang": bad})
    assert r.status_code == 400 and "<html" in r.text
    assert "There is no page in the language" in r.text and "es (Español)" in r.text
    assert "<b>fr" not in r.text
    posted = parent_client.post("/account/language", data={"lang": bad, "next": "/family"})
    assert posted.status_code == 400 and "There is no page in the language" in posted.text


def test_every_marked_message_is_translated():
    """Every message marked in a template or in the service's Python has a translation in every catalog."""
    messages = english_messages()
    assert len(messages) > 200

    def translated(catalog, msg) -> bool:
        if isinstance(msg, str):
            return catalog.gettext(msg) != msg
        return all(catalog.ngettext(msg[0], msg[1], n) not in msg for n in (1, 2))

    for lang in LANGUAGES:
        if lang == "en":
            continue
        catalog = translations(lang)
        missing = sorted(str(m) for m in messages if not translated(catalog, m))
        assert not missing, f"{lang}: no translation of {missing}"
