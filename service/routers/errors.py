"""The responses a route documents in the OpenAPI: its errors, and CSV where it answers CSV.

Each route lists the status codes it can answer besides success, with the
error's body: ``{"detail": "…"}`` (:class:`~service.schemas.ErrorMessage`)
for every code but 422, whose body names each invalid field
(:class:`~service.schemas.ValidationErrors`).  Clients can rely on these:
the schemathesis run of the test suite fails on an answer a route does not
document.
"""

from __future__ import annotations

from typing import Any

from service.schemas import ErrorMessage, ValidationErrors

__all__ = ["errors", "CSV_CONTENT", "HTML_CONTENT"]

_MEANINGS = {
    400: "The body could not be read (not JSON, not UTF-8, a broken multipart form).",
    401: "Not logged in: no bearer token, or one that is invalid or expired.",
    403: "Logged in, but the role or the records (another teacher's class, another student) do not allow it.",
    404: "An id in the path or the body names no record.",
    409: "The request conflicts with the record's state (an ended check, an answer already given, a job not done).",
    413: "The upload is larger than the import limit.",
    422: "The request is invalid: each problem names its field.",
    429: "Too many attempts: retry after the seconds of the Retry-After header.",
}

#: The content of a CSV answer, for ``responses={200: {"content": CSV_CONTENT}}``; a route
#: that answers only CSV (or HTML) declares ``response_class=Response``, so that its errors
#: stay documented as JSON
CSV_CONTENT: dict[str, Any] = {"text/csv": {"schema": {"type": "string"}}}
#: The content of an HTML answer
HTML_CONTENT: dict[str, Any] = {"text/html": {"schema": {"type": "string"}}}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of a route for these error status codes."""
    return {
        code: {"model": ValidationErrors if code == 422 else ErrorMessage, "description": _MEANINGS[code]}
        for code in codes
    }
