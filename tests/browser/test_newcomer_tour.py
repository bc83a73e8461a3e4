"""What a newcomer's first tour broke (issue 14), in Chromium against ``masterycat serve --demo``.

``/docs`` without internet, the tracker's evidence filter, and the
psychometrician's bank pages.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

from tests.browser.test_browser import login

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("path", "shown", "title"),
    [
        ("/docs", ".swagger-ui .opblock", ".swagger-ui .info .title"),
        ("/redoc", ".api-content [id^='tag/']", ".api-info h1"),
    ],
)
def test_docs_render_without_internet(server, desktop, path, shown, title):
    """Swagger UI and ReDoc draw the API with every other host unreachable, and break none of their policy."""
    page = desktop
    origin = urlsplit(server).netloc
    elsewhere: list[str] = []
    refused: list[str] = []

    def only_this_server(route):
        if urlsplit(route.request.url).netloc == origin:
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", only_this_server)
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(server + path)
    page.locator(shown).first.wait_for()
    assert "masterycat" in page.locator(title).first.inner_text().lower()
    page.wait_for_load_state("networkidle")
    assert elsewhere == []
    assert refused == []


def test_tracker_evidence_filter_can_be_switched_off(server, desktop):
    page = desktop
    login(page, server, "teacher")
    page.get_by_role("link", name="Mastery tracker").first.click()
    page.wait_for_load_state()
    box = page.get_by_label("Only standards with evidence")
    assert box.is_checked()
    shown = page.locator("thead th.std-col").count()
    box.uncheck()
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    assert not page.get_by_label("Only standards with evidence").is_checked()
    assert page.locator("thead th.std-col").count() > shown
    page.get_by_label("Only standards with evidence").check()
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    assert page.get_by_label("Only standards with evidence").is_checked()
    assert page.locator("thead th.std-col").count() == shown


SAME_SITE_PAGES = """() => Array.from(document.querySelectorAll('a[href^="/"]'), a => a.getAttribute('href'))"""
NOT_A_PAGE = re.compile(r"logout|\.csv|\.zip|\.json|/print|^/docs|^/redoc|^/openapi|^/assets/|^/api/")
PAGE_WIDTH = "() => document.scrollingElement.scrollWidth"
LONG_FIRST_NAME = "Maximilianalexandrina" * 9  # 189 letters with no place to break
LONG_NAME = f"{LONG_FIRST_NAME} Adeyemi-Li"  # 200 characters, the most a name may have


def _route(path: str) -> str:
    """``path`` with its ids blanked, so one page of each kind is visited."""
    return re.sub(r"/[^/?]*\d[^/?]*", "/{id}", path.split("?")[0])


def _visit_every_page(
    page, base: str, who: str, limit: int = 45, inspect: Callable[[Page, str], None] | None = None
) -> dict[str, int]:
    """Follow the same-site links from the current page, one page of each route; their widths by path.

    ``inspect(page, path)``, when given, is called on every page once it has loaded.
    """
    widths: dict[str, int] = {}
    todo = [urlsplit(page.url).path]
    routes: set[str] = set()
    while todo and len(widths) < limit:
        path = todo.pop(0)
        if _route(path) in routes:
            continue
        routes.add(_route(path))
        response = page.goto(base + path)
        status = response.status if response else "no answer"
        assert response is not None and response.ok, f"{who} follows a link to {path}: {status}"
        widths[path] = page.evaluate(PAGE_WIDTH)
        if inspect is not None:
            inspect(page, path)
        todo += [h for h in page.evaluate(SAME_SITE_PAGES) if not NOT_A_PAGE.search(h)]
    return widths


@pytest.fixture(scope="module")
def long_named_tracker(server, browser) -> str:
    """As the admin: a new class of the demo teacher with one student whose name is 200 characters.

    Returns the path of the class's tracker showing every standard.
    """
    base = server
    ctx = browser.new_context(viewport={"width": 1280, "height": 860})
    page = ctx.new_page()
    login(page, base, "admin")
    page.goto(base + "/admin/classes/1")
    lead = page.locator("li", has_text="(lead)").first.inner_text().removesuffix(" (lead)")
    page.goto(base + "/admin/users")
    page.get_by_label("Username").fill("longname")
    page.get_by_label("Role").select_option("student")
    page.get_by_label("Name (teacher or student)").fill(LONG_NAME)
    page.get_by_label("Student id (a student)").fill("LONG-1")
    page.get_by_label("Password (at least 8 characters)").fill("long-name-pass")
    page.get_by_role("button", name="Create").click()
    page.goto(base + "/admin/classes")
    page.get_by_label("Name", exact=True).fill("Long names")
    page.get_by_label("Lead teacher").select_option(label=lead)
    page.get_by_role("button", name="Add").click()
    page.wait_for_url("**/admin/classes/*")  # the new class's page
    page.get_by_label("Enroll the student with id").fill("LONG-1")
    page.get_by_role("button", name="Enroll").click()
    page.wait_for_load_state()
    assert page.get_by_role("rowheader", name=LONG_NAME).count() == 1
    class_id = page.url.split("/admin/classes/")[1].split("?")[0].split("/")[0]
    ctx.close()
    return f"/teacher/classes/{class_id}?assessed=false"


def test_no_page_scrolls_sideways_on_a_phone(server, phone, long_named_tracker):
    tracker = long_named_tracker
    widths: dict[str, dict[str, int]] = {}
    for role in ("teacher", "teacher2", "student", "psychometrician", "admin"):
        login(phone, server, role)
        widths[role] = _visit_every_page(phone, server, role)
        phone.context.clear_cookies()
    login(phone, server, "teacher")
    phone.goto(server + tracker)
    assert LONG_FIRST_NAME in phone.locator("tbody").inner_text()
    widths["teacher"][tracker] = phone.evaluate(PAGE_WIDTH)
    too_wide = {(role, path): w for role, seen in widths.items() for path, w in seen.items() if w > 390}
    assert too_wide == {}, f"pages wider than the 390 px phone: {too_wide}"
    assert len(widths["teacher"]) >= 10 and len(widths["psychometrician"]) >= 4 and len(widths["admin"]) >= 10


def test_a_long_student_name_leaves_the_tracker_columns_on_screen(server, desktop, long_named_tracker):
    page = desktop
    login(page, server, "teacher")
    page.goto(server + long_named_tracker)
    name = page.locator("tbody th", has_text=LONG_FIRST_NAME[:30])
    assert name.count() == 1
    first_standard = page.locator("thead th.std-col").first.bounding_box()
    assert first_standard is not None and first_standard["x"] + first_standard["width"] <= 1280
    assert name.bounding_box()["width"] <= 320


def test_printed_morning_work_names_no_student_and_keeps_the_name_line(server, desktop):
    page = desktop
    login(page, server, "teacher")
    page.goto(server + "/teacher/classes/1/morning-work")
    page.select_option("#standard", "7.RP.A.2")
    page.get_by_role("button", name="Make three tiers").click()
    page.wait_for_load_state()
    names = page.locator("section.tier .names li").all_inner_texts()
    assert len(names) >= 20
    page.get_by_role("link", name="Print view").click()
    page.wait_for_load_state()
    student_sheets = " ".join(page.locator("article.sheet:not(.key-sheet)").all_inner_texts())
    assert [n for n in names if n in student_sheets] == []
    key = page.locator("article.key-sheet").inner_text()
    assert all(n in key for n in names), "the teacher's key page says who gets which set"
    # a Letter page less its 0.55 in margins is 7.4 in, 710 CSS px wide
    page.set_viewport_size({"width": 710, "height": 1000})
    page.emulate_media(media="print")
    # the "Name: ____" line on every student sheet: one line, inside the page
    lines = page.evaluate(
        """() => Array.from(document.querySelectorAll('article.sheet:not(.key-sheet) .sheet-name'), name => {
             const text = document.createRange();
             text.selectNodeContents(name.firstChild);
             const boxes = Array.from(text.getClientRects());
             return [boxes.length, Math.max(...boxes.map(b => b.right)) - document.documentElement.clientWidth];
           })"""
    )
    assert lines and all(n == 1 and past <= 0.5 for n, past in lines), f"(lines, px past the edge): {lines}"


def test_psychometrician_searches_edits_moves_and_compares(server, desktop):
    page = desktop
    login(page, server, "psychometrician")
    # search by id, then by words of that item's question
    page.get_by_label("Search").fill("7RPA1-000")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state()
    ids = page.locator("table.bank tbody th a").all_inner_texts()
    assert ids and all(i.startswith("7RPA1-000") for i in ids)
    stem = page.locator("table.bank tbody td.stem-cell").first.inner_text()
    words = " ".join(stem.split()[:4])
    page.get_by_label("Search").fill(words)
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state()
    assert ids[0] in page.locator("table.bank tbody th a").all_inner_texts()
    # the distractor analysis of an answered single-choice item
    page.goto(server + "/bank?standard=7.RP.A.1&interaction=single_choice")
    links = [
        server + h
        for h in page.locator("table.bank tbody th a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    ]
    for link in links[:12]:
        page.goto(link)
        if page.locator("#distractors table").count():
            break
    table = page.locator("#distractors table")
    assert table.count() == 1, "no single-choice item of 7.RP.A.1 has a distractor analysis"
    assert table.locator("tbody tr").count() >= 3 and "(key)" in table.inner_text()
    # a content edit makes a new version
    version = int(re.search(r"version (\d+)", page.locator("h1").inner_text()).group(1))
    stem_box = page.get_by_label("Question (stem)")
    stem_box.fill(stem_box.input_value() + " Show your work.")
    page.locator("#edit").get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert "Saved as a new version" in page.get_by_role("status").inner_text()
    assert f"version {version + 1}" in page.locator("h1").inner_text()
    # draft, pretest, live, retired, and back to live
    for status in ("draft", "pretest", "operational", "retired", "operational"):
        if status == "retired":
            page.get_by_role("button", name="Retire this item").click()
        else:
            page.get_by_label(re.compile("^Move from")).select_option(status)
            page.get_by_role("button", name="Move").click()
        page.wait_for_load_state()
        assert "Status changed." in page.get_by_role("status").inner_text()
        assert status in page.locator("h1 .status").inner_text()
    # a new calibration beside the live one, before it goes live
    page.goto(server + "/bank/calibrations")
    page.select_option("#model", "rasch")
    page.get_by_label("pretest").uncheck()
    page.get_by_role("button", name="Start").click()
    page.wait_for_url(re.compile(r"/bank/calibrations/\d+$"))
    compare = page.get_by_role("link", name=re.compile("^Compare with live calibration"))
    compare.wait_for(timeout=180_000)
    compare.click()
    page.wait_for_load_state()
    assert "beside live calibration" in page.locator("h1").inner_text()
    assert int(page.locator("#n-band-changes").inner_text()) >= 0
    shifts = page.locator("#shifts tbody tr")
    assert shifts.count() >= 300
    assert page.get_by_role("button", name=re.compile(r"^Make calibration \d+ live$")).count() == 1
