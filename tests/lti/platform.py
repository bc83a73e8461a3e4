"""A real LTI 1.3 platform for the tests: the ``lti1p3platform`` package served over HTTP by uvicorn.

The package does the platform's protocol work: the OIDC login initiation
(:class:`lti1p3platform.oidc_login.OIDCLoginAbstract`), the signed launch
with its deep-linking, AGS and NRPS claims
(:class:`lti1p3platform.message_launch.LTIAdvantageMessageLaunchAbstract`),
the client-credentials access tokens checked against the tool's key set
(``get_access_token``), access-token checks on its services
(``validate_token``) and the deep-linking response's verification
(``validate_deeplinking_resp``).  This module adds what a platform keeps:
courses with members, line items and the scores posted to them, the
content items a teacher added.  It listens on a real port (the tool
fetches its JWKS and calls its token, AGS and NRPS endpoints over HTTP)
and can be stopped and started again on the same port, as an LMS that goes
down.  It reaches the tool's key set through ``fetch_tool_jwks`` (the
tests' client of the tool app).
"""

from __future__ import annotations

import html
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.oidc_login import OIDCLoginAbstract
from lti1p3platform.registration import Registration

SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"


def _pem_pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


@dataclass
class Person:
    sub: str
    roles: list[str]
    name: str
    status: str = "Active"
    sourced_id: str | None = None


@dataclass
class PlannedLaunch:
    """What the platform launches for one ``lti_message_hint``."""

    user: Person
    context_id: str = "course-1"
    resource_link_id: str = "link-1"
    custom: dict[str, str] = field(default_factory=dict)
    deep_linking: bool = False
    #: the line item of the link (AGS ``lineitem``), when it has one
    lineitem: str | None = None
    extra_claims: dict[str, Any] = field(default_factory=dict)
    #: the id_token's lifetime (negative: already expired)
    expiration: int = 300


class _Config(LTI1P3PlatformConfAbstract):
    def init_platform_config(self, **kwargs: Any) -> None:
        self._registration = kwargs["registration"]
        self._fetch = kwargs["fetch_tool_jwks"]

    def get_registration_by_params(self, **kwargs: Any) -> Registration:
        return self._registration

    def fetch_public_key(self, key_set_url: str):  # the tool's /lti/jwks, read afresh every time
        return self._fetch(key_set_url)

    def get_tool_key_set(self):
        self._registration.set_tool_key_set(None)
        return super().get_tool_key_set()


class _Login(OIDCLoginAbstract):
    def set_lti_message_hint(self, **kwargs: Any) -> None:
        self._lti_message_hint = kwargs["hint"]

    def get_redirect(self, url: str) -> RedirectResponse:
        return RedirectResponse(url, status_code=302)


class _Launch(LTIAdvantageMessageLaunchAbstract):
    def get_preflight_response(self) -> dict[str, Any]:
        return dict(self._request.query_params)

    def render_launch_form(self, launch_data: dict[str, Any], **kwargs: Any) -> HTMLResponse:
        fields = "".join(
            f'<input type="hidden" name="{name}" value="{html.escape(str(launch_data[name]))}">'
            for name in ("id_token", "state")
        )
        return HTMLResponse(f'<form method="POST" action="{html.escape(launch_data["launch_url"])}">{fields}</form>')


