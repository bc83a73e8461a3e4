"""The psychometrician's bank pages: filters that refuse what they do not know, calibrations, items."""

from __future__ import annotations

import re

from sqlmodel import Session, select

from itembank.tables import Calibration, Item
from tests.pages.test_pages import _start_calibration, _store_history


def test_an_unknown_fit_flag_is_a_422_like_an_unknown_status(login):
    c = login("psychometrician")
    status = c.get("/bank?status=bogus")
    assert status.status_code == 422
    flag = c.get("/bank?flag=bogus")
    assert flag.status_code == 422
    assert "Unknown fit flag" in flag.text and "bogus" in flag.text
    assert c.get("/bank?flag=any").status_code == 200


def test_starting_a_calibration_with_no_status_ticked_is_refused(login, world):
    c = login("psychometrician")
    with Session(world.engine) as s:
        before = len(s.exec(select(Calibration.id)).all())
    r = c.post("/bank/calibrations", data={"model": "rasch", "min_responses": "1"}, follow_redirects=False)
    assert r.status_code == 422
    assert 'role="alert"' in r.text and "Tick at least one status" in r.text
    with Session(world.engine) as s:
        assert len(s.exec(select(Calibration.id)).all()) == before


def _font_sizes(svg: str) -> set[str]:
    return set(re.findall(r"font-size: ?([\d.]+)px", svg)) | set(re.findall(r"font: ?[^;]*?([\d.]+)px", svg))


def test_the_item_page_charts_one_items_information_like_its_curve(login, world):
    _store_history(world)
    c = login("psychometrician")
    item = world.items["7.RP.A.2"][0]
    page = c.get(f"/bank/items/{item}").text
    svgs = re.findall(r"<svg.*?</svg>", page, re.DOTALL)
    assert len(svgs) == 2
    icc, information = svgs
    assert "item information" in information and "test information" not in information
    widths = [re.search(r'<svg[^>]*width="([\d.]+)pt"', s).group(1) for s in svgs]
    assert widths[0] == widths[1], f"the two charts are drawn at different sizes: {widths}"
    assert _font_sizes(information) <= _font_sizes(icc) | {"8"}, (_font_sizes(information), _font_sizes(icc))


def test_the_fit_report_is_linked_and_served_to_the_page_login(login, world):
    _store_history(world)
    c = login("psychometrician")
    bank = c.get("/bank").text
    url = f"/bank/calibrations/{world.calibration_id}/report"
    assert f'href="{url}"' in bank
    assert f'href="{url}"' in c.get(f"/bank/calibrations/{world.calibration_id}").text
    report = c.get(url)
    assert report.status_code == 200
    assert "Items to review" in report.text and "marginal reliability" in report.text
    assert report.text.count('<tr class="flagged">') + report.text.count("<tr>") >= 45
    assert len(re.findall(r"<svg", report.text)) == 1
    assert login("teacher").get(url).status_code == 403


def _item(world, item_id: str) -> Item:
    with Session(world.engine) as s:
        return s.get(Item, item_id)


def test_a_content_edit_from_the_item_page_makes_a_new_version(login, world):
    c = login("psychometrician")
    item = "7RPA2-sc0"
    before = _item(world, item)
    form = {
        "stem": "What is the sum of the two numbers?",
        "choice_text": [ch["text"] for ch in before.choices],
        "key": "B",
        "rationale": "Add them.",
        "dok": "2",
    }
    r = c.post(f"/bank/items/{item}/edit", data=form)
    assert r.status_code == 200 and "Saved as a new version" in r.text
    after = _item(world, item)
    assert (after.version, after.stem, after.key, after.dok) == (before.version + 1, form["stem"], "B", 2)
    # the rationale alone changes in place
    r = c.post(f"/bank/items/{item}/edit", data={**form, "rationale": "Add the two numbers."})
    assert "Saved." in r.text and _item(world, item).version == before.version + 1
    # a multiple-select key is every box ticked; a numeric answer must be a number
    ms = _item(world, "7RPA2-ms0")
    r = c.post(
        "/bank/items/7RPA2-ms0/edit",
        data={"stem": ms.stem, "choice_text": [ch["text"] for ch in ms.choices], "key": ["A", "C", "D"], "dok": "2"},
    )
    assert r.status_code == 200 and _item(world, "7RPA2-ms0").key == ["A", "C", "D"]
    r = c.post("/bank/items/7RPA2-ne0/edit", data={"stem": "x?", "key_number": "1e999", "dok": "2"})
    assert r.status_code == 422 and "must be a finite number" in r.text
    r = c.post(f"/bank/items/{item}/edit", data={**form, "stem": "  "})
    assert r.status_code == 422 and "cannot be empty" in r.text
    assert _item(world, item).stem == form["stem"]


def test_an_item_moves_through_draft_pretest_live_and_retires(login, world):
    c = login("psychometrician")
    item = "7RPA2-sc1"
    for status in ("draft", "pretest", "operational", "retired"):
        r = c.post(f"/bank/items/{item}/status", data={"status": status})
        assert r.status_code == 200 and "Status changed." in r.text
        assert _item(world, item).status == status
    assert c.post(f"/bank/items/{item}/status", data={"status": "bogus"}).status_code == 422
    assert login("teacher").post(f"/bank/items/{item}/status", data={"status": "draft"}).status_code == 403


def test_the_bank_is_searched_by_words_of_the_stem_and_by_id(login, world):
    c = login("psychometrician")
    by_words = c.get("/bank", params={"q": "even numbers"}).text
    assert "6 items" in by_words and "7RPA2-ms0" in by_words and "7RPA2-sc0" not in by_words
    by_id = c.get("/bank", params={"q": "rpa2-SC1"}).text
    assert re.search(r"· 1 item\b(?!s)", by_id) and "7RPA2-sc1" in by_id


def test_a_new_calibration_is_compared_with_the_live_one_before_going_live(login, world):
    _store_history(world)
    c = login("psychometrician")
    url = _start_calibration(c)
    assert c.get(f"{url}/status").json()["status"] == "done"
    assert f'href="{url}/compare"' in c.get(url).text
    page = c.get(f"{url}/compare")
    assert page.status_code == 200
    text = page.text
    assert "Parameter shifts" in text and "Items whose band changes" in text and "Flags that appear" in text
    assert "Make calibration" in text
    n_shared = int(re.search(r"<dt>Items in both</dt><dd>(\d+)</dd>", text).group(1))
    assert n_shared == 45  # every item of the district is operational in both
    rows = re.findall(r"<td>(b|a)</td><td class=\"num\">", text)
    assert len(rows) >= n_shared  # a b per item at least (Rasch slopes are shared)
    live_page = c.get(f"/bank/calibrations/{world.calibration_id}/compare")
    assert live_page.status_code == 409 and "is the live one" in live_page.text
