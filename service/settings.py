"""Service settings from the environment (pydantic-settings).

Variables are prefixed ``MASTERYCAT_`` (``MASTERYCAT_SECRET_KEY``,
``MASTERYCAT_TOKEN_MINUTES`` …); the database URL is read from
``DATABASE_URL`` as docs/architecture.md (Storage) says (``MASTERYCAT_DATABASE_URL`` also works).
"""

from __future__ import annotations

import secrets
import warnings
from functools import lru_cache
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from itembank.checks import MIN_ITEMS
from itembank.db import database_url

__all__ = ["Settings", "get_settings"]


class Settings(BaseSettings):
    """Everything the service reads from its environment.

    Attributes
    ----------
    database_url : str
        SQLAlchemy URL; default the SQLite file ``masterycat.db``.
    secret_key : str
        Signs the access tokens.  When unset a random key is made per
        process (tokens then die with the process; a warning says so).
    token_minutes : int
        Lifetime of an access token.
    demo : bool
        Demo mode (the demo logins exist only then).
    login_free_failures, login_failures_per_hour
        The login throttle (:mod:`service.login_throttle`) for one account
        from one client address: failures allowed before any wait, and
        failures forgotten per hour (about the attempts an hour allowed in
        the long run).
    login_client_free_failures, login_client_failures_per_hour
        The same for one client address over all accounts.
    login_first_wait_seconds, login_longest_wait_seconds
        The wait after the first failure beyond the allowance; it doubles
        with every further failure up to the longest.
    login_forget_seconds
        Failed logins on record are deleted this long after the last one.
    max_page_size : int
        Largest ``limit`` a list accepts.
    db_pool_size : int
        Connections kept open to PostgreSQL.
    db_prepared_statements : bool
        Let psycopg prepare the statements a connection runs often (the
        default).  Turn off behind PgBouncer in transaction pooling mode
        (``MASTERYCAT_DB_PREPARED_STATEMENTS=0``): there a prepared
        statement would be looked for on another server connection.
    db_listen_url : str, optional
        PostgreSQL: where each process LISTENs for live-bank changes; set it
        to the database itself when ``database_url`` goes through PgBouncer
        in transaction pooling mode (default: ``database_url``).
    bank_refresh_seconds : float
        SQLite: how often each process checks whether the live bank changed
        in the database (another worker made a calibration live, items were
        edited); 0 turns the poll off.  PostgreSQL tells every process at
        once (LISTEN/NOTIFY, :mod:`service.bank_follow`).
    frame_ancestors : list of str
        Origins (``https://lms.example.org``) allowed to show the pages in a
        frame, such as the LMSs registered for LTI launches; empty (the
        default) denies framing to everyone.  From the environment: origins
        separated by commas or spaces.
    hsts : bool
        Send ``Strict-Transport-Security`` on every response, also when the
        request does not look like HTTPS (a TLS proxy in front that does not
        forward the scheme); it is always sent on HTTPS requests.
    import_max_mb : float
        Largest roster, standards file or item package an import accepts
        (OneRoster, CASE, QTI), in MB; a zip may expand to at most 200
        times its size and 10 times this.
    lti_delivery_seconds : float
        How often the LTI score outbox is delivered to the LMSs
        (:mod:`service.lti.outbox`); 0 turns the delivery thread off.
    check_min_items : int
        The fewest questions an adaptive check gives before its stopping
        rule may end it (1-15; :func:`itembank.checks.check_policy`).
    """

    model_config = SettingsConfigDict(env_prefix="MASTERYCAT_", extra="ignore")

    database_url: str = Field(
        default_factory=lambda: database_url(None),
        validation_alias=AliasChoices("MASTERYCAT_DATABASE_URL", "DATABASE_URL", "database_url"),
    )
    secret_key: str = ""
    token_minutes: int = Field(default=60, ge=1, le=24 * 60)
    demo: bool = False
    login_free_failures: float = Field(default=5, ge=0)
    login_failures_per_hour: float = Field(default=6, gt=0)
    login_client_free_failures: float = Field(default=100, ge=0)
    login_client_failures_per_hour: float = Field(default=100, gt=0)
    login_first_wait_seconds: float = Field(default=1.0, gt=0)
    login_longest_wait_seconds: float = Field(default=900.0, gt=0)
    login_forget_seconds: float = Field(default=86_400.0, gt=0)
    max_page_size: int = Field(default=200, ge=1)
    db_pool_size: int = Field(default=10, ge=1)
    db_prepared_statements: bool = True
    db_listen_url: str | None = None
    bank_refresh_seconds: float = Field(default=5.0, ge=0)
    frame_ancestors: Annotated[list[str], NoDecode] = Field(default_factory=list)
    hsts: bool = False
    import_max_mb: float = Field(default=50.0, gt=0, le=2048)
    lti_delivery_seconds: float = Field(default=15.0, ge=0)
    check_min_items: int = Field(default=MIN_ITEMS, ge=1, le=15)

    @field_validator("database_url")
    @classmethod
    def _normalize_url(cls, v: str) -> str:
        return database_url(v)

    @field_validator("db_listen_url")
    @classmethod
    def _normalize_listen_url(cls, v: str | None) -> str | None:
        return None if not v else database_url(v)

    @field_validator("frame_ancestors", mode="before")
    @classmethod
    def _split_origins(cls, v: object) -> object:
        return v.replace(",", " ").split() if isinstance(v, str) else v

    @field_validator("frame_ancestors")
    @classmethod
    def _origins_only(cls, origins: list[str]) -> list[str]:
        for origin in origins:
            parts = urlsplit(origin)
            if (
                parts.scheme not in ("http", "https")
                or not parts.hostname
                or origin != f"{parts.scheme}://{parts.netloc}"
                or any(c in origin for c in " ;,'\"")
            ):
                raise ValueError(f"a frame ancestor is an origin such as https://lms.example.org, not {origin!r}")
        return origins

    def model_post_init(self, __context) -> None:
        if not self.secret_key:
            warnings.warn(
                "MASTERYCAT_SECRET_KEY is not set: using a random key, tokens end with this process",
                stacklevel=2,
            )
            object.__setattr__(self, "secret_key", secrets.token_urlsafe(48))


@lru_cache
def get_settings() -> Settings:
    """The process's settings, read once."""
    return Settings()
