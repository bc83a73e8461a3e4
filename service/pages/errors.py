"""Errors outside any page route answered as pages: an unknown address, a wrong method, a crash.

:class:`service.pages.common.PageRoute` turns the errors of a page route
into HTML pages; an address no route matches never reaches one, so
:func:`install` adds application-wide handlers that answer a browser with
the same ``error.html`` page, and the JSON API (everything under ``/api/``)
with JSON as before.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.pages.common import error_page
from service.words import N_

__all__ = ["install", "PAGE_WORDS"]

logger = logging.getLogger("masterycat")

#: What Starlette's own errors mean, in words for a page (translated by the error page).
PAGE_WORDS = {
    404: N_("There is no page at this address. Check the address, or start again from your start page."),
    405: N_(
        "This address cannot be used that way (a form sent to a page that only shows, or the reverse). "
        "Go back and try again."
    ),
    500: N_("Something went wrong on our side and it was not saved. Go back and try again in a moment."),
}


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _page_detail(code: int, detail: object) -> object:
    """Starlette's one-word details (``Not Found``) replaced by sentences; a route's own detail kept."""
    if code in PAGE_WORDS and isinstance(detail, str) and detail in {"Not Found", "Method Not Allowed"}:
        return PAGE_WORDS[code]
    return detail


def install(app: FastAPI) -> None:
    """Answer HTTP errors and crashes outside page routes with an HTML page (JSON under ``/api/``)."""

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, err: StarletteHTTPException) -> Response:
        if _is_api(request):
            return await http_exception_handler(request, err)
        return error_page(request, err.status_code, _page_detail(err.status_code, err.detail))

    @app.exception_handler(Exception)
    async def crash(request: Request, err: Exception) -> Response:
        logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=err)
        if _is_api(request):
            return JSONResponse({"detail": "internal server error"}, status_code=500)
        try:
            request.state.user = None
            return error_page(request, 500, PAGE_WORDS[500])
        except Exception:  # noqa: BLE001 - the page itself failed (e.g. the templates): words without a layout
            return HTMLResponse(f"<!doctype html><title>Error</title><p>{PAGE_WORDS[500]}</p>", status_code=500)
