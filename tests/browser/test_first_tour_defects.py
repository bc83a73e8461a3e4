"""The rest of issue 14's defects, each as a user meets it in Chromium against ``masterycat serve --demo``.

Defects 1, 4, 6, 7, 11 and the long name of 13 have their tests in
``test_login_expiry_browser.py`` and ``test_newcomer_tour.py``; these are
the others.  The student's checks and the written answer are taken by a
student of their own (made by the admin, in a class of Mr. Okafor's of
their own), so no other browser test sees what they leave.
"""

from __future__ import annotations

import json
import re
import time
import urllib.parse
import urllib.request
import uuid
from datetime import datetime

import pytest

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.test_browser import login

pytestmark = pytest.mark.browser

PASSWORD = "tour-password"
#: What a Back to an answered question and a different answer lead to, and an unreadable number.
ANSWERED_NOTE = "already answered that question"
NUMBER_HINT = "Type a number"
#: Most answers a check may need before it ends (the demo's checks stop after at most 15).
MOST_ANSWERS = 20


def _api(server: str, method: str, path: str, token: str, body: dict | None = None):
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(server + "/api/v1" + path, data=data, headers=headers, method=method)
    with urllib.request.urlopen(request, timeout=30) as r:
        return json.loads(r.read())


def _token(server: str, username: str, password: str = "demo") -> str:
    data = urllib.parse.urlencode({"username": username, "password": password}).encode()
    with urllib.request.urlopen(server + "/api/v1/auth/token", data=data, timeout=30) as r:
        return json.loads(r.read())["access_token"]


@pytest.fixture(scope="module")
def newcomer(server) -> dict:
    """A student of their own with a login, alone in a new class of Mr. Okafor (``teacher2``)."""
    admin = _token(server, "admin")
    tag = uuid.uuid4().hex[:6]
    student = _api(
        server, "POST", "/students", admin, {"external_id": f"TOUR-{tag}", "first_name": "Robin", "last_name": "Tour"}
    )
    okafor = _api(server, "GET", "/me", _token(server, "teacher2"))["teacher_id"]
    klass = _api(server, "POST", "/classes", admin, {"name": f"Tour {tag}", "teacher_id": okafor, "grade": 7})
    _api(server, "POST", f"/classes/{klass['id']}/students", admin, {"student_id": student["id"]})
    username = f"tour-{tag}"
    _api(
        server,
        "POST",
        "/users",
        admin,
        {"username": username, "password": PASSWORD, "role": "student", "student_id": student["id"]},
    )
    return {"username": username, "student_id": student["id"], "class_id": klass["id"]}


def _log_in(page, server: str, username: str, password: str) -> None:
    page.goto(server + "/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def _start(page, server: str, standard: str) -> None:
    """From the student's page, start (or resume) a check on ``standard``."""
    page.goto(server + "/student")
    page.get_by_role("button", name=f"Start a check on {standard}").click()
    page.wait_for_load_state()


def _item_id(page) -> str:
    return page.locator("form.question input[name=item_id]").get_attribute("value")


def _number(page) -> int:
    """The number of the question the check page shows (``question N``)."""
    return int(re.search(r"question (\d+)", page.locator(".progress-text").inner_text()).group(1))


def _pick(page, other_than: str | None = None) -> str:
    """Answer the question on screen as a student guessing would; the choice picked, or the number typed.

    ``other_than``: a choice picked before, so this one is different.
    """
    form = page.locator("form.question")
    radios = form.locator("input[type=radio]")
    if radios.count():
        values = radios.evaluate_all("rs => rs.map(r => r.value)")
        choice = next(v for v in values if v != other_than)
        form.locator(f"label[for='{radios.nth(values.index(choice)).get_attribute('id')}']").click()
        return choice
    boxes = form.locator("input[type=checkbox]")
    if boxes.count():  # every box (a guess wrong unless every choice is right), or all but the first
        skip = 1 if other_than == "all" else 0
        for n in range(boxes.count()):
            boxes.nth(n).set_checked(n >= skip)
        return "all" if skip == 0 else "all but the first"
    selects = form.locator("select")
    for n in range(selects.count()):
        selects.nth(n).select_option(index=1)
    texts = form.locator("input[name=answer]:not([type=radio]):not([type=checkbox]), textarea[name=answer]")
    for n in range(texts.count()):
        texts.nth(n).fill("-9999")
    return "-9999"


def _submit(page) -> None:
    page.get_by_role("button", name="Check my answer").click()
    page.wait_for_load_state()


def _next(page) -> None:
    """From an answer's feedback, on to the next question (or the result)."""
    page.locator("p.next a").click()
    page.wait_for_load_state()


def _on_a_question(page) -> bool:
    return page.locator("form.question").count() == 1


# ---------------------------------------------------------------- defect 2


@pytest.fixture
def bfcache_page(browser):
    """A page in a Chromium that keeps pages for Back as Chrome does (Playwright turns that off by default)."""
    chromium = browser.browser_type.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, ignore_default_args=["--disable-back-forward-cache"]
    )
    page = chromium.new_context(viewport={"width": 1280, "height": 860}).new_page()
    page.set_default_timeout(20_000)
    yield page
    chromium.close()


