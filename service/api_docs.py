"""The OpenAPI pages (``/docs``, ``/docs/oauth2-redirect``, ``/redoc``) with their own policies.

They are FastAPI's own pages (Swagger UI and ReDoc, loaded from the
jsDelivr CDN); each is sent with a Content-Security-Policy that allows that
CDN and, by their hashes, exactly the inline scripts FastAPI writes into the
page, and no other inline script.  The app's other responses keep the
strict policy of :mod:`service.security_headers`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse

from service.security_headers import csp_hash, frame_ancestors_source

__all__ = ["add_api_docs", "DOCS_URL", "OAUTH2_REDIRECT_URL", "REDOC_URL"]

DOCS_URL = "/docs"
OAUTH2_REDIRECT_URL = "/docs/oauth2-redirect"
REDOC_URL = "/redoc"
CDN = "https://cdn.jsdelivr.net"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def _with_policy(page: HTMLResponse, sources: Sequence[str], frame_ancestors: Sequence[str]) -> HTMLResponse:
    """``page`` with a policy allowing ``sources`` and the hashes of its inline scripts."""
    html = bytes(page.body).decode("utf-8")
    scripts = " ".join(csp_hash(s) for s in _INLINE_SCRIPT.findall(html))
    page.headers["Content-Security-Policy"] = "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self' {CDN} {scripts}".strip(),
            *sources,
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            f"frame-ancestors {frame_ancestors_source(frame_ancestors)}",
        )
    )
    return page


def add_api_docs(app: FastAPI, frame_ancestors: Sequence[str] = ()) -> None:
    """Serve Swagger UI and ReDoc for ``app`` (built with ``docs_url=None, redoc_url=None``)."""
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get(DOCS_URL, include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url=openapi_url, title=f"{app.title} - Swagger UI", oauth2_redirect_url=OAUTH2_REDIRECT_URL
        )
        sources = (f"style-src 'self' {CDN}", "img-src 'self' data: https://fastapi.tiangolo.com")
        return _with_policy(page, sources, frame_ancestors)

    @app.get(OAUTH2_REDIRECT_URL, include_in_schema=False)
    def swagger_ui_redirect() -> HTMLResponse:
        return _with_policy(get_swagger_ui_oauth2_redirect_html(), ("style-src 'self'",), frame_ancestors)

    @app.get(REDOC_URL, include_in_schema=False)
    def redoc() -> HTMLResponse:
        page = get_redoc_html(openapi_url=openapi_url, title=f"{app.title} - ReDoc")
        sources = (
            # ReDoc writes its styles at run time and loads its fonts from Google
            "style-src 'self' 'unsafe-inline' https://fonts.googleapis.com",
            "font-src https://fonts.gstatic.com",
            "img-src 'self' data: https://fastapi.tiangolo.com",
            "worker-src blob:",
        )
        return _with_policy(page, sources, frame_ancestors)
