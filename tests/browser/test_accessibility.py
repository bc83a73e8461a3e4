"""WCAG 2.1 AA (issue 14): axe-core audits every page as every demo role, at desktop and phone widths.

The crawl is the phone-width one of ``test_newcomer_tour`` (one page of each
route a role can reach by its links); each page is loaded once and audited at
1280 px, then again with the window narrowed to a 390 px phone.  axe-core
comes from ``axe-playwright-python``.  A serious or critical violation of a
WCAG 2.0/2.1 A or AA rule fails the test.
"""

from __future__ import annotations

import pytest

from tests.browser.test_browser import login
from tests.browser.test_newcomer_tour import _route, _visit_every_page

pytestmark = pytest.mark.browser

ROLES = ("teacher", "teacher2", "student", "psychometrician", "admin", "guardian")
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
BLOCKING = ("serious", "critical")


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def test_no_serious_or_critical_wcag_violation_on_any_page(server, browser, axe):
    found: dict[tuple[str, str, str], set[str]] = {}

    def audit(page, path: str) -> None:
        for width, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(viewport)
            for rule in axe.run(page, options=AXE_OPTIONS).response["violations"]:
                if rule["impact"] in BLOCKING:
                    targets = {" ".join(map(str, node["target"])) for node in rule["nodes"]}
                    found.setdefault((_route(path), width, rule["id"]), set()).update(targets)
        page.set_viewport_size(DESKTOP)

    visited: dict[str, int] = {}
    for role in ROLES:
        ctx = browser.new_context(viewport=DESKTOP)
        page = ctx.new_page()
        page.set_default_timeout(20_000)
        login(page, server, role)
        visited[role] = len(_visit_every_page(page, server, role, inspect=audit))
        ctx.close()
    report = "\n".join(
        f"{route} at {width}, {rule}: {sorted(t)[:3]}" for (route, width, rule), t in sorted(found.items())
    )
    assert found == {}, f"serious or critical WCAG 2.1 AA violations:\n{report}"
    assert visited["teacher"] >= 10 and visited["admin"] >= 10 and visited["guardian"] >= 1