def test_back_and_a_different_answer_returns_to_the_current_question(server, newcomer, bfcache_page, desktop, shots):
    page = bfcache_page
    _log_in(page, server, newcomer["username"], PASSWORD)
    _start(page, server, "7.SP.C.8")
    first = _item_id(page)
    number = _number(page)
    picked = _pick(page)
    _submit(page)
    assert page.locator("h1#fb-h").count() == 1
    # Back: Chromium shows the question as it was, already answered
    page.go_back(wait_until="commit")
    page.locator("form.question").wait_for()
    assert _item_id(page) == first, "Back did not show the answered question again"
    _pick(page, other_than=picked)
    _submit(page)
    assert page.locator("h1").filter(has_text=re.compile("Conflict|409")).count() == 0, page.locator(
        "main"
    ).inner_text()
    assert ANSWERED_NOTE in page.get_by_role("status").inner_text()
    assert _on_a_question(page) and _item_id(page) != first
    assert _number(page) == number + 1
    page.screenshot(path=str(shots / "defect_back_answered.png"))
    # a browser that asks again on Back (no page kept) gets the question the check is on, never a stale copy
    desktop.context.add_cookies(page.context.cookies())
    response = desktop.goto(page.url.split("?")[0])
    assert response.headers.get("cache-control") == "no-store"
    second = _item_id(desktop)
    _pick(desktop)
    _submit(desktop)
    desktop.go_back()
    assert _on_a_question(desktop) and _item_id(desktop) != second and _number(desktop) == number + 2


def test_an_unreadable_number_is_explained_inside_the_form(server, newcomer, desktop, shots):
    page = desktop
    _log_in(page, server, newcomer["username"], PASSWORD)
    _start(page, server, "7.SP.C.6")
    for _ in range(MOST_ANSWERS):
        if page.locator("form.question input[name=interaction][value=numeric_entry]").count():
            break
        _pick(page)
        _submit(page)
        _next(page)
        assert _on_a_question(page), "the check ended before a question asked for a number"
    item = _item_id(page)
    number = _number(page)
    for typed in ("1e999", "nan", "9" * 500):
        page.get_by_label("Your answer (a number)").fill(typed)
        _submit(page)
        assert page.locator("h1").filter(has_text=re.compile(r"\(422\)|check what you sent")).count() == 0, typed
        assert NUMBER_HINT in page.locator("form.question [role=alert]").inner_text(), typed
        assert _item_id(page) == item and _number(page) == number, typed
    page.screenshot(path=str(shots / "defect_number_explained.png"))


# ---------------------------------------------------------------- defect 3


def test_starting_a_standard_with_an_unfinished_check_resumes_it(server, newcomer, desktop, shots):
    page = desktop
    _log_in(page, server, newcomer["username"], PASSWORD)
    _start(page, server, "7.G.B.5")
    check_url = page.url.split("?")[0]
    for _ in range(2):
        _pick(page)
        _submit(page)
        _next(page)
    item = _item_id(page)
    assert _number(page) == 3
    _start(page, server, "7.G.B.5")  # left unfinished, started again from the student's page
    assert page.url.split("?")[0] == check_url
    assert _number(page) == 3 and _item_id(page) == item
    assert "where you left off" in page.get_by_role("status").inner_text()
    page.screenshot(path=str(shots / "defect_check_resumed.png"))
    page.goto(server + "/student")
    assert page.get_by_role("link", name="Finish your check on 7.G.B.5").count() == 1


# ---------------------------------------------------------------- defect 5


