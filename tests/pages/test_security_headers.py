"""Security headers: policy, framing, caching, nosniff, referrer and HSTS on every kind of response."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from matplotlib.figure import Figure
from pydantic import ValidationError

from reporting.figures import to_svg
from service.app import create_app
from service.security_headers import csp_hash
from service.settings import Settings
from tests.service.conftest import auth, make_settings

TEMPLATES = Path(__file__).resolve().parents[2] / "service" / "templates"


def _directives(policy: str) -> dict[str, list[str]]:
    """A Content-Security-Policy as {directive: sources}."""
    out = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        out[name] = sources
    return out


def _responses(login, world, client):
    """One response of every kind: pages with keys and student data, API, errors, login, static."""
    teacher = login("teacher")
    return {
        "login page": client.get("/login"),
        "tracker": teacher.get(f"/teacher/classes/{world.class1}"),
        "student history": teacher.get(f"/teacher/students/{world.students1[0]}"),
        "morning work print (keys)": teacher.get(
            f"/teacher/classes/{world.class1}/morning-work/print?standard=7.RP.A.2&items_per_tier=2"
        ),
        "exit tickets with keys": teacher.get("/teacher/exit-tickets?standard=7.RP.A&length=3&forms=2&print=true"),
        "student home": login("student").get("/student"),
        "item page": login("psychometrician").get("/bank/items/7RPA2-sc0"),
        "error page": teacher.get("/bank"),
        "api student mastery": client.get(
            f"/api/v1/students/{world.students1[0]}/mastery", headers=auth(world, "teacher")
        ),
        "api responses": client.get("/api/v1/responses", headers=auth(world, "teacher")),
        "api 401": client.get("/api/v1/me"),
        "api 404": client.get("/api/v1/nothing-here"),
        "openapi": client.get("/openapi.json"),
    }


def test_every_response_denies_framing_sniffing_and_referrers(login, world, client):
    for name, r in {**_responses(login, world, client), "static": client.get("/static/app.css")}.items():
        assert r.headers["x-frame-options"] == "DENY", name
        assert _directives(r.headers["content-security-policy"])["frame-ancestors"] == ["'none'"], name
        assert r.headers["x-content-type-options"] == "nosniff", name
        assert r.headers["referrer-policy"] == "same-origin", name
        assert "strict-transport-security" not in r.headers, name  # plain HTTP


def test_pages_and_api_answers_are_never_cached_static_files_may_be(login, world, client):
    for name, r in _responses(login, world, client).items():
        assert r.headers["cache-control"] == "no-store", name
    assert "cache-control" not in client.get("/static/app.js").headers


def test_page_policy_allows_no_inline_script_and_nothing_from_elsewhere(login, world, client):
    page = login("teacher").get(f"/teacher/classes/{world.class1}")
    policy = _directives(page.headers["content-security-policy"])
    assert policy["default-src"] == ["'self'"] and policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert all("unsafe" not in s for d in ("script-src", "style-src", "style-src-elem") for s in policy[d])


@pytest.mark.parametrize("template", sorted(p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.html")))
def test_templates_have_no_inline_script_or_event_handler(template):
    text = (TEMPLATES / template).read_text()
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", text) == []
    assert re.findall(r"\son[a-z]+\s*=", text) == []
    assert "javascript:" not in text.lower()


def test_the_figures_style_element_is_allowed_by_its_hash(login):
    """The item pages inline matplotlib SVGs, each with a ``<style>``: the policy allows exactly that one."""
    fig = Figure()
    fig.subplots().plot([0, 1], [1, 0])
    styles = re.findall(r"<style[^>]*>(.*?)</style>", to_svg(fig), re.DOTALL)
    page = login("psychometrician").get("/bank/items/7RPA2-sc0")
    allowed = _directives(page.headers["content-security-policy"])["style-src-elem"]
    assert styles and allowed == ["'self'", *{csp_hash(s) for s in styles}]


@pytest.mark.parametrize("path", ["/docs", "/docs/oauth2-redirect", "/redoc"])
def test_api_docs_pages_allow_exactly_their_inline_scripts(client, path):
    r = client.get(path)
    assert r.status_code == 200
    scripts = re.findall(r"<script>(.*?)</script>", r.text, re.DOTALL)
    policy = _directives(r.headers["content-security-policy"])
    hashes = [s for s in policy["script-src"] if s.startswith("'sha256-")]
    assert hashes == [csp_hash(s) for s in scripts]
    assert "'unsafe-inline'" not in policy["script-src"] and policy["frame-ancestors"] == ["'none'"]
    assert r.headers["x-frame-options"] == "DENY" and r.headers["cache-control"] == "no-store"


def test_registered_frame_ancestors_replace_the_deny(world):
    lms = ["https://lms.example.org", "https://canvas.example.edu:8443"]
    app = create_app(make_settings(frame_ancestors=lms), engine=world.engine)
    with TestClient(app) as c:
        for path in ("/login", "/docs"):
            r = c.get(path)
            assert _directives(r.headers["content-security-policy"])["frame-ancestors"] == lms
            assert "x-frame-options" not in r.headers


def test_frame_ancestors_from_the_environment(monkeypatch):
    monkeypatch.setenv("MASTERYCAT_FRAME_ANCESTORS", "https://lms.example.org, https://b.example.org")
    assert make_settings().frame_ancestors == ["https://lms.example.org", "https://b.example.org"]


@pytest.mark.parametrize(
    "origin",
    ["lms.example.org", "https://lms.example.org/launch", "https://x.org; script-src *", "*", "'self'", "ftp://x.org"],
)
def test_a_frame_ancestor_must_be_an_origin(origin):
    with pytest.raises(ValidationError, match="a frame ancestor is an origin"):
        Settings(secret_key="k" * 40, frame_ancestors=[origin])


def test_hsts_over_https_only_unless_the_setting_says_always(world):
    app = create_app(make_settings(), engine=world.engine)
    with TestClient(app, base_url="https://testserver") as c:
        assert c.get("/login").headers["strict-transport-security"] == "max-age=31536000"
    app = create_app(make_settings(hsts=True), engine=world.engine)
    with TestClient(app) as c:
        assert c.get("/login").headers["strict-transport-security"] == "max-age=31536000"
