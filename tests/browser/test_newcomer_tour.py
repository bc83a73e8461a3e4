"""What a newcomer's first tour broke (issue 14), in Chromium against ``masterycat serve --demo``.

``/docs`` without internet, the tracker's evidence filter, and the
psychometrician's bank pages.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.browser.test_browser import login

pytestmark = pytest.mark.browser


def test_docs_render_without_internet(server, desktop):
    page = desktop
    origin = urlsplit(server).netloc
    elsewhere: list[str] = []

    def only_this_server(route):
        if urlsplit(route.request.url).netloc == origin:
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", only_this_server)
    page.goto(server + "/docs")
    page.locator(".swagger-ui .opblock").first.wait_for()
    assert "masterycat" in page.locator(".swagger-ui .info .title").inner_text().lower()
    assert elsewhere == []


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
