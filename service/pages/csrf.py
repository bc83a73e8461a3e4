"""Cross-site request forgery: every state-changing page form proves it came from this site.

Two locks, both checked on every page request that is not a GET (the JSON
API, authorized by bearer tokens a browser never sends on its own, is not
concerned):

- **A form token** (the signed double-submit pattern, OWASP): a random
  value lives in its own cookie (:data:`CSRF_COOKIE`, httponly,
  SameSite=Lax); every form carries the HMAC of that value and of the
  session cookie under the server's secret key in a hidden field
  (:data:`CSRF_FIELD`).  Another site can neither read the cookie nor
  compute the HMAC, and a token is good only with the login it was
  rendered for.  The login form is covered too (before any login the
  session part is empty), so no site can log a browser into another
  account.
- **The origin**: when the browser says where the form came from
  (``Origin``, else ``Referer``), it must be this host; ``Origin: null``
  (a sandboxed frame, a file, a data URL) is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

from fastapi import Request

from service.words import N_

__all__ = ["CSRF_COOKIE", "CSRF_FIELD", "SAFE_METHODS", "new_csrf_value", "form_token", "forgery_problem"]

#: Cookie holding the random half of the double submit.
CSRF_COOKIE = "masterycat_csrf"
#: Name of the hidden form field holding the token.
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

EXPIRED = N_("This form has expired or did not come from this site: go back, reload the page and send it again.")


def new_csrf_value() -> str:
    """A fresh random value for :data:`CSRF_COOKIE`."""
    return secrets.token_urlsafe(32)


def form_token(secret_key: str, csrf_value: str, session: str) -> str:
    """The token a form carries: HMAC-SHA256 of the cookie value and the session under the secret key."""
    message = f"csrf\x00{csrf_value}\x00{session}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


def _origin_problem(request: Request) -> str | None:
    """Why the request's ``Origin`` (or ``Referer``) shows another site; None when it does not."""
    host = request.headers.get("host", request.url.netloc)
    origin = request.headers.get("origin")
    if origin == "null":
        return N_("This form was sent from a page without an origin (a sandboxed frame or a file), so it is refused.")
    source = origin or request.headers.get("referer")
    if source and urlsplit(source).netloc != host:
        return N_("This form was sent from another site, so it is refused.")
    return None


async def forgery_problem(request: Request, session_cookie: str) -> str | None:
    """Why a form request may be forged (a message for the user), or None when it is genuine.

    Parameters
    ----------
    request : Request
        A request whose method is not in :data:`SAFE_METHODS`.
    session_cookie : str
        The session cookie's value ('' when there is none), which the token is bound to.
    """
    problem = _origin_problem(request)
    if problem:
        return problem
    csrf_value = request.cookies.get(CSRF_COOKIE)
    sent = (await request.form()).get(CSRF_FIELD)
    if not csrf_value or not isinstance(sent, str):
        return EXPIRED
    expected = form_token(request.app.state.settings.secret_key, csrf_value, session_cookie)
    return None if hmac.compare_digest(sent.encode(), expected.encode()) else EXPIRED
