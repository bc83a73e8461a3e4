"""``masterycat lti register`` and ``masterycat lti rotate-keys``: masterycat as an LTI 1.3 tool.

Both open the database as ``masterycat serve`` finds it
(``$MASTERYCAT_DATABASE_URL``, else ``$DATABASE_URL``, else ``sqlite:///masterycat.db``).
"""

from __future__ import annotations

import typer

from cli.common import app, fail

lti_app = typer.Typer(help="masterycat as an LTI 1.3 tool of the district's LMS.", no_args_is_help=True)
app.add_typer(lti_app, name="lti")


def _engine():
    from itembank.db import database_url, make_engine
    from itembank.migrate import current_revision, head_revision

    url = database_url()
    try:
        engine = make_engine(url)
        if current_revision(engine) != head_revision():
            fail("the database schema is not up to date: run `masterycat db upgrade` first")
    except typer.Exit:
        raise
    except Exception as err:  # bad URL, missing driver, unreachable server
        fail(f"cannot open the database {url}: {str(err).splitlines()[0]}")
    return engine


@lti_app.command("register")
def register(
    issuer: str = typer.Option(
        ..., "--issuer", help="the platform's issuer (iss), e.g. https://canvas.instructure.com"
    ),
    client_id: str = typer.Option(..., "--client-id", help="the client id the LMS gave masterycat"),
    deployment_id: list[str] = typer.Option(..., "--deployment-id", help="a deployment id (repeat for several)"),
    auth_login_url: str = typer.Option(..., "--auth-login-url", help="the platform's OIDC authorization URL"),
    auth_token_url: str = typer.Option(..., "--auth-token-url", help="the platform's OAuth 2 token URL"),
    jwks_url: str = typer.Option(..., "--jwks-url", help="the platform's public key set (JWKS) URL"),
) -> None:
    """Register an LMS (or add deployment ids and update the URLs of one registered before)."""
    from sqlmodel import Session

    from itembank.errors import Invalid
    from itembank.lti import deployment_ids_of, register_platform

    engine = _engine()
    try:
        with Session(engine) as session:
            try:
                platform = register_platform(
                    session,
                    issuer=issuer,
                    client_id=client_id,
                    deployment_ids=deployment_id,
                    auth_login_url=auth_login_url,
                    auth_token_url=auth_token_url,
                    jwks_url=jwks_url,
                )
            except Invalid as err:
                fail(str(err))
            deployments = deployment_ids_of(session, platform.id)
            session.commit()
            print(
                f"platform {platform.id} registered: {platform.issuer} client {platform.client_id}, "
                f"deployments {', '.join(deployments)}"
            )
    finally:
        engine.dispose()


@lti_app.command("rotate-keys")
def rotate_keys() -> None:
    """A new signing key; the old one stays published at /lti/jwks until tokens signed with it have expired."""
    from sqlmodel import Session

    from itembank.lti import KEY_GRACE, rotate_keys

    engine = _engine()
    try:
        with Session(engine) as session:
            key = rotate_keys(session)
            session.commit()
            print(f"new signing key {key.kid}; the previous one stays published for {KEY_GRACE}")
    finally:
        engine.dispose()
