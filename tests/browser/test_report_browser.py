"""The progress report in Chromium: a student's and a guardian's, printed to PDF in one or two pages, and in Spanish."""

from __future__ import annotations

import re

from tests.browser.test_browser import check_page, login
from tests.reports.untranslated import english_left


def _pdf_pages(page) -> tuple[int, bytes]:
    page.emulate_media(media="print")
    pdf = page.pdf(format="Letter")
    page.emulate_media(media="screen")
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf)), pdf


def test_student_report_prints_in_one_or_two_pages(server, desktop, shots):
    page = desktop
    login(page, server, "student")
    page.get_by_role("link", name="My progress report").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith("Progress report:")
    assert page.locator("section.report-section").count() >= 2  # a competency, and what to work on next
    assert page.locator(".report-standard.objective").count() >= 1
    assert page.locator("svg.spark circle").count() >= 1  # the estimate over the term
    practise = page.get_by_role("button", name="Practise it now")
    assert practise.count() >= 1 and practise.first.is_visible()  # a red or yellow objective to practise
    assert practise.first.evaluate("b => getComputedStyle(b).color") != "rgb(255, 255, 255)"  # not white on white
    check_page(page, shots, "progress_report")
    page.emulate_media(media="print")
    page.screenshot(path=shots / "progress_report_print.png", full_page=True)
    page.emulate_media(media="screen")
    n, pdf = _pdf_pages(page)
    assert 1 <= n <= 2, f"the progress report printed on {n} pages"
    (shots / "progress_report.pdf").write_bytes(pdf)


def test_guardian_reads_their_childs_report_and_nothing_else(server, desktop, shots):
    page = desktop
    login(page, server, "guardian")
    page.goto(server + "/family")
    links = page.locator(".family-list a")
    assert links.count() == 1
    check_page(page, shots, "family")
    href = links.first.get_attribute("href")
    own = int(re.search(r"/students/(\d+)/report", href).group(1))
    links.first.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith("Progress report:")
    assert page.get_by_role("button", name="Practise it now").count() == 0
    n, _ = _pdf_pages(page)
    assert 1 <= n <= 2, f"the progress report printed on {n} pages"
    for path in (f"/students/{own + 1}/report", "/teacher", "/student", "/admin"):
        response = page.goto(server + path)
        assert response.status == 403, path


def test_principal_sees_their_school_and_reads_a_class_tracker(server, desktop, shots):
    page = desktop
    login(page, server, "principal")
    led = page.locator("#led-h + ul a")
    assert led.count() == 1 and "Lincoln Middle School" in led.inner_text()
    led.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Schools"
    assert "In this school:" in page.locator("main").inner_text()
    assert page.locator("svg.trend").count() >= 2  # the school's bands week by week over the term
    check_page(page, shots, "schools")
    page.get_by_role("link", name="Period 1").first.click()
    page.wait_for_load_state()
    assert "Mastery tracker" in page.content() and page.locator("tbody tr").count() >= 20
    assert page.get_by_role("link", name=re.compile("Morning work")).count() == 0  # read-only
    report = page.locator('tbody a[href$="/report"]').first
    report.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith("Progress report:")
    assert page.goto(server + "/teacher/classes/1/morning-work").status == 403


def _in_spanish(page) -> None:
    assert page.locator("html").get_attribute("lang") == "es"
    assert english_left(page.content()) == [], page.url


def test_the_students_report_in_spanish(server, desktop, shots):
    page = desktop
    login(page, server, "student")
    href = page.get_by_role("link", name="My progress report").get_attribute("href")
    page.goto(server + href + ("&" if "?" in href else "?") + "lang=es")  # this view only: the login stays English
    assert page.locator("h1").inner_text().startswith("Informe de progreso:")
    assert page.get_by_role("button", name="Practícalo ahora").count() >= 1
    assert page.locator(".report-term strong").inner_text() == "Term 1"  # the demo's current term
    _in_spanish(page)
    check_page(page, shots, "progress_report_es")


def test_the_family_page_in_spanish(server, desktop, shots):
    page = desktop
    login(page, server, "guardian")
    page.goto(server + "/family?lang=es")
    assert page.locator("h1").inner_text() == "Sus hijos"
    assert page.get_by_role("link", name=re.compile("informe de progreso")).count() == 1
    _in_spanish(page)
    check_page(page, shots, "family_es")
