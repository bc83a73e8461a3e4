"""The security headers every response carries (an ASGI middleware).

- ``Content-Security-Policy``: the pages load scripts, styles and images
  from this site only and run no inline script; the only inline styles
  allowed are ``style`` attributes and the one ``<style>`` element (by its
  hash) of the matplotlib figures inlined in the item pages.  A route may
  send its own policy instead (the OpenAPI pages do: :mod:`service.api_docs`).
- Framing: denied (``X-Frame-Options: DENY``, ``frame-ancestors 'none'``)
  unless ``Settings.frame_ancestors`` lists the origins allowed to frame
  the pages; then ``frame-ancestors`` names them and ``X-Frame-Options``
  (which cannot) is left out.
- ``Cache-Control: no-store`` on everything but ``/static``: every page and
  API answer is one user's view (keys, students' answers and results), and
  a shared classroom computer must not keep it.  A route may set its own.
- ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: same-origin``.
- ``Strict-Transport-Security`` on requests that came over HTTPS (uvicorn
  reads ``X-Forwarded-Proto`` from a proxy it trusts), or on every response
  when ``Settings.hsts`` says the site is HTTPS only.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Sequence

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["SecurityHeaders", "FIGURE_STYLE", "csp_hash", "frame_ancestors_source", "page_policy"]

#: The ``<style>`` element matplotlib writes into every SVG figure.
FIGURE_STYLE = "*{stroke-linejoin: round; stroke-linecap: butt}"
HSTS = "max-age=31536000"
STATIC_PREFIX = "/static/"


def csp_hash(text: str) -> str:
    """The CSP source (``'sha256-…'``) that allows an inline element with exactly ``text``."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def frame_ancestors_source(origins: Sequence[str]) -> str:
    """The ``frame-ancestors`` sources: the origins, or ``'none'``."""
    return " ".join(origins) if origins else "'none'"


def page_policy(frame_ancestors: Sequence[str] = ()) -> str:
    """The Content-Security-Policy of the pages (and of every other response)."""
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"style-src-elem 'self' {csp_hash(FIGURE_STYLE)}",
            "style-src-attr 'unsafe-inline'",
            "img-src 'self' data:",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            f"frame-ancestors {frame_ancestors_source(frame_ancestors)}",
        )
    )


class SecurityHeaders:
    """ASGI middleware adding the security headers to every HTTP response.

    Parameters
    ----------
    app : ASGI app
    frame_ancestors : sequence of str
        Origins allowed to frame the pages; empty denies framing.
    hsts : bool
        Send ``Strict-Transport-Security`` on plain-HTTP requests too.
    """

    def __init__(self, app: ASGIApp, *, frame_ancestors: Sequence[str] = (), hsts: bool = False) -> None:
        self.app = app
        self.hsts = hsts
        common = [
            ("Content-Security-Policy", page_policy(frame_ancestors)),
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "same-origin"),
        ]
        if not frame_ancestors:
            common.append(("X-Frame-Options", "DENY"))
        self._static = common
        self._dynamic = [*common, ("Cache-Control", "no-store")]

    def _headers(self, scope: Scope) -> Iterable[tuple[str, str]]:
        yield from self._static if scope["path"].startswith(STATIC_PREFIX) else self._dynamic
        if self.hsts or scope.get("scheme") == "https":
            yield "Strict-Transport-Security", HSTS

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self._headers(scope):
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
