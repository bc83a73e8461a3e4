"""End-to-end fixtures: ``masterycat serve --demo`` on a free loopback port, Chromium via Playwright.

The server runs in a temporary folder (its own ``masterycat.db``), once per
test session; it is stopped at the end.  The browser is Debian's Chromium
(``/usr/bin/chromium``, or ``$MASTERYCAT_CHROMIUM``), never a downloaded one.
Screenshots of every page go to ``$MASTERYCAT_SCREENSHOTS`` when set (the
README's come from there), else to the test session's temporary folder.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("MASTERYCAT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
START_TIMEOUT = 240.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _masterycat() -> list[str]:
    exe = Path(sys.executable).with_name("masterycat")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("masterycat")
    if found:
        return [found]
    return [sys.executable, "-c", "from cli.main import app; app()"]


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """Base URL of a demo server (``masterycat serve --demo``) on loopback."""
    folder = tmp_path_factory.mktemp("serve")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "MASTERYCAT_DATABASE_URL")}
    env["MASTERYCAT_SECRET_KEY"] = "browser-tests-" + "s" * 40
    log = open(folder / "server.log", "w")
    proc = subprocess.Popen(
        [*_masterycat(), "serve", "--demo", "--host", "127.0.0.1", "--port", str(port)],
        cwd=folder,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"masterycat serve exited with {proc.returncode}:\n{(folder / 'server.log').read_text()}"
                )
            try:
                with urllib.request.urlopen(base + "/login", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"masterycat serve did not answer in {START_TIMEOUT} s:\n{(folder / 'server.log').read_text()}"
                )
            time.sleep(0.5)
        yield base
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not at {CHROMIUM}: apt-get install chromium (the browser tests need it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def shots(tmp_path_factory) -> Path:
    folder = os.environ.get("MASTERYCAT_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def desktop(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 860})
    page = ctx.new_page()
    page.set_default_timeout(20_000)
    yield page
    ctx.close()


@pytest.fixture
def phone(browser):
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = ctx.new_page()
    page.set_default_timeout(20_000)
    yield page
    ctx.close()