def test_unknown_addresses_and_wrong_methods_are_pages_in_words(server, desktop, shots):
    page = desktop
    login(page, server, "teacher2")
    response = page.goto(server + "/teacher/no-such-page")
    assert response.status == 404 and response.headers["content-type"].startswith("text/html")
    assert "There is no page at this address" in page.get_by_role("alert").inner_text()
    page.screenshot(path=str(shots / "defect_error_page.png"))
    page.get_by_role("link", name="Go to my start page").click()
    page.wait_for_load_state()
    assert page.url.rstrip("/").endswith("/teacher")
    # a form sent to a page that only shows
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    with page.expect_navigation() as sent:
        page.evaluate(
            """token => { const f = document.createElement('form'); f.method = 'post'; f.action = '/teacher';
            const i = document.createElement('input'); i.type = 'hidden'; i.name = 'csrf_token'; i.value = token;
            f.appendChild(i); document.body.appendChild(f); f.submit(); }""",
            token,
        )
    assert sent.value.status == 405 and sent.value.headers["content-type"].startswith("text/html")
    assert "cannot be used that way" in page.get_by_role("alert").inner_text()
    assert page.get_by_role("link", name="Go to my start page").count() == 1
    # the API keeps its JSON
    response = page.goto(server + "/api/v1/no-such-resource")
    assert response.status == 404 and response.headers["content-type"].startswith("application/json")
    assert json.loads(page.locator("body").inner_text()) == {"detail": "Not Found"}


# ---------------------------------------------------------------- defect 8


def _transferred(responses) -> int:
    """Bytes a page's responses took on the wire (headers and bodies as sent)."""
    sizes = [r.request.sizes() for r in responses]
    return sum(s["responseBodySize"] + s["responseHeadersSize"] for s in sizes)


def _open_report(page, link) -> tuple[int, float]:
    """Follow ``link`` to the fit report: (bytes transferred, seconds until it loaded)."""
    responses = []

    def seen(response) -> None:
        responses.append(response)

    page.on("response", seen)
    began = time.perf_counter()
    link.click()
    page.wait_for_url(re.compile(r"/bank/calibrations/\d+/report$"))
    page.wait_for_load_state("load")
    took = time.perf_counter() - began
    page.remove_listener("response", seen)
    assert page.locator("h1").count() == 1 and "Items to review" in page.locator("main").inner_text()
    return _transferred(responses), took


def test_the_fit_report_is_reached_by_links_and_small(server, desktop, shots):
    page = desktop
    login(page, server, "psychometrician")
    page.goto(server + "/bank")
    from_bank = page.get_by_role("link", name=re.compile("^Fit report"))
    assert from_bank.count() == 1, "the bank page links no fit report"
    size, took = _open_report(page, from_bank)
    print(f"fit report from the bank: {size / 1000:.0f} kB in {took:.2f} s")
    assert size < 600_000, f"the fit report took {size / 1000:.0f} kB"
    page.screenshot(path=str(shots / "defect_fit_report.png"))
    page.goto(server + "/bank/calibrations")
    live = page.locator("table.report tbody tr", has_text="live").locator("th a")
    live.click()
    page.wait_for_load_state()
    from_calibration = page.get_by_role("link", name=re.compile("^Fit report"))
    assert from_calibration.count() == 1, "the calibration page links no fit report"
    size, took = _open_report(page, from_calibration)
    print(f"fit report from calibration {page.url.split('/')[-2]}: {size / 1000:.0f} kB in {took:.2f} s")
    assert size < 600_000, f"the fit report took {size / 1000:.0f} kB"


# ---------------------------------------------------------------- defect 9


@pytest.fixture(scope="module")
def written_answer(server, newcomer) -> dict:
    """Mr. Okafor gives the newcomer's class a task with one written question (set up through the API).

    Returns ``{"title": the assignment's title}``.
    """
    okafor = _token(server, "teacher2")
    rubric_item = _api(
        server, "GET", "/items?standard=7.RP.A.2&interaction=constructed_response&status=operational", okafor
    )["items"][0]["id"]
    title = f"Is it proportional? ({uuid.uuid4().hex[:4]})"
    form = _api(
        server,
        "POST",
        "/forms",
        okafor,
        {"title": title, "purpose": "quiz", "standard": "7.RP.A.2", "versions": {"A": [rubric_item]}},
    )
    _api(
        server,
        "POST",
        "/assignments",
        okafor,
        {
            "kind": "form",
            "form_id": form["id"],
            "class_ids": [newcomer["class_id"]],
            "feedback": "on_submit",
            "retakes": {"max": 0, "wait_days": 0},
        },
    )
    return {"title": title}


