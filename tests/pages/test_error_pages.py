"""Errors outside page routes: a browser gets an HTML page in words, the JSON API keeps JSON."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_an_unknown_address_is_an_html_page(client):
    r = client.get("/no/such/page")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "There is no page at this address" in r.text and "Log in" in r.text


def test_a_logged_in_user_is_offered_their_start_page(login):
    r = login("student").get("/student/nowhere")
    assert r.status_code == 404 and 'href="/">Go to my start page' in r.text


def test_a_wrong_method_on_a_page_is_an_html_page(login):
    r = login("teacher").put("/teacher")
    assert r.status_code == 405 and r.headers["content-type"].startswith("text/html")
    assert "cannot be used that way" in r.text


def test_the_api_keeps_json_errors(client):
    r = client.get("/api/v1/no-such-resource")
    assert r.status_code == 404 and r.json() == {"detail": "Not Found"}
    r = client.get("/api/v1/items/nope")
    assert r.status_code == 401 and "detail" in r.json()


def test_a_crash_is_an_html_page_for_pages_and_json_for_the_api(app):
    @app.get("/boom")
    def boom():
        raise RuntimeError("kaput")

    @app.get("/api/v1/boom")
    def api_boom():
        raise RuntimeError("kaput")

    with TestClient(app, raise_server_exceptions=False) as c:
        page = c.get("/boom")
        assert page.status_code == 500 and "Something went wrong on our side" in page.text
        assert "kaput" not in page.text
        api = c.get("/api/v1/boom")
        assert api.status_code == 500 and api.json() == {"detail": "internal server error"}
