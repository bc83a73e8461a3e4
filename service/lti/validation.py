"""The launch's id_token checked in full before anything is written.

The signature is verified against the platform's JWKS (``jwt.PyJWKClient``:
fetched, cached for :data:`JWKS_LIFESPAN` seconds and fetched again when the
token names a key id the cached set lacks, at most every :data:`JWKS_COOLDOWN` seconds); then the issuer, the audience
(masterycat's client id), ``azp`` when several audiences are named, the
expiry and issue time, the nonce of the login's state (used once), the
deployment id, the message type and the LTI version.  Each failure is a
:class:`LaunchRefused` whose message says what failed, in words.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import jwt
from sqlmodel import Session

from itembank.lti import LtiLaunchState, LtiPlatform, deployment_ids_of, find_platform, use_launch_state

__all__ = ["LaunchRefused", "ValidLaunch", "validate_launch", "platform_keys", "CLAIM", "MESSAGE_TYPES"]

#: the LTI claims' common prefix
CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
MESSAGE_TYPES = ("LtiResourceLinkRequest", "LtiDeepLinkingRequest")
#: seconds a fetched platform JWKS is trusted before it is fetched again
JWKS_LIFESPAN = 300
#: seconds after a fetch before a token naming an unknown key id fetches the set again (a platform that
#: rotated its key waits at most this long; tokens with made-up key ids cost at most one fetch this often)
JWKS_COOLDOWN = 10.0
#: seconds of clock difference allowed with the platform
LEEWAY = 60

_clients: dict[str, jwt.PyJWKClient] = {}
_clients_lock = threading.Lock()


class LaunchRefused(Exception):
    """A launch that cannot be accepted; the message says why."""


@dataclass(frozen=True)
class ValidLaunch:
    """A launch whose id_token passed every check."""

    platform: LtiPlatform
    claims: dict[str, Any]
    message_type: str
    deployment_id: str


def platform_keys(jwks_url: str) -> jwt.PyJWKClient:
    """The (process-wide, cached) JWKS client of one platform key set URL."""
    with _clients_lock:
        client = _clients.get(jwks_url)
        if client is None:
            client = jwt.PyJWKClient(
                jwks_url, cache_jwk_set=True, lifespan=JWKS_LIFESPAN, timeout=10, cooldown_duration=JWKS_COOLDOWN
            )
            _clients[jwks_url] = client
        return client


def _unverified(id_token: str) -> dict[str, Any]:
    try:
        return jwt.decode(id_token, options={"verify_signature": False})
    except jwt.PyJWTError as err:
        raise LaunchRefused(f"the id_token is not a JWT ({err})") from None


def _platform_of(session: Session, claims: dict[str, Any]) -> LtiPlatform:
    issuer = claims.get("iss")
    audiences = claims.get("aud")
    audiences = [audiences] if isinstance(audiences, str) else list(audiences or [])
    if not isinstance(issuer, str):
        raise LaunchRefused("the id_token names no issuer (iss)")
    client_id = claims.get("azp") if len(audiences) > 1 else (audiences[0] if audiences else None)
    platform = find_platform(session, issuer, client_id if isinstance(client_id, str) else None)
    if platform is None:
        raise LaunchRefused(
            f"the id_token is addressed to client id {client_id!r} of issuer {issuer!r}, "
            "which is not a platform registered here"
        )
    return platform


def _verified(platform: LtiPlatform, id_token: str) -> dict[str, Any]:
    try:
        key = platform_keys(platform.jwks_url).get_signing_key_from_jwt(id_token)
    except jwt.PyJWKClientConnectionError as err:
        raise LaunchRefused(f"the platform's key set at {platform.jwks_url} could not be fetched ({err})") from None
    except jwt.PyJWKClientError as err:
        raise LaunchRefused(f"the id_token's signing key is not in the platform's key set ({err})") from None
    except jwt.PyJWTError as err:
        raise LaunchRefused(f"the id_token's header cannot be read ({err})") from None
    try:
        return jwt.decode(
            id_token,
            key.key,
            algorithms=["RS256", "RS384", "RS512"],
            audience=platform.client_id,
            issuer=platform.issuer,
            leeway=LEEWAY,
            options={"require": ["exp", "iat", "iss", "aud", "sub", "nonce"]},
        )
    except jwt.ExpiredSignatureError:
        raise LaunchRefused("the id_token has expired") from None
    except jwt.InvalidSignatureError:
        raise LaunchRefused("the id_token's signature does not match the platform's key: it may be forged") from None
    except jwt.InvalidAudienceError:
        raise LaunchRefused(f"the id_token is not addressed to masterycat's client id {platform.client_id}") from None
    except jwt.InvalidIssuerError:
        raise LaunchRefused(f"the id_token was not issued by {platform.issuer}") from None
    except jwt.ImmatureSignatureError:
        raise LaunchRefused("the id_token was issued in the future (iat): check the platform's clock") from None
    except jwt.MissingRequiredClaimError as err:
        raise LaunchRefused(f"the id_token lacks the claim {err.claim}") from None
    except jwt.PyJWTError as err:
        raise LaunchRefused(f"the id_token is not valid ({err})") from None


def validate_launch(session: Session, id_token: str, state: str) -> ValidLaunch:
    """Check a launch's id_token and state; mark the state used (flushed, the caller commits).

    Raises
    ------
    LaunchRefused
        Any check failing, with what failed.
    """
    if not id_token:
        raise LaunchRefused("the launch carries no id_token")
    platform = _platform_of(session, _unverified(id_token))
    claims = _verified(platform, id_token)
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != platform.client_id:
        raise LaunchRefused(f"the id_token names several audiences and its azp is not {platform.client_id}")
    if "azp" in claims and claims["azp"] != platform.client_id:
        raise LaunchRefused(f"the id_token's azp {claims['azp']!r} is not masterycat's client id")
    used = use_launch_state(session, state)
    if isinstance(used, str):
        raise LaunchRefused(used)
    row: LtiLaunchState = used
    if row.platform_id != platform.id:
        raise LaunchRefused("the launch's state belongs to a login from another platform")
    if claims.get("nonce") != row.nonce:
        raise LaunchRefused("the id_token's nonce is not the one this login sent: the token may be replayed")
    message_type = claims.get(CLAIM + "message_type")
    if message_type not in MESSAGE_TYPES:
        raise LaunchRefused(
            f"the message type {message_type!r} is not one masterycat takes ({', '.join(MESSAGE_TYPES)})"
        )
    if claims.get(CLAIM + "version") != "1.3.0":
        raise LaunchRefused(f"the LTI version {claims.get(CLAIM + 'version')!r} is not 1.3.0")
    deployment = claims.get(CLAIM + "deployment_id")
    if deployment not in deployment_ids_of(session, platform.id):
        raise LaunchRefused(f"the deployment id {deployment!r} is not registered for {platform.issuer}")
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise LaunchRefused("the id_token names no user (sub): anonymous launches are not taken")
    return ValidLaunch(platform, claims, message_type, deployment)