class Platform:
    """The platform app, its registration of the tool, and what it keeps."""

    def __init__(self, tool_base: str, fetch_tool_jwks: Callable[[str], dict]) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.client_id = "masterycat-tool"
        self.deployment_id = "deployment-1"
        private, public = _pem_pair()
        self.registration = (
            Registration()
            .set_iss(self.base)
            .set_client_id(self.client_id)
            .set_deployment_id(self.deployment_id)
            .set_oidc_login_url(f"{tool_base}/lti/login")
            .set_launch_url(f"{tool_base}/lti/launch")
            .set_deeplink_launch_url(f"{tool_base}/lti/launch")
            .set_tool_key_set_url(f"{tool_base}/lti/jwks")
            .set_platform_private_key(private)
            .set_platform_public_key(public)
        )
        self.fetch_tool_jwks = fetch_tool_jwks
        self.planned: dict[str, PlannedLaunch] = {}
        self.members: dict[str, list[Person]] = {}
        #: line items by id (their URL): label, scoreMaximum, resourceId, and the scores by user
        self.line_items: dict[str, dict[str, Any]] = {}
        self.scores: dict[str, dict[str, dict]] = {}
        self.content_items: list[dict] = []
        self.requests: list[str] = []
        self.tool_registrations: list[dict] = []
        #: a status the score service answers instead of taking scores (None: it takes them)
        self.score_refusal: int | None = None
        self.app = self._build()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------ the app
    def config(self) -> _Config:
        return _Config(registration=self.registration, fetch_tool_jwks=self.fetch_tool_jwks)

    def _bearer_ok(self, request: Request, scope: str) -> bool:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        try:
            config = self.config()
            config.get_registration()
            return config.validate_token(token, allowed_scopes=[scope])
        except Exception:  # noqa: BLE001 - any bad token is a 401
            return False

    def _build(self) -> FastAPI:
        app = FastAPI()

        @app.middleware("http")
        async def log(request: Request, call_next):
            self.requests.append(f"{request.method} {request.url.path}")
            return await call_next(request)

        @app.get("/jwks")
        def jwks():
            return self.config().get_jwks() if self.config().get_registration() else {}

        # LTI Dynamic Registration: not in lti1p3platform, so this platform's own two endpoints
        @app.get("/.well-known/openid-configuration")
        def openid_configuration():
            return {
                "issuer": self.base,
                "authorization_endpoint": f"{self.base}/authorize",
                "token_endpoint": f"{self.base}/token",
                "jwks_uri": f"{self.base}/jwks",
                "registration_endpoint": f"{self.base}/register",
                "https://purl.imsglobal.org/spec/lti-platform-configuration": {"product_family_code": "lti1p3platform"},
            }

        @app.post("/register")
        async def register(request: Request):
            if request.headers.get("authorization") != "Bearer registration-token-1":
                return Response(status_code=401)
            body = await request.json()
            self.tool_registrations.append(body)
            self.registration.set_tool_key_set_url(body["jwks_uri"])
            return {
                **body,
                "client_id": self.client_id,
                "https://purl.imsglobal.org/spec/lti-tool-configuration": {
                    **body["https://purl.imsglobal.org/spec/lti-tool-configuration"],
                    "deployment_id": "deployment-dynamic",
                },
            }

        @app.get("/start/{hint}")
        def start(hint: str, request: Request):
            config = self.config()
            login = _Login(request, config)
            login.set_lti_message_hint(hint=hint)
            if self.planned[hint].deep_linking:
                login.set_deeplinking_launch_url()
            return login.initiate_login(self.planned[hint].user.sub)

        @app.get("/authorize")
        def authorize(request: Request):
            planned = self.planned[request.query_params["lti_message_hint"]]
            members = self.members.setdefault(planned.context_id, [])
            if planned.user.sub not in {m.sub for m in members}:
                members.append(planned.user)  # whoever launches from a course is one of its members
            launch = _Launch(request, self.config())
            launch.set_user_data(planned.user.sub, planned.user.roles, full_name=planned.user.name)
            launch.set_launch_context_claim(planned.context_id, context_title=f"Course {planned.context_id}")
            launch.set_resource_link_claim(planned.resource_link_id, title=f"Link {planned.resource_link_id}")
            if planned.custom:
                launch.set_custom_parameters_claim(planned.custom)
            launch.set_ags(f"{self.base}/courses/{planned.context_id}/lineitems", planned.lineitem)
            launch.set_nrps(f"{self.base}/courses/{planned.context_id}/memberships")
            if planned.deep_linking:
                launch.set_dl(f"{self.base}/deep_link_return", extra_data={"opaque": "kept"})
            if planned.extra_claims:
                launch.set_extra_claims(planned.extra_claims)
            launch.set_id_token_expiration(planned.expiration)
            return launch.lti_launch()

        @app.post("/token")
        async def token(request: Request):
            form = dict(await request.form())
            config = self.config()
            config.get_registration()
            try:
                return config.get_access_token(form)
            except Exception as err:  # noqa: BLE001 - the tool's assertion refused
                return JSONResponse({"error": "invalid_client", "detail": str(err)}, status_code=401)

        @app.post("/deep_link_return")
        async def deep_link_return(request: Request):
            config = self.config()
            config.get_registration()
            items = config.validate_deeplinking_resp(dict(await request.form()))
            for item in items:
                self.content_items.append(item)
                if "lineItem" in item:  # the platform makes the link's line item, as Canvas does
                    url = f"{self.base}/courses/course-1/lineitems/{len(self.line_items) + 1}"
                    self.line_items[url] = {**item["lineItem"], "id": url}
            return HTMLResponse("content added")

        @app.get("/courses/{context_id}/lineitems")
        def list_lineitems(context_id: str, request: Request, resource_id: str | None = None):
            if not self._bearer_ok(request, LINEITEM_SCOPE):
                return Response(status_code=401)
            found = [i for i in self.line_items.values() if resource_id is None or i.get("resourceId") == resource_id]
            return JSONResponse(found)

        @app.post("/courses/{context_id}/lineitems")
        async def create_lineitem(context_id: str, request: Request):
            if not self._bearer_ok(request, LINEITEM_SCOPE):
                return Response(status_code=401)
            url = f"{self.base}/courses/{context_id}/lineitems/{len(self.line_items) + 1}"
            self.line_items[url] = {**(await request.json()), "id": url}
            return JSONResponse(self.line_items[url], status_code=201)

        @app.post("/courses/{context_id}/lineitems/{number}/scores")
        async def post_score(context_id: str, number: str, request: Request):
            if not self._bearer_ok(request, SCORE_SCOPE):
                return Response(status_code=401)
            if self.score_refusal is not None:
                return Response(status_code=self.score_refusal)
            if request.headers.get("content-type") != "application/vnd.ims.lis.v1.score+json":
                return Response(status_code=415)
            url = f"{self.base}/courses/{context_id}/lineitems/{number}"
            if url not in self.line_items:
                return Response(status_code=404)
            score = await request.json()
            kept = self.scores.setdefault(url, {})
            previous = kept.get(score["userId"])
            if previous is not None and previous["timestamp"] > score["timestamp"]:
                return Response(status_code=409)  # an older score than the one kept
            kept[score["userId"]] = score
            return Response(status_code=200)

        @app.get("/courses/{context_id}/memberships")
        def memberships(context_id: str, request: Request):
            if not self._bearer_ok(request, NRPS_SCOPE):
                return Response(status_code=401)
            return {
                "id": str(request.url),
                "context": {"id": context_id},
                "members": [
                    {"user_id": p.sub, "roles": p.roles, "name": p.name, "status": p.status}
                    | ({"lis_person_sourcedid": p.sourced_id} if p.sourced_id else {})
                    for p in self.members.get(context_id, [])
                ],
            }

        return app

    # ----------------------------------------------------------- serving
    def start(self) -> None:
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.time() + 10
        while not self._server.started:
            if time.time() > deadline:
                raise RuntimeError("the test platform did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
            self._server = None


def form_fields(page: str, action: str | None = None) -> tuple[str, dict[str, str]]:
    """The action and hidden fields of the form of ``page`` whose action starts with ``action`` (else its last form)."""
    forms = re.findall(r'<form\b[^>]*action="([^"]+)"[^>]*>(.*?)</form>', page, re.DOTALL | re.IGNORECASE)
    chosen = [f for f in forms if action is None or html.unescape(f[0]).startswith(action)][-1]
    fields = {
        name: html.unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', chosen[1])
    }
    return html.unescape(chosen[0]), fields
