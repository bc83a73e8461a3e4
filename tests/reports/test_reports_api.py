"""The reports API: the progress report's content and access, the tracker and report card files, the settings."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest

from reporting.report_card import (
    CATEGORY_COLUMNS,
    CSV_COLUMNS,
    LINE_ITEM_COLUMNS,
    LINE_ITEM_SCORE_SCALE_COLUMNS,
    RESULT_COLUMNS,
    SCORE_SCALE_COLUMNS,
)
from tests.service.conftest import auth


def _flat(nodes):
    for n in nodes:
        yield n
        yield from _flat(n["children"])


def test_report_holds_titles_bands_history_evidence_and_next_steps(report_world, report_client):
    w = report_world
    sid = w.students1[0]
    r = report_client.get(f"/api/v1/students/{sid}/report?term={w.term}", headers=auth(w, "student"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["term_title"] == "Fall" and body["method"] == "irt"
    top = {n["code"]: n for n in body["standards"]}
    assert set(top) == {"7.RP", "7.EE"}  # competencies at the top, their indicators and objectives under them
    by_code = {n["code"]: n for n in _flat(body["standards"])}
    rp2 = by_code["7.RP.A.2"]
    assert rp2["title"] == "Recognize proportional relationships"
    assert by_code["7.RP.A"]["children"][0]["code"] == "7.RP.A.2"
    # re-estimated at the end of each of the three days: it rose as the answers got better
    thetas = [p["theta"] for p in rp2["history"]]
    assert [p["day"] for p in rp2["history"]] == ["2026-09-10", "2026-09-24", "2026-10-08"]
    assert thetas[0] < thetas[1] < thetas[2]
    assert rp2["history"][-1]["theta"] == pytest.approx(rp2["theta"], abs=1e-9)
    # evidence, newest first, with the points of each day
    assert [(e["points"], e["max_points"]) for e in rp2["evidence"]] == [(5, 5), (3, 5), (1, 5)]
    # the unscored rubric answer is not evidence
    assert [(e["points"], e["n_items"]) for e in by_code["7.EE.B.4"]["evidence"]] == [(1, 5)]
    assert by_code["7.EE.B.4"]["band"] == "red"
    steps = [s["code"] for s in body["next_steps"]]
    assert "7.EE.B.4" in steps and "7.RP.A.2" not in steps
    assert all(s["practice"] for s in body["next_steps"])
    assert body["n_sittings"] == 3  # imported answers of one day are one sitting
    # by default the report card level agrees with the dot (the standard's own band cuts)
    words = {"red": "Does not meet", "yellow": "Partially meets", "green": "Meets"}
    for node in _flat(body["standards"]):
        if node["band"] is not None:  # rolled-up parents too
            assert node["report_level_name"] == words[node["band"]] or (
                node["band"] == "green" and node["report_level_name"] == "Exceeds"
            ), node["code"]


ACCESS = {
    "student": True,
    "parent": True,
    "teacher": True,
    "admin": True,
    "student2": False,
    "stranger": False,
    "teacher2": False,
    "psychometrician": False,
}


def test_report_access(report_world, report_client):
    sid = report_world.students1[0]
    for who, allowed in ACCESS.items():
        r = report_client.get(f"/api/v1/students/{sid}/report", headers=auth(report_world, who))
        assert r.status_code == (200 if allowed else 403), (who, r.text)


def test_report_unknown_student_and_term(report_world, report_client):
    h = auth(report_world, "admin")
    assert report_client.get("/api/v1/students/999999/report", headers=h).status_code == 404
    r = report_client.get(f"/api/v1/students/{report_world.students1[0]}/report?term=999999", headers=h)
    assert r.status_code == 404 and "term" in r.json()["detail"]
    assert report_client.get(f"/api/v1/students/{report_world.students1[0]}/report").status_code == 401


def test_guardian_reaches_nothing_else(report_world, report_client):
    w, h = report_world, auth(report_world, "parent")
    sid = w.students1[0]
    for path in (
        f"/api/v1/students/{sid}/mastery",
        f"/api/v1/classes/{w.class1}/mastery",
        f"/api/v1/classes/{w.class1}/tracker.csv",
        f"/api/v1/classes/{w.class1}/report-card.csv?term={w.term}",
        "/api/v1/students",
        "/api/v1/report-settings",
    ):
        assert report_client.get(path, headers=h).status_code == 403, path


def test_tracker_csv_for_the_class_teacher_only(report_world, report_client):
    w = report_world
    r = report_client.get(f"/api/v1/classes/{w.class1}/tracker.csv", headers=auth(w, "teacher"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0][:4] == ["student_id", "external_id", "last_name", "first_name"]
    assert rows[0][4:] == ["7.EE.B.4", "7.RP.A.2", "7.RP.A.3"]
    first = next(row for row in rows[1:] if row[0] == str(w.students1[0]))
    assert first[4:] == ["red", "green", ""]
    assert len(rows) == 1 + len(w.students1)
    assert report_client.get(f"/api/v1/classes/{w.class1}/tracker.csv", headers=auth(w, "teacher2")).status_code == 403
    assert report_client.get("/api/v1/classes/999999/tracker.csv", headers=auth(w, "admin")).status_code == 404


def test_report_card_csv_levels_comment_and_formula_cells(report_world, report_client):
    w = report_world
    sid = w.students1[0]
    h = auth(w, "teacher")
    r = report_client.put(
        f"/api/v1/classes/{w.class1}/report-card/comments",
        json={"term": w.term, "student_id": sid, "standard": "7.RP", "text": "=HYPERLINK(1) Great growth"},
        headers=h,
    )
    assert r.status_code == 200, r.text
    r = report_client.get(f"/api/v1/classes/{w.class1}/report-card.csv?term={w.term}", headers=h)
    assert r.status_code == 200, r.text
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert tuple(rows[0]) == CSV_COLUMNS
    mine = {row["standard"]: row for row in rows if row["student_id"] == str(sid)}
    assert set(mine) == {"7.EE", "7.RP"}
    assert mine["7.EE"]["level_name"] == "Does not meet" and mine["7.EE"]["evidence_count"] == "5"
    assert mine["7.RP"]["evidence_count"] == "15" and mine["7.RP"]["level"] in {"2", "3", "4"}
    assert mine["7.RP"]["comment"] == "'=HYPERLINK(1) Great growth"  # neutralized for spreadsheets
    others = [row for row in rows if row["student_id"] != str(sid)]
    assert others and all(row["level"] == "" and row["evidence_count"] == "0" for row in others)
    r = report_client.get(f"/api/v1/classes/{w.class1}/report-card.csv?term={w.term}&level=indicator", headers=h)
    assert {row["standard"] for row in csv.DictReader(io.StringIO(r.text))} == {"7.EE.B", "7.RP.A"}


def test_report_card_refusals(report_world, report_client):
    w = report_world
    url = f"/api/v1/classes/{w.class1}/report-card.csv"
    assert report_client.get(url, headers=auth(w, "teacher")).status_code == 422  # no term
    r = report_client.get(f"{url}?term=999999", headers=auth(w, "teacher"))
    assert r.status_code == 404 and "term" in r.json()["detail"]
    assert report_client.get(f"{url}?term={w.term}", headers=auth(w, "teacher2")).status_code == 403
    assert report_client.get(f"{url}?term={w.term}", headers=auth(w, "psychometrician")).status_code == 403
    assert report_client.get(f"{url}?term={w.term}", headers=auth(w, "student")).status_code == 403
    zurl = f"/api/v1/classes/{w.class1}/report-card.zip?term={w.term}&format=qti"
    assert report_client.get(zurl, headers=auth(w, "teacher")).status_code == 422
    put = f"/api/v1/classes/{w.class1}/report-card/comments"
    outsider = {"term": w.term, "student_id": w.students2[0], "standard": "7.RP", "text": "x"}
    assert report_client.put(put, json=outsider, headers=auth(w, "teacher")).status_code == 403


def test_oneroster_gradebook_zip(report_world, report_client):
    w = report_world
    r = report_client.get(
        f"/api/v1/classes/{w.class1}/report-card.zip?term={w.term}&format=oneroster", headers=auth(w, "admin")
    )
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        assert sorted(zf.namelist()) == [
            "categories.csv",
            "lineItemScoreScales.csv",
            "lineItems.csv",
            "manifest.csv",
            "results.csv",
            "scoreScales.csv",
        ]
        read = {n: list(csv.reader(io.StringIO(zf.read(n).decode()))) for n in zf.namelist()}
    assert tuple(read["categories.csv"][0]) == CATEGORY_COLUMNS
    assert tuple(read["lineItems.csv"][0]) == LINE_ITEM_COLUMNS
    assert tuple(read["results.csv"][0]) == RESULT_COLUMNS
    assert tuple(read["scoreScales.csv"][0]) == SCORE_SCALE_COLUMNS
    assert tuple(read["lineItemScoreScales.csv"][0]) == LINE_ITEM_SCORE_SCALE_COLUMNS
    assert ["oneroster.version", "1.2"] in read["manifest.csv"]
    items = {row[0]: dict(zip(LINE_ITEM_COLUMNS, row)) for row in read["lineItems.csv"][1:]}
    assert len(items) == 2 and all(i["resultValueMin"] == "1" and i["resultValueMax"] == "4" for i in items.values())
    assert {i["assignDate"] for i in items.values()} == {"2026-09-01"}
    results = [dict(zip(RESULT_COLUMNS, row)) for row in read["results.csv"][1:]]
    assert len(results) == 2  # only the student with evidence has results
    assert all(res["lineItemSourcedId"] in items and res["studentSourcedId"] == "S000" for res in results)
    assert {res["textScore"] for res in results} >= {"Does not meet"}


def test_settings_change_the_method(report_world, report_client):
    w = report_world
    body = {"method": "highest", "decay_weight": 0.65, "theta_cuts": [], "percent_cuts": [50, 80, 90]}
    assert report_client.put("/api/v1/report-settings", json=body, headers=auth(w, "teacher")).status_code == 403
    assert report_client.put("/api/v1/report-settings", json=body, headers=auth(w, "admin")).status_code == 200
    r = report_client.get(f"/api/v1/students/{w.students1[0]}/report?term={w.term}", headers=auth(w, "parent"))
    rp2 = next(n for n in _flat(r.json()["standards"]) if n["code"] == "7.RP.A.2")
    assert r.json()["method"] == "highest"
    assert rp2["reported_percent"] == 100.0 and rp2["report_level_name"] == "Exceeds"
    low = {**body, "method": "irt", "theta_cuts": [-5.9, -5.8, -5.7]}  # the district's own cuts: all exceed
    assert report_client.put("/api/v1/report-settings", json=low, headers=auth(w, "admin")).status_code == 200
    r = report_client.get(f"/api/v1/students/{w.students1[0]}/report?term={w.term}", headers=auth(w, "parent"))
    assert {n["report_level_name"] for n in _flat(r.json()["standards"]) if n["theta"] is not None} == {"Exceeds"}
    r = report_client.put("/api/v1/report-settings", json={**body, "theta_cuts": [0, 1]}, headers=auth(w, "admin"))
    assert r.status_code == 422 and "three cuts" in r.text
    bad = {**body, "percent_cuts": [80, 50, 90]}
    r = report_client.put("/api/v1/report-settings", json=bad, headers=auth(w, "admin"))
    assert r.status_code == 422 and "increasing" in r.text
    r = report_client.put("/api/v1/report-settings", json={**body, "method": "median"}, headers=auth(w, "admin"))
    assert r.status_code == 422
