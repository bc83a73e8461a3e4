"""In Chromium: an answer sent after the login ended is sent by itself once the student has logged in again.

The server signs with the browser tests' key, so the test can put the same
login's token, ended a minute ago, into the browser's cookie (and the form
token the page would have carried for it) instead of waiting an hour.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from service.pages.common import COOKIE
from service.pages.csrf import CSRF_COOKIE, form_token
from service.security import create_token, decode_token

pytestmark = pytest.mark.browser

SECRET = "browser-tests-" + "s" * 40  # tests/browser/conftest.py


def _end_login(page) -> None:
    """The browser's login ends now: its cookie holds the same login's token, expired a minute ago."""
    cookies = {c["name"]: c for c in page.context.cookies()}
    session = cookies[COOKIE]
    ended = create_token(
        decode_token(session["value"], SECRET), SECRET, 60, now=datetime.now(UTC) - timedelta(minutes=61)
    )
    page.context.add_cookies([{**session, "value": ended}])
    token = form_token(SECRET, cookies[CSRF_COOKIE]["value"], ended)
    page.evaluate("t => document.querySelectorAll('input[name=csrf_token]').forEach(e => { e.value = t; })", token)


def _pick_an_answer(page) -> None:
    form = page.locator("form.question")
    selects = form.locator("select")
    for n in range(selects.count()):
        selects.nth(n).select_option(index=1)
    boxes = form.locator("input[type=radio], input[type=checkbox]")
    if boxes.count():
        boxes.first.check()
    texts = form.locator("input[name=answer]:not([type=radio]):not([type=checkbox]), textarea[name=answer]")
    for n in range(texts.count()):
        texts.nth(n).fill("12")


def test_an_answer_sent_after_the_login_ended_is_sent_again_after_logging_in(server, desktop):
    page = desktop
    page.goto(server + "/login")
    page.get_by_label("Username").fill("student")
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/student")
    page.locator("button[aria-label^='Start a check on']").first.click()
    page.get_by_role("button", name="Check my answer").wait_for()
    check_url = page.url.split("?")[0]
    _end_login(page)
    _pick_an_answer(page)
    page.get_by_role("button", name="Check my answer").click()
    page.wait_for_load_state()
    assert "log in again and it will be sent" in page.locator("#login-notice").inner_text()
    page.get_by_label("Username").fill("student")
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Log in").click()
    # resume.js sends the kept answer: the feedback of that question, not a login page nor an error
    page.wait_for_url(check_url + "/answer")
    heading = page.locator("h1#fb-h").inner_text()
    assert "Right!" in heading or "Not quite." in heading