def test_a_teacher_rescores_a_scored_answer_and_the_student_sees_level_and_note(
    server, browser, newcomer, written_answer, shots
):
    title = written_answer["title"]
    student = browser.new_context(viewport={"width": 1280, "height": 860}).new_page()
    _log_in(student, server, newcomer["username"], PASSWORD)
    student.get_by_role("button", name=f"Start {title}").click()
    student.wait_for_load_state()
    student.get_by_label("Your answer", exact=True).fill("12 for $3 is $0.25 each and 20 for $4 is $0.20 each.")
    student.get_by_role("button", name=re.compile("^Save and")).click()
    student.wait_for_load_state()
    student.get_by_role("button", name="Hand it in").click()
    student.wait_for_load_state()

    ctx = browser.new_context(viewport={"width": 1280, "height": 860})
    queue, stale = ctx.new_page(), ctx.new_page()
    login(queue, server, "teacher2")
    for page in (queue, stale):
        page.goto(server + "/teacher/scoring")
    card = queue.locator("article.score-card", has_text="Robin")
    card.get_by_label(re.compile(r"^1 · ")).check()
    card.get_by_role("button", name="Save score").click()
    queue.wait_for_load_state()
    assert "Scored" in queue.get_by_role("status").inner_text()
    # the second tab still shows it unscored: its score is refused, with a way to the score now
    stale_card = stale.locator("article.score-card", has_text="Robin")
    stale_card.get_by_label(re.compile(r"^2 · ")).check()
    stale_card.get_by_role("button", name="Save score").click()
    stale.wait_for_load_state()
    assert "re-score that one" in stale.get_by_role("alert").inner_text()
    review = stale.get_by_role("link", name="Review and re-score the newest score")
    assert review.count() == 1, "the 409 page links no score to review"
    review.click()
    stale.wait_for_load_state()
    assert "(1)" in stale.locator("dl.fb").inner_text()  # the score given in the first tab
    stale.get_by_label(re.compile(r"^3 · ")).check()
    note = "Every unit price found and compared: well argued."
    stale.get_by_label(re.compile("^Note for")).fill(note)
    stale.get_by_role("button", name="Save score").click()
    stale.wait_for_load_state()
    assert "(3)" in stale.get_by_role("status").inner_text()
    scored_lately = stale.locator("section", has=stale.locator("#recent-h"))
    assert note in scored_lately.inner_text()
    stale.screenshot(path=str(shots / "defect_rescored.png"))

    student.goto(server + "/student")
    student.locator(".done-list li", has_text=title).get_by_role("link", name="Review it").click()
    student.wait_for_load_state()
    seen = student.locator("main").inner_text()
    assert re.search(r"Level\s+3 · \w+", seen) and note in seen, seen
    student.screenshot(path=str(shots / "defect_student_sees_level_and_note.png"))
    for c in (student.context, ctx):
        c.close()


# ---------------------------------------------------------------- defect 10

#: The rows of a student's mastery table (the first table with an Answers column): standard, level, answers, date.
ROWS = """() => {
  const heads = t => t.tHead ? Array.from(t.tHead.rows[0].cells, c => c.innerText.trim()) : [];
  const table = Array.from(document.querySelectorAll('table')).find(t => heads(t).includes('Answers'));
  if (!table) return [];
  const [answers, date] = [heads(table).indexOf('Answers'), heads(table).indexOf('Last assessed')];
  return Array.from(table.tBodies[0].rows, tr => {
    const cells = Array.from(tr.cells, c => c.innerText.trim());
    return {code: cells[0], level: cells[1], answers: cells[answers], date: cells[date]};
  });
}"""


def _day(text: str) -> datetime | None:
    return None if text in ("", "–") else datetime.strptime(text, "%d %b %Y")


def test_competency_rows_count_the_answers_under_them(server, desktop, shots):
    page = desktop
    login(page, server, "teacher")
    page.get_by_role("link", name="Mastery tracker").first.click()
    page.wait_for_load_state()
    page.locator("tbody th.name-col a").first.click()
    page.wait_for_load_state()
    assert "/teacher/students/" in page.url
    rows = page.evaluate(ROWS)
    objectives = [r for r in rows if r["level"] == "objective" and int(r["answers"]) > 0]
    competencies = [r for r in rows if r["level"] == "competency"]
    assert objectives and competencies
    checked = 0
    for comp in competencies:
        under = [r for r in objectives if r["code"].startswith(comp["code"] + ".")]
        if not under:
            continue
        checked += 1
        assert int(comp["answers"]) == sum(int(r["answers"]) for r in under), comp
        assert _day(comp["date"]) == max(_day(r["date"]) for r in under), comp
    assert checked >= 1
    page.screenshot(path=str(shots / "defect_competency_rows.png"))


