"""The fit report page: computed once and kept with its calibration, and DIF by the groups the bank knows."""

from __future__ import annotations

import re
import time

import pytest
from sqlmodel import Session

import reporting.bank_analysis
import reporting.fit_report
from cli.server import store_demo_fit_report
from demo import flaws
from demo.district import seed_demo
from itembank.calibration_analysis import stored_analysis
from itembank.db import make_engine
from itembank.migrate import upgrade
from service.app import create_app
from tests.pages.conftest import PageClient
from tests.pages.test_pages import _start_calibration, _store_history
from tests.service.conftest import make_settings


def _no_analysis(*args, **kwargs):
    raise AssertionError("the fit report was computed again")


def test_the_fit_report_is_computed_once_and_kept_with_its_calibration(login, world, monkeypatch):
    _store_history(world)
    c = login("psychometrician")
    url = f"/bank/calibrations/{world.calibration_id}/report"
    first = c.get(url)
    assert first.status_code == 200 and "Items to review" in first.text
    with Session(world.engine) as s:
        kept = stored_analysis(s, world.calibration_id)
    assert kept is not None and len(kept["rows"]) >= 45
    monkeypatch.setattr(reporting.fit_report, "calibration_data", _no_analysis)
    second = c.get(url)
    assert second.status_code == 200
    assert second.text == first.text


def test_the_bank_browser_shows_the_kept_fit_report_without_computing_it(login, world, monkeypatch):
    _store_history(world)
    c = login("psychometrician")
    c.get(f"/bank/calibrations/{world.calibration_id}/report")
    with Session(world.engine) as s:
        flagged = {r["item_id"] for r in stored_analysis(s, world.calibration_id)["rows"] if r["flags"]}
    assert flagged
    monkeypatch.setattr(reporting.fit_report, "calibration_data", _no_analysis)
    monkeypatch.setattr(reporting.bank_analysis, "calibration_data", _no_analysis)
    page = c.get("/bank?flag=any")
    assert page.status_code == 200
    listed = set(re.findall(r'<a href="/bank/items/([^"]+)"', page.text))
    assert listed and listed <= flagged


def test_a_finished_calibration_job_keeps_its_fit_report(login, world):
    _store_history(world)
    c = login("psychometrician")
    cal_id = int(_start_calibration(c).rsplit("/", 1)[1])
    deadline = time.monotonic() + 120
    while True:
        with Session(world.engine) as s:
            kept = stored_analysis(s, cal_id)
        if kept is not None or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert kept is not None, "the job did not keep the calibration's fit report"
    assert "rasch" in {r["model"] for r in kept["rows"]}  # the new run's, not the live calibration's (2PL)


def test_a_report_without_groups_says_dif_was_not_computed(login, world):
    _store_history(world)
    page = login("psychometrician").get(f"/bank/calibrations/{world.calibration_id}/report").text
    assert "Differential item functioning" in page and "no student groups were given" in page


@pytest.fixture(scope="module")
def demo_app():
    engine = make_engine("sqlite://")
    upgrade(engine)
    seed_demo(engine, seed=11)
    store_demo_fit_report(engine)
    with PageClient(create_app(make_settings(demo=True), engine=engine)) as client:
        yield client
    engine.dispose()


def test_the_demo_fit_report_flags_the_item_with_dif_for_english_learners(demo_app):
    r = demo_app.post("/login", data={"username": "psychometrician", "password": "demo"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    bank = demo_app.get("/bank").text
    url = re.search(r'href="(/bank/calibrations/\d+/report)"', bank).group(1)
    page = demo_app.get(url).text
    dif = page[page.index("<h2>Differential item functioning</h2>") :]
    dif = dif[: dif.index("</section>")]
    assert f"{flaws.FOCAL} (" in dif and f"{flaws.REFERENCE} (" in dif
    first = re.search(r'<tr class="flagged"><th scope="row"><a [^>]*>([^<]+)</a>', dif).group(1)
    assert first == flaws.DIF_ITEM  # the most significant DIF is listed first
    row = re.search(rf'<tr class="flagged"><th scope="row"><a [^>]*>{flaws.DIF_ITEM}</a></th>(.*?)</tr>', dif).group(1)
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", row)
    assert cells[4] == "C"  # ETS class C: large
    assert float(cells[0]) < -1.5  # harder for the English learners at equal ability
    every = re.search(
        rf'<tr class="flagged"><th scope="row"><a [^>]*>{flaws.DIF_ITEM}</a></th>(.*?)</tr>',
        page[page.index("<h2>Every item</h2>") :],
    ).group(1)
    assert "dif" in every
