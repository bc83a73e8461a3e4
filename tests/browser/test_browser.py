"""The pages in a real browser (Chromium) against ``masterycat serve --demo``.

A teacher logs in, reads the tracker (dots with words, P(mastery) on hover
and on keyboard focus), sorts it, opens a student's history, generates
morning work and prints it (one PDF page per tier plus the key page); a
student on a phone-sized screen takes a whole check and gets feedback after
every answer and a final dot in words; a student cannot open a teacher
page; a psychometrician filters the bank, opens an item, calibrates and
makes the calibration live.  Every page is screenshotted.
"""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

UNLABELLED = """() => Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea, button'))
  .filter(e => {
    if (e.tagName === 'BUTTON') return !(e.innerText.trim() || e.getAttribute('aria-label'));
    return !((e.labels && e.labels.length) || e.getAttribute('aria-label') || e.getAttribute('aria-labelledby'));
  })
  .map(e => e.outerHTML.slice(0, 120))"""


def login(page, base: str, username: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def check_page(page, shots, name: str, *, full: bool = True) -> None:
    """Every form control labelled, no horizontal overflow; take a screenshot."""
    assert page.evaluate(UNLABELLED) == [], f"unlabelled controls on {page.url}"
    width = page.viewport_size["width"]
    overflow = page.evaluate("() => document.documentElement.scrollWidth")
    assert overflow <= width + 1, f"{page.url} is {overflow}px wide in a {width}px window"
    page.screenshot(path=str(shots / f"{name}.png"), full_page=full)


def test_teacher_tracker_history_and_morning_work(server, desktop, shots):
    page = desktop
    login(page, server, "teacher")
    assert page.url.endswith("/teacher")
    check_page(page, shots, "teacher_home")
    page.get_by_role("link", name="Mastery tracker").first.click()
    page.wait_for_load_state()
    assert "Mastery tracker" in page.locator("h1").inner_text()
    cells = page.locator("td.cell button.cell-btn")
    assert cells.count() >= 25 * 4
    # the band is written, not only coloured
    words = set(page.locator("td.cell .band-word").all_inner_texts())
    assert words <= {"green", "yellow", "red"} and words
    # P(mastery) on hover
    first = page.locator("td.cell").nth(0)
    first.hover()
    tip = first.locator(".tip")
    assert tip.is_visible() and "P(mastery)" in tip.inner_text()
    check_page(page, shots, "tracker")
    # ... and on keyboard focus
    page.mouse.move(0, 0)
    other = page.locator("td.cell").nth(5)
    other.locator("button").focus()
    assert other.locator(".tip").is_visible()
    page.keyboard.press("Escape")
    # sorting by a standard puts its greens first
    header = page.locator("thead th.std-col a").first
    code = header.inner_text().split()[0]
    header.click()
    page.wait_for_load_state()
    assert f"sort={code}" in page.url
    col = page.locator("thead th.std-col").first
    assert col.get_attribute("aria-sort") == "descending"
    bands = [b.inner_text() for b in page.locator("tbody tr td.cell:nth-child(2) .band-word").all()]
    order = {"green": 0, "yellow": 1, "red": 2}
    assert [order[b] for b in bands] == sorted(order[b] for b in bands)
    # a level filter
    page.select_option("#level", "competency")
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    assert "level=competency" in page.url
    assert all(re.fullmatch(r"7\.[A-Z]+", t.split()[0]) for t in page.locator("thead th.std-col a").all_inner_texts())
    check_page(page, shots, "tracker_competencies")
    # a student's history
    page.locator("tbody th.name-col a").first.click()
    page.wait_for_load_state()
    assert page.locator("svg.chart").count() >= 1
    check_page(page, shots, "student_history")
    # morning work
    page.get_by_role("link", name="Classes").click()
    page.get_by_role("link", name="Morning work").first.click()
    page.select_option("#standard", "7.RP.A.2")
    page.get_by_role("button", name="Make three tiers").click()
    page.wait_for_load_state()
    tiers = page.locator("section.tier")
    assert tiers.count() == 3
    assert page.locator("section.tier .names li").count() == 25
    check_page(page, shots, "morning_work")
    page.get_by_role("link", name="Print view").click()
    page.wait_for_load_state()
    sheets = page.locator("article.sheet")
    n_tiers = sheets.count() - 1
    assert 1 <= n_tiers <= 3 and "Teacher key" in sheets.last.inner_text()
    assert "✓ key" not in page.locator("article.sheet:not(.key-sheet)").all_inner_texts()[0]
    check_page(page, shots, "morning_work_print")
    page.emulate_media(media="print")
    pdf = page.pdf(format="Letter")
    page.emulate_media(media="screen")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages == n_tiers + 1, f"{pages} PDF pages for {n_tiers} tier sheets and a key page"
    (shots / "morning_work.pdf").write_bytes(pdf)


def test_teacher_exit_ticket_and_scoring(server, desktop, shots):
    page = desktop
    login(page, server, "teacher")
    page.get_by_role("link", name="Exit tickets").click()
    page.select_option("#standard", "7.RP.A")
    page.get_by_role("button", name="Assemble").click()
    page.wait_for_load_state()
    forms = page.locator("article.form-card")
    assert forms.count() == 2
    check_page(page, shots, "exit_tickets")
    page.get_by_role("link", name="Print view").click()
    page.wait_for_load_state()
    page.emulate_media(media="print")
    pdf = page.pdf(format="Letter")
    page.emulate_media(media="screen")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) >= 3  # a page per version, then the key
    page.get_by_role("link", name="Scoring").click()
    page.wait_for_load_state()
    waiting = int(re.search(r"(\d+) written answer", page.locator("h1").inner_text()).group(1))
    assert waiting >= 1
    card = page.locator("article.score-card").first
    student = card.locator("h2").inner_text().split(" ·")[0]
    check_page(page, shots, "scoring")
    card.get_by_label(re.compile(r"^2 · Meets")).check()
    card.get_by_role("button", name="Save score").click()
    page.wait_for_load_state()
    assert f"Scored {student}" in page.get_by_role("status").inner_text()
    assert int(re.search(r"(\d+) written answer", page.locator("h1").inner_text()).group(1)) == waiting - 1