# ---------------------------------------------------------------- defect 12


def test_the_result_links_a_review_of_the_missed_questions(server, newcomer, desktop, shots):
    page = desktop
    _log_in(page, server, newcomer["username"], PASSWORD)
    _start(page, server, "7.G.A.3")
    missed: list[dict[str, str]] = []  # the answer, key and rationale each feedback showed
    for _ in range(MOST_ANSWERS):
        if not _on_a_question(page):
            break
        _pick(page)
        _submit(page)
        if "Not quite." in page.locator("h1#fb-h").inner_text():
            shown = page.locator("dl.fb dd").all_inner_texts()
            missed.append({"yours": shown[0], "key": shown[1], "why": shown[2]})
        _next(page)
    assert "Your dot for 7.G.A.3" in page.locator("h1").inner_text()
    assert missed, "every guess was right"
    look_back = page.get_by_role("link", name=f"Look back at the {len(missed)} you missed")
    assert look_back.count() == 1, page.locator("main").inner_text()
    look_back.click()
    page.wait_for_load_state()
    cards = page.locator("article.review-card")
    assert cards.count() == len(missed)
    for card, feedback in zip(cards.all(), missed, strict=True):
        assert card.locator("dl.fb dd").all_inner_texts() == [feedback["yours"], feedback["key"], feedback["why"]]
        assert card.locator("dl.fb dt").all_inner_texts() == ["Your answer", "The correct answer", "Why"]
    page.screenshot(path=str(shots / "defect_review_missed.png"), full_page=True)


# ---------------------------------------------------------------- defect 13


def test_one_items_chart_says_item_information(server, desktop, shots):
    page = desktop
    login(page, server, "psychometrician")
    page.goto(server + "/bank")
    page.locator("table.bank tbody th a").first.click()
    page.wait_for_load_state()
    charts = page.locator("figure svg")
    assert charts.count() == 2
    words = charts.nth(1).text_content().lower()
    assert "item information" in words and "test information" not in words
    page.screenshot(path=str(shots / "defect_item_information.png"))


def test_a_calibration_with_no_status_ticked_is_refused_on_the_page(server, desktop, shots):
    page = desktop
    login(page, server, "psychometrician")
    page.goto(server + "/bank/calibrations")
    rows = page.locator("table.report tbody tr").count()
    page.get_by_label("operational").uncheck()
    page.get_by_label("pretest").uncheck()
    page.get_by_role("button", name="Start").click()
    page.wait_for_load_state()
    assert re.search(r"/bank/calibrations/?$", page.url), f"a calibration started: {page.url}"
    assert "Tick at least one status" in page.get_by_role("alert").inner_text()
    assert page.locator("table.report tbody tr").count() == rows
    page.screenshot(path=str(shots / "defect_calibration_no_status.png"))


def test_an_unknown_fit_flag_is_refused_in_words_like_an_unknown_status(server, desktop, shots):
    page = desktop
    login(page, server, "psychometrician")
    status = page.goto(server + "/bank?status=bogus")
    assert status.status == 422 and page.get_by_role("alert").count() == 1
    flag = page.goto(server + "/bank?flag=bogus")
    assert flag.status == 422, f"/bank?flag=bogus answered {flag.status}"
    said = page.get_by_role("alert").inner_text()
    assert "bogus" in said and "miskey" in said, said  # the flag sent and the ones there are
    page.screenshot(path=str(shots / "defect_unknown_flag.png"))


# ---------------------------------------------------------------- defect 14


def test_a_check_shows_its_question_number_length_and_progress(server, newcomer, desktop, shots):
    page = desktop
    _log_in(page, server, newcomer["username"], PASSWORD)
    _start(page, server, "7.EE.A.2")
    said = page.locator(".progress-text").inner_text()
    length = re.search(r"at least (\d+), at most (\d+)", said)
    assert length, f"the check does not say how long it is: {said}"
    least, most = map(int, length.groups())
    assert 1 <= least < most
    seen = []
    for n in range(1, 5):
        assert _number(page) == n
        assert page.locator("progress#check-progress").count() == 1, "the check page shows no progress bar"
        seen.append(int(page.locator("progress#check-progress").get_attribute("value")))
        if n == 2:
            page.screenshot(path=str(shots / "defect_check_progress.png"))
        _pick(page)
        _submit(page)
        _next(page)
    assert seen == sorted(seen) and seen[-1] > seen[0], f"the progress bar read {seen}"
