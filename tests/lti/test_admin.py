"""Registering platforms (page and CLI), rotating the tool's keys, the outbox's admin page, who may see what."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from cli.main import app as cli
from itembank.lti import (
    KEY_GRACE,
    LtiDeployment,
    LtiLineItem,
    LtiPlatform,
    LtiScoreOutbox,
    OutboxStatus,
    published_keys,
    register_platform,
    rotate_keys,
)
from itembank.tables import utcnow
from tests.service.conftest import PASSWORD

CANVAS = {
    "issuer": "https://canvas.instructure.com",
    "client_id": "10000000000042",
    "auth_login_url": "https://sso.canvaslms.com/api/lti/authorize_redirect",
    "auth_token_url": "https://sso.canvaslms.com/login/oauth2/token",
    "jwks_url": "https://sso.canvaslms.com/api/lti/security/jwks",
}


def _login(tool, username: str) -> None:
    tool.cookies.clear()
    page = tool.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = tool.post(
        "/login", data={"username": username, "password": PASSWORD, "csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 303


def _token(tool, path: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', tool.get(path).text).group(1)


@pytest.mark.parametrize("role", ["admin", "teacher", "student", "psychometrician"])
def test_only_admins_see_the_lti_admin_page(tool, role):
    _login(tool, role)
    r = tool.get("/lti/admin")
    if role == "admin":
        assert r.status_code == 200 and "What to enter in the LMS" in r.text
        assert "https://testserver/lti/login" in r.text and "https://testserver/lti/jwks" in r.text
    else:
        assert r.status_code == 403 and "This page is for admins" in r.text


def test_the_picker_is_for_teachers_only(tool):
    _login(tool, "student")
    assert tool.get("/lti/deep-link", params={"dl": "x"}).status_code == 403


def test_a_forged_deep_linking_request_is_refused(tool):
    _login(tool, "teacher")
    r = tool.get("/lti/deep-link", params={"dl": "not-a-token"})
    assert r.status_code == 400 and "not made by this server" in r.text


def test_admin_registers_a_platform_and_sets_what_a_score_means(tool, world):
    _login(tool, "admin")
    data = {**CANVAS, "deployment_ids": "1:abc\n2:def", "csrf_token": _token(tool, "/lti/admin")}
    r = tool.post("/lti/admin/platforms", data=data, follow_redirects=False)
    assert r.status_code == 303
    page = tool.get("/lti/admin").text
    assert "10000000000042" in page and "1:abc, 2:def" in page
    with Session(world.engine) as s:
        platform = s.exec(select(LtiPlatform)).one()
    r = tool.post(
        f"/lti/admin/platforms/{platform.id}/score-meaning",
        data={"meaning": "proficiency", "csrf_token": _token(tool, "/lti/admin")},
        follow_redirects=False,
    )
    assert r.status_code == 303
    with Session(world.engine) as s:
        assert s.get(LtiPlatform, platform.id).score_meaning == "proficiency"
    r = tool.post(
        f"/lti/admin/platforms/{platform.id}/score-meaning",
        data={"meaning": "letters", "csrf_token": _token(tool, "/lti/admin")},
    )
    assert r.status_code == 422 and "score_meaning must be one of" in r.text


def test_a_bad_registration_is_refused_in_words_and_writes_nothing(tool, world):
    _login(tool, "admin")
    data = {**CANVAS, "jwks_url": "not a url", "deployment_ids": "1", "csrf_token": _token(tool, "/lti/admin")}
    r = tool.post("/lti/admin/platforms", data=data)
    assert r.status_code == 422 and "jwks_url must be an http(s) URL" in r.text
    with Session(world.engine) as s:
        assert s.exec(select(LtiPlatform)).all() == []


def test_admin_sees_failed_scores_and_sends_one_again(tool, world):
    with Session(world.engine) as s:
        platform = register_platform(s, deployment_ids=["1"], **CANVAS)
        from itembank.assessments import Assignment

        assignment = Assignment(title="Quiz", kind="form")
        s.add(assignment)
        s.flush()
        item = LtiLineItem(
            platform_id=platform.id,
            url="https://lms/li/1",
            assignment_id=assignment.id,
            label="Quiz",
            score_maximum=100,
        )
        s.add(item)
        s.flush()
        row = LtiScoreOutbox(
            line_item_id=item.id,
            score={"userId": "u", "scoreGiven": 80, "scoreMaximum": 100, "gradingProgress": "FullyGraded"},
            status=OutboxStatus.failed,
            tries=12,
            last_error="score: the platform answered 400",
        )
        s.add(row)
        s.commit()
        row_id = row.id
    _login(tool, "admin")
    page = tool.get("/lti/admin").text
    assert "the platform answered 400" in page and "Send again" in page
    r = tool.post(
        f"/lti/admin/outbox/{row_id}/retry", data={"csrf_token": _token(tool, "/lti/admin")}, follow_redirects=False
    )
    assert r.status_code == 303
    with Session(world.engine) as s:
        row = s.get(LtiScoreOutbox, row_id)
        assert row.status == OutboxStatus.pending and row.tries == 0 and row.next_try_at <= utcnow()


def test_rotation_keeps_the_old_key_published_for_its_grace_period(world):
    with Session(world.engine) as s:
        first = published_keys(s)
        assert len(first) == 1
        now = utcnow()
        rotate_keys(s, now)
        keys = published_keys(s, now)
        assert len(keys) == 2 and first[0]["kid"] in {k["kid"] for k in keys}
        later = now + KEY_GRACE + timedelta(seconds=1)
        assert [k["kid"] for k in published_keys(s, later)] != [first[0]["kid"]]
        assert len(published_keys(s, later)) == 1
        rotate_keys(s, later)  # the key retired more than the grace period ago is dropped
        assert len(published_keys(s, later)) == 2


def test_cli_registers_a_platform_and_rotates_keys(tmp_path, monkeypatch, world):
    monkeypatch.setenv("MASTERYCAT_DATABASE_URL", str(world.engine.url))
    runner = CliRunner()
    args = ["lti", "register", "--issuer", CANVAS["issuer"], "--client-id", CANVAS["client_id"]]
    args += ["--deployment-id", "1:abc", "--deployment-id", "2:def"]
    args += ["--auth-login-url", CANVAS["auth_login_url"], "--auth-token-url", CANVAS["auth_token_url"]]
    args += ["--jwks-url", CANVAS["jwks_url"]]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "deployments 1:abc, 2:def" in result.output
    with Session(world.engine) as s:
        assert len(s.exec(select(LtiDeployment)).all()) == 2
    bad = runner.invoke(cli, [*args[:-1], "ftp://nowhere"])
    assert bad.exit_code == 2 and "jwks_url must be an http(s) URL" in bad.output
    with Session(world.engine) as s:
        published_keys(s)  # the key made on first use
        s.commit()
    rotated = runner.invoke(cli, ["lti", "rotate-keys"])
    assert rotated.exit_code == 0 and "new signing key" in rotated.output
    with Session(world.engine) as s:
        assert len(published_keys(s)) == 2  # the first one, retired but still published, and the new one


def test_cli_refuses_a_database_not_upgraded(tmp_path, monkeypatch):
    monkeypatch.setenv("MASTERYCAT_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    result = CliRunner().invoke(cli, ["lti", "rotate-keys"])
    assert result.exit_code == 2 and "masterycat db upgrade" in result.output


def test_a_platform_registers_masterycat_dynamically_from_an_admins_url(tool, platform, world):
    _login(tool, "admin")
    page = tool.post("/lti/admin/registration-url", data={"csrf_token": _token(tool, "/lti/admin")}).text
    url = re.search(r"(https://testserver/lti/register\?code=[^\s<]+)", page).group(1)
    tool.cookies.clear()  # the LMS opens it, not the admin's browser session
    r = tool.get(
        "/lti/register",
        params={
            "code": url.split("code=", 1)[1],
            "openid_configuration": f"{platform.base}/.well-known/openid-configuration",
            "registration_token": "registration-token-1",
        },
    )
    assert r.status_code == 200 and "masterycat is registered" in r.text, r.text
    (sent,) = platform.tool_registrations
    assert sent["initiate_login_uri"] == "https://testserver/lti/login"
    assert (
        sent["redirect_uris"] == ["https://testserver/lti/launch"] and sent["jwks_uri"] == "https://testserver/lti/jwks"
    )
    assert "https://purl.imsglobal.org/spec/lti-ags/scope/score" in sent["scope"].split()
    with Session(world.engine) as s:
        deployments = s.exec(select(LtiDeployment.deployment_id)).all()
        assert "deployment-dynamic" in deployments


@pytest.mark.parametrize("case", ["forged code", "issuer elsewhere"])
def test_a_bad_dynamic_registration_is_refused_in_words(tool, platform, world, case):
    code = "not-a-code"
    if case == "issuer elsewhere":
        _login(tool, "admin")
        page = tool.post("/lti/admin/registration-url", data={"csrf_token": _token(tool, "/lti/admin")}).text
        code = re.search(r"code=([^\s<&]+)", page).group(1)
    config = f"{platform.base}/.well-known/openid-configuration"
    if case == "issuer elsewhere":
        config = f"http://localhost:{platform.port}/.well-known/openid-configuration"  # not the issuer's address
    with Session(world.engine) as s:
        before = len(s.exec(select(LtiDeployment)).all())
    r = tool.get("/lti/register", params={"code": code, "openid_configuration": config})
    assert r.status_code in (400, 403)
    text = r.text.replace("&#39;", "'")
    assert (
        "not made by a masterycat admin" if case == "forged code" else "does not begin its configuration URL"
    ) in text
    with Session(world.engine) as s:
        assert len(s.exec(select(LtiDeployment)).all()) == before
    assert platform.tool_registrations == []
