"""A whole adaptive check with the keyboard alone (issue 14, WCAG 2.1 AA), in Chromium.

Tab, Enter, Space and the arrow keys only; after every key the focused
element shows a visible outline (a choice's hidden radio shows it on its
label), and every coloured dot the student sees carries its band in words.
"""

from __future__ import annotations

import pytest

from tests.browser.test_browser import login

pytestmark = pytest.mark.browser

MAX_TABS = 80
FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const shown = el.matches('.choice input') ? el.nextElementSibling : el;
  const style = getComputedStyle(shown);
  const box = shown.getBoundingClientRect();
  return {
    html: el.outerHTML.slice(0, 160),
    outlined: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
    on_screen: box.width > 0 && box.height > 0,
  };
}"""
MUTE_DOTS = """() => Array.from(document.querySelectorAll('.dot'), d => d.closest('.band'))
  .filter(band => !band || !band.textContent.trim()).length"""


def _assert_focus_visible(page) -> None:
    focus = page.evaluate(FOCUS)
    assert focus is not None, f"nothing has the focus on {page.url}"
    assert focus["outlined"] and focus["on_screen"], f"focus not visible on {page.url}: {focus['html']}"


def _tab_to(page, selector: str) -> None:
    """Press Tab until the element matching ``selector`` has the focus, the focus visible after every key."""
    for _ in range(MAX_TABS):
        if page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)", selector):
            _assert_focus_visible(page)
            return
        page.keyboard.press("Tab")
        _assert_focus_visible(page)
    raise AssertionError(f"{MAX_TABS} presses of Tab never reached {selector} on {page.url}")


def _press_enter_to_go_on(page) -> None:
    """Press Enter on the focused button or link and wait for the page it leads to."""
    with page.expect_navigation():
        page.keyboard.press("Enter")


def _answer(page) -> None:
    """Answer the question on screen by keyboard and press Enter on its button."""
    field = "form.question :is(input:not([type=hidden]), textarea, select)"
    _tab_to(page, field)
    kind = page.evaluate("() => document.activeElement.type")
    if kind == "radio":
        page.keyboard.press("ArrowDown")  # moves to the next choice and picks it
        _assert_focus_visible(page)
    elif kind == "checkbox":
        page.keyboard.press("Space")
    elif kind == "textarea":
        page.keyboard.type("The ratio stays the same, so the table is proportional.")
    else:
        page.keyboard.type("12")
    _assert_focus_visible(page)
    _tab_to(page, "form.question button[type=submit]")
    _press_enter_to_go_on(page)


def test_a_whole_check_by_keyboard_with_visible_focus_and_worded_dots(server, desktop):
    page = desktop
    login(page, server, "student")
    assert page.evaluate(MUTE_DOTS) == 0
    starts = page.locator("button[aria-label^='Start a check on']")
    label = starts.last.get_attribute("aria-label")
    _tab_to(page, f"button[aria-label='{label}']")
    _press_enter_to_go_on(page)
    answered = 0
    while page.locator("form.question").count():
        _answer(page)
        answered += 1
        assert page.evaluate(MUTE_DOTS) == 0
        _tab_to(page, "p.next a")
        _press_enter_to_go_on(page)
        assert answered <= 30
    assert answered >= 4
    assert "Your dot for" in page.locator("h1").inner_text()
    assert page.locator(".result-dot .band-word").inner_text() in ("green", "yellow", "red", "blue")
    assert page.evaluate(MUTE_DOTS) == 0
    _tab_to(page, "a[href='/student']")
    _press_enter_to_go_on(page)
    assert page.locator(".my-dots .dot").count() >= 1
    assert page.evaluate(MUTE_DOTS) == 0
