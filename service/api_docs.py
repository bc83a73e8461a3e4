"""The OpenAPI pages (``/docs``, ``/docs/oauth2-redirect``, ``/redoc``) with their own policies.

They are FastAPI's own pages (Swagger UI and ReDoc).  Their scripts, style
sheet and icon are served by the app itself under ``/docs/static``, from
the pinned ``fastapi-offline`` package that ships them, so both pages work
without internet and load nothing from another host.  ReDoc's script would
still fetch the small Redocly logo of its sidebar's footer from Redocly's
CDN; it is served (:data:`REDOC_JS_URL`) with that image's address replaced
by an empty ``data:`` one, which ReDoc hides as an image that failed.  Each page is sent
with a Content-Security-Policy that allows only this origin and, by their
hashes, exactly the inline scripts FastAPI writes into the page.  The
app's other responses keep the strict policy of
:mod:`service.security_headers`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from importlib.resources import files

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from service.security_headers import csp_hash, frame_ancestors_source

__all__ = ["add_api_docs", "DOCS_URL", "DOCS_STATIC_URL", "OAUTH2_REDIRECT_URL", "REDOC_URL", "REDOC_JS_URL"]

DOCS_URL = "/docs"
DOCS_STATIC_URL = "/docs/static"
OAUTH2_REDIRECT_URL = "/docs/oauth2-redirect"
REDOC_URL = "/redoc"
REDOC_JS_URL = "/docs/redoc.standalone.js"
_DOCS_FILES = str(files("fastapi_offline") / "static")
#: the one file ReDoc's script loads from another host (its footer's logo), and what it loads instead
_REDOC_LOGO = (b"https://cdn.redoc.ly/redoc/logo-mini.svg", b"data:,")
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def _with_policy(page: HTMLResponse, sources: Sequence[str], frame_ancestors: Sequence[str]) -> HTMLResponse:
    """``page`` with a policy allowing ``sources`` and the hashes of its inline scripts."""
    html = bytes(page.body).decode("utf-8")
    scripts = " ".join(csp_hash(s) for s in _INLINE_SCRIPT.findall(html))
    page.headers["Content-Security-Policy"] = "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self' {scripts}".strip(),
            *sources,
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            f"frame-ancestors {frame_ancestors_source(frame_ancestors)}",
        )
    )
    return page


def _redoc_script() -> bytes:
    """ReDoc's script with its CDN logo replaced (:data:`_REDOC_LOGO`)."""
    script = (files("fastapi_offline") / "static" / "redoc.standalone.js").read_bytes()
    if _REDOC_LOGO[0] not in script:
        raise RuntimeError("ReDoc's script no longer names its CDN logo: check what it loads from other hosts")
    return script.replace(*_REDOC_LOGO)


def add_api_docs(app: FastAPI, frame_ancestors: Sequence[str] = ()) -> None:
    """Serve Swagger UI and ReDoc for ``app`` (built with ``docs_url=None, redoc_url=None``)."""
    openapi_url = app.openapi_url or "/openapi.json"
    redoc_script = _redoc_script()
    app.mount(DOCS_STATIC_URL, StaticFiles(directory=_DOCS_FILES), name="api-docs-static")
    favicon = f"{DOCS_STATIC_URL}/favicon.png"

    @app.get(DOCS_URL, include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=OAUTH2_REDIRECT_URL,
            swagger_js_url=f"{DOCS_STATIC_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_STATIC_URL}/swagger-ui.css",
            swagger_favicon_url=favicon,
        )
        return _with_policy(page, ("style-src 'self'", "img-src 'self' data:"), frame_ancestors)

    @app.get(OAUTH2_REDIRECT_URL, include_in_schema=False)
    def swagger_ui_redirect() -> HTMLResponse:
        return _with_policy(get_swagger_ui_oauth2_redirect_html(), ("style-src 'self'",), frame_ancestors)

    @app.get(REDOC_JS_URL, include_in_schema=False)
    def redoc_js() -> Response:
        return Response(redoc_script, media_type="text/javascript")

    @app.get(REDOC_URL, include_in_schema=False)
    def redoc() -> HTMLResponse:
        page = get_redoc_html(
            openapi_url=openapi_url,
            title=f"{app.title} - ReDoc",
            redoc_js_url=REDOC_JS_URL,
            redoc_favicon_url=favicon,
            with_google_fonts=False,
        )
        sources = (
            "style-src 'self' 'unsafe-inline'",  # ReDoc writes its styles at run time
            "img-src 'self' data:",
            "worker-src blob:",
        )
        return _with_policy(page, sources, frame_ancestors)