def test_student_takes_a_check_on_a_phone(server, phone, shots):
    page = phone
    login(page, server, "student")
    assert page.url.endswith("/student")
    check_page(page, shots, "student_home")
    page.get_by_role("button", name="Start a check on 7.G.A.1").click()
    page.wait_for_load_state()
    answered = 0
    while page.get_by_role("button", name="Check my answer").count():
        interaction = page.locator("input[name=interaction]").get_attribute("value")
        if answered == 0:
            check_page(page, shots, "student_question", full=False)
        if interaction == "numeric_entry":
            page.get_by_label("Your answer").fill("12")
            page.keyboard.press("Enter")
        elif interaction == "single_choice" and answered % 2 == 0:
            # keyboard only: focus the first choice, Space picks it, Tab to the button, Enter
            page.locator("input[name=answer]").first.focus()
            page.keyboard.press("Space")
            page.keyboard.press("Tab")
            page.keyboard.press("Enter")
        else:
            page.locator(".choice label").nth(answered % 3).click()
            page.get_by_role("button", name="Check my answer").click()
        page.wait_for_load_state()
        answered += 1
        heading = page.locator("h1").inner_text()
        assert "Right!" in heading or "Not quite." in heading
        assert page.locator("dl.fb").inner_text().count("Why") == 1
        if "Not quite." in heading:
            assert "The correct answer" in page.locator("dl.fb").inner_text()
        if answered == 1:
            check_page(page, shots, "student_feedback", full=False)
        page.locator("p.next a").click()
        page.wait_for_load_state()
        assert answered <= 15
    assert answered >= 4
    assert "Your dot for 7.G.A.1" in page.locator("h1").inner_text()
    band = page.locator(".result-dot .band-word").inner_text()
    assert band in ("green", "yellow", "red")
    words = page.locator(".result-words").inner_text()
    assert any(w in words for w in ("got this", "Almost there", "Not yet"))
    check_page(page, shots, "student_result", full=False)
    page.get_by_role("link", name="Back to my dots").click()
    assert "7.G.A.1" in page.locator("ul.my-dots").inner_text()


def test_a_student_cannot_open_a_teacher_page(server, desktop):
    page = desktop
    login(page, server, "student")
    response = page.goto(server + "/teacher/classes/1")
    assert response.status == 403
    assert "Not allowed" in page.locator("h1").inner_text()
    assert page.goto(server + "/bank").status == 403


def test_logged_out_user_goes_to_login_and_back(server, desktop):
    page = desktop
    page.goto(server + "/teacher/scoring")
    assert "/login?next=/teacher/scoring" in page.url
    page.get_by_label("Username").fill("teacher")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Log in").click()
    assert "do not match" in page.get_by_role("alert").inner_text()
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/teacher/scoring")


def test_psychometrician_bank_item_and_calibration(server, desktop, shots):
    page = desktop
    login(page, server, "psychometrician")
    assert page.url.endswith("/bank")
    total = int(re.search(r"(\d+) items", page.locator("h1").inner_text()).group(1))
    assert total >= 300
    check_page(page, shots, "bank", full=False)
    page.select_option("#standard", "7.RP.A.2")
    page.select_option("#flag", "any")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state()
    assert "flag=any" in page.url
    flagged = page.locator("table.bank tbody tr")
    if flagged.count():
        assert page.locator("table.bank tbody tr .tag").count() >= flagged.count()
    page.select_option("#flag", "")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state()
    page.locator("table.bank tbody th a").first.click()
    page.wait_for_load_state()
    assert page.locator("figure svg").count() == 2
    check_page(page, shots, "item")
    page.get_by_role("link", name="Calibrations").click()
    page.select_option("#model", "rasch")
    page.get_by_label("pretest").uncheck()
    page.get_by_role("button", name="Start").click()
    page.wait_for_url(re.compile(r"/bank/calibrations/\d+$"))
    page.get_by_role("button", name="Make live").wait_for(timeout=150_000)
    assert page.locator("#cal-status").inner_text() == "done"
    check_page(page, shots, "calibration")
    page.get_by_role("button", name="Make live").click()
    page.wait_for_load_state()
    assert "is the live bank" in page.get_by_role("status").inner_text()
